/*
 * CAVLC reference: (1) macroblocks whose bits were worked out by hand from clause 9.2 and
 * Tables 9-4, 9-5, 9-7, 9-9a, 9-10 (an I_NxN with the classic 4x4 block
 * 0 3 0 1 -1 -1 0 1 0..., an I_16x16 with chroma DC only); (2) the level escape limits of
 * Baseline; (3) the code tables are prefix-free; (4) random frames of macroblocks (every
 * type, cbp, sparse and dense levels up to TK_CAVLC_LEVEL_MAX) parse back to themselves
 * with an independent parser (cavlc_parse.h) using the same neighbour rules.
 */
#include <stdlib.h>
#include <string.h>

#include "cavlc_parse.h"
#include "../common/check.h"
#include "encode/compute/cavlc_ref.h"
#include "talkie/talkie.h"

static void bits_of(const TkBitWriter *bw, char *s)
{
    for (size_t i = 0; i < bw->bits; i++)
        s[i] = (char)('0' + (bw->words[i >> 5] >> (31 - (i & 31)) & 1));
    s[bw->bits] = 0;
}

static void check_mb_bits(const TkCodedMb *mb, const char *want, const char *what)
{
    uint32_t w[TK_MB_SCRATCH_WORDS];
    char got[1024];
    TkBitWriter bw;
    tk_bw_init(&bw, w, TK_MB_SCRATCH_WORDS);
    int res = tk_cavlc_mb_ref(&bw, mb, NULL, NULL);
    CHECK_EQ(res, 0);
    bits_of(&bw, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s:\n got  %s\n want %s\n", what, got, want);
        tk_check_failures++;
    }
}

static void check_prefix_free(const uint32_t *t, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            if (i == j || !t[i] || !t[j])
                continue;
            int li = (int)(t[i] >> 16), lj = (int)(t[j] >> 16);
            if (li <= lj && (t[j] & 0xffff) >> (lj - li) == (t[i] & 0xffff)) {
                fprintf(stderr, "%s: code %d is a prefix of code %d\n", what, i, j);
                tk_check_failures++;
            }
        }
    }
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static int32_t random_level(int density)
{
    if ((int)(rnd() % 100) >= density)
        return 0;
    switch (rnd() % 8) {
    case 0: return (int32_t)(rnd() % (2 * TK_CAVLC_LEVEL_MAX + 1)) - TK_CAVLC_LEVEL_MAX;
    case 1: return (int32_t)(rnd() % 61) - 30;
    default: return rnd() & 1 ? 1 : -1;
    }
}

static void random_mb(TkCodedMb *mb)
{
    memset(mb, 0, sizeof(*mb));
    int density = (int)(rnd() % 101);
    mb->type = rnd() % 2 ? TK_MB_I16x16 : TK_MB_I4x4;
    mb->chroma_mode = (int)(rnd() % 4);
    int luma = mb->type == TK_MB_I16x16 ? (rnd() % 2 ? 15 : 0) : (int)(rnd() % 16);
    mb->cbp = luma | (int)(rnd() % 3) << 4;
    mb->qp_delta = (int)(rnd() % 53) - 26;
    if (mb->type == TK_MB_I16x16) {
        mb->i16_mode = (int)(rnd() % 4);
        for (int i = 0; i < 16; i++)
            mb->luma_dc[i] = random_level(density);
    } else {
        for (int i = 0; i < 16; i++)
            mb->i4_mode_syntax[i] = (int)(rnd() % 9) - 1;
        if (mb->cbp == 0)
            mb->qp_delta = 0;
    }
    for (int b = 0; b < 16; b++)
        if (luma >> (b >> 2) & 1)
            for (int i = mb->type == TK_MB_I16x16; i < 16; i++)
                mb->luma[b][i] = random_level(density);
    if (mb->cbp >> 4)
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 4; i++)
                mb->chroma_dc[c][i] = random_level(density);
    if (mb->cbp >> 4 == 2)
        for (int c = 0; c < 2; c++)
            for (int b = 0; b < 4; b++)
                for (int i = 1; i < 16; i++)
                    mb->chroma_ac[c][b][i] = random_level(density);
    tk_coded_mb_count(mb);
}

