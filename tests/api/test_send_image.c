/*
 * talkie_session_send_image: the caller's pictures encoded instead of the conversation.
 *   - a moving pattern at 200x120 (not a multiple of 16), sent as YUV420P with padded
 *     strides, decodes with libavcodec to the right count, size and pts, close to the source
 *     (PSNR), on both backends;
 *   - the same pictures as NV12 give the same bitstream byte for byte;
 *   - rendered frames and pictures mix in one session;
 *   - bad images are refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "talkie/talkie.h"

enum { W = 200, H = 120, FRAMES = 12, PAD = 24 };

typedef struct Picture {
    uint8_t y[(W + PAD) * H], u[(W / 2 + PAD) * H / 2], v[(W / 2 + PAD) * H / 2];
    uint8_t uv[(W + PAD) * H / 2];
} Picture;

static void make_picture(Picture *p, int f)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            p->y[y * (W + PAD) + x] = (uint8_t)(16 + ((x * 3 + y * 2 + f * 5) % 200) +
                                                ((x / 8 + y / 8 + f) % 2) * 20);
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 2; x++) {
            uint8_t u = (uint8_t)(64 + (x + f * 2) % 128), v = (uint8_t)(64 + (y * 2 + f) % 128);
            p->u[y * (W / 2 + PAD) + x] = u;
            p->v[y * (W / 2 + PAD) + x] = v;
            p->uv[y * (W + PAD) + 2 * x] = u;
            p->uv[y * (W + PAD) + 2 * x + 1] = v;
        }
}

static TalkieImage as_yuv420p(const Picture *p)
{
    return (TalkieImage){ .format = TALKIE_PIXEL_YUV420P, .planes = { p->y, p->u, p->v },
                          .strides = { W + PAD, W / 2 + PAD, W / 2 + PAD } };
}

static TalkieImage as_nv12(const Picture *p)
{
    return (TalkieImage){ .format = TALKIE_PIXEL_NV12, .planes = { p->y, p->uv, NULL },
                          .strides = { W + PAD, W + PAD, 0 } };
}

typedef struct Out {
    uint8_t *data;
    size_t size, end[FRAMES];
    int64_t pts[FRAMES];
    int n;
} Out;

static void take(TalkieSession *ts, Out *o, int until_eof)
{
    TalkiePacket pkt;
    int r;
    while ((r = talkie_session_get_packet(ts, &pkt)) == 0) {
        o->data = realloc(o->data, o->size + pkt.size);
        memcpy(o->data + o->size, pkt.data, pkt.size);
        o->size += pkt.size;
        if (o->n < FRAMES) {
            o->end[o->n] = o->size;
            o->pts[o->n] = pkt.pts;
        }
        o->n++;
        talkie_packet_unref(&pkt);
    }
    CHECK_EQ(r, until_eof ? TALKIE_EOF : TALKIE_ERR(EAGAIN));
}

/* Sends the pattern (frame 5 rendered instead when `mix`), returns the packets. */
static int encode(TalkieEncoder encoder, int nv12, int mix, Out *o)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = W;
    s.height = H;
    s.encoder = encoder;
    s.qp = 12;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    TalkieSession *ts;
    int err = talkie_session_open(&ts, &s);
    if (err < 0)
        return err;
    static Picture p;
    for (int f = 0; f < FRAMES; f++) {
        make_picture(&p, f);
        TalkieImage im = nv12 ? as_nv12(&p) : as_yuv420p(&p);
        int r;
        while ((r = mix && f == 5 ? talkie_session_send_frame(ts, f)
                                  : talkie_session_send_image(ts, f, &im, NULL)) ==
               TALKIE_ERR(EAGAIN))
            take(ts, o, 0);
        CHECK_EQ(r, 0);
    }
    CHECK_EQ(talkie_session_flush(ts), 0);
    take(ts, o, 1);
    talkie_session_close(&ts);
    return 0;
}

