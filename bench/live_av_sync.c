/*
 * A/V offset of a live session over time (bench/RESULTS.md, "Live audio/video offset").
 *
 * A live session as an agent runs it, in real time (nothing simulated): the caller sends
 * frame n at t0 + n / fps on the wall clock (late frames are sent late, never skipped), a
 * "TTS" thread says a line every LINE_EVERY_S seconds and streams its voice in 20 ms chunks
 * with 0..10 ms of jitter, about 250 ms ahead of the picture (audio_live = 1, the live path:
 * the frames sent are the audio's clock). Each voice starts with a 440 Hz tone at the line's
 * start. Video and audio packets go, as they come, through the live callback output (fMP4,
 * talkie_output_open_cb) into a file, which is then decoded with libavcodec: the offset of a
 * line is (first loud sample of its voice) - (the line's start on the video's timeline,
 * frame-exact). Printed: the offset of the first and the last line, the largest, and the
 * drift (least-squares slope) in ms per hour.
 *
 * usage: talkie-bench-live-av-sync [SECONDS (default 600)] [OUT.mp4]
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "talkie/talkie.h"
#include "../tests/audio/drain.h"

#define FPS 30
#define RATE 24000            /* the voice's rate (a common TTS rate), resampled to 48 kHz */
#define LINE_EVERY_S 5
#define FIRST_LINE_S 2
#define AHEAD_MS 250          /* the TTS streams this far ahead of the picture */
#define CHUNK_MS 20
#define VOICE_MS 1000
#define TONE_MS 300
#define MAX_LINES 4096

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns)
{
    int64_t d = t_ns - now_ns();
    if (d > 0) {
        struct timespec ts = { (time_t)(d / 1000000000LL), (long)(d % 1000000000LL) };
        nanosleep(&ts, NULL);
    }
}

typedef struct Tts {
    TalkieSession *ts;
    int64_t t0_ns;
    int lines;
    int16_t voice[RATE * VOICE_MS / 1000];
    int errors;
} Tts;

/* The agent's speech: line k starts at FIRST_LINE_S + k * LINE_EVERY_S on the session clock;
 * it is said AHEAD_MS before, and its voice streamed in jittered 20 ms chunks from then on. */
static void *tts_main(void *arg)
{
    Tts *t = arg;
    uint32_t seed = 12345;
    for (int k = 0; k < t->lines; k++) {
        int64_t start_ms = (int64_t)(FIRST_LINE_S + k * LINE_EVERY_S) * 1000;
        int64_t base = t->t0_ns + (start_ms - AHEAD_MS) * 1000000LL;
        sleep_until(base);
        TalkieTurn turn = { .speaker = k % 2 ? "Grace" : "Ada", .text = "A line, spoken live.",
                            .start_ms = start_ms, .duration_ms = -1 };
        TalkieAudio format = { .frames = 0, .sample_rate = RATE, .channels = 1 };
        int64_t id;
        if (talkie_session_say_audio(t->ts, &turn, &format, &id) < 0) {
            t->errors++;
            continue;
        }
        const int chunk = RATE * CHUNK_MS / 1000;
        for (int c = 0; c * chunk < RATE * VOICE_MS / 1000; c++) {
            seed = seed * 1664525u + 1013904223u;
            int64_t jitter_ns = (int64_t)((seed >> 8) % 10000) * 1000; /* 0..10 ms */
            sleep_until(base + (int64_t)c * CHUNK_MS * 1000000LL + jitter_ns);
            TalkieAudio a = { .samples = t->voice + c * chunk, .frames = (size_t)chunk,
                              .sample_rate = RATE, .channels = 1 };
            if (talkie_session_turn_audio(t->ts, id, &a) < 0)
                t->errors++;
        }
        talkie_session_turn_audio_end(t->ts, id);
    }
    return NULL;
}

static int on_unit(void *opaque, const uint8_t *data, size_t size)
{
    return fwrite(data, 1, size, opaque) == size ? 0 : TALKIE_ERR(EIO);
}

/* How late the audio reaches the output while live: each packet's arrival against its end
 * on the session clock (drain_session's hook). */
typedef struct Lateness {
    int64_t t0_ns;
    int64_t max_ms;
} Lateness;

static void note_lateness(void *opaque, const TalkieAudioPacket *a)
{
    Lateness *l = opaque;
    int64_t end_ms = (a->pts + a->duration) * 1000 / 48000;
    int64_t late = (now_ns() - l->t0_ns) / 1000000 - end_ms;
    if (late > l->max_ms)
        l->max_ms = late;
}

