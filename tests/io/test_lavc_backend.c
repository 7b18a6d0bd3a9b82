/*
 * The libavcodec backend on its own (no Vulkan: frames come from host memory): encodes a few
 * synthetic NV12 frames, checks the send/receive contract of encode/backend.h, the packets
 * (pts, keyframes every keyint with SPS/PPS in-band, constrained baseline), then decodes them
 * with libavcodec's H.264 decoder and compares the pictures with the input (size, VUI colour,
 * PSNR).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "encode/backend.h"
#include "synth.h"
#include "../common/check.h"

enum { MAX_PACKETS = 64 };

typedef struct Encoded {
    TalkiePacket pkts[MAX_PACKETS];
    int n;
} Encoded;

/* Returns the first NAL unit of type `type` in an Annex B buffer, or NULL. */
static const uint8_t *find_nal(const uint8_t *p, size_t n, int type)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && (p[i + 3] & 0x1f) == type)
            return p + i + 3;
    return NULL;
}

static void drain(const TkEncoderBackend *be, void *ctx, Encoded *e, int want)
{
    for (;;) {
        TalkiePacket pkt;
        int res = be->receive(ctx, &pkt);
        if (res == want)
            return;
        if (res < 0) {
            fprintf(stderr, "receive: %s\n", talkie_strerror(res));
            CHECK_EQ(res, want);
            return;
        }
        if (e->n < MAX_PACKETS)
            e->pkts[e->n++] = pkt;
        else
            free(pkt.data);
    }
}

/* Encodes n frames of `l` with qp (or bitrate) and keyint; returns 0 on success. */
static int encode(Encoded *e, const TkFrameLayout *l, int n, int qp, int64_t bitrate, int keyint)
{
    const TkEncoderBackend *be = &tk_encoder_lavc;
    TkEncoderParams params = {
        .layout = *l, .fps_num = 30, .fps_den = 1, .qp = qp, .bitrate_bps = bitrate,
        .keyint = keyint, .vk = NULL, .log = NULL,
    };
    memset(e, 0, sizeof(*e));
    if (be->probe(&params) < 0)
        tk_check_skip("libx264 not available");
    void *ctx = NULL;
    int res = be->open(&ctx, &params);
    CHECK_EQ(res, 0);
    if (res < 0)
        return res;
    uint8_t *img = malloc(l->size);
    CHECK(img != NULL);
    if (!img) {
        be->close(&ctx);
        return -1;
    }
    int i = 0;
    /* The contract: frames are taken until the encoder holds output, then submit says
     * EAGAIN and takes nothing. Zero latency means that happens within a couple of frames. */
    for (; i < n; i++) {
        tk_synth_frame(img, l, i);
        TkEncoderFrame f = { .gpu = NULL, .host = img, .pts = i };
        res = be->submit(ctx, &f);
        if (res == TALKIE_ERR(EAGAIN))
            break;
        CHECK_EQ(res, 0);
    }
    CHECK_CMP(i, <=, 2);
    CHECK_EQ(e->n, 0);
    drain(be, ctx, e, TALKIE_ERR(EAGAIN));
    CHECK_EQ(e->n, i); /* every frame taken came out, none of the refused one */
    for (; i < n; i++) {
        tk_synth_frame(img, l, i);
        TkEncoderFrame f = { .gpu = NULL, .host = img, .pts = i };
        while ((res = be->submit(ctx, &f)) == TALKIE_ERR(EAGAIN))
            drain(be, ctx, e, TALKIE_ERR(EAGAIN));
        CHECK_EQ(res, 0);
        /* zero latency: after a drain, every frame sent is a packet */
        drain(be, ctx, e, TALKIE_ERR(EAGAIN));
        CHECK_EQ(e->n, i + 1);
    }
    CHECK_EQ(be->flush(ctx), 0);
    drain(be, ctx, e, TALKIE_EOF);
    TkEncoderFrame late = { .host = img, .pts = n };
    CHECK_EQ(be->submit(ctx, &late), TALKIE_ERR(EINVAL));
    be->close(&ctx);
    CHECK(ctx == NULL);
    free(img);
    return 0;
}

