/*
 * The encoder's own skip map, the C reference of shaders/change_map.comp: which macroblocks
 * of a new source picture equal the previous source picture the encoder was given, so that
 * P pictures code them without a search (analyse_p_ref.h) when no caller (a renderer that
 * knows what it drew) hands a map in. In the same pass the new picture's samples become the
 * previous picture, so the encoder keeps it without a separate copy.
 *
 * A macroblock is TK_SKIP_MAP_STATIC only when all of its samples are equal: luma 16x16, Cb
 * and Cr 8x8 each (NV12: 8 rows of 16 interleaved bytes), over the aligned picture, padding
 * included (the encoder codes it, so a change there is a change). Anything else, and every
 * macroblock when there is no previous picture, is TK_SKIP_MAP_CHANGED. Given the reference
 * of the picture to code and that of the previous picture (a P picture after a P picture at
 * the same QP), a static macroblock whose samples are equal in both references too is
 * TK_SKIP_MAP_STATIC_SAME_REF (inter_defs.h says what the analysis does with it).
 *
 *
 * An intra refresh (encoder_ref.h intra_refresh) overrides the map per picture
 * (TkChangeMapRefresh): its forced columns become TK_SKIP_MAP_INTRA, and, after a deblocked
 * reference, the column left of them TK_SKIP_MAP_CHANGED (MV (0, 0) would read the reference
 * samples that its deblocking took from the unrefreshed area: inter_defs.h
 * TK_REFRESH_MV_OK). A caller's map (`given`) may take the
 * place of the comparison's result, so that the refresh holds with it too.
 *
 *     uint8_t *map = malloc(tk_change_map_bytes(&l)), *prev = malloc(l.size);
 *     TkChangeMapRefresh none = { 0 };
 *     tk_change_map_ref(&l, first, prev, 0, NULL, NULL, NULL, &none, map);  // prev = first
 *     tk_change_map_ref(&l, second, prev, 1, NULL, NULL, NULL, &none, map); // static where
 *                                                                           // second == first
 */
#ifndef TALKIE_ENCODE_COMPUTE_CHANGE_MAP_REF_H
#define TALKIE_ENCODE_COMPUTE_CHANGE_MAP_REF_H

#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"
#include "common/inter_defs.h"

/* Bytes of a map: one per macroblock (raster order), rounded up to whole 32-bit words as the
 * GPU stores them; the bytes past the last macroblock are 0. */
static inline size_t tk_change_map_bytes(const TkFrameLayout *l)
{
    size_t n = (size_t)l->mb_width * (size_t)l->mb_height;
    return (n + 3) / 4 * 4;
}

/* A picture's intra refresh columns: x0..x1 - 1 are forced intra; with left_changed (the
 * reference was deblocked) column x0 - 1 (if any) is never static. x0 = x1 = 0: no refresh
 * (the map is the comparison's). */
typedef struct TkChangeMapRefresh {
    int x0, x1;
    int left_changed;
} TkChangeMapRefresh;

/* The value the refresh gives macroblock column x, or -1 where it leaves the map's. */
static inline int tk_change_map_refresh_at(const TkChangeMapRefresh *r, int x)
{
    return x >= r->x0 && x < r->x1                ? TK_SKIP_MAP_INTRA
           : r->left_changed && x == r->x0 - 1 ? TK_SKIP_MAP_CHANGED
                                                  : -1;
}

/* Writes map (tk_change_map_bytes(l) bytes) for src against prev (both NV12, layout l) and
 * copies every macroblock of src into prev. has_prev 0: prev holds no picture (the first
 * frame, or the last one failed), nothing is static and prev is only written. ref and
 * ref_prev: the two references to compare, or both NULL (no TK_SKIP_MAP_STATIC_SAME_REF).
 * given: NULL, or a caller's map (a byte per macroblock) that is the result instead of the
 * comparison's (prev is still written). refresh: the picture's refresh columns, which
 * override either. */
void tk_change_map_ref(const TkFrameLayout *l, const uint8_t *src, uint8_t *prev,
                       int has_prev, const uint8_t *ref, const uint8_t *ref_prev,
                       const uint8_t *given, const TkChangeMapRefresh *refresh, uint8_t *map);

#endif
