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
    tk_analyse_p_gpu_destroy(dev, &e->analyse_p);
    tk_deblock_gpu_destroy(dev, &e->deblock);
    tk_mb_qp_gpu_destroy(dev, &e->mb_qp);
    tk_cavlc_gpu_destroy(dev, &e->cavlc);
    tk_pack_gpu_destroy(dev, &e->pack);
    tk_change_map_gpu_destroy(dev, &e->change);
    tk_vk_buffer_destroy(dev, &e->prev_src);
    tk_vk_buffer_destroy(dev, &e->change_map);
    tk_vk_buffer_destroy(dev, &e->recon);
    tk_vk_buffer_destroy(dev, &e->ref);
    tk_vk_buffer_destroy(dev, &e->motion);
    tk_vk_buffer_destroy(dev, &e->search);
    tk_vk_buffer_destroy(dev, &e->motion_prev);
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
    TkPackDims dims = tk_encoder_max_dims(p);
    if (dims.n_slices > TK_PACK_GPU_MAX_SLICES)
        return TALKIE_ERROR_UNSUPPORTED;

    TkEncoderGpu *e = calloc(1, sizeof(*e));
    if (!e)
        return TALKIE_ERR(ENOMEM);
    e->dev = dev;
    e->params = *p;
    e->config = config;
    e->gop = gop;
    e->gop.p_frames = p->p_frames != 0;
    e->dims = dims;
    e->deblock_mode = p->p_frames && p->deblock == TK_DEBLOCK_AUTO ? TK_DEBLOCK_ON : p->deblock;
    e->gop.refresh = p->intra_refresh;
    /* an intra refresh marks its columns in the encoder's own map */
    e->auto_map = p->p_frames && (p->auto_skip_map || p->intra_refresh > 0);
    e->prev_p_qp = -1;

    VkDeviceSize n = dims.n_mbs;
    int res;
    if ((res = tk_analyse_gpu_create(dev, &e->analyse)) < 0 ||
        (res = tk_cavlc_gpu_create(dev, &e->cavlc)) < 0 ||
        (res = tk_pack_gpu_create(dev, &e->pack)) < 0 ||
        (p->text_qp_offset != 0 && (res = tk_mb_qp_gpu_create(dev, &e->mb_qp)) < 0) ||
        (res = tk_vk_cmd_create(dev, &e->cmd)) < 0 ||
        (p->p_frames && ((res = tk_analyse_p_gpu_create(dev, &e->analyse_p)) < 0 ||
                         (res = tk_deblock_gpu_create(dev, &e->deblock)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->ref, p->layout.size,
                                                    TK_VK_MEMORY_DEVICE)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->motion, n * sizeof(TkMbMotion),
                                                    TK_VK_MEMORY_DEVICE)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->motion_prev,
                                                    n * sizeof(TkMbMotion),
                                                    TK_VK_MEMORY_DEVICE)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->search, n * sizeof(TkMbSearch),
                                                    TK_VK_MEMORY_DEVICE)) < 0)) ||
        (e->auto_map && ((res = tk_change_map_gpu_create(dev, &e->change)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->prev_src, p->layout.size,
                                                    TK_VK_MEMORY_DEVICE)) < 0 ||
                         (res = tk_vk_buffer_create(dev, &e->change_map,
                                                    tk_change_map_bytes(&p->layout),
                                                    TK_VK_MEMORY_DEVICE)) < 0)) ||
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
        (res = tk_vk_kernel_shared_rows(dev, &e->copy_used, copy_used_spv, sizeof(copy_used_spv),
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

static void swap_pictures(TkEncoderGpu *e)
{
    TkVkBuffer t = e->ref;
    e->ref = e->recon;
    e->recon = t;
}

/* The last picture's motion becomes the previous one's. Not undone where the C reference,
 * whose one motion array the analysis overwrites, keeps the new one: after a failed or
 * rewound picture the next one's search starts from that picture's motion. */
static void swap_motion(TkEncoderGpu *e)
{
    TkVkBuffer t = e->motion_prev;
    e->motion_prev = e->motion;
    e->motion = t;
}

/* Prepares frame `qp` of e (an IDR when force_idr): writes its slice headers into the upload buffer (free: the
 * previous frame was waited for) and keeps the picture state for finish(). */
static int frame_begin(TkEncoderGpu *e, const TkVkBuffer *src, int qp, int force_idr,
                       const TkVkBuffer *skip_map, const TkVkBuffer *text_map)
{
    if (qp < 0 || qp > 51 || !src)
        return TALKIE_ERR(EINVAL);
    if (force_idr)
        tk_h264_gop_force_idr(&e->gop);
    e->pic = (TkH264SliceHeader){ .qp = qp,
                                  .deblock = tk_deblock_enabled(e->deblock_mode, qp) };
    e->next_gop = e->gop;
    tk_h264_gop_next(&e->next_gop, &e->pic);
    e->pic_slice_rows = tk_encoder_slice_rows(&e->params, e->pic.p_slice);
    e->pic_dims = tk_pack_dims(&e->params.layout, e->pic_slice_rows);
    e->refresh = tk_encoder_refresh_cols(&e->params, &e->pic, e->ref_deblocked);
    e->given_map = e->params.intra_refresh > 0 ? skip_map : NULL;
    /* with an intra refresh the caller's map goes through the encoder's (encoder_ref.c) */
    e->skip_map = skip_map && e->params.intra_refresh == 0 ? skip_map
                  : e->auto_map                           ? &e->change_map
                                                          : NULL;
    e->text_map = e->params.text_qp_offset != 0 ? text_map : NULL;
    int res = tk_pack_slice_headers(&e->config, &e->pic, &e->pic_dims, e->hdr.map);
    if (res < 0) {
        /* as encoder_ref.c, whose change map runs before it fails here: a failed frame
         * leaves no previous picture to compare with */
        e->prev_valid = 0;
        e->prev_p_qp = -1;
        return res;
    }
    if (e->pic.p_slice) {
        swap_pictures(e); /* the previous picture, deblocked, becomes the reference */
        swap_motion(e);
    }
    return 0;
}

/* The stages of a frame, recorded separately so that a batch runs each stage of all its
 * frames side by side: no barrier between frames, one between stages. A barrier waits for
 * everything recorded before it, so barriers inside a frame's stages would serialise the
 * whole batch. */
enum {
    STAGE_ANALYSE, STAGE_CAVLC, STAGE_PACK_OFFSETS, STAGE_PACK_WRITE, STAGE_COPY_OUT, N_STAGES
};
/* the stages a profile sees: the change maps and the analysis' first and other steps, then
 * the stages after the analysis */
_Static_assert(N_STAGES + 2 == TK_ENCODER_GPU_STAGES, "encoder_gpu.h names the stage count");
const char *const tk_encoder_gpu_stage_names[TK_ENCODER_GPU_STAGES] = {
    "change map", "analyse (P: work lists)", "P search, static, decisions",
    "cavlc + deblock",
    "pack offsets", "pack write", "copy out",
};

/* Workgroups of copy_used.comp: 4096 invocations cover a frame of talkie's sizes in one or
 * two strides. */
#define COPY_USED_GROUPS 16

/* The analysis of an I picture is one dispatch (analysis step 0); that of a P picture the
 * search pass, then one per macroblock diagonal (a barrier after each: analyse_p_gpu.h). */
static int analysis_steps(const TkEncoderGpu *e)
{
    int steps = e->pic.p_slice ? tk_analyse_p_gpu_steps(&e->params.layout) : 1;
    /* with a text map, mb_qp.comp follows: QP_Y and mb_qp_delta along the slices */
    return steps + (e->text_map != NULL);
}

/* Picture e's row of the batch's P table (e->pic a P picture). */
static void p_frame_entry(TkEncoderGpu *e, const TkVkBuffer *src, TkAnalysePFrame *f)
{
    TkInterParams ip = { .layout = e->params.layout, .qp = e->pic.qp,
                         .slice_mb_rows = e->pic_slice_rows,
                         .text_qp = TK_TEXT_QP(e->pic.qp, e->params.text_qp_offset),
                         .refresh_x0 = e->refresh.x0, .refresh_x1 = e->refresh.x1,
                         .refresh_limit = tk_encoder_refresh_limit(&e->refresh),
                         .i16x16_only = e->params.p_i16x16_only };
    TkAnalysePBuffers b = { src,        &e->ref,     &e->recon,  &e->coded,
                            &e->motion, e->skip_map, &e->search, &e->motion_prev,
                            e->text_map };
    tk_analyse_p_gpu_frame(f, &ip, &b);
}

/* Step s of e's analysis besides the P pictures' steps (which the batch records together):
 * an I picture's analysis at step 0, the QP pass after the last step. */
static void record_analysis_step(TkEncoderGpu *e, TkVkCmd *cmd, const TkVkBuffer *src,
                                 int step)
{
    TkVkDevice *dev = e->dev;
    if (e->text_map && step == analysis_steps(e) - 1) {
        tk_mb_qp_gpu_record(dev, &e->mb_qp, cmd, &e->params.layout, e->pic_slice_rows,
                            e->pic.qp, &e->coded);
        return;
    }
    if (e->pic.p_slice || step != 0)
        return;
    TkIntraParams ip = { .layout = e->params.layout, .qp = e->pic.qp,
                         .slice_mb_rows = e->pic_slice_rows,
                         .text_qp = TK_TEXT_QP(e->pic.qp, e->params.text_qp_offset) };
    tk_analyse_gpu_record(dev, &e->analyse, cmd, &ip, src, &e->recon, &e->coded, e->text_map);
    /* An I picture leaves no motion (encoder_ref.c): ref_idx -1 everywhere, so the next P
     * picture's search has no co-located MV to start from. The other fields come out -1
     * too, where the C reference has 0; nothing reads them behind a ref_idx of -1. */
    if (e->params.p_frames)
        tk_vk_cmd_fill(dev, cmd, &e->motion, 0xffffffffu);
}

static void record_stage(TkEncoderGpu *e, TkVkCmd *cmd, const TkVkBuffer *src, int stage)
{
    TkVkDevice *dev = e->dev;
    (void)src;
    switch (stage) {
    case STAGE_ANALYSE:
        break; /* record_analysis_step() */
    case STAGE_CAVLC:
        tk_cavlc_gpu_record_p(dev, &e->cavlc, cmd, &e->params.layout, e->pic_slice_rows,
                              &e->coded,
                              e->pic.p_slice ? &e->motion : NULL, &e->scratch, &e->counts);
        /* the filter reads coded and motion too and writes only recon, which nothing
         * after the analysis reads in this picture: beside CAVLC. With p_frames only:
         * recon is then the next picture's reference. */
        if (e->params.p_frames && e->pic.deblock)
            tk_deblock_gpu_record(dev, &e->deblock, cmd, &e->params.layout, &e->recon,
                                  &e->coded, &e->motion);
        break;
    case STAGE_PACK_OFFSETS:
    case STAGE_PACK_WRITE:
        tk_pack_gpu_record(dev, &e->pack, cmd, &e->pic_dims, &e->counts, &e->scratch, &e->hdr,
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
    /* change_map.comp ran: prev_src is this frame's source, valid only if it is coded */
    e->prev_valid = 0;
    e->prev_p_qp = -1;
    if (table[1] != 0) {
        /* as encoder_ref.c: a failed P picture gives the reference back */
        if (e->pic.p_slice)
            swap_pictures(e);
        return TALKIE_ERR(ERANGE);
    }
    /* Only now does the picture count: a failed frame leaves frame_num where it was. */
    e->gop = e->next_gop;
    e->ref_deblocked_before = e->ref_deblocked;
    e->ref_deblocked = e->pic.deblock;
    *idr = e->pic.idr;
    /* out holds the stream bytes little-endian in each word (pack.comp), which is the
     * memory order of the words on the little-endian hosts Vulkan runs on. */
    int res = tk_h264_au_write_pic(&e->config, &e->pic, e->params.aud, e->out_host.map,
                                   (size_t)e->out_host.size, table + 2, (int)e->pic_dims.n_slices,
                                   au, au_size);
    e->prev_valid = res >= 0;
    e->prev_p_qp = res >= 0 && e->pic.p_slice ? e->pic.qp : -1;
    return res;
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
                                                                       frames[i].force_idr,
                                                                       frames[i].skip_map,
                                                                       frames[i].text_map);
        if (frames[i].result < 0)
            res = frames[i].result;
    }
    /* the P pictures' table: their analysis is one dispatch per step for the whole batch */
    TkAnalysePFrame *p_frames = NULL;
    TkAnalysePBatch p_batch = { 0 };
    const TkAnalysePGpu *p_kernels = NULL;
    int n_p = 0;
    for (int i = 0; res == 0 && i < n; i++)
        n_p += frames[i].encoder->pic.p_slice;
    if (res == 0 && n_p > 0) {
        p_frames = malloc((size_t)n_p * sizeof(*p_frames));
        if (!p_frames)
            res = TALKIE_ERR(ENOMEM);
        for (int i = 0, k = 0; p_frames && i < n; i++)
            if (frames[i].encoder->pic.p_slice) {
                p_frame_entry(frames[i].encoder, frames[i].src, &p_frames[k++]);
                p_kernels = &frames[i].encoder->analyse_p;
            }
        if (p_frames)
            res = tk_analyse_p_gpu_batch(dev, cmd, p_frames, n_p, &p_batch);
    }
    if (res < 0) {
        /* frames whose begin succeeded took their reference: give it back */
        for (int i = 0; i < n; i++)
            if (frames[i].result == 0 && frames[i].encoder->pic.p_slice) {
                swap_pictures(frames[i].encoder);
                swap_motion(frames[i].encoder); /* nothing ran: all as before */
            }
        free(p_frames);
        return res;
    }
    /* the change maps of every frame that makes its own (each P analysis reads its map from
     * diagonal 0 on), then one barrier; IDRs too, so that prev_src follows every frame */
    int change_maps = 0;
    for (int i = 0; i < n; i++) {
        TkEncoderGpu *e = frames[i].encoder;
        if (!e->auto_map)
            continue;
        /* a P picture after a P picture at its QP: compare the references too (frame_begin
         * swapped them: ref is the new one, recon until the analysis the previous one) */
        int own = e->params.auto_skip_map;
        int refs = own && e->pic.p_slice && e->prev_valid && e->prev_p_qp == e->pic.qp;
        tk_change_map_gpu_record(dev, &e->change, cmd, &e->params.layout, frames[i].src,
                                 &e->prev_src, &e->change_map, own && e->prev_valid,
                                 refs ? &e->ref : NULL, refs ? &e->recon : NULL, e->given_map,
                                 &e->refresh);
        change_maps++;
    }
    if (change_maps > 0)
        tk_vk_cmd_barrier(dev, cmd);
    tk_vk_cmd_timestamp(dev, cmd);
    /* the analysis: step s of every frame, then one barrier (P pictures need one between
     * macroblock diagonals; the batch shares them) */
    int steps = 1;
    for (int i = 0; i < n; i++)
        if (analysis_steps(frames[i].encoder) > steps)
            steps = analysis_steps(frames[i].encoder);
    for (int s = 0; s < steps; s++) {
        if (n_p > 0 && s < p_batch.steps)
            tk_analyse_p_gpu_record_step(dev, p_kernels, cmd, &p_batch, s);
        for (int i = 0; i < n; i++)
            if (s < analysis_steps(frames[i].encoder))
                record_analysis_step(frames[i].encoder, cmd, frames[i].src, s);
        tk_vk_cmd_barrier(dev, cmd);
        if (s == 0 || frames[0].encoder->profile_steps)
            tk_vk_cmd_timestamp(dev, cmd);
    }
    free(p_frames);
    tk_vk_cmd_timestamp(dev, cmd);
    for (int stage = STAGE_ANALYSE + 1; stage < N_STAGES; stage++) {
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

void tk_encoder_gpu_rewind(TkEncoderGpu *e, const TkH264Gop *before)
{
    /* e->pic is the last picture's: frame_begin swapped the previous picture into ref */
    if (e->pic.p_slice)
        swap_pictures(e);
    e->gop = *before;
    e->ref_deblocked = e->ref_deblocked_before;
    /* as tk_encoder_ref_rewind(): prev_src holds this frame's source already, so the second
     * coding makes no change map */
    e->prev_valid = 0;
    e->prev_p_qp = -1;
}
