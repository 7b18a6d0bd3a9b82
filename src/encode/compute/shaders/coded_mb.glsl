/*
 * TkCodedMb (src/encode/compute/coded_mb.h) as a GLSL struct, field for field in the same
 * order: the element of the coded-macroblock storage buffer that intra analysis
 * (analyse.comp) writes and CAVLC reads. std430 lays it out exactly like the C struct
 * (32-bit ints only, no padding: 471 ints = 1884 bytes). Keep the two in sync.
 *
 * Use:  #include "coded_mb.glsl"
 *       layout(std430, binding = N) buffer Coded { TkCodedMb coded[]; };
 */
#ifndef TK_CODED_MB_GLSL
#define TK_CODED_MB_GLSL

#define TK_MB_I4x4 0
#define TK_MB_I16x16 1
#include "../../../common/inter_defs.h"

struct TkCodedMb {
    int type;                    /* TK_MB_I4x4 or TK_MB_I16x16 */
    int i16_mode;                /* Intra16x16PredMode 0..3 (I16x16 only) */
    int chroma_mode;             /* intra_chroma_pred_mode 0..3 */
    int cbp;                     /* bits 0-3: luma 8x8 coded; bits 4-5: chroma 0/1/2 */
    int qp_delta;                /* mb_qp_delta as coded */
    int i4_mode_syntax[16];      /* -1 = prev_intra4x4_pred_mode_flag, else rem 0..7 */
    int i4_mode[16];             /* chosen Intra4x4PredMode per luma4x4BlkIdx */
    int luma_dc[16];             /* Intra16x16DCLevel, scan order */
    int luma[16][16];            /* [luma4x4BlkIdx][scan pos] */
    int chroma_dc[2][4];         /* [Cb/Cr][c0..c3] */
    int chroma_ac[2][4][16];     /* [Cb/Cr][blk][scan pos 1..15] */
    int total_coeff[16];         /* TotalCoeff per luma4x4BlkIdx as coded */
    int total_coeff_chroma[2][4];
    int qp;                      /* the QP the levels were quantised with */
    int qp_y;                    /* QP_Y (7.4.5), see mb_qp_ref.h */
};


/* TkMbMotion (coded_mb.h): one macroblock's motion in P pictures, its own buffer. */
struct TkMbMotion {
    int ref_idx;                 /* 0, or TK_REF_NONE (intra) */
    int part;                    /* TK_PART_16x16, _16x8, _8x16 */
    int mv[2][2];                /* mvL0 per partition, quarter samples */
    int mvd[2][2];               /* mvd_l0 per partition as coded */
};

/* TkMbCandidate, TkMbSearch (coded_mb.h): the search pass's result per macroblock. */
struct TkMbCandidate {
    int mv[2];                   /* quarter samples */
    int satd;                    /* of the partition's luma at mv */
};

struct TkMbSearch {
    TkMbCandidate c[TK_SEARCHES];
};

#endif
