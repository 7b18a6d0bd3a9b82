/*
 * C reference of shaders/render.comp. Kept line for line parallel to the shader: each
 * "invocation" draws a 4 x 2 pixel block; a pixel's colour starts as the background, every
 * shape containing it replaces it, every glyph covering it blends over it. Chroma is the
 * rounded mean of the block's 2 x 2 pixel colours: (sum + 2) >> 2.
 */
#include "render/render_ref.h"

#include "render/drawlist_format.h"

/* dx² ry² + dy² rx² <= rx² ry² in doubled pixel units (pixel centres at odd values), as the
 * shader computes it with 64-bit products split in two words (umulExtended). */
static int in_ellipse(int x, int y, int x0, int y0, int x1, int y1)
{
    int dx = 2 * x + 1 - (x0 + x1), dy = 2 * y + 1 - (y0 + y1);
    uint64_t adx = (uint64_t)(dx < 0 ? -dx : dx), ady = (uint64_t)(dy < 0 ? -dy : dy);
    uint64_t rx = (uint64_t)(x1 - x0), ry = (uint64_t)(y1 - y0);
    return adx * adx * (ry * ry) + ady * ady * (rx * rx) <= rx * rx * (ry * ry);
}

static uint32_t blend(uint32_t c, uint32_t f, uint32_t a)
{
    uint32_t out = 0;
    for (int shift = 0; shift < 24; shift += 8) {
        uint32_t cc = c >> shift & 0xff, fc = f >> shift & 0xff;
        out |= (cc * (255 - a) + fc * a + 127) / 255 << shift;
    }
    return out;
}

static uint32_t pixel(const uint32_t *w, const uint8_t *atlas, int x, int y)
{
    uint32_t c = w[0];
    for (uint32_t i = 0; i < w[1]; i++) {
        const uint32_t *s = w + w[5] + i * TK_DL_SHAPE_WORDS;
        int x0 = (int32_t)s[2], y0 = (int32_t)s[3], x1 = (int32_t)s[4], y1 = (int32_t)s[5];
        if (x < x0 || x >= x1 || y < y0 || y >= y1)
            continue;
        if (s[0] == TK_DL_SHAPE_RECT || in_ellipse(x, y, x0, y0, x1, y1))
            c = s[1];
    }
    for (uint32_t i = 0; i < w[2]; i++) {
        const uint32_t *r = w + w[6] + i * TK_DL_RUN_WORDS;
        if (x < (int32_t)r[0] || y < (int32_t)r[1] || x >= (int32_t)r[2] || y >= (int32_t)r[3])
            continue;
        for (uint32_t k = r[4]; k < r[4] + r[5]; k++) {
            const uint32_t *g = w + w[7] + k * TK_DL_GLYPH_WORDS;
            int gx = x - (int32_t)g[0], gy = y - (int32_t)g[1];
            if (gx < 0 || gy < 0 || gx >= (int32_t)g[2] || gy >= (int32_t)g[3])
                continue;
            uint32_t a = atlas[(g[5] + (uint32_t)gy) * w[4] + g[4] + (uint32_t)gx];
            if (a)
                c = blend(c, g[6], a);
        }
    }
    return c;
}

void tk_render_ref(const uint32_t *words, const uint8_t *atlas, const TkFrameLayout *l,
                   uint8_t *out)
{
    for (int by = 0; by < l->aligned_height; by += TK_RENDER_BLOCK_H) {
        for (int bx = 0; bx < l->aligned_width; bx += TK_RENDER_BLOCK_W) {
            uint32_t c[TK_RENDER_BLOCK_H][TK_RENDER_BLOCK_W];
            for (int j = 0; j < TK_RENDER_BLOCK_H; j++)
                for (int i = 0; i < TK_RENDER_BLOCK_W; i++)
                    c[j][i] = pixel(words, atlas, bx + i, by + j);
            for (int j = 0; j < TK_RENDER_BLOCK_H; j++)
                for (int i = 0; i < TK_RENDER_BLOCK_W; i++)
                    out[(size_t)(by + j) * l->luma_stride + (size_t)(bx + i)] =
                        (uint8_t)(c[j][i] & 0xff);
            uint8_t *chroma = out + l->chroma_offset + (size_t)(by / 2) * l->luma_stride + bx;
            for (int i = 0; i < TK_RENDER_BLOCK_W; i += 2) {
                uint32_t cb = 2, cr = 2;
                for (int j = 0; j < 2; j++)
                    for (int k = 0; k < 2; k++) {
                        cb += c[j][i + k] >> 8 & 0xff;
                        cr += c[j][i + k] >> 16 & 0xff;
                    }
                chroma[i] = (uint8_t)(cb >> 2);
                chroma[i + 1] = (uint8_t)(cr >> 2);
            }
        }
    }
}
