/*
 * Emulation prevention (7.4.1) and NAL unit framing: hand-worked cases (00 00 0x for x <= 3,
 * runs of zeros, a trailing zero byte), then a property check on random zero-heavy data:
 * no 00 00 0x (x <= 2) appears, the unit does not end in 00, and removing every 03 that
 * follows 00 00 gives the input back; and the output equals a byte-by-byte escape.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "encode/h264/nal.h"
#include "talkie/talkie.h"
#include "nal_escape_ref.h"

static void check_escape(const uint8_t *in, size_t n, const uint8_t *want, size_t want_n)
{
    uint8_t out[64];
    size_t got = tk_nal_escape(out, in, n);
    CHECK_EQ(got, want_n);
    CHECK(got <= tk_nal_escaped_max(n));
    if (got == want_n)
        tk_check_bytes("escape", out, want, want_n);
}

#define ESC(in, want) check_escape(in, sizeof(in), want, sizeof(want))


/* Annex B reading: 4- and 3-byte start codes, trailing zeros that belong to the next start
 * code, an empty unit, and bytes before the first start code. */
static void test_next(void)
{
    static const uint8_t s[] = { 0xaa, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0,
                                 0, 1, 0, 0, 1, 0x65, 0, 0, 3, 1 };
    static const size_t want[][2] = { { 5, 8 }, { 11, 13 }, { 17, 17 }, { 20, 25 } };
    size_t pos = 0, start, end, n = 0;
    while (tk_nal_next(s, sizeof(s), pos, &start, &end) && n < 5) {
        CHECK(n < 4);
        if (n < 4) {
            CHECK_EQ(start, want[n][0]);
            CHECK_EQ(end, want[n][1]);
        }
        pos = end;
        n++;
    }
    CHECK_EQ(n, 4);
    CHECK_EQ(tk_nal_next(s, 4, 0, &start, &end), 0);   /* no start code */
}

int main(void)
{
    test_next();
    static const uint8_t a_in[] = { 0, 0, 0 }, a_out[] = { 0, 0, 3, 0, 3 };
    static const uint8_t b_in[] = { 0, 0, 1 }, b_out[] = { 0, 0, 3, 1 };
    static const uint8_t c_in[] = { 0, 0, 2 }, c_out[] = { 0, 0, 3, 2 };
    static const uint8_t d_in[] = { 0, 0, 3 }, d_out[] = { 0, 0, 3, 3 };
    static const uint8_t e_in[] = { 0, 0, 4, 0, 0, 0xff }, e_out[] = { 0, 0, 4, 0, 0, 0xff };
    static const uint8_t f_in[] = { 0, 0, 0, 0, 0 }, f_out[] = { 0, 0, 3, 0, 0, 3, 0, 3 };
    static const uint8_t g_in[] = { 1, 0, 0, 1, 0 }, g_out[] = { 1, 0, 0, 3, 1, 0, 3 };
    static const uint8_t h_in[] = { 0, 3, 0, 0, 3 }, h_out[] = { 0, 3, 0, 0, 3, 3 };
    static const uint8_t i_in[] = { 0, 0 }, i_out[] = { 0, 0, 3 };
    static const uint8_t j_in[] = { 0x80, 0 }, j_out[] = { 0x80, 0, 3 };
    ESC(a_in, a_out);
    ESC(b_in, b_out);
    ESC(c_in, c_out);
    ESC(d_in, d_out);
    ESC(e_in, e_out);
    ESC(f_in, f_out);
    ESC(g_in, g_out);
    ESC(h_in, h_out);
    ESC(i_in, i_out);
    ESC(j_in, j_out);
    CHECK_EQ(tk_nal_escape(NULL, NULL, 0), 0);

    /* Framing: start code, header byte, payload. */
    uint8_t nal[32];
    static const uint8_t sps_rbsp[] = { 0x42, 0x00, 0x00, 0x01 };
    static const uint8_t want[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 3, 1 };
    CHECK_EQ(tk_nal_write(nal, sizeof(nal), 3, TK_NAL_SPS, sps_rbsp, 4), sizeof(want));
    tk_check_bytes("sps nal", nal, want, sizeof(want));
    static const uint8_t aud_rbsp[] = { 0x10 };
    CHECK_EQ(tk_nal_write(nal, sizeof(nal), 0, TK_NAL_AUD, aud_rbsp, 1), 6);
    CHECK_EQ(nal[4], 0x09);
    CHECK_EQ(tk_nal_write(nal, sizeof(nal), 3, TK_NAL_SLICE_IDR, aud_rbsp, 1), 6);
    CHECK_EQ(nal[4], 0x65);
    CHECK_EQ(tk_nal_write(nal, 5, 3, TK_NAL_PPS, aud_rbsp, 1), TALKIE_ERR(ENOSPC));

    /* Property check on random data with many zeros. */
    uint32_t rnd = 1;
    enum { N = 4096 };
    uint8_t *in = malloc(N), *out = malloc(tk_nal_escaped_max(N)), *back = malloc(N);
    uint8_t *want_out = malloc(tk_nal_escaped_max(N));
    CHECK(in && out && back && want_out);
    for (int round = 0; in && out && back && want_out && round < 400; round++) {
        size_t n = (size_t)(round * 37 % N) + 1;
        /* even rounds: mostly zeros and small bytes; odd rounds: sparse zeros among any
         * bytes, as in slice data */
        for (size_t i = 0; i < n; i++) {
            rnd = rnd * 1664525u + 1013904223u;
            if (round % 2 == 0)
                in[i] = (rnd >> 24) < 160 ? 0 : (uint8_t)((rnd >> 16) & 7);
            else
                in[i] = (rnd >> 24) < 40 ? 0 : (uint8_t)(rnd >> 16);
        }
        size_t m = tk_nal_escape(out, in, n);
        size_t want_m = tk_nal_escape_bytewise(want_out, in, n);
        CHECK_EQ(m, want_m);
        if (m == want_m && tk_check_bytes("escape vs bytewise", out, want_out, m) >= 0)
            break;
        CHECK(m <= tk_nal_escaped_max(n));
        CHECK(out[m - 1] != 0);
        size_t k = 0;
        int zeros = 0, bad = 0;
        for (size_t i = 0; i < m; i++) {
            if (zeros >= 2 && out[i] <= 2)
                bad = 1;
            if (zeros >= 2 && out[i] == 3) { /* an emulation prevention byte: drop it */
                zeros = 0;
                continue;
            }
            if (k < n)
                back[k] = out[i];
            k++;
            zeros = out[i] == 0 ? zeros + 1 : 0;
        }
        /* a final 03 after a trailing zero is not part of the RBSP either */
        if (n > 0 && in[n - 1] == 0 && out[m - 1] == 3 && k == n + 1)
            k--;
        CHECK_EQ(bad, 0);
        CHECK_EQ(k, n);
        if (k == n && tk_check_bytes("unescape", back, in, n) >= 0)
            break;
    }
    free(in);
    free(out);
    free(back);
    free(want_out);
    return tk_check_finish();
}
