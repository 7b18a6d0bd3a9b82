/*
 * GPU side of the renderer: owns the kernel, the per-frame draw-list buffer (host-visible,
 * rewritten every frame: safe because only one frame is in flight) and the device-local
 * atlas, re-uploaded through a staging buffer only when the atlas changed.
 */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

#include "render/drawlist.h"
#include "render/render_ref.h"
#include "render/text_map.h"
#include "render/tiles.h"

static const uint32_t render_spv[] =
#include "render.spv.inc"
;

/* The draw-list buffer's first capacity in words: a frame of two avatars and a few lines of
 * subtitles fits; larger lists double it. */
#define TK_RENDER_LIST_FIRST_WORDS 4096

typedef struct TkRenderPush {
    uint32_t width, height, stride_words, chroma_word;
    uint32_t tiles;          /* first word of the tile section (drawlist_format.h) */
    uint32_t atlas_last;     /* last word of the atlas buffer */
    uint32_t tiles_x, tiles_y; /* the frame's tiles (a batch's dispatch covers the largest) */
} TkRenderPush;

struct TkRenderer {
    TkVkDevice *dev;
    const TkLog *log;
    TkFrameLayout layout;
    TkComposer *composer;
    TkDrawList dl;
    TkTileBins bins;
    const TkVkKernel *kernel; /* shared: the device's */
    TkVkBuffer list;         /* TK_VK_MEMORY_UPLOAD */
    size_t list_words;       /* its capacity */
    TkVkBuffer atlas;        /* TK_VK_MEMORY_DEVICE */
    TkVkBuffer staging;      /* TK_VK_MEMORY_UPLOAD, the atlas on its way */
    uint32_t atlas_generation; /* of the atlas on the GPU (or staged for it); 0: none yet */
    size_t atlas_staged_bytes; /* staged and not yet copied to the device */
    int prepared;            /* prepare() filled the list buffer for the next draw */
    size_t prepared_dl_words;
    int cull;                /* 0: every tile lists every item (tests) */
    uint8_t *text_map;       /* the prepared frame's text map (render/text_map.h), a byte
                                per macroblock */
    int text_mbs;            /* macroblocks it marks */
};

void tk_renderer_destroy(TkRenderer **rp)
{
    if (!rp || !*rp)
        return;
    TkRenderer *r = *rp;
    if (r->dev) {
        tk_vk_buffer_destroy(r->dev, &r->staging);
        tk_vk_buffer_destroy(r->dev, &r->atlas);
        tk_vk_buffer_destroy(r->dev, &r->list);
    }
    tk_draw_list_free(&r->dl);
    tk_tile_bins_free(&r->bins);
    free(r->text_map);
    tk_composer_destroy(&r->composer);
    free(r);
    *rp = NULL;
}

/* Makes the draw-list buffer hold `words` (the previous frame is finished, see above). */
static int reserve_list(TkRenderer *r, size_t words)
{
    if (words <= r->list_words)
        return 0;
    size_t cap = r->list_words ? r->list_words : TK_RENDER_LIST_FIRST_WORDS;
    while (cap < words)
        cap *= 2;
    tk_vk_buffer_destroy(r->dev, &r->list);
    r->list_words = 0;
    int res = tk_vk_buffer_create(r->dev, &r->list, cap * sizeof(uint32_t), TK_VK_MEMORY_UPLOAD);
    if (res < 0)
        return res;
    r->list_words = cap;
    return 0;
}

/* Puts the host atlas into the staging buffer when it changed since the last upload; the
 * copy to the device is recorded by tk_renderer_record_uploads(). */
