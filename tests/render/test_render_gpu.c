/*
 * The GPU renderer (shaders/render.comp) against its C reference: every test scene at
 * 256x256, 320x240 and 640x360 must come out byte for byte identical, with the validation
 * layer on and reporting nothing, both with the shader's per-tile lists and without them. Skips (77) where no Vulkan device can be opened.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "render/render.h"
#include "scenes.h"

static int render_gpu(TkVkDevice *dev, TkRenderer *r, TkVkCmd *cmd, const TestScene *s,
                      const TkVkBuffer *target)
{
    int res = tk_vk_cmd_begin(dev, cmd);
    if (res < 0)
        return res;
    /* Poison the target first, so a block the shader skipped cannot pass as drawn. */
    tk_vk_cmd_fill(dev, cmd, target, 0xa5a5a5a5u);
    tk_vk_cmd_barrier(dev, cmd);
    if ((res = tk_renderer_record(r, s->scene, s->t_ms, cmd, target)) < 0)
        return res;
    if ((res = tk_vk_cmd_submit(dev, cmd)) < 0)
        return res;
    if ((res = tk_vk_cmd_wait(dev, cmd)) < 0)
        return res;
    tk_vk_buffer_invalidate(dev, target);
    return 0;
}

static void test_size(TkVkDevice *dev, const TestScene *sc, int w, int h)
{
    TkFrameLayout layout = tk_frame_layout(w, h);
    TkRenderer *r = NULL;
    /* TALKIE_FONT: a font file for machines without fontconfig fonts (the GPU machine). */
    int res = tk_renderer_create(&r, dev, &layout, getenv("TALKIE_FONT"), dev->log);
    if (res == TALKIE_ERROR_FONT)
        tk_check_skip("no font found by fontconfig");
    CHECK_EQ(res, 0);
    TkVkCmd cmd = { 0 };
    TkVkBuffer target = { 0 };
    uint8_t *ref = malloc(layout.size);
    CHECK(ref != NULL);
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &target, layout.size, TK_VK_MEMORY_READBACK), 0);
    if (res < 0 || !ref || !target.map)
        goto done;
    /* Twice through the scenes with per-tile lists (the second pass reuses the uploaded
     * atlas and buffers), then once with the fallback that visits the whole list. */
    for (int pass = 0; pass < 3; pass++) {
        tk_renderer_set_culling(r, pass < 2);
        for (int i = 0; i < TEST_SCENE_COUNT; i++) {
            CHECK_EQ(render_gpu(dev, r, &cmd, &sc[i], &target), 0);
            CHECK_EQ(tk_renderer_reference(r, sc[i].scene, sc[i].t_ms, ref), 0);
            char what[96];
            snprintf(what, sizeof(what), "%dx%d %s (pass %d)", w, h, sc[i].name, pass);
            if (tk_check_bytes(what, target.map, ref, layout.size) >= 0)
                fprintf(stderr, "  (GPU image != C reference)\n");
        }
    }
    /* The scenes are not all alike (the test would be weak if every frame were blank). */
    CHECK_EQ(render_gpu(dev, r, &cmd, &sc[0], &target), 0);
    uint8_t *empty = malloc(layout.size);
    if (empty) {
        memcpy(empty, target.map, layout.size);
        CHECK_EQ(render_gpu(dev, r, &cmd, &sc[2], &target), 0);
        CHECK(memcmp(empty, target.map, layout.size) != 0);
        free(empty);
    }
done:
    tk_vk_buffer_destroy(dev, &target);
    tk_vk_cmd_destroy(dev, &cmd);
    tk_renderer_destroy(&r);
    free(ref);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);
    TestScene sc[TEST_SCENE_COUNT];
    CHECK_EQ(test_scenes_create(sc), 0);
    static const int sizes[][2] = { { 256, 256 }, { 320, 240 }, { 640, 360 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        test_size(dev, sc, sizes[i][0], sizes[i][1]);
    test_scenes_destroy(sc);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
