/*
 * Reference intra analysis of a macroblock (see analyse_ref.h). The steps are small
 * functions over one TkMbState (the macroblock's source, neighbours and reconstruction) so
 * that analyse.comp can follow them step by step with the same arrays in shared memory.
 */
#include "encode/compute/analyse_ref.h"

#include <limits.h>
#include <string.h>

#include "encode/compute/blocks_ref.h"
#include "encode/compute/intra_pred_ref.h"
#include "encode/compute/transform_ref.h"

/* MB-level neighbour availability: TK_AVAIL_* plus this one. */
#define AVAIL_TOPRIGHT 8

typedef struct TkMbState {
    int avail;          /* TK_AVAIL_* | AVAIL_TOPRIGHT of the neighbouring macroblocks */
    int src_y[256];
    int src_c[2][64];
    int tl_y;           /* p[-1, -1] */
    int top_y[20];      /* p[0..19, -1]: 16..19 from the top-right macroblock */
    int left_y[16];     /* p[-1, 0..15] */
    int tl_c[2];
    int top_c[2][8];
    int left_c[2][8];
    int rec_y[256];
    int rec_c[2][64];
} TkMbState;

/* luma4x4BlkIdx of the block holding pixel (x, y) of the macroblock (6.4.13.1). */
static int blk_at(int x, int y)
{
    return ((y >> 3) << 3) | ((x >> 3) << 2) | (((y >> 2) & 1) << 1) | ((x >> 2) & 1);
}

static int mb_avail(const TkIntraParams *p, int mb_x, int mb_y)
{
    /* slices are whole MB rows, so the left MB always shares the slice */
    int top = mb_y % p->slice_mb_rows != 0;
    int avail = 0;
    if (mb_x > 0)
        avail |= TK_AVAIL_LEFT;
    if (top)
        avail |= TK_AVAIL_TOP;
    if (top && mb_x > 0)
        avail |= TK_AVAIL_TOPLEFT;
    if (top && mb_x + 1 < p->layout.mb_width)
        avail |= AVAIL_TOPRIGHT;
    return avail;
}

/* Source pixels of the MB and its reconstructed neighbours; unavailable ones read as 0. */
static void load_mb(const TkIntraParams *p, const uint8_t *src, const uint8_t *recon,
                    int mb_x, int mb_y, TkMbState *st)
{
    const TkFrameLayout *l = &p->layout;
    size_t stride = l->luma_stride;
    int x0 = mb_x * 16, y0 = mb_y * 16, cy0 = mb_y * 8;
    const uint8_t *csrc = src + l->chroma_offset, *crec = recon + l->chroma_offset;

    st->avail = mb_avail(p, mb_x, mb_y);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            st->src_y[y * 16 + x] = src[(size_t)(y0 + y) * stride + (size_t)(x0 + x)];
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                st->src_c[c][y * 8 + x] = csrc[(size_t)(cy0 + y) * stride + (size_t)(x0 + 2 * x + c)];

    int top = (st->avail & TK_AVAIL_TOP) != 0, left = (st->avail & TK_AVAIL_LEFT) != 0;
    int tl = (st->avail & TK_AVAIL_TOPLEFT) != 0, tr = (st->avail & AVAIL_TOPRIGHT) != 0;
    st->tl_y = tl ? recon[(size_t)(y0 - 1) * stride + (size_t)(x0 - 1)] : 0;
    for (int i = 0; i < 20; i++) {
        int ok = i < 16 ? top : tr;
        st->top_y[i] = ok ? recon[(size_t)(y0 - 1) * stride + (size_t)(x0 + i)] : 0;
    }
    for (int i = 0; i < 16; i++)
        st->left_y[i] = left ? recon[(size_t)(y0 + i) * stride + (size_t)(x0 - 1)] : 0;
    for (int c = 0; c < 2; c++) {
        st->tl_c[c] = tl ? crec[(size_t)(cy0 - 1) * stride + (size_t)(x0 - 2 + c)] : 0;
        for (int i = 0; i < 8; i++) {
            st->top_c[c][i] = top ? crec[(size_t)(cy0 - 1) * stride + (size_t)(x0 + 2 * i + c)] : 0;
            st->left_c[c][i] = left ? crec[(size_t)(cy0 + i) * stride + (size_t)(x0 - 2 + c)] : 0;
        }
    }
}

