/*
 * The C reference encoder against an independent decoder: frames of several kinds (random,
 * flat, pixel-level noise, a smooth gradient, a gradient with a little noise), sizes
 * (320x240, 200x120 which is not a multiple of 16, 64x64) and QPs (0 10 26 40 51), with the
 * deblocking filter off and on, are encoded, decoded by libavcodec with every error check
 * on, and the decoded pixels must equal our reconstruction exactly (with the filter on:
 * deblock_ref.c's filtering of it, so libavcodec checks the filter too). Then a run of frames
 * (IDR, I pictures, IDR again) must decode frame for frame.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "strict_decoder.h"
#include "encode/compute/encoder_ref.h"

enum { PAT_RANDOM, PAT_FLAT, PAT_NOISE, PAT_GRADIENT, PAT_SOFT, PAT_BLOCKS, PAT_COUNT };
static const char *const pattern_names[] = { "random", "flat", "noise", "gradient", "soft",
                                             "blocks" };

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Fills the whole aligned NV12 image, padding included (the renderer draws there too). */
static void fill_frame(uint8_t *img, const TkFrameLayout *l, int pattern, uint32_t seed)
{
    uint32_t rnd = seed * 2654435761u + 1;
    for (int y = 0; y < l->aligned_height; y++) {
        for (int x = 0; x < l->aligned_width; x++) {
            uint8_t v;
            switch (pattern) {
            case PAT_RANDOM: v = (uint8_t)next_random(&rnd); break;
            case PAT_FLAT: v = (uint8_t)(16 + seed * 37 % 220); break;
            case PAT_NOISE: v = ((x ^ y) & 1) ? 255 : 0; break; /* the most detail per pixel */
            case PAT_SOFT: /* small steps everywhere: the deblocking filter's own ground */
                v = (uint8_t)(40 + x / 3 + y / 5 + (next_random(&rnd) & 7));
                break;
            case PAT_BLOCKS: /* flat 4x4 blocks, steps of 0-24 between them: edges the
                                filter smooths but must clip */
                v = (uint8_t)(90 + 3 * (int)((((uint32_t)(x >> 2) * 7u + (uint32_t)(y >> 2) * 13u +
                                              seed) * 2654435761u >> 28) % 9u));
                break;
            default: v = (uint8_t)((x * 255 / l->aligned_width + y * 128 / l->aligned_height +
                                    seed * 9) & 0xff); break;
            }
            img[(size_t)y * l->luma_stride + x] = v;
        }
    }
    for (int y = 0; y < l->aligned_height / 2; y++) {
        uint8_t *row = img + l->chroma_offset + (size_t)y * l->luma_stride;
        for (int x = 0; x < l->aligned_width / 2; x++) {
            uint8_t cb, cr;
            switch (pattern) {
            case PAT_RANDOM: cb = (uint8_t)next_random(&rnd); cr = (uint8_t)next_random(&rnd); break;
            case PAT_FLAT: cb = (uint8_t)(128 + seed % 50); cr = (uint8_t)(100 + seed % 30); break;
            case PAT_NOISE: cb = ((x + y) & 1) ? 240 : 16; cr = ((x + y) & 1) ? 16 : 240; break;
            case PAT_BLOCKS:
                cb = (uint8_t)(110 + 4 * ((x >> 2) + (y >> 2)) % 20);
                cr = (uint8_t)(140 - 5 * ((x >> 2) * 3 + (y >> 2)) % 25);
                break;
            case PAT_SOFT:
                cb = (uint8_t)(100 + x / 2 + (next_random(&rnd) & 3));
                cr = (uint8_t)(150 - y / 2 + (next_random(&rnd) & 3));
                break;
            default: cb = (uint8_t)(64 + x * 2 % 128); cr = (uint8_t)(200 - y * 3 % 150); break;
            }
            row[2 * x] = cb;
            row[2 * x + 1] = cr;
        }
    }
}

static int frames_checked; /* decoded frames found equal to the reconstruction */

