/*
 * The audio timeline: chunked + jittered input and pulls give byte-identical output to
 * whole input; every listed rate, mono and stereo; silence in gaps; barge-in; EAGAIN while
 * audio is missing; late audio; memory is released once pulled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "audio/track.h"
#include "signal.h"

#define TOTAL_MS 2000

/* Renders one turn of `in` (in_frames at in_rate/in_ch) starting at start_ms into a whole
 * TOTAL_MS output buffer. chunked: 20 ms writes with jitter and random-sized pulls in
 * between; else one write and one pull. */
static int16_t *render(int out_rate, int out_ch, int64_t start_ms, const int16_t *in,
                       size_t in_frames, int in_rate, int in_ch, int chunked, uint32_t seed,
                       int64_t *duration_ms)
{
    TkAudioTrack *t;
    if (tk_audio_track_create(&t, out_rate, out_ch, NULL) < 0)
        return NULL;
    size_t total = (size_t)TOTAL_MS * (size_t)out_rate / 1000;
    int16_t *out = calloc(total * (size_t)out_ch + 1, sizeof(int16_t));
    int turn = tk_audio_track_begin(t, start_ms, in_rate, in_ch);
    CHECK_EQ(turn, 0);
    int64_t pos = 0;
    if (!chunked) {
        CHECK_EQ(tk_audio_track_write(t, turn, in, in_frames), 0);
        CHECK_EQ(tk_audio_track_end(t, turn), 0);
    } else {
        size_t done = 0;
        size_t chunk = (size_t)in_rate / 50;
        while (done < in_frames) {
            /* 20 ms +- 20 ms, sometimes 0 or 1 frame */
            size_t n = test_rand(&seed) % (2 * chunk + 1);
            if (test_rand(&seed) % 8 == 0)
                n = test_rand(&seed) % 2;
            if (n > in_frames - done)
                n = in_frames - done;
            CHECK_EQ(tk_audio_track_write(t, turn, in + done * (size_t)in_ch, n), 0);
            done += n;
            /* pull what is final, in random pieces */
            int64_t ready = tk_audio_track_ready(t);
            while (pos < ready && pos < (int64_t)total) {
                int64_t want = 1 + (int64_t)(test_rand(&seed) % 2000);
                if (pos + want > ready)
                    want = ready - pos;
                if (pos + want > (int64_t)total)
                    want = (int64_t)total - pos;
                CHECK_EQ(tk_audio_track_pull(t, pos, (size_t)want, out + pos * out_ch), 0);
                pos += want;
            }
            /* pulling past what arrived must wait */
            if (done < in_frames && ready < (int64_t)total)
                CHECK_EQ(tk_audio_track_pull(t, pos, (size_t)(ready - pos + 1),
                                             out + pos * out_ch), TALKIE_ERR(EAGAIN));
        }
        CHECK_EQ(tk_audio_track_end(t, turn), 0);
    }
    CHECK_EQ(tk_audio_track_ready(t), INT64_MAX);
    CHECK_EQ(tk_audio_track_pull(t, pos, total - (size_t)pos, out + pos * out_ch), 0);
    CHECK_EQ(tk_audio_track_held_frames(t), 0);
    TkAudioTurnInfo info;
    CHECK_EQ(tk_audio_track_turn_info(t, turn, &info), 0);
    CHECK(info.final);
    *duration_ms = info.duration_ms;
    tk_audio_track_destroy(&t);
    CHECK(t == NULL);
    return out;
}

static double rms(const int16_t *s, size_t n, int stride)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)s[i * (size_t)stride] * s[i * (size_t)stride];
    return n ? sqrt(e / (double)n) : 0;
}

