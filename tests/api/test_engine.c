/*
 * Many sessions on one context (the engine):
 *   - 16 sessions (compute and lavc, several sizes, each its own conversation) driven from
 *     4 threads give, each, the bitstream that the same session gives alone on a private
 *     context, byte for byte; libavcodec decodes each with the right frame count and pts;
 *   - sessions 2..16 compile no kernel (the context's counter), and their open times print;
 *   - a session closed while the others' frames are in flight disturbs none of them;
 *   - the live controls: a keyframe request makes the next frame an IDR, stream_info's SPS
 *     and PPS are the ones in the stream, user data comes back on its packet, the event fd
 *     and the callback announce packets, set_bitrate changes the compute encoder's sizes;
 *   - every new entry point refuses bad arguments.
 * Runs under ThreadSanitizer too (scripts/test.sh).
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "talkie/talkie.h"

enum { N_SESSIONS = 16, N_THREADS = 4, FRAMES = 60, FPS = 15 };

typedef struct Stream {
    uint8_t *data;
    size_t size;
    int packets, keyframes;
    int64_t pts[FRAMES + 8];
    size_t end[FRAMES + 8];   /* where each packet ends in data */
} Stream;

typedef struct SessionCase {
    int width, height;
    TalkieEncoder encoder;
    Stream alone, shared;
} SessionCase;

static SessionCase cases[N_SESSIONS];

static void settings_for(int i, TalkieSettings *s, TalkieContext *ctx)
{
    talkie_default_settings(s);
    s->width = cases[i].width;
    s->height = cases[i].height;
    s->fps_num = FPS;
    s->encoder = cases[i].encoder;
    s->qp = 20 + i;
    s->validation = 1;
    s->font_path = getenv("TALKIE_FONT");
    s->context = ctx;
}

static void say_conversation(TalkieSession *ts, int i)
{
    static const char *const lines[] = { "Hello there!", "How is the weather today?",
                                         "Quite sunny, thanks.", "Let us talk about video." };
    char text[128];
    for (int t = 0; t < 3; t++) {
        snprintf(text, sizeof(text), "%s (session %d, line %d)", lines[(i + t) % 4], i, t);
        TalkieTurn turn = { .speaker = t % 2 ? "Grace" : "Ada", .text = text,
                            .start_ms = t * 1300 + i * 37, .duration_ms = 1000 };
        CHECK_EQ(talkie_session_say(ts, &turn), 0);
    }
}

static void append(Stream *st, const TalkiePacket *pkt)
{
    st->data = realloc(st->data, st->size + pkt->size);
    memcpy(st->data + st->size, pkt->data, pkt->size);
    st->size += pkt->size;
    if (st->packets < FRAMES + 8) {
        st->pts[st->packets] = pkt->pts;
        st->end[st->packets] = st->size;
    }
    st->packets++;
    st->keyframes += pkt->keyframe;
}

/* Takes what is ready; returns get_packet's last answer. */
static int drain(TalkieSession *ts, Stream *st)
{
    TalkiePacket pkt;
    int r;
    while ((r = talkie_session_get_packet(ts, &pkt)) == 0) {
        append(st, &pkt);
        talkie_packet_unref(&pkt);
    }
    return r;
}

/* Sends `frames` frames and takes every packet to the end of the stream. */
static void run_session(TalkieSession *ts, Stream *st, int frames)
{
    for (int64_t f = 0; f < frames; f++) {
        int r;
        while ((r = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN))
            CHECK_EQ(drain(ts, st), TALKIE_ERR(EAGAIN));
        CHECK_EQ(r, 0);
        if (r < 0)
            return;
        drain(ts, st);
    }
    CHECK_EQ(talkie_session_flush(ts), 0);
    CHECK_EQ(drain(ts, st), TALKIE_EOF);
}

/* Decodes the Annex B stream packet by packet: frame count, size, no error. */
static int decode_count(const Stream *st, int width, int height)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = avcodec_alloc_context3(codec);
    c->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int n = -1;
    if (avcodec_open2(c, codec, NULL) < 0)
        goto done;
    int count = 0;
    size_t start = 0;
    for (int i = 0; i <= st->packets && i <= FRAMES + 8; i++) {
        int r;
        if (i == st->packets || i == FRAMES + 8) {
            r = avcodec_send_packet(c, NULL);
        } else {
            pkt->data = st->data + start;
            pkt->size = (int)(st->end[i] - start);
            pkt->pts = st->pts[i];
            start = st->end[i];
            r = avcodec_send_packet(c, pkt);
        }
        if (r < 0)
            goto done;
        while (avcodec_receive_frame(c, f) == 0) {
            if (f->decode_error_flags || f->width != width || f->height != height ||
                f->pts != count)
                goto done;
            count++;
        }
    }
    n = count;
