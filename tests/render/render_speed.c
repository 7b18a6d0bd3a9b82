/*
 * render_speed: per-frame cost of the GPU renderer, split into host work (composer + draw
 * list packing, inside tk_renderer_record) and submit + wait, for an empty stage and for
 * the bench's one-speaker scene. Not a test: a tool for tuning render.comp and render.c.
 *   render_speed [frames]     (VK_ICD_FILENAMES picks the device, TALKIE_FONT the font)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "render/render.h"
#include "scene/scene.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Renders `frames` frames of `scene` (NULL: empty stage); prints ms per frame. */
static int measure(TkVkDevice *dev, int w, int h, const TkScene *scene, const char *what,
                   int frames)
{
    TkFrameLayout l = tk_frame_layout(w, h);
    TkRenderer *r = NULL;
    TkVkBuffer target = { 0 };
    TkVkCmd cmd = { 0 };
    int res = tk_renderer_create(&r, dev, &l, getenv("TALKIE_FONT"), dev->log);
    if (res >= 0)
        res = tk_vk_buffer_create(dev, &target, l.size, TK_VK_MEMORY_DEVICE);
    if (res >= 0)
        res = tk_vk_cmd_create(dev, &cmd);
    double record = 0, total = 0, best = 1e9;
    for (int i = -2; res >= 0 && i < frames; i++) { /* two warm-up frames */
        double t0 = now_ms();
        if ((res = tk_vk_cmd_begin(dev, &cmd)) < 0 ||
            (res = tk_renderer_record(r, scene, (int64_t)(i + 2) * 33, &cmd, &target)) < 0)
            break;
        double t1 = now_ms();
        if ((res = tk_vk_cmd_submit(dev, &cmd)) < 0 || (res = tk_vk_cmd_wait(dev, &cmd)) < 0)
            break;
        double t2 = now_ms();
        if (i >= 0) {
            record += t1 - t0;
            total += t2 - t0;
            best = t2 - t0 < best ? t2 - t0 : best;
        }
    }
    if (res >= 0)
        printf("%4dx%-4d %-8s record %7.3f ms  total %7.3f ms  best %7.3f ms\n", w, h, what,
               record / frames, total / frames, best);
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &target);
    tk_renderer_destroy(&r);
    return res;
}

int main(int argc, char **argv)
{
    int frames = argc > 1 ? atoi(argv[1]) : 20;
    if (frames < 1)
        frames = 1;
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams params = { .device_index = -1, .log = &log };
    TkVkDevice *dev = NULL;
    if (tk_vk_device_open(&dev, &params) < 0) {
        fprintf(stderr, "no Vulkan device\n");
        return 1;
    }
    TkScene *scene = NULL;
    TalkieTurn turn = { "Ada", "Measuring the renderer alone, one frame at a time.", 0, 100000 };
    int res = tk_scene_create(&scene, &log);
    if (res >= 0)
        res = tk_scene_add_turn(scene, &turn);
    static const int sizes[][2] = { { 320, 240 }, { 256, 256 }, { 640, 360 } };
    for (size_t i = 0; res >= 0 && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        res = measure(dev, sizes[i][0], sizes[i][1], NULL, "empty", frames);
        if (res >= 0)
            res = measure(dev, sizes[i][0], sizes[i][1], scene, "speaker", frames);
    }
    tk_scene_destroy(&scene);
    tk_vk_device_close(&dev);
    return res < 0;
}
