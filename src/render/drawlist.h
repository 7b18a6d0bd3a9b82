/*
 * A draw list: everything one frame shows, as plain integers (see drawlist_format.h for
 * what each element means and how it is packed for the GPU). Built on the host by the
 * composer, drawn by the shader and by the C reference.
 */
#ifndef TALKIE_RENDER_DRAWLIST_H
#define TALKIE_RENDER_DRAWLIST_H

#include <stddef.h>
#include <stdint.h>

#include "render/drawlist_format.h"

typedef struct TkDrawShape {
    uint32_t type;           /* TK_DL_SHAPE_* */
    uint32_t colour;
    int32_t x0, y0, x1, y1;
} TkDrawShape;

typedef struct TkDrawRun {
    int32_t x0, y0, x1, y1;  /* clip box */
    uint32_t first, count;   /* glyphs */
} TkDrawRun;

typedef struct TkDrawGlyph {
    int32_t x, y, w, h;
    uint32_t atlas_x, atlas_y;
    uint32_t colour;
} TkDrawGlyph;

typedef struct TkDrawList {
    uint32_t background;
    uint32_t atlas_width;
    TkDrawShape *shapes;
    int n_shapes, cap_shapes;
    TkDrawRun *runs;
    int n_runs, cap_runs;
    TkDrawGlyph *glyphs;
    int n_glyphs, cap_glyphs;
} TkDrawList;

/* Empties the list, keeping its memory. */
void tk_draw_list_reset(TkDrawList *dl, uint32_t background, uint32_t atlas_width);
void tk_draw_list_free(TkDrawList *dl);

int tk_draw_list_shape(TkDrawList *dl, uint32_t type, uint32_t colour,
                       int32_t x0, int32_t y0, int32_t x1, int32_t y1);
/* Starts a run: the glyphs added next are clipped to this box. */
int tk_draw_list_begin_run(TkDrawList *dl, int32_t x0, int32_t y0, int32_t x1, int32_t y1);
int tk_draw_list_glyph(TkDrawList *dl, const TkDrawGlyph *g);

/* Number of uint32 words tk_draw_list_pack() writes. */
size_t tk_draw_list_words(const TkDrawList *dl);
void tk_draw_list_pack(const TkDrawList *dl, uint32_t *words);

#endif
