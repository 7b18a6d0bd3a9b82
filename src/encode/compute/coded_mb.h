/*
 * One coded macroblock: what analysis (prediction, mode decision, transform,
 * quantisation) hands to entropy coding (CAVLC). The same struct is an element of a GPU
 * storage buffer (std430): 32-bit fields only, no padding, and shaders declare it field for
 * field in the same order (see shaders/coded_mb.glsl). Keep the two in sync.
 *
 * Coefficient arrays hold quantised levels in zig-zag scan order (frame macroblocks).
 * Luma 4x4 blocks are indexed by luma4x4BlkIdx (H.264 6.4.3: the 8x8 quadrants in raster
 * order, the 4x4 blocks inside each in raster order); chroma 4x4 blocks in raster order.
 */
#ifndef TALKIE_ENCODE_COMPUTE_CODED_MB_H
#define TALKIE_ENCODE_COMPUTE_CODED_MB_H

#include <stdint.h>

#include "common/inter_defs.h"

/* TkCodedMb.type; the inter ones (TK_MB_PL0, TK_MB_PSKIP) are in common/inter_defs.h.
 * An inter macroblock uses cbp, qp_delta, luma (all 16 scan positions, like I4x4),
 * chroma_dc, chroma_ac and the total_coeff fields; a P_Skip one is all zeros but its type. */
enum {
    TK_MB_I4x4 = 0,    /* mb_type I_NxN */
    TK_MB_I16x16 = 1,  /* mb_type I_16x16_<mode>_<cbp chroma>_<cbp luma> */
};

typedef struct TkCodedMb {
    int32_t type;                 /* TK_MB_I4x4 or TK_MB_I16x16 */
    int32_t i16_mode;             /* Intra16x16PredMode 0..3 (I16x16 only) */
    int32_t chroma_mode;          /* intra_chroma_pred_mode 0..3 */
    int32_t cbp;                  /* bits 0-3: luma 8x8 blocks coded; bits 4-5: chroma 0/1/2 */
    int32_t qp_delta;             /* mb_qp_delta as coded: qp_y minus the previous macroblock's
                                     (0 where the macroblock codes none; mb_qp_ref.h) */
    int32_t i4_mode_syntax[16];   /* I4x4: -1 = prev_intra4x4_pred_mode_flag=1, else
                                     rem_intra4x4_pred_mode 0..7 */
    int32_t i4_mode[16];          /* I4x4: the chosen Intra4x4PredMode per block (for neighbours) */
    int32_t luma_dc[16];          /* I16x16: Intra16x16DCLevel, scan order */
    int32_t luma[16][16];         /* per luma4x4BlkIdx: levels, scan order; I16x16 AC uses 1..15 */
    int32_t chroma_dc[2][4];      /* Cb, Cr: chroma DC levels, c[0..3] (2x2 raster order) */
    int32_t chroma_ac[2][4][16];  /* Cb, Cr, block 0..3: AC levels, scan positions 1..15 */
    int32_t total_coeff[16];      /* TotalCoeff of each luma 4x4 block as coded (AC only for
                                     I16x16; 0 where the 8x8's cbp bit is 0): the nC context */
    int32_t total_coeff_chroma[2][4]; /* likewise for chroma AC blocks */
    int32_t qp;                   /* the QP analysis quantised the levels with (the frame's,
                                     or lower under subtitle text) */
    int32_t qp_y;                 /* QP_Y as a decoder derives it (7.4.5): qp where the
                                     macroblock codes mb_qp_delta, else the previous
                                     macroblock's (analysis stores qp; mb_qp_ref.h fixes it
                                     where they differ); deblocking reads it */
} TkCodedMb;

/*
 * The motion of one macroblock of a P picture, a second per-macroblock buffer next to
 * TkCodedMb (same std430 rules; shaders/coded_mb.glsl declares it too). Analysis of a
 * macroblock reads its left, top, top-right and top-left neighbours' entries for MV
 * prediction (mvpred_ref.h); CAVLC reads part and mvd; deblocking reads ref_idx and mv.
 * Partitions (TK_PART_*): 16x16 has one, 16x8 two (upper, lower), 8x16 two (left, right);
 * a 16x16 macroblock (P_Skip included) stores its MV in both entries, so the MV covering a
 * 4x4 block is always mv[tk_mb_part_at(part, x4, y4)].
 */
typedef struct TkMbMotion {
    int32_t ref_idx;     /* 0, or TK_REF_NONE for an intra macroblock */
    int32_t part;        /* TK_PART_16x16, _16x8 or _8x16 (TK_PART_16x16 unless TK_MB_PL0) */
    int32_t mv[2][2];    /* mvL0 (x, y) per partition, quarter samples; (0, 0) for intra */
    int32_t mvd[2][2];   /* mvd_l0 per partition as coded (TK_MB_PL0 only, else 0) */
} TkMbMotion;

/* Whether the macroblock codes mb_qp_delta: Intra16x16 ones and those with a non-zero
 * coded_block_pattern (7.3.5). Any other (P_Skip, cbp 0) keeps QP_pred as its QP_Y (7.4.5);
 * its levels are all zero, so the QP it was quantised with changes nothing in its pixels. */
static inline int tk_coded_mb_codes_qp_delta(const TkCodedMb *mb)
{
    return mb->type == TK_MB_I16x16 || (mb->type != TK_MB_PSKIP && mb->cbp != 0);
}

/*
 * What the search pass (search_p_ref.h) found for one macroblock of a P picture, a third
 * per-macroblock buffer (same std430 rules; shaders/coded_mb.glsl): per search
 * (TK_SEARCH_*), the MV and the SATD of its partition's luma prediction. The mode decision
 * adds the MV cost against the true predictor, which the search could not know.
 */
typedef struct TkMbCandidate {
    int32_t mv[2];       /* quarter samples */
    int32_t satd;        /* of the partition's luma at mv */
} TkMbCandidate;

typedef struct TkMbSearch {
    TkMbCandidate c[TK_SEARCHES];
} TkMbSearch;

/* The partition of `part` holding the 4x4 block in column x4, row y4 (0..3) of a macroblock. */
static inline int tk_mb_part_at(int part, int x4, int y4)
{
    return part == TK_PART_16x8 ? y4 >> 1 : part == TK_PART_8x16 ? x4 >> 1 : 0;
}

#endif
