/* The whole-frame GPU encoder; see encoder_gpu.h. */
#include "encode/compute/encoder_gpu.h"

#include <stdlib.h>

#include "encode/compute/cavlc_ref.h"
#include "encode/compute/deblock_ref.h"
#include "talkie/talkie.h"

static const uint32_t copy_used_spv[] =
#include "copy_used.spv.inc"
;

void tk_encoder_gpu_close(TkEncoderGpu **pe)
{
    if (!pe || !*pe)
        return;
    TkEncoderGpu *e = *pe;
    TkVkDevice *dev = e->dev;
    tk_vk_cmd_destroy(dev, &e->cmd);
    tk_analyse_gpu_destroy(dev, &e->analyse);
    tk_cavlc_gpu_destroy(dev, &e->cavlc);
    tk_pack_gpu_destroy(dev, &e->pack);
    tk_vk_buffer_destroy(dev, &e->recon);
    tk_vk_buffer_destroy(dev, &e->coded);
    tk_vk_buffer_destroy(dev, &e->scratch);
    tk_vk_buffer_destroy(dev, &e->counts);
    tk_vk_buffer_destroy(dev, &e->mb_offset);
    tk_vk_buffer_destroy(dev, &e->hdr);
    tk_vk_buffer_destroy(dev, &e->slice_table);
    tk_vk_buffer_destroy(dev, &e->out);
    tk_vk_buffer_destroy(dev, &e->out_host);
    free(e);
    *pe = NULL;
}

int tk_encoder_gpu_open(TkEncoderGpu **pe, TkVkDevice *dev, const TkEncoderRefParams *p)
{
    *pe = NULL;
    if (!dev)
        return TALKIE_ERR(EINVAL);
    TkH264Config config;
    TkH264Gop gop;
    int err = tk_encoder_ref_config(p, &config, &gop);
    if (err < 0)
        return err;
    TkPackDims dims = tk_pack_dims(&p->layout, p->slice_mb_rows);
    if (dims.n_slices > TK_PACK_GPU_MAX_SLICES)
        return TALKIE_ERROR_UNSUPPORTED;

    TkEncoderGpu *e = calloc(1, sizeof(*e));
    if (!e)
        return TALKIE_ERR(ENOMEM);
    e->dev = dev;
    e->params = *p;
    e->config = config;
    e->gop = gop;
    e->dims = dims;

    VkDeviceSize n = dims.n_mbs;
    int res;
    if ((res = tk_analyse_gpu_create(dev, &e->analyse)) < 0 ||
        (res = tk_cavlc_gpu_create(dev, &e->cavlc)) < 0 ||
        (res = tk_pack_gpu_create(dev, &e->pack)) < 0 ||
        (res = tk_vk_cmd_create(dev, &e->cmd)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->recon, p->layout.size, TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->coded, n * sizeof(TkCodedMb),
                                   TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->scratch, n * TK_MB_SCRATCH_WORDS * 4,
                                   TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->counts, (n + 1) * 4, TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->mb_offset, n * 4, TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->hdr,
                                   (VkDeviceSize)dims.n_slices * TK_SLICE_HDR_WORDS * 4,
                                   TK_VK_MEMORY_UPLOAD)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->slice_table,
                                   (2 + 2 * (VkDeviceSize)dims.n_slices) * 4,
                                   TK_VK_MEMORY_READBACK)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->out, tk_pack_out_words(&dims) * 4,
                                   TK_VK_MEMORY_DEVICE)) < 0 ||
        (res = tk_vk_buffer_create(dev, &e->out_host, tk_pack_out_words(&dims) * 4,
                                   TK_VK_MEMORY_READBACK)) < 0 ||
        (res = tk_vk_kernel_shared(dev, &e->copy_used, copy_used_spv, sizeof(copy_used_spv),
                                   3, sizeof(uint32_t))) < 0 ||
        (res = tk_vk_cmd_begin(dev, &e->cmd)) < 0)
        goto error;
    /* The CAVLC error flag must start at zero; pack.comp clears it after each frame. */
    tk_vk_cmd_fill(dev, &e->cmd, &e->counts, 0);
    tk_vk_cmd_barrier(dev, &e->cmd);
    if ((res = tk_vk_cmd_submit(dev, &e->cmd)) < 0 || (res = tk_vk_cmd_wait(dev, &e->cmd)) < 0)
        goto error;
    *pe = e;
    return 0;
