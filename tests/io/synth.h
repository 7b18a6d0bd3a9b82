/*
 * Synthetic NV12 frames for the io tests (encoder backend and muxer), in the layout of
 * common/frame.h: a moving gradient in the visible part, and a loud constant in the
 * macroblock padding so a backend that reads past the visible size shows up in the PSNR.
 */
#ifndef TALKIE_TESTS_IO_SYNTH_H
#define TALKIE_TESTS_IO_SYNTH_H

#include <stdint.h>
#include <string.h>

#include "common/frame.h"

static inline void tk_synth_frame(uint8_t *img, const TkFrameLayout *l, int64_t index)
{
    memset(img, 250, l->size);
    int shift = (int)(index * 3);
    for (int y = 0; y < l->height; y++)
        for (int x = 0; x < l->width; x++) {
            int v = 16 + ((x * 2 + y + shift) % 200);
            /* a dark square that moves right, so P frames have motion to code */
            int sx = (int)(index * 2) % (l->width > 16 ? l->width - 16 : 1);
            if (x >= sx && x < sx + 16 && y >= 8 && y < 24)
                v = 30;
            img[(size_t)y * l->luma_stride + (size_t)x] = (uint8_t)v;
        }
    uint8_t *c = img + l->chroma_offset;
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++) {
            c[(size_t)y * l->luma_stride + 2 * (size_t)x] = (uint8_t)(100 + (x + shift) % 50);
            c[(size_t)y * l->luma_stride + 2 * (size_t)x + 1] = (uint8_t)(140 + y % 40);
        }
}

#endif