/* Encodes n_frames frames (pattern changes per frame) and checks every decoded one. */
static void run(int width, int height, int qp, int pattern, int n_frames, int keyint,
                int slice_mb_rows, int deblock)
{
    char what[160];
    snprintf(what, sizeof(what), "%dx%d qp %d %s frames %d keyint %d slice rows %d deblock %d",
             width, height, qp, pattern_names[pattern], n_frames, keyint, slice_mb_rows,
             deblock);
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(width, height), .fps_num = 30, .fps_den = 1,
        .keyint = keyint, .slice_mb_rows = slice_mb_rows, .aud = n_frames > 1,
        .deblock = deblock,
    };
    TkEncoderRef *e = NULL;
    int res = tk_encoder_ref_open(&e, &p);
    CHECK_EQ(res, 0);
    if (res < 0)
        return;
    StrictDecoder d;
    CHECK_EQ(strict_decoder_open(&d), 0);
    uint8_t *img = malloc(p.layout.size);
    uint8_t *recon = malloc(p.layout.size * (size_t)n_frames);
    if (!img || !recon) {
        CHECK(0);
        goto done;
    }
    int decoded = 0;
    for (int i = 0; i <= n_frames; i++) {
        if (i < n_frames) {
            fill_frame(img, &p.layout, pattern == PAT_FLAT ? PAT_FLAT : (pattern + i) % PAT_COUNT,
                       (uint32_t)(i + 1));
            uint8_t *au;
            size_t size;
            int idr;
            res = tk_encoder_ref_encode(e, img, qp, &au, &size, &idr);
            CHECK_EQ(res, 0);
            if (res < 0) {
                fprintf(stderr, "%s: encode failed (%d)\n", what, res);
                goto done;
            }
            CHECK_EQ(idr, i % keyint == 0);
            memcpy(recon + p.layout.size * (size_t)i, tk_encoder_ref_recon(e), p.layout.size);
            d.pkt->data = au;
            d.pkt->size = (int)size;
            d.pkt->pts = i;
            res = avcodec_send_packet(d.ctx, d.pkt);
            free(au);
        } else {
            res = avcodec_send_packet(d.ctx, NULL);
        }
        if (res < 0) {
            fprintf(stderr, "%s: frame %d: send_packet: %s\n", what, i, av_err2str(res));
            tk_check_failures++;
            goto done;
        }
        while ((res = avcodec_receive_frame(d.ctx, d.frame)) == 0) {
            if (decoded < n_frames &&
                frame_equals_recon(d.frame, recon + p.layout.size * (size_t)decoded, &p.layout,
                                   what) < 0) {
                fprintf(stderr, "%s: decoded frame %d differs\n", what, decoded);
                tk_check_failures++;
                goto done;
            }
            CHECK(!d.frame->decode_error_flags);
            decoded++;
            av_frame_unref(d.frame);
        }
        if (res != AVERROR(EAGAIN) && res != AVERROR_EOF) {
            fprintf(stderr, "%s: receive_frame: %s\n", what, av_err2str(res));
            tk_check_failures++;
            goto done;
        }
    }
    CHECK_EQ(decoded, n_frames);
    frames_checked += decoded;
done:
    free(img);
    free(recon);
    strict_decoder_close(&d);
    tk_encoder_ref_close(&e);
}

int main(int argc, char **argv)
{
    if (argc == 6) { /* one case by hand: width height qp pattern deblock */
        run(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), 1, 1, 1, atoi(argv[5]));
        return tk_check_finish();
    }
    static const int sizes[][2] = { { 320, 240 }, { 200, 120 }, { 64, 64 } };
    static const int qps[] = { 0, 10, 26, 40, 51 };
    av_log_set_level(AV_LOG_ERROR);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (size_t q = 0; q < sizeof(qps) / sizeof(qps[0]); q++)
            for (int pat = 0; pat < PAT_COUNT; pat++)
                for (int on = 0; on < 2; on++)
                    run(sizes[s][0], sizes[s][1], qps[q], pat, 1, 1, 1,
                        on ? TK_DEBLOCK_ON : TK_DEBLOCK_OFF);
    /* Every QP of the filter's tables, on the patterns it acts on most. */
    for (int qp = 0; qp <= 51; qp++) {
        run(64, 48, qp, PAT_SOFT, 1, 1, 1, TK_DEBLOCK_ON);
        run(64, 48, qp, PAT_BLOCKS, 1, 1, 1, TK_DEBLOCK_ON);
    }
    /* IDR, I, I, IDR, I, I, IDR: frame_num, idr_pic_id and the AUDs must all be accepted. */
    run(200, 120, 26, PAT_RANDOM, 7, 3, 1, TK_DEBLOCK_OFF);
    run(64, 64, 10, PAT_GRADIENT, 5, 2, 2, TK_DEBLOCK_ON);
    /* Fewer, taller slices (nC across rows inside a slice). */
    run(320, 240, 20, PAT_RANDOM, 2, 30, 4, TK_DEBLOCK_ON);
    run(64, 48, 30, PAT_NOISE, 1, 1, 100, TK_DEBLOCK_OFF);
    /* The automatic choice: the filter from TK_DEBLOCK_AUTO_MIN_QP up. */
    CHECK(!tk_deblock_enabled(TK_DEBLOCK_AUTO, TK_DEBLOCK_AUTO_MIN_QP - 1));
    CHECK(tk_deblock_enabled(TK_DEBLOCK_AUTO, TK_DEBLOCK_AUTO_MIN_QP));
    CHECK(!tk_deblock_enabled(TK_DEBLOCK_OFF, 51) && tk_deblock_enabled(TK_DEBLOCK_ON, 0));
    run(64, 48, TK_DEBLOCK_AUTO_MIN_QP - 1, PAT_BLOCKS, 1, 1, 1, TK_DEBLOCK_AUTO);
    run(64, 48, TK_DEBLOCK_AUTO_MIN_QP, PAT_BLOCKS, 1, 1, 1, TK_DEBLOCK_AUTO);
    printf("%d decoded frames equal to the reconstruction\n", frames_checked);
    CHECK_EQ(frames_checked, 3 * 5 * PAT_COUNT * 2 + 2 * 52 + 7 + 5 + 2 + 1 + 2);
    return tk_check_finish();
}
