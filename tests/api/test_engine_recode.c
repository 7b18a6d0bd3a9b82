/*
 * Frames coded again (the compute encoder's rate control found them over their size cap)
 * through the engine and the public API, with a tiny bitrate so that many are:
 *   - several sessions on one context, each driven by its own thread with its own pictures
 *     (talkie_session_send_image), while a session at a constant QP runs beside them: every
 *     packet arrives, in order, once, with the bytes of the C reference encoder driven by
 *     the same rate control loop (ratecontrol.h), second codings included; the bystander
 *     loses nothing either;
 *   - the second codings ride in the engine's batches, not in a wait on the completion
 *     thread: TalkieContextStats.frames_recoded equals the C reference's count of second
 *     codings, and one session alone, one frame in flight, takes exactly one submission per
 *     coding (frames sent + frames_recoded);
 *   - a session closed while its frames are being coded again, without taking its packets:
 *     no hang, no leak (ASan), the others undisturbed; flush ends each stream after its last
 *     frame's final coding.
 * Runs under ThreadSanitizer too (suite "threads"). Skipped (77) without a Vulkan device.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "common/frame.h"
#include "encode/compute/encoder_ref.h"
#include "encode/compute/ratecontrol.h"
#include "encode/h264/params.h"
#include "talkie/talkie.h"

enum { WIDTH = 64, HEIGHT = 48, FPS = 15, KEYINT = 8, FRAMES = 20, N_RATED = 3 };
#define BITRATE_BPS 20000

/* Session k's picture of frame f: one picture for the first 4 frames (the QP falls), then a
 * new one every frame, which goes over the cap at that QP. */
static void fill(uint8_t *img, const TkFrameLayout *l, int k, int f)
{
    uint32_t seed = (uint32_t)(k * 1000 + (f < 4 ? 0 : f));
    uint32_t s = seed * 2654435761u + 3;
    for (size_t i = 0; i < l->size; i++) {
        s = s * 1664525u + 1013904223u;
        img[i] = (uint8_t)((i % l->luma_stride) * 2 + (s >> 28) * (seed % 7 + 1));
    }
}

static int send_picture(TalkieSession *ts, const TkFrameLayout *l, const uint8_t *img,
                        int64_t f)
{
    TalkieImage im = { .format = TALKIE_PIXEL_NV12,
                       .planes = { img, img + l->chroma_offset },
                       .strides = { (int)l->luma_stride, (int)l->luma_stride } };
    return talkie_session_send_image(ts, f, &im, NULL);
}

typedef struct Packet {
    uint8_t *data;
    size_t size;
    int64_t pts;
    int keyframe;
} Packet;

typedef struct Stream {
    Packet packets[FRAMES + 4];
    int n;                  /* packets taken (more than FRAMES + 4: counted, not kept) */
} Stream;

static void take(Stream *st, TalkiePacket *pkt)
{
    if (st->n < FRAMES + 4) {
        Packet *p = &st->packets[st->n];
        p->data = malloc(pkt->size);
        if (p->data)
            memcpy(p->data, pkt->data, pkt->size);
        p->size = pkt->size;
        p->pts = pkt->pts;
        p->keyframe = pkt->keyframe;
    }
    st->n++;
    talkie_packet_unref(pkt);
}

static int drain(TalkieSession *ts, Stream *st)
{
    TalkiePacket pkt;
    int r;
    while ((r = talkie_session_get_packet(ts, &pkt)) == 0)
        take(st, &pkt);
    return r;
}

static void stream_free(Stream *st)
{
    for (int i = 0; i < st->n && i < FRAMES + 4; i++)
        free(st->packets[i].data);
    memset(st, 0, sizeof(*st));
}

static void settings_for(TalkieSettings *s, TalkieContext *ctx, int rated)
{
    talkie_default_settings(s);
    s->width = WIDTH;
    s->height = HEIGHT;
    s->fps_num = FPS;
    s->keyint = KEYINT;
    s->encoder = TALKIE_ENCODER_COMPUTE;
    s->compute_p_frames = 1;
    s->qp = rated ? -1 : 30;
    s->bitrate_bps = rated ? BITRATE_BPS : 0;
    s->validation = 1;
    s->font_path = getenv("TALKIE_FONT");
    s->context = ctx;
}

/* Session k's stream as the C reference codes it under the same rate control, as the
 * compute backend sets both up (backend_compute.c: rate_params, params_to_gpu, rate_init);
 * returns the second codings, or -1. */
