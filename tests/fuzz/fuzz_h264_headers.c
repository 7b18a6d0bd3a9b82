/*
 * Fuzz target: the H.264 header writers (encode/h264/params.c, bitwriter.c, au.c). The input
 * bytes become parameters the library accepts (size 16..4096 even, any frame rate up to 240
 * per second, bitrate, QP, the slice header's fields); the level comes from tk_h264_level()
 * (a refusal must be TALKIE_ERROR_UNSUPPORTED for a stream that no level holds). Then
 *   1. SPS, PPS and slice header are read back by a parser written from the syntax tables
 *      (7.3.2.1.1, E.1.1, 7.3.2.2, 7.3.3): every field must have the value it was given, and
 *      the RBSP must end where the writer stopped;
 *   2. libavcodec decodes two access units built by tk_h264_au_write() from these headers
 *      and grey macroblocks (the slice split at the fuzzed first_mb): two pictures of the
 *      right size, profile, level and frame rate, every sample 128, and no decoder error.
 */
#include <limits.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/rational.h>

#include "encode/h264/au.h"
#include "encode/h264/params.h"
#include "fuzz.h"
#include "talkie/talkie.h"

typedef struct Reader {
    const uint32_t *words; /* MSB-first, as TkBitWriter writes */
    size_t pos, end;
} Reader;

static uint32_t rd_u(Reader *r, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(r->pos < r->end);
        v = v << 1 | (r->words[r->pos >> 5] >> (31 - (r->pos & 31)) & 1);
        r->pos++;
    }
    return v;
}

/* ue(v) 9.1 */
static uint32_t rd_ue(Reader *r)
{
    int zeros = 0;
    while (rd_u(r, 1) == 0)
        zeros++;
    FUZZ_CHECK(zeros <= 31);
    return (uint32_t)(((uint64_t)1 << zeros) - 1 + rd_u(r, zeros));
}