/* SATD of the 16x16 residual src - pred, as the sum over its 4x4 blocks. */
static int satd16x16(const int src[256], const int pred[256])
{
    int sum = 0;
    for (int k = 0; k < 16; k++) {
        int res[16];
        int bx = tk_blk_x(k), by = tk_blk_y(k);
        for (int i = 0; i < 16; i++) {
            int o = (by + (i >> 2)) * 16 + bx + (i & 3);
            res[i] = src[o] - pred[o];
        }
        sum += tk_satd4x4(res);
    }
    return sum;
}

/* Cheapest Intra16x16PredMode and its cost. */
static int decide_i16(const TkMbState *st, int *cost)
{
    int best = -1, best_cost = 0;
    for (int m = 0; m < 4; m++) {
        if (!tk_pred16x16_mode_ok(m, st->avail))
            continue;
        int pred[256];
        tk_pred16x16(m, st->top_y, st->left_y, st->tl_y, st->avail, pred);
        int c = satd16x16(st->src_y, pred);
        if (best < 0 || c < best_cost) {
            best = m;
            best_cost = c;
        }
    }
    *cost = best_cost;
    return best;
}

/* Residual of a 4x4 block at (bx, by) of a plane `w` samples wide. */
static void block_residual(const int *src, const int *pred, int w, int bx, int by, int res[16])
{
    for (int i = 0; i < 16; i++) {
        int o = (by + (i >> 2)) * w + bx + (i & 3);
        res[i] = src[o] - pred[o];
    }
}

/* The 13-sample edge and availability of I4x4 block k from what is reconstructed so far. */
static int i4_edge(const TkMbState *st, int k, int e[13])
{
    int bx = tk_blk_x(k), by = tk_blk_y(k);
    int left = bx > 0 || (st->avail & TK_AVAIL_LEFT);
    int top = by > 0 || (st->avail & TK_AVAIL_TOP);
    int tl;
    if (bx > 0 && by > 0)
        tl = 1;
    else if (bx > 0)
        tl = (st->avail & TK_AVAIL_TOP) != 0;
    else if (by > 0)
        tl = (st->avail & TK_AVAIL_LEFT) != 0;
    else
        tl = (st->avail & TK_AVAIL_TOPLEFT) != 0;
    int tr;
    if (by == 0)
        tr = bx + 4 < 16 ? (st->avail & TK_AVAIL_TOP) != 0 : (st->avail & AVAIL_TOPRIGHT) != 0;
    else if (bx + 4 >= 16)
        tr = 0; /* right of the MB, below its top row: not decoded yet */
    else
        tr = blk_at(bx + 4, by - 1) < k;

    for (int y = 0; y < 4; y++) {
        int v = 0;
        if (bx > 0)
            v = st->rec_y[(by + y) * 16 + bx - 1];
        else if (left)
            v = st->left_y[by + y];
        e[3 - y] = v;
    }
    if (!tl)
        e[4] = 0;
    else if (bx > 0 && by > 0)
        e[4] = st->rec_y[(by - 1) * 16 + bx - 1];
    else if (bx > 0)
        e[4] = st->top_y[bx - 1];
    else if (by > 0)
        e[4] = st->left_y[by - 1];
    else
        e[4] = st->tl_y;
    for (int x = 0; x < 8; x++) {
        int v = 0;
        if (top && (x < 4 || tr))
            v = by > 0 ? st->rec_y[(by - 1) * 16 + bx + x] : st->top_y[bx + x];
        else if (top)
            v = e[5 + 3]; /* p[4..7, -1] = p[3, -1] */
        e[5 + x] = v;
    }
    return (left ? TK_AVAIL_LEFT : 0) | (top ? TK_AVAIL_TOP : 0) | (tl ? TK_AVAIL_TOPLEFT : 0);
}

