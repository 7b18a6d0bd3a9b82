/*
 * Lower QP under subtitle text, end to end on the C reference encoder: a rendered
 * conversation whose text map comes from the composer's draw list (render/text_map.h) is
 * encoded with text_qp_offset 0 and -6 at the same frame QP, I and P pictures; libavcodec
 * decodes every frame (strict) to exactly the encoder's reconstruction, so the mb_qp_delta
 * and the per-macroblock QP_Y of deblocking are right as a decoder sees them; then:
 *   - the map marks macroblocks only inside the subtitle's text box, some in every frame
 *     that shows text, and none in a frame without;
 *   - every text macroblock that codes mb_qp_delta has QP_Y = frame QP - 6, every other
 *     one that codes it the frame QP, and the streams carry non-zero mb_qp_delta;
 *   - the text macroblocks' PSNR (decoded against the source) is higher by at least 1 dB,
 *     and the stream bigger, while the rest of the picture stays within 0.3 dB.
 * Then the encoder's own map on a still picture whose text map changes: a static macroblock
 * with the same reference (TK_SKIP_MAP_STATIC_SAME_REF) keeps "no residual" from the last
 * picture only at the QP it had then; the stream equals one whose residuals are all
 * computed (a caller's all-static map), and the text QP really added residual there.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "encode/compute/encoder_ref.h"
#include "pframe_sources.h"
#include "render/text_map.h"
#include "strict_decoder.h"

typedef struct Result {
    size_t bytes;
    double sse_text, sse_rest;
    long n_text, n_rest; /* samples */
    long deltas;         /* macroblocks with mb_qp_delta != 0 */
} Result;

/* Squared error of macroblock m (luma and both chroma planes) of the decoded frame. */
static double mb_sse(const AVFrame *f, const uint8_t *src, const TkFrameLayout *l, int m,
                     long *samples)
{
    int mx = m % l->mb_width, my = m / l->mb_width;
    double sse = 0;
    for (int y = my * 16; y < my * 16 + 16 && y < l->height; y++)
        for (int x = mx * 16; x < mx * 16 + 16 && x < l->width; x++) {
            double d = src[(size_t)y * l->luma_stride + x] - f->data[0][y * f->linesize[0] + x];
            sse += d * d;
            ++*samples;
        }
    for (int y = my * 8; y < my * 8 + 8 && y < l->height / 2; y++)
        for (int x = mx * 8; x < mx * 8 + 8 && x < l->width / 2; x++)
            for (int c = 0; c < 2; c++) {
                double d = src[l->chroma_offset + (size_t)y * l->luma_stride + 2 * x + c] -
                           f->data[1 + c][y * f->linesize[1 + c] + x];
                sse += d * d;
                ++*samples;
            }
    return sse;
}

static double psnr(double sse, long n)
{
    return sse <= 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 * (double)n / sse);
}

/* The rendered conversation (skips the test without a font). */
static void open_conversation(Source *src, const TkFrameLayout *l, uint32_t seed)
{
    int res = source_open(src, SRC_CONVERSATION, l, seed);
    if (res == 1)
        tk_check_skip("no font");
    CHECK_EQ(res, 0);
}

static void run(int qp, int offset, int frames, Result *out)
{
    memset(out, 0, sizeof(*out));
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(320, 240), .fps_num = 30, .fps_den = 1, .keyint = 10,
        .slice_mb_rows = 15, .idr_slice_mb_rows = 1, .deblock = TK_DEBLOCK_AUTO,
        .p_frames = 1, .auto_skip_map = 1, .text_qp_offset = offset,
    };
    const TkFrameLayout *l = &p.layout;
    int n_mbs = l->mb_width * l->mb_height;
    Source src;
    open_conversation(&src, l, 1);
    TkEncoderRef *e = NULL;
    CHECK_EQ(tk_encoder_ref_open(&e, &p), 0);
    StrictDecoder d;
    CHECK_EQ(strict_decoder_open(&d), 0);
    uint8_t *img = malloc(l->size), *map = malloc((size_t)n_mbs);
    if (!e || !img || !map) {
        CHECK(0);
        goto done;
    }
    int text_frames = 0;
    for (int i = 0; i < frames; i++) {
        CHECK_EQ(source_frame(&src, i * 4, img), 0); /* 7.5 frames/s: the text moves on */
        const TkComposerLayout *lay = tk_composer_layout(src.composer);
        int marked = tk_text_map_build(&src.dl, lay->subtitle_run, l->mb_width, l->mb_height,
                                       map);
        text_frames += marked > 0;
        CHECK_EQ(marked > 0, lay->subtitle_run >= 0);
        for (int m = 0; m < n_mbs; m++) {
            int mx = m % l->mb_width, my = m / l->mb_width;
            int inside = mx * 16 + 16 > lay->text.x0 && mx * 16 < lay->text.x1 &&
                         my * 16 + 16 > lay->text.y0 && my * 16 < lay->text.y1;
            if (map[m])
                CHECK(inside);
        }
        TkEncoderRefFrame in = { .src = img, .qp = qp, .text_map = map };
        uint8_t *au = NULL;
        size_t size = 0;
        int idr = 0;
        CHECK_EQ(tk_encoder_ref_encode_frame(e, &in, &au, &size, &idr), 0);
        out->bytes += size;
        int text_qp = TK_TEXT_QP(qp, offset);
        for (int m = 0; m < n_mbs; m++) {
            const TkCodedMb *c = &e->coded[m];
            out->deltas += c->qp_delta != 0;
            if (tk_coded_mb_codes_qp_delta(c))
                CHECK_EQ(c->qp_y, map[m] ? text_qp : qp);
        }
        uint8_t *padded = calloc(1, size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!padded || !au) {
            CHECK(0);
            free(au);
            free(padded);
            break;
        }
        memcpy(padded, au, size);
        free(au);
        d.pkt->data = padded;
        d.pkt->size = (int)size;
        CHECK_EQ(avcodec_send_packet(d.ctx, d.pkt), 0);
        free(padded);
        CHECK_EQ(avcodec_receive_frame(d.ctx, d.frame), 0);
        CHECK_EQ(frame_equals_recon(d.frame, tk_encoder_ref_recon(e), l, "text qp"), 0);
        for (int m = 0; m < n_mbs; m++) {
            if (map[m])
                out->sse_text += mb_sse(d.frame, img, l, m, &out->n_text);
            else
                out->sse_rest += mb_sse(d.frame, img, l, m, &out->n_rest);
        }
        av_frame_unref(d.frame);
    }
    CHECK(text_frames > frames / 2);
