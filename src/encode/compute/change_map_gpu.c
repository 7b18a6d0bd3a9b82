/* Host side of change_map.comp; see change_map_gpu.h. */
#include "encode/compute/change_map_gpu.h"

#include <string.h>

static const uint32_t change_map_spv[] =
#include "change_map.spv.inc"
;

/* Mirrors the push-constant block Params of change_map.comp. */
typedef struct ChangeMapPush {
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t n_mbs;
    int32_t has_prev;
    int32_t has_refs;
    int32_t has_given;
    int32_t refresh_x0;
    int32_t refresh_x1;
    int32_t refresh_changed;
} ChangeMapPush;

int tk_change_map_gpu_create(TkVkDevice *dev, TkChangeMapGpu *c)
{
    memset(c, 0, sizeof(*c));
    return tk_vk_kernel_shared_rows(dev, &c->kernel, change_map_spv, sizeof(change_map_spv), 6,
                               sizeof(ChangeMapPush));
}

void tk_change_map_gpu_record(TkVkDevice *dev, const TkChangeMapGpu *c, TkVkCmd *cmd,
                              const TkFrameLayout *l, const TkVkBuffer *src,
                              const TkVkBuffer *prev, const TkVkBuffer *map, int has_prev,
                              const TkVkBuffer *ref, const TkVkBuffer *ref_prev,
                              const TkVkBuffer *given, const TkChangeMapRefresh *refresh)
{
    int32_t n_mbs = l->mb_width * l->mb_height;
    int has_refs = ref && ref_prev;
    ChangeMapPush push = { (int32_t)l->luma_stride, (int32_t)l->chroma_offset, l->mb_width,
                           n_mbs, has_prev != 0, has_refs, given != NULL,
                           refresh ? refresh->x0 : 0, refresh ? refresh->x1 : 0,
                           refresh && refresh->left_changed ? refresh->x0 - 1 : -1 };
    /* without references or a given map the bindings still need buffers: the source,
     * never read there */
    const TkVkBuffer *bufs[6] = { src, prev, map, has_refs ? ref : src,
                                  has_refs ? ref_prev : src, given ? given : src };
    uint32_t groups = (uint32_t)(n_mbs + TK_CHANGE_MAP_MBS_PER_GROUP - 1) /
                      TK_CHANGE_MAP_MBS_PER_GROUP;
    tk_vk_cmd_dispatch(dev, cmd, c->kernel, bufs, &push, groups, 1, 1);
}

void tk_change_map_gpu_destroy(TkVkDevice *dev, TkChangeMapGpu *c)
{
    (void)dev;
    c->kernel = NULL; /* the device's */
}
