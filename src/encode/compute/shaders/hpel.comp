/*
 * The half-sample planes of a reference picture (common/inter_defs.h TK_HPEL_*): the full
 * samples G and the half samples b, h, j of 8.4.2.2 at every position of the padded range,
 * computed once a P picture so that the search and the decisions read any quarter sample as
 * one or two bytes (inter_pred.glsl) instead of running the 6-tap filters per sample; the
 * values are hpel_samples.glsl's, bit-exact with inter_pred_ref.c.
 *
 * One invocation per word: 4 positions of a row, in all four planes.
 * Buffers: 0 the reference NV12 (read), 1 the planes (written).
 * Push constants: Params (analyse_p_gpu.c mirrors it).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "../../../common/inter_defs.h"

layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Ref { uint ref_words[]; };
layout(std430, binding = 1) writeonly buffer Hpel { uint hpel_words[]; };

layout(push_constant) uniform Params {
    int luma_stride;
    int mb_width;
    int mb_height;
} pc;

int ref_byte(int o)
{
    return int((ref_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

#include "hpel_samples.glsl"

void main()
{
    int stride = TK_HPEL_STRIDE(pc.mb_width), plane = TK_HPEL_PLANE_BYTES(pc.mb_width,
                                                                          pc.mb_height);
    int w = int(gl_GlobalInvocationID.x);
    if (w >= plane / 4)
        return;
    int y = (4 * w) / stride - TK_HPEL_PAD, x0 = (4 * w) % stride - TK_HPEL_PAD;
    for (int kind = 0; kind < TK_HPEL_PLANES; kind++) {
        uint word = 0u;
        for (int b = 0; b < 4; b++)
            word |= uint(sample_direct(kind, x0 + b, y)) << (8 * b);
        hpel_words[kind * (plane / 4) + w] = word;
    }
}
