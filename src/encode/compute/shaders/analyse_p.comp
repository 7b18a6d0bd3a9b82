/*
 * Analysis of P-picture macroblocks on the GPU, bit-exact with tk_inter_analyse_mb_ref()
 * (analyse_p_ref.c): skip map, early P_Skip, motion search (me_ref.c: integer small diamond
 * from several starts with SAD, half- then quarter-sample refinement with SATD, the
 * normative interpolation of 8.4.2.2), 16x16 / 16x8 / 8x16 partitions with their MV
 * predictions (8.4.1.3), the intra trial (analyse_narrow_mb.glsl, the same code as I
 * pictures), inter residual with decimation, reconstruction.
 *
 * Order. A macroblock reads the motion of its left, top-left, top and top-right neighbours
 * (MV prediction), their reconstruction (intra trial), and, as a search start, the MV of the
 * macroblock above even across a slice edge (analyse_p_ref.c: with one-row slices it is what
 * finds a scroll inside one picture). So slices are not independent here, unlike in I
 * pictures: macroblock (x, y) runs once (x - 1, y), (x, y - 1) and (x + 1, y - 1) are
 * finished, the wavefront x + 2y (deblock.comp walks the same one). The host records one
 * dispatch per anti-diagonal d = x + 2y with a barrier between (analyse_p_gpu.c): a batch
 * of frames shares each diagonal's barrier, and the macroblocks of a diagonal, one
 * workgroup each, run side by side.
 *
 * Parallel mapping: one workgroup of 16 threads per macroblock (the intra trial's narrow
 * shape). Every decision is computed by all 16 threads from the same shared values, so
 * control flow stays uniform and barriers may sit inside the search; the threads split each
 * candidate's distortion (SAD: a row each; SATD: a 4x4 block each), the residual (a luma
 * 4x4 block each; chroma blocks on threads 0-7) and the stores.
 *
 * Buffers: 0 source NV12, 1 recon NV12 (unfiltered; coherent: the intra trial reads the
 * neighbours'), 2 TkCodedMb[n], 3 reference NV12 (the previous picture, deblocked; read
 * only), 4 TkMbMotion[n] (holds the previous picture's motion on entry: each macroblock
 * reads its own entry as a search start before it overwrites it), 5 skip map (a byte per
 * macroblock, 4 to a word, TK_SKIP_MAP_STATIC where unchanged; read when has_skip_map).
 * Push constants: Params (analyse_p_gpu.c mirrors it).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "intra_pred.glsl"
#include "transform.glsl"

layout(local_size_x = 16) in;

layout(std430, binding = 0) readonly buffer Src { uint src_words[]; };
layout(std430, binding = 1) coherent buffer Recon { uint rec_words[]; };
layout(std430, binding = 2) coherent buffer Coded { TkCodedMb coded[]; };
layout(std430, binding = 3) readonly buffer Ref { uint ref_words[]; };
layout(std430, binding = 4) coherent buffer Motion { TkMbMotion motion[]; };
layout(std430, binding = 5) readonly buffer Skip { uint skip_words[]; };
layout(std430, binding = 6) readonly buffer TextMap { uint text_map[]; };

layout(push_constant) uniform Params {
    int luma_stride;    /* bytes per row, both planes (multiple of 16) */
    int chroma_offset;  /* byte offset of the CbCr plane */
    int mb_width;
    int mb_height;
    int qp;
    int slice_mb_rows;
    int diag;           /* this dispatch's macroblocks: x + 2y == diag */
    int first_y;        /* the smallest y on it; workgroup i takes y = first_y + i */
    int has_skip_map;
    int text_qp;        /* the QP of macroblocks text_map marks (qp without a map) */
} pc;

#include "analyse_narrow_mb.glsl"

#define COST_MAX 0x7fffffff

/* the inter macroblock being coded */
shared int s_pred_y[256];
shared int s_pred_c[128];   /* [comp * 64 + y * 8 + x] */
shared int s_prec_y[256];
shared int s_prec_c[128];
shared int s_plev[256];     /* luma levels [luma4x4BlkIdx * 16 + scan] */
shared int s_ptc[16];
shared int s_pclev[128];    /* chroma AC levels [(comp * 4 + block) * 16 + scan] */
shared int s_pctc[8];
shared int s_pcraw[8];      /* unquantised chroma DC */
shared int s_pcdc[8];       /* chroma DC levels */
shared int s_pcdq[8];       /* dequantised chroma DC */
shared int s_score[16];
/* distortion of up to 8 candidates: per-thread parts, then the sums */
shared int s_part[8 * 16];
shared int s_sum[8];

