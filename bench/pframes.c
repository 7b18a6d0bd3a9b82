/*
 * talkie-bench-pframes: bytes and quality of the C reference encoder's P frames on the
 * rendered conversation, next to its all-intra stream and libx264's baseline P frames on the
 * same frames (the conversation is drawn by the renderer's C reference, which the GPU
 * renderer equals byte for byte); then, where a Vulkan device opens, the GPU encoder's P
 * frames (bytes and decoded error checked equal to the C reference's rows) with their GPU
 * time: ms/frame of
 * one frame per submission (upload excluded, submit + wait included) and of a batch of
 * TK_BENCH_SESSIONS (default 16) sessions encoding the same frames in one submission.
 * Each P encoder runs without a skip map, with the renderer's map (computed here, outside
 * the timing), and with its own (auto_skip_map: found by the encoder, inside the timing).
 *
 *     talkie-bench-pframes [--frames N] [--qp Q] [--size WxH] [--keyint K] [--slice-rows R]
 *                          [--deblock auto|on|off] [--input FILE.y4m] [--no-gpu] [--gpu on|off]
 *                          [--text-qp-offsets 0,-3,-6] [--p-i16-only]
 *                          [--intra-refresh 30,60]
 *
 * --input encodes the first N pictures of a Y4M file (8-bit 4:2:0, read through libavformat
 * by talkie encode's reader) instead of the conversation; --no-gpu leaves out the GPU rows
 * (bench/bdrate.py runs the CPU rows at several QPs).
 *
 * (auto: the intra stream filters from QP 32 up, the P streams always, as encoder_ref.h says)
 *
 * Every stream is decoded by libavcodec; PSNR is of the decoded luma against the source.
 *
 * --intra-refresh 30,60 prints instead a table of the C reference's P stream (own map) with
 * an IDR every --keyint frames, and with each periodic intra refresh cycle (encoder_ref.h
 * intra_refresh) and no IDR but the first: bytes, PSNR Y, the largest access unit.
 *
 * --text-qp-offsets (the conversation only) prints instead a table of the C reference's
 * all-intra and P (own map) streams with each text QP offset (TalkieSettings.text_qp_offset:
 * the macroblocks under the subtitle glyphs, render/text_map.h, at the QP plus the offset):
 * bytes, PSNR Y of the whole picture, of the text macroblocks and of the rest.
 *
 * --p-i16-only: intra macroblocks of P pictures are I16x16 only (encoder_ref.h
 * p_i16x16_only), C and GPU rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>

#include "common/inter_defs.h"
#include "encode/compute/analyse_p_gpu.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "render/composer.h"
#include "render/render_ref.h"
#include "render/text_map.h"
#include "scene/scene.h"
#include "talkie/talkie.h"
#include "x264.h"
#include "../tools/video_in.h"

typedef struct Stream {
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    size_t bytes;
    double sse;
    long samples;
    int next;            /* frames decoded */
    double seconds;
    uint8_t *const *maps; /* NULL, or each frame's text map: the error is split by it */
    double sse_text;
    long samples_text;
    int added;           /* access units added */
    size_t max_au;       /* the largest access unit */
    size_t max_au_later; /* the largest after the first (the stream's first IDR) */
} Stream;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int stream_open(Stream *s)
{
    memset(s, 0, sizeof(*s));
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    s->dec = codec ? avcodec_alloc_context3(codec) : NULL;
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    if (!s->dec || !s->pkt || !s->frame)
        return -1;
    s->dec->flags |= AV_CODEC_FLAG_LOW_DELAY;
    s->dec->thread_count = 1;
    return avcodec_open2(s->dec, codec, NULL);
}

static void stream_close(Stream *s)
{
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    avcodec_free_context(&s->dec);
}

/* Decodes one access unit (NULL: flush) and adds the luma error of decoded frames. */
static int stream_add(Stream *s, const uint8_t *au, size_t size, uint8_t *const *src,
                      const TkFrameLayout *l)
{
    if (au) {
        uint8_t *padded = calloc(1, size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!padded)
            return -1;
        memcpy(padded, au, size);
        s->max_au = size > s->max_au ? size : s->max_au;
        if (s->added++ > 0 && size > s->max_au_later)
            s->max_au_later = size;
        s->pkt->data = padded;
        s->pkt->size = (int)size;
        int res = avcodec_send_packet(s->dec, s->pkt);
        free(padded);
        s->bytes += size;
        if (res < 0)
            return -1;
    } else if (avcodec_send_packet(s->dec, NULL) < 0) {
        return -1;
    }
    while (avcodec_receive_frame(s->dec, s->frame) == 0) {
        const uint8_t *map = s->maps ? s->maps[s->next] : NULL;
        const uint8_t *img = src[s->next++];
        for (int y = 0; y < l->height; y++)
            for (int x = 0; x < l->width; x++) {
                double d = (double)img[(size_t)y * l->luma_stride + x] -
                           (double)s->frame->data[0][y * s->frame->linesize[0] + x];
                s->sse += d * d;
                if (map && map[(y / 16) * l->mb_width + x / 16]) {
                    s->sse_text += d * d;
                    s->samples_text++;
                }
            }
        s->samples += (long)l->width * l->height;
        av_frame_unref(s->frame);
    }
    return 0;
}

