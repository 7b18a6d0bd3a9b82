/*
 * Macroblock pieces shared by the C references' analyses (analyse_ref.c, analyse_p_ref.c):
 * where each luma 4x4 block lies (6.4.3) and a block's reconstruction.
 */
#ifndef TALKIE_ENCODE_COMPUTE_BLOCKS_REF_H
#define TALKIE_ENCODE_COMPUTE_BLOCKS_REF_H

#include "encode/compute/transform_ref.h"

/* Top-left sample of luma4x4BlkIdx k inside the macroblock (6.4.3). */
static inline int tk_blk_x(int k)
{
    return ((k >> 2) & 1) * 8 + (k & 1) * 4;
}

static inline int tk_blk_y(int k)
{
    return ((k >> 3) & 1) * 8 + ((k >> 1) & 1) * 4;
}

/* rec = Clip1(pred + idct(d)) for the 4x4 block at (bx, by) of a plane `w` samples wide. */
static inline void tk_block_recon(const int d[16], const int *pred, int w, int bx, int by,
                                  int *rec)
{
    int r[16];
    tk_idct4x4(d, r);
    for (int i = 0; i < 16; i++) {
        int o = (by + (i >> 2)) * w + bx + (i & 3);
        int v = pred[o] + r[i];
        rec[o] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
}

#endif
