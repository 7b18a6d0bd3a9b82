/*
 * The shader's per-tile lists (src/render/tiles.c) on random draw lists: shapes and glyphs
 * partly or wholly off the frame, empty and inverted boxes, glyphs cut by their run's clip
 * box and straddling tile borders, at sizes whose last tiles stick out of the image. The GPU
 * image must equal the C reference (which visits the whole list) byte for byte, with
 * culling on and off. Skips (77) where no Vulkan device can be opened.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "render/render.h"
#include "scenes.h"

static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return *seed >> 8;
}

/* A value in [lo, hi]. */
static int uniform(uint32_t *seed, int lo, int hi)
{
    return lo + (int)(next_random(seed) % (uint32_t)(hi - lo + 1));
}

static int random_list(TkDrawList *dl, const TkAtlas *atlas, int w, int h, uint32_t *seed)
{
    tk_draw_list_reset(dl, (uint32_t)next_random(seed) & 0xffffffu, (uint32_t)atlas->width);
    int res = 0;
    for (int i = 0; i < 40 && res >= 0; i++) {
        int x0 = uniform(seed, -60, w + 20), y0 = uniform(seed, -60, h + 20);
        /* mostly proper boxes, some empty or inverted ones */
        int x1 = x0 + uniform(seed, -4, w / 2), y1 = y0 + uniform(seed, -4, h / 2);
        res = tk_draw_list_shape(dl, next_random(seed) % 2, next_random(seed) & 0xffffffu,
                                 x0, y0, x1, y1);
    }
    for (int r = 0; r < 6 && res >= 0; r++) {
        int cx = uniform(seed, -20, w), cy = uniform(seed, -20, h);
        res = tk_draw_list_begin_run(dl, cx, cy, cx + uniform(seed, 0, w / 2),
                                     cy + uniform(seed, 0, h / 3));
        for (int k = 0; k < 12 && res >= 0; k++) {
            TkDrawGlyph g = { .w = uniform(seed, 1, 24), .h = uniform(seed, 1, 30),
                              .colour = next_random(seed) & 0xffffffu };
            if (g.w > atlas->width)
                g.w = atlas->width;
            if (g.h > atlas->height)
                g.h = atlas->height;
            g.x = cx + uniform(seed, -30, w / 2);
            g.y = cy + uniform(seed, -30, h / 3);
            g.atlas_x = (uint32_t)uniform(seed, 0, atlas->width - g.w);
            g.atlas_y = (uint32_t)uniform(seed, 0, atlas->height - g.h);
            res = tk_draw_list_glyph(dl, &g);
        }
    }
    return res;
}

static void test_size(TkVkDevice *dev, const TestScene *sc, int w, int h)
{
    TkFrameLayout layout = tk_frame_layout(w, h);
    TkRenderer *r = NULL;
    int res = tk_renderer_create(&r, dev, &layout, getenv("TALKIE_FONT"), dev->log);
    if (res == TALKIE_ERROR_FONT)
        tk_check_skip("no font found by fontconfig");
    CHECK_EQ(res, 0);
    TkVkCmd cmd = { 0 };
    TkVkBuffer target = { 0 };
    TkDrawList dl = { 0 };
    uint8_t *ref = malloc(layout.size);
    CHECK(ref != NULL);
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &target, layout.size, TK_VK_MEMORY_READBACK), 0);
    if (res < 0 || !ref || !target.map)
        goto done;
    /* A real scene first, so the atlas holds glyphs (random glyphs read parts of it). */
    CHECK_EQ(tk_renderer_reference(r, sc[3].scene, sc[3].t_ms, ref), 0);
    uint32_t seed = (uint32_t)(w * 7919 + h);
    for (int round = 0; round < 8; round++) {
        CHECK_EQ(random_list(&dl, tk_renderer_atlas(r), w, h, &seed), 0);
        tk_renderer_set_culling(r, round != 7);
        CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
        tk_vk_cmd_fill(dev, &cmd, &target, 0xa5a5a5a5u); /* a skipped block cannot pass */
        tk_vk_cmd_barrier(dev, &cmd);
        CHECK_EQ(tk_renderer_record_list(r, &dl, &cmd, &target), 0);
        CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
        tk_vk_buffer_invalidate(dev, &target);
        CHECK_EQ(tk_renderer_reference_list(r, &dl, ref), 0);
        char what[96];
        snprintf(what, sizeof(what), "%dx%d random list %d", w, h, round);
        if (tk_check_bytes(what, target.map, ref, layout.size) >= 0)
            fprintf(stderr, "  (GPU image != C reference)\n");
    }
done:
    tk_draw_list_free(&dl);
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
    static const int sizes[][2] = { { 200, 120 }, { 320, 240 }, { 640, 360 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        test_size(dev, sc, sizes[i][0], sizes[i][1]);
    test_scenes_destroy(sc);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
