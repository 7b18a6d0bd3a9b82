/*
 * Reference (C) intra analysis of one macroblock for the compute H.264 encoder: prediction
 * (I16x16, I4x4, chroma), mode decision by SATD + lambda * bits, forward transform,
 * quantisation, and the decoder's dequantisation / inverse transform for the reconstruction.
 * analyse.comp is its GPU twin and must match it byte for byte (tests/h264/test_analyse_gpu.c).
 *
 * Mode decision (integer only, deterministic):
 *   I16x16 cost = min over available modes of the summed 4x4 SATD of the residual;
 *   I4x4 cost   = sum over blocks of min over available modes of SATD + lambda * (1 if the
 *                 mode is the predicted one, else 4), plus lambda * TK_I4x4_EXTRA_BITS;
 *   chroma      = min over available modes of the Cb + Cr SATD;
 *   ties go to the lower mode number; I4x4 is chosen only when strictly cheaper.
 * lambda = tk_intra_lambda(qp). I4x4 blocks are decided and reconstructed one by one.
 * qp is the macroblock's (tk_intra_mb_qp: lower under subtitle text), stored in coded->qp;
 * with a text map, mb_qp_ref.h then derives mb_qp_delta and QP_Y along each slice.
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_REF_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_REF_H

#include <stdint.h>

#include "common/frame.h"
#include "common/text_qp_defs.h"
#include "encode/compute/coded_mb.h"
#include "encode/compute/intra_pred_ref.h"

/* Header bits an I_NxN macroblock spends beyond its 16 mode fields compared with I_16x16
 * (which carries its mode and cbp in mb_type, and codes its DCs together). */
#define TK_I4x4_EXTRA_BITS 6

typedef struct TkIntraParams {
    TkFrameLayout layout;   /* common/frame.h */
    int qp;                 /* 0..51, luma; chroma QP via Table 8-15 (chroma_qp_index_offset 0);
                               also the slice QP */
    int slice_mb_rows;      /* macroblock rows per slice (>= 1); intra prediction and the
                               predicted intra 4x4 mode never cross a slice boundary */
    const uint8_t *text_map; /* NULL, or one byte per macroblock (raster order):
                               TK_TEXT_MAP_TEXT (common/text_qp_defs.h) marks the macroblocks
                               quantised with text_qp instead of qp */
    int text_qp;            /* 0..51: TK_TEXT_QP(qp, offset) */
    int i16x16_only;        /* 1: no I4x4 trial, the macroblock is I16x16 (the intra trial of
                               P pictures in low-latency streams: the I4x4 trial is a chain
                               of 16 blocks, see analyse_p_ref.h) */
    int refresh_x1;         /* intra refresh (P pictures, analyse_p_ref.h): > 0 where column
                               refresh_x1 - 1 is the last of the refreshed area and the
                               column right of it is not refreshed: its block 5 (the only
                               one whose top-right samples come from macroblock (x + 1,
                               y - 1), 8.3.1.2) gets no Intra_4x4 mode that reads them
                               (Diagonal_Down_Left, Vertical_Left); 0: none */
} TkIntraParams;

/* 1 when I4x4 block k of a macroblock in column mb_x may not use mode m (refresh_x1 above). */
static inline int tk_intra_refresh_forbids(const TkIntraParams *p, int mb_x, int k, int m)
{
    return p->refresh_x1 > 0 && mb_x == p->refresh_x1 - 1 && k == 5 &&
           (m == TK_I4_DDL || m == TK_I4_VL);
}

/* The QP macroblock n is quantised with (mode decision's lambda included). */
static inline int tk_intra_mb_qp(const TkIntraParams *p, int n)
{
    return p->text_map && p->text_map[n] == TK_TEXT_MAP_TEXT ? p->text_qp : p->qp;
}

/* Codes macroblock (mb_x, mb_y): reads src (NV12, layout), writes that MB's pixels of recon
 * (same layout) and coded[mb_y * mb_width + mb_x]. Reads neighbours (left, top, top-left,
 * top-right) from recon and coded[]. Call in raster order within each slice. Returns the
 * luma cost of the chosen mode (SATD + lambda * bits as above), which P-picture analysis
 * weighs against inter. Neighbours may be inter macroblocks of a P picture
 * (constrained_intra_pred_flag 0): their unfiltered reconstruction predicts, and their 4x4
 * mode counts as DC (8.3.1.1). */
int tk_intra_analyse_mb_ref(const TkIntraParams *p, const uint8_t *src, uint8_t *recon,
                            TkCodedMb *coded, int mb_x, int mb_y);

/* Whole frame in raster order (every slice): convenience for tests and the reference encoder. */
void tk_intra_analyse_frame_ref(const TkIntraParams *p, const uint8_t *src, uint8_t *recon,
                                TkCodedMb *coded);

#endif
