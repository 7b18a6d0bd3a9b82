/*
 * Many sessions through the public API only (talkie.h): one context, render + encode.
 *
 *   talkie-bench live [--sessions MAX] [--seconds S]
 *       N = 1, 2, 4, ... MAX sessions at 320x240, each paced at 30 frames/s with its own
 *       conversation (sessions spread over the frame interval, as independent live sessions
 *       are): per N the share of frames whose packet reached the host within 33 ms of
 *       send_frame, latency p50/p99/max, host CPU per session; then how many 30 frames/s
 *       libx264 ultrafast streams (zerolatency, one thread each, P frames) the machine's
 *       cores sustain on the same frames.
 *   talkie-bench api [--sessions N] [--repeat R]
 *       aggregate frames/s of N sessions driven back to back (send until EAGAIN, take what
 *       is ready) next to x264 ultrafast on every core coding as many frames (all-intra, or
 *       P frames with TK_BENCH_P_FRAMES=1), R runs of each side alternating and their
 *       medians; and one session alone, back to back: latency p50/p99.
 * Packets are taken in the packet callback (the engine's completion thread), as a server
 * would; latency is measured from send_frame to the callback's get_packet.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "inputs.h"
#include "measure.h"
#include "talkie/talkie.h"
#include "vk/vk.h"
#include "x264.h"

#define FPS 30
#define FRAME_MS (1000.0 / FPS)
/* send times kept per session: more than the frames that can be in flight */
#define SEND_RING 256

typedef struct LiveSession {
    TalkieSession *session;
    _Atomic int64_t sent_us[SEND_RING];
    double *latency_ms;          /* written by the callback only */
    int n_latency, cap_latency;
    int late_sends;              /* EAGAIN: the session was still full at its frame time */
    int64_t next_frame;
    double phase_ms;
    int measuring;               /* set by the driver: frames from now count */
    _Atomic int64_t first_counted;
} LiveSession;

