/* Host side of analyse_p.comp; see analyse_p_gpu.h. */
#include "encode/compute/analyse_p_gpu.h"

#include <string.h>

static const uint32_t analyse_p_spv[] =
#include "analyse_p.spv.inc"
;

/* Mirrors the push-constant block Params of analyse_p.comp. */
typedef struct AnalysePPush {
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t mb_height;
    int32_t qp;
    int32_t slice_mb_rows;
    int32_t diag;
    int32_t first_y;
    int32_t has_skip_map;
    int32_t text_qp;
} AnalysePPush;

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a)
{
    memset(a, 0, sizeof(*a));
    return tk_vk_kernel_shared(dev, &a->kernel, analyse_p_spv, sizeof(analyse_p_spv), 7,
                               sizeof(AnalysePPush));
}

int tk_analyse_p_gpu_diagonals(const TkFrameLayout *l)
{
    return l->mb_width + 2 * (l->mb_height - 1);
}

void tk_analyse_p_gpu_record_diagonal(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                      const TkInterParams *p, const TkAnalysePBuffers *b,
                                      int d)
{
    const TkFrameLayout *l = &p->layout;
    /* x = d - 2y with 0 <= x < mb_width: y from ceil((d - mb_width + 1) / 2) to d / 2 */
    int first_y = d - l->mb_width + 1 > 0 ? (d - l->mb_width + 2) / 2 : 0;
    int last_y = d / 2 < l->mb_height - 1 ? d / 2 : l->mb_height - 1;
    if (d < 0 || last_y < first_y)
        return;
    AnalysePPush push = {
        .luma_stride = (int32_t)l->luma_stride,
        .chroma_offset = (int32_t)l->chroma_offset,
        .mb_width = l->mb_width,
        .mb_height = l->mb_height,
        .qp = p->qp,
        .slice_mb_rows = p->slice_mb_rows,
        .diag = d,
        .first_y = first_y,
        .has_skip_map = b->skip_map != NULL,
        /* without a map every macroblock has the frame's QP, whatever the bound buffer holds */
        .text_qp = b->text_map ? p->text_qp : p->qp,
    };
    /* without a skip map the binding still needs a buffer: the source, never read there */
    const TkVkBuffer *bufs[7] = { b->src, b->recon, b->coded, b->ref, b->motion,
                                  b->skip_map ? b->skip_map : b->src,
                                  b->text_map ? b->text_map : b->src };
    tk_vk_cmd_dispatch(dev, cmd, a->kernel, bufs, &push, (uint32_t)(last_y - first_y + 1), 1,
                       1);
}

void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a)
{
    (void)dev;
    a->kernel = NULL; /* the device's */
}
