#version 450
/*
 * Copies the used part of the packed slices (slice_table[0] bytes, rounded up to words) from
 * device memory to host-visible memory. pack.comp assembles the slices with atomicOr, which
 * over PCIe into host memory costs a round trip per word on discrete GPUs; building them in
 * device memory and then streaming only the used bytes across keeps the bus traffic to plain
 * coalesced stores of what the host reads.
 */
layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) readonly buffer SliceTable { uint slice_table[]; };
layout(std430, set = 0, binding = 1) readonly buffer Src { uint src[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Params { uint max_words; } p;  /* size of both buffers */

void main()
{
    uint n_words = min((slice_table[0] + 3u) / 4u, p.max_words);
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n_words; i += stride)
        dst[i] = src[i];
}