static double psnr(const uint8_t *a, size_t astride, const uint8_t *b, size_t bstride, int w,
                   int h)
{
    double se = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = (double)a[(size_t)y * astride + (size_t)x] - b[(size_t)y * bstride + (size_t)x];
            se += d * d;
        }
    double mse = se / ((double)w * h);
    return mse == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 / mse);
}

/* Decodes every packet; checks size, colour and PSNR against the synthetic source. Returns
 * the number of pictures decoded. */
static int decode_and_compare(const Encoded *e, const TkFrameLayout *l, double min_psnr)
{
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = avcodec_alloc_context3(dec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *pic = av_frame_alloc();
    uint8_t *img = malloc(l->size);
    CHECK(c && pkt && pic && img);
    if (!c || !pkt || !pic || !img || avcodec_open2(c, dec, NULL) < 0) {
        CHECK(0);
        return 0;
    }
    int decoded = 0;
    double worst_y = 99, worst_c = 99;
    for (int i = 0; i <= e->n; i++) {
        if (i < e->n) {
            pkt->data = e->pkts[i].data;
            pkt->size = (int)e->pkts[i].size;
            pkt->pts = e->pkts[i].pts;
            CHECK_EQ(avcodec_send_packet(c, pkt), 0);
        } else {
            CHECK_EQ(avcodec_send_packet(c, NULL), 0);
        }
        while (avcodec_receive_frame(c, pic) == 0) {
            CHECK_EQ(pic->width, l->width);
            CHECK_EQ(pic->height, l->height);
            CHECK_EQ(pic->format, AV_PIX_FMT_YUV420P);
            CHECK_EQ(pic->color_primaries, AVCOL_PRI_BT709);
            CHECK_EQ(pic->color_trc, AVCOL_TRC_BT709);
            CHECK_EQ(pic->colorspace, AVCOL_SPC_BT709);
            CHECK_EQ(pic->color_range, AVCOL_RANGE_MPEG);
            CHECK_EQ(pic->pts, decoded);
            tk_synth_frame(img, l, pic->pts);
            double py = psnr(pic->data[0], (size_t)pic->linesize[0], img, l->luma_stride,
                             l->width, l->height);
            /* the source's chroma is interleaved: compare Cb as every other byte by
             * de-interleaving into a scratch row */
            const uint8_t *src_c = img + l->chroma_offset;
            double se = 0;
            for (int y = 0; y < l->height / 2; y++)
                for (int x = 0; x < l->width / 2; x++) {
                    double du = (double)pic->data[1][(size_t)y * (size_t)pic->linesize[1] + (size_t)x] -
                                src_c[(size_t)y * l->luma_stride + 2 * (size_t)x];
                    double dv = (double)pic->data[2][(size_t)y * (size_t)pic->linesize[2] + (size_t)x] -
                                src_c[(size_t)y * l->luma_stride + 2 * (size_t)x + 1];
                    se += du * du + dv * dv;
                }
            double mse = se / ((double)l->width * l->height / 2);
            double pc = mse == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 / mse);
            worst_y = py < worst_y ? py : worst_y;
            worst_c = pc < worst_c ? pc : worst_c;
            decoded++;
        }
    }
    printf("decoded %d pictures %dx%d, worst PSNR Y %.2f dB, CbCr %.2f dB\n", decoded,
           l->width, l->height, worst_y, worst_c);
    CHECK_CMP(worst_y, >=, min_psnr);
    CHECK_CMP(worst_c, >=, min_psnr);
    free(img);
    av_frame_free(&pic);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return decoded;
}

static void free_encoded(Encoded *e)
{
    /* backend packets are plain malloc'd data (encode/backend.h), not yet owned by a session */
    for (int i = 0; i < e->n; i++)
        free(e->pkts[i].data);
}

