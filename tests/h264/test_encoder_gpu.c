/*
 * The whole GPU encoder path (analyse.comp + cavlc.comp + pack.comp, host NAL framing)
 * against the C reference encoder: byte-identical access units for random, flat, noise and
 * gradient frames at 320x240, 200x120 and 64x64, QPs 0 10 26 40 51, and runs of frames
 * (IDR / I / IDR, AUDs, slices of several rows). Validation on; skipped (77) without a
 * Vulkan device.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/encoder_ref.h"

enum { PAT_RANDOM, PAT_FLAT, PAT_NOISE, PAT_GRADIENT, PAT_COUNT };

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void fill_frame(uint8_t *img, const TkFrameLayout *l, int pattern, uint32_t seed)
{
    uint32_t rnd = seed * 2654435761u + 1;
    for (size_t i = 0; i < l->size; i++) {
        size_t x = i % l->luma_stride, y = i / l->luma_stride;
        int luma = i < l->chroma_offset;
        uint8_t v;
        switch (pattern) {
        case PAT_RANDOM: v = (uint8_t)next_random(&rnd); break;
        case PAT_FLAT: v = (uint8_t)(luma ? 16 + seed * 37 % 220 : 128 - (x & 1) * 30); break;
        case PAT_NOISE: v = ((x ^ y) & 1) ? 255 : 0; break;
        default: v = (uint8_t)((x * 255 / l->luma_stride + y * 2 + seed * 9) & 0xff); break;
        }
        img[i] = v;
    }
}

static int cases;

/* One reference and one GPU encoder for a size (kernels are built once per encoder, which
 * on lavapipe costs far more than encoding), fed the same frames. */
typedef struct Pair {
    TkEncoderRefParams p;
    TkEncoderRef *ref;
    TkEncoderGpu *gpu;
    TkVkBuffer src;
} Pair;

static int pair_open(Pair *pr, TkVkDevice *dev, int width, int height, int keyint,
                     int slice_mb_rows, int aud)
{
    memset(pr, 0, sizeof(*pr));
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(width, height), .fps_num = 30, .fps_den = 1,
        .keyint = keyint, .slice_mb_rows = slice_mb_rows, .aud = aud,
    };
    pr->p = p;
    CHECK_EQ(tk_encoder_ref_open(&pr->ref, &p), 0);
    CHECK_EQ(tk_encoder_gpu_open(&pr->gpu, dev, &p), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &pr->src, p.layout.size, TK_VK_MEMORY_UPLOAD), 0);
    return pr->ref && pr->gpu && pr->src.map ? 0 : -1;
}

static void pair_close(Pair *pr, TkVkDevice *dev)
{
    tk_vk_buffer_destroy(dev, &pr->src);
    tk_encoder_gpu_close(&pr->gpu);
    tk_encoder_ref_close(&pr->ref);
}

/* Encodes one frame both ways; 1 when the access units are equal. */
static int encode_both(Pair *pr, int qp, int pattern, uint32_t seed)
{
    fill_frame(pr->src.map, &pr->p.layout, pattern, seed);
    uint8_t *au_ref = NULL, *au_gpu = NULL;
    size_t n_ref = 0, n_gpu = 0;
    int idr_ref = -1, idr_gpu = -2;
    CHECK_EQ(tk_encoder_ref_encode(pr->ref, pr->src.map, qp, &au_ref, &n_ref, &idr_ref), 0);
    CHECK_EQ(tk_encoder_gpu_encode(pr->gpu, &pr->src, qp, &au_gpu, &n_gpu, &idr_gpu), 0);
    CHECK_EQ(idr_gpu, idr_ref);
    CHECK_EQ(n_gpu, n_ref);
    int same = au_ref && au_gpu && n_ref == n_gpu && idr_gpu == idr_ref &&
               tk_check_bytes("access unit", au_gpu, au_ref, n_ref) < 0;
    printf("%dx%d qp %2d pattern %d seed %u slice rows %d: %zu bytes %s\n", pr->p.layout.width,
           pr->p.layout.height, qp, pattern, seed, pr->p.slice_mb_rows, n_ref,
           same ? "equal" : "DIFFERENT");
    fflush(stdout);
    cases += same;
    free(au_ref);
    free(au_gpu);
    return same;
}

