/*
 * Moving test pictures for P-frame tests and benchmarks (header-only, deterministic): each
 * source fills frame i of a sequence into an NV12 image (aligned size, padding included).
 *   motion:       a textured picture translated by a random walk of integer and quarter-
 *                 sample steps (bilinear resampling of a larger texture), so motion search
 *                 and sub-sample interpolation are exercised;
 *   scroll:       text-like blocks scrolling up by 1..4 rows a frame, with a fixed header;
 *   static:       one picture that stays, with a small square moving over it (mostly
 *                 P_Skip);
 *   conversation: talkie's renderer (C reference) on a three-speaker conversation, a frame
 *                 every 33 ms;
 *   corner:       the motion texture panning steadily in the top two macroblock rows and
 *                 the left three columns, the rest static: static macroblocks whose left
 *                 and top neighbours moved, where the P_Skip MV is not (0, 0);
 *   sawtooth:     diagonal ramps over a checkerboard of 8-sample squares, moving 5 samples a
 *                 frame, the picture's last column and row repeated into the padding: the
 *                 input on which lavapipe's P streams differ from the C reference
 *                 (bench/RESULTS.md, "P frames on the GPU").
 */
#ifndef TALKIE_TESTS_H264_PFRAME_SOURCES_H
#define TALKIE_TESTS_H264_PFRAME_SOURCES_H

#include <stdlib.h>
#include <string.h>

#include "common/frame.h"
#include "common/inter_defs.h"
#include "render/composer.h"
#include "render/render_ref.h"
#include "scene/scene.h"
#include "talkie/talkie.h"

enum { SRC_MOTION, SRC_SCROLL, SRC_STATIC, SRC_CONVERSATION, SRC_CORNER, SRC_SAWTOOTH,
       SRC_COUNT };
static const char *const source_names[] = { "motion", "scroll", "static", "conversation",
                                            "corner", "sawtooth" };

#define TEX_MARGIN 96 /* texture samples around the picture the random walk may reach */

typedef struct Source {
    int kind;
    TkFrameLayout layout;
    uint32_t rnd;
    int tex_w, tex_h;
    uint8_t *tex;           /* motion: luma texture; chroma derived from it */
    int pos_x, pos_y;       /* motion: quarter samples */
    TkScene *scene;         /* conversation */
    TkComposer *composer;
    TkDrawList dl;
} Source;

static uint32_t source_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* 0, or -1 (and nothing to close); 1 when the source needs a font that is missing. */
static int source_open(Source *s, int kind, const TkFrameLayout *l, uint32_t seed)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->layout = *l;
    s->rnd = seed * 2654435761u + 12345u;
    if (kind == SRC_MOTION || kind == SRC_CORNER) {
        s->tex_w = l->aligned_width + 2 * TEX_MARGIN;
        s->tex_h = l->aligned_height + 2 * TEX_MARGIN;
        s->tex = malloc((size_t)s->tex_w * (size_t)s->tex_h);
        if (!s->tex)
            return -1;
        /* soft blobs and edges with some fine noise: motion search has something to lock on */
        for (int y = 0; y < s->tex_h; y++)
            for (int x = 0; x < s->tex_w; x++) {
                int v = 60 + ((x * 7 + y * 3) % 97) + (((x / 11) ^ (y / 13)) & 1) * 50 +
                        (int)(source_random(&s->rnd) & 15);
                s->tex[(size_t)y * s->tex_w + x] = (uint8_t)(v > 255 ? 255 : v);
            }
        s->pos_x = s->pos_y = 4 * TEX_MARGIN;
        return 0;
    }
    if (kind == SRC_CONVERSATION) {
        static const TalkieTurn turns[] = {
            { "Ada", "Good morning! Shall we look at the encoder numbers together?", 0, 3000 },
            { "Grace", "Yes. The intra frames came out smaller than I expected, très bien.",
              3200, 3500 },
            { "Linus", "Then let us ship it, after the tests pass on every device.", 7000, 3000 },
        };
        TkLog log = { .max_level = TALKIE_LOG_ERROR };
        int res = tk_scene_create(&s->scene, &log);
        for (size_t i = 0; res >= 0 && i < sizeof(turns) / sizeof(turns[0]); i++)
            res = tk_scene_add_turn(s->scene, &turns[i]);
        if (res >= 0)
            res = tk_composer_create(&s->composer, l->width, l->height, getenv("TALKIE_FONT"),
                                     NULL);
        if (res < 0) {
            tk_scene_destroy(&s->scene);
            return res == TALKIE_ERROR_FONT ? 1 : -1;
        }
    }
    return 0;
}

