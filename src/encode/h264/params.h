/*
 * H.264 parameter sets and slice headers for talkie's Constrained Baseline streams:
 * SPS (7.3.2.1.1) with VUI (E.1.1), PPS (7.3.2.2), slice_header (7.3.3) for I and P slices,
 * access unit delimiter (7.3.2.4), and the level choice (Table A-1).
 *
 * Fixed choices: profile_idc 66 with constraint_set0/1 (Constrained Baseline), CAVLC, frame
 * macroblocks only, pic_order_cnt_type 2 (output order = decode order), one reference frame
 * (max_num_ref_frames 1, num_ref_idx_l0_default_active 1, sliding-window marking: every
 * picture is a reference and replaces the previous one), pic_init_qp 26, deblocking control present: each slice turns the in-loop filter on across
 * slice edges (disable_deblocking_filter_idc 0, offsets 0) or off (1), as its picture's
 * TkH264SliceHeader.deblock says.
 */
#ifndef TALKIE_ENCODE_H264_PARAMS_H
#define TALKIE_ENCODE_H264_PARAMS_H

#include <stdint.h>

#include "common/frame.h"
#include "encode/h264/bitwriter.h"

#define TK_H264_LOG2_MAX_FRAME_NUM 8 /* frame_num wraps at 256 */

typedef struct TkH264Config {
    TkFrameLayout layout;
    int fps_num, fps_den;
    int64_t bitrate_bps;  /* 0 when unknown (constant QP) */
    int level_idc;        /* from tk_h264_level() */
    int max_num_ref_frames; /* SPS max_num_ref_frames and VUI max_dec_frame_buffering: 1,
                               P pictures refer to the previous picture only */
} TkH264Config;

/*
 * The smallest level (level_idc, 10 = 1.0 ... 52 = 5.2) whose Table A-1 limits hold the frame
 * size (MaxFS, and width/height <= sqrt(8 * MaxFS) macroblocks), the macroblock rate
 * (MaxMBPS) and, when bitrate_bps > 0, the bitrate (MaxBR * 1200 for the NAL HRD).
 * TALKIE_ERROR_UNSUPPORTED when even 5.2 is too small.
 */
int tk_h264_level(const TkFrameLayout *layout, int fps_num, int fps_den, int64_t bitrate_bps);

/* The most bit/s a stream of that level may carry (1200 * MaxBR, the NAL HRD for Baseline);
 * 0 for a level_idc not in Table A-1. */
int64_t tk_h264_level_max_bitrate(int level_idc);

typedef struct TkH264SliceHeader {
    int first_mb;     /* first_mb_in_slice */
    int idr;          /* 1: IDR picture (nal_unit_type 5) */
    int idr_pic_id;   /* IDR only: differs between two consecutive IDRs */
    int frame_num;    /* 0 at an IDR, then +1 per reference picture, modulo 2^log2 */
    int qp;           /* SliceQPY; written as slice_qp_delta against pic_init_qp 26 */
    int deblock;      /* 1: the deblocking filter is on */
    int p_slice;      /* 1: P slices (slice_type 5) predicting from the previous picture;
                         0: I slices (slice_type 7). Never 1 on an IDR. */
    int num_ref_idx_l0_active; /* P slices: 0 = the PPS default (1, what talkie uses), else
                                  the count num_ref_idx_active_override_flag sets */
    /* Not slice syntax: the picture's place in a periodic intra refresh (au.h TkH264Gop),
     * set by tk_h264_gop_next(). */
    int refresh_pos;  /* position in the refresh cycle (0 starts one), -1: no refresh */
    int recovery_point; /* 1: the access unit carries a recovery point SEI (D.1.8) whose
                           recovery_frame_cnt is recovery_frame_cnt, and SPS/PPS, so that a
                           decoder can start there (au.c) */
    int recovery_frame_cnt;
} TkH264SliceHeader;

/* seq_parameter_set_rbsp(), rbsp_trailing_bits included. */
void tk_h264_write_sps(TkBitWriter *bw, const TkH264Config *c);
/* pic_parameter_set_rbsp(), rbsp_trailing_bits included. */
void tk_h264_write_pps(TkBitWriter *bw, const TkH264Config *c);
/* access_unit_delimiter_rbsp() for a picture of I slices. */
void tk_h264_write_aud(TkBitWriter *bw);
/* access_unit_delimiter_rbsp() for a picture of I slices, or of I and P slices (p_slices). */
void tk_h264_write_aud_pic(TkBitWriter *bw, int p_slices);
/* sei_rbsp() with one recovery point SEI message (D.1.8): the picture recovery_frame_cnt
 * frames after this one (in frame_num) is exact (exact_match_flag 1) when decoding starts
 * here; no broken link, no slice groups. rbsp_trailing_bits included. */
void tk_h264_write_sei_recovery_point(TkBitWriter *bw, int recovery_frame_cnt);
/* slice_header() of an I or P slice, without slice data or trailing bits (the pack step adds
 * the macroblocks after it). */
void tk_h264_write_slice_header(TkBitWriter *bw, const TkH264Config *c,
                                const TkH264SliceHeader *s);

#endif
