/*
 * talkie-bench: per-frame costs of rendering and encoding, next to libx264 measured in the
 * same run on the same frames.
 *
 *   talkie-bench intra [--frames N] [--qp Q]    all-intra: compute encoder vs x264 ultrafast and
 *                                               veryfast: bytes/frame, PSNR, ms/frame
 *   talkie-bench latency [--frames N]           compute encoder, frame on the GPU -> packet on
 *                                               the host: p50, p99
 *   talkie-bench throughput [--sessions S]      S compute sessions in S threads vs x264
 *                                               ultrafast in one thread per CPU core
 *   talkie-bench pipeline [--frames N]          render only, and render + encode through the
 *                                               public API, per encoder
 *   talkie-bench profile [--frames N]           compute encoder batches: host and GPU time of
 *                                               each stage (profile.c)
 *   talkie-bench kernels                        the driver's statistics of the encoder's
 *                                               kernels (registers and such), where offered
 *   talkie-bench slices [--frames N]            bytes per frame by slice height (the cost of
 *                                               coding macroblock rows in parallel)
 *   talkie-bench live [--sessions MAX] [--seconds S]   live sessions paced at 30 frames/s
 *                                               through the public API (live.c)
 *   talkie-bench api [--sessions N] [--width W] [--repeat R]  aggregate frames/s through the
 *                                               public API
 * Sizes: 256x256, 320x240, 640x360. Results go to stdout as a Markdown table.
 * TALKIE_FONT=path picks the font where fontconfig has none (the GPU machine).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "bench.h"
#include "encode/backend.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "inputs.h"
#include "measure.h"
#include "render/render.h"
#include "scene/scene.h"
#include "talkie/talkie.h"
#include "vk/vk.h"
#include "x264.h"

const int bench_sizes[N_BENCH_SIZES][2] = { { 256, 256 }, { 320, 240 }, { 640, 360 } };






/* The result of encoding a set of frames with one encoder. */
typedef struct EncodeResult {
    double ms_per_frame;
    double bytes_per_frame;
    TkPsnr psnr;
    int ok;
} EncodeResult;

/* Decodes the packets and measures PSNR against the source frames. */
static void score(const Frames *src, uint8_t **packets, size_t *sizes_out, EncodeResult *r)
{
    Frames dec;
    double sse[3] = { 0, 0, 0 };
    r->ok = 0;
    if (tk_bench_frames_alloc(&dec, &src->layout, src->n) < 0) {
        tk_bench_frames_free(&dec);
        return;
    }
    int got = tk_bench_decode(&src->layout, packets, sizes_out, src->n, dec.data);
    if (got == src->n) {
        for (int i = 0; i < src->n; i++)
            tk_bench_sse(&src->layout, src->data[i], dec.data[i], sse);
        r->psnr = tk_bench_psnr(&src->layout, sse, src->n);
        r->ok = 1;
    } else {
        fprintf(stderr, "decode failed: %d of %d frames\n", got, src->n);
    }
    tk_bench_frames_free(&dec);
}

/* The packets of one encoded run, one per source frame. */
typedef struct Packets {
    uint8_t **data;
    size_t *sizes;
    int n;
} Packets;

static int packets_alloc(Packets *pk, int n)
{
    pk->n = n;
    pk->data = calloc((size_t)n, sizeof(*pk->data));
    pk->sizes = calloc((size_t)n, sizeof(*pk->sizes));
    return pk->data && pk->sizes ? 0 : -1;
}

static void packets_free(Packets *pk)
{
    for (int i = 0; pk->data && i < pk->n; i++)
        free(pk->data[i]);
    free(pk->data);
    free(pk->sizes);
}

/* A run that encoded every frame: bytes per frame, and PSNR when `check`. */
static void tally(const Frames *src, const Packets *pk, int check, EncodeResult *r)
{
    for (int i = 0; i < pk->n; i++)
        r->bytes_per_frame += (double)pk->sizes[i] / pk->n;
    r->ok = 1;
    if (check)
        score(src, pk->data, pk->sizes, r);
}

