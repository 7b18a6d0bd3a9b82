/*
 * The public API end to end: settings validation, the send/get/flush contract with EAGAIN
 * back-pressure and EOF, and a rendered conversation written to MP4 that libavformat and
 * libavcodec read back with the right frame count, duration, size and timestamps.
 * Runs once per encoder backend that is available here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "../common/check.h"
#include "encode/auto_probe.h"
#include "talkie/talkie.h"

enum { W = 200, H = 120, FPS = 15, FRAMES = 45 };  /* 3 s; 200x120 is not a multiple of 16 */

static void check_settings_validation(void)
{
    TalkieSettings s;
    TalkieSession *ts = (TalkieSession *)&s;  /* must be overwritten with NULL */
    talkie_default_settings(&s);
    s.width = 201;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    CHECK(ts == NULL);
    talkie_default_settings(&s);
    s.qp = 52;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.height = 0;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.fps_num = 0;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.slice_mb_rows = -1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    s.slice_mb_rows = TALKIE_SLICE_MB_ROWS_MAX + 1;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERR(EAGAIN)), "EAGAIN"));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERROR_VULKAN), "TALKIE_ERROR_VULKAN"));
    CHECK(strlen(talkie_strerror(TALKIE_EOF)) > 0);
}

/* Decodes every frame of the file; returns the frame count, -1 on any error. Fills the
 * luma of frames `a` and `b` (W*H bytes each) when they are reached. */
static int read_back(const char *path, int64_t *duration_us, int frame_a, uint8_t *luma_a,
                     int frame_b, uint8_t *luma_b)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return -1;
    int n = -1;
    AVCodecContext *c = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    if (avformat_find_stream_info(fmt, NULL) < 0 || fmt->nb_streams != 1)
        goto done;
    AVStream *st = fmt->streams[0];
    CHECK_EQ(st->codecpar->codec_id, AV_CODEC_ID_H264);
    CHECK_EQ(st->codecpar->width, W);
    CHECK_EQ(st->codecpar->height, H);
    CHECK_EQ(st->codecpar->color_primaries, AVCOL_PRI_BT709);
    *duration_us = fmt->duration;
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    c = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(c, st->codecpar);
    c->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM;
    if (avcodec_open2(c, codec, NULL) < 0)
        goto done;
    int64_t last_pts = INT64_MIN;
    int count = 0, eof = 0;
    while (!eof) {
        int r = av_read_frame(fmt, pkt);
        if (r < 0) {
            eof = 1;
            r = avcodec_send_packet(c, NULL);
        } else {
            CHECK_CMP(pkt->pts, >, last_pts);  /* no B frames: pts increase in file order */
            last_pts = pkt->pts;
            r = avcodec_send_packet(c, pkt);
            av_packet_unref(pkt);
        }
        if (r < 0)
            goto done;
        while ((r = avcodec_receive_frame(c, f)) == 0) {
            if (f->decode_error_flags || f->width != W || f->height != H)
                goto done;
            uint8_t *dst = count == frame_a ? luma_a : count == frame_b ? luma_b : NULL;
            for (int y = 0; dst && y < H; y++)
                memcpy(dst + y * W, f->data[0] + y * f->linesize[0], W);
            count++;
        }
        if (r != AVERROR(EAGAIN) && r != AVERROR_EOF)
            goto done;
    }
    n = count;
done:
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    avformat_close_input(&fmt);
    return n;
}

static double mean_abs_diff(const uint8_t *a, const uint8_t *b)
{
    double sum = 0;
    for (int i = 0; i < W * H; i++)
        sum += abs(a[i] - b[i]);
    return sum / (W * H);
}