/* TK_BENCH_P_FRAMES=1: the compute encoder codes P frames (TalkieSettings.compute_p_frames). */
static int p_frames_asked(void)
{
    const char *v = getenv("TK_BENCH_P_FRAMES");
    return v && !strcmp(v, "1");
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void on_packet(void *opaque, TalkieSession *s)
{
    LiveSession *ls = opaque;
    TalkiePacket pkt;
    while (talkie_session_get_packet(s, &pkt) == 0) {
        int64_t sent = atomic_load(&ls->sent_us[pkt.pts % SEND_RING]);
        if (pkt.pts >= atomic_load(&ls->first_counted) && ls->n_latency < ls->cap_latency)
            ls->latency_ms[ls->n_latency++] = (double)(now_us() - sent) / 1e3;
        talkie_packet_unref(&pkt);
    }
}

static void say_lines(TalkieSession *s, int index, double seconds)
{
    static const char *const lines[] = {
        "Good morning, how can I help you today?", "I would like to change my booking.",
        "Of course. Which date suits you better?", "Next Tuesday, in the afternoon.",
    };
    for (int t = 0; t * 2.0 < seconds + 2; t++) {
        TalkieTurn turn = { .speaker = t % 2 ? "Caller" : "Agent",
                            .text = lines[(t + index) % 4],
                            .start_ms = t * 2000 + (index * 113) % 1000, .duration_ms = 1700 };
        talkie_session_say(s, &turn);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct Driver {
    LiveSession *sessions;
    int first, step, n;
    int64_t start_us;
    double warmup_s, seconds;
} Driver;

/* Sends each of its sessions' frames at its time: frame f of session i at
 * start + phase_i + f * 33.3 ms. */
static void *drive(void *arg)
{
    Driver *d = arg;
    int64_t end_us = d->start_us + (int64_t)((d->warmup_s + d->seconds) * 1e6);
    int64_t warm_us = d->start_us + (int64_t)(d->warmup_s * 1e6);
    for (;;) {
        LiveSession *due = NULL;
        int64_t due_us = INT64_MAX;
        for (int i = d->first; i < d->n; i += d->step) {
            LiveSession *ls = &d->sessions[i];
            int64_t t = d->start_us + (int64_t)((ls->phase_ms + ls->next_frame * FRAME_MS) * 1e3);
            if (t < due_us) {
                due_us = t;
                due = ls;
            }
        }
        if (!due || due_us >= end_us)
            break;
        int64_t wait = due_us - now_us();
        if (wait > 0) {
            struct timespec ts = { .tv_sec = wait / 1000000, .tv_nsec = (wait % 1000000) * 1000 };
            nanosleep(&ts, NULL);
        }
        if (!due->measuring && due_us >= warm_us) {
            due->measuring = 1;
            atomic_store(&due->first_counted, due->next_frame);
        }
        atomic_store(&due->sent_us[due->next_frame % SEND_RING], now_us());
        int r = talkie_session_send_frame(due->session, due->next_frame);
        if (r == TALKIE_ERR(EAGAIN) && due->measuring)
            due->late_sends++;
        due->next_frame++;
    }
    return NULL;
}

typedef struct LiveRow {
    int n;
    int64_t frames, late;
    double on_time, p50, p99, max, cpu_per_session;
} LiveRow;

/* The context of the live and api runs: TK_BENCH_MAX_BATCH frames a submission (default
 * 256). */
static void bench_context_settings(TalkieContextSettings *cs)
{
    talkie_default_context_settings(cs);
    const char *mb = getenv("TK_BENCH_MAX_BATCH");
    cs->max_batch_frames = mb && atoi(mb) > 0 ? atoi(mb) : 256;
}

/* A session of the live and api runs in ctx: w x h at FPS, P frames when asked, the font of
 * TALKIE_FONT. */
static void bench_session_settings(TalkieSettings *s, TalkieContext *ctx, int w, int h,
                                   TalkieEncoder encoder)
{
    talkie_default_settings(s);
    s->width = w;
    s->height = h;
    s->fps_num = FPS;
    s->encoder = encoder;
    s->compute_p_frames = p_frames_asked();
    s->font_path = getenv("TALKIE_FONT");
    s->context = ctx;
}

static int run_live(int n, int width, int height, double seconds, TalkieEncoder encoder,
                    LiveRow *row)
{
    TalkieContextSettings cs;
    bench_context_settings(&cs);
    TalkieContext *ctx;
    int err = talkie_context_open(&ctx, &cs);
    if (err < 0) {
        fprintf(stderr, "context: %s\n", talkie_strerror(err));
        return err;
    }
    LiveSession *ls = calloc((size_t)n, sizeof(*ls));
    double warmup = 1.0;
    int cap = (int)((seconds + 1) * FPS) + 8;
    for (int i = 0; i < n && err >= 0; i++) {
        TalkieSettings s;
        bench_session_settings(&s, ctx, width, height, encoder);
        s.max_frames_in_flight = 4;
        s.packet_callback = on_packet;
        s.packet_opaque = &ls[i];
        ls[i].latency_ms = malloc((size_t)cap * sizeof(double));
        ls[i].cap_latency = cap;
        ls[i].phase_ms = FRAME_MS * i / n;
        atomic_store(&ls[i].first_counted, INT64_MAX);
        if ((err = talkie_session_open(&ls[i].session, &s)) < 0)
            fprintf(stderr, "session %d: %s\n", i, talkie_strerror(err));
        else
            say_lines(ls[i].session, i, warmup + seconds);
    }
    int n_drivers = n < 8 ? n : 8;
    Driver *d = calloc((size_t)n_drivers, sizeof(*d));
    pthread_t *th = calloc((size_t)n_drivers, sizeof(*th));
    int64_t start = now_us() + 20000;
    double cpu0 = 0, wall0 = 0;
    for (int k = 0; err >= 0 && k < n_drivers; k++) {
        d[k] = (Driver){ .sessions = ls, .first = k, .step = n_drivers, .n = n,
                         .start_us = start, .warmup_s = warmup, .seconds = seconds };
        pthread_create(&th[k], NULL, drive, &d[k]);
    }
    if (err >= 0) {
        usleep((useconds_t)(warmup * 1e6) + 20000);
        cpu0 = cpu_seconds();
        wall0 = now_us() / 1e6;
        for (int k = 0; k < n_drivers; k++)
            pthread_join(th[k], NULL);
    }
    double cpu = cpu_seconds() - cpu0, wall = now_us() / 1e6 - wall0;
    for (int i = 0; i < n; i++)
        talkie_session_close(&ls[i].session);   /* drains: every packet reached its callback */
    talkie_context_close(&ctx);

    memset(row, 0, sizeof(*row));
    row->n = n;
    int64_t total = 0, on_time = 0;
    for (int i = 0; i < n; i++)
        total += ls[i].n_latency;
    double *all = malloc((size_t)(total ? total : 1) * sizeof(double));
    int64_t k = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < ls[i].n_latency; j++) {
            all[k++] = ls[i].latency_ms[j];
            on_time += ls[i].latency_ms[j] <= FRAME_MS;
        }
        row->late += ls[i].late_sends;
        free(ls[i].latency_ms);
    }
    qsort(all, (size_t)total, sizeof(double), cmp_double);
    row->frames = total;
    /* a frame refused at its time (EAGAIN) is a frame that was not on time */
    row->on_time = total ? (double)on_time / (double)(total + row->late) : 0;
    row->p50 = total ? all[total / 2] : 0;
    row->p99 = total ? all[(int64_t)(total * 0.99)] : 0;
    row->max = total ? all[total - 1] : 0;
    row->cpu_per_session = wall > 0 ? 100.0 * cpu / wall / n : 0;
    free(all);
    free(ls);
    free(d);
    free(th);
    return err < 0 ? err : 0;
}

/* The rendered conversation frames x264 encodes (a device of the bench's own, closed after). */
static int load_frames(const TkFrameLayout *l, Frames *f)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev)
        return -1;
    int err = tk_bench_load_input(dev, l, 60, INPUT_CONVERSATION, f);
    tk_vk_device_close(&dev);
    return err;
}

