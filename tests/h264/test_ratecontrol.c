/*
 * Rate control (encode/compute/ratecontrol.h) and the level on the C reference encoder with
 * P frames, driven exactly as the compute backend drives the GPU encoder (plan the picture,
 * code it, code it again at a higher QP while it is over its cap, tell the rate control):
 *   - a 60-second rendered conversation (640x360, 30 frames/s, the renderer's skip map) at a
 *     200 kbit/s target lands within +-10% of it, and no frame exceeds its cap (at 320x240
 *     this conversation needs less than 200 kbit/s even at QP 0: bench/RESULTS.md);
 *   - a bitrate change in the middle (120 -> 60 kbit/s at 320x240) converges: the seconds
 *     after the first 3 s at the new rate land within +-10% of it, and no frame exceeds the
 *     new cap;
 *   - every access unit decodes in libavcodec with no error to exactly the encoder's
 *     reconstruction, so a re-encode (tk_encoder_ref_rewind) leaves the reference intact;
 *   - the level: streams of several sizes, constant QPs (rendered conversation and binary
 *     noise, the worst input) and bitrates signal a level (parsed from their SPS) whose
 *     MaxBR holds every 1-second window and whose CPB (A.3.1, Table A-1, the NAL HRD's 1200
 *     bits a unit for Baseline) never underflows when it fills at MaxBR.
 * Argument "short": the long runs shortened (sanitizer builds); or the name of one part;
 * or "sweep W H BITRATE [SECONDS [SLICE_ROWS]]", a measurement (bench/RESULTS.md).
 * RC_TRACE=1 prints every frame's QP and size, and every second coding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "strict_decoder.h"
#include "encode/compute/encoder_ref.h"
#include "encode/compute/ratecontrol.h"
#include "pframe_sources.h"

/* Table A-1, written out again here (not taken from params.c): level_idc, MaxBR and MaxCPB
 * in units of 1000 bits (VCL; the NAL HRD for Baseline is 1200). */
static const struct { int level_idc, max_br, max_cpb; } levels[] = {
    { 10, 64, 175 },       { 11, 192, 500 },      { 12, 384, 1000 },    { 13, 768, 2000 },
    { 20, 2000, 2000 },    { 21, 4000, 4000 },    { 22, 4000, 4000 },   { 30, 10000, 10000 },
    { 31, 14000, 14000 },  { 32, 20000, 20000 },  { 40, 20000, 25000 }, { 41, 50000, 62500 },
    { 42, 50000, 62500 },  { 50, 135000, 135000 }, { 51, 240000, 240000 },
    { 52, 240000, 240000 },
};

#define FPS 30

/* A conversation that keeps talking: a turn every 3.2 s for `seconds`, three speakers. */
static int open_conversation(Source *s, const TkFrameLayout *l, int seconds)
{
    int res = source_open(s, SRC_CONVERSATION, l, 1);
    if (res != 0)
        return res;
    static const char *const speakers[] = { "Ada", "Grace", "Linus" };
    static const char *const lines[] = {
        "Good morning! Shall we look at the encoder numbers together?",
        "Yes. The P frames came out smaller than I expected, très bien.",
        "Then the rate control has to hold the line at potato bitrates.",
        "Subtitles grow letter by letter, the mouths move, the rest stays.",
    };
    TkLog log = { .max_level = TALKIE_LOG_ERROR };
    tk_scene_destroy(&s->scene);
    res = tk_scene_create(&s->scene, &log);
    for (int i = 0; res >= 0 && i * 3200 < seconds * 1000; i++) {
        TalkieTurn t = { speakers[i % 3], lines[i % 4], (int64_t)i * 3200, 3000 };
        res = tk_scene_add_turn(s->scene, &t);
    }
    if (res < 0) {
        source_close(s);
        return -1;
    }
    return 0;
}

/* Decodes one access unit (low delay: its picture comes out at once); 0 when the picture
 * equals recon. */
static int decode_equals(StrictDecoder *d, const uint8_t *au, size_t size,
                         const uint8_t *recon, const TkFrameLayout *l)
{
    if (av_new_packet(d->pkt, (int)size) < 0)
        return -1;
    memcpy(d->pkt->data, au, size);
    int res = avcodec_send_packet(d->ctx, d->pkt);
    av_packet_unref(d->pkt);
    if (res < 0 || avcodec_receive_frame(d->ctx, d->frame) < 0)
        return -1;
    return frame_equals_recon(d->frame, recon, l, "ratecontrol");
}

