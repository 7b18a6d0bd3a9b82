/*
 * Intra analysis on the GPU: the same work as tk_intra_analyse_mb_ref() (analyse_ref.c),
 * bit-exact with it: prediction, mode decision, transform, quantisation, reconstruction.
 *
 * Parallel mapping: one workgroup per slice (slice_mb_rows rows of macroblocks; slices never
 * predict from each other), walking its macroblocks in raster order: a macroblock needs its
 * left neighbour's reconstruction, so inside a slice the work is a chain, and the point is
 * to make each macroblock short. 160 threads (5 warps of 32) per workgroup, barriers between
 * the steps:
 *   load      one global word or one copy per thread: source (luma, chroma), top edges from
 *             the recon buffer and the top macroblock's 4x4 modes, all fetched into
 *             registers one macroblock ahead; the left edges from the previous macroblock
 *             (still in shared memory).
 *   I4x4      the 16 blocks in order (each predicts from the previous ones' recon), 4 steps
 *             each: A) threads 0-143 = (mode, sample): prediction and residual of each of
 *             the 9 modes (a 4-tap formula per sample, TK_PRED4x4_TAPS); B) threads 0-8:
 *             SATD + lambda * bits of one mode; C) threads 0-15: each finds the cheapest
 *             mode, then one coefficient each of it: transform, quantise, dequantise;
 *             D) threads 0-15: one sample each: inverse transform, recon.
 *   helpers   during steps B-D of blocks 0-2, threads 32-159 (idle there: other warps than
 *             steps B-D) do the rest, one step per slot: I16x16 and chroma prediction
 *             parameters; SATD of the 4 I16x16 modes x 16 blocks and 4 chroma modes x 8
 *             blocks; both decisions and residuals; forward transform and quantisation (one
 *             coefficient a thread); luma and chroma DC transforms; inverse DC; inverse
 *             transform and recon (one sample a thread); coefficient counts. I16x16 is coded
 *             whether or not it wins (into its own buffers); chroma is final.
 *   store     I4x4 or I16x16 by cost; one field element or recon word per thread.
 * The recon rows and coded macroblocks that a later row reads were written by this same
 * workgroup (coherent buffers, groupMemoryBarrier + barrier between macroblocks).
 *
 * Measured per frame (tests/h264/test_analyse_gpu.c bench: QP 26, slices of one MB row, so
 * 320x240 is 15 workgroups of 20 macroblocks in a chain; 50 frames a submission):
 *                                      H100 320x240   H100 1280x720   lavapipe 320x240
 *   previous kernel (analyse_narrow)       3.23 ms        13.0 ms        17-30 ms
 *   this kernel                            0.58 ms         2.32 ms       80-150 ms
 * (lavapipe: 2 busy cores, noisy; it runs the narrow kernel, see analyse_narrow.comp). An
 * earlier revision (shared atomicMin for the mode choice, loops not unrolled) measured
 * 0.54 ms. Breakdown on the H100 from diagnostic builds: load + store + the 65 barriers of a
 * macroblock alone 0.085 ms; the helper jobs ~0.05 ms; the I4x4 steps the rest, ~0.45 ms,
 * i.e. ~1.4 us per 4x4 block or ~350 ns per step: the dependent integer chains of each
 * step's thread (argmin, transform, quantisation), not memory, are what is left to cut.
 *
 * In big batches (many frames in one submission) what counts is how many workgroups a
 * multiprocessor holds: registers decide it. This kernel uses 50 per invocation on the H100
 * (`talkie-bench kernels`), so 7 workgroups fit; it was 72 (5 workgroups) while the QP
 * constants and the step-A tap offsets lived in registers, hence push constants and s_rel.
 * Timing-only builds (bench/RESULTS.md) put about 55% of a frame's analysis time in I4x4
 * steps B-D, ~10% each in step A and in the helper jobs.
 *
 * Buffers: 0 source NV12 (uint[], 4 bytes a word, little-endian), 1 recon NV12 (same layout),
 * 2 TkCodedMb[mb_height * mb_width], 3 the text map (common/text_qp_defs.h; any buffer of
 * ceil(n_mbs / 4) words or more when text_qp == qp). Push constants: see Params
 * (analyse_gpu.c mirrors it).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "intra_pred.glsl"
#include "transform.glsl"
#include "../../../common/text_qp_defs.h"

#define N_THREADS 160
layout(local_size_x = N_THREADS) in;

layout(std430, binding = 0) readonly buffer Src { uint src_words[]; };
layout(std430, binding = 1) coherent buffer Recon { uint rec_words[]; };
layout(std430, binding = 2) coherent buffer Coded { TkCodedMb coded[]; };
layout(std430, binding = 3) readonly buffer TextMap { uint text_map[]; };

layout(push_constant) uniform Params {
    int luma_stride;    /* bytes per row, both planes (multiple of 16) */
    int chroma_offset;  /* byte offset of the CbCr plane */
    int mb_width;
    int mb_height;
    int qp;
    int slice_mb_rows;
    int text_qp;        /* the QP of macroblocks text_map marks (qp without a map) */
} pc;