static EncodeResult run_x264(const Frames *src, const char *preset, int qp, int intra_only,
                             int check)
{
    EncodeResult r = { 0 };
    TkX264 *x;
    Packets pk;
    if (packets_alloc(&pk, src->n) < 0 ||
        tk_x264_open(&x, &src->layout, preset, qp, intra_only) < 0)
        goto done;
    double t0 = tk_bench_now_ms();
    int i;
    for (i = 0; i < src->n; i++)
        if (tk_x264_encode(x, src->data[i], i, &pk.data[i], &pk.sizes[i]) < 0)
            break;
    double t1 = tk_bench_now_ms();
    tk_x264_close(&x);
    if (i < src->n)
        goto done;
    r.ms_per_frame = (t1 - t0) / src->n;
    tally(src, &pk, check, &r);
done:
    packets_free(&pk);
    return r;
}

/* Encodes src with talkie's C reference encoder (the compute backend's bitstream, on the
 * CPU), with the deblocking filter on or off and slices of `slice_rows` macroblock rows:
 * what the filter and the slice height do to bytes and PSNR. */
static EncodeResult run_ref(const Frames *src, int qp, int deblock, int slice_rows)
{
    EncodeResult r = { 0 };
    TkEncoderRef *e = NULL;
    TkEncoderRefParams p = { .layout = src->layout, .fps_num = 30, .fps_den = 1, .keyint = 1,
                             .slice_mb_rows = slice_rows, .deblock = deblock };
    Packets pk;
    int i = 0, idr;
    if (packets_alloc(&pk, src->n) < 0 || tk_encoder_ref_open(&e, &p) < 0)
        goto done;
    double t0 = tk_bench_now_ms();
    for (i = 0; i < src->n; i++)
        if (tk_encoder_ref_encode(e, src->data[i], qp, &pk.data[i], &pk.sizes[i], &idr) < 0)
            break;
    r.ms_per_frame = (tk_bench_now_ms() - t0) / src->n;
    if (i < src->n)
        goto done;
    tally(src, &pk, 1, &r);
done:
    tk_encoder_ref_close(&e);
    packets_free(&pk);
    return r;
}

/* Opens the compute backend on `dev` for layout `l` at a constant QP (all intra). */
static int open_compute(TkVkDevice *dev, const TkFrameLayout *l, int qp, void **enc)
{
    TkLog *log = NULL;
    TkEncoderParams p = {
        .layout = *l, .fps_num = 30, .fps_den = 1, .qp = qp, .keyint = 1, .vk = dev, .log = log,
    };
    if (tk_encoder_compute.probe(&p) < 0)
        return -1;
    return tk_encoder_compute.open(enc, &p);
}

/* Encodes src with the compute backend; each frame is copied into device memory before the
 * clock starts for it (in real use the renderer leaves it there). latencies[i] gets the
 * time from submit to packet of frame i. pace_ms > 0: frames start that far apart, as in a
 * live stream (the GPU idles in between and its clocks drop), else back to back. */