/* predIntra4x4PredMode of block k (8.3.1.1); `modes` holds the current MB's chosen modes. */
static int i4_pred_mode(const TkIntraParams *p, const TkMbState *st, const TkCodedMb *coded,
                        int mb_x, int mb_y, const int modes[16], int k)
{
    int bx = tk_blk_x(k), by = tk_blk_y(k), mbw = p->layout.mb_width;
    int a, b;
    if (bx > 0) {
        a = modes[blk_at(bx - 1, by)];
    } else if (st->avail & TK_AVAIL_LEFT) {
        const TkCodedMb *n = &coded[mb_y * mbw + mb_x - 1];
        a = n->type == TK_MB_I4x4 ? n->i4_mode[blk_at(15, by)] : TK_I4_DC;
    } else {
        return TK_I4_DC; /* dcPredModePredictedFlag */
    }
    if (by > 0) {
        b = modes[blk_at(bx, by - 1)];
    } else if (st->avail & TK_AVAIL_TOP) {
        const TkCodedMb *n = &coded[(mb_y - 1) * mbw + mb_x];
        b = n->type == TK_MB_I4x4 ? n->i4_mode[blk_at(bx, 15)] : TK_I4_DC;
    } else {
        return TK_I4_DC;
    }
    return a < b ? a : b;
}

/* Quantises, dequantises and reconstructs I4x4 block k (prediction in pred); fills its
 * levels and total_coeff in `out`. Returns 1 when any level is non-zero. */
static int code_i4_block(int qp, TkMbState *st, const int pred[256], int k, TkCodedMb *out)
{
    int bx = tk_blk_x(k), by = tk_blk_y(k);
    int res[16], w[16], d[16], nz = 0;
    block_residual(st->src_y, pred, 16, bx, by, res);
    tk_fdct4x4(res, w);
    for (int s = 0; s < 16; s++) {
        int pos = tk_zigzag4x4[s];
        int lev = tk_quant4x4(w[pos], pos, qp);
        out->luma[k][s] = lev;
        d[pos] = tk_dequant4x4(lev, pos, qp);
        nz += lev != 0;
    }
    out->total_coeff[k] = nz;
    tk_block_recon(d, pred, 16, bx, by, st->rec_y);
    return nz != 0;
}

/* Decides, codes and reconstructs the 16 I4x4 blocks in order; returns the I4x4 cost. */
static int code_i4(const TkIntraParams *p, int qp, TkMbState *st, const TkCodedMb *coded,
                   int mb_x, int mb_y, TkCodedMb *out)
{
    int lambda = tk_intra_lambda(qp);
    int cost = lambda * TK_I4x4_EXTRA_BITS, cbp = 0;
    int pred[256];
    for (int k = 0; k < 16; k++) {
        int e[13];
        int avail = i4_edge(st, k, e);
        int pm = i4_pred_mode(p, st, coded, mb_x, mb_y, out->i4_mode, k);
        int bx = tk_blk_x(k), by = tk_blk_y(k);
        int best = -1, best_cost = 0;
        for (int m = 0; m < 9; m++) {
            if (!tk_pred4x4_mode_ok(m, avail) || tk_intra_refresh_forbids(p, mb_x, k, m))
                continue;
            int bp[16], res[16];
            tk_pred4x4(m, e, avail, bp);
            for (int i = 0; i < 16; i++)
                res[i] = st->src_y[(by + (i >> 2)) * 16 + bx + (i & 3)] - bp[i];
            int c = tk_satd4x4(res) + lambda * (m == pm ? 1 : 4);
            if (best < 0 || c < best_cost) {
                best = m;
                best_cost = c;
            }
        }
        int bp[16];
        tk_pred4x4(best, e, avail, bp);
        for (int i = 0; i < 16; i++)
            pred[(by + (i >> 2)) * 16 + bx + (i & 3)] = bp[i];
        out->i4_mode[k] = best;
        out->i4_mode_syntax[k] = best == pm ? -1 : best < pm ? best : best - 1;
        if (code_i4_block(qp, st, pred, k, out))
            cbp |= 1 << (k >> 2);
        cost += best_cost;
    }
    out->cbp = cbp;
    return cost;
}

