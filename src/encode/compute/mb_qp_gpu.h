/*
 * Host side of mb_qp.comp: QP_Y and mb_qp_delta of every macroblock on the GPU, bit-exact
 * with tk_mb_qp_frame_ref() (mb_qp_ref.h). Needed only for a picture whose macroblocks were
 * quantised with different QPs (a text map); otherwise analysis already stored the values.
 *
 * Parallel mapping: one workgroup per slice (see mb_qp.comp).
 *
 *     TkMbQpGpu q;
 *     tk_mb_qp_gpu_create(dev, &q);
 *     // after the analysis and a barrier:
 *     tk_mb_qp_gpu_record(dev, &q, &cmd, &layout, slice_mb_rows, slice_qp, &coded);
 *     tk_vk_cmd_barrier(dev, &cmd);   // before CAVLC and deblocking read coded
 */
#ifndef TALKIE_ENCODE_COMPUTE_MB_QP_GPU_H
#define TALKIE_ENCODE_COMPUTE_MB_QP_GPU_H

#include "common/frame.h"
#include "vk/vk.h"

typedef struct TkMbQpGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkMbQpGpu;

int tk_mb_qp_gpu_create(TkVkDevice *dev, TkMbQpGpu *q);
/* Records the pass over coded (TkCodedMb[n], storage buffer) of a picture with slices of
 * slice_mb_rows rows at slice QP slice_qp. */
void tk_mb_qp_gpu_record(TkVkDevice *dev, const TkMbQpGpu *q, TkVkCmd *cmd,
                         const TkFrameLayout *l, int slice_mb_rows, int slice_qp,
                         const TkVkBuffer *coded);
/* Safe on a zeroed or already destroyed object. */
void tk_mb_qp_gpu_destroy(TkVkDevice *dev, TkMbQpGpu *q);

#endif
