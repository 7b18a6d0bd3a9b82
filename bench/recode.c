/*
 * What one session's frames coded again (over their size cap, by the compute encoder's rate
 * control) cost the other sessions of its context, through the public API only (talkie.h),
 * so that the same file measures any commit:
 *
 *   talkie-bench-recode [--size WxH] [--frames N] [--bystanders N] [--fps N]
 *                       [--bitrate BPS] [--keyint N]
 *
 * One "heavy" session at --bitrate (default 20000) whose picture (a ramp with noise) is new
 * every 5th frame and still in between (the QP falls on the still frames, so the new
 * picture goes over its cap and is coded again, up to 4 times) and N bystanders at a constant QP 30
 * whose pictures change a little every frame (never coded again), all compute encoder with
 * P frames, paced together at --fps: frame f of every session is sent at start + f / fps
 * (a send refused with EAGAIN counts as late and is sent at the next tick). Packets are
 * taken in the packet callback (the engine's completion thread), as a server would; latency
 * is from send to that callback. Prints p50/p95/max latency of the bystanders and of the
 * heavy session, and the engine's submissions and codings (frames).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "talkie/talkie.h"

#define MAX_SESSIONS 17

typedef struct Lat {
    _Atomic int64_t sent_us[4096];
    double *ms;                 /* written by the callback only */
    _Atomic int n;              /* ms[0 .. n - 1] are written */
    int cap;
} Lat;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_until_us(int64_t t)
{
    int64_t d = t - now_us();
    if (d > 0) {
        struct timespec ts = { .tv_sec = d / 1000000, .tv_nsec = (d % 1000000) * 1000 };
        nanosleep(&ts, NULL);
    }
}

