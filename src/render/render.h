/*
 * The renderer: draws the scene at time t into an NV12 image on the GPU (compute shader
 * shaders/render.comp). The composer builds a draw list on the host; the renderer uploads
 * it (and the glyph atlas whenever it changed, normally once) and records one dispatch.
 */
#ifndef TALKIE_RENDER_RENDER_H
#define TALKIE_RENDER_RENDER_H

#include <stdint.h>

#include "common/frame.h"
#include "common/log.h"
#include "render/composer.h"
#include "render/drawlist.h"
#include "scene/scene.h"
#include "vk/vk.h"

typedef struct TkRenderer TkRenderer;

/* Errors: TALKIE_ERROR_FONT, TALKIE_ERR(ENOMEM), TALKIE_ERR(EINVAL), Vulkan errors. */
int tk_renderer_create(TkRenderer **out, TkVkDevice *dev, const TkFrameLayout *layout,
                       const char *font_path /* NULL: fontconfig */, const TkLog *log);
/* NULL-safe; sets *r to NULL. The device must be idle (no recorded frame in flight). */
void tk_renderer_destroy(TkRenderer **r);
/* Records the drawing of `scene` at time t_ms into cmd (already begun), writing the whole
 * image into `target` (a buffer of at least layout->size bytes). May upload per-frame data
 * into a buffer the renderer owns: only one frame may be in flight per renderer (the session
 * waits for each submission before the next record). A barrier after the dispatch makes the
 * image visible to whatever cmd records next. */
int tk_renderer_record(TkRenderer *r, const TkScene *scene, int64_t t_ms, TkVkCmd *cmd,
                       const TkVkBuffer *target);

/* The same as tk_renderer_record in three steps, for a caller that records the frames of
 * many renderers into one command buffer (the engine):
 *   prepare         the host part: composes the frame and writes the draw list and any new
 *                   glyphs into the renderer's host-visible buffers. Touches nothing but r,
 *                   so renderers can prepare on different threads at once;
 *   record_uploads  records the copy of new glyphs to the device; returns 1 when it recorded
 *                   one (then a barrier must come before any draw), 0 when there were none;
 *   record_draw     records the dispatch that writes `target`; the caller records a barrier
 *                   before anything reads it. */
int tk_renderer_prepare(TkRenderer *r, const TkScene *scene, int64_t t_ms);
int tk_renderer_record_uploads(TkRenderer *r, TkVkCmd *cmd);
int tk_renderer_record_draw(TkRenderer *r, TkVkCmd *cmd, const TkVkBuffer *target);

/* The same frame drawn on the host by the C reference (render_ref.c) into `out`
 * (layout->size bytes): what the GPU must produce, byte for byte. */
int tk_renderer_reference(TkRenderer *r, const TkScene *scene, int64_t t_ms, uint8_t *out);

/* 1 (default): the shader draws each tile from its own short list of shapes and glyphs;
 * 0: every tile's list holds the whole draw list (for tests: culling must not change the
 * image). */
void tk_renderer_set_culling(TkRenderer *r, int cull);

/* For tests: the same as record/reference, for a draw list made by hand (its atlas width
 * and glyphs must refer to tk_renderer_atlas(r), as the composer left it). */
int tk_renderer_record_list(TkRenderer *r, const TkDrawList *dl, TkVkCmd *cmd,
                            const TkVkBuffer *target);
int tk_renderer_reference_list(TkRenderer *r, const TkDrawList *dl, uint8_t *out);
const TkAtlas *tk_renderer_atlas(const TkRenderer *r);

/* The text map of the frame last prepared (render/text_map.h: a byte per macroblock,
 * TK_TEXT_MAP_TEXT under subtitle glyphs), or NULL when it shows no subtitle text. Valid
 * until the next prepare. */
const uint8_t *tk_renderer_text_map(const TkRenderer *r);

/* Where things are in the frame last recorded (see composer.h). */
const TkComposerLayout *tk_renderer_layout(const TkRenderer *r);

#endif
