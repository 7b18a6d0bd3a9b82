/*
 * The libavcodec encoder backend: libx264 on the CPU, for machines whose GPU cannot run the
 * compute encoder (and as the reference the other backends are compared with).
 *
 * It is configured to produce the same kind of stream as the GPU backends: constrained
 * baseline, no B frames, zero latency (one packet out per frame in), an IDR every `keyint`
 * frames with SPS/PPS repeated in-band, Annex B, and BT.709 limited-range VUI colour.
 * It reads the rendered frame from host memory (frame->host, NV12 as in common/frame.h).
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "common/av_log.h"
#include "encode/backend.h"
#include "encode/lavc/roi.h"

typedef struct TkLavcEncoder {
    AVCodecContext *avctx;
    int by_bitrate;   /* opened with a bitrate (libx264 can change the target, not the mode) */
    AVFrame *frame;   /* reused for every input picture */
    AVPacket *pkt;
    TkFrameLayout layout;
    const TkLog *log;
    int flushed;
    int text_qp_offset; /* TkEncoderParams.text_qp_offset: regions of interest (roi.h) */
} TkLavcEncoder;

static const AVCodec *find_x264(void)
{
    return avcodec_find_encoder_by_name("libx264");
}

/* libavcodec's AVERROR(e) is -e on every platform we build for; only its own codes need
 * mapping. */
static int map_averror(const TkLavcEncoder *enc, int err, const char *what)
{
    if (err == AVERROR(EAGAIN))
        return TALKIE_ERR(EAGAIN);
    if (err == AVERROR_EOF)
        return TALKIE_EOF;
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(enc->log, "lavc: %s failed: %s", what, msg);
    return TALKIE_ERROR_ENCODER;
}

static int lavc_probe(const TkEncoderParams *params)
{
    (void)params;
    return find_x264() ? 0 : TALKIE_ERROR_UNSUPPORTED;
}

static void lavc_close(void **ctx)
{
    TkLavcEncoder *enc = *ctx;
    if (!enc)
        return;
    tk_av_log_detach(enc->avctx);
    avcodec_free_context(&enc->avctx);
    av_frame_free(&enc->frame);
    av_packet_free(&enc->pkt);
    free(enc);
    *ctx = NULL;
}

/* Applies the rate control: constant QP, or an average bitrate held in check by a one-second
 * VBV so that a live stream never bursts far above the target. */
static int set_rate_control(TkLavcEncoder *enc, const TkEncoderParams *params)
{
    if (params->qp >= 0) {
        /* QP 0 means lossless to x264, which needs the High 4:4:4 profile; baseline's best is
         * QP 1, so 0 is taken as "as good as baseline allows". */
        int qp = params->qp < 1 ? 1 : params->qp;
        return av_opt_set_int(enc->avctx->priv_data, "qp", qp, 0);
    }
    if (params->bitrate_bps <= 0) {
        tk_log_error(enc->log, "lavc: neither a QP nor a bitrate was given");
        return AVERROR(EINVAL);
    }
    enc->by_bitrate = 1;
    enc->avctx->bit_rate = params->bitrate_bps;
    enc->avctx->rc_max_rate = params->bitrate_bps;
    enc->avctx->rc_buffer_size = params->bitrate_bps > INT32_MAX ? INT32_MAX
                                                                  : (int)params->bitrate_bps;
    return 0;
}

