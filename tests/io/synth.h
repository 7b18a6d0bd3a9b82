/*
 * Synthetic NV12 frames for the io tests (encoder backend and muxer), in the layout of
 * common/frame.h: a moving gradient in the visible part, and a loud constant in the
 * macroblock padding so a backend that reads past the visible size shows up in the PSNR.
 */
#ifndef TALKIE_TESTS_IO_SYNTH_H
#define TALKIE_TESTS_IO_SYNTH_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "common/frame.h"
#include "encode/backend.h"

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

/* Encodes n synthetic frames of width x height with the lavc backend (QP 26, an IDR every
 * 10) into pkts[0..n-1], which the caller unrefs; skips the test (77) without libx264.
 * Returns how many packets came out. */
static inline int tk_synth_packets(TalkiePacket *pkts, int n, int width, int height,
                                   int fps_num, int fps_den)
{
    TkEncoderParams params = {
        .layout = tk_frame_layout(width, height), .fps_num = fps_num, .fps_den = fps_den,
        .qp = 26, .keyint = 10,
    };
    memset(pkts, 0, (size_t)n * sizeof(*pkts));
    if (tk_encoder_lavc.probe(&params) < 0)
        tk_check_skip("libx264 not available");
    void *ctx = NULL;
    uint8_t *img = malloc(params.layout.size);
    if (!img || tk_encoder_lavc.open(&ctx, &params) < 0) {
        CHECK(0);
        free(img);
        return 0;
    }
    int got = 0;
    for (int i = 0; i <= n; i++) {
        if (i < n) {
            tk_synth_frame(img, &params.layout, i);
            TkEncoderFrame f = { .host = img, .pts = i };
            CHECK_EQ(tk_encoder_lavc.submit(ctx, &f), 0);
        } else {
            CHECK_EQ(tk_encoder_lavc.flush(ctx), 0);
        }
        TalkiePacket pkt;
        while (tk_encoder_lavc.receive(ctx, &pkt) == 0 && got < n)
            pkts[got++] = pkt;
    }
    CHECK_EQ(got, n);
    tk_encoder_lavc.close(&ctx);
    free(img);
    return got;
}

#endif
