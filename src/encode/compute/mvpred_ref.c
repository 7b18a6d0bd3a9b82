/* Motion vector prediction (8.4.1.1, 8.4.1.3); see mvpred_ref.h. */
#include "encode/compute/mvpred_ref.h"

/* Sets neighbour k from the partition of macroblock m holding its 4x4 block (x4, y4), or as
 * unavailable when m is NULL. */
static void set_neighbour(TkMvNeighbours *n, int k, const TkMbMotion *m, int x4, int y4)
{
    n->avail[k] = m != 0;
    /* 8.4.1.3.2: unavailable or intra -> mv (0, 0), refIdx -1 */
    if (!m || m->ref_idx < 0) {
        n->ref_idx[k] = -1;
        n->mv[k][0] = n->mv[k][1] = 0;
        return;
    }
    int p = tk_mb_part_at(m->part, x4, y4);
    n->ref_idx[k] = m->ref_idx;
    n->mv[k][0] = m->mv[p][0];
    n->mv[k][1] = m->mv[p][1];
}

/* Table 6-3: the neighbouring luma location (xn, yn), relative to the current macroblock's
 * top-left sample, in the current or a neighbouring macroblock. */
static void locate(TkMvNeighbours *n, int k, const TkMbMotion *motion, int mb_width,
                   int slice_mb_rows, int mb_x, int mb_y, int part, int part_idx, int xn, int yn)
{
    /* Slices are whole macroblock rows: the row above is in this slice unless this row
     * starts one; the left macroblock always shares the slice. */
    int top = mb_y % slice_mb_rows != 0;
    const TkMbMotion *row = motion + (long)mb_y * mb_width, *up = row - mb_width;
    const TkMbMotion *m = 0;
    if (yn < 0) {
        if (xn < 0)
            m = top && mb_x > 0 ? &up[mb_x - 1] : 0;                 /* mbAddrD */
        else if (xn < 16)
            m = top ? &up[mb_x] : 0;                                 /* mbAddrB */
        else
            m = top && mb_x + 1 < mb_width ? &up[mb_x + 1] : 0;      /* mbAddrC */
    } else if (xn < 0) {
        m = mb_x > 0 ? &row[mb_x - 1] : 0;                           /* mbAddrA */
    } else if (xn < 16) {
        /* CurrMbAddr: only a partition decoded before this one (6.4.11.7) */
        m = tk_mb_part_at(part, xn >> 2, yn >> 2) < part_idx ? &row[mb_x] : 0;
    }
    /* xn > 15 with yn >= 0: not available (not decoded yet) */
    set_neighbour(n, k, m, (xn & 15) >> 2, (yn & 15) >> 2);
}

void tk_mv_neighbours_part(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                           int mb_y, int part, int part_idx, TkMvNeighbours *n)
{
    int x = part == TK_PART_8x16 ? 8 * part_idx : 0;
    int y = part == TK_PART_16x8 ? 8 * part_idx : 0;
    int w = part == TK_PART_8x16 ? 8 : 16;
    static const int dx[4] = { -1, 0, 0, -1 }, dy[4] = { 0, -1, -1, -1 };
    for (int k = 0; k < 4; k++)
        locate(n, k, motion, mb_width, slice_mb_rows, mb_x, mb_y, part, part_idx,
               x + dx[k] + (k == TK_NB_C ? w : 0), y + dy[k]);
}

void tk_mv_neighbours(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                      int mb_y, TkMvNeighbours *n)
{
    tk_mv_neighbours_part(motion, mb_width, slice_mb_rows, mb_x, mb_y, TK_PART_16x16, 0, n);
}

static int median3(int a, int b, int c)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return c < lo ? lo : c > hi ? hi : c;
}

void tk_mvpred_part(const TkMvNeighbours *n, int part, int part_idx, int mvp[2])
{
    /* 8.4.1.3.2: C is replaced by D when C is not available */
    int c = n->avail[TK_NB_C] ? TK_NB_C : TK_NB_D;
    int ref_a = n->ref_idx[TK_NB_A], ref_b = n->ref_idx[TK_NB_B], ref_c = n->ref_idx[c];
    const int *mv_a = n->mv[TK_NB_A], *mv_b = n->mv[TK_NB_B], *mv_c = n->mv[c];
    /* 8.4.1.3: when B and C are both unavailable and A is available, B and C take A's
     * data (availability, not intra-ness, decides here) */
    if (!n->avail[TK_NB_B] && !n->avail[c] && n->avail[TK_NB_A]) {
        ref_b = ref_c = ref_a;
        mv_b = mv_c = mv_a;
    }
    /* 8.4.1.3: the directional predictions of 16x8 and 8x16 partitions */
    const int *dir = 0;
    if (part == TK_PART_16x8)
        dir = part_idx == 0 ? (ref_b == 0 ? mv_b : 0) : (ref_a == 0 ? mv_a : 0);
    else if (part == TK_PART_8x16)
        dir = part_idx == 0 ? (ref_a == 0 ? mv_a : 0) : (ref_c == 0 ? mv_c : 0);
    if (dir) {
        mvp[0] = dir[0];
        mvp[1] = dir[1];
        return;
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

void tk_mvpred_16x16(const TkMvNeighbours *n, int mvp[2])
{
    tk_mvpred_part(n, TK_PART_16x16, 0, mvp);
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
