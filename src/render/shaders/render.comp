/*
 * The renderer: rasterises a draw list (../drawlist_format.h) into an NV12 image
 * (common/frame.h). One invocation draws a 4 x 2 pixel block: two luma words and the chroma
 * word of that block, so every write is a whole uint and no two invocations share a word.
 *
 * Per pixel: start from the background; every shape containing the pixel replaces the
 * colour (hard edges); then every glyph of every run whose clip box contains the pixel
 * blends its colour by the atlas coverage a: c = (c * (255 - a) + f * a + 127) / 255.
 * Chroma is the rounded mean of the block's 2 x 2 pixels: (sum + 2) >> 2.
 * All math is integer; ../render_ref.c is the same computation in C and the tests require
 * both to agree byte for byte.
 *
 * Speed: the host lists, per workgroup tile and in draw order, the shapes and glyphs that
 * touch the tile (../tiles.c; glyphs come already clipped to their run), so a workgroup
 * visits only those: no list building, shared memory or barriers here. Each item is one
 * straight-line step over the block's 8 pixels, with no per-pixel branches: lavapipe (CPU
 * Vulkan) runs both sides of every branch and at least one pass of every loop under lane
 * masks, so its cost is the code executed, not the pixels touched; GPUs lose nothing (the
 * per-tile loop bounds are uniform). A glyph with coverage 0 leaves the colour unchanged
 * exactly ((c * 255 + 127) / 255 == c), which is why it needs no branch either.
 *
 * Measured per frame on lavapipe (Mesa 22.3, 2 shared CPU cores; talkie-bench pipeline
 * "render only", record + submit + wait), before -> after host-side tiles and this shader:
 *   256x256  27 ms -> 0.5 ms     320x240  10 ms -> 0.7 ms     640x360  53 ms -> 2.0 ms
 * (tests/render/render_speed, best of 40: 320x240 0.50 ms, 640x360 1.34 ms; an empty
 * frame 0.33 / 0.97 ms, of which a shader that only writes the background takes 0.07 /
 * 0.2 ms: the rest is one masked pass through each loop body per invocation.)
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "../drawlist_format.h"

layout(local_size_x = TK_RENDER_GROUP_X, local_size_y = TK_RENDER_GROUP_Y) in;

#define TK_ROW_BUFFERS 3
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer TargetRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ListRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer AtlasRow { uint m[]; };
#define image TargetRow(tk_row_buf[0]).m
#define dl ListRow(tk_row_buf[1]).m
#define atlas AtlasRow(tk_row_buf[2]).m

struct Params {
    uint width;          /* aligned width, pixels */
    uint height;         /* aligned height, pixels */
    uint stride_words;   /* luma_stride / 4 */
    uint chroma_word;    /* chroma_offset / 4 */
    uint tiles;          /* first word of the tile section */
    uint atlas_last;     /* last word of the atlas buffer */
    uint tiles_x;        /* this frame's tiles, one workgroup each (a batch's dispatch is */
    uint tiles_y;        /* as large as its largest frame's) */
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

/* 64-bit a + b <= c on (high, low) word pairs. */
bool sum_le(uvec2 a, uvec2 b, uvec2 c)
{
    uint carry;
    uint lo = uaddCarry(a.y, b.y, carry);
    uint hi = a.x + b.x + carry;
    return hi < c.x || (hi == c.x && lo <= c.y);
}

/* d^2 * r2 as a (high, low) pair, d the doubled distance of a pixel centre to the centre. */
uvec2 ellipse_term(int pos, int sum, uint r2)
{
    uint d = uint(abs(2 * pos + 1 - sum));
    uvec2 t;
    umulExtended(d * d, r2, t.x, t.y);
    return t;
}

/* The blend of ../render_ref.c, two channels (Y and Cr, 16 bits apart) in one uint: each
 * 16-bit sum is at most 255 * 255 + 127, and (v + 1 + (v >> 8)) >> 8 == v / 255 for every
 * v up to there. */
uint blend(uint c, uint f, uint a)
{
    uint na = 255u - a;
    uint yr = (c & 0x00ff00ffu) * na + (f & 0x00ff00ffu) * a + 0x007f007fu;
    yr = ((yr + 0x00010001u + ((yr >> 8) & 0x00ff00ffu)) >> 8) & 0x00ff00ffu;
    uint cb = ((c >> 8) & 255u) * na + ((f >> 8) & 255u) * a + 127u;
    cb = (cb + 1u + (cb >> 8)) >> 8;
    return yr | cb << 8;
}

/* Coverage of pixels (x .. x + 3, y) by clipped glyph g (0 outside it), one byte each.
 * The four bytes are consecutive in the atlas: two word loads instead of four; the word
 * indexes are clamped to the atlas, as for columns outside the glyph they may point
 * anywhere (those bytes are masked off). */
