/*
 * Host side of analyse.comp: intra analysis of a whole frame on the GPU, bit-exact with
 * tk_intra_analyse_mb_ref() called in raster order (analyse_ref.h).
 *
 * Parallel mapping: one workgroup per slice (TkIntraParams.slice_mb_rows rows of
 * macroblocks), walking its macroblocks in raster order. Two shapes of the same work:
 *   wide   (analyse.comp, GPUs): 160 threads; each I4x4 block is 4 short steps of one
 *          thread per (mode, sample) or coefficient, while other warps code I16x16 and
 *          chroma;
 *   narrow (analyse_narrow.comp, CPU devices such as lavapipe, which run every branch of
 *          every invocation): 16 threads.
 *
 *     TkAnalyseGpu a;
 *     tk_analyse_gpu_create(dev, &a);
 *     tk_vk_cmd_begin(dev, &cmd);
 *     tk_analyse_gpu_record(dev, &a, &cmd, &params, &src, &recon, &coded, NULL);
 *     tk_vk_cmd_barrier(dev, &cmd);   // before CAVLC reads `coded`
 *     ...
 *     tk_analyse_gpu_destroy(dev, &a);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_GPU_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_GPU_H

#include "encode/compute/analyse_ref.h"
#include "vk/vk.h"

typedef enum TkAnalyseShape {
    TK_ANALYSE_AUTO = 0,  /* narrow on CPU devices or where the wide one does not fit */
    TK_ANALYSE_WIDE = 1,
    TK_ANALYSE_NARROW = 2,
} TkAnalyseShape;

typedef struct TkAnalyseGpu {
    const TkVkKernel *kernel; /* shared: the device's */
    TkAnalyseShape shape;    /* the one created: WIDE or NARROW */
} TkAnalyseGpu;

/* tk_analyse_gpu_create_shape(dev, a, TK_ANALYSE_AUTO) */
int tk_analyse_gpu_create(TkVkDevice *dev, TkAnalyseGpu *a);
/* TALKIE_ERROR_UNSUPPORTED when WIDE is asked for on a device whose limits it exceeds. */
int tk_analyse_gpu_create_shape(TkVkDevice *dev, TkAnalyseGpu *a, TkAnalyseShape shape);
/* Records the analysis of the frame in `src` (NV12, p->layout, at least p->layout.size bytes)
 * into `recon` (same layout; every macroblock is written) and `coded` (mb_width * mb_height
 * TkCodedMb). text_map: NULL, or the frame's text map (a byte per macroblock, 4 to a word;
 * p->text_qp for the marked ones; p->text_map, the host's copy, is not read here). All are
 * storage buffers; the caller orders later work with a barrier. */
void tk_analyse_gpu_record(TkVkDevice *dev, const TkAnalyseGpu *a, TkVkCmd *cmd,
                           const TkIntraParams *p, const TkVkBuffer *src,
                           const TkVkBuffer *recon, const TkVkBuffer *coded,
                           const TkVkBuffer *text_map);
/* Safe on a zeroed or already destroyed object. */
void tk_analyse_gpu_destroy(TkVkDevice *dev, TkAnalyseGpu *a);

#endif
