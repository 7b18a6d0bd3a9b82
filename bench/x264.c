#include "x264.h"

#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>

struct TkX264 {
    AVCodecContext *c;
    AVFrame *frame;
    AVPacket *pkt;
    TkFrameLayout layout;
};

void tk_x264_close(TkX264 **px)
{
    TkX264 *x = *px;
    if (!x)
        return;
    avcodec_free_context(&x->c);
    av_frame_free(&x->frame);
    av_packet_free(&x->pkt);
    free(x);
    *px = NULL;
}

int tk_x264_open(TkX264 **out, const TkFrameLayout *l, const char *preset, int qp, int intra_only)
{
    TkX264 *x = calloc(1, sizeof(*x));
    *out = NULL;
    if (!x)
        return -1;
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    x->layout = *l;
    x->c = codec ? avcodec_alloc_context3(codec) : NULL;
    x->frame = av_frame_alloc();
    x->pkt = av_packet_alloc();
    if (!x->c || !x->frame || !x->pkt)
        goto error;
    AVCodecContext *c = x->c;
    c->width = l->width;
    c->height = l->height;
    c->pix_fmt = AV_PIX_FMT_NV12;
    c->time_base = (AVRational){ 1, 30 };
    c->gop_size = intra_only ? 1 : 60;
    c->max_b_frames = 0;
    c->thread_count = 1;
    av_opt_set(c->priv_data, "preset", preset, 0);
    av_opt_set(c->priv_data, "tune", "zerolatency", 0);
    av_opt_set(c->priv_data, "profile", "baseline", 0);
    av_opt_set_int(c->priv_data, "qp", qp < 1 ? 1 : qp, 0);
    av_opt_set(c->priv_data, "x264-params", "annexb=1:scenecut=0:log=-1", 0);
    if (avcodec_open2(c, codec, NULL) < 0)
        goto error;
    x->frame->format = AV_PIX_FMT_NV12;
    x->frame->width = l->width;
    x->frame->height = l->height;
    *out = x;
    return 0;
error:
    tk_x264_close(&x);
    return -1;
}

int tk_x264_encode(TkX264 *x, const uint8_t *nv12, int64_t pts, uint8_t **packet, size_t *size)
{
    x->frame->data[0] = (uint8_t *)nv12;
    x->frame->data[1] = (uint8_t *)nv12 + x->layout.chroma_offset;
    x->frame->linesize[0] = x->frame->linesize[1] = (int)x->layout.luma_stride;
    x->frame->pts = pts;
    if (avcodec_send_frame(x->c, x->frame) < 0 || avcodec_receive_packet(x->c, x->pkt) < 0)
        return -1;
    *packet = calloc(1, (size_t)x->pkt->size + 64);
    if (!*packet)
        return -1;
    memcpy(*packet, x->pkt->data, (size_t)x->pkt->size);
    *size = (size_t)x->pkt->size;
    av_packet_unref(x->pkt);
    return 0;
}
