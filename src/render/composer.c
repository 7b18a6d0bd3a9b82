/*
 * Scene at time t -> draw list: frame layout, avatars, names, subtitle wrapping and reveal.
 * See composer.h for the layout rules.
 */
#include "render/composer.h"

#include <stdlib.h>
#include <string.h>

#include "render/colour.h"
#include "text/font.h"
#include "text/utf8.h"

#define TK_PALETTE_SIZE 8

struct TkComposer {
    const TkLog *log;
    int width, height;
    TkFont *font;
    TkAtlas atlas;
    TkComposerLayout lay;
    int margin, pad, bar_w;
    uint32_t palette[TK_PALETTE_SIZE];
    uint32_t skin, eye_white, pupil, mouth_colour;

    /* The wrapped subtitle of the last turn shown, kept until the text changes. */
    char *sub_text;
    TkGlyphPos *glyphs;
    int n_glyphs, cap_glyphs;
    int *glyph_cp;           /* index of the codepoint each glyph's cluster starts with */
    uint32_t *glyph_char;    /* that codepoint */
    int *line_start, *line_end;
    int n_lines;

    /* Each place's name as last shaped, kept until the place shows another name. */
    struct ShapedName {
        char name[TK_SCENE_SPEAKER_MAX_BYTES + 1];
        TkGlyphPos *glyphs;
        int n_glyphs, cap_glyphs;   /* n_glyphs < 0: nothing shaped yet */
    } names[TK_SCENE_MAX_SHOWN];

    TkSceneSnapshot snap;    /* what tk_composer_build() draws: kept here, not on the stack */
};