/* libx264 ultrafast, zerolatency, one thread each, P frames, on every core: frames/s. */
typedef struct X264Job {
    const Frames *f;
    int qp, intra_only, rounds;
    pthread_barrier_t *start;
    int64_t frames;
    double t0, t1;
} X264Job;

static void *x264_main(void *arg)
{
    X264Job *j = arg;
    TkX264 *x = NULL;
    int ok = tk_x264_open(&x, &j->f->layout, "ultrafast", j->qp, j->intra_only) >= 0;
    pthread_barrier_wait(j->start);   /* every encoder set up before any starts */
    j->t0 = tk_bench_now_ms();
    if (!ok) {
        j->t1 = j->t0;
        return NULL;
    }
    for (int r = 0; r < j->rounds; r++)
        for (int i = 0; i < j->f->n; i++) {
            uint8_t *au = NULL;
            size_t size = 0;
            if (tk_x264_encode(x, j->f->data[i], (int64_t)r * j->f->n + i, &au, &size) >= 0)
                j->frames++;
            free(au);
        }
    j->t1 = tk_bench_now_ms();
    tk_x264_close(&x);
    return NULL;
}

/* All frames over the time from the first start to the last end (as bench.c's run_jobs):
 * a thread that finishes early does not count at its uncontended speed. */
static double x264_all_cores(const Frames *f, int threads, int qp, int intra_only, int rounds)
{
    X264Job *j = calloc((size_t)threads, sizeof(*j));
    pthread_t *th = calloc((size_t)threads, sizeof(*th));
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        j[i] = (X264Job){ .f = f, .qp = qp, .intra_only = intra_only, .rounds = rounds,
                          .start = &start };
        pthread_create(&th[i], NULL, x264_main, &j[i]);
    }
    int64_t frames = 0;
    double first = 0, last = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        frames += j[i].frames;
        first = i == 0 || j[i].t0 < first ? j[i].t0 : first;
        last = j[i].t1 > last ? j[i].t1 : last;
    }
    pthread_barrier_destroy(&start);
    free(j);
    free(th);
    return last > first ? frames * 1e3 / (last - first) : 0;
}

int tk_bench_live(const BenchOptions *o)
{
    const int w = 320, h = 240;
    double seconds = o->seconds > 0 ? o->seconds : 5;
    printf("Live sessions through the public API, %dx%d, %s encoder (QP 26), "
           "each paced at 30 frames/s with its own conversation, %.0f s measured after 1 s; "
           "on time = packet on the host within 33 ms of send_frame (a frame refused with "
           "EAGAIN at its time counts as late).\n\n", w, h,
           talkie_encoder_name((TalkieEncoder)o->encoder), seconds);
    printf("| sessions | frames | on time | late sends | p50 ms | p99 ms | max ms | host CPU "
           "per session |\n|---|---|---|---|---|---|---|---|\n");
    int best = 0;
    for (int n = 1; n <= o->sessions; n = n < 16 ? n * 2 : n + n / 2) {
        LiveRow r;
        if (run_live(n, w, h, seconds, (TalkieEncoder)o->encoder, &r) < 0)
            return 1;
        printf("| %d | %lld | %.3f%% | %lld | %.2f | %.2f | %.2f | %.1f%% |\n", n,
               (long long)r.frames, 100 * r.on_time, (long long)r.late, r.p50, r.p99, r.max,
               r.cpu_per_session);
        fflush(stdout);
        if (r.on_time >= 0.999)
            best = n;
        else if (n > 16)
            break;
    }
    TkFrameLayout l = tk_frame_layout(w, h);
    Frames f;
    if (load_frames(&l, &f) < 0)
        return 1;
    double x264 = x264_all_cores(&f, o->threads, o->qp, 0, 8);
    tk_bench_frames_free(&f);
    printf("\nLargest N with >= 99.9%% on time: %d sessions. libx264 ultrafast (zerolatency, "
           "P frames, one thread each) on %d threads: %.0f frames/s = %.0f streams of 30 "
           "frames/s.\n", best, o->threads, x264, x264 / FPS);
    return 0;
}

