/* Host side of cavlc.comp; see cavlc_gpu.h. One workgroup of 32 * CAVLC_MB_PER_GROUP
 * invocations per CAVLC_MB_PER_GROUP macroblocks: ceil(n_mbs / CAVLC_MB_PER_GROUP) groups,
 * numbered row by row over a 2-D grid that keeps each dimension within 65535 (the least
 * maxComputeWorkGroupCount Vulkan allows); the shader skips the macroblocks past n_mbs. */
#include "encode/compute/cavlc_gpu.h"

#include <string.h>

/* MB_PER_GROUP of cavlc.comp (why 2: see there); change both together. */
#define CAVLC_MB_PER_GROUP 2u
#define CAVLC_MAX_GROUPS_PER_DIM 65535u

static const uint32_t cavlc_spv[] =
#include "cavlc.spv.inc"
;

/* Mirrors the push-constant block Params of cavlc.comp. */
typedef struct CavlcPush {
    int32_t mb_width;
    int32_t mb_height;
    int32_t slice_mb_rows;
    int32_t p_slice;
} CavlcPush;

int tk_cavlc_gpu_create(TkVkDevice *dev, TkCavlcGpu *c)
{
    memset(c, 0, sizeof(*c));
    return tk_vk_kernel_shared_rows(dev, &c->kernel, cavlc_spv, sizeof(cavlc_spv), 4,
                               sizeof(CavlcPush));
}

void tk_cavlc_gpu_record(TkVkDevice *dev, const TkCavlcGpu *c, TkVkCmd *cmd,
                         const TkFrameLayout *layout, int slice_mb_rows,
                         const TkVkBuffer *coded, const TkVkBuffer *scratch,
                         const TkVkBuffer *counts)
{
    tk_cavlc_gpu_record_p(dev, c, cmd, layout, slice_mb_rows, coded, NULL, scratch, counts);
}

void tk_cavlc_gpu_record_p(TkVkDevice *dev, const TkCavlcGpu *c, TkVkCmd *cmd,
                           const TkFrameLayout *layout, int slice_mb_rows,
                           const TkVkBuffer *coded, const TkVkBuffer *motion,
                           const TkVkBuffer *scratch, const TkVkBuffer *counts)
{
    CavlcPush push = {
        .mb_width = layout->mb_width,
        .mb_height = layout->mb_height,
        .slice_mb_rows = slice_mb_rows,
        .p_slice = motion != NULL,
    };
    /* an I slice reads no motion: the binding gets `coded`, never read through it */
    const TkVkBuffer *bufs[4] = { coded, scratch, counts, motion ? motion : coded };
    uint32_t n_mbs = (uint32_t)layout->mb_width * (uint32_t)layout->mb_height;
    uint32_t groups = (n_mbs + CAVLC_MB_PER_GROUP - 1) / CAVLC_MB_PER_GROUP;
    uint32_t groups_y = (groups + CAVLC_MAX_GROUPS_PER_DIM - 1) / CAVLC_MAX_GROUPS_PER_DIM;
    uint32_t groups_x = groups_y ? (groups + groups_y - 1) / groups_y : 0;
    tk_vk_cmd_dispatch(dev, cmd, c->kernel, bufs, &push, groups_x, groups_y, 1);
}

void tk_cavlc_gpu_destroy(TkVkDevice *dev, TkCavlcGpu *c)
{
    (void)dev;
    c->kernel = NULL; /* the device's */
}
