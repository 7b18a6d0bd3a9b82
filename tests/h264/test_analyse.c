/*
 * Tests of the C reference intra analysis (src/encode/compute/analyse_ref.c and its stages):
 * transforms against direct matrix products, quantisation against hand-worked values, every
 * prediction mode on a hand-made neighbourhood against values worked out by hand from the
 * spec formulas, and whole frames: an independent decoder written here (its own neighbour,
 * top-right and predicted-mode rules, from TkCodedMb only) must reproduce recon exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "common/frame.h"
#include "encode/compute/analyse_ref.h"
#include "encode/compute/intra_pred_ref.h"
#include "encode/compute/transform_ref.h"

static uint32_t rng_state = 12345;

static int rnd(int n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 8) % (uint32_t)n);
}

static void test_fdct(void)
{
    static const int cf[4][4] = { { 1, 1, 1, 1 }, { 2, 1, -1, -2 }, { 1, -1, -1, 1 }, { 1, -2, 2, -1 } };
    for (int t = 0; t < 200; t++) {
        int x[16], y[16];
        for (int i = 0; i < 16; i++)
            x[i] = rnd(511) - 255;
        tk_fdct4x4(x, y);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                int s = 0; /* (Cf X Cf^T)_ij */
                for (int k = 0; k < 4; k++)
                    for (int l = 0; l < 4; l++)
                        s += cf[i][k] * x[k * 4 + l] * cf[j][l];
                CHECK_EQ(y[i * 4 + j], s);
            }
    }
    int flat[16], w[16];
    for (int i = 0; i < 16; i++)
        flat[i] = -7;
    tk_fdct4x4(flat, w);
    CHECK_EQ(w[0], -112);
    for (int i = 1; i < 16; i++)
        CHECK_EQ(w[i], 0);
}

static void test_idct(void)
{
    /* With inputs that are multiples of 4 every >> 1 is exact, so the inverse equals (T^T D T + 32) >> 6 with
     * the basis T = {1,1,1,1}, {1,1/2,-1/2,-1}, {1,-1,-1,1}, {1/2,-1,1,-1/2}; here 2T. */
    static const int t2[4][4] = { { 2, 2, 2, 2 }, { 2, 1, -1, -2 }, { 2, -2, -2, 2 }, { 1, -2, 2, -1 } };
    for (int t = 0; t < 200; t++) {
        int d[16], r[16];
        for (int i = 0; i < 16; i++)
            d[i] = 4 * (rnd(2001) - 1000);
        tk_idct4x4(d, r);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int s = 0;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        s += t2[i][y] * d[i * 4 + j] * t2[j][x];
                CHECK_EQ(r[y * 4 + x], (s / 4 + 32) >> 6); /* s is 4 * h exactly */
            }
    }
    int d[16] = { 64 * 5 }, r[16];
    tk_idct4x4(d, r);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(r[i], 5);
}

