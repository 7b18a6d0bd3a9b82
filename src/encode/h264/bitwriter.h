/*
 * A bit writer for H.264 RBSPs: fixed-length fields u(n), Exp-Golomb ue(v)/se(v) (9.1) and
 * rbsp_trailing_bits (7.3.2.11). Bits go MSB-first into 32-bit words (the first bit of the
 * stream is bit 31 of words[0]), which is also how the GPU's per-macroblock scratch is laid
 * out, so headers written here can be handed to the pack kernel unchanged.
 *
 *     uint32_t words[16];
 *     TkBitWriter bw;
 *     tk_bw_init(&bw, words, 16);
 *     tk_bw_put(&bw, 8, 66);   // profile_idc
 *     tk_bw_put_ue(&bw, 0);    // seq_parameter_set_id
 *     if (bw.overflow) ...     // the caller's buffer was too small; nothing past it was written
 */
#ifndef TALKIE_ENCODE_H264_BITWRITER_H
#define TALKIE_ENCODE_H264_BITWRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct TkBitWriter {
    uint32_t *words;   /* MSB-first; words are zeroed as the writer reaches them */
    size_t cap_words;
    size_t bits;       /* bits written so far */
    int overflow;      /* 1 once a write did not fit (that write and later ones are dropped) */
} TkBitWriter;

void tk_bw_init(TkBitWriter *bw, uint32_t *words, size_t cap_words);
/* u(n): the low n bits of value, n in 0..32. */
void tk_bw_put(TkBitWriter *bw, int n, uint32_t value);
/* ue(v), value in 0..2^31-2 (everything H.264 codes with ue fits). */
void tk_bw_put_ue(TkBitWriter *bw, uint32_t value);
/* se(v), value in -(2^30)..2^30. */
void tk_bw_put_se(TkBitWriter *bw, int32_t value);
/* rbsp_trailing_bits(): a one bit, then zero bits up to the next byte boundary. */
void tk_bw_trailing(TkBitWriter *bw);
/* Copies the whole bytes written so far to dst (MSB-first order); returns how many. */
size_t tk_bw_bytes(const TkBitWriter *bw, uint8_t *dst, size_t cap);

#endif
