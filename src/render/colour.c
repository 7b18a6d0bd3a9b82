/* R'G'B' to BT.709 limited-range Y'CbCr, once per colour on the host; see colour.h. */
#include "render/colour.h"

#include <math.h>

static uint8_t clamp_round(double v, double lo, double hi)
{
    v = floor(v + 0.5);
    return (uint8_t)(v < lo ? lo : v > hi ? hi : v);
}

uint32_t tk_colour_709(uint8_t r8, uint8_t g8, uint8_t b8)
{
    const double kr = 0.2126, kb = 0.0722;
    double r = r8 / 255.0, g = g8 / 255.0, b = b8 / 255.0;
    double ey = kr * r + (1.0 - kr - kb) * g + kb * b;
    uint8_t y = clamp_round(16.0 + 219.0 * ey, 16, 235);
    uint8_t cb = clamp_round(128.0 + 224.0 * (b - ey) / (2.0 * (1.0 - kb)), 16, 240);
    uint8_t cr = clamp_round(128.0 + 224.0 * (r - ey) / (2.0 * (1.0 - kr)), 16, 240);
    return (uint32_t)y | (uint32_t)cb << 8 | (uint32_t)cr << 16;
}
