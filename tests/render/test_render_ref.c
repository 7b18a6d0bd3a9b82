/*
 * The composer and the C reference renderer, on the CPU: what a frame shows and where.
 * (The GPU test then requires the shader to reproduce these images byte for byte.)
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "render/colour.h"
#include "render/composer.h"
#include "render/render_ref.h"
#include "scenes.h"

typedef struct Ctx {
    TkComposer *c;
    TkFrameLayout layout;
    TkDrawList dl;
    uint8_t *img;
} Ctx;

static void render(Ctx *x, const TkScene *scene, int64_t t_ms, uint8_t *out)
{
    CHECK_EQ(tk_composer_build(x->c, scene, t_ms, &x->dl), 0);
    uint32_t *words = malloc(tk_draw_list_words(&x->dl) * sizeof(uint32_t));
    CHECK(words != NULL);
    if (!words)
        return;
    tk_draw_list_pack(&x->dl, words);
    tk_render_ref(words, tk_composer_atlas(x->c)->pixels, &x->layout, out);
    free(words);
}

static int in_rect(const TkRect *r, int x, int y)
{
    return x >= r->x0 && x < r->x1 && y >= r->y0 && y < r->y1;
}

/* May pixel (x, y) be anything but background in the frame last composed? */
static int may_draw(const TkComposerLayout *l, int x, int y, int box_shown)
{
    if (box_shown && in_rect(&l->box, x, y))
        return 1;
    for (int i = 0; i < l->n_slots; i++)
        if (in_rect(&l->avatar[i], x, y) || in_rect(&l->name[i], x, y))
            return 1;
    return 0;
}

/* Outside the box, avatars and names everything is background (luma, and chroma of 2x2
 * blocks wholly outside); inside the text area some pixels differ from the box colour. */
static void check_regions(Ctx *x, const char *what, int box_shown)
{
    const TkComposerLayout *l = tk_composer_layout(x->c);
    const TkFrameLayout *f = &x->layout;
    long stray = 0, stray_chroma = 0, text = 0;
    for (int y = 0; y < f->aligned_height; y++)
        for (int px = 0; px < f->aligned_width; px++) {
            uint8_t luma = x->img[(size_t)y * f->luma_stride + px];
            if (!may_draw(l, px, y, box_shown))
                stray += luma != tk_colour_y(l->background);
            else if (box_shown && in_rect(&l->text, px, y))
                text += luma != tk_colour_y(l->box_colour);
        }
    for (int y = 0; y < f->aligned_height; y += 2)
        for (int px = 0; px < f->aligned_width; px += 2) {
            if (may_draw(l, px, y, box_shown) || may_draw(l, px + 1, y, box_shown) ||
                may_draw(l, px, y + 1, box_shown) || may_draw(l, px + 1, y + 1, box_shown))
                continue;
            const uint8_t *c = x->img + f->chroma_offset + (size_t)(y / 2) * f->luma_stride + px;
            stray_chroma += c[0] != tk_colour_cb(l->background) ||
                            c[1] != tk_colour_cr(l->background);
        }
    if (stray || stray_chroma)
        fprintf(stderr, "%s: %ld luma / %ld chroma pixels drawn outside\n", what, stray,
                stray_chroma);
    CHECK_EQ(stray, 0);
    CHECK_EQ(stray_chroma, 0);
    if (box_shown)
        CHECK_CMP(text, >, 30);
    else
        CHECK_EQ(text, 0);
}

static int ctx_open(Ctx *x, int w, int h)
{
    memset(x, 0, sizeof(*x));
    x->layout = tk_frame_layout(w, h);
    int res = tk_composer_create(&x->c, w, h, NULL, NULL);
    if (res == TALKIE_ERROR_FONT)
        tk_check_skip("no font found by fontconfig");
    CHECK_EQ(res, 0);
    x->img = malloc(x->layout.size);
    CHECK(x->img != NULL);
    return res == 0 && x->img ? 0 : -1;
}

static void ctx_close(Ctx *x)
{
    tk_composer_destroy(&x->c);
    tk_draw_list_free(&x->dl);
    free(x->img);
}

static void test_scenes(const TestScene *sc, int w, int h)
{
    Ctx x;
    if (ctx_open(&x, w, h) < 0)
        return;
    for (int i = 0; i < TEST_SCENE_COUNT; i++) {
        render(&x, sc[i].scene, sc[i].t_ms, x.img);
        char what[96];
        snprintf(what, sizeof(what), "%dx%d %s", w, h, sc[i].name);
        check_regions(&x, what, i != 0);
    }
    /* Ten speakers: eight places, and the one speaking now has one. */
    const TestScene *ten = &sc[7];
    tk_composer_build(x.c, ten->scene, ten->t_ms, &x.dl);
    const TkComposerLayout *l = tk_composer_layout(x.c);
    CHECK_EQ(l->n_slots, TK_COMPOSER_MAX_SLOTS);
    int has_current = 0;
    for (int i = 0; i < l->n_slots; i++)
        has_current |= l->slot_speaker[i] == 9;
    CHECK(has_current);
    ctx_close(&x);
}

static int add(TkScene *s, const char *speaker, const char *text, int64_t start, int64_t dur)
{
    TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = start, .duration_ms = dur };
    return tk_scene_add_turn(s, &t);
}

static int rect_equal(const Ctx *x, const uint8_t *a, const uint8_t *b, const TkRect *r)
{
    for (int y = r->y0; y < r->y1; y++)
        if (memcmp(a + (size_t)y * x->layout.luma_stride + r->x0,
                   b + (size_t)y * x->layout.luma_stride + r->x0, (size_t)(r->x1 - r->x0)))
            return 0;
    return 1;
}

