/*
 * espeak-ng speech: not silent, about as long as the text, the same speaker gives the same
 * samples, two speakers have measurably different pitch (fundamental from autocorrelation),
 * bad input errors, and several threads may synthesize at once (the global lock).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "audio/mouth.h"
#include "audio/track.h"
#include "audio/tts_espeak.h"
#include "signal.h"

static const char *line = "Hello Grace, how are you doing today? The weather is lovely.";

/* Median fundamental (Hz) over voiced 40 ms frames: the lag of the normalized
 * autocorrelation's highest peak in 60..400 Hz, for loud frames whose peak is clear. */
static double median_f0(const TkPcm *pcm, int *voiced_frames)
{
    int rate = pcm->sample_rate, win = rate / 25, hop = rate / 50;
    int min_lag = rate / 400, max_lag = rate / 60;
    double f0s[4096];
    int n = 0;
    for (size_t at = 0; at + (size_t)win + (size_t)max_lag < pcm->frames && n < 4096; at += (size_t)hop) {
        const int16_t *x = pcm->samples + at;
        double e0 = 0;
        for (int i = 0; i < win; i++)
            e0 += (double)x[i] * x[i];
        if (sqrt(e0 / win) < 1000.0)
            continue;
        double best = 0;
        int best_lag = 0;
        for (int lag = min_lag; lag <= max_lag; lag++) {
            double r = 0, e1 = 0;
            for (int i = 0; i < win; i++) {
                r += (double)x[i] * x[i + lag];
                e1 += (double)x[i + lag] * x[i + lag];
            }
            double c = r / sqrt(e0 * e1 + 1.0);
            if (c > best) {
                best = c;
                best_lag = lag;
            }
        }
        if (best > 0.6)
            f0s[n++] = (double)rate / best_lag;
    }
    *voiced_frames = n;
    /* median by insertion sort (a few hundred values) */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && f0s[j - 1] > f0s[j]; j--) {
            double t = f0s[j];
            f0s[j] = f0s[j - 1];
            f0s[j - 1] = t;
        }
    return n ? f0s[n / 2] : 0.0;
}

static double pcm_rms(const TkPcm *pcm)
{
    double e = 0;
    for (size_t i = 0; i < pcm->frames; i++)
        e += (double)pcm->samples[i] * pcm->samples[i];
    return pcm->frames ? sqrt(e / (double)pcm->frames) : 0;
}

static void test_voices(void)
{
    TkPcm a, b, a2;
    CHECK_EQ(tk_tts_espeak_synth(line, 0, &a, NULL), 0);
    CHECK_EQ(tk_tts_espeak_synth(line, 1, &b, NULL), 0);
    CHECK_EQ(tk_tts_espeak_synth(line, 0, &a2, NULL), 0);
    CHECK_EQ(a.sample_rate, 22050);
    CHECK_EQ(a.channels, 1);
    /* about 60 characters at ~14/s: 2.5..7 s */
    double secs = (double)a.frames / a.sample_rate;
    CHECK_CMP(secs, >, 2.5);
    CHECK_CMP(secs, <, 7.0);
    CHECK_CMP(pcm_rms(&a), >, 1000.0);
    CHECK_CMP(pcm_rms(&b), >, 1000.0);
    /* deterministic per speaker */
    CHECK_EQ(a.frames, a2.frames);
    if (a.frames == a2.frames)
        tk_check_bytes("same speaker twice", (const uint8_t *)a.samples,
                       (const uint8_t *)a2.samples, a.frames * 2);
    int va, vb;
    double fa = median_f0(&a, &va), fb = median_f0(&b, &vb);
    fprintf(stderr, "speaker 0: %.2f s, f0 %.0f Hz (%d voiced frames); speaker 1: %.2f s, "
            "f0 %.0f Hz (%d)\n", secs, fa, va, (double)b.frames / b.sample_rate, fb, vb);
    CHECK_CMP(va, >, 20);
    CHECK_CMP(vb, >, 20);
    CHECK_CMP(fa, >, 60.0);
    CHECK_CMP(fb / fa, >, 1.3);  /* clearly apart: more than four semitones */
    /* the mouth moves with the speech: open for much of it, closed somewhere in it */
    TkMouth *m;
    CHECK_EQ(tk_mouth_create(&m, a.sample_rate), 0);
    CHECK_EQ(tk_mouth_push(m, a.samples, a.frames, 1), 0);
    CHECK_EQ(tk_mouth_finish(m), 0);
    int open = 0, closed = 0;
    for (int64_t h = 0; h < tk_mouth_hops(m); h++) {
        int v = tk_mouth_at_frame(m, h * tk_mouth_hop_frames(m));
        open += v > 0;
        closed += v == 0;
    }
    CHECK_CMP(open, >, tk_mouth_hops(m) / 2);
    CHECK_CMP(closed, >, 0);
    tk_mouth_destroy(&m);
    /* on the timeline, the turn lasts as long as its speech */
    TkAudioTrack *t;
    CHECK_EQ(tk_audio_track_create(&t, 48000, 1, NULL), 0);
    int id = tk_audio_track_add_pcm(t, 1000, &a);
    CHECK_EQ(id, 0);
    TkAudioTurnInfo info;
    CHECK_EQ(tk_audio_track_turn_info(t, id, &info), 0);
    CHECK(info.final);
    CHECK_CMP(llabs(info.duration_ms - tk_pcm_duration_ms((int64_t)a.frames, a.sample_rate)), <=, 1);
    CHECK_EQ(tk_audio_track_mouth(t, id, 999), 0);
    tk_audio_track_destroy(&t);
    tk_pcm_free(&a);
    tk_pcm_free(&b);
    tk_pcm_free(&a2);
    /* every voice in the table, and a speaker past it, speaks */
    for (int s = 2; s <= TK_TTS_VOICES; s++) {
        TkPcm p;
        CHECK_EQ(tk_tts_espeak_synth("Yes.", s, &p, NULL), 0);
        CHECK_CMP(pcm_rms(&p), >, 500.0);
        tk_pcm_free(&p);
    }
    TkTtsVoice v0, v6;
    tk_tts_espeak_voice(0, &v0);
    tk_tts_espeak_voice(TK_TTS_VOICES, &v6);
    CHECK(strcmp(v0.name, v6.name) == 0 && v0.pitch != v6.pitch);
}

