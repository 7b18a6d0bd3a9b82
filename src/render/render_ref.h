/*
 * The C reference of shaders/render.comp: draws a packed draw list (drawlist_format.h) into
 * an NV12 image (common/frame.h) with exactly the shader's integer math, so tests can
 * require the GPU's image to equal it byte for byte. Also usable as a CPU renderer.
 */
#ifndef TALKIE_RENDER_RENDER_REF_H
#define TALKIE_RENDER_RENDER_REF_H

#include <stdint.h>

#include "common/frame.h"

/* `words`: the packed draw list; `atlas`: the atlas pixels (row length in words[4]);
 * `out`: layout->size bytes, every byte of which is written. */
void tk_render_ref(const uint32_t *words, const uint8_t *atlas, const TkFrameLayout *layout,
                   uint8_t *out);

#endif
