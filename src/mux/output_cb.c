/*
 * Callback outputs (talkie_output_open_cb): fragmented MP4 handed to the caller unit by unit,
 * for Media Source Extensions players and the Node.js binding.
 *
 * libavformat writes into an AVIOContext whose bytes we collect in `buf`; we flush the muxer
 * ourselves (frag_custom: av_write_frame(NULL) closes the fragment of the packet just
 * written) and then hand over what was collected, so every callback is exactly one
 * initialization segment or one fragment, and no frame waits for the next one.
 * The muxer is set up here rather than in avf.c because it writes to memory, not to a URL.
 *
 * Audio (when the session has an audio stream): a second track; each audio packet is written
 * and its fragment handed over at once like a video packet's, so the two are interleaved in
 * the order the caller writes them and nothing waits for the other stream. MP4 fragments
 * cannot start before 0 (tfdt is unsigned) and Media Source Extensions ignores edit lists, so
 * the audio is trimmed to the video's start instead of shifted (see trim_audio).
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>

#include "common/av_log.h"
#include "mux/audio_stream.h"
#include "mux/avf.h"
#include "mux/output.h"

/* The AVIOContext's own buffer; a fragment larger than this reaches us in several pieces,
 * which we gather in `buf` anyway. */
#define CB_AVIO_BUFFER_BYTES 65536

typedef struct CbSink {
    TkOutputSink base;
    TalkieWriteCallback write;
    void *opaque;
    TkStreamInfo info;
    const TkLog *log;
    AVFormatContext *fmt;
    AVStream *st;
    AVPacket *pkt;
    AVRational frame_tb;
    AVStream *ast;       /* the audio track; NULL: video only */
    AVRational audio_tb; /* the encoder's: one sample */
    int64_t audio_t0;    /* the first video packet's time, in samples: where audio starts */
    int64_t audio_end;   /* the end of the last audio packet written, in samples */
    uint8_t *buf;        /* bytes the muxer wrote since the last hand-over */
    size_t len, cap;
    int error;           /* sticky: the first failure, from the muxer or the callback */
} CbSink;

static int collect(void *opaque, uint8_t *data, int size)
{
    CbSink *c = opaque;
    if (size <= 0)
        return 0;
    if (c->len + (size_t)size > c->cap) {
        size_t cap = c->cap ? c->cap : CB_AVIO_BUFFER_BYTES;
        while (cap < c->len + (size_t)size)
            cap *= 2;
        uint8_t *nb = realloc(c->buf, cap);
        if (!nb)
            return AVERROR(ENOMEM);
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, (size_t)size);
    c->len += (size_t)size;
    return size;
}

/* Hands what the muxer wrote since the last call to the caller, as one unit. */
static int hand_over(CbSink *c)
{
    avio_flush(c->fmt->pb);
    if (c->fmt->pb->error < 0)
        return TALKIE_ERROR_MUXER;
    if (c->len == 0)
        return 0;
    size_t n = c->len;
    c->len = 0;
    int res = c->write(c->opaque, c->buf, n);
    return res < 0 ? res : 0;
}

static int muxer_error(const CbSink *c, int err, const char *what)
{
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(c->log, "output: %s failed: %s", what, msg);
    return TALKIE_ERROR_MUXER;
}

static void cb_free(TkOutputSink *sink)
{
    CbSink *c = (CbSink *)sink;
    if (c->fmt) {
        tk_av_log_detach(c->fmt);
        if (c->fmt->pb) {
            av_freep(&c->fmt->pb->buffer);
            avio_context_free(&c->fmt->pb);
        }
        avformat_free_context(c->fmt);
    }
    av_packet_free(&c->pkt);
    free(c->buf);
    free(c);
}

/* Sets up the muxer from the first packet (a keyframe: its SPS/PPS become the avcC) and
 * hands over the initialization segment. */
static int cb_start(CbSink *c, const TalkiePacket *first)
{
    int err = avformat_alloc_output_context2(&c->fmt, NULL, "mp4", NULL);
    if (err < 0 || !c->fmt)
        return muxer_error(c, err < 0 ? err : AVERROR_MUXER_NOT_FOUND, "creating the muxer");
    int res = tk_av_log_attach(c->fmt, c->log);
    if (res < 0)
        return res;
    uint8_t *iobuf = av_malloc(CB_AVIO_BUFFER_BYTES);
    if (!iobuf)
        return TALKIE_ERR(ENOMEM);
    c->fmt->pb = avio_alloc_context(iobuf, CB_AVIO_BUFFER_BYTES, 1, c, NULL, collect, NULL);
    if (!c->fmt->pb) {
        av_free(iobuf);
        return TALKIE_ERR(ENOMEM);
    }
    c->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    c->pkt = av_packet_alloc();
    c->st = avformat_new_stream(c->fmt, NULL);
    if (!c->pkt || !c->st)
        return TALKIE_ERR(ENOMEM);

    AVCodecParameters *par = c->st->codecpar;
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = AV_CODEC_ID_H264;
    par->width = c->info.width;
    par->height = c->info.height;
    par->format = AV_PIX_FMT_YUV420P;
    par->profile = FF_PROFILE_H264_CONSTRAINED_BASELINE;
    par->sample_aspect_ratio = (AVRational){ 1, 1 };
    if ((res = tk_avf_set_extradata(par, first, c->log)) < 0)
        return res;
    c->st->time_base = c->frame_tb;
    c->st->avg_frame_rate = (AVRational){ c->info.fps_num, c->info.fps_den };
    if (c->info.audio) {
        if ((res = tk_mux_audio_add_stream(c->fmt, c->info.audio, &c->ast, c->log)) < 0)
            return res;
        c->audio_tb = tk_audio_encoder_time_base(c->info.audio);
        c->audio_t0 = av_rescale_q(first->pts, c->frame_tb, c->audio_tb);
        c->audio_end = c->audio_t0;
    }

    AVDictionary *opts = NULL;
    /* frag_custom: we close each fragment right after its packet (see the top) */
    av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof", 0);
    err = avformat_write_header(c->fmt, &opts);
    av_dict_free(&opts);
    if (err < 0)
        return muxer_error(c, err, "writing the header");
    return hand_over(c);
}