static void test_bad_input(void)
{
    TkPcm p;
    CHECK_EQ(tk_tts_espeak_synth(NULL, 0, &p, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_tts_espeak_synth("", 0, &p, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_tts_espeak_synth("hi", -1, &p, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_tts_espeak_synth("bad \xc3\x28 utf-8", 0, &p, NULL), TALKIE_ERR(EINVAL));
    char *long_text = malloc(5000);
    memset(long_text, 'a', 4999);
    long_text[4999] = 0;
    CHECK_EQ(tk_tts_espeak_synth(long_text, 0, &p, NULL), TALKIE_ERR(EINVAL));
    free(long_text);
    CHECK(p.samples == NULL && p.frames == 0);
    /* markup is read as text, not SSML */
    CHECK_EQ(tk_tts_espeak_synth("<speak>a</speak> & <b>", 0, &p, NULL), 0);
    tk_pcm_free(&p);
    int res = tk_tts_espeak_synth("   ", 0, &p, NULL);
    fprintf(stderr, "only spaces: %s, %zu samples\n", talkie_error_name(res), p.frames);
    CHECK_EQ(res, TALKIE_ERR(ENODATA));
    tk_pcm_free(&p);
}

typedef struct { int speaker; int res; size_t frames; } Job;
static void *speak_thread(void *arg)
{
    Job *j = arg;
    TkPcm p;
    j->res = tk_tts_espeak_synth("Threads take turns.", j->speaker, &p, NULL);
    j->frames = p.frames;
    tk_pcm_free(&p);
    return NULL;
}

static void test_threads(void)
{
    Job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (Job){ i % 2, -1, 0 };
        CHECK_EQ(pthread_create(&th[i], NULL, speak_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(jobs[i].res, 0);
        CHECK_EQ(jobs[i].frames, jobs[i % 2].frames);  /* same speaker, same samples */
    }
}

int main(void)
{
    /* a machine without espeak-ng's data (a bare GPU machine) cannot speak: skip there */
    TkPcm probe;
    int res = tk_tts_espeak_synth("Hi.", 0, &probe, NULL);
    tk_pcm_free(&probe);
    if (res == TALKIE_ERROR_UNSUPPORTED)
        tk_check_skip("espeak-ng cannot start here (espeak-ng-data missing?)");
    test_voices();
    test_bad_input();
    test_threads();
    tk_tts_espeak_shutdown();
    return tk_check_finish();
}
