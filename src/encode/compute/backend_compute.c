/*
 * The "compute" encoder backend: talkie's own H.264 encoder in Vulkan compute shaders
 * (encoder_gpu.h: analysis, CAVLC and packing on the frame's GPU buffer, NAL framing on the
 * host). The engine records the frames of many sessions into one submission (record) and
 * frames the access units once it completed (collect). Tests also use the synchronous way:
 * submit() encodes the frame at once and keeps its packet until receive() takes it; a second
 * submit() before that answers EAGAIN.
 *
 * Rate: params->qp when it is 0..51; with qp == -1 a simple per-frame loop moves the QP by
 * one or two steps towards bitrate_bps (target bits per frame = bitrate * den / num), which
 * keeps every frame deterministic and needs nothing from the GPU but the size it made.
 */
#include <stdlib.h>
#include <string.h>

#include "encode/h264/au.h"
#include "encode/backend.h"
#include "encode/compute/deblock_ref.h"
#include "encode/compute/encoder_gpu.h"

/* Macroblock rows per slice: one, so a row's nC and prediction never wait on another. */
#define SLICE_MB_ROWS 1
/* Where the bitrate loop starts, and the range it stays in (low QPs cost much and gain
 * little for rendered text). */
#define RATE_QP_START 26
#define RATE_QP_MIN 10
#define RATE_QP_MAX 51
/* With P frames, the encoder finds the macroblocks that equal the previous frame itself
 * (encoder_ref.h auto_skip_map: one small dispatch before the analysis) and codes them
 * without a search, and without computing their residual where it is known to be none.
 * Nothing in the product hands it a map, and in conversation video most macroblocks of most
 * frames are unchanged, so this is where P frames get cheap (bench/RESULTS.md, "The
 * encoder's own skip map"). The streams stay valid either way: a static macroblock is still
 * coded against the reference, with a residual where needed. */
#define AUTO_SKIP_MAP 1

typedef struct TkComputeEncoder {
    TkEncoderGpu *gpu;
    const TkLog *log;
    int qp;               /* the QP of the next frame */
    int fixed_qp;         /* 1: params->qp was given */
    int64_t target_bits;  /* per frame, with bitrate_bps */
    TalkiePacket pending; /* the encoded frame receive() has not taken yet */
    int has_pending;
    int flushed;
} TkComputeEncoder;

/* P pictures when asked for (params->p_frames), on every device but a CPU implementation.
 * On an NVIDIA H100 the GPU P path equals the C reference byte for byte and run after run
 * (bench/RESULTS.md, "P frames on the GPU"); on Mesa lavapipe (llvmpipe, LLVM 15) some inputs
 * give P streams that differ from run to run and that libavcodec decodes to something else
 * than the encoder's reference, so there the backend codes every picture as an IDR until
 * that is understood. Not the default: the P path's latency (a wavefront of dispatches per
 * picture) costs most of the live sessions a GPU carries all-intra. */
