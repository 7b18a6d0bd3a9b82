/*
 * Fuzz target: emulation prevention (encode/h264/nal.c). The input is an RBSP. Its escaped
 * form must
 *   - be byte for byte what a byte-at-a-time reference escaper writes (tk_nal_escape skips
 *     ahead with memchr, so it is checked against the plain reading of 7.4.1),
 *   - fit tk_nal_escaped_max() (the buffer has exactly that size, so ASan catches more),
 *   - contain no 00 00 00, 00 00 01 or 00 00 02, have 00 00 03 only before a byte <= 03 or
 *     at the end, and not end in 00 (7.4.1),
 *   - give the input back through the decoder's un-escaping of 7.3.1, when the input can be
 *     an RBSP (ends in a non-zero byte or in 00 00 pairs).
 * tk_nal_write() adds the start code and header byte, and refuses a buffer one byte short.
 */
#include <string.h>

#include "encode/h264/nal.h"
#include "fuzz.h"
#include "talkie/talkie.h"
#include "../h264/nal_escape_ref.h"


/* nal_unit() 7.3.1 from the decoder's side: an emulation_prevention_three_byte is the 03 of
 * every 00 00 03 (next_bits(24) == 0x000003), at the end of the unit too. */
static size_t untk_nal_escape_bytewise(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 2 < n && src[i] == 0 && src[i + 1] == 0 && src[i + 2] == 3) {
            dst[out++] = src[i];
            dst[out++] = src[i + 1];
            i += 2; /* the 03 is dropped */
        } else {
            dst[out++] = src[i];
        }
    }
    return out;
}

static void check_escaped(const uint8_t *e, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (e[i] || e[i + 1])
            continue;
        FUZZ_CHECK(e[i + 2] >= 3);
        FUZZ_CHECK(e[i + 2] > 3 || i + 3 == n || e[i + 3] <= 3);
    }
    FUZZ_CHECK(n == 0 || e[n - 1] != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = tk_nal_escaped_max(size);
    uint8_t *escaped = malloc(max);
    uint8_t *ref = malloc(max);
    uint8_t *back = malloc(max);
    uint8_t *unit = malloc(tk_nal_max(size));
    FUZZ_CHECK(escaped && ref && back && unit);

    size_t n = tk_nal_escape(escaped, data, size);
    FUZZ_CHECK(n <= max);
    FUZZ_CHECK(tk_nal_escape_bytewise(ref, data, size) == n);
    FUZZ_CHECK(memcmp(escaped, ref, n) == 0);
    check_escaped(escaped, n);
    /* An RBSP ends in a non-zero byte (rbsp_stop_one_bit) or in cabac_zero_words (00 00):
     * an even number of zero bytes. Only those round-trip: after an odd number no 03 can
     * follow a 00 00 pair, and no escaping can keep a lone final 00 (7.4.1). */
    size_t tail_zeros = 0;
    while (tail_zeros < size && data[size - 1 - tail_zeros] == 0)
        tail_zeros++;
    if (tail_zeros % 2 == 0) {
        FUZZ_CHECK(untk_nal_escape_bytewise(back, escaped, n) == size);
        FUZZ_CHECK(size == 0 || memcmp(back, data, size) == 0);
    }

    /* The unit's header byte comes from the input, so every nal_ref_idc and type is tried;
     * out-of-range values are masked, never spill into the other field. */
    int ref_idc = size ? data[0] >> 5 : 0, type = size ? data[0] : 0;
    FUZZ_CHECK(tk_nal_write(unit, tk_nal_max(size) - 1, ref_idc, type, data, size) ==
               TALKIE_ERR(ENOSPC));
    int64_t w = tk_nal_write(unit, tk_nal_max(size), ref_idc, type, data, size);
    FUZZ_CHECK(w == (int64_t)(5 + n));
    static const uint8_t start[4] = { 0, 0, 0, 1 };
    FUZZ_CHECK(memcmp(unit, start, 4) == 0);
    FUZZ_CHECK(unit[4] == (((ref_idc & 3) << 5) | (type & 31)));
    FUZZ_CHECK(memcmp(unit + 5, escaped, n) == 0);

    free(unit);
    free(back);
    free(ref);
    free(escaped);
    return 0;
}
