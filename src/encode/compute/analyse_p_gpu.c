/* Host side of analyse_p.comp; see analyse_p_gpu.h. */
#include "encode/compute/analyse_p_gpu.h"

#include <string.h>

static const uint32_t analyse_p_spv[] =
#include "analyse_p.spv.inc"
;
static const uint32_t search_p_spv[] =
#include "search_p.spv.inc"
;
static const uint32_t p_lists_spv[] =
#include "p_lists.spv.inc"
;

#include <stddef.h>

_Static_assert(sizeof(TkAnalysePFrame) == 9 * 8 + 12 * 4 &&
                   offsetof(TkAnalysePFrame, luma_stride) == 9 * 8,
               "TkAnalysePFrame mirrors p_frames.glsl's std430 TkPFrame");

/* Mirrors the push-constant blocks Batch of p_lists.comp and search_p.comp. */
typedef struct ListsPush {
    VkDeviceAddress table;
    VkDeviceAddress lists;
} ListsPush;

/* Mirrors the push-constant block Batch of analyse_p.comp. */
typedef struct BatchPush {
    VkDeviceAddress table;
    VkDeviceAddress lists;
    int32_t diag;
    int32_t pass;
} BatchPush;

/* BatchPush.pass: analyse_p.comp's PASS_STATIC and PASS_DECIDE */
enum { PASS_STATIC, PASS_DECIDE };

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a)
{
    memset(a, 0, sizeof(*a));
    int res = tk_vk_kernel_shared(dev, &a->lists, p_lists_spv, sizeof(p_lists_spv), 0,
                                  sizeof(ListsPush));
    if (res < 0 || (res = tk_vk_kernel_shared(dev, &a->search, search_p_spv, sizeof(search_p_spv),
                                              0, sizeof(ListsPush))) < 0)
        return res;
    return tk_vk_kernel_shared(dev, &a->kernel, analyse_p_spv, sizeof(analyse_p_spv), 0,
                               sizeof(BatchPush));
}

/* the work lists, the search and static passes, and the anti-diagonals x + 2y of a picture
 * of these macroblocks */
static int wavefront_steps(int mb_width, int mb_height)
{
    return 2 + mb_width + 2 * (mb_height - 1);
}

int tk_analyse_p_gpu_steps(const TkFrameLayout *l)
{
    return wavefront_steps(l->mb_width, l->mb_height);
}

void tk_analyse_p_gpu_frame(TkAnalysePFrame *f, const TkInterParams *p,
                            const TkAnalysePBuffers *b)
{
    const TkFrameLayout *l = &p->layout;
    /* without a skip or text map the table still needs an address: the source's, never read
     * there */
    *f = (TkAnalysePFrame){
        .src = b->src->address,
        .recon = b->recon->address,
        .coded = b->coded->address,
        .ref = b->ref->address,
        .motion = b->motion->address,
        .skip_map = (b->skip_map ? b->skip_map : b->src)->address,
        .search = b->search->address,
        .text_map = (b->text_map ? b->text_map : b->src)->address,
        .motion_prev = b->motion_prev->address,
        .luma_stride = (int32_t)l->luma_stride,
        .chroma_offset = (int32_t)l->chroma_offset,
        .mb_width = l->mb_width,
        .mb_height = l->mb_height,
        .qp = p->qp,
        .slice_mb_rows = p->slice_mb_rows,
        .has_skip_map = b->skip_map != NULL,
        /* without a map every macroblock has the frame's QP, whatever the address holds */
        .text_qp = b->text_map ? p->text_qp : p->qp,
        .i16x16_only = p->i16x16_only,
        .refresh_x0 = p->refresh_x0,
        .refresh_x1 = p->refresh_x1,
        .refresh_limit = p->refresh_limit,
    };
}

/* Entries a picture may put in list l (inter_defs.h: the search or the static list, or a
 * diagonal's). */
static int list_room(int l, int max_mbs, int max_height)
{
    if (l < TK_LIST_DIAG0)
        return max_mbs;
    int d = l - TK_LIST_DIAG0;
    return d / 2 + 1 < max_height ? d / 2 + 1 : max_height;
}

