/*
 * GLSL twin of intra_pred_ref.c: H.264 intra prediction (8.3.1.2, 8.3.3, 8.3.4), one sample
 * at a time so that threads can share the work. Same edge layout and availability bits as
 * the C reference; keep the two in step.
 */
#ifndef TK_INTRA_PRED_GLSL
#define TK_INTRA_PRED_GLSL

#define TK_AVAIL_LEFT 1
#define TK_AVAIL_TOP 2
#define TK_AVAIL_TOPLEFT 4
#define TK_AVAIL_ALL 7

#define TK_I4_V 0
#define TK_I4_H 1
#define TK_I4_DC 2
#define TK_I4_DDL 3
#define TK_I4_DDR 4
#define TK_I4_VR 5
#define TK_I4_HD 6
#define TK_I4_VL 7
#define TK_I4_HU 8

bool tk_pred4x4_mode_ok(int mode, int avail)
{
    bool top = (avail & TK_AVAIL_TOP) != 0, left = (avail & TK_AVAIL_LEFT) != 0;
    bool tl = (avail & TK_AVAIL_TOPLEFT) != 0;
    if (mode == TK_I4_V || mode == TK_I4_DDL || mode == TK_I4_VL)
        return top;
    if (mode == TK_I4_H || mode == TK_I4_HU)
        return left;
    if (mode == TK_I4_DC)
        return true;
    return top && left && tl;
}

/* I16x16 modes 0 V, 1 H, 2 DC, 3 plane; chroma modes 0 DC, 1 H, 2 V, 3 plane */
bool tk_pred16x16_mode_ok(int mode, int avail)
{
    if (mode == 0)
        return (avail & TK_AVAIL_TOP) != 0;
    if (mode == 1)
        return (avail & TK_AVAIL_LEFT) != 0;
    if (mode == 2)
        return true;
    return (avail & TK_AVAIL_ALL) == TK_AVAIL_ALL;
}

bool tk_pred_chroma_mode_ok(int mode, int avail)
{
    if (mode == 0)
        return true;
    if (mode == 1)
        return (avail & TK_AVAIL_LEFT) != 0;
    if (mode == 2)
        return (avail & TK_AVAIL_TOP) != 0;
    return (avail & TK_AVAIL_ALL) == TK_AVAIL_ALL;
}

/* e[3 - y] = p[-1, y], e[4] = p[-1, -1], e[5 + x] = p[x, -1] */
#define TK_P(x, y) ((y) < 0 ? e[5 + (x)] : e[3 - (y)])

int tk_pred4x4_dc(int e[13], int avail)
{
    int st = 0, sl = 0;
    [[unroll]] for (int i = 0; i < 4; i++) {
        st += TK_P(i, -1);
        sl += TK_P(-1, i);
    }
    if ((avail & TK_AVAIL_TOP) != 0 && (avail & TK_AVAIL_LEFT) != 0)
        return (st + sl + 4) >> 3;
    if ((avail & TK_AVAIL_LEFT) != 0)
        return (sl + 2) >> 2;
    if ((avail & TK_AVAIL_TOP) != 0)
        return (st + 2) >> 2;
    return 128;
}