static EncodeResult run_compute(TkVkDevice *dev, const Frames *src, int qp, double *latencies,
                                int check, double pace_ms)
{
    EncodeResult r = { 0 };
    void *enc = NULL;
    TkVkBuffer gpu = { 0 }, staging = { 0 };
    TkVkCmd cmd = { 0 };
    Packets pk;
    double total = 0;
    int i = 0;
    if (packets_alloc(&pk, src->n) < 0 || open_compute(dev, &src->layout, qp, &enc) < 0 ||
        tk_vk_buffer_create(dev, &gpu, src->layout.size, TK_VK_MEMORY_DEVICE) < 0 ||
        tk_vk_buffer_create(dev, &staging, src->layout.size, TK_VK_MEMORY_UPLOAD) < 0 ||
        tk_vk_cmd_create(dev, &cmd) < 0)
        goto done;
    double start = tk_bench_now_ms();
    for (i = 0; i < src->n; i++) {
        if (tk_bench_upload_frame(dev, &cmd, &staging, &gpu, src->data[i], src->layout.size) < 0)
            break;
        if (pace_ms > 0)
            tk_bench_sleep_until_ms(start + i * pace_ms);
        TkEncoderFrame frame = { .gpu = &gpu, .host = NULL, .pts = i };
        TalkiePacket pkt = { 0 };
        double t0 = tk_bench_now_ms();
        if (tk_encoder_compute.submit(enc, &frame) < 0 || tk_encoder_compute.receive(enc, &pkt) < 0)
            break;
        double dt = tk_bench_now_ms() - t0;
        total += dt;
        if (latencies)
            latencies[i] = dt;
        pk.data[i] = calloc(1, pkt.size + 64);
        if (!pk.data[i]) {
            talkie_packet_unref(&pkt);
            break;
        }
        memcpy(pk.data[i], pkt.data, pkt.size);
        pk.sizes[i] = pkt.size;
        talkie_packet_unref(&pkt);
    }
    if (i < src->n)
        goto done;
    r.ms_per_frame = total / src->n;
    tally(src, &pk, check, &r);
done:
    if (enc)
        tk_encoder_compute.close(&enc);
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &gpu);
    tk_vk_buffer_destroy(dev, &staging);
    packets_free(&pk);
    return r;
}


static void print_row(const char *input, const TkFrameLayout *l, const char *encoder,
                      const EncodeResult *r, const EncodeResult *anchor)
{
    if (!r->ok) {
        printf("| %s | %dx%d | %s | failed | | | | |\n", input, l->width, l->height, encoder);
        return;
    }
    printf("| %s | %dx%d | %s | %.0f | %.2f | %.2f | %.3f | %.2f |\n", input, l->width, l->height,
           encoder, r->bytes_per_frame, r->psnr.y, r->psnr.yuv, r->ms_per_frame,
           anchor->ms_per_frame / r->ms_per_frame);
}

static int bench_intra(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev)
        fprintf(stderr, "no Vulkan device: x264 only, pattern input only\n");
    printf("All intra, QP %d, %d frames per input.\n\n", o->qp, o->frames);
    printf("| input | size | encoder | bytes/frame | PSNR Y | PSNR YUV | ms/frame | speed vs x264 ultrafast |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int s = 0; s < N_BENCH_SIZES; s++) {
        TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
        for (int input = 0; input < 2; input++) {
            Frames f;
            const char *name = input ? "conversation" : "pattern";
            if (tk_bench_load_input(dev, &l, o->frames, input, &f) < 0)
                continue;
            EncodeResult ultrafast = run_x264(&f, "ultrafast", o->qp, 1, 1);
            EncodeResult veryfast = run_x264(&f, "veryfast", o->qp, 1, 1);
            print_row(name, &l, "x264 ultrafast", &ultrafast, &ultrafast);
            print_row(name, &l, "x264 veryfast", &veryfast, &ultrafast);
            if (dev) {
                EncodeResult c = run_compute(dev, &f, o->qp, NULL, 1, 0);
                print_row(name, &l, "talkie compute", &c, &ultrafast);
            }
            EncodeResult off = run_ref(&f, o->qp, TK_DEBLOCK_OFF, 1);
            EncodeResult on = run_ref(&f, o->qp, TK_DEBLOCK_ON, 1);
            EncodeResult whole = run_ref(&f, o->qp, TK_DEBLOCK_AUTO, l.mb_height);
            print_row(name, &l, "talkie C reference, deblocking off", &off, &ultrafast);
            print_row(name, &l, "talkie C reference, deblocking on", &on, &ultrafast);
            print_row(name, &l, "talkie C reference, one slice a frame", &whole, &ultrafast);
            tk_bench_frames_free(&f);
        }
    }
    tk_vk_device_close(&dev);
    return 0;
}

