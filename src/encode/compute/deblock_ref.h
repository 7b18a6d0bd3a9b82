/*
 * The in-loop deblocking filter (8.7) as a decoder applies it to talkie's pictures: the C
 * reference of what a decoder shows when the slices enable it (disable_deblocking_filter_idc
 * 0, edges across slices filtered too, filter offsets 0), and of the reference picture P
 * frames will predict from.
 *
 * Each macroblock's QP_Y may differ (lower under subtitle text, mb_qp_ref.h): an edge uses
 * qPav, the mean of its two sides' (8.7.2.2). In intra pictures every macroblock edge has boundary strength 4 and
 * every inner 4x4 edge 3 (8.7.2.1); in P pictures the strength of each 4-sample edge
 * segment comes from the macroblock types, coefficients and motion on its two sides (see
 * deblock_ref.c). Edges of the picture are not filtered. Intra and inter prediction inside
 * the picture use the samples before filtering, so the filter runs on the finished
 * reconstruction, in place.
 */
#ifndef TALKIE_ENCODE_COMPUTE_DEBLOCK_REF_H
#define TALKIE_ENCODE_COMPUTE_DEBLOCK_REF_H

#include <stdint.h>

#include "common/frame.h"
#include "encode/compute/coded_mb.h"

/* Filters the NV12 picture `nv12` (layout l, coded size: every macroblock) coded at QP qp,
 * all of whose macroblocks are intra. */
void tk_deblock_frame_ref(const TkFrameLayout *l, int qp, uint8_t *nv12);

/* The same for any picture: coded[] and motion[] (one per macroblock, as analysis and
 * mb_qp_ref.h wrote them) give each macroblock's type, total_coeff, QP_Y (qp_y) and
 * motion. */
void tk_deblock_frame_mbs_ref(const TkFrameLayout *l, const TkCodedMb *coded,
                              const TkMbMotion *motion, uint8_t *nv12);

/* When a picture enables the filter. AUTO: from TK_DEBLOCK_AUTO_MIN_QP up. Measured on
 * talkie's intra pictures (bench/RESULTS.md, `intra --qp`): at QP 26 the filter costs 0.7
 * (pattern) to 1.7 dB (conversation) of PSNR, at 32 it is even, at 40 it gains 0.4 dB and
 * hides block edges, where they start to show. */
enum { TK_DEBLOCK_OFF, TK_DEBLOCK_AUTO, TK_DEBLOCK_ON };
#define TK_DEBLOCK_AUTO_MIN_QP 32

static inline int tk_deblock_enabled(int mode, int qp)
{
    return mode == TK_DEBLOCK_ON || (mode == TK_DEBLOCK_AUTO && qp >= TK_DEBLOCK_AUTO_MIN_QP);
}

#endif
