/* Reference search pass of P pictures; see search_p_ref.h. */
#include "encode/compute/search_p_ref.h"

#include "encode/compute/me_ref.h"
#include "encode/compute/transform_ref.h"

static int median3(int a, int b, int c)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return c < lo ? lo : c > hi ? hi : c;
}

/* The previous picture's MV of macroblock m that touches a macroblock below or right of it
 * (mv[1]), or (0, 0) where m is outside the picture or was intra. */
static void prev_mv(const TkMbMotion *prev, int m, int out[2])
{
    int inter = m >= 0 && prev[m].ref_idx == 0;
    out[0] = inter ? prev[m].mv[1][0] : 0;
    out[1] = inter ? prev[m].mv[1][1] : 0;
}

void tk_search_p_mvp_estimate(const TkMbMotion *prev_motion, int mb_width, int mb_x, int mb_y,
                              int mvp[2])
{
    int idx = mb_y * mb_width + mb_x, a[2], b[2], c[2];
    prev_mv(prev_motion, mb_x > 0 ? idx - 1 : -1, a);
    prev_mv(prev_motion, mb_y > 0 ? idx - mb_width : -1, b);
    prev_mv(prev_motion, mb_y > 0 && mb_x + 1 < mb_width ? idx - mb_width + 1 : -1, c);
    mvp[0] = median3(a[0], b[0], c[0]);
    mvp[1] = median3(a[1], b[1], c[1]);
}

void tk_search_p_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                     const uint8_t *skip_map, const TkMbMotion *prev_motion,
                     TkMbSearch *search, int mb_x, int mb_y, int k)
{
    const TkFrameLayout *l = &p->layout;
    int idx = mb_y * l->mb_width + mb_x;
    int map = skip_map ? skip_map[idx] : TK_SKIP_MAP_CHANGED;
    if (TK_SKIP_MAP_IS_STATIC(map) || map == TK_SKIP_MAP_INTRA)
        return;
    int src_y[256];
    size_t stride = l->luma_stride;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            src_y[y * 16 + x] = src[(size_t)(mb_y * 16 + y) * stride + (size_t)(mb_x * 16 + x)];
    int part = k == TK_SEARCH_16x16 ? TK_PART_16x16
               : k < TK_SEARCH_8x16 ? TK_PART_16x8 : TK_PART_8x16;
    int half = k == TK_SEARCH_16x16 ? 0 : (k - TK_SEARCH_16x8) & 1;
    TkMeBlock b = { .src_y = src_y, .mb_x = mb_x, .mb_y = mb_y,
                    .x = part == TK_PART_8x16 ? 8 * half : 0,
                    .y = part == TK_PART_16x8 ? 8 * half : 0,
                    .w = part == TK_PART_8x16 ? 8 : 16, .h = part == TK_PART_16x8 ? 8 : 16,
                    .limit = tk_inter_refresh_limit(p, mb_x) };
    int mvp[2], mv[2];
    tk_search_p_mvp_estimate(prev_motion, l->mb_width, mb_x, mb_y, mvp);
    TkMeStarts starts = { 0 };
    if (prev_motion[idx].ref_idx == 0) {
        starts.mv[starts.n][0] = prev_motion[idx].mv[half][0];
        starts.mv[starts.n++][1] = prev_motion[idx].mv[half][1];
    }
    if (mb_y > 0 && prev_motion[idx - l->mb_width].ref_idx == 0) {
        starts.mv[starts.n][0] = prev_motion[idx - l->mb_width].mv[1][0];
        starts.mv[starts.n++][1] = prev_motion[idx - l->mb_width].mv[1][1];
    }
    int lambda = tk_intra_lambda(p->qp);
    int cost = tk_me_search_ref(ref, l, &b, mvp, &starts, lambda, mv);
    TkMbCandidate *c = &search[idx].c[k];
    c->mv[0] = mv[0];
    c->mv[1] = mv[1];
    c->satd = cost - lambda * (tk_se_bits(mv[0] - mvp[0]) + tk_se_bits(mv[1] - mvp[1]));
}

void tk_search_p_frame_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                           const uint8_t *skip_map, const TkMbMotion *prev_motion,
                           TkMbSearch *search)
{
    for (int y = 0; y < p->layout.mb_height; y++)
        for (int x = 0; x < p->layout.mb_width; x++)
            for (int k = 0; k < TK_SEARCHES; k++)
                tk_search_p_ref(p, src, ref, skip_map, prev_motion, search, x, y, k);
}
