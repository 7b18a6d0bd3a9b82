/*
 * Motion vector prediction of H.264 for talkie's P macroblocks (partitions 16x16, 16x8,
 * 8x16, one reference picture), normative and exact: the luma MV predictor of 8.4.1.3
 * (neighbours A, B, C with C replaced by D when unavailable, the directional rules of 16x8
 * and 8x16, the "only one has the same reference" rule, the median) and the MV of P_Skip
 * (8.4.1.1).
 *
 * Neighbours (6.4.11.7): for a partition whose top-left luma sample is (x, y) inside the
 * macroblock and that is w samples wide, A holds (x - 1, y), B (x, y - 1), C (x + w, y - 1),
 * D (x - 1, y - 1), located by Table 6-3 in this macroblock or in the left, top, top-right,
 * top-left one. A neighbour is "available" when its macroblock lies inside the picture, in
 * the same slice and is decoded before the current one, and, inside the current macroblock,
 * when its partition comes earlier; an available intra macroblock still counts as available,
 * with refIdx -1 and MV (0, 0) (8.4.1.3.2). Every step reads only TkMbMotion entries (the
 * four neighbours' and the current macroblock's earlier partitions), so a GPU thread per
 * macroblock (in wavefront order, as for intra) can run it.
 */
#ifndef TALKIE_ENCODE_COMPUTE_MVPRED_REF_H
#define TALKIE_ENCODE_COMPUTE_MVPRED_REF_H

#include "encode/compute/coded_mb.h"

/* The neighbours' data 8.4.1.3 works on: N = A, B, C, D. */
typedef struct TkMvNeighbours {
    int avail[4];     /* 1: available (see above) */
    int ref_idx[4];   /* refIdxL0N: 0, or -1 when unavailable or intra (8.4.1.3.2) */
    int mv[4][2];     /* mvL0N: (0, 0) when unavailable or intra */
} TkMvNeighbours;

enum { TK_NB_A, TK_NB_B, TK_NB_C, TK_NB_D };

/*
 * Gathers A, B, C, D of partition part_idx of partitioning `part` (TK_PART_*) of macroblock
 * (mb_x, mb_y) from `motion` (mb_width per row, slices of slice_mb_rows whole rows). For
 * part_idx 1 the macroblock's own entry must already hold partition 0's MV.
 */
void tk_mv_neighbours_part(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                           int mb_y, int part, int part_idx, TkMvNeighbours *n);

/* The same for the whole macroblock (16x16), as P_Skip and P_L0_16x16 use. */
void tk_mv_neighbours(const TkMbMotion *motion, int mb_width, int slice_mb_rows, int mb_x,
                      int mb_y, TkMvNeighbours *n);

/* mvpLX of partition part_idx of `part` with refIdxL0 0 (8.4.1.3). */
void tk_mvpred_part(const TkMvNeighbours *n, int part, int part_idx, int mvp[2]);

/* mvpLX of a 16x16 partition with refIdxL0 0 (8.4.1.3). */
void tk_mvpred_16x16(const TkMvNeighbours *n, int mvp[2]);

/* mvL0 of a P_Skip macroblock (8.4.1.1); n from tk_mv_neighbours(). */
void tk_mvpred_skip(const TkMvNeighbours *n, int mv[2]);

#endif
