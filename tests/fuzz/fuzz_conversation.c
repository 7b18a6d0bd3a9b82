/*
 * Fuzz target: a conversation file, all the way to the draw list, as `talkie render` takes it
 * but without a GPU. The input is the file's bytes:
 *   1. the CLI's JSON Lines reader (tools/conversation.c, through fmemopen, as a FILE* like
 *      the CLI's): it returns an error, or turns whose fields keep its promises;
 *   2. each turn into the scene (tk_scene_add_turn, what talkie_session_say calls), stopping
 *      at the first error as the CLI does; only EINVAL is an acceptable refusal;
 *   3. the composer builds the draw list at times around every turn's start and end, at the
 *      default size and the smallest one; every glyph must lie inside the atlas, and at the
 *      smallest size the C reference renderer draws the list (a read outside the atlas or a
 *      write outside the frame is an ASan report). Rendering every frame at 320x240 would
 *      cost 50 times more than the rest under the fuzzer's instrumentation.
 * The font is DejaVu Sans from fonts-dejavu-core, named by path so no fontconfig
 * configuration is involved and every run draws the same glyphs.
 */
#include <string.h>

#include "conversation.h"
#include "fuzz.h"
#include "render/composer.h"
#include "render/render_ref.h"
#include "scene/scene.h"

#define FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

/* Times per size: enough to see every turn of a short conversation start, speak and end,
 * few enough that a long one does not make every input slow. */
enum { MAX_TIMES = 32 };

/* The scene explains each refusal in a log line; the fuzzer need not print them. */
static void quiet(void *opaque, TalkieLogLevel level, const char *msg)
{
    (void)opaque;
    (void)level;
    (void)msg;
}

static void check_turns(const CliConversation *conv)
{
    FUZZ_CHECK(conv->n > 0 && conv->n <= conv->capacity);
    for (size_t i = 0; i < conv->n; i++) {
        const CliTurn *t = &conv->turns[i];
        FUZZ_CHECK(t->speaker && t->text);
        size_t s = strlen(t->speaker), x = strlen(t->text);
        FUZZ_CHECK(s > 0 && s <= 64 && x > 0 && x <= 4096);
        FUZZ_CHECK(cli_utf8_valid((const unsigned char *)t->speaker, s));
        FUZZ_CHECK(cli_utf8_valid((const unsigned char *)t->text, x));
        FUZZ_CHECK(t->start_ms >= -1 && (t->duration_ms == -1 || t->duration_ms >= 1));
        FUZZ_CHECK(t->line >= 1);
    }
}

/* The moments worth drawing: the empty start, and just before, at, inside and after each
 * turn, up to MAX_TIMES. */
static int pick_times(const TkScene *scene, const TkSceneTurnInfo *turns, int n_turns,
                      int64_t *t)
{
    int n = 0;
    t[n++] = 0;
    for (int i = 0; i < n_turns && n + 5 <= MAX_TIMES - 1; i++) {
        const TkSceneTurnInfo *turn = &turns[i];
        int64_t end = turn->start_ms + turn->duration_ms;
        if (turn->start_ms > 0)
            t[n++] = turn->start_ms - 1;
        t[n++] = turn->start_ms;
        t[n++] = turn->start_ms + turn->duration_ms / 2;
        t[n++] = end - 1;
        t[n++] = end + TK_SCENE_HOLD_MS - 1;
    }
    t[n++] = tk_scene_end_ms(scene) + TK_SCENE_HOLD_MS;
    return n;
}

