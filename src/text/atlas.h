/*
 * The glyph atlas: one 8-bit coverage image holding every glyph drawn so far, packed in
 * shelves. Printable ASCII and .notdef are rasterised when it is created; other glyphs on
 * first use (the image grows taller when full). `generation` changes whenever the pixels do,
 * so the renderer uploads the atlas to the GPU only when it changed (normally once).
 *
 * Pixel (x, y) is byte y * width + x; width is a multiple of 4, so a row is whole 32-bit
 * words for the shaders (byte x & 3 of word (y * width + x) >> 2, little-endian).
 */
#ifndef TALKIE_TEXT_ATLAS_H
#define TALKIE_TEXT_ATLAS_H

#include <stdint.h>

#include "common/log.h"
#include "text/font.h"

typedef struct TkAtlasGlyph {
    uint16_t x, y, w, h;     /* where its bitmap lies in the atlas; w or h 0: nothing to draw */
    int16_t left, top;       /* bitmap offset from the pen position (top: up from baseline) */
    uint8_t state;           /* 0 not rasterised yet, 1 ready */
} TkAtlasGlyph;

typedef struct TkAtlas {
    TkFont *font;            /* not owned */
    const TkLog *log;
    uint8_t *pixels;
    int width, height;
    int max_height;
    int shelf_x, shelf_y, shelf_h;
    TkAtlasGlyph *glyphs;    /* indexed by glyph id */
    uint32_t n_glyphs;
    uint32_t generation;     /* bumped on every change of `pixels` */
    int full_warned;
} TkAtlas;

int tk_atlas_init(TkAtlas *atlas, TkFont *font, const TkLog *log);
/* Safe on a zeroed or freed atlas. */
void tk_atlas_free(TkAtlas *atlas);

/* The atlas entry of `glyph`, rasterised and packed on first use. Never NULL: a glyph that
 * cannot be rendered or does not fit gets an empty entry (and a warning). */
const TkAtlasGlyph *tk_atlas_glyph(TkAtlas *atlas, uint32_t glyph);

#endif