/* Decodes and returns the mean luma PSNR against the pattern (frame `skip` left out). */
static double decoded_psnr(const Out *o, int skip)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    CHECK_EQ(avcodec_open2(c, codec, NULL), 0);
    static Picture p;
    double sum = 0;
    int count = 0, measured = 0;
    size_t start = 0;
    for (int i = 0; i <= o->n && i <= FRAMES; i++) {
        if (i == o->n || i == FRAMES) {
            avcodec_send_packet(c, NULL);
        } else {
            pkt->data = o->data + start;
            pkt->size = (int)(o->end[i] - start);
            pkt->pts = o->pts[i];
            start = o->end[i];
            CHECK_EQ(avcodec_send_packet(c, pkt), 0);
        }
        while (avcodec_receive_frame(c, fr) == 0) {
            CHECK_EQ(fr->width, W);
            CHECK_EQ(fr->height, H);
            CHECK_EQ(fr->pts, count);
            if (count != skip) {
                make_picture(&p, count);
                double sse = 0;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++) {
                        double d = fr->data[0][y * fr->linesize[0] + x] - p.y[y * (W + PAD) + x];
                        sse += d * d;
                    }
                sum += 10 * log10(255.0 * 255.0 / (sse / (W * H) + 1e-9));
                measured++;
            }
            count++;
        }
    }
    CHECK_EQ(count, FRAMES);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return measured ? sum / measured : 0;
}

static void check_backend(TalkieEncoder encoder)
{
    Out a = { 0 }, b = { 0 }, m = { 0 };
    int err = encode(encoder, 0, 0, &a);
    if (err == TALKIE_ERROR_UNSUPPORTED) {
        fprintf(stderr, "%s: not available here\n", talkie_encoder_name(encoder));
        return;
    }
    CHECK_EQ(err, 0);
    CHECK_EQ(encode(encoder, 1, 0, &b), 0);
    CHECK_EQ(encode(encoder, 0, 1, &m), 0);
    CHECK_EQ(a.n, FRAMES);
    CHECK_EQ(a.size, b.size);   /* NV12 and YUV420P of one picture: the same stream */
    if (a.size == b.size)
        CHECK(tk_check_bytes("nv12 vs yuv420p", a.data, b.data, a.size) < 0);
    double psnr = decoded_psnr(&a, -1);
    fprintf(stderr, "%s: %zu bytes, PSNR Y %.2f dB\n", talkie_encoder_name(encoder), a.size,
            psnr);
    CHECK_CMP(psnr, >, 38);
    /* a rendered frame in the middle: the others still the pictures */
    CHECK_EQ(m.n, FRAMES);
    CHECK_CMP(decoded_psnr(&m, 5), >, 38);
    free(a.data);
    free(b.data);
    free(m.data);
}

static void check_bad_images(void)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = W;
    s.height = H;
    s.encoder = TALKIE_ENCODER_LAVC;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    if (!ts)
        return;
    static Picture p;
    TalkieImage im = as_yuv420p(&p);
    CHECK_EQ(talkie_session_send_image(NULL, 0, &im, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_send_image(ts, 0, NULL, NULL), TALKIE_ERR(EINVAL));
    TalkieImage bad = im;
    bad.format = (TalkiePixelFormat)7;
    CHECK_EQ(talkie_session_send_image(ts, 0, &bad, NULL), TALKIE_ERR(EINVAL));
    bad = im;
    bad.planes[2] = NULL;
    CHECK_EQ(talkie_session_send_image(ts, 0, &bad, NULL), TALKIE_ERR(EINVAL));
    bad = im;
    bad.strides[0] = W - 1;
    CHECK_EQ(talkie_session_send_image(ts, 0, &bad, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_send_image(ts, -1, &im, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_send_image(ts, 3, &im, NULL), 0);
    CHECK_EQ(talkie_session_send_image(ts, 3, &im, NULL), TALKIE_ERR(EINVAL)); /* not after */
    talkie_session_close(&ts);   /* with a picture still queued: freed, no leak */
}

int main(void)
{
    TalkieDeviceInfo info[4];
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");
    check_bad_images();
    check_backend(TALKIE_ENCODER_LAVC);
    check_backend(TALKIE_ENCODER_COMPUTE);
    return tk_check_finish();
}
