/*
 * Per-tile lists for the renderer's shader, built on the host: for every workgroup tile, the
 * shapes and glyphs that touch it, in draw order. The shader then visits only those, with no
 * list building, shared memory or barriers of its own (on CPU Vulkan, lavapipe, every
 * barrier and every loop over the whole draw list costs each invocation; the host does this
 * in microseconds). Drawing only a tile's items in the same order gives the same pixels as
 * drawing everything, since an item that does not touch the tile cannot change it.
 *
 * The result is packed after the draw list in the same buffer: the "tile section" of
 * drawlist_format.h.
 */
#ifndef TALKIE_RENDER_TILES_H
#define TALKIE_RENDER_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "render/drawlist.h"

typedef struct TkTileBins {
    int tiles_x, tiles_y;
    int tile_w, tile_h;      /* pixels */
    int cull;                /* of the last build */
    uint32_t *counts;        /* per tile: shapes, glyphs (2 words) */
    uint32_t *cursor;        /* per tile, while packing: next shape, glyph entry */
    uint32_t *glyphs;        /* clipped glyphs, TK_TILE_GLYPH_WORDS each */
    int *glyph_tiles;        /* per clipped glyph: its tile range tx0, ty0, tx1, ty1 */
    int n_glyphs, cap_glyphs;
    size_t entries;          /* total entry words */
} TkTileBins;

/* Tiles of tile_w x tile_h pixels covering width x height. */
int tk_tile_bins_init(TkTileBins *b, int width, int height, int tile_w, int tile_h);
void tk_tile_bins_free(TkTileBins *b);

/* Bins `dl` (cull 0: every tile lists every item, for tests). Returns 0 or ENOMEM. */
int tk_tile_bins_build(TkTileBins *b, const TkDrawList *dl, int cull);
/* Words tk_tile_bins_pack() writes. */
size_t tk_tile_bins_words(const TkTileBins *b);
/* Writes the tile section at word `base` of a buffer whose word 0 is the packed draw list
 * (`out` points at word `base`). */
void tk_tile_bins_pack(TkTileBins *b, const TkDrawList *dl, uint32_t base, uint32_t *out);

#endif