static void test_qp(void)
{
    /* not a multiple of 16: the backend must crop to the visible part */
    TkFrameLayout l = tk_frame_layout(100, 60);
    const int n = 10, keyint = 4;
    Encoded e;
    if (encode(&e, &l, n, 22, 0, keyint) < 0)
        return;
    CHECK_EQ(e.n, n);
    for (int i = 0; i < e.n; i++) {
        const TalkiePacket *p = &e.pkts[i];
        CHECK_EQ(p->pts, i);
        CHECK_EQ(p->dts, i);
        CHECK(p->size > 0);
        CHECK_EQ(p->keyframe, i % keyint == 0);
        CHECK_EQ(p->data[0] == 0 && p->data[1] == 0 &&
                     (p->data[2] == 1 || (p->data[2] == 0 && p->data[3] == 1)), 1);
        const uint8_t *sps = find_nal(p->data, p->size, 7);
        const uint8_t *pps = find_nal(p->data, p->size, 8);
        const uint8_t *idr = find_nal(p->data, p->size, 5);
        CHECK_EQ(sps != NULL, p->keyframe);
        CHECK_EQ(pps != NULL, p->keyframe);
        CHECK_EQ(idr != NULL, p->keyframe);
        if (sps) {
            CHECK_EQ(sps[1], 66);            /* profile_idc: baseline */
            CHECK_EQ((sps[2] >> 6) & 1, 1);  /* constraint_set1: constrained baseline */
        }
    }
    CHECK_EQ(decode_and_compare(&e, &l, 34.0), n);
    free_encoded(&e);
}

static void test_bitrate(void)
{
    TkFrameLayout l = tk_frame_layout(64, 48);
    const int n = 30;
    Encoded lo, hi;
    if (encode(&lo, &l, n, -1, 30000, 30) < 0 || encode(&hi, &l, n, -1, 600000, 30) < 0)
        return;
    CHECK_EQ(lo.n, n);
    CHECK_EQ(hi.n, n);
    size_t lo_bytes = 0, hi_bytes = 0;
    for (int i = 0; i < lo.n; i++)
        lo_bytes += lo.pkts[i].size;
    for (int i = 0; i < hi.n; i++)
        hi_bytes += hi.pkts[i].size;
    printf("1 s at 30 kb/s: %zu bytes, at 600 kb/s: %zu bytes\n", lo_bytes, hi_bytes);
    /* the low target is respected within the VBV (one second of buffer: 2x slack) and the
     * high one buys more bits */
    CHECK_CMP(lo_bytes, <=, 2 * 30000 / 8);
    CHECK_CMP(hi_bytes, >, lo_bytes);
    CHECK_EQ(decode_and_compare(&lo, &l, 15.0), n);
    free_encoded(&lo);
    free_encoded(&hi);
}

static void test_bad_params(void)
{
    TkEncoderParams params = {
        .layout = tk_frame_layout(64, 48), .fps_num = 30, .fps_den = 1, .qp = -1,
        .bitrate_bps = 0, .keyint = 30,
    };
    void *ctx = (void *)&params;
    CHECK(tk_encoder_lavc.open(&ctx, &params) < 0); /* no QP and no bitrate */
    CHECK(ctx == NULL);
    params.qp = 20;
    params.keyint = 0;
    CHECK_EQ(tk_encoder_lavc.open(&ctx, &params), TALKIE_ERR(EINVAL));
    CHECK(ctx == NULL);
    tk_encoder_lavc.close(&ctx); /* closing nothing is fine */
}

int main(void)
{
    CHECK_EQ(tk_encoder_lavc.id, TALKIE_ENCODER_LAVC);
    CHECK_EQ(tk_encoder_lavc.input, TK_ENCODER_INPUT_HOST);
    test_qp();
    test_bitrate();
    test_bad_params();
    return tk_check_finish();
}
