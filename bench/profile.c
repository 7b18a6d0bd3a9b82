/*
 * talkie-bench profile: where the time of a batch of compute encodes goes, host and GPU.
 * For batches of B encoders (one frame each, one submission), per batch: the host's frame
 * setup, recording and submit; each GPU stage from timestamps (tk_vk_cmd_timestamp after
 * every stage's barrier); the wait after the submit; and the host's NAL framing of the
 * access units. Then the same batches pipelined: two groups of B encoders on two command
 * buffers, the host recording one group while the GPU runs the other.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "encode/compute/encoder_gpu.h"
#include "inputs.h"
#include "measure.h"

#define PROFILE_ROUNDS 20

static const char *const stage_names[TK_ENCODER_GPU_STAGES] = {
    "analyse", "cavlc", "pack offsets", "pack write", "copy out",
};

/* B encoders, each with its own source frame in device memory. */
typedef struct Group {
    int n;
    TkEncoderGpu **enc;
    TkVkBuffer *src;
    TkEncoderGpuFrame *frames;
    TkVkCmd cmd;
} Group;

static void group_free(TkVkDevice *dev, Group *g)
{
    tk_vk_cmd_destroy(dev, &g->cmd);
    for (int i = 0; g->enc && g->src && i < g->n; i++) {
        tk_encoder_gpu_close(&g->enc[i]);
        tk_vk_buffer_destroy(dev, &g->src[i]);
    }
    free(g->enc);
    free(g->src);
    free(g->frames);
}

static int group_open(TkVkDevice *dev, const Frames *f, int n, int qp, Group *g)
{
    *g = (Group){ .n = n };
    TkEncoderRefParams p = { .layout = f->layout, .fps_num = 30, .fps_den = 1, .keyint = 1,
                             .slice_mb_rows = 1 };
    TkVkBuffer staging = { 0 };
    g->enc = calloc((size_t)n, sizeof(*g->enc));
    g->src = calloc((size_t)n, sizeof(*g->src));
    g->frames = calloc((size_t)n, sizeof(*g->frames));
    int ok = g->enc && g->src && g->frames && tk_vk_cmd_create(dev, &g->cmd) >= 0 &&
             tk_vk_cmd_enable_timestamps(dev, &g->cmd, 1 + TK_ENCODER_GPU_STAGES) >= 0 &&
             tk_vk_buffer_create(dev, &staging, f->layout.size, TK_VK_MEMORY_UPLOAD) >= 0;
    for (int i = 0; ok && i < n; i++) {
        ok = tk_encoder_gpu_open(&g->enc[i], dev, &p) >= 0 &&
             tk_vk_buffer_create(dev, &g->src[i], f->layout.size, TK_VK_MEMORY_DEVICE) >= 0 &&
             tk_bench_upload_frame(dev, &g->cmd, &staging, &g->src[i], f->data[i % f->n],
                                   f->layout.size) >= 0;
        g->frames[i] = (TkEncoderGpuFrame){ .encoder = g->enc[i], .src = &g->src[i], .qp = qp };
    }
    tk_vk_buffer_destroy(dev, &staging);
    if (!ok)
        group_free(dev, g);
    return ok ? 0 : -1;
}

static int group_submit(Group *g)
{
    return tk_encoder_gpu_batch_submit(g->frames, g->n, &g->cmd);
}

static int group_finish(Group *g)
{
    int res = tk_encoder_gpu_batch_finish(g->frames, g->n, &g->cmd);
    for (int i = 0; i < g->n; i++) {
        free(g->frames[i].au);
        g->frames[i].au = NULL;
    }
    return res;
}

