/*
 * Reference integer transforms, quantisation and dequantisation for intra analysis (see
 * transform_ref.h). The GLSL twin is shaders/transform.glsl; keep them identical in effect.
 */
#include "encode/compute/transform_ref.h"

const int tk_zigzag4x4[16] = { 0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15 };

/* Table 8-15: QPc for qPI 30..51 (below 30, QPc = qPI). */
static const int chroma_qp_tab[22] = {
    29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39,
};

/* round(sqrt(0.85 * 2^((qp - 12) / 3))), at least 1: the usual SATD-domain lambda. */
static const int lambda_tab[52] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4,
    5, 5, 6, 7, 7, 8, 9, 10, 12, 13, 15, 17, 19, 21, 23, 26, 30, 33, 37, 42, 47, 53, 59, 66,
    74, 83,
};

/* Quantisation multipliers MF by qp % 6 for the three position classes: both coordinates
 * even, both odd, mixed. */
static const int quant_mf[6][3] = {
    { 13107, 5243, 8066 }, { 11916, 4660, 7490 }, { 10082, 4194, 6554 },
    { 9362, 3647, 5825 },  { 8192, 3355, 5243 },  { 7282, 2893, 4559 },
};
/* normAdjust4x4 (8.5.9) by qp % 6 for the same classes; flat weights make LevelScale =
 * 16 * normAdjust. */
static const int dequant_v[6][3] = {
    { 10, 16, 13 }, { 11, 18, 14 }, { 13, 20, 16 }, { 14, 23, 18 }, { 16, 25, 20 }, { 18, 29, 23 },
};

static int pos_class(int pos)
{
    int x = pos & 3, y = pos >> 2;
    if (((x | y) & 1) == 0)
        return 0;
    if ((x & y & 1) == 1)
        return 1;
    return 2;
}

static int iabs(int v)
{
    return v < 0 ? -v : v;
}

int tk_chroma_qp(int qp)
{
    return qp < 30 ? qp : chroma_qp_tab[qp - 30];
}

int tk_intra_lambda(int qp)
{
    return lambda_tab[qp];
}

int tk_satd4x4(const int res[16])
{
    int t[16];
    for (int y = 0; y < 4; y++) {
        int a0 = res[y * 4 + 0] + res[y * 4 + 1], a1 = res[y * 4 + 0] - res[y * 4 + 1];
        int a2 = res[y * 4 + 2] + res[y * 4 + 3], a3 = res[y * 4 + 2] - res[y * 4 + 3];
        t[y * 4 + 0] = a0 + a2;
        t[y * 4 + 1] = a1 + a3;
        t[y * 4 + 2] = a0 - a2;
        t[y * 4 + 3] = a1 - a3;
    }
    int sum = 0;
    for (int x = 0; x < 4; x++) {
        int a0 = t[0 + x] + t[4 + x], a1 = t[0 + x] - t[4 + x];
        int a2 = t[8 + x] + t[12 + x], a3 = t[8 + x] - t[12 + x];
        sum += iabs(a0 + a2) + iabs(a1 + a3) + iabs(a0 - a2) + iabs(a1 - a3);
    }
    return sum >> 1;
}

void tk_fdct4x4(const int res[16], int coef[16])
{
    int t[16];
    for (int y = 0; y < 4; y++) {
        int s03 = res[y * 4 + 0] + res[y * 4 + 3], d03 = res[y * 4 + 0] - res[y * 4 + 3];
        int s12 = res[y * 4 + 1] + res[y * 4 + 2], d12 = res[y * 4 + 1] - res[y * 4 + 2];
        t[y * 4 + 0] = s03 + s12;
        t[y * 4 + 1] = 2 * d03 + d12;
        t[y * 4 + 2] = s03 - s12;
        t[y * 4 + 3] = d03 - 2 * d12;
    }
    for (int x = 0; x < 4; x++) {
        int s03 = t[0 + x] + t[12 + x], d03 = t[0 + x] - t[12 + x];
        int s12 = t[4 + x] + t[8 + x], d12 = t[4 + x] - t[8 + x];
        coef[0 + x] = s03 + s12;
        coef[4 + x] = 2 * d03 + d12;
        coef[8 + x] = s03 - s12;
        coef[12 + x] = d03 - 2 * d12;
    }
}

