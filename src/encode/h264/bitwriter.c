/* Bit writer for H.264 RBSPs; see bitwriter.h. */
#include "encode/h264/bitwriter.h"

void tk_bw_init(TkBitWriter *bw, uint32_t *words, size_t cap_words)
{
    bw->words = words;
    bw->cap_words = cap_words;
    bw->bits = 0;
    bw->overflow = 0;
}

void tk_bw_put(TkBitWriter *bw, int n, uint32_t value)
{
    if (n <= 0 || bw->overflow)
        return;
    if (n < 32)
        value &= (1u << n) - 1;
    size_t w = bw->bits >> 5;
    int room = 32 - (int)(bw->bits & 31);
    size_t last = n > room ? w + 1 : w;
    if (last >= bw->cap_words) {
        bw->overflow = 1;
        return;
    }
    if (room == 32)
        bw->words[w] = 0;
    if (n <= room) {
        /* room - n is in 0..31 here, so the shift is defined even for n == 32. */
        bw->words[w] |= value << (room - n);
    } else {
        int spill = n - room; /* 1..31 bits go to the next word */
        bw->words[w] |= value >> spill;
        bw->words[w + 1] = value << (32 - spill);
    }
    bw->bits += (size_t)n;
}

void tk_bw_put_ue(TkBitWriter *bw, uint32_t value)
{
    /* 9.1: codeNum = value is written as M zeros, then value + 1 in M + 1 bits. */
    uint32_t v = value + 1;
    int m = 0;
    while ((v >> (m + 1)) != 0)
        m++;
    tk_bw_put(bw, m, 0);
    tk_bw_put(bw, m + 1, v);
}

void tk_bw_put_se(TkBitWriter *bw, int32_t value)
{
    /* 9.1.1, Table 9-3: k > 0 maps to 2k - 1, k <= 0 to -2k. */
    uint32_t code = value > 0 ? 2u * (uint32_t)value - 1 : 2u * (uint32_t)(-(int64_t)value);
    tk_bw_put_ue(bw, code);
}

void tk_bw_trailing(TkBitWriter *bw)
{
    tk_bw_put(bw, 1, 1); /* rbsp_stop_one_bit */
    int pad = (int)((8 - (bw->bits & 7)) & 7);
    tk_bw_put(bw, pad, 0); /* rbsp_alignment_zero_bit */
}

size_t tk_bw_bytes(const TkBitWriter *bw, uint8_t *dst, size_t cap)
{
    size_t n = bw->bits >> 3;
    if (n > cap)
        n = cap;
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(bw->words[i >> 2] >> (24 - 8 * (i & 3)));
    return n;
}