/* Constants of the macroblock's QP (the frame's, or text_qp under subtitle text), set once
 * per macroblock by thread 0: read where used from shared memory, they take no registers,
 * and registers are what limits how many workgroups share a multiprocessor (they were push
 * constants while a picture had one QP). */
shared TkQuant s_qy;
shared TkQuant s_qc;
shared int s_lambda;

#define AVAIL_TOPRIGHT 8
#define TK_I4x4_EXTRA_BITS 6
#define COST_NONE 0x7fffffff
#define HELPER0 32          /* first helper thread: warps 1-4 */
/* I4x4 blocks whose top-right 4x4 is available inside the macroblock, plus those of the
 * top row (whose top-right samples come from the top edge: see place_mb) */
#define I4_TOPRIGHT_MASK 0x5777

/* Luma canvas: row 0 = the top edge (col 0 the top-left sample, 1-16 top, 17-20
 * top-right), col 0 of rows 1-16 = the left edge, the rest the macroblock's recon.
 * Unavailable edges hold 0, as in the C reference. */
#define CW 24
shared int s_cy[17 * CW];
/* Chroma canvas, the same per component: [comp * 81 + row * 9 + col], 9x9 */
#define CC 81
shared int s_cc[2 * CC];
shared int s_src_y[256];
shared int s_src_c[128];    /* [comp * 64 + y * 8 + x] */
shared int s_nbl[4];        /* Intra4x4PredMode of the left MB's blocks 5 7 13 15 (DC if I16x16) */
shared int s_nbt[4];        /* same for the top MB's blocks 10 11 14 15 */

/* I4x4 */
shared int s_pred4[144];    /* [mode * 16 + sample] */
shared int s_res4[144];
shared int s_cost4m[9];    /* cost of each mode of the block being decided */
shared int s_best[16];      /* (cost << 4) | mode of each block */
shared int s_pm[16];        /* predIntra4x4PredMode of each block */
shared int s_d4[16];        /* dequantised coefficients of the block being coded */
shared int s_lev4[256];     /* [luma4x4BlkIdx * 16 + scan] */
shared int s_cost4;
shared int s_cbp4;

/* I16x16, coded speculatively */
shared int s_par16[4];      /* DC value, plane a b c */
shared int s_cost16[4];     /* summed SATD per mode */
shared int s_pred16[256];   /* [luma4x4BlkIdx * 16 + sample] */
shared int s_res16[256];
shared int s_d16[256];      /* dequantised coefficients, [blk * 16 + raster pos] */
shared int s_lev16[256];    /* [blk * 16 + scan] */
shared int s_rec16[256];    /* [blk * 16 + sample] */
shared int s_dcraw16[16];   /* unquantised DC of each block, raster block position */
shared int s_ldc[16];       /* Intra16x16DCLevel, raster block position */
shared int s_tc16[16];

/* chroma */
shared int s_parc[14];      /* DC value per (comp, block); plane a b c per comp at 8 */
shared int s_costc[4];
shared int s_predc[128];    /* [(comp * 4 + block) * 16 + sample] */
shared int s_resc[128];
shared int s_dc_c[128];     /* dequantised coefficients, [(comp * 4 + block) * 16 + pos] */
shared int s_clev[128];     /* [(comp * 4 + block) * 16 + scan] */
shared int s_dcrawc[8];
shared int s_cdc[8];
shared int s_tcc[8];

/* I4x4 step A: canvas offsets of the 4 taps of thread t, 8 bits each (+ REL_BIAS), with
 * the top-right block ([t]) and without ([144 + t]); set once in main() */
shared uint s_rel[288];
#define REL_BIAS 32

