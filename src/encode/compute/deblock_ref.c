/* The deblocking filter of intra and P pictures; see deblock_ref.h. Clause numbers are H.264's. */
#include "encode/compute/deblock_ref.h"

#include <stdlib.h>

#include "common/deblock_defs.h"
#include "encode/compute/transform_ref.h"

/* Tables 8-16 and 8-17, shared with shaders/deblock.comp */
static const uint8_t alpha_tab[52] = { TK_DEBLOCK_ALPHA_LIST };
static const uint8_t beta_tab[52] = { TK_DEBLOCK_BETA_LIST };
static const uint8_t tc0_tab[52 * 3] = { TK_DEBLOCK_TC0_LIST };

static int clip3(int lo, int hi, int v)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The thresholds of one edge: qPav (8.7.2.2) with both filter offsets 0 */
typedef struct EdgeParams {
    int alpha, beta, tc0; /* tc0 for bS < 4 */
    int bs;
    int chroma;           /* chromaStyleFilteringFlag */
} EdgeParams;

static EdgeParams edge_params(int qp_av, int bs, int chroma)
{
    int index = clip3(0, 51, qp_av);
    return (EdgeParams){ alpha_tab[index], beta_tab[index],
                         bs < 4 ? tc0_tab[index * 3 + bs - 1] : 0, bs, chroma };
}