static int bench_latency(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev) {
        fprintf(stderr, "no Vulkan device\n");
        return 1;
    }
    /* Back to back, the GPU stays busy and clocked up; a live stream sends a frame every
     * 33 ms and the GPU idles in between, which is the latency its viewers get. All sizes
     * back to back first: after a paced run the clocks are down and take hundreds of
     * frames to come back, which would land in the next back-to-back figures. */
    static const double paces[] = { 0, 1000.0 / 30 };
    int paced_frames = o->frames < 90 ? o->frames : 90;
    printf("Compute encoder latency, frame on the GPU -> packet on the host, QP %d, "
           "conversation input: %d frames back to back, then %d frames 33.3 ms apart (30 "
           "frames/s, as live).\n\n", o->qp, o->frames, paced_frames);
    printf("| size | frames | p50 ms | p99 ms | mean ms | x264 ultrafast ms/frame (1 thread) "
           "|\n|---|---|---|---|---|---|\n");
    double *lat = calloc((size_t)o->frames, sizeof(double));
    for (int p = 0; lat && p < 2; p++)
        for (int s = 0; s < N_BENCH_SIZES; s++) {
            TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
            Frames f;
            if (tk_bench_load_input(dev, &l, p == 0 ? o->frames : paced_frames,
                                    INPUT_CONVERSATION, &f) < 0)
                break;
            EncodeResult c = run_compute(dev, &f, o->qp, lat, 0, paces[p]);
            EncodeResult x = run_x264(&f, "ultrafast", o->qp, 1, 0);
            const char *how = p == 0 ? "back to back" : "every 33.3 ms";
            if (c.ok)
                printf("| %dx%d | %s | %.3f | %.3f | %.3f | %.3f |\n", l.width, l.height, how,
                       tk_bench_quantile(lat, f.n, 0.5), tk_bench_quantile(lat, f.n, 0.99),
                       c.ms_per_frame, x.ms_per_frame);
            else
                printf("| %dx%d | %s | failed | | | |\n", l.width, l.height, how);
            tk_bench_frames_free(&f);
        }
    free(lat);
    tk_vk_device_close(&dev);
    return 0;
}

/* One thread of a throughput run: a worker (one encoder, GPU or x264) or a batch job (`batch`
 * GPU encoders submitted together). */
typedef struct Job {
    pthread_t thread;
    pthread_barrier_t *start; /* every job is set up: the clock starts */
    TkVkDevice *dev;         /* shared by every GPU job: one queue each */
    const Frames *frames;
    int index;
    int qp;
    int use_gpu;             /* workers: compute backend or x264 */
    int batch;               /* batch jobs: encoders per submission */
    int queues;              /* batch jobs: queues shared by all jobs (0: one per group) */
    int rounds;
    int done_frames;
    double start_ms, end_ms; /* measured by the job itself, so a late main thread cannot skew */
} Job;

/* Opens one encoder, waits for the others, then encodes rounds x frames. A GPU worker
 * encodes its own frame (index % n), put in device memory once beforehand, as a renderer
 * leaves it there; x264 reads each frame from host memory. */
static void *worker_main(void *opaque)
{
    Job *w = opaque;
    const Frames *f = w->frames;
    void *enc = NULL;
    TkX264 *x = NULL;
    TkVkBuffer gpu = { 0 }, staging = { 0 };
    TkVkCmd cmd = { 0 };
    int ok = w->use_gpu
                 ? open_compute(w->dev, &f->layout, w->qp, &enc) >= 0 &&
                       tk_vk_buffer_create(w->dev, &gpu, f->layout.size, TK_VK_MEMORY_DEVICE) >= 0 &&
                       tk_vk_buffer_create(w->dev, &staging, f->layout.size,
                                           TK_VK_MEMORY_UPLOAD) >= 0 &&
                       tk_vk_cmd_create(w->dev, &cmd) >= 0 &&
                       tk_bench_upload_frame(w->dev, &cmd, &staging, &gpu, f->data[w->index % f->n],
                                    f->layout.size) >= 0
                 : tk_x264_open(&x, &f->layout, "ultrafast", w->qp, 1) >= 0;
    pthread_barrier_wait(w->start);
    w->start_ms = tk_bench_now_ms();
    for (int r = 0; ok && r < w->rounds; r++)
        for (int i = 0; ok && i < f->n; i++) {
            uint8_t *au = NULL;
            size_t size = 0;
            if (w->use_gpu) {
                TkEncoderFrame frame = { .gpu = &gpu, .pts = (int64_t)r * f->n + i };
                TalkiePacket pkt = { 0 };
                ok = tk_encoder_compute.submit(enc, &frame) >= 0 &&
                     tk_encoder_compute.receive(enc, &pkt) >= 0;
                talkie_packet_unref(&pkt);
            } else {
                ok = tk_x264_encode(x, f->data[i], (int64_t)r * f->n + i, &au, &size) >= 0;
                free(au);
            }
            w->done_frames += ok;
        }
    w->end_ms = tk_bench_now_ms();
    if (enc)
        tk_encoder_compute.close(&enc);
    tk_vk_cmd_destroy(w->dev, &cmd);
    tk_vk_buffer_destroy(w->dev, &gpu);
    tk_vk_buffer_destroy(w->dev, &staging);
    tk_x264_close(&x);
    return NULL;
}

