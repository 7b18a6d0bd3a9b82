#version 450
// Test kernel for the Vulkan layer: out[i] = in[i] * scale + i.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer In { uint src[]; };
layout(std430, binding = 1) writeonly buffer Out { uint dst[]; };
layout(push_constant) uniform Push { uint count; uint scale; } pc;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.count)
        dst[i] = src[i] * pc.scale + i;
}
