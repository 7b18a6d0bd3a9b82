/* AAC and Opus through libavcodec (see encoder.h). */
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>

#include "audio/encoder.h"
#include "common/av_log.h"
#include "audio/pcm.h"

struct TkAudioEncoder {
    AVCodecContext *ctx;
    AVFrame *frame;        /* the frame being filled; frame_size samples */
    int fill;              /* samples in it */
    int64_t next_pts;      /* pts of the frame being filled, in samples */
    int64_t samples_in;
    AVPacket **queue;      /* encoded packets not received yet, oldest first */
    int queued, queue_cap;
    int flushed, drained;
    const TkLog *log;
};

static int lavc_error(const TkAudioEncoder *e, int err, const char *what)
{
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(e->log, "audio encoder: %s failed: %s", what, msg);
    return TALKIE_ERROR_ENCODER;
}

void tk_audio_encoder_close(TkAudioEncoder **ep)
{
    TkAudioEncoder *e = *ep;
    if (!e)
        return;
    for (int i = 0; i < e->queued; i++)
        av_packet_free(&e->queue[i]);
    free(e->queue);
    av_frame_free(&e->frame);
    /* an encoder closed unflushed (a live session ends without flush) says "frames left in
     * the queue" on stderr: drain it quietly first, dropping what comes out */
    AVPacket *pkt = e->ctx && !e->drained ? av_packet_alloc() : NULL;
    if (pkt && (e->flushed || avcodec_send_frame(e->ctx, NULL) >= 0))
        while (avcodec_receive_packet(e->ctx, pkt) >= 0)
            av_packet_unref(pkt);
    av_packet_free(&pkt);
    /* detached before the free, which another thread's new context could reuse the address
     * of */
    tk_av_log_detach(e->ctx);
    avcodec_free_context(&e->ctx);
    free(e);
    *ep = NULL;
}

/* The encoder's sample format: one talkie converts to (planar float for AAC, s16 for Opus). */
static enum AVSampleFormat pick_format(const AVCodec *codec)
{
    static const enum AVSampleFormat ours[] = { AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_FLTP,
                                                AV_SAMPLE_FMT_FLT };
    if (!codec->sample_fmts)
        return AV_SAMPLE_FMT_S16;
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        for (const enum AVSampleFormat *f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; f++)
            if (*f == ours[i])
                return *f;
    return AV_SAMPLE_FMT_NONE;
}

static int rate_supported(const AVCodec *codec, int rate)
{
    if (!codec->supported_samplerates)
        return 1;
    for (const int *r = codec->supported_samplerates; *r; r++)
        if (*r == rate)
            return 1;
    return 0;
}

static int new_frame(TkAudioEncoder *e)
{
    AVFrame *f = e->frame;
    f->nb_samples = e->ctx->frame_size;
    f->format = e->ctx->sample_fmt;
    f->sample_rate = e->ctx->sample_rate;
    int err = av_channel_layout_copy(&f->ch_layout, &e->ctx->ch_layout);
    if (err >= 0)
        err = av_frame_get_buffer(f, 0);
    return err < 0 ? lavc_error(e, err, "allocating a frame") : 0;
}

