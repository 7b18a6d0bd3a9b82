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

#include "batch.h"
#include "bench.h"
#include "encode/compute/encoder_gpu.h"
#include "inputs.h"
#include "measure.h"

#define PROFILE_ROUNDS 20


/* One row: serial batches with every part timed, then pipelined batches' frames/s. */
static int profile_row(TkVkDevice *dev, const Frames *f, int batch, int qp)
{
    BenchGroup a, b;
    if (tk_bench_group_open(dev, f, 0, batch, qp, 1, &a) < 0)
        return -1;
    if (tk_bench_group_open(dev, f, 0, batch, qp, 1, &b) < 0) {
        tk_bench_group_free(dev, &a);
        return -1;
    }
    double submit = 0, wait = 0, finish = 0, stages[TK_ENCODER_GPU_STAGES] = { 0 };
    int ok = 1;
    for (int r = 0; ok && r <= PROFILE_ROUNDS; r++) {
        double t0 = tk_bench_now_ms();
        ok = tk_bench_group_submit(&a) >= 0;
        double t1 = tk_bench_now_ms();
        ok = ok && tk_vk_cmd_wait(dev, &a.cmd) >= 0;
        double t2 = tk_bench_now_ms();
        ok = ok && tk_bench_group_finish(&a) >= 0;
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
    int frames = ok ? tk_bench_groups_pipelined(&a, &b, PROFILE_ROUNDS) : -1;
    double pipelined = frames / ((tk_bench_now_ms() - p0) / 1e3);
    ok = frames > 0;
    tk_bench_group_free(dev, &a);
    tk_bench_group_free(dev, &b);
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
        printf(" GPU %s |", tk_encoder_gpu_stage_names[s]);
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

static void print_kernel(TkVkDevice *dev, const char *name, const TkVkKernel *k)
{
    char text[2048];
    int res = k ? tk_vk_kernel_statistics(dev, k, text, sizeof(text)) : TALKIE_ERROR_UNSUPPORTED;
    printf("%s:\n%s\n", name, res < 0 ? "(no statistics from this driver)\n" : text);
}

int tk_bench_kernels(void)
{
    static const TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams p = { .device_index = -1, .log = &log, .kernel_statistics = 1 };
    TkVkDevice *dev = NULL;
    if (tk_vk_device_open(&dev, &p) < 0)
        return 1;
    printf("Compiler statistics of the encoder's kernels on %s:\n\n", dev->props.deviceName);
    TkAnalyseGpu wide = { 0 }, narrow = { 0 };
    TkCavlcGpu cavlc = { 0 };
    TkPackGpu pack = { 0 };
    TkAnalysePGpu inter = { 0 };
    tk_analyse_gpu_create_shape(dev, &wide, TK_ANALYSE_WIDE);
    tk_analyse_gpu_create_shape(dev, &narrow, TK_ANALYSE_NARROW);
    tk_cavlc_gpu_create(dev, &cavlc);
    tk_pack_gpu_create(dev, &pack);
    tk_analyse_p_gpu_create(dev, &inter);
    print_kernel(dev, "analyse.comp", wide.kernel);
    print_kernel(dev, "analyse_narrow.comp", narrow.kernel);
    print_kernel(dev, "cavlc.comp", cavlc.kernel);
    print_kernel(dev, "pack.comp", pack.kernel);
    print_kernel(dev, "search_p.comp", inter.search);
    print_kernel(dev, "analyse_p.comp", inter.kernel);
    tk_vk_device_close(&dev);
    return 0;
}