/* 8.7.2.3 / 8.7.2.4 on one line of samples across an edge: s[0] = q0, s[-step] = p0, ... */
static void filter_line(uint8_t *s, ptrdiff_t step, const EdgeParams *e)
{
    int p0 = s[-step], p1 = s[-2 * step], q0 = s[0], q1 = s[step];
    if (!(abs(p0 - q0) < e->alpha && abs(p1 - p0) < e->beta && abs(q1 - q0) < e->beta))
        return;
    /* luma only: p2 and q2, and whether each side is smooth enough to filter deeper */
    int p2 = 0, q2 = 0, smooth_p = 0, smooth_q = 0;
    if (!e->chroma) {
        p2 = s[-3 * step];
        q2 = s[2 * step];
        smooth_p = abs(p2 - p0) < e->beta;
        smooth_q = abs(q2 - q0) < e->beta;
    }
    if (e->bs < 4) {
        int tc = e->tc0 + (e->chroma ? 1 : smooth_p + smooth_q);
        int delta = clip3(-tc, tc, ((q0 - p0) * 4 + (p1 - q1) + 4) >> 3);
        s[-step] = (uint8_t)clip3(0, 255, p0 + delta);
        s[0] = (uint8_t)clip3(0, 255, q0 - delta);
        if (smooth_p)
            s[-2 * step] =
                (uint8_t)(p1 + clip3(-e->tc0, e->tc0, (p2 + ((p0 + q0 + 1) >> 1) - (p1 << 1)) >> 1));
        if (smooth_q)
            s[step] =
                (uint8_t)(q1 + clip3(-e->tc0, e->tc0, (q2 + ((p0 + q0 + 1) >> 1) - (q1 << 1)) >> 1));
        return;
    }
    if (e->chroma) {
        s[-step] = (uint8_t)((2 * p1 + p0 + q1 + 2) >> 2);
        s[0] = (uint8_t)((2 * q1 + q0 + p1 + 2) >> 2);
        return;
    }
    int p3 = s[-4 * step], q3 = s[3 * step];
    int strong = abs(p0 - q0) < ((e->alpha >> 2) + 2);
    if (smooth_p && strong) {
        s[-step] = (uint8_t)((p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3);
        s[-2 * step] = (uint8_t)((p2 + p1 + p0 + q0 + 2) >> 2);
        s[-3 * step] = (uint8_t)((2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3);
    } else {
        s[-step] = (uint8_t)((2 * p1 + p0 + q1 + 2) >> 2);
    }
    if (smooth_q && strong) {
        s[0] = (uint8_t)((p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3);
        s[step] = (uint8_t)((p0 + q0 + q1 + q2 + 2) >> 2);
        s[2 * step] = (uint8_t)((2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3);
    } else {
        s[0] = (uint8_t)((2 * q1 + q0 + p1 + 2) >> 2);
    }
}

/* Boundary strengths of one macroblock (8.7.2.1): bs[dir][edge][segment], dir 0 for the
 * vertical edges (x = 4 * edge, segment = rows 4 * segment ..), 1 for the horizontal ones. */
typedef struct MbStrengths {
    int bs[2][4][4];
} MbStrengths;

static int is_intra(const TkCodedMb *m)
{
    return m->type == TK_MB_I4x4 || m->type == TK_MB_I16x16;
}

/* luma4x4BlkIdx of the 4x4 block in column bx, row by of a macroblock (6.4.3). */
static int blk_idx(int bx, int by)
{
    return (by >> 1) * 8 + (bx >> 1) * 4 + (by & 1) * 2 + (bx & 1);
}

/*
 * bS between block (pbx, pby) of macroblock p and (qbx, qby) of macroblock q (8.7.2.1, frame
 * macroblocks, no SP/SI, one reference picture, one MV per partition):
 *   4  an edge between macroblocks with an intra one on either side
 *   3  an inner edge of an intra macroblock
 *   2  either 4x4 block has non-zero transform coefficient levels
 *   1  different reference pictures, or MVs (of the partitions holding the two blocks) apart
 *      by >= 4 quarter samples in x or y
 *   0  otherwise (no filtering)
 * Without per-macroblock data (coded NULL) every macroblock is intra.
 */
static int strength(const TkCodedMb *coded, const TkMbMotion *motion, int p, int q, int pblk,
                    int qblk, int mb_edge)
{
    if (!coded || is_intra(&coded[p]) || is_intra(&coded[q]))
        return mb_edge ? 4 : 3;
    if (coded[p].total_coeff[pblk] != 0 || coded[q].total_coeff[qblk] != 0)
        return 2;
    /* the MV of the partition holding each 4x4 block (luma4x4BlkIdx -> column, row) */
    const TkMbMotion *mp = &motion[p], *mq = &motion[q];
    const int32_t *mvp = mp->mv[tk_mb_part_at(mp->part, (pblk >> 2 & 1) * 2 + (pblk & 1),
                                              (pblk >> 3) * 2 + (pblk >> 1 & 1))];
    const int32_t *mvq = mq->mv[tk_mb_part_at(mq->part, (qblk >> 2 & 1) * 2 + (qblk & 1),
                                              (qblk >> 3) * 2 + (qblk >> 1 & 1))];
    if (mp->ref_idx != mq->ref_idx || abs(mvp[0] - mvq[0]) >= 4 || abs(mvp[1] - mvq[1]) >= 4)
        return 1;
    return 0;
}

static void mb_strengths(const TkFrameLayout *l, const TkCodedMb *coded,
                         const TkMbMotion *motion, int mx, int my, MbStrengths *st)
{
    int q = my * l->mb_width + mx;
    for (int e = 0; e < 4; e++)
        for (int i = 0; i < 4; i++) {
            /* vertical edge e, rows of 4x4 row i; the left neighbour's column 3 at e == 0 */
            st->bs[0][e][i] = e == 0 && mx == 0 ? 0
                              : strength(coded, motion, e ? q : q - 1, q,
                                         blk_idx(e ? e - 1 : 3, i), blk_idx(e, i), e == 0);
            st->bs[1][e][i] = e == 0 && my == 0 ? 0
                              : strength(coded, motion, e ? q : q - l->mb_width, q,
                                         blk_idx(i, e ? e - 1 : 3), blk_idx(i, e), e == 0);
        }
}

/* `n` lines across one edge starting at `first` (its q0 sample): vertical edges step along
 * x (`across` = 1 sample) and advance by rows, horizontal ones the other way round. Line k
 * takes bs[k / per_bs]; bS 0 lines are not filtered. qp_av: qPav of the edge (8.7.2.2). */
static void filter_edge(uint8_t *first, ptrdiff_t across, ptrdiff_t along, int n, int per_bs,
                        const int bs[4], int qp_av, int chroma)
{
    for (int i = 0; i < n; i++) {
        int b = bs[i / per_bs];
        if (b == 0)
            continue;
        EdgeParams e = edge_params(qp_av, b, chroma);
        filter_line(first + i * along, across, &e);
    }
}

/* qPav of an edge between macroblocks p and q (8.7.2.2; p == q inside a macroblock): the
 * rounded mean of the two sides' QP_Y for luma, of their QP'c (Table 8-15, each from its
 * own QP_Y, 8.7.2.4) for chroma. */
static int qp_av(int qp_p, int qp_q, int chroma)
{
    if (chroma)
        return (tk_chroma_qp(qp_p) + tk_chroma_qp(qp_q) + 1) >> 1;
    return (qp_p + qp_q + 1) >> 1;
}

/* Filters with QP_Y of macroblock i from coded[i].qp_y, or qp for all (coded NULL). */
static void deblock(const TkFrameLayout *l, int qp, const TkCodedMb *coded,
                    const TkMbMotion *motion, uint8_t *nv12)
{
    ptrdiff_t stride = (ptrdiff_t)l->luma_stride;
    /* 8.7: macroblocks in raster order; in each, luma vertical edges left to right, then
     * horizontal edges top to bottom, then the same for chroma. Picture edges are not
     * filtered (their bS is 0 here). */
    for (int my = 0; my < l->mb_height; my++)
        for (int mx = 0; mx < l->mb_width; mx++) {
            MbStrengths st;
            mb_strengths(l, coded, motion, mx, my, &st);
            int q = my * l->mb_width + mx;
            /* QP_Y of this macroblock, of its left and top neighbours (itself at the picture
             * edge, which is not filtered) */
            int qp_q = coded ? coded[q].qp_y : qp;
            int qp_left = coded && mx > 0 ? coded[q - 1].qp_y : qp_q;
            int qp_top = coded && my > 0 ? coded[q - l->mb_width].qp_y : qp_q;
            uint8_t *y0 = nv12 + (ptrdiff_t)my * 16 * stride + mx * 16;
            for (int e = 0; e < 4; e++)
                filter_edge(y0 + 4 * e, 1, stride, 16, 4, st.bs[0][e],
                            qp_av(e ? qp_q : qp_left, qp_q, 0), 0);
            for (int e = 0; e < 4; e++)
                filter_edge(y0 + 4 * e * stride, stride, 1, 16, 4, st.bs[1][e],
                            qp_av(e ? qp_q : qp_top, qp_q, 0), 0);
            /* NV12: Cb and Cr interleaved, so a chroma sample's neighbour is 2 bytes away.
             * Chroma edges 0 and 4 take the bS of luma edges 0 and 8, chroma line k that of
             * luma line 2k (8.7.2.1 for 4:2:0), i.e. of 4x4 segment k / 2. */
            uint8_t *c0 = nv12 + l->chroma_offset + (ptrdiff_t)my * 8 * stride + mx * 16;
            for (int comp = 0; comp < 2; comp++) {
                for (int e = 0; e < 2; e++)
                    filter_edge(c0 + comp + 8 * e, 2, stride, 8, 2, st.bs[0][2 * e],
                                qp_av(e ? qp_q : qp_left, qp_q, 1), 1);
                for (int e = 0; e < 2; e++)
                    filter_edge(c0 + comp + 4 * e * stride, stride, 2, 8, 2, st.bs[1][2 * e],
                                qp_av(e ? qp_q : qp_top, qp_q, 1), 1);
            }
        }
}

void tk_deblock_frame_mbs_ref(const TkFrameLayout *l, const TkCodedMb *coded,
                              const TkMbMotion *motion, uint8_t *nv12)
{
    deblock(l, 0, coded, motion, nv12);
}

void tk_deblock_frame_ref(const TkFrameLayout *l, int qp, uint8_t *nv12)
{
    deblock(l, qp, NULL, NULL, nv12);
}