int tk_audio_encoder_open(TkAudioEncoder **out, const TkAudioEncoderSettings *s,
                          const TkLog *log)
{
    *out = NULL;
    if (!tk_pcm_format_ok(s->sample_rate, s->channels) || s->bitrate_bps < 0 ||
        (s->codec != TK_AUDIO_CODEC_AAC && s->codec != TK_AUDIO_CODEC_OPUS))
        return TALKIE_ERR(EINVAL);
    const char *name = s->codec == TK_AUDIO_CODEC_AAC ? "aac" : "libopus";
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    if (!codec) {
        tk_log_error(log, "audio encoder: this FFmpeg has no \"%s\" encoder", name);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    enum AVSampleFormat fmt = pick_format(codec);
    /* Opus only at 48 kHz: its decoders always output 48 kHz, RTP carries it on a 48 kHz
     * clock, and FFmpeg 5.1 states an Opus encoder's priming at other rates in samples of
     * that rate where Matroska reads 48 kHz ones (a 3 ms error at 24 kHz) */
    if (fmt == AV_SAMPLE_FMT_NONE || !rate_supported(codec, s->sample_rate) ||
        (s->codec == TK_AUDIO_CODEC_OPUS && s->sample_rate != 48000)) {
        tk_log_error(log, "audio encoder: \"%s\" cannot encode %d Hz%s", name, s->sample_rate,
                     s->codec == TK_AUDIO_CODEC_OPUS ? " (talkie's Opus is 48 kHz)" : "");
        return TALKIE_ERROR_UNSUPPORTED;
    }
    TkAudioEncoder *e = calloc(1, sizeof(*e));
    if (!e)
        return TALKIE_ERR(ENOMEM);
    e->log = log;
    e->ctx = avcodec_alloc_context3(codec);
    e->frame = av_frame_alloc();
    /* the encoder's messages ("Qavg", frames left at close) go to the session's log */
    if (!e->ctx || !e->frame || tk_av_log_attach(e->ctx, log) < 0) {
        tk_audio_encoder_close(&e);
        return TALKIE_ERR(ENOMEM);
    }
    AVCodecContext *c = e->ctx;
    c->sample_fmt = fmt;
    c->sample_rate = s->sample_rate;
    av_channel_layout_default(&c->ch_layout, s->channels);
    int64_t per_channel = s->codec == TK_AUDIO_CODEC_AAC ? 64000 : 32000;
    c->bit_rate = s->bitrate_bps ? s->bitrate_bps : per_channel * s->channels;
    c->time_base = (AVRational){ 1, s->sample_rate };
    /* extradata (AudioSpecificConfig, OpusHead) for MP4, Matroska and Ogg headers */
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *opts = NULL;
    if (s->codec == TK_AUDIO_CODEC_OPUS)
        av_dict_set(&opts, "application", "voip", 0);  /* speech */
    int err = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    if (err < 0) {
        int res = err == AVERROR(ENOMEM) ? TALKIE_ERR(ENOMEM) : TALKIE_ERROR_UNSUPPORTED;
        lavc_error(e, err, "opening the encoder");
        tk_audio_encoder_close(&e);
        return res;
    }
    if (c->frame_size <= 0)
        c->frame_size = 1024;  /* an encoder that takes any size: cut frames of 1024 anyway */
    int res = new_frame(e);
    if (res < 0) {
        tk_audio_encoder_close(&e);
        return res;
    }
    *out = e;
    return 0;
}

int tk_audio_encoder_frame_size(const TkAudioEncoder *e)
{
    return e->ctx->frame_size;
}

int tk_audio_encoder_initial_padding(const TkAudioEncoder *e)
{
    return e->ctx->initial_padding;
}

AVRational tk_audio_encoder_time_base(const TkAudioEncoder *e)
{
    return e->ctx->time_base;
}

int tk_audio_encoder_parameters(const TkAudioEncoder *e, AVCodecParameters *par)
{
    int err = avcodec_parameters_from_context(par, e->ctx);
    return err < 0 ? TALKIE_ERR(ENOMEM) : 0;
}

int64_t tk_audio_encoder_samples_in(const TkAudioEncoder *e)
{
    return e->samples_in;
}

static int push_packet(TkAudioEncoder *e, AVPacket *pkt)
{
    if (e->queued == e->queue_cap) {
        int cap = e->queue_cap ? e->queue_cap * 2 : 8;
        AVPacket **grown = realloc(e->queue, (size_t)cap * sizeof(*grown));
        if (!grown)
            return TALKIE_ERR(ENOMEM);
        e->queue = grown;
        e->queue_cap = cap;
    }
    e->queue[e->queued++] = pkt;
    return 0;
}

/* Moves every packet the encoder has ready into the queue. */
static int drain(TkAudioEncoder *e)
{
    for (;;) {
        AVPacket *pkt = av_packet_alloc();
        if (!pkt)
            return TALKIE_ERR(ENOMEM);
        int err = avcodec_receive_packet(e->ctx, pkt);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) {
            av_packet_free(&pkt);
            if (err == AVERROR_EOF)
                e->drained = 1;
            return 0;
        }
        if (err < 0) {
            av_packet_free(&pkt);
            return lavc_error(e, err, "encoding");
        }
        int res = push_packet(e, pkt);
        if (res < 0) {
            av_packet_free(&pkt);
            return res;
        }
    }
}

