/*
 * The session's audio worker (src/session/audio_worker.c): audio is encoded on a thread of
 * the session's own, not on the caller's, and that changes neither the packets nor their
 * order. Run under ThreadSanitizer too (suite "threads").
 *   - determinism: the same voice said whole before the first frame, and streamed from
 *     another thread in jittered 5..35 ms chunks while frames are sent, give byte-identical
 *     packets with identical timestamps (offline sessions: audio_live 0);
 *   - order: every packet starts where the previous one ended, to the end of the video;
 *   - off the caller's thread: the caller's CPU time inside get_audio_packet() for 6 s of
 *     audio is a small fraction of what encoding it costs (AAC: ~12 ms per second of audio
 *     on this machine, bench/RESULTS.md).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/check.h"
#include "lavc_session.h"
#include "signal.h"
#include "talkie/talkie.h"

#define FPS 25
#define SECONDS 6
#define RATE 24000

static const int bursts_ms[] = { 500, 1500, 2600, 4000, 5200 };

typedef struct Packets {
    TalkieAudioPacket *p;
    int n, cap;
} Packets;

static void keep(Packets *ps, TalkieAudioPacket *a)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 256;
        TalkieAudioPacket *np = realloc(ps->p, (size_t)ps->cap * sizeof(*np));
        CHECK(np != NULL);
        if (!np)
            exit(1);
        ps->p = np;
    }
    ps->p[ps->n++] = *a; /* takes its data */
}

static void packets_free(Packets *ps)
{
    for (int i = 0; i < ps->n; i++)
        talkie_audio_packet_unref(&ps->p[i]);
    free(ps->p);
    memset(ps, 0, sizeof(*ps));
}

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

typedef struct Streamer {
    TalkieSession *ts;
    int64_t id;
    const int16_t *pcm;
    size_t frames;
} Streamer;

/* Streams the turn's audio in chunks of 5..35 ms with short pauses, as a live TTS would. */
static void *stream_main(void *arg)
{
    Streamer *st = arg;
    uint32_t seed = 7;
    for (size_t done = 0; done < st->frames;) {
        size_t n = (size_t)RATE * (5 + test_rand(&seed) % 31) / 1000;
        if (n > st->frames - done)
            n = st->frames - done;
        TalkieAudio c = { .samples = st->pcm + done, .frames = n, .sample_rate = RATE,
                          .channels = 1 };
        CHECK_EQ(talkie_session_turn_audio(st->ts, st->id, &c), 0);
        done += n;
        nanosleep(&(struct timespec){ 0, (long)(test_rand(&seed) % 3) * 1000000L }, NULL);
    }
    CHECK_EQ(talkie_session_turn_audio_end(st->ts, st->id), 0);
    return NULL;
}

/* Renders SECONDS of video with one voiced turn (whole, or streamed from a thread); keeps
 * every audio packet; *caller_ms is the caller's CPU time inside get_audio_packet(). */
static void render(int streamed, Packets *out, double *caller_ms)
{
    TalkieSession *ts = open_audio_session(64, 48, FPS, 26, TALKIE_AUDIO_AAC);
    if (!ts)
        exit(tk_check_finish());
    size_t frames = (size_t)RATE * SECONDS;
    int16_t *pcm = test_bursts(frames, RATE, 330.0, 10000.0, bursts_ms, 5, 300);
    CHECK(pcm != NULL);
    TalkieTurn turn = { .speaker = "Ada", .text = "Bursts, streamed or whole.", .start_ms = 0,
                        .duration_ms = SECONDS * 1000 };
    TalkieAudio whole = { .samples = pcm, .frames = frames, .sample_rate = RATE, .channels = 1 };
    TalkieAudio format = { .frames = 0, .sample_rate = RATE, .channels = 1 };
    Streamer st = { .ts = ts, .pcm = pcm, .frames = frames };
    CHECK_EQ(talkie_session_say_audio(ts, &turn, streamed ? &format : &whole, &st.id), 0);
    pthread_t th;
    if (streamed)
        CHECK_EQ(pthread_create(&th, NULL, stream_main, &st), 0);

    *caller_ms = 0;
    int res = 0;
    int64_t n_frames = (int64_t)SECONDS * FPS;
    for (int64_t f = 0; f <= n_frames; f++) {
        if (f < n_frames) {
            TalkiePacket p;
            while ((res = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN))
                if (talkie_session_get_packet(ts, &p) == 0)
                    talkie_packet_unref(&p);
            CHECK_EQ(res, 0);
        } else {
            if (streamed)
                pthread_join(th, NULL);
            CHECK_EQ(talkie_session_flush(ts), 0);
        }
        TalkiePacket p;
        while (talkie_session_get_packet(ts, &p) == 0)
            talkie_packet_unref(&p);
        for (;;) {
            TalkieAudioPacket a;
            double t0 = thread_cpu_ms();
            res = talkie_session_get_audio_packet(ts, &a);
            *caller_ms += thread_cpu_ms() - t0;
            if (res < 0)
                break;
            keep(out, &a);
        }
        CHECK(res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF);
    }
    CHECK_EQ(res, TALKIE_EOF);
    TalkiePacket p;
    while (talkie_session_get_packet(ts, &p) == 0)
        talkie_packet_unref(&p);
    talkie_session_close(&ts);
    free(pcm);
}

int main(void)
{
    Packets whole = { 0 }, streamed = { 0 };
    double whole_ms, streamed_ms;
    render(0, &whole, &whole_ms);
    render(1, &streamed, &streamed_ms);

    /* order: back to back from the priming frame to the end of the video */
    int64_t end = (int64_t)SECONDS * 48000;
    CHECK(whole.n > 0);
    for (int i = 1; i < whole.n; i++)
        CHECK_EQ(whole.p[i].pts, whole.p[i - 1].pts + whole.p[i - 1].duration);
    if (whole.n > 0) {
        CHECK_EQ(whole.p[0].pts, -1024);
        CHECK_EQ(whole.p[whole.n - 1].pts + whole.p[whole.n - 1].duration, end);
    }

    /* determinism: the streamed voice gives the same packets */
    CHECK_EQ(streamed.n, whole.n);
    int differ = 0;
    for (int i = 0; i < whole.n && i < streamed.n; i++)
        differ += whole.p[i].pts != streamed.p[i].pts ||
                  whole.p[i].duration != streamed.p[i].duration ||
                  whole.p[i].size != streamed.p[i].size ||
                  memcmp(whole.p[i].data, streamed.p[i].data, whole.p[i].size) != 0;
    CHECK_EQ(differ, 0);

    /* off the caller's thread: encoding 6 s of AAC costs ~70 ms of CPU (more under the
     * sanitizers); taking the packets costs the caller well under 10 ms */
    printf("%d packets; caller's CPU in get_audio_packet: %.2f ms (whole), %.2f ms "
           "(streamed)\n", whole.n, whole_ms, streamed_ms);
    CHECK_CMP(whole_ms, <, 10.0);
    CHECK_CMP(streamed_ms, <, 10.0);
    packets_free(&whole);
    packets_free(&streamed);
    return tk_check_finish();
}
