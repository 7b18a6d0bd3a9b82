/*
 * Reference intra prediction (see intra_pred_ref.h), each mode as the spec formula with the
 * spec's sample names: p(x, y) reads the neighbour edge.
 */
#include "encode/compute/intra_pred_ref.h"

static int clip1(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* p[x, -1] for x = -1..7 and p[-1, y] for y = -1..3 from the 13-sample edge. */
static int p(const int e[13], int x, int y)
{
    return y < 0 ? e[5 + x] : e[3 - y];
}

int tk_pred4x4_mode_ok(int mode, int avail)
{
    int top = (avail & TK_AVAIL_TOP) != 0, left = (avail & TK_AVAIL_LEFT) != 0;
    int tl = (avail & TK_AVAIL_TOPLEFT) != 0;
    switch (mode) {
    case TK_I4_V: case TK_I4_DDL: case TK_I4_VL: return top;
    case TK_I4_H: case TK_I4_HU: return left;
    case TK_I4_DC: return 1;
    default: return top && left && tl; /* DDR, VR, HD */
    }
}

static int pred4x4_dc(const int e[13], int avail)
{
    int st = 0, sl = 0;
    for (int i = 0; i < 4; i++) {
        st += p(e, i, -1);
        sl += p(e, -1, i);
    }
    if ((avail & TK_AVAIL_TOP) && (avail & TK_AVAIL_LEFT))
        return (st + sl + 4) >> 3;
    if (avail & TK_AVAIL_LEFT)
        return (sl + 2) >> 2;
    if (avail & TK_AVAIL_TOP)
        return (st + 2) >> 2;
    return 128;
}

/* One sample (x, y) of the directional modes 3..8, 8-49 .. 8-81. */
static int pred4x4_dir(int mode, const int e[13], int x, int y)
{
    if (mode == TK_I4_DDL) {
        if (x == 3 && y == 3)
            return (p(e, 6, -1) + 3 * p(e, 7, -1) + 2) >> 2;
        return (p(e, x + y, -1) + 2 * p(e, x + y + 1, -1) + p(e, x + y + 2, -1) + 2) >> 2;
    }
    if (mode == TK_I4_DDR) {
        if (x > y)
            return (p(e, x - y - 2, -1) + 2 * p(e, x - y - 1, -1) + p(e, x - y, -1) + 2) >> 2;
        if (x < y)
            return (p(e, -1, y - x - 2) + 2 * p(e, -1, y - x - 1) + p(e, -1, y - x) + 2) >> 2;
        return (p(e, 0, -1) + 2 * p(e, -1, -1) + p(e, -1, 0) + 2) >> 2;
    }
    if (mode == TK_I4_VR) {
        int z = 2 * x - y;
        if (z >= 0 && (z & 1) == 0)
            return (p(e, x - (y >> 1) - 1, -1) + p(e, x - (y >> 1), -1) + 1) >> 1;
        if (z >= 0)
            return (p(e, x - (y >> 1) - 2, -1) + 2 * p(e, x - (y >> 1) - 1, -1) +
                    p(e, x - (y >> 1), -1) + 2) >> 2;
        if (z == -1)
            return (p(e, -1, 0) + 2 * p(e, -1, -1) + p(e, 0, -1) + 2) >> 2;
        return (p(e, -1, y - 1) + 2 * p(e, -1, y - 2) + p(e, -1, y - 3) + 2) >> 2;
    }
    if (mode == TK_I4_HD) {
        int z = 2 * y - x;
        if (z >= 0 && (z & 1) == 0)
            return (p(e, -1, y - (x >> 1) - 1) + p(e, -1, y - (x >> 1)) + 1) >> 1;
        if (z >= 0)
            return (p(e, -1, y - (x >> 1) - 2) + 2 * p(e, -1, y - (x >> 1) - 1) +
                    p(e, -1, y - (x >> 1)) + 2) >> 2;
        if (z == -1)
            return (p(e, -1, 0) + 2 * p(e, -1, -1) + p(e, 0, -1) + 2) >> 2;
        return (p(e, x - 1, -1) + 2 * p(e, x - 2, -1) + p(e, x - 3, -1) + 2) >> 2;
    }
    if (mode == TK_I4_VL) {
        if ((y & 1) == 0)
            return (p(e, x + (y >> 1), -1) + p(e, x + (y >> 1) + 1, -1) + 1) >> 1;
        return (p(e, x + (y >> 1), -1) + 2 * p(e, x + (y >> 1) + 1, -1) +
                p(e, x + (y >> 1) + 2, -1) + 2) >> 2;
    }
    /* TK_I4_HU */
    int z = x + 2 * y;
    if (z < 5 && (z & 1) == 0)
        return (p(e, -1, y + (x >> 1)) + p(e, -1, y + (x >> 1) + 1) + 1) >> 1;
    if (z < 5)
        return (p(e, -1, y + (x >> 1)) + 2 * p(e, -1, y + (x >> 1) + 1) +
                p(e, -1, y + (x >> 1) + 2) + 2) >> 2;
    if (z == 5)
        return (p(e, -1, 2) + 3 * p(e, -1, 3) + 2) >> 2;
    return p(e, -1, 3);
}

void tk_pred4x4(int mode, const int e[13], int avail, int pred[16])
{
    int dc = pred4x4_dc(e, avail);
    for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
            int v;
            if (mode == TK_I4_V)
                v = p(e, x, -1);
            else if (mode == TK_I4_H)
                v = p(e, -1, y);
            else if (mode == TK_I4_DC)
                v = dc;
            else
                v = pred4x4_dir(mode, e, x, y);
            pred[y * 4 + x] = v;
        }
    }
}