enum { INPUT_CONVERSATION, INPUT_NOISE };

typedef struct Run {
    int width, height, input, frames;
    int qp;                  /* constant QP, or -1 */
    int64_t bitrate_bps;     /* with qp -1 */
    int change_at;           /* frame where bitrate2_bps takes over, or -1 */
    int64_t bitrate2_bps;
    int decode;              /* 1: every access unit through libavcodec */
    int slice_mb_rows;       /* 0: 4, the compute backend's default with P frames */
    int auto_map;            /* 1: the encoder's own skip map (as the backend), else the
                                renderer's (from the source) */
} Run;

typedef struct Result {
    int64_t *bits;           /* a frame */
    int level_idc;           /* from the first SPS */
    int over_cap;            /* frames over their cap */
    int64_t qp_sum;          /* of the frames kept */
    int recoded;             /* frames coded more than once */
    int idrs;
} Result;

/* level_idc of the SPS in an IDR access unit (Annex B), or -1. */
static int sps_level(const uint8_t *au, size_t size)
{
    for (size_t i = 0; i + 7 < size; i++)
        if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 && (au[i + 3] & 0x1f) == 7)
            return au[i + 6]; /* nal header, profile_idc, constraint flags, level_idc */
    return -1;
}

static void fill_noise(uint8_t *img, size_t size, uint32_t *rnd)
{
    for (size_t k = 0; k < size; k++)
        img[k] = (source_random(rnd) & 1) ? 255 : 0;
}

