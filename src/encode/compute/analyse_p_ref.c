/* Reference analysis of P-picture macroblocks; see analyse_p_ref.h. */
#include "encode/compute/analyse_p_ref.h"

#include <string.h>

#include "encode/compute/analyse_ref.h"
#include "encode/compute/blocks_ref.h"
#include "encode/compute/inter_pred_ref.h"
#include "encode/compute/me_ref.h"
#include "encode/compute/mvpred_ref.h"
#include "encode/compute/search_p_ref.h"
#include "encode/compute/transform_ref.h"

/* One macroblock's source, prediction and reconstruction (raster arrays). */
typedef struct TkInterMb {
    int src_y[256], src_c[2][64];
    int pred_y[256], pred_c[2][64];
    int rec_y[256], rec_c[2][64];
} TkInterMb;

static void load_src(const TkFrameLayout *l, const uint8_t *src, int mb_x, int mb_y,
                     TkInterMb *m)
{
    size_t stride = l->luma_stride;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            m->src_y[y * 16 + x] = src[(size_t)(mb_y * 16 + y) * stride + (size_t)(mb_x * 16 + x)];
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                m->src_c[c][y * 8 + x] = src[l->chroma_offset + (size_t)(mb_y * 8 + y) * stride +
                                             (size_t)(mb_x * 16 + 2 * x + c)];
}

/* The prediction of a macroblock with partitioning `part` and one MV per partition
 * (8.4.2.2 per partition; mv[1] is unused for 16x16). */
static void predict(const TkFrameLayout *l, const uint8_t *ref, int mb_x, int mb_y, int part,
                    const int32_t mv[2][2], TkInterMb *m)
{
    int n = part == TK_PART_16x16 ? 1 : 2;
    int w = part == TK_PART_8x16 ? 8 : 16, h = part == TK_PART_16x8 ? 8 : 16;
    for (int k = 0; k < n; k++) {
        int x = part == TK_PART_8x16 ? 8 * k : 0, y = part == TK_PART_16x8 ? 8 * k : 0;
        int py[256], pcb[64], pcr[64];
        tk_inter_pred_luma(ref, l, mb_x * 16 + x, mb_y * 16 + y, w, h, mv[k][0], mv[k][1], py);
        tk_inter_pred_chroma(ref, l, mb_x * 8 + x / 2, mb_y * 8 + y / 2, w / 2, h / 2, mv[k][0],
                             mv[k][1], pcb, pcr);
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
                m->pred_y[(y + i) * 16 + x + j] = py[i * w + j];
        for (int i = 0; i < h / 2; i++)
            for (int j = 0; j < w / 2; j++) {
                m->pred_c[0][(y / 2 + i) * 8 + x / 2 + j] = pcb[i * (w / 2) + j];
                m->pred_c[1][(y / 2 + i) * 8 + x / 2 + j] = pcr[i * (w / 2) + j];
            }
    }
}

static void predict16(const TkFrameLayout *l, const uint8_t *ref, int mb_x, int mb_y,
                      const int mv[2], TkInterMb *m)
{
    const int32_t mvs[2][2] = { { mv[0], mv[1] }, { mv[0], mv[1] } };
    predict(l, ref, mb_x, mb_y, TK_PART_16x16, mvs, m);
}

/* x264's decimation score of one 4x4 block's levels (scan order, n coefficients from
 * first): any |level| > 1 scores "keep"; else each +-1 costs by the zeros before it. */