/* round(v / 64) for 26.6 values, also for negative ones. */
static int round26(int32_t v)
{
    int32_t q = v + 32;
    return (int)(q >= 0 ? q / 64 : -((-q + 63) / 64));
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

static void free_subtitle(TkComposer *c)
{
    free(c->sub_text);
    free(c->glyph_cp);
    free(c->glyph_char);
    free(c->line_start);
    free(c->line_end);
    c->sub_text = NULL;
    c->glyph_cp = c->line_start = c->line_end = NULL;
    c->glyph_char = NULL;
    c->n_glyphs = c->n_lines = 0;
}

void tk_composer_destroy(TkComposer **cp)
{
    if (!cp || !*cp)
        return;
    TkComposer *c = *cp;
    free_subtitle(c);
    free(c->glyphs);
    for (int i = 0; i < TK_SCENE_MAX_SHOWN; i++)
        free(c->names[i].glyphs);
    tk_atlas_free(&c->atlas);
    tk_font_close(&c->font);
    free(c);
    *cp = NULL;
}

int tk_composer_create(TkComposer **out, int width, int height, const char *font_path,
                       const TkLog *log)
{
    *out = NULL;
    if (width < 16 || height < 16 || width > 16384 || height > 16384)
        return TALKIE_ERR(EINVAL);
    TkComposer *c = calloc(1, sizeof(*c));
    if (!c)
        return TALKIE_ERR(ENOMEM);
    c->log = log;
    for (int i = 0; i < TK_SCENE_MAX_SHOWN; i++)
        c->names[i].n_glyphs = -1;
    c->width = width;
    c->height = height;
    int px = imin(imax(height / 16, 10), 128);
    int res = tk_font_open(&c->font, font_path, px, log);
    if (res < 0)
        goto error;
    res = tk_atlas_init(&c->atlas, c->font, log);
    if (res < 0)
        goto error;

    static const uint8_t palette_rgb[TK_PALETTE_SIZE][3] = {
        { 66, 133, 244 }, { 234, 67, 53 }, { 251, 188, 5 }, { 52, 168, 83 },
        { 171, 71, 188 }, { 0, 172, 193 }, { 255, 112, 67 }, { 124, 179, 66 },
    };
    for (int i = 0; i < TK_PALETTE_SIZE; i++)
        c->palette[i] = tk_colour_709(palette_rgb[i][0], palette_rgb[i][1], palette_rgb[i][2]);
    c->skin = tk_colour_709(236, 196, 160);
    c->eye_white = tk_colour_709(250, 250, 250);
    c->pupil = tk_colour_709(30, 30, 36);
    c->mouth_colour = tk_colour_709(110, 30, 40);

    TkComposerLayout *l = &c->lay;
    l->background = tk_colour_709(28, 32, 44);
    l->box_colour = tk_colour_709(8, 8, 12);
    l->text_colour = tk_colour_709(242, 242, 242);
    l->font_px = px;
    l->line_height = tk_font_line_height(c->font);
    l->max_lines = height >= 300 ? 3 : 2;
    c->margin = imax(4, height / 40);
    c->pad = imax(3, px / 3);
    c->bar_w = imax(2, px / 6);
    l->box.x0 = c->margin;
    l->box.x1 = width - c->margin;
    l->box.y1 = height - c->margin;
    l->box.y0 = l->box.y1 - (l->max_lines * l->line_height + 2 * c->pad);
    l->text.x0 = l->box.x0 + 2 * c->pad + c->bar_w;
    l->text.x1 = l->box.x1 - c->pad;
    l->text.y0 = l->box.y0 + c->pad / 2;
    l->text.y1 = l->box.y1 - c->pad / 2;
    *out = c;
    return 0;

error:
    tk_composer_destroy(&c);
    return res;
}

const TkAtlas *tk_composer_atlas(const TkComposer *c)
{
    return &c->atlas;
}

const TkComposerLayout *tk_composer_layout(const TkComposer *c)
{
    return &c->lay;
}

static int is_space(uint32_t ch)
{
    return ch == ' ' || ch == '\t';
}

/* Scripts written without spaces (CJK and friends): a line may break before or after any
 * of their characters. */
static int breaks_anywhere(uint32_t ch)
{
    return (ch >= 0x2e80 && ch <= 0x9fff) || (ch >= 0xac00 && ch <= 0xd7af) ||
           (ch >= 0xf900 && ch <= 0xfaff) || (ch >= 0xff00 && ch <= 0xffef) ||
           (ch >= 0x20000 && ch <= 0x3ffff);
}

/* Greedy wrapping of the shaped subtitle into lines no wider than max_w (26.6): break
 * after spaces, around CJK characters, at '\n'; a word wider than a line is cut. */
static void wrap_lines(TkComposer *c, int32_t max_w)
{
    int n = c->n_glyphs, start = 0;
    c->n_lines = 0;
    while (start < n) {
        while (start < n && is_space(c->glyph_char[start]))
            start++; /* a wrapped line does not start with the space it broke at */
        if (start >= n)
            break;
        int32_t x = 0;
        int brk = -1, end = n, next = n;
        for (int i = start; i < n; i++) {
            uint32_t ch = c->glyph_char[i];
            if (ch == '\n') {
                end = i;
                next = i + 1;
                break;
            }
            if (i > start && breaks_anywhere(ch))
                brk = i;
            if (i > start && !is_space(ch) && x + c->glyphs[i].x_advance > max_w) {
                end = next = brk > start ? brk : i;
                break;
            }
            x += c->glyphs[i].x_advance;
            if (is_space(ch) || breaks_anywhere(ch))
                brk = i + 1;
        }
        c->line_start[c->n_lines] = start;
        c->line_end[c->n_lines] = end;
        c->n_lines++;
        start = next;
    }
}

/* Shapes and wraps a new subtitle text (cached: same text, same lines). */
static int prepare_subtitle(TkComposer *c, const char *text, int bytes)
{
    if (c->sub_text && !strcmp(c->sub_text, text))
        return 0;
    free_subtitle(c);
    int res = TALKIE_ERR(ENOMEM);
    int *byte_cp = malloc(((size_t)bytes + 1) * sizeof(int));
    c->sub_text = malloc((size_t)bytes + 1);
    char *shaped = malloc((size_t)bytes + 1);
    if (!byte_cp || !c->sub_text || !shaped)
        goto error;
    memcpy(c->sub_text, text, (size_t)bytes + 1);
    /* Control characters (tabs, newlines) are shaped as spaces: the font has no glyphs for
     * them, and the wrapper reads the original text for forced breaks. */
    for (int i = 0; i < bytes; i++)
        shaped[i] = (unsigned char)text[i] < 0x20 ? ' ' : text[i];
    shaped[bytes] = 0;
    for (int pos = 0, cp = 0; pos < bytes; cp++) {
        int at = pos;
        tk_utf8_next(text, &pos);
        for (int k = at; k < pos; k++)
            byte_cp[k] = cp;
    }
    byte_cp[bytes] = 0;

    int n = tk_font_shape(c->font, shaped, bytes, &c->glyphs, &c->cap_glyphs);
    if (n < 0) {
        res = n;
        goto error;
    }
    c->n_glyphs = n;
    size_t count = (size_t)n + 1;
    c->glyph_cp = malloc(count * sizeof(int));
    c->glyph_char = malloc(count * sizeof(uint32_t));
    c->line_start = malloc(count * sizeof(int));
    c->line_end = malloc(count * sizeof(int));
    if (!c->glyph_cp || !c->glyph_char || !c->line_start || !c->line_end)
        goto error;
    for (int i = 0; i < n; i++) {
        int at = (int)c->glyphs[i].cluster;
        if (at > bytes)
            at = bytes;
        c->glyph_cp[i] = byte_cp[at];
        c->glyph_char[i] = at < bytes ? tk_utf8_next(text, &at) : 0;
    }
    wrap_lines(c, (int32_t)(c->lay.text.x1 - c->lay.text.x0) * 64);
    free(byte_cp);
    free(shaped);
    return 0;

error:
    free(byte_cp);
    free(shaped);
    free_subtitle(c);
    return res;
}

static int add_glyph(TkComposer *c, TkDrawList *dl, uint32_t glyph, int pen_x, int baseline,
                     uint32_t colour)
{
    const TkAtlasGlyph *a = tk_atlas_glyph(&c->atlas, glyph);
    TkDrawGlyph g = {
        .x = pen_x + a->left, .y = baseline - a->top, .w = a->w, .h = a->h,
        .atlas_x = a->x, .atlas_y = a->y, .colour = colour,
    };
    return tk_draw_list_glyph(dl, &g);
}

/* Draws the subtitle line with its revealed codepoints visible: the last max_lines lines
 * that have anything revealed. */
static int draw_subtitle(TkComposer *c, TkDrawList *dl, const TkSceneSnapshot *snap)
{
    const TkComposerLayout *l = &c->lay;
    int revealed = snap->subtitle_revealed;
    int res = prepare_subtitle(c, snap->subtitle_text, snap->subtitle_bytes);
    if (res < 0)
        return res;
    const TkRect *b = &l->box;
    uint32_t col = l->box_colour;
    int r = imin(c->pad, imin((b->x1 - b->x0) / 2, (b->y1 - b->y0) / 2));
    /* A rounded rectangle: two crossing rectangles and four corner circles. */
    if ((res = tk_draw_list_shape(dl, TK_DL_SHAPE_RECT, col, b->x0 + r, b->y0, b->x1 - r, b->y1)) < 0 ||
        (res = tk_draw_list_shape(dl, TK_DL_SHAPE_RECT, col, b->x0, b->y0 + r, b->x1, b->y1 - r)) < 0 ||
        (res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, col, b->x0, b->y0, b->x0 + 2 * r, b->y0 + 2 * r)) < 0 ||
        (res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, col, b->x1 - 2 * r, b->y0, b->x1, b->y0 + 2 * r)) < 0 ||
        (res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, col, b->x0, b->y1 - 2 * r, b->x0 + 2 * r, b->y1)) < 0 ||
        (res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, col, b->x1 - 2 * r, b->y1 - 2 * r, b->x1, b->y1)) < 0)
        return res;
    /* A bar in the speaker's colour says who is talking. */
    uint32_t bar = c->palette[snap->subtitle_speaker % TK_PALETTE_SIZE];
    res = tk_draw_list_shape(dl, TK_DL_SHAPE_RECT, bar, b->x0 + c->pad, b->y0 + c->pad,
                             b->x0 + c->pad + c->bar_w, b->y1 - c->pad);
    if (res < 0)
        return res;

    int last = 0;
    for (int i = 0; i < c->n_lines; i++)
        if (c->line_start[i] < c->n_glyphs && c->glyph_cp[c->line_start[i]] < revealed)
            last = i;
    int first = imax(0, last - l->max_lines + 1);
    c->lay.subtitle_run = dl->n_runs;
    res = tk_draw_list_begin_run(dl, l->text.x0, l->text.y0, l->text.x1, l->text.y1);
    if (res < 0)
        return res;
    int ascender = tk_font_ascender(c->font);
    for (int line = first; line <= last && line < c->n_lines; line++) {
        int baseline = b->y0 + c->pad + (line - first) * l->line_height + ascender;
        int32_t pen = 0;
        for (int i = c->line_start[line]; i < c->line_end[line]; i++) {
            const TkGlyphPos *g = &c->glyphs[i];
            uint32_t ch = c->glyph_char[i];
            if (c->glyph_cp[i] < revealed && ch >= 0x20 && ch != 0x7f && !is_space(ch)) {
                res = add_glyph(c, dl, g->glyph, l->text.x0 + round26(pen + g->x_offset),
                                baseline - round26(g->y_offset), l->text_colour);
                if (res < 0)
                    return res;
            }
            pen += g->x_advance;
        }
    }
    return 0;
}

