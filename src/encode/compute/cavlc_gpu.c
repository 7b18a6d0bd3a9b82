/* Host side of cavlc.comp; see cavlc_gpu.h. One workgroup of 32 per macroblock, the grid of
 * workgroups laid out as the macroblock grid (so no 1D group-count limit on large frames). */
#include "encode/compute/cavlc_gpu.h"

#include <string.h>

static const uint32_t cavlc_spv[] =
#include "cavlc.spv.inc"
;

/* Mirrors the push-constant block Params of cavlc.comp. */
typedef struct CavlcPush {
    int32_t mb_width;
    int32_t mb_height;
    int32_t slice_mb_rows;
} CavlcPush;

int tk_cavlc_gpu_create(TkVkDevice *dev, TkCavlcGpu *c)
{
    memset(c, 0, sizeof(*c));
    return tk_vk_kernel_shared(dev, &c->kernel, cavlc_spv, sizeof(cavlc_spv), 3,
                               sizeof(CavlcPush));
}

void tk_cavlc_gpu_record(TkVkDevice *dev, const TkCavlcGpu *c, TkVkCmd *cmd,
                         const TkFrameLayout *layout, int slice_mb_rows,
                         const TkVkBuffer *coded, const TkVkBuffer *scratch,
                         const TkVkBuffer *counts)
{
    CavlcPush push = {
        .mb_width = layout->mb_width,
        .mb_height = layout->mb_height,
        .slice_mb_rows = slice_mb_rows,
    };
    const TkVkBuffer *bufs[3] = { coded, scratch, counts };
    tk_vk_cmd_dispatch(dev, cmd, c->kernel, bufs, &push, (uint32_t)layout->mb_width,
                       (uint32_t)layout->mb_height, 1);
}

void tk_cavlc_gpu_destroy(TkVkDevice *dev, TkCavlcGpu *c)
{
    (void)dev;
    c->kernel = NULL; /* the device's */
}
