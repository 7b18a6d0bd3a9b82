/*
 * One font face at one pixel size: found with fontconfig ("DejaVu Sans") unless a file is
 * given, rasterised with FreeType, shaped with HarfBuzz. Each TkFont has its own FreeType
 * library, fontconfig configuration and HarfBuzz buffer, so fonts in different sessions
 * share no state. Characters the font lacks shape to glyph 0 (.notdef, a box in DejaVu).
 */
#ifndef TALKIE_TEXT_FONT_H
#define TALKIE_TEXT_FONT_H

#include <stdint.h>

#include "common/log.h"

typedef struct TkFont TkFont;

/* One shaped glyph. Positions are in 26.6 fixed point pixels (1/64 px), y up. */
typedef struct TkGlyphPos {
    uint32_t glyph;          /* glyph id in the face */
    uint32_t cluster;        /* byte offset in the UTF-8 input of the character it shows */
    int32_t x_advance;
    int32_t x_offset, y_offset;
} TkGlyphPos;

/* An 8-bit coverage bitmap of one glyph; rows top to bottom. */
typedef struct TkGlyphBitmap {
    const uint8_t *pixels;   /* valid until the next call on the font */
    int width, rows, pitch;
    int left, top;           /* from the pen position to the bitmap's left column / top row */
} TkGlyphBitmap;

/* `path` NULL: fontconfig's best match for "DejaVu Sans". Errors: TALKIE_ERROR_FONT,
 * TALKIE_ERR(ENOMEM), TALKIE_ERR(EINVAL) for a pixel size outside 4..1024. */
int tk_font_open(TkFont **out, const char *path, int pixel_size, const TkLog *log);
/* NULL-safe; sets *font to NULL. */
void tk_font_close(TkFont **font);

int tk_font_pixel_size(const TkFont *font);
int tk_font_ascender(const TkFont *font);     /* pixels above the baseline */
int tk_font_line_height(const TkFont *font);  /* baseline to baseline, pixels */
uint32_t tk_font_glyph_count(const TkFont *font);
uint32_t tk_font_glyph_for(const TkFont *font, uint32_t codepoint); /* 0 when missing */

/* Shapes utf8[0..bytes) as one run (script and direction guessed). *glyphs is grown with
 * realloc as needed (*cap elements). Returns the number of glyphs or a negative error. */
int tk_font_shape(TkFont *font, const char *utf8, int bytes, TkGlyphPos **glyphs, int *cap);

/* Renders one glyph to 8-bit coverage. A glyph that is not grey-scale (a colour bitmap)
 * gives an empty bitmap rather than an error. */
int tk_font_rasterize(TkFont *font, uint32_t glyph, TkGlyphBitmap *bitmap);

#endif
