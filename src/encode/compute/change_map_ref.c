/* The encoder's change map, C reference; see change_map_ref.h. */
#include "encode/compute/change_map_ref.h"

#include <string.h>

/* Compares and copies rows of 16 bytes at offset o (luma rows, or CbCr rows of 8 pairs);
 * 1 when every row was equal. */
static int compare_copy_rows(const uint8_t *src, uint8_t *prev, size_t o, size_t stride,
                             int rows, int has_prev)
{
    int same = has_prev;
    for (int y = 0; y < rows; y++, o += stride) {
        if (same && memcmp(src + o, prev + o, 16) != 0)
            same = 0;
        memcpy(prev + o, src + o, 16);
    }
    return same;
}

/* 1 when the macroblock's rows (16 luma, 8 CbCr) are equal in a and b. */
static int mb_equal(const uint8_t *a, const uint8_t *b, size_t luma, size_t chroma,
                    size_t stride)
{
    for (int y = 0; y < 16; y++)
        if (memcmp(a + luma + y * stride, b + luma + y * stride, 16) != 0)
            return 0;
    for (int y = 0; y < 8; y++)
        if (memcmp(a + chroma + y * stride, b + chroma + y * stride, 16) != 0)
            return 0;
    return 1;
}

void tk_change_map_ref(const TkFrameLayout *l, const uint8_t *src, uint8_t *prev,
                       int has_prev, const uint8_t *ref, const uint8_t *ref_prev,
                       const uint8_t *given, const TkChangeMapRefresh *refresh, uint8_t *map)
{
    size_t stride = l->luma_stride;
    size_t n = (size_t)l->mb_width * (size_t)l->mb_height;
    for (int my = 0; my < l->mb_height; my++)
        for (int mx = 0; mx < l->mb_width; mx++) {
            size_t luma = (size_t)my * 16 * stride + (size_t)mx * 16;
            size_t chroma = l->chroma_offset + (size_t)my * 8 * stride + (size_t)mx * 16;
            /* both planes are compared and copied: the copy must not stop at a difference */
            int same_y = compare_copy_rows(src, prev, luma, stride, 16, has_prev);
            int same_c = compare_copy_rows(src, prev, chroma, stride, 8, has_prev);
            int same_ref = ref && ref_prev && mb_equal(ref, ref_prev, luma, chroma, stride);
            size_t i = (size_t)my * l->mb_width + mx;
            int forced = tk_change_map_refresh_at(refresh, mx);
            map[i] = forced >= 0           ? forced
                     : given               ? given[i]
                     : !(same_y && same_c) ? TK_SKIP_MAP_CHANGED
                     : same_ref            ? TK_SKIP_MAP_STATIC_SAME_REF
                                           : TK_SKIP_MAP_STATIC;
        }
    memset(map + n, 0, tk_change_map_bytes(l) - n);
}
