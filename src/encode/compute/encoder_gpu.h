/*
 * The whole-frame GPU encoder, the twin of encoder_ref.h: one command buffer per frame runs
 * intra analysis (analyse_gpu.h), CAVLC (cavlc_gpu.h) and packing (pack_gpu.h) on the frame's
 * own GPU buffer; the host only writes the slice headers before and, after the wait, reads
 * the slice table and the packed slice bytes to add NAL framing (h264/au.h). Its access
 * units are byte-identical with tk_encoder_ref_encode() for the same params and frames,
 * P pictures included (params.p_frames): P analysis (analyse_p_gpu.h) along the macroblock
 * wavefront, CAVLC with mb_skip_run, and the deblocking filter (deblock_gpu.h) making the
 * reconstruction the next picture's reference, all on the GPU. With params.auto_skip_map,
 * every frame first runs change_map_gpu.h: the macroblocks equal to the previous frame's
 * source become the P analysis' skip map where the caller gives none.
 *
 *     TkEncoderGpu *e;
 *     tk_encoder_gpu_open(&e, dev, &params);         // params as for encoder_ref.h
 *     tk_encoder_gpu_encode(e, &frame_buffer, qp, &au, &size, &idr);  // free(au)
 *     tk_encoder_gpu_close(&e);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ENCODER_GPU_H
#define TALKIE_ENCODE_COMPUTE_ENCODER_GPU_H

#include "encode/compute/analyse_gpu.h"
#include "encode/compute/analyse_p_gpu.h"
#include "encode/compute/cavlc_gpu.h"
#include "encode/compute/change_map_gpu.h"
#include "encode/compute/deblock_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "encode/compute/mb_qp_gpu.h"
#include "encode/compute/pack_gpu.h"

typedef struct TkEncoderGpu {
    TkVkDevice *dev;
    TkEncoderRefParams params;
    TkH264Config config;
    TkH264Gop gop;
    TkPackDims dims;        /* the most slices a picture has (allocation) */
    TkPackDims pic_dims;    /* the slices of the picture being encoded */
    int pic_slice_rows;     /* their macroblock rows (tk_encoder_slice_rows) */
    TkAnalyseGpu analyse;
    TkAnalysePGpu analyse_p;
    TkDeblockGpu deblock;
    TkMbQpGpu mb_qp;        /* params.text_qp_offset != 0: QP_Y along the slices */
    TkCavlcGpu cavlc;
    TkPackGpu pack;
    TkVkCmd cmd;
    TkVkBuffer recon;       /* device: the reconstruction; with p_frames deblocked in place
                               (deblock.comp) once the picture is analysed, as the decoder
                               does, since it is the next P picture's reference; all-intra
                               streams leave it unfiltered (nothing predicts from it) */
    TkVkBuffer ref;         /* device (p_frames): the previous picture, deblocked; swaps
                               with recon before a P picture, as encoder_ref.c does */
    TkVkBuffer motion;      /* device (p_frames): TkMbMotion[n_mbs] of the last picture */
    TkVkBuffer motion_prev; /* device (p_frames): the picture before's, swapped with motion
                               before a P picture (the analysis reads one, writes the other) */
    TkVkBuffer search;      /* device (p_frames): TkMbSearch[n_mbs], the search pass's */
    TkVkBuffer coded;       /* device: TkCodedMb[n_mbs] */
    TkVkBuffer scratch;     /* device: n_mbs * TK_MB_SCRATCH_WORDS */
    TkVkBuffer counts;      /* device: n_mbs + 1 */
    TkVkBuffer mb_offset;   /* device: n_mbs */
    TkVkBuffer hdr;         /* upload: slice headers */
    TkVkBuffer slice_table; /* readback: 2 + 2 * n_slices */
    TkVkBuffer out;         /* device: the packed slices (pack.comp ORs bits into it) */
    TkVkBuffer out_host;    /* readback: the used part of out (copy_used.comp) */
    const TkVkKernel *copy_used; /* shared: the device's */
    TkH264SliceHeader pic;  /* the frame being encoded */
    TkH264Gop next_gop;     /* the GOP state once it is done */
    int deblock_mode;       /* params.deblock, AUTO made ON with p_frames (encoder_ref.c) */
    const TkVkBuffer *skip_map; /* the frame being encoded's (the caller's, else the change
                               map with auto_skip_map), or NULL */
    const TkVkBuffer *text_map; /* the frame being encoded's, or NULL (none, or
                               params.text_qp_offset 0) */
    /* params.p_frames && (params.auto_skip_map || params.intra_refresh): the encoder's own
     * skip map (change_map.comp), run for every frame before its analysis */
    int auto_map;
    TkChangeMapGpu change;
    TkVkBuffer prev_src;    /* device: the last frame's source (change_map.comp copies it) */
    TkVkBuffer change_map;  /* device: tk_change_map_bytes() */
    int prev_valid;         /* as TkEncoderRef.prev_valid: prev_src is the source of the
                               last frame and that frame was coded */
    int prev_p_qp;          /* as TkEncoderRef.prev_p_qp */
    const TkVkBuffer *given_map; /* params.intra_refresh: the caller's skip map of the frame
                               being encoded (or NULL), which the change map takes in */
    TkChangeMapRefresh refresh; /* the frame being encoded's intra refresh columns */
    int ref_deblocked;      /* as TkEncoderRef.ref_deblocked */
    int ref_deblocked_before;
    int profile_steps;      /* benchmarks: 1 adds a timestamp after each P analysis step
                               after the first (frames[0]'s flag counts in a batch), between
                               the analysis' end and the stages' (encode_batch's doc) */
} TkEncoderGpu;