uint coverage4(uint g, int x, int y, uint atlas_width)
{
    int x0 = int(dl[g]), x1 = int(dl[g + 2]);
    bool in_y = y >= int(dl[g + 1]) && y < int(dl[g + 3]);
    /* Signed: a block starting left of a glyph near the atlas's first byte starts at a
     * negative index (down to -3 when any of its columns is inside). */
    int index = int(uint(y) * atlas_width + uint(x) + dl[g + 4]);
    int word = index >> 2, last = int(pc.atlas_last);
    uint shift = uint(index & 3) * 8u;
    uint lo = atlas[clamp(word, 0, last)], hi = atlas[clamp(word + 1, 0, last)];
    uint bytes = shift == 0u ? lo : lo >> shift | hi << (32u - shift);
    uint mask = (in_y && x >= x0 && x < x1 ? 0x000000ffu : 0u) |
                (in_y && x + 1 >= x0 && x + 1 < x1 ? 0x0000ff00u : 0u) |
                (in_y && x + 2 >= x0 && x + 2 < x1 ? 0x00ff0000u : 0u) |
                (in_y && x + 3 >= x0 && x + 3 < x1 ? 0xff000000u : 0u);
    return bytes & mask;
}

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    uint bx = gl_GlobalInvocationID.x * TK_RENDER_BLOCK_W;
    uint by = gl_GlobalInvocationID.y * TK_RENDER_BLOCK_H;
    if (gl_WorkGroupID.x >= pc.tiles_x || gl_WorkGroupID.y >= pc.tiles_y)
        return;
    uint tile = pc.tiles + (gl_WorkGroupID.y * pc.tiles_x + gl_WorkGroupID.x) * 3u;
    uint first = dl[tile], n_shapes = dl[tile + 1u], n_glyphs = dl[tile + 2u];
    int x = int(bx), y = int(by);

    /* Written out without a local array: lavapipe (and some GPUs) put dynamically indexed
     * arrays in slow scratch memory. */
    uint c0 = dl[0], c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (uint i = 0u; i < n_shapes; i++) {
        uint s = dl[first + i];
        bool rect = dl[s] == TK_DL_SHAPE_RECT;
        uint colour = dl[s + 1];
        int x0 = int(dl[s + 2]), y0 = int(dl[s + 3]), x1 = int(dl[s + 4]), y1 = int(dl[s + 5]);
        /* Inside the box, per column and per row. */
        bvec4 in_x = bvec4(x >= x0 && x < x1, x + 1 >= x0 && x + 1 < x1,
                           x + 2 >= x0 && x + 2 < x1, x + 3 >= x0 && x + 3 < x1);
        bool in_y0 = y >= y0 && y < y1, in_y1 = y + 1 >= y0 && y + 1 < y1;
        /* Inside the ellipse: dx^2 ry^2 + dy^2 rx^2 <= rx^2 ry^2 (doubled units); the
         * products need up to 56 bits, so (high, low) pairs. */
        uint rx2 = uint(x1 - x0) * uint(x1 - x0), ry2 = uint(y1 - y0) * uint(y1 - y0);
        uvec2 lim;
        umulExtended(rx2, ry2, lim.x, lim.y);
        uvec2 ex0 = ellipse_term(x, x0 + x1, ry2), ex1 = ellipse_term(x + 1, x0 + x1, ry2);
        uvec2 ex2 = ellipse_term(x + 2, x0 + x1, ry2), ex3 = ellipse_term(x + 3, x0 + x1, ry2);
        uvec2 ey0 = ellipse_term(y, y0 + y1, rx2), ey1 = ellipse_term(y + 1, y0 + y1, rx2);
        c0 = in_x.x && in_y0 && (rect || sum_le(ex0, ey0, lim)) ? colour : c0;
        c1 = in_x.y && in_y0 && (rect || sum_le(ex1, ey0, lim)) ? colour : c1;
        c2 = in_x.z && in_y0 && (rect || sum_le(ex2, ey0, lim)) ? colour : c2;
        c3 = in_x.w && in_y0 && (rect || sum_le(ex3, ey0, lim)) ? colour : c3;
        c4 = in_x.x && in_y1 && (rect || sum_le(ex0, ey1, lim)) ? colour : c4;
        c5 = in_x.y && in_y1 && (rect || sum_le(ex1, ey1, lim)) ? colour : c5;
        c6 = in_x.z && in_y1 && (rect || sum_le(ex2, ey1, lim)) ? colour : c6;
        c7 = in_x.w && in_y1 && (rect || sum_le(ex3, ey1, lim)) ? colour : c7;
    }
    uint atlas_width = dl[4];
    for (uint i = 0u; i < n_glyphs; i++) {
        uint g = dl[first + n_shapes + i];
        uint f = dl[g + 5];
        uint a = coverage4(g, x, y, atlas_width), b = coverage4(g, x, y + 1, atlas_width);
        c0 = blend(c0, f, a & 255u);
        c1 = blend(c1, f, (a >> 8) & 255u);
        c2 = blend(c2, f, (a >> 16) & 255u);
        c3 = blend(c3, f, a >> 24);
        c4 = blend(c4, f, b & 255u);
        c5 = blend(c5, f, (b >> 8) & 255u);
        c6 = blend(c6, f, (b >> 16) & 255u);
        c7 = blend(c7, f, b >> 24);
    }

    if (bx >= pc.width || by >= pc.height)
        return;
    image[by * pc.stride_words + bx / 4u] =
        (c0 & 255u) | (c1 & 255u) << 8 | (c2 & 255u) << 16 | (c3 & 255u) << 24;
    image[(by + 1u) * pc.stride_words + bx / 4u] =
        (c4 & 255u) | (c5 & 255u) << 8 | (c6 & 255u) << 16 | (c7 & 255u) << 24;
    /* Cb, Cr of the left and right 2 x 2 blocks: (sum + 2) >> 2 per channel. */
    uvec2 left = (uvec2((c0 >> 8) & 255u, c0 >> 16) + uvec2((c1 >> 8) & 255u, c1 >> 16) +
                  uvec2((c4 >> 8) & 255u, c4 >> 16) + uvec2((c5 >> 8) & 255u, c5 >> 16) + 2u) >> 2;
    uvec2 right = (uvec2((c2 >> 8) & 255u, c2 >> 16) + uvec2((c3 >> 8) & 255u, c3 >> 16) +
                   uvec2((c6 >> 8) & 255u, c6 >> 16) + uvec2((c7 >> 8) & 255u, c7 >> 16) + 2u) >> 2;
    image[pc.chroma_word + (by / 2u) * pc.stride_words + bx / 4u] =
        left.x | left.y << 8 | right.x << 16 | right.y << 24;
}
