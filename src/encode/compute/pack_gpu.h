/*
 * Host side of pack.comp: places every macroblock's CAVLC bits, the slice headers and the
 * trailing bits into the slices' RBSPs on the GPU, byte-identical with tk_pack_offsets_ref()
 * + tk_pack_write_ref() (pack_ref.h).
 *
 * Buffers (sizes from TkPackDims d): counts (n_mbs + 1) and scratch from cavlc_gpu.h;
 * hdr (n_slices * TK_SLICE_HDR_WORDS, from tk_pack_slice_headers()); mb_offset (n_mbs);
 * slice_table (2 + 2 * n_slices: total bytes, CAVLC error flag, then byte offset and size
 * of each slice); out (tk_pack_out_words(d) words, zeroed by the caller before the write
 * pass: the pass ORs bits into it).
 */
#ifndef TALKIE_ENCODE_COMPUTE_PACK_GPU_H
#define TALKIE_ENCODE_COMPUTE_PACK_GPU_H

#include "encode/compute/pack_ref.h"
#include "vk/vk.h"

/* The offsets pass keeps per-slice sizes in shared memory. */
#define TK_PACK_GPU_MAX_SLICES 1024

typedef struct TkPackGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkPackGpu;

int tk_pack_gpu_create(TkVkDevice *dev, TkPackGpu *p);
enum { TK_PACK_PASS_OFFSETS = 0, TK_PACK_PASS_WRITE = 1 };
/* Records one pass: the offsets pass (after the CAVLC dispatch, barrier between) or the
 * write pass (after the offsets pass and the zeroing of out, barrier between). Barriers are
 * left to the caller so that a batch of frames shares them (encoder_gpu.c). */
void tk_pack_gpu_record(TkVkDevice *dev, const TkPackGpu *p, TkVkCmd *cmd, const TkPackDims *d,
                        const TkVkBuffer *counts, const TkVkBuffer *scratch,
                        const TkVkBuffer *hdr, const TkVkBuffer *mb_offset,
                        const TkVkBuffer *slice_table, const TkVkBuffer *out, int pass);
void tk_pack_gpu_destroy(TkVkDevice *dev, TkPackGpu *p);

#endif