static int cb_write(TkOutputSink *sink, const TalkiePacket *pkt)
{
    CbSink *c = (CbSink *)sink;
    if (c->error)
        return c->error;
    int res = 0;
    if (!c->fmt)
        res = cb_start(c, pkt);
    if (res >= 0) {
        c->pkt->data = pkt->data;
        c->pkt->size = (int)pkt->size;
        c->pkt->pts = pkt->pts;
        c->pkt->dts = pkt->dts;
        c->pkt->duration = 1;   /* one frame: the fragment's duration is known at once */
        c->pkt->flags = pkt->keyframe ? AV_PKT_FLAG_KEY : 0;
        c->pkt->stream_index = c->st->index;
        av_packet_rescale_ts(c->pkt, c->frame_tb, c->st->time_base);
        int err = av_write_frame(c->fmt, c->pkt);
        c->pkt->data = NULL;
        c->pkt->size = 0;
        av_packet_unref(c->pkt);
        if (err >= 0)
            err = av_write_frame(c->fmt, NULL);   /* closes the fragment */
        res = err < 0 ? muxer_error(c, err, "writing a fragment") : hand_over(c);
    }
    if (res < 0)
        c->error = res;
    return res;
}

/* The part of an audio packet [pts, pts + duration) to write: from the video's start on
 * (audio_t0, normally 0), after what was written. A packet wholly before it (AAC's priming
 * frame) is dropped (0); one that straddles it (Opus's first frame, whose priming the OpusHead
 * pre-skip tells the decoder to discard) starts there, shortened, so the samples after the
 * priming keep their time. 1 when something is left. */
static int trim_audio(const CbSink *c, const TalkieAudioPacket *pkt, int64_t *pts,
                      int64_t *duration)
{
    int64_t start = pkt->pts, end = pkt->pts + pkt->duration;
    if (start < c->audio_end)
        start = c->audio_end;
    *pts = start;
    *duration = end - start;
    return end > start;
}

static int cb_write_audio(TkOutputSink *sink, const TalkieAudioPacket *pkt)
{
    CbSink *c = (CbSink *)sink;
    if (c->error)
        return c->error;
    if (!c->info.audio)
        return TALKIE_ERR(EINVAL);
    int64_t pts, duration;
    /* before the first video packet there is no file yet: its audio is not played */
    if (!c->fmt || !trim_audio(c, pkt, &pts, &duration))
        return 0;
    int res = 0;
    if (av_new_packet(c->pkt, (int)pkt->size) < 0)
        res = TALKIE_ERR(ENOMEM);
    if (res >= 0) {
        memcpy(c->pkt->data, pkt->data, pkt->size);
        c->pkt->pts = c->pkt->dts = pts;
        c->pkt->duration = duration;
        c->pkt->flags = AV_PKT_FLAG_KEY;
        c->pkt->stream_index = c->ast->index;
        av_packet_rescale_ts(c->pkt, c->audio_tb, c->ast->time_base);
        /* not interleaved: the fragment must hold exactly this packet (see the top) */
        int err = av_write_frame(c->fmt, c->pkt);
        av_packet_unref(c->pkt);
        if (err >= 0)
            err = av_write_frame(c->fmt, NULL);
        res = err < 0 ? muxer_error(c, err, "writing an audio fragment") : hand_over(c);
        c->audio_end = pts + duration;
    }
    if (res < 0)
        c->error = res;
    return res;
}

static int cb_finish(TkOutputSink *sink)
{
    return ((CbSink *)sink)->error;
}

int tk_output_cb_open(TkOutputSink **out, const TkStreamInfo *info, const char *format,
                      TalkieWriteCallback write, void *opaque, const TkLog *log)
{
    *out = NULL;
    if (!format || !write)
        return TALKIE_ERR(EINVAL);
    if (strcmp(format, "fmp4")) {
        tk_log_error(log, "output: unknown callback format \"%s\" (use fmp4)", format);
        return TALKIE_ERR(EINVAL);
    }
    CbSink *c = calloc(1, sizeof(*c));
    if (!c)
        return TALKIE_ERR(ENOMEM);
    c->base.write = cb_write;
    c->base.write_audio = cb_write_audio;
    c->base.finish = cb_finish;
    c->base.free = cb_free;
    c->write = write;
    c->opaque = opaque;
    c->info = *info;
    c->log = log;
    c->frame_tb = (AVRational){ info->fps_den, info->fps_num };
    *out = &c->base;
    return 0;
}

int talkie_output_open_cb(TalkieOutput **out, const TalkieSession *s, const char *format,
                          TalkieWriteCallback write, void *opaque)
{
    if (!out)
        return TALKIE_ERR(EINVAL);
    *out = NULL;
    if (!s || !format || !write)
        return TALKIE_ERR(EINVAL);
    TkStreamInfo info;
    tk_session_stream_info(s, &info);
    TkOutputSink *sink;
    int res = tk_output_cb_open(&sink, &info, format, write, opaque, tk_session_log(s));
    return res < 0 ? res : tk_output_wrap_sink(out, sink, tk_session_log(s));
}