int ref_byte(int o)
{
    return int((ref_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

/* ---- interpolation (8.4.2.2), per output sample; inter_pred_ref.c ---- */

/* reference luma at (x, y), clamped into the picture (8-239, 8-240) */
int rl(int x, int y)
{
    return ref_byte(clamp(y, 0, pc.mb_height * 16 - 1) * pc.luma_stride +
                    clamp(x, 0, pc.mb_width * 16 - 1));
}

int tap6(int e, int f, int g, int h, int i, int j)
{
    return e - 5 * f + 20 * g + 20 * h - 5 * i + j;
}

int half_h(int x, int y)    /* b1 between (x, y) and (x + 1, y), 8-241 */
{
    return tap6(rl(x - 2, y), rl(x - 1, y), rl(x, y), rl(x + 1, y), rl(x + 2, y),
                rl(x + 3, y));
}

int half_v(int x, int y)    /* h1 between (x, y) and (x, y + 1), 8-242 */
{
    return tap6(rl(x, y - 2), rl(x, y - 1), rl(x, y), rl(x, y + 1), rl(x, y + 2),
                rl(x, y + 3));
}

int clip1(int v)
{
    return clamp(v, 0, 255);
}

/* One of the samples quarter positions average (Figure 8-4), `kind` at (x, y): 0 the full
 * sample G, 1 the half sample b right of it (8-243), 2 h below it (8-244), 3 j diagonal
 * (8-245, 8-247: from the b1 intermediates of rows y - 2 .. y + 3). Loops, not unrolled, keep
 * the code small: the compiler inlines this into every distortion and prediction. */
int sample_at(int kind, int x, int y)
{
    if (kind == 0)
        return rl(x, y);
    if (kind == 1)
        return clip1((half_h(x, y) + 16) >> 5);
    if (kind == 2)
        return clip1((half_v(x, y) + 16) >> 5);
    const int taps[6] = int[6](1, -5, 20, 20, -5, 1);
    int j1 = 0;
    [[dont_unroll]] for (int k = 0; k < 6; k++)
        j1 += taps[k] * half_h(x, y - 2 + k);
    return clip1((j1 + 512) >> 10);
}

/* Table 8-12 as the two samples each quarter position averages (8-250 .. 8-261; a full or
 * half position uses one): per position (frac_y * 4 + frac_x), kind | dx << 2 | dy << 3
 * for the first and second (bits 8-11), bit 16 when there is a second. */
const int QPEL[16] = int[16](
    0,                               /* G */
    0 | (1 << 8) | 0x10000,          /* a = (G + b) */
    1,                               /* b */
    (0 | 4) | (1 << 8) | 0x10000,    /* c = (H + b) */
    0 | (2 << 8) | 0x10000,          /* d = (G + h) */
    1 | (2 << 8) | 0x10000,          /* e = (b + h) */
    1 | (3 << 8) | 0x10000,          /* f = (b + j) */
    1 | ((2 | 4) << 8) | 0x10000,    /* g = (b + m) */
    2,                               /* h */
    2 | (3 << 8) | 0x10000,          /* i = (h + j) */
    3,                               /* j */
    3 | ((2 | 4) << 8) | 0x10000,    /* k = (j + m) */
    (0 | 8) | (2 << 8) | 0x10000,    /* n = (M + h) */
    2 | ((1 | 8) << 8) | 0x10000,    /* p = (h + s) */
    3 | ((1 | 8) << 8) | 0x10000,    /* q = (j + s) */
    (2 | 4) | ((1 | 8) << 8) | 0x10000 /* r = (m + s) */
);

/* The predicted luma sample whose full sample G is at (x, y) of the reference, quarter
 * offset (fx, fy) (8.4.2.2.1). */
int luma_pred(int x, int y, int fx, int fy)
{
    int e = QPEL[fy * 4 + fx], n = (e >> 16) + 1, sum = 0;
    [[dont_unroll]] for (int k = 0; k < n; k++) {
        int c = (e >> (8 * k)) & 0xff;
        sum += sample_at(c & 3, x + ((c >> 2) & 1), y + ((c >> 3) & 1));
    }
    return n == 1 ? sum : (sum + 1) >> 1;
}

/* luma sample (i, j) of macroblock (mb_x, mb_y) predicted with mv */
int luma_at(int mb_x, int mb_y, int i, int j, ivec2 mv)
{
    return luma_pred(mb_x * 16 + j + (mv.x >> 2), mb_y * 16 + i + (mv.y >> 2), mv.x & 3,
                     mv.y & 3);
}

/* chroma sample (cx, cy) of component comp predicted with the luma mv (8.4.1.4, 8-266) */
int chroma_pred(int cx, int cy, int comp, ivec2 mv)
{
    int max_x = pc.mb_width * 8 - 1, max_y = pc.mb_height * 8 - 1;
    int fx = mv.x & 7, fy = mv.y & 7;
    int ya = clamp(cy + (mv.y >> 3), 0, max_y), yb = clamp(cy + (mv.y >> 3) + 1, 0, max_y);
    int xa = clamp(cx + (mv.x >> 3), 0, max_x), xb = clamp(cx + (mv.x >> 3) + 1, 0, max_x);
    int base = pc.chroma_offset + comp;
    int A = ref_byte(base + ya * pc.luma_stride + 2 * xa);
    int B = ref_byte(base + ya * pc.luma_stride + 2 * xb);
    int C = ref_byte(base + yb * pc.luma_stride + 2 * xa);
    int D = ref_byte(base + yb * pc.luma_stride + 2 * xb);
    return ((8 - fx) * (8 - fy) * A + fx * (8 - fy) * B + (8 - fx) * fy * C + fx * fy * D +
            32) >> 6;
}

int part_at(int part, int x4, int y4)
{
    return part == TK_PART_16x8 ? y4 >> 1 : part == TK_PART_8x16 ? x4 >> 1 : 0;
}

/* Prediction of the macroblock with partitioning `part` and mv0 / mv1 into s_pred_*:
 * thread t computes luma row t and chroma row t >> 1, half t & 1. */
void predict(int t, int mb_x, int mb_y, int part, ivec2 mv0, ivec2 mv1)
{
    for (int j = 0; j < 16; j++)
        s_pred_y[t * 16 + j] =
            luma_at(mb_x, mb_y, t, j, part_at(part, j >> 2, t >> 2) == 0 ? mv0 : mv1);
    int cy = t >> 1;
    for (int k = 0; k < 4; k++) {
        int cx = (t & 1) * 4 + k;
        ivec2 mv = part_at(part, cx >> 1, cy >> 1) == 0 ? mv0 : mv1;
        for (int comp = 0; comp < 2; comp++)
            s_pred_c[comp * 64 + cy * 8 + cx] = chroma_pred(mb_x * 8 + cx, mb_y * 8 + cy, comp, mv);
    }
    barrier();
}

/* ---- residual (analyse_p_ref.c code_residual) ---- */

int decimate_score(int lev[16], int first, int n)
{
    const int run_score[16] = int[16](3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    int last = first + n - 1;
    while (last >= first && lev[last] == 0)
        last--;
    int score = 0;
    while (last >= first) {
        if (lev[last] > 1 || lev[last] < -1)
            return 9;
        int run = 0;
        last--;
        while (last >= first && lev[last] == 0) {
            run++;
            last--;
        }
        score += run_score[run];
    }
    return score;
}

int quant_inter(int w, int mf, int qbits)
{
    int f = (1 << qbits) / 6;
    int level = min((abs(w) * mf + f) >> qbits, TK_LEVEL_MAX);
    return w < 0 ? -level : level;
}

int quant4x4_inter(int w, int pos, int qp)
{
    return quant_inter(w, TK_QUANT_MF[(qp % 6) * 3 + tk_pos_class(pos)], 15 + qp / 6);
}

int quant_dc_inter(int w, int qp)
{
    return quant_inter(w, TK_QUANT_MF[(qp % 6) * 3], 16 + qp / 6);
}

/* Codes the residual of s_src_* - s_pred_* at qp into s_plev.., s_prec_*; returns the cbp
 * (every thread). */
int code_residual(int t, int qp)
{
    int qpc = tk_chroma_qp(qp);
    /* luma: thread t = luma4x4BlkIdx t */
    int bx = blk_x(t), by = blk_y(t);
    int res[16], w[16], lev[16], d[16], r[16];
    for (int i = 0; i < 16; i++) {
        int o = (by + (i >> 2)) * 16 + bx + (i & 3);
        res[i] = s_src_y[o] - s_pred_y[o];
    }
    tk_fdct4x4(res, w);
    for (int s = 0; s < 16; s++)
        lev[s] = quant4x4_inter(w[TK_ZIGZAG4x4[s]], TK_ZIGZAG4x4[s], qp);
    s_score[t] = decimate_score(lev, 0, 16);
    /* chroma: thread t < 8 = component t >> 2, block t & 3 */
    int clev[16];
    if (t < 8) {
        int comp = t >> 2, b = t & 3, cbx = (b & 1) * 4, cby = (b >> 1) * 4;
        for (int i = 0; i < 16; i++) {
            int o = comp * 64 + (cby + (i >> 2)) * 8 + cbx + (i & 3);
            res[i] = s_src_c[o] - s_pred_c[o];
        }
        tk_fdct4x4(res, w);
        s_pcraw[t] = w[0];
        clev[0] = 0;
        for (int s = 1; s < 16; s++)
            clev[s] = quant4x4_inter(w[TK_ZIGZAG4x4[s]], TK_ZIGZAG4x4[s], qpc);
    }
    barrier();
    int total = 0;
    for (int k = 0; k < 16; k++)
        total += s_score[k];
    int score8 = s_score[(t & 12)] + s_score[(t & 12) + 1] + s_score[(t & 12) + 2] +
                 s_score[(t & 12) + 3];
    bool keep = total >= TK_DECIMATE_MB && score8 >= TK_DECIMATE_8x8;
    int nz = 0;
    for (int s = 0; s < 16; s++) {
        if (!keep)
            lev[s] = 0;
        int pos = TK_ZIGZAG4x4[s];
        d[pos] = tk_dequant4x4(lev[s], pos, qp);
        nz += lev[s] != 0 ? 1 : 0;
        s_plev[t * 16 + s] = lev[s];
    }
    s_ptc[t] = nz;
    tk_idct4x4(d, r);
    for (int i = 0; i < 16; i++) {
        int o = (by + (i >> 2)) * 16 + bx + (i & 3);
        s_prec_y[o] = clamp(s_pred_y[o] + r[i], 0, 255);
    }
    barrier();  /* s_score is reused below */
    if (t < 8)
        s_score[t] = decimate_score(clev, 1, 15);
    if (t < 2) {
        int dc[4], f[4];
        for (int b = 0; b < 4; b++)
            dc[b] = s_pcraw[t * 4 + b];
        tk_hadamard2x2(dc, f);
        for (int b = 0; b < 4; b++)
            s_pcdc[t * 4 + b] = quant_dc_inter(f[b], qpc);
    }
    barrier();
    int cscore = 0;
    for (int k = 0; k < 8; k++)
        cscore += s_score[k];
    bool keep_ac = cscore >= 7;
    if (t < 2) {
        int c[4], f[4];
        for (int b = 0; b < 4; b++)
            c[b] = s_pcdc[t * 4 + b];
        tk_hadamard2x2(c, f);
        for (int b = 0; b < 4; b++)
            s_pcdq[t * 4 + b] = tk_dequant_chroma_dc(f[b], qpc);
    }
    barrier();
    if (t < 8) {
        int comp = t >> 2, b = t & 3, cbx = (b & 1) * 4, cby = (b >> 1) * 4, cnz = 0;
        d[0] = s_pcdq[t];
        for (int s = 1; s < 16; s++) {
            if (!keep_ac)
                clev[s] = 0;
            int pos = TK_ZIGZAG4x4[s];
            d[pos] = tk_dequant4x4(clev[s], pos, qpc);
            cnz += clev[s] != 0 ? 1 : 0;
        }
        for (int s = 0; s < 16; s++)
            s_pclev[t * 16 + s] = clev[s];
        s_pctc[t] = cnz;
        tk_idct4x4(d, r);
        for (int i = 0; i < 16; i++) {
            int o = comp * 64 + (cby + (i >> 2)) * 8 + cbx + (i & 3);
            s_prec_c[o] = clamp(s_pred_c[o] + r[i], 0, 255);
        }
    }
    barrier();
    int cbp = 0, any_dc = 0, any_ac = 0;
    for (int k = 0; k < 16; k++)
        if (s_ptc[k] != 0)
            cbp |= 1 << (k >> 2);
    for (int k = 0; k < 8; k++) {
        any_dc |= s_pcdc[k];
        any_ac |= s_pctc[k];
    }
    return cbp | ((any_ac != 0 ? 2 : any_dc != 0 ? 1 : 0) << 4);
}

/* The residual of a macroblock known to have none (TK_SKIP_MAP_STATIC_SAME_REF): what
 * code_residual() leaves for a cbp of 0, without computing it: no levels, and the
 * prediction as the reconstruction. */
void no_residual(int t)
{
    for (int s = 0; s < 16; s++)
        s_plev[t * 16 + s] = 0;
    s_ptc[t] = 0;
    if (t < 8) {
        for (int s = 0; s < 16; s++)
            s_pclev[t * 16 + s] = 0;
        s_pctc[t] = 0;
        s_pcdc[t] = 0;
    }
    for (int j = 0; j < 16; j++)
        s_prec_y[t * 16 + j] = s_pred_y[t * 16 + j];
    for (int j = 0; j < 8; j++)
        s_prec_c[t * 8 + j] = s_pred_c[t * 8 + j];
    barrier();
}

/* ---- stores ---- */

/* coded[n] as an inter macroblock of `type` (P_Skip: no levels) */
void store_coded(int t, int n, int type, int cbp, int qp)
{
    bool skip = type == TK_MB_PSKIP;
    for (int s = 0; s < 16; s++)
        coded[n].luma[t][s] = skip ? 0 : s_plev[t * 16 + s];
    coded[n].total_coeff[t] = skip ? 0 : s_ptc[t];
    coded[n].i4_mode[t] = 0;
    coded[n].i4_mode_syntax[t] = 0;
    coded[n].luma_dc[t] = 0;
    if (t < 8) {
        int comp = t >> 2, b = t & 3;
        for (int s = 0; s < 16; s++)
            coded[n].chroma_ac[comp][b][s] = skip ? 0 : s_pclev[t * 16 + s];
        coded[n].total_coeff_chroma[comp][b] = skip ? 0 : s_pctc[t];
        coded[n].chroma_dc[comp][b] = skip ? 0 : s_pcdc[t];
    }
    if (t == 0) {
        coded[n].type = type;
        coded[n].i16_mode = 0;
        coded[n].chroma_mode = 0;
        coded[n].cbp = skip ? 0 : cbp;
        /* as if the picture had one QP: mb_qp.comp corrects QP_Y and mb_qp_delta */
        coded[n].qp_delta = 0;
        coded[n].qp = qp;
        coded[n].qp_y = qp;
    }
}

/* the macroblock's recon from s_prec_* (thread t: luma row t, 2 chroma words) */
void store_recon(int t, int mb_x, int mb_y)
{
    int stride = pc.luma_stride, x0 = mb_x * 16;
    int row = (mb_y * 16 + t) * stride + x0;
    for (int i = 0; i < 4; i++) {
        int o = t * 16 + i * 4;
        rec_words[(row >> 2) + i] = uint(s_prec_y[o]) | (uint(s_prec_y[o + 1]) << 8) |
                                    (uint(s_prec_y[o + 2]) << 16) | (uint(s_prec_y[o + 3]) << 24);
    }
    int cy = t >> 1;
    int crow = pc.chroma_offset + (mb_y * 8 + cy) * stride + x0;
    for (int i = 0; i < 2; i++) {
        int wi = (t & 1) * 2 + i;
        int px = cy * 8 + 2 * wi;
        rec_words[(crow >> 2) + wi] = uint(s_prec_c[px]) | (uint(s_prec_c[64 + px]) << 8) |
                                      (uint(s_prec_c[px + 1]) << 16) |
                                      (uint(s_prec_c[64 + px + 1]) << 24);
    }
}

void store_motion(int t, int n, int ref_idx, int part, ivec2 mv0, ivec2 mv1, ivec2 mvd0,
                  ivec2 mvd1)
{
    if (t == 0) {
        motion[n].ref_idx = ref_idx;
        motion[n].part = part;
        motion[n].mv[0][0] = mv0.x;
        motion[n].mv[0][1] = mv0.y;
        motion[n].mv[1][0] = mv1.x;
        motion[n].mv[1][1] = mv1.y;
        motion[n].mvd[0][0] = mvd0.x;
        motion[n].mvd[0][1] = mvd0.y;
        motion[n].mvd[1][0] = mvd1.x;
        motion[n].mvd[1][1] = mvd1.y;
    }
}

/* ---- MV prediction (mvpred_ref.c) ---- */

/* Neighbour N at luma location (xn, yn) relative to the macroblock (Table 6-3) of
 * partition part_idx of `part`; cur_mv0 is partition 0's MV (read for part_idx 1).
 * Returns (avail, ref_idx, mv.x, mv.y). */
ivec4 neighbour(int mb_x, int mb_y, int part, int part_idx, ivec2 cur_mv0, int xn, int yn)
{
    bool top = mb_y % pc.slice_mb_rows != 0;
    int idx = mb_y * pc.mb_width + mb_x, m = -1;
    if (yn < 0) {
        if (xn < 0)
            m = top && mb_x > 0 ? idx - pc.mb_width - 1 : -1;
        else if (xn < 16)
            m = top ? idx - pc.mb_width : -1;
        else
            m = top && mb_x + 1 < pc.mb_width ? idx - pc.mb_width + 1 : -1;
    } else if (xn < 0) {
        m = mb_x > 0 ? idx - 1 : -1;
    } else if (xn < 16) {
        /* only a partition decoded before this one: partition 0, ref_idx 0 */
        if (part_at(part, xn >> 2, yn >> 2) < part_idx)
            return ivec4(1, 0, cur_mv0);
    }
    if (m < 0)
        return ivec4(0, -1, 0, 0);
    if (motion[m].ref_idx < 0)
        return ivec4(1, -1, 0, 0);
    int p = part_at(motion[m].part, (xn & 15) >> 2, (yn & 15) >> 2);
    return ivec4(1, motion[m].ref_idx, motion[m].mv[p][0], motion[m].mv[p][1]);
}

int median3(int a, int b, int c)
{
    return clamp(c, min(a, b), max(a, b));
}

/* mvpLX of partition part_idx (8.4.1.3); nb[0..3] = A, B, C, D */
ivec2 mvpred(ivec4 nb[4], int part, int part_idx)
{
    ivec4 a = nb[0], b = nb[1], c = nb[2].x != 0 ? nb[2] : nb[3];
    if (b.x == 0 && c.x == 0 && a.x != 0) {
        b = a;
        c = a;
    }
    if (part == TK_PART_16x8) {
        if (part_idx == 0 && b.y == 0)
            return b.zw;
        if (part_idx == 1 && a.y == 0)
            return a.zw;
    } else if (part == TK_PART_8x16) {
        if (part_idx == 0 && a.y == 0)
            return a.zw;
        if (part_idx == 1 && c.y == 0)
            return c.zw;
    }
    int same = (a.y == 0 ? 1 : 0) + (b.y == 0 ? 1 : 0) + (c.y == 0 ? 1 : 0);
    if (same == 1)
        return a.y == 0 ? a.zw : b.y == 0 ? b.zw : c.zw;
    return ivec2(median3(a.z, b.z, c.z), median3(a.w, b.w, c.w));
}

void gather(int mb_x, int mb_y, int part, int part_idx, ivec2 cur_mv0, out ivec4 nb[4])
{
    int x = part == TK_PART_8x16 ? 8 * part_idx : 0;
    int y = part == TK_PART_16x8 ? 8 * part_idx : 0;
    int w = part == TK_PART_8x16 ? 8 : 16;
    nb[0] = neighbour(mb_x, mb_y, part, part_idx, cur_mv0, x - 1, y);
    nb[1] = neighbour(mb_x, mb_y, part, part_idx, cur_mv0, x, y - 1);
    nb[2] = neighbour(mb_x, mb_y, part, part_idx, cur_mv0, x + w, y - 1);
    nb[3] = neighbour(mb_x, mb_y, part, part_idx, cur_mv0, x - 1, y - 1);
}

/* ---- motion search (me_ref.c) ---- */

int se_bits(int v)
{
    uint code = v > 0 ? 2u * uint(v) - 1u : 2u * uint(-v);
    int len = 1;
    while (((code + 1u) >> uint(len / 2 + 1)) != 0u)
        len += 2;
    return len;
}

int mv_bits(ivec2 mv, ivec2 mvp)
{
    return se_bits(mv.x - mvp.x) + se_bits(mv.y - mvp.y);
}

/* the partition searched: macroblock (mb.x, mb.y), block blk = (x, y, w, h) inside it */
ivec2 g_mb;
ivec4 g_blk;

/* Distortions of n candidates (SAD, or SATD over 4x4 blocks) into s_sum[0..n-1]: thread t
 * takes row t of the block (SAD) or its 4x4 block t (SATD), 16 differences either way, so
 * the prediction is written once (the compiler inlines it at every call). */
void distortions(int t, int n, ivec2 cand[8], bool satd)
{
    int bx = g_blk.x, by = g_blk.y, bw = g_blk.z, bh = g_blk.w;
    int ox = (t & 3) * 4, oy = (t >> 2) * 4;
    bool inside = satd ? ox < bw && oy < bh : t < bh;
    [[dont_unroll]] for (int c = 0; c < n; c++) {
        int res[16];
        [[dont_unroll]] for (int i = 0; i < 16; i++) {
            int y = satd ? by + oy + (i >> 2) : by + t, x = satd ? bx + ox + (i & 3) : bx + i;
            res[i] = inside && (satd || i < bw)
                         ? s_src_y[y * 16 + x] - luma_at(g_mb.x, g_mb.y, y, x, cand[c]) : 0;
        }
        int sum = 0;
        if (satd) {
            sum = inside ? tk_satd4x4(res) : 0;
        } else {
            for (int i = 0; i < 16; i++)
                sum += abs(res[i]);
        }
        s_part[c * 16 + t] = sum;
    }
    barrier();
    if (t < n) {
        int s = 0;
        for (int k = 0; k < 16; k++)
            s += s_part[t * 16 + k];
        s_sum[t] = s;
    }
    barrier();
}

int satd_cost(int t, ivec2 mv, ivec2 mvp, int lambda)
{
    ivec2 cand[8];
    cand[0] = mv;
    distortions(t, 1, cand, true);
    int c = s_sum[0] + lambda * mv_bits(mv, mvp);
    barrier();  /* s_sum is rewritten by the next call */
    return c;
}

bool mv_ok(ivec2 c)
{
    return abs(c.x) <= TK_MV_MAX && abs(c.y) <= TK_MV_MAX;
}

void diamond(int t, ivec2 mvp, int lambda, ivec2 start, inout ivec2 best, inout int best_cost)
{
    const ivec2 dirs[4] = ivec2[4](ivec2(0, -4), ivec2(-4, 0), ivec2(4, 0), ivec2(0, 4));
    ivec2 cand[8];
    cand[0] = start;
    distortions(t, 1, cand, false);
    ivec2 cur = start;
    int cur_cost = s_sum[0] + lambda * mv_bits(cur, mvp);
    barrier();
    for (int step = 0; step < TK_ME_STEPS; step++) {
        for (int d = 0; d < 4; d++)
            cand[d] = cur + dirs[d];
        distortions(t, 4, cand, false);
        int next = -1, next_cost = cur_cost;
        for (int d = 0; d < 4; d++) {
            ivec2 c = cand[d];
            if (abs(c.x - start.x) > 4 * TK_ME_RANGE || abs(c.y - start.y) > 4 * TK_ME_RANGE ||
                !mv_ok(c))
                continue;
            int cost = s_sum[d] + lambda * mv_bits(c, mvp);
            if (cost < next_cost) {
                next = d;
                next_cost = cost;
            }
        }
        barrier();
        if (next < 0)
            break;
        cur += dirs[next];
        cur_cost = next_cost;
    }
    if (cur_cost < best_cost) {
        best = cur;
        best_cost = cur_cost;
    }
}

void refine(int t, ivec2 mvp, int lambda, int d, inout ivec2 best, inout int best_cost)
{
    ivec2 center = best, cand[8];
    int n = 0;
    for (int dy = -d; dy <= d; dy += d)
        for (int dx = -d; dx <= d; dx += d)
            if (dx != 0 || dy != 0)
                cand[n++] = center + ivec2(dx, dy);
    distortions(t, 8, cand, true);
    for (int k = 0; k < 8; k++) {
        if (!mv_ok(cand[k]))
            continue;
        int cost = s_sum[k] + lambda * mv_bits(cand[k], mvp);
        if (cost < best_cost) {
            best = cand[k];
            best_cost = cost;
        }
    }
    barrier();
}

ivec2 whole(ivec2 v)
{
    return clamp((v + 2) & ~3, ivec2(-TK_MV_MAX), ivec2(TK_MV_MAX));
}

/* tk_me_search_ref(): returns (mv.x, mv.y, cost) */
ivec3 me_search(int t, ivec2 mvp, ivec2 extra[TK_ME_MAX_STARTS], int n_extra, int lambda)
{
    ivec2 starts[2 + TK_ME_MAX_STARTS];
    int n = 0;
    starts[n++] = whole(mvp);
    starts[n++] = whole(ivec2(0));
    for (int i = 0; i < n_extra && i < TK_ME_MAX_STARTS; i++)
        starts[n++] = whole(extra[i]);
    ivec2 best = ivec2(0);
    int best_cost = COST_MAX;
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || starts[j] == starts[i];
        if (!seen)
            diamond(t, mvp, lambda, starts[i], best, best_cost);
    }
    best_cost = satd_cost(t, best, mvp, lambda);
    [[dont_unroll]] for (int d = 2; d >= 1; d--)
        refine(t, mvp, lambda, d, best, best_cost);
    if (best != mvp) {
        int c = satd_cost(t, mvp, mvp, lambda);
        if (c < best_cost) {
            best = mvp;
            best_cost = c;
        }
    }
    return ivec3(best, best_cost);
}

/* ---- the macroblock ---- */

/* What is being coded: STATIC (skip map, MV 0), EARLY (at the P_Skip MV), FINAL (the
 * decision's partitions and MVs). One loop with one prediction and residual call, because
 * the compiler inlines every call and this shader must stay small. */
#define TRY_STATIC 0
#define TRY_EARLY 1
#define TRY_FINAL 2

void analyse_p_mb(int t, int mb_x, int mb_y)
{
    int idx = mb_y * pc.mb_width + mb_x;
    int qp = tk_mb_qp(idx);
    ivec4 nb[4];
    gather(mb_x, mb_y, TK_PART_16x16, 0, ivec2(0), nb);
    ivec2 mvp = mvpred(nb, TK_PART_16x16, 0);
    /* 8.4.1.1: P_Skip MV (0, 0) when A or B is unavailable or a zero MV into picture 0 */
    ivec2 mv_skip = nb[0].x == 0 || nb[1].x == 0 || (nb[0].y == 0 && nb[0].zw == ivec2(0)) ||
                            (nb[1].y == 0 && nb[1].zw == ivec2(0))
                        ? ivec2(0) : mvp;
    /* the previous picture's motion of this macroblock, read before it is overwritten */
    int prev_ref = motion[idx].ref_idx;
    ivec2 prev_mv = ivec2(motion[idx].mv[0][0], motion[idx].mv[0][1]);
    /* coded 16x16 at MV (0, 0) with no residual there (analyse_p_ref.c was_zero) */
    bool was_zero = prev_ref == 0 && motion[idx].part == TK_PART_16x16 &&
                    prev_mv == ivec2(0) && coded[idx].cbp == 0 && coded[idx].qp == qp;
    load_mb(t, mb_x, mb_y, mb_avail(mb_x, mb_y));
    barrier();

    /* 1. static per the renderer: MV (0, 0), no search, no intra trial; with the same
     * reference too, after a picture that coded nothing here, no residual either */
    int map = pc.has_skip_map != 0 ? int((skip_words[idx >> 2] >> (8 * (idx & 3))) & 0xffu)
                                   : TK_SKIP_MAP_CHANGED;
    bool static_mb = map == TK_SKIP_MAP_STATIC || map == TK_SKIP_MAP_STATIC_SAME_REF;
    bool reuse = map == TK_SKIP_MAP_STATIC_SAME_REF && was_zero;
    int stage = static_mb ? TRY_STATIC : TRY_EARLY;
    int best_part = TK_PART_16x16;
    ivec2 best_mv0 = ivec2(0), best_mv1 = ivec2(0), best_mvd0 = ivec2(0), best_mvd1 = ivec2(0);
    [[dont_unroll]] for (;;) {
        ivec2 m0 = stage == TRY_STATIC ? ivec2(0) : stage == TRY_EARLY ? mv_skip : best_mv0;
        ivec2 m1 = stage == TRY_STATIC ? ivec2(0) : stage == TRY_EARLY ? mv_skip : best_mv1;
        predict(t, mb_x, mb_y, stage == TRY_FINAL ? best_part : TK_PART_16x16, m0, m1);
        int cbp = 0;
        if (stage == TRY_STATIC && reuse)
            no_residual(t);
        else
            cbp = code_residual(t, qp);
        /* P_Skip: nothing to code and the P_Skip MV (a 16x16 macroblock) */
        bool skip = cbp == 0 && (stage == TRY_STATIC ? mv_skip == ivec2(0)
                                 : stage == TRY_EARLY || (best_part == TK_PART_16x16 &&
                                                          best_mv0 == mv_skip));
        if (skip) {
            store_coded(t, idx, TK_MB_PSKIP, 0, qp);
            store_motion(t, idx, 0, TK_PART_16x16, mv_skip, mv_skip, ivec2(0), ivec2(0));
            store_recon(t, mb_x, mb_y);
            return;
        }
        if (stage == TRY_STATIC) {
            /* a residual left over, or a P_Skip MV that would move the block: (0, 0)
             * said explicitly */
            store_coded(t, idx, TK_MB_PL0, cbp, qp);
            store_motion(t, idx, 0, TK_PART_16x16, ivec2(0), ivec2(0), -mvp, -mvp);
            store_recon(t, mb_x, mb_y);
            return;
        }
        if (stage == TRY_FINAL) {
            store_coded(t, idx, TK_MB_PL0, cbp, qp);
            store_motion(t, idx, 0, best_part, best_mv0, best_mv1, best_mvd0, best_mvd1);
            store_recon(t, mb_x, mb_y);
            return;
        }

        /* 3. inter (16x16, then the halves also starting from its MV) against intra.
         * Searches: 0 the 16x16, 1-2 the halves of 16x8, 3-4 those of 8x16, in order. */
        int lambda = TK_LAMBDA_TAB[qp];
        ivec2 extra[TK_ME_MAX_STARTS];
        int n_extra = 0;
        if (prev_ref == 0)
            extra[n_extra++] = prev_mv;
        if (mb_y > 0 && motion[idx - pc.mb_width].ref_idx == 0)
            extra[n_extra++] = ivec2(motion[idx - pc.mb_width].mv[1][0],
                                     motion[idx - pc.mb_width].mv[1][1]);
        g_mb = ivec2(mb_x, mb_y);
        int inter_cost = 0, cost = 0;
        ivec2 mv0 = ivec2(0), mvd0 = ivec2(0);
        [[dont_unroll]] for (int srch = 0; srch < 5; srch++) {
            int part = srch == 0 ? TK_PART_16x16 : srch < 3 ? TK_PART_16x8 : TK_PART_8x16;
            int k = srch == 0 ? 0 : (srch - 1) & 1;
            g_blk = ivec4(part == TK_PART_8x16 ? 8 * k : 0, part == TK_PART_16x8 ? 8 * k : 0,
                          part == TK_PART_8x16 ? 8 : 16, part == TK_PART_16x8 ? 8 : 16);
            /* partition 1 is predicted with partition 0's MV in place (8.4.1.3) */
            gather(mb_x, mb_y, part, k, mv0, nb);
            ivec2 p = mvpred(nb, part, k);
            ivec3 r = me_search(t, p, extra, n_extra, lambda);
            if (srch == 0) {
                inter_cost = r.z;
                best_mv0 = r.xy;
                best_mv1 = r.xy;
                best_mvd0 = r.xy - p;
                best_mvd1 = r.xy - p;
                extra[n_extra++] = r.xy;
            } else if (k == 0) {
                /* the bits mb_type 1 or 2 spends over mb_type 0 (ue(v): 3 against 1) */
                cost = 2 * lambda + r.z;
                mv0 = r.xy;
                mvd0 = r.xy - p;
            } else {
                cost += r.z;
                if (cost < inter_cost) {
                    inter_cost = cost;
                    best_part = part;
                    best_mv0 = mv0;
                    best_mvd0 = mvd0;
                    best_mv1 = r.xy;
                    best_mvd1 = r.xy - p;
                }
                mv0 = ivec2(0);
            }
        }
        int intra_cost = analyse_mb(t, mb_x, mb_y) + lambda * TK_P_INTRA_EXTRA_BITS;
        if (intra_cost < inter_cost) {
            /* coded[] and recon hold the intra macroblock */
            store_motion(t, idx, TK_REF_NONE, TK_PART_16x16, ivec2(0), ivec2(0), ivec2(0),
                         ivec2(0));
            return;
        }
        stage = TRY_FINAL;
    }
}

void main()
{
    int t = int(gl_LocalInvocationIndex);
    int mb_y = pc.first_y + int(gl_WorkGroupID.x);
    int mb_x = pc.diag - 2 * mb_y;
    analyse_p_mb(t, mb_x, mb_y);
}