static int stage_atlas(TkRenderer *r)
{
    const TkAtlas *a = tk_composer_atlas(r->composer);
    if (a->generation == r->atlas_generation)
        return 0;
    size_t bytes = (size_t)a->width * (size_t)a->height; /* width % 4 == 0: whole words */
    if (bytes > r->atlas.size) {
        tk_vk_buffer_destroy(r->dev, &r->atlas);
        tk_vk_buffer_destroy(r->dev, &r->staging);
        int res = tk_vk_buffer_create(r->dev, &r->atlas, bytes, TK_VK_MEMORY_DEVICE);
        if (res < 0)
            return res;
        res = tk_vk_buffer_create(r->dev, &r->staging, bytes, TK_VK_MEMORY_UPLOAD);
        if (res < 0)
            return res;
    }
    memcpy(r->staging.map, a->pixels, bytes);
    r->atlas_staged_bytes = bytes;
    r->atlas_generation = a->generation;
    return 0;
}

static int prepare_list(TkRenderer *r, const TkDrawList *dl)
{
    r->prepared = 0;
    int res = tk_tile_bins_build(&r->bins, dl, r->cull);
    if (res < 0)
        return res;
    size_t dl_words = tk_draw_list_words(dl);
    if ((res = reserve_list(r, dl_words + tk_tile_bins_words(&r->bins))) < 0)
        return res;
    uint32_t *map = r->list.map;
    tk_draw_list_pack(dl, map);
    tk_tile_bins_pack(&r->bins, dl, (uint32_t)dl_words, map + dl_words);
    if ((res = stage_atlas(r)) < 0)
        return res;
    r->prepared_dl_words = dl_words;
    r->prepared = 1;
    return 0;
}

int tk_renderer_create(TkRenderer **out, TkVkDevice *dev, const TkFrameLayout *layout,
                       const char *font_path, const TkLog *log)
{
    *out = NULL;
    if (!dev || !layout || layout->luma_stride % 4 || layout->chroma_offset % 4 ||
        layout->aligned_width % TK_RENDER_BLOCK_W || layout->aligned_height % TK_RENDER_BLOCK_H)
        return TALKIE_ERR(EINVAL);
    TkRenderer *r = calloc(1, sizeof(*r));
    if (!r)
        return TALKIE_ERR(ENOMEM);
    r->dev = dev;
    r->log = log;
    r->layout = *layout;
    r->cull = 1;
    r->text_map = calloc((size_t)layout->mb_width * (size_t)layout->mb_height, 1);
    int res = r->text_map ? 0 : TALKIE_ERR(ENOMEM);
    if (res < 0 || (res = tk_composer_create(&r->composer, layout->width, layout->height,
                                             font_path, log)) < 0)
        goto error;
    res = tk_tile_bins_init(&r->bins, layout->aligned_width, layout->aligned_height,
                            TK_RENDER_GROUP_X * TK_RENDER_BLOCK_W,
                            TK_RENDER_GROUP_Y * TK_RENDER_BLOCK_H);
    if (res < 0)
        goto error;
    /* a row kernel: the draws of a batch's frames are one dispatch */
    res = tk_vk_kernel_shared_rows(dev, &r->kernel, render_spv, sizeof(render_spv), 3,
                                   sizeof(TkRenderPush));
    if (res < 0)
        goto error;
    /* The buffers now, on the thread that opens the session: made at its first frame, they
     * held up the whole batch of that frame (each Vulkan allocation took 1-14 ms on an H100
     * host while other threads allocated too, bench/RESULTS.md). */
    if ((res = reserve_list(r, TK_RENDER_LIST_FIRST_WORDS)) < 0 || (res = stage_atlas(r)) < 0)
        goto error;
    *out = r;
    return 0;

error:
    tk_renderer_destroy(&r);
    return res;
}

int tk_renderer_prepare(TkRenderer *r, const TkScene *scene, int64_t t_ms)
{
    if (!r || !scene)
        return TALKIE_ERR(EINVAL);
    r->prepared = 0;
    r->text_mbs = 0;
    int res = tk_composer_build(r->composer, scene, t_ms, &r->dl);
    if (res < 0)
        return res;
    r->text_mbs = tk_text_map_build(&r->dl, tk_composer_layout(r->composer)->subtitle_run,
                                    r->layout.mb_width, r->layout.mb_height, r->text_map);
    return prepare_list(r, &r->dl);
}

const uint8_t *tk_renderer_text_map(const TkRenderer *r)
{
    return r->text_mbs > 0 ? r->text_map : NULL;
}

