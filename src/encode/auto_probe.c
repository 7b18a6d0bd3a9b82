/* The measured choice of TALKIE_ENCODER_AUTO on CPU devices; see auto_probe.h. */
#include "encode/auto_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "encode/backend.h"
#include "vk/vk.h"

enum {
    PROBE_FRAMES = 6,         /* timed frames at most, after the warm-up frame */
};
/* A backend stops after this much timed work (at least one timed frame). */
static const double PROBE_BUDGET_MS = 150.0;

static double now_ms(void)
{
    return (double)tk_clock_ns() * 1e-6;
}

/* A moving picture, so that P frames have motion to search as in real use: a diagonal
 * gradient that slides, a box that moves, chroma that drifts. */
static void fill_frame(uint8_t *img, const TkFrameLayout *l, int f)
{
    for (int y = 0; y < l->aligned_height; y++) {
        uint8_t *row = img + (size_t)y * l->luma_stride;
        for (int x = 0; x < l->aligned_width; x++) {
            int inside = x >= 40 + 3 * f && x < 88 + 3 * f && y >= 30 + 2 * f && y < 78 + 2 * f;
            row[x] = (uint8_t)(inside ? 220 - (x & 31) : 32 + ((x + 2 * y + 5 * f) & 127));
        }
    }
    for (int y = 0; y < l->aligned_height / 2; y++) {
        uint8_t *row = img + l->chroma_offset + (size_t)y * l->luma_stride;
        for (int x = 0; x < l->aligned_width / 2; x++) {
            row[2 * x] = (uint8_t)(100 + ((x + f) & 31));
            row[2 * x + 1] = (uint8_t)(150 - ((y + f) & 31));
        }
    }
}

/* Takes every packet the backend has; TALKIE_EOF or EAGAIN mean "none now". */
static int drain(const TkEncoderBackend *b, void *enc)
{
    for (;;) {
        TalkiePacket pkt = { 0 };
        int r = b->receive(enc, &pkt);
        if (r == TALKIE_ERR(EAGAIN) || r == TALKIE_EOF)
            return 0;
        if (r < 0)
            return r;
        free(pkt.data);
    }
}

static int encode_one(const TkEncoderBackend *b, void *enc, TkVkBuffer *buf, int64_t pts)
{
    TkEncoderFrame fr = { .gpu = buf, .host = buf->map, .pts = pts };
    int r;
    while ((r = b->submit(enc, &fr)) == TALKIE_ERR(EAGAIN))
        if ((r = drain(b, enc)) < 0)
            return r;
    return r < 0 ? r : drain(b, enc);
}

/* Milliseconds per frame of backend `b` in the CPU stage (submit/receive: one frame at a
 * time, as the engine runs one session), or -1 when it cannot run here. */
static double time_backend(const TkEncoderBackend *b, TkVkDevice *vk, const TkLog *log,
                           TkVkBuffer *buf, const TkFrameLayout *layout)
{
    TkEncoderParams params = { .layout = *layout, .fps_num = 30, .fps_den = 1, .qp = 26,
                               .keyint = 250, .vk = vk, .log = log };
    void *enc = NULL;
    if (!b->submit || b->probe(&params) < 0 || b->open(&enc, &params) < 0)
        return -1;
    double ms = -1, t0 = 0;
    int timed = 0;
    for (int f = 0; f <= PROBE_FRAMES; f++) {
        fill_frame(buf->map, layout, f);
        if (f == 1)
            t0 = now_ms(); /* frame 0, the IDR, is the warm-up */
        if (encode_one(b, enc, buf, f) < 0)
            goto done;
        timed = f;
        if (f >= 1 && now_ms() - t0 > PROBE_BUDGET_MS)
            break;
    }
    if (b->flush(enc) < 0 || drain(b, enc) < 0)
        goto done;
    ms = (now_ms() - t0) / timed;
done:
    b->close(&enc);
    return ms;
}

TalkieEncoder tk_encoder_auto_rule(double lavc_ms, double compute_ms)
{
    if (lavc_ms < 0)
        return compute_ms < 0 ? TALKIE_ENCODER_AUTO : TALKIE_ENCODER_COMPUTE;
    if (compute_ms >= 0 && compute_ms < TK_AUTO_COMPUTE_MARGIN * lavc_ms)
        return TALKIE_ENCODER_COMPUTE;
    return TALKIE_ENCODER_LAVC;
}

static void figure(char *buf, size_t size, double ms)
{
    if (ms < 0)
        snprintf(buf, size, "not available");
    else
        snprintf(buf, size, "%.2f ms/frame", ms);
}

void tk_encoder_auto_measure(TkVkDevice *vk, const TkLog *log, TkAutoChoice *out)
{
    double t0 = now_ms();
    memset(out, 0, sizeof(*out));
    out->lavc_ms = out->compute_ms = -1;
    TkFrameLayout layout = tk_frame_layout(TK_AUTO_PROBE_WIDTH, TK_AUTO_PROBE_HEIGHT);
    TkVkBuffer buf = { 0 };
    /* host-visible, as every buffer is on a CPU device: compute reads it as a storage
     * buffer, lavc through the map */
    if (tk_vk_buffer_create(vk, &buf, layout.size, TK_VK_MEMORY_UPLOAD) >= 0 && buf.map) {
        out->lavc_ms = time_backend(&tk_encoder_lavc, vk, log, &buf, &layout);
        out->compute_ms = time_backend(&tk_encoder_compute, vk, log, &buf, &layout);
    }
    tk_vk_buffer_destroy(vk, &buf);
    out->encoder = tk_encoder_auto_rule(out->lavc_ms, out->compute_ms);
    char lavc[32], compute[32];
    figure(lavc, sizeof(lavc), out->lavc_ms);
    figure(compute, sizeof(compute), out->compute_ms);
    snprintf(out->reason, sizeof(out->reason),
             "a CPU device, measured at %dx%d: lavc %s, compute %s", TK_AUTO_PROBE_WIDTH,
             TK_AUTO_PROBE_HEIGHT, lavc, compute);
    out->probe_ms = now_ms() - t0;
}
