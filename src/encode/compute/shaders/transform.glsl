/*
 * GLSL twin of transform_ref.c: the integer transforms, quantisation and dequantisation of
 * intra analysis. Same names, same arithmetic (int32; >> of a negative int is arithmetic in
 * both), so analyse.comp matches the C reference bit for bit. Keep the two in step.
 *
 * The second half has the same operations cut for one thread per output (tk_*_at: one
 * coefficient or sample of a 4x4 transform from the whole input block; the forward
 * transforms are exact integer sums, and the inverse one keeps the spec's row-then-column
 * order with its >> 1 steps, so each output equals the butterfly's), and quantisation with
 * the per-QP constants looked up once (TkQuant) instead of per coefficient.
 */
#ifndef TK_TRANSFORM_GLSL
#define TK_TRANSFORM_GLSL

#define TK_LEVEL_MAX 2047

const int TK_ZIGZAG4x4[16] = int[16](0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15);

const int TK_CHROMA_QP_TAB[22] = int[22](29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37,
                                         37, 37, 38, 38, 38, 39, 39, 39, 39);

const int TK_LAMBDA_TAB[52] = int[52](1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
    2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 7, 8, 9, 10, 12, 13, 15, 17, 19, 21, 23, 26, 30, 33, 37,
    42, 47, 53, 59, 66, 74, 83);

/* [qp % 6][class]: class 0 both coordinates even, 1 both odd, 2 mixed */
const int TK_QUANT_MF[18] = int[18](13107, 5243, 8066, 11916, 4660, 7490, 10082, 4194, 6554,
                                    9362, 3647, 5825, 8192, 3355, 5243, 7282, 2893, 4559);
const int TK_DEQUANT_V[18] = int[18](10, 16, 13, 11, 18, 14, 13, 20, 16, 14, 23, 18, 16, 25,
                                     20, 18, 29, 23);

int tk_pos_class(int pos)
{
    int x = pos & 3, y = pos >> 2;
    if (((x | y) & 1) == 0)
        return 0;
    if ((x & y & 1) == 1)
        return 1;
    return 2;
}

int tk_chroma_qp(int qp)
{
    return qp < 30 ? qp : TK_CHROMA_QP_TAB[qp - 30];
}

int tk_satd4x4(int res[16])
{
    int t[16];
    [[unroll]] for (int y = 0; y < 4; y++) {
        int a0 = res[y * 4 + 0] + res[y * 4 + 1], a1 = res[y * 4 + 0] - res[y * 4 + 1];
        int a2 = res[y * 4 + 2] + res[y * 4 + 3], a3 = res[y * 4 + 2] - res[y * 4 + 3];
        t[y * 4 + 0] = a0 + a2;
        t[y * 4 + 1] = a1 + a3;
        t[y * 4 + 2] = a0 - a2;
        t[y * 4 + 3] = a1 - a3;
    }
    int sum = 0;
    [[unroll]] for (int x = 0; x < 4; x++) {
        int a0 = t[0 + x] + t[4 + x], a1 = t[0 + x] - t[4 + x];
        int a2 = t[8 + x] + t[12 + x], a3 = t[8 + x] - t[12 + x];
        sum += abs(a0 + a2) + abs(a1 + a3) + abs(a0 - a2) + abs(a1 - a3);
    }
    return sum >> 1;
}

void tk_fdct4x4(int res[16], out int coef[16])
{
    int t[16];
    [[unroll]] for (int y = 0; y < 4; y++) {
        int s03 = res[y * 4 + 0] + res[y * 4 + 3], d03 = res[y * 4 + 0] - res[y * 4 + 3];
        int s12 = res[y * 4 + 1] + res[y * 4 + 2], d12 = res[y * 4 + 1] - res[y * 4 + 2];
        t[y * 4 + 0] = s03 + s12;
        t[y * 4 + 1] = 2 * d03 + d12;
        t[y * 4 + 2] = s03 - s12;
        t[y * 4 + 3] = d03 - 2 * d12;
    }
    [[unroll]] for (int x = 0; x < 4; x++) {
        int s03 = t[0 + x] + t[12 + x], d03 = t[0 + x] - t[12 + x];
        int s12 = t[4 + x] + t[8 + x], d12 = t[4 + x] - t[8 + x];
        coef[0 + x] = s03 + s12;
        coef[4 + x] = 2 * d03 + d12;
        coef[8 + x] = s03 - s12;
        coef[12 + x] = d03 - 2 * d12;
    }
}