static void test_rates(void)
{
    static const int in_rates[] = { 16000, 22050, 24000, 44100, 48000 };
    static const int outs[][2] = { { 48000, 1 }, { 44100, 2 }, { 24000, 1 } };
    uint32_t seed = 1;
    for (size_t r = 0; r < sizeof(in_rates) / sizeof(in_rates[0]); r++)
        for (int in_ch = 1; in_ch <= 2; in_ch++)
            for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
                int in_rate = in_rates[r], out_rate = outs[o][0], out_ch = outs[o][1];
                size_t in_frames = (size_t)in_rate * 1234 / 1000;
                int16_t *in = test_tone(in_frames, in_ch, in_rate, 440.0, 8000.0, seed++);
                int64_t start_ms = 250, d_whole = 0, d_chunked = 0;
                int16_t *whole = render(out_rate, out_ch, start_ms, in, in_frames, in_rate,
                                        in_ch, 0, 0, &d_whole);
                int16_t *chunked = render(out_rate, out_ch, start_ms, in, in_frames, in_rate,
                                          in_ch, 1, seed++, &d_chunked);
                size_t total = (size_t)TOTAL_MS * (size_t)out_rate / 1000;
                if (!in || !whole || !chunked) {
                    CHECK(!"allocation");
                } else {
                    fprintf(stderr, "%d Hz %d ch -> %d Hz %d ch: duration %lld ms\n", in_rate,
                            in_ch, out_rate, out_ch, (long long)d_whole);
                    if (tk_check_bytes("chunked vs whole", (const uint8_t *)whole,
                                       (const uint8_t *)chunked,
                                       total * (size_t)out_ch * sizeof(int16_t)) >= 0)
                        fprintf(stderr, "  (that was %d Hz %d ch -> %d Hz %d ch)\n", in_rate,
                                in_ch, out_rate, out_ch);
                    CHECK_EQ(d_whole, d_chunked);
                    CHECK_CMP(llabs(d_whole - 1234), <=, 2);
                    /* silence before the start and after the end */
                    size_t start = (size_t)start_ms * (size_t)out_rate / 1000;
                    size_t end = start + (size_t)d_whole * (size_t)out_rate / 1000;
                    CHECK_CMP(rms(whole, start * (size_t)out_ch, 1), ==, 0);
                    CHECK_CMP(rms(whole + end * (size_t)out_ch, (total - end) * (size_t)out_ch, 1), ==, 0);
                    /* the tone is there at about its level: 8000 / sqrt(2), mono->stereo
                     * at -3 dB, stereo->mono averages two phases of the tone */
                    double level = rms(whole + (start + 1000) * (size_t)out_ch,
                                       (size_t)out_rate, out_ch);
                    double expect = 8000.0 / sqrt(2.0);
                    if (in_ch == 1 && out_ch == 2)
                        expect *= sqrt(0.5);
                    if (in_ch == 2 && out_ch == 1)
                        expect *= cos(0.35);
                    CHECK_CMP(fabs(level - expect), <, expect * 0.1);
                    /* the onset is at the turn's start */
                    size_t onset = start;
                    while (onset < total && abs(whole[onset * (size_t)out_ch]) < 300)
                        onset++;
                    CHECK_CMP((double)onset, <=, start + (size_t)out_rate / 500);
                }
                free(in);
                free(whole);
                free(chunked);
            }
}

