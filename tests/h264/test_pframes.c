/*
 * P pictures of the C reference encoder against an independent decoder: sequences of moving
 * pictures (pframe_sources.h: random integer and sub-sample motion, scrolling, static content
 * with a moving square, a rendered conversation) are encoded with P frames, decoded by
 * libavcodec with AV_EF_EXPLODE | AV_EF_BITSTREAM, and every decoded frame must equal our
 * reconstruction exactly (deblocked when the filter is on), so any mismatch of prediction,
 * MV prediction, CAVLC or deblocking shows at once and drift over long runs would too.
 * The matrix covers sizes (200x120 is not a multiple of 16), QPs 0..51, the filter off and
 * on, the skip map off and on, periodic and requested IDRs, slices of 1 and 3 rows.
 * The long runs (>= 300 frames) are shortened under the sanitizers (argument "short").
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "strict_decoder.h"
#include "encode/compute/encoder_ref.h"
#include "pframe_sources.h"

typedef struct Config {
    int width, height, source, qp, frames, keyint, deblock, skip_map, slice_mb_rows;
    int request_idr_at;      /* a frame that asks for an IDR, or -1 */
} Config;

static long frames_checked;
/* over all runs: every macroblock kind was exercised */
static long intra_in_p, inter_coded, halves[3];

/* Encodes and decodes one configuration; returns the stream's bytes (0 on failure). */
static size_t run(const Config *cf)
{
    char what[200];
    snprintf(what, sizeof(what), "%dx%d %s qp %d frames %d keyint %d deblock %d skip map %d "
             "slice rows %d idr at %d", cf->width, cf->height, source_names[cf->source], cf->qp,
             cf->frames, cf->keyint, cf->deblock, cf->skip_map, cf->slice_mb_rows,
             cf->request_idr_at);
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(cf->width, cf->height), .fps_num = 30, .fps_den = 1,
        .keyint = cf->keyint, .slice_mb_rows = cf->slice_mb_rows, .aud = 1,
        .deblock = cf->deblock, .p_frames = 1,
    };
    const TkFrameLayout *l = &p.layout;
    Source src;
    int res = source_open(&src, cf->source, l, (uint32_t)(cf->qp * 7 + cf->width));
    if (res == 1) {
        printf("%s: skipped (no font)\n", what);
        return 0;
    }
    CHECK_EQ(res, 0);
    if (res < 0)
        return 0;
    TkEncoderRef *e = NULL;
    CHECK_EQ(tk_encoder_ref_open(&e, &p), 0);
    StrictDecoder d;
    CHECK_EQ(strict_decoder_open(&d), 0);
    uint8_t *img[2] = { malloc(l->size), malloc(l->size) };
    uint8_t *map = malloc((size_t)(l->mb_width * l->mb_height));
    /* the reconstructions waiting for their decoded frame (low delay: at most one or two) */
    enum { PENDING = 4 };
    uint8_t *recon[PENDING];
    for (int k = 0; k < PENDING; k++)
        recon[k] = malloc(l->size);
    size_t bytes = 0;
    long skipped_mbs = 0, mbs = 0, static_moved = 0, intra_mbs = 0;
    int decoded = 0, ok = e && img[0] && img[1] && map && recon[PENDING - 1];
    for (int k = 0; k < PENDING - 1; k++)
        ok = ok && recon[k];
    for (int i = 0; ok && i <= cf->frames; i++) {
        if (i < cf->frames) {
            uint8_t *cur = img[i & 1], *prev = img[(i + 1) & 1];
            if (source_frame(&src, i, cur) < 0) {
                CHECK(0);
                break;
            }
            if (i > 0)
                source_skip_map(l, prev, cur, map);
            TkEncoderRefFrame in = { .src = cur, .qp = cf->qp,
                                     .skip_map = cf->skip_map && i > 0 ? map : NULL,
                                     .force_idr = i == cf->request_idr_at };
            uint8_t *au;
            size_t size;
            int idr;
            res = tk_encoder_ref_encode_frame(e, &in, &au, &size, &idr);
            CHECK_EQ(res, 0);
            if (res < 0) {
                fprintf(stderr, "%s: frame %d: encode failed (%d)\n", what, i, res);
                break;
            }
            int want_idr = i == 0 || i == cf->request_idr_at ||
                           (cf->request_idr_at < 0 || i < cf->request_idr_at
                                ? i % cf->keyint == 0
                                : (i - cf->request_idr_at) % cf->keyint == 0);
            CHECK_EQ(idr, want_idr);
            if (!idr)
                for (int m = 0; m < l->mb_width * l->mb_height; m++) {
                    int t = e->coded[m].type;
                    skipped_mbs += t == TK_MB_PSKIP;
                    intra_mbs += t == TK_MB_I4x4 || t == TK_MB_I16x16;
                    inter_coded += t == TK_MB_PL0 && e->coded[m].cbp != 0;
                    if (t == TK_MB_PL0)
                        halves[e->motion[m].part]++;
                    mbs++;
                    /* static: MV (0, 0), no intra; P_L0_16x16 without residual where
                     * P_Skip would have moved it */
                    if (in.skip_map && map[m] == TK_SKIP_MAP_STATIC) {
                        int explicit_zero = e->coded[m].type == TK_MB_PL0;
                        CHECK(explicit_zero || e->coded[m].type == TK_MB_PSKIP);
                        CHECK_EQ(e->motion[m].part, TK_PART_16x16);
                        CHECK_EQ(e->motion[m].mv[0][0], 0);
                        CHECK_EQ(e->motion[m].mv[0][1], 0);
                        static_moved += explicit_zero && e->coded[m].cbp == 0;
                    }
                }
            bytes += size;
            memcpy(recon[i % PENDING], tk_encoder_ref_recon(e), l->size);
            uint8_t *padded = calloc(1, size + AV_INPUT_BUFFER_PADDING_SIZE);
            if (!padded) {
                free(au);
                CHECK(0);
                break;
            }
            memcpy(padded, au, size);
            free(au);
            d.pkt->data = padded;
            d.pkt->size = (int)size;
            d.pkt->pts = i;
            res = avcodec_send_packet(d.ctx, d.pkt);
            free(padded);
        } else {
            res = avcodec_send_packet(d.ctx, NULL);
        }
        if (res < 0) {
            fprintf(stderr, "%s: frame %d: libavcodec rejected the stream (%d)\n", what, i, res);
            tk_check_failures++;
            break;
        }
        while (avcodec_receive_frame(d.ctx, d.frame) == 0) {
            if (decoded > i || i - decoded >= PENDING - 1 ||
                frame_equals_recon(d.frame, recon[decoded % PENDING], l, what) < 0) {
                fprintf(stderr, "%s: decoded frame %d differs from the reconstruction\n", what,
                        decoded);
                tk_check_failures++;
                ok = 0;
                break;
            }
            decoded++;
            av_frame_unref(d.frame);
        }
    }
    if (ok)
        CHECK_EQ(decoded, cf->frames);
    frames_checked += decoded;
    intra_in_p += intra_mbs;
    printf("%s: %zu bytes (%.0f/frame); of P macroblocks %.1f%% P_Skip, %.1f%% intra; %ld "
           "static ones with a moving skip MV; %d frames decoded = recon\n", what, bytes,
           (double)bytes / cf->frames, mbs ? 100.0 * (double)skipped_mbs / (double)mbs : 0.0,
           mbs ? 100.0 * (double)intra_mbs / (double)mbs : 0.0, static_moved, decoded);
    if (cf->source == SRC_CORNER && cf->skip_map)
        CHECK_CMP(static_moved, >, 0);
    for (int k = 0; k < PENDING; k++)
        free(recon[k]);
    free(map);
    free(img[0]);
    free(img[1]);
    strict_decoder_close(&d);
    tk_encoder_ref_close(&e);
    source_close(&src);
    return ok ? bytes : 0;
}

