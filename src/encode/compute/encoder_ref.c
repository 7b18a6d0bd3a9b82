/* Whole-frame C reference encoder; see encoder_ref.h. */
#include "encode/compute/encoder_ref.h"

#include <stdlib.h>
#include <string.h>

#include "encode/compute/analyse_p_ref.h"
#include "encode/compute/analyse_ref.h"
#include "encode/compute/cavlc_ref.h"
#include "encode/compute/change_map_ref.h"
#include "encode/compute/deblock_ref.h"
#include "encode/compute/mb_qp_ref.h"
#include "talkie/talkie.h"

void tk_encoder_ref_close(TkEncoderRef **pe)
{
    if (!pe || !*pe)
        return;
    TkEncoderRef *e = *pe;
    free(e->coded);
    free(e->motion);
    free(e->search);
    free(e->recon);
    free(e->ref);
    free(e->scratch);
    free(e->counts);
    free(e->mb_offset);
    free(e->hdr);
    free(e->slice_table);
    free(e->out);
    free(e->rbsp);
    free(e->prev_src);
    free(e->change_map);
    free(e);
    *pe = NULL;
}

int tk_encoder_ref_config(const TkEncoderRefParams *p, TkH264Config *config, TkH264Gop *gop)
{
    if (p->layout.mb_width <= 0 || p->layout.mb_height <= 0 || p->fps_num <= 0 ||
        p->fps_den <= 0 || p->keyint < 1 || p->slice_mb_rows < 1 ||
        p->idr_slice_mb_rows < 0 || p->text_qp_offset < TK_TEXT_QP_OFFSET_MIN ||
        p->text_qp_offset > TK_TEXT_QP_OFFSET_MAX || p->intra_refresh < 0 ||
        p->intra_refresh > TK_INTRA_REFRESH_MAX || (p->intra_refresh > 0 && !p->p_frames))
        return TALKIE_ERR(EINVAL);
    int level = tk_h264_level(&p->layout, p->fps_num, p->fps_den, p->bitrate_bps);
    if (level < 0)
        return level;
    config->layout = p->layout;
    config->fps_num = p->fps_num;
    config->fps_den = p->fps_den;
    config->bitrate_bps = p->bitrate_bps;
    config->level_idc = level;
    config->max_num_ref_frames = 1;
    /* p_frames is turned on by each encoder's open (tk_encoder_ref_open(),
     * tk_encoder_gpu_open()) from its params, so a caller of this function alone gets the
     * all-intra GOP */
    tk_h264_gop_init(gop, p->keyint);
    return 0;
}

int tk_encoder_ref_open(TkEncoderRef **pe, const TkEncoderRefParams *p)
{
    *pe = NULL;
    TkH264Config config;
    TkH264Gop gop;
    int err = tk_encoder_ref_config(p, &config, &gop);
    if (err < 0)
        return err;

    TkEncoderRef *e = calloc(1, sizeof(*e));
    if (!e)
        return TALKIE_ERR(ENOMEM);
    e->params = *p;
    e->config = config;
    e->gop = gop;
    e->gop.p_frames = p->p_frames != 0;
    e->gop.refresh = p->intra_refresh;
    e->dims = tk_encoder_max_dims(p);
    e->out_words = tk_pack_out_words(&e->dims);
    e->prev_p_qp = -1;

    size_t n = e->dims.n_mbs;
    e->coded = calloc(n, sizeof(*e->coded));
    e->motion = calloc(n, sizeof(*e->motion));
    e->search = calloc(n, sizeof(*e->search));
    e->recon = calloc(p->layout.size, 1);
    e->ref = calloc(p->layout.size, 1);
    e->scratch = malloc(n * TK_MB_SCRATCH_WORDS * sizeof(uint32_t));
    e->counts = malloc(n * sizeof(uint32_t));
    e->mb_offset = malloc(n * sizeof(uint32_t));
    e->hdr = malloc((size_t)e->dims.n_slices * TK_SLICE_HDR_WORDS * sizeof(uint32_t));
    e->slice_table = malloc((size_t)e->dims.n_slices * 2 * sizeof(uint32_t));
    e->out = malloc(e->out_words * sizeof(uint32_t));
    e->rbsp = malloc(e->out_words * 4);
    /* an intra refresh marks its columns in the encoder's own map */
    int auto_map = p->p_frames && (p->auto_skip_map || p->intra_refresh > 0);
    if (auto_map) {
        e->prev_src = malloc(p->layout.size);
        e->change_map = malloc(tk_change_map_bytes(&p->layout));
    }
    if (!e->coded || !e->motion || !e->search || !e->recon || !e->ref || !e->scratch || !e->counts ||
        !e->mb_offset || !e->hdr || !e->slice_table || !e->out || !e->rbsp ||
        (auto_map && (!e->prev_src || !e->change_map))) {
        tk_encoder_ref_close(&e);
        return TALKIE_ERR(ENOMEM);
    }
    *pe = e;
    return 0;
}