/* One sample of any 4x4 mode; dc is tk_pred4x4_dc() (only used by mode 2). */
int tk_pred4x4_at(int mode, int e[13], int dc, int x, int y)
{
    if (mode == TK_I4_V)
        return TK_P(x, -1);
    if (mode == TK_I4_H)
        return TK_P(-1, y);
    if (mode == TK_I4_DC)
        return dc;
    if (mode == TK_I4_DDL) {
        if (x == 3 && y == 3)
            return (TK_P(6, -1) + 3 * TK_P(7, -1) + 2) >> 2;
        return (TK_P(x + y, -1) + 2 * TK_P(x + y + 1, -1) + TK_P(x + y + 2, -1) + 2) >> 2;
    }
    if (mode == TK_I4_DDR) {
        if (x > y)
            return (TK_P(x - y - 2, -1) + 2 * TK_P(x - y - 1, -1) + TK_P(x - y, -1) + 2) >> 2;
        if (x < y)
            return (TK_P(-1, y - x - 2) + 2 * TK_P(-1, y - x - 1) + TK_P(-1, y - x) + 2) >> 2;
        return (TK_P(0, -1) + 2 * TK_P(-1, -1) + TK_P(-1, 0) + 2) >> 2;
    }
    if (mode == TK_I4_VR) {
        int z = 2 * x - y;
        if (z >= 0 && (z & 1) == 0)
            return (TK_P(x - (y >> 1) - 1, -1) + TK_P(x - (y >> 1), -1) + 1) >> 1;
        if (z >= 0)
            return (TK_P(x - (y >> 1) - 2, -1) + 2 * TK_P(x - (y >> 1) - 1, -1) +
                    TK_P(x - (y >> 1), -1) + 2) >> 2;
        if (z == -1)
            return (TK_P(-1, 0) + 2 * TK_P(-1, -1) + TK_P(0, -1) + 2) >> 2;
        return (TK_P(-1, y - 1) + 2 * TK_P(-1, y - 2) + TK_P(-1, y - 3) + 2) >> 2;
    }
    if (mode == TK_I4_HD) {
        int z = 2 * y - x;
        if (z >= 0 && (z & 1) == 0)
            return (TK_P(-1, y - (x >> 1) - 1) + TK_P(-1, y - (x >> 1)) + 1) >> 1;
        if (z >= 0)
            return (TK_P(-1, y - (x >> 1) - 2) + 2 * TK_P(-1, y - (x >> 1) - 1) +
                    TK_P(-1, y - (x >> 1)) + 2) >> 2;
        if (z == -1)
            return (TK_P(-1, 0) + 2 * TK_P(-1, -1) + TK_P(0, -1) + 2) >> 2;
        return (TK_P(x - 1, -1) + 2 * TK_P(x - 2, -1) + TK_P(x - 3, -1) + 2) >> 2;
    }
    if (mode == TK_I4_VL) {
        if ((y & 1) == 0)
            return (TK_P(x + (y >> 1), -1) + TK_P(x + (y >> 1) + 1, -1) + 1) >> 1;
        return (TK_P(x + (y >> 1), -1) + 2 * TK_P(x + (y >> 1) + 1, -1) +
                TK_P(x + (y >> 1) + 2, -1) + 2) >> 2;
    }
    int z = x + 2 * y; /* TK_I4_HU */
    if (z < 5 && (z & 1) == 0)
        return (TK_P(-1, y + (x >> 1)) + TK_P(-1, y + (x >> 1) + 1) + 1) >> 1;
    if (z < 5)
        return (TK_P(-1, y + (x >> 1)) + 2 * TK_P(-1, y + (x >> 1) + 1) +
                TK_P(-1, y + (x >> 1) + 2) + 2) >> 2;
    if (z == 5)
        return (TK_P(-1, 2) + 3 * TK_P(-1, 3) + 2) >> 2;
    return TK_P(-1, 3);
}

#undef TK_P

/* Every 4x4 sample of tk_pred4x4_at() is (E[a] + E[b] + E[c] + E[d] + 2) >> 2 over the edge
 * e[0..12] with E[13] = the DC value: a copy is a, a, a, a; a 2-tap average a, a, b, b; a
 * 3-tap filter a, b, b, c; (p6 + 3 p7 + 2) >> 2 is 6, 7, 7, 7. TK_PRED4x4_TAPS[mode * 16 +
 * y * 4 + x] holds a..d as nibbles, a lowest. Derived from the formulas above and checked
 * against them for every mode and sample on random edges; tests/h264/test_analyse_gpu.c
 * checks the whole kernel against the C reference. */
const uint TK_PRED4x4_TAPS[144] = uint[144](
    0x5555, 0x6666, 0x7777, 0x8888, 0x5555, 0x6666, 0x7777, 0x8888,
    0x5555, 0x6666, 0x7777, 0x8888, 0x5555, 0x6666, 0x7777, 0x8888,
    0x3333, 0x3333, 0x3333, 0x3333, 0x2222, 0x2222, 0x2222, 0x2222,
    0x1111, 0x1111, 0x1111, 0x1111, 0x0000, 0x0000, 0x0000, 0x0000,
    0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd,
    0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd, 0xdddd,
    0x7665, 0x8776, 0x9887, 0xa998, 0x8776, 0x9887, 0xa998, 0xbaa9,
    0x9887, 0xa998, 0xbaa9, 0xcbba, 0xa998, 0xbaa9, 0xcbba, 0xcccb,
    0x5443, 0x6554, 0x7665, 0x8776, 0x4332, 0x5443, 0x6554, 0x7665,
    0x3221, 0x4332, 0x5443, 0x6554, 0x2110, 0x3221, 0x4332, 0x5443,
    0x5544, 0x6655, 0x7766, 0x8877, 0x5443, 0x6554, 0x7665, 0x8776,
    0x4332, 0x5544, 0x6655, 0x7766, 0x3221, 0x5443, 0x6554, 0x7665,
    0x4433, 0x5443, 0x6554, 0x7665, 0x3322, 0x4332, 0x4433, 0x5443,
    0x2211, 0x3221, 0x3322, 0x4332, 0x1100, 0x2110, 0x2211, 0x3221,
    0x6655, 0x7766, 0x8877, 0x9988, 0x7665, 0x8776, 0x9887, 0xa998,
    0x7766, 0x8877, 0x9988, 0xaa99, 0x8776, 0x9887, 0xa998, 0xbaa9,
    0x3322, 0x3221, 0x2211, 0x2110, 0x2211, 0x2110, 0x1100, 0x1000,
    0x1100, 0x1000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000);

#endif
