/*
 * The in-loop deblocking filter on the GPU (H.264 8.7), bit-exact with
 * tk_deblock_frame_mbs_ref() (deblock_ref.c): filters a reconstructed NV12 picture in place,
 * with the boundary strengths of each 4-sample edge segment from the macroblocks' types,
 * coefficient counts and motion (8.7.2.1; intra pictures: 4 on macroblock edges, 3 inside).
 *
 * Order. The standard filters macroblocks in raster order, and each macroblock's left and
 * top edges rewrite up to 3 samples of the neighbours, so a macroblock must see (x - 1, y)
 * (its left edge samples), (x, y - 1) (its top edge samples) and (x + 1, y - 1) (whose left
 * edge rewrote the last columns of (x, y - 1)) finished: a wavefront in which macroblock
 * (x, y) runs at step x + 2y. Macroblocks of one step touch disjoint samples (each reads
 * and writes 4 samples across its own left and top edges only).
 *
 * Parallel mapping: one workgroup per picture (a batch dispatches one per frame), 256
 * threads = 8 macroblock rows in flight x 32 threads: threads 0-15 luma, 16-31 chroma of
 * one macroblock. Inside a macroblock the standard filters all vertical edges, then all
 * horizontal ones; across a vertical edge the lines (rows) are independent, and across a
 * horizontal one the columns, so: phase V, thread = one row (luma) or one (component, row)
 * (chroma) through the macroblock's vertical edges left to right; barrier; phase H, thread
 * = one column through the horizontal edges top to bottom; barrier. Bands of 8 rows run one
 * after the other (a band starts once the one above is finished); steps with nothing to
 * filter are skipped (s_step_busy).
 *
 * Samples are bytes in uint words shared by neighbouring threads (NV12 interleaves Cb and
 * Cr; phase H threads are neighbouring columns): a thread rewrites only its own bytes, with
 * atomicAnd / atomicOr, so other bytes of the word are never overwritten with stale values.
 *
 * Each edge's qPav comes from the QP_Y (qp_y) of the macroblocks on its two sides, which may
 * differ (lower QP under subtitle text, mb_qp_ref.h).
 *
 * Buffers: 0 picture NV12 (uint[], little-endian bytes), 1 TkCodedMb[n], 2 TkMbMotion[n]
 * (read only for inter macroblocks), the row's buffers (vk_rows.glsl). Parameters: Params,
 * from the row (deblock_gpu.c mirrors it).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "transform.glsl"
#include "../../../common/deblock_defs.h"

#define ROWS 8
layout(local_size_x = ROWS * 32) in;

#define TK_ROW_BUFFERS 3
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) coherent buffer PicRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer CodedRow { TkCodedMb m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer MotionRow { TkMbMotion m[]; };
#define pic PicRow(tk_row_buf[0]).m
#define coded CodedRow(tk_row_buf[1]).m
#define motion MotionRow(tk_row_buf[2]).m

struct Params {
    int luma_stride;    /* bytes per row, both planes */
    int chroma_offset;  /* byte offset of the CbCr plane */
    int mb_width;
    int mb_height;
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

const int alpha_tab[52] = int[](TK_DEBLOCK_ALPHA_LIST);
const int beta_tab[52] = int[](TK_DEBLOCK_BETA_LIST);
const int tc0_tab[156] = int[](TK_DEBLOCK_TC0_LIST);