done:
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct Worker {
    TalkieSession *sessions[N_SESSIONS / N_THREADS];
    int index[N_SESSIONS / N_THREADS];
    TalkieSession *victim;  /* closed after a few frames, or NULL */
} Worker;

/* Drives its sessions frame by frame, interleaved, as a server thread would. */
static void *drive(void *arg)
{
    Worker *w = arg;
    int n = N_SESSIONS / N_THREADS;
    for (int64_t f = 0; f < FRAMES; f++) {
        for (int k = 0; k < n; k++) {
            Stream *st = &cases[w->index[k]].shared;
            int r;
            while ((r = talkie_session_send_frame(w->sessions[k], f)) == TALKIE_ERR(EAGAIN))
                drain(w->sessions[k], st);
            CHECK_EQ(r, 0);
            drain(w->sessions[k], st);
        }
        if (w->victim) {
            int r = talkie_session_send_frame(w->victim, f);   /* never drained */
            CHECK(r == 0 || r == TALKIE_ERR(EAGAIN));
            if (f == 10)
                talkie_session_close(&w->victim);  /* its frames may be on the GPU now */
        }
    }
    for (int k = 0; k < n; k++) {
        CHECK_EQ(talkie_session_flush(w->sessions[k]), 0);
        CHECK_EQ(drain(w->sessions[k], &cases[w->index[k]].shared), TALKIE_EOF);
    }
    return NULL;
}

