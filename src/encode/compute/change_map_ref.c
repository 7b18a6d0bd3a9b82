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

void tk_change_map_ref(const TkFrameLayout *l, const uint8_t *src, uint8_t *prev,
                       int has_prev, uint8_t *map)
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
            map[(size_t)my * l->mb_width + mx] =
                same_y && same_c ? TK_SKIP_MAP_STATIC : TK_SKIP_MAP_CHANGED;
        }
    memset(map + n, 0, tk_change_map_bytes(l) - n);
}
