/* Packing reference; see pack_ref.h. shaders/pack.comp mirrors these loops. */
#include "encode/compute/pack_ref.h"

#include "encode/compute/cavlc_ref.h"
#include "talkie/talkie.h"

size_t tk_pack_out_words(const TkPackDims *d)
{
    size_t bits = (size_t)d->n_mbs * TK_MB_MAX_BITS +
                  (size_t)d->n_slices * (TK_SLICE_HDR_WORDS * 32 + 8 + 32);
    return bits / 32 + 2;
}

int tk_pack_slice_headers(const TkH264Config *c, const TkH264SliceHeader *pic,
                          const TkPackDims *d, uint32_t *hdr)
{
    for (uint32_t s = 0; s < d->n_slices; s++) {
        TkH264SliceHeader sh = *pic;
        sh.first_mb = (int)(s * d->mbs_per_slice);
        uint32_t *h = hdr + (size_t)s * TK_SLICE_HDR_WORDS;
        TkBitWriter bw;
        tk_bw_init(&bw, h + 1, TK_SLICE_HDR_WORDS - 1);
        tk_h264_write_slice_header(&bw, c, &sh);
        if (bw.overflow)
            return TALKIE_ERR(ENOSPC);
        /* Zero the unused words so the pack step can OR whole words. */
        for (size_t w = (bw.bits + 31) / 32; w < TK_SLICE_HDR_WORDS - 1; w++)
            h[1 + w] = 0;
        h[0] = (uint32_t)bw.bits;
    }
    return 0;
}

void tk_pack_offsets_ref(const TkPackDims *d, const uint32_t *counts, const uint32_t *hdr,
                         uint32_t *mb_offset, uint32_t *slice_table)
{
    uint32_t byte_pos = 0;
    for (uint32_t s = 0; s < d->n_slices; s++) {
        uint32_t first = s * d->mbs_per_slice;
        uint32_t end = first + d->mbs_per_slice < d->n_mbs ? first + d->mbs_per_slice : d->n_mbs;
        uint32_t bits = hdr[(size_t)s * TK_SLICE_HDR_WORDS];
        for (uint32_t i = first; i < end; i++) {
            mb_offset[i] = byte_pos * 8 + bits;
            bits += counts[i];
        }
        uint32_t bytes = (bits + 1 + 7) / 8; /* + rbsp_stop_one_bit, then byte alignment */
        slice_table[2 * s] = byte_pos;
        slice_table[2 * s + 1] = bytes;
        byte_pos += bytes;
    }
}

/* An MSB-first word's bits as stream bytes in a little-endian word. */
static uint32_t to_bytes(uint32_t v)
{
    return (v >> 24) | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | (v << 24);
}

/* ORs the 32 MSB-first bits of v into the stream at bit position pos. */
static void or_word(uint32_t *out, uint32_t pos, uint32_t v)
{
    uint32_t w = pos >> 5, shift = pos & 31;
    if (v >> shift)
        out[w] |= to_bytes(v >> shift);
    if (shift != 0 && (v << (32 - shift)) != 0)
        out[w + 1] |= to_bytes(v << (32 - shift));
}

void tk_pack_write_ref(const TkPackDims *d, const uint32_t *counts, const uint32_t *scratch,
                       const uint32_t *hdr, const uint32_t *mb_offset,
                       const uint32_t *slice_table, uint32_t *out)
{
    for (uint32_t i = 0; i < d->n_mbs; i++) {
        const uint32_t *src = scratch + (size_t)i * TK_MB_SCRATCH_WORDS;
        for (uint32_t k = 0; k < (counts[i] + 31) / 32; k++)
            or_word(out, mb_offset[i] + 32 * k, src[k]);
    }
    for (uint32_t s = 0; s < d->n_slices; s++) {
        const uint32_t *h = hdr + (size_t)s * TK_SLICE_HDR_WORDS;
        uint32_t start = slice_table[2 * s] * 8;
        for (uint32_t k = 0; k < (h[0] + 31) / 32; k++)
            or_word(out, start + 32 * k, h[1 + k]);
        /* rbsp_slice_trailing_bits: the stop bit right after the last macroblock. */
        uint32_t last = s * d->mbs_per_slice + d->mbs_per_slice - 1;
        if (last >= d->n_mbs)
            last = d->n_mbs - 1;
        or_word(out, mb_offset[last] + counts[last], 0x80000000u);
    }
}
