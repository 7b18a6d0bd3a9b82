/*
 * Intra analysis, the narrow variant for CPU devices (lavapipe): the same work and results
 * as analyse.comp (both bit-exact with tk_intra_analyse_mb_ref(), analyse_ref.c), in 16
 * threads. A CPU Vulkan driver runs a workgroup as SIMD batches of invocations that each
 * execute every branch with masked lanes, so there the cost is (invocations / SIMD width) x
 * code length, and few threads win: 320x240 on lavapipe (2 cores) takes ~18 ms here and
 * 80-150 ms with analyse.comp's 160 threads, which are 5.5x faster on an H100.
 * analyse_gpu.c picks this one for VK_PHYSICAL_DEVICE_TYPE_CPU.
 *
 * Parallel mapping: one workgroup per slice (slice_mb_rows rows of macroblocks; slices never
 * predict from each other). The workgroup walks its macroblocks in raster order; its 16
 * threads share the work inside a macroblock, separated by barriers:
 *   load     thread t: source row t, neighbour samples t (shared memory);
 *   I16x16   thread t: SATD of 4x4 block t under the 4 modes; chroma: threads 0-7, one
 *            4x4 block each, under the 4 modes; every thread then picks the same minimum;
 *   I4x4     16 blocks in order (each predicts from the previous ones' recon): threads 0-8
 *            cost one mode each, then thread 0 codes and reconstructs the winner;
 *   I16x16   (when cheaper) thread t transforms / quantises / reconstructs block t, thread 0
 *            the 4x4 DC transform; chroma threads 0-7 likewise, threads 0-1 the 2x2 DC;
 *   store    thread t: its block's levels, luma row t and chroma words of the recon.
 * The recon and the coded macroblocks a later macroblock reads as neighbours were written by
 * this same workgroup (coherent buffers + memoryBarrierBuffer + barrier between macroblocks).
 *
 * Buffers: 0 source NV12 (uint[], 4 bytes a word, little-endian), 1 recon NV12 (same layout),
 * 2 TkCodedMb[mb_height * mb_width], 3 the text map (common/text_qp_defs.h; any buffer of
 * ceil(n_mbs / 4) words or more when text_qp == qp). Push constants: see Params (analyse_gpu.c mirrors it).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "intra_pred.glsl"
#include "transform.glsl"

layout(local_size_x = 16) in;

layout(std430, binding = 0) readonly buffer Src { uint src_words[]; };
layout(std430, binding = 1) coherent buffer Recon { uint rec_words[]; };
layout(std430, binding = 2) coherent buffer Coded { TkCodedMb coded[]; };
layout(std430, binding = 3) readonly buffer TextMap { uint text_map[]; };

layout(push_constant) uniform Params {
    int luma_stride;    /* bytes per row, both planes (multiple of 16) */
    int chroma_offset;  /* byte offset of the CbCr plane */
    int mb_width;
    int mb_height;
    int qp;
    int slice_mb_rows;
    int text_qp;        /* the QP of macroblocks text_map marks (qp without a map) */
} pc;

#include "analyse_narrow_mb.glsl"

void main()
{
    int t = int(gl_LocalInvocationIndex);
    int y_begin = int(gl_WorkGroupID.x) * pc.slice_mb_rows;
    int y_end = min(y_begin + pc.slice_mb_rows, pc.mb_height);
    for (int mb_y = y_begin; mb_y < y_end; mb_y++)
        for (int mb_x = 0; mb_x < pc.mb_width; mb_x++)
            analyse_mb(t, mb_x, mb_y, true, 0); /* I pictures: no intra refresh */
}