static void test_quant(void)
{
    /* (100 * 13107 + 32768 / 3) >> 15 = 40 */
    CHECK_EQ(tk_quant4x4(100, 0, 0), 40);
    CHECK_EQ(tk_quant4x4(-100, 0, 0), -40);
    /* qp 28: MF(4, odd/odd) 3355, qbits 19: (1000 * 3355 + 174762) >> 19 = 6 */
    CHECK_EQ(tk_quant4x4(1000, 5, 28), 6);
    /* DC: qp 10 (MF 8192, qbits 16 + 1, rounding 2^17 / 3): (5000 * 8192 + 43690) >> 17 = 312 */
    CHECK_EQ(tk_quant_dc(5000, 10), 312);
    CHECK_EQ(tk_quant_dc(40000, 0), TK_LEVEL_MAX);
    CHECK_EQ(tk_quant4x4(-9000, 0, 0), -TK_LEVEL_MAX);
    /* dequant 8.5.12.1: qp 28 (v 16 at (0,0)): 3 * 256 = 768; qp 3 at (1,1) (v 23):
     * (2 * 368 + 4) >> 4 = 46 */
    CHECK_EQ(tk_dequant4x4(3, 0, 28), 768);
    CHECK_EQ(tk_dequant4x4(2, 5, 3), 46);
    /* 8.5.10: qp 20 (v 13 -> 208): (7 * 208 + 4) >> 3 = 182; qp 40 (v 16 -> 256): 7*256<<0 */
    CHECK_EQ(tk_dequant_luma_dc(7, 20), 182);
    CHECK_EQ(tk_dequant_luma_dc(7, 40), 1792);
    /* 8.5.11.2: qp 13 (v 11 -> 176): (5 * 176 << 2) >> 5 = 110 */
    CHECK_EQ(tk_dequant_chroma_dc(5, 13), 110);
    CHECK_EQ(tk_chroma_qp(29), 29);
    CHECK_EQ(tk_chroma_qp(30), 29);
    CHECK_EQ(tk_chroma_qp(40), 36);
    CHECK_EQ(tk_chroma_qp(51), 39);

    /* QP 0: forward, quantise, dequantise, inverse returns the residual within 1 */
    int worst = 0;
    for (int t = 0; t < 2000; t++) {
        int x[16], w[16], d[16], r[16];
        for (int i = 0; i < 16; i++)
            x[i] = rnd(201) - 100;
        tk_fdct4x4(x, w);
        for (int i = 0; i < 16; i++)
            d[i] = tk_dequant4x4(tk_quant4x4(w[i], i, 0), i, 0);
        tk_idct4x4(d, r);
        for (int i = 0; i < 16; i++) {
            int e = abs(r[i] - x[i]);
            worst = e > worst ? e : worst;
        }
    }
    CHECK_CMP(worst, <=, 1);
    /* Hadamard 2x2 twice is 4x */
    int c[4] = { 3, -8, 5, 11 }, f[4], g[4];
    tk_hadamard2x2(c, f);
    CHECK_EQ(f[0], 11);
    CHECK_EQ(f[1], 5);
    CHECK_EQ(f[2], -21);
    CHECK_EQ(f[3], 17);
    tk_hadamard2x2(f, g);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(g[i], 4 * c[i]);
    int z[16] = { 0 }, h[16];
    z[0] = 16;
    tk_hadamard4x4(z, h);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(h[i], 16);
    int res[16] = { 0 };
    res[0] = 8; /* a single impulse: every Hadamard coefficient is 8 -> 16*8/2 */
    CHECK_EQ(tk_satd4x4(res), 64);
}

/* p[-1, 0..3] = 40 50 60 70, p[-1,-1] = 30, p[0..7, -1] = 10 20 .. 80 */
static const int edge[13] = { 70, 60, 50, 40, 30, 10, 20, 30, 40, 50, 60, 70, 80 };

static int p4(int mode, int avail, int x, int y)
{
    int pred[16];
    tk_pred4x4(mode, edge, avail, pred);
    return pred[y * 4 + x];
}

