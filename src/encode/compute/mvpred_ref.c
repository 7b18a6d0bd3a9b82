/* Motion vector prediction (8.4.1.1, 8.4.1.3); see mvpred_ref.h. */
#include "encode/compute/mvpred_ref.h"

static void set_neighbour(TkMvNeighbours *n, int k, const TkMbMotion *m)
{
    n->avail[k] = m != 0;
    /* 8.4.1.3.2: unavailable or intra -> mv (0, 0), refIdx -1 */
    if (!m || m->ref_idx < 0) {
        n->ref_idx[k] = -1;
        n->mv[k][0] = n->mv[k][1] = 0;
        return;
    }
    n->ref_idx[k] = m->ref_idx;
    n->mv[k][0] = m->mv[0];
    n->mv[k][1] = m->mv[1];
}

void tk_mv_neighbours(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                      int mb_y, TkMvNeighbours *n)
{
    /* Slices are whole macroblock rows: the row above is in this slice unless this row
     * starts one; the left macroblock always shares the slice. */
    int top = mb_y % slice_mb_rows != 0;
    const TkMbMotion *row = motion + (long)mb_y * mb_width, *up = row - mb_width;
    set_neighbour(n, TK_NB_A, mb_x > 0 ? &row[mb_x - 1] : 0);
    set_neighbour(n, TK_NB_B, top ? &up[mb_x] : 0);
    set_neighbour(n, TK_NB_C, top && mb_x + 1 < mb_width ? &up[mb_x + 1] : 0);
    set_neighbour(n, TK_NB_D, top && mb_x > 0 ? &up[mb_x - 1] : 0);
}

static int median3(int a, int b, int c)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return c < lo ? lo : c > hi ? hi : c;
}

void tk_mvpred_16x16(const TkMvNeighbours *n, int mvp[2])
{
    /* 8.4.1.3.2: C is replaced by D when C is not available */
    int c = n->avail[TK_NB_C] ? TK_NB_C : TK_NB_D;
    int ref_a = n->ref_idx[TK_NB_A], ref_b = n->ref_idx[TK_NB_B], ref_c = n->ref_idx[c];
    const int *mv_a = n->mv[TK_NB_A], *mv_b = n->mv[TK_NB_B], *mv_c = n->mv[c];
    /* 8.4.1.3.1: when B and C are both unavailable and A is available, B and C take A's
     * data (availability, not intra-ness, decides here) */
    if (!n->avail[TK_NB_B] && !n->avail[c] && n->avail[TK_NB_A]) {
        ref_b = ref_c = ref_a;
        mv_b = mv_c = mv_a;
    }
    /* 8.4.1.3.1: if exactly one of refIdxA/B/C equals refIdxL0 (0), its MV; else the median */
    int same = (ref_a == 0) + (ref_b == 0) + (ref_c == 0);
    for (int k = 0; k < 2; k++) {
        if (same == 1)
            mvp[k] = ref_a == 0 ? mv_a[k] : ref_b == 0 ? mv_b[k] : mv_c[k];
        else
            mvp[k] = median3(mv_a[k], mv_b[k], mv_c[k]);
    }
}

void tk_mvpred_skip(const TkMvNeighbours *n, int mv[2])
{
    /* 8.4.1.1: (0, 0) when A or B is unavailable, or either is a zero MV into picture 0 */
    int zero = !n->avail[TK_NB_A] || !n->avail[TK_NB_B] ||
               (n->ref_idx[TK_NB_A] == 0 && n->mv[TK_NB_A][0] == 0 && n->mv[TK_NB_A][1] == 0) ||
               (n->ref_idx[TK_NB_B] == 0 && n->mv[TK_NB_B][0] == 0 && n->mv[TK_NB_B][1] == 0);
    if (zero) {
        mv[0] = mv[1] = 0;
        return;
    }
    tk_mvpred_16x16(n, mv);
}