/* Three encoders of different sizes and slice layouts, one frame each, in one submission:
 * each access unit equals its own C reference's. Two rounds, so the second frames are I;
 * the second round as two batches in flight at once (submit, submit, finish, finish), as a
 * caller pipelines them. */
static void check_batch(TkVkDevice *dev)
{
    static const int shapes[3][3] = { { 200, 120, 1 }, { 64, 64, 2 }, { 96, 48, 1 } };
    Pair prs[3];
    TkVkCmd cmd, cmd2;
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd2), 0);
    for (int i = 0; i < 3; i++)
        pair_open(&prs[i], dev, shapes[i][0], shapes[i][1], 2, shapes[i][2], 0);
    for (int round = 0; round < 2; round++) {
        TkEncoderGpuFrame frames[3];
        uint8_t *au_ref[3] = { NULL, NULL, NULL };
        size_t n_ref[3] = { 0, 0, 0 };
        for (int i = 0; i < 3; i++) {
            int idr = -1;
            fill_frame(prs[i].src.map, &prs[i].p.layout, i % PAT_COUNT, (uint32_t)(round * 3 + i));
            CHECK_EQ(tk_encoder_ref_encode(prs[i].ref, prs[i].src.map, 20 + 5 * i, &au_ref[i],
                                           &n_ref[i], &idr), 0);
            frames[i] = (TkEncoderGpuFrame){ .encoder = prs[i].gpu, .src = &prs[i].src,
                                             .qp = 20 + 5 * i };
        }
        if (round == 0) {
            /* finishing what was never submitted is refused, not a stale access unit */
            CHECK_EQ(tk_encoder_gpu_batch_finish(frames, 3, &cmd), TALKIE_ERR(EINVAL));
            CHECK_EQ(tk_encoder_gpu_encode_batch(frames, 3, &cmd), 0);
        } else {
            CHECK_EQ(tk_encoder_gpu_batch_submit(frames, 2, &cmd), 0);
            CHECK_EQ(tk_encoder_gpu_batch_submit(frames + 2, 1, &cmd2), 0);
            CHECK_EQ(tk_encoder_gpu_batch_finish(frames, 2, &cmd), 0);
            CHECK_EQ(tk_encoder_gpu_batch_finish(frames + 2, 1, &cmd2), 0);
        }
        for (int i = 0; i < 3; i++) {
            CHECK_EQ(frames[i].result, 0);
            CHECK_EQ(frames[i].idr, round == 0);
            CHECK_EQ(frames[i].au_size, n_ref[i]);
            if (frames[i].au && au_ref[i] && frames[i].au_size == n_ref[i] &&
                tk_check_bytes("batched access unit", frames[i].au, au_ref[i], n_ref[i]) < 0)
                cases++;
            free(frames[i].au);
            free(au_ref[i]);
        }
    }
    for (int i = 0; i < 3; i++)
        pair_close(&prs[i], dev);
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_cmd_destroy(dev, &cmd2);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);

    static const int sizes[][2] = { { 320, 240 }, { 200, 120 }, { 64, 64 } };
    static const int qps[] = { 0, 10, 26, 40, 51 };
    Pair pr;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        if (pair_open(&pr, dev, sizes[s][0], sizes[s][1], 1, 1, 0) == 0)
            for (size_t q = 0; q < sizeof(qps) / sizeof(qps[0]); q++)
                for (int pat = 0; pat < PAT_COUNT; pat++)
                    encode_both(&pr, qps[q], pat, (uint32_t)(q + 1));
        pair_close(&pr, dev);
    }
    /* IDR, I, IDR, I, IDR with AUDs; then slices of 3 rows and no IDR after the first. */
    if (pair_open(&pr, dev, 200, 120, 2, 1, 1) == 0)
        for (int i = 0; i < 5; i++)
            encode_both(&pr, 26, i % PAT_COUNT, (uint32_t)(i + 7));
    pair_close(&pr, dev);
    if (pair_open(&pr, dev, 64, 64, 30, 3, 0) == 0)
        for (int i = 0; i < 3; i++)
            encode_both(&pr, 20, PAT_GRADIENT, (uint32_t)(i + 1));
    pair_close(&pr, dev);
    check_batch(dev);
    printf("%d access units equal\n", cases);
    CHECK_EQ(cases, 60 + 5 + 3 + 6);

    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
