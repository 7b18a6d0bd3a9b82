/*
 * Host-side binning of a draw list into the shader's tiles (see tiles.h). Two passes over
 * the items: count per tile, then write each tile's entries in draw order.
 */
#include "render/tiles.h"

#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "talkie/talkie.h"

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

void tk_tile_bins_free(TkTileBins *b)
{
    free(b->counts);
    free(b->cursor);
    free(b->glyphs);
    free(b->glyph_tiles);
    memset(b, 0, sizeof(*b));
}

int tk_tile_bins_init(TkTileBins *b, int width, int height, int tile_w, int tile_h)
{
    memset(b, 0, sizeof(*b));
    if (width <= 0 || height <= 0 || tile_w <= 0 || tile_h <= 0)
        return TALKIE_ERR(EINVAL);
    b->tile_w = tile_w;
    b->tile_h = tile_h;
    b->tiles_x = (width + tile_w - 1) / tile_w;
    b->tiles_y = (height + tile_h - 1) / tile_h;
    size_t n_tiles = (size_t)b->tiles_x * (size_t)b->tiles_y;
    b->counts = calloc(n_tiles * 2, sizeof(uint32_t));
    b->cursor = calloc(n_tiles * 2, sizeof(uint32_t));
    if (!b->counts || !b->cursor) {
        tk_tile_bins_free(b);
        return TALKIE_ERR(ENOMEM);
    }
    return 0;
}

/* The tiles [tx0, tx1) x [ty0, ty1) that the box [x0, x1) x [y0, y1) touches (maybe none);
 * every tile when !cull. */
static void tile_range(const TkTileBins *b, int cull, int x0, int y0, int x1, int y1, int *t)
{
    if (!cull) {
        t[0] = t[1] = 0;
        t[2] = b->tiles_x;
        t[3] = b->tiles_y;
        return;
    }
    t[0] = x0 < 0 ? 0 : x0 / b->tile_w;
    t[1] = y0 < 0 ? 0 : y0 / b->tile_h;
    t[2] = x1 <= 0 ? 0 : imin(b->tiles_x, (x1 - 1) / b->tile_w + 1);
    t[3] = y1 <= 0 ? 0 : imin(b->tiles_y, (y1 - 1) / b->tile_h + 1);
    if (x0 >= x1 || y0 >= y1)
        t[2] = t[0]; /* empty box: no tile */
}

static void count_range(TkTileBins *b, const int *t, int which)
{
    for (int ty = t[1]; ty < t[3]; ty++)
        for (int tx = t[0]; tx < t[2]; tx++)
            b->counts[((size_t)ty * (size_t)b->tiles_x + (size_t)tx) * 2 + (size_t)which]++;
}

static int reserve_glyphs(TkTileBins *b, int n)
{
    if (n <= b->cap_glyphs)
        return 0;
    int cap = imax(n, 2 * b->cap_glyphs);
    uint32_t *g = realloc(b->glyphs, (size_t)cap * TK_TILE_GLYPH_WORDS * sizeof(uint32_t));
    if (!g)
        return TALKIE_ERR(ENOMEM);
    b->glyphs = g;
    int *t = realloc(b->glyph_tiles, (size_t)cap * 4 * sizeof(int));
    if (!t)
        return TALKIE_ERR(ENOMEM);
    b->glyph_tiles = t;
    b->cap_glyphs = cap;
    return 0;
}