int tk_renderer_record_uploads(TkRenderer *r, TkVkCmd *cmd)
{
    if (!r->atlas_staged_bytes)
        return 0;
    tk_vk_cmd_copy(r->dev, cmd, &r->staging, 0, &r->atlas, 0, r->atlas_staged_bytes);
    r->atlas_staged_bytes = 0;
    return 1;
}

int tk_renderer_record_draw(TkRenderer *r, TkVkCmd *cmd, const TkVkBuffer *target)
{
    if (!r || !cmd || !target || target->size < r->layout.size || !r->prepared)
        return TALKIE_ERR(EINVAL);
    r->prepared = 0;
    const TkFrameLayout *l = &r->layout;
    TkRenderPush push = {
        .width = (uint32_t)l->aligned_width,
        .height = (uint32_t)l->aligned_height,
        .stride_words = (uint32_t)(l->luma_stride / 4),
        .chroma_word = (uint32_t)(l->chroma_offset / 4),
        .tiles = (uint32_t)r->prepared_dl_words,
        .atlas_last = (uint32_t)(r->atlas.size / 4 - 1),
        .tiles_x = (uint32_t)r->bins.tiles_x,
        .tiles_y = (uint32_t)r->bins.tiles_y,
    };
    const TkVkBuffer *buffers[3] = { target, &r->list, &r->atlas };
    tk_vk_cmd_dispatch(r->dev, cmd, r->kernel, buffers, &push, (uint32_t)r->bins.tiles_x,
                       (uint32_t)r->bins.tiles_y, 1);
    return 0;
}

/* The prepared frame into cmd: upload, barrier, draw, barrier. */
static int record_prepared(TkRenderer *r, TkVkCmd *cmd, const TkVkBuffer *target)
{
    if (tk_renderer_record_uploads(r, cmd))
        tk_vk_cmd_barrier(r->dev, cmd);
    int res = tk_renderer_record_draw(r, cmd, target);
    if (res < 0)
        return res;
    tk_vk_cmd_barrier(r->dev, cmd);
    return 0;
}

int tk_renderer_record_list(TkRenderer *r, const TkDrawList *dl, TkVkCmd *cmd,
                            const TkVkBuffer *target)
{
    if (!r || !dl || !cmd || !target || target->size < r->layout.size)
        return TALKIE_ERR(EINVAL);
    int res = prepare_list(r, dl);
    return res < 0 ? res : record_prepared(r, cmd, target);
}

int tk_renderer_record(TkRenderer *r, const TkScene *scene, int64_t t_ms, TkVkCmd *cmd,
                       const TkVkBuffer *target)
{
    if (!r || !cmd || !target || target->size < r->layout.size)
        return TALKIE_ERR(EINVAL);
    int res = tk_renderer_prepare(r, scene, t_ms);
    return res < 0 ? res : record_prepared(r, cmd, target);
}

int tk_renderer_reference_list(TkRenderer *r, const TkDrawList *dl, uint8_t *out)
{
    uint32_t *words = malloc(tk_draw_list_words(dl) * sizeof(uint32_t));
    if (!words)
        return TALKIE_ERR(ENOMEM);
    tk_draw_list_pack(dl, words);
    tk_render_ref(words, tk_composer_atlas(r->composer)->pixels, &r->layout, out);
    free(words);
    return 0;
}

int tk_renderer_reference(TkRenderer *r, const TkScene *scene, int64_t t_ms, uint8_t *out)
{
    int res = tk_composer_build(r->composer, scene, t_ms, &r->dl);
    if (res < 0)
        return res;
    return tk_renderer_reference_list(r, &r->dl, out);
}

void tk_renderer_set_culling(TkRenderer *r, int cull)
{
    r->cull = cull;
}

const TkComposerLayout *tk_renderer_layout(const TkRenderer *r)
{
    return tk_composer_layout(r->composer);
}

const TkAtlas *tk_renderer_atlas(const TkRenderer *r)
{
    return tk_composer_atlas(r->composer);
}
