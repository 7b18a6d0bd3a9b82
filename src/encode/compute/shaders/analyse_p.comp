/*
 * Mode decision, residual and reconstruction of P-picture macroblocks on the GPU, bit-exact
 * with tk_inter_analyse_mb_ref() (analyse_p_ref.c): skip map, early P_Skip, the inter cost of
 * the search pass's 16x16 / 16x8 / 8x16 results (search_p.comp, run before over the whole
 * picture) with their true MV predictions (8.4.1.3), the intra trial (analyse_narrow_mb.glsl,
 * the same code as I pictures), inter residual with decimation, reconstruction.
 *
 * Order. A macroblock reads the motion of its left, top-left, top and top-right neighbours
 * (MV prediction) and their reconstruction (intra trial), so it runs once (x - 1, y),
 * (x, y - 1) and (x + 1, y - 1) are finished: the wavefront x + 2y (deblock.comp walks the
 * same one). The host records one dispatch per anti-diagonal d = x + 2y with a barrier
 * between (analyse_p_gpu.c) for all P pictures of a batch (workgroup z: picture z), and the
 * macroblocks of a diagonal, one workgroup each, run side by side. The motion search, the
 * long part, is not on this chain.
 *
 * Parallel mapping: one workgroup of 16 threads per macroblock (the intra trial's narrow
 * shape). Every decision is computed by all 16 threads from the same shared values, so
 * control flow stays uniform and barriers may sit inside; the threads split the residual (a
 * luma 4x4 block each; chroma blocks on threads 0-7) and the stores.
 *
 * Buffers (p_frames.glsl, by address, workgroup z's picture of the batch): the source NV12,
 * the recon NV12 (unfiltered; the intra trial reads the neighbours'), TkCodedMb[n],
 * the reference NV12 (the previous picture, deblocked; read only), TkMbMotion[n] (this
 * picture's, written), the skip map (a byte per macroblock, 4 to a word, TK_SKIP_MAP_STATIC
 * where unchanged; read when has_skip_map), TkMbSearch[n] (the search pass's), the text map
 * (a byte per macroblock, 4 to a word: TK_TEXT_MAP_TEXT ones are quantised and decided at
 * text_qp; any buffer when text_qp == qp).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "intra_pred.glsl"
#include "transform.glsl"

layout(local_size_x = 16) in;

#include "p_frames.glsl"

layout(push_constant) uniform Batch {
    TkPFrameTable table;   /* the batch's P pictures */
    uvec2 lists;           /* TkLists (p_lists.glsl) */
    int diag;              /* PASS_DECIDE: this dispatch's macroblocks, x + 2y == diag */
    int pass;              /* PASS_STATIC (the static list) or PASS_DECIDE (the diagonal's
                              list): workgroup (x, 0, z) takes entry z * X + x, an indirect
                              dispatch (inter_defs.h) */
} batch;

#include "p_lists.glsl"

#define pc P_FRAME
#define src_words TK_P_BUF(TkWordsIn, src).w
#define rec_words TK_P_BUF(TkWordsShared, recon).w
#define coded TK_P_BUF(TkCodedShared, coded).m
#define ref_words TK_P_BUF(TkWordsIn, ref).w
#define motion TK_P_BUF(TkMotionShared, motion).m
#define skip_words TK_P_BUF(TkWordsIn, skip_map).w
#define search TK_P_BUF(TkSearchOut, search).m
#define text_map TK_P_BUF(TkWordsIn, text_map).w

/* The static pass codes the macroblocks the skip map marks static (their prediction and
 * residual at MV (0, 0) need no neighbour) beside the search pass; the decision pass, along
 * the wavefront, decides everything else. */
#define PASS_STATIC 0
#define PASS_DECIDE 1

#include "analyse_narrow_mb.glsl"
#include "inter_pred.glsl"
#include "motion_search.glsl"

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

/* ---- stores ---- */

/* coded[n] as an inter macroblock of `type`; its levels from s_plev and s_pclev, or none
 * (zero) for a P_Skip */
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

/* ---- the macroblock ---- */

/* What is being coded: STATIC (skip map, MV 0), EARLY (at the P_Skip MV), FINAL (the
 * decision's partitions and MVs). One loop with one prediction and residual call, because
 * the compiler inlines every call and this shader must stay small. */
#define TRY_STATIC 0
#define TRY_EARLY 1
#define TRY_FINAL 2
#define TRY_INTER 3 /* straight to the inter costs: no early skip (intra refresh) */

