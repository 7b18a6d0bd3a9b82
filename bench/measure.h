/* Shared pieces of the benchmarks: clocks, statistics, PSNR and an H.264 decoder. */
#ifndef TALKIE_BENCH_MEASURE_H
#define TALKIE_BENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"

double tk_bench_now_ms(void);
/* Sleeps until tk_bench_now_ms() reaches `when` (returns at once if it has). */
void tk_bench_sleep_until_ms(double when);
/* Sorts `values` and returns the q-quantile (0..1). */
double tk_bench_quantile(double *values, int n, double q);

typedef struct TkPsnr {
    double y, yuv;      /* dB, over the visible area; 99 when identical */
} TkPsnr;
/* Accumulates squared errors of one NV12 frame (layout `l`) into sse[0..2] (Y, Cb, Cr). */
void tk_bench_sse(const TkFrameLayout *l, const uint8_t *a, const uint8_t *b, double sse[3]);
TkPsnr tk_bench_psnr(const TkFrameLayout *l, const double sse[3], int frames);

/* Decodes an Annex B H.264 stream made of `n` packets into NV12 frames of layout `l`
 * (frames[i] must hold l->size bytes). Returns the number of frames decoded, or -1 on a
 * decode error. */
int tk_bench_decode(const TkFrameLayout *l, uint8_t *const *packets, const size_t *sizes, int n,
                    uint8_t **frames);

#endif
