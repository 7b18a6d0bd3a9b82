/*
 * The whole-frame C reference of the compute H.264 encoder: intra analysis of every
 * macroblock (analyse_ref.h), or with p_frames P-picture analysis (analyse_p_ref.h), CAVLC (cavlc_ref.h), packing (pack_ref.h), then parameter
 * sets, slice NAL units and the access unit (h264/au.h). The GPU backend runs the same
 * steps in compute shaders and must produce the same bytes.
 *
 *     TkEncoderRef *e;
 *     tk_encoder_ref_open(&e, &params);
 *     uint8_t *au; size_t size; int idr;
 *     tk_encoder_ref_encode(e, nv12, 26, &au, &size, &idr);   // free(au) afterwards
 *     tk_encoder_ref_recon(e);                                 // what a decoder shows
 *     tk_encoder_ref_close(&e);
 */
#ifndef TALKIE_ENCODE_COMPUTE_ENCODER_REF_H
#define TALKIE_ENCODE_COMPUTE_ENCODER_REF_H

#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"
#include "encode/compute/change_map_ref.h"
#include "encode/compute/coded_mb.h"
#include "encode/compute/deblock_ref.h"
#include "encode/compute/pack_ref.h"
#include "encode/h264/au.h"
#include "encode/h264/params.h"

typedef struct TkEncoderRefParams {
    TkFrameLayout layout;
    int fps_num, fps_den;
    int64_t bitrate_bps;    /* 0: unknown; only used for the level */
    int keyint;             /* frames between IDRs, >= 1 */
    int slice_mb_rows;      /* macroblock rows per slice, >= 1 */
    int idr_slice_mb_rows;  /* the same for I pictures; 0: slice_mb_rows. An I picture's
                               analysis is one chain of macroblocks a slice, so a P stream
                               with one slice a picture gives its IDRs short slices to keep
                               their latency near a P picture's (bench/RESULTS.md) */
    int aud;                /* 1: start each access unit with an access unit delimiter */
    int deblock;            /* TK_DEBLOCK_OFF, _AUTO or _ON: which pictures enable the
                               in-loop deblocking filter (deblock_ref.h); with p_frames,
                               AUTO means ON (the filter keeps block edges from
                               accumulating in the reference pictures) */
    int p_frames;           /* 1: P pictures between the IDRs (analyse_p_ref.h); 0: every
                               picture intra, the stream byte-identical with before P
                               frames existed (default 0) */
    int p_i16x16_only;      /* 1 (with p_frames): intra macroblocks of P pictures are I16x16
                               only (analyse_p_ref.h: the I4x4 trial is most of a changed
                               macroblock's time on the GPU's wavefront); 0: I4x4 too */
    int auto_skip_map;      /* 1 (with p_frames): the encoder finds the macroblocks that
                               equal the previous frame's source itself (change_map_ref.h)
                               and P pictures without a caller's skip_map code those
                               without a search, and those whose reference did not change
                               either and that were coded with nothing to code, without
                               computing their residual (the same bytes: analyse_p_ref.h);
                               the previous source is kept from every frame, IDRs
                               included. 0: only a caller's map (default 0) */
    int text_qp_offset;     /* TK_TEXT_QP_OFFSET_MIN..0 (common/text_qp_defs.h): macroblocks a
                               frame's text_map marks are quantised at TK_TEXT_QP(qp, offset)
                               (default 0: one QP per picture) */
    int intra_refresh;      /* with p_frames: 0 off (default), or N in
                               1..TK_INTRA_REFRESH_MAX: a periodic intra refresh, a cycle of N
                               P pictures (the first after each IDR starts one, then one after
                               the other) that sweeps the macroblock columns left to right:
                               picture k of a cycle codes columns k * mb_width / N up to
                               (k + 1) * mb_width / N - 1 intra (tk_encoder_refresh_cols), and
                               the refresh is clean: the columns already refreshed in the
                               cycle predict only from what is refreshed (analyse_p_ref.h),
                               so a decoder that starts at a cycle's first picture (which
                               carries a recovery point SEI, SPS and PPS: au.h) shows exact
                               pictures from the cycle's last on. The encoder then always
                               makes its own skip map (change_map_ref.h), into which a
                               caller's map goes, so the refresh holds with one too. */
} TkEncoderRefParams;

/* The longest intra refresh cycle (TkEncoderRefParams.intra_refresh). */
#define TK_INTRA_REFRESH_MAX 1000

/* One picture to encode (tk_encoder_ref_encode_frame). */
typedef struct TkEncoderRefFrame {
    const uint8_t *src;      /* NV12, params.layout */
    int qp;                  /* 0..51 */
    const uint8_t *skip_map; /* NULL, or one byte per macroblock (raster order):
                                TK_SKIP_MAP_STATIC where the picture is unchanged since the
                                previous frame (P pictures skip those without a search);
                                with params.auto_skip_map it takes the place of the
                                encoder's own map */
    int force_idr;           /* 1: code this picture as an IDR */
    const uint8_t *text_map; /* NULL, or one byte per macroblock (raster order):
                                TK_TEXT_MAP_TEXT under subtitle text, which gets
                                params.text_qp_offset */
} TkEncoderRefFrame;

