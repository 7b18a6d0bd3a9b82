/*
 * CAVLC reference (see cavlc_ref.h). shaders/cavlc.comp follows this file step by step;
 * keep them in sync.
 */
#include "encode/compute/cavlc_ref.h"

#include <stddef.h>

#include "encode/h264/cavlc_tables.h"
#include "talkie/talkie.h"

static const uint32_t coeff_token_0[] = { TK_CAVLC_COEFF_TOKEN_0 };
static const uint32_t coeff_token_1[] = { TK_CAVLC_COEFF_TOKEN_1 };
static const uint32_t coeff_token_2[] = { TK_CAVLC_COEFF_TOKEN_2 };
static const uint32_t coeff_token_dc[] = { TK_CAVLC_COEFF_TOKEN_DC };
static const uint32_t total_zeros_4x4[] = { TK_CAVLC_TOTAL_ZEROS };
static const uint32_t total_zeros_dc[] = { TK_CAVLC_TOTAL_ZEROS_DC };
static const uint32_t run_before[] = { TK_CAVLC_RUN_BEFORE };
static const uint32_t cbp_intra_code[] = { TK_CAVLC_CBP_INTRA_CODE };
static const uint32_t cbp_inter_code[] = { TK_CAVLC_CBP_INTER_CODE };

static void put_vlc(TkBitWriter *bw, uint32_t entry)
{
    tk_bw_put(bw, (int)(entry >> 16), entry & 0xffff);
}

/* coeff_token, Table 9-5, by nC (-1 = chroma DC). */
static void put_coeff_token(TkBitWriter *bw, int nc, int total, int ones)
{
    if (nc == -1)
        put_vlc(bw, coeff_token_dc[total * 4 + ones]);
    else if (nc < 2)
        put_vlc(bw, coeff_token_0[total * 4 + ones]);
    else if (nc < 4)
        put_vlc(bw, coeff_token_1[total * 4 + ones]);
    else if (nc < 8)
        put_vlc(bw, coeff_token_2[total * 4 + ones]);
    else if (total == 0)
        tk_bw_put(bw, 6, 3);
    else
        tk_bw_put(bw, 6, (uint32_t)((total - 1) << 2 | ones));
}

/*
 * residual_block_cavlc() of `n` coefficients (4: chroma DC, 15: AC, 16: 4x4 / Intra16x16 DC)
 * in coding order. Returns TotalCoeff, or a negative error.
 */
static int put_block(TkBitWriter *bw, const int32_t *coeff, int n, int nc)
{
    int32_t levels[16]; /* non-zero levels, highest frequency first */
    int runs[16];       /* zeros just below each of them (down to the next non-zero) */
    int total = 0, last = -1;
    for (int i = n - 1; i >= 0; i--) {
        if (coeff[i] == 0)
            continue;
        if (last < 0)
            last = i;
        levels[total] = coeff[i];
        runs[total] = 0;
        for (int j = i - 1; j >= 0 && coeff[j] == 0; j--)
            runs[total]++;
        total++;
    }
    int ones = 0;
    while (ones < total && ones < 3 && (levels[ones] == 1 || levels[ones] == -1))
        ones++;

    put_coeff_token(bw, nc, total, ones);
    if (total == 0)
        return 0;

    for (int i = 0; i < ones; i++)
        tk_bw_put(bw, 1, levels[i] < 0); /* trailing_ones_sign_flag */

    /* Levels, 9.2.2.1 run backwards: levelCode from the level, then level_prefix and
     * level_suffix for the current suffixLength. */
    int suffix_len = total > 10 && ones < 3 ? 1 : 0;
    for (int i = ones; i < total; i++) {
        int32_t level = levels[i];
        if (level > TK_CAVLC_LEVEL_MAX * 2 || level < -TK_CAVLC_LEVEL_MAX * 2)
            return TALKIE_ERR(ERANGE);
        int code = level > 0 ? 2 * level - 2 : -2 * level - 1;
        /* The first level after fewer than 3 trailing ones cannot be +-1: coded one lower. */
        if (i == ones && ones < 3)
            code -= 2;
        if (suffix_len == 0) {
            if (code < 14) {
                tk_bw_put(bw, code + 1, 1);           /* level_prefix = code */
            } else if (code < 30) {
                tk_bw_put(bw, 15, 1);                 /* level_prefix 14 */
                tk_bw_put(bw, 4, (uint32_t)(code - 14)); /* level_suffix, 4 bits */
            } else {
                if (code - 30 >= 4096)
                    return TALKIE_ERR(ERANGE);
                tk_bw_put(bw, 16, 1);                 /* level_prefix 15 */
                tk_bw_put(bw, 12, (uint32_t)(code - 30)); /* level_suffix, 12 bits */
            }
        } else {
            if ((code >> suffix_len) < 15) {
                tk_bw_put(bw, (code >> suffix_len) + 1, 1);
                tk_bw_put(bw, suffix_len, (uint32_t)code);
            } else {
                int rest = code - (15 << suffix_len);
                if (rest >= 4096)
                    return TALKIE_ERR(ERANGE);
                tk_bw_put(bw, 16, 1);                 /* level_prefix 15 */
                tk_bw_put(bw, 12, (uint32_t)rest);
            }
        }
        if (suffix_len == 0)
            suffix_len = 1;
        int mag = level < 0 ? -level : level;
        if (mag > (3 << (suffix_len - 1)) && suffix_len < 6)
            suffix_len++;
    }

    int zeros = last + 1 - total;
    if (total < n) {
        if (n == 4)
            put_vlc(bw, total_zeros_dc[(total - 1) * 4 + zeros]);
        else
            put_vlc(bw, total_zeros_4x4[(total - 1) * 16 + zeros]);
    }
    for (int i = 0; i < total - 1 && zeros > 0; i++) {
        int zl = zeros < 7 ? zeros : 7;
        put_vlc(bw, run_before[(zl - 1) * 15 + runs[i]]);
        zeros -= runs[i];
    }
    return total;
}

