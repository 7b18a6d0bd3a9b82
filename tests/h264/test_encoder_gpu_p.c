/*
 * P frames of the GPU encoder (encoder_gpu.h with p_frames) against the C reference encoder
 * and an independent decoder: for each configuration the GPU's access units equal the C
 * reference's byte for byte, and libavcodec decodes them to exactly the GPU's own
 * reconstruction (read back after each frame: what the next P picture predicts from).
 * Sources (pframe_sources.h): random integer and sub-sample motion, scrolling, a static
 * picture with a moving square, a static area whose neighbours pan, a rendered conversation;
 * a sawtooth pattern (not on CPU implementations: lavapipe gets it wrong);
 * sizes 64x48, 200x120 (not a multiple of 16), 320x240; QPs 0 10 26 32 40 51; the filter on
 * and off; the skip map on and off; the encoders' own skip map (auto_skip_map: its stream
 * equals the C reference's given the source's map, and a caller's map takes its place);
 * periodic and requested IDRs; slices of 1, 3 and 8 rows; one run of 300 frames (no drift;
 * 60 under the sanitizers); and three encoders in one batch, two with their own map; a
 * text map (lower QP under subtitle text, params.text_qp_offset) that moves from frame to
 * frame and is empty in some frames (the GPU then gets none), with and without the
 * encoders' own map (its residual reuse must compare each macroblock's QP); a periodic
 * intra refresh (encoder_ref.h intra_refresh) with periodic and requested IDRs, 300 frames
 * in one run (the clean refresh itself: test_intra_refresh.c).
 * Validation on; skipped (77) without a Vulkan device.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../common/check.h"
#include "../common/gpu.h"
#include "common/text_qp_defs.h"
#include "encode/compute/change_map_ref.h"
#include "encode/compute/encoder_gpu.h"
#include "encode/compute/encoder_ref.h"
#include "pframe_sources.h"

/* auto_map: the encoders' own skip map (params.auto_skip_map). AUTO_FROM_SOURCE: no caller
 * map; both encoders' maps must equal the source's (source_skip_map(); nothing static in
 * the first frame) and the stream a C reference's given that map, which never skips a
 * residual: so the reuse of TK_SKIP_MAP_STATIC_SAME_REF is exact. AUTO_CALLER_WINS: the
 * caller's map marks everything static (the picture moves: a map the encoder's own would
 * contradict) and the stream must equal a C reference's given the same map. */
enum { AUTO_OFF, AUTO_FROM_SOURCE, AUTO_CALLER_WINS };

typedef struct Config {
    int width, height, source, qp, frames, keyint, deblock, skip_map, slice_mb_rows;
    int request_idr_at; /* -1: none */
    int auto_map;
    int idr_slice_mb_rows; /* 0: slice_mb_rows */
    int text_qp_offset;    /* 0: no text map; else text_map_frame() per frame */
    int i16x16_only;       /* P pictures' intra macroblocks I16x16 only */
    int intra_refresh;     /* params.intra_refresh */
} Config;

/* A caption's text map for frame i: the lower third of the picture, with gaps that move
 * from frame to frame (the text changes); every fourth frame has no text at all. Returns
 * the number of macroblocks marked. */
static size_t text_map_frame(const TkFrameLayout *l, int i, uint8_t *map)
{
    size_t marked = 0;
    for (int y = 0; y < l->mb_height; y++)
        for (int x = 0; x < l->mb_width; x++) {
            int text = i % 4 != 3 && y >= l->mb_height * 2 / 3 && (x + i / 2) % 5 != 0;
            map[y * l->mb_width + x] = text ? TK_TEXT_MAP_TEXT : 0;
            marked += text;
        }
    return marked;
}

/* The coded slice NAL units (types 1 and 5) of an Annex B access unit. */
static int count_slices(const uint8_t *au, size_t size)
{
    int n = 0;
    for (size_t i = 0; au && i + 3 < size; i++)
        if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
            int type = au[i + 3] & 0x1f;
            n += type == 1 || type == 5;
        }
    return n;
}

