/* An audio stream in a libavformat container (see audio_stream.h). */
#include <libavutil/error.h>

#include "mux/audio_stream.h"

static int muxer_error(const TkLog *log, int err, const char *what)
{
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(log, "output: %s failed: %s", what, msg);
    /* I/O errors keep their errno, as in avf.c */
    if (err < 0 && err > -4096)
        return err;
    return TALKIE_ERROR_MUXER;
}

int tk_mux_audio_add_stream(AVFormatContext *fmt, const TkAudioEncoder *enc, AVStream **out,
                            const TkLog *log)
{
    *out = NULL;
    AVStream *st = avformat_new_stream(fmt, NULL);
    if (!st)
        return TALKIE_ERR(ENOMEM);
    int res = tk_audio_encoder_parameters(enc, st->codecpar);
    if (res < 0)
        return res;
    /* a hint: muxers pick their own (MP4 and Ogg keep 1/rate, Matroska uses 1/1000) */
    st->time_base = tk_audio_encoder_time_base(enc);
    if (fmt->oformat && avformat_query_codec(fmt->oformat, st->codecpar->codec_id,
                                             FF_COMPLIANCE_NORMAL) == 0) {
        tk_log_error(log, "output: the %s container cannot hold %s audio", fmt->oformat->name,
                     avcodec_get_name(st->codecpar->codec_id));
        return TALKIE_ERROR_MUXER;
    }
    *out = st;
    return 0;
}

int tk_mux_audio_write(AVFormatContext *fmt, AVStream *st, AVRational enc_tb, AVPacket *pkt,
                       const TkLog *log)
{
    pkt->stream_index = st->index;
    av_packet_rescale_ts(pkt, enc_tb, st->time_base);
    int err = av_interleaved_write_frame(fmt, pkt);
    av_packet_unref(pkt);
    return err < 0 ? muxer_error(log, err, "writing an audio packet") : 0;
}