static void check_shared_equals_alone(void)
{
    static const int sizes[][2] = { { 64, 48 }, { 96, 64 }, { 80, 48 }, { 112, 80 } };
    for (int i = 0; i < N_SESSIONS; i++) {
        cases[i].width = sizes[i % 4][0];
        cases[i].height = sizes[i % 4][1];
        cases[i].encoder = i % 4 == 3 ? TALKIE_ENCODER_LAVC : TALKIE_ENCODER_COMPUTE;
    }
    /* Alone: each on a private context. */
    for (int i = 0; i < N_SESSIONS; i++) {
        TalkieSettings s;
        settings_for(i, &s, NULL);
        TalkieSession *ts;
        CHECK_EQ(talkie_session_open(&ts, &s), 0);
        if (!ts)
            return;
        say_conversation(ts, i);
        run_session(ts, &cases[i].alone, FRAMES);
        talkie_session_close(&ts);
    }

    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    cs.validation = 1;
    cs.cpu_threads = 2;
    TalkieContext *ctx;
    double opened = now_ms();
    CHECK_EQ(talkie_context_open(&ctx, &cs), 0);
    if (!ctx)
        return;
    TalkieSession *sessions[N_SESSIONS];
    TalkieContextStats st;
    int64_t kernels_after_first = -1;
    for (int i = 0; i < N_SESSIONS; i++) {
        TalkieSettings s;
        settings_for(i, &s, ctx);
        double t0 = now_ms();
        CHECK_EQ(talkie_session_open(&sessions[i], &s), 0);
        double t1 = now_ms();
        CHECK_EQ(talkie_context_stats(ctx, &st), 0);
        fprintf(stderr, "session %2d (%s %dx%d) opened in %.1f ms, kernels compiled so far %lld\n",
                i + 1, talkie_encoder_name(cases[i].encoder), cases[i].width, cases[i].height,
                t1 - t0, (long long)st.kernels_compiled);
        if (i == 0)   /* a compute session: the renderer's and the encoder's kernels */
            kernels_after_first = st.kernels_compiled;
        say_conversation(sessions[i], i);
    }
    CHECK_EQ(talkie_context_stats(ctx, &st), 0);
    CHECK_EQ(st.kernels_compiled, kernels_after_first);  /* sessions 2..16 compiled nothing */
    CHECK_EQ(st.sessions_opened, N_SESSIONS);

    /* A victim session on the same context, closed by thread 0 mid-stream. */
    TalkieSettings vs;
    settings_for(1, &vs, ctx);
    TalkieSession *victim;
    CHECK_EQ(talkie_session_open(&victim, &vs), 0);
    say_conversation(victim, 99);

    Worker workers[N_THREADS];
    pthread_t threads[N_THREADS];
    memset(workers, 0, sizeof(workers));
    for (int i = 0; i < N_SESSIONS; i++) {
        Worker *w = &workers[i % N_THREADS];
        w->sessions[i / N_THREADS] = sessions[i];
        w->index[i / N_THREADS] = i;
    }
    workers[0].victim = victim;
    for (int t = 0; t < N_THREADS; t++)
        pthread_create(&threads[t], NULL, drive, &workers[t]);
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(threads[t], NULL);
    CHECK(workers[0].victim == NULL);

    CHECK_EQ(talkie_context_stats(ctx, &st), 0);
    fprintf(stderr, "%lld frames in %lld submissions (%.1f frames per submission)\n",
            (long long)st.frames, (long long)st.submissions,
            st.submissions ? (double)st.frames / (double)st.submissions : 0.0);
    CHECK_CMP(st.frames, >=, N_SESSIONS * FRAMES);
    /* the engine's times: each thread's parts within the time the context has been open */
    double open_us = (now_ms() - opened) * 1e3;
    fprintf(stderr, "engine: prepare %.1f ms, record %.1f ms, wait %.1f ms, collect %.1f ms of "
            "%.1f ms; GPU %.1f ms, of it renders %.1f ms\n", st.engine_prepare_us / 1e3,
            st.engine_record_us / 1e3, st.engine_wait_us / 1e3, st.engine_collect_us / 1e3,
            open_us / 1e3, st.engine_gpu_us / 1e3, st.engine_gpu_render_us / 1e3);
    /* lavapipe and the GPUs talkie runs on have timestamps on compute queues */
    CHECK_CMP(st.engine_gpu_us, >, 0);
    CHECK_CMP(st.engine_gpu_render_us, >, 0);
    CHECK_CMP(st.engine_gpu_render_us, <=, st.engine_gpu_us);
    CHECK_CMP(st.engine_record_us, >, 0);
    CHECK_CMP(st.engine_wait_us, >, 0);
    CHECK_CMP(st.engine_prepare_us, >, 0);   /* compute sessions render on the GPU */
    /* the prepares themselves: inside the submit thread's phase, each thread's at most the
     * phase's length (the submit thread and the context's cs.cpu_threads helpers) */
    fprintf(stderr, "engine: prepares %.1f ms summed over the threads\n",
            st.engine_prepare_work_us / 1e3);
    CHECK_CMP(st.engine_prepare_work_us, >, 0);
    CHECK_CMP(st.engine_prepare_work_us, <=, (st.engine_prepare_us + 1) * (1 + cs.cpu_threads));
    CHECK_CMP(st.engine_collect_us, >, 0);
    CHECK_CMP((double)(st.engine_prepare_us + st.engine_record_us), <=, open_us);
    CHECK_CMP((double)(st.engine_wait_us + st.engine_collect_us), <=, open_us);
    for (int i = 0; i < N_SESSIONS; i++)
        talkie_session_close(&sessions[i]);
    talkie_context_close(&ctx);

    for (int i = 0; i < N_SESSIONS; i++) {
        SessionCase *c = &cases[i];
        CHECK_EQ(c->shared.packets, FRAMES);
        CHECK_EQ(c->alone.packets, FRAMES);
        CHECK_EQ(c->shared.size, c->alone.size);
        if (c->shared.size == c->alone.size && c->shared.size)
            CHECK(tk_check_bytes("shared vs alone", c->shared.data, c->alone.data,
                                 c->shared.size) < 0);
        for (int f = 0; f < FRAMES && f < c->shared.packets; f++)
            CHECK_EQ(c->shared.pts[f], f);
        CHECK_EQ(decode_count(&c->shared, c->width, c->height), FRAMES);
        free(c->alone.data);
        free(c->shared.data);
    }
}

typedef struct CallbackCount {
    atomic_int calls;
} CallbackCount;

static void on_packet(void *opaque, TalkieSession *s)
{
    (void)s;
    atomic_fetch_add(&((CallbackCount *)opaque)->calls, 1);
}

/* The NAL units of type `type` in an Annex B stream: the first one's bytes. */
static const uint8_t *find_nal(const uint8_t *d, size_t n, int type, size_t *len)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (d[i] || d[i + 1] || d[i + 2] != 1 || (d[i + 3] & 0x1f) != type)
            continue;
        size_t e = i + 3;
        while (e + 3 <= n && !(d[e] == 0 && d[e + 1] == 0 && d[e + 2] <= 1))
            e++;
        if (e + 3 > n)
            e = n;
        *len = e - (i + 3);
        return d + i + 3;
    }
    return NULL;
}

