/* Host side of analyse_p.comp; see analyse_p_gpu.h. */
#include "encode/compute/analyse_p_gpu.h"

#include <string.h>

static const uint32_t analyse_p_spv[] =
#include "analyse_p.spv.inc"
;
static const uint32_t search_p_spv[] =
#include "search_p.spv.inc"
;

/* Mirrors the push-constant block Params of search_p.comp. */
typedef struct SearchPPush {
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t mb_height;
    int32_t qp;
    int32_t has_skip_map;
    int32_t refresh_x0;
    int32_t refresh_limit;
} SearchPPush;

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
    int32_t pass;
    int32_t text_qp;
    int32_t i16x16_only;
    int32_t refresh_x0;
    int32_t refresh_x1;
    int32_t refresh_limit;
} AnalysePPush;

/* AnalysePPush.pass: analyse_p.comp's PASS_STATIC and PASS_DECIDE */
enum { PASS_STATIC, PASS_DECIDE };

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a)
{
    memset(a, 0, sizeof(*a));
    int res = tk_vk_kernel_shared(dev, &a->search, search_p_spv, sizeof(search_p_spv), 5,
                                  sizeof(SearchPPush));
    if (res < 0)
        return res;
    return tk_vk_kernel_shared(dev, &a->kernel, analyse_p_spv, sizeof(analyse_p_spv), 9,
                               sizeof(AnalysePPush));
}

int tk_analyse_p_gpu_steps(const TkFrameLayout *l)
{
    return 1 + l->mb_width + 2 * (l->mb_height - 1);
}

static void record_search(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                          const TkInterParams *p, const TkAnalysePBuffers *b)
{
    const TkFrameLayout *l = &p->layout;
    SearchPPush push = {
        .luma_stride = (int32_t)l->luma_stride,
        .chroma_offset = (int32_t)l->chroma_offset,
        .mb_width = l->mb_width,
        .mb_height = l->mb_height,
        .qp = p->qp,
        .has_skip_map = b->skip_map != NULL,
        .refresh_x0 = p->refresh_x0,
        .refresh_limit = p->refresh_limit,
    };
    /* without a skip map the binding still needs a buffer: the source, never read there */
    const TkVkBuffer *bufs[5] = { b->src, b->ref, b->motion_prev,
                                  b->skip_map ? b->skip_map : b->src, b->search };
    tk_vk_cmd_dispatch(dev, cmd, a->search, bufs, &push,
                       (uint32_t)(l->mb_width * l->mb_height), TK_SEARCHES, 1);
}

void tk_analyse_p_gpu_record_step(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                  const TkInterParams *p, const TkAnalysePBuffers *b, int s)
{
    const TkFrameLayout *l = &p->layout;
    /* without a skip map the binding still needs a buffer: the source, never read there */
    const TkVkBuffer *bufs[9] = { b->src,    b->recon, b->coded, b->ref, b->motion,
                                  b->skip_map ? b->skip_map : b->src, b->search,
                                  b->text_map ? b->text_map : b->src, b->motion_prev };
    AnalysePPush push = {
        .luma_stride = (int32_t)l->luma_stride,
        .chroma_offset = (int32_t)l->chroma_offset,
        .mb_width = l->mb_width,
        .mb_height = l->mb_height,
        .qp = p->qp,
        .slice_mb_rows = p->slice_mb_rows,
        .has_skip_map = b->skip_map != NULL,
        /* without a map every macroblock has the frame's QP, whatever the bound buffer holds */
        .text_qp = b->text_map ? p->text_qp : p->qp,
        .i16x16_only = p->i16x16_only,
        .refresh_x0 = p->refresh_x0,
        .refresh_x1 = p->refresh_x1,
        .refresh_limit = p->refresh_limit,
    };
    if (s == 0) {
        /* the searches of changed macroblocks and the static ones' residual, side by side
         * (they touch different macroblocks' data) */
        record_search(dev, a, cmd, p, b);
        if (b->skip_map) {
            push.pass = PASS_STATIC;
            tk_vk_cmd_dispatch(dev, cmd, a->kernel, bufs, &push,
                               (uint32_t)(l->mb_width * l->mb_height), 1, 1);
        }
        return;
    }
    int d = s - 1;
    /* x = d - 2y with 0 <= x < mb_width: y from ceil((d - mb_width + 1) / 2) to d / 2 */
    int first_y = d - l->mb_width + 1 > 0 ? (d - l->mb_width + 2) / 2 : 0;
    int last_y = d / 2 < l->mb_height - 1 ? d / 2 : l->mb_height - 1;
    if (d < 0 || last_y < first_y)
        return;
    push.pass = PASS_DECIDE;
    push.diag = d;
    push.first_y = first_y;
    tk_vk_cmd_dispatch(dev, cmd, a->kernel, bufs, &push, (uint32_t)(last_y - first_y + 1), 1,
                       1);
}

void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a)
{
    (void)dev;
    a->kernel = NULL; /* the device's */
    a->search = NULL;
}
