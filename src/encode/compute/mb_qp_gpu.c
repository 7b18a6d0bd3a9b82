/* Host side of mb_qp.comp; see mb_qp_gpu.h. */
#include "encode/compute/mb_qp_gpu.h"

#include <string.h>

static const uint32_t mb_qp_spv[] =
#include "mb_qp.spv.inc"
;

/* Mirrors the push-constant block Params of mb_qp.comp. */
typedef struct MbQpPush {
    int32_t mb_width;
    int32_t mb_height;
    int32_t slice_mb_rows;
    int32_t slice_qp;
} MbQpPush;

int tk_mb_qp_gpu_create(TkVkDevice *dev, TkMbQpGpu *q)
{
    memset(q, 0, sizeof(*q));
    return tk_vk_kernel_shared_rows(dev, &q->kernel, mb_qp_spv, sizeof(mb_qp_spv), 1,
                               sizeof(MbQpPush));
}

void tk_mb_qp_gpu_record(TkVkDevice *dev, const TkMbQpGpu *q, TkVkCmd *cmd,
                         const TkFrameLayout *l, int slice_mb_rows, int slice_qp,
                         const TkVkBuffer *coded)
{
    MbQpPush push = { l->mb_width, l->mb_height, slice_mb_rows, slice_qp };
    const TkVkBuffer *bufs[1] = { coded };
    uint32_t slices = (uint32_t)((l->mb_height + slice_mb_rows - 1) / slice_mb_rows);
    tk_vk_cmd_dispatch(dev, cmd, q->kernel, bufs, &push, slices, 1, 1);
}

void tk_mb_qp_gpu_destroy(TkVkDevice *dev, TkMbQpGpu *q)
{
    (void)dev;
    q->kernel = NULL; /* the device's */
}