static int lavc_open(void **ctx, const TkEncoderParams *params)
{
    *ctx = NULL;
    const AVCodec *codec = find_x264();
    if (!codec)
        return TALKIE_ERROR_UNSUPPORTED;
    if (params->fps_num <= 0 || params->fps_den <= 0 || params->keyint < 1 ||
        params->layout.width <= 0 || params->layout.height <= 0)
        return TALKIE_ERR(EINVAL);

    TkLavcEncoder *enc = calloc(1, sizeof(*enc));
    if (!enc)
        return TALKIE_ERR(ENOMEM);
    *ctx = enc;
    enc->layout = params->layout;
    enc->log = params->log;
    enc->text_qp_offset = params->text_qp_offset;

    enc->avctx = avcodec_alloc_context3(codec);
    enc->frame = av_frame_alloc();
    enc->pkt = av_packet_alloc();
    /* libavcodec's messages go to the session's log */
    if (!enc->avctx || !enc->frame || !enc->pkt || tk_av_log_attach(enc->avctx, enc->log) < 0) {
        lavc_close(ctx);
        return TALKIE_ERR(ENOMEM);
    }

    AVCodecContext *c = enc->avctx;
    c->width = params->layout.width;
    c->height = params->layout.height;
    c->pix_fmt = AV_PIX_FMT_NV12;
    /* pts are frame indices, so the time base is one frame. */
    c->time_base = (AVRational){ params->fps_den, params->fps_num };
    c->framerate = (AVRational){ params->fps_num, params->fps_den };
    /* libx264's intra refresh sweeps once every keyint frames and then makes no periodic
     * IDR (only the first and forced ones): its period is the refresh cycle, whatever keyint
     * says */
    int gop = params->intra_refresh > 0 ? params->intra_refresh : params->keyint;
    c->gop_size = gop;
    c->keyint_min = gop;
    c->max_b_frames = 0;
    c->thread_count = 1;
    c->color_primaries = AVCOL_PRI_BT709;
    c->color_trc = AVCOL_TRC_BT709;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_range = AVCOL_RANGE_MPEG;
    c->chroma_sample_location = AVCHROMA_LOC_LEFT;
    /* SPS and PPS in extradata too, for stream_info before the first packet (repeat-headers
     * below keeps them in-band as well). */
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    int err = set_rate_control(enc, params);
    if (err >= 0)
        err = av_opt_set(c->priv_data, "preset", "veryfast", 0);
    if (err >= 0)
        err = av_opt_set(c->priv_data, "tune", "zerolatency", 0);
    if (err >= 0)
        err = av_opt_set(c->priv_data, "profile", "baseline", 0);
    /* repeat-headers: SPS/PPS before every IDR so a stream can be joined at any keyframe;
     * scenecut=0: IDRs only every keyint frames, where the session expects them;
     * log=-1: x264's own chatter (settings, statistics, per-frame lines at debug level) is
     * not wanted; libavcodec's messages reach the session's log (common/av_log.h). */
    if (err >= 0)
        err = av_opt_set(c->priv_data, "x264-params",
                         params->intra_refresh > 0
                             ? "repeat-headers=1:annexb=1:scenecut=0:log=-1:intra-refresh=1"
                             : "repeat-headers=1:annexb=1:scenecut=0:log=-1", 0);
    /* forced-idr: a keyframe request gives an IDR, where a new viewer can start. */
    if (err >= 0)
        err = av_opt_set_int(c->priv_data, "forced-idr", 1, 0);
    if (err < 0) {
        lavc_close(ctx);
        return err == AVERROR(EINVAL) ? TALKIE_ERR(EINVAL) : TALKIE_ERROR_ENCODER;
    }

    err = avcodec_open2(c, codec, NULL);
    if (err < 0) {
        int res = map_averror(enc, err, "opening libx264");
        lavc_close(ctx);
        return res;
    }

    enc->frame->format = AV_PIX_FMT_NV12;
    enc->frame->width = params->layout.width;
    enc->frame->height = params->layout.height;
    err = av_frame_get_buffer(enc->frame, 0);
    if (err < 0) {
        lavc_close(ctx);
        return TALKIE_ERR(ENOMEM);
    }
    return 0;
}

/* Copies the visible width x height of both NV12 planes into the encoder's frame. */
static void copy_visible(AVFrame *dst, const uint8_t *src, const TkFrameLayout *l)
{
    for (int y = 0; y < l->height; y++)
        memcpy(dst->data[0] + (size_t)y * (size_t)dst->linesize[0], src + (size_t)y * l->luma_stride,
               (size_t)l->width);
    const uint8_t *chroma = src + l->chroma_offset;
    for (int y = 0; y < l->height / 2; y++)
        memcpy(dst->data[1] + (size_t)y * (size_t)dst->linesize[1],
               chroma + (size_t)y * l->luma_stride, (size_t)l->width);
}