static int reference(int k, Stream *st)
{
    TalkieSettings ts;
    settings_for(&ts, NULL, 1);
    TkEncoderRefParams rp = { .layout = tk_frame_layout(WIDTH, HEIGHT), .fps_num = FPS,
                              .fps_den = 1, .keyint = KEYINT,
                              .slice_mb_rows = tk_frame_layout(WIDTH, HEIGHT).mb_height,
                              .idr_slice_mb_rows = 1, .deblock = TK_DEBLOCK_AUTO,
                              .p_frames = 1, .auto_skip_map = 1, .p_i16x16_only = 1,
                              .text_qp_offset = ts.text_qp_offset };
    TkPackDims d = tk_encoder_max_dims(&rp);
    TkRateParams rate = { .fps_num = FPS, .fps_den = 1, .qp = -1, .bitrate_bps = BITRATE_BPS,
                          .n_mbs = (int)d.n_mbs, .n_slices = (int)d.n_slices,
                          .keyint = KEYINT };
    rate.max_bitrate_bps = tk_rc_peak_bps(&rate);
    rp.bitrate_bps = rate.max_bitrate_bps;
    TkEncoderRef *ref = NULL;
    TkRateControl rc;
    uint8_t *img = malloc(rp.layout.size);
    int recoded = -1;
    if (!img || tk_encoder_ref_open(&ref, &rp) < 0)
        goto done;
    if (tk_h264_level_max_bitrate(ref->config.level_idc) > rate.max_bitrate_bps)
        rate.max_bitrate_bps = tk_h264_level_max_bitrate(ref->config.level_idc);
    if (tk_rc_init(&rc, &rate) < 0)
        goto done;
    recoded = 0;
    for (int f = 0; f < FRAMES; f++) {
        fill(img, &rp.layout, k, f);
        TkH264Gop before = ref->gop, g = ref->gop;
        TkH264SliceHeader pic = { 0 };
        tk_h264_gop_next(&g, &pic);
        int qp = tk_rc_qp(&rc, pic.idr), idr = 0;
        TalkiePacket pkt = { .pts = f };
        for (int attempt = 0;; attempt++) {
            CHECK_EQ(tk_encoder_ref_encode(ref, img, qp, &pkt.data, &pkt.size, &idr), 0);
            int again = tk_rc_retry_qp(&rc, idr, qp, (int64_t)pkt.size * 8, attempt);
            if (again < 0 || !pkt.data)
                break;
            free(pkt.data);
            pkt.data = NULL;
            tk_encoder_ref_rewind(ref, &before);
            qp = again;
            recoded++;
        }
        tk_rc_update(&rc, idr, qp, (int64_t)pkt.size * 8);
        pkt.keyframe = idr;
        take(st, &pkt);
    }
done:
    tk_encoder_ref_close(&ref);
    free(img);
    return recoded;
}

typedef struct Driver {
    TalkieSession *session;
    int k;                  /* picture set */
    int close_after;        /* > 0: sends so many frames, takes nothing, closes */
    Stream got;
} Driver;

/* Sends every frame, taking what is ready (as a server thread would), then flushes and takes
 * the rest. */
static void *drive(void *arg)
{
    Driver *d = arg;
    TkFrameLayout l = tk_frame_layout(WIDTH, HEIGHT);
    uint8_t *img = malloc(l.size);
    if (!img) {
        CHECK(img != NULL);
        return NULL;
    }
    int frames = d->close_after > 0 ? d->close_after : FRAMES;
    for (int64_t f = 0; f < frames; f++) {
        fill(img, &l, d->k, (int)f);
        int r;
        while ((r = send_picture(d->session, &l, img, f)) == TALKIE_ERR(EAGAIN))
            CHECK_EQ(drain(d->session, &d->got), TALKIE_ERR(EAGAIN));
        CHECK_EQ(r, 0);
        if (d->close_after <= 0)
            drain(d->session, &d->got);
    }
    if (d->close_after > 0) {
        /* its frames are queued, on the GPU or waiting to be coded again */
        talkie_session_close(&d->session);
    } else {
        CHECK_EQ(talkie_session_flush(d->session), 0);
        CHECK_EQ(drain(d->session, &d->got), TALKIE_EOF);
    }
    free(img);
    return NULL;
}

static void check_equal(const char *what, int k, const Stream *got, const Stream *want)
{
    CHECK_EQ(got->n, FRAMES);
    for (int f = 0; f < FRAMES && f < got->n && f < want->n; f++) {
        const Packet *a = &got->packets[f], *b = &want->packets[f];
        CHECK_EQ(a->pts, f);
        CHECK_EQ(a->keyframe, b->keyframe);
        if (a->size != b->size)
            fprintf(stderr, "%s %d, frame %d: %zu bytes, the reference %zu\n", what, k, f,
                    a->size, b->size);
        CHECK_EQ(a->size, b->size);
        if (a->size == b->size && a->data && b->data)
            CHECK(tk_check_bytes(what, a->data, b->data, a->size) < 0);
    }
}

