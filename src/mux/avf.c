/*
 * MP4 and MPEG-TS output through libavformat (see avf.h).
 *
 * Timestamps arrive in frames; the stream's time base is one frame (fps_den / fps_num) and
 * packets are rescaled to whatever time base the muxer chose in its header. Every packet is
 * one frame long, which gives MP4 its exact duration (frames / fps).
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>

#include "common/av_log.h"
#include "encode/h264/nal.h"
#include "mux/audio_stream.h"
#include "mux/avf.h"

struct TkAvfWriter {
    AVFormatContext *fmt;
    AVStream *st;
    AVPacket *pkt;
    AVRational frame_tb;      /* one frame */
    const TkLog *log;
    const TkAudioEncoder *audio; /* NULL: video only */
    AVStream *ast;
};

static int muxer_error(const TkAvfWriter *w, int err, const char *what)
{
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(w->log, "output: %s failed: %s", what, msg);
    /* I/O errors (disk full, closed pipe) keep their errno so the caller can say why */
    if (err < 0 && err > -4096)
        return err;
    return TALKIE_ERROR_MUXER;
}

long tk_annexb_parameter_sets(const uint8_t *data, size_t size, uint8_t *dst, size_t cap)
{
    size_t n = 0, nal, nal_end, pos = 0;
    int have_sps = 0, have_pps = 0;
    while (tk_nal_next(data, size, pos, &nal, &nal_end)) {
        pos = nal_end;
        int type = nal < nal_end ? data[nal] & 0x1f : 0;
        if (type == 7 || type == 8) {
            size_t len = nal_end - nal;
            if (n + 4 + len > cap)
                return TALKIE_ERR(ENOSPC);
            static const uint8_t start_code[4] = { 0, 0, 0, 1 };
            memcpy(dst + n, start_code, 4);
            memcpy(dst + n + 4, data + nal, len);
            n += 4 + len;
            have_sps |= type == 7;
            have_pps |= type == 8;
        }
    }
    return have_sps && have_pps ? (long)n : 0;
}

void tk_avf_free(TkAvfWriter **wp)
{
    TkAvfWriter *w = *wp;
    if (!w)
        return;
    if (w->fmt) {
        tk_av_log_detach(w->fmt);
        tk_av_log_detach(w->fmt->pb);
        if (w->fmt->pb)
            avio_closep(&w->fmt->pb);
        avformat_free_context(w->fmt);
    }
    av_packet_free(&w->pkt);
    free(w);
    *wp = NULL;
}

int tk_avf_set_extradata(AVCodecParameters *par, const TalkiePacket *first, const TkLog *log)
{
    size_t cap = first->size + 64;
    uint8_t *extra = av_mallocz(cap + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!extra)
        return TALKIE_ERR(ENOMEM);
    long n = tk_annexb_parameter_sets(first->data, first->size, extra, cap);
    if (n <= 0) {
        av_free(extra);
        tk_log_error(log, "output: the first packet has no SPS/PPS (it must be a keyframe)");
        return TALKIE_ERR(EINVAL);
    }
    par->extradata = extra;
    par->extradata_size = (int)n;
    return 0;
}

