/*
 * analyse.comp and analyse_narrow.comp against the C reference: coded macroblocks and recon
 * equal byte for byte, on rendered-like, flat and noise frames, two sizes (one not a
 * multiple of 16), QPs 0 10 26 40 51 and slices of 1 2 3 MB rows, for each shape the device
 * can run; with a text map too (a third of the macroblocks at the frame QP - 6, as under
 * subtitle text, and QP 3 where that clamps at 0). Validation on; skipped (77) without a
 * Vulkan device.
 * Then a small benchmark of each shape: a 320x240 frame (slices of one MB row, as the
 * compute backend uses), and 1280x720 except on CPU devices, analysed TK_BENCH_REPS times
 * (default 4) in one submission; prints the time per frame.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "common/text_qp_defs.h"
#include "encode/compute/analyse_gpu.h"
#include "talkie/talkie.h"

static uint32_t rng_state = 1;

static int rnd(int n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int)((rng_state >> 8) % (uint32_t)n);
}

enum { SRC_SHAPES, SRC_FLAT, SRC_NOISE };

static void fill_src(uint8_t *src, const TkFrameLayout *l, int kind, int seed)
{
    rng_state = (uint32_t)seed * 2654435761u + 7u;
    for (size_t i = 0; i < l->size; i++) {
        size_t row = i / l->luma_stride, x = i % l->luma_stride;
        int v;
        if (kind == SRC_NOISE)
            v = rnd(256);
        else if (kind == SRC_FLAT)
            v = i < l->chroma_offset ? 90 : 160 - (int)(x & 1) * 40;
        else if (i < l->chroma_offset) /* blocks, gradients and edges */
            v = ((x / 20 + row / 12) & 1) ? (int)(x * 3 + row) % 200 + 20 : 230 - (int)((x ^ row) % 50);
        else
            v = 128 + (int)((x * 5 + row * 3) % 60) - 30;
        src[i] = (uint8_t)v;
    }
}

typedef struct Ctx {
    TkVkDevice *dev;
    TkAnalyseGpu an;
    TkVkCmd cmd;
} Ctx;

static const char *shape_name(TkAnalyseShape shape)
{
    return shape == TK_ANALYSE_WIDE ? "wide" : "narrow";
}

/* text_offset != 0: a text map marks about a third of the macroblocks (bands of a few,
 * as a caption's glyphs cover them), coded at TK_TEXT_QP(qp, text_offset). */
