/*
 * The "compute" encoder backend: talkie's own H.264 encoder in Vulkan compute shaders
 * (encoder_gpu.h: analysis, CAVLC and packing on the frame's GPU buffer, NAL framing on the
 * host). The engine records the frames of many sessions into one submission (record) and
 * frames the access units once it completed (collect). Tests also use the synchronous way:
 * submit() encodes the frame at once and keeps its packet until receive() takes it; a second
 * submit() before that answers EAGAIN.
 *
 * Rate: ratecontrol.h decides each frame's QP (constant, or by bitrate with a size cap a
 * frame). A frame over its cap is coded again at a higher QP: the encoder's picture is taken
 * back (tk_encoder_gpu_rewind: the GOP state, and a P picture's reference, which its encode
 * only read) and the same frame coded once more. submit() does that at once, on the
 * encoder's own command buffer, submitted and waited for. In the engine's record/collect way
 * collect() waits for nothing: it sends the frame back (TkEncoderJob.again, backend.h) and
 * the engine records it again in its next submission, beside other sessions' frames, while
 * the session's frame buffer still holds the picture (the session stays busy until its
 * packet is delivered). So one session's second coding never holds up the packets of the
 * others that the same completion thread delivers (bench/RESULTS.md, "Frames coded again
 * ride in the next batch").
 */
#include <stdlib.h>
#include <string.h>

#include "encode/h264/au.h"
#include "encode/backend.h"
#include "encode/compute/deblock_ref.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/ratecontrol.h"

/* Macroblock rows a slice when the settings leave it to the library (slice_mb_rows 0), chosen
 * by measurement (bench/RESULTS.md, "Slice height" and "BD-rate"): with P frames one slice a
 * picture: on the conversation BD-rate -20% against x264 ultrafast and +5% against veryfast,
 * where 4 rows give -5% / +25% and one row +48% / +93%, for 0.25 ms more a P picture on an H100
 * (its time is the analysis wavefront over the whole picture). Intra pictures (all-intra
 * streams, and the IDRs of P streams: idr_slice_mb_rows) keep one-row slices: an intra
 * picture's analysis is one chain a slice, and one row halves its GPU time against 4 rows
 * for 8-10% more bytes. */
#define DEFAULT_SLICE_MB_ROWS_P TALKIE_SLICE_MB_ROWS_MAX
#define DEFAULT_SLICE_MB_ROWS_INTRA 1
/* With P frames, the encoder finds the macroblocks that equal the previous frame itself
 * (encoder_ref.h auto_skip_map: one small dispatch before the analysis) and codes them
 * without a search, and without computing their residual where it is known to be none.
 * Nothing in the product hands it a map, and in conversation video most macroblocks of most
 * frames are unchanged, so this is where P frames get cheap (bench/RESULTS.md, "The
 * encoder's own skip map"). The streams stay valid either way: a static macroblock is still
 * coded against the reference, with a residual where needed. */
#define AUTO_SKIP_MAP 1

/* Intra macroblocks of P pictures are I16x16 only: the I4x4 trial, a chain of 16 blocks, is
 * most of a changed macroblock's time on the GPU's wavefront. Measured (bench/RESULTS.md, "I16x16
 * only in P pictures"): a 320x240 P frame on an H100 0.96 ms p50 / 2.9 ms p99 instead of 1.5 /
 * 4.7, for 0.9% of BD-rate on the conversation. */
#define P_I16x16_ONLY 1

typedef struct TkComputeEncoder {
    TkEncoderGpu *gpu;
    const TkLog *log;
    TkRateControl rc;
    int qp;               /* the QP of the frame being coded */
    int idr;              /* 1: that frame is an IDR */
    int attempt;          /* its codings so far less one (tk_rc_retry_qp's attempt) */
    int again_qp;         /* >= 0: collect() sent it back; the next record() codes it again
                             at this QP. -1 otherwise */
    TkH264Gop gop_before; /* the GOP state before it, to code it again */
    TalkiePacket pending; /* the encoded frame receive() has not taken yet */
    int has_pending;
    int flushed;
    TkVkBuffer text;      /* upload (text_qp_offset != 0): the frame's text map, a byte per
                             macroblock, which the GPU reads where it lies */
    int has_text;         /* the frame being coded has one (at least one macroblock) */
} TkComputeEncoder;