typedef struct ApiDriver {
    TalkieSession **sessions;
    int first, step, n;
    int frames;
    int64_t packets;
} ApiDriver;

static void *api_drive(void *arg)
{
    ApiDriver *d = arg;
    int64_t next = 0;
    int done = 0;
    while (!done) {
        done = 1;
        for (int i = d->first; i < d->n; i += d->step) {
            TalkieSession *s = d->sessions[i];
            TalkiePacket pkt;
            if (next < d->frames) {
                done = 0;
                while (talkie_session_send_frame(s, next) == TALKIE_ERR(EAGAIN))
                    if (talkie_session_get_packet(s, &pkt) == 0) {
                        d->packets++;
                        talkie_packet_unref(&pkt);
                    }
            }
            while (talkie_session_get_packet(s, &pkt) == 0) {
                d->packets++;
                talkie_packet_unref(&pkt);
            }
        }
        next++;
    }
    for (int i = d->first; i < d->n; i += d->step) {
        TalkiePacket pkt;
        talkie_session_flush(d->sessions[i]);
        while (talkie_session_get_packet(d->sessions[i], &pkt) == 0) {
            d->packets++;
            talkie_packet_unref(&pkt);
        }
    }
    return NULL;
}

/* Frames/s of n sessions back to back (render + encode), through the public API. */
static double api_fps(int n, int w, int h, int frames, int qp, TalkieEncoder encoder,
                      double *lat_p50, double *lat_p99)
{
    TalkieContextSettings cs;
    bench_context_settings(&cs);
    TalkieContext *ctx;
    if (talkie_context_open(&ctx, &cs) < 0)
        return 0;
    TalkieSession **s = calloc((size_t)n, sizeof(*s));
    for (int i = 0; i < n; i++) {
        TalkieSettings st;
        bench_session_settings(&st, ctx, w, h, encoder);
        st.qp = qp;
        st.max_frames_in_flight = n == 1 ? 1 : 8;
        if (talkie_session_open(&s[i], &st) < 0)
            return 0;
        say_lines(s[i], i, frames / (double)FPS);
    }
    double fps = 0;
    if (n == 1) {
        /* one frame at a time: send, wait for its packet */
        double *lat = malloc((size_t)frames * sizeof(double));
        double t0 = tk_bench_now_ms();
        int done = 0;   /* frames that came back: a failure stops the run there */
        for (; done < frames; done++) {
            double a = tk_bench_now_ms();
            TalkiePacket pkt;
            if (talkie_session_send_frame(s[0], done) < 0)
                break;
            /* max_frames_in_flight 1: get_packet waits for the frame's packet */
            if (talkie_session_get_packet(s[0], &pkt) < 0)
                break;
            lat[done] = tk_bench_now_ms() - a;
            talkie_packet_unref(&pkt);
        }
        fps = done * 1e3 / (tk_bench_now_ms() - t0);
        qsort(lat, (size_t)done, sizeof(double), cmp_double);
        *lat_p50 = done ? lat[done / 2] : 0;
        *lat_p99 = done ? lat[(int)(done * 0.99)] : 0;
        free(lat);
    } else {
        int n_drivers = n < 4 ? n : 4;
        ApiDriver d[4];
        pthread_t th[4];
        double t0 = tk_bench_now_ms();
        for (int k = 0; k < n_drivers; k++) {
            d[k] = (ApiDriver){ .sessions = s, .first = k, .step = n_drivers, .n = n,
                                .frames = frames };
            pthread_create(&th[k], NULL, api_drive, &d[k]);
        }
        int64_t packets = 0;
        for (int k = 0; k < n_drivers; k++) {
            pthread_join(th[k], NULL);
            packets += d[k].packets;
        }
        fps = packets * 1e3 / (tk_bench_now_ms() - t0);
    }
    TalkieContextStats st;
    talkie_context_stats(ctx, &st);
    if (n > 1 && st.frames > 0)
        fprintf(stderr, "%d sessions: %.1f frames per submission; engine us per frame: prepare "
                "%.2f (inside the prepares, every thread: %.2f), record + submit %.2f (submit "
                "thread), GPU wait %.2f, collect %.2f (completion thread); GPU %.2f, of it "
                "renders %.2f\n", n,
                st.submissions ? (double)st.frames / (double)st.submissions : 0,
                (double)st.engine_prepare_us / (double)st.frames,
                (double)st.engine_prepare_work_us / (double)st.frames,
                (double)st.engine_record_us / (double)st.frames,
                (double)st.engine_wait_us / (double)st.frames,
                (double)st.engine_collect_us / (double)st.frames,
                (double)st.engine_gpu_us / (double)st.frames,
                (double)st.engine_gpu_render_us / (double)st.frames);
    for (int i = 0; i < n; i++)
        talkie_session_close(&s[i]);
    free(s);
    talkie_context_close(&ctx);
    return fps;
}