int main(int argc, char **argv)
{
    /* under the sanitizers the long runs are shortened (meson passes "short") */
    int shortened = argc > 1 && !strcmp(argv[1], "short");
    int long_frames = shortened ? 40 : 300;
    enum { OFF = TK_DEBLOCK_OFF, ON = TK_DEBLOCK_ON };
    const Config configs[] = {
        /* the long runs: no drift over >= 300 frames */
        { 320, 240, SRC_CONVERSATION, 26, long_frames, 150, ON, 1, 1, -1 },
        { 200, 120, SRC_MOTION, 26, long_frames, 120, ON, 0, 1, 77 },
        /* QPs, sizes, the filter and the skip map, shorter */
        { 200, 120, SRC_MOTION, 0, 12, 30, OFF, 0, 1, -1 },
        { 200, 120, SRC_MOTION, 10, 12, 30, ON, 0, 1, -1 },
        { 200, 120, SRC_MOTION, 40, 16, 30, ON, 0, 3, -1 },
        { 200, 120, SRC_MOTION, 51, 16, 30, ON, 0, 1, -1 },
        { 200, 120, SRC_MOTION, 51, 16, 30, OFF, 0, 1, -1 },
        { 64, 48, SRC_MOTION, 26, 40, 30, OFF, 0, 3, -1 },
        { 320, 240, SRC_MOTION, 26, 12, 30, ON, 0, 3, -1 },
        { 320, 240, SRC_SCROLL, 26, 20, 30, ON, 0, 1, -1 },
        { 200, 120, SRC_SCROLL, 40, 20, 8, OFF, 1, 3, 11 },
        { 200, 120, SRC_STATIC, 26, 30, 30, ON, 1, 1, -1 },
        { 320, 240, SRC_STATIC, 10, 30, 30, OFF, 0, 3, -1 },
        { 200, 120, SRC_STATIC, 51, 30, 30, ON, 1, 3, 5 },
        { 200, 120, SRC_CONVERSATION, 0, 8, 30, ON, 1, 1, -1 },
        { 200, 120, SRC_CONVERSATION, 40, 30, 30, OFF, 1, 1, -1 },
        { 320, 240, SRC_CONVERSATION, 51, 20, 30, ON, 0, 3, -1 },
        { 200, 120, SRC_CORNER, 26, 20, 30, ON, 1, 8, -1 },
        { 200, 120, SRC_CORNER, 26, 20, 30, OFF, 0, 8, -1 },
    };
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
        run(&configs[i]);
    printf("%ld frames decoded equal to the reconstruction; %ld intra macroblocks in P "
           "pictures, %ld P_L0 with residual; P_L0 16x16 / 16x8 / 8x16: %ld / %ld / %ld\n",
           frames_checked, intra_in_p, inter_coded, halves[0], halves[1], halves[2]);
    CHECK_CMP(intra_in_p, >, 0);
    CHECK_CMP(inter_coded, >, 0);
    CHECK_CMP(halves[TK_PART_16x8], >, 0);
    CHECK_CMP(halves[TK_PART_8x16], >, 0);
    CHECK_CMP(frames_checked, >=, shortened ? 300 : 600);
    return tk_check_finish();
}
