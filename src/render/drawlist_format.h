/*
 * The draw list as the renderer's shader reads it: one uint[] storage buffer. Included by
 * both C (drawlist.c, render_ref.c) and GLSL (shaders/render.comp), so only #defines here.
 *
 *   header   TK_DL_HEADER_WORDS words:
 *              [0] background colour   [1] number of shapes  [2] number of text runs
 *              [3] number of glyphs    [4] atlas width in bytes
 *              [5] first word of shapes [6] first word of runs [7] first word of glyphs
 *   shapes   TK_DL_SHAPE_WORDS each: type, colour, x0, y0, x1, y1 (ints; [x0,x1) x [y0,y1)).
 *            A rectangle fills the box; an ellipse is the one inscribed in the box. Later
 *            shapes cover earlier ones (no blending: shape edges are hard, so the GPU and the
 *            C reference agree exactly).
 *   runs     TK_DL_RUN_WORDS each: clip x0, y0, x1, y1, first glyph, glyph count. Glyphs of
 *            a run are drawn only inside its clip box, after all shapes, in order.
 *   glyphs   TK_DL_GLYPH_WORDS each: x, y, w, h (destination, ints), atlas x, atlas y,
 *            colour, unused. Coverage a (0..255) from the atlas blends each channel:
 *            c = (c * (255 - a) + colour * a + 127) / 255.
 * The renderer appends a tile section (built by tiles.c; the C reference does not read it),
 * starting at the word the shader gets as a push constant:
 *   tiles    3 words per workgroup tile, row-major: first entry word, shape count, glyph
 *            count
 *   clipped glyphs  TK_TILE_GLYPH_WORDS each: x0, y0, x1, y1 (the glyph box clipped to its
 *            run), atlas base, colour; the coverage of pixel (x, y) inside the box is atlas
 *            byte y * atlas width + x + base (uint arithmetic, wrapping)
 *   entries  per tile, in draw order: the word of each shape touching it, then the word of
 *            each clipped glyph touching it
 * A colour is packed Y | Cb << 8 | Cr << 16 (BT.709 limited range, see colour.h).
 */
#ifndef TALKIE_RENDER_DRAWLIST_FORMAT_H
#define TALKIE_RENDER_DRAWLIST_FORMAT_H

#define TK_DL_HEADER_WORDS 8
#define TK_DL_SHAPE_WORDS 6
#define TK_DL_RUN_WORDS 6
#define TK_DL_GLYPH_WORDS 8
#define TK_TILE_GLYPH_WORDS 6

#define TK_DL_SHAPE_RECT 0
#define TK_DL_SHAPE_ELLIPSE 1

/* The shader's workgroup: 8 x 8 invocations, each drawing 4 x 2 pixels (two luma words and
 * one chroma word), so a workgroup covers 32 x 16 pixels. */
#define TK_RENDER_GROUP_X 8
#define TK_RENDER_GROUP_Y 8
#define TK_RENDER_BLOCK_W 4
#define TK_RENDER_BLOCK_H 2

#endif