/* One C reference and one GPU encoder fed the same pictures, and a decoder. */
typedef struct Run {
    TkEncoderRefParams p;
    TkEncoderRef *ref;
    TkEncoderRef *twin; /* auto_map: the C reference without auto_skip_map, or NULL */
    TkEncoderGpu *gpu;
    TkVkBuffer src, skip, recon; /* upload, upload, readback */
    TkVkBuffer text;             /* upload: the text map */
    size_t text_marked;          /* macroblocks marked in it this frame */
    TkVkBuffer own_map;          /* readback: the GPU encoder's change map (auto_skip_map) */
    TkVkCmd cmd;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    uint8_t *map;
    long frames_equal, frames_decoded, twin_equal, maps_equal;
    long same_ref; /* macroblocks the own maps mark TK_SKIP_MAP_STATIC_SAME_REF */
} Run;

static int run_open(Run *r, TkVkDevice *dev, const TkEncoderRefParams *p)
{
    memset(r, 0, sizeof(*r));
    r->p = *p;
    size_t n = (size_t)p->layout.mb_width * (size_t)p->layout.mb_height;
    CHECK_EQ(tk_encoder_ref_open(&r->ref, p), 0);
    CHECK_EQ(tk_encoder_gpu_open(&r->gpu, dev, p), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &r->src, p->layout.size, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &r->skip, (n + 3) / 4 * 4, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &r->text, (n + 3) / 4 * 4, TK_VK_MEMORY_UPLOAD), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &r->recon, p->layout.size, TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_buffer_create(dev, &r->own_map, tk_change_map_bytes(&p->layout),
                                 TK_VK_MEMORY_READBACK), 0);
    CHECK_EQ(tk_vk_cmd_create(dev, &r->cmd), 0);
    r->map = malloc(n);
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    r->dec = codec ? avcodec_alloc_context3(codec) : NULL;
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->ref || !r->gpu || !r->src.map || !r->skip.map || !r->text.map || !r->recon.map ||
        !r->map ||
        !r->dec || !r->pkt || !r->frame)
        return -1;
    r->dec->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM;
    r->dec->flags |= AV_CODEC_FLAG_LOW_DELAY;
    r->dec->thread_count = 1;
    return avcodec_open2(r->dec, codec, NULL) < 0 ? -1 : 0;
}

static void run_close(Run *r, TkVkDevice *dev)
{
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->dec);
    free(r->map);
    tk_vk_cmd_destroy(dev, &r->cmd);
    tk_vk_buffer_destroy(dev, &r->src);
    tk_vk_buffer_destroy(dev, &r->skip);
    tk_vk_buffer_destroy(dev, &r->text);
    tk_vk_buffer_destroy(dev, &r->recon);
    tk_vk_buffer_destroy(dev, &r->own_map);
    tk_encoder_gpu_close(&r->gpu);
    tk_encoder_ref_close(&r->ref);
    tk_encoder_ref_close(&r->twin);
}

/* 0 when the decoded frame equals the NV12 reconstruction (visible part). */
static int compare(const AVFrame *f, const uint8_t *recon, const TkFrameLayout *l)
{
    if (f->width != l->width || f->height != l->height || f->format != AV_PIX_FMT_YUV420P)
        return -1;
    for (int y = 0; y < l->height; y++)
        for (int x = 0; x < l->width; x++)
            if (recon[(size_t)y * l->luma_stride + x] != f->data[0][y * f->linesize[0] + x])
                return -1;
    for (int y = 0; y < l->height / 2; y++)
        for (int x = 0; x < l->width / 2; x++)
            for (int c = 0; c < 2; c++)
                if (recon[l->chroma_offset + (size_t)y * l->luma_stride + 2 * x + c] !=
                    f->data[1 + c][y * f->linesize[1 + c] + x])
                    return -1;
    return 0;
}

/* The GPU encoder's reconstruction of the frame just encoded, into r->recon, and its
 * change map into r->own_map. */
