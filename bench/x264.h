/* libx264 through libavcodec, configured as the anchor the issues name: one thread, tune
 * zerolatency, baseline profile, constant QP, optionally intra only. */
#ifndef TALKIE_BENCH_X264_H
#define TALKIE_BENCH_X264_H

#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"

typedef struct TkX264 TkX264;

int tk_x264_open(TkX264 **out, const TkFrameLayout *l, const char *preset, int qp, int intra_only);
/* Encodes one NV12 frame; *packet (malloc'd, with 64 zero padding bytes) and *size get the
 * access unit. */
int tk_x264_encode(TkX264 *x, const uint8_t *nv12, int64_t pts, uint8_t **packet, size_t *size);
void tk_x264_close(TkX264 **x);

#endif
