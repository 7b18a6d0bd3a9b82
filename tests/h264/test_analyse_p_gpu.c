/*
 * analyse_p.comp against the C reference (tk_inter_analyse_frame_ref, analyse_p_ref.h): for
 * every P picture of short sequences (the C reference encoder supplies each picture's
 * reference and the previous motion, as a stream would have them), coded macroblocks,
 * motion and the unfiltered reconstruction equal byte for byte. Sources random motion,
 * scrolling, a static picture with a moving square, a static area whose neighbours pan;
 * sizes 64x48 and 200x120 (not a multiple of 16); QPs 0 10 26 40 51; slices of 1 and 3 rows;
 * skip map on and off; an intra refresh (cycles of 3 and 5 pictures, and of more pictures
 * than the picture has columns): the skip map marks each picture's refresh columns
 * TK_SKIP_MAP_INTRA and (every other picture: the margin of a deblocked reference) the one
 * left of them changed (change_map_ref.h), and the analysis
 * limits the MVs left of them and the I4x4 modes of their last column. Validation on;
 * skipped (77) without a Vulkan device.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/compute/analyse_p_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "pframe_sources.h"

typedef struct Ctx {
    TkVkDevice *dev;
    TkAnalysePGpu an;
    TkVkCmd cmd;
} Ctx;

typedef struct Bufs {
    TkVkBuffer src, ref, recon, coded, motion, skip, search, motion_prev;
} Bufs;

static void run_case_refresh(Ctx *c, int kind, int w, int h, int qp, int slice_rows,
                             int use_map, int frames, int refresh)
{
    TkEncoderRefParams ep = { .layout = tk_frame_layout(w, h), .fps_num = 30, .fps_den = 1,
                              .keyint = 1000, .slice_mb_rows = slice_rows,
                              .deblock = TK_DEBLOCK_AUTO, .p_frames = 1 };
    const TkFrameLayout *l = &ep.layout;
    size_t n = (size_t)l->mb_width * (size_t)l->mb_height;
    Source s;
    int res = source_open(&s, kind, l, (uint32_t)(qp * 5 + w + slice_rows));
    if (res != 0) {
        CHECK_EQ(res, 1);
        return;
    }
    TkEncoderRef *e = NULL;
    Bufs b = { 0 };
    uint8_t *img[2] = { malloc(l->size), malloc(l->size) }, *map = malloc(n);
    uint8_t *rec_c = malloc(l->size);
    TkCodedMb *coded_c = malloc(n * sizeof(TkCodedMb));
    TkMbMotion *motion_c = malloc(n * sizeof(TkMbMotion));
    TkMbSearch *search_c = malloc(n * sizeof(TkMbSearch));
    CHECK_EQ(tk_encoder_ref_open(&e, &ep), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.src, l->size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.ref, l->size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.recon, l->size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.coded, n * sizeof(TkCodedMb), TK_VK_MEMORY_UPLOAD),
             0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.motion, n * sizeof(TkMbMotion),
                                 TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.skip, (n + 3) / 4 * 4, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.search, n * sizeof(TkMbSearch),
                                 TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &b.motion_prev, n * sizeof(TkMbMotion),
                                 TK_VK_MEMORY_UPLOAD), 0);
    long bad_frames = 0, p_mbs[4] = { 0, 0, 0, 0 };
    int ok = e && img[0] && img[1] && map && rec_c && coded_c && motion_c && search_c && b.src.map &&
             b.ref.map && b.recon.map && b.coded.map && b.motion.map && b.skip.map && b.search.map;
    CHECK(ok);
    for (int i = 0; ok && i < frames; i++) {
        uint8_t *cur = img[i & 1], *prev = img[(i + 1) & 1];
        CHECK_EQ(source_frame(&s, i, cur), 0);
        if (i > 0) {
            source_skip_map(l, prev, cur, map);
            /* C: the analysis alone, from the encoder's state after frame i - 1 */
            TkInterParams ip = { *l, qp, slice_rows };
            if (refresh > 0) {
                /* picture i - 1 of the cycles, its columns marked as the encoder's map does */
                TkH264SliceHeader pic = { .p_slice = 1, .refresh_pos = (i - 1) % refresh };
                TkEncoderRefParams rp = ep;
                rp.intra_refresh = refresh;
                /* the margin of a deblocked reference in every other picture */
                TkChangeMapRefresh r = tk_encoder_refresh_cols(&rp, &pic, i & 1);
                ip.refresh_x0 = r.x0;
                ip.refresh_x1 = r.x1;
                ip.refresh_limit = tk_encoder_refresh_limit(&r);
                for (size_t m = 0; m < n; m++) {
                    int v = tk_change_map_refresh_at(&r, (int)m % l->mb_width);
                    if (!use_map)
                        map[m] = TK_SKIP_MAP_CHANGED;
                    if (v >= 0)
                        map[m] = (uint8_t)v;
                }
            }
            int with_map = use_map || refresh > 0;
            memcpy(motion_c, e->motion, n * sizeof(TkMbMotion));
            memcpy(b.motion_prev.map, e->motion, n * sizeof(TkMbMotion));
            memcpy(b.ref.map, tk_encoder_ref_recon(e), l->size);
            memcpy(b.src.map, cur, l->size);
            memcpy(b.skip.map, map, n);
            memset(rec_c, 0, l->size);
            /* static macroblocks' search entries are written by neither */
            memset(search_c, 0, n * sizeof(TkMbSearch));
            tk_inter_analyse_frame_ref(&ip, cur, b.ref.map, with_map ? map : NULL, search_c,
                                       rec_c, coded_c, motion_c);
            TkAnalysePBuffers ab = { &b.src,    &b.ref,    &b.recon,
                                     &b.coded,  &b.motion, with_map ? &b.skip : NULL,
                                     &b.search, &b.motion_prev };
            CHECK_EQ(tk_vk_cmd_begin(c->dev, &c->cmd), 0);
            tk_vk_cmd_fill(c->dev, &c->cmd, &b.recon, 0xa5a5a5a5u);
            tk_vk_cmd_fill(c->dev, &c->cmd, &b.coded, 0x5a5a5a5au);
            tk_vk_cmd_fill(c->dev, &c->cmd, &b.search, 0);
            tk_vk_cmd_fill(c->dev, &c->cmd, &b.motion, 0x3c3c3c3cu); /* every entry written */
            tk_vk_cmd_barrier(c->dev, &c->cmd);
            TkAnalysePFrame pf;
            TkAnalysePBatch batch;
            tk_analyse_p_gpu_frame(&pf, &ip, &ab);
            CHECK_EQ(tk_analyse_p_gpu_batch(c->dev, &c->cmd, &pf, 1, &batch), 0);
            CHECK_EQ(batch.steps, tk_analyse_p_gpu_steps(l));
            for (int st = 0; st < batch.steps; st++) {
                tk_analyse_p_gpu_record_step(c->dev, &c->an, &c->cmd, &batch, st);
                tk_vk_cmd_barrier(c->dev, &c->cmd);
            }
            CHECK_EQ(tk_vk_cmd_submit(c->dev, &c->cmd), 0);
            CHECK_EQ(tk_vk_cmd_wait(c->dev, &c->cmd), 0);
            long br = tk_check_bytes("recon", b.recon.map, rec_c, l->size);
            long bc = tk_check_bytes("coded", b.coded.map, (const uint8_t *)coded_c,
                                     n * sizeof(TkCodedMb));
            long bm = tk_check_bytes("motion", b.motion.map, (const uint8_t *)motion_c,
                                     n * sizeof(TkMbMotion));
            long bs = tk_check_bytes("search", b.search.map, (const uint8_t *)search_c,
                                     n * sizeof(TkMbSearch));
            if (bs >= 0)
                printf("  frame %d: first search difference MB %zu int %zu\n", i,
                       (size_t)bs / sizeof(TkMbSearch), ((size_t)bs % sizeof(TkMbSearch)) / 4);
            if (br >= 0 || bc >= 0 || bm >= 0 || bs >= 0) {
                bad_frames++;
                if (bc >= 0)
                    printf("  frame %d: first coded difference MB %zu int %zu\n", i,
                           (size_t)bc / sizeof(TkCodedMb),
                           ((size_t)bc % sizeof(TkCodedMb)) / 4);
                if (bm >= 0)
                    printf("  frame %d: first motion difference MB %zu int %zu\n", i,
                           (size_t)bm / sizeof(TkMbMotion),
                           ((size_t)bm % sizeof(TkMbMotion)) / 4);
            }
            for (size_t m = 0; m < n; m++)
                p_mbs[coded_c[m].type & 3]++;
        }
        TkEncoderRefFrame in = { .src = cur, .qp = qp, .skip_map = use_map && i > 0 ? map : NULL };
        uint8_t *au;
        size_t size;
        int idr;
        CHECK_EQ(tk_encoder_ref_encode_frame(e, &in, &au, &size, &idr), 0);
        free(au);
    }
    printf("%-12s %dx%d qp %2d slice rows %d skip map %d refresh %d: %d P pictures (I4x4 %ld "
           "I16 %ld P_L0 %ld P_Skip %ld) -> %s\n", source_names[kind], w, h, qp, slice_rows,
           use_map, refresh, frames - 1, p_mbs[0], p_mbs[1], p_mbs[2], p_mbs[3],
           bad_frames ? "DIFFERENT" : "equal");
    CHECK_EQ(bad_frames, 0);
    tk_encoder_ref_close(&e);
    tk_vk_buffer_destroy(c->dev, &b.src);
    tk_vk_buffer_destroy(c->dev, &b.ref);
    tk_vk_buffer_destroy(c->dev, &b.recon);
    tk_vk_buffer_destroy(c->dev, &b.coded);
    tk_vk_buffer_destroy(c->dev, &b.motion);
    tk_vk_buffer_destroy(c->dev, &b.skip);
    tk_vk_buffer_destroy(c->dev, &b.search);
    tk_vk_buffer_destroy(c->dev, &b.motion_prev);
    free(img[0]);
    free(img[1]);
    free(map);
    free(rec_c);
    free(coded_c);
    free(motion_c);
    free(search_c);
    source_close(&s);
}