static void source_close(Source *s)
{
    free(s->tex);
    tk_composer_destroy(&s->composer);
    tk_draw_list_free(&s->dl);
    tk_scene_destroy(&s->scene);
}

/* Bilinear sample of the texture at quarter-sample position (qx, qy), clamped. */
static int tex_at(const Source *s, int qx, int qy)
{
    int x = qx >> 2, y = qy >> 2, fx = qx & 3, fy = qy & 3;
    x = x < 0 ? 0 : x > s->tex_w - 2 ? s->tex_w - 2 : x;
    y = y < 0 ? 0 : y > s->tex_h - 2 ? s->tex_h - 2 : y;
    const uint8_t *t = s->tex + (size_t)y * s->tex_w + x;
    return ((4 - fx) * (4 - fy) * t[0] + fx * (4 - fy) * t[1] + (4 - fx) * fy * t[s->tex_w] +
            fx * fy * t[s->tex_w + 1] + 8) >> 4;
}

/* Frame i into img (l->size bytes); 0 or -1. Frames must be asked for in order. */
static int source_frame(Source *s, int i, uint8_t *img)
{
    const TkFrameLayout *l = &s->layout;
    size_t stride = l->luma_stride;
    uint8_t *c = img + l->chroma_offset;
    switch (s->kind) {
    case SRC_MOTION:
        if (i > 0) {
            /* steps of -12..12 quarter samples, pulled back towards the start */
            int dx = (int)(source_random(&s->rnd) % 25) - 12;
            int dy = (int)(source_random(&s->rnd) % 25) - 12;
            if (source_random(&s->rnd) % 4 == 0)
                dx = dy = 0;
            s->pos_x += dx + (4 * TEX_MARGIN - s->pos_x) / 16;
            s->pos_y += dy + (4 * TEX_MARGIN - s->pos_y) / 16;
        }
        for (int y = 0; y < l->aligned_height; y++)
            for (int x = 0; x < l->aligned_width; x++)
                img[(size_t)y * stride + x] = (uint8_t)tex_at(s, s->pos_x + 4 * x, s->pos_y + 4 * y);
        for (int y = 0; y < l->aligned_height / 2; y++)
            for (int x = 0; x < l->aligned_width / 2; x++) {
                int v = tex_at(s, s->pos_x + 8 * x, s->pos_y + 8 * y);
                c[(size_t)y * stride + 2 * x] = (uint8_t)(64 + v / 2);
                c[(size_t)y * stride + 2 * x + 1] = (uint8_t)(192 - v / 2);
            }
        return 0;
    case SRC_CORNER:
        for (int y = 0; y < l->aligned_height; y++)
            for (int x = 0; x < l->aligned_width; x++) {
                int moving = y < 32 || x < 48;
                int v = moving ? tex_at(s, s->pos_x + 5 * i + 4 * x, s->pos_y + 2 * i + 4 * y)
                               : 90 + ((x / 5 + y / 7) & 3) * 30;
                img[(size_t)y * stride + x] = (uint8_t)v;
            }
        for (int y = 0; y < l->aligned_height / 2; y++)
            for (int x = 0; x < l->aligned_width / 2; x++) {
                c[(size_t)y * stride + 2 * x] = 128;
                c[(size_t)y * stride + 2 * x + 1] = (uint8_t)(y < 16 || x < 24 ? 140 : 120);
            }
        return 0;
    case SRC_SAWTOOTH:
        for (int y = 0; y < l->aligned_height; y++)
            for (int x = 0; x < l->aligned_width; x++) {
                int px = x < l->width ? x : l->width - 1, py = y < l->height ? y : l->height - 1;
                img[(size_t)y * stride + x] = (uint8_t)(16 + (px * 3 + py * 2 + i * 5) % 200 +
                                                        ((px / 8 + py / 8 + i) % 2) * 20);
            }
        for (int y = 0; y < l->aligned_height / 2; y++)
            for (int x = 0; x < l->aligned_width / 2; x++) {
                int px = x < l->width / 2 ? x : l->width / 2 - 1;
                int py = y < l->height / 2 ? y : l->height / 2 - 1;
                c[(size_t)y * stride + 2 * x] = (uint8_t)(64 + (px + i * 2) % 128);
                c[(size_t)y * stride + 2 * x + 1] = (uint8_t)(64 + (py * 2 + i) % 128);
            }
        return 0;
    case SRC_SCROLL:
    case SRC_STATIC: {
        int shift = 0, sq_x = 0, sq_y = 0;
        if (s->kind == SRC_SCROLL)
            for (int k = 1; k <= i; k++)
                shift += 1 + (int)((uint32_t)(k * 2654435761u) >> 30);
        else {
            sq_x = (i * 3) % (l->aligned_width - 12);
            sq_y = (i * 2) % (l->aligned_height - 12);
        }
        for (int y = 0; y < l->aligned_height; y++) {
            int ty = y < 24 ? y : y + shift; /* a fixed header, the rest scrolls */
            for (int x = 0; x < l->aligned_width; x++) {
                /* "text": 6x9 glyph cells of dark strokes on a light page */
                int cell = (x / 6) * 31 + (ty / 9) * 17;
                int on = ((uint32_t)(cell * 2654435761u) >> 29 & 1) && (x % 6) < 4 &&
                         (ty % 9) < 7 && ((x + ty) % 3 != 0) && (ty / 9) % 4 != 3;
                int v = y < 24 ? 60 : on ? 40 : 225;
                if (s->kind == SRC_STATIC && x >= sq_x && x < sq_x + 12 && y >= sq_y &&
                    y < sq_y + 12)
                    v = 128 + (i * 37) % 100;
                img[(size_t)y * stride + x] = (uint8_t)v;
            }
        }
        for (int y = 0; y < l->aligned_height / 2; y++)
            for (int x = 0; x < l->aligned_width / 2; x++) {
                c[(size_t)y * stride + 2 * x] = (uint8_t)(2 * y < 24 ? 160 : 128);
                c[(size_t)y * stride + 2 * x + 1] = (uint8_t)(2 * y < 24 ? 100 : 128);
            }
        return 0;
    }
    default: {
        if (tk_composer_build(s->composer, s->scene, (int64_t)i * 33, &s->dl) < 0)
            return -1;
        uint32_t *words = malloc(tk_draw_list_words(&s->dl) * sizeof(uint32_t));
        if (!words)
            return -1;
        tk_draw_list_pack(&s->dl, words);
        tk_render_ref(words, tk_composer_atlas(s->composer)->pixels, l, img);
        free(words);
        return 0;
    }
    }
}

/* The renderer's skip map, derived here: TK_SKIP_MAP_STATIC where the macroblock's samples
 * equal the previous frame's. */
static inline void source_skip_map(const TkFrameLayout *l, const uint8_t *prev,
                                   const uint8_t *cur, uint8_t *map)
{
    size_t stride = l->luma_stride;
    for (int my = 0; my < l->mb_height; my++)
        for (int mx = 0; mx < l->mb_width; mx++) {
            int same = 1;
            for (int y = 0; y < 16 && same; y++) {
                size_t o = (size_t)(my * 16 + y) * stride + (size_t)mx * 16;
                same = !memcmp(prev + o, cur + o, 16);
            }
            for (int y = 0; y < 8 && same; y++) {
                size_t o = l->chroma_offset + (size_t)(my * 8 + y) * stride + (size_t)mx * 16;
                same = !memcmp(prev + o, cur + o, 16);
            }
            map[my * l->mb_width + mx] = same ? TK_SKIP_MAP_STATIC : TK_SKIP_MAP_CHANGED;
        }
}

#endif
