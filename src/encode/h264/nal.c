/* Annex B NAL units and emulation prevention; see nal.h. */
#include "encode/h264/nal.h"

#include "talkie/talkie.h"

size_t tk_nal_escape(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t out = 0;
    int zeros = 0; /* consecutive zero bytes written so far */
    for (size_t i = 0; i < n; i++) {
        if (zeros >= 2 && src[i] <= 3) {
            dst[out++] = 3;
            zeros = 0;
        }
        dst[out++] = src[i];
        zeros = src[i] == 0 ? zeros + 1 : 0;
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