static void swap_pictures(TkEncoderRef *e)
{
    uint8_t *t = e->ref;
    e->ref = e->recon;
    e->recon = t;
}

int tk_encoder_ref_encode(TkEncoderRef *e, const uint8_t *src, int qp, uint8_t **au,
                          size_t *au_size, int *idr)
{
    TkEncoderRefFrame in = { .src = src, .qp = qp };
    return tk_encoder_ref_encode_frame(e, &in, au, au_size, idr);
}

int tk_encoder_ref_encode_frame(TkEncoderRef *e, const TkEncoderRefFrame *in, uint8_t **au,
                                size_t *au_size, int *idr)
{
    *au = NULL;
    *au_size = 0;
    int qp = in->qp;
    if (!in->src || qp < 0 || qp > 51)
        return TALKIE_ERR(EINVAL);
    const TkFrameLayout *l = &e->params.layout;

    /* Decide the picture first: its slice type picks the analysis. */
    int deblock_mode = e->params.deblock;
    if (e->params.p_frames && deblock_mode == TK_DEBLOCK_AUTO)
        deblock_mode = TK_DEBLOCK_ON;
    TkH264SliceHeader pic = { .qp = qp, .deblock = tk_deblock_enabled(deblock_mode, qp) };
    TkH264Gop gop = e->gop;
    if (in->force_idr)
        gop.idr_requested = 1;
    tk_h264_gop_next(&gop, &pic);

    /* The encoder's own map, of every frame (an IDR too: the next P picture compares with
     * it). Until this frame is coded, prev_src holds a picture that may never be coded. */
    const uint8_t *skip_map = in->skip_map;
    TkChangeMapRefresh refresh = tk_encoder_refresh_cols(&e->params, &pic, e->ref_deblocked);
    if (e->change_map) {
        /* a P picture after a P picture at its QP: compare the references too (recon holds
         * the new one, ref the previous picture's, until the swap below); only the
         * encoder's own comparison finds static macroblocks, an intra refresh without it
         * takes the caller's map */
        int own = e->params.auto_skip_map;
        int refs = own && pic.p_slice && e->prev_valid && e->prev_p_qp == qp;
        int refreshing = e->params.intra_refresh > 0;
        tk_change_map_ref(l, in->src, e->prev_src, own && e->prev_valid,
                          refs ? e->recon : NULL, refs ? e->ref : NULL,
                          refreshing ? in->skip_map : NULL, &refresh, e->change_map);
        e->prev_valid = 0;
        e->prev_p_qp = -1;
        if (!skip_map || refreshing)
            skip_map = e->change_map;
    }

    int rows = tk_encoder_slice_rows(&e->params, pic.p_slice);
    int text_qp = TK_TEXT_QP(qp, e->params.text_qp_offset);
    TkPackDims dims = tk_pack_dims(l, rows);
    int res;
    if (pic.p_slice) {
        /* the previous picture, as the decoder holds it, becomes the reference (and goes
         * back to recon if this picture fails, so the next one predicts from it again) */
        swap_pictures(e);
        TkInterParams ip = { .layout = *l, .qp = qp, .slice_mb_rows = rows,
                             .text_map = in->text_map, .text_qp = text_qp,
                             .refresh_x0 = refresh.x0, .refresh_x1 = refresh.x1,
                             .refresh_limit = tk_encoder_refresh_limit(&refresh),
                             .i16x16_only = e->params.p_i16x16_only };
        tk_inter_analyse_frame_ref(&ip, in->src, e->ref, skip_map, e->search, e->recon,
                                   e->coded, e->motion);
        tk_mb_qp_frame_ref(e->coded, l->mb_width, l->mb_height, rows, qp);
        res = tk_cavlc_frame_p_ref(e->coded, e->motion, l->mb_width, l->mb_height,
                                   rows, e->scratch, e->counts);
    } else {
        TkIntraParams ip = { .layout = *l, .qp = qp, .slice_mb_rows = rows,
                             .text_map = in->text_map, .text_qp = text_qp };
        tk_intra_analyse_frame_ref(&ip, in->src, e->recon, e->coded);
        tk_mb_qp_frame_ref(e->coded, l->mb_width, l->mb_height, rows, qp);
        /* no motion: the next P picture's search finds no co-located MV to start from */
        for (uint32_t i = 0; i < e->dims.n_mbs; i++)
            e->motion[i] = (TkMbMotion){ .ref_idx = TK_REF_NONE, .part = TK_PART_16x16 };
        res = tk_cavlc_frame_ref(e->coded, l->mb_width, l->mb_height, rows, e->scratch,
                                 e->counts);
    }
    if (res < 0)
        goto fail;

    if ((res = tk_pack_slice_headers(&e->config, &pic, &dims, e->hdr)) < 0)
        goto fail;
    tk_pack_offsets_ref(&dims, e->counts, e->hdr, e->mb_offset, e->slice_table);
    memset(e->out, 0, e->out_words * sizeof(uint32_t));
    tk_pack_write_ref(&dims, e->counts, e->scratch, e->hdr, e->mb_offset, e->slice_table,
                      e->out);
    /* The packed words hold stream bytes little-endian (pack_ref.h). */
    for (size_t i = 0; i < e->out_words * 4; i++)
        e->rbsp[i] = (uint8_t)(e->out[i >> 2] >> (8 * (i & 3)));

    /* The analysis predicted from the unfiltered samples; what the decoder shows (and
     * what a later P frame refers to) is the filtered picture. */
    res = tk_h264_au_write_pic(&e->config, &pic, e->params.aud, e->rbsp, e->out_words * 4,
                               e->slice_table, (int)dims.n_slices, au, au_size);
    if (res < 0)
        goto fail;
    if (pic.deblock) {
        tk_deblock_frame_mbs_ref(l, e->coded, pic.p_slice ? e->motion : NULL, e->recon);
    }
    e->gop = gop; /* the picture is coded: the sequence moves on */
    e->refresh = refresh;
    e->ref_deblocked_before = e->ref_deblocked;
    e->ref_deblocked = pic.deblock;
    e->last_p = pic.p_slice;
    e->prev_valid = 1;
    e->prev_p_qp = pic.p_slice ? qp : -1;
    *idr = pic.idr;
    return 0;
fail:
    if (pic.p_slice)
        swap_pictures(e);
    return res;
}

void tk_encoder_ref_rewind(TkEncoderRef *e, const TkH264Gop *before)
{
    /* the P picture's reference was only read: swapping back makes it recon again, which
     * the next encode swaps into ref as the first time */
    if (e->last_p)
        swap_pictures(e);
    e->last_p = 0;
    e->gop = *before;
    e->ref_deblocked = e->ref_deblocked_before;
    /* prev_src already holds this frame's source (the change map copies it): the second
     * coding must find nothing static against it, so it makes no map (has_prev 0), as after
     * a failed frame, and analyses every macroblock */
    e->prev_valid = 0;
    e->prev_p_qp = -1;
}

const uint8_t *tk_encoder_ref_recon(const TkEncoderRef *e)
{
    return e->recon;
}
