/*
 * Tables of the in-loop deblocking filter (H.264 8.7.2.2) shared by the C reference
 * (src/encode/compute/deblock_ref.c) and the GPU kernel (shaders/deblock.comp). Included by
 * both, so only #defines: each table is a comma-separated list that C wraps in { } and GLSL
 * in int[]( ).
 */
#ifndef TALKIE_COMMON_DEBLOCK_DEFS_H
#define TALKIE_COMMON_DEBLOCK_DEFS_H

/* Table 8-16: alpha' by indexA (0..51) */
#define TK_DEBLOCK_ALPHA_LIST                                                                   \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 17,    \
        20, 22, 25, 28, 32, 36, 40, 45, 50, 56, 63, 71, 80, 90, 101, 113, 127, 144, 162, 182,   \
        203, 226, 255, 255
/* Table 8-16: beta' by indexB (0..51) */
#define TK_DEBLOCK_BETA_LIST                                                                    \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 6, 6, 7, 7,   \
        8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18
/* Table 8-17: tC0' by indexA for bS = 1, 2, 3, as [indexA * 3 + bS - 1] */
#define TK_DEBLOCK_TC0_LIST                                                                     \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   \
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,  \
        1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 1,  \
        1, 2, 1, 1, 2, 1, 2, 3, 1, 2, 3, 2, 2, 3, 2, 2, 4, 2, 3, 4, 2, 3, 4, 3, 3, 5, 3, 4, 6,  \
        3, 4, 6, 4, 5, 7, 4, 5, 8, 4, 6, 9, 5, 7, 10, 6, 8, 11, 6, 8, 13, 7, 10, 14, 8, 11, 16, \
        9, 12, 18, 10, 13, 20, 11, 15, 23, 13, 17, 25

#endif
