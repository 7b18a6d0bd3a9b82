/*
 * CAVLC on the GPU: the twin of tk_cavlc_mb_ref() (cavlc_ref.c), bit for bit.
 *
 * Parallel mapping: MB_PER_GROUP macroblocks per workgroup, one slice of 32 invocations per
 * macroblock; workgroup g (g = y * gl_NumWorkGroups.x + x over the 2-D grid that
 * cavlc_gpu.c dispatches) codes macroblocks g * MB_PER_GROUP + slice. Every macroblock's
 * neighbours (for nC) were finished by the analysis dispatch before this one, so all
 * macroblocks of the frame are coded at once, and inside a macroblock every syntax unit is
 * coded at once: its bits depend only on TkCodedMb, never on the bits before it. Coding a
 * macroblock's ~27 residual blocks one after the other in one invocation made the kernel's
 * latency that of one thread (a quarter of a millisecond even for a tiny frame); here it is
 * that of the longest unit. Invocation u of a slice codes unit u:
 *
 *    0      macroblock header: mb_type, the Intra4x4 modes, intra_chroma_pred_mode,
 *           coded_block_pattern, mb_qp_delta
 *    1      Intra16x16 DC
 *    2-17   luma 4x4 block u - 2 (Intra16x16 AC or Intra4x4)
 *    18-19  chroma DC Cb, Cr
 *    20-27  chroma AC Cb 0-3, Cr 0-3
 *    28-31  nothing (they store words in step 2)
 *
 * which is bitstream order; a unit the macroblock does not code (cbp) has no bits.
 *  1. Each unit is written MSB-first to its own stretch of shared memory (UNIT_WORDS: at
 *     most 641 bits for a block whose levels Baseline can code, well under 300 for the
 *     header), its bit count to s_bits. Barrier.
 *  2. Each invocation of the slice gathers output words u, u + 32, ... of the macroblock:
 *     walking the units' bit counts (a running sum: the units' offsets), it ORs together
 *     the pieces of the units that overlap the word, and stores the word to the
 *     macroblock's scratch area (TK_MB_SCRATCH_WORDS words); invocation 0 stores the bit
 *     count to counts[i]. Gathering needs no shared copy of the macroblock, no zeroing, no
 *     atomics and one barrier.
 * Barriers only, no subgroup operations: any subgroup size works.
 *
 * MB_PER_GROUP = 2 (64 invocations). A multiprocessor holds at most 32 workgroups (NVIDIA);
 * with one macroblock of 32 invocations per group that capped an H100 multiprocessor (2048
 * invocations) at half, in big batches. 2 lifts that cap to 2048; 4 would lift it no
 * further, while a group waits at its barrier for its slowest macroblock (more of them, more
 * waiting) and the tail group idles more lanes. Shared memory per macroblock: s_unit 2352 B,
 * s_coef 972 B (coefficients as 16-bit pairs), s_bits 112 B = 3436 B, 6872 B per group:
 * 33 groups fit in the 228 KB of an H100 multiprocessor, 29 if the driver reserves 1 KB per
 * group as CUDA does (1856 invocations); registers are the likelier limit (2048 invocations
 * need <= 32 each). Change MB_PER_GROUP here and in cavlc_gpu.c together.
 *
 * The tail group skips the macroblocks past n_mbs (and the grid's spare groups all of
 * theirs) but reaches the barrier. A group none of whose macroblocks codes a bit (P_Skip
 * inside its slice's run, or past n_mbs) stores their zero counts and leaves before it.
 *
 * A level Baseline cannot code, or a macroblock over TK_MB_SCRATCH_WORDS words, sets bit 0
 * of counts[n_mbs] (zero at open; pack.comp clears it after reading) where the C reference
 * returns ERANGE; the words that fit are still stored and counts[i] is the full count.
 *
 * P slices (p_slice): unit 0 also writes mb_skip_run (the P_Skip macroblocks before this
 * one in its slice, counted back from it), and a P_Skip macroblock nothing but the run at
 * its slice's end; P_L0 macroblocks write their partitioning and mvd_l0 from the motion
 * buffer, intra ones mb_type + 5 (tk_cavlc_mb_p_ref()).
 *
 * Buffers: 0 TkCodedMb[n_mbs] (read), 1 scratch (n_mbs * 512 uint), 2 counts (n_mbs + 1 uint),
 * 3 TkMbMotion[n_mbs] (read in P slices; any storage buffer otherwise).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"
#include "../../h264/cavlc_tables.h"

#define MB_PER_GROUP 2    /* macroblocks per workgroup; the same in cavlc_gpu.c */
#define LANES 32          /* invocations per macroblock */