/* The glyphs of place `slot`'s name, shaped again only when the name changed. */
static const TkGlyphPos *shaped_name(TkComposer *c, int slot, const char *name, int *n)
{
    struct ShapedName *sn = &c->names[slot];
    if (sn->n_glyphs < 0 || strcmp(sn->name, name)) {
        size_t bytes = strlen(name);   /* fits: TkSceneSpeaker.name is as long */
        sn->n_glyphs = tk_font_shape(c->font, name, (int)bytes, &sn->glyphs, &sn->cap_glyphs);
        if (sn->n_glyphs < 0) {
            *n = sn->n_glyphs;
            sn->n_glyphs = -1;
            return NULL;
        }
        memcpy(sn->name, name, bytes);
        sn->name[bytes] = 0;
    }
    *n = sn->n_glyphs;
    return sn->glyphs;
}

/* A name centred under its avatar, cut at the slot's width when too long. */
static int draw_name(TkComposer *c, TkDrawList *dl, int slot, const char *name,
                     const TkRect *clip, uint32_t colour)
{
    int n;
    const TkGlyphPos *glyphs = shaped_name(c, slot, name, &n);
    if (!glyphs)
        return n;
    int32_t avail = (int32_t)(clip->x1 - clip->x0 - 2) * 64, width = 0;
    int shown = 0;
    while (shown < n && width + glyphs[shown].x_advance <= avail)
        width += glyphs[shown++].x_advance;
    int x = clip->x0 + 1 + (int)((avail - width) / 128);
    int baseline = clip->y0 + tk_font_ascender(c->font);
    int res = tk_draw_list_begin_run(dl, clip->x0, clip->y0, clip->x1, clip->y1);
    int32_t pen = 0;
    for (int i = 0; i < shown && res >= 0; i++) {
        const TkGlyphPos *g = &glyphs[i];
        res = add_glyph(c, dl, g->glyph, x + round26(pen + g->x_offset),
                        baseline - round26(g->y_offset), colour);
        pen += g->x_advance;
    }
    return res;
}