/* luma4x4BlkIdx of the 4x4 block at (x, y) in 4x4 units inside the macroblock (6.4.3). */
static int luma_idx(int x, int y)
{
    return (y >> 1) * 8 + (x >> 1) * 4 + (y & 1) * 2 + (x & 1);
}

/* nC from the available neighbours' counts (9.2.1); -1 marks "not available". */
static int nc_of(int a, int b)
{
    if (a >= 0 && b >= 0)
        return (a + b + 1) >> 1;
    if (a >= 0)
        return a;
    if (b >= 0)
        return b;
    return 0;
}

static int luma_nc(const TkCodedMb *mb, const TkCodedMb *left, const TkCodedMb *top, int blk)
{
    int x = (blk >> 2 & 1) * 2 + (blk & 1);
    int y = (blk >> 3) * 2 + (blk >> 1 & 1);
    int a = x > 0 ? mb->total_coeff[luma_idx(x - 1, y)]
                  : left ? left->total_coeff[luma_idx(3, y)] : -1;
    int b = y > 0 ? mb->total_coeff[luma_idx(x, y - 1)]
                  : top ? top->total_coeff[luma_idx(x, 3)] : -1;
    return nc_of(a, b);
}

static int chroma_nc(const TkCodedMb *mb, const TkCodedMb *left, const TkCodedMb *top, int c,
                     int blk)
{
    int a = (blk & 1) ? mb->total_coeff_chroma[c][blk - 1]
                      : left ? left->total_coeff_chroma[c][blk + 1] : -1;
    int b = (blk & 2) ? mb->total_coeff_chroma[c][blk - 2]
                      : top ? top->total_coeff_chroma[c][blk + 2] : -1;
    return nc_of(a, b);
}

static int check_total(int res, int stored)
{
    if (res < 0)
        return res;
    return res == stored ? 0 : TALKIE_ERR(EINVAL);
}

/*
 * macroblock_layer() 7.3.5 of an intra or (p_slice) P_L0 macroblock (16x16, 16x8, 8x16).
 * In P slices the intra mb_type values are 5 higher (Table 7-13 before 7-11). `motion` is
 * the macroblock's motion (P_L0 only).
 */
