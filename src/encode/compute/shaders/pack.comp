/*
 * Packing on the GPU: the twin of tk_pack_offsets_ref() / tk_pack_write_ref() (pack_ref.c),
 * one shader run as two dispatches (push constant `phase`):
 *
 *   phase 0, one workgroup of 256: invocation t takes slices t, t+256, ...: the prefix sum of
 *            its macroblocks' bit counts after the slice header gives each macroblock's bit
 *            offset in the slice, and the slice's byte size (with rbsp_slice_trailing_bits);
 *            invocation 0 then lays the slices out back to back (shared memory), and each
 *            slice's offset is added to its macroblocks' offsets. The workgroup then zeroes
 *            the output words phase 1 will OR into (only those: a frame's stream is a small
 *            part of the buffer, and a transfer fill of the whole buffer between dispatches
 *            keeps a batch's dispatches from overlapping), and clears the CAVLC error flag
 *            it has copied, for the next frame.
 *   phase 1, one invocation per macroblock: ORs its scratch words in at its offset with
 *            atomicOr (the first and last words are shared with the neighbours); the first
 *            macroblock of a slice also writes the slice header, the last the stop bit.
 *
 * The output holds stream bytes 4 per uint, little-endian.
 * Buffers: 0 counts (n_mbs + 1: [n_mbs] = CAVLC error flag, zero at open), 1 scratch, 2 slice headers
 * (TK_SLICE_HDR_WORDS per slice: bit count, then MSB-first words), 3 mb_offset (n_mbs),
 * 4 slice table ([0] total bytes, [1] error flag, then byte offset and size per slice),
 * 5 output.
 */
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256) in;

#define TK_ROW_BUFFERS 6
#include "vk_rows.glsl"

layout(buffer_reference, std430, buffer_reference_align = 4) buffer CountsRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ScratchRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer HeadersRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer OffsetsRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer SliceTableRow { uint m[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer OutRow { uint m[]; };
#define counts CountsRow(tk_row_buf[0]).m
#define scratch ScratchRow(tk_row_buf[1]).m
#define hdr HeadersRow(tk_row_buf[2]).m
#define mb_offset OffsetsRow(tk_row_buf[3]).m
#define slice_table SliceTableRow(tk_row_buf[4]).m
#define out_words OutRow(tk_row_buf[5]).m

struct Params {
    uint n_mbs;
    uint mbs_per_slice;
    uint n_slices;
    uint phase;
};
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer ParamsRow { Params p; };
Params pc;   /* this row's parameters */

#define MB_WORDS 512u     /* TK_MB_SCRATCH_WORDS */
#define HDR_WORDS 16u     /* TK_SLICE_HDR_WORDS */
#define MAX_SLICES 1024u  /* TK_PACK_GPU_MAX_SLICES */

shared uint s_bytes[MAX_SLICES];
shared uint s_start[MAX_SLICES];
shared uint s_total;

uint to_bytes(uint v)
{
    return (v >> 24) | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | (v << 24);
}

void or_word(uint pos, uint v)
{
    uint w = pos >> 5, shift = pos & 31u;
    if ((v >> shift) != 0u)
        atomicOr(out_words[w], to_bytes(v >> shift));
    if (shift != 0u && (v << (32u - shift)) != 0u)
        atomicOr(out_words[w + 1u], to_bytes(v << (32u - shift)));
}

void offsets()
{
    uint t = gl_LocalInvocationID.x;
    for (uint s = t; s < pc.n_slices; s += 256u) {
        uint first = s * pc.mbs_per_slice;
        uint end = min(first + pc.mbs_per_slice, pc.n_mbs);
        uint bits = hdr[s * HDR_WORDS];
        for (uint i = first; i < end; i++) {
            mb_offset[i] = bits;
            bits += counts[i];
        }
        s_bytes[s] = (bits + 1u + 7u) / 8u;
    }
    memoryBarrierShared();
    barrier();
    if (t == 0u) {
        uint pos = 0u;
        for (uint s = 0u; s < pc.n_slices; s++) {
            s_start[s] = pos;
            pos += s_bytes[s];
        }
        slice_table[0] = pos;
        slice_table[1] = counts[pc.n_mbs];
        counts[pc.n_mbs] = 0u;
        s_total = pos;
    }
    memoryBarrierShared();
    barrier();
    for (uint w = t; w < (s_total + 3u) / 4u; w += 256u)
        out_words[w] = 0u;
    for (uint s = t; s < pc.n_slices; s += 256u) {
        slice_table[2u + 2u * s] = s_start[s];
        slice_table[3u + 2u * s] = s_bytes[s];
        uint first = s * pc.mbs_per_slice;
        uint end = min(first + pc.mbs_per_slice, pc.n_mbs);
        for (uint i = first; i < end; i++)
            mb_offset[i] += s_start[s] * 8u;
    }
}

void write_bits()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= pc.n_mbs)
        return;
    uint s = i / pc.mbs_per_slice;
    uint base = mb_offset[i];
    uint n = counts[i];
    for (uint k = 0u; k < (n + 31u) / 32u; k++)
        or_word(base + 32u * k, scratch[i * MB_WORDS + k]);
    if (i % pc.mbs_per_slice == 0u) {
        uint start = slice_table[2u + 2u * s] * 8u;
        uint h = s * HDR_WORDS;
        for (uint k = 0u; k < (hdr[h] + 31u) / 32u; k++)
            or_word(start + 32u * k, hdr[h + 1u + k]);
    }
    if (i == min((s + 1u) * pc.mbs_per_slice, pc.n_mbs) - 1u)
        or_word(base + n, 0x80000000u);
}

void main()
{
    tk_row_load();
    pc = ParamsRow(tk_row_params()).p;
    if (pc.phase == 0u)
        offsets();
    else
        write_bits();
}
