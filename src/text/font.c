/*
 * Font lookup (fontconfig), rasterisation (FreeType) and shaping (HarfBuzz) for one face
 * at one pixel size. See font.h.
 */
#include "text/font.h"

#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>

#include "talkie/talkie.h"

#define TK_FONT_FAMILY "DejaVu Sans"

struct TkFont {
    const TkLog *log;
    FT_Library ft;
    FT_Face face;
    hb_font_t *hb_font;
    hb_buffer_t *hb_buffer;
    int pixel_size;
    int ascender, line_height;
};

void tk_font_close(TkFont **font)
{
    if (!font || !*font)
        return;
    TkFont *f = *font;
    if (f->hb_buffer)
        hb_buffer_destroy(f->hb_buffer);
    if (f->hb_font)
        hb_font_destroy(f->hb_font);
    if (f->face)
        FT_Done_Face(f->face);
    if (f->ft)
        FT_Done_FreeType(f->ft);
    free(f);
    *font = NULL;
}

/* Asks a private fontconfig configuration for the family's file; a malloc'ed path or NULL. */
static char *find_font_file(const TkLog *log)
{
    FcConfig *config = FcInitLoadConfigAndFonts();
    if (!config) {
        tk_log_error(log, "fontconfig: cannot load the configuration");
        return NULL;
    }
    char *path = NULL;
    FcPattern *pattern = FcNameParse((const FcChar8 *)TK_FONT_FAMILY);
    if (pattern) {
        FcConfigSubstitute(config, pattern, FcMatchPattern);
        FcDefaultSubstitute(pattern);
        FcResult result;
        FcPattern *match = FcFontMatch(config, pattern, &result);
        FcChar8 *file = NULL;
        if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) {
            path = strdup((const char *)file);
            FcChar8 *family = NULL;
            if (FcPatternGetString(match, FC_FAMILY, 0, &family) == FcResultMatch &&
                strcmp((const char *)family, TK_FONT_FAMILY))
                tk_log_warning(log, "font: \"%s\" not installed, using \"%s\" (%s)",
                               TK_FONT_FAMILY, (const char *)family, (const char *)file);
        }
        if (match)
            FcPatternDestroy(match);
        FcPatternDestroy(pattern);
    }
    FcConfigDestroy(config);
    if (!path)
        tk_log_error(log, "fontconfig: no font matches \"%s\"", TK_FONT_FAMILY);
    return path;
}

int tk_font_open(TkFont **out, const char *path, int pixel_size, const TkLog *log)
{
    *out = NULL;
    if (pixel_size < 4 || pixel_size > 1024)
        return TALKIE_ERR(EINVAL);
    TkFont *f = calloc(1, sizeof(*f));
    if (!f)
        return TALKIE_ERR(ENOMEM);
    f->log = log;
    f->pixel_size = pixel_size;
    int res = TALKIE_ERROR_FONT;
    char *found = NULL;
    if (!path) {
        found = find_font_file(log);
        if (!found)
            goto error;
        path = found;
    }
    if (FT_Init_FreeType(&f->ft)) {
        f->ft = NULL;
        tk_log_error(log, "freetype: initialisation failed");
        goto error;
    }
    if (FT_New_Face(f->ft, path, 0, &f->face)) {
        f->face = NULL;
        tk_log_error(log, "font: cannot open \"%s\"", path);
        goto error;
    }
    if (!FT_IS_SCALABLE(f->face) || FT_Set_Pixel_Sizes(f->face, 0, (FT_UInt)pixel_size)) {
        tk_log_error(log, "font: \"%s\" cannot be scaled to %d px", path, pixel_size);
        goto error;
    }
    const FT_Size_Metrics *m = &f->face->size->metrics;
    f->ascender = (int)((m->ascender + 63) >> 6);
    f->line_height = (int)((m->height + 63) >> 6);
    if (f->line_height < pixel_size)
        f->line_height = pixel_size;

    res = TALKIE_ERR(ENOMEM);
    /* hb-ft takes the face's current size, so shaping advances match the rasterised glyphs. */
    f->hb_font = hb_ft_font_create_referenced(f->face);
    f->hb_buffer = hb_buffer_create();
    if (!f->hb_font || !hb_buffer_allocation_successful(f->hb_buffer))
        goto error;
    free(found);
    *out = f;
    return 0;

error:
    free(found);
    tk_font_close(&f);
    return res;
}

int tk_font_pixel_size(const TkFont *f)
{
    return f->pixel_size;
}

int tk_font_ascender(const TkFont *f)
{
    return f->ascender;
}

int tk_font_line_height(const TkFont *f)
{
    return f->line_height;
}

uint32_t tk_font_glyph_count(const TkFont *f)
{
    return (uint32_t)f->face->num_glyphs;
}

uint32_t tk_font_glyph_for(const TkFont *f, uint32_t codepoint)
{
    return FT_Get_Char_Index(f->face, codepoint);
}

int tk_font_shape(TkFont *f, const char *utf8, int bytes, TkGlyphPos **glyphs, int *cap)
{
    hb_buffer_t *buf = f->hb_buffer;
    hb_buffer_clear_contents(buf);
    hb_buffer_add_utf8(buf, utf8, bytes, 0, bytes);
    hb_buffer_guess_segment_properties(buf);
    hb_shape(f->hb_font, buf, NULL, 0);
    if (!hb_buffer_allocation_successful(buf))
        return TALKIE_ERR(ENOMEM);
    unsigned n = hb_buffer_get_length(buf);
    const hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, NULL);
    const hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, NULL);
    if ((int)n > *cap) {
        TkGlyphPos *p = realloc(*glyphs, n * sizeof(*p));
        if (!p)
            return TALKIE_ERR(ENOMEM);
        *glyphs = p;
        *cap = (int)n;
    }
    for (unsigned i = 0; i < n; i++) {
        TkGlyphPos *g = &(*glyphs)[i];
        g->glyph = info[i].codepoint; /* after shaping, HarfBuzz stores the glyph id here */
        g->cluster = info[i].cluster;
        g->x_advance = pos[i].x_advance;
        g->x_offset = pos[i].x_offset;
        g->y_offset = pos[i].y_offset;
    }
    return (int)n;
}

int tk_font_rasterize(TkFont *f, uint32_t glyph, TkGlyphBitmap *bm)
{
    memset(bm, 0, sizeof(*bm));
    if (glyph >= (uint32_t)f->face->num_glyphs)
        return TALKIE_ERR(EINVAL);
    if (FT_Load_Glyph(f->face, glyph, FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL)) {
        tk_log_warning(f->log, "font: cannot render glyph %u", glyph);
        return TALKIE_ERROR_FONT;
    }
    const FT_GlyphSlot slot = f->face->glyph;
    if (slot->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY || slot->bitmap.num_grays != 256)
        return 0; /* a colour or mono bitmap: draw nothing rather than fail */
    bm->pixels = slot->bitmap.buffer;
    bm->width = (int)slot->bitmap.width;
    bm->rows = (int)slot->bitmap.rows;
    bm->pitch = slot->bitmap.pitch;
    bm->left = slot->bitmap_left;
    bm->top = slot->bitmap_top;
    return 0;
}