static int drain(TalkieSession *ts, TalkieOutput *out, int64_t *last_pts, int *packets)
{
    TalkiePacket pkt;
    int r;
    while ((r = talkie_session_get_packet(ts, &pkt)) == 0) {
        CHECK_CMP(pkt.pts, >, *last_pts);
        CHECK(pkt.size > 4);
        *last_pts = pkt.pts;
        (*packets)++;
        CHECK_EQ(talkie_output_write(out, &pkt), 0);
        talkie_packet_unref(&pkt);
    }
    return r;
}

static void check_render(TalkieEncoder encoder)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = W;
    s.height = H;
    s.fps_num = FPS;
    s.encoder = encoder;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");  /* machines without fontconfig fonts */
    TalkieSession *ts;
    int err = talkie_session_open(&ts, &s);
    if (err == TALKIE_ERROR_UNSUPPORTED) {
        fprintf(stderr, "encoder %s not available here: not tested\n", talkie_encoder_name(encoder));
        return;
    }
    CHECK_EQ(err, 0);
    if (err < 0)
        return;
    fprintf(stderr, "testing encoder %s\n", talkie_encoder_name(talkie_session_encoder(ts)));
    CHECK_EQ(talkie_session_encoder(ts), encoder);

    TalkieTurn bad = { .speaker = "Ada", .text = "", .start_ms = 0, .duration_ms = 100 };
    CHECK_EQ(talkie_session_say(ts, &bad), TALKIE_ERR(EINVAL));
    TalkieTurn t1 = { .speaker = "Ada", .text = "Hello Grace, how are you?", .start_ms = 0,
                      .duration_ms = 1000 };
    TalkieTurn t2 = { .speaker = "Grace", .text = "Très bien, merci !", .start_ms = 2000,
                      .duration_ms = 800 };
    CHECK_EQ(talkie_session_say(ts, &t1), 0);
    CHECK_EQ(talkie_session_say(ts, &t2), 0);
    CHECK_EQ(talkie_session_end_ms(ts), 2800);

    TalkiePacket pkt;
    CHECK_EQ(talkie_session_get_packet(ts, &pkt), TALKIE_ERR(EAGAIN));

    char path[64];
    snprintf(path, sizeof(path), "/tmp/talkie-test-%d-%s.mp4", (int)getpid(),
             talkie_encoder_name(encoder));
    TalkieOutput *out;
    CHECK_EQ(talkie_output_open(&out, ts, path, NULL), 0);

    int64_t last_pts = -1;
    int packets = 0, saw_eagain = 0;
    for (int64_t i = 0; i < FRAMES; i++) {
        /* Do not drain until send_frame pushes back, to exercise EAGAIN. */
        int r = talkie_session_send_frame(ts, i);
        if (r == TALKIE_ERR(EAGAIN)) {
            saw_eagain = 1;
            drain(ts, out, &last_pts, &packets);
            r = talkie_session_send_frame(ts, i);
        }
        CHECK_EQ(r, 0);
        if (r < 0)
            break;
    }
    CHECK(saw_eagain);
    CHECK_EQ(talkie_session_send_frame(ts, FRAMES - 1), TALKIE_ERR(EINVAL));  /* not increasing */
    CHECK_EQ(talkie_session_flush(ts), 0);
    CHECK_EQ(talkie_session_send_frame(ts, FRAMES), TALKIE_ERR(EINVAL));      /* after flush */
    CHECK_EQ(drain(ts, out, &last_pts, &packets), TALKIE_EOF);
    CHECK_EQ(talkie_session_get_packet(ts, &pkt), TALKIE_EOF);
    CHECK_EQ(packets, FRAMES);
    CHECK_EQ(last_pts, FRAMES - 1);
    CHECK_EQ(talkie_output_close(&out), 0);
    CHECK(out == NULL);
    talkie_session_close(&ts);
    CHECK(ts == NULL);

    /* Frames 25 and 28 (1.67 s, 1.87 s): nobody speaks, Ada's line is held: the same picture.
     * Frames 3 and 9 (0.2 s, 0.6 s): Ada speaks and her line is being revealed: different. */
    static uint8_t silent_a[W * H], silent_b[W * H], speak_a[W * H], speak_b[W * H];
    int64_t duration_us = 0;
    CHECK_EQ(read_back(path, &duration_us, 25, silent_a, 28, silent_b), FRAMES);
    CHECK_EQ(duration_us, (int64_t)FRAMES * 1000000 / FPS);
    CHECK_EQ(read_back(path, &duration_us, 3, speak_a, 9, speak_b), FRAMES);
    CHECK_CMP(mean_abs_diff(silent_a, silent_b), <, 0.5);
    CHECK_CMP(mean_abs_diff(speak_a, speak_b), >, 0.5);
    unlink(path);
}