/* --repeat's bound */
#define MAX_REPEAT 99

int tk_bench_api(const BenchOptions *o)
{
    /* x264 codes what talkie codes: P frames (a GOP of 60) when TK_BENCH_P_FRAMES asks for
     * them, else all intra */
    int intra_only = !p_frames_asked();
    const char *gop = intra_only ? "all-intra" : "P frames";
    printf("Aggregate frames/s through the public API (render + encode, %s encoder, %s, "
           "QP %d), N sessions driven back to back from 4 threads, next to x264 ultrafast "
           "%s on %d threads (encode only, the same rendered frames) measured in the same run; "
           "and one session alone, one frame at a time (send, wait for its packet).\n\n",
           talkie_encoder_name((TalkieEncoder)o->encoder), gop, o->qp, gop, o->threads);
    printf("| size | API, %d sessions | x264 ultrafast %s, %d threads | API / x264 | one "
           "session frames/s | one session p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n",
           o->sessions, gop, o->threads);
    for (int k = 0; k < N_BENCH_SIZES; k++) {
        int w = bench_sizes[k][0], h = bench_sizes[k][1];
        if (o->width && o->width != w)
            continue;
        TkFrameLayout l = tk_frame_layout(w, h);
        Frames f;
        if (load_frames(&l, &f) < 0)
            return 1;
        /* x264 codes as many frames as the API run (at least 16 rounds of the input), so
         * that both sides run for seconds, not a fraction of one */
        int64_t api_frames = (int64_t)o->sessions * o->frames;
        int64_t rounds = api_frames / ((int64_t)o->threads * f.n);
        rounds = rounds < 16 ? 16 : rounds > 100000 ? 100000 : rounds;
        double api[MAX_REPEAT], x264[MAX_REPEAT], p50 = 0, p99 = 0;
        TalkieEncoder enc = (TalkieEncoder)o->encoder;
        int runs = o->repeat < 1 ? 1 : o->repeat > MAX_REPEAT ? MAX_REPEAT : o->repeat;
        for (int r = 0; r < runs; r++) {   /* alternating: both sides see the same drift */
            x264[r] = x264_all_cores(&f, o->threads, o->qp, intra_only, (int)rounds);
            api[r] = api_fps(o->sessions, w, h, o->frames, o->qp, enc, &p50, &p99);
            if (runs > 1)
                printf("| %dx%d, run %d | %.0f | %.0f | %.2f | | | |\n", w, h, r + 1, api[r],
                       x264[r], x264[r] > 0 ? api[r] / x264[r] : 0);
            fflush(stdout);
        }
        tk_bench_frames_free(&f);
        double one = api_fps(1, w, h, o->frames, o->qp, enc, &p50, &p99);
        double api_mid = tk_bench_quantile(api, runs, 0.5);
        double x264_mid = tk_bench_quantile(x264, runs, 0.5);
        printf("| %dx%d%s | %.0f | %.0f | %.2f | %.0f | %.2f | %.2f |\n", w, h,
               runs > 1 ? ", medians" : "", api_mid, x264_mid,
               x264_mid > 0 ? api_mid / x264_mid : 0, one, p50, p99);
        fflush(stdout);
    }
    return 0;
}
