/*
 * Rate control of the compute encoder: the QP of each frame, pure C and deterministic
 * (integers only, no state outside the struct), so the GPU encoder and the C reference make
 * the same stream from the same frames.
 *
 * Constant QP: every frame at params.qp; nothing else happens.
 *
 * Target bitrate (live streaming), R = the target, T = one frame interval:
 *   - caps: a P frame may take at most 1.5 frame intervals to send at R (it is at most
 *     1.5 * R * T bits, TK_RC_P_CAP_QUARTERS), so the frame behind it waits at most half an
 *     interval (17 ms at 30 frames/s). Exactly one interval costs the stream 18% of its
 *     rate on a conversation (every change of content, a new subtitle line, goes over it
 *     and is coded again coarser); 1.5 lands within 10% (bench/RESULTS.md, "Rate
 *     control"). An IDR codes the whole picture, 20-40 times a P frame at equal QP, so it
 *     has a rule of its own: at most one second of R (TK_RC_IDR_CAP_MS). Half a second made
 *     every IDR (and so the stream, see below) coarse and the stream 37% short of R. The
 *     frames after a large IDR pay it back (the debt below), so the queue behind it drains
 *     within about a second; periodic intra refresh instead of IDRs is the way to make that
 *     smaller (not written yet).
 *   - why the IDR sets the quality: the encoder codes the residual left in a static
 *     macroblock whenever the QP is finer than the one that macroblock was coded at
 *     (analyse_p_ref.c, step 1), so one QP below the pictures before it costs a P frame
 *     5-30 times its bits (a refinement of the whole picture); that never fits the P cap.
 *     So after an IDR the P frames stay at or above the finest QP used since it (the
 *     floor), except one step at a time while a quarter second of savings can pay for one,
 *     and the QP for the stream is chosen at each IDR: the smallest whose predicted IDR plus
 *     (keyint - 1) P frames fit the GOP's budget (keyint * R * T, less the debt).
 *   - the models, one per frame class (IDR, P): bits(q) = floor + c * 2^(-q / 12): on
 *     rendered conversations the bits of both halve every ~12 QP; floor is what a picture
 *     of skipped macroblocks costs (slice headers, about 80 bits a slice). The IDR model
 *     follows each IDR (3/4 the new one); the P model is a running mean (1/8 the new one),
 *     since P frames of a conversation swing 5-10 times from one frame to the next.
 *   - the debt: bits coded minus R * elapsed time, kept within [-3 s, +2 s] of R so that a
 *     long still scene cannot save up without end (the caps bound how fast savings are
 *     spent) and a scene too busy for the rate is forgiven after a while. A P frame's
 *     target is R * T less the debt spread over one second; its QP the smallest whose
 *     prediction meets the target and 9/10 of the cap, not below the floor, at most 1 below
 *     the previous picture's (3 while that is 3 or more above the floor: after a frame that
 *     had to be coarse), and not at a QP where a P frame went over its cap in the last
 *     quarter second.
 *   - a frame over its cap is coded again at a higher QP (tk_rc_retry_qp), at most
 *     TK_RC_MAX_RETRIES times: a P frame first at the previous picture's QP + 1, then where
 *     its own size says (halving every 6 QP, then every 12), the last time at QP 51. A frame
 *     over its cap even at QP 51 (an IDR of a large picture at a very low rate) is kept:
 *     nothing smaller exists.
 *   - the rate the content needs may be below R (a still conversation at 320x240 needs
 *     ~180 kbit/s even at QP 0): then the stream runs at TK_RC_QP_MIN, below R.
 *
 * The level (tk_rc_peak_bps): the SPS must signal a level whose MaxBR the stream keeps. At a
 * target bitrate every frame is within its cap, so no second carries more than fps IDRs at
 * their cap, fps * R (keyframe requests at every frame; level 3.0 for 200 kbit/s at 30
 * frames/s); at constant QP the bound is the largest frame the encoder makes at that QP
 * (measured on binary noise, the worst input found, with 25% margin) at every frame.
 *
 *     TkRateControl rc;
 *     tk_rc_init(&rc, &params);
 *     int qp = tk_rc_qp(&rc, idr);
 *     for (int attempt = 0;; attempt++) {
 *         bits = encode(frame, qp);
 *         int again = tk_rc_retry_qp(&rc, idr, qp, bits, attempt);
 *         if (again < 0) break;
 *         rewind the encoder; qp = again;
 *     }
 *     tk_rc_update(&rc, idr, qp, bits);
 */