static void test_pred4x4(void)
{
    int all = TK_AVAIL_LEFT | TK_AVAIL_TOP | TK_AVAIL_TOPLEFT;
    CHECK_EQ(p4(TK_I4_V, all, 2, 3), 30);
    CHECK_EQ(p4(TK_I4_H, all, 2, 3), 70);
    CHECK_EQ(p4(TK_I4_DC, all, 1, 1), 40);
    CHECK_EQ(p4(TK_I4_DC, TK_AVAIL_LEFT, 1, 1), 55);
    CHECK_EQ(p4(TK_I4_DC, TK_AVAIL_TOP, 1, 1), 25);
    CHECK_EQ(p4(TK_I4_DC, 0, 1, 1), 128);
    CHECK_EQ(p4(TK_I4_DDL, all, 0, 0), 20);
    CHECK_EQ(p4(TK_I4_DDL, all, 2, 3), 70);
    CHECK_EQ(p4(TK_I4_DDL, all, 3, 3), 78);
    CHECK_EQ(p4(TK_I4_DDR, all, 2, 2), 28);
    CHECK_EQ(p4(TK_I4_DDR, all, 1, 0), 18);
    CHECK_EQ(p4(TK_I4_DDR, all, 0, 1), 40);
    CHECK_EQ(p4(TK_I4_DDR, all, 3, 0), 30);
    CHECK_EQ(p4(TK_I4_DDR, all, 0, 3), 60);
    CHECK_EQ(p4(TK_I4_VR, all, 0, 0), 20);
    CHECK_EQ(p4(TK_I4_VR, all, 1, 0), 15);
    CHECK_EQ(p4(TK_I4_VR, all, 0, 1), 28);
    CHECK_EQ(p4(TK_I4_VR, all, 1, 1), 18);
    CHECK_EQ(p4(TK_I4_VR, all, 0, 2), 40);
    CHECK_EQ(p4(TK_I4_VR, all, 0, 3), 50);
    CHECK_EQ(p4(TK_I4_VR, all, 3, 3), 20);
    CHECK_EQ(p4(TK_I4_HD, all, 0, 0), 35);
    CHECK_EQ(p4(TK_I4_HD, all, 1, 0), 28);
    CHECK_EQ(p4(TK_I4_HD, all, 2, 0), 18);
    CHECK_EQ(p4(TK_I4_HD, all, 3, 0), 20);
    CHECK_EQ(p4(TK_I4_HD, all, 0, 3), 65);
    CHECK_EQ(p4(TK_I4_HD, all, 1, 3), 60);
    CHECK_EQ(p4(TK_I4_VL, all, 0, 0), 15);
    CHECK_EQ(p4(TK_I4_VL, all, 0, 1), 20);
    CHECK_EQ(p4(TK_I4_VL, all, 3, 3), 60);
    CHECK_EQ(p4(TK_I4_VL, all, 3, 2), 55);
    CHECK_EQ(p4(TK_I4_HU, all, 0, 0), 45);
    CHECK_EQ(p4(TK_I4_HU, all, 1, 0), 50);
    CHECK_EQ(p4(TK_I4_HU, all, 0, 1), 55);
    CHECK_EQ(p4(TK_I4_HU, all, 1, 2), 68);
    CHECK_EQ(p4(TK_I4_HU, all, 3, 1), 68);
    CHECK_EQ(p4(TK_I4_HU, all, 2, 2), 70);
    CHECK_EQ(p4(TK_I4_HU, all, 0, 3), 70);
    CHECK(!tk_pred4x4_mode_ok(TK_I4_DDR, TK_AVAIL_LEFT | TK_AVAIL_TOP));
    CHECK(tk_pred4x4_mode_ok(TK_I4_VL, TK_AVAIL_TOP));
    CHECK(!tk_pred4x4_mode_ok(TK_I4_HU, TK_AVAIL_TOP));
}

