/*
 * NAL units in Annex B form: start code, nal_unit_header (7.3.1) and the RBSP with emulation
 * prevention (7.4.1). Escaping is its own pass (tk_nal_escape) so it can be tested alone and
 * so the packed slice data from the GPU only meets it on the host.
 */
#ifndef TALKIE_ENCODE_H264_NAL_H
#define TALKIE_ENCODE_H264_NAL_H

#include <stddef.h>
#include <stdint.h>

enum {
    TK_NAL_SLICE = 1,     /* coded slice of a non-IDR picture */
    TK_NAL_SLICE_IDR = 5,
    TK_NAL_SEI = 6,
    TK_NAL_SPS = 7,
    TK_NAL_PPS = 8,
    TK_NAL_AUD = 9,
};

/* The most bytes escaping n RBSP bytes can produce (a 03 after every two zeros, plus one). */
static inline size_t tk_nal_escaped_max(size_t n)
{
    return n + n / 2 + 1;
}

/* The most bytes tk_nal_write() can produce for an RBSP of n bytes. */
static inline size_t tk_nal_max(size_t n)
{
    return 4 + 1 + tk_nal_escaped_max(n);
}

/*
 * Emulation prevention: copies src to dst inserting emulation_prevention_three_byte (0x03)
 * after every two zero bytes that are followed by a byte <= 0x03, and after a final zero
 * byte (a NAL unit must not end in 0x00). dst must hold tk_nal_escaped_max(n) bytes.
 * Returns the bytes written. The decoder's un-escaping (7.3.1) gives src back when src is an
 * RBSP: it ends in a non-zero byte, or in cabac_zero_words (an even number of zero bytes);
 * no escaping can keep an odd number of final zeros.
 */
size_t tk_nal_escape(uint8_t *dst, const uint8_t *src, size_t n);

/*
 * Writes one NAL unit: the 4-byte start code 00 00 00 01 (zero_byte included, as B.1.2
 * requires for parameter sets and the first unit of an access unit; we use it everywhere),
 * the header byte (forbidden_zero_bit 0, nal_ref_idc, nal_unit_type), then the escaped RBSP.
 * Returns the bytes written, or TALKIE_ERR(ENOSPC) when cap < tk_nal_max(n).
 */
int64_t tk_nal_write(uint8_t *dst, size_t cap, int nal_ref_idc, int nal_unit_type,
                     const uint8_t *rbsp, size_t n);

/* Annex B reading: finds the NAL unit that follows the first start code (00 00 01) at or after
 * `pos`. Returns 1 and its bytes data[*start, *end) without the start code and without the
 * zero bytes before the next start code (4-byte start codes, trailing_zero_8bits), or 0 when
 * there is none; the next call takes pos = *end. */
int tk_nal_next(const uint8_t *data, size_t size, size_t pos, size_t *start, size_t *end);

#endif