int rd(int o)
{
    return int((pic[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

void wr(int o, int v)
{
    uint sh = uint(8 * (o & 3));
    atomicAnd(pic[o >> 2], ~(0xffu << sh));
    atomicOr(pic[o >> 2], uint(v) << sh);
}

bool is_intra(int m)
{
    return coded[m].type == TK_MB_I4x4 || coded[m].type == TK_MB_I16x16;
}

int part_at(int part, int x4, int y4)
{
    return part == TK_PART_16x8 ? y4 >> 1 : part == TK_PART_8x16 ? x4 >> 1 : 0;
}

/* luma4x4BlkIdx of the 4x4 block in column bx, row by (6.4.3) */
int blk_idx(int bx, int by)
{
    return (by >> 1) * 8 + (bx >> 1) * 4 + (by & 1) * 2 + (bx & 1);
}

/* bS between block pblk of macroblock p and qblk of q (8.7.2.1; deblock_ref.c strength()) */
int strength(int p, int q, int pblk, int qblk, bool mb_edge)
{
    if (is_intra(p) || is_intra(q))
        return mb_edge ? 4 : 3;
    if (coded[p].total_coeff[pblk] != 0 || coded[q].total_coeff[qblk] != 0)
        return 2;
    int pp = part_at(motion[p].part, (pblk >> 2 & 1) * 2 + (pblk & 1),
                     (pblk >> 3) * 2 + (pblk >> 1 & 1));
    int qq = part_at(motion[q].part, (qblk >> 2 & 1) * 2 + (qblk & 1),
                     (qblk >> 3) * 2 + (qblk >> 1 & 1));
    if (motion[p].ref_idx != motion[q].ref_idx ||
        abs(motion[p].mv[pp][0] - motion[q].mv[qq][0]) >= 4 ||
        abs(motion[p].mv[pp][1] - motion[q].mv[qq][1]) >= 4)
        return 1;
    return 0;
}

/* bS of segment `seg` of edge e of macroblock (mx, my); dir 0 vertical, 1 horizontal */
int edge_bs(int mx, int my, int dir, int e, int seg)
{
    int q = my * pc.mb_width + mx;
    if (dir == 0)
        return e == 0 && mx == 0 ? 0
               : strength(e != 0 ? q : q - 1, q, blk_idx(e != 0 ? e - 1 : 3, seg),
                          blk_idx(e, seg), e == 0);
    return e == 0 && my == 0 ? 0
           : strength(e != 0 ? q : q - pc.mb_width, q, blk_idx(seg, e != 0 ? e - 1 : 3),
                      blk_idx(seg, e), e == 0);
}

/* 8.7.2.3 / 8.7.2.4 on one line across an edge: byte s is q0, s - step p0 (deblock_ref.c
 * filter_line()) */
void filter_line(int s, int step, int bs, int qp_av, bool chroma)
{
    if (bs == 0)
        return;
    int index = clamp(qp_av, 0, 51);
    int alpha = alpha_tab[index], beta = beta_tab[index];
    int tc0 = bs < 4 ? tc0_tab[index * 3 + bs - 1] : 0;
    int p0 = rd(s - step), p1 = rd(s - 2 * step), q0 = rd(s), q1 = rd(s + step);
    if (!(abs(p0 - q0) < alpha && abs(p1 - p0) < beta && abs(q1 - q0) < beta))
        return;
    int p2 = 0, q2 = 0;
    bool smooth_p = false, smooth_q = false;
    if (!chroma) {
        p2 = rd(s - 3 * step);
        q2 = rd(s + 2 * step);
        smooth_p = abs(p2 - p0) < beta;
        smooth_q = abs(q2 - q0) < beta;
    }
    if (bs < 4) {
        int tc = tc0 + (chroma ? 1 : int(smooth_p) + int(smooth_q));
        int delta = clamp(((q0 - p0) * 4 + (p1 - q1) + 4) >> 3, -tc, tc);
        wr(s - step, clamp(p0 + delta, 0, 255));
        wr(s, clamp(q0 - delta, 0, 255));
        if (smooth_p)
            wr(s - 2 * step, p1 + clamp((p2 + ((p0 + q0 + 1) >> 1) - (p1 << 1)) >> 1, -tc0, tc0));
        if (smooth_q)
            wr(s + step, q1 + clamp((q2 + ((p0 + q0 + 1) >> 1) - (q1 << 1)) >> 1, -tc0, tc0));
        return;
    }
    if (chroma) {
        wr(s - step, (2 * p1 + p0 + q1 + 2) >> 2);
        wr(s, (2 * q1 + q0 + p1 + 2) >> 2);
        return;
    }
    int p3 = rd(s - 4 * step), q3 = rd(s + 3 * step);
    bool strong = abs(p0 - q0) < ((alpha >> 2) + 2);
    if (smooth_p && strong) {
        wr(s - step, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3);
        wr(s - 2 * step, (p2 + p1 + p0 + q0 + 2) >> 2);
        wr(s - 3 * step, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3);
    } else {
        wr(s - step, (2 * p1 + p0 + q1 + 2) >> 2);
    }
    if (smooth_q && strong) {
        wr(s, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3);
        wr(s + step, (p0 + q0 + q1 + q2 + 2) >> 2);
        wr(s + 2 * step, (2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3);
    } else {
        wr(s, (2 * q1 + q0 + p1 + 2) >> 2);
    }
}

/* qPav of the edges of macroblock q in direction dir (8.7.2.2, deblock_ref.c qp_av()):
 * [0] its macroblock edge (with the left or top neighbour; a picture edge is not filtered,
 * so it takes q's own), [1] its inner edges; luma, or chroma from each side's QP'c. */
ivec2 edge_qp_av(int mx, int my, int dir, bool chroma)
{
    int q = my * pc.mb_width + mx;
    int p = dir == 0 ? (mx > 0 ? q - 1 : q) : (my > 0 ? q - pc.mb_width : q);
    int qp_q = coded[q].qp_y, qp_p = coded[p].qp_y;
    if (chroma) {
        qp_q = tk_chroma_qp(qp_q);
        qp_p = tk_chroma_qp(qp_p);
    }
    return ivec2((qp_p + qp_q + 1) >> 1, qp_q);
}

/* Phase V (dir 0) or H (dir 1) of macroblock (mx, my) for thread j (0-15 luma, 16-31
 * chroma). */
void filter_mb(int mx, int my, int dir, int j)
{
    int stride = pc.luma_stride;
    if (j < 16) {
        int y0 = my * 16 * stride + mx * 16;
        ivec2 qp_av = edge_qp_av(mx, my, dir, false);
        for (int e = 0; e < 4; e++) {
            int bs = edge_bs(mx, my, dir, e, j >> 2);
            int qp = e == 0 ? qp_av.x : qp_av.y;
            if (dir == 0)
                filter_line(y0 + j * stride + 4 * e, 1, bs, qp, false);
            else
                filter_line(y0 + 4 * e * stride + j, stride, bs, qp, false);
        }
        return;
    }
    /* chroma edges 0 and 4 take the bS of luma edges 0 and 8, chroma line k that of
     * segment k / 2 (8.7.2.1, 4:2:0) */
    int c = j - 16, comp = c & 1, line = c >> 1;
    int c0 = pc.chroma_offset + my * 8 * stride + mx * 16 + comp;
    ivec2 qp_av = edge_qp_av(mx, my, dir, true);
    for (int e = 0; e < 2; e++) {
        int bs = edge_bs(mx, my, dir, 2 * e, line >> 1);
        int qp = e == 0 ? qp_av.x : qp_av.y;
        if (dir == 0)
            filter_line(c0 + line * stride + 8 * e, 2, bs, qp, true);
        else
            filter_line(c0 + 4 * e * stride + 2 * line, stride, bs, qp, true);
    }
}

/* Steps of a band with anything to filter, a bit each: a step whose macroblocks have bS 0 on
 * every edge changes no sample, so it is skipped with its barriers (in P pictures of still
 * content nearly all of them). Up to 256 macroblocks a row + 2 (ROWS - 1) steps. */
shared uint s_step_busy[(256 + 2 * (ROWS - 1) + 31) / 32];

bool mb_filters(int mx, int my)
{
    for (int dir = 0; dir < 2; dir++)
        for (int e = 0; e < 4; e++)
            for (int seg = 0; seg < 4; seg++)
                if (edge_bs(mx, my, dir, e, seg) != 0)
                    return true;
    return false;
}

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    int t = int(gl_LocalInvocationIndex), r = t >> 5, j = t & 31;
    for (int band = 0; band < pc.mb_height; band += ROWS) {
        int my = band + r;
        int steps = pc.mb_width + 2 * (ROWS - 1);
        for (int k = t; k < (steps + 31) / 32; k += ROWS * 32)
            s_step_busy[k] = 0u;
        barrier();
        for (int k = t; k < ROWS * pc.mb_width; k += ROWS * 32) {
            int kr = k / pc.mb_width, kx = k % pc.mb_width;
            if (band + kr < pc.mb_height && mb_filters(kx, band + kr))
                atomicOr(s_step_busy[(kx + 2 * kr) >> 5], 1u << ((kx + 2 * kr) & 31));
        }
        barrier();
        for (int step = 0; step < steps; step++) {
            if ((s_step_busy[step >> 5] & (1u << (step & 31))) == 0u)
                continue; /* the same in every thread */
            int mx = step - 2 * r;
            bool busy = my < pc.mb_height && mx >= 0 && mx < pc.mb_width;
            for (int dir = 0; dir < 2; dir++) {
                if (busy)
                    filter_mb(mx, my, dir, j);
                memoryBarrierBuffer();
                barrier();
            }
        }
        barrier(); /* s_step_busy is rewritten for the next band */
    }
}