static int put_mb(TkBitWriter *bw, const TkCodedMb *mb, const TkMbMotion *motion,
                  const TkCodedMb *left, const TkCodedMb *top, int p_slice)
{
    int cbp_luma = mb->cbp & 15, cbp_chroma = mb->cbp >> 4;
    int i16 = mb->type == TK_MB_I16x16, inter = mb->type == TK_MB_PL0;
    int intra_base = p_slice ? 5 : 0;
    if ((mb->type != TK_MB_I4x4 && !i16 && !(inter && p_slice && motion)) || mb->cbp < 0 ||
        cbp_chroma > 2 || (i16 && cbp_luma != 0 && cbp_luma != 15) ||
        (!inter && (mb->chroma_mode < 0 || mb->chroma_mode > 3)))
        return TALKIE_ERR(EINVAL);

    /* macroblock_layer() 7.3.5 */
    if (inter) {
        if (motion->part < TK_PART_16x16 || motion->part > TK_PART_8x16)
            return TALKIE_ERR(EINVAL);
        /* mb_type (Table 7-13): 0 P_L0_16x16, 1 P_L0_L0_16x8, 2 P_L0_L0_8x16 */
        tk_bw_put_ue(bw, (uint32_t)motion->part);
    } else if (i16) {
        if (mb->i16_mode < 0 || mb->i16_mode > 3)
            return TALKIE_ERR(EINVAL);
        /* mb_type, Table 7-11: 1 + mode + 4 * chroma cbp + 12 when all luma is coded */
        tk_bw_put_ue(bw, (uint32_t)(intra_base + 1 + mb->i16_mode + 4 * cbp_chroma +
                                    (cbp_luma ? 12 : 0)));
    } else {
        tk_bw_put_ue(bw, (uint32_t)intra_base); /* mb_type I_NxN */
    }
    /* mb_pred() 7.3.5.1 */
    if (inter) {
        /* num_ref_idx_l0_active_minus1 0: no ref_idx_l0 */
        for (int k = 0; k < (motion->part == TK_PART_16x16 ? 1 : 2); k++) {
            tk_bw_put_se(bw, motion->mvd[k][0]);     /* mvd_l0[mbPartIdx][0][0] */
            tk_bw_put_se(bw, motion->mvd[k][1]);     /* mvd_l0[mbPartIdx][0][1] */
        }
    } else {
        if (!i16) {
            for (int i = 0; i < 16; i++) {
                int s = mb->i4_mode_syntax[i];
                if (s < -1 || s > 7)
                    return TALKIE_ERR(EINVAL);
                tk_bw_put(bw, 1, s < 0);             /* prev_intra4x4_pred_mode_flag */
                if (s >= 0)
                    tk_bw_put(bw, 3, (uint32_t)s);   /* rem_intra4x4_pred_mode */
            }
        }
        tk_bw_put_ue(bw, (uint32_t)mb->chroma_mode); /* intra_chroma_pred_mode */
    }
    if (inter)
        tk_bw_put_ue(bw, cbp_inter_code[mb->cbp]);   /* coded_block_pattern, me(v) 9.1.2 */
    else if (!i16)
        tk_bw_put_ue(bw, cbp_intra_code[mb->cbp]);   /* coded_block_pattern, me(v) 9.1.2 */
    if (i16 || mb->cbp != 0)
        tk_bw_put_se(bw, mb->qp_delta);              /* mb_qp_delta */
    else if (mb->qp_delta != 0)
        return TALKIE_ERR(EINVAL);                   /* it cannot be coded here */

    /* residual() 7.3.5.3, residual_luma() */
    int res;
    if (i16) {
        res = put_block(bw, mb->luma_dc, 16, luma_nc(mb, left, top, 0));
        if (res < 0)
            return res;
    }
    for (int blk = 0; blk < 16; blk++) {
        if (!(cbp_luma >> (blk >> 2) & 1)) {
            if (mb->total_coeff[blk] != 0)
                return TALKIE_ERR(EINVAL);
            continue;
        }
        int nc = luma_nc(mb, left, top, blk);
        if (i16)
            res = put_block(bw, &mb->luma[blk][1], 15, nc);
        else
            res = put_block(bw, mb->luma[blk], 16, nc);
        if ((res = check_total(res, mb->total_coeff[blk])) < 0)
            return res;
    }
    /* chroma: DC of Cb and Cr, then the AC blocks */
    if (cbp_chroma) {
        for (int c = 0; c < 2; c++)
            if ((res = put_block(bw, mb->chroma_dc[c], 4, -1)) < 0)
                return res;
    }
    for (int c = 0; c < 2; c++) {
        for (int blk = 0; blk < 4; blk++) {
            if (cbp_chroma < 2) {
                if (mb->total_coeff_chroma[c][blk] != 0)
                    return TALKIE_ERR(EINVAL);
                continue;
            }
            res = put_block(bw, &mb->chroma_ac[c][blk][1], 15, chroma_nc(mb, left, top, c, blk));
            if ((res = check_total(res, mb->total_coeff_chroma[c][blk])) < 0)
                return res;
        }
    }
    return bw->overflow ? TALKIE_ERR(ENOSPC) : 0;
}