#include "skip_map.glsl"

void analyse_p_mb(int t, int mb_x, int mb_y)
{
    int idx = mb_y * pc.mb_width + mb_x;
    int qp = tk_mb_qp(idx);
    int map = map_at(idx);
    bool static_mb = TK_SKIP_MAP_IS_STATIC(map);
    /* the lists hold only static macroblocks for the static pass, and for the decisions
     * none that the static pass decided (static_alone, p_lists.comp) */
    ivec4 nb[4];
    ivec2 mvp = ivec2(0), mv_skip = ivec2(0);
    if (batch.pass == PASS_DECIDE) {
        gather(mb_x, mb_y, TK_PART_16x16, 0, ivec2(0), nb);
        mvp = mvpred(nb, TK_PART_16x16, 0);
        /* 8.4.1.1: P_Skip MV (0, 0) when A or B is unavailable or a zero MV into picture 0 */
        mv_skip = nb[0].x == 0 || nb[1].x == 0 || (nb[0].y == 0 && nb[0].zw == ivec2(0)) ||
                          (nb[1].y == 0 && nb[1].zw == ivec2(0))
                      ? ivec2(0) : mvp;
        if (static_mb) {
            /* the static pass coded it at MV (0, 0): P_Skip where nothing is left to code and
             * the P_Skip MV is (0, 0) too; else (0, 0) said explicitly, for a residual left
             * over or a P_Skip MV that would move the block */
            bool skip = coded[idx].cbp == 0 && mv_skip == ivec2(0);
            if (skip && t == 0)
                coded[idx].type = TK_MB_PSKIP;
            store_motion(t, idx, 0, TK_PART_16x16, ivec2(0), ivec2(0), skip ? ivec2(0) : -mvp,
                         skip ? ivec2(0) : -mvp);
            return;
        }
    }
    /* 0. an intra refresh's column: intra, whatever inter would cost; an intra macroblock of
     * the last refreshed column does not predict from its top-right neighbour
     * (tk_inter_refresh_edge()) */
    int refresh_edge = pc.refresh_x1 > 0 && pc.refresh_x1 < pc.mb_width ? pc.refresh_x1 : 0;
    if (batch.pass == PASS_DECIDE && map == TK_SKIP_MAP_INTRA) {
        analyse_mb(t, mb_x, mb_y, pc.i16x16_only == 0, refresh_edge);
        store_motion(t, idx, TK_REF_NONE, TK_PART_16x16, ivec2(0), ivec2(0), ivec2(0),
                     ivec2(0));
        return;
    }
    /* left of the refresh columns only MVs into the refreshed area (tk_inter_refresh_limit) */
    int limit = mb_x < pc.refresh_x0 ? pc.refresh_limit : 0;
    bool skip_ok = limit <= 0 || TK_REFRESH_MV_OK(mv_skip.x, mb_x * 16 + 16, limit);
    bool mvp_ok = limit <= 0 || TK_REFRESH_MV_OK(mvp.x, mb_x * 16 + 16, limit);
    /* 1. static (the static pass): MV (0, 0), no search, no intra trial (the macroblocks
     * coded as in the previous picture, most of a conversation's, p_lists.comp codes) */
    load_mb(t, mb_x, mb_y, mb_avail(mb_x, mb_y));
    barrier();

    int stage = static_mb ? TRY_STATIC : skip_ok ? TRY_EARLY : TRY_INTER;
    int best_part = TK_PART_16x16;
    ivec2 best_mv0 = ivec2(0), best_mv1 = ivec2(0), best_mvd0 = ivec2(0), best_mvd1 = ivec2(0);
    [[dont_unroll]] for (;;) {
        if (stage != TRY_INTER) {
            ivec2 m0 = stage == TRY_STATIC ? ivec2(0) : stage == TRY_EARLY ? mv_skip : best_mv0;
            ivec2 m1 = stage == TRY_STATIC ? ivec2(0) : stage == TRY_EARLY ? mv_skip : best_mv1;
            predict(t, mb_x, mb_y, stage == TRY_FINAL ? best_part : TK_PART_16x16, m0, m1);
            int cbp = code_residual(t, qp);
            if (stage == TRY_STATIC) {
                /* the decision pass makes it P_Skip or says MV (0, 0), but for a macroblock
                 * whose MV prediction is (0, 0) whatever the wavefront decides: this pass */
                bool alone = static_alone(mb_x, mb_y);
                store_coded(t, idx, alone && cbp == 0 ? TK_MB_PSKIP : TK_MB_PL0, cbp, qp);
                store_recon(t, mb_x, mb_y);
                if (alone)
                    store_motion(t, idx, 0, TK_PART_16x16, ivec2(0), ivec2(0), ivec2(0), ivec2(0));
                return;
            }
            /* P_Skip: nothing to code and the P_Skip MV (a 16x16 macroblock) */
            bool skip = cbp == 0 && (stage == TRY_EARLY || (best_part == TK_PART_16x16 &&
                                                            best_mv0 == mv_skip));
            if (skip) {
                store_coded(t, idx, TK_MB_PSKIP, 0, qp);
                store_motion(t, idx, 0, TK_PART_16x16, mv_skip, mv_skip, ivec2(0), ivec2(0));
                store_recon(t, mb_x, mb_y);
                return;
            }
            if (stage == TRY_FINAL) {
                store_coded(t, idx, TK_MB_PL0, cbp, qp);
                store_motion(t, idx, 0, best_part, best_mv0, best_mv1, best_mvd0, best_mvd1);
                store_recon(t, mb_x, mb_y);
                return;
            }

        }

        /* 3. inter: the search pass's partitions (search_p.comp), each weighed against its
         * true predictor, or the predictor itself as a 16x16; against intra */
        int lambda = TK_LAMBDA_TAB[qp];
        g_mb = ivec2(mb_x, mb_y);
        g_blk = ivec4(0, 0, 16, 16);
        ivec2 mv16 = ivec2(search[idx].c[TK_SEARCH_16x16].mv[0],
                           search[idx].c[TK_SEARCH_16x16].mv[1]);
        int inter_cost = search[idx].c[TK_SEARCH_16x16].satd + lambda * mv_bits(mv16, mvp);
        if (mv16 != mvp && mvp_ok) {
            int c = satd_cost(t, mvp, mvp, lambda);
            if (c < inter_cost) {
                inter_cost = c;
                mv16 = mvp;
            }
        }
        best_mv0 = mv16;
        best_mv1 = mv16;
        best_mvd0 = mv16 - mvp;
        best_mvd1 = mv16 - mvp;
        [[dont_unroll]] for (int part = TK_PART_16x8; part <= TK_PART_8x16; part++) {
            int first = part == TK_PART_16x8 ? TK_SEARCH_16x8 : TK_SEARCH_8x16;
            /* the bits mb_type 1 or 2 spends over mb_type 0 (ue(v): 3 against 1) */
            int cost = 2 * lambda;
            ivec2 mv0 = ivec2(0), mvd0 = ivec2(0);
            for (int k = 0; k < 2; k++) {
                ivec2 mv = ivec2(search[idx].c[first + k].mv[0], search[idx].c[first + k].mv[1]);
                /* partition 1 is predicted with partition 0's MV in place (8.4.1.3) */
                gather(mb_x, mb_y, part, k, mv0, nb);
                ivec2 p = mvpred(nb, part, k);
                cost += search[idx].c[first + k].satd + lambda * mv_bits(mv, p);
                if (k == 0) {
                    mv0 = mv;
                    mvd0 = mv - p;
                } else if (cost < inter_cost) {
                    inter_cost = cost;
                    best_part = part;
                    best_mv0 = mv0;
                    best_mvd0 = mvd0;
                    best_mv1 = mv;
                    best_mvd1 = mv - p;
                }
            }
        }
        /* intra coded only where it wins: inter's store overwrites every field anyway */
        IntraTrial intra = intra_trial(t, mb_x, mb_y, pc.i16x16_only == 0, refresh_edge);
        if (intra.cost + lambda * TK_P_INTRA_EXTRA_BITS < inter_cost) {
            intra_code(t, mb_x, mb_y, intra);
            store_motion(t, idx, TK_REF_NONE, TK_PART_16x16, ivec2(0), ivec2(0), ivec2(0),
                         ivec2(0));
            return;
        }
        stage = TRY_FINAL;
    }
}

void main()
{
    int i = tk_list_entry(uint(batch.pass == PASS_STATIC ? TK_LIST_HEADER(TK_LIST_STATIC)
                                                         : TK_LIST_DIAG(batch.diag)));
    if (i < 0)
        return; /* the whole workgroup */
    analyse_p_mb(int(gl_LocalInvocationIndex), i % pc.mb_width, i / pc.mb_width);
}
