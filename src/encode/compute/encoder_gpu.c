/* The whole-frame GPU encoder; see encoder_gpu.h. */
#include "encode/compute/encoder_gpu.h"

#include <stdlib.h>

#include "encode/compute/cavlc_ref.h"
#include "talkie/talkie.h"

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
                                   TK_VK_MEMORY_READBACK)) < 0) {
        tk_encoder_gpu_close(&e);
        return res;
    }
    *pe = e;
    return 0;
}

int tk_encoder_gpu_encode(TkEncoderGpu *e, const TkVkBuffer *src, int qp, uint8_t **au,
                          size_t *au_size, int *idr)
{
    *au = NULL;
    *au_size = 0;
    if (qp < 0 || qp > 51 || !src)
        return TALKIE_ERR(EINVAL);
    TkVkDevice *dev = e->dev;

    /* The previous frame was waited for, so the header buffer is free to rewrite. */
    TkH264SliceHeader pic = { .qp = qp };
    TkH264Gop next = e->gop;
    tk_h264_gop_next(&next, &pic);
    int res = tk_pack_slice_headers(&e->config, &pic, &e->dims, e->hdr.map);
    if (res < 0)
        return res;

    TkIntraParams ip = { .layout = e->params.layout, .qp = qp,
                         .slice_mb_rows = e->params.slice_mb_rows };
    if ((res = tk_vk_cmd_begin(dev, &e->cmd)) < 0)
        return res;
    tk_analyse_gpu_record(dev, &e->analyse, &e->cmd, &ip, src, &e->recon, &e->coded);
    tk_vk_cmd_barrier(dev, &e->cmd);
    tk_cavlc_gpu_record(dev, &e->cavlc, &e->cmd, &e->params.layout, e->params.slice_mb_rows,
                        &e->coded, &e->scratch, &e->counts);
    tk_vk_cmd_barrier(dev, &e->cmd);
    tk_pack_gpu_record(dev, &e->pack, &e->cmd, &e->dims, &e->counts, &e->scratch, &e->hdr,
                       &e->mb_offset, &e->slice_table, &e->out);
    tk_vk_cmd_barrier(dev, &e->cmd);
    if ((res = tk_vk_cmd_submit(dev, &e->cmd)) < 0)
        return res;
    if ((res = tk_vk_cmd_wait(dev, &e->cmd)) < 0)
        return res;
    tk_vk_buffer_invalidate(dev, &e->slice_table);
    tk_vk_buffer_invalidate(dev, &e->out);

    const uint32_t *table = e->slice_table.map;
    if (table[1] != 0)
        return TALKIE_ERR(ERANGE);
    /* Only now does the picture count: a failed frame leaves frame_num where it was. */
    e->gop = next;
    *idr = pic.idr;
    /* out holds the stream bytes little-endian in each word (pack.comp), which is the
     * memory order of the words on the little-endian hosts Vulkan runs on. */
    return tk_h264_au_write(&e->config, pic.idr, e->params.aud, e->out.map,
                            (size_t)e->out.size, table + 2, (int)e->dims.n_slices, au,
                            au_size);
}
