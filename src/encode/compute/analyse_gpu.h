/*
 * Host side of analyse.comp: intra analysis of a whole frame on the GPU, bit-exact with
 * tk_intra_analyse_mb_ref() called in raster order (analyse_ref.h).
 *
 * Parallel mapping: one workgroup per slice (TkIntraParams.slice_mb_rows rows of
 * macroblocks), walking its macroblocks in raster order; its 16 threads share the work inside
 * a macroblock (one thread per 4x4 block for transforms and SATD, one per candidate mode for
 * the I4x4 decision), with the macroblock's source and neighbours in shared memory.
 *
 *     TkAnalyseGpu a;
 *     tk_analyse_gpu_create(dev, &a);
 *     tk_vk_cmd_begin(dev, &cmd);
 *     tk_analyse_gpu_record(dev, &a, &cmd, &params, &src, &recon, &coded);
 *     tk_vk_cmd_barrier(dev, &cmd);   // before CAVLC reads `coded`
 *     ...
 *     tk_analyse_gpu_destroy(dev, &a);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_GPU_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_GPU_H

#include "encode/compute/analyse_ref.h"
#include "vk/vk.h"

typedef struct TkAnalyseGpu {
    TkVkKernel kernel;
} TkAnalyseGpu;

int tk_analyse_gpu_create(TkVkDevice *dev, TkAnalyseGpu *a);
/* Records the analysis of the frame in `src` (NV12, p->layout, at least p->layout.size bytes)
 * into `recon` (same layout; every macroblock is written) and `coded` (mb_width * mb_height
 * TkCodedMb). All three are storage buffers; the caller orders later work with a barrier. */
void tk_analyse_gpu_record(TkVkDevice *dev, const TkAnalyseGpu *a, TkVkCmd *cmd,
                           const TkIntraParams *p, const TkVkBuffer *src,
                           const TkVkBuffer *recon, const TkVkBuffer *coded);
/* Safe on a zeroed or already destroyed object. */
void tk_analyse_gpu_destroy(TkVkDevice *dev, TkAnalyseGpu *a);

#endif