static void run_case(Ctx *c, int w, int h, int kind, int qp, int slice_rows, int text_offset)
{
    TkIntraParams p = { tk_frame_layout(w, h), qp, slice_rows };
    const TkFrameLayout *l = &p.layout;
    size_t n_mb = (size_t)l->mb_width * (size_t)l->mb_height;
    TkVkBuffer text = { 0 };
    uint8_t *text_map = NULL;
    if (text_offset != 0) {
        CHECK_EQ(tk_vk_buffer_create(c->dev, &text, (n_mb + 3) / 4 * 4, TK_VK_MEMORY_UPLOAD), 0);
        text_map = text.map;
        if (!text_map) {
            CHECK(0);
            return;
        }
        for (size_t i = 0; i < n_mb; i++)
            text_map[i] = (i / 3 + i / 7) % 3 == 0 ? TK_TEXT_MAP_TEXT : 0;
        p.text_map = text_map;
        p.text_qp = TK_TEXT_QP(qp, text_offset);
    }
    size_t coded_bytes = n_mb * sizeof(TkCodedMb);
    uint8_t *rec_ref = calloc(1, l->size);
    TkCodedMb *coded_ref = calloc(n_mb, sizeof(TkCodedMb));
    TkVkBuffer src = { 0 }, recon = { 0 }, coded = { 0 }, rb_rec = { 0 }, rb_coded = { 0 };
    if (!rec_ref || !coded_ref) {
        CHECK(0);
        goto done;
    }
    CHECK_EQ(tk_vk_buffer_create(c->dev, &src, l->size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &recon, l->size, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &coded, coded_bytes, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &rb_rec, l->size, TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &rb_coded, coded_bytes, TK_VK_MEMORY_READBACK), 0);
    if (!src.map || !rb_rec.map || !rb_coded.map)
        goto done;
    fill_src(src.map, l, kind, w + qp * 3 + slice_rows);
    tk_intra_analyse_frame_ref(&p, src.map, rec_ref, coded_ref);

    CHECK_EQ(tk_vk_cmd_begin(c->dev, &c->cmd), 0);
    /* garbage first, so that a macroblock the kernel forgets shows */
    tk_vk_cmd_fill(c->dev, &c->cmd, &recon, 0xa5a5a5a5u);
    tk_vk_cmd_fill(c->dev, &c->cmd, &coded, 0x5a5a5a5au);
    tk_vk_cmd_barrier(c->dev, &c->cmd);
    tk_analyse_gpu_record(c->dev, &c->an, &c->cmd, &p, &src, &recon, &coded,
                          text_map ? &text : NULL);
    tk_vk_cmd_barrier(c->dev, &c->cmd);
    tk_vk_cmd_copy(c->dev, &c->cmd, &recon, 0, &rb_rec, 0, l->size);
    tk_vk_cmd_copy(c->dev, &c->cmd, &coded, 0, &rb_coded, 0, coded_bytes);
    tk_vk_cmd_barrier(c->dev, &c->cmd);
    CHECK_EQ(tk_vk_cmd_submit(c->dev, &c->cmd), 0);
    CHECK_EQ(tk_vk_cmd_wait(c->dev, &c->cmd), 0);
    tk_vk_buffer_invalidate(c->dev, &rb_rec);
    tk_vk_buffer_invalidate(c->dev, &rb_coded);

    long bad_rec = tk_check_bytes("recon", rb_rec.map, rec_ref, l->size);
    long bad_coded = tk_check_bytes("coded", rb_coded.map, (const uint8_t *)coded_ref, coded_bytes);
    int n_i4 = 0;
    for (size_t i = 0; i < n_mb; i++)
        n_i4 += coded_ref[i].type == TK_MB_I4x4;
    printf("%s %dx%d kind %d qp %2d text qp %2d slice rows %d: I4x4 %zu/%zu -> %s\n",
           shape_name(c->an.shape), w, h, kind, qp, text_map ? p.text_qp : qp, slice_rows,
           (size_t)n_i4, n_mb,
           bad_rec < 0 && bad_coded < 0 ? "equal" : "DIFFERENT");
    if (bad_coded >= 0) {
        size_t mb = (size_t)bad_coded / sizeof(TkCodedMb);
        printf("  first coded difference: MB %zu, int %zu of the struct\n", mb,
               ((size_t)bad_coded % sizeof(TkCodedMb)) / 4);
    }
    CHECK_EQ(bad_rec, -1);
    CHECK_EQ(bad_coded, -1);
done:
    tk_vk_buffer_destroy(c->dev, &text);
    tk_vk_buffer_destroy(c->dev, &src);
    tk_vk_buffer_destroy(c->dev, &recon);
    tk_vk_buffer_destroy(c->dev, &coded);
    tk_vk_buffer_destroy(c->dev, &rb_rec);
    tk_vk_buffer_destroy(c->dev, &rb_coded);
    free(rec_ref);
    free(coded_ref);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Time per frame of the analysis alone: `reps` dispatches (barriers between them) in one
 * submission, best of three submissions, so that the submit/wait cost is spread. */
static void bench(Ctx *c, int w, int h, int qp, int reps)
{
    TkIntraParams p = { tk_frame_layout(w, h), qp, 1 };
    const TkFrameLayout *l = &p.layout;
    size_t coded_bytes = (size_t)l->mb_width * (size_t)l->mb_height * sizeof(TkCodedMb);
    TkVkBuffer src = { 0 }, recon = { 0 }, coded = { 0 };
    double best = 1e30;
    CHECK_EQ(tk_vk_buffer_create(c->dev, &src, l->size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &recon, l->size, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(c->dev, &coded, coded_bytes, TK_VK_MEMORY_DEVICE), 0);
    if (!src.map)
        goto done;
    fill_src(src.map, l, SRC_SHAPES, 1);
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(tk_vk_cmd_begin(c->dev, &c->cmd), 0);
        for (int i = 0; i < reps; i++) {
            tk_analyse_gpu_record(c->dev, &c->an, &c->cmd, &p, &src, &recon, &coded, NULL);
            tk_vk_cmd_barrier(c->dev, &c->cmd);
        }
        double t0 = now_s();
        CHECK_EQ(tk_vk_cmd_submit(c->dev, &c->cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(c->dev, &c->cmd), 0);
        double t = (now_s() - t0) / reps;
        if (t < best)
            best = t;
    }
    printf("bench %s %dx%d qp %d, slices of 1 MB row: %.3f ms per frame (%d frames a submission)\n",
           shape_name(c->an.shape), w, h, qp, best * 1e3, reps);
done:
    tk_vk_buffer_destroy(c->dev, &src);
    tk_vk_buffer_destroy(c->dev, &recon);
    tk_vk_buffer_destroy(c->dev, &coded);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams params = { .device_index = -1, .validation = 1, .log = &log };
    Ctx c = { 0 };
    if (tk_vk_device_open(&c.dev, &params) < 0)
        tk_check_skip("no Vulkan device");
    CHECK_EQ(tk_vk_cmd_create(c.dev, &c.cmd), 0);
    TkAnalyseGpu autoshape;
    CHECK_EQ(tk_analyse_gpu_create(c.dev, &autoshape), 0);
    printf("device %s: automatic shape %s\n", c.dev->props.deviceName, shape_name(autoshape.shape));
    tk_analyse_gpu_destroy(c.dev, &autoshape);

    const char *reps = getenv("TK_BENCH_REPS");
    static const TkAnalyseShape shapes[] = { TK_ANALYSE_WIDE, TK_ANALYSE_NARROW };
    for (int s = 0; s < 2; s++) {
        int res = tk_analyse_gpu_create_shape(c.dev, &c.an, shapes[s]);
        if (res == TALKIE_ERROR_UNSUPPORTED) {
            printf("%s: not supported by this device\n", shape_name(shapes[s]));
            continue;
        }
        CHECK_EQ(res, 0);
        static const int qps[] = { 0, 10, 26, 40, 51 };
        for (int i = 0; i < 5; i++) {
            run_case(&c, 64, 48, SRC_SHAPES, qps[i], 1, 0);
            run_case(&c, 200, 120, SRC_SHAPES, qps[i], 2, 0);
            run_case(&c, 200, 120, SRC_NOISE, qps[i], 1, 0);
            run_case(&c, 64, 48, SRC_FLAT, qps[i], 3, 0);
        }
        /* per-macroblock QP under a text map */
        run_case(&c, 200, 120, SRC_SHAPES, 26, 2, -6);
        run_case(&c, 200, 120, SRC_NOISE, 32, 1, -12);
        run_case(&c, 64, 48, SRC_SHAPES, 3, 3, -6);
        bench(&c, 320, 240, 26, reps ? atoi(reps) : 4);
        if (c.dev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU)
            bench(&c, 1280, 720, 26, reps ? atoi(reps) : 4);
        tk_analyse_gpu_destroy(c.dev, &c.an);
    }

    tk_vk_cmd_destroy(c.dev, &c.cmd);
    tk_check_gpu_close(&c.dev);
    return tk_check_finish();
}
