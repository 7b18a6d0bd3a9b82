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
 * Speed: a workgroup first lists, in shared memory and in draw order, the shapes and glyphs
 * that touch its 32 x 16 pixel tile, so each pixel only visits those (an item outside the
 * tile cannot change its pixels, and the order is kept, so the result is the same as
 * visiting everything). When a list would overflow, or p.cull is 0 (tests), the tile visits
 * the whole draw list instead.
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
    uint cull;           /* 1: per-tile lists; 0: every pixel visits the whole list */
} p;

#define THREADS (TK_RENDER_GROUP_X * TK_RENDER_GROUP_Y)
#define MAX_TILE_SHAPES 128
#define MAX_TILE_GLYPHS 512

shared uint s_flag[THREADS];
shared uint s_shapes[MAX_TILE_SHAPES];
shared uint s_glyphs[MAX_TILE_GLYPHS];
shared uint s_glyph_runs[MAX_TILE_GLYPHS];

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

uint pixel_all(int x, int y)
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

/* The same as pixel_all(), visiting only the tile's lists. */
uint pixel_listed(int x, int y, uint n_shapes, uint n_glyphs)
{
    uint c = dl[0];
    for (uint i = 0u; i < n_shapes; i++) {
        uint s = s_shapes[i];
        int x0 = int(dl[s + 2]), y0 = int(dl[s + 3]), x1 = int(dl[s + 4]), y1 = int(dl[s + 5]);
        if (x < x0 || x >= x1 || y < y0 || y >= y1)
            continue;
        if (dl[s] == TK_DL_SHAPE_RECT || in_ellipse(x, y, x0, y0, x1, y1))
            c = dl[s + 1];
    }
    uint atlas_width = dl[4];
    for (uint i = 0u; i < n_glyphs; i++) {
        uint r = s_glyph_runs[i], g = s_glyphs[i];
        if (x < int(dl[r]) || y < int(dl[r + 1]) || x >= int(dl[r + 2]) || y >= int(dl[r + 3]))
            continue;
        int gx = x - int(dl[g]), gy = y - int(dl[g + 1]);
        if (gx < 0 || gy < 0 || gx >= int(dl[g + 2]) || gy >= int(dl[g + 3]))
            continue;
        uint a = atlas_byte((dl[g + 5] + uint(gy)) * atlas_width + dl[g + 4] + uint(gx));
        if (a != 0u)
            c = blend(c, dl[g + 6], a);
    }
    return c;
}

bool touches(int x0, int y0, int x1, int y1, ivec4 tile)
{
    return x0 < tile.z && x1 > tile.x && y0 < tile.w && y1 > tile.y;
}

/* How many invocations before this one have `flag` set; *total: how many in all. Every
 * invocation of the workgroup must call it (it has barriers). */
uint count_before(bool flag, out uint total)
{
    s_flag[gl_LocalInvocationIndex] = flag ? 1u : 0u;
    barrier();
    uint before = 0u;
    total = 0u;
    for (uint i = 0u; i < THREADS; i++) {
        uint f = s_flag[i];
        before += i < gl_LocalInvocationIndex ? f : 0u;
        total += f;
    }
    barrier();
    return before;
}