int tk_analyse_p_gpu_batch(TkVkDevice *dev, TkVkCmd *cmd, const TkAnalysePFrame *frames, int n,
                           TkAnalysePBatch *batch)
{
    memset(batch, 0, sizeof(*batch));
    if (n < 1 || (uint32_t)n > dev->props.limits.maxComputeWorkGroupCount[2])
        return TALKIE_ERR(EINVAL);
    int res = tk_vk_cmd_upload(dev, cmd, frames, (size_t)n * sizeof(*frames), &batch->table);
    if (res < 0)
        return res;
    batch->n = n;
    int max_height = 0;
    for (int i = 0; i < n; i++) {
        const TkAnalysePFrame *f = &frames[i];
        int steps = wavefront_steps(f->mb_width, f->mb_height);
        if (steps > batch->steps)
            batch->steps = steps;
        if (f->mb_width * f->mb_height > batch->max_mbs)
            batch->max_mbs = f->mb_width * f->mb_height;
        batch->any_skip_map |= f->has_skip_map != 0;
        if (f->mb_height > max_height)
            max_height = f->mb_height;
    }
    /* the work lists (inter_defs.h TK_LIST_*): headers as p_lists.comp expects them, room for
     * every macroblock in the search list and, in diagonal d's, for every picture's
     * macroblocks on it: at most one a row, rows y <= d / 2 (memory that nothing touches
     * where there are fewer: bounded, not counted, so that a batch of a thousand pictures
     * costs the host no loop over pictures and diagonals) */
    int lists = TK_LIST_DIAG0 + batch->steps - 2;
    if (lists > TK_LIST_MAX)
        return TALKIE_ERR(EINVAL);
    size_t words = (size_t)TK_LIST_HEADER(lists);
    for (int l = 0; l < lists; l++)
        words += 2 * (size_t)n * (size_t)list_room(l, batch->max_mbs, max_height);
    if (words > UINT32_MAX)
        return TALKIE_ERR(EINVAL);
    if ((res = tk_vk_cmd_alloc(dev, cmd, words * 4, &batch->lists)) < 0)
        return res;
    uint32_t *w = batch->lists.map;
    memset(w, 0, (size_t)TK_LIST_HEADER(lists) * 4);
    uint32_t first = (uint32_t)TK_LIST_HEADER(lists);
    uint32_t max_z = dev->props.limits.maxComputeWorkGroupCount[2];
    for (int l = 0; l < lists; l++) {
        uint32_t *h = w + TK_LIST_HEADER(l);
        /* X: wide enough that the list's most entries need at most max_z rows */
        uint64_t room = (uint64_t)n * (uint64_t)list_room(l, batch->max_mbs, max_height);
        uint64_t x = (room + max_z - 1) / max_z;
        h[TK_LIST_ARGS] = x > TK_LIST_X ? (uint32_t)x : TK_LIST_X;
        h[TK_LIST_ARGS + 1] = l == TK_LIST_SEARCH ? TK_SEARCHES : 1;
        h[TK_LIST_FIRST] = first;
        first += 2 * (uint32_t)room;
    }
    return 0;
}

void tk_analyse_p_gpu_record_step(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                  const TkAnalysePBatch *batch, int s)
{
    BatchPush push = { .table = batch->table, .lists = batch->lists.address };
    ListsPush lists = { .table = batch->table, .lists = batch->lists.address };
    uint32_t n = (uint32_t)batch->n;
    if (s == 0) {
        tk_vk_cmd_dispatch(dev, cmd, a->lists, NULL, &lists, 1, 1, n);
        return;
    }
    /* the lists' sizes, known on the GPU only */
    VkDeviceSize args = batch->lists.offset + 4 * (VkDeviceSize)TK_LIST_ARGS;
    if (s == 1) {
        /* the search and the static macroblocks' residual, side by side (they touch
         * different data) */
        tk_vk_cmd_dispatch_indirect(dev, cmd, a->search, NULL, &lists, batch->lists.buffer,
                                    args + 4 * (VkDeviceSize)TK_LIST_HEADER(TK_LIST_SEARCH));
        if (batch->any_skip_map) {
            push.pass = PASS_STATIC;
            tk_vk_cmd_dispatch_indirect(dev, cmd, a->kernel, NULL, &push, batch->lists.buffer,
                                        args + 4 * (VkDeviceSize)TK_LIST_HEADER(TK_LIST_STATIC));
        }
        return;
    }
    push.pass = PASS_DECIDE;
    push.diag = s - 2;
    tk_vk_cmd_dispatch_indirect(dev, cmd, a->kernel, NULL, &push, batch->lists.buffer,
                                args + 4 * (VkDeviceSize)TK_LIST_DIAG(push.diag));
}

void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a)
{
    (void)dev;
    a->kernel = NULL; /* the device's */
    a->search = NULL;
    a->lists = NULL;
}
