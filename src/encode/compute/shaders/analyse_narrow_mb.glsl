/*
 * The body of analyse_narrow.comp: intra analysis of one macroblock by 16 threads
 * (analyse_mb), bit-exact with tk_intra_analyse_mb_ref(). Included by analyse_narrow.comp
 * (I pictures) and analyse_p.comp (the intra trial of P macroblocks), which declare before
 * the include: the buffers src_words (binding of the source NV12), rec_words (recon, coherent)
 * and coded (TkCodedMb[], coherent), text_map (uint words: a byte per macroblock, 4 a word,
 * TK_TEXT_MAP_TEXT under subtitle text), and push constants `pc` starting with luma_stride,
 * chroma_offset, mb_width, mb_height, qp, slice_mb_rows, and holding text_qp (the QP of text
 * macroblocks; equal to qp where the frame has no map, so that any buffer may be bound).
 */
#define AVAIL_TOPRIGHT 8
#define TK_I4x4_EXTRA_BITS 6
#define COST_NONE 0x7fffffff

shared int s_src_y[256];
shared int s_src_c[128];   /* [comp * 64 + y * 8 + x] */
shared int s_tl_y;
shared int s_top_y[20];
shared int s_left_y[16];
shared int s_tl_c[2];
shared int s_top_c[16];    /* [comp * 8 + x] */
shared int s_left_c[16];
shared int s_rec_y[256];
shared int s_rec_c[128];
shared int s_cost16[64];   /* [mode * 16 + block] */
shared int s_costc[32];    /* [mode * 8 + comp * 4 + block] */
shared int s_cost4[9];
shared int s_mode4[16];
shared int s_syn4[16];
shared int s_i4_cost;
shared int s_i4_cbp;
shared int s_lev[256];     /* luma levels [luma4x4BlkIdx * 16 + scan] */
shared int s_tc[16];
shared int s_w[256];       /* I16x16 coefficients [luma4x4BlkIdx * 16 + raster] */
shared int s_ldc[16];      /* I16x16 DC levels, raster block order */
shared int s_dcy[16];      /* dequantised DC, raster block order */
shared int s_wc[128];      /* chroma coefficients [(comp * 4 + block) * 16 + raster] */
shared int s_cdc[8];       /* chroma DC levels [comp * 4 + block] */
shared int s_dcc[8];       /* dequantised chroma DC */
shared int s_clev[128];    /* chroma AC levels [(comp * 4 + block) * 16 + scan] */
shared int s_ctc[8];

#include "text_qp.glsl"