/* Encodes the run as backend_compute.c drives the GPU encoder; 0 on success. */
static int encode_run(const Run *r, Result *out)
{
    memset(out, 0, sizeof(*out));
    out->level_idc = -1;
    TkEncoderRefParams p = { .layout = tk_frame_layout(r->width, r->height), .fps_num = FPS,
                             .fps_den = 1, .keyint = 2 * FPS,
                             .slice_mb_rows = r->slice_mb_rows ? r->slice_mb_rows : 4,
                             .deblock = TK_DEBLOCK_AUTO, .p_frames = 1,
                             .auto_skip_map = r->auto_map };
    const TkFrameLayout *l = &p.layout;
    TkPackDims dims = tk_pack_dims(l, p.slice_mb_rows);
    TkRateParams rp = { .fps_num = FPS, .fps_den = 1, .qp = r->qp,
                        .bitrate_bps = r->bitrate_bps, .n_mbs = (int)dims.n_mbs,
                        .n_slices = (int)dims.n_slices, .keyint = p.keyint };
    rp.max_bitrate_bps = tk_rc_peak_bps(&rp);
    p.bitrate_bps = rp.max_bitrate_bps; /* as the backend: the level covers the peak */
    TkRateControl rc;
    CHECK_EQ(tk_rc_init(&rc, &rp), 0);

    Source src;
    uint32_t rnd = 99;
    int res = r->input == INPUT_NOISE ? source_open(&src, SRC_STATIC, l, 1)
                                      : open_conversation(&src, l, r->frames / FPS + 1);
    if (res != 0)
        return res;
    TkEncoderRef *e = NULL;
    StrictDecoder d = { 0 };
    uint8_t *img[2] = { malloc(l->size), malloc(l->size) };
    uint8_t *map = malloc((size_t)dims.n_mbs);
    out->bits = calloc((size_t)r->frames, sizeof(*out->bits));
    int ok = img[0] && img[1] && map && out->bits && tk_encoder_ref_open(&e, &p) == 0 &&
             (!r->decode || strict_decoder_open(&d) == 0);
    CHECK(ok);
    for (int i = 0; ok && i < r->frames; i++) {
        uint8_t *cur = img[i & 1], *prev = img[(i + 1) & 1];
        if (r->input == INPUT_NOISE)
            fill_noise(cur, l->size, &rnd);
        else if (source_frame(&src, i, cur) < 0)
            break;
        if (i > 0)
            source_skip_map(l, prev, cur, map);
        if (i == r->change_at)
            tk_rc_set_bitrate(&rc, r->bitrate2_bps);
        /* plan: the picture's type from the GOP, its QP from the rate control */
        TkH264Gop before = e->gop, g = e->gop;
        TkH264SliceHeader pic = { 0 };
        tk_h264_gop_next(&g, &pic);
        TkEncoderRefFrame in = { .src = cur, .qp = tk_rc_qp(&rc, pic.idr),
                                 .skip_map = i > 0 && !r->auto_map ? map : NULL };
        uint8_t *au = NULL;
        size_t size = 0;
        int idr = 0;
        for (int attempt = 0;; attempt++) {
            if (tk_encoder_ref_encode_frame(e, &in, &au, &size, &idr) < 0) {
                ok = 0;
                break;
            }
            CHECK_EQ(idr, pic.idr);
            int qp = tk_rc_retry_qp(&rc, idr, in.qp, (int64_t)size * 8, attempt);
            if (getenv("RC_TRACE") && qp >= 0)
                printf("  %d attempt %d qp %d bits %lld -> qp %d\n", i, attempt, in.qp,
                       (long long)size * 8, qp);
            if (qp < 0)
                break;
            free(au);
            au = NULL;
            tk_encoder_ref_rewind(e, &before);
            in.qp = qp;
            out->recoded += attempt == 0;
        }
        if (!ok)
            break;
        int64_t bits = (int64_t)size * 8, cap = tk_rc_cap_bits(&rc, idr);
        if (cap > 0 && bits > cap) {
            fprintf(stderr, "frame %d (%s, qp %d): %lld bits over the cap %lld\n", i,
                    idr ? "IDR" : "P", in.qp, (long long)bits, (long long)cap);
            out->over_cap++;
        }
        if (getenv("RC_TRACE"))
            printf("%d %s qp %d bits %lld cap %lld\n", i, idr ? "I" : "P", in.qp,
                   (long long)bits, (long long)cap);
        tk_rc_update(&rc, idr, in.qp, bits);
        out->bits[i] = bits;
        out->qp_sum += in.qp;
        out->idrs += idr;
        if (i == 0)
            out->level_idc = sps_level(au, size);
        if (r->decode && decode_equals(&d, au, size, tk_encoder_ref_recon(e), l) < 0) {
            fprintf(stderr, "frame %d: libavcodec failed or differs from the reconstruction\n",
                    i);
            CHECK(0);
            ok = 0;
        }
        free(au);
    }
    strict_decoder_close(&d);
    tk_encoder_ref_close(&e);
    free(map);
    free(img[0]);
    free(img[1]);
    source_close(&src);
    return ok ? 0 : -1;
}

static int64_t sum_bits(const Result *res, int from, int to)
{
    int64_t s = 0;
    for (int i = from; i < to; i++)
        s += res->bits[i];
    return s;
}

/* The stream keeps its level: MaxBR over every 1-second window, and a CPB of MaxCPB bits
 * that fills at MaxBR (from full, as with the largest initial delay) never runs dry. */
static void check_level(const char *what, const Result *res, int frames)
{
    int k = -1;
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (levels[i].level_idc == res->level_idc)
            k = (int)i;
    CHECK(k >= 0);
    if (k < 0)
        return;
    int64_t max_br = (int64_t)levels[k].max_br * 1200, cpb = (int64_t)levels[k].max_cpb * 1200;
    int64_t window = 0, max_window = 0;
    for (int i = 0; i < frames; i++) {
        window += res->bits[i] - (i >= FPS ? res->bits[i - FPS] : 0);
        max_window = window > max_window ? window : max_window;
    }
    int64_t fullness = cpb; /* in bits * FPS, so that MaxBR / FPS stays exact */
    fullness *= FPS;
    int underflow = 0;
    for (int i = 0; i < frames; i++) {
        fullness -= res->bits[i] * FPS;
        underflow |= fullness < 0;
        fullness += max_br;
        if (fullness > cpb * FPS)
            fullness = cpb * FPS;
    }
    printf("%s: level %d.%d, max 1-s window %lld bit/s of MaxBR %lld\n", what,
           res->level_idc / 10, res->level_idc % 10, (long long)max_window, (long long)max_br);
    CHECK_CMP(max_window, <=, max_br);
    CHECK_EQ(underflow, 0);
}

