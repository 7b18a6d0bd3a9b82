#version 450
/*
 * The encoder's change map, bit-exact with tk_change_map_ref() (change_map_ref.c): per
 * macroblock, TK_SKIP_MAP_STATIC when every sample of the new source equals the previous
 * source (luma 16x16, the CbCr rows 8x16 bytes), else TK_SKIP_MAP_CHANGED; with has_refs,
 * TK_SKIP_MAP_STATIC_SAME_REF for a static macroblock whose samples are also equal in the
 * two references; and the new samples are copied into the previous picture in the same pass,
 * so the encoder needs no copy of its own.
 *
 * Parallel mapping: one workgroup per map word (TK_CHANGE_MAP_MBS_PER_GROUP macroblocks in
 * raster order, which may span two macroblock rows), one invocation per 32-bit word of a
 * macroblock (16 luma rows and 8 chroma rows of 4 words: 96), so every word of the picture
 * is read once from each buffer and written once. A difference sets the macroblock's flag in
 * shared memory; after the barrier one invocation writes the whole map word, so no two
 * workgroups write the same word. Each invocation reads its previous word before it
 * overwrites it, and no other invocation touches that word.
 *
 * Buffers: 0 the new source NV12 (read), 1 the previous source NV12 (read, then written with
 * the new one), 2 the map (a byte per macroblock, 4 to a word; the bytes past the last
 * macroblock are written 0), 3 and 4 the reference of the picture to code and that of the
 * previous picture (NV12, read when has_refs), 5 a caller's map (4 macroblocks to a word, read
 * when has_given: the result instead of the comparison's). An intra refresh overrides the
 * result by macroblock column (tk_change_map_refresh_at): refresh_x0..refresh_x1 - 1
 * TK_SKIP_MAP_INTRA, refresh_changed (refresh_x0 - 1 after a deblocked reference, else -1)
 * TK_SKIP_MAP_CHANGED. Parameters: Params, from the kernel's row (vk_rows.glsl;
 * change_map_gpu.c mirrors it).
 */
#extension GL_GOOGLE_include_directive : require

#include "inter_defs.h"

#define MB_WORDS 96        /* 16 luma rows + 8 chroma rows, 4 words (16 bytes) each */
#define LUMA_WORDS 64

layout(local_size_x = MB_WORDS * TK_CHANGE_MAP_MBS_PER_GROUP) in;

#define TK_ROW_BUFFERS 6
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer SrcRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer PrevRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer MapRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer RefRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer RefPrevRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer GivenRow { uint m[]; };
#define src_words SrcRow(tk_row_buf[0]).m
#define prev_words PrevRow(tk_row_buf[1]).m
#define map_words MapRow(tk_row_buf[2]).m
#define ref_words RefRow(tk_row_buf[3]).m
#define ref_prev_words RefPrevRow(tk_row_buf[4]).m
#define given_words GivenRow(tk_row_buf[5]).m

struct Params {
    int luma_stride;    /* bytes per row, both planes (multiple of 16) */
    int chroma_offset;  /* byte offset of the CbCr plane (multiple of 16) */
    int mb_width;
    int n_mbs;
    int has_prev;       /* 0: prev holds no picture, nothing is static */
    int has_refs;       /* 1: compare the references too */
    int has_given;      /* 1: the caller's map is the result (before the refresh) */
    int refresh_x0;     /* intra refresh columns (0, 0: none) */
    int refresh_x1;
    int refresh_changed;
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

shared uint s_changed[TK_CHANGE_MAP_MBS_PER_GROUP];
shared uint s_ref_changed[TK_CHANGE_MAP_MBS_PER_GROUP];

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    if (int(gl_WorkGroupID.x) * TK_CHANGE_MAP_MBS_PER_GROUP >= pc.n_mbs)
        return; /* the whole workgroup: a larger picture of the batch sized the dispatch */
    uint t = gl_LocalInvocationID.x;
    int k = int(t) / MB_WORDS, w = int(t) % MB_WORDS;
    if (t < TK_CHANGE_MAP_MBS_PER_GROUP) {
        s_changed[t] = pc.has_prev == 0 ? 1u : 0u;
        s_ref_changed[t] = pc.has_refs == 0 ? 1u : 0u;
    }
    barrier();

    int mb = int(gl_WorkGroupID.x) * TK_CHANGE_MAP_MBS_PER_GROUP + k;
    if (mb < pc.n_mbs) {
        int mb_x = mb % pc.mb_width, mb_y = mb / pc.mb_width;
        int o = w < LUMA_WORDS
                    ? (mb_y * 16 + w / 4) * pc.luma_stride + mb_x * 16 + (w % 4) * 4
                    : pc.chroma_offset + (mb_y * 8 + (w - LUMA_WORDS) / 4) * pc.luma_stride +
                          mb_x * 16 + (w % 4) * 4;
        uint cur = src_words[o >> 2];
        if (pc.has_prev != 0 && prev_words[o >> 2] != cur)
            atomicOr(s_changed[k], 1u);
        prev_words[o >> 2] = cur;
        if (pc.has_refs != 0 && ref_words[o >> 2] != ref_prev_words[o >> 2])
            atomicOr(s_ref_changed[k], 1u);
    }
    barrier();

    if (t == 0) {
        uint word = 0u;
        for (int j = 0; j < TK_CHANGE_MAP_MBS_PER_GROUP; j++) {
            int m = int(gl_WorkGroupID.x) * TK_CHANGE_MAP_MBS_PER_GROUP + j;
            uint v = s_changed[j] != 0u       ? uint(TK_SKIP_MAP_CHANGED)
                     : s_ref_changed[j] != 0u ? uint(TK_SKIP_MAP_STATIC)
                                              : uint(TK_SKIP_MAP_STATIC_SAME_REF);
            if (pc.has_given != 0)
                v = (given_words[gl_WorkGroupID.x] >> (8 * j)) & 0xffu;
            int x = m % pc.mb_width;
            if (x >= pc.refresh_x0 && x < pc.refresh_x1)
                v = uint(TK_SKIP_MAP_INTRA);
            else if (x == pc.refresh_changed)
                v = uint(TK_SKIP_MAP_CHANGED);
            if (m < pc.n_mbs)
                word |= v << (8 * j);
        }
        map_words[gl_WorkGroupID.x] = word;
    }
}
