/*
 * CAVLC on the GPU: the twin of tk_cavlc_mb_ref() (cavlc_ref.c), bit for bit.
 *
 * Parallel mapping: one workgroup of 32 invocations per macroblock, the workgroup grid laid
 * out as the macroblock grid. Every macroblock's neighbours (for nC) were finished by the
 * analysis dispatch before this one, so all macroblocks of the frame are coded at once, and
 * inside a macroblock every syntax unit is coded at once: its bits depend only on TkCodedMb,
 * never on the bits before it. Coding a macroblock's ~27 residual blocks one after the other
 * in one invocation made the kernel's latency that of one thread (a quarter of a millisecond
 * even for a tiny frame); here it is that of the longest unit. Invocation u codes unit u:
 *
 *    0      macroblock header: mb_type, the Intra4x4 modes, intra_chroma_pred_mode,
 *           coded_block_pattern, mb_qp_delta
 *    1      Intra16x16 DC
 *    2-17   luma 4x4 block u - 2 (Intra16x16 AC or Intra4x4)
 *    18-19  chroma DC Cb, Cr
 *    20-27  chroma AC Cb 0-3, Cr 0-3
 *    28-31  nothing
 *
 * which is bitstream order; a unit the macroblock does not code (cbp) has no bits. Each
 * unit is written MSB-first to its own stretch of shared memory (UNIT_WORDS: at most 641
 * bits for a block whose levels Baseline can code, well under 300 for the header), an
 * exclusive prefix sum of the units' bit counts gives each its offset in the macroblock,
 * the units are ORed into a shared copy of the macroblock's bits there (atomicOr: a unit's
 * first and last words are shared with its neighbours), and the workgroup stores the words
 * to the macroblock's scratch area (TK_MB_SCRATCH_WORDS words) and its bit count to
 * counts[i]. Barriers only, no subgroup operations: any subgroup size works.
 *
 * A level Baseline cannot code, or a macroblock over TK_MB_SCRATCH_WORDS words, sets bit 0
 * of counts[n_mbs] (zero at open; pack.comp clears it after reading) where the C reference
 * returns ERANGE; the words that fit are still stored and counts[i] is the full count.
 *
 * Buffers: 0 TkCodedMb[n_mbs] (read), 1 scratch (n_mbs * 512 uint), 2 counts (n_mbs + 1 uint).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"
#include "../../h264/cavlc_tables.h"

layout(local_size_x = 32) in;

layout(std430, binding = 0) readonly buffer Coded { TkCodedMb coded[]; };
layout(std430, binding = 1) writeonly buffer Scratch { uint scratch[]; };
layout(std430, binding = 2) buffer Counts { uint counts[]; };

layout(push_constant) uniform Params {
    int mb_width;
    int mb_height;
    int slice_mb_rows;
} pc;

#define MB_WORDS 512u     /* TK_MB_SCRATCH_WORDS */
#define LEVEL_MAX 2063    /* TK_CAVLC_LEVEL_MAX */
#define UNITS 32u         /* the workgroup size: one unit per invocation */
#define UNIT_WORDS 25u    /* a unit's bits (800 >= 641); odd, so that units hit distinct banks */
#define COEF_STRIDE 17u   /* a unit's coefficients in s_coef, odd for the same reason */

const uint CT0[68] = uint[68](TK_CAVLC_COEFF_TOKEN_0);
const uint CT1[68] = uint[68](TK_CAVLC_COEFF_TOKEN_1);
const uint CT2[68] = uint[68](TK_CAVLC_COEFF_TOKEN_2);
const uint CTDC[20] = uint[20](TK_CAVLC_COEFF_TOKEN_DC);
const uint TZ[240] = uint[240](TK_CAVLC_TOTAL_ZEROS);
const uint TZDC[12] = uint[12](TK_CAVLC_TOTAL_ZEROS_DC);
const uint RB[105] = uint[105](TK_CAVLC_RUN_BEFORE);
const uint CBP_CODE[48] = uint[48](TK_CAVLC_CBP_INTRA_CODE);