/* `seconds` at a target: within +-10%, no frame over its cap, decoded exactly. */
static void test_target(int width, int height, int64_t bitrate_bps, int seconds, int rows)
{
    Run r = { width, height, INPUT_CONVERSATION, seconds * FPS, -1, bitrate_bps, -1, 0, 1,
              rows };
    Result res;
    if (encode_run(&r, &res) == 1) {
        printf("target: skipped (no font)\n");
        return;
    }
    int64_t total = sum_bits(&res, 0, r.frames), want = r.bitrate_bps * seconds;
    char what[64];
    snprintf(what, sizeof(what), "%dx%d at %lld bit/s", width, height, (long long)bitrate_bps);
    printf("%s, %d s: %lld bit/s (%+.1f%%), mean QP %.1f, %d IDRs, %d frames coded twice, "
           "%d over the cap\n", what, seconds, (long long)(total / seconds),
           100.0 * (double)(total - want) / (double)want, (double)res.qp_sum / r.frames,
           res.idrs, res.recoded, res.over_cap);
    CHECK_CMP(total, >=, want * 9 / 10);
    CHECK_CMP(total, <=, want * 11 / 10);
    CHECK_EQ(res.over_cap, 0);
    check_level(what, &res, r.frames);
    free(res.bits);
}

/* 120 kbit/s, then 60 kbit/s (320x240): the new rate holds from 3 s after the change. */
static void test_change(int seconds)
{
    int half = seconds / 2;
    /* the encoder's own skip map here, as the compute backend codes P frames: a second coding
     * must make none (tk_encoder_ref_rewind), and the stream still decode to the recon */
    Run r = { 320, 240, INPUT_CONVERSATION, seconds * FPS, -1, 120000, half * FPS, 60000, 1,
              0, 1 };
    Result res;
    if (encode_run(&r, &res) == 1) {
        printf("change: skipped (no font)\n");
        return;
    }
    int64_t first = sum_bits(&res, 0, half * FPS) / half;
    int settled = half + 3;
    int64_t after = sum_bits(&res, settled * FPS, r.frames) / (seconds - settled);
    printf("change 120 -> 60 kbit/s at %d s: before %lld bit/s, from %d s on %lld bit/s "
           "(%+.1f%%), %d frames coded twice, %d over the cap\n", half, (long long)first,
           settled, (long long)after, 100.0 * (double)(after - 60000) / 60000.0, res.recoded,
           res.over_cap);
    CHECK_CMP(first, >=, 108000);
    CHECK_CMP(first, <=, 132000);
    CHECK_CMP(after, >=, 54000);
    CHECK_CMP(after, <=, 66000);
    CHECK_EQ(res.over_cap, 0);
    check_level("change 120 -> 60 kbit/s", &res, r.frames);
    free(res.bits);
}

/* Levels over a matrix of sizes, constant QPs and bitrates. */
static void test_levels(void)
{
    static const Run runs[] = {
        { 320, 240, INPUT_CONVERSATION, 2 * FPS, 26, 0, -1, 0, 0 },
        { 320, 240, INPUT_CONVERSATION, 2 * FPS, 10, 0, -1, 0, 0 },
        { 200, 120, INPUT_CONVERSATION, 2 * FPS, 40, 0, -1, 0, 0 },
        { 320, 240, INPUT_NOISE, FPS + 5, 26, 0, -1, 0, 0 },
        { 64, 64, INPUT_NOISE, FPS + 5, 0, 0, -1, 0, 0 },
        { 64, 64, INPUT_NOISE, FPS + 5, 51, 0, -1, 0, 0 },
        { 320, 240, INPUT_CONVERSATION, 2 * FPS, -1, 100000, -1, 0, 0 },
        { 640, 360, INPUT_CONVERSATION, 2 * FPS, -1, 500000, -1, 0, 0 },
        { 200, 120, INPUT_CONVERSATION, 2 * FPS, -1, 64000, -1, 0, 0 },
        { 320, 240, INPUT_NOISE, FPS + 5, -1, 1000000, -1, 0, 0 },
    };
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        const Run *r = &runs[i];
        char what[96];
        snprintf(what, sizeof(what), "%dx%d %s %s %lld", r->width, r->height,
                 r->input == INPUT_NOISE ? "noise" : "conversation",
                 r->qp >= 0 ? "qp" : "bit/s", (long long)(r->qp >= 0 ? r->qp : r->bitrate_bps));
        Result res;
        int err = encode_run(r, &res);
        if (err == 1) {
            printf("%s: skipped (no font)\n", what);
            continue;
        }
        CHECK_EQ(err, 0);
        if (err == 0)
            check_level(what, &res, r->frames);
        free(res.bits);
    }
}

