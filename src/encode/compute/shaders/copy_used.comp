#version 450
#extension GL_GOOGLE_include_directive : require
/*
 * Copies the used part of the packed slices (slice_table[0] bytes, rounded up to words) from
 * device memory to host-visible memory. pack.comp assembles the slices with atomicOr, which
 * over PCIe into host memory costs a round trip per word on discrete GPUs; building them in
 * device memory and then streaming only the used bytes across keeps the bus traffic to plain
 * coalesced stores of what the host reads.
 */
layout(local_size_x = 256) in;

#define TK_ROW_BUFFERS 3
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer SliceTableRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer SrcRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer DstRow { uint m[]; };
#define slice_table SliceTableRow(tk_row_buf[0]).m
#define src SrcRow(tk_row_buf[1]).m
#define dst DstRow(tk_row_buf[2]).m
struct Params {
    uint max_words;   /* size of both buffers */
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    uint n_words = min((slice_table[0] + 3u) / 4u, pc.max_words);
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n_words; i += stride)
        dst[i] = src[i];
}