/* 8.5.12.2: rows, then columns, then (x + 32) >> 6 */
void tk_idct4x4(int d[16], out int res[16])
{
    int f[16];
    [[unroll]] for (int i = 0; i < 4; i++) {
        int e0 = d[i * 4 + 0] + d[i * 4 + 2];
        int e1 = d[i * 4 + 0] - d[i * 4 + 2];
        int e2 = (d[i * 4 + 1] >> 1) - d[i * 4 + 3];
        int e3 = d[i * 4 + 1] + (d[i * 4 + 3] >> 1);
        f[i * 4 + 0] = e0 + e3;
        f[i * 4 + 1] = e1 + e2;
        f[i * 4 + 2] = e1 - e2;
        f[i * 4 + 3] = e0 - e3;
    }
    [[unroll]] for (int j = 0; j < 4; j++) {
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

void tk_hadamard4x4(int c[16], out int f[16])
{
    int t[16];
    [[unroll]] for (int i = 0; i < 4; i++) {
        int a0 = c[i * 4 + 0] + c[i * 4 + 1], a1 = c[i * 4 + 0] - c[i * 4 + 1];
        int a2 = c[i * 4 + 2] + c[i * 4 + 3], a3 = c[i * 4 + 2] - c[i * 4 + 3];
        t[i * 4 + 0] = a0 + a2;
        t[i * 4 + 1] = a0 - a2;
        t[i * 4 + 2] = a1 - a3;
        t[i * 4 + 3] = a1 + a3;
    }
    [[unroll]] for (int j = 0; j < 4; j++) {
        int a0 = t[0 + j] + t[4 + j], a1 = t[0 + j] - t[4 + j];
        int a2 = t[8 + j] + t[12 + j], a3 = t[8 + j] - t[12 + j];
        f[0 + j] = a0 + a2;
        f[4 + j] = a0 - a2;
        f[8 + j] = a1 - a3;
        f[12 + j] = a1 + a3;
    }
}

void tk_fdc4x4(int dc[16], out int o[16])
{
    int f[16];
    tk_hadamard4x4(dc, f);
    [[unroll]] for (int k = 0; k < 16; k++)
        o[k] = f[k] < 0 ? -((1 - f[k]) >> 1) : (f[k] + 1) >> 1;
}

void tk_hadamard2x2(int c[4], out int f[4])
{
    f[0] = c[0] + c[1] + c[2] + c[3];
    f[1] = c[0] - c[1] + c[2] - c[3];
    f[2] = c[0] + c[1] - c[2] - c[3];
    f[3] = c[0] - c[1] - c[2] + c[3];
}

int tk_quant(int w, int mf, int qbits)
{
    int f = (1 << qbits) / 3;
    int level = min((abs(w) * mf + f) >> qbits, TK_LEVEL_MAX);
    return w < 0 ? -level : level;
}

int tk_quant4x4(int w, int pos, int qp)
{
    return tk_quant(w, TK_QUANT_MF[(qp % 6) * 3 + tk_pos_class(pos)], 15 + qp / 6);
}

int tk_quant_dc(int w, int qp)
{
    return tk_quant(w, TK_QUANT_MF[(qp % 6) * 3], 16 + qp / 6);
}

int tk_dequant4x4(int c, int pos, int qp)
{
    int scale = 16 * TK_DEQUANT_V[(qp % 6) * 3 + tk_pos_class(pos)];
    if (qp >= 24)
        return c * scale * (1 << (qp / 6 - 4));
    return (c * scale + (1 << (3 - qp / 6))) >> (4 - qp / 6);
}

int tk_dequant_luma_dc(int f, int qp)
{
    int scale = 16 * TK_DEQUANT_V[(qp % 6) * 3];
    if (qp >= 36)
        return f * scale * (1 << (qp / 6 - 6));
    return (f * scale + (1 << (5 - qp / 6))) >> (6 - qp / 6);
}

int tk_dequant_chroma_dc(int f, int qp)
{
    return (f * 16 * TK_DEQUANT_V[(qp % 6) * 3] * (1 << (qp / 6))) >> 5;
}

/* ---- one output per thread ---- */

/* Scan position <-> raster position of a 4x4 block (TK_ZIGZAG4x4 and its inverse), as
 * nibbles: no runtime-indexed array, which some compilers put in local memory. */
int tk_zigzag_pos(int scan)
{
    uint w = scan < 8 ? 0x63258410u : 0xfeb7adc9u;
    return int((w >> (4 * (scan & 7))) & 15u);
}

int tk_zigzag_scan(int pos)
{
    uint w = pos < 8 ? 0xc7426510u : 0xfea9db83u;
    return int((w >> (4 * (pos & 7))) & 15u);
}

/* output u of the 4-point forward core transform of r0..r3 (rows of tk_fdct4x4) */
int tk_fdct4_pick(int u, int r0, int r1, int r2, int r3)
{
    int s03 = r0 + r3, d03 = r0 - r3, s12 = r1 + r2, d12 = r1 - r2;
    return u == 0 ? s03 + s12 : u == 1 ? 2 * d03 + d12 : u == 2 ? s03 - s12 : d03 - 2 * d12;
}

/* coef[pos] of tk_fdct4x4(res) */
int tk_fdct4x4_at(int res[16], int pos)
{
    int u = pos & 3;
    int t0 = tk_fdct4_pick(u, res[0], res[1], res[2], res[3]);
    int t1 = tk_fdct4_pick(u, res[4], res[5], res[6], res[7]);
    int t2 = tk_fdct4_pick(u, res[8], res[9], res[10], res[11]);
    int t3 = tk_fdct4_pick(u, res[12], res[13], res[14], res[15]);
    return tk_fdct4_pick(pos >> 2, t0, t1, t2, t3);
}

/* output j of the 4-point inverse core transform (8.5.12.2) */
int tk_idct4_pick(int j, int d0, int d1, int d2, int d3)
{
    int e0 = d0 + d2, e1 = d0 - d2, e2 = (d1 >> 1) - d3, e3 = d1 + (d3 >> 1);
    return j == 0 ? e0 + e3 : j == 1 ? e1 + e2 : j == 2 ? e1 - e2 : e0 - e3;
}

/* res[i] of tk_idct4x4(d): the four row outputs of column i & 3, then that column */
int tk_idct4x4_at(int d[16], int i)
{
    int x = i & 3;
    int f0 = tk_idct4_pick(x, d[0], d[1], d[2], d[3]);
    int f1 = tk_idct4_pick(x, d[4], d[5], d[6], d[7]);
    int f2 = tk_idct4_pick(x, d[8], d[9], d[10], d[11]);
    int f3 = tk_idct4_pick(x, d[12], d[13], d[14], d[15]);
    return (tk_idct4_pick(i >> 2, f0, f1, f2, f3) + 32) >> 6;
}

int tk_hadamard4_pick(int j, int c0, int c1, int c2, int c3)
{
    int a0 = c0 + c1, a1 = c0 - c1, a2 = c2 + c3, a3 = c2 - c3;
    return j == 0 ? a0 + a2 : j == 1 ? a0 - a2 : j == 2 ? a1 - a3 : a1 + a3;
}

/* f[pos] of tk_hadamard4x4(c) */
int tk_hadamard4x4_at(int c[16], int pos)
{
    int u = pos & 3;
    int t0 = tk_hadamard4_pick(u, c[0], c[1], c[2], c[3]);
    int t1 = tk_hadamard4_pick(u, c[4], c[5], c[6], c[7]);
    int t2 = tk_hadamard4_pick(u, c[8], c[9], c[10], c[11]);
    int t3 = tk_hadamard4_pick(u, c[12], c[13], c[14], c[15]);
    return tk_hadamard4_pick(pos >> 2, t0, t1, t2, t3);
}

/* o[pos] of tk_fdc4x4(dc) */
int tk_fdc4x4_at(int dc[16], int pos)
{
    int f = tk_hadamard4x4_at(dc, pos);
    return f < 0 ? -((1 - f) >> 1) : (f + 1) >> 1;
}

/* f[b] of tk_hadamard2x2(c0..c3) */
int tk_hadamard2x2_at(int b, int c0, int c1, int c2, int c3)
{
    return b == 0 ? c0 + c1 + c2 + c3 : b == 1 ? c0 - c1 + c2 - c3 :
           b == 2 ? c0 + c1 - c2 - c3 : c0 - c1 - c2 + c3;
}

/* The constants of one QP: multiplication factors and dequantisation scales (16 * v) of
 * the three position classes, qp / 6. */
struct TkQuant {
    int qp, qp6;
    int mf0, mf1, mf2;
    int dq0, dq1, dq2;
};

TkQuant tk_quant_params(int qp)
{
    int r = (qp % 6) * 3;
    TkQuant q;
    q.qp = qp;
    q.qp6 = qp / 6;
    q.mf0 = TK_QUANT_MF[r];
    q.mf1 = TK_QUANT_MF[r + 1];
    q.mf2 = TK_QUANT_MF[r + 2];
    q.dq0 = 16 * TK_DEQUANT_V[r];
    q.dq1 = 16 * TK_DEQUANT_V[r + 1];
    q.dq2 = 16 * TK_DEQUANT_V[r + 2];
    return q;
}

/* tk_quant4x4(w, pos, q.qp) */
int tk_quant4x4_q(TkQuant q, int w, int pos)
{
    int c = tk_pos_class(pos);
    return tk_quant(w, c == 0 ? q.mf0 : c == 1 ? q.mf1 : q.mf2, 15 + q.qp6);
}

/* tk_quant_dc(w, q.qp) */
int tk_quant_dc_q(TkQuant q, int w)
{
    return tk_quant(w, q.mf0, 16 + q.qp6);
}

/* tk_dequant4x4(c, pos, q.qp) */
int tk_dequant4x4_q(TkQuant q, int c, int pos)
{
    int cls = tk_pos_class(pos);
    int scale = cls == 0 ? q.dq0 : cls == 1 ? q.dq1 : q.dq2;
    if (q.qp6 >= 4)
        return c * scale * (1 << (q.qp6 - 4));
    return (c * scale + (1 << (3 - q.qp6))) >> (4 - q.qp6);
}

/* tk_dequant_luma_dc(f, q.qp) */
int tk_dequant_luma_dc_q(TkQuant q, int f)
{
    if (q.qp6 >= 6)
        return f * q.dq0 * (1 << (q.qp6 - 6));
    return (f * q.dq0 + (1 << (5 - q.qp6))) >> (6 - q.qp6);
}

/* tk_dequant_chroma_dc(f, q.qp) */
int tk_dequant_chroma_dc_q(TkQuant q, int f)
{
    return (f * q.dq0 * (1 << q.qp6)) >> 5;
}

#endif