/* A thread that owns two groups of `batch` encoders on the shared device and keeps one group
 * on the GPU while it records or frames the other (tk_bench_groups_pipelined). Each encoder
 * keeps encoding its own source frame, held in device memory. */
static void *batch_main(void *opaque)
{
    Job *j = opaque;
    BenchGroup a = { 0 }, b = { 0 };
    int first = 2 * j->index * j->batch;
    int ok = tk_bench_group_open(j->dev, j->frames, first, j->batch, j->qp, 0, &a) >= 0;
    if (ok && tk_bench_group_open(j->dev, j->frames, first + j->batch, j->batch, j->qp, 0,
                                  &b) < 0) {
        tk_bench_group_free(j->dev, &a);
        ok = 0;
    }
    if (ok && j->queues > 0) {
        tk_vk_cmd_set_queue(j->dev, &a.cmd, (uint32_t)(2 * j->index) % (uint32_t)j->queues);
        tk_vk_cmd_set_queue(j->dev, &b.cmd, (uint32_t)(2 * j->index + 1) % (uint32_t)j->queues);
    }
    pthread_barrier_wait(j->start);
    j->start_ms = tk_bench_now_ms();
    int frames = ok ? tk_bench_groups_pipelined(&a, &b, j->rounds) : -1;
    j->end_ms = tk_bench_now_ms();
    j->done_frames = frames > 0 ? frames : 0;
    if (ok) {
        tk_bench_group_free(j->dev, &a);
        tk_bench_group_free(j->dev, &b);
    }
    return NULL;
}

/* Runs n copies of job `proto` (one thread each, index 0..n-1) at once and returns their
 * frames per second together, counted from the moment every one of them is set up. */
static double run_jobs(const Job *proto, int n, void *(*job_main)(void *))
{
    Job *j = calloc((size_t)n, sizeof(*j));
    pthread_barrier_t start;
    if (!j || pthread_barrier_init(&start, NULL, (unsigned)n + 1) != 0) {
        free(j);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        j[i] = *proto;
        j[i].start = &start;
        j[i].index = i;
        pthread_create(&j[i].thread, NULL, job_main, &j[i]);
    }
    pthread_barrier_wait(&start);
    int total = 0;
    double first = 0, last = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(j[i].thread, NULL);
        total += j[i].done_frames;
        first = i == 0 || j[i].start_ms < first ? j[i].start_ms : first;
        last = j[i].end_ms > last ? j[i].end_ms : last;
    }
    double secs = (last - first) / 1e3;
    pthread_barrier_destroy(&start);
    free(j);
    return total / secs;
}

static double run_workers(TkVkDevice *dev, const Frames *f, int n, int use_gpu, int qp,
                          int rounds)
{
    Job proto = { .dev = dev, .frames = f, .qp = qp, .use_gpu = use_gpu, .rounds = rounds };
    return run_jobs(&proto, n, worker_main);
}

