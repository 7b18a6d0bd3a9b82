/*
 * Host side of deblock.comp: the in-loop deblocking filter of a whole picture on the GPU,
 * bit-exact with tk_deblock_frame_mbs_ref() (deblock_ref.h), in place on the reconstruction
 * it then hands to the next P picture as its reference.
 *
 * Parallel mapping: one workgroup per picture, macroblocks in a wavefront (x + 2y) because
 * each one rewrites samples of its left and top neighbours (see deblock.comp).
 *
 *     TkDeblockGpu d;
 *     tk_deblock_gpu_create(dev, &d);
 *     tk_deblock_gpu_record(dev, &d, &cmd, &layout, &recon, &coded, &motion);
 *     tk_vk_cmd_barrier(dev, &cmd);   // before anything reads recon
 */
#ifndef TALKIE_ENCODE_COMPUTE_DEBLOCK_GPU_H
#define TALKIE_ENCODE_COMPUTE_DEBLOCK_GPU_H

#include "common/frame.h"
#include "vk/vk.h"

typedef struct TkDeblockGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkDeblockGpu;

int tk_deblock_gpu_create(TkVkDevice *dev, TkDeblockGpu *d);
/* Records the filter of `pic` (NV12, layout l) from coded (TkCodedMb[n]: type,
 * total_coeff and QP_Y of each macroblock) and motion (TkMbMotion[n], read for inter macroblocks only: an all-intra
 * picture may pass any storage buffer). The caller orders it against the analysis before
 * and the readers after with barriers. */
void tk_deblock_gpu_record(TkVkDevice *dev, const TkDeblockGpu *d, TkVkCmd *cmd,
                           const TkFrameLayout *l, const TkVkBuffer *pic,
                           const TkVkBuffer *coded, const TkVkBuffer *motion);
void tk_deblock_gpu_destroy(TkVkDevice *dev, TkDeblockGpu *d);

#endif
