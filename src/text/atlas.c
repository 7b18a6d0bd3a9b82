/* Shelf-packed glyph coverage atlas; see atlas.h. */
#include "text/atlas.h"

#include <stdlib.h>
#include <string.h>

#include "talkie/talkie.h"

/* One pixel of empty space around every glyph, so no glyph's rectangle touches another. */
#define TK_ATLAS_PAD 1

static const TkAtlasGlyph empty_glyph = { .state = 1 };

void tk_atlas_free(TkAtlas *a)
{
    free(a->pixels);
    free(a->glyphs);
    memset(a, 0, sizeof(*a));
}

/* Doubles the atlas height (the width never changes, so existing positions stay valid). */
static int grow(TkAtlas *a)
{
    if (a->height >= a->max_height)
        return TALKIE_ERR(ENOSPC);
    int height = a->height * 2 > a->max_height ? a->max_height : a->height * 2;
    uint8_t *p = realloc(a->pixels, (size_t)a->width * (size_t)height);
    if (!p)
        return TALKIE_ERR(ENOMEM);
    memset(p + (size_t)a->width * (size_t)a->height, 0,
           (size_t)a->width * (size_t)(height - a->height));
    a->pixels = p;
    a->height = height;
    return 0;
}

/* Finds room for a w x h rectangle (padding included by the caller). */
static int place(TkAtlas *a, int w, int h, int *x, int *y)
{
    if (w > a->width)
        return TALKIE_ERR(ENOSPC);
    if (a->shelf_x + w > a->width) { /* next shelf */
        a->shelf_y += a->shelf_h;
        a->shelf_x = 0;
        a->shelf_h = 0;
    }
    while (a->shelf_y + h > a->height) {
        int res = grow(a);
        if (res < 0)
            return res;
    }
    *x = a->shelf_x;
    *y = a->shelf_y;
    a->shelf_x += w;
    if (h > a->shelf_h)
        a->shelf_h = h;
    return 0;
}

const TkAtlasGlyph *tk_atlas_glyph(TkAtlas *a, uint32_t glyph)
{
    if (glyph >= a->n_glyphs)
        return &empty_glyph;
    TkAtlasGlyph *g = &a->glyphs[glyph];
    if (g->state)
        return g;
    g->state = 1; /* whatever happens below, try only once */
    TkGlyphBitmap bm;
    if (tk_font_rasterize(a->font, glyph, &bm) < 0 || !bm.width || !bm.rows || bm.pitch < 0)
        return g;
    int x, y;
    int res = place(a, bm.width + TK_ATLAS_PAD, bm.rows + TK_ATLAS_PAD, &x, &y);
    if (res < 0) {
        if (!a->full_warned)
            tk_log_warning(a->log, "glyph atlas full (%dx%d): some glyphs are not drawn",
                           a->width, a->height);
        a->full_warned = 1;
        return g;
    }
    for (int r = 0; r < bm.rows; r++)
        memcpy(a->pixels + (size_t)(y + r) * (size_t)a->width + (size_t)x,
               bm.pixels + (size_t)r * (size_t)bm.pitch, (size_t)bm.width);
    g->x = (uint16_t)x;
    g->y = (uint16_t)y;
    g->w = (uint16_t)bm.width;
    g->h = (uint16_t)bm.rows;
    g->left = (int16_t)bm.left;
    g->top = (int16_t)bm.top;
    a->generation++;
    return g;
}

int tk_atlas_init(TkAtlas *a, TkFont *font, const TkLog *log)
{
    memset(a, 0, sizeof(*a));
    a->font = font;
    a->log = log;
    int px = tk_font_pixel_size(font);
    /* About 16 glyphs per shelf; at most 8192 rows (so positions fit 16 bits), which holds
     * hundreds of glyphs even at the largest sizes. */
    a->width = px * 16 < 256 ? 256 : (px * 16 + 3) & ~3;
    if (a->width > 8192)
        a->width = 8192;
    a->height = px * 4;
    a->max_height = 8192;
    a->n_glyphs = tk_font_glyph_count(font);
    a->pixels = calloc((size_t)a->width * (size_t)a->height, 1);
    a->glyphs = calloc(a->n_glyphs ? a->n_glyphs : 1, sizeof(*a->glyphs));
    if (!a->pixels || !a->glyphs) {
        tk_atlas_free(a);
        return TALKIE_ERR(ENOMEM);
    }
    tk_atlas_glyph(a, 0);
    for (uint32_t c = 0x20; c < 0x7f; c++)
        tk_atlas_glyph(a, tk_font_glyph_for(font, c));
    a->generation = 1;
    return 0;
}
