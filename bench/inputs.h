/* Test inputs for the benchmarks: rendered conversation frames and a natural-looking pattern. */
#ifndef TALKIE_BENCH_INPUTS_H
#define TALKIE_BENCH_INPUTS_H

#include <stdint.h>

#include "common/frame.h"
#include "vk/vk.h"

/* A moving scene of gradients, soft shapes and fine texture (deterministic). */
void tk_bench_pattern(const TkFrameLayout *l, int index, uint8_t *nv12);

/* Renders n frames spread over the 10 s of a fixed three-speaker conversation with talkie's
 * renderer on `dev` into frames[i] (l->size bytes each). */
int tk_bench_conversation(TkVkDevice *dev, const TkFrameLayout *l, int n, uint8_t **frames);

#endif