static void compose(const TkScene *scene, const TkSceneTurnInfo *turns, int n_turns,
                    int width, int height, int render, const TkLog *log)
{
    TkComposer *c;
    FUZZ_CHECK(tk_composer_create(&c, width, height, FONT_PATH, log) == 0);
    TkFrameLayout layout = tk_frame_layout(width, height);
    uint8_t *img = malloc(layout.size);
    FUZZ_CHECK(img != NULL);
    TkDrawList dl = { 0 };
    int64_t times[MAX_TIMES];
    int n = pick_times(scene, turns, n_turns, times);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(tk_composer_build(c, scene, times[i], &dl) == 0);
        const TkAtlas *atlas = tk_composer_atlas(c);
        for (int g = 0; g < dl.n_glyphs; g++) {
            const TkDrawGlyph *dg = &dl.glyphs[g];
            FUZZ_CHECK(dg->atlas_x + (uint32_t)dg->w <= (uint32_t)atlas->width);
            FUZZ_CHECK(dg->atlas_y + (uint32_t)dg->h <= (uint32_t)atlas->height);
        }
        if (!render)
            continue;
        uint32_t *words = malloc(tk_draw_list_words(&dl) * sizeof(uint32_t));
        FUZZ_CHECK(words != NULL);
        tk_draw_list_pack(&dl, words);
        tk_render_ref(words, atlas->pixels, &layout, img);
        free(words);
    }
    tk_draw_list_free(&dl);
    free(img);
    tk_composer_destroy(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen wants a writable buffer even to read; a copy also keeps the reader honest
     * about the input's end (ASan sees a read past it). */
    char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    if (size)
        memcpy(copy, data, size);
    FILE *f = fmemopen(copy, size, "rb");
    FUZZ_CHECK(f != NULL);
    CliConversation conv;
    char err[512];
    int res = cli_conversation_read(&conv, f, "fuzz", err, sizeof(err));
    fclose(f);
    free(copy);
    if (res < 0) {
        /* A refusal names the place: "fuzz:LINE: ..." or "fuzz: no turns ...". */
        FUZZ_CHECK(!strncmp(err, "fuzz:", 5));
        cli_conversation_free(&conv);
        return 0;
    }
    check_turns(&conv);

    TkLog log = { .callback = quiet, .max_level = TALKIE_LOG_DEBUG };
    TkScene *scene;
    FUZZ_CHECK(tk_scene_create(&scene, &log) == 0);
    TkSceneTurnInfo *infos = calloc(conv.n, sizeof(*infos));
    FUZZ_CHECK(infos != NULL);
    int n_turns = 0;
    for (size_t i = 0; i < conv.n; i++) {
        const CliTurn *t = &conv.turns[i];
        TalkieTurn turn = { .speaker = t->speaker, .text = t->text, .start_ms = t->start_ms,
                            .duration_ms = t->duration_ms };
        TkSceneTurnInfo *info = &infos[n_turns];
        res = tk_scene_add_turn_info(scene, &turn, info);
        FUZZ_CHECK(res == 0 || res == TALKIE_ERR(EINVAL));
        if (res < 0)
            break;
        n_turns++;
        /* What the scene shows when the turn just added starts stays in range. */
        TkSceneSnapshot *snap = malloc(sizeof(*snap));
        FUZZ_CHECK(snap != NULL);
        FUZZ_CHECK(tk_scene_snapshot(scene, info->start_ms, snap) == 0);
        FUZZ_CHECK(snap->has_subtitle);
        FUZZ_CHECK(snap->subtitle_revealed >= 1 &&
                   snap->subtitle_revealed <= snap->subtitle_codepoints);
        FUZZ_CHECK(snap->n_speakers >= 1 && snap->n_speakers <= TK_SCENE_MAX_SHOWN);
        for (int k = 0; k < snap->n_speakers; k++)
            FUZZ_CHECK(snap->speakers[k].mouth >= 0 &&
                       snap->speakers[k].mouth <= TK_SCENE_MOUTH_MAX);
        free(snap);
    }
    cli_conversation_free(&conv);
    if (n_turns > 0) {
        /* the library's default size, then the smallest it accepts (layout at its limits) */
        compose(scene, infos, n_turns, 320, 240, 0, &log);
        compose(scene, infos, n_turns, 16, 16, 1, &log);
    }
    free(infos);
    tk_scene_destroy(&scene);
    return 0;
}