int tk_avf_open(TkAvfWriter **out, const char *format, const char *url,
                const TkStreamInfo *info, const TalkiePacket *first, const TkLog *log)
{
    *out = NULL;
    TkAvfWriter *w = calloc(1, sizeof(*w));
    if (!w)
        return TALKIE_ERR(ENOMEM);
    w->log = log;
    w->frame_tb = (AVRational){ info->fps_den, info->fps_num };

    int err = avformat_alloc_output_context2(&w->fmt, NULL, format, url);
    if (err < 0 || !w->fmt) {
        int res = muxer_error(w, err < 0 ? err : AVERROR_MUXER_NOT_FOUND, "creating the muxer");
        tk_avf_free(&w);
        return res;
    }
    /* libavformat's messages ("Starting second pass...") go to the session's log */
    int res = tk_av_log_attach(w->fmt, log);
    if (res < 0) {
        tk_avf_free(&w);
        return res;
    }
    w->pkt = av_packet_alloc();
    w->st = avformat_new_stream(w->fmt, NULL);
    if (!w->pkt || !w->st) {
        tk_avf_free(&w);
        return TALKIE_ERR(ENOMEM);
    }

    AVCodecParameters *par = w->st->codecpar;
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = AV_CODEC_ID_H264;
    par->width = info->width;
    par->height = info->height;
    par->format = AV_PIX_FMT_YUV420P;
    par->profile = FF_PROFILE_H264_CONSTRAINED_BASELINE;
    par->color_primaries = AVCOL_PRI_BT709;
    par->color_trc = AVCOL_TRC_BT709;
    par->color_space = AVCOL_SPC_BT709;
    par->color_range = AVCOL_RANGE_MPEG;
    par->chroma_location = AVCHROMA_LOC_LEFT;
    par->sample_aspect_ratio = (AVRational){ 1, 1 };
    w->st->time_base = w->frame_tb;
    w->st->avg_frame_rate = (AVRational){ info->fps_num, info->fps_den };
    w->st->r_frame_rate = w->st->avg_frame_rate;
    res = tk_avf_set_extradata(par, first, w->log);
    if (res < 0) {
        tk_avf_free(&w);
        return res;
    }
    w->audio = info->audio;
    if (w->audio && (res = tk_mux_audio_add_stream(w->fmt, w->audio, &w->ast, log)) < 0) {
        tk_avf_free(&w);
        return res;
    }

    err = avio_open(&w->fmt->pb, url, AVIO_FLAG_WRITE);
    if (err < 0) {
        res = muxer_error(w, err, "opening the file");
        tk_avf_free(&w);
        return res;
    }
    if ((res = tk_av_log_attach(w->fmt->pb, log)) < 0) {
        tk_avf_free(&w);
        return res;
    }
    AVDictionary *opts = NULL;
    if (!strcmp(format, "mp4"))
        av_dict_set(&opts, "movflags", "+faststart", 0);
    err = avformat_write_header(w->fmt, &opts);
    av_dict_free(&opts);
    if (err < 0) {
        res = muxer_error(w, err, "writing the header");
        tk_avf_free(&w);
        return res;
    }
    *out = w;
    return 0;
}

int tk_avf_write(TkAvfWriter *w, const TalkiePacket *pkt)
{
    /* libavformat only reads the data; the packet is not reference counted, so the muxer
     * copies what it keeps (the MP4 muxer rewrites Annex B into length-prefixed NALs). */
    w->pkt->data = pkt->data;
    w->pkt->size = (int)pkt->size;
    w->pkt->pts = pkt->pts;
    w->pkt->dts = pkt->dts;
    w->pkt->duration = 1;
    w->pkt->flags = pkt->keyframe ? AV_PKT_FLAG_KEY : 0;
    w->pkt->stream_index = w->st->index;
    av_packet_rescale_ts(w->pkt, w->frame_tb, w->st->time_base);
    int err = w->ast ? av_interleaved_write_frame(w->fmt, w->pkt)
                     : av_write_frame(w->fmt, w->pkt);
    w->pkt->data = NULL;
    w->pkt->size = 0;
    av_packet_unref(w->pkt);
    return err < 0 ? muxer_error(w, err, "writing a packet") : 0;
}

int tk_avf_write_audio(TkAvfWriter *w, const TalkieAudioPacket *pkt)
{
    if (!w->ast)
        return TALKIE_ERR(EINVAL);
    /* a reference-counted copy: the interleaver keeps packets until the video catches up */
    int err = av_new_packet(w->pkt, (int)pkt->size);
    if (err < 0)
        return TALKIE_ERR(ENOMEM);
    memcpy(w->pkt->data, pkt->data, pkt->size);
    w->pkt->pts = w->pkt->dts = pkt->pts;
    w->pkt->duration = pkt->duration;
    w->pkt->flags = AV_PKT_FLAG_KEY;
    return tk_mux_audio_write(w->fmt, w->ast, tk_audio_encoder_time_base(w->audio), w->pkt,
                              w->log);
}

int tk_avf_finish(TkAvfWriter *w)
{
    int err = av_write_trailer(w->fmt);
    if (err < 0)
        return muxer_error(w, err, "finishing the file");
    /* avio_closep flushes; a failure here (disk full) means the file is not complete */
    tk_av_log_detach(w->fmt->pb);
    err = avio_closep(&w->fmt->pb);
    if (err < 0)
        return muxer_error(w, err, "closing the file");
    return 0;
}
