/* Picture sequencing and access unit assembly; see au.h. */
#include "encode/h264/au.h"

#include <stdlib.h>

#include "encode/h264/nal.h"
#include "talkie/talkie.h"

void tk_h264_gop_init(TkH264Gop *g, int keyint)
{
    g->keyint = keyint > 0 ? keyint : 1;
    g->frames = 0;
    g->frame_num = 0;
    g->idr_count = 0;
    g->p_frames = 0;
    g->idr_requested = 0;
    g->refresh = 0;
    g->refresh_next = 0;
}

void tk_h264_gop_force_idr(TkH264Gop *g)
{
    g->idr_requested = 1;
}

void tk_h264_gop_next(TkH264Gop *g, TkH264SliceHeader *pic)
{
    pic->idr = g->frames % g->keyint == 0 || g->idr_requested;
    if (pic->idr) {
        g->frames = 0; /* the keyint count restarts at every IDR */
        g->idr_requested = 0;
        /* 7.4.3: two consecutive IDR access units must have different idr_pic_id. */
        pic->idr_pic_id = g->idr_count & 1;
        g->idr_count++;
        g->frame_num = 0;
        g->refresh_next = 0; /* an IDR is clean: the next P picture starts a cycle */
    } else {
        /* Every picture is a reference picture, so frame_num counts up (7.4.3). */
        g->frame_num = (g->frame_num + 1) & ((1 << TK_H264_LOG2_MAX_FRAME_NUM) - 1);
        pic->idr_pic_id = 0;
    }
    pic->frame_num = g->frame_num;
    pic->p_slice = !pic->idr && g->p_frames;
    pic->refresh_pos = -1;
    pic->recovery_point = 0;
    pic->recovery_frame_cnt = 0;
    if (pic->p_slice && g->refresh > 0) {
        pic->refresh_pos = g->refresh_next;
        g->refresh_next = (g->refresh_next + 1) % g->refresh;
        pic->recovery_point = pic->refresh_pos == 0;
        pic->recovery_frame_cnt = g->refresh - 1;
    }
    g->frames++;
}

/* Parameter sets and the AUD are a few dozen bytes; this is plenty. */
#define HEADER_WORDS 64

static int append(uint8_t *dst, size_t cap, size_t *pos, int ref_idc, int type,
                  const uint8_t *rbsp, size_t n)
{
    int64_t res = tk_nal_write(dst + *pos, cap - *pos, ref_idc, type, rbsp, n);
    if (res < 0)
        return (int)res;
    *pos += (size_t)res;
    return 0;
}

static int append_header(uint8_t *dst, size_t cap, size_t *pos, int ref_idc, int type,
                         const TkBitWriter *bw)
{
    uint8_t bytes[HEADER_WORDS * 4];
    if (bw->overflow)
        return TALKIE_ERR(ENOSPC);
    size_t n = tk_bw_bytes(bw, bytes, sizeof(bytes));
    return append(dst, cap, pos, ref_idc, type, bytes, n);
}

int tk_h264_au_write(const TkH264Config *c, int idr, int aud, const uint8_t *rbsp,
                     size_t rbsp_size, const uint32_t *slice_table, int n_slices,
                     uint8_t **out, size_t *out_size)
{
    TkH264SliceHeader pic = { .idr = idr };
    return tk_h264_au_write_pic(c, &pic, aud, rbsp, rbsp_size, slice_table, n_slices, out,
                                out_size);
}

int tk_h264_au_write_pic(const TkH264Config *c, const TkH264SliceHeader *pic, int aud,
                         const uint8_t *rbsp, size_t rbsp_size, const uint32_t *slice_table,
                         int n_slices, uint8_t **out, size_t *out_size)
{
    int idr = pic->idr;
    *out = NULL;
    *out_size = 0;
    size_t cap = 4 * tk_nal_max(HEADER_WORDS * 4);
    for (int s = 0; s < n_slices; s++) {
        size_t off = slice_table[2 * s], n = slice_table[2 * s + 1];
        if (off > rbsp_size || n > rbsp_size - off)
            return TALKIE_ERR(EINVAL);
        cap += tk_nal_max(n);
    }
    uint8_t *buf = malloc(cap);
    if (!buf)
        return TALKIE_ERR(ENOMEM);

    uint32_t words[HEADER_WORDS];
    TkBitWriter bw;
    size_t pos = 0;
    int res = 0;
    if (aud) {
        tk_bw_init(&bw, words, HEADER_WORDS);
        tk_h264_write_aud_pic(&bw, pic->p_slice);
        res = append_header(buf, cap, &pos, 0, TK_NAL_AUD, &bw);
    }
    /* a decoder may start at a recovery point too: it needs the parameter sets there */
    if (res == 0 && (idr || pic->recovery_point)) {
        tk_bw_init(&bw, words, HEADER_WORDS);
        tk_h264_write_sps(&bw, c);
        res = append_header(buf, cap, &pos, 3, TK_NAL_SPS, &bw);
        if (res == 0) {
            tk_bw_init(&bw, words, HEADER_WORDS);
            tk_h264_write_pps(&bw, c);
            res = append_header(buf, cap, &pos, 3, TK_NAL_PPS, &bw);
        }
    }
    if (res == 0 && pic->recovery_point) {
        tk_bw_init(&bw, words, HEADER_WORDS);
        tk_h264_write_sei_recovery_point(&bw, pic->recovery_frame_cnt);
        res = append_header(buf, cap, &pos, 0, TK_NAL_SEI, &bw);
    }
    for (int s = 0; res == 0 && s < n_slices; s++)
        res = append(buf, cap, &pos, 3, idr ? TK_NAL_SLICE_IDR : TK_NAL_SLICE,
                     rbsp + slice_table[2 * s], slice_table[2 * s + 1]);
    if (res < 0) {
        free(buf);
        return res;
    }
    *out = buf;
    *out_size = pos;
    return 0;
}
