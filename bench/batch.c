/* Groups of compute encoders for the benchmarks; see batch.h. */
#include "batch.h"

#include <stdlib.h>

void tk_bench_group_free(TkVkDevice *dev, BenchGroup *g)
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

int tk_bench_group_open(TkVkDevice *dev, const Frames *f, int first, int n, int qp,
                        int timestamps, BenchGroup *g)
{
    *g = (BenchGroup){ .n = n };
    TkEncoderRefParams p = { .layout = f->layout, .fps_num = 30, .fps_den = 1, .keyint = 1,
                             .slice_mb_rows = 1,
                             .deblock = TK_DEBLOCK_AUTO }; /* as the backend */
    TkVkBuffer staging = { 0 };
    g->enc = calloc((size_t)n, sizeof(*g->enc));
    g->src = calloc((size_t)n, sizeof(*g->src));
    g->frames = calloc((size_t)n, sizeof(*g->frames));
    int ok = g->enc && g->src && g->frames && tk_vk_cmd_create(dev, &g->cmd) >= 0 &&
             (!timestamps ||
              tk_vk_cmd_enable_timestamps(dev, &g->cmd, 1 + TK_ENCODER_GPU_STAGES) >= 0) &&
             tk_vk_buffer_create(dev, &staging, f->layout.size, TK_VK_MEMORY_UPLOAD) >= 0;
    for (int i = 0; ok && i < n; i++) {
        ok = tk_encoder_gpu_open(&g->enc[i], dev, &p) >= 0 &&
             tk_vk_buffer_create(dev, &g->src[i], f->layout.size, TK_VK_MEMORY_DEVICE) >= 0 &&
             tk_bench_upload_frame(dev, &g->cmd, &staging, &g->src[i], f->data[(first + i) % f->n],
                                   f->layout.size) >= 0;
        g->frames[i] = (TkEncoderGpuFrame){ .encoder = g->enc[i], .src = &g->src[i], .qp = qp };
    }
    tk_vk_buffer_destroy(dev, &staging);
    if (!ok)
        tk_bench_group_free(dev, g);
    return ok ? 0 : -1;
}

int tk_bench_group_submit(BenchGroup *g)
{
    return tk_encoder_gpu_batch_submit(g->frames, g->n, &g->cmd);
}

int tk_bench_group_finish(BenchGroup *g)
{
    int res = tk_encoder_gpu_batch_finish(g->frames, g->n, &g->cmd);
    for (int i = 0; i < g->n; i++) {
        free(g->frames[i].au);
        g->frames[i].au = NULL;
    }
    return res;
}

int tk_bench_groups_pipelined(BenchGroup *a, BenchGroup *b, int rounds)
{
    int ok = tk_bench_group_submit(a) >= 0;
    for (int r = 0; ok && r < rounds; r++)
        ok = tk_bench_group_submit(b) >= 0 && tk_bench_group_finish(a) >= 0 &&
             tk_bench_group_submit(a) >= 0 && tk_bench_group_finish(b) >= 0;
    ok = ok && tk_bench_group_finish(a) >= 0;
    return ok ? (2 * rounds + 1) * a->n : -1;
}
