/*
 * QP_Y and mb_qp_delta of every macroblock, bit-exact with tk_mb_qp_frame_ref()
 * (mb_qp_ref.h): along each slice in decoding order, a macroblock that codes mb_qp_delta
 * (Intra16x16, or cbp != 0) takes the QP analysis quantised it with (qp), any other keeps
 * the previous macroblock's QP_Y (7.4.5); the first one's predictor is the slice QP.
 *
 * Parallel mapping: one workgroup per slice, THREADS invocations, each owning a run of
 * consecutive macroblocks (a chunk): 1) each finds the QP_Y its chunk ends with if the chunk
 * holds a macroblock that codes a delta (the last such one's qp), else none; barrier;
 * 2) each takes the QP_Y entering its chunk from the nearest chunk before it that has one
 * (or the slice QP) and walks its chunk. A slice of n macroblocks costs n / THREADS + THREADS
 * steps, where one invocation per macroblock looking back for its predictor would cost up
 * to n each on a picture of P_Skip macroblocks (P pictures are one slice).
 *
 * Only qp_y and qp_delta are written; type, cbp and qp, which every invocation reads, are
 * not: no invocation reads what another writes.
 *
 * Buffers: 0 TkCodedMb[mb_width * mb_height]. Parameters: Params, from its row (vk_rows.glsl; mb_qp_gpu.c).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"

#define THREADS 256     /* the same in mb_qp_gpu.c (nothing there depends on it) */
layout(local_size_x = THREADS) in;

#define TK_ROW_BUFFERS 1
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) buffer CodedRow { TkCodedMb m[]; };
#define coded CodedRow(tk_row_buf[0]).m

struct Params {
    int mb_width;
    int mb_height;
    int slice_mb_rows;
    int slice_qp;       /* SliceQPY: QP_pred of each slice's first macroblock */
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

shared int s_end_qp[THREADS]; /* QP_Y at the end of each chunk, or -1: decided by QP_pred */

bool codes_qp_delta(int n)
{
    int type = coded[n].type;
    return type == TK_MB_I16x16 || (type != TK_MB_PSKIP && coded[n].cbp != 0);
}

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    int t = int(gl_LocalInvocationIndex);
    int per_slice = pc.mb_width * pc.slice_mb_rows;
    int first = int(gl_WorkGroupID.x) * per_slice;
    int end = min(first + per_slice, pc.mb_width * pc.mb_height);
    if (first >= end)
        return; /* the whole workgroup: a picture of the batch with more slices sized it */
    int chunk = (end - first + THREADS - 1) / THREADS;
    int b = min(first + t * chunk, end), e = min(b + chunk, end);

    int last = -1;
    for (int n = b; n < e; n++)
        if (codes_qp_delta(n))
            last = coded[n].qp;
    s_end_qp[t] = last;
    barrier();

    int qp_pred = pc.slice_qp;
    for (int j = t - 1; j >= 0; j--)
        if (s_end_qp[j] >= 0) {
            qp_pred = s_end_qp[j];
            break;
        }
    for (int n = b; n < e; n++) {
        bool codes = codes_qp_delta(n);
        int qp = coded[n].qp;
        coded[n].qp_y = codes ? qp : qp_pred;
        coded[n].qp_delta = codes ? qp - qp_pred : 0;
        qp_pred = codes ? qp : qp_pred;
    }
}