/* Codes the luma of an I16x16 MB with `mode`; fills levels, cbp luma and rec_y. */
static void code_i16(int qp, TkMbState *st, int mode, TkCodedMb *out)
{
    int pred[256], w[16][16], dc[16], ydc[16], f[16], any_ac = 0;
    tk_pred16x16(mode, st->top_y, st->left_y, st->tl_y, st->avail, pred);
    for (int k = 0; k < 16; k++) {
        int res[16];
        block_residual(st->src_y, pred, 16, tk_blk_x(k), tk_blk_y(k), res);
        tk_fdct4x4(res, w[k]);
        dc[(tk_blk_y(k) >> 2) * 4 + (tk_blk_x(k) >> 2)] = w[k][0];
    }
    /* luma DC: 4x4 of the blocks' DCs by position, Intra16x16DCLevel in zig-zag order */
    tk_fdc4x4(dc, ydc);
    for (int i = 0; i < 16; i++)
        ydc[i] = tk_quant_dc(ydc[i], qp);
    for (int s = 0; s < 16; s++)
        out->luma_dc[s] = ydc[tk_zigzag4x4[s]];
    for (int k = 0; k < 16; k++) {
        out->luma[k][0] = 0;
        for (int s = 1; s < 16; s++) {
            int pos = tk_zigzag4x4[s];
            int lev = tk_quant4x4(w[k][pos], pos, qp);
            out->luma[k][s] = lev;
            any_ac |= lev != 0;
        }
    }
    tk_hadamard4x4(ydc, f);
    for (int k = 0; k < 16; k++) {
        int d[16], nz = 0;
        for (int s = 1; s < 16; s++) {
            int pos = tk_zigzag4x4[s];
            d[pos] = tk_dequant4x4(out->luma[k][s], pos, qp);
            nz += out->luma[k][s] != 0;
        }
        d[0] = tk_dequant_luma_dc(f[(tk_blk_y(k) >> 2) * 4 + (tk_blk_x(k) >> 2)], qp);
        out->total_coeff[k] = nz;
        tk_block_recon(d, pred, 16, tk_blk_x(k), tk_blk_y(k), st->rec_y);
    }
    out->cbp = any_ac ? 15 : 0;
}

static int decide_chroma(const TkMbState *st)
{
    int best = -1, best_cost = 0;
    for (int m = 0; m < 4; m++) {
        if (!tk_pred_chroma_mode_ok(m, st->avail))
            continue;
        int c = 0;
        for (int comp = 0; comp < 2; comp++) {
            int pred[64];
            tk_pred_chroma(m, st->top_c[comp], st->left_c[comp], st->tl_c[comp], st->avail, pred);
            for (int b = 0; b < 4; b++) {
                int res[16];
                block_residual(st->src_c[comp], pred, 8, (b & 1) * 4, (b >> 1) * 4, res);
                c += tk_satd4x4(res);
            }
        }
        if (best < 0 || c < best_cost) {
            best = m;
            best_cost = c;
        }
    }
    return best;
}

