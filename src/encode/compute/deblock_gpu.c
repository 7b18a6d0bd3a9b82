/* Host side of deblock.comp; see deblock_gpu.h. */
#include "encode/compute/deblock_gpu.h"

#include <string.h>

static const uint32_t deblock_spv[] =
#include "deblock.spv.inc"
;

/* Mirrors the push-constant block Params of deblock.comp. */
typedef struct DeblockPush {
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t mb_height;
} DeblockPush;

int tk_deblock_gpu_create(TkVkDevice *dev, TkDeblockGpu *d)
{
    memset(d, 0, sizeof(*d));
    return tk_vk_kernel_shared_rows(dev, &d->kernel, deblock_spv, sizeof(deblock_spv), 3,
                               sizeof(DeblockPush));
}

void tk_deblock_gpu_record(TkVkDevice *dev, const TkDeblockGpu *d, TkVkCmd *cmd,
                           const TkFrameLayout *l, const TkVkBuffer *pic,
                           const TkVkBuffer *coded, const TkVkBuffer *motion)
{
    DeblockPush push = { (int32_t)l->luma_stride, (int32_t)l->chroma_offset, l->mb_width,
                         l->mb_height };
    const TkVkBuffer *bufs[3] = { pic, coded, motion };
    tk_vk_cmd_dispatch(dev, cmd, d->kernel, bufs, &push, 1, 1, 1);
}

void tk_deblock_gpu_destroy(TkVkDevice *dev, TkDeblockGpu *d)
{
    (void)dev;
    d->kernel = NULL; /* the device's */
}
