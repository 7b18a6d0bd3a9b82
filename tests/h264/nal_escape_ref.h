/* The spec's reading of 7.4.1 byte by byte: the oracle for the fast tk_nal_escape(), shared
 * by the NAL test and the NAL fuzz target. */
#ifndef TALKIE_TESTS_H264_NAL_ESCAPE_REF_H
#define TALKIE_TESTS_H264_NAL_ESCAPE_REF_H

#include <stddef.h>
#include <stdint.h>

static inline size_t tk_nal_escape_bytewise(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t out = 0;
    int zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (zeros >= 2 && src[i] <= 3) {
            dst[out++] = 3;
            zeros = 0;
        }
        dst[out++] = src[i];
        zeros = src[i] == 0 ? zeros + 1 : 0;
    }
    if (n > 0 && src[n - 1] == 0)
        dst[out++] = 3;
    return out;
}

#endif