void main()
{
    uint bx = gl_GlobalInvocationID.x * TK_RENDER_BLOCK_W;
    uint by = gl_GlobalInvocationID.y * TK_RENDER_BLOCK_H;
    uint li = gl_LocalInvocationIndex;
    ivec4 tile = ivec4(gl_WorkGroupID.xy * uvec2(TK_RENDER_GROUP_X * TK_RENDER_BLOCK_W,
                                                   TK_RENDER_GROUP_Y * TK_RENDER_BLOCK_H), 0, 0);
    tile.zw = tile.xy + ivec2(TK_RENDER_GROUP_X * TK_RENDER_BLOCK_W,
                              TK_RENDER_GROUP_Y * TK_RENDER_BLOCK_H);

    /* Build the tile's lists, in draw order (all values below are uniform per workgroup). */
    uint n_shapes = 0u, n_glyphs = 0u;
    bool listed = p.cull != 0u;
    if (listed) {
        uint total;
        for (uint base = 0u; base < dl[1]; base += THREADS) {
            uint s = dl[5] + (base + li) * TK_DL_SHAPE_WORDS;
            bool hit = base + li < dl[1] && touches(int(dl[s + 2]), int(dl[s + 3]),
                                                    int(dl[s + 4]), int(dl[s + 5]), tile);
            uint at = n_shapes + count_before(hit, total);
            if (hit && at < MAX_TILE_SHAPES)
                s_shapes[at] = s;
            n_shapes += total;
        }
        for (uint ri = 0u; ri < dl[2]; ri++) {
            uint r = dl[6] + ri * TK_DL_RUN_WORDS;
            if (!touches(int(dl[r]), int(dl[r + 1]), int(dl[r + 2]), int(dl[r + 3]), tile))
                continue;
            for (uint base = 0u; base < dl[r + 5]; base += THREADS) {
                uint g = dl[7] + (dl[r + 4] + base + li) * TK_DL_GLYPH_WORDS;
                bool hit = base + li < dl[r + 5] &&
                           touches(int(dl[g]), int(dl[g + 1]), int(dl[g]) + int(dl[g + 2]),
                                   int(dl[g + 1]) + int(dl[g + 3]), tile);
                uint at = n_glyphs + count_before(hit, total);
                if (hit && at < MAX_TILE_GLYPHS) {
                    s_glyphs[at] = g;
                    s_glyph_runs[at] = r;
                }
                n_glyphs += total;
            }
        }
        barrier();
        listed = n_shapes <= MAX_TILE_SHAPES && n_glyphs <= MAX_TILE_GLYPHS;
    }

    if (bx >= p.width || by >= p.height)
        return;
    /* Written out without a local array: lavapipe (and some GPUs) put dynamically indexed
     * arrays in slow scratch memory. */
    int x = int(bx), y = int(by);
    uint c0, c1, c2, c3, c4, c5, c6, c7;
    if (listed) {
        c0 = pixel_listed(x, y, n_shapes, n_glyphs);
        c1 = pixel_listed(x + 1, y, n_shapes, n_glyphs);
        c2 = pixel_listed(x + 2, y, n_shapes, n_glyphs);
        c3 = pixel_listed(x + 3, y, n_shapes, n_glyphs);
        c4 = pixel_listed(x, y + 1, n_shapes, n_glyphs);
        c5 = pixel_listed(x + 1, y + 1, n_shapes, n_glyphs);
        c6 = pixel_listed(x + 2, y + 1, n_shapes, n_glyphs);
        c7 = pixel_listed(x + 3, y + 1, n_shapes, n_glyphs);
    } else {
        c0 = pixel_all(x, y);
        c1 = pixel_all(x + 1, y);
        c2 = pixel_all(x + 2, y);
        c3 = pixel_all(x + 3, y);
        c4 = pixel_all(x, y + 1);
        c5 = pixel_all(x + 1, y + 1);
        c6 = pixel_all(x + 2, y + 1);
        c7 = pixel_all(x + 3, y + 1);
    }
    image[by * p.stride_words + bx / 4u] =
        (c0 & 255u) | (c1 & 255u) << 8 | (c2 & 255u) << 16 | (c3 & 255u) << 24;
    image[(by + 1u) * p.stride_words + bx / 4u] =
        (c4 & 255u) | (c5 & 255u) << 8 | (c6 & 255u) << 16 | (c7 & 255u) << 24;
    /* Cb, Cr of the left and right 2 x 2 blocks: (sum + 2) >> 2 per channel. */
    uvec2 left = (uvec2((c0 >> 8) & 255u, c0 >> 16) + uvec2((c1 >> 8) & 255u, c1 >> 16) +
                  uvec2((c4 >> 8) & 255u, c4 >> 16) + uvec2((c5 >> 8) & 255u, c5 >> 16) + 2u) >> 2;
    uvec2 right = (uvec2((c2 >> 8) & 255u, c2 >> 16) + uvec2((c3 >> 8) & 255u, c3 >> 16) +
                   uvec2((c6 >> 8) & 255u, c6 >> 16) + uvec2((c7 >> 8) & 255u, c7 >> 16) + 2u) >> 2;
    image[p.chroma_word + (by / 2u) * p.stride_words + bx / 4u] =
        left.x | left.y << 8 | right.x << 16 | right.y << 24;
}