static double run_batched(TkVkDevice *dev, const Frames *f, int threads, int batch, int queues,
                          int qp, int rounds)
{
    Job proto = { .dev = dev, .frames = f, .qp = qp, .use_gpu = 1, .batch = batch,
                  .queues = queues, .rounds = rounds };
    return run_jobs(&proto, threads, batch_main);
}

/* Rounds over the frames for each x264 thread: long enough (~0.5 s at 320x240) that thread
 * start-up and clock ramps do not decide the figure. */
#define X264_ROUNDS 16

static int bench_throughput(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev)
        return 1;
    printf("Aggregate all-intra frames/s, QP %d: S encoders on one Vulkan device (one queue each, "
           "%u queues), each in its own thread, vs x264 ultrafast in T threads. Encode only: each "
           "GPU encoder re-encodes one conversation frame held in device memory (as the "
           "renderer leaves it), x264 reads the frames from host memory.\n\n", o->qp,
           dev->n_queues);
    printf("Batched: each thread owns two groups of B encoders and submits one frame of each "
           "encoder of a group per submission (tk_encoder_gpu_batch_submit), recording and "
           "framing one group while the GPU runs the other; each encoder re-encodes its own "
           "frame.\n\n");
    int S = o->sessions;
    printf("| size | talkie compute, %d sessions | 1 thread, B = %d | 1 thread, B = %d | "
           "4 threads, B = %d, 2 queues | 4 threads, B = %d, 8 queues | x264 ultrafast, %d "
           "threads (better of a run before and after) | best GPU / x264 |\n|---|---|---|---|---|---|---|---|\n", S, S, 4 * S, S,
           S, o->threads);
    for (int s = 0; s < N_BENCH_SIZES; s++) {
        TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
        Frames f;
        if (tk_bench_load_input(dev, &l, o->frames, INPUT_CONVERSATION, &f) < 0)
            return 1;
        /* x264 before and after the GPU runs, the better of the two counting: a short run on
         * a shared machine swings by tens of percent, and the anchor should not be low */
        double cpu = run_workers(dev, &f, o->threads, 0, o->qp, X264_ROUNDS);
        double gpu[5];
        gpu[0] = run_workers(dev, &f, S, 1, o->qp, 2);
        gpu[1] = run_batched(dev, &f, 1, S, 0, o->qp, f.n);
        gpu[2] = run_batched(dev, &f, 1, 4 * S, 0, o->qp, f.n / 4 + 1);
        gpu[3] = run_batched(dev, &f, 4, S, 2, o->qp, f.n / 2 + 1);
        gpu[4] = run_batched(dev, &f, 4, S, 8, o->qp, f.n / 2 + 1);
        double cpu_after = run_workers(dev, &f, o->threads, 0, o->qp, X264_ROUNDS);
        cpu = cpu_after > cpu ? cpu_after : cpu;
        double best = 0;
        printf("| %dx%d |", l.width, l.height);
        for (int k = 0; k < 5; k++) {
            printf(" %.0f |", gpu[k]);
            best = gpu[k] > best ? gpu[k] : best;
        }
        printf(" %.0f | %.2f |\n", cpu, best / cpu);
        fflush(stdout);
        tk_bench_frames_free(&f);
    }
    tk_vk_device_close(&dev);
    return 0;
}

/* Per-frame cost of the whole public pipeline: render + encode + packet, for one encoder. */
static double pipeline_ms(int w, int h, TalkieEncoder encoder, int frames, int qp)
{
    TalkieSettings st;
    talkie_default_settings(&st);
    st.width = w;
    st.height = h;
    st.encoder = encoder;
    st.qp = qp;
    st.font_path = getenv("TALKIE_FONT");
    TalkieSession *s;
    if (talkie_session_open(&s, &st) < 0)
        return -1;
    TalkieTurn turn = { "Ada", "Measuring the whole pipeline, one frame at a time.", 0, 100000 };
    talkie_session_say(s, &turn);
    double t0 = tk_bench_now_ms();
    int ok = 1;
    for (int i = 0; i < frames && ok; i++) {
        ok = talkie_session_send_frame(s, i) == 0;
        TalkiePacket pkt;
        while (ok && talkie_session_get_packet(s, &pkt) == 0)
            talkie_packet_unref(&pkt);
    }
    double dt = tk_bench_now_ms() - t0;
    talkie_session_close(&s);
    return ok ? dt / frames : -1;
}