static void on_packet(void *opaque, TalkieSession *s)
{
    Lat *l = opaque;
    TalkiePacket pkt;
    while (talkie_session_get_packet(s, &pkt) == 0) {
        int64_t sent = atomic_load(&l->sent_us[pkt.pts % 4096]);
        int k = atomic_load(&l->n);
        if (k < l->cap) {
            l->ms[k] = (double)(now_us() - sent) / 1e3;
            atomic_store(&l->n, k + 1);
        }
        talkie_packet_unref(&pkt);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* NV12 picture of width w (stride w), height h: noise, new every 5th frame (heavy), or a
 * gradient with a small square that moves one sample a frame (bystanders). */
static void fill(uint8_t *img, int w, int h, int heavy, int k, int f)
{
    uint32_t s = (uint32_t)(k * 7919 + f / 5) * 2654435761u + 1; /* heavy: still for 5 */
    for (int y = 0; y < h * 3 / 2; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v;
            if (heavy) {   /* as tests/api/test_engine_recode.c: a ramp and noise */
                s = s * 1664525u + 1013904223u;
                v = (uint8_t)(x * 2 + (s >> 28) * (f / 5 % 7 + 1));
            } else {
                int sq = y < h && y >= 16 && y < 32 && x >= f % (w - 16) && x < f % (w - 16) + 16;
                v = (uint8_t)(sq ? 235 : y < h ? 16 + (x + y + k * 10) % 200 : 128);
            }
            img[(size_t)y * w + x] = v;
        }
}

int main(int argc, char **argv)
{
    int w = 128, h = 96, frames = 60, bystanders = 3, fps = 10, keyint = 8;
    int64_t bitrate = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size"))
            sscanf(argv[i + 1], "%dx%d", &w, &h);
        else if (!strcmp(argv[i], "--frames"))
            frames = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--bystanders"))
            bystanders = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fps"))
            fps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--bitrate"))
            bitrate = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--keyint"))
            keyint = atoi(argv[i + 1]);
    }
    if (w < 32 || h < 32 || w % 16 || h % 16 || frames < 1 || frames > 4000 || bystanders < 1 ||
        bystanders > MAX_SESSIONS - 1 || fps < 1 || keyint < 1 || bitrate < 8000) {
        fprintf(stderr, "usage: talkie-bench-recode [--size WxH (multiples of 16)] "
                        "[--frames N] [--bystanders 1..16] [--fps N] [--bitrate BPS >= 8000] "
                        "[--keyint N]\n");
        return 2;
    }
    int n = bystanders + 1;
    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    TalkieContext *ctx = NULL;
    if (talkie_context_open(&ctx, &cs) < 0)
        return 1;
    TalkieSession *sessions[MAX_SESSIONS] = { 0 };
    static Lat lat[MAX_SESSIONS];
    uint8_t *img = malloc((size_t)w * h * 3 / 2);
    int late = 0, res = 1;
    for (int i = 0; i < n; i++) {
        lat[i].cap = frames;
        lat[i].ms = calloc((size_t)frames, sizeof(double));
        TalkieSettings s;
        talkie_default_settings(&s);
        s.width = w;
        s.height = h;
        s.fps_num = fps;
        s.encoder = TALKIE_ENCODER_COMPUTE;
        s.compute_p_frames = 1;
        s.qp = i == 0 ? -1 : 30;
        s.bitrate_bps = i == 0 ? bitrate : 0;
        s.keyint = keyint;
        s.max_frames_in_flight = 8;
        s.context = ctx;
        s.packet_callback = on_packet;
        s.packet_opaque = &lat[i];
        if (!img || !lat[i].ms || talkie_session_open(&sessions[i], &s) < 0)
            goto done;
    }
    int64_t start = now_us() + 100000;
    for (int f = 0; f < frames; f++) {
        sleep_until_us(start + (int64_t)f * 1000000 / fps);
        for (int i = 0; i < n; i++) {
            fill(img, w, h, i == 0, i, f);
            TalkieImage im = { .format = TALKIE_PIXEL_NV12,
                               .planes = { img, img + (size_t)w * h },
                               .strides = { w, w } };
            atomic_store(&lat[i].sent_us[f % 4096], now_us());
            int r;
            while ((r = talkie_session_send_image(sessions[i], f, &im, NULL)) ==
                   TALKIE_ERR(EAGAIN)) {
                late++;
                sleep_until_us(now_us() + 1000);
                atomic_store(&lat[i].sent_us[f % 4096], now_us());
            }
            if (r < 0)
                goto done;
        }
    }
    /* every packet through the callback (no flush: get_packet in the callback would wait
     * for EOF on the very thread that delivers it); 60 s at most */
    for (int i = 0; i < n; i++)
        for (int64_t t0 = now_us(); now_us() - t0 < 60000000 && atomic_load(&lat[i].n) < frames;)
            sleep_until_us(now_us() + 2000);
    TalkieContextStats st;
    talkie_context_stats(ctx, &st);
    for (int i = 0; i < n; i++)
        talkie_session_close(&sessions[i]);   /* no callback runs after this */
    /* the bystanders together, then the heavy session */
    double *all = malloc((size_t)frames * bystanders * sizeof(double));
    int m = 0;
    for (int i = 1; all && i < n; i++)
        for (int j = 0; j < atomic_load(&lat[i].n); j++)
            all[m++] = lat[i].ms[j];
    printf("%dx%d, %d frames at %d frames/s, keyint %d, 1 session at %lld bit/s + %d at QP 30\n",
           w, h, frames, fps, keyint, (long long)bitrate, bystanders);
    printf("engine: %lld submissions, %lld codings (%lld frames sent), %d late sends\n",
           (long long)st.submissions, (long long)st.frames, (long long)n * frames, late);
    for (int g = 0; g < 2 && all; g++) {
        double *v = g == 0 ? all : lat[0].ms;
        int k = g == 0 ? m : atomic_load(&lat[0].n);
        qsort(v, (size_t)k, sizeof(double), cmp_double);
        if (k > 0)
            printf("%-10s packets %4d  latency ms p50 %7.1f  p95 %7.1f  max %7.1f\n",
                   g == 0 ? "bystanders" : "heavy", k, v[k / 2], v[k * 95 / 100], v[k - 1]);
    }
    free(all);
    res = 0;
done:
    for (int i = 0; i < n; i++) {
        talkie_session_close(&sessions[i]);
        free(lat[i].ms);
    }
    free(img);
    talkie_context_close(&ctx);
    return res;
}
