/*
 * One thread says turns while another makes frames from the same scene, as a session does
 * (talkie_session_say() on the caller's threads, frames on the engine's). Every snapshot
 * must be whole and consistent, and at the end the scene holds every turn said. Run under
 * ThreadSanitizer too (scripts/test.sh, suite "threads"): no data race may be reported.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/check.h"
#include "render/composer.h"
#include "scene/scene.h"

#define LINES 20000
#define SPEAKERS 20          /* more than the places on screen: the ranking is used too */
#define FRAME_STEP_MS 1000   /* frames far apart, so that the test is short */
#define AHEAD_MS 30000       /* the sayer waits when this far ahead of the frames... */
#define BATCH_MS 60000       /* ...and then says lines up to this far ahead */

typedef struct Shared {
    TkScene *scene;
    int64_t frame_ms;        /* time of the latest frame (atomic) */
    int done;                /* the sayer finished (atomic) */
    int errors;              /* failed says (written by the sayer only) */
} Shared;

static int64_t frame_ms(Shared *sh)
{
    return __atomic_load_n(&sh->frame_ms, __ATOMIC_ACQUIRE);
}

static void nap(void)
{
    struct timespec ts = { .tv_nsec = 100 * 1000 };
    nanosleep(&ts, NULL);
}

static void *say_lines(void *arg)
{
    Shared *sh = arg;
    char name[32], text[64];
    for (int i = 0; i < LINES; i++) {
        snprintf(name, sizeof(name), "Speaker %d", i % SPEAKERS);
        snprintf(text, sizeof(text), "Line %d, said while frames are made.", i);
        /* now and then a line that starts back in time, behind the frames made already */
        int64_t start = -1;
        if (i % 97 == 0) {
            int64_t end = tk_scene_end_ms(sh->scene);
            start = end > 5000 ? end - 5000 : 0;
        }
        TalkieTurn t = { .speaker = name, .text = text, .start_ms = start, .duration_ms = -1 };
        if (tk_scene_add_turn(sh->scene, &t) < 0)
            sh->errors++;
        /* an agent talks in time with the video: a batch of lines, then it waits for the
         * frames to catch up (sleeping: the machine's cores are shared) */
        if (tk_scene_end_ms(sh->scene) > frame_ms(sh) + BATCH_MS)
            while (tk_scene_end_ms(sh->scene) > frame_ms(sh) + AHEAD_MS)
                nap();
    }
    __atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* A snapshot is whole: names and text as said, counts within bounds, order kept. */
static int consistent(const TkSceneSnapshot *sn)
{
    int ok = sn->n_speakers >= 0 && sn->n_speakers <= TK_SCENE_MAX_SHOWN;
    for (int i = 0; ok && i < sn->n_speakers; i++) {
        const TkSceneSpeaker *v = &sn->speakers[i];
        char name[32];
        snprintf(name, sizeof(name), "Speaker %d", v->index); /* speaker k first spoke line k */
        ok &= !strcmp(v->name, name) && (i == 0 || sn->speakers[i - 1].index < v->index) &&
              v->mouth >= 0 && v->mouth <= TK_SCENE_MOUTH_MAX && (v->mouth > 0) == v->speaking;
    }
    if (ok && sn->has_subtitle)
        ok &= !strncmp(sn->subtitle_text, "Line ", 5) &&
              (int)strlen(sn->subtitle_text) == sn->subtitle_bytes &&
              sn->subtitle_revealed >= 1 && sn->subtitle_revealed <= sn->subtitle_codepoints;
    return ok;
}

int main(void)
{
    TkComposer *c = NULL;
    int res = tk_composer_create(&c, 64, 64, NULL, NULL);
    if (res < 0 && res != TALKIE_ERROR_FONT)
        CHECK_EQ(res, 0);
    /* without a font the frames are snapshots only, which is what is shared */
    Shared sh = { 0 };
    CHECK_EQ(tk_scene_create(&sh.scene, NULL), 0);
    pthread_t sayer;
    CHECK_EQ(pthread_create(&sayer, NULL, say_lines, &sh), 0);

    static TkSceneSnapshot snap;
    TkDrawList dl = { 0 };
    int frames = 0, bad = 0, max_kept = 0;
    int64_t t = 0;
    for (;;) {
        int done = __atomic_load_n(&sh.done, __ATOMIC_ACQUIRE);
        int64_t end = tk_scene_end_ms(sh.scene);
        if (done && t >= end)
            break;
        if (t >= end) { /* caught up with the talk: wait for more */
            nap();
            continue;
        }
        t = t + FRAME_STEP_MS < end ? t + FRAME_STEP_MS : end;
        CHECK_EQ(tk_scene_snapshot(sh.scene, t, &snap), 0);
        __atomic_store_n(&sh.frame_ms, t, __ATOMIC_RELEASE);
        bad += !consistent(&snap);
        if (c)
            CHECK_EQ(tk_composer_draw(c, &snap, &dl), 0);
        int kept = tk_scene_kept_turn_count(sh.scene);
        max_kept = kept > max_kept ? kept : max_kept;
        frames++;
    }
    pthread_join(sayer, NULL);
    CHECK_EQ(sh.errors, 0);
    CHECK_EQ(bad, 0);
    CHECK_CMP(frames, >, 100);
    CHECK_EQ(tk_scene_speaker_count(sh.scene), SPEAKERS);
    /* the frames made it to the end: the last line is the subtitle */
    CHECK_EQ(tk_scene_snapshot(sh.scene, t, &snap), 0);
    char last[64];
    snprintf(last, sizeof(last), "Line %d, said while frames are made.", LINES - 1);
    CHECK(!strcmp(snap.subtitle_text, last));
    CHECK_CMP(tk_scene_kept_turn_count(sh.scene), <, 100);
    /* memory stayed flat all along: a minute behind the frames and half a minute ahead */
    CHECK_CMP(max_kept, <, 100);
    printf("%d frames while %d lines were said; at most %d turns kept\n", frames, LINES,
           max_kept);
    tk_draw_list_free(&dl);
    tk_composer_destroy(&c);
    tk_scene_destroy(&sh.scene);
    return tk_check_finish();
}