static int read_recon(Run *r, TkVkDevice *dev)
{
    int res = tk_vk_cmd_begin(dev, &r->cmd);
    if (res < 0)
        return res;
    tk_vk_cmd_copy(dev, &r->cmd, &r->gpu->recon, 0, &r->recon, 0, r->p.layout.size);
    if (r->gpu->auto_map)
        tk_vk_cmd_copy(dev, &r->cmd, &r->gpu->change_map, 0, &r->own_map, 0,
                       r->own_map.size);
    tk_vk_cmd_barrier(dev, &r->cmd);
    if ((res = tk_vk_cmd_submit(dev, &r->cmd)) < 0 || (res = tk_vk_cmd_wait(dev, &r->cmd)) < 0)
        return res;
    tk_vk_buffer_invalidate(dev, &r->recon);
    tk_vk_buffer_invalidate(dev, &r->own_map);
    return 0;
}

/* Encodes frame i of both encoders (src already in r->src, the skip map in r->map when
 * use_map), and of r->twin with twin_map; checks the access units and the decoded picture,
 * and, given own_map, both encoders' own change maps against it. 1 when all equal. */
static int encode_frame(Run *r, TkVkDevice *dev, int i, int qp, int use_map, int force_idr,
                        const uint8_t *twin_map, const uint8_t *own_map)
{
    const TkFrameLayout *l = &r->p.layout;
    size_t n = (size_t)l->mb_width * (size_t)l->mb_height;
    memcpy(r->skip.map, r->map, n);
    /* the C reference always gets the text map (all zero in some frames), the GPU encoder
     * none where nothing is marked */
    const uint8_t *text = r->p.text_qp_offset ? r->text.map : NULL;
    TkEncoderRefFrame in = { .src = r->src.map, .qp = qp, .skip_map = use_map ? r->map : NULL,
                             .force_idr = force_idr, .text_map = text };
    uint8_t *au_ref = NULL;
    size_t n_ref = 0;
    int idr_ref = -1;
    CHECK_EQ(tk_encoder_ref_encode_frame(r->ref, &in, &au_ref, &n_ref, &idr_ref), 0);
    if (r->twin) {
        TkEncoderRefFrame tin = { .src = r->src.map, .qp = qp, .skip_map = twin_map,
                                  .force_idr = force_idr, .text_map = text };
        uint8_t *au_twin = NULL;
        size_t n_twin = 0;
        int idr_twin = -1;
        CHECK_EQ(tk_encoder_ref_encode_frame(r->twin, &tin, &au_twin, &n_twin, &idr_twin), 0);
        int twin_same = au_ref && au_twin && n_twin == n_ref && idr_twin == idr_ref &&
                        tk_check_bytes("auto map against the twin", au_twin, au_ref, n_ref) < 0;
        if (!twin_same)
            fprintf(stderr, "frame %d: auto map %zu bytes, twin %zu bytes\n", i, n_ref,
                    n_twin);
        CHECK(twin_same);
        r->twin_equal += twin_same;
        free(au_twin);
    }
    TkEncoderGpuFrame f = { .encoder = r->gpu, .src = &r->src, .qp = qp,
                            .force_idr = force_idr, .skip_map = use_map ? &r->skip : NULL,
                            .text_map = text && r->text_marked ? &r->text : NULL };
    CHECK_EQ(tk_encoder_gpu_encode_batch(&f, 1, &r->cmd), 0);
    CHECK_EQ(f.idr, idr_ref);
    int same = au_ref && f.au && f.au_size == n_ref && f.idr == idr_ref &&
               tk_check_bytes("access unit", f.au, au_ref, n_ref) < 0;
    if (!same)
        fprintf(stderr, "frame %d: GPU %zu bytes, C %zu bytes\n", i, f.au_size, n_ref);
    CHECK(same);
    r->frames_equal += same;
    /* each picture has the slices its type asks for (idr_slice_mb_rows) */
    TkPackDims dims = tk_pack_dims(l, tk_encoder_slice_rows(&r->p, !f.idr));
    CHECK_EQ(count_slices(f.au, f.au_size), (int)dims.n_slices);
    /* libavcodec decodes the GPU's access unit to the GPU's reconstruction */
    int decoded_ok = 0;
    uint8_t *padded = f.au ? calloc(1, f.au_size + AV_INPUT_BUFFER_PADDING_SIZE) : NULL;
    if (padded && read_recon(r, dev) == 0) {
        memcpy(padded, f.au, f.au_size);
        r->pkt->data = padded;
        r->pkt->size = (int)f.au_size;
        r->pkt->pts = i;
        if (avcodec_send_packet(r->dec, r->pkt) == 0 &&
            avcodec_receive_frame(r->dec, r->frame) == 0) {
            decoded_ok = compare(r->frame, r->recon.map, l) == 0 &&
                         !r->frame->decode_error_flags;
            av_frame_unref(r->frame);
        }
    }
    if (!decoded_ok)
        fprintf(stderr, "frame %d: libavcodec's picture differs from the GPU reconstruction\n",
                i);
    if (own_map) {
        /* the GPU's map equals the C reference's; both say static where the source's does
         * (STATIC_SAME_REF is STATIC with the references compared too) */
        int maps_ok = tk_check_bytes("GPU change map", r->own_map.map, r->ref->change_map, n) < 0;
        for (size_t k = 0; k < n; k++) {
            int v = r->ref->change_map[k];
            /* where the picture's intra refresh overrides it (change_map_ref.h) */
            int forced = tk_change_map_refresh_at(&r->ref->refresh, (int)k % l->mb_width);
            r->same_ref += v == TK_SKIP_MAP_STATIC_SAME_REF;
            if ((v == TK_SKIP_MAP_STATIC_SAME_REF ? TK_SKIP_MAP_STATIC : v) !=
                (forced >= 0 ? forced : own_map[k]))
                maps_ok = 0;
        }
        if (!maps_ok)
            fprintf(stderr, "frame %d: an encoder's own map differs from the source's\n", i);
        CHECK(maps_ok);
        r->maps_equal += maps_ok;
    }
    CHECK(decoded_ok);
    r->frames_decoded += decoded_ok;
    free(padded);
    free(au_ref);
    free(f.au);
    return same && decoded_ok;
}

