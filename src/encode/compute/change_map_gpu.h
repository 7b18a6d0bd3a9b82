/*
 * Host side of change_map.comp: the encoder's own skip map on the GPU, bit-exact with
 * tk_change_map_ref() (change_map_ref.h), and the copy of the new source into the previous
 * source picture in the same dispatch.
 *
 * Parallel mapping: one workgroup per map word (TK_CHANGE_MAP_MBS_PER_GROUP macroblocks),
 * one invocation per 32-bit word of those macroblocks' samples.
 *
 *     TkChangeMapGpu c;
 *     tk_change_map_gpu_create(dev, &c);
 *     // map: tk_change_map_bytes(&l) bytes; prev: l.size bytes, kept between frames
 *     tk_change_map_gpu_record(dev, &c, &cmd, &l, &src, &prev, &map, has_prev, NULL, NULL,
 *                              NULL, NULL);
 *     tk_vk_cmd_barrier(dev, &cmd);   // before anything reads map or prev
 *     tk_change_map_gpu_destroy(dev, &c);
 */
#ifndef TALKIE_ENCODE_COMPUTE_CHANGE_MAP_GPU_H
#define TALKIE_ENCODE_COMPUTE_CHANGE_MAP_GPU_H

#include "encode/compute/change_map_ref.h"
#include "vk/vk.h"

typedef struct TkChangeMapGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkChangeMapGpu;

int tk_change_map_gpu_create(TkVkDevice *dev, TkChangeMapGpu *c);
/* Records the map of src (NV12, layout l) against prev into map, and src into prev.
 * has_prev 0: prev holds no picture (nothing static, prev only written). ref and ref_prev:
 * the references to compare (TK_SKIP_MAP_STATIC_SAME_REF), or both NULL. given (a caller's
 * map, or NULL) and refresh (NULL: none) as for tk_change_map_ref(). */
void tk_change_map_gpu_record(TkVkDevice *dev, const TkChangeMapGpu *c, TkVkCmd *cmd,
                              const TkFrameLayout *l, const TkVkBuffer *src,
                              const TkVkBuffer *prev, const TkVkBuffer *map, int has_prev,
                              const TkVkBuffer *ref, const TkVkBuffer *ref_prev,
                              const TkVkBuffer *given, const TkChangeMapRefresh *refresh);
/* Safe on a zeroed or already destroyed object. */
void tk_change_map_gpu_destroy(TkVkDevice *dev, TkChangeMapGpu *c);

#endif
