/*
 * Reference (C) analysis of one macroblock of a P picture (decisions, encoder side): chooses
 * P_Skip, P_L0_16x16 or an intra macroblock, computes its residual levels and its
 * reconstruction (what a decoder will have before deblocking), and writes TkCodedMb and
 * TkMbMotion. A GPU port runs one macroblock per workgroup in the same order constraints as
 * intra analysis (left and top neighbours finished: MV prediction and intra prediction read
 * them), with the reference picture read-only.
 *
 * Decision, in this order (lambda = tk_intra_lambda(qp), costs in SATD + lambda * bits):
 *   0. intra refresh: a macroblock the skip map marks TK_SKIP_MAP_INTRA (the encoder's own
 *      map, encoder_ref.h intra_refresh) is coded intra (the intra analysis alone). Left of
 *      the refresh columns (the area already refreshed in the cycle) every MV the decision
 *      may code keeps TK_REFRESH_MV_OK (inter_defs.h): the search's (search_p_ref.h), the
 *      predictor as a 16x16 MV, P_Skip's (early skip is not tried where its MV does not
 *      keep it); MV (0, 0) of a static macroblock keeps it but, after a deblocked reference,
 *      in the column just left of the refresh columns, which the map then never marks
 *      static. Intra macroblocks of the last
 *      refreshed column do not predict from their top-right neighbour
 *      (TkIntraParams.refresh_x1).
 *   1. skip map: a macroblock the renderer marks TK_SKIP_MAP_STATIC is neither searched nor
 *      tried as intra: its MV is (0, 0). When its residual against the co-located reference
 *      samples quantises to nothing and the P_Skip MV (8.4.1.1) is (0, 0) too, it is
 *      P_Skip; otherwise P_L0_16x16 with mv (0, 0) (mvd = -mvp), with whatever residual is
 *      left. The residual matters where the previous picture was coded coarsely just before
 *      the region stopped changing: freezing that picture as P_Skip would keep its error for
 *      good (measured on the conversation at QP 26: 1.5 dB of PSNR Y for 3% of bytes);
 *      coded once, the region is P_Skip from the next picture on. TK_SKIP_MAP_STATIC_SAME_REF
 *      (the encoder's own map: the reference samples are those of the previous picture's
 *      reference too, at the same QP) on a macroblock whose previous coding, still in
 *      motion[] and coded[], was 16x16 at MV (0, 0) with cbp 0: the residual is that one
 *      again, none, so it is not computed and the prediction is the reconstruction.
 *   2. early skip: the residual at the P_Skip MV quantises (after decimation) to nothing ->
 *      P_Skip.
 *   3. inter cost: the search pass's results (search_p_ref.h, run for every macroblock before
 *      the decisions), each SATD plus lambda * the MV bits against the true predictor: the
 *      16x16 MV, or the predictor itself where that costs less; the 16x8 and 8x16 halves
 *      (+ 2 lambda for their mb_type), the cheapest wins (ties: the earlier); intra analysis
 *      (analyse_ref.h) -> intra cost + lambda * TK_P_INTRA_EXTRA_BITS; the cheaper of inter
 *      and intra wins (ties: inter).
 *   4. inter: residual of the 16 luma 4x4 blocks (no DC transform) and chroma DC/AC, inter
 *      rounding, coefficient decimation (x264's scores, TK_DECIMATE_*); a P_L0_16x16 with no
 *      coefficients and the P_Skip MV becomes P_Skip.
 */
/*
 * For the GPU port, per picture:
 *   inputs   src (NV12), ref (NV12, the previous picture after deblocking: read-only, so
 *            its clamped reads need no synchronisation), skip map (a byte per macroblock;
 *            on the GPU one uint per macroblock or 4 per word);
 *   outputs  recon (unfiltered), coded (TkCodedMb[n]), motion (TkMbMotion[n]);
 *   order    first the search pass over every macroblock at once (search_p.comp: it reads
 *            the previous picture's motion, which the decisions then overwrite); then a
 *            macroblock reads its own motion entry (the previous picture's) before writing
 *            it, and needs its left, top-left, top and top-right neighbours finished (intra
 *            prediction and MV prediction A/B/C/D): analyse_p.comp runs the wavefront
 *            x + 2y, one dispatch per diagonal (slices would allow more parallelism; with
 *            one slice a P picture they would not);
 *   then     CAVLC (cavlc_ref.h tk_cavlc_mb_p_ref: each macroblock needs the count of
 *            P_Skip macroblocks just before it in its slice, a per-slice prefix count),
 *            packing as for I pictures, and deblocking from coded + motion
 *            (deblock_ref.h tk_deblock_frame_mbs_ref) into the next picture's ref.
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_P_REF_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_P_REF_H

#include <stdint.h>

#include "common/frame.h"
#include "common/text_qp_defs.h"
#include "encode/compute/coded_mb.h"

typedef struct TkInterParams {
    TkFrameLayout layout;
    int qp;                 /* 0..51 (the search pass's lambda, and the slice QP) */
    int slice_mb_rows;      /* macroblock rows per slice (>= 1) */
    const uint8_t *text_map; /* NULL, or TK_TEXT_MAP_TEXT per macroblock quantised (and
                               decided: lambda) at text_qp, as in TkIntraParams */
    int text_qp;
    int i16x16_only;        /* 1: the intra trial tries I16x16 only (TkIntraParams) */
    int refresh_x0, refresh_x1; /* the picture's intra refresh columns (encoder_ref.h
                               tk_encoder_refresh_cols; 0, 0: none), which the skip map marks
                               TK_SKIP_MAP_INTRA: the macroblocks left of refresh_x0 predict
                               only from the reference's luma columns left of refresh_limit
                               (inter_defs.h TK_REFRESH_MV_OK), those of column
                               refresh_x1 - 1 not from their top-right neighbour */
    int refresh_limit;      /* 16 * refresh_x0, less TK_REFRESH_DEBLOCK_MARGIN where the
                               reference was deblocked */
} TkInterParams;

