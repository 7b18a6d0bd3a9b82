/*
 * Host side of p_lists.comp, search_p.comp and analyse_p.comp: analysis of every
 * macroblock of P pictures on the GPU, bit-exact with tk_inter_analyse_frame_ref()
 * (analyse_p_ref.h), in steps with a barrier after each: step 0 the work lists (which
 * macroblocks to search, which static ones to code, which to decide at each diagonal,
 * inter_defs.h TK_LIST_*; the static macroblocks whose coding is known, p_lists.comp codes
 * itself), step 1 the search pass (every search of every listed macroblock side by side, one
 * workgroup of 32 threads each) beside the static pass (one workgroup of 16 threads per
 * listed macroblock), steps 2.. the decisions along the anti-diagonals x + 2y = step - 2
 * (one workgroup of 16 threads per listed macroblock), each pass an indirect dispatch of its
 * list's size, because a macroblock reads
 * the motion and reconstruction of (x - 1, y), (x, y - 1) and (x + 1, y - 1) (see
 * analyse_p.comp). Every step of a batch of pictures (of any sizes and parameters) is one
 * dispatch: the kernels find each picture's buffers and parameters in a table (TkAnalysePFrame)
 * that the command buffer's upload memory holds (tk_vk_cmd_upload).
 *
 *     TkAnalysePGpu a;
 *     tk_analyse_p_gpu_create(dev, &a);
 *     TkAnalysePFrame f[2];
 *     tk_analyse_p_gpu_frame(&f[0], &p0, &(TkAnalysePBuffers){ &src, &ref, ... });
 *     tk_analyse_p_gpu_frame(&f[1], &p1, &b1);
 *     TkAnalysePBatch batch;
 *     tk_analyse_p_gpu_batch(dev, &cmd, f, 2, &batch);   // cmd recording
 *     for (int s = 0; s < batch.steps; s++) {
 *         tk_analyse_p_gpu_record_step(dev, &a, &cmd, &batch, s);
 *         tk_vk_cmd_barrier(dev, &cmd);
 *     }
 *     tk_analyse_p_gpu_destroy(dev, &a);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H

#include "encode/compute/analyse_p_ref.h"
#include "vk/vk.h"

typedef struct TkAnalysePGpu {
    const TkVkKernel *lists;  /* shared: the device's */
    const TkVkKernel *search; /* shared: the device's */
    const TkVkKernel *kernel; /* shared: the device's */
} TkAnalysePGpu;

/* The storage buffers of one P picture (layouts as in analyse_p_ref.h). */
typedef struct TkAnalysePBuffers {
    const TkVkBuffer *src;      /* NV12 source */
    const TkVkBuffer *ref;      /* NV12, the previous picture deblocked; read only */
    const TkVkBuffer *recon;    /* NV12 out (unfiltered) */
    const TkVkBuffer *coded;    /* TkCodedMb[n] out */
    const TkVkBuffer *motion;   /* TkMbMotion[n]: this picture's, out */
    const TkVkBuffer *skip_map; /* NULL, or a byte per macroblock (4 to a word, raster) */
    const TkVkBuffer *search;   /* TkMbSearch[n]: the search pass's, scratch */
    const TkVkBuffer *motion_prev; /* TkMbMotion[n]: the previous picture's, read only (the C
                                   reference reads it from its one motion array before it
                                   overwrites it) */
    const TkVkBuffer *text_map; /* NULL, or a byte per macroblock (4 to a word, raster):
                                   TK_TEXT_MAP_TEXT ones are coded at TkInterParams.text_qp */
} TkAnalysePBuffers;

/* One P picture as the kernels read it: p_frames.glsl's TkPFrame, field for field (std430:
 * nine 8-byte addresses, then 4-byte integers). */
typedef struct TkAnalysePFrame {
    VkDeviceAddress src, recon, coded, ref, motion, skip_map, search, text_map, motion_prev;
    int32_t luma_stride;
    int32_t chroma_offset;
    int32_t mb_width;
    int32_t mb_height;
    int32_t qp;
    int32_t slice_mb_rows;
    int32_t has_skip_map;
    int32_t text_qp;
    int32_t i16x16_only;
    int32_t refresh_x0;
    int32_t refresh_x1;
    int32_t refresh_limit;
} TkAnalysePFrame;

/* A batch's table, uploaded into a command buffer's memory. */
typedef struct TkAnalysePBatch {
    VkDeviceAddress table;
    int n;                  /* pictures */
    int steps;              /* the most steps of one (tk_analyse_p_gpu_steps) */
    int max_mbs;            /* the most macroblocks of one */
    int any_skip_map;       /* some picture has a skip map: the static pass runs */
    TkVkCmdMemory lists;    /* the work lists, in the command buffer's memory */
} TkAnalysePBatch;

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a);
/* Number of steps of a picture: the work lists, the search and static passes, and the
 * anti-diagonals x + 2y: 2 + mb_width + 2 (mb_height - 1). */
int tk_analyse_p_gpu_steps(const TkFrameLayout *l);
/* Fills f with picture p's parameters and its buffers' addresses. */
void tk_analyse_p_gpu_frame(TkAnalysePFrame *f, const TkInterParams *p,
                            const TkAnalysePBuffers *b);
/* Uploads frames[0..n-1] into cmd's memory (recording) for the steps of this recording, and
 * makes room for their work lists.
 * Errors: TALKIE_ERR(EINVAL) (n < 1, more than the device's dispatch allows, a picture past
 * TK_LIST_MAX lists: larger than 4096x4096), those of tk_vk_cmd_alloc. */
int tk_analyse_p_gpu_batch(TkVkDevice *dev, TkVkCmd *cmd, const TkAnalysePFrame *frames, int n,
                           TkAnalysePBatch *batch);
/* Records step s of every picture of the batch: one dispatch (two for step 1 with a skip
 * map). */
void tk_analyse_p_gpu_record_step(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                  const TkAnalysePBatch *batch, int s);
/* Safe on a zeroed or already destroyed object. */
void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a);

#endif