typedef struct TkEncoderRef {
    TkEncoderRefParams params;
    TkH264Config config;
    TkH264Gop gop;
    TkPackDims dims;        /* the most slices a picture of these params has (allocation) */
    TkCodedMb *coded;       /* n_mbs */
    TkMbMotion *motion;     /* n_mbs: P pictures' motion */
    TkMbSearch *search;     /* n_mbs: a P picture's search pass (search_p_ref.h) */
    uint8_t *recon;         /* layout.size */
    uint8_t *ref;           /* layout.size: the previous picture (deblocked) while a P
                               picture is analysed */
    uint32_t *scratch;      /* n_mbs * TK_MB_SCRATCH_WORDS */
    uint32_t *counts;       /* n_mbs */
    uint32_t *mb_offset;    /* n_mbs */
    uint32_t *hdr;          /* n_slices * TK_SLICE_HDR_WORDS */
    uint32_t *slice_table;  /* 2 * n_slices */
    uint32_t *out;          /* tk_pack_out_words() */
    uint8_t *rbsp;          /* out as bytes */
    size_t out_words;
    int last_p;             /* 1: the last picture coded was a P picture */
    uint8_t *prev_src;      /* auto_skip_map or intra_refresh: layout.size, the last frame's
                               source */
    uint8_t *change_map;    /* auto_skip_map or intra_refresh: tk_change_map_bytes() */
    int prev_valid;         /* prev_src holds the source of the last frame, which was coded:
                               0 before the first frame and after a failed one, whose
                               source is not what the reference shows */
    TkChangeMapRefresh refresh; /* the intra refresh columns of the last picture coded */
    int ref_deblocked;      /* the last picture coded was deblocked: the next one's
                               reference (an intra refresh's margin) */
    int ref_deblocked_before; /* the same before it, for tk_encoder_ref_rewind() */
    int prev_p_qp;          /* the QP of the last frame if it was a coded P picture, else -1:
                               only then do its motion and coded[] say how a static
                               macroblock was coded (TK_SKIP_MAP_STATIC_SAME_REF) */
} TkEncoderRef;

/* Errors: TALKIE_ERR(EINVAL) (bad params), TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED
 * (no H.264 level holds the size and rate). *e is NULL on failure. */
/* Checks params and derives the stream configuration (level included) and the GOP state
 * that both the C reference and the GPU encoder start from. */
int tk_encoder_ref_config(const TkEncoderRefParams *params, TkH264Config *config, TkH264Gop *gop);

int tk_encoder_ref_open(TkEncoderRef **e, const TkEncoderRefParams *params);

/*
 * Encodes one NV12 frame (params.layout) at QP qp into *au (malloc'ed, caller frees), and
 * tells whether it is an IDR. Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM),
 * TALKIE_ERR(ERANGE) (a level CAVLC cannot code).
 */
int tk_encoder_ref_encode(TkEncoderRef *e, const uint8_t *src, int qp, uint8_t **au,
                          size_t *au_size, int *idr);

/* The same for a picture described by `in` (skip map, IDR request). */
int tk_encoder_ref_encode_frame(TkEncoderRef *e, const TkEncoderRefFrame *in, uint8_t **au,
                                size_t *au_size, int *idr);

/* Takes the last picture coded back, so that the next encode codes the same picture again
 * (the rate control's re-encode of a frame over its size cap): the GOP state goes back to
 * `before` (e->gop as it was before that picture) and a P picture's reference comes back.
 * Only right after a successful encode. The motion field stays the rejected picture's: it
 * only seeds the motion search (analyse_p_ref.h), as on the GPU. With auto_skip_map the
 * second coding makes no change map (prev_src holds this frame already): every macroblock
 * is analysed. */
void tk_encoder_ref_rewind(TkEncoderRef *e, const TkH264Gop *before);

/* The reconstruction of the last frame encoded (layout as params.layout). */
const uint8_t *tk_encoder_ref_recon(const TkEncoderRef *e);

void tk_encoder_ref_close(TkEncoderRef **e);

/* The macroblock rows a slice of a picture (p_slice: a P picture) has. */
static inline int tk_encoder_slice_rows(const TkEncoderRefParams *p, int p_slice)
{
    return p_slice || p->idr_slice_mb_rows <= 0 ? p->slice_mb_rows : p->idr_slice_mb_rows;
}

/* The intra refresh columns of a picture (pic from tk_h264_gop_next()); { 0, 0 } where it
 * has none. ref_deblocked: the picture's reference was deblocked (the margin of
 * TK_REFRESH_MV_OK, and the column left of the refresh never static). */
static inline TkChangeMapRefresh tk_encoder_refresh_cols(const TkEncoderRefParams *p,
                                                         const TkH264SliceHeader *pic,
                                                         int ref_deblocked)
{
    TkChangeMapRefresh r = { 0, 0, 0 };
    if (pic->p_slice && pic->refresh_pos >= 0 && p->intra_refresh > 0) {
        int w = p->layout.mb_width, n = p->intra_refresh, k = pic->refresh_pos;
        r.x0 = k * w / n;
        r.x1 = (k + 1) * w / n;
        r.left_changed = ref_deblocked != 0;
    }
    return r;
}

/* TkInterParams.refresh_limit of a picture with refresh r. */
static inline int tk_encoder_refresh_limit(const TkChangeMapRefresh *r)
{
    return 16 * r->x0 - (r->left_changed ? TK_REFRESH_DEBLOCK_MARGIN : 0);
}

/* The largest slice count of a stream of these params. */
static inline TkPackDims tk_encoder_max_dims(const TkEncoderRefParams *p)
{
    int rows = tk_encoder_slice_rows(p, 0) < tk_encoder_slice_rows(p, 1)
                   ? tk_encoder_slice_rows(p, 0) : tk_encoder_slice_rows(p, 1);
    return tk_pack_dims(&p->layout, rows);
}

#endif
