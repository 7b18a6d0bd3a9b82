/*
 * The periodic intra refresh of the C reference encoder (encoder_ref.h intra_refresh),
 * decoded by libavcodec. Per case (sources with motion in every direction, a pan that pulls
 * the picture leftwards so that its MVs point into the unrefreshed area, a conversation;
 * one slice and several; cycles shorter and longer than the picture is wide; periodic and
 * requested IDRs):
 *   - the access units: a recovery point SEI (with SPS and PPS) exactly at each cycle's first
 *     picture (the first P picture after an IDR, then every `refresh` P pictures), none
 *     elsewhere;
 *   - each P picture's refresh columns are intra macroblocks;
 *   - with the deblocking filter on (a margin of 3 luma columns) and off (none);
 *   - decoded from the start (strict), every picture equals the reconstruction;
 *   - clean refresh: decoded from a cycle's first picture on (everything before dropped, the
 *     missing reference concealed by libavcodec, every picture shown:
 *     AV_CODEC_FLAG2_SHOW_ALL), every picture from the cycle's last on equals the
 *     reconstruction exactly; the pictures before it mostly do not (printed: they show
 *     that the test sees a decoder without the history); and without SHOW_ALL libavcodec
 *     itself shows the first picture at the recovery point the SEI names.
 * Needs no GPU: the GPU encoder equals the C reference (test_encoder_gpu_p.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "encode/compute/encoder_ref.h"
#include "pframe_sources.h"
#include "strict_decoder.h"

typedef struct Case {
    int kind, w, h, qp, frames, refresh, keyint, idr_at, slice_mb_rows;
    int deblock_off; /* 1: no deblocking (no margin); else TK_DEBLOCK_AUTO, on in P streams */
} Case;

/* Whether the Annex B access unit holds a NAL unit of this type. */
static int has_nal(const uint8_t *au, size_t size, int type)
{
    for (size_t i = 0; i + 3 < size; i++)
        if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 && (au[i + 3] & 0x1f) == type)
            return 1;
    return 0;
}

/* Feeds access unit i to d; 1 with d->frame holding a picture, 0 when none came out, -1 on
 * an error. */
static int decode(StrictDecoder *d, const uint8_t *au, size_t size, int i)
{
    uint8_t *padded = calloc(1, size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!padded)
        return -1;
    memcpy(padded, au, size);
    d->pkt->data = padded;
    d->pkt->size = (int)size;
    d->pkt->pts = i;
    int res = avcodec_send_packet(d->ctx, d->pkt);
    free(padded);
    if (res < 0)
        return -1;
    res = avcodec_receive_frame(d->ctx, d->frame);
    return res == 0 ? 1 : res == AVERROR(EAGAIN) ? 0 : -1;
}

/* 1 when the decoded picture equals the reconstruction; says nothing either way. */
static int same_picture(const AVFrame *f, const uint8_t *recon, const TkFrameLayout *l)
{
    if (f->width != l->width || f->height != l->height || f->format != AV_PIX_FMT_YUV420P)
        return 0;
    for (int y = 0; y < l->height; y++)
        if (memcmp(recon + (size_t)y * l->luma_stride, f->data[0] + (size_t)y * f->linesize[0],
                   (size_t)l->width) != 0)
            return 0;
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++)
            for (int c = 0; c < 2; c++)
                if (recon[l->chroma_offset + (size_t)y * l->luma_stride + 2 * x + c] !=
                    f->data[1 + c][(size_t)y * f->linesize[1 + c] + x])
                    return 0;
    return 1;
}

/* A decoder that starts mid-stream: libavcodec's error concealment for the missing
 * reference, every picture shown (show_all) or only from the recovery point. */
static int open_joiner(StrictDecoder *d, int show_all)
{
    int res = strict_decoder_open(d);
    if (res < 0)
        return res;
    avcodec_close(d->ctx);
    d->ctx->err_recognition = 0;
    if (show_all)
        d->ctx->flags2 |= AV_CODEC_FLAG2_SHOW_ALL;
    return avcodec_open2(d->ctx, avcodec_find_decoder(AV_CODEC_ID_H264), NULL);
}