void tk_idct4x4(const int d[16], int res[16])
{
    int f[16];
    /* each (horizontal) row: e_i0 = d_i0 + d_i2, ... (8-338..8-345) */
    for (int i = 0; i < 4; i++) {
        int e0 = d[i * 4 + 0] + d[i * 4 + 2];
        int e1 = d[i * 4 + 0] - d[i * 4 + 2];
        int e2 = (d[i * 4 + 1] >> 1) - d[i * 4 + 3];
        int e3 = d[i * 4 + 1] + (d[i * 4 + 3] >> 1);
        f[i * 4 + 0] = e0 + e3;
        f[i * 4 + 1] = e1 + e2;
        f[i * 4 + 2] = e1 - e2;
        f[i * 4 + 3] = e0 - e3;
    }
    /* then each (vertical) column, and r_ij = (h_ij + 32) >> 6 */
    for (int j = 0; j < 4; j++) {
        int g0 = f[0 + j] + f[8 + j];
        int g1 = f[0 + j] - f[8 + j];
        int g2 = (f[4 + j] >> 1) - f[12 + j];
        int g3 = f[4 + j] + (f[12 + j] >> 1);
        res[0 + j] = (g0 + g3 + 32) >> 6;
        res[4 + j] = (g1 + g2 + 32) >> 6;
        res[8 + j] = (g1 - g2 + 32) >> 6;
        res[12 + j] = (g0 - g3 + 32) >> 6;
    }
}

void tk_hadamard4x4(const int c[16], int f[16])
{
    int t[16];
    for (int i = 0; i < 4; i++) {
        int a0 = c[i * 4 + 0] + c[i * 4 + 1], a1 = c[i * 4 + 0] - c[i * 4 + 1];
        int a2 = c[i * 4 + 2] + c[i * 4 + 3], a3 = c[i * 4 + 2] - c[i * 4 + 3];
        t[i * 4 + 0] = a0 + a2;
        t[i * 4 + 1] = a0 - a2;
        t[i * 4 + 2] = a1 - a3;
        t[i * 4 + 3] = a1 + a3;
    }
    for (int j = 0; j < 4; j++) {
        int a0 = t[0 + j] + t[4 + j], a1 = t[0 + j] - t[4 + j];
        int a2 = t[8 + j] + t[12 + j], a3 = t[8 + j] - t[12 + j];
        f[0 + j] = a0 + a2;
        f[4 + j] = a0 - a2;
        f[8 + j] = a1 - a3;
        f[12 + j] = a1 + a3;
    }
}

void tk_fdc4x4(const int dc[16], int out[16])
{
    int f[16];
    tk_hadamard4x4(dc, f);
    for (int k = 0; k < 16; k++)
        out[k] = f[k] < 0 ? -((1 - f[k]) >> 1) : (f[k] + 1) >> 1;
}

void tk_hadamard2x2(const int c[4], int f[4])
{
    f[0] = c[0] + c[1] + c[2] + c[3];
    f[1] = c[0] - c[1] + c[2] - c[3];
    f[2] = c[0] + c[1] - c[2] - c[3];
    f[3] = c[0] - c[1] - c[2] + c[3];
}

/* Dead-zone quantiser: f = 2^qbits / div (div 3 for intra, 6 for inter blocks). */
static int quant(int w, int mf, int qbits, int div)
{
    int f = (1 << qbits) / div;
    int level = (iabs(w) * mf + f) >> qbits;
    if (level > TK_LEVEL_MAX)
        level = TK_LEVEL_MAX;
    return w < 0 ? -level : level;
}

int tk_quant4x4(int w, int pos, int qp)
{
    return quant(w, quant_mf[qp % 6][pos_class(pos)], 15 + qp / 6, 3);
}

int tk_quant_dc(int w, int qp)
{
    return quant(w, quant_mf[qp % 6][0], 16 + qp / 6, 3);
}

int tk_quant4x4_inter(int w, int pos, int qp)
{
    return quant(w, quant_mf[qp % 6][pos_class(pos)], 15 + qp / 6, 6);
}

int tk_quant_dc_inter(int w, int qp)
{
    return quant(w, quant_mf[qp % 6][0], 16 + qp / 6, 6);
}

int tk_dequant4x4(int c, int pos, int qp)
{
    int scale = 16 * dequant_v[qp % 6][pos_class(pos)];
    if (qp >= 24)
        return c * scale * (1 << (qp / 6 - 4));
    return (c * scale + (1 << (3 - qp / 6))) >> (4 - qp / 6);
}

int tk_dequant_luma_dc(int f, int qp)
{
    int scale = 16 * dequant_v[qp % 6][0];
    if (qp >= 36)
        return f * scale * (1 << (qp / 6 - 6));
    return (f * scale + (1 << (5 - qp / 6))) >> (6 - qp / 6);
}

int tk_dequant_chroma_dc(int f, int qp)
{
    return (f * 16 * dequant_v[qp % 6][0] * (1 << (qp / 6))) >> 5;
}

void tk_quant_consts(int qp, int32_t out[TK_QUANT_CONSTS])
{
    out[0] = qp;
    out[1] = qp / 6;
    for (int c = 0; c < 3; c++) {
        out[2 + c] = quant_mf[qp % 6][c];
        out[5 + c] = 16 * dequant_v[qp % 6][c];
    }
}