/* The rate control's params for these encoder params (checked by params_to_gpu);
 * max_bitrate_bps is the peak the level must hold (ratecontrol.h). */
static TkRateParams rate_params(const TkEncoderParams *params, const TkEncoderRefParams *p)
{
    TkPackDims d = tk_encoder_max_dims(p);
    TkRateParams r = { .fps_num = params->fps_num, .fps_den = params->fps_den,
                       .qp = params->qp, .bitrate_bps = params->bitrate_bps,
                       .n_mbs = (int)d.n_mbs, .n_slices = (int)d.n_slices,
                       .keyint = params->keyint };
    r.max_bitrate_bps = tk_rc_peak_bps(&r);
    return r;
}

/* The rate control of an encoder whose SPS signals config->level_idc: a later set_bitrate may
 * use all of that level (its MaxBR is above the opening peak, often well above: level 3.0
 * holds 12 Mbit/s, 400 kbit/s of target at 30 frames/s). */
static int rate_init(TkRateControl *rc, const TkEncoderParams *params,
                     const TkEncoderRefParams *p, const TkH264Config *config)
{
    TkRateParams r = rate_params(params, p);
    int64_t level_max = tk_h264_level_max_bitrate(config->level_idc);
    if (level_max > r.max_bitrate_bps)
        r.max_bitrate_bps = level_max;
    return tk_rc_init(rc, &r);
}

_Static_assert(TK_INTRA_REFRESH_MAX == TALKIE_INTRA_REFRESH_MAX, "one limit for both");

static int params_to_gpu(const TkEncoderParams *params, TkEncoderRefParams *p)
{
    if (params->fps_num <= 0 || params->fps_den <= 0 || params->keyint < 1 ||
        (params->qp < 0 && (params->qp != -1 || params->bitrate_bps <= 0)) ||
        params->qp > 51 || params->slice_mb_rows < 0 ||
        params->text_qp_offset < TK_TEXT_QP_OFFSET_MIN ||
        params->text_qp_offset > TK_TEXT_QP_OFFSET_MAX || params->intra_refresh < 0 ||
        params->intra_refresh > TK_INTRA_REFRESH_MAX)
        return TALKIE_ERR(EINVAL);
    memset(p, 0, sizeof(*p));
    p->layout = params->layout;
    p->fps_num = params->fps_num;
    p->fps_den = params->fps_den;
    p->keyint = params->keyint;
    p->aud = 0;
    p->p_frames = params->p_frames != 0;
    p->text_qp_offset = params->text_qp_offset;
    p->auto_skip_map = p->p_frames && AUTO_SKIP_MAP;
    p->p_i16x16_only = P_I16x16_ONLY;
    /* all-intra streams have nothing to refresh */
    p->intra_refresh = p->p_frames ? params->intra_refresh : 0;
    /* with P frames, AUTO deblocking means on (the filtered picture is the next one's
     * reference) */
    p->deblock = TK_DEBLOCK_AUTO;
    /* An intra refresh keeps the refreshed columns' MVs 3 samples clear of what the filter
     * changes at the refresh's edge, so the column beside it is coded again in every
     * picture; without the filter it need not be: on the conversation such streams are 30-40%
     * smaller and 0.3-0.7 dB better with it off (bench/RESULTS.md, "intra refresh"). */
    if (p->intra_refresh > 0)
        p->deblock = TK_DEBLOCK_OFF;
    p->slice_mb_rows = params->slice_mb_rows ? params->slice_mb_rows
                       : p->p_frames         ? DEFAULT_SLICE_MB_ROWS_P
                                             : DEFAULT_SLICE_MB_ROWS_INTRA;
    if (p->slice_mb_rows > p->layout.mb_height)
        p->slice_mb_rows = p->layout.mb_height; /* one slice a picture */
    /* left to the library, a P stream's IDRs keep the intra slices: one intra chain a
     * picture would make every IDR about 10x a P picture's latency at 320x240 */
    if (!params->slice_mb_rows && p->p_frames)
        p->idr_slice_mb_rows = DEFAULT_SLICE_MB_ROWS_INTRA;
    /* The level covers the most the stream can send (ratecontrol.h): a bitrate's peak with
     * every frame at its cap, or constant QP's worst frame at every frame. */
    p->bitrate_bps = rate_params(params, p).max_bitrate_bps;
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
    TkPackDims d = tk_encoder_max_dims(&p);
    return d.n_slices <= TK_PACK_GPU_MAX_SLICES ? 0 : TALKIE_ERROR_UNSUPPORTED;
}

