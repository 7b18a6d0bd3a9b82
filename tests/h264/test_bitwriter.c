/*
 * Bit writer: u(n), ue(v), se(v) and rbsp_trailing_bits against values worked out by hand
 * from clause 9.1 (Table 9-2: codeNum -> bit string; Table 9-3: se mapping), word
 * boundaries and overflow.
 */
#include <string.h>

#include "../common/check.h"
#include "encode/h264/bitwriter.h"

/* The written bits as a '0'/'1' string. */
static void bits_of(const TkBitWriter *bw, char *s)
{
    for (size_t i = 0; i < bw->bits; i++)
        s[i] = (char)('0' + (bw->words[i >> 5] >> (31 - (i & 31)) & 1));
    s[bw->bits] = 0;
}

static void check_ue(uint32_t v, const char *want)
{
    uint32_t w[4];
    TkBitWriter bw;
    char got[130];
    tk_bw_init(&bw, w, 4);
    tk_bw_put_ue(&bw, v);
    bits_of(&bw, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "ue(%u): got %s want %s\n", v, got, want);
        tk_check_failures++;
    }
}

static void check_se(int32_t v, const char *want)
{
    uint32_t w[4];
    TkBitWriter bw;
    char got[130];
    tk_bw_init(&bw, w, 4);
    tk_bw_put_se(&bw, v);
    bits_of(&bw, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "se(%d): got %s want %s\n", v, got, want);
        tk_check_failures++;
    }
}

int main(void)
{
    /* Table 9-2: 1, 01x0, 001x1x0, ... */
    check_ue(0, "1");
    check_ue(1, "010");
    check_ue(2, "011");
    check_ue(3, "00100");
    check_ue(6, "00111");
    check_ue(7, "0001000");
    check_ue(14, "0001111");
    check_ue(15, "000010000");
    check_ue(255, "00000000" "100000000");   /* 256 = a one and eight zeros, after 8 zeros */
    /* Table 9-3: k -> (-1)^(k+1) * Ceil(k / 2) */
    check_se(0, "1");
    check_se(1, "010");
    check_se(-1, "011");
    check_se(2, "00100");
    check_se(-2, "00101");
    check_se(3, "00110");
    check_se(-26, "00000110101");          /* codeNum 52: 53 = 110101 */

    /* A small header: u(3)=5, ue(3), se(-2), trailing bits -> 101 00100 00101 1 00 */
    uint32_t w[8];
    uint8_t bytes[8];
    TkBitWriter bw;
    tk_bw_init(&bw, w, 8);
    tk_bw_put(&bw, 3, 5);
    tk_bw_put_ue(&bw, 3);
    tk_bw_put_se(&bw, -2);
    tk_bw_trailing(&bw);
    CHECK_EQ(bw.bits, 16);
    CHECK_EQ(tk_bw_bytes(&bw, bytes, sizeof(bytes)), 2);
    CHECK_EQ(bytes[0], 0xa4);
    CHECK_EQ(bytes[1], 0x2c);
    /* Already aligned: trailing bits are one whole byte 0x80. */
    tk_bw_trailing(&bw);
    CHECK_EQ(bw.bits, 24);
    CHECK_EQ(tk_bw_bytes(&bw, bytes, sizeof(bytes)), 3);
    CHECK_EQ(bytes[2], 0x80);

    /* Across a word boundary, and a full 32-bit field; stale words get cleared. */
    memset(w, 0xff, sizeof(w));
    tk_bw_init(&bw, w, 8);
    tk_bw_put(&bw, 4, 0xf);
    tk_bw_put(&bw, 32, 0xdeadbeef);
    CHECK_EQ(bw.bits, 36);
    CHECK_EQ(w[0], 0xfdeadbee);
    CHECK_EQ(w[1], 0xf0000000);
    tk_bw_put(&bw, 28, 0);
    tk_bw_put(&bw, 32, 0x12345678);
    CHECK_EQ(w[1], 0xf0000000);
    CHECK_EQ(w[2], 0x12345678);
    /* u(n) keeps only the low n bits */
    tk_bw_put(&bw, 4, 0xfff3);
    CHECK_EQ(w[3], 0x30000000);

    /* The largest ue we use: 30 zeros, then 31 ones (bits 30..60). */
    tk_bw_init(&bw, w, 8);
    tk_bw_put_ue(&bw, 0x7ffffffe);
    CHECK_EQ(bw.bits, 61);
    CHECK_EQ(w[0], 0x00000003);
    CHECK_EQ(w[1], 0xfffffff8);

    /* Overflow: the write that does not fit is dropped, and so is everything after it. */
    tk_bw_init(&bw, w, 1);
    tk_bw_put(&bw, 30, 1);
    CHECK_EQ(bw.overflow, 0);
    tk_bw_put(&bw, 3, 7);
    CHECK_EQ(bw.overflow, 1);
    CHECK_EQ(bw.bits, 30);
    tk_bw_put(&bw, 1, 1);
    CHECK_EQ(bw.bits, 30);
    return tk_check_finish();
}