static void run_case(Ctx *c, int kind, int w, int h, int qp, int slice_rows, int use_map,
                     int frames)
{
    run_case_refresh(c, kind, w, h, qp, slice_rows, use_map, frames, 0);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    Ctx c = { 0 };
    c.dev = tk_check_gpu_open(&log);
    CHECK_EQ(tk_vk_cmd_create(c.dev, &c.cmd), 0);
    CHECK_EQ(tk_analyse_p_gpu_create(c.dev, &c.an), 0);
    static const int qps[] = { 0, 10, 26, 40, 51 };
    for (int i = 0; i < 5; i++)
        run_case(&c, SRC_MOTION, 64, 48, qps[i], i & 1 ? 3 : 1, 0, 4);
    run_case(&c, SRC_MOTION, 200, 120, 26, 1, 0, 4);
    run_case(&c, SRC_SCROLL, 200, 120, 26, 1, 0, 5);
    run_case(&c, SRC_SCROLL, 64, 48, 40, 3, 1, 5);
    run_case(&c, SRC_STATIC, 200, 120, 26, 1, 1, 5);
    run_case(&c, SRC_CORNER, 200, 120, 10, 3, 1, 4);
    run_case(&c, SRC_CORNER, 64, 48, 51, 1, 0, 4);
    /* intra refresh */
    run_case_refresh(&c, SRC_SCROLL, 200, 120, 26, 1, 0, 7, 3);
    run_case_refresh(&c, SRC_MOTION, 200, 120, 32, 3, 0, 6, 5);
    run_case_refresh(&c, SRC_CORNER, 200, 120, 26, 1, 1, 6, 3);
    run_case_refresh(&c, SRC_MOTION, 64, 48, 10, 1, 0, 8, 6);
    tk_analyse_p_gpu_destroy(c.dev, &c.an);
    tk_vk_cmd_destroy(c.dev, &c.cmd);
    tk_check_gpu_close(&c.dev);
    return tk_check_finish();
}