static int p_frames_work(const TkVkDevice *vk)
{
    return vk->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

static int params_to_gpu(const TkEncoderParams *params, TkEncoderRefParams *p)
{
    if (params->fps_num <= 0 || params->fps_den <= 0 || params->keyint < 1 ||
        (params->qp < 0 && (params->qp != -1 || params->bitrate_bps <= 0)) || params->qp > 51)
        return TALKIE_ERR(EINVAL);
    memset(p, 0, sizeof(*p));
    p->layout = params->layout;
    p->fps_num = params->fps_num;
    p->fps_den = params->fps_den;
    p->bitrate_bps = params->qp < 0 ? params->bitrate_bps : 0;
    p->keyint = params->keyint;
    p->slice_mb_rows = SLICE_MB_ROWS;
    p->aud = 0;
    /* with P frames, AUTO deblocking means on (the filtered picture is the next one's
     * reference) */
    p->p_frames = params->p_frames && params->vk && p_frames_work(params->vk);
    p->auto_skip_map = p->p_frames && AUTO_SKIP_MAP;
    p->deblock = TK_DEBLOCK_AUTO;
    return 0;
}

static int compute_probe(const TkEncoderParams *params)
{
    TkEncoderRefParams p;
    if (!params->vk || params->vk->compute_queue == VK_NULL_HANDLE)
        return TALKIE_ERROR_UNSUPPORTED;
    if (params_to_gpu(params, &p) < 0)
        return TALKIE_ERROR_UNSUPPORTED;
    if (tk_h264_level(&p.layout, p.fps_num, p.fps_den, p.bitrate_bps) < 0)
        return TALKIE_ERROR_UNSUPPORTED;
    TkPackDims d = tk_pack_dims(&p.layout, p.slice_mb_rows);
    return d.n_slices <= TK_PACK_GPU_MAX_SLICES ? 0 : TALKIE_ERROR_UNSUPPORTED;
}

static void compute_close(void **ctx)
{
    if (!ctx || !*ctx)
        return;
    TkComputeEncoder *enc = *ctx;
    tk_encoder_gpu_close(&enc->gpu);
    free(enc->pending.data);
    free(enc);
    *ctx = NULL;
}

static int compute_open(void **ctx, const TkEncoderParams *params)
{
    *ctx = NULL;
    TkEncoderRefParams p;
    int res = params_to_gpu(params, &p);
    if (res < 0)
        return res;
    if (!params->vk)
        return TALKIE_ERROR_UNSUPPORTED;
    TkComputeEncoder *enc = calloc(1, sizeof(*enc));
    if (!enc)
        return TALKIE_ERR(ENOMEM);
    enc->log = params->log;
    enc->fixed_qp = params->qp >= 0;
    enc->qp = enc->fixed_qp ? params->qp : RATE_QP_START;
    if (!enc->fixed_qp)
        enc->target_bits = params->bitrate_bps * params->fps_den / params->fps_num;
    res = tk_encoder_gpu_open(&enc->gpu, params->vk, &p);
    if (res < 0) {
        tk_log_error(enc->log, "compute encoder: cannot open (%s)", talkie_strerror(res));
        void *v = enc;
        compute_close(&v);
        return res;
    }
    *ctx = enc;
    return 0;
}

/* Takes a new target bitrate (a live session's set_bitrate); the QP moves from where it is. */
static void set_bitrate(TkComputeEncoder *enc, int64_t bitrate_bps, int fps_num, int fps_den)
{
    if (bitrate_bps <= 0)
        return;
    enc->fixed_qp = 0;
    enc->target_bits = bitrate_bps * fps_den / fps_num;
}

/* The bitrate loop: one step when the frame missed the target by 15 %, two beyond 50 %. */
static void adjust_qp(TkComputeEncoder *enc, size_t bytes)
{
    if (enc->fixed_qp || enc->target_bits <= 0)
        return;
    int64_t bits = (int64_t)bytes * 8, t = enc->target_bits;
    int step = 0;
    if (bits * 100 > t * 150)
        step = 2;
    else if (bits * 100 > t * 115)
        step = 1;
    else if (bits * 100 < t * 50)
        step = -2;
    else if (bits * 100 < t * 85)
        step = -1;
    enc->qp += step;
    if (enc->qp < RATE_QP_MIN)
        enc->qp = RATE_QP_MIN;
    if (enc->qp > RATE_QP_MAX)
        enc->qp = RATE_QP_MAX;
}

static int frame_error(const TkComputeEncoder *enc, int64_t pts, int res)
{
    tk_log_error(enc->log, "compute encoder: frame %lld failed (%s)", (long long)pts,
                 talkie_strerror(res));
    return res == TALKIE_ERR(ENOMEM) || res == TALKIE_ERROR_VULKAN ||
           res == TALKIE_ERROR_VALIDATION || res == TALKIE_ERROR_DEVICE_LOST
               ? res : TALKIE_ERROR_ENCODER;
}

static int compute_submit(void *ctx, const TkEncoderFrame *frame)
{
    TkComputeEncoder *enc = ctx;
    if (enc->flushed || !frame || !frame->gpu)
        return TALKIE_ERR(EINVAL);
    if (enc->has_pending)
        return TALKIE_ERR(EAGAIN);
    set_bitrate(enc, frame->bitrate_bps, enc->gpu->params.fps_num, enc->gpu->params.fps_den);
    TkEncoderGpuFrame f = { .encoder = enc->gpu, .src = frame->gpu, .qp = enc->qp,
                            .force_idr = frame->force_idr };
    int res = tk_encoder_gpu_encode_batch(&f, 1, &enc->gpu->cmd);
    if (res >= 0)
        res = f.result;
    uint8_t *au = f.au;
    size_t size = f.au_size;
    int idr = f.idr;
    if (res < 0) {
        free(au);
        return frame_error(enc, frame->pts, res);
    }
    adjust_qp(enc, size);
    memset(&enc->pending, 0, sizeof(enc->pending));
    enc->pending.data = au;
    enc->pending.size = size;
    enc->pending.pts = frame->pts;
    enc->pending.dts = frame->pts; /* no reordering */
    enc->pending.keyframe = idr;
    enc->has_pending = 1;
    return 0;
}

static int compute_receive(void *ctx, TalkiePacket *pkt)
{
    TkComputeEncoder *enc = ctx;
    memset(pkt, 0, sizeof(*pkt));
    if (!enc->has_pending)
        return enc->flushed ? TALKIE_EOF : TALKIE_ERR(EAGAIN);
    *pkt = enc->pending; /* ownership of data moves to the caller */
    memset(&enc->pending, 0, sizeof(enc->pending));
    enc->has_pending = 0;
    return 0;
}

/* The batch's frames as encoder_gpu.h takes them: a small array per batch. */
static TkEncoderGpuFrame *gpu_frames(const TkEncoderJob *jobs, int n)
{
    TkEncoderGpuFrame *frames = calloc((size_t)n, sizeof(*frames));
    for (int i = 0; frames && i < n; i++) {
        const TkComputeEncoder *enc = jobs[i].encoder;
        frames[i] = (TkEncoderGpuFrame){ .encoder = enc->gpu, .src = jobs[i].frame.gpu,
                                         .qp = enc->qp, .force_idr = jobs[i].frame.force_idr };
    }
    return frames;
}

static int compute_record(TkEncoderJob *jobs, int n, TkVkCmd *cmd)
{
    for (int i = 0; i < n; i++) {
        TkComputeEncoder *enc = jobs[i].encoder;
        if (enc->flushed || !jobs[i].frame.gpu)
            return TALKIE_ERR(EINVAL);
        set_bitrate(enc, jobs[i].frame.bitrate_bps, enc->gpu->params.fps_num,
                    enc->gpu->params.fps_den);
    }
    TkEncoderGpuFrame *frames = gpu_frames(jobs, n);
    if (!frames)
        return TALKIE_ERR(ENOMEM);
    int res = tk_encoder_gpu_batch_record(frames, n, cmd);
    for (int i = 0; i < n; i++)
        jobs[i].result = frames[i].result;
    free(frames);
    return res;
}

static int compute_collect(TkEncoderJob *jobs, int n)
{
    TkEncoderGpuFrame *frames = gpu_frames(jobs, n);
    if (!frames)
        return TALKIE_ERR(ENOMEM);
    tk_encoder_gpu_batch_collect(frames, n);
    int first = 0;
    for (int i = 0; i < n; i++) {
        TkEncoderJob *job = &jobs[i];
        TkComputeEncoder *enc = job->encoder;
        memset(&job->packet, 0, sizeof(job->packet));
        job->result = frames[i].result;
        if (job->result < 0) {
            free(frames[i].au);
            job->result = frame_error(enc, job->frame.pts, job->result);
            first = first ? first : job->result;
            continue;
        }
        adjust_qp(enc, frames[i].au_size);
        job->packet.data = frames[i].au;
        job->packet.size = frames[i].au_size;
        job->packet.pts = job->frame.pts;
        job->packet.dts = job->frame.pts; /* no reordering */
        job->packet.keyframe = frames[i].idr;
    }
    free(frames);
    return first;
}

static int compute_stream_info(void *ctx, TalkieStreamInfo *info)
{
    const TkEncoderGpu *gpu = ((const TkComputeEncoder *)ctx)->gpu;
    /* The parameter sets exactly as an IDR access unit carries them: one with no slices. */
    uint8_t *au = NULL;
    size_t size = 0;
    int res = tk_h264_au_write(&gpu->config, 1, 0, NULL, 0, NULL, 0, &au, &size);
    if (res >= 0)
        res = tk_encoder_stream_info_from_annexb(info, au, size);
    free(au);
    return res;
}

static int compute_flush(void *ctx)
{
    TkComputeEncoder *enc = ctx;
    enc->flushed = 1;
    return 0;
}

const TkEncoderBackend tk_encoder_compute = {
    .name = "compute",
    .id = TALKIE_ENCODER_COMPUTE,
    .input = TK_ENCODER_INPUT_BUFFER,
    .probe = compute_probe,
    .open = compute_open,
    .record = compute_record,
    .collect = compute_collect,
    .stream_info = compute_stream_info,
    .submit = compute_submit,
    .receive = compute_receive,
    .flush = compute_flush,
    .close = compute_close,
};