static double render_only_ms(TkVkDevice *dev, const TkFrameLayout *l, int frames)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkScene *scene = NULL;
    TkRenderer *r = NULL;
    TkVkBuffer target = { 0 };
    TkVkCmd cmd = { 0 };
    TalkieTurn turn = { "Ada", "Measuring the renderer alone, one frame at a time.", 0, 100000 };
    double result = -1;
    if (tk_scene_create(&scene, &log) < 0 || tk_scene_add_turn(scene, &turn) < 0 ||
        tk_renderer_create(&r, dev, l, getenv("TALKIE_FONT"), &log) < 0 ||
        tk_vk_buffer_create(dev, &target, l->size, TK_VK_MEMORY_DEVICE) < 0 ||
        tk_vk_cmd_create(dev, &cmd) < 0)
        goto done;
    double t0 = tk_bench_now_ms();
    for (int i = 0; i < frames; i++) {
        if (tk_vk_cmd_begin(dev, &cmd) < 0 ||
            tk_renderer_record(r, scene, (int64_t)i * 33, &cmd, &target) < 0 ||
            tk_vk_cmd_submit(dev, &cmd) < 0 || tk_vk_cmd_wait(dev, &cmd) < 0)
            goto done;
    }
    result = (tk_bench_now_ms() - t0) / frames;
done:
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &target);
    tk_renderer_destroy(&r);
    tk_scene_destroy(&scene);
    return result;
}

static int bench_pipeline(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev)
        return 1;
    printf("Per-frame ms, %d frames, QP %d. Render: record + submit + wait. Encode only: the "
           "frame is already in memory (compute: all intra, on the GPU; x264: veryfast, "
           "zerolatency, 1 thread, I+P as the lavc backend). Render + encode: the public API, "
           "packet on the host.\n\n", o->frames, o->qp);
    printf("| size | render only | encode only, compute | encode only, x264 | "
           "render + compute encode | render + lavc (x264) encode |\n|---|---|---|---|---|---|\n");
    for (int s = 0; s < N_BENCH_SIZES; s++) {
        TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
        Frames f;
        if (tk_bench_load_input(dev, &l, o->frames, INPUT_CONVERSATION, &f) < 0)
            return 1;
        EncodeResult c = run_compute(dev, &f, o->qp, NULL, 0, 0);
        EncodeResult x = run_x264(&f, "veryfast", o->qp, 0, 0);
        printf("| %dx%d | %.3f | %.3f | %.3f | %.3f | %.3f |\n", l.width, l.height,
               render_only_ms(dev, &l, o->frames), c.ok ? c.ms_per_frame : -1,
               x.ok ? x.ms_per_frame : -1,
               pipeline_ms(l.width, l.height, TALKIE_ENCODER_COMPUTE, o->frames, o->qp),
               pipeline_ms(l.width, l.height, TALKIE_ENCODER_LAVC, o->frames, o->qp));
        tk_bench_frames_free(&f);
    }
    printf("\n(-1 means that path failed or is not available.)\n");
    tk_vk_device_close(&dev);
    return 0;
}

/* The cost of the parallel layout in bits: the C reference (same bytes as the GPU) encodes the
 * same frames with slices of 1, 2 and 4 macroblock rows and one slice per frame. */