error:
    tk_encoder_gpu_close(&e);
    return res;
}

/* Prepares frame `qp` of e (an IDR when force_idr): writes its slice headers into the upload buffer (free: the
 * previous frame was waited for) and keeps the picture state for finish(). */
static int frame_begin(TkEncoderGpu *e, const TkVkBuffer *src, int qp, int force_idr)
{
    if (qp < 0 || qp > 51 || !src)
        return TALKIE_ERR(EINVAL);
    if (force_idr)
        tk_h264_gop_force_idr(&e->gop);
    e->pic = (TkH264SliceHeader){ .qp = qp,
                                  .deblock = tk_deblock_enabled(e->params.deblock, qp) };
    e->next_gop = e->gop;
    tk_h264_gop_next(&e->next_gop, &e->pic);
    return tk_pack_slice_headers(&e->config, &e->pic, &e->dims, e->hdr.map);
}

/* The stages of a frame, recorded separately so that a batch runs each stage of all its
 * frames side by side: no barrier between frames, one between stages. A barrier waits for
 * everything recorded before it, so barriers inside a frame's stages would serialise the
 * whole batch. */
enum {
    STAGE_ANALYSE, STAGE_CAVLC, STAGE_PACK_OFFSETS, STAGE_PACK_WRITE, STAGE_COPY_OUT, N_STAGES
};
_Static_assert(N_STAGES == TK_ENCODER_GPU_STAGES, "encoder_gpu.h names the stage count");

/* Workgroups of copy_used.comp: 4096 invocations cover a frame of talkie's sizes in one or
 * two strides. */
#define COPY_USED_GROUPS 16

static void record_stage(TkEncoderGpu *e, TkVkCmd *cmd, const TkVkBuffer *src, int stage)
{
    TkVkDevice *dev = e->dev;
    TkIntraParams ip = { .layout = e->params.layout, .qp = e->pic.qp,
                         .slice_mb_rows = e->params.slice_mb_rows };
    switch (stage) {
    case STAGE_ANALYSE:
        tk_analyse_gpu_record(dev, &e->analyse, cmd, &ip, src, &e->recon, &e->coded);
        break;
    case STAGE_CAVLC:
        tk_cavlc_gpu_record(dev, &e->cavlc, cmd, &e->params.layout, e->params.slice_mb_rows,
                            &e->coded, &e->scratch, &e->counts);
        break;
    case STAGE_PACK_OFFSETS:
    case STAGE_PACK_WRITE:
        tk_pack_gpu_record(dev, &e->pack, cmd, &e->dims, &e->counts, &e->scratch, &e->hdr,
                           &e->mb_offset, &e->slice_table, &e->out,
                           stage == STAGE_PACK_OFFSETS ? TK_PACK_PASS_OFFSETS
                                                       : TK_PACK_PASS_WRITE);
        break;
    case STAGE_COPY_OUT: {
        const TkVkBuffer *bufs[3] = { &e->slice_table, &e->out, &e->out_host };
        uint32_t max_words = (uint32_t)(e->out.size / 4);
        tk_vk_cmd_dispatch(dev, cmd, e->copy_used, bufs, &max_words, COPY_USED_GROUPS, 1, 1);
        break;
    }
    }
}

