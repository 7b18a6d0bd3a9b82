/*
 * QP_Y and mb_qp_delta along the slices (mb_qp_ref.h): the C reference against the rules of
 * 7.4.5 written out on a hand-made slice, then mb_qp.comp against the C reference on random
 * pictures (macroblock types, cbp, QP per macroblock at the frame's or up to 12 below), from
 * tiny ones to a 1920x1088 picture in one slice (chunks of many macroblocks per invocation)
 * and in one-row slices. Validation on; the GPU part skipped (77) without a device.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "common/text_qp_defs.h"
#include "encode/compute/mb_qp_gpu.h"
#include "encode/compute/mb_qp_ref.h"

static uint32_t rng_state = 1;

static int rnd(int n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 8) % (uint32_t)n);
}

/* One slice of 6 macroblocks at slice QP 30, text QP 24, by the rules of 7.3.5 / 7.4.5. */
static void check_rules(void)
{
    TkCodedMb mb[6];
    memset(mb, 0, sizeof(mb));
    /* text I4x4 with coefficients: codes -6 */
    mb[0] = (TkCodedMb){ .type = TK_MB_I4x4, .cbp = 1, .qp = 24 };
    /* text I4x4 without: codes nothing, keeps QP_pred 24 */
    mb[1] = (TkCodedMb){ .type = TK_MB_I4x4, .cbp = 0, .qp = 24 };
    /* background P_Skip: keeps 24 (it was quantised at 30, but has nothing) */
    mb[2] = (TkCodedMb){ .type = TK_MB_PSKIP, .qp = 30 };
    /* background I16x16 without coefficients still codes mb_qp_delta: +6 */
    mb[3] = (TkCodedMb){ .type = TK_MB_I16x16, .cbp = 0, .qp = 30 };
    /* text P_L0 with chroma only: -6 */
    mb[4] = (TkCodedMb){ .type = TK_MB_PL0, .cbp = 0x10, .qp = 24 };
    /* background P_L0 without coefficients: keeps 24 */
    mb[5] = (TkCodedMb){ .type = TK_MB_PL0, .cbp = 0, .qp = 30 };
    tk_mb_qp_frame_ref(mb, 6, 1, 1, 30);
    static const int qp_y[6] = { 24, 24, 24, 30, 24, 24 };
    static const int delta[6] = { -6, 0, 0, 6, -6, 0 };
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(mb[i].qp_y, qp_y[i]);
        CHECK_EQ(mb[i].qp_delta, delta[i]);
    }
    /* a new slice starts from the slice QP: two slices of 3 */
    tk_mb_qp_frame_ref(mb, 3, 2, 1, 30);
    CHECK_EQ(mb[3].qp_y, 30);
    CHECK_EQ(mb[3].qp_delta, 0);
    CHECK_EQ(mb[4].qp_delta, -6);
}

static void fill(TkCodedMb *coded, size_t n, int qp, int text_share)
{
    for (size_t i = 0; i < n; i++) {
        TkCodedMb *c = &coded[i];
        memset(c, 0, sizeof(*c));
        int kind = rnd(8);
        c->type = kind == 0 ? TK_MB_I4x4 : kind == 1 ? TK_MB_I16x16
                  : kind < 5 ? TK_MB_PSKIP : TK_MB_PL0;
        c->cbp = c->type == TK_MB_PSKIP || rnd(3) == 0 ? 0 : 1 + rnd(47);
        int offset = -1 - rnd(12); /* (TK_TEXT_QP evaluates its arguments more than once) */
        c->qp = rnd(100) < text_share ? TK_TEXT_QP(qp, offset) : qp;
        /* what analysis leaves */
        c->qp_y = c->qp;
        c->qp_delta = 0;
    }
}

static void run_case(TkVkDevice *dev, TkMbQpGpu *k, TkVkCmd *cmd, int w, int h, int rows, int qp,
                     int text_share)
{
    TkFrameLayout l = tk_frame_layout(w, h);
    size_t n = (size_t)l.mb_width * (size_t)l.mb_height, bytes = n * sizeof(TkCodedMb);
    TkCodedMb *ref = malloc(bytes);
    TkVkBuffer coded = { 0 };
    CHECK_EQ(tk_vk_buffer_create(dev, &coded, bytes, TK_VK_MEMORY_UPLOAD), 0);
    if (!ref || !coded.map) {
        CHECK(0);
        goto done;
    }
    fill(ref, n, qp, text_share);
    memcpy(coded.map, ref, bytes);
    tk_mb_qp_frame_ref(ref, l.mb_width, l.mb_height, rows, qp);
    CHECK_EQ(tk_vk_cmd_begin(dev, cmd), 0);
    tk_mb_qp_gpu_record(dev, k, cmd, &l, rows, qp, &coded);
    tk_vk_cmd_barrier(dev, cmd);
    CHECK_EQ(tk_vk_cmd_submit(dev, cmd), 0);
    CHECK_EQ(tk_vk_cmd_wait(dev, cmd), 0);
    tk_vk_buffer_invalidate(dev, &coded);
    long bad = tk_check_bytes("coded", coded.map, (const uint8_t *)ref, bytes);
    size_t deltas = 0;
    for (size_t i = 0; i < n; i++)
        deltas += ref[i].qp_delta != 0;
    printf("%dx%d slice rows %d qp %d text %d%%: %zu non-zero mb_qp_delta, %s\n", w, h, rows,
           qp, text_share, deltas, bad < 0 ? "equal" : "DIFFERENT");
    CHECK_EQ(bad, -1);
done:
    tk_vk_buffer_destroy(dev, &coded);
    free(ref);
}

int main(void)
{
    check_rules();
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);
    TkVkCmd cmd = { 0 };
    TkMbQpGpu k = { 0 };
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    CHECK_EQ(tk_mb_qp_gpu_create(dev, &k), 0);
    run_case(dev, &k, &cmd, 64, 48, 1, 26, 30);
    run_case(dev, &k, &cmd, 200, 120, 3, 5, 50);
    run_case(dev, &k, &cmd, 320, 240, 15, 32, 10);
    run_case(dev, &k, &cmd, 1920, 1080, 68, 26, 20);
    run_case(dev, &k, &cmd, 1920, 1080, 1, 40, 5);
    run_case(dev, &k, &cmd, 1920, 1080, 68, 30, 0);
    tk_mb_qp_gpu_destroy(dev, &k);
    tk_vk_cmd_destroy(dev, &cmd);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