int tk_tile_bins_build(TkTileBins *b, const TkDrawList *dl, int cull)
{
    size_t n_tiles = (size_t)b->tiles_x * (size_t)b->tiles_y;
    memset(b->counts, 0, n_tiles * 2 * sizeof(uint32_t));
    b->cull = cull;
    int t[4];
    for (int i = 0; i < dl->n_shapes; i++) {
        const TkDrawShape *s = &dl->shapes[i];
        tile_range(b, cull, s->x0, s->y0, s->x1, s->y1, t);
        count_range(b, t, 0);
    }
    int res = reserve_glyphs(b, dl->n_glyphs);
    if (res < 0)
        return res;
    b->n_glyphs = 0;
    for (int r = 0; r < dl->n_runs; r++) {
        const TkDrawRun *run = &dl->runs[r];
        for (uint32_t k = run->first; k < run->first + run->count; k++) {
            const TkDrawGlyph *g = &dl->glyphs[k];
            int x0 = imax(g->x, run->x0), y0 = imax(g->y, run->y0);
            int x1 = imin(g->x + g->w, run->x1), y1 = imin(g->y + g->h, run->y1);
            if (x0 >= x1 || y0 >= y1)
                continue; /* draws nothing */
            uint32_t *o = b->glyphs + (size_t)b->n_glyphs * TK_TILE_GLYPH_WORDS;
            o[0] = (uint32_t)x0;
            o[1] = (uint32_t)y0;
            o[2] = (uint32_t)x1;
            o[3] = (uint32_t)y1;
            /* (atlas_y + y - g->y) * width + atlas_x + x - g->x, with the x, y parts apart */
            o[4] = (g->atlas_y - (uint32_t)g->y) * dl->atlas_width + g->atlas_x - (uint32_t)g->x;
            o[5] = g->colour;
            int *gt = b->glyph_tiles + (size_t)b->n_glyphs * 4;
            tile_range(b, cull, x0, y0, x1, y1, gt);
            count_range(b, gt, 1);
            b->n_glyphs++;
        }
    }
    b->entries = 0;
    for (size_t i = 0; i < n_tiles * 2; i++)
        b->entries += b->counts[i];
    return 0;
}

size_t tk_tile_bins_words(const TkTileBins *b)
{
    return (size_t)b->tiles_x * (size_t)b->tiles_y * 3 +
           (size_t)b->n_glyphs * TK_TILE_GLYPH_WORDS + b->entries;
}

void tk_tile_bins_pack(TkTileBins *b, const TkDrawList *dl, uint32_t base, uint32_t *out)
{
    size_t n_tiles = (size_t)b->tiles_x * (size_t)b->tiles_y;
    uint32_t glyphs = base + (uint32_t)(n_tiles * 3);
    if (b->n_glyphs)  /* b->glyphs is NULL until the first glyph */
        memcpy(out + n_tiles * 3, b->glyphs,
               (size_t)b->n_glyphs * TK_TILE_GLYPH_WORDS * sizeof(uint32_t));
    /* The table; cursor[]: where each tile's next shape and next glyph entry go (absolute
     * word offsets; out[] is relative to base). */
    uint32_t next = glyphs + (uint32_t)b->n_glyphs * TK_TILE_GLYPH_WORDS;
    for (size_t i = 0; i < n_tiles; i++) {
        out[i * 3] = next;
        out[i * 3 + 1] = b->counts[i * 2];
        out[i * 3 + 2] = b->counts[i * 2 + 1];
        b->cursor[i * 2] = next;
        b->cursor[i * 2 + 1] = next + b->counts[i * 2];
        next += b->counts[i * 2] + b->counts[i * 2 + 1];
    }
    int t[4];
    for (int i = 0; i < dl->n_shapes; i++) {
        const TkDrawShape *s = &dl->shapes[i];
        tile_range(b, b->cull, s->x0, s->y0, s->x1, s->y1, t);
        uint32_t word = TK_DL_HEADER_WORDS + (uint32_t)i * TK_DL_SHAPE_WORDS;
        for (int ty = t[1]; ty < t[3]; ty++)
            for (int tx = t[0]; tx < t[2]; tx++)
                out[b->cursor[((size_t)ty * (size_t)b->tiles_x + (size_t)tx) * 2]++ - base] = word;
    }
    for (int k = 0; k < b->n_glyphs; k++) {
        const int *gt = b->glyph_tiles + (size_t)k * 4;
        uint32_t word = glyphs + (uint32_t)k * TK_TILE_GLYPH_WORDS;
        for (int ty = gt[1]; ty < gt[3]; ty++)
            for (int tx = gt[0]; tx < gt[2]; tx++)
                out[b->cursor[((size_t)ty * (size_t)b->tiles_x + (size_t)tx) * 2 + 1]++ - base] = word;
    }
}