static void test_pred16_chroma(void)
{
    int all = TK_AVAIL_LEFT | TK_AVAIL_TOP | TK_AVAIL_TOPLEFT;
    int top[16], left[16], pred[256];
    for (int i = 0; i < 16; i++) {
        top[i] = 100 + 2 * i;
        left[i] = 100 + 3 * i;
    }
    tk_pred16x16(TK_I16_PLANE, top, left, 98, all, pred);
    CHECK_EQ(pred[0], 103);
    CHECK_EQ(pred[15], 133);
    CHECK_EQ(pred[255], 177);
    tk_pred16x16(TK_I16_DC, top, left, 98, all, pred);
    CHECK_EQ(pred[77], 119);
    tk_pred16x16(TK_I16_DC, top, left, 98, 0, pred);
    CHECK_EQ(pred[77], 128);
    tk_pred16x16(TK_I16_V, top, left, 98, all, pred);
    CHECK_EQ(pred[5 * 16 + 9], 118);
    tk_pred16x16(TK_I16_H, top, left, 98, all, pred);
    CHECK_EQ(pred[5 * 16 + 9], 115);

    int ct[8], cl[8], cp[64];
    for (int i = 0; i < 8; i++) {
        ct[i] = 50 + 4 * i;
        cl[i] = 60 + 2 * i;
    }
    tk_pred_chroma(TK_IC_PLANE, ct, cl, 47, all, cp);
    CHECK_EQ(cp[0], 56);
    CHECK_EQ(cp[63], 103);
    tk_pred_chroma(TK_IC_DC, ct, cl, 47, all, cp);
    CHECK_EQ(cp[0], 60);
    CHECK_EQ(cp[5], 72);
    CHECK_EQ(cp[5 * 8 + 1], 71);
    CHECK_EQ(cp[7 * 8 + 7], 72);
    tk_pred_chroma(TK_IC_DC, ct, cl, 47, TK_AVAIL_TOP, cp);
    CHECK_EQ(cp[0], 56);
    CHECK_EQ(cp[5 * 8 + 1], 56);
    CHECK_EQ(cp[5], 72);
    tk_pred_chroma(TK_IC_DC, ct, cl, 47, TK_AVAIL_LEFT, cp);
    CHECK_EQ(cp[5], 63);
    CHECK_EQ(cp[5 * 8 + 1], 71);
    tk_pred_chroma(TK_IC_H, ct, cl, 47, all, cp);
    CHECK_EQ(cp[3 * 8 + 6], 66);
    tk_pred_chroma(TK_IC_V, ct, cl, 47, all, cp);
    CHECK_EQ(cp[3 * 8 + 6], 74);
}

/* ---- an independent decoder of TkCodedMb (clause 8.3 neighbour rules written anew) ---- */

typedef struct Dec {
    const TkIntraParams *p;
    const TkCodedMb *coded;
    uint8_t *out;
} Dec;

static int mb_ok(const Dec *d, int mb_x, int mb_y, int cur_y)
{
    if (mb_x < 0 || mb_y < 0 || mb_x >= d->p->layout.mb_width)
        return 0;
    return mb_y / d->p->slice_mb_rows == cur_y / d->p->slice_mb_rows;
}

/* Sample of the decoded luma at absolute (x, y), -1 when not available for a block whose
 * top-left is (bx0, by0) in MB (mb_x, mb_y) with block index k (for the decode order). */
static int luma_at(const Dec *d, int mb_x, int mb_y, int k, int x, int y)
{
    int xn = x - mb_x * 16, yn = y - mb_y * 16; /* 6.4.12 with maxW = maxH = 16 */
    int nx, ny;
    if (yn < 0) {
        nx = xn < 0 ? mb_x - 1 : xn < 16 ? mb_x : mb_x + 1;
        ny = mb_y - 1;
    } else if (xn < 0) {
        nx = mb_x - 1;
        ny = mb_y;
    } else if (xn < 16) {
        /* inside the current MB: only blocks before k are decoded; the spec names 3 and 11
         * for the top-right (x > 3), the others follow from their position */
        int bxx = xn / 4, byy = yn / 4;
        int idx = (byy / 2) * 8 + (bxx / 2) * 4 + (byy % 2) * 2 + bxx % 2;
        if (idx >= k)
            return -1;
        return d->out[(size_t)y * d->p->layout.luma_stride + (size_t)x];
    } else {
        return -1;
    }
    if (!mb_ok(d, nx, ny, mb_y))
        return -1;
    return d->out[(size_t)y * d->p->layout.luma_stride + (size_t)x];
}

static int avail_bits(int left, int top, int tl)
{
    return (left >= 0 ? TK_AVAIL_LEFT : 0) | (top >= 0 ? TK_AVAIL_TOP : 0) |
           (tl >= 0 ? TK_AVAIL_TOPLEFT : 0);
}