/* After the submission's wait: NAL framing of the packed slices into a new access unit. */
static int frame_finish(TkEncoderGpu *e, uint8_t **au, size_t *au_size, int *idr)
{
    TkVkDevice *dev = e->dev;
    tk_vk_buffer_invalidate(dev, &e->slice_table);
    tk_vk_buffer_invalidate(dev, &e->out_host);
    const uint32_t *table = e->slice_table.map;
    if (table[1] != 0)
        return TALKIE_ERR(ERANGE);
    /* Only now does the picture count: a failed frame leaves frame_num where it was. */
    e->gop = e->next_gop;
    *idr = e->pic.idr;
    /* out holds the stream bytes little-endian in each word (pack.comp), which is the
     * memory order of the words on the little-endian hosts Vulkan runs on. */
    return tk_h264_au_write(&e->config, e->pic.idr, e->params.aud, e->out_host.map,
                            (size_t)e->out_host.size, table + 2, (int)e->dims.n_slices, au,
                            au_size);
}

int tk_encoder_gpu_encode(TkEncoderGpu *e, const TkVkBuffer *src, int qp, uint8_t **au,
                          size_t *au_size, int *idr)
{
    TkEncoderGpuFrame frame = { .encoder = e, .src = src, .qp = qp };
    int res = tk_encoder_gpu_encode_batch(&frame, 1, &e->cmd);
    *au = frame.au;
    *au_size = frame.au_size;
    *idr = frame.idr;
    return res < 0 ? res : frame.result;
}

int tk_encoder_gpu_batch_record(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd)
{
    if (n < 1 || !cmd || !cmd->recording)
        return TALKIE_ERR(EINVAL);
    TkVkDevice *dev = frames[0].encoder->dev;
    int res = 0;
    for (int i = 0; i < n; i++) {
        frames[i].au = NULL;
        frames[i].au_size = 0;
        frames[i].idr = 0;
        frames[i].result = frames[i].encoder->dev != dev ? TALKIE_ERR(EINVAL)
                                                         : frame_begin(frames[i].encoder,
                                                                       frames[i].src,
                                                                       frames[i].qp,
                                                                       frames[i].force_idr);
        if (frames[i].result < 0)
            res = frames[i].result;
    }
    if (res < 0)
        return res;
    for (int stage = 0; stage < N_STAGES; stage++) {
        for (int i = 0; i < n; i++)
            record_stage(frames[i].encoder, cmd, frames[i].src, stage);
        tk_vk_cmd_barrier(dev, cmd);
        tk_vk_cmd_timestamp(dev, cmd);
    }
    return 0;
}

int tk_encoder_gpu_batch_collect(TkEncoderGpuFrame *frames, int n)
{
    int res = 0;
    for (int i = 0; i < n; i++) {
        TkEncoderGpuFrame *f = &frames[i];
        f->result = frame_finish(f->encoder, &f->au, &f->au_size, &f->idr);
        if (f->result < 0 && res == 0)
            res = f->result;
    }
    return res;
}

int tk_encoder_gpu_batch_submit(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd)
{
    if (n < 1 || !cmd)
        return TALKIE_ERR(EINVAL);
    TkVkDevice *dev = frames[0].encoder->dev;
    int res = tk_vk_cmd_begin(dev, cmd);
    if (res < 0)
        return res;
    tk_vk_cmd_timestamp(dev, cmd);
    if ((res = tk_encoder_gpu_batch_record(frames, n, cmd)) < 0) {
        tk_vk_cmd_abandon(dev, cmd);
        return res;
    }
    return tk_vk_cmd_submit(dev, cmd);
}

int tk_encoder_gpu_batch_finish(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd)
{
    /* only after a successful submit: otherwise the buffers hold an older frame */
    if (n < 1 || !cmd || !cmd->submitted)
        return TALKIE_ERR(EINVAL);
    int res = tk_vk_cmd_wait(frames[0].encoder->dev, cmd);
    return res < 0 ? res : tk_encoder_gpu_batch_collect(frames, n);
}

int tk_encoder_gpu_encode_batch(TkEncoderGpuFrame *frames, int n, TkVkCmd *cmd)
{
    int res = tk_encoder_gpu_batch_submit(frames, n, cmd);
    return res < 0 ? res : tk_encoder_gpu_batch_finish(frames, n, cmd);
}
