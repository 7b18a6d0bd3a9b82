/*
 * The cost of a frame (a scene snapshot and the composer's draw list, at 64x64) does not
 * grow with the conversation: not with its length, not with how many speakers ever spoke.
 *
 * Measured as ratios of median frame times within one run, so a slow or busy machine
 * changes nothing: the end of a conversation against its start, 10,000 speakers against 9
 * (both fill every place on screen). Bounds are generous (4x); the scan-everything scene
 * that snapshots replaced was 10x to 1000x off on these conversations.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../common/check.h"
#include "render/composer.h"
#include "scene/scene.h"

#define RATIO_MAX 4.0

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

/* A conversation said as it is shown: line i by speaker i % speakers, one after the other,
 * each added a little before it starts, as an agent would. */
typedef struct Talk {
    TkScene *scene;
    int lines, speakers, said;
} Talk;

#define LOOKAHEAD_MS 10000

/* Says the lines that start before t_ms + LOOKAHEAD_MS (all of them for INT64_MAX). */
static void say_until(Talk *talk, int64_t t_ms)
{
    char name[32], text[64];
    while (talk->said < talk->lines &&
           (t_ms == INT64_MAX || tk_scene_end_ms(talk->scene) < t_ms + LOOKAHEAD_MS)) {
        int i = talk->said++;
        snprintf(name, sizeof(name), "Speaker %d", i % talk->speakers);
        snprintf(text, sizeof(text), "Line %06d of this long conversation.", i);
        TalkieTurn t = { .speaker = name, .text = text, .start_ms = -1, .duration_ms = -1 };
        CHECK_EQ(tk_scene_add_turn(talk->scene, &t), 0);
    }
}

#define BURSTS 30
#define BURST_FRAMES 100
#define FRAME_MS 33

/* Median microseconds per frame over BURSTS bursts of BURST_FRAMES frames FRAME_MS apart,
 * spread evenly over [from_ms, to_ms): frames as a session makes them, all over the span. */
static double frame_us(TkComposer *c, TkDrawList *dl, Talk *talk, int64_t from_ms,
                       int64_t to_ms)
{
    static double times[BURSTS * BURST_FRAMES];
    int k = 0;
    for (int b = 0; b < BURSTS; b++) {
        int64_t t = from_ms + (to_ms - from_ms) * b / BURSTS;
        say_until(talk, t + BURST_FRAMES * FRAME_MS);
        for (int f = 0; f < BURST_FRAMES; f++, t += FRAME_MS) {
            double t0 = now_us();
            CHECK_EQ(tk_composer_build(c, talk->scene, t, dl), 0);
            times[k++] = now_us() - t0;
        }
    }
    return median(times, k);
}

typedef struct Timing {
    double first, last;   /* median frame time in the first and last tenth */
    int kept;             /* turns kept at the end */
} Timing;

/* Frames through the first and the last tenth of a conversation, and some in between (the
 * cursor walks through every turn either way). Lines are said as the frames go, so that at
 * the end every line has been said, and at the start a tenth. */
static Timing run(TkComposer *c, TkDrawList *dl, int lines, int speakers)
{
    /* Its length, from a scene with every line said at once. */
    Talk talk = { .lines = lines, .speakers = speakers };
    CHECK_EQ(tk_scene_create(&talk.scene, NULL), 0);
    say_until(&talk, INT64_MAX);
    int64_t end = tk_scene_end_ms(talk.scene), tenth = end / 10;
    tk_scene_destroy(&talk.scene);

    talk.said = 0;
    CHECK_EQ(tk_scene_create(&talk.scene, NULL), 0);
    Timing tm;
    tm.first = frame_us(c, dl, &talk, 0, tenth);
    frame_us(c, dl, &talk, tenth, end - tenth);
    tm.last = frame_us(c, dl, &talk, end - tenth, end);
    say_until(&talk, end);
    CHECK_EQ(talk.said, lines);
    CHECK_EQ(tk_composer_build(c, talk.scene, end, dl), 0); /* the last frame */
    tm.kept = tk_scene_kept_turn_count(talk.scene);
    printf("%6d lines, %5d speakers: %.1f us/frame in the first tenth, %.1f in the last; "
           "%d turns kept of %d\n", lines, speakers, tm.first, tm.last, tm.kept, lines);
    tk_scene_destroy(&talk.scene);
    return tm;
}

int main(void)
{
    TkComposer *c;
    int res = tk_composer_create(&c, 64, 64, NULL, NULL);
    if (res == TALKIE_ERROR_FONT)
        tk_check_skip("no font found by fontconfig");
    CHECK_EQ(res, 0);
    if (res < 0)
        return tk_check_finish();
    TkDrawList dl = { 0 };
    Talk empty = { .scene = NULL };
    frame_us(c, &dl, &empty, 0, 1000); /* warm up: atlas, caches */

    Timing many = run(c, &dl, 10000, 10000);
    Timing nine = run(c, &dl, 10000, 9);
    Timing three = run(c, &dl, 100000, 3);

    /* Flat over the conversation's length. */
    CHECK_CMP(many.last / many.first, <, RATIO_MAX);
    CHECK_CMP(nine.last / nine.first, <, RATIO_MAX);
    CHECK_CMP(three.last / three.first, <, RATIO_MAX);
    /* Flat over the number of speakers: 10,000 cost what 9 cost (8 places each). */
    CHECK_CMP(many.last / nine.last, <, RATIO_MAX);
    CHECK_CMP(many.first / nine.first, <, RATIO_MAX);
    /* Flat memory: after the last frame, about a minute of turns is kept (a turn takes
     * some 3 s here), not the conversation. */
    CHECK_CMP(many.kept, <, 100);
    CHECK_CMP(nine.kept, <, 100);
    CHECK_CMP(three.kept, <, 100);

    tk_draw_list_free(&dl);
    tk_composer_destroy(&c);
    return tk_check_finish();
}