shared uint s_unit[UNITS * UNIT_WORDS]; /* each unit's bits, MSB-first from its first word */
shared uint s_bits[UNITS];              /* each unit's bit count */
shared int s_coef[UNITS * COEF_STRIDE]; /* each block unit's coefficients, coding order */
shared uint s_mb[MB_WORDS];             /* the macroblock's bits */

/* The bit writer of this invocation's unit: the word being filled is kept in a register
 * and stored when full. */
uint g_pos;   /* bits written */
uint g_acc;   /* the current, partly filled word */
uint g_base;  /* first s_unit word of this unit */
bool g_err;

void store_word(uint index, uint v)
{
    if (index < UNIT_WORDS)
        s_unit[g_base + index] = v;
    else
        g_err = true; /* only levels already flagged can get here */
}

void put(uint n, uint v)
{
    if (n == 0u)
        return;
    if (n < 32u)
        v &= (1u << n) - 1u;
    uint room = 32u - (g_pos & 31u);
    if (n < room) {
        g_acc |= v << (room - n);
    } else {
        uint spill = n - room; /* 0..31 */
        g_acc |= v >> spill;
        store_word(g_pos >> 5, g_acc);
        g_acc = spill == 0u ? 0u : v << (32u - spill);
    }
    g_pos += n;
}

void put_vlc(uint e)
{
    put(e >> 16, e & 0xffffu);
}

void put_ue(uint v)
{
    uint x = v + 1u;
    uint m = uint(findMSB(x));
    put(m, 0u);
    put(m + 1u, x);
}

void put_se(int v)
{
    put_ue(v > 0 ? uint(2 * v - 1) : uint(-2 * v));
}

void put_coeff_token(int nc, int total, int ones)
{
    int idx = total * 4 + ones;
    if (nc == -1)
        put_vlc(CTDC[idx]);
    else if (nc < 2)
        put_vlc(CT0[idx]);
    else if (nc < 4)
        put_vlc(CT1[idx]);
    else if (nc < 8)
        put_vlc(CT2[idx]);
    else if (total == 0)
        put(6u, 3u);
    else
        put(6u, uint((total - 1) << 2 | ones));
}

/*
 * residual_block_cavlc() of the n coefficients s_coef[cb + 0 .. n-1] (see put_block in
 * cavlc_ref.c). The reference's arrays of levels and runs become a mask of the non-zero
 * positions, walked from the top with findMSB: levels[k] is the k-th highest non-zero
 * coefficient, runs[k] the distance from it down to the next one.
 */
void put_block(uint cb, int n, int nc)
{
    uint mask = 0u;
    for (int i = 0; i < n; i++) {
        if (s_coef[cb + uint(i)] != 0)
            mask |= 1u << i;
    }
    int total = bitCount(mask), last = findMSB(mask);

    /* trailing ones, highest first; their signs MSB-first as trailing_ones_sign_flag */
    int ones = 0;
    uint signs = 0u;
    uint rest = mask;
    while (ones < 3 && rest != 0u) {
        int i = findMSB(rest);
        int level = s_coef[cb + uint(i)];
        if (abs(level) != 1)
            break;
        signs = signs << 1 | (level < 0 ? 1u : 0u);
        rest ^= 1u << i;
        ones++;
    }

    put_coeff_token(nc, total, ones);
    if (total == 0)
        return;
    put(uint(ones), signs);

    int suffix_len = total > 10 && ones < 3 ? 1 : 0;
    for (int k = ones; k < total; k++) {
        int i = findMSB(rest);
        rest ^= 1u << i;
        int level = s_coef[cb + uint(i)];
        if (abs(level) > LEVEL_MAX * 2) {
            g_err = true;
            level = 0;
        }
        int code = level > 0 ? 2 * level - 2 : -2 * level - 1;
        if (k == ones && ones < 3)
            code -= 2;
        if (suffix_len == 0) {
            if (code < 14) {
                put(uint(code + 1), 1u);
            } else if (code < 30) {
                put(15u, 1u);
                put(4u, uint(code - 14));
            } else {
                if (code - 30 >= 4096)
                    g_err = true;
                put(16u, 1u);
                put(12u, uint(code - 30));
            }
        } else {
            if ((code >> suffix_len) < 15) {
                put(uint((code >> suffix_len) + 1), 1u);
                put(uint(suffix_len), uint(code));
            } else {
                int over = code - (15 << suffix_len);
                if (over >= 4096)
                    g_err = true;
                put(16u, 1u);
                put(12u, uint(over));
            }
        }
        if (suffix_len == 0)
            suffix_len = 1;
        if (abs(level) > (3 << (suffix_len - 1)) && suffix_len < 6)
            suffix_len++;
    }

    int zeros = last + 1 - total;
    if (total < n) {
        if (n == 4)
            put_vlc(TZDC[(total - 1) * 4 + zeros]);
        else
            put_vlc(TZ[(total - 1) * 16 + zeros]);
    }
    rest = mask;
    for (int k = 0; k < total - 1 && zeros > 0; k++) {
        int i = findMSB(rest);
        rest ^= 1u << i;
        int run = i - 1 - findMSB(rest); /* rest != 0: k < total - 1 */
        int zl = min(zeros, 7);
        put_vlc(RB[(zl - 1) * 15 + run]);
        zeros -= run;
    }
}