static void test_motion(int w, int h)
{
    Ctx x;
    if (ctx_open(&x, w, h) < 0)
        return;
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    CHECK_EQ(add(s, "Ada", "Talking for a while now.", 1000, 2000), 0);
    CHECK_EQ(add(s, "Bob", "Then me.", 8000, 1000), 0);
    size_t n = x.layout.size;
    uint8_t *a = malloc(n), *b = malloc(n);
    CHECK(a && b);
    if (!a || !b)
        goto done;

    /* Nobody speaks: before the first turn, and during the hold after it. */
    render(&x, s, 0, a);
    render(&x, s, 700, b);
    CHECK_EQ(tk_check_bytes("silent frames before speech", a, b, n), -1);
    render(&x, s, 3100, a);
    render(&x, s, 4500, b);
    CHECK_EQ(tk_check_bytes("silent frames while the line is held", a, b, n), -1);
    render(&x, s, 6000, x.img);
    check_regions(&x, "after the hold", 0);

    /* Ada speaks: her mouth changes over time, Bob's does not. */
    const TkComposerLayout *l = tk_composer_layout(x.c);
    TkRect mouth_ada = l->mouth[0], mouth_bob = l->mouth[1];
    render(&x, s, 500, a);
    int changes = 0, bob_still = 1, rest_differs = 0;
    for (int64_t t = 1000; t < 1700; t += 70) {
        render(&x, s, t, b);
        changes += !rect_equal(&x, a, b, &mouth_ada);
        rest_differs += t == 1000 && !rect_equal(&x, a, b, &mouth_ada);
        bob_still &= rect_equal(&x, a, b, &mouth_bob);
        memcpy(a, b, n);
    }
    CHECK_CMP(changes, >=, 5);
    CHECK_EQ(rest_differs, 1);
    CHECK(bob_still);

done:
    free(a);
    free(b);
    tk_scene_destroy(&s);
    ctx_close(&x);
}

/* A long turn: wrapped to the text width, only the last lines shown at the end. */
static void test_wrap(const TestScene *sc, int w, int h)
{
    Ctx x;
    if (ctx_open(&x, w, h) < 0)
        return;
    const TestScene *ls = &sc[3];
    int64_t end = tk_scene_end_ms(ls->scene); /* of its one turn, which starts at 0 */
    static TkSceneSnapshot snap;
    CHECK_EQ(tk_scene_snapshot(ls->scene, end, &snap), 0);
    CHECK_EQ(snap.subtitle_revealed, snap.subtitle_codepoints);
    CHECK_EQ(tk_composer_build(x.c, ls->scene, end, &x.dl), 0);
    const TkComposerLayout *l = tk_composer_layout(x.c);
    const TkDrawRun *run = &x.dl.runs[0]; /* the subtitle's run comes first */
    CHECK_EQ(run->x0, l->text.x0);
    int letters = 0;
    for (const char *p = snap.subtitle_text; *p; p++)
        letters += *p != ' ';
    CHECK_CMP(run->count, >, 10);
    CHECK_CMP(run->count, <, letters);      /* not everything fits: earlier lines scrolled */
    const TkAtlas *atlas = tk_composer_atlas(x.c);
    int inside = 1, lines = 0, last_baseline = -1;
    for (uint32_t i = run->first; i < run->first + run->count; i++) {
        const TkDrawGlyph *g = &x.dl.glyphs[i];
        /* wrapping keeps every glyph inside the width (1 px of antialiasing slack) */
        inside &= g->x >= l->text.x0 - 1 && g->x + g->w <= l->text.x1 + 1;
        /* the glyph's baseline, from its atlas entry's bitmap top */
        for (uint32_t k = 0; k < atlas->n_glyphs; k++) {
            const TkAtlasGlyph *e = &atlas->glyphs[k];
            if (e->state && e->w && e->x == g->atlas_x && e->y == g->atlas_y) {
                int baseline = g->y + e->top;
                lines += baseline != last_baseline;
                CHECK_CMP(baseline, >=, last_baseline); /* lines go down, never back up */
                last_baseline = baseline;
                break;
            }
        }
    }
    CHECK(inside);
    CHECK_EQ(lines, l->max_lines);
    /* The last glyph drawn is the turn's final '.'. */
    const TkAtlasGlyph *dot = &atlas->glyphs[tk_font_glyph_for(atlas->font, '.')];
    const TkDrawGlyph *lastg = &x.dl.glyphs[run->first + run->count - 1];
    CHECK_EQ(lastg->atlas_x, dot->x);
    CHECK_EQ(lastg->atlas_y, dot->y);
    /* Early in the turn, one line: the first letter 'T' is drawn first. */
    CHECK_EQ(tk_composer_build(x.c, ls->scene, 200, &x.dl), 0);
    const TkAtlasGlyph *T = &atlas->glyphs[tk_font_glyph_for(atlas->font, 'T')];
    run = &x.dl.runs[0];
    CHECK_CMP(run->count, >=, 1);
    CHECK_EQ(x.dl.glyphs[run->first].atlas_x, T->x);
    CHECK_EQ(x.dl.glyphs[run->first].atlas_y, T->y);
    ctx_close(&x);
}

int main(void)
{
    TestScene sc[TEST_SCENE_COUNT];
    CHECK_EQ(test_scenes_create(sc), 0);
    static const int sizes[][2] = { { 256, 256 }, { 320, 240 }, { 640, 360 }, { 176, 144 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        test_scenes(sc, sizes[i][0], sizes[i][1]);
        test_motion(sizes[i][0], sizes[i][1]);
        test_wrap(sc, sizes[i][0], sizes[i][1]);
    }
    test_scenes_destroy(sc);
    return tk_check_finish();
}