int src_byte(int o)
{
    return int((src_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

int rec_byte(int o)
{
    return int((rec_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
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

void load_mb(int t, int mb_x, int mb_y, int avail)
{
    int stride = pc.luma_stride, x0 = mb_x * 16, y0 = mb_y * 16, cy0 = mb_y * 8;
    for (int x = 0; x < 16; x++)
        s_src_y[t * 16 + x] = src_byte((y0 + t) * stride + x0 + x);
    /* chroma: row t >> 1, 8 of its 16 interleaved bytes */
    int cy = t >> 1;
    for (int i = 0; i < 8; i++) {
        int bx = (t & 1) * 8 + i;
        s_src_c[(bx & 1) * 64 + cy * 8 + (bx >> 1)] =
            src_byte(pc.chroma_offset + (cy0 + cy) * stride + x0 + bx);
    }
    bool top = (avail & TK_AVAIL_TOP) != 0, left = (avail & TK_AVAIL_LEFT) != 0;
    bool tl = (avail & TK_AVAIL_TOPLEFT) != 0, tr = (avail & AVAIL_TOPRIGHT) != 0;
    s_top_y[t] = top ? rec_byte((y0 - 1) * stride + x0 + t) : 0;
    s_left_y[t] = left ? rec_byte((y0 + t) * stride + x0 - 1) : 0;
    if (t < 4)
        s_top_y[16 + t] = tr ? rec_byte((y0 - 1) * stride + x0 + 16 + t) : 0;
    if (t == 0)
        s_tl_y = tl ? rec_byte((y0 - 1) * stride + x0 - 1) : 0;
    if (t < 8) {
        for (int c = 0; c < 2; c++) {
            s_top_c[c * 8 + t] = top ? rec_byte(pc.chroma_offset + (cy0 - 1) * stride + x0 + 2 * t + c) : 0;
            s_left_c[c * 8 + t] = left ? rec_byte(pc.chroma_offset + (cy0 + t) * stride + x0 - 2 + c) : 0;
        }
    }
    if (t < 2)
        s_tl_c[t] = tl ? rec_byte(pc.chroma_offset + (cy0 - 1) * stride + x0 - 2 + t) : 0;
}

/* ---- I16x16 prediction, one sample at a time ---- */

int pred16_dc(int avail)
{
    int st = 0, sl = 0;
    for (int i = 0; i < 16; i++) {
        st += s_top_y[i];
        sl += s_left_y[i];
    }
    if ((avail & TK_AVAIL_TOP) != 0 && (avail & TK_AVAIL_LEFT) != 0)
        return (st + sl + 16) >> 5;
    if ((avail & TK_AVAIL_LEFT) != 0)
        return (sl + 8) >> 4;
    if ((avail & TK_AVAIL_TOP) != 0)
        return (st + 8) >> 4;
    return 128;
}

/* plane parameters a, b, c (8.3.3.4) */
ivec3 pred16_plane()
{
    int h = 0, v = 0;
    for (int i = 0; i < 8; i++) {
        int ta = 6 - i >= 0 ? s_top_y[6 - i] : s_tl_y;
        int la = 6 - i >= 0 ? s_left_y[6 - i] : s_tl_y;
        h += (i + 1) * (s_top_y[8 + i] - ta);
        v += (i + 1) * (s_left_y[8 + i] - la);
    }
    return ivec3(16 * (s_left_y[15] + s_top_y[15]), (5 * h + 32) >> 6, (5 * v + 32) >> 6);
}

int pred16_at(int mode, int dc, ivec3 pl, int x, int y)
{
    if (mode == 0)
        return s_top_y[x];
    if (mode == 1)
        return s_left_y[y];
    if (mode == 2)
        return dc;
    return clamp((pl.x + pl.y * (x - 7) + pl.z * (y - 7) + 16) >> 5, 0, 255);
}

/* ---- chroma prediction ---- */

int predc_dc(int c, int avail, int xo, int yo)
{
    int st = 0, sl = 0;
    for (int i = 0; i < 4; i++) {
        st += s_top_c[c * 8 + xo + i];
        sl += s_left_c[c * 8 + yo + i];
    }
    bool has_top = (avail & TK_AVAIL_TOP) != 0, has_left = (avail & TK_AVAIL_LEFT) != 0;
    if (xo == yo) {
        if (has_top && has_left)
            return (st + sl + 4) >> 3;
        if (has_left)
            return (sl + 2) >> 2;
        if (has_top)
            return (st + 2) >> 2;
    } else if (yo == 0) {
        if (has_top)
            return (st + 2) >> 2;
        if (has_left)
            return (sl + 2) >> 2;
    } else {
        if (has_left)
            return (sl + 2) >> 2;
        if (has_top)
            return (st + 2) >> 2;
    }
    return 128;
}

ivec3 predc_plane(int c)
{
    int h = 0, v = 0;
    for (int i = 0; i < 4; i++) {
        int ta = 2 - i >= 0 ? s_top_c[c * 8 + 2 - i] : s_tl_c[c];
        int la = 2 - i >= 0 ? s_left_c[c * 8 + 2 - i] : s_tl_c[c];
        h += (i + 1) * (s_top_c[c * 8 + 4 + i] - ta);
        v += (i + 1) * (s_left_c[c * 8 + 4 + i] - la);
    }
    return ivec3(16 * (s_left_c[c * 8 + 7] + s_top_c[c * 8 + 7]), (34 * h + 32) >> 6,
                 (34 * v + 32) >> 6);
}

/* prediction of chroma 4x4 block b of component c, raster int[16] */
void predc_block(int mode, int c, int b, int avail, out int pred[16])
{
    int xo = (b & 1) * 4, yo = (b >> 1) * 4;
    int dc = predc_dc(c, avail, xo, yo);
    ivec3 pl = predc_plane(c);
    for (int i = 0; i < 16; i++) {
        int x = xo + (i & 3), y = yo + (i >> 2), s;
        if (mode == 0)
            s = dc;
        else if (mode == 1)
            s = s_left_c[c * 8 + y];
        else if (mode == 2)
            s = s_top_c[c * 8 + x];
        else
            s = clamp((pl.x + pl.y * (x - 3) + pl.z * (y - 3) + 16) >> 5, 0, 255);
        pred[i] = s;
    }
}

/* ---- I4x4 ---- */

/* The 13-sample edge of block k and its availability (as i4_edge() in analyse_ref.c). */
int i4_edge(int k, int avail_mb, out int e[13])
{
    int bx = blk_x(k), by = blk_y(k);
    bool left = bx > 0 || (avail_mb & TK_AVAIL_LEFT) != 0;
    bool top = by > 0 || (avail_mb & TK_AVAIL_TOP) != 0;
    bool tl;
    if (bx > 0 && by > 0)
        tl = true;
    else if (bx > 0)
        tl = (avail_mb & TK_AVAIL_TOP) != 0;
    else if (by > 0)
        tl = (avail_mb & TK_AVAIL_LEFT) != 0;
    else
        tl = (avail_mb & TK_AVAIL_TOPLEFT) != 0;
    bool tr;
    if (by == 0)
        tr = bx + 4 < 16 ? (avail_mb & TK_AVAIL_TOP) != 0 : (avail_mb & AVAIL_TOPRIGHT) != 0;
    else if (bx + 4 >= 16)
        tr = false;
    else
        tr = blk_at(bx + 4, by - 1) < k;

    for (int y = 0; y < 4; y++) {
        int v = 0;
        if (bx > 0)
            v = s_rec_y[(by + y) * 16 + bx - 1];
        else if (left)
            v = s_left_y[by + y];
        e[3 - y] = v;
    }
    if (!tl)
        e[4] = 0;
    else if (bx > 0 && by > 0)
        e[4] = s_rec_y[(by - 1) * 16 + bx - 1];
    else if (bx > 0)
        e[4] = s_top_y[bx - 1];
    else if (by > 0)
        e[4] = s_left_y[by - 1];
    else
        e[4] = s_tl_y;
    for (int x = 0; x < 8; x++) {
        int v = 0;
        if (top && (x < 4 || tr))
            v = by > 0 ? s_rec_y[(by - 1) * 16 + bx + x] : s_top_y[bx + x];
        else if (top)
            v = e[8];
        e[5 + x] = v;
    }
    return (left ? TK_AVAIL_LEFT : 0) | (top ? TK_AVAIL_TOP : 0) | (tl ? TK_AVAIL_TOPLEFT : 0);
}

/* predIntra4x4PredMode (8.3.1.1) */
int i4_pred_mode(int k, int avail_mb, int mb_x, int mb_y)
{
    int bx = blk_x(k), by = blk_y(k);
    int a, b;
    if (bx > 0) {
        a = s_mode4[blk_at(bx - 1, by)];
    } else if ((avail_mb & TK_AVAIL_LEFT) != 0) {
        int n = mb_y * pc.mb_width + mb_x - 1;
        a = coded[n].type == TK_MB_I4x4 ? coded[n].i4_mode[blk_at(15, by)] : TK_I4_DC;
    } else {
        return TK_I4_DC;
    }
    if (by > 0) {
        b = s_mode4[blk_at(bx, by - 1)];
    } else if ((avail_mb & TK_AVAIL_TOP) != 0) {
        int n = (mb_y - 1) * pc.mb_width + mb_x;
        b = coded[n].type == TK_MB_I4x4 ? coded[n].i4_mode[blk_at(bx, 15)] : TK_I4_DC;
    } else {
        return TK_I4_DC;
    }
    return min(a, b);
}

/* Codes I4x4 block k with prediction pred (raster) at qp: levels, recon; returns TotalCoeff. */
int code_i4_block(int k, int pred[16], int qp)
{
    int bx = blk_x(k), by = blk_y(k);
    int res[16], w[16], d[16], r[16], nz = 0;
    for (int i = 0; i < 16; i++)
        res[i] = s_src_y[(by + (i >> 2)) * 16 + bx + (i & 3)] - pred[i];
    tk_fdct4x4(res, w);
    for (int s = 0; s < 16; s++) {
        int pos = TK_ZIGZAG4x4[s];
        int lev = tk_quant4x4(w[pos], pos, qp);
        s_lev[k * 16 + s] = lev;
        d[pos] = tk_dequant4x4(lev, pos, qp);
        nz += lev != 0 ? 1 : 0;
    }
    tk_idct4x4(d, r);
    for (int i = 0; i < 16; i++)
        s_rec_y[(by + (i >> 2)) * 16 + bx + (i & 3)] = clamp(pred[i] + r[i], 0, 255);
    return nz;
}

/* What the intra trial decided (intra_trial()), the same in every thread. */
struct IntraTrial {
    int avail;
    int qp;
    int mode16;
    int modec;
    bool is_i4;
    int cost;   /* the cheaper of I4x4 and I16x16 */
};

/* The decisions of tk_intra_analyse_mb_ref() for macroblock (mb_x, mb_y): modes and cost.
 * The I4x4 blocks are coded on the way (each predicts from the ones before), into shared
 * memory only; intra_code() codes the rest and stores the macroblock. Apart so that a P
 * macroblock codes intra only where intra wins (analyse_p.comp). */
IntraTrial intra_trial(int t, int mb_x, int mb_y, bool try_i4, int refresh_x1)
{
    int avail = mb_avail(mb_x, mb_y);
    int qp = tk_mb_qp(mb_y * pc.mb_width + mb_x);
    int lambda = TK_LAMBDA_TAB[qp];
    load_mb(t, mb_x, mb_y, avail);
    barrier();

    /* I16x16 and chroma costs, one 4x4 block per thread */
    {
        int dc = pred16_dc(avail);
        ivec3 pl = pred16_plane();
        int bx = blk_x(t), by = blk_y(t);
        for (int m = 0; m < 4; m++) {
            int c = 0;
            if (tk_pred16x16_mode_ok(m, avail)) {
                int res[16];
                for (int i = 0; i < 16; i++) {
                    int x = bx + (i & 3), y = by + (i >> 2);
                    res[i] = s_src_y[y * 16 + x] - pred16_at(m, dc, pl, x, y);
                }
                c = tk_satd4x4(res);
            }
            s_cost16[m * 16 + t] = c;
        }
        if (t < 8) {
            int comp = t >> 2, b = t & 3;
            for (int m = 0; m < 4; m++) {
                int c = 0;
                if (tk_pred_chroma_mode_ok(m, avail)) {
                    int pred[16], res[16];
                    predc_block(m, comp, b, avail, pred);
                    for (int i = 0; i < 16; i++)
                        res[i] = s_src_c[comp * 64 + ((b >> 1) * 4 + (i >> 2)) * 8 + (b & 1) * 4 + (i & 3)] - pred[i];
                    c = tk_satd4x4(res);
                }
                s_costc[m * 8 + t] = c;
            }
        }
    }
    barrier();
    int mode16 = -1, cost16 = 0, modec = -1, costc = 0;
    for (int m = 0; m < 4; m++) {
        if (tk_pred16x16_mode_ok(m, avail)) {
            int c = 0;
            for (int k = 0; k < 16; k++)
                c += s_cost16[m * 16 + k];
            if (mode16 < 0 || c < cost16) {
                mode16 = m;
                cost16 = c;
            }
        }
        if (tk_pred_chroma_mode_ok(m, avail)) {
            int c = 0;
            for (int k = 0; k < 8; k++)
                c += s_costc[m * 8 + k];
            if (modec < 0 || c < costc) {
                modec = m;
                costc = c;
            }
        }
    }

    /* I4x4: blocks in order; threads 0-8 cost one mode each, thread 0 codes the best (none
     * without try_i4: tk_intra_analyse_mb_ref's i16x16_only) */
    int cost4 = lambda * TK_I4x4_EXTRA_BITS, cbp4 = 0;
    if (!try_i4) {
        if (t == 0)
            s_i4_cost = COST_NONE;
        barrier();
    }
    for (int k = 0; try_i4 && k < 16; k++) {
        int e[13];
        int bavail = i4_edge(k, avail, e);
        int pm = i4_pred_mode(k, avail, mb_x, mb_y);
        int dc4 = tk_pred4x4_dc(e, bavail);
        if (t < 9) {
            int c = COST_NONE;
            /* tk_intra_refresh_forbids() (analyse_ref.h): refresh_x1 > 0 in an intra
             * refresh, else 0 */
            bool forbidden = refresh_x1 > 0 && mb_x == refresh_x1 - 1 && k == 5 &&
                             (t == TK_I4_DDL || t == TK_I4_VL);
            if (tk_pred4x4_mode_ok(t, bavail) && !forbidden) {
                int res[16];
                int bx = blk_x(k), by = blk_y(k);
                for (int i = 0; i < 16; i++)
                    res[i] = s_src_y[(by + (i >> 2)) * 16 + bx + (i & 3)] -
                             tk_pred4x4_at(t, e, dc4, i & 3, i >> 2);
                c = tk_satd4x4(res) + lambda * (t == pm ? 1 : 4);
            }
            s_cost4[t] = c;
        }
        barrier();
        int best = 0;
        for (int m = 1; m < 9; m++)
            if (s_cost4[m] < s_cost4[best])
                best = m;
        if (t == 0) {
            int pred[16];
            for (int i = 0; i < 16; i++)
                pred[i] = tk_pred4x4_at(best, e, dc4, i & 3, i >> 2);
            int nz = code_i4_block(k, pred, qp);
            s_tc[k] = nz;
            if (nz != 0)
                cbp4 |= 1 << (k >> 2);
            s_mode4[k] = best;
            s_syn4[k] = best == pm ? -1 : best < pm ? best : best - 1;
            cost4 += s_cost4[best];
            if (k == 15) {
                s_i4_cost = cost4;
                s_i4_cbp = cbp4;
            }
        }
        barrier();
    }
    return IntraTrial(avail, qp, mode16, modec, s_i4_cost < cost16, min(s_i4_cost, cost16));
}

/* Codes the macroblock intra_trial() decided: its coded entry and recon. */
void intra_code(int t, int mb_x, int mb_y, IntraTrial tr)
{
    int avail = tr.avail, qp = tr.qp, mode16 = tr.mode16, modec = tr.modec;
    bool is_i4 = tr.is_i4;
    int cbp = s_i4_cbp;

    if (!is_i4) {
        /* I16x16: thread t transforms block t */
        int bx = blk_x(t), by = blk_y(t);
        int dc = pred16_dc(avail);
        ivec3 pl = pred16_plane();
        int pred[16], res[16], w[16];
        for (int i = 0; i < 16; i++) {
            int x = bx + (i & 3), y = by + (i >> 2);
            pred[i] = pred16_at(mode16, dc, pl, x, y);
            res[i] = s_src_y[y * 16 + x] - pred[i];
        }
        tk_fdct4x4(res, w);
        for (int i = 0; i < 16; i++)
            s_w[t * 16 + i] = w[i];
        int nz = 0;
        s_lev[t * 16] = 0;
        for (int s = 1; s < 16; s++) {
            int pos = TK_ZIGZAG4x4[s];
            int lev = tk_quant4x4(w[pos], pos, qp);
            s_lev[t * 16 + s] = lev;
            nz += lev != 0 ? 1 : 0;
        }
        s_tc[t] = nz;
        s_mode4[t] = TK_I4_DC;
        s_syn4[t] = 0;
        barrier();
        if (t == 0) {
            int dcin[16], ydc[16], f[16];
            for (int k = 0; k < 16; k++)
                dcin[(blk_y(k) >> 2) * 4 + (blk_x(k) >> 2)] = s_w[k * 16];
            tk_fdc4x4(dcin, ydc);
            for (int i = 0; i < 16; i++) {
                ydc[i] = tk_quant_dc(ydc[i], qp);
                s_ldc[i] = ydc[i];
            }
            tk_hadamard4x4(ydc, f);
            for (int i = 0; i < 16; i++)
                s_dcy[i] = tk_dequant_luma_dc(f[i], qp);
        }
        barrier();
        int any_ac = 0;
        for (int k = 0; k < 16; k++)
            any_ac |= s_tc[k];
        cbp = any_ac != 0 ? 15 : 0;
        int d[16], r[16];
        for (int s = 1; s < 16; s++) {
            int pos = TK_ZIGZAG4x4[s];
            d[pos] = tk_dequant4x4(s_lev[t * 16 + s], pos, qp);
        }
        d[0] = s_dcy[(by >> 2) * 4 + (bx >> 2)];
        tk_idct4x4(d, r);
        for (int i = 0; i < 16; i++)
            s_rec_y[(by + (i >> 2)) * 16 + bx + (i & 3)] = clamp(pred[i] + r[i], 0, 255);
    }

    /* chroma: threads 0-7, one 4x4 block each; threads 0-1 the 2x2 DC of Cb, Cr */
    int qpc = tk_chroma_qp(qp);
    int cpred[16];
    if (t < 8) {
        int comp = t >> 2, b = t & 3;
        int res[16], w[16];
        predc_block(modec, comp, b, avail, cpred);
        for (int i = 0; i < 16; i++)
            res[i] = s_src_c[comp * 64 + ((b >> 1) * 4 + (i >> 2)) * 8 + (b & 1) * 4 + (i & 3)] - cpred[i];
        tk_fdct4x4(res, w);
        for (int i = 0; i < 16; i++)
            s_wc[t * 16 + i] = w[i];
        int nz = 0;
        s_clev[t * 16] = 0;
        for (int s = 1; s < 16; s++) {
            int pos = TK_ZIGZAG4x4[s];
            int lev = tk_quant4x4(w[pos], pos, qpc);
            s_clev[t * 16 + s] = lev;
            nz += lev != 0 ? 1 : 0;
        }
        s_ctc[t] = nz;
    }
    barrier();
    if (t < 2) {
        int dc[4], f[4], lev[4];
        for (int b = 0; b < 4; b++)
            dc[b] = s_wc[(t * 4 + b) * 16];
        tk_hadamard2x2(dc, f);
        for (int b = 0; b < 4; b++) {
            lev[b] = tk_quant_dc(f[b], qpc);
            s_cdc[t * 4 + b] = lev[b];
        }
        tk_hadamard2x2(lev, f);
        for (int b = 0; b < 4; b++)
            s_dcc[t * 4 + b] = tk_dequant_chroma_dc(f[b], qpc);
    }
    barrier();
    if (t < 8) {
        int comp = t >> 2, b = t & 3;
        int d[16], r[16];
        for (int s = 1; s < 16; s++) {
            int pos = TK_ZIGZAG4x4[s];
            d[pos] = tk_dequant4x4(s_clev[t * 16 + s], pos, qpc);
        }
        d[0] = s_dcc[t];
        tk_idct4x4(d, r);
        for (int i = 0; i < 16; i++)
            s_rec_c[comp * 64 + ((b >> 1) * 4 + (i >> 2)) * 8 + (b & 1) * 4 + (i & 3)] =
                clamp(cpred[i] + r[i], 0, 255);
    }
    barrier();
    int any_dc = 0, any_ac = 0;
    for (int i = 0; i < 8; i++) {
        any_dc |= s_cdc[i];
        any_ac |= s_ctc[i];
    }
    cbp |= (any_ac != 0 ? 2 : any_dc != 0 ? 1 : 0) << 4;

    /* store: thread t owns luma block t, luma row t and chroma words 2t, 2t + 1 */
    int n = mb_y * pc.mb_width + mb_x;
    for (int s = 0; s < 16; s++)
        coded[n].luma[t][s] = s_lev[t * 16 + s];
    coded[n].total_coeff[t] = s_tc[t];
    coded[n].i4_mode[t] = s_mode4[t];
    coded[n].i4_mode_syntax[t] = is_i4 ? s_syn4[t] : 0;
    coded[n].luma_dc[t] = is_i4 ? 0 : s_ldc[TK_ZIGZAG4x4[t]];
    if (t < 8) {
        int comp = t >> 2, b = t & 3;
        for (int s = 0; s < 16; s++)
            coded[n].chroma_ac[comp][b][s] = s_clev[t * 16 + s];
        coded[n].total_coeff_chroma[comp][b] = s_ctc[t];
        coded[n].chroma_dc[comp][b] = s_cdc[t];
    }
    if (t == 0) {
        coded[n].type = is_i4 ? TK_MB_I4x4 : TK_MB_I16x16;
        coded[n].i16_mode = is_i4 ? 0 : mode16;
        coded[n].chroma_mode = modec;
        coded[n].cbp = cbp;
        /* as if the picture had one QP: mb_qp.comp corrects QP_Y and mb_qp_delta */
        coded[n].qp_delta = 0;
        coded[n].qp = qp;
        coded[n].qp_y = qp;
    }
    int stride = pc.luma_stride, x0 = mb_x * 16;
    int row = (mb_y * 16 + t) * stride + x0;
    for (int i = 0; i < 4; i++) {
        int o = t * 16 + i * 4;
        rec_words[(row >> 2) + i] = uint(s_rec_y[o]) | (uint(s_rec_y[o + 1]) << 8) |
                                    (uint(s_rec_y[o + 2]) << 16) | (uint(s_rec_y[o + 3]) << 24);
    }
    int cy = t >> 1;
    int crow = pc.chroma_offset + (mb_y * 8 + cy) * stride + x0;
    for (int i = 0; i < 2; i++) {
        int wi = (t & 1) * 2 + i;  /* word of the row: pixels 2wi, 2wi + 1 */
        int px = cy * 8 + 2 * wi;
        rec_words[(crow >> 2) + wi] = uint(s_rec_c[px]) | (uint(s_rec_c[64 + px]) << 8) |
                                      (uint(s_rec_c[px + 1]) << 16) | (uint(s_rec_c[64 + px + 1]) << 24);
    }
    memoryBarrierBuffer();
    barrier();
}

/* Analyses macroblock (mb_x, mb_y) as tk_intra_analyse_mb_ref() does: writes its coded
 * entry and recon, returns its cost (the cheaper of I4x4 and I16x16). */
int analyse_mb(int t, int mb_x, int mb_y, bool try_i4, int refresh_x1)
{
    IntraTrial tr = intra_trial(t, mb_x, mb_y, try_i4, refresh_x1);
    intra_code(t, mb_x, mb_y, tr);
    return tr.cost;
}