int luma_idx(int x, int y)
{
    return (y >> 1) * 8 + (x >> 1) * 4 + (y & 1) * 2 + (x & 1);
}

int nc_of(int a, int b)
{
    if (a >= 0 && b >= 0)
        return (a + b + 1) >> 1;
    if (a >= 0)
        return a;
    if (b >= 0)
        return b;
    return 0;
}

/* me = this macroblock, l / t = left / top neighbour or -1 */
int luma_nc(uint me, int l, int t, int blk)
{
    int x = (blk >> 2 & 1) * 2 + (blk & 1);
    int y = (blk >> 3) * 2 + (blk >> 1 & 1);
    int a = x > 0 ? coded[me].total_coeff[luma_idx(x - 1, y)]
                  : l >= 0 ? coded[l].total_coeff[luma_idx(3, y)] : -1;
    int b = y > 0 ? coded[me].total_coeff[luma_idx(x, y - 1)]
                  : t >= 0 ? coded[t].total_coeff[luma_idx(x, 3)] : -1;
    return nc_of(a, b);
}

int chroma_nc(uint me, int l, int t, int c, int blk)
{
    int a = (blk & 1) != 0 ? coded[me].total_coeff_chroma[c][blk - 1]
                           : l >= 0 ? coded[l].total_coeff_chroma[c][blk + 1] : -1;
    int b = (blk & 2) != 0 ? coded[me].total_coeff_chroma[c][blk - 2]
                           : t >= 0 ? coded[t].total_coeff_chroma[c][blk + 2] : -1;
    return nc_of(a, b);
}

/* macroblock_layer() 7.3.5 up to the residual: unit 0. */
void put_header(uint me)
{
    int type = coded[me].type;
    int cbp = coded[me].cbp;
    int cbp_luma = cbp & 15, cbp_chroma = cbp >> 4;
    bool i16 = type == TK_MB_I16x16;
    if (i16)
        put_ue(uint(1 + coded[me].i16_mode + 4 * cbp_chroma + (cbp_luma != 0 ? 12 : 0)));
    else
        put_ue(0u);
    if (!i16) {
        for (int i = 0; i < 16; i++) {
            int s = coded[me].i4_mode_syntax[i];
            put(1u, s < 0 ? 1u : 0u);
            if (s >= 0)
                put(3u, uint(s));
        }
    }
    put_ue(uint(coded[me].chroma_mode));
    if (!i16)
        put_ue(CBP_CODE[cbp]);
    if (i16 || cbp != 0)
        put_se(coded[me].qp_delta);
}