int tk_pred16x16_mode_ok(int mode, int avail)
{
    if (mode == TK_I16_V)
        return (avail & TK_AVAIL_TOP) != 0;
    if (mode == TK_I16_H)
        return (avail & TK_AVAIL_LEFT) != 0;
    if (mode == TK_I16_DC)
        return 1;
    return (avail & (TK_AVAIL_TOP | TK_AVAIL_LEFT | TK_AVAIL_TOPLEFT)) ==
           (TK_AVAIL_TOP | TK_AVAIL_LEFT | TK_AVAIL_TOPLEFT);
}

void tk_pred16x16(int mode, const int top[16], const int left[16], int tl, int avail,
                  int pred[256])
{
    int st = 0, sl = 0;
    for (int i = 0; i < 16; i++) {
        st += top[i];
        sl += left[i];
    }
    int dc = 128;
    if ((avail & TK_AVAIL_TOP) && (avail & TK_AVAIL_LEFT))
        dc = (st + sl + 16) >> 5;
    else if (avail & TK_AVAIL_LEFT)
        dc = (sl + 8) >> 4;
    else if (avail & TK_AVAIL_TOP)
        dc = (st + 8) >> 4;
    /* plane (8-111 .. 8-116); p[-1, -1] enters as p[6 - 7, -1] and p[-1, 6 - 7] */
    int h = 0, v = 0;
    for (int i = 0; i < 8; i++) {
        int ta = 6 - i >= 0 ? top[6 - i] : tl;
        int la = 6 - i >= 0 ? left[6 - i] : tl;
        h += (i + 1) * (top[8 + i] - ta);
        v += (i + 1) * (left[8 + i] - la);
    }
    int a = 16 * (left[15] + top[15]);
    int b = (5 * h + 32) >> 6;
    int c = (5 * v + 32) >> 6;
    for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++) {
            int s;
            if (mode == TK_I16_V)
                s = top[x];
            else if (mode == TK_I16_H)
                s = left[y];
            else if (mode == TK_I16_DC)
                s = dc;
            else
                s = clip1((a + b * (x - 7) + c * (y - 7) + 16) >> 5);
            pred[y * 16 + x] = s;
        }
    }
}

int tk_pred_chroma_mode_ok(int mode, int avail)
{
    if (mode == TK_IC_DC)
        return 1;
    if (mode == TK_IC_H)
        return (avail & TK_AVAIL_LEFT) != 0;
    if (mode == TK_IC_V)
        return (avail & TK_AVAIL_TOP) != 0;
    return (avail & (TK_AVAIL_TOP | TK_AVAIL_LEFT | TK_AVAIL_TOPLEFT)) ==
           (TK_AVAIL_TOP | TK_AVAIL_LEFT | TK_AVAIL_TOPLEFT);
}

/* 8.3.4.1-8.3.4.3: DC of the 4x4 chroma block at (xo, yo). */
static int pred_chroma_dc(const int top[8], const int left[8], int avail, int xo, int yo)
{
    int st = 0, sl = 0;
    for (int i = 0; i < 4; i++) {
        st += top[xo + i];
        sl += left[yo + i];
    }
    int has_top = (avail & TK_AVAIL_TOP) != 0, has_left = (avail & TK_AVAIL_LEFT) != 0;
    if (xo == yo) { /* (0,0) and (4,4): both, else left, else top */
        if (has_top && has_left)
            return (st + sl + 4) >> 3;
        if (has_left)
            return (sl + 2) >> 2;
        if (has_top)
            return (st + 2) >> 2;
    } else if (yo == 0) { /* (4,0): top first */
        if (has_top)
            return (st + 2) >> 2;
        if (has_left)
            return (sl + 2) >> 2;
    } else { /* (0,4): left first */
        if (has_left)
            return (sl + 2) >> 2;
        if (has_top)
            return (st + 2) >> 2;
    }
    return 128;
}

void tk_pred_chroma(int mode, const int top[8], const int left[8], int tl, int avail,
                    int pred[64])
{
    int h = 0, v = 0;
    for (int i = 0; i < 4; i++) {
        int ta = 2 - i >= 0 ? top[2 - i] : tl;
        int la = 2 - i >= 0 ? left[2 - i] : tl;
        h += (i + 1) * (top[4 + i] - ta);
        v += (i + 1) * (left[4 + i] - la);
    }
    int a = 16 * (left[7] + top[7]);
    int b = (34 * h + 32) >> 6;
    int c = (34 * v + 32) >> 6;
    for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
            int s;
            if (mode == TK_IC_DC)
                s = pred_chroma_dc(top, left, avail, x & 4, y & 4);
            else if (mode == TK_IC_H)
                s = left[y];
            else if (mode == TK_IC_V)
                s = top[x];
            else
                s = clip1((a + b * (x - 3) + c * (y - 3) + 16) >> 5);
            pred[y * 8 + x] = s;
        }
    }
}
