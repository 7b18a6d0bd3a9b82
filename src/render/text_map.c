/* The macroblocks under subtitle glyphs; see text_map.h. */
#include "render/text_map.h"

#include <string.h>

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

int tk_text_map_build(const TkDrawList *dl, int run, int mb_width, int mb_height,
                      uint8_t *map)
{
    memset(map, 0, (size_t)mb_width * (size_t)mb_height);
    if (run < 0 || run >= dl->n_runs)
        return 0;
    const TkDrawRun *r = &dl->runs[run];
    int marked = 0;
    for (uint32_t i = 0; i < r->count && r->first + i < (uint32_t)dl->n_glyphs; i++) {
        const TkDrawGlyph *g = &dl->glyphs[r->first + i];
        /* [x0, x1) x [y0, y1): the glyph inside its run's box and the picture */
        int x0 = imax(imax(g->x, r->x0), 0), y0 = imax(imax(g->y, r->y0), 0);
        int x1 = imin(imin(g->x + g->w, r->x1), mb_width * 16);
        int y1 = imin(imin(g->y + g->h, r->y1), mb_height * 16);
        if (x0 >= x1 || y0 >= y1)
            continue;
        for (int my = y0 / 16; my <= (y1 - 1) / 16; my++)
            for (int mx = x0 / 16; mx <= (x1 - 1) / 16; mx++) {
                uint8_t *m = &map[my * mb_width + mx];
                marked += *m != TK_TEXT_MAP_TEXT;
                *m = TK_TEXT_MAP_TEXT;
            }
    }
    return marked;
}