static void run_config(TkVkDevice *dev, const Config *cf)
{
    TkEncoderRefParams p = {
        .layout = tk_frame_layout(cf->width, cf->height), .fps_num = 30, .fps_den = 1,
        .keyint = cf->keyint, .slice_mb_rows = cf->slice_mb_rows,
        .idr_slice_mb_rows = cf->idr_slice_mb_rows, .p_i16x16_only = cf->i16x16_only,
        .aud = 1,
        .deblock = cf->deblock, .p_frames = 1, .auto_skip_map = cf->auto_map != AUTO_OFF,
        .text_qp_offset = cf->text_qp_offset, .intra_refresh = cf->intra_refresh,
    };
    Source s;
    long p_intra[2] = { 0, 0 }; /* I4x4, I16x16 macroblocks in P pictures */
    int res = source_open(&s, cf->source, &p.layout, (uint32_t)(cf->qp * 7 + cf->width));
    if (res == 1) {
        printf("%s: skipped (no font)\n", source_names[cf->source]);
        return;
    }
    CHECK_EQ(res, 0);
    if (res < 0)
        return;
    Run r;
    uint8_t *prev = malloc(p.layout.size);
    int ok = run_open(&r, dev, &p) == 0 && prev;
    if (ok && cf->auto_map != AUTO_OFF) {
        TkEncoderRefParams tp = p;
        tp.auto_skip_map = 0;
        ok = tk_encoder_ref_open(&r.twin, &tp) == 0;
    }
    CHECK(ok);
    for (int i = 0; ok && i < cf->frames; i++) {
        if (source_frame(&s, i, r.src.map) < 0) {
            CHECK(0);
            break;
        }
        if (i > 0)
            source_skip_map(&p.layout, prev, r.src.map, r.map);
        memcpy(prev, r.src.map, p.layout.size);
        int use_map = cf->skip_map && i > 0;
        const uint8_t *twin_map = NULL, *own_map = NULL;
        size_t n_mbs = (size_t)p.layout.mb_width * (size_t)p.layout.mb_height;
        if (cf->auto_map == AUTO_FROM_SOURCE) {
            if (i == 0)
                memset(r.map, TK_SKIP_MAP_CHANGED, n_mbs); /* no previous picture */
            twin_map = i > 0 ? r.map : NULL;
            own_map = r.map;
        }
        if (cf->auto_map == AUTO_CALLER_WINS && i > 0) {
            memset(r.map, TK_SKIP_MAP_STATIC, n_mbs);
            use_map = 1;
            twin_map = r.map;
        }
        if (cf->text_qp_offset)
            r.text_marked = text_map_frame(&p.layout, i, r.text.map);
        ok = encode_frame(&r, dev, i, cf->qp, use_map, i == cf->request_idr_at, twin_map,
                          own_map);
        /* the intra macroblocks of P pictures (the C reference's, which the GPU's equal) */
        for (int k = 0; ok && r.ref->last_p && k < p.layout.mb_width * p.layout.mb_height; k++) {
            p_intra[0] += r.ref->coded[k].type == TK_MB_I4x4;
            p_intra[1] += r.ref->coded[k].type == TK_MB_I16x16;
        }
    }
    if (cf->i16x16_only) {
        printf("(I16x16 only: %ld I16x16 macroblocks in P pictures) ", p_intra[1]);
        CHECK_EQ(p_intra[0], 0);
        CHECK(p_intra[1] > 0);
    }
    printf("%-12s %dx%d qp %2d frames %3d keyint %3d deblock %d skip map %d slice rows %d "
           "idr at %2d auto map %d text qp offset %d intra refresh %d: %ld access units "
           "equal, %ld decoded = GPU recon",
           source_names[cf->source], cf->width, cf->height, cf->qp, cf->frames, cf->keyint,
           cf->deblock, cf->skip_map, cf->slice_mb_rows, cf->request_idr_at, cf->auto_map,
           cf->text_qp_offset, cf->intra_refresh, r.frames_equal, r.frames_decoded);
    if (cf->auto_map == AUTO_FROM_SOURCE)
        printf(", %ld own maps (C and GPU) = the source's (%ld macroblocks with the same "
               "reference too), %ld = the C reference given the source's",
               r.maps_equal, r.same_ref, r.twin_equal);
    if (cf->auto_map == AUTO_CALLER_WINS)
        printf(", %ld = the C reference given the caller's map", r.twin_equal);
    printf("\n");
    fflush(stdout);
    CHECK_EQ(r.frames_equal, cf->frames);
    CHECK_EQ(r.frames_decoded, cf->frames);
    if (cf->auto_map != AUTO_OFF)
        CHECK_EQ(r.twin_equal, cf->frames);
    if (cf->auto_map == AUTO_FROM_SOURCE)
        CHECK_EQ(r.maps_equal, cf->frames);
    run_close(&r, dev);
    free(prev);
    source_close(&s);
}