static int lavc_submit(void *ctx, const TkEncoderFrame *frame)
{
    TkLavcEncoder *enc = ctx;
    if (enc->flushed || !frame || !frame->host)
        return TALKIE_ERR(EINVAL);
    /* The encoder may still hold a reference to the previous picture; this gives us a buffer
     * of our own in that case. */
    int err = av_frame_make_writable(enc->frame);
    if (err < 0)
        return map_averror(enc, err, "allocating a frame");
    if (frame->bitrate_bps > 0) {
        if (!enc->by_bitrate)
            return TALKIE_ERROR_UNSUPPORTED;
        /* libavcodec's libx264 wrapper reconfigures x264 when these change between frames. */
        enc->avctx->bit_rate = frame->bitrate_bps;
        enc->avctx->rc_max_rate = frame->bitrate_bps;
        enc->avctx->rc_buffer_size = frame->bitrate_bps > INT32_MAX ? INT32_MAX
                                                                     : (int)frame->bitrate_bps;
    }
    copy_visible(enc->frame, frame->host, &enc->layout);
    err = tk_lavc_set_text_roi(enc->frame, frame->text_map, enc->layout.mb_width,
                               enc->layout.mb_height, enc->text_qp_offset);
    if (err < 0)
        return err;
    enc->frame->pts = frame->pts;
    enc->frame->pict_type = frame->force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    err = avcodec_send_frame(enc->avctx, enc->frame);
    if (err < 0)
        return map_averror(enc, err, "sending a frame");
    return 0;
}

static int lavc_receive(void *ctx, TalkiePacket *pkt)
{
    TkLavcEncoder *enc = ctx;
    memset(pkt, 0, sizeof(*pkt));
    int err = avcodec_receive_packet(enc->avctx, enc->pkt);
    if (err < 0)
        return map_averror(enc, err, "receiving a packet");

    int res = 0;
    pkt->data = malloc(enc->pkt->size > 0 ? (size_t)enc->pkt->size : 1);
    if (!pkt->data) {
        res = TALKIE_ERR(ENOMEM);
    } else {
        memcpy(pkt->data, enc->pkt->data, (size_t)enc->pkt->size);
        pkt->size = (size_t)enc->pkt->size;
        pkt->pts = enc->pkt->pts;
        pkt->dts = enc->pkt->dts;
        pkt->keyframe = !!(enc->pkt->flags & AV_PKT_FLAG_KEY);
    }
    av_packet_unref(enc->pkt);
    return res;
}

static int lavc_flush(void *ctx)
{
    TkLavcEncoder *enc = ctx;
    if (enc->flushed)
        return 0;
    int err = avcodec_send_frame(enc->avctx, NULL);
    if (err < 0)
        return map_averror(enc, err, "flushing");
    enc->flushed = 1;
    return 0;
}

static int lavc_stream_info(void *ctx, TalkieStreamInfo *info)
{
    const TkLavcEncoder *enc = ctx;
    return tk_encoder_stream_info_from_annexb(info, enc->avctx->extradata,
                                              (size_t)enc->avctx->extradata_size);
}

static int lavc_can_set_bitrate(void *ctx)
{
    return ((const TkLavcEncoder *)ctx)->by_bitrate;
}

const TkEncoderBackend tk_encoder_lavc = {
    .name = "lavc",
    .id = TALKIE_ENCODER_LAVC,
    .input = TK_ENCODER_INPUT_HOST,
    .probe = lavc_probe,
    .open = lavc_open,
    .submit = lavc_submit,
    .receive = lavc_receive,
    .flush = lavc_flush,
    .stream_info = lavc_stream_info,
    .can_set_bitrate = lavc_can_set_bitrate,
    .close = lavc_close,
};