static void report(const char *name, const Stream *s, int frames, size_t intra_bytes)
{
    double mse = s->samples ? s->sse / (double)s->samples : 0;
    double psnr = mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
    printf("| %-34s | %9zu | %7.0f | %5.2f | %6.3f | %6.1f%% |\n", name, s->bytes,
           (double)s->bytes / frames, psnr, 1000 * s->seconds / frames,
           100.0 * (double)s->bytes / (double)intra_bytes);
}

/* The bench conversation (bench/inputs.c's turns), a frame every 1/30 s, on the CPU; with
 * maps, each frame's text map too. */
static int render_frames(const TkFrameLayout *l, int n, uint8_t **frames, uint8_t **maps)
{
    static const TalkieTurn turns[] = {
        { "Ada", "Good morning! Shall we look at the encoder numbers together?", 0, 3000 },
        { "Grace", "Yes. The intra frames came out smaller than I expected, très bien.", 3200,
          3500 },
        { "Linus", "Then let us ship it, after the tests pass on every device.", 7000, 3000 },
    };
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkScene *scene = NULL;
    TkComposer *comp = NULL;
    TkDrawList dl = { 0 };
    int err = tk_scene_create(&scene, &log);
    for (size_t i = 0; err >= 0 && i < sizeof(turns) / sizeof(turns[0]); i++)
        err = tk_scene_add_turn(scene, &turns[i]);
    if (err >= 0)
        err = tk_composer_create(&comp, l->width, l->height, getenv("TALKIE_FONT"), &log);
    for (int i = 0; err >= 0 && i < n; i++) {
        err = tk_composer_build(comp, scene, (int64_t)i * 1000 / 30, &dl);
        uint32_t *words = err >= 0 ? malloc(tk_draw_list_words(&dl) * sizeof(uint32_t)) : NULL;
        if (!words) {
            err = -1;
            break;
        }
        tk_draw_list_pack(&dl, words);
        tk_render_ref(words, tk_composer_atlas(comp)->pixels, l, frames[i]);
        if (maps)
            tk_text_map_build(&dl, tk_composer_layout(comp)->subtitle_run, l->mb_width,
                              l->mb_height, maps[i]);
        free(words);
    }
    tk_draw_list_free(&dl);
    tk_composer_destroy(&comp);
    tk_scene_destroy(&scene);
    return err;
}

/* The first n pictures of a Y4M file into NV12 frames of its size (the padding repeats the
 * last column and row, as the renderer's frames have theirs); *n becomes what the file had. */
