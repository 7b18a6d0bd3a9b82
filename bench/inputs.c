#include "inputs.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "render/render.h"
#include "scene/scene.h"

static uint8_t clamp255(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void tk_bench_pattern(const TkFrameLayout *l, int index, uint8_t *nv12)
{
    uint32_t seed = 12345u + (uint32_t)index * 7919u;
    int cx = l->aligned_width / 3 + index * 2, cy = l->aligned_height / 2;
    int r2 = (l->aligned_height / 4) * (l->aligned_height / 4);
    for (int y = 0; y < l->aligned_height; y++)
        for (int x = 0; x < l->aligned_width; x++) {
            seed = seed * 1664525u + 1013904223u;
            int dx = x - cx, dy = y - cy;
            int v = 40 + (x * 120) / l->aligned_width + (y * 50) / l->aligned_height;
            if (dx * dx + dy * dy < r2)
                v += 60;
            v += ((x / 4 + y / 3 + index) % 7) * 3;   /* fine texture */
            v += (int)(seed >> 29) - 4;                /* a little sensor noise */
            nv12[y * l->luma_stride + x] = clamp255(v);
        }
    for (int y = 0; y < l->aligned_height / 2; y++)
        for (int x = 0; x < l->aligned_width / 2; x++) {
            uint8_t *c = nv12 + l->chroma_offset + y * l->luma_stride + 2 * x;
            c[0] = clamp255(110 + (x * 40) / l->aligned_width);
            c[1] = clamp255(140 - (y * 50) / l->aligned_height);
        }
}

int tk_bench_conversation(TkVkDevice *dev, const TkFrameLayout *l, int n, uint8_t **frames)
{
    static const TalkieTurn turns[] = {
        { "Ada", "Good morning! Shall we look at the encoder numbers together?", 0, 3000 },
        { "Grace", "Yes. The intra frames came out smaller than I expected, très bien.", 3200, 3500 },
        { "Linus", "Then let us ship it, after the tests pass on every device.", 7000, 3000 },
    };
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkScene *scene = NULL;
    TkRenderer *renderer = NULL;
    TkVkBuffer target = { 0 };
    TkVkCmd cmd = { 0 };
    int err = tk_scene_create(&scene, &log);
    for (size_t i = 0; err >= 0 && i < sizeof(turns) / sizeof(turns[0]); i++)
        err = tk_scene_add_turn(scene, &turns[i]);
    if (err >= 0)
        err = tk_renderer_create(&renderer, dev, l, getenv("TALKIE_FONT"), &log);
    if (err >= 0)
        err = tk_vk_buffer_create(dev, &target, l->size, TK_VK_MEMORY_READBACK);
    if (err >= 0)
        err = tk_vk_cmd_create(dev, &cmd);
    for (int i = 0; err >= 0 && i < n; i++) {
        int64_t t_ms = (int64_t)i * 10000 / n;  /* n frames spread over the 10 s conversation */
        if ((err = tk_vk_cmd_begin(dev, &cmd)) < 0 ||
            (err = tk_renderer_record(renderer, scene, t_ms, &cmd, &target)) < 0)
            break;
        tk_vk_cmd_barrier(dev, &cmd);
        if ((err = tk_vk_cmd_submit(dev, &cmd)) < 0 || (err = tk_vk_cmd_wait(dev, &cmd)) < 0)
            break;
        tk_vk_buffer_invalidate(dev, &target);
        memcpy(frames[i], target.map, l->size);
    }
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &target);
    tk_renderer_destroy(&renderer);
    tk_scene_destroy(&scene);
    return err;
}

int tk_bench_frames_alloc(Frames *f, const TkFrameLayout *l, int n)
{
    f->layout = *l;
    f->n = n;
    f->data = calloc((size_t)n, sizeof(*f->data));
    if (!f->data)
        return -1;
    for (int i = 0; i < n; i++)
        if (!(f->data[i] = calloc(1, l->size)))
            return -1;
    return 0;
}

void tk_bench_frames_free(Frames *f)
{
    for (int i = 0; f->data && i < f->n; i++)
        free(f->data[i]);
    free(f->data);
    f->data = NULL;
}

int tk_bench_load_input(TkVkDevice *dev, const TkFrameLayout *l, int n, int input, Frames *f)
{
    if (tk_bench_frames_alloc(f, l, n) < 0) {
        tk_bench_frames_free(f);
        return -1;
    }
    if (input == INPUT_PATTERN) {
        for (int i = 0; i < f->n; i++)
            tk_bench_pattern(l, i, f->data[i]);
        return 0;
    }
    if (!dev || tk_bench_conversation(dev, l, f->n, f->data) < 0) {
        tk_bench_frames_free(f);
        return -1;
    }
    return 0;
}

int tk_bench_upload_frame(TkVkDevice *dev, TkVkCmd *cmd, TkVkBuffer *staging, TkVkBuffer *dst,
                          const uint8_t *data, size_t size)
{
    memcpy(staging->map, data, size);
    int err = tk_vk_cmd_begin(dev, cmd);
    if (err < 0)
        return err;
    tk_vk_cmd_copy(dev, cmd, staging, 0, dst, 0, size);
    tk_vk_cmd_barrier(dev, cmd);
    if ((err = tk_vk_cmd_submit(dev, cmd)) < 0)
        return err;
    return tk_vk_cmd_wait(dev, cmd);
}

TkVkDevice *tk_bench_open_device(void)
{
    static const TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams p = { .device_index = -1, .log = &log };
    TkVkDevice *dev = NULL;
    if (tk_vk_device_open(&dev, &p) < 0)
        return NULL;
    fprintf(stderr, "device: %s\n", dev->props.deviceName);
    return dev;
}
