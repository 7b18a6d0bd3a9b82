/*
 * deblock.comp against the C reference (tk_deblock_frame_mbs_ref, deblock_ref.h): the
 * filtered picture equal byte for byte, for all-intra pictures (bS 3 and 4) and for P-like
 * pictures whose macroblocks mix intra, P_L0 (every partitioning, MVs near the bS 1
 * threshold) and P_Skip, with and without coefficients; smooth pictures (so that the filter
 * acts) and noise; sizes with more macroblock rows than the kernel keeps in flight and one
 * not a multiple of 16; QPs 0 10 26 40 51; and macroblocks of mixed QP_Y (up to 12 below the
 * picture's, as under subtitle text: each edge filters with the mean of its two sides',
 * 8.7.2.2). Validation on; skipped (77) without a device.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/compute/deblock_gpu.h"
#include "common/text_qp_defs.h"
#include "encode/compute/deblock_ref.h"
#include "talkie/talkie.h"

static uint32_t rng_state = 1;

static int rnd(int n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 8) % (uint32_t)n);
}

/* Smooth blocks with small steps at 4x4 edges (what the filter smooths), or noise. */
static void fill_pic(uint8_t *pic, const TkFrameLayout *l, int noise)
{
    for (size_t i = 0; i < l->size; i++) {
        size_t row = i / l->luma_stride, x = i % l->luma_stride;
        int v = noise ? rnd(256)
                      : 100 + (int)((x / 4 * 7 + row / 4 * 5) % 23) + (int)(x & 3) + rnd(3);
        pic[i] = (uint8_t)v;
    }
}

/* mixed_qp: QP_Y of each macroblock qp or up to 12 below (clamped at 0), else qp. */
static void fill_mbs(TkCodedMb *coded, TkMbMotion *motion, size_t n, int intra_only, int qp,
                     int mixed_qp)
{
    for (size_t i = 0; i < n; i++) {
        TkCodedMb *c = &coded[i];
        TkMbMotion *m = &motion[i];
        memset(c, 0, sizeof(*c));
        memset(m, 0, sizeof(*m));
        int offset = -rnd(13); /* (TK_TEXT_QP evaluates its arguments more than once) */
        c->qp_y = mixed_qp && rnd(3) == 0 ? TK_TEXT_QP(qp, offset) : qp;
        c->qp = c->qp_y;
        int kind = intra_only ? rnd(2) : rnd(8);
        c->type = kind == 0 ? TK_MB_I4x4 : kind == 1 ? TK_MB_I16x16
                  : kind < 4 ? TK_MB_PSKIP : TK_MB_PL0;
        if (c->type == TK_MB_I4x4 || c->type == TK_MB_I16x16) {
            m->ref_idx = TK_REF_NONE;
            continue;
        }
        m->part = c->type == TK_MB_PL0 ? rnd(3) : TK_PART_16x16;
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < 2; k++)
                m->mv[p][k] = rnd(3) == 0 ? rnd(13) - 6 : 0;
        if (m->part == TK_PART_16x16) {
            m->mv[1][0] = m->mv[0][0];
            m->mv[1][1] = m->mv[0][1];
        }
        if (c->type == TK_MB_PL0)
            for (int k = 0; k < 16; k++)
                c->total_coeff[k] = rnd(4) == 0 ? 1 + rnd(3) : 0;
    }
}

typedef struct Ctx {
    TkVkDevice *dev;
    TkDeblockGpu db;
    TkVkCmd cmd;
} Ctx;

static void run_case(Ctx *c, int w, int h, int qp, int intra_only, int noise, int seed,
                     int mixed_qp)
{
    TkFrameLayout l = tk_frame_layout(w, h);
    size_t n = (size_t)l.mb_width * (size_t)l.mb_height;
    uint8_t *ref = malloc(l.size), *orig = malloc(l.size);
    TkVkBuffer pic = { 0 }, coded = { 0 }, motion = { 0 };
    CHECK_EQ(tk_vk_buffer_create(c->dev, &pic, l.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &coded, n * sizeof(TkCodedMb), TK_VK_MEMORY_UPLOAD),
             0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &motion, n * sizeof(TkMbMotion), TK_VK_MEMORY_UPLOAD),
             0);
    if (!ref || !orig || !pic.map || !coded.map || !motion.map) {
        CHECK(0);
        goto done;
    }
    rng_state = (uint32_t)seed * 2654435761u + 11u;
    fill_pic(ref, &l, noise);
    memcpy(pic.map, ref, l.size);
    fill_mbs(coded.map, motion.map, n, intra_only, qp, mixed_qp);
    if (intra_only && !mixed_qp)
        tk_deblock_frame_ref(&l, qp, ref); /* the one-QP entry must agree */
    else
        tk_deblock_frame_mbs_ref(&l, coded.map, motion.map, ref);

    CHECK_EQ(tk_vk_cmd_begin(c->dev, &c->cmd), 0);
    tk_deblock_gpu_record(c->dev, &c->db, &c->cmd, &l, &pic, &coded, &motion);
    tk_vk_cmd_barrier(c->dev, &c->cmd);
    CHECK_EQ(tk_vk_cmd_submit(c->dev, &c->cmd), 0);
    CHECK_EQ(tk_vk_cmd_wait(c->dev, &c->cmd), 0);
    tk_vk_buffer_invalidate(c->dev, &pic);
    long bad = tk_check_bytes("deblocked", pic.map, ref, l.size);
    /* how much the filter changed (0 below QP 16, where alpha' is 0) */
    size_t changed = 0;
    rng_state = (uint32_t)seed * 2654435761u + 11u;
    fill_pic(orig, &l, noise);
    for (size_t i = 0; i < l.size; i++)
        changed += orig[i] != ref[i];
    printf("%dx%d qp %2d%s %s %s: %zu samples filtered, %s\n", w, h, qp,
           mixed_qp ? " mixed" : "", intra_only ? "intra" : "P    ", noise ? "noise " : "smooth", changed,
           bad < 0 ? "equal" : "DIFFERENT");
    CHECK_EQ(bad, -1);
done:
    tk_vk_buffer_destroy(c->dev, &pic);
    tk_vk_buffer_destroy(c->dev, &coded);
    tk_vk_buffer_destroy(c->dev, &motion);
    free(ref);
    free(orig);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    Ctx c = { 0 };
    c.dev = tk_check_gpu_open(&log);
    CHECK_EQ(tk_vk_cmd_create(c.dev, &c.cmd), 0);
    CHECK_EQ(tk_deblock_gpu_create(c.dev, &c.db), 0);
    static const int qps[] = { 0, 10, 26, 40, 51 };
    for (int i = 0; i < 5; i++)
        for (int intra = 0; intra < 2; intra++) {
            run_case(&c, 64, 48, qps[i], intra, 0, i * 2 + intra, 0);
            run_case(&c, 200, 120, qps[i], intra, 0, 10 + i * 2 + intra, 0);
            run_case(&c, 48, 176, qps[i], intra, i & 1, 20 + i * 2 + intra, 0);
            /* mixed QP_Y: the filter's thresholds change edge by edge */
            run_case(&c, 200, 120, qps[i], intra, 0, 30 + i * 2 + intra, 1);
            run_case(&c, 48, 176, qps[i], intra, i & 1, 40 + i * 2 + intra, 1);
        }
    tk_deblock_gpu_destroy(c.dev, &c.db);
    tk_vk_cmd_destroy(c.dev, &c.cmd);
    tk_check_gpu_close(&c.dev);
    return tk_check_finish();
}
