/* Test inputs for the benchmarks: rendered conversation frames and a natural-looking pattern. */
#ifndef TALKIE_BENCH_INPUTS_H
#define TALKIE_BENCH_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"
#include "vk/vk.h"

/* A moving scene of gradients, soft shapes and fine texture (deterministic). */
void tk_bench_pattern(const TkFrameLayout *l, int index, uint8_t *nv12);

/* Renders n frames spread over the 10 s of a fixed three-speaker conversation with talkie's
 * renderer on `dev` into frames[i] (l->size bytes each). */
int tk_bench_conversation(TkVkDevice *dev, const TkFrameLayout *l, int n, uint8_t **frames);

/* Frames of one input in host memory. */
typedef struct Frames {
    TkFrameLayout layout;
    int n;
    uint8_t **data;
} Frames;

enum { INPUT_PATTERN, INPUT_CONVERSATION };

/* Allocates and fills n frames of one input at layout l; -1 when it cannot (the
 * conversation needs a device). */
int tk_bench_load_input(TkVkDevice *dev, const TkFrameLayout *l, int n, int input, Frames *f);
/* n zeroed frames; -1 on failure (free with tk_bench_frames_free either way) */
int tk_bench_frames_alloc(Frames *f, const TkFrameLayout *l, int n);
void tk_bench_frames_free(Frames *f);

/* Puts frame `data` into device-local `dst` through `staging`, as the renderer leaves a
 * frame on the GPU; not timed by callers. */
int tk_bench_upload_frame(TkVkDevice *dev, TkVkCmd *cmd, TkVkBuffer *staging, TkVkBuffer *dst,
                          const uint8_t *data, size_t size);

/* The best Vulkan device, logging warnings only; NULL when there is none. */
TkVkDevice *tk_bench_open_device(void);

#endif