/* Residual unit u (1..27, see the top of the file), if the macroblock codes it. */
void put_residual(uint me, int l, int t, uint u)
{
    int cbp = coded[me].cbp;
    int cbp_luma = cbp & 15, cbp_chroma = cbp >> 4;
    bool i16 = coded[me].type == TK_MB_I16x16;
    uint cb = u * COEF_STRIDE;
    if (u == 1u) {
        if (!i16)
            return;
        for (int i = 0; i < 16; i++)
            s_coef[cb + uint(i)] = coded[me].luma_dc[i];
        put_block(cb, 16, luma_nc(me, l, t, 0));
    } else if (u < 18u) {
        int blk = int(u) - 2;
        if ((cbp_luma >> (blk >> 2) & 1) == 0)
            return;
        int nc = luma_nc(me, l, t, blk);
        if (i16) {
            for (int i = 0; i < 15; i++)
                s_coef[cb + uint(i)] = coded[me].luma[blk][i + 1];
            put_block(cb, 15, nc);
        } else {
            for (int i = 0; i < 16; i++)
                s_coef[cb + uint(i)] = coded[me].luma[blk][i];
            put_block(cb, 16, nc);
        }
    } else if (u < 20u) {
        int ch = int(u) - 18;
        if (cbp_chroma == 0)
            return;
        for (int i = 0; i < 4; i++)
            s_coef[cb + uint(i)] = coded[me].chroma_dc[ch][i];
        put_block(cb, 4, -1);
    } else if (u < 28u) {
        int ch = (int(u) - 20) >> 2, blk = (int(u) - 20) & 3;
        if (cbp_chroma != 2)
            return;
        for (int i = 0; i < 15; i++)
            s_coef[cb + uint(i)] = coded[me].chroma_ac[ch][blk][i + 1];
        put_block(cb, 15, chroma_nc(me, l, t, ch, blk));
    }
}

void main()
{
    uint n_mbs = uint(pc.mb_width * pc.mb_height);
    int x = int(gl_WorkGroupID.x), y = int(gl_WorkGroupID.y);
    uint me = uint(y * pc.mb_width + x);
    uint u = gl_LocalInvocationID.x;
    int l = x > 0 ? int(me) - 1 : -1;
    int t = y % pc.slice_mb_rows != 0 ? int(me) - pc.mb_width : -1;

    for (uint w = u; w < MB_WORDS; w += UNITS)
        s_mb[w] = 0u;

    /* 1. each invocation codes its unit into s_unit */
    g_pos = 0u;
    g_acc = 0u;
    g_base = u * UNIT_WORDS;
    g_err = false;
    if (u == 0u)
        put_header(me);
    else
        put_residual(me, l, t, u);
    if ((g_pos & 31u) != 0u)
        store_word(g_pos >> 5, g_acc);
    s_bits[u] = g_pos;
    if (g_err)
        atomicOr(counts[n_mbs], 1u);
    barrier();

    /* 2. the unit's offset in the macroblock: exclusive prefix sum of the bit counts */
    uint offset = 0u, total = 0u;
    for (uint k = 0u; k < UNITS; k++) {
        uint bits = s_bits[k];
        if (k < u)
            offset += bits;
        total += bits;
    }

    /* 3. OR the unit's words into the macroblock at its offset; bits past MB_WORDS are
     * dropped (the count below flags them) */
    uint shift = offset & 31u;
    uint words = min((g_pos + 31u) >> 5, UNIT_WORDS);
    for (uint k = 0u; k < words; k++) {
        uint v = s_unit[g_base + k];
        uint w = (offset >> 5) + k;
        if (w < MB_WORDS && (v >> shift) != 0u)
            atomicOr(s_mb[w], v >> shift);
        if (shift != 0u && w + 1u < MB_WORDS && (v << (32u - shift)) != 0u)
            atomicOr(s_mb[w + 1u], v << (32u - shift));
    }
    barrier();

    uint used = min((total + 31u) >> 5, MB_WORDS);
    for (uint w = u; w < used; w += UNITS)
        scratch[me * MB_WORDS + w] = s_mb[w];
    if (u == 0u) {
        counts[me] = total;
        if (total > MB_WORDS * 32u)
            atomicOr(counts[n_mbs], 1u);
    }
}
