/*
 * Host side of search_p.comp and analyse_p.comp: analysis of every macroblock of a P picture
 * on the GPU, bit-exact with tk_inter_analyse_frame_ref() (analyse_p_ref.h), in steps with a
 * barrier after each: step 0 the search pass (every search of every macroblock side by side,
 * one workgroup of 16 threads each), steps 1.. the decisions along the anti-diagonals
 * x + 2y = step - 1 (one workgroup of 16 threads per macroblock), because a macroblock reads
 * the motion and reconstruction of (x - 1, y), (x, y - 1) and (x + 1, y - 1) (see
 * analyse_p.comp). A batch records step s of all its frames before one barrier
 * (encoder_gpu.c).
 *
 *     TkAnalysePGpu a;
 *     tk_analyse_p_gpu_create(dev, &a);
 *     TkAnalysePBuffers b = { &src, &ref, &recon, &coded, &motion, NULL, &search, &prev };
 *     for (int s = 0; s < tk_analyse_p_gpu_steps(&p.layout); s++) {
 *         tk_analyse_p_gpu_record_step(dev, &a, &cmd, &p, &b, s);
 *         tk_vk_cmd_barrier(dev, &cmd);
 *     }
 *     tk_analyse_p_gpu_destroy(dev, &a);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H

#include "encode/compute/analyse_p_ref.h"
#include "vk/vk.h"

typedef struct TkAnalysePGpu {
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

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a);
/* Number of steps of a picture: the search pass and the anti-diagonals x + 2y,
 * 1 + mb_width + 2 (mb_height - 1). */
int tk_analyse_p_gpu_steps(const TkFrameLayout *l);
/* Records step s (nothing for an s the picture does not have). */
void tk_analyse_p_gpu_record_step(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                  const TkInterParams *p, const TkAnalysePBuffers *b, int s);
/* Safe on a zeroed or already destroyed object. */
void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a);

#endif
