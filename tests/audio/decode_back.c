/* See decode_back.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "decode_back.h"

static float sample_at(const AVFrame *f, int i)
{
    switch (f->format) {
    case AV_SAMPLE_FMT_FLTP: return ((const float *)f->data[0])[i];
    case AV_SAMPLE_FMT_FLT: return ((const float *)f->data[0])[i * f->ch_layout.nb_channels];
    case AV_SAMPLE_FMT_S16P: return ((const int16_t *)f->data[0])[i] / 32768.0f;
    case AV_SAMPLE_FMT_S16:
        return ((const int16_t *)f->data[0])[i * f->ch_layout.nb_channels] / 32768.0f;
    default: return 0.0f;
    }
}

static int place(DecodedAudio *d, const AVFrame *f, int64_t at)
{
    int64_t end = at + f->nb_samples;
    if (end > d->length) {
        float *grown = realloc(d->samples, (size_t)end * sizeof(float));
        if (!grown)
            return AVERROR(ENOMEM);
        memset(grown + d->length, 0, (size_t)(end - d->length) * sizeof(float));
        d->samples = grown;
        d->length = end;
    }
    for (int i = 0; i < f->nb_samples; i++)
        if (at + i >= 0)
            d->samples[at + i] = sample_at(f, i);
    return 0;
}

int decode_back(const char *path, DecodedAudio *d)
{
    memset(d, 0, sizeof(*d));
    d->container_ms = -1;
    d->video_start_ms = NAN;
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int err = pkt && frame ? avformat_open_input(&fmt, path, NULL, NULL) : AVERROR(ENOMEM);
    if (err >= 0)
        err = avformat_find_stream_info(fmt, NULL);
    int si = err >= 0 ? av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) : err;
    if (si < 0) {
        err = si;
        goto done;
    }
    AVStream *st = fmt->streams[si];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    dec = codec ? avcodec_alloc_context3(codec) : NULL;
    if (!dec) {
        err = AVERROR_DECODER_NOT_FOUND;
        goto done;
    }
    avcodec_parameters_to_context(dec, st->codecpar);
    /* as players do: lets the decoder move timestamps past the priming samples it drops */
    dec->pkt_timebase = st->time_base;
    err = avcodec_open2(dec, codec, NULL);
    if (err < 0)
        goto done;
    d->rate = dec->sample_rate;
    d->channels = dec->ch_layout.nb_channels;
    snprintf(d->codec, sizeof(d->codec), "%s", codec->name);
    if (fmt->duration != AV_NOPTS_VALUE)
        d->container_ms = fmt->duration / 1000;
    AVRational sample_tb = { 1, d->rate };
    int eof = 0;
    while (!eof) {
        err = av_read_frame(fmt, pkt);
        if (err == AVERROR_EOF) {
            eof = 1;
            err = avcodec_send_packet(dec, NULL);
        } else if (err >= 0) {
            AVStream *ps = fmt->streams[pkt->stream_index];
            if (ps->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && pkt->pts != AV_NOPTS_VALUE) {
                double ms = pkt->pts * 1000.0 * av_q2d(ps->time_base);
                if (isnan(d->video_start_ms) || ms < d->video_start_ms)
                    d->video_start_ms = ms;
            }
            if (pkt->stream_index == si)
                err = avcodec_send_packet(dec, pkt);
            av_packet_unref(pkt);
        }
        if (err < 0)
            goto done;
        while ((err = avcodec_receive_frame(dec, frame)) >= 0) {
            if (!d->frame_size)
                d->frame_size = frame->nb_samples;
            int64_t pts = frame->best_effort_timestamp;
            int64_t at = av_rescale_q(pts, st->time_base, sample_tb);
            err = place(d, frame, at);
            av_frame_unref(frame);
            if (err < 0)
                goto done;
        }
        if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
            goto done;
    }
    err = 0;
done:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    if (err < 0)
        decoded_audio_free(d);
    return err;
}

void decoded_audio_free(DecodedAudio *d)
{
    free(d->samples);
    d->samples = NULL;
    d->length = 0;
}

int find_onsets(const float *s, int64_t n, float threshold, int64_t quiet, int64_t *onsets,
                int max)
{
    int count = 0;
    int64_t below = quiet;
    for (int64_t i = 0; i < n; i++) {
        if (fabsf(s[i]) > threshold) {
            if (below >= quiet && count < max)
                onsets[count++] = i;
            below = 0;
        } else {
            below++;
        }
    }
    return count;
}
