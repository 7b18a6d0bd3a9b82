/*
 * The NV12 frame as it lives in GPU (and host) memory between the renderer and the encoders.
 *
 * The image is allocated and rendered at the macroblock-aligned size (width and height
 * rounded up to 16), so the H.264 encoders never read outside it; the visible part is the
 * top-left width x height, and the rest is what the renderer drew there (the encoders crop
 * it with the SPS frame cropping). Luma: `luma_stride` bytes per row, rows 0..aligned_height-1.
 * Chroma: interleaved Cb,Cr pairs, `luma_stride` bytes per row, aligned_height/2 rows, starting
 * at byte `chroma_offset`. Both strides are multiples of 16, so a row is a whole number of
 * 32-bit words for the shaders, which read the image as uint[] (little-endian byte order:
 * pixel x is byte (x & 3) of word x >> 2).
 *
 * Colour: BT.709 matrix, limited ("TV") range, chroma sited left (MPEG-2 style), which is what
 * the encoders signal in the VUI and the containers.
 */
#ifndef TALKIE_COMMON_FRAME_H
#define TALKIE_COMMON_FRAME_H

#include <stddef.h>
#include <stdint.h>

typedef struct TkFrameLayout {
    int width, height;                 /* visible size, even */
    int aligned_width, aligned_height; /* rounded up to 16 */
    int mb_width, mb_height;           /* in macroblocks */
    size_t luma_stride;                /* bytes per row, both planes */
    size_t chroma_offset;              /* byte offset of the CbCr plane */
    size_t size;                       /* bytes of the whole image */
} TkFrameLayout;

static inline TkFrameLayout tk_frame_layout(int width, int height)
{
    TkFrameLayout l;
    l.width = width;
    l.height = height;
    l.mb_width = (width + 15) / 16;
    l.mb_height = (height + 15) / 16;
    l.aligned_width = l.mb_width * 16;
    l.aligned_height = l.mb_height * 16;
    l.luma_stride = (size_t)l.aligned_width;
    l.chroma_offset = l.luma_stride * (size_t)l.aligned_height;
    l.size = l.chroma_offset + l.luma_stride * (size_t)(l.aligned_height / 2);
    return l;
}

#endif
