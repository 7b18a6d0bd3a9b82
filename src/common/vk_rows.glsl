/*
 * The row of a row kernel's workgroup (src/vk/vk.h tk_vk_kernel_shared_rows): one dispatch
 * serves many frames, workgroup z taking row z of a table of the frames' buffer addresses
 * (two words each) and parameters (the push-constant block of the kernel's one-frame
 * form, std430). The includer defines TK_ROW_BUFFERS (the buffers of a row), calls
 * tk_row_load() first in main, and reads buffer i as `Type(tk_row_buf[i]).field` and its
 * parameters with `Params(tk_row_params()).p`-style blocks.
 *
 * Addresses stay uvec2s turned into block types at each use: Debian 12's glslang writes a
 * variable of reference type as an undecorated pointer, which the SPIR-V validator rejects.
 */
#ifndef TK_VK_ROWS_GLSL
#define TK_VK_ROWS_GLSL

#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer TkRowWords {
    uint w[];
};

layout(push_constant) uniform TkRowsPush {
    uvec2 table;            /* the rows */
    uint row_words;         /* 2 * TK_ROW_BUFFERS + the parameters' words */
} tk_rows;

uvec2 tk_row_buf[TK_ROW_BUFFERS];

void tk_row_load()
{
    uint base = gl_WorkGroupID.z * tk_rows.row_words;
    for (int i = 0; i < TK_ROW_BUFFERS; i++)
        tk_row_buf[i] = uvec2(TkRowWords(tk_rows.table).w[base + 2 * i],
                              TkRowWords(tk_rows.table).w[base + 2 * i + 1]);
}

/* the address of this row's parameters */
uvec2 tk_row_params()
{
    uint offset = (gl_WorkGroupID.z * tk_rows.row_words + 2u * uint(TK_ROW_BUFFERS)) * 4u;
    uint carry;
    uint lo = uaddCarry(tk_rows.table.x, offset, carry);
    return uvec2(lo, tk_rows.table.y + carry);
}

#endif