/* se(v) 9.1.1 */
static int32_t rd_se(Reader *r)
{
    uint32_t k = rd_ue(r);
    return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* rbsp_trailing_bits() 7.3.2.11, and nothing after them. */
static void rd_trailing(Reader *r)
{
    FUZZ_CHECK(rd_u(r, 1) == 1);
    while (r->pos & 7)
        FUZZ_CHECK(rd_u(r, 1) == 0);
    FUZZ_CHECK(r->pos == r->end);
}

#define EXPECT(r, n, value) FUZZ_CHECK(rd_u(r, n) == (uint32_t)(value))
#define EXPECT_UE(r, value) FUZZ_CHECK(rd_ue(r) == (uint32_t)(value))
#define EXPECT_SE(r, value) FUZZ_CHECK(rd_se(r) == (int32_t)(value))

static Reader written(const TkBitWriter *bw)
{
    FUZZ_CHECK(!bw->overflow);
    return (Reader){ .words = bw->words, .end = bw->bits };
}

static void check_sps(const TkBitWriter *bw, const TkH264Config *c)
{
    Reader r = written(bw);
    const TkFrameLayout *l = &c->layout;
    int crop_right = (l->aligned_width - l->width) / 2, crop_bottom = (l->aligned_height - l->height) / 2;
    EXPECT(&r, 8, 66);                         /* profile_idc */
    EXPECT(&r, 8, 0xc0);                       /* constraint_set0..5, reserved_zero_2bits */
    EXPECT(&r, 8, c->level_idc);
    EXPECT_UE(&r, 0);                          /* seq_parameter_set_id */
    EXPECT_UE(&r, TK_H264_LOG2_MAX_FRAME_NUM - 4);
    EXPECT_UE(&r, 2);                          /* pic_order_cnt_type */
    EXPECT_UE(&r, c->max_num_ref_frames);      /* max_num_ref_frames */
    EXPECT(&r, 1, 0);                          /* gaps_in_frame_num_value_allowed_flag */
    EXPECT_UE(&r, l->mb_width - 1);
    EXPECT_UE(&r, l->mb_height - 1);
    EXPECT(&r, 1, 1);                          /* frame_mbs_only_flag */
    EXPECT(&r, 1, 1);                          /* direct_8x8_inference_flag */
    int cropping = (int)rd_u(&r, 1);
    FUZZ_CHECK(cropping == (crop_right || crop_bottom));
    if (cropping) {
        EXPECT_UE(&r, 0);
        EXPECT_UE(&r, crop_right);
        EXPECT_UE(&r, 0);
        EXPECT_UE(&r, crop_bottom);
    }
    EXPECT(&r, 1, 1);                          /* vui_parameters_present_flag */
    EXPECT(&r, 1, 1);                          /* aspect_ratio_info_present_flag */
    EXPECT(&r, 8, 1);                          /* aspect_ratio_idc */
    EXPECT(&r, 1, 0);                          /* overscan_info_present_flag */
    EXPECT(&r, 1, 1);                          /* video_signal_type_present_flag */
    EXPECT(&r, 3, 5);                          /* video_format */
    EXPECT(&r, 1, 0);                          /* video_full_range_flag */
    EXPECT(&r, 1, 1);                          /* colour_description_present_flag */
    EXPECT(&r, 24, 0x010101);                  /* BT.709 primaries, transfer, matrix */
    EXPECT(&r, 1, 0);                          /* chroma_loc_info_present_flag */
    EXPECT(&r, 1, 1);                          /* timing_info_present_flag */
    EXPECT(&r, 32, c->fps_den);                /* num_units_in_tick */
    EXPECT(&r, 32, 2u * (uint32_t)c->fps_num); /* time_scale */
    EXPECT(&r, 1, 1);                          /* fixed_frame_rate_flag */
    EXPECT(&r, 3, 0);                          /* nal/vcl_hrd, pic_struct_present_flag */
    EXPECT(&r, 2, 3);                          /* bitstream_restriction, mvs over bounds */
    EXPECT_UE(&r, 0);
    EXPECT_UE(&r, 0);
    EXPECT_UE(&r, 16);
    EXPECT_UE(&r, 16);
    EXPECT_UE(&r, 0);                          /* max_num_reorder_frames */
    EXPECT_UE(&r, c->max_num_ref_frames);      /* max_dec_frame_buffering */
    rd_trailing(&r);
}

static void check_pps(const TkBitWriter *bw)
{
    Reader r = written(bw);
    EXPECT_UE(&r, 0);                          /* pic_parameter_set_id */
    EXPECT_UE(&r, 0);                          /* seq_parameter_set_id */
    EXPECT(&r, 2, 0);                          /* entropy_coding_mode, bottom_field_pic_order */
    EXPECT_UE(&r, 0);                          /* num_slice_groups_minus1 */
    EXPECT_UE(&r, 0);
    EXPECT_UE(&r, 0);
    EXPECT(&r, 3, 0);                          /* weighted_pred_flag, weighted_bipred_idc */
    EXPECT_SE(&r, 0);
    EXPECT_SE(&r, 0);
    EXPECT_SE(&r, 0);
    EXPECT(&r, 3, 4);                          /* deblocking control, no constrained intra,
                                                  no redundant_pic_cnt */
    rd_trailing(&r);
}

static void check_slice_header(const TkBitWriter *bw, const TkH264SliceHeader *s)
{
    Reader r = written(bw);
    EXPECT_UE(&r, s->first_mb);
    EXPECT_UE(&r, 7);                          /* slice_type: I */
    EXPECT_UE(&r, 0);                          /* pic_parameter_set_id */
    EXPECT(&r, TK_H264_LOG2_MAX_FRAME_NUM, s->frame_num);
    if (s->idr)
        EXPECT_UE(&r, s->idr_pic_id);
    EXPECT(&r, s->idr ? 2 : 1, 0);             /* dec_ref_pic_marking() */
    EXPECT_SE(&r, s->qp - 26);
    EXPECT_UE(&r, s->deblock ? 0 : 1);
    if (s->deblock) {
        EXPECT_SE(&r, 0);
        EXPECT_SE(&r, 0);
    }
    FUZZ_CHECK(r.pos == r.end);
}

/* Grey macroblocks: I_16x16_2_0_0 (DC prediction, no coded residual) with chroma DC
 * prediction, mb_qp_delta 0 and an empty luma DC block (coeff_token "1" for nC 0..1): the
 * decoder predicts 128 everywhere, whatever the neighbours and slice edges. */
enum { GREY_MB_BITS = 8, GREY_MB = 0x27 /* 00100 1 1 1 */ };

/* One picture: its slices' RBSPs (header, grey macroblocks, trailing bits) as an access unit. */
static void write_picture(const TkH264Config *c, const TkH264SliceHeader *pic, int split,
                          uint8_t **au, size_t *au_size)
{
    int n_mbs = c->layout.mb_width * c->layout.mb_height;
    int first[2] = { 0, split }, n_slices = split > 0 ? 2 : 1;
    size_t cap_words = (size_t)n_mbs * GREY_MB_BITS / 32 + 8 * (size_t)n_slices;
    uint32_t *words = malloc(cap_words * sizeof(uint32_t));
    uint8_t *rbsp = malloc(cap_words * 4);
    uint32_t table[4];
    FUZZ_CHECK(words && rbsp);
    size_t size = 0;
    for (int s = 0; s < n_slices; s++) {
        int end = s + 1 < n_slices ? first[s + 1] : n_mbs;
        TkH264SliceHeader sh = *pic;
        sh.first_mb = first[s];
        TkBitWriter bw;
        tk_bw_init(&bw, words, cap_words);
        tk_h264_write_slice_header(&bw, c, &sh);
        for (int mb = first[s]; mb < end; mb++)
            tk_bw_put(&bw, GREY_MB_BITS, GREY_MB);
        tk_bw_trailing(&bw);
        FUZZ_CHECK(!bw.overflow);
        table[2 * s] = (uint32_t)size;
        table[2 * s + 1] = (uint32_t)tk_bw_bytes(&bw, rbsp + size, cap_words * 4 - size);
        size += table[2 * s + 1];
    }
    FUZZ_CHECK(tk_h264_au_write(c, pic->idr, 1, rbsp, size, table, n_slices, au, au_size) ==
               0);
    free(rbsp);
    free(words);
}

static void check_frame(const AVFrame *f, const TkH264Config *c)
{
    FUZZ_CHECK(f->width == c->layout.width && f->height == c->layout.height);
    FUZZ_CHECK(f->format == AV_PIX_FMT_YUV420P);
    /* Row by row with memcmp: a comparison per sample, traced by the fuzzer's
     * instrumentation, would take most of the run time. */
    uint8_t *grey = malloc((size_t)f->width);
    FUZZ_CHECK(grey != NULL);
    memset(grey, 128, (size_t)f->width);
    for (int p = 0; p < 3; p++) {
        int w = p ? f->width / 2 : f->width, h = p ? f->height / 2 : f->height;
        for (int y = 0; y < h; y++)
            FUZZ_CHECK(!memcmp(f->data[p] + (ptrdiff_t)y * f->linesize[p], grey, (size_t)w));
    }
    free(grey);
}

/* Decodes the two access units; every error is an error (no concealment). */
static void decode(const TkH264Config *c, uint8_t *const au[2], const size_t au_size[2])
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    FUZZ_CHECK(codec != NULL);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    FUZZ_CHECK(ctx && pkt && frame);
    ctx->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM | AV_EF_CRCCHECK;
    ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    ctx->thread_count = 1;
    FUZZ_CHECK(avcodec_open2(ctx, codec, NULL) == 0);
    int frames = 0;
    for (int i = 0; i <= 2; i++) {
        int res;
        if (i < 2) {
            pkt->data = au[i];
            pkt->size = (int)au_size[i];
            res = avcodec_send_packet(ctx, pkt);
        } else {
            res = avcodec_send_packet(ctx, NULL);
        }
        FUZZ_CHECK(res == 0);
        while ((res = avcodec_receive_frame(ctx, frame)) == 0) {
            check_frame(frame, c);
            FUZZ_CHECK(frames > 0 || frame->key_frame);
            frames++;
            av_frame_unref(frame);
        }
        FUZZ_CHECK(res == AVERROR(EAGAIN) || res == AVERROR_EOF);
    }
    FUZZ_CHECK(frames == 2);
    FUZZ_CHECK(ctx->profile == FF_PROFILE_H264_CONSTRAINED_BASELINE);
    FUZZ_CHECK(ctx->level == c->level_idc);
    /* The decoder's frame rate is num_units_in_tick * 2 / time_scale, reduced as it does. */
    AVRational fps;
    av_reduce(&fps.den, &fps.num, (int64_t)c->fps_den * 2, (int64_t)c->fps_num * 2, 1 << 30);
    FUZZ_CHECK(av_cmp_q(fps, ctx->framerate) == 0);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzBytes in = { .data = data, .size = size };
    /* The ranges talkie_session_open() accepts (lib.c). */
    int width = (int)fuzz_range(&in, 8, 2048) * 2, height = (int)fuzz_range(&in, 8, 2048) * 2;
    int fps_num = (int)fuzz_range(&in, 1, INT_MAX), fps_den = (int)fuzz_range(&in, 1, INT_MAX);
    int64_t bitrate_bps = fuzz_range(&in, 0, 200000000);
    if (fps_num / fps_den > 240)
        return 0;
    TkH264Config c = { .layout = tk_frame_layout(width, height), .fps_num = fps_num,
                       .fps_den = fps_den, .bitrate_bps = bitrate_bps,
                       .max_num_ref_frames = 1 };
    c.level_idc = tk_h264_level(&c.layout, fps_num, fps_den, bitrate_bps);
    int64_t fs = (int64_t)c.layout.mb_width * c.layout.mb_height;
    if (c.level_idc < 0) {
        /* Only when level 5.2 (Table A-1) is too small. */
        int64_t side = c.layout.mb_width > c.layout.mb_height ? c.layout.mb_width
                                                              : c.layout.mb_height;
        FUZZ_CHECK(c.level_idc == TALKIE_ERROR_UNSUPPORTED);
        FUZZ_CHECK(fs > 36864 || side * side > 8 * 36864 ||
                   fs * fps_num > 2073600 * (int64_t)fps_den || bitrate_bps > 240000 * 1200);
        return 0;
    }
    FUZZ_CHECK(c.level_idc >= 10 && c.level_idc <= 52);
    TkH264SliceHeader sh = {
        .idr = (int)(fuzz_u8(&in) & 1),
        .idr_pic_id = (int)fuzz_range(&in, 0, 65535),
        .qp = (int)fuzz_range(&in, 0, 51),
        .deblock = (int)(fuzz_u8(&in) & 1),
        .first_mb = (int)fuzz_range(&in, 0, fs - 1),
    };
    sh.frame_num = sh.idr ? 0 : (int)fuzz_range(&in, 0, (1 << TK_H264_LOG2_MAX_FRAME_NUM) - 1);

    uint32_t words[64];
    TkBitWriter bw;
    tk_bw_init(&bw, words, 64);
    tk_h264_write_sps(&bw, &c);
    check_sps(&bw, &c);
    tk_bw_init(&bw, words, 64);
    tk_h264_write_pps(&bw, &c);
    check_pps(&bw);
    tk_bw_init(&bw, words, 64);
    tk_h264_write_slice_header(&bw, &c, &sh);
    check_slice_header(&bw, &sh);

    /* An IDR, then a picture with the fuzzed IDR flag (frame_num follows on, as the GOP
     * does: the SPS allows no gaps), both split at first_mb. */
    TkH264SliceHeader pics[2] = { sh, sh };
    pics[0].idr = 1;
    pics[0].frame_num = 0;
    pics[1].idr_pic_id = sh.idr_pic_id ^ 1;
    pics[1].frame_num = sh.idr ? 0 : 1;
    uint8_t *au[2];
    size_t au_size[2];
    for (int i = 0; i < 2; i++)
        write_picture(&c, &pics[i], sh.first_mb, &au[i], &au_size[i]);
    decode(&c, au, au_size);
    free(au[0]);
    free(au[1]);
    return 0;
}