/* Three P-frame encoders of different sizes, QPs and GOPs in one submission per round: each
 * access unit equals its own C reference's (the batch's P pictures share one dispatch per
 * analysis step, the I pictures of others' IDR rounds run beside them, and the change maps of
 * the two with auto_skip_map share one barrier before them). */
static void check_batch(TkVkDevice *dev)
{
    static const int shapes[3][3] = { { 200, 120, 1 }, { 64, 48, 3 }, { 96, 32, 1 } };
    Run rs[3];
    Source ss[3];
    TkVkCmd cmd;
    CHECK_EQ(tk_vk_cmd_create(dev, &cmd), 0);
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        TkEncoderRefParams p = {
            .layout = tk_frame_layout(shapes[k][0], shapes[k][1]), .fps_num = 30,
            .fps_den = 1, .keyint = 3 + k, .slice_mb_rows = shapes[k][2],
            .deblock = TK_DEBLOCK_AUTO, .p_frames = 1, .auto_skip_map = k != 1,
        };
        ok = run_open(&rs[k], dev, &p) == 0 && ok;
        CHECK_EQ(source_open(&ss[k], k == 0 ? SRC_CORNER : k == 1 ? SRC_SCROLL : SRC_MOTION,
                             &p.layout, 5u + k), 0);
    }
    long equal = 0;
    for (int i = 0; ok && i < 8; i++) {
        TkEncoderGpuFrame f[3];
        uint8_t *au_ref[3];
        size_t n_ref[3];
        for (int k = 0; k < 3; k++) {
            CHECK_EQ(source_frame(&ss[k], i, rs[k].src.map), 0);
            int idr;
            TkEncoderRefFrame in = { .src = rs[k].src.map, .qp = 20 + 6 * k };
            CHECK_EQ(tk_encoder_ref_encode_frame(rs[k].ref, &in, &au_ref[k], &n_ref[k], &idr),
                     0);
            f[k] = (TkEncoderGpuFrame){ .encoder = rs[k].gpu, .src = &rs[k].src,
                                        .qp = 20 + 6 * k };
        }
        CHECK_EQ(tk_encoder_gpu_encode_batch(f, 3, &cmd), 0);
        for (int k = 0; k < 3; k++) {
            int same = f[k].au && au_ref[k] && f[k].au_size == n_ref[k] &&
                       tk_check_bytes("batch access unit", f[k].au, au_ref[k], n_ref[k]) < 0;
            CHECK(same);
            equal += same;
            free(f[k].au);
            free(au_ref[k]);
        }
    }
    printf("batch of 3 P-frame encoders, 8 rounds: %ld/24 access units equal\n", equal);
    CHECK_EQ(equal, 24);
    for (int k = 0; k < 3; k++) {
        run_close(&rs[k], dev);
        source_close(&ss[k]);
    }
    tk_vk_cmd_destroy(dev, &cmd);
}