/* The figures an auto reason names, "lavc X ms/frame, compute Y ms/frame" ("not
 * available" reads as -1); 0 when both are there. */
static int reason_figures(const char *reason, double *lavc, double *compute)
{
    const char *l = strstr(reason, "lavc "), *c = strstr(reason, "compute ");
    if (!l || !c)
        return -1;
    l += 5;
    c += 8;
    *lavc = strncmp(l, "not available", 13) ? strtod(l, NULL) : -1;
    *compute = strncmp(c, "not available", 13) ? strtod(c, NULL) : -1;
    return (*lavc < 0 || strstr(l, "ms/frame")) && (*compute < 0 || strstr(c, "ms/frame")) ? 0
                                                                                        : -1;
}

/* Keeps the session's "encoder auto: ..." line (info level); prints warnings and errors. */
typedef struct AutoLog {
    char line[256];
} AutoLog;

static void auto_log(void *opaque, TalkieLogLevel level, const char *msg)
{
    AutoLog *l = opaque;
    if (!strncmp(msg, "encoder auto: ", 14))
        snprintf(l->line, sizeof(l->line), "%s", msg);
    else if (level <= TALKIE_LOG_WARNING)
        fprintf(stderr, "talkie: %s\n", msg);
}

/* talkie_list_devices says what "auto" picks and why; on a CPU device the why is a
 * measurement of both encoders, and the choice must follow from its figures by the rule
 * (whichever wins: the figures vary from machine to machine). A session opened with auto on
 * the first device (the one the tests' environment makes the best) measures on its own
 * context and its choice follows from its own figures. */
static void check_auto_choice(const TalkieDeviceInfo *d)
{
    double lavc, compute;
    CHECK(d->auto_reason[0] != 0);
    fprintf(stderr, "devices: auto = %s (%s)\n", talkie_encoder_name(d->auto_encoder),
            d->auto_reason);
    if (d->type == 4) {
        CHECK_EQ(reason_figures(d->auto_reason, &lavc, &compute), 0);
        CHECK_EQ(d->auto_encoder, tk_encoder_auto_rule(lavc, compute));
    } else {
        CHECK_EQ(d->auto_encoder, TALKIE_ENCODER_COMPUTE);
    }
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 64;
    s.height = 48;
    s.device_index = 0;
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    AutoLog log = { "" };
    s.log_level = TALKIE_LOG_INFO;
    s.log_callback = auto_log;
    s.log_opaque = &log;
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    fprintf(stderr, "session: %s\n", log.line);
    CHECK(log.line[0] != 0);
    if (d->type == 4) {
        CHECK_EQ(reason_figures(log.line, &lavc, &compute), 0);
        CHECK_EQ(talkie_session_encoder(ts), tk_encoder_auto_rule(lavc, compute));
    } else {
        CHECK_EQ(talkie_session_encoder(ts), TALKIE_ENCODER_COMPUTE);
    }
    talkie_session_close(&ts);
}

int main(void)
{
    check_settings_validation();
    TalkieDeviceInfo info[4];
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");
    check_auto_choice(&info[0]);
    check_render(TALKIE_ENCODER_LAVC);
    check_render(TALKIE_ENCODER_COMPUTE);
    return tk_check_finish();
}
