/* Reference motion estimation; see me_ref.h. */
#include "encode/compute/me_ref.h"

#include <stdlib.h>

#include "common/inter_defs.h"
#include "encode/compute/inter_pred_ref.h"
#include "encode/compute/transform_ref.h"

int tk_se_bits(int v)
{
    unsigned code = v > 0 ? 2u * (unsigned)v - 1u : 2u * (unsigned)(-v);
    int len = 1;
    while ((code + 1) >> (len / 2 + 1))
        len += 2;
    return len;
}

static int mv_bits(const int mv[2], const int mvp[2])
{
    return tk_se_bits(mv[0] - mvp[0]) + tk_se_bits(mv[1] - mvp[1]);
}

static int clamp_mv(int v)
{
    return v < -TK_MV_MAX ? -TK_MV_MAX : v > TK_MV_MAX ? TK_MV_MAX : v;
}

static int sad16x16(const uint8_t *ref, const TkFrameLayout *l, const int src_y[256], int mb_x,
                    int mb_y, const int mv[2])
{
    int pred[256], sum = 0;
    tk_inter_pred_luma(ref, l, mb_x * 16, mb_y * 16, 16, 16, mv[0], mv[1], pred);
    for (int i = 0; i < 256; i++)
        sum += abs(src_y[i] - pred[i]);
    return sum;
}

static int satd16x16(const int src_y[256], const int pred[256])
{
    int sum = 0;
    for (int by = 0; by < 16; by += 4)
        for (int bx = 0; bx < 16; bx += 4) {
            int res[16];
            for (int i = 0; i < 16; i++) {
                int o = (by + (i >> 2)) * 16 + bx + (i & 3);
                res[i] = src_y[o] - pred[o];
            }
            sum += tk_satd4x4(res);
        }
    return sum;
}

int tk_me_cost_ref(const uint8_t *ref, const TkFrameLayout *l, const int src_y[256], int mb_x,
                   int mb_y, const int mvp[2], int lambda, const int mv[2])
{
    int pred[256];
    tk_inter_pred_luma(ref, l, mb_x * 16, mb_y * 16, 16, 16, mv[0], mv[1], pred);
    return satd16x16(src_y, pred) + lambda * mv_bits(mv, mvp);
}

/* Integer stage from one start (a whole-sample MV); updates best / best_cost. */
static void diamond(const uint8_t *ref, const TkFrameLayout *l, const int src_y[256], int mb_x,
                    int mb_y, const int mvp[2], int lambda, const int start[2], int best[2],
                    int *best_cost)
{
    static const int dirs[4][2] = { { 0, -4 }, { -4, 0 }, { 4, 0 }, { 0, 4 } };
    int cur[2] = { start[0], start[1] };
    int cur_cost = sad16x16(ref, l, src_y, mb_x, mb_y, cur) + lambda * mv_bits(cur, mvp);
    for (int step = 0; step < TK_ME_STEPS; step++) {
        int next = -1, next_cost = cur_cost;
        for (int d = 0; d < 4; d++) {
            int c[2] = { cur[0] + dirs[d][0], cur[1] + dirs[d][1] };
            if (abs(c[0] - start[0]) > 4 * TK_ME_RANGE || abs(c[1] - start[1]) > 4 * TK_ME_RANGE ||
                abs(c[0]) > TK_MV_MAX || abs(c[1]) > TK_MV_MAX)
                continue;
            int cost = sad16x16(ref, l, src_y, mb_x, mb_y, c) + lambda * mv_bits(c, mvp);
            if (cost < next_cost) {
                next = d;
                next_cost = cost;
            }
        }
        if (next < 0)
            break;
        cur[0] += dirs[next][0];
        cur[1] += dirs[next][1];
        cur_cost = next_cost;
    }
    if (cur_cost < *best_cost) {
        best[0] = cur[0];
        best[1] = cur[1];
        *best_cost = cur_cost;
    }
}

/* Sub-sample stage: the 8 neighbours `d` quarter samples away from best (SATD costs). */
static void refine(const uint8_t *ref, const TkFrameLayout *l, const int src_y[256], int mb_x,
                   int mb_y, const int mvp[2], int lambda, int d, int best[2], int *best_cost)
{
    int center[2] = { best[0], best[1] };
    for (int dy = -d; dy <= d; dy += d)
        for (int dx = -d; dx <= d; dx += d) {
            int c[2] = { center[0] + dx, center[1] + dy };
            if ((dx == 0 && dy == 0) || abs(c[0]) > TK_MV_MAX || abs(c[1]) > TK_MV_MAX)
                continue;
            int cost = tk_me_cost_ref(ref, l, src_y, mb_x, mb_y, mvp, lambda, c);
            if (cost < *best_cost) {
                best[0] = c[0];
                best[1] = c[1];
                *best_cost = cost;
            }
        }
}

int tk_me_search_ref(const uint8_t *ref, const TkFrameLayout *l, const int src_y[256], int mb_x,
                     int mb_y, const int mvp[2], int lambda, int mv[2])
{
    /* 1: integer samples from the rounded predictor, then from (0, 0) */
    int best[2] = { 0, 0 }, best_cost = 0x7fffffff;
    int start[2] = { clamp_mv((mvp[0] + 2) & ~3), clamp_mv((mvp[1] + 2) & ~3) };
    /* clamp_mv keeps multiples of 4: TK_MV_MAX is one */
    diamond(ref, l, src_y, mb_x, mb_y, mvp, lambda, start, best, &best_cost);
    if (start[0] != 0 || start[1] != 0) {
        const int zero[2] = { 0, 0 };
        diamond(ref, l, src_y, mb_x, mb_y, mvp, lambda, zero, best, &best_cost);
    }
    /* 2, 3: half then quarter samples, SATD; the predictor itself competes */
    best_cost = tk_me_cost_ref(ref, l, src_y, mb_x, mb_y, mvp, lambda, best);
    refine(ref, l, src_y, mb_x, mb_y, mvp, lambda, 2, best, &best_cost);
    refine(ref, l, src_y, mb_x, mb_y, mvp, lambda, 1, best, &best_cost);
    if (best[0] != mvp[0] || best[1] != mvp[1]) {
        int c = tk_me_cost_ref(ref, l, src_y, mb_x, mb_y, mvp, lambda, mvp);
        if (c < best_cost) {
            best[0] = mvp[0];
            best[1] = mvp[1];
            best_cost = c;
        }
    }
    mv[0] = best[0];
    mv[1] = best[1];
    return best_cost;
}
