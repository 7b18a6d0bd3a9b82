/*
 * Lower QP under subtitle text: constants shared by the C reference (src/encode/compute/
 * *_ref.c), the GLSL kernels (the shaders include this file) and the library's settings
 * check. Included by both C and GLSL, so only #defines.
 *
 * The text map: one byte per macroblock, raster order, TK_TEXT_MAP_TEXT where subtitle glyphs
 * cover the macroblock (the renderer makes it, render/text_map.h), 0 elsewhere. On the GPU
 * it is a storage buffer of uint words, 4 macroblocks a word, little-endian.
 */
#ifndef TALKIE_COMMON_TEXT_QP_DEFS_H
#define TALKIE_COMMON_TEXT_QP_DEFS_H

#define TK_TEXT_MAP_TEXT 1

/* TalkieSettings.text_qp_offset range: a text macroblock's QP is the frame's plus the offset.
 * 12 below the frame QP is a quarter of the quantiser step (every 6 halves it), far more
 * than a caption needs, and keeps mb_qp_delta small. */
#define TK_TEXT_QP_OFFSET_MIN (-12)
#define TK_TEXT_QP_OFFSET_MAX 0

/* The QP of a text macroblock: the frame QP plus the offset, clamped to 0..51 (QP_Y). */
#define TK_TEXT_QP(frame_qp, offset)                                                          \
    ((frame_qp) + (offset) < 0 ? 0 : (frame_qp) + (offset) > 51 ? 51 : (frame_qp) + (offset))

#endif
