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
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "../drawlist_format.h"

layout(local_size_x = TK_RENDER_GROUP_X, local_size_y = TK_RENDER_GROUP_Y) in;

layout(std430, set = 0, binding = 0) writeonly buffer Target { uint image[]; };
layout(std430, set = 0, binding = 1) readonly buffer List { uint dl[]; };
layout(std430, set = 0, binding = 2) readonly buffer Atlas { uint atlas[]; };

layout(push_constant) uniform Params {
    uint width;          /* aligned width, pixels */
    uint height;         /* aligned height, pixels */
    uint stride_words;   /* luma_stride / 4 */
    uint chroma_word;    /* chroma_offset / 4 */
} p;

/* dx^2 ry^2 + dy^2 rx^2 <= rx^2 ry^2 in doubled pixel units (pixel centres at odd values).
 * The products need up to 56 bits: umulExtended gives them as (high, low) word pairs. */
bool in_ellipse(int x, int y, int x0, int y0, int x1, int y1)
{
    uint adx = uint(abs(2 * x + 1 - (x0 + x1)));
    uint ady = uint(abs(2 * y + 1 - (y0 + y1)));
    uint rx = uint(x1 - x0), ry = uint(y1 - y0);
    uint h1, l1, h2, l2, h3, l3, carry;
    umulExtended(adx * adx, ry * ry, h1, l1);
    umulExtended(ady * ady, rx * rx, h2, l2);
    umulExtended(rx * rx, ry * ry, h3, l3);
    uint lo = uaddCarry(l1, l2, carry);
    uint hi = h1 + h2 + carry;
    return hi < h3 || (hi == h3 && lo <= l3);
}

uint blend(uint c, uint f, uint a)
{
    uint o = 0u;
    for (uint shift = 0u; shift < 24u; shift += 8u) {
        uint cc = (c >> shift) & 255u, fc = (f >> shift) & 255u;
        o |= ((cc * (255u - a) + fc * a + 127u) / 255u) << shift;
    }
    return o;
}

uint atlas_byte(uint index)
{
    return (atlas[index >> 2] >> ((index & 3u) * 8u)) & 255u;
}

uint pixel(int x, int y)
{
    uint c = dl[0];
    uint n_shapes = dl[1], shapes = dl[5];
    for (uint i = 0u; i < n_shapes; i++) {
        uint s = shapes + i * TK_DL_SHAPE_WORDS;
        int x0 = int(dl[s + 2]), y0 = int(dl[s + 3]), x1 = int(dl[s + 4]), y1 = int(dl[s + 5]);
        if (x < x0 || x >= x1 || y < y0 || y >= y1)
            continue;
        if (dl[s] == TK_DL_SHAPE_RECT || in_ellipse(x, y, x0, y0, x1, y1))
            c = dl[s + 1];
    }
    uint n_runs = dl[2], runs = dl[6], glyphs = dl[7], atlas_width = dl[4];
    for (uint i = 0u; i < n_runs; i++) {
        uint r = runs + i * TK_DL_RUN_WORDS;
        if (x < int(dl[r]) || y < int(dl[r + 1]) || x >= int(dl[r + 2]) || y >= int(dl[r + 3]))
            continue;
        uint end = dl[r + 4] + dl[r + 5];
        for (uint k = dl[r + 4]; k < end; k++) {
            uint g = glyphs + k * TK_DL_GLYPH_WORDS;
            int gx = x - int(dl[g]), gy = y - int(dl[g + 1]);
            if (gx < 0 || gy < 0 || gx >= int(dl[g + 2]) || gy >= int(dl[g + 3]))
                continue;
            uint a = atlas_byte((dl[g + 5] + uint(gy)) * atlas_width + dl[g + 4] + uint(gx));
            if (a != 0u)
                c = blend(c, dl[g + 6], a);
        }
    }
    return c;
}

void main()
{
    uint bx = gl_GlobalInvocationID.x * TK_RENDER_BLOCK_W;
    uint by = gl_GlobalInvocationID.y * TK_RENDER_BLOCK_H;
    if (bx >= p.width || by >= p.height)
        return;
    uint c[8];
    for (uint j = 0u; j < 2u; j++)
        for (uint i = 0u; i < 4u; i++)
            c[j * 4u + i] = pixel(int(bx + i), int(by + j));
    for (uint j = 0u; j < 2u; j++) {
        uint w = 0u;
        for (uint i = 0u; i < 4u; i++)
            w |= (c[j * 4u + i] & 255u) << (8u * i);
        image[(by + j) * p.stride_words + bx / 4u] = w;
    }
    uint chroma = 0u;
    for (uint i = 0u; i < 4u; i += 2u) {
        uint cb = 2u, cr = 2u;
        for (uint j = 0u; j < 2u; j++)
            for (uint k = 0u; k < 2u; k++) {
                cb += (c[j * 4u + i + k] >> 8) & 255u;
                cr += (c[j * 4u + i + k] >> 16) & 255u;
            }
        chroma |= ((cb >> 2) | ((cr >> 2) << 8)) << (8u * i);
    }
    image[p.chroma_word + (by / 2u) * p.stride_words + bx / 4u] = chroma;
}