/* First loud sample after >= 0.5 s of quiet, per line, in seconds on the file's timeline. */
static int find_onsets(const char *path, double *onsets, int max, double *audio_s,
                       double *video_s)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return -1;
    avformat_find_stream_info(fmt, NULL);
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (ai < 0 || vi < 0) {
        avformat_close_input(&fmt);
        return -1;
    }
    AVStream *as = fmt->streams[ai], *vs = fmt->streams[vi];
    const AVCodec *codec = avcodec_find_decoder(as->codecpar->codec_id);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, as->codecpar);
    avcodec_open2(dec, codec, NULL);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int n = 0;
    int64_t quiet = 0, last_video = 0;
    *audio_s = 0;
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == vi && pkt->pts + pkt->duration > last_video)
            last_video = pkt->pts + pkt->duration;
        if (pkt->stream_index == ai && avcodec_send_packet(dec, pkt) >= 0) {
            while (avcodec_receive_frame(dec, fr) >= 0) {
                double t = (double)fr->pts * av_q2d(as->time_base);
                const float *s = (const float *)fr->extended_data[0]; /* fltp: AAC's output */
                for (int i = 0; i < fr->nb_samples; i++) {
                    if (fabsf(s[i]) > 0.1f) {
                        if (quiet >= dec->sample_rate / 2 && n < max)
                            onsets[n++] = t + (double)i / dec->sample_rate;
                        quiet = 0;
                    } else {
                        quiet++;
                    }
                }
                *audio_s = t + (double)fr->nb_samples / dec->sample_rate;
                av_frame_unref(fr);
            }
        }
        av_packet_unref(pkt);
    }
    *video_s = (double)last_video * av_q2d(vs->time_base);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return n;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 600;
    const char *path = argc > 2 ? argv[2] : "live_av_sync.mp4";
    if (seconds < FIRST_LINE_S + 2) {
        fprintf(stderr, "usage: %s [SECONDS >= 4] [OUT.mp4]\n", argv[0]);
        return 2;
    }
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 160;
    s.height = 120;
    s.fps_num = FPS;
    s.encoder = TALKIE_ENCODER_LAVC;
    s.audio_codec = TALKIE_AUDIO_AAC;
    s.audio_live = 1;
    TalkieSession *ts = NULL;
    int res = talkie_session_open(&ts, &s);
    if (res < 0) {
        fprintf(stderr, "session: %s\n", talkie_strerror(res));
        return 1;
    }
    FILE *f = fopen(path, "wb");
    TalkieOutput *out = NULL;
    if (!f || (res = talkie_output_open_cb(&out, ts, "fmp4", on_unit, f)) < 0) {
        fprintf(stderr, "output: %s\n", f ? talkie_strerror(res) : path);
        return 1;
    }
    Tts *tp = calloc(1, sizeof(*tp));  /* the voice buffer is large for a stack */
    if (!tp)
        return 1;
    tp->ts = ts;
    tp->lines = (seconds - FIRST_LINE_S - 1) / LINE_EVERY_S + 1;
    if (tp->lines > MAX_LINES)
        tp->lines = MAX_LINES;
    for (int i = 0; i < RATE * TONE_MS / 1000; i++)
        tp->voice[i] = (int16_t)lrint(12000 * sin(2 * M_PI * 440.0 * i / RATE));
    int64_t frames = (int64_t)seconds * FPS, late_max_ns = 0;
    tp->t0_ns = now_ns();
    Lateness lateness = { .t0_ns = tp->t0_ns, .max_ms = 0 };
    pthread_t th;
    pthread_create(&th, NULL, tts_main, tp);
    for (int64_t n = 0; n < frames && res >= 0; n++) {
        int64_t due = tp->t0_ns + n * 1000000000LL / FPS;
        sleep_until(due);
        if (now_ns() - due > late_max_ns)
            late_max_ns = now_ns() - due;
        while ((res = talkie_session_send_frame(ts, n)) == TALKIE_ERR(EAGAIN))
            if ((res = drain_session(ts, out, 0, NULL, note_lateness, &lateness)) < 0)
                break;
        if (res >= 0)
            res = drain_session(ts, out, 0, NULL, note_lateness, &lateness);
    }
    pthread_join(th, NULL);
    if (res >= 0 && (res = talkie_session_flush(ts)) >= 0)
        res = drain_session(ts, out, 1, NULL, NULL, NULL); /* after the end: not live */
    int close_res = talkie_output_close(&out);
    talkie_session_close(&ts);
    fclose(f);
    if (res < 0 || close_res < 0 || tp->errors) {
        fprintf(stderr, "failed: %s / %s, %d TTS errors\n", talkie_strerror(res),
                talkie_strerror(close_res), tp->errors);
        return 1;
    }

    double onsets[MAX_LINES];
    double audio_s = 0, video_s = 0;
    int n = find_onsets(path, onsets, MAX_LINES, &audio_s, &video_s);
    int want_lines = tp->lines;
    free(tp);
    if (n != want_lines) {
        fprintf(stderr, "found %d line onsets, want %d\n", n, want_lines);
        return 1;
    }
    double max_abs = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < n; k++) {
        double want = FIRST_LINE_S + (double)k * LINE_EVERY_S;
        double off_ms = (onsets[k] - want) * 1e3;
        if (fabs(off_ms) > max_abs)
            max_abs = fabs(off_ms);
        sx += want;
        sy += off_ms;
        sxx += want * want;
        sxy += want * off_ms;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx); /* ms per second */
    printf("live session: %d s at %d fps in real time, %d lines streamed in %d ms chunks "
           "(0..10 ms jitter, %d ms ahead)\n", seconds, FPS, n, CHUNK_MS, AHEAD_MS);
    printf("frame timer: latest frame sent %.1f ms after its time; audio packets reached "
           "the output at most %" PRId64 " ms after their end\n", (double)late_max_ns * 1e-6,
           lateness.max_ms);
    printf("A/V offset: first line (at %d s) %+.3f ms, last line (at %d s) %+.3f ms, "
           "largest |offset| %.3f ms, drift %+.4f ms per hour\n", FIRST_LINE_S,
           (onsets[0] - FIRST_LINE_S) * 1e3, FIRST_LINE_S + (n - 1) * LINE_EVERY_S,
           (onsets[n - 1] - FIRST_LINE_S - (double)(n - 1) * LINE_EVERY_S) * 1e3, max_abs,
           slope * 3600);
    printf("durations: video %.3f s, audio %.3f s\n", video_s, audio_s);
    return 0;
}
