/* An audio stream in a libavformat container (see audio_stream.h). */
#include <string.h>

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

/* Matroska (and WebM) stores block timestamps that include the CodecDelay, which readers
 * subtract (Matroska spec, CodecDelay). libavformat 59 (FFmpeg 5.1) writes the CodecDelay
 * element but not the offset: it shifts the priming packet's negative pts up by moving every
 * stream, video included, so the audio played a priming (6.5 ms for Opus) early next to
 * video. Adding the delay here gives the spec's timestamps and nothing negative to shift;
 * tests/audio/test_encode.c checks the result against video in WebM. */
static int64_t codec_delay_offset(const AVFormatContext *fmt, const AVStream *st,
                                  AVRational enc_tb)
{
    const AVCodecParameters *par = st->codecpar;
    if (!fmt->oformat || par->initial_padding <= 0 || par->sample_rate <= 0 ||
        (strcmp(fmt->oformat->name, "matroska") && strcmp(fmt->oformat->name, "webm")))
        return 0;
    return av_rescale_q(par->initial_padding, (AVRational){ 1, par->sample_rate }, enc_tb);
}

int tk_mux_audio_write(AVFormatContext *fmt, AVStream *st, AVRational enc_tb, AVPacket *pkt,
                       const TkLog *log)
{
    int64_t offset = codec_delay_offset(fmt, st, enc_tb);
    if (pkt->pts != AV_NOPTS_VALUE)
        pkt->pts += offset;
    if (pkt->dts != AV_NOPTS_VALUE)
        pkt->dts += offset;
    pkt->stream_index = st->index;
    av_packet_rescale_ts(pkt, enc_tb, st->time_base);
    int err = av_interleaved_write_frame(fmt, pkt);
    av_packet_unref(pkt);
    return err < 0 ? muxer_error(log, err, "writing an audio packet") : 0;
}
