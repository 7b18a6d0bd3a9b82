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

/* With an intra refresh, clear of the unrefreshed area (me_ref.h). */
static int refresh_ok(const TkMeBlock *b, const int c[2])
{
    return b->limit <= 0 || TK_REFRESH_MV_OK(c[0], b->mb_x * 16 + b->x + b->w, b->limit);
}

/* Within +-TK_MV_MAX and refresh_ok(). */
static int mv_ok(const TkMeBlock *b, const int c[2])
{
    return abs(c[0]) <= TK_MV_MAX && abs(c[1]) <= TK_MV_MAX && refresh_ok(b, c);
}

/* SAD (satd 0) or SATD (satd 1, 4x4 blocks) of block b's prediction at mv. */
static int distortion(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                      const int mv[2], int satd)
{
    int pred[256], sum = 0;
    tk_inter_pred_luma(ref, l, b->mb_x * 16 + b->x, b->mb_y * 16 + b->y, b->w, b->h, mv[0],
                       mv[1], pred);
    if (!satd) {
        for (int i = 0; i < b->h; i++)
            for (int j = 0; j < b->w; j++)
                sum += abs(b->src_y[(b->y + i) * 16 + b->x + j] - pred[i * b->w + j]);
        return sum;
    }
    for (int by = 0; by < b->h; by += 4)
        for (int bx = 0; bx < b->w; bx += 4) {
            int res[16];
            for (int i = 0; i < 16; i++) {
                int y = by + (i >> 2), x = bx + (i & 3);
                res[i] = b->src_y[(b->y + y) * 16 + b->x + x] - pred[y * b->w + x];
            }
            sum += tk_satd4x4(res);
        }
    return sum;
}

int tk_me_cost_ref(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                   const int mvp[2], int lambda, const int mv[2])
{
    return distortion(ref, l, b, mv, 1) + lambda * mv_bits(mv, mvp);
}

/* Integer stage from one start (a whole-sample MV); updates best / best_cost. */
static void diamond(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                    const int mvp[2], int lambda, const int start[2], int best[2],
                    int *best_cost)
{
    static const int dirs[4][2] = { { 0, -4 }, { -4, 0 }, { 4, 0 }, { 0, 4 } };
    int cur[2] = { start[0], start[1] };
    int cur_cost = distortion(ref, l, b, cur, 0) + lambda * mv_bits(cur, mvp);
    for (int step = 0; step < TK_ME_STEPS; step++) {
        int next = -1, next_cost = cur_cost;
        for (int d = 0; d < 4; d++) {
            int c[2] = { cur[0] + dirs[d][0], cur[1] + dirs[d][1] };
            if (abs(c[0] - start[0]) > 4 * TK_ME_RANGE || abs(c[1] - start[1]) > 4 * TK_ME_RANGE ||
                !mv_ok(b, c))
                continue;
            int cost = distortion(ref, l, b, c, 0) + lambda * mv_bits(c, mvp);
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
static void refine(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                   const int mvp[2], int lambda, int d, int best[2], int *best_cost)
{
    int center[2] = { best[0], best[1] };
    for (int dy = -d; dy <= d; dy += d)
        for (int dx = -d; dx <= d; dx += d) {
            int c[2] = { center[0] + dx, center[1] + dy };
            if ((dx == 0 && dy == 0) || !mv_ok(b, c))
                continue;
            int cost = tk_me_cost_ref(ref, l, b, mvp, lambda, c);
            if (cost < *best_cost) {
                best[0] = c[0];
                best[1] = c[1];
                *best_cost = cost;
            }
        }
}

/* A whole-sample start near v (rounded), within +-TK_MV_MAX (a multiple of 4) and, with an
 * intra refresh, clear of the unrefreshed area (the largest whole-sample x that is: at least
 * -3 samples for a block inside the refreshed area, so within TK_MV_MAX). */
static void whole(const TkMeBlock *b, const int v[2], int out[2])
{
    out[0] = clamp_mv((v[0] + 2) & ~3);
    out[1] = clamp_mv((v[1] + 2) & ~3);
    int max_x = TK_REFRESH_MV_MAX_WHOLE(b->mb_x * 16 + b->x + b->w, b->limit);
    if (b->limit > 0 && out[0] > max_x)
        out[0] = max_x;
}

int tk_me_search_ref(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                     const int mvp[2], const TkMeStarts *extra, int lambda, int mv[2])
{
    /* 1: integer samples from the rounded predictor, (0, 0) and the extra starts; a start
     * equal to an earlier one is not searched again */
    int best[2] = { 0, 0 }, best_cost = 0x7fffffff;
    int starts[2 + TK_ME_MAX_STARTS][2], n = 0;
    static const int zero[2] = { 0, 0 };
    whole(b, mvp, starts[n++]);
    whole(b, zero, starts[n++]);
    for (int i = 0; extra && i < extra->n && i < TK_ME_MAX_STARTS; i++)
        whole(b, extra->mv[i], starts[n++]);
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= starts[j][0] == starts[i][0] && starts[j][1] == starts[i][1];
        if (!seen)
            diamond(ref, l, b, mvp, lambda, starts[i], best, &best_cost);
    }
    /* 2, 3: half then quarter samples, SATD; the predictor itself competes */
    best_cost = tk_me_cost_ref(ref, l, b, mvp, lambda, best);
    refine(ref, l, b, mvp, lambda, 2, best, &best_cost);
    refine(ref, l, b, mvp, lambda, 1, best, &best_cost);
    if ((best[0] != mvp[0] || best[1] != mvp[1]) && refresh_ok(b, mvp)) {
        int c = tk_me_cost_ref(ref, l, b, mvp, lambda, mvp);
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