layout(local_size_x = LANES * MB_PER_GROUP) in;

#define TK_ROW_BUFFERS 4
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer CodedRow { TkCodedMb m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer ScratchRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer CountsRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer MotionRow { TkMbMotion m[]; };
#define coded CodedRow(tk_row_buf[0]).m
#define scratch ScratchRow(tk_row_buf[1]).m
#define counts CountsRow(tk_row_buf[2]).m
#define motion MotionRow(tk_row_buf[3]).m

struct Params {
    int mb_width;
    int mb_height;
    int slice_mb_rows;
    int p_slice;        /* 1: P slices (mb_skip_run, P_L0 and P_Skip, intra mb_type + 5) */
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

#define MB_WORDS 512u     /* TK_MB_SCRATCH_WORDS */
#define LEVEL_MAX 2063    /* TK_CAVLC_LEVEL_MAX */
#define UNITS 28u         /* syntax units per macroblock (see above) */
#define UNIT_WORDS 21u    /* a unit's bits (672 >= 641); odd, so that units hit distinct banks */
#define COEF_STRIDE 9u    /* a block unit's 16 coefficients, 16-bit pairs; odd, as above */

const uint CT0[68] = uint[68](TK_CAVLC_COEFF_TOKEN_0);
const uint CT1[68] = uint[68](TK_CAVLC_COEFF_TOKEN_1);
const uint CT2[68] = uint[68](TK_CAVLC_COEFF_TOKEN_2);
const uint CTDC[20] = uint[20](TK_CAVLC_COEFF_TOKEN_DC);
const uint TZ[240] = uint[240](TK_CAVLC_TOTAL_ZEROS);
const uint TZDC[12] = uint[12](TK_CAVLC_TOTAL_ZEROS_DC);
const uint RB[105] = uint[105](TK_CAVLC_RUN_BEFORE);
const uint CBP_CODE[48] = uint[48](TK_CAVLC_CBP_INTRA_CODE);
const uint CBP_INTER_CODE[48] = uint[48](TK_CAVLC_CBP_INTER_CODE);

shared uint s_unit[MB_PER_GROUP * UNITS * UNIT_WORDS]; /* each unit's bits, MSB-first */
shared uint s_bits[MB_PER_GROUP * UNITS];              /* each unit's bit count */
shared int s_coef[MB_PER_GROUP * (UNITS - 1u) * COEF_STRIDE]; /* block units' coefficients */

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

/* Coefficient i of the block unit whose coefficients start at s_coef[cb]: two to a word,
 * even i in the low half. */
int coef(uint cb, int i)
{
    return bitfieldExtract(s_coef[cb + uint(i >> 1)], (i & 1) * 16, 16);
}

/* Two coefficients as one s_coef word. Clamping to 16 bits changes no bit of the output: it
 * keeps zero, +-1 and every codable level (|level| <= 2 * LEVEL_MAX), and a larger level
 * stays larger, flagged and coded as 0 either way. */
int pack2(int a, int b)
{
    return (clamp(a, -32768, 32767) & 0xffff) | clamp(b, -32768, 32767) << 16;
}

/*
 * residual_block_cavlc() of the n coefficients coef(cb, 0 .. n-1) (see put_block in
 * cavlc_ref.c). The reference's arrays of levels and runs become a mask of the non-zero
 * positions, walked from the top with findMSB: levels[k] is the k-th highest non-zero
 * coefficient, runs[k] the distance from it down to the next one.
 */
void put_block(uint cb, int n, int nc)
{
    uint mask = 0u;
    for (int i = 0; i < n; i++) {
        if (coef(cb, i) != 0)
            mask |= 1u << i;
    }
    int total = bitCount(mask), last = findMSB(mask);

    /* trailing ones, highest first; their signs MSB-first as trailing_ones_sign_flag */
    int ones = 0;
    uint signs = 0u;
    uint rest = mask;
    while (ones < 3 && rest != 0u) {
        int i = findMSB(rest);
        int level = coef(cb, i);
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
        int level = coef(cb, i);
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

/* P slices: the number of P_Skip macroblocks just before macroblock me in its slice (the
 * mb_skip_run that precedes it, 7.3.4). Walked back per macroblock: a slice is a few rows. */
uint skip_run_before(uint me)
{
    int first = (int(me) / pc.mb_width) / pc.slice_mb_rows * pc.slice_mb_rows * pc.mb_width;
    int i = int(me) - 1;
    while (i >= first && coded[i].type == TK_MB_PSKIP)
        i--;
    return uint(int(me) - 1 - i);
}

/* the last macroblock of its slice */
bool ends_slice(uint me)
{
    int x = int(me) % pc.mb_width, y = int(me) / pc.mb_width;
    return x == pc.mb_width - 1 && ((y + 1) % pc.slice_mb_rows == 0 || y == pc.mb_height - 1);
}

/* A macroblock that codes no bits: a P_Skip one inside its slice's run, or none (past
 * n_mbs). */
bool silent(uint mb, uint n_mbs)
{
    return mb >= n_mbs || (pc.p_slice != 0 && coded[mb].type == TK_MB_PSKIP && !ends_slice(mb));
}

/* macroblock_layer() 7.3.5 up to the residual: unit 0; in P slices mb_skip_run first
 * (cavlc_ref.c tk_cavlc_mb_p_ref). */
void put_header(uint me)
{
    int type = coded[me].type;
    int cbp = coded[me].cbp;
    int cbp_luma = cbp & 15, cbp_chroma = cbp >> 4;
    bool i16 = type == TK_MB_I16x16, inter = type == TK_MB_PL0;
    uint intra_base = 0u;
    if (pc.p_slice != 0) {
        /* the run is counted only where it is written: counted by every P_Skip macroblock,
         * it cost each a walk back over the run (most of the kernel's time in P pictures) */
        if (type == TK_MB_PSKIP) {
            /* a run reaching the slice's end is written by its last macroblock */
            if (ends_slice(me))
                put_ue(skip_run_before(me) + 1u);                   /* mb_skip_run */
            return;
        }
        put_ue(skip_run_before(me));                                /* mb_skip_run */
        intra_base = 5u;    /* Table 7-13: intra mb_type values follow the 5 P ones */
    }
    if (inter)
        put_ue(uint(motion[me].part));   /* 0 P_L0_16x16, 1 P_L0_L0_16x8, 2 P_L0_L0_8x16 */
    else if (i16)
        put_ue(intra_base + uint(1 + coded[me].i16_mode + 4 * cbp_chroma +
                                 (cbp_luma != 0 ? 12 : 0)));
    else
        put_ue(intra_base);
    if (inter) {
        /* mb_pred() 7.3.5.1, one reference picture: no ref_idx_l0 */
        for (int k = 0; k < (motion[me].part == TK_PART_16x16 ? 1 : 2); k++) {
            put_se(motion[me].mvd[k][0]);
            put_se(motion[me].mvd[k][1]);
        }
    } else {
        if (!i16) {
            for (int i = 0; i < 16; i++) {
                int s = coded[me].i4_mode_syntax[i];
                put(1u, s < 0 ? 1u : 0u);
                if (s >= 0)
                    put(3u, uint(s));
            }
        }
        put_ue(uint(coded[me].chroma_mode));
    }
    if (inter)
        put_ue(CBP_INTER_CODE[cbp]);
    else if (!i16)
        put_ue(CBP_CODE[cbp]);
    if (i16 || cbp != 0)
        put_se(coded[me].qp_delta);
}

/* Residual unit u (1..27, see the top of the file), if the macroblock codes it; its
 * coefficients go to s_coef[cb ...]. */
void put_residual(uint me, int l, int t, uint u, uint cb)
{
    int cbp = coded[me].cbp;
    int cbp_luma = cbp & 15, cbp_chroma = cbp >> 4;
    bool i16 = coded[me].type == TK_MB_I16x16;
    if (u == 1u) {
        if (!i16)
            return;
        for (int i = 0; i < 16; i += 2)
            s_coef[cb + uint(i >> 1)] = pack2(coded[me].luma_dc[i], coded[me].luma_dc[i + 1]);
        put_block(cb, 16, luma_nc(me, l, t, 0));
    } else if (u < 18u) {
        int blk = int(u) - 2;
        if ((cbp_luma >> (blk >> 2) & 1) == 0)
            return;
        int nc = luma_nc(me, l, t, blk);
        if (i16) {
            for (int i = 0; i < 15; i += 2)
                s_coef[cb + uint(i >> 1)] = pack2(coded[me].luma[blk][i + 1],
                                                  i < 14 ? coded[me].luma[blk][i + 2] : 0);
            put_block(cb, 15, nc);
        } else {
            for (int i = 0; i < 16; i += 2)
                s_coef[cb + uint(i >> 1)] = pack2(coded[me].luma[blk][i],
                                                  coded[me].luma[blk][i + 1]);
            put_block(cb, 16, nc);
        }
    } else if (u < 20u) {
        int ch = int(u) - 18;
        if (cbp_chroma == 0)
            return;
        for (int i = 0; i < 4; i += 2)
            s_coef[cb + uint(i >> 1)] = pack2(coded[me].chroma_dc[ch][i],
                                              coded[me].chroma_dc[ch][i + 1]);
        put_block(cb, 4, -1);
    } else if (u < 28u) {
        int ch = (int(u) - 20) >> 2, blk = (int(u) - 20) & 3;
        if (cbp_chroma != 2)
            return;
        for (int i = 0; i < 15; i += 2)
            s_coef[cb + uint(i >> 1)] = pack2(coded[me].chroma_ac[ch][blk][i + 1],
                                              i < 14 ? coded[me].chroma_ac[ch][blk][i + 2] : 0);
        put_block(cb, 15, chroma_nc(me, l, t, ch, blk));
    }
}

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    uint n_mbs = uint(pc.mb_width * pc.mb_height);
    uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint slot = gl_LocalInvocationID.x / uint(LANES); /* this macroblock's slice */
    uint u = gl_LocalInvocationID.x % uint(LANES);
    uint me = group * uint(MB_PER_GROUP) + slot;
    bool live = me < n_mbs; /* false in the tail group past n_mbs: skip all but the barrier */
    uint units = slot * UNITS; /* this macroblock's unit 0 in s_bits; times UNIT_WORDS in s_unit */
    /* a group whose macroblocks code nothing (most of a conversation's P picture) leaves at
     * once, all its invocations together (so none waits at the barrier) */
    bool all_silent = true;
    for (uint k = 0u; k < uint(MB_PER_GROUP); k++)
        all_silent = all_silent && silent(group * uint(MB_PER_GROUP) + k, n_mbs);
    if (all_silent) {
        if (live && u == 0u)
            counts[me] = 0u;
        return;
    }

    /* 1. each invocation codes its unit into s_unit */
    if (live && u < UNITS) {
        int x = int(me % uint(pc.mb_width)), y = int(me / uint(pc.mb_width));
        int l = x > 0 ? int(me) - 1 : -1;
        int t = y % pc.slice_mb_rows != 0 ? int(me) - pc.mb_width : -1;
        g_pos = 0u;
        g_acc = 0u;
        g_base = (units + u) * UNIT_WORDS;
        g_err = false;
        if (u == 0u)
            put_header(me);
        else
            put_residual(me, l, t, u, (slot * (UNITS - 1u) + u - 1u) * COEF_STRIDE);
        if ((g_pos & 31u) != 0u)
            store_word(g_pos >> 5, g_acc);
        s_bits[units + u] = g_pos;
        if (g_err)
            atomicOr(counts[n_mbs], 1u);
    }
    barrier();
    if (!live)
        return;

    /* 2. gather the macroblock's words u, u + LANES, ...: word w holds bits 32w .. 32w + 31;
     * a unit at bit offset off (the sum of the bit counts before it) covers bits
     * off .. off + bits - 1 of the macroblock. Bits past MB_WORDS are dropped (the count
     * below flags them), and so are a unit's past UNIT_WORDS (flagged in step 1). */
    uint total = 0u;
    for (uint k = 0u; k < UNITS; k++)
        total += s_bits[units + k];
    uint used = min((total + 31u) >> 5, MB_WORDS);
    for (uint w = u; w < used; w += uint(LANES)) {
        uint first = w * 32u;
        uint v = 0u, off = 0u;
        for (uint k = 0u; k < UNITS && off < first + 32u; k++) {
            uint bits = s_bits[units + k];
            if (bits != 0u && off + bits > first) {
                uint base = (units + k) * UNIT_WORDS;
                if (off >= first) {
                    v |= s_unit[base] >> (off - first); /* the unit starts in this word */
                } else {
                    uint p = first - off, pw = p >> 5, shift = p & 31u;
                    uint stored = min((bits + 31u) >> 5, UNIT_WORDS);
                    if (pw < stored)
                        v |= s_unit[base + pw] << shift;
                    if (shift != 0u && pw + 1u < stored)
                        v |= s_unit[base + pw + 1u] >> (32u - shift);
                }
            }
            off += bits;
        }
        scratch[me * MB_WORDS + w] = v;
    }
    if (u == 0u) {
        counts[me] = total;
        if (total > MB_WORDS * 32u)
            atomicOr(counts[n_mbs], 1u);
    }
}