static int send_frame(TkAudioEncoder *e)
{
    e->frame->pts = e->next_pts;
    e->next_pts += e->frame->nb_samples;
    int err = avcodec_send_frame(e->ctx, e->frame);
    if (err < 0)
        return lavc_error(e, err, "encoding");
    e->fill = 0;
    return drain(e);
}

/* Converts `n` frames of s16 to the encoder's format at sample `at` of the frame. */
static void convert(AVFrame *f, int at, const int16_t *src, int n, int channels)
{
    if (f->format == AV_SAMPLE_FMT_S16) {
        memcpy((int16_t *)f->data[0] + at * channels, src, (size_t)n * (size_t)channels * 2);
    } else if (f->format == AV_SAMPLE_FMT_FLT) {
        float *dst = (float *)f->data[0] + at * channels;
        for (int i = 0; i < n * channels; i++)
            dst[i] = src[i] * (1.0f / 32768.0f);
    } else {
        for (int c = 0; c < channels; c++) {
            float *dst = (float *)f->data[c] + at;
            for (int i = 0; i < n; i++)
                dst[i] = src[i * channels + c] * (1.0f / 32768.0f);
        }
    }
}

int tk_audio_encoder_send(TkAudioEncoder *e, const int16_t *samples, size_t frames)
{
    if (e->flushed || (frames && !samples))
        return TALKIE_ERR(EINVAL);
    int channels = e->ctx->ch_layout.nb_channels;
    while (frames > 0) {
        if (e->fill == 0) {
            /* the encoder may still hold a reference to the last frame it was sent */
            int err = av_frame_make_writable(e->frame);
            if (err < 0)
                return lavc_error(e, err, "allocating a frame");
        }
        int room = e->ctx->frame_size - e->fill;
        int n = frames < (size_t)room ? (int)frames : room;
        convert(e->frame, e->fill, samples, n, channels);
        e->fill += n;
        e->samples_in += n;
        samples += (size_t)n * (size_t)channels;
        frames -= (size_t)n;
        if (e->fill == e->ctx->frame_size) {
            int res = send_frame(e);
            if (res < 0)
                return res;
        }
    }
    return 0;
}

int tk_audio_encoder_flush(TkAudioEncoder *e)
{
    if (e->flushed)
        return 0;
    e->flushed = 1;
    if (e->fill > 0) {
        int err = 0;
        if (e->ctx->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) {
            e->frame->nb_samples = e->fill;
        } else {
            /* pad with silence to a whole frame; the stream gets up to one frame longer */
            err = av_samples_set_silence(e->frame->data, e->fill, e->ctx->frame_size - e->fill,
                                         e->ctx->ch_layout.nb_channels, e->ctx->sample_fmt);
        }
        if (err < 0)
            return lavc_error(e, err, "padding the last frame");
        int res = send_frame(e);
        if (res < 0)
            return res;
    }
    int err = avcodec_send_frame(e->ctx, NULL);
    if (err < 0 && err != AVERROR_EOF)
        return lavc_error(e, err, "flushing");
    return drain(e);
}

int tk_audio_encoder_receive(TkAudioEncoder *e, AVPacket *pkt)
{
    if (e->queued == 0)
        return e->drained ? TALKIE_EOF : TALKIE_ERR(EAGAIN);
    AVPacket *first = e->queue[0];
    av_packet_move_ref(pkt, first);
    av_packet_free(&first);
    e->queued--;
    memmove(e->queue, e->queue + 1, (size_t)e->queued * sizeof(*e->queue));
    return 0;
}
