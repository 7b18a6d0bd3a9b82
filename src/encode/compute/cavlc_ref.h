/*
 * CAVLC, the C reference of shaders/cavlc.comp: macroblock_layer() (7.3.5) of I slices with
 * residual_block_cavlc() (7.3.5.3.2, 9.2) for every block type, and of P slices
 * (mb_skip_run, P_L0 16x16 / 16x8 / 8x16 with mvd_l0 and the inter coded_block_pattern
 * mapping, intra
 * macroblocks with mb_type + 5).
 *
 * Each macroblock's bits go to its own scratch area (TK_MB_SCRATCH_WORDS words, MSB-first)
 * and its bit count to counts[], exactly as the GPU kernel writes them, so the pack step
 * (pack_ref.h) can place every macroblock at its offset in parallel.
 */
#ifndef TALKIE_ENCODE_COMPUTE_CAVLC_REF_H
#define TALKIE_ENCODE_COMPUTE_CAVLC_REF_H

#include <stdint.h>

#include "encode/compute/coded_mb.h"
#include "encode/h264/bitwriter.h"

/*
 * Upper bound of one macroblock's bits: 384 coefficients of at most 28 (level) + 11
 * (run_before) bits, 27 blocks of at most 16 (coeff_token) + 9 (total_zeros) bits, and under
 * 128 bits of mb_type, prediction modes, cbp and mb_qp_delta: 15,779 < 16,384.
 */
#define TK_MB_MAX_BITS 16384
#define TK_MB_SCRATCH_WORDS (TK_MB_MAX_BITS / 32)

/*
 * The largest |level| CAVLC can always code in Baseline, whatever suffixLength is
 * (level_prefix <= 15, 9.2.2.1): levelCode 2 * 2063 - 1 = 4125 = 30 + 4095. Analysis must
 * keep its levels within it; larger ones make tk_cavlc_mb_ref() fail with ERANGE.
 */
#define TK_CAVLC_LEVEL_MAX 2063

/*
 * Writes macroblock_layer() of `mb`. `left` and `top` are the neighbouring macroblocks when
 * they are available for nC (inside the picture and in the same slice, 9.2.1), else NULL.
 * Returns 0, TALKIE_ERR(ERANGE) for a level CAVLC cannot code, TALKIE_ERR(EINVAL) for a
 * macroblock that breaks the TkCodedMb contract (bad type/cbp, total_coeff not matching its
 * levels), TALKIE_ERR(ENOSPC) when bw overflowed.
 */
int tk_cavlc_mb_ref(TkBitWriter *bw, const TkCodedMb *mb, const TkCodedMb *left,
                    const TkCodedMb *top);

/*
 * One macroblock of a P slice: mb_skip_run (7.3.4) then macroblock_layer() for P_L0
 * (mb_type motion->part, motion->mvd per partition) and intra macroblocks. skip_run is the number of P_Skip macroblocks just
 * before this one in its slice; a P_Skip macroblock writes nothing unless it is the last of
 * its slice (`last`), where it writes the run that ends the slice. Every macroblock thus
 * writes its own bits, as the GPU kernel will (skip_run is a per-slice prefix count).
 */
int tk_cavlc_mb_p_ref(TkBitWriter *bw, const TkCodedMb *mb, const TkMbMotion *motion,
                      const TkCodedMb *left, const TkCodedMb *top, int skip_run, int last);

/* The P-slice twin of tk_cavlc_frame_ref(), with each macroblock's motion[i]. */
int tk_cavlc_frame_p_ref(const TkCodedMb *coded, const TkMbMotion *motion, int mb_width,
                         int mb_height, int slice_mb_rows, uint32_t *scratch, uint32_t *counts);

/*
 * Every macroblock of a frame (raster order, slices of slice_mb_rows rows): the bits of
 * macroblock i go to scratch + i * TK_MB_SCRATCH_WORDS, their count to counts[i].
 */
int tk_cavlc_frame_ref(const TkCodedMb *coded, int mb_width, int mb_height, int slice_mb_rows,
                       uint32_t *scratch, uint32_t *counts);

/* Fills total_coeff and total_coeff_chroma from the levels and cbp (what analysis must
 * store); for tests and hand-made macroblocks. */
void tk_coded_mb_count(TkCodedMb *mb);

#endif
