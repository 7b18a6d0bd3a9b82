/*
 * Rate control of the compute encoder: the QP of each frame, pure C and deterministic
 * (integers only, no state outside the struct), so the GPU encoder and the C reference make
 * the same stream from the same frames.
 *
 * Constant QP: every frame at params.qp; nothing else happens.
 *
 * Target bitrate (live streaming): with R = bitrate_bps and T = one frame interval,
 *   - the cap: a frame must not take longer to send at R than one frame interval, so a
 *     non-IDR frame is at most R * T bits; an IDR (which codes the whole picture, 10-20 times
 *     a P frame of a conversation) at most TK_RC_IDR_CAP_FRAMES * R * T bits: it may delay
 *     the frames behind it by up to 3 intervals, and the frames after it pay its excess back
 *     (below). A frame the encoder cannot bring under its cap even at QP 51 (an IDR of a
 *     large picture at a very low rate) is kept at QP 51: nothing smaller exists.
 *   - the model, one per frame class (IDR, other): bits(q) = floor + c * 2^(-q / 12). The
 *     exponent is measured: on rendered conversations the bits of both classes halve every
 *     ~12 QP (bench/RESULTS.md, issue 10 rate control); floor is what a picture of only
 *     skipped macroblocks costs (slice headers: about 80 bits a slice). c follows every frame
 *     coded (3/4 the new frame, as conversation frames look like the one before).
 *   - the target of a frame: R * T minus the debt (bits sent beyond R * elapsed time) spread
 *     over one second, and the QP the smallest whose predicted size meets both the target and
 *     9/10 of the cap. The debt is kept within [-1/2 s, +2 s] of bits so that a long still
 *     scene cannot save up for a burst and a scene the encoder cannot bring down is
 *     forgiven after a while.
 *   - a frame over its cap is coded again at a higher QP (tk_rc_retry_qp), at most
 *     TK_RC_MAX_RETRIES times; the last retry is at QP 51.
 *
 * The level (tk_rc_peak_bps): the SPS must signal a level whose MaxBR the stream keeps. At a
 * target bitrate every frame is within its cap, so the stream never sends faster than
 * TK_RC_IDR_CAP_FRAMES * R (every frame an IDR at its cap); at constant QP the bound is the
 * largest frame the encoder makes at that QP (measured on binary noise, the worst input
 * found, with 25% margin) at every frame.
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

/* An IDR may take this many frame intervals to send at the target rate. */
#define TK_RC_IDR_CAP_FRAMES 4
/* A P frame at most this many frame intervals, in 1/4: see the top of the file. */
#define TK_RC_P_CAP_QUARTERS 8
/* Re-encodes of one frame over its cap at most; the last is at QP 51. */
#define TK_RC_MAX_RETRIES 3
/* The QPs the bitrate mode picks from: all of them, since a conversation with P frames needs
 * low QPs to use a live stream's rate at all (mostly skipped macroblocks). */
#define TK_RC_QP_MIN 0
#define TK_RC_QP_MAX 51

typedef struct TkRateParams {
    int fps_num, fps_den;   /* > 0 */
    int qp;                 /* 0..51: constant QP; -1: by bitrate_bps */
    int64_t bitrate_bps;    /* > 0 with qp -1 */
    int64_t max_bitrate_bps; /* > 0: the peak the signalled level holds (tk_rc_peak_bps() of
                                the opening params); a later target is clamped so that
                                TK_RC_IDR_CAP_FRAMES * target stays within it. 0: none */
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
    int64_t prev_bits;      /* its size */
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

/* The frame kept: its QP and size move the model and the debt. */
void tk_rc_update(TkRateControl *rc, int idr, int qp, int64_t bits);

/* The highest bitrate (bit/s) the stream of these params can reach, for the level: see the
 * top of this file. n_mbs and the frame rate from params; 0 for bad params. */
int64_t tk_rc_peak_bps(const TkRateParams *params);

/* The largest frame (bits) the encoder makes at `qp` per macroblock, with margin. */
int64_t tk_rc_worst_mb_bits(int qp);

#endif
