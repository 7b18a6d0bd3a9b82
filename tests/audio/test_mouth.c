/*
 * Mouth from the voice: tone bursts at known times open the mouth within one video frame
 * (33 ms) of each burst's start, and it closes in the gaps (within 100 ms of the burst's
 * end); louder is wider; any chunking gives the same values; through the timeline too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../common/check.h"
#include "audio/mouth.h"
#include "audio/track.h"
#include "scene/scene.h"
#include "signal.h"

#define FRAME_MS 33
#define CLOSE_MS 100
#define BURST_MS 200

static const int starts[] = { 100, 500, 900, 1400, 1750 };
#define N_BURSTS ((int)(sizeof(starts) / sizeof(starts[0])))

/* Checks open/closed against the bursts for every ms of [0, total_ms); mouth_at(t) is
 * given by `at` on `ctx`. */
static void check_timing(const char *what, int (*at)(const void *, int64_t), const void *ctx,
                         int total_ms)
{
    int late = 0, early = 0, stays_open = 0;
    for (int t = 0; t < total_ms; t++) {
        int in_burst = 0, near_start = 0, closing = 0;
        for (int k = 0; k < N_BURSTS; k++) {
            in_burst |= t >= starts[k] && t < starts[k] + BURST_MS;
            near_start |= t >= starts[k] - FRAME_MS && t < starts[k] + FRAME_MS;
            closing |= t >= starts[k] + BURST_MS && t < starts[k] + BURST_MS + CLOSE_MS;
        }
        int m = at(ctx, t);
        CHECK(m >= 0 && m <= TK_SCENE_MOUTH_MAX);
        if (near_start || closing)
            continue;
        if (in_burst && m == 0)
            late++;
        if (!in_burst && m != 0 && t < starts[0])
            early++;
        else if (!in_burst && m != 0)
            stays_open++;
    }
    if (late || early || stays_open)
        fprintf(stderr, "%s: %d ms closed in a burst (late), %d ms open before any sound, "
                "%d ms open in gaps\n", what, late, early, stays_open);
    CHECK_EQ(late + early + stays_open, 0);
}

static int mouth_at(const void *ctx, int64_t t)
{
    return tk_mouth_at(ctx, t);
}

typedef struct { const TkAudioTrack *t; int turn; } TrackTurn;
static int track_at(const void *ctx, int64_t t)
{
    const TrackTurn *tt = ctx;
    return tk_audio_track_mouth(tt->t, tt->turn, t + 300); /* the turn starts at 300 ms */
}

static void test_burst_timing(int rate, double hz, uint32_t seed)
{
    int total_ms = 2200;
    size_t frames = (size_t)rate * (size_t)total_ms / 1000;
    int16_t *s = test_bursts(frames, rate, hz, 8000.0, starts, N_BURSTS, BURST_MS);
    TkMouth *whole, *chunked;
    CHECK_EQ(tk_mouth_create(&whole, rate), 0);
    CHECK_EQ(tk_mouth_create(&chunked, rate), 0);
    CHECK_EQ(tk_mouth_push(whole, s, frames, 1), 0);
    CHECK_EQ(tk_mouth_finish(whole), 0);
    for (size_t done = 0; done < frames;) {
        size_t n = test_rand(&seed) % ((size_t)rate / 25 + 1);
        if (n > frames - done)
            n = frames - done;
        CHECK_EQ(tk_mouth_push(chunked, s + done, n, 1), 0);
        done += n;
    }
    CHECK_EQ(tk_mouth_finish(chunked), 0);
    CHECK_EQ(tk_mouth_hops(whole), tk_mouth_hops(chunked));
    int same = 1;
    for (int t = 0; t < total_ms; t++)
        same &= tk_mouth_at(whole, t) == tk_mouth_at(chunked, t);
    CHECK(same);
    char what[64];
    snprintf(what, sizeof(what), "%d Hz bursts at %d Hz", (int)hz, rate);
    check_timing(what, mouth_at, whole, total_ms);
    CHECK_EQ(tk_mouth_at(whole, -1), 0);
    CHECK_EQ(tk_mouth_at(whole, 100000), 0);
    tk_mouth_destroy(&whole);
    tk_mouth_destroy(&chunked);
    CHECK(whole == NULL);

    /* the same through the timeline, resampled to 48 kHz stereo */
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 48000, 2, NULL), 0);
    int id = tk_audio_track_begin(t, 300, rate, 1);
    CHECK_EQ(tk_audio_track_write(t, id, s, frames), 0);
    CHECK_EQ(tk_audio_track_end(t, id), 0);
    snprintf(what, sizeof(what), "timeline: %d Hz bursts at %d Hz", (int)hz, rate);
    TrackTurn tt = { t, id };
    check_timing(what, track_at, &tt, total_ms);
    CHECK_EQ(tk_audio_track_mouth(t, id, 299), 0);
    tk_audio_track_destroy(&t);
    free(s);
}

/* Louder is wider: -42 dBFS and below is closed, full scale is TK_SCENE_MOUTH_MAX. */
static void test_levels(void)
{
    static const struct { double amp; int lo, hi; } levels[] = {
        { 150.0, 0, 0 }, { 800.0, 1, 1 }, { 3000.0, 2, 3 }, { 16000.0, 4, 4 },
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        TkMouth *m;
        CHECK_EQ(tk_mouth_create(&m, 16000), 0);
        int start = 0;
        int16_t *s = test_bursts(16000, 16000, 220.0, levels[i].amp, &start, 1, 1000);
        CHECK_EQ(tk_mouth_push(m, s, 16000, 1), 0);
        int v = tk_mouth_at(m, 500);
        CHECK_CMP(v, >=, levels[i].lo);
        CHECK_CMP(v, <=, levels[i].hi);
        free(s);
        tk_mouth_destroy(&m);
    }
    TkMouth *m;
    CHECK_EQ(tk_mouth_create(&m, 100), TALKIE_ERR(EINVAL));
    tk_mouth_destroy(&m);
}

int main(void)
{
    test_burst_timing(48000, 1000.0, 1);
    test_burst_timing(22050, 150.0, 2);
    test_burst_timing(16000, 440.0, 3);
    test_levels();
    return tk_check_finish();
}