static void check_live_controls(TalkieEncoder encoder)
{
    CallbackCount count = { 0 };
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 96;
    s.height = 64;
    s.fps_num = FPS;
    s.keyint = 1000;
    s.encoder = encoder;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    s.packet_callback = on_packet;
    s.packet_opaque = &count;
    if (encoder == TALKIE_ENCODER_LAVC) {
        s.qp = -1;
        s.bitrate_bps = 100000;
    }
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    if (!ts)
        return;
    say_conversation(ts, 3);

    TalkieStreamInfo info;
    CHECK_EQ(talkie_session_stream_info(ts, &info), 0);
    CHECK_EQ(info.width, 96);
    CHECK_EQ(info.profile_idc, 66);
    CHECK(!strncmp(info.codec, "avc1.42", 7));
    fprintf(stderr, "%s: codec %s, SPS %zu bytes, PPS %zu bytes\n", talkie_encoder_name(encoder),
            info.codec, info.sps_size, info.pps_size);

    int fd = talkie_session_event_fd(ts);
    CHECK(fd >= 0);
    static int marks[12];
    Stream st = { 0 };
    int keyframe_at[12] = { 0 };
    size_t size_at[12] = { 0 };
    for (int64_t f = 0; f < 12; f++) {
        /* 5: a requested keyframe; from 7 on (compute) every frame an IDR, so that sizes
         * show the QP: a P picture's size follows what moved, and the bitrate loop answers
         * small P pictures by lowering the QP */
        if (f == 5 || (encoder == TALKIE_ENCODER_COMPUTE && f >= 7))
            CHECK_EQ(talkie_session_request_keyframe(ts), 0);
        if (f == 8 && encoder == TALKIE_ENCODER_COMPUTE)
            CHECK_EQ(talkie_session_set_bitrate(ts, 20000), 0);
        CHECK_EQ(talkie_session_send_frame_user(ts, f, &marks[f]), 0);
        /* the event fd becomes readable once the packet is there */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        CHECK_EQ(poll(&p, 1, 120000), 1);
        TalkiePacket pkt;
        int r;
        while ((r = talkie_session_get_packet(ts, &pkt)) == TALKIE_ERR(EAGAIN))
            CHECK_EQ(poll(&p, 1, 120000), 1);
        CHECK_EQ(r, 0);
        CHECK(pkt.user_data == &marks[f]);
        CHECK_EQ(pkt.pts, f);
        keyframe_at[f] = pkt.keyframe;
        size_at[f] = pkt.size;
        append(&st, &pkt);
        if (f == 0) {
            size_t len = 0;
            const uint8_t *sps = find_nal(pkt.data, pkt.size, 7, &len);
            CHECK(sps && len == info.sps_size && !memcmp(sps, info.sps, len));
            const uint8_t *pps = find_nal(pkt.data, pkt.size, 8, &len);
            CHECK(pps && len == info.pps_size && !memcmp(pps, info.pps, len));
        }
        talkie_packet_unref(&pkt);
    }
    CHECK_EQ(keyframe_at[0], 1);
    CHECK_EQ(keyframe_at[4], 0);
    CHECK_EQ(keyframe_at[5], 1);  /* the requested one */
    CHECK_EQ(keyframe_at[6], 0);
    if (encoder == TALKIE_ENCODER_COMPUTE)  /* 20 kbit/s from frame 8: the QP climbs */
        CHECK_CMP(size_at[11], <, size_at[7]);
    CHECK_EQ(talkie_session_flush(ts), 0);
    CHECK_EQ(talkie_session_request_keyframe(ts), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_set_bitrate(ts, 100000), TALKIE_ERR(EINVAL));
    CHECK_EQ(drain(ts, &st), TALKIE_EOF);
    CHECK_EQ(decode_count(&st, 96, 64), 12);
    talkie_session_close(&ts);
    CHECK_CMP(atomic_load(&count.calls), >=, 1);
    free(st.data);
}

/* One frame at a time with max_frames_in_flight 1: get_packet waits for the frame's packet,
 * and the next send is taken at once (the session is never found still busy after its
 * packet was taken). */
static void check_lockstep(TalkieEncoder encoder)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 64;
    s.height = 48;
    s.encoder = encoder;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    s.max_frames_in_flight = 1;
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    if (!ts)
        return;
    say_conversation(ts, 5);
    for (int64_t f = 0; f < 30; f++) {
        CHECK_EQ(talkie_session_send_frame(ts, f), 0);
        TalkiePacket pkt;
        CHECK_EQ(talkie_session_get_packet(ts, &pkt), 0);
        CHECK_EQ(pkt.pts, f);
        talkie_packet_unref(&pkt);
    }
    talkie_session_close(&ts);
}

/* The pipeline cache file: written at close, read back by the next context (its kernels then
 * come from the driver's cache), and a damaged file only means an empty cache. */