int rec_byte(int o)
{
    return int((rec_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

int byte_of(uint w, int i)
{
    return int((w >> (8 * i)) & 0xffu);
}

int blk_x(int k)
{
    return ((k >> 2) & 1) * 8 + (k & 1) * 4;
}

int blk_y(int k)
{
    return ((k >> 3) & 1) * 8 + ((k >> 1) & 1) * 4;
}

int blk_at(int x, int y)
{
    return ((y >> 3) << 3) | ((x >> 3) << 2) | (((y >> 2) & 1) << 1) | ((x >> 2) & 1);
}

int mb_avail(int mb_x, int mb_y)
{
    bool top = mb_y % pc.slice_mb_rows != 0;
    int avail = 0;
    if (mb_x > 0)
        avail |= TK_AVAIL_LEFT;
    if (top)
        avail |= TK_AVAIL_TOP;
    if (top && mb_x > 0)
        avail |= TK_AVAIL_TOPLEFT;
    if (top && mb_x + 1 < pc.mb_width)
        avail |= AVAIL_TOPRIGHT;
    return avail;
}

/* ---- load ---- */

/* The global words thread t reads for macroblock (mb_x, mb_y) (0 where unavailable).
 * None depends on the macroblock before (the top edge and modes come from the row above),
 * so they are fetched one macroblock ahead and wait in registers. */
uvec2 fetch_mb(int t, int mb_x, int mb_y, int avail)
{
    int stride = pc.luma_stride, x0 = mb_x * 16, y0 = mb_y * 16, cy0 = mb_y * 8;
    bool top = (avail & TK_AVAIL_TOP) != 0, tl = (avail & TK_AVAIL_TOPLEFT) != 0;
    bool tr = (avail & AVAIL_TOPRIGHT) != 0;
    int crow = pc.chroma_offset + (cy0 - 1) * stride + x0;
    uvec2 w = uvec2(0u);
    if (t < 64) {
        /* source luma: row t >> 2, word t & 3 */
        w.x = src_words[(((y0 + (t >> 2)) * stride + x0) >> 2) + (t & 3)];
    } else if (t < 96) {
        /* source chroma: row j >> 2, word j & 3 of the interleaved Cb Cr bytes */
        int j = t - 64;
        w.x = src_words[((pc.chroma_offset + (cy0 + (j >> 2)) * stride + x0) >> 2) + (j & 3)];
    } else if (t < 101) {
        /* top edge, word wx of x0..x0+19 (word 3 again for the top-right without one) */
        int wx = t - 96;
        if (top)
            w.x = rec_words[(((y0 - 1) * stride + x0) >> 2) + (wx < 4 || tr ? wx : 3)];
    } else if (t == 101) {
        if (tl)
            w.x = rec_words[((y0 - 1) * stride + x0 - 4) >> 2];
    } else if (t >= 134 && t < 138) {
        if (top)
            w.x = rec_words[(crow >> 2) + t - 134];
    } else if (t >= 138 && t < 140) {
        if (tl)
            w.x = rec_words[(crow - 4) >> 2];
    } else if (t >= 140 && t < 144) {
        if (top) {
            int n = (mb_y - 1) * pc.mb_width + mb_x;
            w = uvec2(uint(coded[n].type), uint(coded[n].i4_mode[blk_at(4 * (t - 140), 15)]));
        }
    }
    return w;
}

/* Puts the words of fetch_mb() and the left edges (the previous macroblock's recon, still
 * in the canvases) in shared memory, and resets the per-macroblock accumulators. */
void place_mb(int t, uvec2 w, int avail, int qp)
{
    bool top = (avail & TK_AVAIL_TOP) != 0, left = (avail & TK_AVAIL_LEFT) != 0;
    bool tr = (avail & AVAIL_TOPRIGHT) != 0;
    if (t < 64) {
        int y = t >> 2, wx = t & 3;
        [[unroll]] for (int i = 0; i < 4; i++)
            s_src_y[y * 16 + wx * 4 + i] = byte_of(w.x, i);
    } else if (t < 96) {
        int j = t - 64, y = j >> 2, wx = j & 3;
        [[unroll]] for (int i = 0; i < 4; i++)
            s_src_c[(i & 1) * 64 + y * 8 + wx * 2 + (i >> 1)] = byte_of(w.x, i);
    } else if (t < 101) {
        /* without a top-right MB, p[16..19, -1] = p[15, -1], which is what I4x4 block 5
         * predicts from then (8.3.1.2) */
        int wx = t - 96;
        uint v = wx == 4 && !tr ? (w.x >> 24) * 0x01010101u : w.x;
        [[unroll]] for (int i = 0; i < 4; i++)
            s_cy[1 + wx * 4 + i] = byte_of(v, i);
    } else if (t == 101) {
        s_cy[0] = byte_of(w.x, 3);
    } else if (t < 118) {
        int r = t - 101;
        s_cy[r * CW] = left ? s_cy[r * CW + 16] : 0;
    } else if (t < 134) {
        int j = t - 118, c = j >> 3, r = (j & 7) + 1;
        s_cc[c * CC + r * 9] = left ? s_cc[c * CC + r * 9 + 8] : 0;
    } else if (t < 138) {
        int wx = t - 134;
        [[unroll]] for (int i = 0; i < 4; i++)
            s_cc[(i & 1) * CC + 1 + wx * 2 + (i >> 1)] = byte_of(w.x, i);
    } else if (t < 140) {
        s_cc[(t - 138) * CC] = byte_of(w.x, 2 + t - 138);
    } else if (t < 144) {
        s_nbt[t - 140] = top && int(w.x) == TK_MB_I4x4 ? int(w.y) : TK_I4_DC;
    } else {
        int j = t - 144;
        s_best[j] = COST_NONE;
        if (j < 4) {
            s_cost16[j] = 0;
            s_costc[j] = 0;
        }
        if (j == 4)
            s_cost4 = TK_LAMBDA_TAB[qp] * TK_I4x4_EXTRA_BITS; /* s_lambda is being set */
        if (j == 5)
            s_cbp4 = 0;
    }
}

/* ---- I4x4 ---- */

/* Availability of block k's neighbours (as i4_edge() in analyse_ref.c). */
int i4_avail(int k, int avail)
{
    int bx = blk_x(k), by = blk_y(k);
    bool left = bx > 0 || (avail & TK_AVAIL_LEFT) != 0;
    bool top = by > 0 || (avail & TK_AVAIL_TOP) != 0;
    bool tl;
    if (bx > 0 && by > 0)
        tl = true;
    else if (bx > 0)
        tl = (avail & TK_AVAIL_TOP) != 0;
    else if (by > 0)
        tl = (avail & TK_AVAIL_LEFT) != 0;
    else
        tl = (avail & TK_AVAIL_TOPLEFT) != 0;
    return (left ? TK_AVAIL_LEFT : 0) | (top ? TK_AVAIL_TOP : 0) | (tl ? TK_AVAIL_TOPLEFT : 0);
}

/* Canvas offset of edge sample e[i] (intra_pred.glsl layout) from a block's first sample;
 * without the top-right block, p[4..7, -1] = p[3, -1]. */
int i4_rel(int i, bool tr)
{
    if (i < 4)
        return (3 - i) * CW - 1;
    if (i == 4)
        return -CW - 1;
    int x = i - 5;
    if (!tr && x > 3)
        x = 3;
    return -CW + x;
}

/* tk_pred4x4_dc() over the canvas; base = the block's first sample */
int i4_dc(int base, int bavail)
{
    int st = 0, sl = 0;
    [[unroll]] for (int i = 0; i < 4; i++) {
        st += s_cy[base - CW + i];
        sl += s_cy[base - 1 + i * CW];
    }
    if ((bavail & TK_AVAIL_TOP) != 0 && (bavail & TK_AVAIL_LEFT) != 0)
        return (st + sl + 4) >> 3;
    if ((bavail & TK_AVAIL_LEFT) != 0)
        return (sl + 2) >> 2;
    if ((bavail & TK_AVAIL_TOP) != 0)
        return (st + 2) >> 2;
    return 128;
}

/* predIntra4x4PredMode (8.3.1.1) */
int i4_pred_mode(int k, int avail)
{
    int bx = blk_x(k), by = blk_y(k);
    int a, b;
    if (bx > 0)
        a = s_best[blk_at(bx - 1, by)] & 15;
    else if ((avail & TK_AVAIL_LEFT) != 0)
        a = s_nbl[by >> 2];
    else
        return TK_I4_DC;
    if (by > 0)
        b = s_best[blk_at(bx, by - 1)] & 15;
    else if ((avail & TK_AVAIL_TOP) != 0)
        b = s_nbt[bx >> 2];
    else
        return TK_I4_DC;
    return min(a, b);
}

/* A) thread t = (mode t >> 4, sample t & 15): prediction and residual */
void i4_step_a(int t, int k, int bavail)
{
    int bx = blk_x(k), by = blk_y(k), i = t & 15;
    int base = (by + 1) * CW + bx + 1;
    int p;
    if ((t >> 4) == TK_I4_DC) {
        p = i4_dc(base, bavail);
    } else {
        uint r = s_rel[((I4_TOPRIGHT_MASK >> k) & 1) != 0 ? t : 144 + t];
        int b = base - REL_BIAS;
        p = (s_cy[b + int(r & 0xffu)] + s_cy[b + int((r >> 8) & 0xffu)] +
             s_cy[b + int((r >> 16) & 0xffu)] + s_cy[b + int(r >> 24)] + 2) >> 2;
    }
    s_pred4[t] = p;
    s_res4[t] = s_src_y[(by + (i >> 2)) * 16 + bx + (i & 3)] - p;
}

/* B) thread m: cost of mode m (COST_NONE when unavailable) */
void i4_step_b(int m, int k, int avail, int bavail)
{
    int pm = i4_pred_mode(k, avail);
    if (m == 0)
        s_pm[k] = pm;
    int c = COST_NONE;
    if (tk_pred4x4_mode_ok(m, bavail)) {
        int r[16];
        [[unroll]] for (int i = 0; i < 16; i++)
            r[i] = s_res4[m * 16 + i];
        c = tk_satd4x4(r) + s_lambda * (m == pm ? 1 : 4);
    }
    s_cost4m[m] = c;
}

/* C) thread pos: the cheapest mode (the lowest on ties; every thread finds the same one),
 * then coefficient pos of it: transform, quantise, dequantise */
void i4_step_c(int pos, int k)
{
    int best = 0, cost = s_cost4m[0];
    [[unroll]] for (int m = 1; m < 9; m++) {
        int c = s_cost4m[m];
        if (c < cost) {
            best = m;
            cost = c;
        }
    }
    if (pos == 0) {
        s_best[k] = (cost << 4) | best;
        s_cost4 += cost;
    }
    int r[16];
    [[unroll]] for (int i = 0; i < 16; i++)
        r[i] = s_res4[best * 16 + i];
    int lev = tk_quant4x4_q(s_qy, tk_fdct4x4_at(r, pos), pos);
    s_lev4[k * 16 + tk_zigzag_scan(pos)] = lev;
    s_d4[pos] = tk_dequant4x4_q(s_qy, lev, pos);
}

/* D) thread i: sample i of the winner: inverse transform, recon into the canvas */
void i4_step_d(int i, int k)
{
    int bx = blk_x(k), by = blk_y(k);
    int best = s_best[k] & 15;
    int d[16], any = 0;
    [[unroll]] for (int j = 0; j < 16; j++) {
        d[j] = s_d4[j];
        any |= d[j];
    }
    /* a level is non-zero exactly where its dequantised value is */
    if (i == 0 && any != 0)
        s_cbp4 |= 1 << (k >> 2);
    int v = clamp(s_pred4[best * 16 + i] + tk_idct4x4_at(d, i), 0, 255);
    s_cy[(by + 1 + (i >> 2)) * CW + bx + 1 + (i & 3)] = v;
}

/* ---- I16x16 and chroma prediction ---- */

int pred16_sample(int mode, int x, int y)
{
    if (mode == 0)
        return s_cy[1 + x];
    if (mode == 1)
        return s_cy[(y + 1) * CW];
    if (mode == 2)
        return s_par16[0];
    return clamp((s_par16[1] + s_par16[2] * (x - 7) + s_par16[3] * (y - 7) + 16) >> 5, 0, 255);
}

/* chroma modes 0 DC, 1 H, 2 V, 3 plane; (x, y) in the 8x8 component */
int predc_sample(int mode, int comp, int x, int y)
{
    int o = comp * CC;
    if (mode == 0)
        return s_parc[comp * 4 + (y >> 2) * 2 + (x >> 2)];
    if (mode == 1)
        return s_cc[o + (y + 1) * 9];
    if (mode == 2)
        return s_cc[o + 1 + x];
    int b = 8 + comp * 3;
    return clamp((s_parc[b] + s_parc[b + 1] * (x - 3) + s_parc[b + 2] * (y - 3) + 16) >> 5, 0, 255);
}

/* pred16_dc / pred16_plane / predc_dc / predc_plane of the previous kernel, over the
 * canvases (where p[-1, -1] sits next to both edges, as 8.3.3.4 reads it) */
void helper_params(int h, int avail)
{
    bool has_top = (avail & TK_AVAIL_TOP) != 0, has_left = (avail & TK_AVAIL_LEFT) != 0;
    if (h == 0) {
        int st = 0, sl = 0;
        [[unroll]] for (int i = 0; i < 16; i++) {
            st += s_cy[1 + i];
            sl += s_cy[(i + 1) * CW];
        }
        int dc = 128;
        if (has_top && has_left)
            dc = (st + sl + 16) >> 5;
        else if (has_left)
            dc = (sl + 8) >> 4;
        else if (has_top)
            dc = (st + 8) >> 4;
        s_par16[0] = dc;
    } else if (h == 1) {
        int hh = 0, vv = 0;
        [[unroll]] for (int i = 0; i < 8; i++) {
            hh += (i + 1) * (s_cy[9 + i] - s_cy[7 - i]);
            vv += (i + 1) * (s_cy[(9 + i) * CW] - s_cy[(7 - i) * CW]);
        }
        s_par16[1] = 16 * (s_cy[16 * CW] + s_cy[16]);
        s_par16[2] = (5 * hh + 32) >> 6;
        s_par16[3] = (5 * vv + 32) >> 6;
    } else if (h < 10) {
        int j = h - 2, o = (j >> 2) * CC, xo = (j & 1) * 4, yo = ((j >> 1) & 1) * 4;
        int st = 0, sl = 0;
        [[unroll]] for (int i = 0; i < 4; i++) {
            st += s_cc[o + 1 + xo + i];
            sl += s_cc[o + (yo + i + 1) * 9];
        }
        int dc = 128;
        if (xo == yo) {
            if (has_top && has_left)
                dc = (st + sl + 4) >> 3;
            else if (has_left)
                dc = (sl + 2) >> 2;
            else if (has_top)
                dc = (st + 2) >> 2;
        } else if (yo == 0) {
            if (has_top)
                dc = (st + 2) >> 2;
            else if (has_left)
                dc = (sl + 2) >> 2;
        } else {
            if (has_left)
                dc = (sl + 2) >> 2;
            else if (has_top)
                dc = (st + 2) >> 2;
        }
        s_parc[j] = dc;
    } else if (h < 12) {
        int comp = h - 10, o = comp * CC;
        int hh = 0, vv = 0;
        [[unroll]] for (int i = 0; i < 4; i++) {
            hh += (i + 1) * (s_cc[o + 5 + i] - s_cc[o + 3 - i]);
            vv += (i + 1) * (s_cc[o + (5 + i) * 9] - s_cc[o + (3 - i) * 9]);
        }
        s_parc[8 + comp * 3] = 16 * (s_cc[o + 8 * 9] + s_cc[o + 8]);
        s_parc[8 + comp * 3 + 1] = (34 * hh + 32) >> 6;
        s_parc[8 + comp * 3 + 2] = (34 * vv + 32) >> 6;
    }
}

/* SATD of one (mode, 4x4 block) of I16x16 (h < 64) or chroma (h < 96) */
void helper_satd(int h, int avail)
{
    if (h < 64) {
        int m = h >> 4, k = h & 15, bx = blk_x(k), by = blk_y(k);
        if (!tk_pred16x16_mode_ok(m, avail))
            return;
        int r[16];
        [[unroll]] for (int i = 0; i < 16; i++) {
            int x = bx + (i & 3), y = by + (i >> 2);
            r[i] = s_src_y[y * 16 + x] - pred16_sample(m, x, y);
        }
        atomicAdd(s_cost16[m], tk_satd4x4(r));
    } else if (h < 96) {
        int j = h - 64, m = j >> 3, comp = (j >> 2) & 1, b = j & 3;
        if (!tk_pred_chroma_mode_ok(m, avail))
            return;
        int r[16];
        [[unroll]] for (int i = 0; i < 16; i++) {
            int x = (b & 1) * 4 + (i & 3), y = (b >> 1) * 4 + (i >> 2);
            r[i] = s_src_c[comp * 64 + y * 8 + x] - predc_sample(m, comp, x, y);
        }
        atomicAdd(s_costc[m], tk_satd4x4(r));
    }
}

int best_i16_mode(int avail)
{
    int best = -1, cost = 0;
    for (int m = 0; m < 4; m++) {
        if (tk_pred16x16_mode_ok(m, avail) && (best < 0 || s_cost16[m] < cost)) {
            best = m;
            cost = s_cost16[m];
        }
    }
    return best;
}

int best_chroma_mode(int avail)
{
    int best = -1, cost = 0;
    for (int m = 0; m < 4; m++) {
        if (tk_pred_chroma_mode_ok(m, avail) && (best < 0 || s_costc[m] < cost)) {
            best = m;
            cost = s_costc[m];
        }
    }
    return best;
}

/* prediction and residual: I16x16 samples h and h + 128, chroma sample h */
void helper_residual(int h, int avail)
{
    int m16 = best_i16_mode(avail), mc = best_chroma_mode(avail);
    for (int j = h; j < 256; j += 128) {
        int k = j >> 4, i = j & 15;
        int x = blk_x(k) + (i & 3), y = blk_y(k) + (i >> 2);
        int p = pred16_sample(m16, x, y);
        s_pred16[j] = p;
        s_res16[j] = s_src_y[y * 16 + x] - p;
    }
    int comp = h >> 6, b = (h >> 4) & 3, i = h & 15;
    int x = (b & 1) * 4 + (i & 3), y = (b >> 1) * 4 + (i >> 2);
    int p = predc_sample(mc, comp, x, y);
    s_predc[h] = p;
    s_resc[h] = s_src_c[comp * 64 + y * 8 + x] - p;
}

/* forward transform and quantisation: I16x16 coefficients h and h + 128, chroma h */
void helper_forward(int h)
{
    for (int j = h; j < 256; j += 128) {
        int k = j >> 4, pos = j & 15;
        int r[16];
        [[unroll]] for (int i = 0; i < 16; i++)
            r[i] = s_res16[k * 16 + i];
        int w = tk_fdct4x4_at(r, pos);
        if (pos == 0) {
            s_dcraw16[(blk_y(k) >> 2) * 4 + (blk_x(k) >> 2)] = w;
            s_lev16[k * 16] = 0;
        } else {
            int lev = tk_quant4x4_q(s_qy, w, pos);
            s_lev16[k * 16 + tk_zigzag_scan(pos)] = lev;
            s_d16[j] = tk_dequant4x4_q(s_qy, lev, pos);
        }
    }
    int cb = h >> 4, pos = h & 15;
    int r[16];
    [[unroll]] for (int i = 0; i < 16; i++)
        r[i] = s_resc[cb * 16 + i];
    int w = tk_fdct4x4_at(r, pos);
    if (pos == 0) {
        s_dcrawc[cb] = w;
        s_clev[cb * 16] = 0;
    } else {
        int lev = tk_quant4x4_q(s_qc, w, pos);
        s_clev[cb * 16 + tk_zigzag_scan(pos)] = lev;
        s_dc_c[h] = tk_dequant4x4_q(s_qc, lev, pos);
    }
}

/* DC transforms and quantisation: luma DC h < 16 (raster block position), chroma 16-23 */
void helper_dc(int h)
{
    if (h < 16) {
        int c[16];
        [[unroll]] for (int i = 0; i < 16; i++)
            c[i] = s_dcraw16[i];
        s_ldc[h] = tk_quant_dc_q(s_qy, tk_fdc4x4_at(c, h));
    } else if (h < 24) {
        int j = h - 16, o = j & 4;
        int f = tk_hadamard2x2_at(j & 3, s_dcrawc[o], s_dcrawc[o + 1], s_dcrawc[o + 2],
                                  s_dcrawc[o + 3]);
        s_cdc[j] = tk_quant_dc_q(s_qc, f);
    }
}

/* inverse DC transforms and dequantisation into the blocks' coefficient 0 */
void helper_dc_inverse(int h)
{
    if (h < 16) {
        int c[16];
        [[unroll]] for (int i = 0; i < 16; i++)
            c[i] = s_ldc[i];
        int k = blk_at((h & 3) * 4, (h >> 2) * 4);
        s_d16[k * 16] = tk_dequant_luma_dc_q(s_qy, tk_hadamard4x4_at(c, h));
    } else if (h < 24) {
        int j = h - 16, o = j & 4;
        int f = tk_hadamard2x2_at(j & 3, s_cdc[o], s_cdc[o + 1], s_cdc[o + 2], s_cdc[o + 3]);
        s_dc_c[j * 16] = tk_dequant_chroma_dc_q(s_qc, f);
    }
}

/* inverse transform and recon: I16x16 samples h and h + 128 (into s_rec16), chroma h (into
 * the chroma canvas: final) */
void helper_inverse(int h)
{
    for (int j = h; j < 256; j += 128) {
        int k = j >> 4;
        int d[16];
        [[unroll]] for (int i = 0; i < 16; i++)
            d[i] = s_d16[k * 16 + i];
        s_rec16[j] = clamp(s_pred16[j] + tk_idct4x4_at(d, j & 15), 0, 255);
    }
    int cb = h >> 4, i = h & 15, comp = cb >> 2, b = cb & 3;
    int d[16];
    [[unroll]] for (int q = 0; q < 16; q++)
        d[q] = s_dc_c[cb * 16 + q];
    int x = (b & 1) * 4 + (i & 3), y = (b >> 1) * 4 + (i >> 2);
    s_cc[comp * CC + (y + 1) * 9 + x + 1] = clamp(s_predc[h] + tk_idct4x4_at(d, i), 0, 255);
}

/* TotalCoeff of the I16x16 AC blocks (h < 16) and the chroma AC blocks (16-23) */
void helper_counts(int h)
{
    if (h < 24) {
        int nz = 0;
        [[unroll]] for (int s = 1; s < 16; s++)
            nz += (h < 16 ? s_lev16[h * 16 + s] : s_clev[(h - 16) * 16 + s]) != 0 ? 1 : 0;
        if (h < 16)
            s_tc16[h] = nz;
        else
            s_tcc[h - 16] = nz;
    }
}

/* Helper job `job` (0-7, in this order, one per slot) for helper thread h (0-127). */
void helper(int job, int h, int avail)
{
    if (job == 0)
        helper_params(h, avail);
    else if (job == 1)
        helper_satd(h, avail);
    else if (job == 2)
        helper_residual(h, avail);
    else if (job == 3)
        helper_forward(h);
    else if (job == 4)
        helper_dc(h);
    else if (job == 5)
        helper_dc_inverse(h);
    else if (job == 6)
        helper_inverse(h);
    else if (job == 7)
        helper_counts(h);
}

/* ---- store ---- */

void store_mb(int t, int mb_x, int mb_y, int avail)
{
    int n = mb_y * pc.mb_width + mb_x;
    int m16 = best_i16_mode(avail);
    bool is_i4 = s_cost4 < s_cost16[m16];
    for (int j = t; j < 256; j += N_THREADS)
        coded[n].luma[j >> 4][j & 15] = is_i4 ? s_lev4[j] : s_lev16[j];
    if (t < 128)
        coded[n].chroma_ac[t >> 6][(t >> 4) & 3][t & 15] = s_clev[t];
    if (t < 16) {
        int mode = is_i4 ? s_best[t] & 15 : TK_I4_DC, pm = s_pm[t];
        coded[n].i4_mode[t] = mode;
        coded[n].i4_mode_syntax[t] = !is_i4 ? 0 : mode == pm ? -1 : mode < pm ? mode : mode - 1;
        coded[n].luma_dc[t] = is_i4 ? 0 : s_ldc[tk_zigzag_pos(t)];
        int tc = s_tc16[t];
        if (is_i4) {
            tc = 0;
            [[unroll]] for (int s = 0; s < 16; s++)
                tc += s_lev4[t * 16 + s] != 0 ? 1 : 0;
        }
        coded[n].total_coeff[t] = tc;
    } else if (t < 24) {
        int j = t - 16;
        coded[n].chroma_dc[j >> 2][j & 3] = s_cdc[j];
        coded[n].total_coeff_chroma[j >> 2][j & 3] = s_tcc[j];
    } else if (t == 24) {
        int cbp = s_cbp4;
        if (!is_i4) {
            int any = 0;
            [[unroll]] for (int k = 0; k < 16; k++)
                any |= s_tc16[k];
            cbp = any != 0 ? 15 : 0;
        }
        int any_ac = 0, any_dc = 0;
        [[unroll]] for (int j = 0; j < 8; j++) {
            any_ac |= s_tcc[j];
            any_dc |= s_cdc[j];
        }
        cbp |= (any_ac != 0 ? 2 : any_dc != 0 ? 1 : 0) << 4;
        coded[n].type = is_i4 ? TK_MB_I4x4 : TK_MB_I16x16;
        coded[n].i16_mode = is_i4 ? 0 : m16;
        coded[n].chroma_mode = best_chroma_mode(avail);
        coded[n].cbp = cbp;
        /* as if the picture had one QP: mb_qp.comp corrects QP_Y and mb_qp_delta */
        coded[n].qp_delta = 0;
        coded[n].qp = s_qy.qp;
        coded[n].qp_y = s_qy.qp;
    } else if (t < 29) {
        /* the next macroblock's left neighbour modes */
        int j = t - 25;
        s_nbl[j] = is_i4 ? s_best[blk_at(15, 4 * j)] & 15 : TK_I4_DC;
    } else if (t >= 32 && t < 96) {
        /* luma recon row y, word wx; an I16x16 recon also goes into the canvas, whose right
         * column the next macroblock reads */
        int j = t - 32, y = j >> 2, wx = j & 3;
        uint w = 0u;
        [[unroll]] for (int i = 0; i < 4; i++) {
            int x = wx * 4 + i, o = (y + 1) * CW + x + 1;
            int v;
            if (is_i4) {
                v = s_cy[o];
            } else {
                v = s_rec16[blk_at(x, y) * 16 + (y & 3) * 4 + (x & 3)];
                s_cy[o] = v;
            }
            w |= uint(v) << (8 * i);
        }
        rec_words[(((mb_y * 16 + y) * pc.luma_stride + mb_x * 16) >> 2) + wx] = w;
    } else if (t >= 96 && t < 128) {
        int j = t - 96, y = j >> 2, wx = j & 3;
        uint w = 0u;
        [[unroll]] for (int i = 0; i < 4; i++)
            w |= uint(s_cc[(i & 1) * CC + (y + 1) * 9 + wx * 2 + (i >> 1) + 1]) << (8 * i);
        rec_words[((pc.chroma_offset + (mb_y * 8 + y) * pc.luma_stride + mb_x * 16) >> 2) + wx] = w;
    }
}

/* I4x4 block k, steps A-D, with helper jobs job_b, job_c, job_d (-1: none) in the slots of
 * steps B-D. The job numbers are constants at every call, so that after inlining only the
 * job's own code is left in each slot (lavapipe runs every branch of a shader with masked
 * lanes; GPUs do not mind either way). */
void i4_block(int t, int k, int avail, int job_b, int job_c, int job_d)
{
    int bavail = i4_avail(k, avail);
    if (t < 144)
        i4_step_a(t, k, bavail);
    barrier();
    if (t < 9)
        i4_step_b(t, k, avail, bavail);
    else if (t >= HELPER0 && job_b >= 0)
        helper(job_b, t - HELPER0, avail);
    barrier();
    if (t < 16)
        i4_step_c(t, k);
    else if (t >= HELPER0 && job_c >= 0)
        helper(job_c, t - HELPER0, avail);
    barrier();
    if (t < 16)
        i4_step_d(t, k);
    else if (t >= HELPER0 && job_d >= 0)
        helper(job_d, t - HELPER0, avail);
    barrier();
}

/* pre: this macroblock's fetch_mb() words; returns the next one's */
uvec2 analyse_mb(int t, int mb_x, int mb_y, uvec2 pre)
{
    int avail = mb_avail(mb_x, mb_y);
    int n = mb_y * pc.mb_width + mb_x;
    uint byte = (text_map[n >> 2] >> (8 * (n & 3))) & 0xffu;
    int qp = byte == uint(TK_TEXT_MAP_TEXT) ? pc.text_qp : pc.qp;
    place_mb(t, pre, avail, qp);
    if (t == 0) {
        /* the previous macroblock's last reads of these were before its final barrier */
        s_qy = tk_quant_params(qp);
        s_qc = tk_quant_params(tk_chroma_qp(qp));
        s_lambda = TK_LAMBDA_TAB[qp];
    }
    uvec2 next = uvec2(0u);
    if (mb_x + 1 < pc.mb_width)
        next = fetch_mb(t, mb_x + 1, mb_y, mb_avail(mb_x + 1, mb_y));
    barrier();
    i4_block(t, 0, avail, 0, 1, 2);
    i4_block(t, 1, avail, 3, 4, 5);
    i4_block(t, 2, avail, 6, 7, -1);
    for (int k = 3; k < 16; k++)
        i4_block(t, k, avail, -1, -1, -1);
    store_mb(t, mb_x, mb_y, avail);
    groupMemoryBarrier();
    barrier();
    return next;
}

void main()
{
    int t = int(gl_LocalInvocationIndex);
    if (t < 144) {
        uint taps = TK_PRED4x4_TAPS[t], tr = 0u, notr = 0u;
        [[unroll]] for (int j = 0; j < 4; j++) {
            int e = int((taps >> (4 * j)) & 15u);
            tr |= uint(i4_rel(e, true) + REL_BIAS) << (8 * j);
            notr |= uint(i4_rel(e, false) + REL_BIAS) << (8 * j);
        }
        s_rel[t] = tr;
        s_rel[144 + t] = notr;
    }
    barrier();
    int y_begin = int(gl_WorkGroupID.x) * pc.slice_mb_rows;
    int y_end = min(y_begin + pc.slice_mb_rows, pc.mb_height);
    for (int mb_y = y_begin; mb_y < y_end; mb_y++) {
        uvec2 pre = fetch_mb(t, 0, mb_y, mb_avail(0, mb_y));
        for (int mb_x = 0; mb_x < pc.mb_width; mb_x++)
            pre = analyse_mb(t, mb_x, mb_y, pre);
    }
}