static int ellipse(TkDrawList *dl, uint32_t colour, int cx, int cy, int w, int h)
{
    return tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, colour, cx - w / 2, cy - h / 2,
                              cx - w / 2 + w, cy - h / 2 + h);
}

/* One avatar: a ring while speaking, the head, eyes and a mouth open by `mouth` steps. */
static int draw_avatar(TkComposer *c, TkDrawList *dl, int slot, int speaker, int speaking,
                       int mouth, const TkRect *area)
{
    TkComposerLayout *l = &c->lay;
    int cx = (area->x0 + area->x1) / 2, cy = (area->y0 + area->y1) / 2;
    int s = imin((area->x1 - area->x0) * 7 / 10, (area->y1 - area->y0) * 85 / 100);
    int hw = s * 9 / 10, ring = imax(2, s / 16);
    uint32_t accent = c->palette[speaker % TK_PALETTE_SIZE];
    int x0 = cx - hw / 2, y0 = cy - s / 2;
    l->avatar[slot] = (TkRect){ x0 - ring, y0 - ring, x0 + hw + ring, y0 + s + ring };
    int res = 0;
    if (speaking)
        res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, accent, x0 - ring, y0 - ring,
                                 x0 + hw + ring, y0 + s + ring);
    if (res < 0 || (res = tk_draw_list_shape(dl, TK_DL_SHAPE_ELLIPSE, c->skin, x0, y0, x0 + hw,
                                             y0 + s)) < 0)
        return res;
    int ew = imax(2, s / 7), eh = imax(2, s / 6), ey = cy - s / 10;
    for (int side = -1; side <= 1; side += 2) {
        int ex = cx + side * s / 5;
        if ((res = ellipse(dl, c->eye_white, ex, ey, ew, eh)) < 0 ||
            (res = ellipse(dl, c->pupil, ex, ey + eh / 8, imax(1, ew / 2), imax(1, eh / 2))) < 0)
            return res;
    }
    int mw = imax(4, s * 2 / 5), my = cy + s / 4, thick = imax(2, s / 40);
    int max_h = imax(thick + 1, s * TK_SCENE_MOUTH_MAX / 14);
    l->mouth[slot] = (TkRect){ cx - mw / 2, my - max_h / 2, cx - mw / 2 + mw, my - max_h / 2 + max_h };
    if (mouth == 0) /* at rest: a closed line */
        return tk_draw_list_shape(dl, TK_DL_SHAPE_RECT, c->mouth_colour, cx - mw / 2,
                                  my - thick / 2, cx - mw / 2 + mw, my - thick / 2 + thick);
    return ellipse(dl, c->mouth_colour, cx, my, mw, imax(thick + 1, s * mouth / 14));
}