/* The fields CAVLC carries (i4_mode is analysis-only). */
static int same_mb(const TkCodedMb *a, const TkCodedMb *b)
{
    return a->type == b->type && a->chroma_mode == b->chroma_mode && a->cbp == b->cbp &&
           a->qp_delta == b->qp_delta &&
           (a->type != TK_MB_I16x16 || a->i16_mode == b->i16_mode) &&
           !memcmp(a->i4_mode_syntax, b->i4_mode_syntax, sizeof(a->i4_mode_syntax)) &&
           !memcmp(a->luma_dc, b->luma_dc, sizeof(a->luma_dc)) &&
           !memcmp(a->luma, b->luma, sizeof(a->luma)) &&
           !memcmp(a->chroma_dc, b->chroma_dc, sizeof(a->chroma_dc)) &&
           !memcmp(a->chroma_ac, b->chroma_ac, sizeof(a->chroma_ac)) &&
           !memcmp(a->total_coeff, b->total_coeff, sizeof(a->total_coeff)) &&
           !memcmp(a->total_coeff_chroma, b->total_coeff_chroma, sizeof(a->total_coeff_chroma));
}

static void round_trip(int mb_width, int mb_height, int slice_rows)
{
    int n = mb_width * mb_height;
    TkCodedMb *mbs = calloc((size_t)n, sizeof(*mbs));
    TkCodedMb *back = calloc((size_t)n, sizeof(*back));
    uint32_t *scratch = malloc((size_t)n * TK_MB_SCRATCH_WORDS * sizeof(uint32_t));
    uint32_t *counts = malloc((size_t)n * sizeof(uint32_t));
    if (!mbs || !back || !scratch || !counts) {
        CHECK(0);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        random_mb(&mbs[i]);
        if (i % 7 == 0) { /* plenty of empty neighbours too */
            memset(mbs[i].luma, 0, sizeof(mbs[i].luma));
            mbs[i].cbp &= 0x30;
            if (mbs[i].type == TK_MB_I4x4 && mbs[i].cbp == 0)
                mbs[i].qp_delta = 0;
            tk_coded_mb_count(&mbs[i]);
        }
    }
    int res = tk_cavlc_frame_ref(mbs, mb_width, mb_height, slice_rows, scratch, counts);
    CHECK_EQ(res, 0);
    if (res < 0)
        goto done;
    for (int y = 0; y < mb_height; y++) {
        for (int x = 0; x < mb_width; x++) {
            int i = y * mb_width + x;
            BitReader br = { scratch + (size_t)i * TK_MB_SCRATCH_WORDS, 0, counts[i], 0 };
            int top = y % slice_rows != 0;
            CHECK(counts[i] <= TK_MB_MAX_BITS);
            if (parse_mb(&br, &back[i], x ? &back[i - 1] : NULL, top ? &back[i - mb_width]
                                                                   : NULL) < 0 ||
                br.pos != counts[i] || !same_mb(&mbs[i], &back[i])) {
                fprintf(stderr, "mb %d (%d,%d) does not parse back (pos %zu of %u)\n", i, x,
                        y, br.pos, counts[i]);
                tk_check_failures++;
                goto done;
            }
        }
    }
done:
    free(mbs);
    free(back);
    free(scratch);
    free(counts);
}