static void add_block(uint8_t *dst, size_t stride, const int pred[16], const int d[16])
{
    int r[16];
    tk_idct4x4(d, r);
    for (int i = 0; i < 16; i++) {
        int v = pred[i] + r[i];
        dst[(size_t)(i >> 2) * stride + (size_t)(i & 3)] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static void decode_mb(Dec *d, int mb_x, int mb_y)
{
    const TkFrameLayout *l = &d->p->layout;
    const TkCodedMb *m = &d->coded[mb_y * l->mb_width + mb_x];
    size_t st = l->luma_stride;
    int qp = d->p->qp, qpc = tk_chroma_qp(qp);
    int modes[16];
    if (m->type == TK_MB_I4x4) {
        for (int k = 0; k < 16; k++) {
            int x0 = mb_x * 16 + ((k >> 2) & 1) * 8 + (k & 1) * 4;
            int y0 = mb_y * 16 + ((k >> 3) & 1) * 8 + ((k >> 1) & 1) * 4;
            /* 8.3.1.1: neighbours A (x-1, y) and B (x, y-1) */
            int ax = x0 - 1, by = y0 - 1, pa = -1, pb = -1;
            int amb_x = ax < mb_x * 16 ? mb_x - 1 : mb_x, bmb_y = by < mb_y * 16 ? mb_y - 1 : mb_y;
            int a_ok = mb_ok(d, amb_x, mb_y, mb_y), b_ok = mb_ok(d, mb_x, bmb_y, mb_y);
            int pred_mode = 2;
            if (a_ok && b_ok) {
                const TkCodedMb *ma = &d->coded[mb_y * l->mb_width + amb_x];
                const TkCodedMb *mbb = &d->coded[bmb_y * l->mb_width + mb_x];
                int axn = ax - amb_x * 16, ayn = y0 - mb_y * 16;
                int bxn = x0 - mb_x * 16, byn = by - bmb_y * 16;
                int ia = (ayn / 8) * 8 + (axn / 8) * 4 + ((ayn / 4) % 2) * 2 + (axn / 4) % 2;
                int ib = (byn / 8) * 8 + (bxn / 8) * 4 + ((byn / 4) % 2) * 2 + (bxn / 4) % 2;
                if (amb_x == mb_x)
                    pa = modes[ia];
                else
                    pa = ma->type == TK_MB_I4x4 ? ma->i4_mode[ia] : 2;
                if (bmb_y == mb_y)
                    pb = modes[ib];
                else
                    pb = mbb->type == TK_MB_I4x4 ? mbb->i4_mode[ib] : 2;
                pred_mode = pa < pb ? pa : pb;
            }
            int syn = m->i4_mode_syntax[k];
            int mode = syn < 0 ? pred_mode : syn < pred_mode ? syn : syn + 1;
            CHECK_EQ(mode, m->i4_mode[k]);
            modes[k] = mode;
            int e[13];
            for (int i = 0; i < 4; i++)
                e[3 - i] = luma_at(d, mb_x, mb_y, k, x0 - 1, y0 + i);
            e[4] = luma_at(d, mb_x, mb_y, k, x0 - 1, y0 - 1);
            for (int i = 0; i < 8; i++)
                e[5 + i] = luma_at(d, mb_x, mb_y, k, x0 + i, y0 - 1);
            if (e[5] >= 0 && e[9] < 0)
                for (int i = 4; i < 8; i++)
                    e[5 + i] = e[8];
            int avail = avail_bits(e[3], e[5], e[4]);
            CHECK(tk_pred4x4_mode_ok(mode, avail));
            int pred[16], dq[16];
            tk_pred4x4(mode, e, avail, pred);
            for (int s = 0; s < 16; s++) {
                int pos = tk_zigzag4x4[s];
                dq[pos] = tk_dequant4x4(m->luma[k][s], pos, qp);
            }
            add_block(d->out + (size_t)y0 * st + (size_t)x0, st, pred, dq);
        }
    } else {
        int x0 = mb_x * 16, y0 = mb_y * 16, top[16], left[16];
        int tl = luma_at(d, mb_x, mb_y, 0, x0 - 1, y0 - 1);
        for (int i = 0; i < 16; i++) {
            top[i] = luma_at(d, mb_x, mb_y, 0, x0 + i, y0 - 1);
            left[i] = luma_at(d, mb_x, mb_y, 0, x0 - 1, y0 + i);
        }
        int avail = avail_bits(left[0], top[0], tl);
        CHECK(tk_pred16x16_mode_ok(m->i16_mode, avail));
        int pred[256], c[16], f[16];
        tk_pred16x16(m->i16_mode, top, left, tl, avail, pred);
        for (int s = 0; s < 16; s++)
            c[tk_zigzag4x4[s]] = m->luma_dc[s];
        tk_hadamard4x4(c, f);
        for (int by = 0; by < 4; by++)
            for (int bx = 0; bx < 4; bx++) {
                int k = (by / 2) * 8 + (bx / 2) * 4 + (by % 2) * 2 + bx % 2;
                int dq[16], bp[16];
                for (int s = 1; s < 16; s++) {
                    int pos = tk_zigzag4x4[s];
                    dq[pos] = (m->cbp & 15) ? tk_dequant4x4(m->luma[k][s], pos, qp) : 0;
                }
                dq[0] = tk_dequant_luma_dc(f[by * 4 + bx], qp);
                for (int i = 0; i < 16; i++)
                    bp[i] = pred[(by * 4 + (i >> 2)) * 16 + bx * 4 + (i & 3)];
                add_block(d->out + (size_t)(y0 + by * 4) * st + (size_t)(x0 + bx * 4), st, bp, dq);
            }
    }
    /* chroma */
    int left_ok = mb_ok(d, mb_x - 1, mb_y, mb_y), top_ok = mb_ok(d, mb_x, mb_y - 1, mb_y);
    int tl_ok = mb_ok(d, mb_x - 1, mb_y - 1, mb_y);
    int avail = (left_ok ? TK_AVAIL_LEFT : 0) | (top_ok ? TK_AVAIL_TOP : 0) |
                (tl_ok ? TK_AVAIL_TOPLEFT : 0);
    CHECK(tk_pred_chroma_mode_ok(m->chroma_mode, avail));
    for (int c = 0; c < 2; c++) {
        uint8_t *base = d->out + l->chroma_offset + (size_t)(mb_y * 8) * st + (size_t)(mb_x * 16 + c);
        int top[8], left[8], tl = tl_ok ? base[-(ptrdiff_t)st - 2] : 0, pred[64], f[4], dcc[4];
        for (int i = 0; i < 8; i++) {
            top[i] = top_ok ? base[-(ptrdiff_t)st + 2 * i] : 0;
            left[i] = left_ok ? base[(size_t)i * st - 2] : 0;
        }
        tk_pred_chroma(m->chroma_mode, top, left, tl, avail, pred);
        int cbpc = m->cbp >> 4;
        for (int b = 0; b < 4; b++)
            dcc[b] = cbpc ? m->chroma_dc[c][b] : 0;
        tk_hadamard2x2(dcc, f);
        for (int b = 0; b < 4; b++) {
            int dq[16], bp[16], r[16];
            for (int s = 1; s < 16; s++) {
                int pos = tk_zigzag4x4[s];
                dq[pos] = cbpc == 2 ? tk_dequant4x4(m->chroma_ac[c][b][s], pos, qpc) : 0;
            }
            dq[0] = tk_dequant_chroma_dc(f[b], qpc);
            for (int i = 0; i < 16; i++)
                bp[i] = pred[((b >> 1) * 4 + (i >> 2)) * 8 + (b & 1) * 4 + (i & 3)];
            tk_idct4x4(dq, r);
            for (int i = 0; i < 16; i++) {
                int v = bp[i] + r[i];
                base[(size_t)((b >> 1) * 4 + (i >> 2)) * st + (size_t)(2 * ((b & 1) * 4 + (i & 3)))] =
                    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}

/* Checks the coded fields' internal consistency (cbp, total_coeff, zero blocks). */
static void check_coded(const TkCodedMb *m)
{
    int cbp_l = 0;
    for (int k = 0; k < 16; k++) {
        int nz = 0;
        for (int s = 0; s < 16; s++)
            nz += m->luma[k][s] != 0;
        CHECK_EQ(m->total_coeff[k], nz);
        if (nz)
            cbp_l |= 1 << (k >> 2);
        if (m->type == TK_MB_I16x16)
            CHECK_EQ(m->luma[k][0], 0);
    }
    if (m->type == TK_MB_I16x16)
        CHECK_EQ(m->cbp & 15, cbp_l ? 15 : 0);
    else
        CHECK_EQ(m->cbp & 15, cbp_l);
    int any_dc = 0, any_ac = 0;
    for (int c = 0; c < 2; c++)
        for (int b = 0; b < 4; b++) {
            int nz = 0;
            any_dc |= m->chroma_dc[c][b] != 0;
            CHECK_EQ(m->chroma_ac[c][b][0], 0);
            for (int s = 1; s < 16; s++)
                nz += m->chroma_ac[c][b][s] != 0;
            CHECK_EQ(m->total_coeff_chroma[c][b], nz);
            any_ac |= nz != 0;
        }
    CHECK_EQ(m->cbp >> 4, any_ac ? 2 : any_dc ? 1 : 0);
    for (int k = 0; k < 16; k++) {
        CHECK(m->luma_dc[k] >= -TK_LEVEL_MAX && m->luma_dc[k] <= TK_LEVEL_MAX);
        if (m->type == TK_MB_I4x4)
            CHECK(m->i4_mode_syntax[k] >= -1 && m->i4_mode_syntax[k] <= 7);
    }
}

enum { SRC_RANDOM, SRC_FLAT, SRC_FLAT77, SRC_NOISE, SRC_GRADIENT };

static void fill_src(uint8_t *src, const TkFrameLayout *l, int kind, int seed)
{
    rng_state = (uint32_t)seed * 7919u + 1u;
    for (int y = 0; y < l->aligned_height; y++)
        for (int x = 0; x < l->aligned_width; x++) {
            int v;
            if (kind == SRC_RANDOM) /* smooth shapes with edges, like rendered content */
                v = ((x / 24 + y / 20) & 1) ? 60 + (x * 3 + y) % 90 : 200 - (x ^ y) % 64;
            else if (kind == SRC_FLAT)
                v = 128;
            else if (kind == SRC_FLAT77)
                v = 77;
            else if (kind == SRC_NOISE)
                v = rnd(256);
            else
                v = (x * 2 + y) & 255;
            src[(size_t)y * l->luma_stride + (size_t)x] = (uint8_t)v;
        }
    for (int y = 0; y < l->aligned_height / 2; y++)
        for (int x = 0; x < l->aligned_width; x++) {
            int v = kind == SRC_NOISE    ? rnd(256)
                    : kind == SRC_FLAT   ? 128
                    : kind == SRC_FLAT77 ? 140 - (x & 1) * 30
                                         : 128 + ((x + y * 3) % 40) - 20;
            src[l->chroma_offset + (size_t)y * l->luma_stride + (size_t)x] = (uint8_t)v;
        }
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += (double)(a[i] - b[i]) * (a[i] - b[i]);
    return se == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 * (double)n / se);
}

static void test_frame(int w, int h, int kind, int qp, int slice_rows, double min_psnr)
{
    TkIntraParams p = { tk_frame_layout(w, h), qp, slice_rows };
    const TkFrameLayout *l = &p.layout;
    int n_mb = l->mb_width * l->mb_height;
    uint8_t *src = malloc(l->size), *rec = calloc(1, l->size), *dec = calloc(1, l->size);
    TkCodedMb *coded = calloc((size_t)n_mb, sizeof(*coded));
    if (!src || !rec || !dec || !coded) {
        CHECK(0);
        return;
    }
    fill_src(src, l, kind, qp + w);
    tk_intra_analyse_frame_ref(&p, src, rec, coded);
    int n_i4 = 0;
    for (int i = 0; i < n_mb; i++) {
        check_coded(&coded[i]);
        n_i4 += coded[i].type == TK_MB_I4x4;
    }
    Dec d = { &p, coded, dec };
    for (int y = 0; y < l->mb_height; y++)
        for (int x = 0; x < l->mb_width; x++)
            decode_mb(&d, x, y);
    long bad = tk_check_bytes("independent decode vs recon", dec, rec, l->size);
    CHECK_EQ(bad, -1);
    double ps = psnr(src, rec, l->chroma_offset);
    printf("%dx%d kind %d qp %2d slice rows %d: I4x4 %3d/%d MBs, luma PSNR %.2f dB\n", w, h, kind,
           qp, slice_rows, n_i4, n_mb, ps);
    CHECK_CMP(ps, >=, min_psnr);
    if (kind == SRC_FLAT) {
        /* all 128: every prediction is exact, so nothing is coded and recon == src; the
         * cheapest mode is the lowest-numbered available one (I16x16 wins ties) */
        for (int i = 0; i < n_mb; i++) {
            int mb_x = i % l->mb_width, mb_y = i / l->mb_width;
            int slice_top = mb_y % slice_rows == 0;
            CHECK_EQ(coded[i].type, TK_MB_I16x16);
            CHECK_EQ(coded[i].i16_mode, !slice_top ? TK_I16_V : mb_x > 0 ? TK_I16_H : TK_I16_DC);
            CHECK_EQ(coded[i].chroma_mode, TK_IC_DC);
            CHECK_EQ(coded[i].cbp, 0);
            for (int s = 0; s < 16; s++)
                CHECK_EQ(coded[i].luma_dc[s], 0);
        }
        CHECK_EQ(tk_check_bytes("flat recon", rec, src, l->size), -1);
    }
    if (kind == SRC_RANDOM || kind == SRC_FLAT77) {
        /* nothing predicts across a slice boundary or the frame edge */
        for (int i = 0; i < n_mb; i++) {
            const TkCodedMb *m = &coded[i];
            int mb_x = i % l->mb_width, mb_y = i / l->mb_width;
            if (mb_y % slice_rows == 0) {
                CHECK(m->chroma_mode != TK_IC_V && m->chroma_mode != TK_IC_PLANE);
                if (m->type == TK_MB_I16x16)
                    CHECK(m->i16_mode == TK_I16_H || m->i16_mode == TK_I16_DC);
                else
                    for (int k = 0; k < 6; k += (k == 1 ? 3 : 1))
                        CHECK(m->i4_mode[k] == TK_I4_H || m->i4_mode[k] == TK_I4_DC ||
                              m->i4_mode[k] == TK_I4_HU);
            }
            if (mb_x == 0 && m->type == TK_MB_I16x16)
                CHECK(m->i16_mode == TK_I16_V || m->i16_mode == TK_I16_DC);
        }
    }
    free(src);
    free(rec);
    free(dec);
    free(coded);
}

int main(void)
{
    test_fdct();
    test_idct();
    test_quant();
    test_pred4x4();
    test_pred16_chroma();
    static const int qps[] = { 0, 10, 26, 40, 51 };
    static const double min_psnr[] = { 48, 42, 30, 20, 14 };
    for (int i = 0; i < 5; i++) {
        test_frame(64, 48, SRC_RANDOM, qps[i], 1, min_psnr[i]);
        test_frame(200, 120, SRC_NOISE, qps[i], 2, min_psnr[i] - 6);
        test_frame(200, 120, SRC_FLAT, qps[i], 1, 99);
        test_frame(200, 120, SRC_FLAT77, qps[i], 1, 30);
        test_frame(96, 64, SRC_GRADIENT, qps[i], 3, min_psnr[i]);
    }
    return tk_check_finish();
}
