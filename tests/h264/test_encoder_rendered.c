/*
 * The compute encoder on what it exists for: conversation frames drawn by talkie's renderer
 * into device memory and encoded from there with no host copy. Every access unit must equal
 * the C reference's byte for byte (the reference reads a copy of the same image), and
 * libavcodec must decode it to exactly the reference's reconstruction (deblocked). Sizes 320x240 and
 * 200x120 (not a multiple of 16), QPs 0, 26, 51. Validation on; skipped without a device.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "render/render.h"
#include "scene/scene.h"

/* Decodes one access unit; 1 when the visible picture equals recon (NV12, layout l). */
static int decodes_to(const uint8_t *au, size_t size, const uint8_t *recon, const TkFrameLayout *l)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    uint8_t *padded = calloc(1, size + AV_INPUT_BUFFER_PADDING_SIZE);
    int same = 0;
    if (!c || !pkt || !f || !padded)
        goto done;
    c->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM;
    memcpy(padded, au, size);
    pkt->data = padded;
    pkt->size = (int)size;
    if (avcodec_open2(c, codec, NULL) < 0 || avcodec_send_packet(c, pkt) < 0 ||
        avcodec_send_packet(c, NULL) < 0 || avcodec_receive_frame(c, f) < 0)
        goto done;
    if (f->width != l->width || f->height != l->height || f->decode_error_flags)
        goto done;
    same = 1;
    for (int y = 0; y < l->height; y++)
        same &= !memcmp(f->data[0] + y * f->linesize[0], recon + y * l->luma_stride,
                        (size_t)l->width);
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++) {
            const uint8_t *cbcr = recon + l->chroma_offset + y * l->luma_stride + 2 * x;
            same &= f->data[1][y * f->linesize[1] + x] == cbcr[0] &&
                    f->data[2][y * f->linesize[2] + x] == cbcr[1];
        }
done:
    free(padded);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return same;
}

static int checked;

static void run_size(TkVkDevice *dev, const TkScene *scene, int width, int height)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    /* deblocking on at every QP, so libavcodec checks the filter on rendered text and
     * avatars too */
    TkEncoderRefParams p = { .layout = tk_frame_layout(width, height), .fps_num = 30,
                             .fps_den = 1, .keyint = 1, .slice_mb_rows = 1,
                             .deblock = TK_DEBLOCK_ON };
    TkRenderer *r = NULL;
    TkEncoderRef *ref = NULL;
    TkEncoderGpu *gpu = NULL;
    TkVkBuffer frame = { 0 }, copy = { 0 };
    TkVkCmd cmd = { 0 };
    CHECK_EQ(tk_renderer_create(&r, dev, &p.layout, getenv("TALKIE_FONT"), &log), 0);
    CHECK_EQ(tk_encoder_ref_open(&ref, &p), 0);
    CHECK_EQ(tk_encoder_gpu_open(&gpu, dev, &p), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &frame, p.layout.size, TK_VK_MEMORY_DEVICE), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &copy, p.layout.size, TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    if (!r || !ref || !gpu || !frame.buffer || !copy.map)
        goto done;
    static const int qps[] = { 0, 26, 51 };
    static const int64_t times_ms[] = { 400, 1300, 2600 };
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
        CHECK_EQ(tk_renderer_record(r, scene, times_ms[i], &cmd, &frame), 0);
        tk_vk_cmd_barrier(dev, &cmd);
        tk_vk_cmd_copy(dev, &cmd, &frame, 0, &copy, 0, p.layout.size);
        tk_vk_cmd_barrier(dev, &cmd);
        CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
        CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
        tk_vk_buffer_invalidate(dev, &copy);

        uint8_t *au_ref = NULL, *au_gpu = NULL;
        size_t n_ref = 0, n_gpu = 0;
        int idr_ref = -1, idr_gpu = -2;
        CHECK_EQ(tk_encoder_ref_encode(ref, copy.map, qps[i], &au_ref, &n_ref, &idr_ref), 0);
        CHECK_EQ(tk_encoder_gpu_encode(gpu, &frame, qps[i], &au_gpu, &n_gpu, &idr_gpu), 0);
        CHECK_EQ(idr_gpu, idr_ref);
        CHECK_EQ(n_gpu, n_ref);
        int same = au_ref && au_gpu && n_ref == n_gpu &&
                   tk_check_bytes("access unit", au_gpu, au_ref, n_ref) < 0;
        CHECK_EQ(idr_ref, 1);  /* keyint 1: each frame decodes on its own */
        int decoded = decodes_to(au_ref, n_ref, tk_encoder_ref_recon(ref), &p.layout);
        CHECK(decoded);
        printf("%dx%d t=%lld ms qp %d: %zu bytes, GPU %s, decoded %s\n", width, height,
               (long long)times_ms[i], qps[i], n_ref, same ? "equal" : "DIFFERENT",
               decoded ? "= recon" : "!= recon");
        checked += same && decoded;
        free(au_ref);
        free(au_gpu);
    }
done:
    tk_vk_cmd_destroy(dev, &cmd);
    tk_vk_buffer_destroy(dev, &frame);
    tk_vk_buffer_destroy(dev, &copy);
    tk_encoder_gpu_close(&gpu);
    tk_encoder_ref_close(&ref);
    tk_renderer_destroy(&r);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);
    TkScene *scene = NULL;
    CHECK_EQ(tk_scene_create(&scene, &log), 0);
    TalkieTurn turns[] = {
        { "Ada", "Hello Grace! Shall we look at the encoder?", 0, 1500 },
        { "Grace", "Oui, très bien — and the subtitles too.", 1800, 1500 },
    };
    for (int i = 0; i < 2; i++)
        CHECK_EQ(tk_scene_add_turn(scene, &turns[i]), 0);
    run_size(dev, scene, 320, 240);
    run_size(dev, scene, 200, 120);
    CHECK_EQ(checked, 6);
    tk_scene_destroy(&scene);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