static int load_frames(const char *path, TkFrameLayout *l, int *n, uint8_t ***out)
{
    CliVideoIn *v = NULL;
    CliVideoInArgs args = { .path = path };
    CliVideoInfo info;
    char msg[256];
    if (cli_video_open(&v, &args, &info, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: %s\n", path, msg);
        return -1;
    }
    *l = tk_frame_layout(info.width, info.height);
    uint8_t **frames = calloc((size_t)*n, sizeof(*frames));
    int got = 0, res = frames ? 1 : -1;
    while (res > 0 && got < *n) {
        TalkieImage img;
        res = cli_video_read(v, &img, msg, sizeof(msg));
        if (res <= 0)
            break;
        uint8_t *f = frames[got] = malloc(l->size);
        if (!f) {
            res = -1;
            break;
        }
        for (int y = 0; y < l->aligned_height; y++) {
            int sy = y < l->height ? y : l->height - 1;
            for (int x = 0; x < l->aligned_width; x++)
                f[(size_t)y * l->luma_stride + x] =
                    img.planes[0][sy * img.strides[0] + (x < l->width ? x : l->width - 1)];
        }
        for (int y = 0; y < l->aligned_height / 2; y++) {
            int sy = y < l->height / 2 ? y : l->height / 2 - 1;
            for (int x = 0; x < l->aligned_width / 2; x++) {
                int sx = x < l->width / 2 ? x : l->width / 2 - 1;
                uint8_t *c = f + l->chroma_offset + (size_t)y * l->luma_stride + 2 * x;
                c[0] = img.planes[1][sy * img.strides[1] + sx];
                c[1] = img.planes[2][sy * img.strides[2] + sx];
            }
        }
        got++;
    }
    if (res < 0)
        fprintf(stderr, "%s: %s\n", path, msg);
    cli_video_close(&v);
    *out = frames;
    *n = got;
    return res < 0 || got == 0 ? -1 : 0;
}

/* The skip map of frame i (i > 0) against frame i - 1, as the renderer would give it. */
static void skip_map(const TkFrameLayout *l, uint8_t *const *frames, int i, uint8_t *map)
{
    for (int my = 0; my < l->mb_height; my++)
        for (int mx = 0; mx < l->mb_width; mx++) {
            int same = 1;
            for (int y = 0; y < 16 && same; y++) {
                size_t o = (size_t)(my * 16 + y) * l->luma_stride + (size_t)mx * 16;
                same = !memcmp(frames[i] + o, frames[i - 1] + o, 16);
            }
            for (int y = 0; y < 8 && same; y++) {
                size_t o = l->chroma_offset + (size_t)(my * 8 + y) * l->luma_stride +
                           (size_t)mx * 16;
                same = !memcmp(frames[i] + o, frames[i - 1] + o, 16);
            }
            map[my * l->mb_width + mx] = same ? TK_SKIP_MAP_STATIC : TK_SKIP_MAP_CHANGED;
        }
}

/* Macroblock mb equal in pictures a and b (luma 16x16 and the CbCr rows). */
static int mb_equal(const TkFrameLayout *l, const uint8_t *a, const uint8_t *b, int mb)
{
    int mx = mb % l->mb_width, my = mb / l->mb_width;
    for (int y = 0; y < 16; y++) {
        size_t o = (size_t)(my * 16 + y) * l->luma_stride + (size_t)mx * 16;
        if (memcmp(a + o, b + o, 16) != 0)
            return 0;
    }
    for (int y = 0; y < 8; y++) {
        size_t o = l->chroma_offset + (size_t)(my * 8 + y) * l->luma_stride + (size_t)mx * 16;
        if (memcmp(a + o, b + o, 16) != 0)
            return 0;
    }
    return 1;
}

/* What the encoder's own map spares beyond the search (TK_SKIP_MAP_STATIC_SAME_REF): a
 * macroblock whose source and reference (at MV (0, 0)) both equal the previous picture's, at
 * the same QP, and that the previous picture coded 16x16 with MV (0, 0) and no residual, has
 * the same residual again, so it is coded the same way without computing it. Counted here
 * independently of the encoder, as a check. Before frame i (the C reference holds the
 * previous picture's decisions, its reference in ref and the new one in recon) marks those
 * in `reuse`; after it, counts them and the ones not coded so (which must be none). */
typedef struct ReuseCount {
    long p_mbs, reusable, exceptions;
} ReuseCount;

static void reuse_before(const TkEncoderRef *e, uint8_t *const *frames, int i, uint8_t *reuse)
{
    const TkFrameLayout *l = &e->params.layout;
    for (int mb = 0; mb < l->mb_width * l->mb_height; mb++) {
        const TkMbMotion *m = &e->motion[mb];
        reuse[mb] = i > 0 && m->ref_idx == 0 && m->part == TK_PART_16x16 && m->mv[0][0] == 0 &&
                    m->mv[0][1] == 0 && e->coded[mb].cbp == 0 &&
                    mb_equal(l, frames[i], frames[i - 1], mb) &&
                    mb_equal(l, e->recon, e->ref, mb);
    }
}

static void reuse_after(const TkEncoderRef *e, const uint8_t *reuse, ReuseCount *c)
{
    const TkFrameLayout *l = &e->params.layout;
    for (int mb = 0; mb < l->mb_width * l->mb_height; mb++) {
        const TkMbMotion *m = &e->motion[mb];
        c->p_mbs++;
        c->reusable += reuse[mb];
        c->exceptions += reuse[mb] && !(m->ref_idx == 0 && m->part == TK_PART_16x16 &&
                                        m->mv[0][0] == 0 && m->mv[0][1] == 0 &&
                                        e->coded[mb].cbp == 0);
    }
}

/* Encodes every frame with the C reference; mode 0 all intra, 1 P, 2 P with the skip map,
 * 3 P with the encoder's own map (and counts what it could reuse, outside the timing). */
/* A mode flag: P pictures' intra macroblocks I16x16 only (--p-i16-only). */
#define MODE_I16_ONLY 16

static int run_ref(const TkFrameLayout *l, uint8_t **frames, int n, int qp, int keyint,
                   int slice_rows, int deblock, int mode, int text_qp_offset,
                   int intra_refresh, Stream *s)
{
    int i16_only = (mode & MODE_I16_ONLY) != 0;
    mode &= ~MODE_I16_ONLY;
    TkEncoderRefParams p = { .layout = *l, .fps_num = 30, .fps_den = 1, .keyint = keyint,
                             .slice_mb_rows = slice_rows, .deblock = deblock,
                             .p_frames = mode > 0, .auto_skip_map = mode == 3,
                             .p_i16x16_only = i16_only, .text_qp_offset = text_qp_offset,
                             .intra_refresh = mode > 0 ? intra_refresh : 0 };
    TkEncoderRef *e = NULL;
    uint8_t *map = malloc((size_t)(l->mb_width * l->mb_height));
    uint8_t *reuse = malloc((size_t)(l->mb_width * l->mb_height));
    ReuseCount rc = { 0 };
    int err = map && reuse ? tk_encoder_ref_open(&e, &p) : -1;
    for (int i = 0; err >= 0 && i < n; i++) {
        if (i > 0 && mode == 2)
            skip_map(l, frames, i, map);
        if (mode == 3)
            reuse_before(e, frames, i, reuse);
        TkEncoderRefFrame in = { .src = frames[i], .qp = qp,
                                 .skip_map = mode == 2 && i > 0 ? map : NULL,
                                 .text_map = s->maps ? s->maps[i] : NULL };
        uint8_t *au = NULL;
        size_t size = 0;
        int idr;
        double t0 = now_s();
        err = tk_encoder_ref_encode_frame(e, &in, &au, &size, &idr);
        s->seconds += now_s() - t0;
        if (err >= 0 && mode == 3 && !idr)
            reuse_after(e, reuse, &rc);
        if (err >= 0)
            err = stream_add(s, au, size, frames, l);
        free(au);
    }
    if (err >= 0)
        err = stream_add(s, NULL, 0, frames, l);
    if (err >= 0 && mode == 3 && rc.p_mbs > 0)
        printf("(own map: %.1f%% of P-picture macroblocks static with an unchanged reference "
               "and coded before with MV (0,0) and no residual, so their residual is known; "
               "%ld of them coded otherwise)\n",
               100.0 * (double)rc.reusable / (double)rc.p_mbs, rc.exceptions);
    tk_encoder_ref_close(&e);
    free(map);
    free(reuse);
    return err;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The GPU encoder with P frames (mode 1, 2 with the skip map, 3 with its own) on `sessions`
 * encoders fed the same frames in one submission per frame; the stream of the first goes
 * to s. */
static int run_gpu(TkVkDevice *dev, const TkFrameLayout *l, uint8_t **frames, int n, int qp,
                   int keyint, int slice_rows, int deblock, int mode, int sessions, Stream *s)
{
    int i16_only = (mode & MODE_I16_ONLY) != 0;
    mode &= ~MODE_I16_ONLY;
    TkEncoderRefParams p = { .layout = *l, .fps_num = 30, .fps_den = 1, .keyint = keyint,
                             .slice_mb_rows = slice_rows, .deblock = deblock, .p_frames = 1,
                             .auto_skip_map = mode == 3, .p_i16x16_only = i16_only };
    TkEncoderGpu **enc = calloc((size_t)sessions, sizeof(*enc));
    TkEncoderGpuFrame *f = calloc((size_t)sessions, sizeof(*f));
    uint8_t *map = malloc((size_t)(l->mb_width * l->mb_height));
    TkVkBuffer src = { 0 }, skip = { 0 };
    TkVkCmd cmd = { 0 };
    size_t n_mbs = (size_t)(l->mb_width * l->mb_height);
    double *p_ms = calloc((size_t)n, sizeof(double)), idr_max = 0;
    double stage_ms[TK_ENCODER_GPU_STAGES] = { 0 };
    /* IDRs after the first (the first submission also pays for the device's warm-up) */
    double idr_ms = 0, idr_stage_ms[TK_ENCODER_GPU_STAGES] = { 0 };
    int n_p = 0, n_idr = 0, profiled = 0;
    int err = enc && f && map && p_ms ? 0 : -1;
    if (err >= 0)
        err = tk_vk_cmd_create(dev, &cmd);
    /* GPU time of each stage, where the queue has timestamps */
    int steps = tk_analyse_p_gpu_steps(l), n_ts_max = 1 + TK_ENCODER_GPU_STAGES + steps - 1;
    double step_ms[1024] = { 0 };
    profiled = err >= 0 && steps <= 1024 &&
               tk_vk_cmd_enable_timestamps(dev, &cmd, (uint32_t)n_ts_max) >= 0;
    if (err >= 0)
        err = tk_vk_buffer_create(dev, &src, l->size, TK_VK_MEMORY_UPLOAD);
    if (err >= 0)
        err = tk_vk_buffer_create(dev, &skip, (n_mbs + 3) / 4 * 4, TK_VK_MEMORY_UPLOAD);
    for (int k = 0; err >= 0 && k < sessions; k++)
        err = tk_encoder_gpu_open(&enc[k], dev, &p);
    if (err >= 0)
        enc[0]->profile_steps = profiled;
    for (int i = 0; err >= 0 && i < n; i++) {
        memcpy(src.map, frames[i], l->size);
        if (i > 0 && mode == 2) {
            skip_map(l, frames, i, map);
            memcpy(skip.map, map, n_mbs);
        }
        for (int k = 0; k < sessions; k++)
            f[k] = (TkEncoderGpuFrame){ .encoder = enc[k], .src = &src, .qp = qp,
                                        .skip_map = mode == 2 && i > 0 ? &skip : NULL };
        double t0 = now_s();
        err = tk_encoder_gpu_encode_batch(f, sessions, &cmd);
        double dt = now_s() - t0;
        s->seconds += dt;
        double ts[1024 + 1 + TK_ENCODER_GPU_STAGES];
        uint32_t n_ts = (uint32_t)n_ts_max;
        /* start, change map, step 0, steps 1.. (a P picture's diagonals), analysis end,
         * stages */
        int timed = err >= 0 && profiled &&
                    tk_vk_cmd_read_timestamps(dev, &cmd, ts, &n_ts) >= 0 &&
                    n_ts >= (uint32_t)TK_ENCODER_GPU_STAGES + 1;
        double *add_to = NULL;
        if (err >= 0 && f[0].idr) {
            idr_max = dt > idr_max ? dt : idr_max;
            if (i > 0) {
                idr_ms += 1e3 * dt;
                n_idr++;
                add_to = idr_stage_ms;
            }
        } else if (err >= 0) {
            p_ms[n_p++] = 1e3 * dt;
            add_to = n_ts == (uint32_t)n_ts_max ? stage_ms : NULL;
            for (int k = 1; timed && add_to && k < steps; k++)
                step_ms[k] += ts[k + 2] - ts[k + 1];
        }
        if (timed && add_to) {
            double *after = ts + n_ts - (TK_ENCODER_GPU_STAGES - 2); /* the analysis end on */
            add_to[0] += ts[1] - ts[0];
            add_to[1] += ts[2] - ts[1];
            add_to[2] += after[0] - ts[2];
            for (int k = 3; k < TK_ENCODER_GPU_STAGES; k++)
                add_to[k] += after[k - 2] - after[k - 3];
        }
        if (err >= 0)
            err = stream_add(s, f[0].au, f[0].au_size, frames, l);
        for (int k = 0; k < sessions; k++)
            free(f[k].au);
    }
    if (err >= 0)
        err = stream_add(s, NULL, 0, frames, l);
    if (err >= 0 && n_p > 0) {
        qsort(p_ms, (size_t)n_p, sizeof(double), cmp_double);
        printf("  %d a submission: P frames submit + wait p50 %.3f p99 %.3f max %.3f ms, IDR "
               "max %.3f ms", sessions, p_ms[n_p / 2], p_ms[(n_p * 99) / 100], p_ms[n_p - 1],
               1e3 * idr_max);
        if (profiled) {
            printf("; GPU stages of a P submission (mean ms):");
            for (int k = 0; k < TK_ENCODER_GPU_STAGES; k++)
                printf(" %s %.3f%s", tk_encoder_gpu_stage_names[k], stage_ms[k] / n_p,
                       k + 1 < TK_ENCODER_GPU_STAGES ? "," : "");
            /* step 1 the search and static passes; the decisions' diagonals: the cheapest
             * (what a step costs with nothing to do) and how the time spreads */
            double lo = 1e9, sum = 0;
            for (int k = 2; k < steps; k++) {
                lo = step_ms[k] < lo ? step_ms[k] : lo;
                sum += step_ms[k];
            }
            printf("\n    P search + static passes %.1f us; decision steps (mean us): cheapest "
                   "%.1f, mean %.1f; each:", 1e3 * step_ms[1] / n_p, 1e3 * lo / n_p,
                   1e3 * sum / n_p / (steps - 2));
            for (int k = 2; k < steps; k++)
                printf(" %.0f", 1e3 * step_ms[k] / n_p);
        }
        if (n_idr > 0) {
            printf("\n    IDRs after the first: submit + wait mean %.3f ms", idr_ms / n_idr);
            for (int k = 0; profiled && k < TK_ENCODER_GPU_STAGES; k++)
                printf("%s %s %.3f", k ? "," : "; GPU stages (mean ms):",
                       tk_encoder_gpu_stage_names[k], idr_stage_ms[k] / n_idr);
        }
        printf("\n");
    }
    free(p_ms);
    for (int k = 0; enc && k < sessions; k++)
        tk_encoder_gpu_close(&enc[k]);
    tk_vk_buffer_destroy(dev, &src);
    tk_vk_buffer_destroy(dev, &skip);
    tk_vk_cmd_destroy(dev, &cmd);
    free(enc);
    free(f);
    free(map);
    return err;
}

static int run_x264(const TkFrameLayout *l, uint8_t **frames, int n, int qp, const char *preset,
                    Stream *s)
{
    TkX264 *x = NULL;
    int err = tk_x264_open(&x, l, preset, qp, 0);
    for (int i = 0; err >= 0 && i < n; i++) {
        uint8_t *au = NULL;
        size_t size = 0;
        double t0 = now_s();
        err = tk_x264_encode(x, frames[i], i, &au, &size);
        s->seconds += now_s() - t0;
        if (err >= 0)
            err = stream_add(s, au, size, frames, l);
        free(au);
    }
    if (err >= 0)
        err = stream_add(s, NULL, 0, frames, l);
    tk_x264_close(&x);
    return err;
}

static double psnr_of(double sse, long samples)
{
    return sse > 0 ? 10 * log10(255.0 * 255.0 * (double)samples / sse) : 99;
}

/* The text QP table (--text-qp-offsets): intra and P + own map per offset. */
static int text_qp_table(const TkFrameLayout *l, uint8_t **frames, uint8_t **maps, int n,
                         int qp, int keyint, int slice_rows, int deblock, const int *offsets,
                         int n_offsets)
{
    long text_mbs = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < l->mb_width * l->mb_height; k++)
            text_mbs += maps[i][k] != 0;
    printf("text macroblocks: %.1f%% of all (the subtitle glyphs' macroblocks)\n\n",
           100.0 * (double)text_mbs / ((double)n * l->mb_width * l->mb_height));
    printf("| %-26s | %6s | %9s | %7s | %6s | %6s | %6s |\n", "stream", "offset", "bytes",
           "vs 0", "PSNR Y", "text", "rest");
    printf("|----------------------------|--------|-----------|---------|--------|--------|"
           "--------|\n");
    int err = 0;
    for (int mode = 0; mode <= 3 && err >= 0; mode += 3) {
        size_t base = 0;
        for (int k = 0; k < n_offsets && err >= 0; k++) {
            Stream s;
            if ((err = stream_open(&s)) < 0)
                break;
            s.maps = maps;
            err = run_ref(l, frames, n, qp, keyint, slice_rows, deblock, mode, offsets[k], 0,
                          &s);
            if (err >= 0 && s.next != n)
                err = -1;
            if (k == 0)
                base = s.bytes;
            if (err >= 0)
                printf("| %-26s | %6d | %9zu | %+6.1f%% | %6.2f | %6.2f | %6.2f |\n",
                       mode ? "C reference, P + own map" : "C reference, all intra", offsets[k],
                       s.bytes, 100.0 * ((double)s.bytes / (double)base - 1.0),
                       psnr_of(s.sse, s.samples), psnr_of(s.sse_text, s.samples_text),
                       psnr_of(s.sse - s.sse_text, s.samples - s.samples_text));
            stream_close(&s);
        }
    }
    return err;
}

/* The intra refresh table (--intra-refresh): the C reference's P + own map stream with an IDR
 * every keyint frames, then with each refresh cycle and no IDR but the first: bytes, PSNR,
 * the largest access unit after the first (the stream's first IDR, which every stream has)
 * and the largest. */
static int refresh_table(const TkFrameLayout *l, uint8_t **frames, int n, int qp, int keyint,
                         int slice_rows, int deblock, int mode_flags, const int *cycles,
                         int n_cycles)
{
    printf("| %-34s | %9s | %7s | %6s | %16s | %9s |\n", "C reference, P + own map", "bytes",
           "B/frame", "PSNR Y", "largest after 1st", "largest");
    printf("|------------------------------------|-----------|---------|--------|"
           "-------------------|-----------|\n");
    int err = 0;
    for (int k = -1; k < n_cycles && err >= 0; k++) {
        Stream s;
        if ((err = stream_open(&s)) < 0)
            break;
        int refresh = k < 0 ? 0 : cycles[k];
        err = run_ref(l, frames, n, qp, refresh ? 1000000 : keyint, slice_rows, deblock,
                      3 | mode_flags, 0, refresh, &s);
        if (err >= 0 && s.next != n)
            err = -1;
        char name[64];
        if (refresh)
            snprintf(name, sizeof(name), "intra refresh %d, no periodic IDR", refresh);
        else
            snprintf(name, sizeof(name), "an IDR every %d frames", keyint);
        if (err >= 0)
            printf("| %-34s | %9zu | %7.0f | %6.2f | %17zu | %9zu |\n", name, s.bytes,
                   (double)s.bytes / n, psnr_of(s.sse, s.samples), s.max_au_later, s.max_au);
        stream_close(&s);
    }
    return err;
}

int main(int argc, char **argv)
{
    int cycles[8], n_cycles = 0;
    int offsets[8], n_offsets = 0;
    int n = 300, qp = 26, w = 320, h = 240, keyint = 60, slice_rows = 1;
    int deblock = TK_DEBLOCK_AUTO, gpu = 1, mode_flags = 0;
    const char *input = NULL;
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--p-i16-only")) {
            mode_flags = MODE_I16_ONLY;
            continue;
        }
        if (!strcmp(opt, "--no-gpu")) {
            gpu = 0;
            continue;
        }
        if (!val) {
            bad = 1;
            break;
        }
        i++;
        if (!strcmp(opt, "--input"))
            input = val;
        else if (!strcmp(opt, "--text-qp-offsets"))
            for (const char *c = val; *c && n_offsets < 8;
                 c = strchr(c, ',') ? strchr(c, ',') + 1 : "")
                offsets[n_offsets++] = atoi(c);
        else if (!strcmp(opt, "--intra-refresh"))
            for (const char *c = val; *c && n_cycles < 8;
                 c = strchr(c, ',') ? strchr(c, ',') + 1 : "")
                cycles[n_cycles++] = atoi(c);
        else if (!strcmp(opt, "--gpu"))
            gpu = strcmp(val, "off") != 0;
        else if (!strcmp(opt, "--frames"))
            n = atoi(val);
        else if (!strcmp(opt, "--qp"))
            qp = atoi(val);
        else if (!strcmp(opt, "--deblock"))
            deblock = !strcmp(val, "off") ? TK_DEBLOCK_OFF
                      : !strcmp(val, "on") ? TK_DEBLOCK_ON : TK_DEBLOCK_AUTO;
        else if (!strcmp(opt, "--slice-rows"))
            slice_rows = atoi(val);
        else if (!strcmp(opt, "--keyint"))
            keyint = atoi(val);
        else if (strcmp(opt, "--size") || sscanf(val, "%dx%d", &w, &h) != 2)
            bad = 1;
    }
    if (bad) {
        fprintf(stderr, "usage: %s [--frames N] [--qp Q] [--size WxH] [--keyint K] "
                        "[--slice-rows R] [--deblock auto|on|off] [--input FILE.y4m] "
                        "[--no-gpu] [--text-qp-offsets 0,-3,-6] [--p-i16-only] "
                        "[--intra-refresh 30,60]\n", argv[0]);
        return 2;
    }
    if (n < 1 || qp < 0 || qp > 51 || keyint < 1 || slice_rows < 1 || w < 16 || h < 16 ||
        (w | h) & 1) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    TkFrameLayout l = tk_frame_layout(w, h);
    uint8_t **frames = NULL;
    int err;
    if (input) {
        err = load_frames(input, &l, &n, &frames);
        if (err < 0)
            return 1;
        w = l.width;
        h = l.height;
    } else {
        frames = calloc((size_t)n, sizeof(*frames));
        err = frames ? 0 : -1;
        for (int i = 0; err >= 0 && i < n; i++)
            err = (frames[i] = malloc(l.size)) ? 0 : -1;
        uint8_t **maps = n_offsets ? calloc((size_t)n, sizeof(*maps)) : NULL;
        for (int i = 0; err >= 0 && maps && i < n; i++)
            err = (maps[i] = malloc((size_t)l.mb_width * (size_t)l.mb_height)) ? 0 : -1;
        if (err >= 0)
            err = n_offsets && !maps ? -1 : render_frames(&l, n, frames, maps);
        if (err < 0) {
            fprintf(stderr, "cannot render the conversation (%d)\n", err);
            return 1;
        }
        if (n_offsets) {
            printf("conversation %dx%d, %d frames at 30 fps, QP %d, keyint %d, slices of %d "
                   "macroblock rows, deblocking %s\n\n", w, h, n, qp, keyint, slice_rows,
                   deblock == TK_DEBLOCK_OFF ? "off" : deblock == TK_DEBLOCK_ON ? "on" : "auto");
            err = text_qp_table(&l, frames, maps, n, qp, keyint, slice_rows, deblock, offsets,
                                n_offsets);
            for (int i = 0; i < n; i++) {
                free(frames[i]);
                free(maps[i]);
            }
            free(frames);
            free(maps);
            return err < 0;
        }
    }
    if (n_cycles) {
        printf("%s %dx%d, %d frames at 30 fps, QP %d, slices of %d macroblock rows\n\n",
               input ? input : "conversation", w, h, n, qp, slice_rows);
        err = refresh_table(&l, frames, n, qp, keyint, slice_rows, deblock, mode_flags, cycles,
                            n_cycles);
        for (int i = 0; i < n; i++)
            free(frames[i]);
        free(frames);
        return err < 0;
    }
    printf("%s %dx%d, %d frames at 30 fps, QP %d, keyint %d, slices of %d macroblock "
           "rows, deblocking %s (x264: gop 60, tune zerolatency, baseline, 1 thread, one "
           "slice)\n\n", input ? input : "conversation", w, h, n, qp, keyint, slice_rows,
           deblock == TK_DEBLOCK_OFF ? "off" : deblock == TK_DEBLOCK_ON ? "on" : "auto");
    /* how much of the conversation a skip map can spare the analysis */
    uint8_t *map = malloc((size_t)l.mb_width * (size_t)l.mb_height);
    long static_mbs = 0, n_mbs = (long)l.mb_width * l.mb_height;
    for (int i = 1; map && i < n; i++) {
        skip_map(&l, frames, i, map);
        for (long k = 0; k < n_mbs; k++)
            static_mbs += map[k] == TK_SKIP_MAP_STATIC;
    }
    free(map);
    if (n > 1)
        printf("macroblocks equal to the previous frame's (frames 1..%d): %.1f%%\n\n", n - 1,
               100.0 * (double)static_mbs / ((double)n_mbs * (n - 1)));
    printf("| %-34s | %9s | %7s | %5s | %6s | %7s |\n", "encoder", "bytes", "B/frame", "PSNR Y",
           "ms/fr", "vs intra");
    printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------------", "-----------",
           "---------", "-------", "--------", "---------");
    static const char *const names[] = {
        "talkie C reference, all intra", "talkie C reference, P frames",
        "talkie C reference, P + skip map", "talkie C reference, P + own map",
        "x264 ultrafast", "x264 veryfast",
    };
    enum { REF_ROWS = 4 };
    size_t intra_bytes = 1, ref_bytes[REF_ROWS] = { 0 };
    double ref_sse[REF_ROWS] = { 0 };
    for (int k = 0; k < REF_ROWS + 2 && err >= 0; k++) {
        Stream s;
        if ((err = stream_open(&s)) < 0)
            break;
        if (k < REF_ROWS)
            err = run_ref(&l, frames, n, qp, keyint, slice_rows, deblock, k | mode_flags, 0, 0,
                          &s);
        else
            err = run_x264(&l, frames, n, qp, k == REF_ROWS ? "ultrafast" : "veryfast", &s);
        if (err >= 0 && s.next != n)
            err = -1;
        if (k == 0)
            intra_bytes = s.bytes;
        if (k < REF_ROWS) {
            ref_bytes[k] = s.bytes;
            ref_sse[k] = s.sse;
        }
        if (err >= 0)
            report(names[k], &s, n, intra_bytes);
        stream_close(&s);
    }
    /* the GPU encoder: the same streams as the C reference's P rows, with GPU time */
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams dp = { .device_index = -1, .log = &log };
    TkVkDevice *dev = NULL;
    const char *env = getenv("TK_BENCH_SESSIONS");
    int sessions = env && atoi(env) > 0 ? atoi(env) : 16;
    if (!gpu) {
        /* the CPU rows only */
    } else if (err >= 0 && tk_vk_device_open(&dev, &dp) >= 0) {
        printf("\nGPU encoder on %s (ms/fr: per frame of one session, submit + wait; "
               "batch: %d sessions in one submission, ms per batch)\n\n",
               dev->props.deviceName, sessions);
        for (int k = 0; k < 6 && err >= 0; k++) {
            Stream s;
            if ((err = stream_open(&s)) < 0)
                break;
            int mode = 1 + k % 3, batch = k >= 3 ? sessions : 1;
            err = run_gpu(dev, &l, frames, n, qp, keyint, slice_rows, deblock, mode | mode_flags,
                          batch, &s);
            if (err >= 0 && s.next != n)
                err = -1;
            if (err >= 0 && (s.bytes != ref_bytes[mode] || s.sse != ref_sse[mode])) {
                fprintf(stderr, "the GPU stream differs from the C reference's\n");
                err = -1;
            }
            char name[64];
            snprintf(name, sizeof(name), "talkie GPU, P%s%s",
                     mode == 2 ? " + skip map" : mode == 3 ? " + own map" : "",
                     batch > 1 ? ", batch" : "");
            if (err >= 0)
                report(name, &s, n, intra_bytes);
            stream_close(&s);
        }
        tk_vk_device_close(&dev);
    } else if (err >= 0) {
        printf(gpu ? "\n(no Vulkan device: no GPU rows)\n" : "\n(--gpu off: no GPU rows)\n");
    }
    for (int i = 0; i < n; i++)
        free(frames[i]);
    free(frames);
    if (err < 0)
        fprintf(stderr, "failed (%d)\n", err);
    return err < 0;
}
