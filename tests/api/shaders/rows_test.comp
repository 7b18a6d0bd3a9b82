#version 450
// Test row kernel for the Vulkan layer: row z writes dst[offset + i] = src[i] * scale + i for
// i < count, its buffers and parameters read from its row (vk_rows.glsl).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
#define TK_ROW_BUFFERS 2
#include "vk_rows.glsl"
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer In { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer Out { uint m[]; };
struct Params { uint count; uint scale; uint offset; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
void main()
{
    tk_row_load();
    Params pc = ParamsRow(tk_row_params()).p;
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.count)
        Out(tk_row_buf[1]).m[pc.offset + i] = In(tk_row_buf[0]).m[i] * pc.scale + i;
}
