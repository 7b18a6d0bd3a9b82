/*
 * A small CAVLC macroblock parser for the tests, written from the decoding side of the
 * spec (9.2: coeff_token lookup by code, 9.2.2.1 level decoding, 9.2.3 runs), so it checks
 * the encoder from the other direction: parse(encode(mb)) must give mb back.
 */
#ifndef TALKIE_TESTS_H264_CAVLC_PARSE_H
#define TALKIE_TESTS_H264_CAVLC_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "encode/compute/coded_mb.h"
#include "encode/h264/cavlc_tables.h"

typedef struct BitReader {
    const uint32_t *words; /* MSB-first */
    size_t pos, end;
    int error;
} BitReader;

static uint32_t br_bit(BitReader *br)
{
    if (br->pos >= br->end) {
        br->error = 1;
        return 0;
    }
    uint32_t b = br->words[br->pos >> 5] >> (31 - (br->pos & 31)) & 1;
    br->pos++;
    return b;
}

static uint32_t br_u(BitReader *br, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 1 | br_bit(br);
    return v;
}

static uint32_t br_ue(BitReader *br)
{
    int zeros = 0;
    while (br_bit(br) == 0 && !br->error)
        zeros++;
    return ((1u << zeros) - 1) + br_u(br, zeros);
}

