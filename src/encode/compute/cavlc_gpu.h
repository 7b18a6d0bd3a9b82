/*
 * Host side of cavlc.comp: CAVLC of every macroblock of a frame on the GPU, bit-exact with
 * tk_cavlc_frame_ref() (cavlc_ref.h): per-macroblock scratch bits and counts.
 *
 *     tk_cavlc_gpu_record(dev, &c, &cmd, &layout, slice_mb_rows, &coded, &scratch, &counts);
 *
 * `counts` holds n_mbs + 1 uints; the last must be zero before (encoder_gpu zeroes it at
 * open, pack.comp after reading it) and comes out non-zero when a level was too large for Baseline CAVLC
 * (the C reference's ERANGE).
 */
#ifndef TALKIE_ENCODE_COMPUTE_CAVLC_GPU_H
#define TALKIE_ENCODE_COMPUTE_CAVLC_GPU_H

#include "common/frame.h"
#include "vk/vk.h"

typedef struct TkCavlcGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkCavlcGpu;

int tk_cavlc_gpu_create(TkVkDevice *dev, TkCavlcGpu *c);
/* Records the CAVLC dispatch. `coded` must be complete and `counts` zeroed (a barrier
 * after both); the caller orders later reads with a barrier. Barriers are left to the
 * caller so that a batch of frames shares them (encoder_gpu.c). */
void tk_cavlc_gpu_record(TkVkDevice *dev, const TkCavlcGpu *c, TkVkCmd *cmd,
                         const TkFrameLayout *layout, int slice_mb_rows,
                         const TkVkBuffer *coded, const TkVkBuffer *scratch,
                         const TkVkBuffer *counts);
/* The same for a P picture (tk_cavlc_frame_p_ref()): motion is TkMbMotion[n_mbs]; NULL
 * codes I slices, as tk_cavlc_gpu_record(). */
void tk_cavlc_gpu_record_p(TkVkDevice *dev, const TkCavlcGpu *c, TkVkCmd *cmd,
                           const TkFrameLayout *layout, int slice_mb_rows,
                           const TkVkBuffer *coded, const TkVkBuffer *motion,
                           const TkVkBuffer *scratch, const TkVkBuffer *counts);
/* Safe on a zeroed or already destroyed object. */
void tk_cavlc_gpu_destroy(TkVkDevice *dev, TkCavlcGpu *c);

#endif