static void compute_close(void **ctx)
{
    if (!ctx || !*ctx)
        return;
    TkComputeEncoder *enc = *ctx;
    if (enc->gpu)
        tk_vk_buffer_destroy(enc->gpu->dev, &enc->text);
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
    enc->again_qp = -1;
    res = tk_encoder_gpu_open(&enc->gpu, params->vk, &p);
    if (res >= 0)
        res = rate_init(&enc->rc, params, &p, &enc->gpu->config);
    if (res >= 0 && p.text_qp_offset != 0)
        res = tk_vk_buffer_create(params->vk, &enc->text,
                                  tk_change_map_bytes(&p.layout), TK_VK_MEMORY_UPLOAD);
    if (res < 0) {
        tk_log_error(enc->log, "compute encoder: cannot open (%s)", talkie_strerror(res));
        void *v = enc;
        compute_close(&v);
        return res;
    }
    *ctx = enc;
    return 0;
}

/* Before a frame: the target it brings, its type (the GOP decides; a keyframe request makes
 * an IDR), its QP, and the GOP state to go back to for a second coding. */
static void frame_plan(TkComputeEncoder *enc, const TkEncoderFrame *frame)
{
    tk_rc_set_bitrate(&enc->rc, frame->bitrate_bps);
    enc->gop_before = enc->gpu->gop;
    TkH264Gop g = enc->gpu->gop;
    TkH264SliceHeader pic = { 0 };
    if (frame->force_idr)
        tk_h264_gop_force_idr(&g);
    tk_h264_gop_next(&g, &pic);
    enc->idr = pic.idr;
    enc->qp = tk_rc_qp(&enc->rc, enc->idr);
    enc->attempt = 0;
    enc->again_qp = -1;
    /* the text map into the encoder's own buffer: the renderer's is the next frame's once
     * this one is recorded, while a second coding (frame_settle) still reads it */
    enc->has_text = frame->text_map && enc->text.map;
    if (enc->has_text)
        memcpy(enc->text.map, frame->text_map,
               (size_t)enc->gpu->params.layout.mb_width * enc->gpu->params.layout.mb_height);
}

static const TkVkBuffer *text_map(const TkComputeEncoder *enc)
{
    return enc->has_text ? &enc->text : NULL;
}

/* After a coding of the frame (enc->qp, enc->attempt) succeeded into f: the QP to code it
 * again at, with its access unit dropped and the encoder's picture taken back; or -1 when
 * it is kept, and the rate control has learnt its size. ratecontrol.h's loop, one step. */
static int frame_decide(TkComputeEncoder *enc, TkEncoderGpuFrame *f)
{
    int64_t bits = (int64_t)f->au_size * 8;
    int qp = tk_rc_retry_qp(&enc->rc, enc->idr, enc->qp, bits, enc->attempt);
    if (qp < 0) {
        tk_rc_update(&enc->rc, enc->idr, enc->qp, bits);
        return -1;
    }
    free(f->au);
    f->au = NULL; /* a submission that fails before recording leaves it as it is */
    f->au_size = 0;
    tk_encoder_gpu_rewind(enc->gpu, &enc->gop_before);
    enc->attempt++;
    return qp;
}