static int32_t br_se(BitReader *br)
{
    uint32_t k = br_ue(br);
    return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* Reads one code of a VLC table of (len << 16 | code) entries; returns its index or -1. */
static int br_vlc(BitReader *br, const uint32_t *table, int n)
{
    uint32_t code = 0;
    for (int len = 1; len <= 16; len++) {
        code = code << 1 | br_bit(br);
        for (int i = 0; i < n; i++)
            if (table[i] && (int)(table[i] >> 16) == len && (table[i] & 0xffff) == code)
                return i;
    }
    br->error = 1;
    return -1;
}

static const uint32_t parse_ct0[] = { TK_CAVLC_COEFF_TOKEN_0 };
static const uint32_t parse_ct1[] = { TK_CAVLC_COEFF_TOKEN_1 };
static const uint32_t parse_ct2[] = { TK_CAVLC_COEFF_TOKEN_2 };
static const uint32_t parse_ctdc[] = { TK_CAVLC_COEFF_TOKEN_DC };
static const uint32_t parse_tz[] = { TK_CAVLC_TOTAL_ZEROS };
static const uint32_t parse_tzdc[] = { TK_CAVLC_TOTAL_ZEROS_DC };
static const uint32_t parse_rb[] = { TK_CAVLC_RUN_BEFORE };
static const uint32_t parse_cbp_code[] = { TK_CAVLC_CBP_INTRA_CODE };

/* residual_block_cavlc(): fills coeff[0..n-1]; returns TotalCoeff or -1. */
static int parse_block(BitReader *br, int32_t *coeff, int n, int nc)
{
    int total, ones, idx;
    if (nc >= 8) {
        uint32_t v = br_u(br, 6);
        total = v == 3 ? 0 : (int)(v >> 2) + 1;
        ones = v == 3 ? 0 : (int)(v & 3);
    } else {
        const uint32_t *t = nc == -1 ? parse_ctdc : nc < 2 ? parse_ct0 : nc < 4 ? parse_ct1
                                                                               : parse_ct2;
        idx = br_vlc(br, t, nc == -1 ? 20 : 68);
        if (idx < 0)
            return -1;
        total = idx / 4;
        ones = idx % 4;
    }
    memset(coeff, 0, sizeof(int32_t) * (size_t)n);
    if (total == 0)
        return 0;
    if (total > n)
        return -1;
    int32_t level[16];
    int suffix_len = total > 10 && ones < 3 ? 1 : 0;
    for (int i = 0; i < total; i++) {
        if (i < ones) {
            level[i] = br_bit(br) ? -1 : 1;
            continue;
        }
        int prefix = 0;
        while (br_bit(br) == 0 && !br->error)
            prefix++;
        if (prefix > 15)
            return -1;
        int code = (prefix < 15 ? prefix : 15) << suffix_len;
        int suffix_size = prefix == 14 && suffix_len == 0 ? 4 : prefix >= 15 ? prefix - 3
                                                                              : suffix_len;
        if (suffix_len > 0 || prefix >= 14)
            code += (int)br_u(br, suffix_size);
        if (prefix >= 15 && suffix_len == 0)
            code += 15;
        if (i == ones && ones < 3)
            code += 2;
        level[i] = (code & 1) ? (-code - 1) >> 1 : (code + 2) >> 1;
        if (suffix_len == 0)
            suffix_len = 1;
        if ((level[i] < 0 ? -level[i] : level[i]) > (3 << (suffix_len - 1)) && suffix_len < 6)
            suffix_len++;
    }
    int zeros = 0;
    if (total < n) {
        idx = n == 4 ? br_vlc(br, parse_tzdc + (total - 1) * 4, 4)
                     : br_vlc(br, parse_tz + (total - 1) * 16, 16);
        if (idx < 0)
            return -1;
        zeros = idx;
    }
    int run[16];
    for (int i = 0; i < total - 1; i++) {
        run[i] = 0;
        if (zeros > 0) {
            int zl = zeros < 7 ? zeros : 7;
            run[i] = br_vlc(br, parse_rb + (zl - 1) * 15, 15);
            if (run[i] < 0)
                return -1;
            zeros -= run[i];
        }
    }
    run[total - 1] = zeros;
    int pos = -1;
    for (int i = total - 1; i >= 0; i--) {
        pos += run[i] + 1;
        if (pos >= n)
            return -1;
        coeff[pos] = level[i];
    }
    return total;
}

static int parse_luma_idx(int x, int y)
{
    return (y >> 1) * 8 + (x >> 1) * 4 + (y & 1) * 2 + (x & 1);
}

static int parse_nc(int a, int b)
{
    return a >= 0 && b >= 0 ? (a + b + 1) >> 1 : a >= 0 ? a : b >= 0 ? b : 0;
}

/* macroblock_layer() of an I slice into mb (neighbours as for the encoder). 0 or -1. */
static int parse_mb(BitReader *br, TkCodedMb *mb, const TkCodedMb *left, const TkCodedMb *top)
{
    memset(mb, 0, sizeof(*mb));
    uint32_t mb_type = br_ue(br);
    if (mb_type > 24)
        return -1;
    int i16 = mb_type != 0;
    mb->type = i16 ? TK_MB_I16x16 : TK_MB_I4x4;
    if (i16) {
        mb->i16_mode = (int)(mb_type - 1) % 4;
        mb->cbp = ((int)(mb_type - 1) / 4 % 3) << 4 | (mb_type >= 13 ? 15 : 0);
    } else {
        for (int i = 0; i < 16; i++)
            mb->i4_mode_syntax[i] = br_bit(br) ? -1 : (int)br_u(br, 3);
    }
    mb->chroma_mode = (int)br_ue(br);
    if (!i16) {
        uint32_t code = br_ue(br);
        int found = -1;
        for (int c = 0; c < 48; c++)
            if (parse_cbp_code[c] == code)
                found = c;
        if (found < 0)
            return -1;
        mb->cbp = found;
    }
    if (i16 || mb->cbp)
        mb->qp_delta = br_se(br);
    int t;
    if (i16) {
        int a = left ? left->total_coeff[parse_luma_idx(3, 0)] : -1;
        int b = top ? top->total_coeff[parse_luma_idx(0, 3)] : -1;
        if (parse_block(br, mb->luma_dc, 16, parse_nc(a, b)) < 0)
            return -1;
    }
    for (int blk = 0; blk < 16; blk++) {
        if (!(mb->cbp >> (blk >> 2) & 1))
            continue;
        int x = (blk >> 2 & 1) * 2 + (blk & 1), y = (blk >> 3) * 2 + (blk >> 1 & 1);
        int a = x > 0 ? mb->total_coeff[parse_luma_idx(x - 1, y)]
                      : left ? left->total_coeff[parse_luma_idx(3, y)] : -1;
        int b = y > 0 ? mb->total_coeff[parse_luma_idx(x, y - 1)]
                      : top ? top->total_coeff[parse_luma_idx(x, 3)] : -1;
        t = i16 ? parse_block(br, &mb->luma[blk][1], 15, parse_nc(a, b))
                : parse_block(br, mb->luma[blk], 16, parse_nc(a, b));
        if (t < 0)
            return -1;
        mb->total_coeff[blk] = t;
    }
    int cc = mb->cbp >> 4;
    if (cc)
        for (int c = 0; c < 2; c++)
            if (parse_block(br, mb->chroma_dc[c], 4, -1) < 0)
                return -1;
    if (cc == 2) {
        for (int c = 0; c < 2; c++) {
            for (int blk = 0; blk < 4; blk++) {
                int a = (blk & 1) ? mb->total_coeff_chroma[c][blk - 1]
                                  : left ? left->total_coeff_chroma[c][blk + 1] : -1;
                int b = (blk & 2) ? mb->total_coeff_chroma[c][blk - 2]
                                  : top ? top->total_coeff_chroma[c][blk + 2] : -1;
                t = parse_block(br, &mb->chroma_ac[c][blk][1], 15, parse_nc(a, b));
                if (t < 0)
                    return -1;
                mb->total_coeff_chroma[c][blk] = t;
            }
        }
    }
    return br->error ? -1 : 0;
}

#endif
