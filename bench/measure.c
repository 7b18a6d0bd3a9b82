#include "measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>

double tk_bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void tk_bench_sleep_until_ms(double when)
{
    double left = when - tk_bench_now_ms();
    if (left <= 0)
        return;
    struct timespec ts = { .tv_sec = (time_t)(left / 1e3),
                           .tv_nsec = (long)((left - (double)(time_t)(left / 1e3) * 1e3) * 1e6) };
    nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tk_bench_quantile(double *values, int n, double q)
{
    if (n <= 0)
        return 0;
    qsort(values, (size_t)n, sizeof(*values), cmp_double);
    int i = (int)(q * (n - 1) + 0.5);
    return values[i];
}

void tk_bench_sse(const TkFrameLayout *l, const uint8_t *a, const uint8_t *b, double sse[3])
{
    for (int y = 0; y < l->height; y++)
        for (int x = 0; x < l->width; x++) {
            int d = a[y * l->luma_stride + x] - b[y * l->luma_stride + x];
            sse[0] += d * d;
        }
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width; x++) {
            size_t i = l->chroma_offset + y * l->luma_stride + x;
            int d = a[i] - b[i];
            sse[1 + (x & 1)] += d * d;
        }
}

static double psnr_of(double sse, double samples)
{
    if (sse <= 0)
        return 99.0;
    return 10.0 * log10(255.0 * 255.0 * samples / sse);
}

TkPsnr tk_bench_psnr(const TkFrameLayout *l, const double sse[3], int frames)
{
    double luma = (double)l->width * l->height * frames;
    TkPsnr p = {
        .y = psnr_of(sse[0], luma),
        .yuv = psnr_of(sse[0] + sse[1] + sse[2], luma * 1.5),
    };
    return p;
}

static void copy_frame(const TkFrameLayout *l, const AVFrame *f, uint8_t *dst)
{
    for (int y = 0; y < l->height; y++)
        memcpy(dst + y * l->luma_stride, f->data[0] + y * f->linesize[0], (size_t)l->width);
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++) {
            uint8_t *d = dst + l->chroma_offset + y * l->luma_stride + 2 * x;
            d[0] = f->data[1][y * f->linesize[1] + x];
            d[1] = f->data[2][y * f->linesize[2] + x];
        }
}

int tk_bench_decode(const TkFrameLayout *l, uint8_t *const *packets, const size_t *sizes, int n,
                    uint8_t **frames)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int got = 0, err = 0;
    if (!c || !pkt || !f || avcodec_open2(c, codec, NULL) < 0)
        err = -1;
    for (int i = 0; i <= n && !err; i++) {
        if (i < n) {
            pkt->data = packets[i];
            pkt->size = (int)sizes[i];
            err = avcodec_send_packet(c, pkt) < 0 ? -1 : 0;
        } else {
            err = avcodec_send_packet(c, NULL) < 0 ? -1 : 0;
        }
        while (!err) {
            int r = avcodec_receive_frame(c, f);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                break;
            if (r < 0 || f->width != l->width || f->height != l->height ||
                f->format != AV_PIX_FMT_YUV420P || got >= n) {
                err = -1;
                break;
            }
            copy_frame(l, f, frames[got++]);
        }
    }
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return err ? -1 : got;
}
