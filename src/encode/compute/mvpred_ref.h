/*
 * Motion vector prediction of H.264 for talkie's P macroblocks (one 16x16 partition, one
 * reference picture), normative and exact: the luma MV predictor of 8.4.1.3 (median of the
 * neighbours A, B, C, with C replaced by D when unavailable, and the "only one has the same
 * reference" rule) and the MV of P_Skip (8.4.1.1).
 *
 * Neighbours (6.4.11.7 for a 16x16 partition): A the macroblock to the left, B above, C above
 * right, D above left. One is "available" when it lies inside the picture, was decoded
 * earlier and belongs to the same slice (6.4.8); an available intra macroblock still counts
 * as available, with refIdx -1 and MV (0, 0) (8.4.1.3.2). Every step reads only the four
 * neighbours' TkMbMotion entries, so a GPU thread per macroblock (in wavefront order, as for
 * intra) can run it.
 */
#ifndef TALKIE_ENCODE_COMPUTE_MVPRED_REF_H
#define TALKIE_ENCODE_COMPUTE_MVPRED_REF_H

#include "encode/compute/coded_mb.h"

/* The neighbours' data 8.4.1.3 works on: N = A, B, C, D. */
typedef struct TkMvNeighbours {
    int avail[4];     /* 1: the macroblock exists in this slice and precedes the current one */
    int ref_idx[4];   /* refIdxL0N: 0, or -1 when unavailable or intra (8.4.1.3.2) */
    int mv[4][2];     /* mvL0N: (0, 0) when unavailable or intra */
} TkMvNeighbours;

enum { TK_NB_A, TK_NB_B, TK_NB_C, TK_NB_D };

/*
 * Gathers A, B, C, D of macroblock (mb_x, mb_y) from `motion` (mb_width per row) with slices
 * of slice_mb_rows whole macroblock rows.
 */
void tk_mv_neighbours(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                      int mb_y, TkMvNeighbours *n);

/* mvpLX of a 16x16 partition with refIdxL0 0 (8.4.1.3). */
void tk_mvpred_16x16(const TkMvNeighbours *n, int mvp[2]);

/* mvL0 of a P_Skip macroblock (8.4.1.1). */
void tk_mvpred_skip(const TkMvNeighbours *n, int mv[2]);

#endif
