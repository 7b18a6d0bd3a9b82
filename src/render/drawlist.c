/* Draw list building and packing into the shader's uint[] layout (drawlist_format.h). */
#include "render/drawlist.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "talkie/talkie.h"

void tk_draw_list_reset(TkDrawList *dl, uint32_t background, uint32_t atlas_width)
{
    dl->background = background;
    dl->atlas_width = atlas_width;
    dl->n_shapes = dl->n_runs = dl->n_glyphs = 0;
}

void tk_draw_list_free(TkDrawList *dl)
{
    free(dl->shapes);
    free(dl->runs);
    free(dl->glyphs);
    memset(dl, 0, sizeof(*dl));
}

int tk_draw_list_shape(TkDrawList *dl, uint32_t type, uint32_t colour,
                       int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    if (x1 <= x0 || y1 <= y0)
        return 0; /* nothing to draw */
    int res = tk_array_grow((void **)&dl->shapes, &dl->cap_shapes, dl->n_shapes + 1,
                            sizeof(TkDrawShape), 64);
    if (res < 0)
        return res;
    dl->shapes[dl->n_shapes++] = (TkDrawShape){ type, colour, x0, y0, x1, y1 };
    return 0;
}

int tk_draw_list_begin_run(TkDrawList *dl, int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    int res = tk_array_grow((void **)&dl->runs, &dl->cap_runs, dl->n_runs + 1, sizeof(TkDrawRun),
                            64);
    if (res < 0)
        return res;
    dl->runs[dl->n_runs++] = (TkDrawRun){ x0, y0, x1, y1, (uint32_t)dl->n_glyphs, 0 };
    return 0;
}

int tk_draw_list_glyph(TkDrawList *dl, const TkDrawGlyph *g)
{
    if (!dl->n_runs)
        return TALKIE_ERR(EINVAL);
    TkDrawRun *run = &dl->runs[dl->n_runs - 1];
    /* Glyphs entirely outside the clip box or empty are left out. */
    if (g->w <= 0 || g->h <= 0 || g->x >= run->x1 || g->y >= run->y1 || g->x + g->w <= run->x0 ||
        g->y + g->h <= run->y0)
        return 0;
    int res = tk_array_grow((void **)&dl->glyphs, &dl->cap_glyphs, dl->n_glyphs + 1,
                            sizeof(TkDrawGlyph), 64);
    if (res < 0)
        return res;
    dl->glyphs[dl->n_glyphs++] = *g;
    run->count++;
    return 0;
}

size_t tk_draw_list_words(const TkDrawList *dl)
{
    return TK_DL_HEADER_WORDS + (size_t)dl->n_shapes * TK_DL_SHAPE_WORDS +
           (size_t)dl->n_runs * TK_DL_RUN_WORDS + (size_t)dl->n_glyphs * TK_DL_GLYPH_WORDS;
}

void tk_draw_list_pack(const TkDrawList *dl, uint32_t *w)
{
    uint32_t shapes = TK_DL_HEADER_WORDS;
    uint32_t runs = shapes + (uint32_t)dl->n_shapes * TK_DL_SHAPE_WORDS;
    uint32_t glyphs = runs + (uint32_t)dl->n_runs * TK_DL_RUN_WORDS;
    w[0] = dl->background;
    w[1] = (uint32_t)dl->n_shapes;
    w[2] = (uint32_t)dl->n_runs;
    w[3] = (uint32_t)dl->n_glyphs;
    w[4] = dl->atlas_width;
    w[5] = shapes;
    w[6] = runs;
    w[7] = glyphs;
    for (int i = 0; i < dl->n_shapes; i++) {
        const TkDrawShape *s = &dl->shapes[i];
        uint32_t *o = w + shapes + (uint32_t)i * TK_DL_SHAPE_WORDS;
        o[0] = s->type;
        o[1] = s->colour;
        o[2] = (uint32_t)s->x0;
        o[3] = (uint32_t)s->y0;
        o[4] = (uint32_t)s->x1;
        o[5] = (uint32_t)s->y1;
    }
    for (int i = 0; i < dl->n_runs; i++) {
        const TkDrawRun *r = &dl->runs[i];
        uint32_t *o = w + runs + (uint32_t)i * TK_DL_RUN_WORDS;
        o[0] = (uint32_t)r->x0;
        o[1] = (uint32_t)r->y0;
        o[2] = (uint32_t)r->x1;
        o[3] = (uint32_t)r->y1;
        o[4] = r->first;
        o[5] = r->count;
    }
    for (int i = 0; i < dl->n_glyphs; i++) {
        const TkDrawGlyph *g = &dl->glyphs[i];
        uint32_t *o = w + glyphs + (uint32_t)i * TK_DL_GLYPH_WORDS;
        o[0] = (uint32_t)g->x;
        o[1] = (uint32_t)g->y;
        o[2] = (uint32_t)g->w;
        o[3] = (uint32_t)g->h;
        o[4] = g->atlas_x;
        o[5] = g->atlas_y;
        o[6] = g->colour;
        o[7] = 0;
    }
}
