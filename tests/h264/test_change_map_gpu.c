/*
 * change_map.comp against the C reference (tk_change_map_ref, change_map_ref.h): over a
 * sequence of frames per size, the map and the previous picture the kernel leaves equal the
 * C reference's byte for byte, and the map is what it must be. Frames: random pictures; the
 * first has no previous picture (nothing static); then copies of the previous one with a few
 * macroblocks changed in one sample each (any of luma, Cb, Cr; at macroblock corners; in the
 * padding of a size that is not a multiple of 16, which the encoder codes too); a frame
 * with nothing changed and one with everything changed. Sizes 64x48, 200x120 (padding; its
 * 13x8 macroblocks fill the last map word), 40x24 (6 macroblocks: a partial last map word),
 * 320x240. Every other frame also compares two references, one a copy of the other with a
 * few macroblocks changed in one sample (TK_SKIP_MAP_STATIC_SAME_REF where both the source
 * and the references are equal). Frames 1, 4 and 6 carry an intra refresh (its columns
 * TK_SKIP_MAP_INTRA, the one left of them TK_SKIP_MAP_CHANGED but in frame 1 of
 * even seeds (a reference that was not deblocked); frame 4's starts at column 0, frame 6's
 * ends at the last), frame 5 a caller's map that takes the comparison's place.
 * A guard word after the map must stay. Validation on; skipped (77) without a device.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/compute/change_map_gpu.h"
#include "encode/compute/change_map_ref.h"
#include "talkie/talkie.h"

#define GUARD 0xa5c3e1f7u

static uint32_t rng_state = 1;

static int rnd(int n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 8) % (uint32_t)n);
}

typedef struct Ctx {
    TkVkDevice *dev;
    TkChangeMapGpu cm;
    TkVkCmd cmd;
} Ctx;

/* Changes one sample of macroblock mb (luma, Cb or Cr; a corner or anywhere) in pic. */
static void touch_mb(uint8_t *pic, const TkFrameLayout *l, int mb)
{
    int mx = mb % l->mb_width, my = mb / l->mb_width;
    int plane = rnd(3), corner = rnd(2);
    size_t o;
    if (plane == 0) {
        int x = corner ? 15 * rnd(2) : rnd(16), y = corner ? 15 * rnd(2) : rnd(16);
        o = (size_t)(my * 16 + y) * l->luma_stride + (size_t)(mx * 16 + x);
    } else {
        int x = corner ? 7 * rnd(2) : rnd(8), y = corner ? 7 * rnd(2) : rnd(8);
        o = l->chroma_offset + (size_t)(my * 8 + y) * l->luma_stride +
            (size_t)(mx * 16 + 2 * x + plane - 1);
    }
    pic[o] = (uint8_t)(pic[o] + 1 + rnd(255));
}

/* Changes one sample of the padding (luma right of width, or chroma below height) when
 * there is one; returns the macroblock, or -1. */
static int touch_padding(uint8_t *pic, const TkFrameLayout *l)
{
    int right = l->aligned_width > l->width, below = l->aligned_height > l->height;
    if (right && below)
        right = rnd(2);
    if (right) {
        int y = rnd(l->aligned_height), x = l->width + rnd(l->aligned_width - l->width);
        pic[(size_t)y * l->luma_stride + (size_t)x] ^= 0x40;
        return (y / 16) * l->mb_width + x / 16;
    }
    if (below) {
        int y = l->height / 2 + rnd(l->aligned_height / 2 - l->height / 2);
        int x = rnd(l->aligned_width);
        pic[l->chroma_offset + (size_t)y * l->luma_stride + (size_t)x] ^= 0x40;
        return (y / 8) * l->mb_width + x / 16;
    }
    return -1;
}

