/*
 * The example conversation spoken by espeak-ng through the public API
 * (talkie_session_say_tts), rendered to MP4 and decoded back with libavcodec:
 *   - the file has an audio stream as long as the video (within one audio frame);
 *   - every line is voiced (loud over most of its time), the pauses between lines are silent;
 *   - each speaker's voice is told apart by its pitch, measured on the decoded audio
 *     (autocorrelation over voiced 40 ms windows; speakers' medians at least 8% apart).
 * Lines are said one after another (start -1), as the CLI does where voices would overlap,
 * so every line's time is known from talkie_session_end_ms(). Skipped (77) where espeak-ng
 * cannot start. Usage: test_audio_session_tts EXAMPLE.jsonl
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/check.h"
#include "decode_back.h"
#include "drain.h"
#include "talkie/talkie.h"

#define FPS 10
#define MAX_LINES 16
#define MAX_SPEAKERS 4

typedef struct Line {
    char speaker[65];
    int64_t start_ms, end_ms;
} Line;

static double rms(const float *s, int64_t a, int64_t b)
{
    double sum = 0;
    for (int64_t i = a; i < b; i++)
        sum += (double)s[i] * s[i];
    return b > a ? sqrt(sum / (double)(b - a)) : 0;
}

/* The pitch of a 40 ms window at `at` (Hz), or 0 where it is not clearly voiced. */
static double pitch_at(const float *s, int64_t at, int rate)
{
    int n = rate / 25, min_lag = rate / 400, max_lag = rate / 70;
    if (rms(s, at, at + n) < 0.02)
        return 0;
    double best = 0;
    int best_lag = 0;
    for (int lag = min_lag; lag <= max_lag; lag++) {
        double c = 0, e0 = 0, e1 = 0;
        for (int i = 0; i < n; i += 2) {  /* every other sample: plenty at 48 kHz */
            c += (double)s[at + i] * s[at + i + lag];
            e0 += (double)s[at + i] * s[at + i];
            e1 += (double)s[at + i + lag] * s[at + i + lag];
        }
        double r = c / sqrt(e0 * e1 + 1e-12);
        if (r > best) {
            best = r;
            best_lag = lag;
        }
    }
    return best > 0.6 ? (double)rate / best_lag : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s EXAMPLE.jsonl\n", argv[0]);
        return 1;
    }
    TalkieSettings set;
    talkie_default_settings(&set);
    set.width = 96;
    set.height = 64;
    set.fps_num = FPS;
    set.qp = 36;
    set.encoder = TALKIE_ENCODER_LAVC;
    set.font_path = getenv("TALKIE_FONT");
    TalkieSession *ts = NULL;
    int res = talkie_session_open(&ts, &set);
    if (res == TALKIE_ERROR_NO_DEVICE || res == TALKIE_ERROR_VULKAN)
        tk_check_skip("no Vulkan device");
    CHECK_EQ(res, 0);

    FILE *f = fopen(argv[1], "r");
    CHECK(f != NULL);
    Line lines[MAX_LINES];
    int n = 0;
    char buf[8192];
    while (f && n < MAX_LINES && fgets(buf, sizeof(buf), f)) {
        json_t *o = json_loads(buf, 0, NULL);
        if (!o)
            continue; /* blank line */
        const char *speaker = json_string_value(json_object_get(o, "speaker"));
        const char *text = json_string_value(json_object_get(o, "text"));
        TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = -1, .duration_ms = -1 };
        res = talkie_session_say_tts(ts, &t, TALKIE_TTS_ESPEAK, NULL);
        if (res == TALKIE_ERROR_UNSUPPORTED) {
            json_decref(o);
            fclose(f);
            talkie_session_close(&ts);
            tk_check_skip("espeak-ng cannot start here");
        }
        CHECK_EQ(res, 0);
        Line *l = &lines[n++];
        snprintf(l->speaker, sizeof(l->speaker), "%s", speaker);
        l->end_ms = talkie_session_end_ms(ts);
        /* said after the previous line's end, after the library's 300 ms pause */
        l->start_ms = n == 1 ? 0 : lines[n - 2].end_ms + 300;
        json_decref(o);
    }
    if (f)
        fclose(f);
    CHECK_CMP(n, >=, 3);

    char path[] = "/tmp/talkie-tts-XXXXXX.mp4";
    int fd = mkstemps(path, 4);
    CHECK(fd >= 0);
    close(fd);
    TalkieOutput *out = NULL;
    CHECK_EQ(talkie_output_open(&out, ts, path, NULL), 0);
    int64_t frames = (talkie_session_end_ms(ts) + 500) * FPS / 1000;
    if (out)
        CHECK_EQ(render_session(ts, out, frames, NULL, NULL, NULL), 0);
    CHECK_EQ(talkie_output_close(&out), 0);
    talkie_session_close(&ts);

    DecodedAudio d;
    CHECK_EQ(decode_back(path, &d), 0);
    unlink(path);
    CHECK(d.length > 0);
    CHECK(!strcmp(d.codec, "aac"));
    double video_s = (double)frames / FPS, audio_s = (double)d.length / (d.rate ? d.rate : 1);
    CHECK_CMP(fabs(audio_s - video_s), <=, 1024.0 / (d.rate ? d.rate : 1));

    /* loud during lines, silent between them */
    char names[MAX_SPEAKERS][65];
    double pitches[MAX_SPEAKERS][4096];
    int n_pitches[MAX_SPEAKERS] = { 0 }, n_names = 0;
    for (int k = 0; k < n && d.length; k++) {
        int64_t a = lines[k].start_ms * d.rate / 1000, b = lines[k].end_ms * d.rate / 1000;
        int loud = 0, windows = 0;
        for (int64_t i = a; i + d.rate / 20 <= b && i + d.rate / 20 <= d.length;
             i += d.rate / 20) {
            windows++;
            loud += rms(d.samples, i, i + d.rate / 20) > 0.01;
        }
        printf("line %d (%s): %.2f..%.2f s, %d of %d windows of 50 ms voiced\n", k,
               lines[k].speaker, lines[k].start_ms / 1000.0, lines[k].end_ms / 1000.0, loud,
               windows);
        CHECK_CMP(loud, >=, windows / 2);
        if (k + 1 < n) {  /* the pause before the next line, 30 ms in from either side */
            int64_t g0 = b + d.rate * 3 / 100, g1 = lines[k + 1].start_ms * d.rate / 1000 -
                                                     d.rate * 3 / 100;
            float peak = 0;
            for (int64_t i = g0; i < g1 && i < d.length; i++)
                peak = fabsf(d.samples[i]) > peak ? fabsf(d.samples[i]) : peak;
            CHECK_CMP(peak, <, 0.003);
        }
        int sp = 0;
        while (sp < n_names && strcmp(names[sp], lines[k].speaker))
            sp++;
        if (sp == n_names && n_names < MAX_SPEAKERS)
            snprintf(names[n_names++], sizeof(names[0]), "%.64s", lines[k].speaker);
        if (sp >= MAX_SPEAKERS)
            continue;
        for (int64_t i = a; i + d.rate / 10 < b && i + d.rate / 10 < d.length &&
                            n_pitches[sp] < 4096;
             i += d.rate / 50) {
            double p = pitch_at(d.samples, i, d.rate);
            if (p > 0)
                pitches[sp][n_pitches[sp]++] = p;
        }
    }
    double median[MAX_SPEAKERS] = { 0 };
    for (int sp = 0; sp < n_names; sp++) {
        CHECK_CMP(n_pitches[sp], >=, 20);
        qsort(pitches[sp], (size_t)n_pitches[sp], sizeof(double), cmp_double);
        median[sp] = n_pitches[sp] ? pitches[sp][n_pitches[sp] / 2] : 0;
        printf("%s: median pitch %.1f Hz over %d voiced windows\n", names[sp], median[sp],
               n_pitches[sp]);
    }
    for (int x = 0; x < n_names; x++)
        for (int y = x + 1; y < n_names; y++) {
            double lo = fmin(median[x], median[y]), hi = fmax(median[x], median[y]);
            CHECK_CMP(hi, >=, lo * 1.08);
        }
    decoded_audio_free(&d);
    return tk_check_finish();
}