/* Codes both chroma components with `mode`; returns the chroma cbp (0, 1 or 2). */
static int code_chroma(int qp, TkMbState *st, int mode, TkCodedMb *out)
{
    int qpc = tk_chroma_qp(qp), any_dc = 0, any_ac = 0;
    for (int comp = 0; comp < 2; comp++) {
        int pred[64], w[4][16], dc[4], f[4];
        tk_pred_chroma(mode, st->top_c[comp], st->left_c[comp], st->tl_c[comp], st->avail, pred);
        for (int b = 0; b < 4; b++) {
            int res[16];
            block_residual(st->src_c[comp], pred, 8, (b & 1) * 4, (b >> 1) * 4, res);
            tk_fdct4x4(res, w[b]);
            dc[b] = w[b][0];
        }
        tk_hadamard2x2(dc, f);
        for (int b = 0; b < 4; b++) {
            int lev = tk_quant_dc(f[b], qpc);
            out->chroma_dc[comp][b] = lev;
            any_dc |= lev != 0;
        }
        tk_hadamard2x2(out->chroma_dc[comp], f);
        for (int b = 0; b < 4; b++) {
            int d[16], nz = 0;
            out->chroma_ac[comp][b][0] = 0;
            for (int s = 1; s < 16; s++) {
                int pos = tk_zigzag4x4[s];
                int lev = tk_quant4x4(w[b][pos], pos, qpc);
                out->chroma_ac[comp][b][s] = lev;
                d[pos] = tk_dequant4x4(lev, pos, qpc);
                nz += lev != 0;
            }
            d[0] = tk_dequant_chroma_dc(f[b], qpc);
            out->total_coeff_chroma[comp][b] = nz;
            any_ac |= nz != 0;
            tk_block_recon(d, pred, 8, (b & 1) * 4, (b >> 1) * 4, st->rec_c[comp]);
        }
    }
    return any_ac ? 2 : any_dc ? 1 : 0;
}

static void store_recon(const TkIntraParams *p, const TkMbState *st, uint8_t *recon, int mb_x,
                        int mb_y)
{
    const TkFrameLayout *l = &p->layout;
    size_t stride = l->luma_stride;
    int x0 = mb_x * 16, y0 = mb_y * 16, cy0 = mb_y * 8;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            recon[(size_t)(y0 + y) * stride + (size_t)(x0 + x)] = (uint8_t)st->rec_y[y * 16 + x];
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                recon[l->chroma_offset + (size_t)(cy0 + y) * stride + (size_t)(x0 + 2 * x + c)] =
                    (uint8_t)st->rec_c[c][y * 8 + x];
}

int tk_intra_analyse_mb_ref(const TkIntraParams *p, const uint8_t *src, uint8_t *recon,
                            TkCodedMb *coded, int mb_x, int mb_y)
{
    TkMbState st;
    int n = mb_y * p->layout.mb_width + mb_x, qp = tk_intra_mb_qp(p, n);
    TkCodedMb *out = &coded[n];
    load_mb(p, src, recon, mb_x, mb_y, &st);
    memset(out, 0, sizeof(*out));

    int cost16;
    int mode16 = decide_i16(&st, &cost16);
    int cost4 = p->i16x16_only ? INT_MAX : code_i4(p, qp, &st, coded, mb_x, mb_y, out);
    int cost = cost4 < cost16 ? cost4 : cost16;
    if (cost4 < cost16) {
        out->type = TK_MB_I4x4;
    } else {
        /* I16x16: forget the I4x4 trial */
        memset(out->luma, 0, sizeof(out->luma));
        for (int k = 0; k < 16; k++) {
            out->i4_mode_syntax[k] = 0;
            out->i4_mode[k] = TK_I4_DC;
        }
        out->type = TK_MB_I16x16;
        out->i16_mode = mode16;
        code_i16(qp, &st, mode16, out);
    }
    out->chroma_mode = decide_chroma(&st);
    out->cbp |= code_chroma(qp, &st, out->chroma_mode, out) << 4;
    /* QP_Y and mb_qp_delta as if every macroblock had this QP; where the QP differs from
     * macroblock to macroblock, tk_mb_qp_frame_ref() (mb_qp_ref.h) corrects them */
    out->qp = qp;
    out->qp_y = qp;
    out->qp_delta = 0;
    store_recon(p, &st, recon, mb_x, mb_y);
    return cost;
}

void tk_intra_analyse_frame_ref(const TkIntraParams *p, const uint8_t *src, uint8_t *recon,
                                TkCodedMb *coded)
{
    for (int y = 0; y < p->layout.mb_height; y++)
        for (int x = 0; x < p->layout.mb_width; x++)
            tk_intra_analyse_mb_ref(p, src, recon, coded, x, y);
}