static int bench_slices(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    printf("Bytes per frame by slice height (all intra, QP %d, %d frames, C reference = GPU "
           "bytes). One slice per row is what the GPU encoder uses: its rows are coded in "
           "parallel.\n\n", o->qp, o->frames);
    printf("| input | size | 1 row | 2 rows | 4 rows | whole frame | 1 row vs whole frame |\n"
           "|---|---|---|---|---|---|---|\n");
    static const int rows[] = { 1, 2, 4, 1000 };
    for (int s = 0; s < N_BENCH_SIZES; s++) {
        TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
        for (int input = 0; input < 2; input++) {
            Frames f;
            if (tk_bench_load_input(dev, &l, o->frames, input, &f) < 0)
                continue;
            double bytes[4] = { 0, 0, 0, 0 };
            for (int r = 0; r < 4; r++) {
                TkEncoderRefParams p = { .layout = l, .fps_num = 30, .fps_den = 1, .keyint = 1,
                                         .slice_mb_rows = rows[r] < l.mb_height ? rows[r]
                                                                                : l.mb_height };
                TkEncoderRef *e;
                if (tk_encoder_ref_open(&e, &p) < 0)
                    return 1;
                for (int i = 0; i < f.n; i++) {
                    uint8_t *au = NULL;
                    size_t size = 0;
                    int idr;
                    if (tk_encoder_ref_encode(e, f.data[i], o->qp, &au, &size, &idr) == 0)
                        bytes[r] += (double)size / f.n;
                    free(au);
                }
                tk_encoder_ref_close(&e);
            }
            printf("| %s | %dx%d | %.0f | %.0f | %.0f | %.0f | %+.1f%% |\n",
                   input ? "conversation" : "pattern", l.width, l.height, bytes[0], bytes[1],
                   bytes[2], bytes[3], 100.0 * (bytes[0] / bytes[3] - 1));
            tk_bench_frames_free(&f);
        }
    }
    tk_vk_device_close(&dev);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: talkie-bench intra|latency|throughput|pipeline|profile|kernels|"
                    "slices|live|api [--frames N] [--qp Q] [--sessions S] [--threads T] "
                    "[--seconds S] [--encoder compute|lavc] [--width W (api: one size)] "
                    "[--repeat N (api)]\n");
    return 2;
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    BenchOptions o = { .frames = 60, .qp = 26, .sessions = 8, .threads = cores > 0 ? (int)cores : 1,
                       .encoder = TALKIE_ENCODER_COMPUTE, .repeat = 1 };
    if (argc < 2)
        return usage();
    for (int i = 2; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--frames") && v > 0)
            o.frames = v;
        else if (!strcmp(argv[i], "--qp") && v >= 0 && v <= 51)
            o.qp = v;
        else if (!strcmp(argv[i], "--sessions") && v > 0)
            o.sessions = v;
        else if (!strcmp(argv[i], "--threads") && v > 0)
            o.threads = v;
        else if (!strcmp(argv[i], "--seconds") && v > 0)
            o.seconds = v;
        else if (!strcmp(argv[i], "--width") && v > 0)
            o.width = v;
        else if (!strcmp(argv[i], "--repeat") && v > 0 && v <= 99)
            o.repeat = v;
        else if (!strcmp(argv[i], "--encoder") && !strcmp(argv[i + 1], "lavc"))
            o.encoder = TALKIE_ENCODER_LAVC;
        else if (!strcmp(argv[i], "--encoder") && !strcmp(argv[i + 1], "compute"))
            o.encoder = TALKIE_ENCODER_COMPUTE;
        else
            return usage();
    }
    if (!strcmp(argv[1], "intra"))
        return bench_intra(&o);
    if (!strcmp(argv[1], "latency"))
        return bench_latency(&o);
    if (!strcmp(argv[1], "throughput"))
        return bench_throughput(&o);
    if (!strcmp(argv[1], "pipeline"))
        return bench_pipeline(&o);
    if (!strcmp(argv[1], "kernels"))
        return tk_bench_kernels();
    if (!strcmp(argv[1], "profile"))
        return tk_bench_profile(&o);
    if (!strcmp(argv[1], "slices"))
        return bench_slices(&o);
    if (!strcmp(argv[1], "live"))
        return tk_bench_live(&o);
    if (!strcmp(argv[1], "api"))
        return tk_bench_api(&o);
    return usage();
}
