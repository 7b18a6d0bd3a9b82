#include "strict_decoder.h"

#include <stdio.h>
#include <string.h>

int strict_decoder_open(StrictDecoder *d)
{
    memset(d, 0, sizeof(*d));
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    d->ctx = codec ? avcodec_alloc_context3(codec) : NULL;
    d->pkt = av_packet_alloc();
    d->frame = av_frame_alloc();
    if (!d->ctx || !d->pkt || !d->frame)
        return -1;
    d->ctx->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM;
    d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    d->ctx->thread_count = 1;
    return avcodec_open2(d->ctx, codec, NULL);
}

void strict_decoder_close(StrictDecoder *d)
{
    av_frame_free(&d->frame);
    av_packet_free(&d->pkt);
    avcodec_free_context(&d->ctx);
}

int frame_equals_recon(const AVFrame *f, const uint8_t *recon, const TkFrameLayout *l,
                       const char *what)
{
    if (f->width != l->width || f->height != l->height || f->format != AV_PIX_FMT_YUV420P ||
        f->decode_error_flags) {
        fprintf(stderr, "%s: decoded %dx%d format %d errors %d, expected %dx%d\n", what,
                f->width, f->height, f->format, f->decode_error_flags, l->width, l->height);
        return -1;
    }
    for (int y = 0; y < l->height; y++)
        for (int x = 0; x < l->width; x++) {
            int ours = recon[(size_t)y * l->luma_stride + x];
            int theirs = f->data[0][(size_t)y * f->linesize[0] + x];
            if (ours != theirs) {
                fprintf(stderr, "%s: luma (%d,%d) (mb %d,%d): recon %d decoded %d\n", what, x,
                        y, x / 16, y / 16, ours, theirs);
                return -1;
            }
        }
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++)
            for (int c = 0; c < 2; c++) {
                int ours = recon[l->chroma_offset + (size_t)y * l->luma_stride + 2 * x + c];
                int theirs = f->data[1 + c][(size_t)y * f->linesize[1 + c] + x];
                if (ours != theirs) {
                    fprintf(stderr, "%s: chroma %d (%d,%d) (mb %d,%d): recon %d decoded %d\n",
                            what, c, x, y, x / 8, y / 8, ours, theirs);
                    return -1;
                }
            }
    return 0;
}
