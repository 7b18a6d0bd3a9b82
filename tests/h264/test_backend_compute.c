/*
 * The compute backend through its TkEncoderBackend interface: probe, open, the
 * submit / receive / flush contract (EAGAIN while a packet waits, EOF after flush), packets
 * byte-identical with the C reference encoder at a fixed QP (IDR every 2 frames, P pictures
 * between them on GPUs, keyframe flags, pts), and the bitrate mode (qp -1) producing a stream
 * whose QP moves with the target, byte-identical with the C reference under the same rate
 * control, frames coded again over their cap included (the GPU encoder's rewind), both
 * through submit/receive (coded again at once) and through record/collect (collect() sends
 * the frame back, TkEncoderJob.again, and a later record codes it again). Validation on;
 * skipped (77) without a Vulkan device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "encode/backend.h"
#include "encode/compute/encoder_ref.h"
#include "encode/compute/ratecontrol.h"
#include "vk/vk.h"

static void fill(uint8_t *img, const TkFrameLayout *l, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 3;
    for (size_t i = 0; i < l->size; i++) {
        s = s * 1664525u + 1013904223u;
        img[i] = (uint8_t)((i % l->luma_stride) * 2 + (s >> 28) * (seed + 1));
    }
}

/* Frame `src` through the C reference under `rc`, as ratecontrol.h's loop codes it (the
 * backend's way): its access unit (free()) into *au; adds its second codings to *recoded. */
static void ref_rated(TkEncoderRef *ref, TkRateControl *rc, const uint8_t *src, uint8_t **au,
                      size_t *size, int *recoded)
{
    TkH264Gop before = ref->gop, g = ref->gop;
    TkH264SliceHeader pic = { 0 };
    tk_h264_gop_next(&g, &pic);
    int qp = tk_rc_qp(rc, pic.idr), idr = 0;
    for (int attempt = 0;; attempt++) {
        CHECK_EQ(tk_encoder_ref_encode(ref, src, qp, au, size, &idr), 0);
        int again = tk_rc_retry_qp(rc, idr, qp, (int64_t)*size * 8, attempt);
        if (again < 0 || !*au)
            break;
        free(*au);
        *au = NULL;
        tk_encoder_ref_rewind(ref, &before);
        qp = again;
        *recoded += 1;
    }
    tk_rc_update(rc, idr, qp, (int64_t)*size * 8);
}

/* Frame i of the bitrate mode's 12: one picture for 6 frames (P pictures of nothing: the QP
 * falls), then new ones (which go over the cap at that QP). */
static void fill_rated(uint8_t *img, const TkFrameLayout *l, int i)
{
    fill(img, l, i < 6 ? 3 : (uint32_t)i);
}

