/*
 * Picture sequencing and access unit assembly on the host, shared by the C reference
 * encoder and the GPU backend:
 *   - TkH264Gop decides each picture's IDR flag, frame_num, idr_pic_id and slice type: an IDR
 *     every keyint frames (and when asked for one), otherwise a reference picture with
 *     frame_num + 1, of P slices when p_frames is on, else of I slices;
 *   - tk_h264_au_write() turns the packed slice RBSPs into one Annex B access unit:
 *     [AUD] [SPS PPS on IDRs] [SPS PPS SEI at the start of an intra refresh cycle] slice
 *     NAL units, each with emulation prevention.
 */
#ifndef TALKIE_ENCODE_H264_AU_H
#define TALKIE_ENCODE_H264_AU_H

#include <stddef.h>
#include <stdint.h>

#include "encode/h264/params.h"

typedef struct TkH264Gop {
    int keyint;         /* frames between IDRs, >= 1 */
    int64_t frames;     /* pictures since the last IDR (that IDR included) */
    int frame_num;      /* of the last picture */
    int idr_count;      /* IDRs so far: idr_pic_id alternates with it */
    int p_frames;       /* 1: pictures between IDRs are P pictures (0 after gop_init) */
    int idr_requested;  /* 1: the next picture is an IDR whatever keyint says */
    int refresh;        /* periodic intra refresh (p_frames): P pictures a cycle, 0 off
                           (0 after gop_init); a cycle starts at the first P picture after
                           each IDR and then runs on, one after the other */
    int refresh_next;   /* the position of the next P picture in its cycle */
} TkH264Gop;

void tk_h264_gop_init(TkH264Gop *g, int keyint);
/* Makes the next picture an IDR (a keyframe request); the keyint period restarts there. */
void tk_h264_gop_force_idr(TkH264Gop *g);
/* Fills idr, idr_pic_id, frame_num, p_slice and the refresh fields (refresh_pos,
 * recovery_point at a cycle's first picture, recovery_frame_cnt = refresh - 1: the cycle's
 * last picture is the first exact one) of the next picture (first_mb, qp and deblock
 * untouched). An IDR restarts the keyint count and the refresh cycle. */
void tk_h264_gop_next(TkH264Gop *g, TkH264SliceHeader *pic);

/*
 * Builds the access unit into a malloc'ed buffer (*out, freed by the caller with free()).
 * rbsp holds the slices' RBSPs; slice_table[2 * s] / [2 * s + 1] are the byte offset and
 * size of slice s. Returns 0, TALKIE_ERR(ENOMEM), TALKIE_ERR(EINVAL) (a slice outside
 * rbsp_size).
 */
int tk_h264_au_write(const TkH264Config *c, int idr, int aud, const uint8_t *rbsp,
                     size_t rbsp_size, const uint32_t *slice_table, int n_slices,
                     uint8_t **out, size_t *out_size);
/* The same for a picture described by pic (its idr and p_slice: the AUD's primary_pic_type). */
int tk_h264_au_write_pic(const TkH264Config *c, const TkH264SliceHeader *pic, int aud,
                         const uint8_t *rbsp, size_t rbsp_size, const uint32_t *slice_table,
                         int n_slices, uint8_t **out, size_t *out_size);

#endif
