/*
 * Reference motion estimation for P macroblocks (a decision, not normative): finds the luma
 * MV of a partition (TkMeBlock: the whole macroblock, or a 16x8 / 8x16 half) into the
 * reference picture that minimises
 *     cost = distortion + lambda * (bits of mvd_l0 = mv - mvp, se(v) per component)
 * in three stages, each starting from the best so far:
 *   1. integer samples: the start candidates mvp, (0, 0) and the caller's (TkMeStarts: the
 *      co-located MV of the previous picture, the MV of the macroblock above even across a
 *      slice edge, the 16x16 result when a half is searched), each rounded to a whole
 *      sample and searched once,
 *      then up to TK_ME_STEPS small-diamond steps (4 neighbours one sample away, move to the
 *      cheapest while it improves), each component within +-TK_ME_RANGE samples of the
 *      start; distortion = SAD;
 *   2. half samples: the 8 neighbours two quarter samples away, distortion = SATD (4x4);
 *   3. quarter samples: the 8 neighbours one quarter sample away, SATD; mvp itself competes.
 * Candidates are visited in a fixed order and ties keep the earlier one, so the result is
 * deterministic (and what a GPU port must reproduce). Every MV stays within +-TK_MV_MAX.
 */
#ifndef TALKIE_ENCODE_COMPUTE_ME_REF_H
#define TALKIE_ENCODE_COMPUTE_ME_REF_H

#include <stdint.h>

#include "common/frame.h"
#include "common/inter_defs.h"

/* Bits of se(v) for v (9.1.1): the length of the Exp-Golomb code of its codeNum. */
int tk_se_bits(int v);

/* The partition searched: the macroblock (mb_x, mb_y), whose source luma is src_y[256]
 * (raster), and the w x h block at (x, y) inside it. */
typedef struct TkMeBlock {
    const int *src_y;
    int mb_x, mb_y;
    int x, y, w, h;
    int limit;  /* > 0 (intra refresh, a macroblock left of the refresh columns): every MV
                   considered keeps TK_REFRESH_MV_OK(mv x, right edge, limit) (inter_defs.h):
                   starts are clamped to the largest whole-sample MV that does, other
                   candidates that do not are skipped, the predictor too; 0: no limit */
} TkMeBlock;

/* Extra starts of the integer search, in the order they are tried after mvp and (0, 0). */
typedef struct TkMeStarts {
    int n;
    int mv[TK_ME_MAX_STARTS][2];
} TkMeStarts;

/*
 * Searches the MV of block b in `ref` (NV12, layout l) with predictor mvp and the extra
 * starts (NULL: none). Writes it to mv[2] (quarter samples) and returns its cost
 * (SATD + lambda * mvd bits).
 */
int tk_me_search_ref(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                     const int mvp[2], const TkMeStarts *extra, int lambda, int mv[2]);

/* SATD of block b's luma prediction at mv, plus lambda * bits(mv - mvp). */
int tk_me_cost_ref(const uint8_t *ref, const TkFrameLayout *l, const TkMeBlock *b,
                   const int mvp[2], int lambda, const int mv[2]);

#endif