int tk_composer_draw(TkComposer *c, const TkSceneSnapshot *snap, TkDrawList *dl)
{
    TkComposerLayout *l = &c->lay;
    tk_draw_list_reset(dl, l->background, (uint32_t)c->atlas.width);
    l->n_slots = snap->n_speakers;
    l->subtitle_run = -1;
    int res = 0;
    if (l->n_slots > 0) {
        int top = c->margin, bottom = l->box.y0 - c->margin - l->line_height;
        int span = c->width - 2 * c->margin;
        for (int i = 0; i < l->n_slots; i++) {
            const TkSceneSpeaker *sp = &snap->speakers[i];
            l->slot_speaker[i] = sp->index;
            TkRect area = { c->margin + span * i / l->n_slots, top,
                            c->margin + span * (i + 1) / l->n_slots, bottom };
            res = draw_avatar(c, dl, i, sp->index, sp->speaking, sp->mouth, &area);
            if (res < 0)
                return res;
            l->name[i] = (TkRect){ area.x0, bottom, area.x1, bottom + l->line_height };
        }
    }
    if (snap->has_subtitle && (res = draw_subtitle(c, dl, snap)) < 0)
        return res;
    /* Names last: their runs come after the subtitle's, which does not matter for drawing
     * (runs do not overlap) but keeps the shapes all before any text. */
    for (int i = 0; i < l->n_slots; i++) {
        const TkSceneSpeaker *sp = &snap->speakers[i];
        res = draw_name(c, dl, i, sp->name, &l->name[i],
                        c->palette[sp->index % TK_PALETTE_SIZE]);
        if (res < 0)
            return res;
    }
    return 0;
}

int tk_composer_build(TkComposer *c, const TkScene *scene, int64_t t_ms, TkDrawList *dl)
{
    int res = tk_scene_snapshot(scene, t_ms, &c->snap);
    if (res < 0)
        return res;
    return tk_composer_draw(c, &c->snap, dl);
}
