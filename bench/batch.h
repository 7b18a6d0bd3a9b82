/* Batches of compute encodes for the benchmarks: a group of encoders submitted together. */
#ifndef TALKIE_BENCH_BATCH_H
#define TALKIE_BENCH_BATCH_H

#include "encode/compute/encoder_gpu.h"
#include "inputs.h"

/* n encoders, each with its own source frame in device memory, and one command buffer:
 * one frame of each per submission (tk_encoder_gpu_batch_submit/finish). */
typedef struct BenchGroup {
    int n;
    TkEncoderGpu **enc;
    TkVkBuffer *src;
    TkEncoderGpuFrame *frames;
    TkVkCmd cmd;
} BenchGroup;

/* Encoder i encodes frame (first + i) % f->n of f, all intra at `qp`; `timestamps`: the
 * command buffer records a timestamp after each stage. -1 on failure (nothing to free). */
int tk_bench_group_open(TkVkDevice *dev, const Frames *f, int first, int n, int qp,
                        int timestamps, BenchGroup *g);
void tk_bench_group_free(TkVkDevice *dev, BenchGroup *g);
int tk_bench_group_submit(BenchGroup *g);
/* Waits and frees the access units; 0 or the first error. */
int tk_bench_group_finish(BenchGroup *g);
/* 2 x rounds + 1 batches, alternating between a and b so that the host records and frames
 * one group while the GPU runs the other. Returns the frames encoded, or -1. */
int tk_bench_groups_pipelined(BenchGroup *a, BenchGroup *b, int rounds);

#endif