done:
    strict_decoder_close(&d);
    tk_encoder_ref_close(&e);
    free(img);
    free(map);
    source_close(&src);
}

/* A still frame, text toggling on and off over part of it every other picture: the own
 * map's reuse against a reference that computes every residual. */
static void check_reuse(void)
{
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(320, 240), .fps_num = 30, .fps_den = 1, .keyint = 100,
        .slice_mb_rows = 15, .deblock = TK_DEBLOCK_AUTO, .p_frames = 1, .auto_skip_map = 1,
        .text_qp_offset = -6,
    };
    TkEncoderRefParams tp = p;
    tp.auto_skip_map = 0;
    const TkFrameLayout *l = &p.layout;
    int n_mbs = l->mb_width * l->mb_height;
    Source src;
    open_conversation(&src, l, 2);
    TkEncoderRef *own = NULL, *full = NULL;
    CHECK_EQ(tk_encoder_ref_open(&own, &p), 0);
    CHECK_EQ(tk_encoder_ref_open(&full, &tp), 0);
    uint8_t *img = malloc(l->size), *map = malloc((size_t)n_mbs);
    uint8_t *all_static = malloc((size_t)n_mbs);
    if (!own || !full || !img || !map || !all_static) {
        CHECK(0);
        goto done;
    }
    CHECK_EQ(source_frame(&src, 40, img), 0);
    memset(all_static, TK_SKIP_MAP_STATIC, (size_t)n_mbs);
    long toggled_coded = 0;
    for (int i = 0; i < 10; i++) {
        /* the top half is "text" in frames 3, 4, 7, 8 */
        for (int m = 0; m < n_mbs; m++)
            map[m] = (i % 4 == 3 || i % 4 == 0) && i > 0 && m < n_mbs / 2 ? TK_TEXT_MAP_TEXT : 0;
        TkEncoderRefFrame a = { .src = img, .qp = 36, .text_map = map };
        TkEncoderRefFrame b = { .src = img, .qp = 36, .text_map = map,
                                .skip_map = i > 0 ? all_static : NULL };
        uint8_t *au_a = NULL, *au_b = NULL;
        size_t n_a = 0, n_b = 0;
        int idr_a, idr_b;
        CHECK_EQ(tk_encoder_ref_encode_frame(own, &a, &au_a, &n_a, &idr_a), 0);
        CHECK_EQ(tk_encoder_ref_encode_frame(full, &b, &au_b, &n_b, &idr_b), 0);
        int same = au_a && au_b && n_a == n_b && !memcmp(au_a, au_b, n_a);
        if (!same)
            fprintf(stderr, "reuse: frame %d: own map %zu bytes, all computed %zu\n", i, n_a,
                    n_b);
        CHECK(same);
        /* where the text QP starts, residual left at the frame QP gets coded */
        if (i % 4 == 3)
            for (int m = 0; m < n_mbs / 2; m++)
                toggled_coded += own->coded[m].cbp != 0;
        free(au_a);
        free(au_b);
    }
    printf("still picture, text toggled: streams equal; %ld macroblocks coded a residual "
           "when their QP dropped\n", toggled_coded);
    CHECK(toggled_coded > 0);
done:
    tk_encoder_ref_close(&own);
    tk_encoder_ref_close(&full);
    free(img);
    free(map);
    free(all_static);
    source_close(&src);
}

int main(void)
{
    check_reuse();
    static const int qps[] = { 26, 36 };
    for (int k = 0; k < 2; k++) {
        Result base, text;
        run(qps[k], 0, 24, &base);
        run(qps[k], -6, 24, &text);
        double gain = psnr(text.sse_text, text.n_text) - psnr(base.sse_text, base.n_text);
        double rest = psnr(text.sse_rest, text.n_rest) - psnr(base.sse_rest, base.n_rest);
        printf("qp %d: offset 0: %zu bytes, text %.2f dB, rest %.2f dB; offset -6: %zu bytes "
               "(%+.1f%%), text %.2f dB (%+.2f), rest %.2f dB (%+.2f); %ld non-zero "
               "mb_qp_delta\n", qps[k], base.bytes, psnr(base.sse_text, base.n_text),
               psnr(base.sse_rest, base.n_rest), text.bytes,
               100.0 * ((double)text.bytes / (double)base.bytes - 1.0),
               psnr(text.sse_text, text.n_text), gain, psnr(text.sse_rest, text.n_rest), rest,
               text.deltas);
        CHECK_EQ(base.deltas, 0);
        CHECK(text.deltas > 0);
        CHECK(gain >= 1.0);
        CHECK(text.bytes > base.bytes);
        CHECK(rest > -0.3 && rest < 0.3);
        CHECK_EQ(base.n_text, text.n_text);
    }
    return tk_check_finish();
}
