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

#include "encode/compute/transform_ref.h"
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
    /* analyse.comp only (analyse_narrow.comp's block ends above): */
    int32_t quant_luma[TK_QUANT_CONSTS];   /* TkQuant of qp */
    int32_t quant_chroma[TK_QUANT_CONSTS]; /* TkQuant of QP'c */
    int32_t lambda;
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
        return tk_vk_kernel_shared(dev, &a->kernel, analyse_spv, sizeof(analyse_spv), 3,
                                   sizeof(AnalysePush));
    return tk_vk_kernel_shared(dev, &a->kernel, analyse_narrow_spv, sizeof(analyse_narrow_spv),
                               3, sizeof(AnalysePush));
}

void tk_analyse_gpu_record(TkVkDevice *dev, const TkAnalyseGpu *a, TkVkCmd *cmd,
                           const TkIntraParams *p, const TkVkBuffer *src,
                           const TkVkBuffer *recon, const TkVkBuffer *coded)
{
    AnalysePush push = {
        .luma_stride = (int32_t)p->layout.luma_stride,
        .chroma_offset = (int32_t)p->layout.chroma_offset,
        .mb_width = p->layout.mb_width,
        .mb_height = p->layout.mb_height,
        .qp = p->qp,
        .slice_mb_rows = p->slice_mb_rows,
        .lambda = tk_intra_lambda(p->qp),
    };
    tk_quant_consts(p->qp, push.quant_luma);
    tk_quant_consts(tk_chroma_qp(p->qp), push.quant_chroma);
    const TkVkBuffer *bufs[3] = { src, recon, coded };
    uint32_t slices = (uint32_t)((p->layout.mb_height + p->slice_mb_rows - 1) / p->slice_mb_rows);
    tk_vk_cmd_dispatch(dev, cmd, a->kernel, bufs, &push, slices, 1, 1);
}

void tk_analyse_gpu_destroy(TkVkDevice *dev, TkAnalyseGpu *a)
{
    (void)dev;
    a->kernel = NULL; /* the device's */
}