/* submit()'s way: codes the frame in f again while the rate control wants it smaller,
 * synchronously on the encoder's own command buffer. f->result < 0 when a second coding
 * failed. */
static void frame_settle(TkComputeEncoder *enc, TkEncoderGpuFrame *f)
{
    int qp;
    while (f->result >= 0 && (qp = frame_decide(enc, f)) >= 0) {
        enc->qp = qp;
        f->qp = qp;
        int res = tk_encoder_gpu_encode_batch(f, 1, &enc->gpu->cmd);
        if (res < 0 && f->result >= 0)
            f->result = res;
    }
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
    frame_plan(enc, frame);
    TkEncoderGpuFrame f = { .encoder = enc->gpu, .src = frame->gpu, .qp = enc->qp,
                            .force_idr = frame->force_idr, .text_map = text_map(enc) };
    int res = tk_encoder_gpu_encode_batch(&f, 1, &enc->gpu->cmd);
    if (res >= 0) {
        frame_settle(enc, &f);
        res = f.result;
    }
    uint8_t *au = f.au;
    size_t size = f.au_size;
    int idr = f.idr;
    if (res < 0) {
        free(au);
        return frame_error(enc, frame->pts, res);
    }
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
    TkEncoderGpuFrame *frames = n > 0 ? calloc((size_t)n, sizeof(*frames)) : NULL;
    for (int i = 0; frames && i < n; i++) {
        const TkComputeEncoder *enc = jobs[i].encoder;
        frames[i] = (TkEncoderGpuFrame){ .encoder = enc->gpu, .src = jobs[i].frame.gpu,
                                         .qp = enc->qp, .force_idr = jobs[i].frame.force_idr,
                                         .text_map = text_map(enc) };
    }
    return frames;
}

static int compute_record(TkEncoderJob *jobs, int n, TkVkCmd *cmd)
{
    if (n < 1)
        return TALKIE_ERR(EINVAL);
    for (int i = 0; i < n; i++) {
        TkComputeEncoder *enc = jobs[i].encoder;
        if (enc->flushed || !jobs[i].frame.gpu || (jobs[i].again && enc->again_qp < 0))
            return TALKIE_ERR(EINVAL);
        /* a frame sent back keeps its plan (type, GOP state before it, text map) and takes
         * the QP collect() chose; its encoder was rewound there */
        if (jobs[i].again)
            enc->qp = enc->again_qp;
        else
            frame_plan(enc, &jobs[i].frame);
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
    if (n < 1)
        return TALKIE_ERR(EINVAL);
    TkEncoderGpuFrame *frames = gpu_frames(jobs, n);
    if (!frames) {
        /* every frame fails: none is sent back, none has a packet */
        for (int i = 0; i < n; i++) {
            memset(&jobs[i].packet, 0, sizeof(jobs[i].packet));
            jobs[i].again = 0;
            jobs[i].result = TALKIE_ERR(ENOMEM);
        }
        return TALKIE_ERR(ENOMEM);
    }
    tk_encoder_gpu_batch_collect(frames, n);
    int first = 0;
    for (int i = 0; i < n; i++) {
        TkEncoderJob *job = &jobs[i];
        TkComputeEncoder *enc = job->encoder;
        memset(&job->packet, 0, sizeof(job->packet));
        job->again = 0;
        enc->again_qp = frames[i].result >= 0 ? frame_decide(enc, &frames[i]) : -1;
        if (enc->again_qp >= 0) {
            job->again = 1; /* no waiting here: the engine records it again (backend.h) */
            job->result = 0;
            continue;
        }
        job->result = frames[i].result;
        if (job->result < 0) {
            free(frames[i].au);
            job->result = frame_error(enc, job->frame.pts, job->result);
            first = first ? first : job->result;
            continue;
        }
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