static void run_size(Ctx *c, int w, int h, int seed)
{
    TkFrameLayout l = tk_frame_layout(w, h);
    size_t n = (size_t)l.mb_width * (size_t)l.mb_height, map_bytes = tk_change_map_bytes(&l);
    uint8_t *pic = malloc(l.size), *prev_ref = malloc(l.size), *map_ref = malloc(map_bytes);
    uint8_t *expect = malloc(n), *ref_touched = malloc(n);
    TkVkBuffer src = { 0 }, prev = { 0 }, map = { 0 }, prev_host = { 0 }, ref = { 0 },
               ref_prev = { 0 }, given = { 0 };
    CHECK_EQ(tk_vk_buffer_create(c->dev, &given, map_bytes, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &ref, l.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &ref_prev, l.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &src, l.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &prev, l.size, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &prev_host, l.size, TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &map, map_bytes + 4, TK_VK_MEMORY_READBACK), 0);
    if (!pic || !prev_ref || !map_ref || !expect || !ref_touched || !src.map ||
        !prev_host.map || !map.map || !ref.map || !ref_prev.map || !given.map) {
        CHECK(0);
        goto done;
    }
    rng_state = (uint32_t)seed * 2654435761u + 7u;
    for (size_t i = 0; i < l.size; i++)
        ((uint8_t *)ref_prev.map)[i] = (uint8_t)rnd(256);
    enum { FRAMES = 8 };
    long maps_equal = 0, static_total = 0, same_ref_total = 0;
    for (int f = 0; f < FRAMES; f++) {
        /* expect: CHANGED where this frame touches, STATIC elsewhere (first frame: none) */
        memset(expect, f == 0 ? TK_SKIP_MAP_CHANGED : TK_SKIP_MAP_STATIC, n);
        if (f == 0 || f == FRAMES - 1) {
            for (size_t i = 0; i < l.size; i++)
                pic[i] = (uint8_t)(f == 0 ? rnd(256) : pic[i] ^ 1);
            memset(expect, TK_SKIP_MAP_CHANGED, n);
        } else if (f != 3) { /* frame 3: nothing changes */
            /* one sample of a macroblock at most, so that no two changes cancel */
            if (f == 2 || f == 5) {
                int mb = touch_padding(pic, &l);
                if (mb >= 0)
                    expect[mb] = TK_SKIP_MAP_CHANGED;
            }
            int touches = 1 + rnd(4);
            for (int k = 0; k < touches; k++) {
                int mb = rnd((int)n);
                if (expect[mb] == TK_SKIP_MAP_CHANGED)
                    continue;
                touch_mb(pic, &l, mb);
                expect[mb] = TK_SKIP_MAP_CHANGED;
            }
        }
        int refs = f % 2 == 0;
        if (refs) {
            memcpy(ref.map, ref_prev.map, l.size);
            memset(ref_touched, 0, n);
            for (int k = 1 + rnd(3); k > 0; k--) {
                int mb = rnd((int)n);
                if (!ref_touched[mb])
                    touch_mb(ref.map, &l, mb);
                ref_touched[mb] = 1;
            }
            for (size_t mb = 0; mb < n; mb++)
                if (expect[mb] == TK_SKIP_MAP_STATIC && !ref_touched[mb])
                    expect[mb] = TK_SKIP_MAP_STATIC_SAME_REF;
        }
        /* the refresh and a caller's map override what the comparison found */
        TkChangeMapRefresh refresh = { 0, 0, 0 };
        if (f == 1 || f == 4 || f == 6) {
            int x0 = f == 4 ? 0 : f == 6 ? l.mb_width - 1 : rnd(l.mb_width);
            refresh = (TkChangeMapRefresh){ x0, x0 + 1 + (f == 1 && x0 + 1 < l.mb_width),
                                            f != 1 || seed % 2 };
        }
        int has_given = f == 5;
        if (has_given) {
            for (size_t i = 0; i < map_bytes; i++)
                ((uint8_t *)given.map)[i] = (uint8_t)(i < n ? rnd(4) : 0);
            memcpy(expect, given.map, n);
        }
        for (size_t mb = 0; mb < n; mb++) {
            int v = tk_change_map_refresh_at(&refresh, (int)mb % l.mb_width);
            if (v >= 0)
                expect[mb] = (uint8_t)v;
        }
        memcpy(src.map, pic, l.size);
        memset(map.map, 0xee, map_bytes);
        ((uint32_t *)map.map)[map_bytes / 4] = GUARD;

        tk_change_map_ref(&l, pic, prev_ref, f > 0, refs ? ref.map : NULL,
                          refs ? ref_prev.map : NULL, has_given ? given.map : NULL, &refresh,
                          map_ref);
        CHECK_EQ(tk_vk_cmd_begin(c->dev, &c->cmd), 0);
        tk_change_map_gpu_record(c->dev, &c->cm, &c->cmd, &l, &src, &prev, &map, f > 0,
                                 refs ? &ref : NULL, refs ? &ref_prev : NULL,
                                 has_given ? &given : NULL, &refresh);
        tk_vk_cmd_barrier(c->dev, &c->cmd);
        tk_vk_cmd_copy(c->dev, &c->cmd, &prev, 0, &prev_host, 0, l.size);
        tk_vk_cmd_barrier(c->dev, &c->cmd);
        CHECK_EQ(tk_vk_cmd_submit(c->dev, &c->cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(c->dev, &c->cmd), 0);
        tk_vk_buffer_invalidate(c->dev, &map);
        tk_vk_buffer_invalidate(c->dev, &prev_host);

        int ok = tk_check_bytes("change map", map.map, map_ref, map_bytes) < 0 &&
                 tk_check_bytes("map as expected", map_ref, expect, n) < 0 &&
                 tk_check_bytes("previous picture", prev_host.map, pic, l.size) < 0 &&
                 tk_check_bytes("C previous picture", prev_ref, pic, l.size) < 0;
        CHECK(ok);
        CHECK_EQ(((uint32_t *)map.map)[map_bytes / 4], GUARD);
        for (size_t i = n; i < map_bytes; i++)
            CHECK_EQ(((uint8_t *)map.map)[i], 0);
        maps_equal += ok;
        for (size_t i = 0; i < n; i++) {
            static_total += map_ref[i] == TK_SKIP_MAP_STATIC ||
                            map_ref[i] == TK_SKIP_MAP_STATIC_SAME_REF;
            same_ref_total += map_ref[i] == TK_SKIP_MAP_STATIC_SAME_REF;
        }
    }
    printf("%dx%d (%zu macroblocks): %ld/%d maps and previous pictures equal, %ld static, "
           "%ld of them with the same reference\n",
           w, h, n, maps_equal, FRAMES, static_total, same_ref_total);
    CHECK_EQ(maps_equal, FRAMES);
done:
    tk_vk_buffer_destroy(c->dev, &src);
    tk_vk_buffer_destroy(c->dev, &prev);
    tk_vk_buffer_destroy(c->dev, &prev_host);
    tk_vk_buffer_destroy(c->dev, &map);
    tk_vk_buffer_destroy(c->dev, &ref);
    tk_vk_buffer_destroy(c->dev, &ref_prev);
    tk_vk_buffer_destroy(c->dev, &given);
    free(ref_touched);
    free(pic);
    free(prev_ref);
    free(map_ref);
    free(expect);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    Ctx c = { 0 };
    c.dev = tk_check_gpu_open(&log);
    CHECK_EQ(tk_vk_cmd_create(c.dev, &c.cmd), 0);
    CHECK_EQ(tk_change_map_gpu_create(c.dev, &c.cm), 0);
    run_size(&c, 64, 48, 1);
    run_size(&c, 200, 120, 2);
    run_size(&c, 40, 24, 3);
    run_size(&c, 320, 240, 4);
    run_size(&c, 200, 120, 5);
    tk_change_map_gpu_destroy(c.dev, &c.cm);
    tk_vk_cmd_destroy(c.dev, &c.cmd);
    tk_check_gpu_close(&c.dev);
    return tk_check_finish();
}
