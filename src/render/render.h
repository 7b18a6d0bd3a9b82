/*
 * The renderer: draws the scene at time t into an NV12 image on the GPU (compute shader).
 * (Header committed by the lead so the session compiles; the renderer's owner fills it in.)
 */
#ifndef TALKIE_RENDER_RENDER_H
#define TALKIE_RENDER_RENDER_H

#include <stdint.h>

#include "common/frame.h"
#include "common/log.h"
#include "scene/scene.h"
#include "vk/vk.h"

typedef struct TkRenderer TkRenderer;

int tk_renderer_create(TkRenderer **out, TkVkDevice *dev, const TkFrameLayout *layout,
                       const char *font_path /* NULL: fontconfig */, const TkLog *log);
void tk_renderer_destroy(TkRenderer **r);
/* Records the drawing of `scene` at time t_ms into cmd (already begun), writing the whole
 * image into `target` (a buffer of at least layout->size bytes). May upload per-frame data
 * into a buffer the renderer owns: only one frame may be in flight per renderer (the session
 * waits for each submission before the next record). */
int tk_renderer_record(TkRenderer *r, const TkScene *scene, int64_t t_ms, TkVkCmd *cmd,
                       const TkVkBuffer *target);

#endif
