/* Host side of pack.comp; see pack_gpu.h. */
#include "encode/compute/pack_gpu.h"

#include <string.h>

static const uint32_t pack_spv[] =
#include "pack.spv.inc"
;

/* Mirrors the push-constant block Params of pack.comp. */
typedef struct PackPush {
    uint32_t n_mbs;
    uint32_t mbs_per_slice;
    uint32_t n_slices;
    uint32_t phase;
} PackPush;

int tk_pack_gpu_create(TkVkDevice *dev, TkPackGpu *p)
{
    memset(p, 0, sizeof(*p));
    return tk_vk_kernel_shared_rows(dev, &p->kernel, pack_spv, sizeof(pack_spv), 6,
                               sizeof(PackPush));
}

void tk_pack_gpu_record(TkVkDevice *dev, const TkPackGpu *p, TkVkCmd *cmd, const TkPackDims *d,
                        const TkVkBuffer *counts, const TkVkBuffer *scratch,
                        const TkVkBuffer *hdr, const TkVkBuffer *mb_offset,
                        const TkVkBuffer *slice_table, const TkVkBuffer *out, int pass)
{
    const TkVkBuffer *bufs[6] = { counts, scratch, hdr, mb_offset, slice_table, out };
    PackPush push = { d->n_mbs, d->mbs_per_slice, d->n_slices, (uint32_t)pass };
    if (pass == TK_PACK_PASS_OFFSETS)
        tk_vk_cmd_dispatch(dev, cmd, p->kernel, bufs, &push, 1, 1, 1);
    else
        tk_vk_cmd_dispatch(dev, cmd, p->kernel, bufs, &push, (d->n_mbs + 255) / 256, 1, 1);
}

void tk_pack_gpu_destroy(TkVkDevice *dev, TkPackGpu *p)
{
    (void)dev;
    p->kernel = NULL; /* the device's */
}
