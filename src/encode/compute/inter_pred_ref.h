/*
 * Reference (C) inter prediction of H.264, the normative sample interpolation a decoder
 * applies (8.4.2.2): luma at quarter-sample positions with the 6-tap filter (8.4.2.2.1) and
 * chroma at eighth-sample positions, bilinear (8.4.2.2.2), for a block of a P macroblock.
 * Reference samples outside the picture are the nearest edge sample (the Clip3 of 8-228 and
 * 8-239 / 8-240), so any MV is allowed (unrestricted motion vectors).
 *
 * The picture is the whole coded (macroblock-aligned) NV12 image of common/frame.h: a
 * decoder's reference picture is PicWidthInSamples x PicHeightInSamples, i.e. before the
 * SPS cropping. Written to port 1:1 to GLSL: a block loads a clamped window of reference
 * samples (what a workgroup puts in shared memory) and every output sample is computed from
 * that window independently.
 */
#ifndef TALKIE_ENCODE_COMPUTE_INTER_PRED_REF_H
#define TALKIE_ENCODE_COMPUTE_INTER_PRED_REF_H

#include <stdint.h>

#include "common/frame.h"

/* Largest block (a macroblock). */
#define TK_INTER_MAX_W 16

/*
 * Luma prediction of the w x h block (w, h <= 16) whose top-left sample is (x, y) in the
 * current picture, with mv (quarter samples) into `ref` (NV12, layout l): pred[i * w + j].
 */
void tk_inter_pred_luma(const uint8_t *ref, const TkFrameLayout *l, int x, int y, int w, int h,
                        int mv_x, int mv_y, int *pred);

/*
 * Chroma prediction (both Cb and Cr) of the w x h chroma block (w, h <= 8) whose top-left
 * chroma sample is (cx, cy), with the luma mv (8.4.1.4: for 4:2:0 frames mvCLX = mvLX, in
 * eighth chroma samples): pred_cb / pred_cr[i * w + j].
 */
void tk_inter_pred_chroma(const uint8_t *ref, const TkFrameLayout *l, int cx, int cy, int w,
                          int h, int mv_x, int mv_y, int *pred_cb, int *pred_cr);

#endif