/* Intra refresh: the luma columns of the reference that macroblock column mb_x may read
 * (TkMeBlock.limit, inter_defs.h TK_REFRESH_MV_OK), or 0 (no limit: right of the refresh
 * columns, or no refresh). */
static inline int tk_inter_refresh_limit(const TkInterParams *p, int mb_x)
{
    return mb_x < p->refresh_x0 ? p->refresh_limit : 0;
}

/* Intra refresh: TkIntraParams.refresh_x1 of the picture (the last refreshed column's
 * top-right neighbour is not refreshed), 0 where there is none. */
static inline int tk_inter_refresh_edge(const TkInterParams *p)
{
    return p->refresh_x1 > 0 && p->refresh_x1 < p->layout.mb_width ? p->refresh_x1 : 0;
}

/* The QP macroblock idx is quantised and decided with. */
static inline int tk_inter_mb_qp(const TkInterParams *p, int idx)
{
    return p->text_map && p->text_map[idx] == TK_TEXT_MAP_TEXT ? p->text_qp : p->qp;
}

/*
 * The static pass: codes macroblock (mb_x, mb_y) if the skip map marks it static (else does
 * nothing): its residual at MV (0, 0) (none where TK_SKIP_MAP_STATIC_SAME_REF allows, see 1.
 * above) into coded[] as TK_MB_PL0 and its reconstruction into recon, reading its motion
 * entry as the previous picture's. Needs no neighbour, so the GPU runs it for every
 * macroblock at once, beside the search pass; the decision then only picks P_Skip or MV
 * (0, 0). A static macroblock whose neighbours A, B, C and D are all static or outside the
 * picture (tk_inter_static_alone) has MV prediction and P_Skip MV (0, 0) whatever is decided
 * elsewhere, so this pass decides it too (P_Skip without a residual, else P_L0 with mvd 0,
 * into coded[] and motion[]) and the wavefront leaves it alone: in still content the
 * wavefront then only carries the changed macroblocks and their right and lower neighbours.
 */
void tk_inter_static_mb_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                            const uint8_t *skip_map, uint8_t *recon, TkCodedMb *coded,
                            TkMbMotion *motion, int mb_x, int mb_y);

/* 1 for a static macroblock whose neighbours A, B, C, D are static or outside the picture. */
int tk_inter_static_alone(const uint8_t *skip_map, const TkFrameLayout *l, int mb_x,
                          int mb_y);

/*
 * Codes macroblock (mb_x, mb_y) of a P picture: reads src (NV12), ref (the previous picture
 * as the decoder holds it: deblocked), skip_map (one byte per macroblock, or NULL), the
 * search pass's results (search_p_ref.h), the neighbours in recon / coded / motion; writes
 * the macroblock's recon samples, coded[mb_y * mb_width + mb_x] and motion[same]. Call in
 * raster order, after the search and static passes of the whole picture. Residual and
 * lambda at the macroblock's QP (tk_inter_mb_qp, stored in coded->qp; qp_y the same and
 * qp_delta 0: mb_qp_ref.h corrects them); the search pass keeps the frame QP's lambda.
 */
void tk_inter_analyse_mb_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                             const uint8_t *skip_map, const TkMbSearch *search,
                             uint8_t *recon, TkCodedMb *coded, TkMbMotion *motion, int mb_x,
                             int mb_y);

/* The search pass (into search: n_mbs entries) and the static pass, then every macroblock in
 * raster order. */
void tk_inter_analyse_frame_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                                const uint8_t *skip_map, TkMbSearch *search, uint8_t *recon,
                                TkCodedMb *coded, TkMbMotion *motion);

#endif
