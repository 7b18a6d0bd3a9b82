/*
 * Reference (C) search pass of a P picture: the motion search of every macroblock, before
 * and apart from the mode decision (analyse_p_ref.h), so that on the GPU it runs over the
 * whole picture at once instead of along the decision's wavefront.
 *
 * A search may not depend on the current picture's other macroblocks, so where the
 * decision's search would start from and weigh against the true MV predictor (which needs
 * the neighbours' final MVs), this one uses an estimate: the median of the previous
 * picture's MVs of the left, top and top-right macroblocks (each (0, 0) outside the picture
 * or where intra; mv[1], the lower or right partition, which touches this macroblock for a
 * top neighbour). Starts (me_ref.h): the estimate, (0, 0), this macroblock's previous MV and
 * the previous MV of the macroblock above. Every partition of 16x16, 16x8 and 8x16 is
 * searched on its own from those starts, five independent searches (TK_SEARCH_*), so the GPU
 * runs them side by side; TkMbSearch keeps each result's MV and SATD (its cost less the MV
 * bits against the estimate). Macroblocks the skip map marks static or intra
 * (TK_SKIP_MAP_INTRA, an intra refresh's column) are not searched (their entry is left as it
 * is: the decision does not read it); those left of an intra refresh's columns keep their
 * MVs clear of the unrefreshed area (me_ref.h TkMeBlock.limit).
 *
 * GPU (search_p.comp): one workgroup per (macroblock, search); reads src, ref, the previous
 * picture's motion and the skip map; writes search[].
 */
#ifndef TALKIE_ENCODE_COMPUTE_SEARCH_P_REF_H
#define TALKIE_ENCODE_COMPUTE_SEARCH_P_REF_H

#include <stdint.h>

#include "encode/compute/analyse_p_ref.h"

/* Search `k` (TK_SEARCH_*) of macroblock (mb_x, mb_y) into search[mb].c[k]; prev_motion is
 * the previous picture's. Skipped (nothing written) for a static macroblock. */
void tk_search_p_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                     const uint8_t *skip_map, const TkMbMotion *prev_motion,
                     TkMbSearch *search, int mb_x, int mb_y, int k);

/* Every search of every macroblock. */
void tk_search_p_frame_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                           const uint8_t *skip_map, const TkMbMotion *prev_motion,
                           TkMbSearch *search);

/* The search's MV predictor estimate of macroblock (mb_x, mb_y) (see above). */
void tk_search_p_mvp_estimate(const TkMbMotion *prev_motion, int mb_width, int mb_x, int mb_y,
                              int mvp[2]);

#endif