int main(int argc, char **argv)
{
    /* under the sanitizers (argument "short") the long chain is cut to 60 frames */
    int shortened = argc > 1 && !strcmp(argv[1], "short");
    TkLog log = { .max_level = TALKIE_LOG_WARNING };
    TkVkDevice *dev = tk_check_gpu_open(&log);
    enum { ON = TK_DEBLOCK_AUTO, OFF = TK_DEBLOCK_OFF };
    static const Config configs[] = {
        { 64, 48, SRC_MOTION, 0, 8, 30, ON, 0, 1, -1 },
        { 64, 48, SRC_MOTION, 10, 8, 30, OFF, 0, 3, -1 },
        { 200, 120, SRC_MOTION, 26, 10, 30, ON, 0, 1, 6 },
        { 200, 120, SRC_SCROLL, 26, 12, 30, ON, 0, 1, -1 },
        { 200, 120, SRC_SCROLL, 40, 12, 5, OFF, 1, 3, -1 },
        { 200, 120, SRC_STATIC, 26, 12, 30, ON, 1, 1, -1 },
        { 200, 120, SRC_CORNER, 26, 10, 30, ON, 1, 8, -1 },
        { 200, 120, SRC_CONVERSATION, 26, 12, 30, OFF, 1, 1, -1 },
        { 64, 48, SRC_CORNER, 51, 10, 30, ON, 0, 1, -1 },
        { 64, 48, SRC_MOTION, 40, 10, 30, ON, 1, 1, 4 },
        { 320, 240, SRC_CONVERSATION, 32, 8, 30, ON, 1, 1, -1 },
        { 200, 120, SRC_SAWTOOTH, 12, 12, 60, OFF, 0, 1, -1 },
        { 200, 120, SRC_SAWTOOTH, 26, 30, 60, ON, 0, 8, -1 },
        /* no drift: one long P chain */
        { 48, 32, SRC_MOTION, 26, 300, 1000, ON, 0, 1, -1 },
        /* the encoders' own skip map: equal to the source's, through periodic and
         * requested IDRs; a caller's map takes its place */
        { 200, 120, SRC_STATIC, 26, 12, 5, ON, 0, 1, -1, AUTO_FROM_SOURCE },
        { 200, 120, SRC_CORNER, 40, 10, 30, ON, 0, 3, 4, AUTO_FROM_SOURCE },
        { 200, 120, SRC_CONVERSATION, 26, 10, 30, ON, 0, 1, -1, AUTO_FROM_SOURCE },
        /* at QP 2 some static macroblocks keep levels whose inverse transform rounds to
         * nothing: their reference stays the same while they still code a residual, so
         * reusing "no residual" without the previous coding's cbp would show here */
        { 200, 120, SRC_CONVERSATION, 2, 8, 30, OFF, 0, 1, -1, AUTO_FROM_SOURCE },
        { 64, 48, SRC_CORNER, 26, 6, 30, OFF, 0, 1, -1, AUTO_CALLER_WINS },
        /* P pictures in one slice, IDRs (periodic and requested) in one-row slices */
        { 200, 120, SRC_MOTION, 26, 12, 5, ON, 0, 8, 7, AUTO_FROM_SOURCE, 1 },
        /* intra macroblocks of P pictures I16x16 only */
        { 200, 120, SRC_SCROLL, 26, 12, 30, ON, 0, 8, -1, AUTO_FROM_SOURCE, 1, -6, 1 },
        { 64, 48, SRC_SCROLL, 10, 10, 30, ON, 0, 1, -1, AUTO_OFF, 0, 0, 1 },
        /* lower QP under a moving text map: I and P pictures, one-slice P pictures, the
         * filter across macroblocks of different QP_Y, the own map's residual reuse */
        { 200, 120, SRC_CONVERSATION, 26, 12, 5, ON, 0, 8, -1, AUTO_FROM_SOURCE, 1, -6 },
        { 200, 120, SRC_MOTION, 32, 10, 4, ON, 1, 1, -1, AUTO_OFF, 0, -12 },
        { 200, 120, SRC_STATIC, 40, 10, 30, ON, 0, 3, -1, AUTO_FROM_SOURCE, 0, -3 },
        { 64, 48, SRC_CORNER, 4, 8, 30, OFF, 0, 1, 5, AUTO_OFF, 0, -6 },
        /* intra refresh: through requested and periodic IDRs, with the encoders' own map,
         * a caller's map (which goes through the encoders' own), none, slices, a text
         * map, a cycle longer than the picture is wide, I16x16-only intra; one run of 300
         * frames */
        { 200, 120, SRC_CONVERSATION, 26, 30, 1000, ON, 0, 1, 17, AUTO_FROM_SOURCE, 0, 0, 1,
          5 },
        { 200, 120, SRC_SCROLL, 26, 20, 12, ON, 1, 3, -1, AUTO_OFF, 0, 0, 0, 4 },
        { 200, 120, SRC_MOTION, 32, 14, 1000, ON, 0, 1, -1, AUTO_OFF, 0, -6, 0, 3 },
        { 64, 48, SRC_CORNER, 26, 12, 1000, ON, 0, 1, -1, AUTO_CALLER_WINS, 0, 0, 0, 3 },
        { 64, 48, SRC_MOTION, 20, 16, 1000, OFF, 0, 1, 9, AUTO_FROM_SOURCE, 0, 0, 1, 6 },
        { 48, 32, SRC_MOTION, 26, 300, 100, ON, 0, 1, 150, AUTO_FROM_SOURCE, 0, 0, 0, 7 },
    };
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        Config cf = configs[i];
        if (shortened && cf.frames > 60)
            cf.frames = 60;
        run_config(dev, &cf);
    }
    check_batch(dev);
    tk_check_gpu_close(&dev);
    return tk_check_finish();
}