#ifndef TALKIE_ENCODE_COMPUTE_RATECONTROL_H
#define TALKIE_ENCODE_COMPUTE_RATECONTROL_H

#include <stdint.h>

/* A P frame may take this many quarters of a frame interval to send at the target rate. */
#define TK_RC_P_CAP_QUARTERS 6
/* An IDR may take this many milliseconds to send at the target rate. */
#define TK_RC_IDR_CAP_MS 1000
/* Re-encodes of one frame over its cap at most; the last is at QP 51. */
#define TK_RC_MAX_RETRIES 4
/* The QPs the bitrate mode picks from: all of them, since a conversation with P frames needs
 * low QPs to use a live stream's rate at all (mostly skipped macroblocks). */
#define TK_RC_QP_MIN 0
#define TK_RC_QP_MAX 51

typedef struct TkRateParams {
    int fps_num, fps_den;   /* > 0 */
    int qp;                 /* 0..51: constant QP; -1: by bitrate_bps */
    int64_t bitrate_bps;    /* > 0 with qp -1 */
    int64_t max_bitrate_bps; /* > 0: the peak the signalled level holds (tk_rc_peak_bps() of
                                the opening params); a later target is clamped so that its
                                peak stays within it. 0: none */
    int keyint;             /* frames between periodic IDRs, >= 1 */
    int n_mbs;              /* macroblocks a picture */
    int n_slices;           /* slices a picture */
} TkRateParams;

/* The model of one frame class. */
typedef struct TkRateModel {
    int64_t c;              /* bits above floor at QP 0 (bits(q) * 2^(q/12)), 1/65536 units */
    int64_t floor_bits;     /* what a picture of skipped macroblocks costs */
} TkRateModel;

enum { TK_RC_CLASS_OTHER = 0, TK_RC_CLASS_IDR = 1, TK_RC_CLASSES };

typedef struct TkRateControl {
    TkRateParams params;
    int fixed_qp;           /* 1: constant QP (params.qp) */
    int64_t bitrate_bps;    /* the current target */
    int64_t debt_bits;      /* bits coded minus bits the target allowed so far, bounded */
    int last_qp[TK_RC_CLASSES]; /* of the last frame of each class */
    int prev_qp;            /* of the previous picture: the next P picture's reference */
    int floor_qp;           /* the finest QP since the last IDR */
    int blocked_qp;         /* a P frame at this QP or finer went over its cap ... */
    int blocked_frames;     /* ... so many frames ago at most: not again before they pass */
    TkRateModel model[TK_RC_CLASSES];
} TkRateControl;

/* TALKIE_ERR(EINVAL) for params out of range. */
int tk_rc_init(TkRateControl *rc, const TkRateParams *params);

/* A new target from the next frame on (a live session's set_bitrate); a session at constant
 * QP switches to the bitrate mode. <= 0 is ignored. */
void tk_rc_set_bitrate(TkRateControl *rc, int64_t bitrate_bps);

/* The current target, after the level's clamp; 0 at constant QP. */
int64_t tk_rc_bitrate(const TkRateControl *rc);

/* The QP to code the next frame at (idr: 1 when it is an IDR). */
int tk_rc_qp(const TkRateControl *rc, int idr);

/* The most bits a frame of this class may take; 0 at constant QP (no cap). */
int64_t tk_rc_cap_bits(const TkRateControl *rc, int idr);

/* After attempt `attempt` (0 = the first coding) of a frame at `qp` made `bits`: the QP to
 * code it again at, or -1 to keep it. Learns from the attempt either way. */
int tk_rc_retry_qp(TkRateControl *rc, int idr, int qp, int64_t bits, int attempt);

/* The frame kept: its QP and size move the model (at constant QP too, for a later
 * set_bitrate) and the debt. */
void tk_rc_update(TkRateControl *rc, int idr, int qp, int64_t bits);

/* The highest bitrate (bit/s) the stream of these params can reach, for the level: see the
 * top of this file. n_mbs and the frame rate from params; 0 for bad params. */
int64_t tk_rc_peak_bps(const TkRateParams *params);

/* The largest frame (bits) the encoder makes at `qp` per macroblock, with margin. */
int64_t tk_rc_worst_mb_bits(int qp);

#endif