/* The rate control alone, on made-up sizes (random, and far over every cap, which drives
 * the QP to 51 and keeps it there): every QP it answers is 0..51, re-codes stop after
 * TK_RC_MAX_RETRIES, the target and caps follow set_bitrate. */
static void test_unit(void)
{
    TkRateParams p = { .fps_num = 30, .fps_den = 1, .qp = -1, .bitrate_bps = 100000,
                       .n_mbs = 300, .n_slices = 4, .keyint = 60 };
    p.max_bitrate_bps = tk_rc_peak_bps(&p);
    CHECK_EQ(p.max_bitrate_bps, 100000 * 30);
    TkRateControl rc;
    CHECK_EQ(tk_rc_init(&rc, &p), 0);
    CHECK_EQ(tk_rc_cap_bits(&rc, 0), 100000 / 30 * 3 / 2);
    CHECK_EQ(tk_rc_cap_bits(&rc, 1), 100000);
    uint32_t rnd = 5;
    int bad_qp = 0, too_many = 0;
    for (int i = 0; i < 600; i++) {
        int idr = i % 60 == 0, huge = i >= 300;
        int qp = tk_rc_qp(&rc, idr), attempts = 0;
        int64_t bits = 0;
        for (int attempt = 0;; attempt++) {
            bad_qp |= qp < 0 || qp > 51;
            bits = huge ? 1000000 : (int64_t)(source_random(&rnd) % 8000) + 200;
            int again = tk_rc_retry_qp(&rc, idr, qp, bits, attempt);
            if (again < 0)
                break;
            qp = again;
            attempts++;
        }
        too_many |= attempts > TK_RC_MAX_RETRIES;
        tk_rc_update(&rc, idr, qp, bits);
    }
    CHECK_EQ(bad_qp, 0);
    CHECK_EQ(too_many, 0);
    CHECK_EQ(tk_rc_qp(&rc, 0), 51);
    /* a target above what the level holds is lowered into it */
    tk_rc_set_bitrate(&rc, 1000000);
    CHECK_CMP(tk_rc_bitrate(&rc) * 30, <=, p.max_bitrate_bps);
    CHECK_CMP(tk_rc_bitrate(&rc), >, 90000);
    /* constant QP: nothing moves, no cap */
    TkRateParams q = p;
    q.qp = 30;
    CHECK_EQ(tk_rc_init(&rc, &q), 0);
    CHECK_EQ(tk_rc_qp(&rc, 1), 30);
    CHECK_EQ(tk_rc_cap_bits(&rc, 0), 0);
    CHECK_EQ(tk_rc_retry_qp(&rc, 0, 30, 1000000, 0), -1);
    q.keyint = 0;
    CHECK_EQ(tk_rc_init(&rc, &q), TALKIE_ERR(EINVAL));
}

int main(int argc, char **argv)
{
    /* "short", or the name of one test to run alone: unit, levels, target, change */
    int short_run = argc > 1 && !strcmp(argv[1], "short");
    const char *only = argc > 1 && !short_run ? argv[1] : NULL;
    if (!only || !strcmp(only, "unit"))
        test_unit();
    if (!only || !strcmp(only, "levels"))
        test_levels();
    if (only && !strcmp(only, "sweep") && argc > 4) {
        /* a measurement: sweep W H BITRATE [SECONDS [SLICE_ROWS]] */
        test_target(atoi(argv[2]), atoi(argv[3]), atoll(argv[4]), argc > 5 ? atoi(argv[5]) : 20,
                    argc > 6 ? atoi(argv[6]) : 0);
        return tk_check_finish();
    }
    if (!only || !strcmp(only, "target"))
        test_target(640, 360, 200000, short_run ? 20 : 60, 0);
    if (!only || !strcmp(only, "change"))
        test_change(short_run ? 16 : 30);
    return tk_check_finish();
}