/* One row: serial batches with every part timed, then pipelined batches' frames/s. */
static int profile_row(TkVkDevice *dev, const Frames *f, int batch, int qp)
{
    Group a, b;
    if (group_open(dev, f, batch, qp, &a) < 0)
        return -1;
    if (group_open(dev, f, batch, qp, &b) < 0) {
        group_free(dev, &a);
        return -1;
    }
    double submit = 0, wait = 0, finish = 0, stages[TK_ENCODER_GPU_STAGES] = { 0 };
    int ok = 1;
    for (int r = 0; ok && r <= PROFILE_ROUNDS; r++) {
        double t0 = tk_bench_now_ms();
        ok = group_submit(&a) >= 0;
        double t1 = tk_bench_now_ms();
        ok = ok && tk_vk_cmd_wait(dev, &a.cmd) >= 0;
        double t2 = tk_bench_now_ms();
        ok = ok && group_finish(&a) >= 0;
        double t3 = tk_bench_now_ms();
        double ts[1 + TK_ENCODER_GPU_STAGES];
        uint32_t n_ts = 1 + TK_ENCODER_GPU_STAGES;
        ok = ok && tk_vk_cmd_read_timestamps(dev, &a.cmd, ts, &n_ts) >= 0 &&
             n_ts == 1 + TK_ENCODER_GPU_STAGES;
        if (r == 0)
            continue; /* warm-up */
        submit += t1 - t0;
        wait += t2 - t1;
        finish += t3 - t2;
        for (int s = 0; ok && s < TK_ENCODER_GPU_STAGES; s++)
            stages[s] += ts[s + 1] - ts[s];
    }
    /* pipelined: b is recorded and submitted while a runs, and the other way round */
    double p0 = tk_bench_now_ms();
    ok = ok && group_submit(&a) >= 0;
    for (int r = 0; ok && r < PROFILE_ROUNDS; r++)
        ok = group_submit(&b) >= 0 && group_finish(&a) >= 0 && group_submit(&a) >= 0 &&
             group_finish(&b) >= 0;
    ok = ok && group_finish(&a) >= 0;
    double pipelined = (2.0 * PROFILE_ROUNDS + 1) * batch / ((tk_bench_now_ms() - p0) / 1e3);
    group_free(dev, &a);
    group_free(dev, &b);
    if (!ok)
        return -1;

    double gpu = 0;
    printf("| %dx%d | %d | %.3f |", f->layout.width, f->layout.height, batch,
           submit / PROFILE_ROUNDS);
    for (int s = 0; s < TK_ENCODER_GPU_STAGES; s++) {
        printf(" %.3f |", stages[s] / PROFILE_ROUNDS);
        gpu += stages[s] / PROFILE_ROUNDS;
    }
    double serial = (submit + wait + finish) / PROFILE_ROUNDS;
    printf(" %.3f | %.3f | %.3f | %.1f | %.0f | %.0f |\n", gpu, wait / PROFILE_ROUNDS,
           finish / PROFILE_ROUNDS, 1e3 * gpu / batch, batch / (serial / 1e3), pipelined);
    fflush(stdout);
    return 0;
}

int tk_bench_profile(const BenchOptions *o)
{
    TkVkDevice *dev = tk_bench_open_device();
    if (!dev)
        return 1;
    static const int batches[] = { 1, 16, 64, 256 };
    printf("Compute encoder, all intra, QP %d, conversation frames: ms per batch of B frames "
           "(B encoders, one submission), mean of %d batches. GPU stages from timestamps.\n\n",
           o->qp, PROFILE_ROUNDS);
    printf("| size | B | host: setup + record + submit |");
    for (int s = 0; s < TK_ENCODER_GPU_STAGES; s++)
        printf(" GPU %s |", stage_names[s]);
    printf(" GPU total | host wait after submit | host: NAL framing | GPU us/frame | frames/s "
           "serial | frames/s pipelined (2 groups) |\n|---|---|---|");
    for (int s = 0; s < TK_ENCODER_GPU_STAGES; s++)
        printf("---|");
    printf("---|---|---|---|---|---|\n");
    int res = 0;
    for (int s = 0; s < N_BENCH_SIZES && res == 0; s++) {
        TkFrameLayout l = tk_frame_layout(bench_sizes[s][0], bench_sizes[s][1]);
        Frames f;
        if (tk_bench_load_input(dev, &l, o->frames, INPUT_CONVERSATION, &f) < 0) {
            res = 1;
            break;
        }
        for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]) && res == 0; b++)
            if (profile_row(dev, &f, batches[b], o->qp) < 0) {
                fprintf(stderr, "profile: %dx%d, batch %d failed\n", l.width, l.height,
                        batches[b]);
                res = 1;
            }
        tk_bench_frames_free(&f);
    }
    tk_vk_device_close(&dev);
    return res;
}