/* Two turns with a gap: silence between; overlapping turns mix. */
static void test_gaps(void)
{
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 48000, 1, NULL), 0);
    int16_t *a = test_tone(16000 * 3 / 10, 1, 16000, 300.0, 6000.0, 7);
    int ta = tk_audio_track_begin(t, 0, 16000, 1);
    int tb = tk_audio_track_begin(t, 1000, 16000, 1);
    CHECK_EQ(ta, 0);
    CHECK_EQ(tb, 1);
    CHECK_EQ(tk_audio_track_write(t, ta, a, 16000 * 3 / 10), 0);
    CHECK_EQ(tk_audio_track_end(t, ta), 0);
    int16_t out[48000 * 2];
    /* turn b has no audio yet: the mix is final only up to its start */
    CHECK_EQ(tk_audio_track_ready(t), 48000);
    CHECK_EQ(tk_audio_track_pull(t, 0, 48000 + 1, out), TALKIE_ERR(EAGAIN));
    CHECK_EQ(tk_audio_track_pull(t, 0, 48000, out), 0);
    CHECK_CMP(rms(out, 14000, 1), >, 3000);
    CHECK_CMP(rms(out + 14500, 48000 - 14500, 1), ==, 0);
    CHECK_EQ(tk_audio_track_pull(t, 0, 10, out), TALKIE_ERR(EINVAL));  /* backwards */
    CHECK_EQ(tk_audio_track_write(t, tb, a, 16000 * 3 / 10), 0);
    CHECK_EQ(tk_audio_track_end(t, tb), 0);
    CHECK_EQ(tk_audio_track_write(t, tb, a, 10), TALKIE_ERR(EINVAL));  /* ended */
    CHECK_EQ(tk_audio_track_pull(t, 48000, 48000, out), 0);
    CHECK_CMP(rms(out, 14000, 1), >, 3000);
    CHECK_CMP(rms(out + 14500, 48000 - 14500, 1), ==, 0);
    /* a late turn: begun after its start was pulled, the past part is dropped and the rest
     * plays in place */
    int tc = tk_audio_track_begin(t, 1900, 16000, 1);
    CHECK_EQ(tk_audio_track_write(t, tc, a, 16000 * 3 / 10), 0);
    CHECK_EQ(tk_audio_track_end(t, tc), 0);
    CHECK_CMP(tk_audio_track_held_frames(t), <=, 48000 * 2 / 10 + 10);
    CHECK_EQ(tk_audio_track_pull(t, 96000, 48000, out), 0);
    CHECK_CMP(rms(out, 14000 - 4800, 1), >, 3000);
    CHECK_CMP(rms(out + 14500 - 4800, 10000, 1), ==, 0);
    CHECK_EQ(tk_audio_track_held_frames(t), 0);
    CHECK_EQ(tk_audio_track_mouth(t, ta, 100), tk_audio_track_mouth(t, tb, 1100));
    CHECK_CMP(tk_audio_track_mouth(t, ta, 100), >, 0);
    CHECK_EQ(tk_audio_track_mouth(t, ta, 600), 0);
    free(a);
    tk_audio_track_destroy(&t);
}

/* Barge-in: nothing sounds after the cut, whether the cut comes before or after the audio;
 * the turn's duration becomes the cut. */
static void test_cut(void)
{
    int16_t *a = test_tone(24000 * 2, 1, 24000, 500.0, 9000.0, 3);
    int16_t *outs[2];
    for (int order = 0; order < 2; order++) {
        TkAudioTrack *t;
        CHECK_EQ(tk_audio_track_create(&t, 48000, 2, NULL), 0);
        int id = tk_audio_track_begin(t, 200, 24000, 1);
        if (order == 0)
            CHECK_EQ(tk_audio_track_cut(t, id, 900), 0);
        CHECK_EQ(tk_audio_track_write(t, id, a, 24000), 0);
        if (order == 1)
            CHECK_EQ(tk_audio_track_cut(t, id, 900), 0);
        /* reached the cut: final without end, later writes dropped */
        TkAudioTurnInfo info;
        CHECK_EQ(tk_audio_track_turn_info(t, id, &info), 0);
        CHECK(info.final);
        CHECK_EQ(info.duration_ms, 700);
        CHECK_EQ(tk_audio_track_write(t, id, a + 24000, 24000), 0);
        CHECK_EQ(tk_audio_track_cut(t, id, 1500), 0); /* later cut: no effect */
        outs[order] = calloc(96000 * 2, sizeof(int16_t));
        CHECK_EQ(tk_audio_track_pull(t, 0, 96000, outs[order]), 0);
        CHECK_CMP(rms(outs[order] + 48000 * 2 / 10 * 2, 48000 * 2 / 2, 1), >, 3000);
        CHECK_CMP(rms(outs[order] + 43200 * 2, (96000 - 43200) * 2, 1), ==, 0);
        /* the fade: the last 5 ms before the cut ramp down */
        CHECK_CMP(abs(outs[order][(43200 - 2) * 2]), <, 600);
        CHECK_EQ(tk_audio_track_mouth(t, id, 950), 0);
        CHECK_EQ(tk_audio_track_end(t, id), 0);
        tk_audio_track_destroy(&t);
    }
    tk_check_bytes("cut before vs after the audio", (const uint8_t *)outs[0],
                   (const uint8_t *)outs[1], 96000 * 2 * sizeof(int16_t));
    /* a cut mid-stream of a turn still streaming: waits for the audio up to the cut */
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 48000, 1, NULL), 0);
    int id = tk_audio_track_begin(t, 0, 24000, 1);
    CHECK_EQ(tk_audio_track_write(t, id, a, 2400), 0);
    CHECK_EQ(tk_audio_track_cut(t, id, 500), 0);
    CHECK_CMP(tk_audio_track_ready(t), <, 24000);
    CHECK_EQ(tk_audio_track_write(t, id, a + 2400, 24000), 0);
    CHECK_EQ(tk_audio_track_ready(t), INT64_MAX);
    CHECK_EQ(tk_audio_track_cut(t, id, -1), TALKIE_ERR(EINVAL));
    tk_audio_track_destroy(&t);
    free(outs[0]);
    free(outs[1]);
    free(a);
}