static void run_case(const Case *c)
{
    TkEncoderRefParams p = { .layout = tk_frame_layout(c->w, c->h), .fps_num = 30,
                             .fps_den = 1, .keyint = c->keyint,
                             .slice_mb_rows = c->slice_mb_rows,
                             .deblock = c->deblock_off ? TK_DEBLOCK_OFF : TK_DEBLOCK_AUTO,
                             .p_frames = 1, .auto_skip_map = 1, .intra_refresh = c->refresh };
    const TkFrameLayout *l = &p.layout;
    Source s;
    int res = source_open(&s, c->kind, l, (uint32_t)(c->qp * 3 + c->w + c->refresh));
    if (res == 1) {
        printf("%s: skipped (no font)\n", source_names[c->kind]);
        return;
    }
    CHECK_EQ(res, 0);
    if (res < 0)
        return;
    TkEncoderRef *e = NULL;
    uint8_t *img = malloc(l->size), **aus = calloc((size_t)c->frames, sizeof(*aus));
    uint8_t *recons = malloc((size_t)c->frames * l->size);
    size_t *sizes = calloc((size_t)c->frames, sizeof(*sizes));
    int *starts = calloc((size_t)c->frames, sizeof(*starts));
    int *idrs = calloc((size_t)c->frames, sizeof(*idrs));
    CHECK_EQ(tk_encoder_ref_open(&e, &p), 0);
    int ok = e && img && aus && recons && sizes && starts && idrs;
    CHECK(ok);

    /* encode; the SEI where a cycle starts; the refresh columns intra */
    long sei_ok = 0, intra_cols_ok = 0, p_pics = 0;
    int pos = 0; /* the next P picture's place in its cycle */
    for (int i = 0; ok && i < c->frames; i++) {
        CHECK_EQ(source_frame(&s, i, img), 0);
        TkEncoderRefFrame in = { .src = img, .qp = c->qp, .force_idr = i == c->idr_at };
        int idr = 0;
        CHECK_EQ(tk_encoder_ref_encode_frame(e, &in, &aus[i], &sizes[i], &idr), 0);
        if (!aus[i]) {
            ok = 0;
            break;
        }
        memcpy(recons + (size_t)i * l->size, tk_encoder_ref_recon(e), l->size);
        starts[i] = !idr && pos == 0;
        idrs[i] = idr;
        if (idr) {
            pos = 0;
        } else {
            pos = (pos + 1) % c->refresh;
            p_pics++;
            int intra = 1;
            for (int y = 0; y < l->mb_height; y++)
                for (int x = e->refresh.x0; x < e->refresh.x1; x++) {
                    int t = e->coded[y * l->mb_width + x].type;
                    intra &= t == TK_MB_I4x4 || t == TK_MB_I16x16;
                }
            CHECK(intra);
            intra_cols_ok += intra;
        }
        int sei = has_nal(aus[i], sizes[i], 6);
        int sps = has_nal(aus[i], sizes[i], 7);
        CHECK_EQ(sei, starts[i]);
        CHECK_EQ(sps, starts[i] || idr);
        sei_ok += sei == starts[i] && sps == (starts[i] || idr);
    }
    CHECK_EQ(sei_ok, c->frames);
    CHECK_EQ(intra_cols_ok, p_pics);

    /* from the start: every picture exact */
    StrictDecoder d;
    long exact = 0;
    CHECK_EQ(strict_decoder_open(&d), 0);
    for (int i = 0; ok && i < c->frames; i++)
        if (decode(&d, aus[i], sizes[i], i) == 1) {
            exact += frame_equals_recon(d.frame, recons + (size_t)i * l->size, l,
                                        "from the start") == 0;
            av_frame_unref(d.frame);
        }
    strict_decoder_close(&d);
    CHECK_EQ(exact, c->frames);

    /* from each cycle's first picture (at most 4 of them) */
    int joins = 0;
    long recovered = 0, recoverable = 0, before_differ = 0, before = 0;
    for (int j = 0; ok && j < c->frames && joins < 4; j++) {
        int end = j + c->refresh - 1; /* the cycle's last picture: the first exact one */
        int idr_inside = 0;
        for (int i = j; i <= end && i < c->frames; i++)
            idr_inside |= idrs[i];
        if (!starts[j] || end >= c->frames || idr_inside)
            continue;
        joins++;
        StrictDecoder all, shown;
        CHECK_EQ(open_joiner(&all, 1), 0);
        CHECK_EQ(open_joiner(&shown, 0), 0);
        int first_shown = -1;
        for (int i = j; i < c->frames; i++) {
            if (decode(&all, aus[i], sizes[i], i) == 1) {
                const uint8_t *rec = recons + (size_t)i * l->size;
                int same = i >= end ? frame_equals_recon(all.frame, rec, l,
                                                         "joined at a cycle's start") == 0
                                    : same_picture(all.frame, rec, l);
                if (i >= end) {
                    recoverable++;
                    recovered += same;
                } else {
                    before++;
                    before_differ += !same;
                }
                av_frame_unref(all.frame);
            } else if (i >= end) {
                recoverable++; /* no picture where one must be */
            }
            if (decode(&shown, aus[i], sizes[i], i) == 1) {
                if (first_shown < 0)
                    first_shown = (int)shown.frame->pts;
                av_frame_unref(shown.frame);
            }
        }
        CHECK_EQ(first_shown, end);
        strict_decoder_close(&all);
        strict_decoder_close(&shown);
    }
    printf("%-12s %dx%d qp %2d refresh %2d keyint %4d idr at %3d slice rows %d deblock %s: "
           "%d frames, "
           "SEI/SPS right in %ld, refresh columns intra in %ld/%ld P pictures, %ld exact "
           "from the start; %d joins: %ld/%ld pictures from the cycles' ends exact (%ld/%ld "
           "before them differ)\n",
           source_names[c->kind], c->w, c->h, c->qp, c->refresh, c->keyint, c->idr_at,
           c->slice_mb_rows, c->deblock_off ? "off" : "on", c->frames, sei_ok, intra_cols_ok, p_pics, exact, joins,
           recovered, recoverable, before_differ, before);
    CHECK(joins > 0);
    CHECK_EQ(recovered, recoverable);
    for (int i = 0; aus && i < c->frames; i++)
        free(aus[i]);
    free(aus);
    free(recons);
    free(sizes);
    free(starts);
    free(idrs);
    free(img);
    tk_encoder_ref_close(&e);
    source_close(&s);
}

int main(void)
{
    static const Case cases[] = {
        { SRC_CORNER, 200, 120, 26, 40, 5, 1000, -1, 8, 0 },
        { SRC_MOTION, 200, 120, 20, 40, 6, 1000, 23, 8, 0 },
        { SRC_MOTION, 200, 120, 32, 30, 4, 1000, -1, 1, 0 },
        { SRC_SCROLL, 200, 120, 26, 30, 3, 1000, -1, 8, 0 },
        { SRC_CORNER, 64, 48, 10, 40, 7, 13, -1, 3, 0 },
        { SRC_CONVERSATION, 320, 240, 26, 40, 10, 1000, 31, 15, 0 },
        /* no deblocking: no margin, the column left of the refresh may stay static */
        { SRC_CORNER, 200, 120, 26, 40, 5, 1000, -1, 8, 1 },
        { SRC_MOTION, 200, 120, 20, 40, 6, 1000, 23, 1, 1 },
        { SRC_CONVERSATION, 320, 240, 26, 40, 10, 1000, -1, 15, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    return tk_check_finish();
}
