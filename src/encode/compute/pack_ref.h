/*
 * Packing, the C reference of shaders/pack.comp: puts every macroblock's CAVLC bits (from
 * the per-macroblock scratch of cavlc_ref.h) at its place in the slices' RBSPs, in two steps
 * the GPU runs as two dispatches:
 *
 *   offsets: inside each slice, a prefix sum of the macroblocks' bit counts after the slice
 *            header gives each macroblock's bit offset; slice sizes (header + macroblocks +
 *            rbsp_slice_trailing_bits, rounded to bytes) give each slice's byte offset;
 *   write:   every macroblock ORs its words in at its offset (atomicOr on the GPU, since a
 *            word can be shared by two macroblocks); each slice writes its header first and
 *            its trailing bits last.
 *
 * The output is all slices' RBSPs back to back, each starting on a byte, as bytes stored 4
 * per uint32 little-endian (byte k is bits 8*(k&3).. of word k>>2), so the host reads it as
 * a byte array. It must be zeroed before the write step and hold tk_pack_out_words() words.
 */
#ifndef TALKIE_ENCODE_COMPUTE_PACK_REF_H
#define TALKIE_ENCODE_COMPUTE_PACK_REF_H

#include <stddef.h>
#include <stdint.h>

#include "encode/h264/params.h"

/* Per slice in the header buffer: [0] the header's bit count, [1..] its bits (MSB-first). */
#define TK_SLICE_HDR_WORDS 16

typedef struct TkPackDims {
    uint32_t n_mbs;
    uint32_t mbs_per_slice;  /* mb_width * slice_mb_rows */
    uint32_t n_slices;
} TkPackDims;

static inline TkPackDims tk_pack_dims(const TkFrameLayout *l, int slice_mb_rows)
{
    TkPackDims d;
    d.n_mbs = (uint32_t)(l->mb_width * l->mb_height);
    d.mbs_per_slice = (uint32_t)(l->mb_width * slice_mb_rows);
    d.n_slices = (d.n_mbs + d.mbs_per_slice - 1) / d.mbs_per_slice;
    return d;
}

/* Words the output needs in the worst case (+1: a macroblock's last word may OR zeros one
 * word further). */
size_t tk_pack_out_words(const TkPackDims *d);

/*
 * Writes the slice headers of one picture into hdr (n_slices * TK_SLICE_HDR_WORDS words),
 * with pic's idr / frame_num / idr_pic_id / qp and first_mb_in_slice per slice.
 */
int tk_pack_slice_headers(const TkH264Config *c, const TkH264SliceHeader *pic,
                          const TkPackDims *d, uint32_t *hdr);

/* offsets step: mb_offset[n_mbs] (absolute bit offsets in the output) and
 * slice_table[2 * n_slices] (byte offset, byte size of each slice's RBSP). */
void tk_pack_offsets_ref(const TkPackDims *d, const uint32_t *counts, const uint32_t *hdr,
                         uint32_t *mb_offset, uint32_t *slice_table);

/* write step into the zeroed output. */
void tk_pack_write_ref(const TkPackDims *d, const uint32_t *counts, const uint32_t *scratch,
                       const uint32_t *hdr, const uint32_t *mb_offset,
                       const uint32_t *slice_table, uint32_t *out);

#endif