int tk_cavlc_mb_ref(TkBitWriter *bw, const TkCodedMb *mb, const TkCodedMb *left,
                    const TkCodedMb *top)
{
    return put_mb(bw, mb, NULL, left, top, 0);
}

int tk_cavlc_mb_p_ref(TkBitWriter *bw, const TkCodedMb *mb, const TkMbMotion *motion,
                      const TkCodedMb *left, const TkCodedMb *top, int skip_run, int last)
{
    if (mb->type == TK_MB_PSKIP) {
        /* slice_data() 7.3.4: skipped macroblocks are counted by the mb_skip_run before the
         * next coded one; a run reaching the slice's end is written by its last macroblock */
        if (last)
            tk_bw_put_ue(bw, (uint32_t)skip_run + 1); /* mb_skip_run */
        return bw->overflow ? TALKIE_ERR(ENOSPC) : 0;
    }
    tk_bw_put_ue(bw, (uint32_t)skip_run);            /* mb_skip_run */
    return put_mb(bw, mb, motion, left, top, 1);
}

int tk_cavlc_frame_ref(const TkCodedMb *coded, int mb_width, int mb_height, int slice_mb_rows,
                       uint32_t *scratch, uint32_t *counts)
{
    for (int y = 0; y < mb_height; y++) {
        /* 9.2.1 with 6.4.x: the macroblock above is usable only inside the same slice. */
        int top_ok = y % slice_mb_rows != 0;
        for (int x = 0; x < mb_width; x++) {
            size_t i = (size_t)y * mb_width + x;
            TkBitWriter bw;
            tk_bw_init(&bw, scratch + i * TK_MB_SCRATCH_WORDS, TK_MB_SCRATCH_WORDS);
            int res = tk_cavlc_mb_ref(&bw, &coded[i], x > 0 ? &coded[i - 1] : NULL,
                                      top_ok ? &coded[i - mb_width] : NULL);
            if (res < 0)
                return res;
            counts[i] = (uint32_t)bw.bits;
        }
    }
    return 0;
}

int tk_cavlc_frame_p_ref(const TkCodedMb *coded, const TkMbMotion *motion, int mb_width,
                         int mb_height, int slice_mb_rows, uint32_t *scratch, uint32_t *counts)
{
    int skip_run = 0;
    for (int y = 0; y < mb_height; y++) {
        int top_ok = y % slice_mb_rows != 0;
        if (!top_ok)
            skip_run = 0; /* a slice starts */
        for (int x = 0; x < mb_width; x++) {
            size_t i = (size_t)y * mb_width + x;
            /* the slice's last macroblock: end of its last row, or of the picture */
            int last = x == mb_width - 1 &&
                       ((y + 1) % slice_mb_rows == 0 || y == mb_height - 1);
            TkBitWriter bw;
            tk_bw_init(&bw, scratch + i * TK_MB_SCRATCH_WORDS, TK_MB_SCRATCH_WORDS);
            int res = tk_cavlc_mb_p_ref(&bw, &coded[i], &motion[i], x > 0 ? &coded[i - 1] : NULL,
                                        top_ok ? &coded[i - mb_width] : NULL, skip_run, last);
            if (res < 0)
                return res;
            counts[i] = (uint32_t)bw.bits;
            skip_run = coded[i].type == TK_MB_PSKIP ? skip_run + 1 : 0;
        }
    }
    return 0;
}

static int count_nonzero(const int32_t *c, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += c[i] != 0;
    return total;
}

void tk_coded_mb_count(TkCodedMb *mb)
{
    int i16 = mb->type == TK_MB_I16x16;
    if (mb->type == TK_MB_PSKIP)
        mb->cbp = 0;
    for (int blk = 0; blk < 16; blk++) {
        int coded = mb->cbp >> (blk >> 2) & 1;
        mb->total_coeff[blk] = !coded ? 0 : i16 ? count_nonzero(&mb->luma[blk][1], 15)
                                                : count_nonzero(mb->luma[blk], 16);
    }
    for (int c = 0; c < 2; c++)
        for (int blk = 0; blk < 4; blk++)
            mb->total_coeff_chroma[c][blk] =
                (mb->cbp >> 4) == 2 ? count_nonzero(&mb->chroma_ac[c][blk][1], 15) : 0;
}
