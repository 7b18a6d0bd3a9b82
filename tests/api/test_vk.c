/* The Vulkan layer: device, buffers, a kernel with pushed buffers and constants, readback,
 * and a row kernel whose dispatches merge into one per barrier (check_rows). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "vk/vk.h"

static const uint32_t fill_test_spv[] =
#include "fill_test.spv.inc"
;
static const uint32_t rows_test_spv[] =
#include "rows_test.spv.inc"
;

/* Several threads, each with its own command buffer (so its own queue where the device has
 * several), share one device and one kernel. */
typedef struct Job {
    pthread_t thread;
    TkVkDevice *dev;
    const TkVkKernel *kernel;
    uint32_t seed;
    int bad;
} Job;

static void *job_main(void *opaque)
{
    Job *j = opaque;
    enum { N = 256 };
    TkVkBuffer in = { 0 }, out = { 0 };
    TkVkCmd cmd = { 0 };
    j->bad = 1;
    if (tk_vk_buffer_create(j->dev, &in, N * 4, TK_VK_MEMORY_UPLOAD) < 0 ||
        tk_vk_buffer_create(j->dev, &out, N * 4, TK_VK_MEMORY_READBACK) < 0 ||
        tk_vk_cmd_create(j->dev, &cmd) < 0)
        goto done;
    j->bad = 0;
    for (uint32_t round = 0; round < 20; round++) {
        uint32_t *src = in.map;
        for (uint32_t i = 0; i < N; i++)
            src[i] = j->seed + round + i;
        uint32_t push[2] = { N, 3 };
        const TkVkBuffer *bufs[2] = { &in, &out };
        if (tk_vk_cmd_begin(j->dev, &cmd) < 0)
            break;
        tk_vk_cmd_dispatch(j->dev, &cmd, j->kernel, bufs, push, N / 64, 1, 1);
        tk_vk_cmd_barrier(j->dev, &cmd);
        if (tk_vk_cmd_submit(j->dev, &cmd) < 0 || tk_vk_cmd_wait(j->dev, &cmd) < 0) {
            j->bad++;
            break;
        }
        tk_vk_buffer_invalidate(j->dev, &out);
        const uint32_t *dst = out.map;
        for (uint32_t i = 0; i < N; i++)
            j->bad += dst[i] != (j->seed + round + i) * 3 + i;
    }
done:
    tk_vk_cmd_destroy(j->dev, &cmd);
    tk_vk_buffer_destroy(j->dev, &in);
    tk_vk_buffer_destroy(j->dev, &out);
    return NULL;
}

/* A row kernel: 3000 dispatches between two barriers (more rows than the first upload chunk
 * holds) of different sizes, one dispatch of the plain kernel among them; then a second
 * phase whose rows read what the first wrote (the barrier orders the merged dispatches). */
