/*
 * Colours are chosen in 8-bit R'G'B' and converted once, on the host, to BT.709
 * limited-range Y'CbCr (what frame.h promises the encoders):
 *   E'Y = 0.2126 R' + 0.7152 G' + 0.0722 B'            (R', G', B' in 0..1)
 *   Y  = round(16 + 219 E'Y)
 *   Cb = round(128 + 224 (B' - E'Y) / 1.8556)
 *   Cr = round(128 + 224 (R' - E'Y) / 1.5748)
 * The shader only ever sees the resulting integers, packed Y | Cb << 8 | Cr << 16.
 */
#ifndef TALKIE_RENDER_COLOUR_H
#define TALKIE_RENDER_COLOUR_H

#include <stdint.h>

uint32_t tk_colour_709(uint8_t r, uint8_t g, uint8_t b);

static inline uint8_t tk_colour_y(uint32_t c) { return (uint8_t)(c & 0xff); }
static inline uint8_t tk_colour_cb(uint32_t c) { return (uint8_t)(c >> 8 & 0xff); }
static inline uint8_t tk_colour_cr(uint32_t c) { return (uint8_t)(c >> 16 & 0xff); }

#endif