int main(void)
{
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDeviceParams dp = { .device_index = -1, .validation = 1, .log = &log };
    TkVkDevice *dev = NULL;
    if (tk_vk_device_open(&dev, &dp) < 0)
        tk_check_skip("no Vulkan device");
    const TkEncoderBackend *b = tk_encoder_find(TALKIE_ENCODER_COMPUTE);
    CHECK(b != NULL);
    TkEncoderParams p = {
        .layout = tk_frame_layout(96, 64), .fps_num = 25, .fps_den = 1, .qp = 30,
        .keyint = 2, .p_frames = 1, .vk = dev, .log = &log,
    };
    TkEncoderParams no_dev = p;
    no_dev.vk = NULL;
    CHECK_EQ(b->probe(&no_dev), TALKIE_ERROR_UNSUPPORTED);
    CHECK_EQ(b->probe(&p), 0);

    /* the backend's choices: P pictures (asked above), with the encoder's own skip map and
     * I16x16 only as their intra macroblocks; by default one slice a P picture and one
     * macroblock row a slice in IDRs; a level that holds QP 30's worst frame at every frame
     * (ratecontrol.h) */
    TkEncoderRefParams rp = { .layout = p.layout, .fps_num = 25, .fps_den = 1, .keyint = 2,
                              .slice_mb_rows = p.layout.mb_height, .idr_slice_mb_rows = 1,
                              .deblock = TK_DEBLOCK_AUTO, .p_frames = 1, .auto_skip_map = 1,
                              .p_i16x16_only = 1 };
    TkRateParams rate = { .fps_num = 25, .fps_den = 1, .qp = 30, .n_mbs = 24,
                          .n_slices = (int)tk_encoder_max_dims(&rp).n_slices, .keyint = 2 };
    rp.bitrate_bps = tk_rc_peak_bps(&rate);
    TkEncoderRef *ref = NULL;
    TkVkBuffer src = { 0 };
    void *ctx = NULL;
    CHECK_EQ(tk_encoder_ref_open(&ref, &rp), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &src, p.layout.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(b->open(&ctx, &p), 0);
    if (!ref || !src.map || !ctx)
        goto done;

    TalkiePacket pkt;
    /* the default slice heights, then one-row slices */
    for (int rows = 0; rows <= 1; rows++) {
        if (rows == 1) {
            p.slice_mb_rows = rp.slice_mb_rows = 1; /* for every picture */
            rp.idr_slice_mb_rows = 0;
            rate.n_slices = (int)tk_pack_dims(&p.layout, 1).n_slices;
            rp.bitrate_bps = tk_rc_peak_bps(&rate);
            tk_encoder_ref_close(&ref);
            CHECK_EQ(tk_encoder_ref_open(&ref, &rp), 0);
            CHECK_EQ(b->open(&ctx, &p), 0);
            if (!ref || !ctx)
                goto done;
        }
        CHECK_EQ(b->receive(ctx, &pkt), TALKIE_ERR(EAGAIN));
        for (int i = 0; i < 4; i++) {
            fill(src.map, &p.layout, (uint32_t)i);
            TkEncoderFrame f = { .gpu = &src, .pts = 10 + i };
            CHECK_EQ(b->submit(ctx, &f), 0);
            CHECK_EQ(b->submit(ctx, &f), TALKIE_ERR(EAGAIN)); /* the packet was not taken */
            uint8_t *au = NULL;
            size_t size = 0;
            int idr = 0;
            CHECK_EQ(tk_encoder_ref_encode(ref, src.map, 30, &au, &size, &idr), 0);
            CHECK_EQ(b->receive(ctx, &pkt), 0);
            if (pkt.size != size)
                fprintf(stderr, "slice rows %d, frame %d\n", rp.slice_mb_rows, i);
            CHECK_EQ(pkt.size, size);
            CHECK_EQ(pkt.keyframe, i % 2 == 0);
            CHECK_EQ(idr, i % 2 == 0);
            CHECK_EQ(pkt.pts, 10 + i);
            CHECK_EQ(pkt.dts, 10 + i);
            if (pkt.size == size && au)
                tk_check_bytes("packet", pkt.data, au, size);
            free(au);
            free(pkt.data);
            CHECK_EQ(b->receive(ctx, &pkt), TALKIE_ERR(EAGAIN));
        }
        CHECK_EQ(b->flush(ctx), 0);
        CHECK_EQ(b->receive(ctx, &pkt), TALKIE_EOF);
        b->close(&ctx);
        CHECK(ctx == NULL);
    }
    /* back to the default for the bitrate mode */
    p.slice_mb_rows = 0;
    rp.slice_mb_rows = p.layout.mb_height;
    rp.idr_slice_mb_rows = 1;
    rate.n_slices = (int)tk_encoder_max_dims(&rp).n_slices;

    /* Bitrate mode: a tiny target pushes the QP up, so later frames get much smaller; frames
     * over their cap are coded again (tk_encoder_gpu_rewind). The packets equal the C
     * reference driven by the same rate control the same way (ratecontrol.h's loop), re-codes
     * included. */
    p.qp = -1;
    p.bitrate_bps = 100000;
    CHECK_EQ(b->probe(&p), 0);
    CHECK_EQ(b->open(&ctx, &p), 0);
    TkRateControl rc;
    rate.qp = -1;
    rate.bitrate_bps = p.bitrate_bps;
    rate.max_bitrate_bps = tk_rc_peak_bps(&rate);
    rp.bitrate_bps = rate.max_bitrate_bps;
    tk_encoder_ref_close(&ref);
    CHECK_EQ(tk_encoder_ref_open(&ref, &rp), 0);
    /* as the backend: later targets may use all of the level the SPS signals */
    if (ref && tk_h264_level_max_bitrate(ref->config.level_idc) > rate.max_bitrate_bps)
        rate.max_bitrate_bps = tk_h264_level_max_bitrate(ref->config.level_idc);
    CHECK_EQ(tk_rc_init(&rc, &rate), 0);
    TkRateControl rc_start = rc; /* for the record/collect pass below */
    size_t first = 0, last = 0;
    int recoded = 0;
    for (int i = 0; ctx && ref && i < 12; i++) {
        fill_rated(src.map, &p.layout, i);
        TkEncoderFrame f = { .gpu = &src, .pts = i };
        CHECK_EQ(b->submit(ctx, &f), 0);
        CHECK_EQ(b->receive(ctx, &pkt), 0);
        if (i == 0)
            first = pkt.size;
        if (i == 5)
            last = pkt.size;
        /* the same frame through the C reference */
        uint8_t *au = NULL;
        size_t size = 0;
        int codings = 0;
        ref_rated(ref, &rc, src.map, &au, &size, &codings);
        recoded += codings > 0;
        CHECK_EQ(pkt.size, size);
        if (pkt.size == size && au)
            tk_check_bytes("bitrate packet", pkt.data, au, size);
        free(au);
        free(pkt.data);
    }
    printf("bitrate mode: first packet %zu bytes, sixth %zu bytes, %d frames coded again\n",
           first, last, recoded);
    /* the first frame, an IDR, may take a second of the target; the sixth, not an IDR, gets
     * 1.5 frame intervals (or QP 51, where nothing smaller exists) */
    CHECK(last < first);
    CHECK(recoded > 0); /* the rewind was exercised */
    b->close(&ctx);

    /* The engine's way, record/collect, on the same frames: collect() waits for nothing and
     * sends a frame over its cap back (again); recorded again (its buffer untouched) in a
     * later submission, it comes out as the C reference's packet, after as many codings. */
    TkVkCmd cmd = { 0 };
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    CHECK_EQ(b->open(&ctx, &p), 0);
    tk_encoder_ref_close(&ref);
    CHECK_EQ(tk_encoder_ref_open(&ref, &rp), 0);
    rc = rc_start;
    int sent_back = 0, want_back = 0;
    if (ctx) { /* nothing was sent back yet: again = 1 is refused */
        TkEncoderJob job = { .encoder = ctx, .frame = { .gpu = &src }, .again = 1 };
        CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
        CHECK_EQ(b->record(&job, 1, &cmd), TALKIE_ERR(EINVAL));
        tk_vk_cmd_abandon(dev, &cmd);
    }
    for (int i = 0; ctx && ref && i < 12; i++) {
        fill_rated(src.map, &p.layout, i);
        TkEncoderJob job = { .encoder = ctx, .frame = { .gpu = &src, .pts = i } };
        for (int codings = 0; codings <= TK_RC_MAX_RETRIES; codings++) {
            CHECK_EQ(tk_vk_cmd_begin(dev, &cmd), 0);
            CHECK_EQ(b->record(&job, 1, &cmd), 0);
            CHECK_EQ(tk_vk_cmd_submit(dev, &cmd), 0);
            CHECK_EQ(tk_vk_cmd_wait(dev, &cmd), 0);
            CHECK_EQ(b->collect(&job, 1), 0);
            CHECK_EQ(job.result, 0);
            if (!job.again)
                break;
            CHECK(job.packet.data == NULL);
            sent_back++;
        }
        CHECK_EQ(job.again, 0);
        uint8_t *au = NULL;
        size_t size = 0;
        ref_rated(ref, &rc, src.map, &au, &size, &want_back);
        CHECK_EQ(job.packet.pts, i);
        CHECK_EQ(job.packet.size, size);
        if (job.packet.size == size && au)
            tk_check_bytes("record/collect packet", job.packet.data, au, size);
        free(au);
        free(job.packet.data);
    }
    printf("record/collect: %d codings sent back (the C reference: %d)\n", sent_back, want_back);
    CHECK_EQ(sent_back, want_back);
    CHECK(sent_back > 0);
    b->close(&ctx);
    tk_vk_cmd_destroy(dev, &cmd);
done:
    b->close(&ctx);
    tk_vk_buffer_destroy(dev, &src);
    tk_encoder_ref_close(&ref);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