static void check_rows(TkVkDevice *dev, const TkVkBuffer *in)
{
    enum { ROWS = 3000, MAX = 40 };
    const TkVkKernel *rk = NULL;
    CHECK_EQ(tk_vk_kernel_shared_rows(dev, &rk, rows_test_spv, sizeof(rows_test_spv), 2, 12), 0);
    TkVkBuffer mid, out, plain;
    CHECK_EQ(tk_vk_buffer_create(dev, &mid, ROWS * MAX * 4, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &out, ROWS * MAX * 4, TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &plain, 64 * 4, TK_VK_MEMORY_READBACK), 0);
    const TkVkKernel *fill = NULL;
    CHECK_EQ(tk_vk_kernel_shared(dev, &fill, fill_test_spv, sizeof(fill_test_spv), 2, 8), 0);
    TkVkCmd cmd;
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    for (int round = 0; round < 2; round++) {   /* the second reuses the grown memory */
        CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
        tk_vk_cmd_fill(dev, &cmd, &out, 0xdeadbeef);
        tk_vk_cmd_barrier(dev, &cmd);
        for (uint32_t r = 0; r < ROWS; r++) {
            uint32_t push[3] = { 1 + r % MAX, 2 + r % 5, r * MAX };
            const TkVkBuffer *bufs[2] = { in, &mid };
            tk_vk_cmd_dispatch(dev, &cmd, rk, bufs, push, (push[0] + 63) / 64, 1, 1);
            if (r == ROWS / 2) {
                uint32_t fp[2] = { 64, 3 };
                const TkVkBuffer *fb[2] = { in, &plain };
                tk_vk_cmd_dispatch(dev, &cmd, fill, fb, fp, 1, 1, 1);
            }
        }
        tk_vk_cmd_barrier(dev, &cmd);
        for (uint32_t r = 0; r < ROWS; r++) {   /* out[r] = mid[r] * 2 + i, the same layout */
            uint32_t push[3] = { 1 + r % MAX, 2, r * MAX };
            TkVkBuffer mid_row = mid;
            mid_row.address += (VkDeviceAddress)r * MAX * 4;
            const TkVkBuffer *bufs[2] = { &mid_row, &out };
            tk_vk_cmd_dispatch(dev, &cmd, rk, bufs, push, 1, 1, 1);
        }
        tk_vk_cmd_barrier(dev, &cmd);
        CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
        tk_vk_buffer_invalidate(dev, &out);
        tk_vk_buffer_invalidate(dev, &plain);
        const uint32_t *src = in->map, *o = out.map, *pl = plain.map;
        long bad = 0;
        for (uint32_t r = 0; r < ROWS; r++)
            for (uint32_t i = 0; i < MAX; i++) {
                uint32_t count = 1 + r % MAX, scale = 2 + r % 5;
                uint32_t want = i < count ? (src[i] * scale + i) * 2 + i : 0xdeadbeef;
                bad += o[r * MAX + i] != want;
            }
        for (uint32_t i = 0; i < 64; i++)
            bad += pl[i] != src[i] * 3 + i;
        printf("round %d: %d + %d row dispatches in two merged dispatches, upload chunks %u: "
               "%ld values wrong\n", round, ROWS, ROWS, cmd.n_uploads, bad);
        CHECK_EQ(bad, 0);
        CHECK_CMP(cmd.n_uploads, >=, 1);
    }
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &mid);
    tk_vk_buffer_destroy(dev, &out);
    tk_vk_buffer_destroy(dev, &plain);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);

    enum { N = 1000 };
    TkVkBuffer in, out, readback;
    CHECK_EQ(tk_vk_buffer_create(dev, &in, N * 4, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &out, N * 4, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &readback, N * 4, TK_VK_MEMORY_READBACK), 0);
    uint32_t *src = in.map;
    for (uint32_t i = 0; i < N; i++)
        src[i] = i * 7u + 1u;

    TkVkKernel k;
    CHECK_EQ(tk_vk_kernel_create(dev, &k, fill_test_spv, sizeof(fill_test_spv), 2, 8), 0);
    TkVkCmd cmd;
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    for (uint32_t round = 1; round <= 3; round++) {
        uint32_t push[2] = { N, round };
        const TkVkBuffer *bufs[2] = { &in, &out };
        CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
        tk_vk_cmd_fill(dev, &cmd, &readback, 0xdeadbeef);
        tk_vk_cmd_dispatch(dev, &cmd, &k, bufs, push, (N + 63) / 64, 1, 1);
        tk_vk_cmd_barrier(dev, &cmd);
        tk_vk_cmd_copy(dev, &cmd, &out, 0, &readback, 0, N * 4);
        tk_vk_cmd_barrier(dev, &cmd);
        CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
        tk_vk_buffer_invalidate(dev, &readback);
        const uint32_t *dst = readback.map;
        int bad = 0;
        for (uint32_t i = 0; i < N; i++)
            bad += dst[i] != (i * 7u + 1u) * round + i;
        CHECK_EQ(bad, 0);
    }
    /* A listing sees at least the device we opened. */
    TalkieDeviceInfo infos[8];
    int n = tk_vk_list_devices(infos, 8, &log);
    CHECK_CMP(n, >=, 1);
    CHECK(infos[0].can_compute);

    Job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (Job){ .dev = dev, .kernel = &k, .seed = 1000u * (uint32_t)i };
        pthread_create(&jobs[i].thread, NULL, job_main, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(jobs[i].thread, NULL);
        CHECK_EQ(jobs[i].bad, 0);
    }
    CHECK_CMP(dev->n_queues, >=, 1);

    /* A command buffer moves to the queue asked for (modulo the queues there are). */
    TkVkCmd moved;
    CHECK_EQ(tk_vk_cmd_create(dev, &moved), 0);
    tk_vk_cmd_set_queue(dev, &moved, dev->n_queues + 1);
    CHECK_EQ(moved.queue, 1 % dev->n_queues);
    tk_vk_cmd_destroy(dev, &moved);

    /* Shared kernels: one per code and device, the same arguments or EINVAL. */
    const TkVkKernel *s1 = NULL, *s2 = NULL, *s3 = NULL;
    CHECK_EQ(tk_vk_kernel_shared(dev, &s1, fill_test_spv, sizeof(fill_test_spv), 2, 8), 0);
    CHECK_EQ(tk_vk_kernel_shared(dev, &s2, fill_test_spv, sizeof(fill_test_spv), 2, 8), 0);
    CHECK(s1 != NULL && s1 == s2);
    CHECK_EQ(tk_vk_kernel_shared(dev, &s3, fill_test_spv, sizeof(fill_test_spv), 2, 4),
             TALKIE_ERR(EINVAL));
    CHECK(s3 == NULL);

    /* Timestamps: two around a dispatch through the shared kernel, the second not earlier;
     * a third beyond the enabled count is dropped. */
    CHECK_EQ(tk_vk_cmd_enable_timestamps(dev, &cmd, 2), 0);
    CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
    uint32_t push[2] = { N, 1 };
    const TkVkBuffer *bufs[2] = { &in, &out };
    tk_vk_cmd_timestamp(dev, &cmd);
    tk_vk_cmd_dispatch(dev, &cmd, s1, bufs, push, (N + 63) / 64, 1, 1);
    tk_vk_cmd_barrier(dev, &cmd);
    tk_vk_cmd_timestamp(dev, &cmd);
    tk_vk_cmd_timestamp(dev, &cmd);
    CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
    CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
    double ms[4] = { -1, -1, -1, -1 };
    uint32_t n_ms = 4;
    CHECK_EQ(tk_vk_cmd_read_timestamps(dev, &cmd, ms, &n_ms), 0);
    CHECK_EQ(n_ms, 2);
    CHECK_EQ(ms[0], 0);
    CHECK_CMP(ms[1], >=, 0);
    CHECK_CMP(ms[1], <, 10000);

    check_rows(dev, &in);

    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_kernel_destroy(dev, &k);
    tk_vk_buffer_destroy(dev, &in);
    tk_vk_buffer_destroy(dev, &out);
    tk_vk_buffer_destroy(dev, &readback);
    tk_check_gpu_close(&dev);
    CHECK(dev == NULL);
    return tk_check_finish();
}
