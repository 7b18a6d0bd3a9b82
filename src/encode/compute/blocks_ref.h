/*
 * Macroblock geometry shared by the C references' analyses (analyse_ref.c, analyse_p_ref.c):
 * where each luma 4x4 block lies (6.4.3) and the sample clip of reconstruction.
 */
#ifndef TALKIE_ENCODE_COMPUTE_BLOCKS_REF_H
#define TALKIE_ENCODE_COMPUTE_BLOCKS_REF_H

/* Top-left sample of luma4x4BlkIdx k inside the macroblock (6.4.3). */
static inline int tk_blk_x(int k)
{
    return ((k >> 2) & 1) * 8 + (k & 1) * 4;
}

static inline int tk_blk_y(int k)
{
    return ((k >> 3) & 1) * 8 + ((k >> 1) & 1) * 4;
}

/* A reconstructed sample: Clip1Y / Clip1C at 8 bits. */
static inline int tk_clip_pixel(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

#endif