static void check_pipeline_cache(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/talkie-test-cache-%d.bin", (int)getpid());
    unlink(path);
    for (int round = 0; round < 3; round++) {
        if (round == 2) {   /* damaged: another device's header and garbage */
            FILE *f = fopen(path, "wb");
            fputs("not a pipeline cache at all, but long enough to have a header......", f);
            fclose(f);
        }
        TalkieContextSettings cs;
        talkie_default_context_settings(&cs);
        cs.validation = 1;
        cs.pipeline_cache_path = path;
        TalkieContext *ctx;
        CHECK_EQ(talkie_context_open(&ctx, &cs), 0);
        if (!ctx)
            return;
        TalkieSettings s;
        talkie_default_settings(&s);
        s.width = 64;
        s.height = 48;
        s.encoder = TALKIE_ENCODER_COMPUTE;
        s.validation = 1;
        s.font_path = getenv("TALKIE_FONT");
        s.context = ctx;
        TalkieSession *ts;
        CHECK_EQ(talkie_session_open(&ts, &s), 0);
        TalkieContextStats st;
        CHECK_EQ(talkie_context_stats(ctx, &st), 0);
        CHECK_EQ(st.pipeline_cache_loaded, round == 1);
        talkie_session_close(&ts);
        talkie_context_close(&ctx);
        if (round == 0)
            CHECK(access(path, R_OK) == 0);   /* saved when the context ended */
    }
    unlink(path);
}

static void check_bad_arguments(void)
{
    TalkieContextSettings cs;
    talkie_default_context_settings(NULL);  /* ignored, no crash */
    talkie_default_settings(NULL);
    talkie_default_context_settings(&cs);
    TalkieContext *ctx = (TalkieContext *)&cs;
    CHECK_EQ(talkie_context_open(NULL, &cs), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_context_open(&ctx, NULL), TALKIE_ERR(EINVAL));
    CHECK(ctx == NULL);
    cs.max_batch_frames = 0;
    CHECK_EQ(talkie_context_open(&ctx, &cs), TALKIE_ERR(EINVAL));
    talkie_default_context_settings(&cs);
    cs.cpu_threads = -1;
    CHECK_EQ(talkie_context_open(&ctx, &cs), TALKIE_ERR(EINVAL));
    talkie_context_close(NULL);
    talkie_context_close(&ctx);
    TalkieContextStats st;
    CHECK_EQ(talkie_context_stats(NULL, &st), TALKIE_ERR(EINVAL));

    CHECK_EQ(talkie_session_request_keyframe(NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_set_bitrate(NULL, 100000), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_send_frame_user(NULL, 0, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_stream_info(NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_event_fd(NULL), -1);

    TalkieSettings s;
    talkie_default_settings(&s);
    s.max_frames_in_flight = 0;
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.compute_p_frames = 2;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.text_qp_offset = TALKIE_TEXT_QP_OFFSET_MIN - 1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    s.text_qp_offset = 1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.intra_refresh = -1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    s.intra_refresh = TALKIE_INTRA_REFRESH_MAX + 1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.fps_num = 2147483647;  /* used to overflow computing the default keyint */
    s.fps_den = 2147483647;
    s.width = 64;
    s.height = 48;
    s.encoder = TALKIE_ENCODER_LAVC;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    if (ts) {
        CHECK_EQ(talkie_session_stream_info(ts, NULL), TALKIE_ERR(EINVAL));
        CHECK_EQ(talkie_session_set_bitrate(ts, 1), TALKIE_ERR(EINVAL));
        CHECK_EQ(talkie_session_set_bitrate(ts, (int64_t)1 << 40), TALKIE_ERR(EINVAL));
        /* lavc at a constant QP cannot switch to a bitrate */
        CHECK_EQ(talkie_session_set_bitrate(ts, 100000), TALKIE_ERROR_UNSUPPORTED);
        CHECK_EQ(talkie_session_send_frame(ts, -1), TALKIE_ERR(EINVAL));
        talkie_session_close(&ts);
    }
    CHECK(strcmp(talkie_error_name(TALKIE_EOF), "TALKIE_EOF") == 0);
    CHECK(TALKIE_EOF != TALKIE_ERR(EPIPE));
    CHECK(strcmp(talkie_error_name(TALKIE_ERR(EPIPE)), "EPIPE") == 0);
}

int main(void)
{
    TalkieDeviceInfo info[4];
    check_bad_arguments();
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");
    check_pipeline_cache();
    check_lockstep(TALKIE_ENCODER_COMPUTE);
    check_lockstep(TALKIE_ENCODER_LAVC);
    check_live_controls(TALKIE_ENCODER_COMPUTE);
    check_live_controls(TALKIE_ENCODER_LAVC);
    check_shared_equals_alone();
    return tk_check_finish();
}
