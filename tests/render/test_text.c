/* Text: fontconfig lookup, shaping, missing glyphs, and the glyph atlas. */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "text/atlas.h"
#include "text/font.h"

static int32_t advance(TkFont *f, const char *s)
{
    TkGlyphPos *g = NULL;
    int cap = 0;
    int n = tk_font_shape(f, s, (int)strlen(s), &g, &cap);
    int32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += g[i].x_advance;
    free(g);
    return sum;
}

static void test_font(void)
{
    TkFont *f;
    int res = tk_font_open(&f, NULL, 20, NULL);
    if (res == TALKIE_ERROR_FONT)
        tk_check_skip("no font found by fontconfig");
    CHECK_EQ(res, 0);
    CHECK_EQ(tk_font_pixel_size(f), 20);
    CHECK_CMP(tk_font_line_height(f), >=, 20);
    CHECK_CMP(tk_font_line_height(f), <=, 30);
    CHECK_CMP(tk_font_ascender(f), >, 10);

    TkGlyphPos *g = NULL;
    int cap = 0;
    int n = tk_font_shape(f, "Hello", 5, &g, &cap);
    CHECK_EQ(n, 5);
    for (int i = 0; i < n; i++) {
        CHECK(g[i].glyph != 0);
        CHECK_CMP(g[i].x_advance, >, 0);
        CHECK_EQ(g[i].cluster, i);
    }
    /* 'l' twice: same glyph; advances in 1/64 px, a 20 px font's letters are 3..20 px. */
    CHECK_EQ(g[2].glyph, g[3].glyph);
    CHECK_CMP(g[0].x_advance, >, 3 * 64);
    CHECK_CMP(g[0].x_advance, <, 20 * 64);
    /* Kerning comes from the shaper: "AV" is narrower than "A" and "V" set apart. */
    CHECK_CMP(advance(f, "AV"), <, advance(f, "A") + advance(f, "V"));
    /* Precomposed accents are glyphs of their own; clusters are byte offsets. */
    n = tk_font_shape(f, "caf\xc3\xa9!", 6, &g, &cap);
    CHECK_EQ(n, 5);
    CHECK_EQ(g[4].cluster, 5);
    CHECK(g[3].glyph != 0 && g[3].glyph != g[0].glyph);
    /* DejaVu Sans has no CJK and no party popper (U+1F389): they come out as .notdef (glyph 0), one per
     * character, with an advance (a visible box), not an error. */
    n = tk_font_shape(f, "\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x8e\x89", 11, &g, &cap);
    CHECK_EQ(n, 4);
    CHECK_EQ(g[0].glyph, 0);
    CHECK_EQ(g[1].glyph, 0);
    CHECK_EQ(g[3].glyph, 0);
    CHECK_EQ(g[3].cluster, 7);
    CHECK_CMP(g[0].x_advance, >, 0);
    free(g);

    TkGlyphBitmap bm;
    CHECK_EQ(tk_font_rasterize(f, tk_font_glyph_for(f, 'H'), &bm), 0);
    CHECK_CMP(bm.width, >=, 8);
    CHECK_CMP(bm.rows, >=, 12);
    CHECK_CMP(bm.top, >=, 12);
    int full = 0;
    for (int y = 0; y < bm.rows; y++)
        for (int x = 0; x < bm.width; x++)
            full += bm.pixels[y * bm.pitch + x] == 255;
    CHECK_CMP(full, >, 20); /* the stems of an H are solid */
    CHECK_EQ(tk_font_rasterize(f, tk_font_glyph_count(f) + 5, &bm), TALKIE_ERR(EINVAL));
    tk_font_close(&f);
    CHECK(f == NULL);

    CHECK_EQ(tk_font_open(&f, "/nonexistent/font.ttf", 20, NULL), TALKIE_ERROR_FONT);
    CHECK(f == NULL);
    CHECK_EQ(tk_font_open(&f, NULL, 2, NULL), TALKIE_ERR(EINVAL));
}

/* Every ready glyph's rectangle lies inside the atlas, no two overlap, and its pixels are
 * the glyph's rasterisation. */
static void check_atlas(TkAtlas *a, TkFont *f, uint32_t n)
{
    int outside = 0, overlap = 0, wrong = 0;
    for (uint32_t i = 0; i < n; i++) {
        const TkAtlasGlyph *g = &a->glyphs[i];
        if (!g->state || !g->w)
            continue;
        outside += g->x + g->w > a->width || g->y + g->h > a->height;
        for (uint32_t k = i + 1; k < n; k++) {
            const TkAtlasGlyph *o = &a->glyphs[k];
            if (o->state && o->w && g->x < o->x + o->w && o->x < g->x + g->w &&
                g->y < o->y + o->h && o->y < g->y + g->h)
                overlap++;
        }
        TkGlyphBitmap bm;
        tk_font_rasterize(f, i, &bm);
        if (bm.width != g->w || bm.rows != g->h || bm.left != g->left || bm.top != g->top) {
            wrong++;
            continue;
        }
        for (int y = 0; y < bm.rows; y++)
            wrong += memcmp(a->pixels + (size_t)(g->y + y) * a->width + g->x,
                            bm.pixels + y * bm.pitch, (size_t)bm.width) != 0;
    }
    CHECK_EQ(outside, 0);
    CHECK_EQ(overlap, 0);
    CHECK_EQ(wrong, 0);
}

static void test_atlas(void)
{
    TkFont *f;
    CHECK_EQ(tk_font_open(&f, NULL, 24, NULL), 0);
    TkAtlas a;
    CHECK_EQ(tk_atlas_init(&a, f, NULL), 0);
    CHECK_EQ(a.width % 4, 0);
    uint32_t gen = a.generation;
    const TkAtlasGlyph *h = tk_atlas_glyph(&a, tk_font_glyph_for(f, 'H'));
    CHECK_EQ(h->state, 1);                  /* ASCII is there from the start */
    CHECK_EQ(a.generation, gen);
    CHECK(tk_atlas_glyph(&a, 0)->w > 0);    /* .notdef: a drawable box */
    CHECK(tk_atlas_glyph(&a, tk_font_glyph_for(f, ' '))->w == 0);
    int height = a.height;
    /* Add a few hundred more glyphs: the atlas grows and keeps what it had. */
    uint32_t n = tk_font_glyph_count(f) < 600 ? tk_font_glyph_count(f) : 600;
    for (uint32_t i = 0; i < n; i++)
        tk_atlas_glyph(&a, i);
    CHECK_CMP(a.generation, >, gen);
    CHECK_CMP(a.height, >, height);
    check_atlas(&a, f, n);
    CHECK(tk_atlas_glyph(&a, 0xfffffff)->w == 0); /* out of range: empty, not a crash */
    tk_atlas_free(&a);
    tk_font_close(&f);
}

int main(void)
{
    test_font();
    test_atlas();
    return tk_check_finish();
}