static int decimate_score(const int32_t *lev, int first, int n)
{
    static const int run_score[16] = { 3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
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

/* Residual of one 4x4 block of a plane `w` samples wide, transformed and quantised (inter
 * rounding) into scan-order levels. Returns the number of non-zero levels. */
static int quant_block(const int *src, const int *pred, int w, int bx, int by, int qp,
                       int32_t lev[16], int coef[16])
{
    int res[16], nz = 0;
    for (int i = 0; i < 16; i++) {
        int o = (by + (i >> 2)) * w + bx + (i & 3);
        res[i] = src[o] - pred[o];
    }
    tk_fdct4x4(res, coef);
    for (int s = 0; s < 16; s++) {
        lev[s] = tk_quant4x4_inter(coef[tk_zigzag4x4[s]], tk_zigzag4x4[s], qp);
        nz += lev[s] != 0;
    }
    return nz;
}

/* Luma residual of an inter macroblock: levels, decimation, total_coeff, cbp bits 0-3 and
 * rec_y. */
static int code_luma(int qp, TkInterMb *m, TkCodedMb *out)
{
    int coef[16], score8[4] = { 0, 0, 0, 0 };
    for (int k = 0; k < 16; k++) {
        quant_block(m->src_y, m->pred_y, 16, tk_blk_x(k), tk_blk_y(k), qp, out->luma[k], coef);
        score8[k >> 2] += decimate_score(out->luma[k], 0, 16);
    }
    int total = score8[0] + score8[1] + score8[2] + score8[3], cbp = 0;
    for (int k = 0; k < 16; k++) {
        int keep = total >= TK_DECIMATE_MB && score8[k >> 2] >= TK_DECIMATE_8x8;
        int d[16], nz = 0;
        for (int s = 0; s < 16; s++) {
            if (!keep)
                out->luma[k][s] = 0;
            int pos = tk_zigzag4x4[s];
            d[pos] = tk_dequant4x4(out->luma[k][s], pos, qp);
            nz += out->luma[k][s] != 0;
        }
        out->total_coeff[k] = nz;
        if (nz)
            cbp |= 1 << (k >> 2);
        tk_block_recon(d, m->pred_y, 16, tk_blk_x(k), tk_blk_y(k), m->rec_y);
    }
    /* 7.4.5: an 8x8 whose cbp bit is 0 carries no levels; its blocks' total_coeff stay 0 */
    return cbp;
}

/* Chroma residual (DC 2x2 + AC, inter rounding); returns the chroma cbp 0, 1 or 2. */
static int code_chroma(int qp, TkInterMb *m, TkCodedMb *out)
{
    int qpc = tk_chroma_qp(qp), any_dc = 0, any_ac = 0;
    for (int comp = 0; comp < 2; comp++) {
        int w[4][16], dc[4], f[4];
        for (int b = 0; b < 4; b++) {
            int32_t lev[16];
            quant_block(m->src_c[comp], m->pred_c[comp], 8, (b & 1) * 4, (b >> 1) * 4, qpc, lev,
                        w[b]);
            dc[b] = w[b][0];
            out->chroma_ac[comp][b][0] = 0;
            for (int s = 1; s < 16; s++)
                out->chroma_ac[comp][b][s] = lev[s];
        }
        tk_hadamard2x2(dc, f);
        for (int b = 0; b < 4; b++) {
            out->chroma_dc[comp][b] = tk_quant_dc_inter(f[b], qpc);
            any_dc |= out->chroma_dc[comp][b] != 0;
        }
    }
    /* chroma AC made only of lone +-1s costs more than it gives: drop it (x264's chroma
     * decimation, one score over both components) */
    int score = 0;
    for (int comp = 0; comp < 2; comp++)
        for (int b = 0; b < 4; b++)
            score += decimate_score(out->chroma_ac[comp][b], 1, 15);
    int keep_ac = score >= 7;
    for (int comp = 0; comp < 2; comp++) {
        int f[4];
        tk_hadamard2x2(out->chroma_dc[comp], f);
        for (int b = 0; b < 4; b++) {
            int d[16], nz = 0;
            d[0] = tk_dequant_chroma_dc(f[b], qpc);
            for (int s = 1; s < 16; s++) {
                if (!keep_ac)
                    out->chroma_ac[comp][b][s] = 0;
                int pos = tk_zigzag4x4[s];
                d[pos] = tk_dequant4x4(out->chroma_ac[comp][b][s], pos, qpc);
                nz += out->chroma_ac[comp][b][s] != 0;
            }
            out->total_coeff_chroma[comp][b] = nz;
            any_ac |= nz != 0;
            tk_block_recon(d, m->pred_c[comp], 8, (b & 1) * 4, (b >> 1) * 4, m->rec_c[comp]);
        }
    }
    if (!any_ac)
        for (int comp = 0; comp < 2; comp++)
            for (int b = 0; b < 4; b++)
                out->total_coeff_chroma[comp][b] = 0;
    return any_ac ? 2 : any_dc ? 1 : 0;
}

/* Residual of the prediction in m: fills out's levels and cbp and m's reconstruction. */
static int code_residual(int qp, TkInterMb *m, TkCodedMb *out)
{
    int cbp = code_luma(qp, m, out);
    cbp |= code_chroma(qp, m, out) << 4;
    out->cbp = cbp;
    return cbp;
}

static void store_recon(const TkFrameLayout *l, const int *rec_y, const int (*rec_c)[64],
                        uint8_t *recon, int mb_x, int mb_y)
{
    size_t stride = l->luma_stride;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            recon[(size_t)(mb_y * 16 + y) * stride + (size_t)(mb_x * 16 + x)] =
                (uint8_t)rec_y[y * 16 + x];
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                recon[l->chroma_offset + (size_t)(mb_y * 8 + y) * stride +
                      (size_t)(mb_x * 16 + 2 * x + c)] = (uint8_t)rec_c[c][y * 8 + x];
}

/* P_Skip: the prediction at the skip MV is the reconstruction (8.4.1.1, no residual). */
static void set_skip(TkCodedMb *out, TkMbMotion *mo, const int mv_skip[2])
{
    memset(out, 0, sizeof(*out));
    out->type = TK_MB_PSKIP;
    *mo = (TkMbMotion){ .ref_idx = 0, .part = TK_PART_16x16,
                        .mv = { { mv_skip[0], mv_skip[1] }, { mv_skip[0], mv_skip[1] } } };
}

/* The MV bits of mv against mvp (se(v) per component). */
static int mv_bits(const int32_t mv[2], const int mvp[2])
{
    return tk_se_bits(mv[0] - mvp[0]) + tk_se_bits(mv[1] - mvp[1]);
}

/*
 * The cost of `part` (16x8 or 8x16) with the search pass's MVs of its halves, each weighed
 * against its true predictor (partition 1's with partition 0's MV in place, 8.4.1.3), plus
 * the bits mb_type 1 or 2 spends over mb_type 0 (ue(v): 3 against 1); the partitions, MVs
 * and mvds in *mo.
 */
static int halves_cost(const TkInterParams *p, const TkMbSearch *s, TkMbMotion *motion,
                       int idx, int mb_x, int mb_y, int part, int lambda, TkMbMotion *mo)
{
    int cost = 2 * lambda;
    int first = part == TK_PART_16x8 ? TK_SEARCH_16x8 : TK_SEARCH_8x16;
    *mo = (TkMbMotion){ .ref_idx = 0, .part = part };
    for (int k = 0; k < 2; k++) {
        const TkMbCandidate *c = &s->c[first + k];
        TkMvNeighbours nb;
        int mvp[2];
        motion[idx] = *mo; /* partition 0, decided, is a neighbour of partition 1 */
        tk_mv_neighbours_part(motion, p->layout.mb_width, p->slice_mb_rows, mb_x, mb_y, part,
                              k, &nb);
        tk_mvpred_part(&nb, part, k, mvp);
        cost += c->satd + lambda * mv_bits(c->mv, mvp);
        mo->mv[k][0] = c->mv[0];
        mo->mv[k][1] = c->mv[1];
        mo->mvd[k][0] = c->mv[0] - mvp[0];
        mo->mvd[k][1] = c->mv[1] - mvp[1];
    }
    return cost;
}

/* 1 where the skip map marks macroblock (x, y) static (TK_SKIP_MAP_STATIC or _SAME_REF). */
static int is_static(const uint8_t *skip_map, int mb_width, int x, int y)
{
    return skip_map && TK_SKIP_MAP_IS_STATIC(skip_map[y * mb_width + x]);
}

int tk_inter_static_alone(const uint8_t *skip_map, const TkFrameLayout *l, int mb_x, int mb_y)
{
    /* neighbours A, B, C and D (8.4.1.3) inside the picture: each static, so coded at MV
     * (0, 0) from list 0; outside (or in another slice: unavailable) they count as such too */
    static const int nb[4][2] = { { -1, 0 }, { 0, -1 }, { 1, -1 }, { -1, -1 } };
    if (!is_static(skip_map, l->mb_width, mb_x, mb_y))
        return 0;
    for (int k = 0; k < 4; k++) {
        int x = mb_x + nb[k][0], y = mb_y + nb[k][1];
        if (x >= 0 && x < l->mb_width && y >= 0 && !is_static(skip_map, l->mb_width, x, y))
            return 0;
    }
    return 1;
}

void tk_inter_static_mb_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                            const uint8_t *skip_map, uint8_t *recon, TkCodedMb *coded,
                            TkMbMotion *motion, int mb_x, int mb_y)
{
    const TkFrameLayout *l = &p->layout;
    int idx = mb_y * l->mb_width + mb_x;
    if (!is_static(skip_map, l->mb_width, mb_x, mb_y))
        return;
    int map = skip_map[idx];
    TkCodedMb *out = &coded[idx];
    TkMbMotion *mo = &motion[idx];
    int qp = tk_inter_mb_qp(p, idx);
    /* the previous picture's coding of this macroblock, before it is overwritten: 16x16 at
     * MV (0, 0) with no residual (an I picture leaves ref_idx TK_REF_NONE), at this QP (the
     * text map may have changed it) */
    int was_zero = mo->ref_idx == 0 && mo->part == TK_PART_16x16 && mo->mv[0][0] == 0 &&
                   mo->mv[0][1] == 0 && out->cbp == 0 && out->qp == qp;
    TkInterMb m;
    static const int zero[2] = { 0, 0 };
    load_src(l, src, mb_x, mb_y, &m);
    memset(out, 0, sizeof(*out));
    predict16(l, ref, mb_x, mb_y, zero, &m);
    /* the same source, reference and QP as a picture that coded nothing here: the residual
     * is none again (inter_defs.h), and the prediction is the reconstruction */
    if (map == TK_SKIP_MAP_STATIC_SAME_REF && was_zero) {
        memcpy(m.rec_y, m.pred_y, sizeof(m.rec_y));
        memcpy(m.rec_c, m.pred_c, sizeof(m.rec_c));
    } else {
        code_residual(qp, &m, out);
    }
    out->type = TK_MB_PL0; /* the decision makes it P_Skip where it can */
    store_recon(l, m.rec_y, (const int(*)[64])m.rec_c, recon, mb_x, mb_y);
    if (tk_inter_static_alone(skip_map, l, mb_x, mb_y)) {
        /* the decision too: its MV prediction and P_Skip MV are (0, 0), whatever the
         * wavefront decides elsewhere (the motion entry was read above, as the previous
         * picture's) */
        if (out->cbp == 0)
            out->type = TK_MB_PSKIP;
        *mo = (TkMbMotion){ .ref_idx = 0, .part = TK_PART_16x16 };
    }
}

/* The decision of the macroblock at its QP qp (the frame's, or the text QP). */
static void decide_mb(const TkInterParams *p, int qp, const uint8_t *src, const uint8_t *ref,
                      const uint8_t *skip_map, const TkMbSearch *search, uint8_t *recon,
                      TkCodedMb *coded, TkMbMotion *motion, int mb_x, int mb_y)
{
    const TkFrameLayout *l = &p->layout;
    int idx = mb_y * l->mb_width + mb_x;
    TkCodedMb *out = &coded[idx];
    TkMbMotion *mo = &motion[idx];
    TkInterMb m;
    TkMvNeighbours nb;
    int mvp[2], mv_skip[2];
    tk_mv_neighbours(motion, l->mb_width, p->slice_mb_rows, mb_x, mb_y, &nb);
    tk_mvpred_16x16(&nb, mvp);
    tk_mvpred_skip(&nb, mv_skip);

    if (tk_inter_static_alone(skip_map, l, mb_x, mb_y))
        return; /* the static pass decided it */
    if (is_static(skip_map, l->mb_width, mb_x, mb_y)) {
        /* 1. static: the static pass coded it at MV (0, 0); P_Skip where nothing is left to
         * code and the P_Skip MV is (0, 0) too; else (0, 0) said explicitly, for a residual
         * left over from the previous picture's coding or a P_Skip MV that would move the
         * block */
        if (out->cbp == 0 && mv_skip[0] == 0 && mv_skip[1] == 0) {
            set_skip(out, mo, mv_skip);
        } else {
            out->type = TK_MB_PL0;
            *mo = (TkMbMotion){ .ref_idx = 0, .part = TK_PART_16x16,
                                .mvd = { { -mvp[0], -mvp[1] }, { -mvp[0], -mvp[1] } } };
        }
        return;
    }
    TkIntraParams ip = { .layout = *l, .qp = p->qp, .slice_mb_rows = p->slice_mb_rows,
                         .text_map = p->text_map, .text_qp = p->text_qp,
                         .i16x16_only = p->i16x16_only,
                         .refresh_x1 = tk_inter_refresh_edge(p) };
    if (skip_map && skip_map[idx] == TK_SKIP_MAP_INTRA) {
        /* 0. an intra refresh's column: intra, whatever inter would cost */
        tk_intra_analyse_mb_ref(&ip, src, recon, coded, mb_x, mb_y);
        *mo = (TkMbMotion){ .ref_idx = TK_REF_NONE, .part = TK_PART_16x16 };
        return;
    }
    /* left of an intra refresh's columns: only MVs into the refreshed area */
    int limit = tk_inter_refresh_limit(p, mb_x);
    int skip_ok = limit <= 0 || TK_REFRESH_MV_OK(mv_skip[0], mb_x * 16 + 16, limit);
    int mvp_ok = limit <= 0 || TK_REFRESH_MV_OK(mvp[0], mb_x * 16 + 16, limit);
    load_src(l, src, mb_x, mb_y, &m);
    memset(out, 0, sizeof(*out));

    /* 2. early skip: nothing left to code at the skip MV */
    if (skip_ok) {
        predict16(l, ref, mb_x, mb_y, mv_skip, &m);
        if (code_residual(qp, &m, out) == 0) {
            set_skip(out, mo, mv_skip);
            store_recon(l, m.pred_y, (const int(*)[64])m.pred_c, recon, mb_x, mb_y);
            return;
        }
    }

    /* 3. inter (the search pass's partitions, or the predictor itself as a 16x16) against
     * intra */
    int lambda = tk_intra_lambda(qp);
    const TkMbSearch *s = &search[idx];
    const TkMbCandidate *c16 = &s->c[TK_SEARCH_16x16];
    int mv[2] = { c16->mv[0], c16->mv[1] };
    int inter_cost = c16->satd + lambda * mv_bits(c16->mv, mvp);
    if ((mv[0] != mvp[0] || mv[1] != mvp[1]) && mvp_ok) {
        TkMeBlock b16 = { .src_y = m.src_y, .mb_x = mb_x, .mb_y = mb_y, .w = 16, .h = 16 };
        int c = tk_me_cost_ref(ref, l, &b16, mvp, lambda, mvp);
        if (c < inter_cost) {
            inter_cost = c;
            mv[0] = mvp[0];
            mv[1] = mvp[1];
        }
    }
    TkMbMotion best = { .ref_idx = 0, .part = TK_PART_16x16,
                        .mv = { { mv[0], mv[1] }, { mv[0], mv[1] } },
                        .mvd = { { mv[0] - mvp[0], mv[1] - mvp[1] },
                                 { mv[0] - mvp[0], mv[1] - mvp[1] } } };
    for (int part = TK_PART_16x8; part <= TK_PART_8x16; part++) {
        TkMbMotion halves;
        int c = halves_cost(p, s, motion, idx, mb_x, mb_y, part, lambda, &halves);
        if (c < inter_cost) {
            inter_cost = c;
            best = halves;
        }
    }
    *mo = best;
    int intra_cost = tk_intra_analyse_mb_ref(&ip, src, recon, coded, mb_x, mb_y) +
                     lambda * TK_P_INTRA_EXTRA_BITS;
    if (intra_cost < inter_cost) {
        *mo = (TkMbMotion){ .ref_idx = TK_REF_NONE, .part = TK_PART_16x16 };
        return; /* coded[] and recon hold the intra macroblock */
    }

    /* 4. P_L0 with its partitions; a 16x16 one with nothing to code at the P_Skip MV is
     * P_Skip */
    predict(l, ref, mb_x, mb_y, best.part, (const int32_t(*)[2])best.mv, &m);
    memset(out, 0, sizeof(*out));
    int cbp = code_residual(qp, &m, out);
    if (cbp == 0 && best.part == TK_PART_16x16 && best.mv[0][0] == mv_skip[0] &&
        best.mv[0][1] == mv_skip[1])
        set_skip(out, mo, mv_skip);
    else
        out->type = TK_MB_PL0;
    store_recon(l, m.rec_y, (const int(*)[64])m.rec_c, recon, mb_x, mb_y);
}

void tk_inter_analyse_mb_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                             const uint8_t *skip_map, const TkMbSearch *search,
                             uint8_t *recon, TkCodedMb *coded, TkMbMotion *motion, int mb_x,
                             int mb_y)
{
    int idx = mb_y * p->layout.mb_width + mb_x, qp = tk_inter_mb_qp(p, idx);
    decide_mb(p, qp, src, ref, skip_map, search, recon, coded, motion, mb_x, mb_y);
    /* as if the picture had one QP: mb_qp_ref.h corrects QP_Y and mb_qp_delta */
    coded[idx].qp = qp;
    coded[idx].qp_y = qp;
    coded[idx].qp_delta = 0;
}

void tk_inter_analyse_frame_ref(const TkInterParams *p, const uint8_t *src, const uint8_t *ref,
                                const uint8_t *skip_map, TkMbSearch *search, uint8_t *recon,
                                TkCodedMb *coded, TkMbMotion *motion)
{
    /* the parallel passes (on the GPU side by side): the searches of the changed
     * macroblocks, the residual of the static ones */
    tk_search_p_frame_ref(p, src, ref, skip_map, motion, search);
    for (int y = 0; y < p->layout.mb_height; y++)
        for (int x = 0; x < p->layout.mb_width; x++)
            tk_inter_static_mb_ref(p, src, ref, skip_map, recon, coded, motion, x, y);
    for (int y = 0; y < p->layout.mb_height; y++)
        for (int x = 0; x < p->layout.mb_width; x++)
            tk_inter_analyse_mb_ref(p, src, ref, skip_map, search, recon, coded, motion, x, y);
}