static TalkieContext *open_context(void)
{
    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    cs.validation = 1;
    cs.cpu_threads = 2;
    TalkieContext *ctx = NULL;
    CHECK_EQ(talkie_context_open(&ctx, &cs), 0);
    return ctx;
}

/* One session alone, one frame at a time: each coding is a submission of its own. */
static void check_lockstep(const Stream *want, int want_recoded)
{
    TalkieContext *ctx = open_context();
    if (!ctx)
        return;
    TalkieSettings s;
    settings_for(&s, ctx, 1);
    s.max_frames_in_flight = 1;
    TalkieSession *ts = NULL;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    TkFrameLayout l = tk_frame_layout(WIDTH, HEIGHT);
    uint8_t *img = malloc(l.size);
    Stream got = { 0 };
    for (int f = 0; ts && img && f < FRAMES; f++) {
        fill(img, &l, 0, f);
        CHECK_EQ(send_picture(ts, &l, img, f), 0);
        TalkiePacket pkt;
        CHECK_EQ(talkie_session_get_packet(ts, &pkt), 0);   /* waits: the session is full */
        take(&got, &pkt);
    }
    TalkieContextStats st;
    CHECK_EQ(talkie_context_stats(ctx, &st), 0);
    fprintf(stderr, "alone: %lld submissions, %lld codings, %lld of them again\n",
            (long long)st.submissions, (long long)st.frames, (long long)st.frames_recoded);
    CHECK_EQ(st.frames_recoded, want_recoded);
    CHECK_EQ(st.frames, FRAMES + want_recoded);
    CHECK_EQ(st.submissions, FRAMES + want_recoded);
    check_equal("alone", 0, &got, want);
    stream_free(&got);
    free(img);
    talkie_session_close(&ts);
    talkie_context_close(&ctx);
}

/* N_RATED sessions at the tiny bitrate, a bystander at a constant QP and a victim closed
 * mid-stream, at once. */
static void check_many(Stream *want, int want_recoded)
{
    TalkieContext *ctx = open_context();
    if (!ctx)
        return;
    Driver d[N_RATED + 2];
    memset(d, 0, sizeof(d));
    for (int i = 0; i < N_RATED + 2; i++) {
        TalkieSettings s;
        settings_for(&s, ctx, i != N_RATED);   /* N_RATED: the bystander */
        s.max_frames_in_flight = 4;
        d[i].k = i;
        d[i].close_after = i == N_RATED + 1 ? 10 : 0;
        CHECK_EQ(talkie_session_open(&d[i].session, &s), 0);
        if (!d[i].session)
            return;
    }
    pthread_t threads[N_RATED + 2];
    for (int i = 0; i < N_RATED + 2; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, drive, &d[i]), 0);
    for (int i = 0; i < N_RATED + 2; i++)
        pthread_join(threads[i], NULL);
    TalkieContextStats st;
    CHECK_EQ(talkie_context_stats(ctx, &st), 0);
    fprintf(stderr, "%d sessions at once: %lld submissions, %lld codings, %lld of them again "
            "(the rated sessions' reference: %d)\n", N_RATED + 2, (long long)st.submissions,
            (long long)st.frames, (long long)st.frames_recoded, want_recoded);
    /* the victim's frames may have been coded again too, before it closed */
    CHECK_CMP(st.frames_recoded, >=, want_recoded);
    for (int i = 0; i < N_RATED; i++)
        check_equal("shared", i, &d[i].got, &want[i]);
    /* the bystander: every frame once, in order */
    CHECK_EQ(d[N_RATED].got.n, FRAMES);
    for (int f = 0; f < FRAMES && f < d[N_RATED].got.n; f++)
        CHECK_EQ(d[N_RATED].got.packets[f].pts, f);
    CHECK(d[N_RATED + 1].session == NULL);
    for (int i = 0; i < N_RATED + 2; i++) {
        talkie_session_close(&d[i].session);
        stream_free(&d[i].got);
    }
    talkie_context_close(&ctx);
}

int main(void)
{
    TalkieDeviceInfo info[4];
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");
    Stream want[N_RATED];
    memset(want, 0, sizeof(want));
    int recoded[N_RATED], total = 0;
    for (int k = 0; k < N_RATED; k++) {
        recoded[k] = reference(k, &want[k]);
        CHECK_CMP(recoded[k], >, 0);   /* the point of the tiny bitrate */
        total += recoded[k];
        fprintf(stderr, "reference %d: %d frames coded again\n", k, recoded[k]);
    }
    if (recoded[0] > 0) {
        check_lockstep(&want[0], recoded[0]);
        check_many(want, total);
    }
    for (int k = 0; k < N_RATED; k++)
        stream_free(&want[k]);
    return tk_check_finish();
}
