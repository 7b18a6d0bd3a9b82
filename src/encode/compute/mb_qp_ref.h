/*
 * QP_Y and mb_qp_delta of every macroblock of a picture whose macroblocks were quantised with
 * different QPs (lower under subtitle text): the C reference of shaders/mb_qp.comp.
 *
 * Analysis stores in each TkCodedMb the QP it quantised with (qp), and qp_y = qp, qp_delta 0,
 * which is right while the whole picture has one QP. Otherwise a decoder derives QP_Y along
 * each slice in decoding order (7.4.5): a macroblock that codes mb_qp_delta (Intra16x16, or
 * a non-zero coded_block_pattern: tk_coded_mb_codes_qp_delta) has QP_Y = QP_pred +
 * mb_qp_delta, which the encoder makes its qp; any other keeps QP_pred, the previous
 * macroblock's QP_Y (the slice QP for the first). So a text macroblock with nothing to code
 * keeps its neighbour's QP_Y, and deblocking (deblock_ref.h, qPav of the two sides' QP_Y)
 * must use these values, not qp.
 *
 * Runs after analysis, before CAVLC (which codes qp_delta) and deblocking (which reads qp_y).
 */
#ifndef TALKIE_ENCODE_COMPUTE_MB_QP_REF_H
#define TALKIE_ENCODE_COMPUTE_MB_QP_REF_H

#include "encode/compute/coded_mb.h"

/* Sets qp_y and qp_delta of every macroblock (raster order, slices of slice_mb_rows rows,
 * each with slice QP slice_qp) from qp, type and cbp. */
void tk_mb_qp_frame_ref(TkCodedMb *coded, int mb_width, int mb_height, int slice_mb_rows,
                        int slice_qp);

#endif