/* One frame of a batch: several encoders (sessions) on one device, one submission. */
typedef struct TkEncoderGpuFrame {
    TkEncoderGpu *encoder;  /* each encoder at most once in a batch */
    const TkVkBuffer *src;
    int qp;
    int force_idr;          /* 1: code this frame as an IDR (a keyframe request) */
    const TkVkBuffer *skip_map; /* NULL, or a storage buffer of a byte per macroblock (4 to a
                               word, raster order): TK_SKIP_MAP_STATIC where the picture did
                               not change since the previous frame (P pictures code those
                               without a search: encoder_ref.h TkEncoderRefFrame.skip_map);
                               with params.auto_skip_map, NULL takes the encoder's own */
    const TkVkBuffer *text_map; /* NULL, or a storage buffer of a byte per macroblock (4 to a
                               word, raster order): TK_TEXT_MAP_TEXT under subtitle text, coded
                               at params.text_qp_offset (encoder_ref.h). NULL where no
                               macroblock is marked saves a pass. */
    uint8_t *au;            /* out: the access unit (free()), or NULL on failure */
    size_t au_size;
    int idr;
    int result;             /* out: 0 or this frame's error */
} TkEncoderGpuFrame;

/* Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED (no level, or
 * more than TK_PACK_GPU_MAX_SLICES slices), TALKIE_ERROR_VULKAN. *e is NULL on failure. */
int tk_encoder_gpu_open(TkEncoderGpu **e, TkVkDevice *dev, const TkEncoderRefParams *params);

/* Encodes the NV12 frame in `src` (params.layout, a storage buffer). Errors as
 * tk_encoder_ref_encode() plus TALKIE_ERROR_VULKAN / TALKIE_ERROR_VALIDATION. */
int tk_encoder_gpu_encode(TkEncoderGpu *e, const TkVkBuffer *src, int qp, uint8_t **au,
                          size_t *au_size, int *idr);

/* Encodes one frame for each of n encoders of the same device in one submission on `cmd`:
 * every stage of all frames runs side by side, which fills a large GPU where one frame's
 * slices cannot, and each stage (each step of the P analysis) is one dispatch for all the
 * frames (analyse_p_gpu.h's table, the other kernels row kernels: vk.h), so the host's cost
 * of a batch hardly grows with its frames. Output equals n separate tk_encoder_gpu_encode()
 * calls. Returns 0 when every frame succeeded, else the first error (each frame's own in
 * .result). */
int tk_encoder_gpu_encode_batch(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd);

/* encode_batch in two halves, so that a caller can record and submit the next batch (of
 * other encoders, on another TkVkCmd) while the GPU runs this one: submit records and
 * submits; finish waits and builds the access units (EINVAL unless a submit of this batch
 * on `cmd` succeeded). Between the two, the encoders of the batch must not be used.
 * Profiling: a cmd with timestamps gets 1 + TK_ENCODER_GPU_STAGES of them, the start and the
 * end of each stage (tk_encoder_gpu_stage_names; a stage with nothing to do in a batch ends
 * where it began). */
#define TK_ENCODER_GPU_STAGES 7
extern const char *const tk_encoder_gpu_stage_names[TK_ENCODER_GPU_STAGES];
int tk_encoder_gpu_batch_submit(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd);
int tk_encoder_gpu_batch_finish(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd);

/* The two halves of batch_submit/finish without the submission, for a caller that records
 * other work (rendering the frames) into the same command buffer: record writes the slice
 * headers and records every stage into `cmd` (begun, recording); after that submission
 * completed, collect builds the access units. */
int tk_encoder_gpu_batch_record(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd);
int tk_encoder_gpu_batch_collect(TkEncoderGpuFrame *frames, int n);

/* Takes the last picture coded back (tk_encoder_ref_rewind(), the same for the GPU): the
 * GOP state returns to `before`, a P picture's reference (only read by its encode) becomes
 * the picture to predict from again. Only right after a frame that succeeded. */
void tk_encoder_gpu_rewind(TkEncoderGpu *e, const TkH264Gop *before);

/* Frees a (partly) opened encoder and sets *e to NULL. */
void tk_encoder_gpu_close(TkEncoderGpu **e);

#endif