/* Live pulls: audio late for the clock is silence, then dropped; the turn stays in place. */
static void test_pull_now(void)
{
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 48000, 1, NULL), 0);
    int16_t *a = test_tone(48000, 1, 48000, 440.0, 8000.0, 4);
    int id = tk_audio_track_begin(t, 0, 48000, 1);
    CHECK_EQ(tk_audio_track_write(t, id, a, 9600), 0);  /* 200 ms arrived */
    CHECK_CMP(tk_audio_track_mouth(t, id, 100), >, 0);
    CHECK_EQ(tk_audio_track_mouth(t, id, 300), TALKIE_ERR(EAGAIN));  /* not arrived yet */
    int16_t *out = calloc(48000, sizeof(int16_t));
    CHECK_EQ(tk_audio_track_pull(t, 0, 19200, out), TALKIE_ERR(EAGAIN));
    CHECK_EQ(tk_audio_track_pull_now(t, 0, 19200, out), 0);  /* the clock is at 400 ms */
    CHECK_CMP(rms(out, 9000, 1), >, 3000);
    CHECK_CMP(rms(out + 9700, 19200 - 9700, 1), ==, 0);
    /* the rest arrives late: 200..400 ms are gone, 400 ms on plays in place */
    CHECK_EQ(tk_audio_track_write(t, id, a + 9600, 48000 - 9600), 0);
    CHECK_EQ(tk_audio_track_end(t, id), 0);
    CHECK_EQ(tk_audio_track_held_frames(t), 48000 - 19200);
    CHECK_EQ(tk_audio_track_pull(t, 19200, 48000 - 19200, out + 19200), 0);
    for (int i = 19300; i < 47000; i += 1000)
        CHECK_EQ(out[i], a[i]);  /* same rate: the samples pass through unchanged */
    CHECK_EQ(tk_audio_track_pull_now(t, 0, 10, out), TALKIE_ERR(EINVAL));
    free(out);
    free(a);
    tk_audio_track_destroy(&t);
}

/* Bad arguments, and memory staying bounded over a long streamed turn. */
static void test_limits(void)
{
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 7999, 1, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_create(&t, 48000, 3, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_create(&t, 48000, 1, NULL), 0);
    CHECK_EQ(tk_audio_track_begin(t, 0, 1000, 1), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_begin(t, 0, 16000, 0), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_begin(t, -5, 16000, 1), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_write(t, 0, NULL, 0), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_audio_track_end(t, 3), TALKIE_ERR(EINVAL));
    int id = tk_audio_track_begin(t, 0, 22050, 1);
    int16_t *chunk = test_tone(441, 1, 22050, 200.0, 5000.0, 9);
    int16_t out[960];
    int64_t pos = 0, max_held = 0;
    for (int i = 0; i < 30000; i++) {  /* 10 minutes in 20 ms chunks, pulled as they come */
        CHECK_EQ(tk_audio_track_write(t, id, chunk, 441), 0);
        while (tk_audio_track_ready(t) >= pos + 960) {
            CHECK_EQ(tk_audio_track_pull(t, pos, 960, out), 0);
            pos += 960;
        }
        if (tk_audio_track_held_frames(t) > max_held)
            max_held = tk_audio_track_held_frames(t);
    }
    CHECK_CMP(max_held, <, 2000);
    CHECK_CMP(pos, >=, 48000LL * 599);
    tk_audio_track_destroy(&t);
    tk_audio_track_destroy(&t);
    free(chunk);
}

int main(void)
{
    test_rates();
    test_gaps();
    test_cut();
    test_pull_now();
    test_limits();
    return tk_check_finish();
}
