/*
 * CAVLC on the GPU: the twin of tk_cavlc_mb_ref() (cavlc_ref.c), bit for bit.
 *
 * Parallel mapping: one invocation per macroblock. Every macroblock's neighbours (for nC)
 * were finished by the analysis dispatch before this one, so all macroblocks of the frame
 * are coded at once; each writes its bits MSB-first to its own scratch area
 * (TK_MB_SCRATCH_WORDS words) and its bit count to counts[i]. A level Baseline cannot code
 * sets bit 0 of counts[n_mbs] (zero at open; pack.comp clears it after reading) where the C reference returns ERANGE.
 *
 * Buffers: 0 TkCodedMb[n_mbs] (read), 1 scratch (n_mbs * 512 uint), 2 counts (n_mbs + 1 uint).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"
#include "../../h264/cavlc_tables.h"

layout(local_size_x = 64) in;

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

const uint CT0[68] = uint[68](TK_CAVLC_COEFF_TOKEN_0);
const uint CT1[68] = uint[68](TK_CAVLC_COEFF_TOKEN_1);
const uint CT2[68] = uint[68](TK_CAVLC_COEFF_TOKEN_2);
const uint CTDC[20] = uint[20](TK_CAVLC_COEFF_TOKEN_DC);
const uint TZ[240] = uint[240](TK_CAVLC_TOTAL_ZEROS);
const uint TZDC[12] = uint[12](TK_CAVLC_TOTAL_ZEROS_DC);
const uint RB[105] = uint[105](TK_CAVLC_RUN_BEFORE);
const uint CBP_CODE[48] = uint[48](TK_CAVLC_CBP_INTRA_CODE);

/* The bit writer: the word being filled is kept in a register and stored when full. */
uint g_pos;   /* bits written */
uint g_acc;   /* the current, partly filled word */
uint g_base;  /* first scratch word of this macroblock */
bool g_err;

void store_word(uint index, uint v)
{
    if (index < MB_WORDS)
        scratch[g_base + index] = v;
    else
        g_err = true;
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

/* residual_block_cavlc() of n coefficients c[0..n-1] (see put_block in cavlc_ref.c). */
void put_block(int c[16], int n, int nc)
{
    int levels[16];
    int runs[16];
    int total = 0, last = -1;
    for (int i = n - 1; i >= 0; i--) {
        if (c[i] == 0)
            continue;
        if (last < 0)
            last = i;
        levels[total] = c[i];
        int run = 0;
        for (int j = i - 1; j >= 0 && c[j] == 0; j--)
            run++;
        runs[total] = run;
        total++;
    }
    int ones = 0;
    while (ones < total && ones < 3 && abs(levels[ones]) == 1)
        ones++;

    put_coeff_token(nc, total, ones);
    if (total == 0)
        return;
    for (int i = 0; i < ones; i++)
        put(1u, levels[i] < 0 ? 1u : 0u);

    int suffix_len = total > 10 && ones < 3 ? 1 : 0;
    for (int i = ones; i < total; i++) {
        int level = levels[i];
        if (abs(level) > LEVEL_MAX * 2) {
            g_err = true;
            level = 0;
        }
        int code = level > 0 ? 2 * level - 2 : -2 * level - 1;
        if (i == ones && ones < 3)
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
                int rest = code - (15 << suffix_len);
                if (rest >= 4096)
                    g_err = true;
                put(16u, 1u);
                put(12u, uint(rest));
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
    for (int i = 0; i < total - 1 && zeros > 0; i++) {
        int zl = min(zeros, 7);
        put_vlc(RB[(zl - 1) * 15 + runs[i]]);
        zeros -= runs[i];
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

void main()
{
    uint n_mbs = uint(pc.mb_width * pc.mb_height);
    uint me = gl_GlobalInvocationID.x;
    if (me >= n_mbs)
        return;
    int x = int(me) % pc.mb_width, y = int(me) / pc.mb_width;
    int l = x > 0 ? int(me) - 1 : -1;
    int t = y % pc.slice_mb_rows != 0 ? int(me) - pc.mb_width : -1;

    g_pos = 0u;
    g_acc = 0u;
    g_base = me * MB_WORDS;
    g_err = false;

    int type = coded[me].type;
    int cbp = coded[me].cbp;
    int cbp_luma = cbp & 15, cbp_chroma = cbp >> 4;
    bool i16 = type == TK_MB_I16x16;
    int c[16];

    /* macroblock_layer() 7.3.5 */
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

    if (i16) {
        for (int i = 0; i < 16; i++)
            c[i] = coded[me].luma_dc[i];
        put_block(c, 16, luma_nc(me, l, t, 0));
    }
    for (int blk = 0; blk < 16; blk++) {
        if ((cbp_luma >> (blk >> 2) & 1) == 0)
            continue;
        int nc = luma_nc(me, l, t, blk);
        if (i16) {
            for (int i = 0; i < 15; i++)
                c[i] = coded[me].luma[blk][i + 1];
            c[15] = 0;
            put_block(c, 15, nc);
        } else {
            for (int i = 0; i < 16; i++)
                c[i] = coded[me].luma[blk][i];
            put_block(c, 16, nc);
        }
    }
    if (cbp_chroma != 0) {
        for (int ch = 0; ch < 2; ch++) {
            for (int i = 0; i < 4; i++)
                c[i] = coded[me].chroma_dc[ch][i];
            put_block(c, 4, -1);
        }
    }
    if (cbp_chroma == 2) {
        for (int ch = 0; ch < 2; ch++) {
            for (int blk = 0; blk < 4; blk++) {
                for (int i = 0; i < 15; i++)
                    c[i] = coded[me].chroma_ac[ch][blk][i + 1];
                c[15] = 0;
                put_block(c, 15, chroma_nc(me, l, t, ch, blk));
            }
        }
    }
    if ((g_pos & 31u) != 0u)
        store_word(g_pos >> 5, g_acc);
    counts[me] = g_pos;
    if (g_err)
        atomicOr(counts[n_mbs], 1u);
}
