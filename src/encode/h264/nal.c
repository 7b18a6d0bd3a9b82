/* Annex B NAL units and emulation prevention; see nal.h. */
#include "encode/h264/nal.h"

#include <string.h>

#include "talkie/talkie.h"

size_t tk_nal_escape(uint8_t *dst, const uint8_t *src, size_t n)
{
    /* Slice data rarely has two zero bytes in a row, so rather than counting zeros byte by
     * byte, memchr finds each zero and the runs between escapes are copied whole: a frame's
     * slices are escaped several times faster. An escape goes before src[j + 2] when
     * src[j] and src[j + 1] are zero and src[j + 2] <= 3; the count of zeros restarts after
     * it, so the next pair may begin at j + 2. */
    size_t out = 0, copied = 0, i = 0;
    while (n >= 3 && i < n - 2) {
        const uint8_t *zero = memchr(src + i, 0, n - 2 - i);
        if (!zero)
            break;
        size_t j = (size_t)(zero - src);
        if (src[j + 1] != 0) {
            i = j + 2;
            continue;
        }
        if (src[j + 2] > 3) {
            i = j + 3;
            continue;
        }
        memcpy(dst + out, src + copied, j + 2 - copied);
        out += j + 2 - copied;
        dst[out++] = 3;
        copied = i = j + 2;
    }
    if (n > copied) { /* memcpy with NULL pointers is undefined even for 0 bytes */
        memcpy(dst + out, src + copied, n - copied);
        out += n - copied;
    }
    /* 7.4.1: when the RBSP ends in 0x00 (only cabac_zero_words can do that), a final 0x03
     * keeps the next start code from being read as part of this unit. */
    if (n > 0 && src[n - 1] == 0)
        dst[out++] = 3;
    return out;
}

int64_t tk_nal_write(uint8_t *dst, size_t cap, int nal_ref_idc, int nal_unit_type,
                     const uint8_t *rbsp, size_t n)
{
    if (cap < tk_nal_max(n))
        return TALKIE_ERR(ENOSPC);
    dst[0] = 0;
    dst[1] = 0;
    dst[2] = 0;
    dst[3] = 1;
    dst[4] = (uint8_t)(((nal_ref_idc & 3) << 5) | (nal_unit_type & 31));
    return (int64_t)(5 + tk_nal_escape(dst + 5, rbsp, n));
}

/* The first start code (00 00 01) at or after `i`, or `size`. */
static size_t next_start_code(const uint8_t *p, size_t size, size_t i)
{
    const uint8_t *q;
    while (i + 2 < size && (q = memchr(p + i, 0, size - i - 2)) != NULL) {
        i = (size_t)(q - p);
        if (p[i + 1] == 0 && p[i + 2] == 1)
            return i;
        i++;
    }
    return size;
}

int tk_nal_next(const uint8_t *data, size_t size, size_t pos, size_t *start, size_t *end)
{
    size_t sc = next_start_code(data, size, pos);
    if (sc >= size)
        return 0;
    size_t nal = sc + 3, stop = next_start_code(data, size, nal);
    while (stop > nal && data[stop - 1] == 0)
        stop--;
    *start = nal;
    *end = stop;
    return 1;
}
