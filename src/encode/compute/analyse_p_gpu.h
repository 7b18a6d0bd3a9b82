/*
 * Host side of analyse_p.comp: analysis of every macroblock of a P picture on the GPU,
 * bit-exact with tk_inter_analyse_frame_ref() (analyse_p_ref.h).
 *
 * Parallel mapping: one workgroup of 16 threads per macroblock; the macroblocks of one
 * anti-diagonal x + 2y = d run side by side in one dispatch, and the diagonals one after the
 * other with a barrier between them, because a macroblock reads the motion and
 * reconstruction of (x - 1, y), (x, y - 1) and (x + 1, y - 1) (see analyse_p.comp). A batch
 * records diagonal d of all its frames before one barrier (encoder_gpu.c).
 *
 *     TkAnalysePGpu a;
 *     tk_analyse_p_gpu_create(dev, &a);
 *     TkAnalysePBuffers b = { &src, &ref, &recon, &coded, &motion, NULL };
 *     for (int d = 0; d < tk_analyse_p_gpu_diagonals(&p.layout); d++) {
 *         tk_analyse_p_gpu_record_diagonal(dev, &a, &cmd, &p, &b, d);
 *         tk_vk_cmd_barrier(dev, &cmd);
 *     }
 *     tk_analyse_p_gpu_destroy(dev, &a);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H
#define TALKIE_ENCODE_COMPUTE_ANALYSE_P_GPU_H

#include "encode/compute/analyse_p_ref.h"
#include "vk/vk.h"

typedef struct TkAnalysePGpu {
    const TkVkKernel *kernel; /* shared: the device's */
} TkAnalysePGpu;

/* The storage buffers of one P picture (layouts as in analyse_p_ref.h). */
typedef struct TkAnalysePBuffers {
    const TkVkBuffer *src;      /* NV12 source */
    const TkVkBuffer *ref;      /* NV12, the previous picture deblocked; read only */
    const TkVkBuffer *recon;    /* NV12 out (unfiltered) */
    const TkVkBuffer *coded;    /* TkCodedMb[n] out */
    const TkVkBuffer *motion;   /* TkMbMotion[n]: the previous picture's in, this one's out */
    const TkVkBuffer *skip_map; /* NULL, or a byte per macroblock (4 to a word, raster) */
    const TkVkBuffer *text_map; /* NULL, or a byte per macroblock (4 to a word, raster):
                                   TK_TEXT_MAP_TEXT ones are coded at TkInterParams.text_qp */
} TkAnalysePBuffers;

int tk_analyse_p_gpu_create(TkVkDevice *dev, TkAnalysePGpu *a);
/* Number of anti-diagonals x + 2y of a picture: mb_width + 2 (mb_height - 1). */
int tk_analyse_p_gpu_diagonals(const TkFrameLayout *l);
/* Records the macroblocks of diagonal d (nothing for a d the picture does not have). */
void tk_analyse_p_gpu_record_diagonal(TkVkDevice *dev, const TkAnalysePGpu *a, TkVkCmd *cmd,
                                      const TkInterParams *p, const TkAnalysePBuffers *b,
                                      int d);
/* Safe on a zeroed or already destroyed object. */
void tk_analyse_p_gpu_destroy(TkVkDevice *dev, TkAnalysePGpu *a);

#endif