int main(void)
{
    /* (1a) I_NxN, all modes predicted, chroma DC pred, cbp = 1 (8x8 block 0 only), whose
     * block 0 is 0 3 0 1 -1 -1 0 1 0 0 0 0 0 0 0 0 (scan order):
     *   coeff_token TC 5 T1 3, nC 0: 0000100; signs +,-,-: 011; level 1 (suffixLength 0,
     *   no -2 as T1 = 3): 1; level 3 (suffixLength 1, levelCode 4): 001 0; total_zeros 3
     *   for TC 5: 111; run_before 1 (zerosLeft 3): 10, 0 (2): 1, 0 (2): 1, 1 (2): 01.
     * Blocks 1, 2 (nC = 5 from block 0): TC 0 -> 1111; block 3 (nC 0) -> 1. */
    TkCodedMb mb;
    memset(&mb, 0, sizeof(mb));
    mb.type = TK_MB_I4x4;
    for (int i = 0; i < 16; i++)
        mb.i4_mode_syntax[i] = -1;
    mb.cbp = 1;
    static const int32_t blk[16] = { 0, 3, 0, 1, -1, -1, 0, 1 };
    memcpy(mb.luma[0], blk, sizeof(blk));
    tk_coded_mb_count(&mb);
    CHECK_EQ(mb.total_coeff[0], 5);
    check_mb_bits(&mb,
                  "1"                         /* mb_type I_NxN: ue(0) */
                  "1111111111111111"          /* 16 x prev_intra4x4_pred_mode_flag */
                  "1"                         /* intra_chroma_pred_mode ue(0) */
                  "000011110"                 /* coded_block_pattern 1 -> codeNum 29 */
                  "1"                         /* mb_qp_delta 0 */
                  "000010001110010111101101"  /* block 0 */
                  "1111" "1111" "1",          /* blocks 1, 2, 3 */
                  "I_NxN example");
    /* The same block with one explicit mode: rem 5 is 0 101. */
    mb.i4_mode_syntax[3] = 5;
    check_mb_bits(&mb, "1" "111" "0101" "111111111111" "1" "000011110" "1"
                  "000010001110010111101101" "1111" "1111" "1", "I_NxN with rem mode");

    /* (1b) I_16x16 pred mode 2, chroma cbp 1, luma cbp 0, Cb DC = 2 0 -1 0, mb_qp_delta -1:
     *   mb_type 1 + 2 + 4 = 7: 0001000; chroma mode 3: 00100; mb_qp_delta -1: 011;
     *   luma DC (nC 0), TC 0: 1; Cb DC: coeff_token(nC -1) TC 2 T1 1: 000110, sign -: 1,
     *   level 2 (first after T1 < 3: levelCode 0): 1, total_zeros 1 for TC 2: 01,
     *   run_before 1 with zerosLeft 1: 0; Cr DC TC 0: 01. */
    memset(&mb, 0, sizeof(mb));
    mb.type = TK_MB_I16x16;
    mb.i16_mode = 2;
    mb.chroma_mode = 3;
    mb.cbp = 1 << 4;
    mb.qp_delta = -1;
    mb.chroma_dc[0][0] = 2;
    mb.chroma_dc[0][2] = -1;
    check_mb_bits(&mb, "0001000" "00100" "011" "1" "000110" "1" "1" "01" "0" "01",
                  "I_16x16 example");

    /* (2) Escapes: after three trailing ones suffixLength is 0 and nothing is subtracted,
     * so -2063 is levelCode 4125 = 30 + 4095 (the largest 12-bit suffix) and -2064 is too
     * large for Baseline; with I16 AC contracts broken we get EINVAL. */
    memset(&mb, 0, sizeof(mb));
    mb.type = TK_MB_I4x4;
    for (int i = 0; i < 16; i++)
        mb.i4_mode_syntax[i] = -1;
    mb.cbp = 1;
    mb.luma[0][0] = -TK_CAVLC_LEVEL_MAX;
    mb.luma[0][1] = 1;
    mb.luma[0][2] = 1;
    mb.luma[0][3] = -1;
    tk_coded_mb_count(&mb);
    uint32_t w[TK_MB_SCRATCH_WORDS];
    TkBitWriter bw;
    tk_bw_init(&bw, w, TK_MB_SCRATCH_WORDS);
    CHECK_EQ(tk_cavlc_mb_ref(&bw, &mb, NULL, NULL), 0);
    mb.luma[0][0] = -TK_CAVLC_LEVEL_MAX - 1;
    tk_bw_init(&bw, w, TK_MB_SCRATCH_WORDS);
    CHECK_EQ(tk_cavlc_mb_ref(&bw, &mb, NULL, NULL), TALKIE_ERR(ERANGE));
    mb.luma[0][0] = 5;
    mb.total_coeff[0] = 3; /* does not match the levels */
    tk_bw_init(&bw, w, TK_MB_SCRATCH_WORDS);
    CHECK_EQ(tk_cavlc_mb_ref(&bw, &mb, NULL, NULL), TALKIE_ERR(EINVAL));
    mb.type = TK_MB_I16x16;
    mb.cbp = 3; /* I16x16 codes all luma AC or none */
    tk_bw_init(&bw, w, TK_MB_SCRATCH_WORDS);
    CHECK_EQ(tk_cavlc_mb_ref(&bw, &mb, NULL, NULL), TALKIE_ERR(EINVAL));

    /* (3) Every VLC table is prefix-free. */
    check_prefix_free(parse_ct0, 68, "coeff_token 0..1");
    check_prefix_free(parse_ct1, 68, "coeff_token 2..3");
    check_prefix_free(parse_ct2, 68, "coeff_token 4..7");
    check_prefix_free(parse_ctdc, 20, "coeff_token -1");
    for (int t = 0; t < 15; t++)
        check_prefix_free(parse_tz + t * 16, 16, "total_zeros");
    for (int t = 0; t < 3; t++)
        check_prefix_free(parse_tzdc + t * 4, 4, "total_zeros chroma DC");
    for (int t = 0; t < 7; t++)
        check_prefix_free(parse_rb + t * 15, 15, "run_before");

    /* (4) Random frames, one slice per row and taller slices. */
    for (int r = 0; r < 20; r++) {
        round_trip(5, 4, 1);
        round_trip(3, 6, 3);
    }
    return tk_check_finish();
}
