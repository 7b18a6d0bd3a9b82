/*
 * Host side of the intra analysis kernels (analyse.comp, analyse_narrow.comp): pipeline
 * creation, choice of shape, recording.
 *
 * Parallel mapping (also written at the top of each shader): one workgroup per slice,
 * macroblocks of the slice in raster order inside the workgroup, the threads sharing each
 * macroblock's work between barriers. Slices are independent, so the dispatch is
 * ceil(mb_height / slice_mb_rows) workgroups.
 */
#include "encode/compute/analyse_gpu.h"

#include <string.h>

#include "talkie/talkie.h"

static const uint32_t analyse_spv[] =
#include "analyse.spv.inc"
;

static const uint32_t analyse_narrow_spv[] =
#include "analyse_narrow.spv.inc"
;

/* local_size_x of analyse.comp (its shared memory, ~14 KiB, fits the 16 KiB every Vulkan
 * device has) */
#define WIDE_THREADS 160

/* Mirrors the push-constant block Params of both shaders. */
typedef struct AnalysePush {
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t mb_height;
    int32_t qp;
    int32_t slice_mb_rows;
    int32_t text_qp;        /* the QP of the macroblocks the text map marks */
} AnalysePush;

int tk_analyse_gpu_create(TkVkDevice *dev, TkAnalyseGpu *a)
{
    return tk_analyse_gpu_create_shape(dev, a, TK_ANALYSE_AUTO);
}

int tk_analyse_gpu_create_shape(TkVkDevice *dev, TkAnalyseGpu *a, TkAnalyseShape shape)
{
    memset(a, 0, sizeof(*a));
    const VkPhysicalDeviceLimits *lim = &dev->props.limits;
    int wide_fits = lim->maxComputeWorkGroupInvocations >= WIDE_THREADS &&
                    lim->maxComputeWorkGroupSize[0] >= WIDE_THREADS;
    if (shape == TK_ANALYSE_AUTO)
        shape = wide_fits && dev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU
                    ? TK_ANALYSE_WIDE : TK_ANALYSE_NARROW;
    if (shape == TK_ANALYSE_WIDE && !wide_fits)
        return TALKIE_ERROR_UNSUPPORTED;
    a->shape = shape;
    if (shape == TK_ANALYSE_WIDE)
        return tk_vk_kernel_shared(dev, &a->kernel, analyse_spv, sizeof(analyse_spv), 4,
                                   sizeof(AnalysePush));
    return tk_vk_kernel_shared(dev, &a->kernel, analyse_narrow_spv, sizeof(analyse_narrow_spv),
                               4, sizeof(AnalysePush));
}

void tk_analyse_gpu_record(TkVkDevice *dev, const TkAnalyseGpu *a, TkVkCmd *cmd,
                           const TkIntraParams *p, const TkVkBuffer *src,
                           const TkVkBuffer *recon, const TkVkBuffer *coded,
                           const TkVkBuffer *text_map)
{
    AnalysePush push = {
        .luma_stride = (int32_t)p->layout.luma_stride,
        .chroma_offset = (int32_t)p->layout.chroma_offset,
        .mb_width = p->layout.mb_width,
        .mb_height = p->layout.mb_height,
        .qp = p->qp,
        .slice_mb_rows = p->slice_mb_rows,
        /* without a map every macroblock has the frame's QP, whatever the bound buffer holds */
        .text_qp = text_map ? p->text_qp : p->qp,
    };
    const TkVkBuffer *bufs[4] = { src, recon, coded, text_map ? text_map : src };
    uint32_t slices = (uint32_t)((p->layout.mb_height + p->slice_mb_rows - 1) / p->slice_mb_rows);
    tk_vk_cmd_dispatch(dev, cmd, a->kernel, bufs, &push, slices, 1, 1);
}

void tk_analyse_gpu_destroy(TkVkDevice *dev, TkAnalyseGpu *a)
{
    (void)dev;
    a->kernel = NULL; /* the device's */
}
