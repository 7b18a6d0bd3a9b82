/* Rate control of the compute encoder; see ratecontrol.h. */
#include "encode/compute/ratecontrol.h"

#include <string.h>

#include "talkie/talkie.h"

/* 2^(k/12) for k = 0..11, times 65536: bits(q) = c / (2^(q/12) * 65536). */
static const int64_t pow2_12th[12] = { 65536, 69433, 73562, 77936, 82570, 87480,
                                       92682, 98193, 104032, 110218, 116772, 123715 };

/* 2^(q/12) * 65536 */
static int64_t qscale(int qp)
{
    return pow2_12th[qp % 12] << (qp / 12);
}

/* Largest frame per macroblock at QPs 0, 3, ..., 51: binary (0/255) noise in every sample,
 * the worst of uniform noise, binary noise and a one-sample checkerboard, I and P pictures,
 * slices of one row at 64x64 and 320x240 (bench/RESULTS.md, issue 10 level), times 1.25
 * and rounded up to 100 bits. Between the steps the lower QP's figure holds. */
static const int16_t worst_mb_bits[18] = { 7800, 7100, 6600, 6000, 5400, 5000, 4400, 4100, 3600,
                                           3200, 2800, 2500, 2300, 2100, 1800, 1600, 1400,
                                           1100 };

int64_t tk_rc_worst_mb_bits(int qp)
{
    qp = qp < 0 ? 0 : qp > 51 ? 51 : qp;
    return worst_mb_bits[qp / 3];
}

/* Bits a picture of skipped macroblocks costs, a slice: NAL header, slice header with
 * frame_num and the skip run, about 10 bytes (measured 185 B for 15 slices at 320x240). */
#define FLOOR_BITS_PER_SLICE 80
/* Where the models start before any frame was coded, in bits per macroblock at QP 26
 * (rendered conversation at 320x240: an IDR ~5.1 KB, a P frame ~350 B above its floor). */
#define START_IDR_MB_BITS 136
#define START_OTHER_MB_BITS 9
#define START_QP 26

static int64_t frame_bits(const TkRateControl *rc)
{
    return rc->bitrate_bps * rc->params.fps_den / rc->params.fps_num;
}

/* Frames a second, at least 1: the debt is paid back over this many frames. */
static int64_t fps_frames(const TkRateControl *rc)
{
    int64_t n = rc->params.fps_num / rc->params.fps_den;
    return n > 0 ? n : 1;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int tk_rc_init(TkRateControl *rc, const TkRateParams *p)
{
    if (p->fps_num <= 0 || p->fps_den <= 0 || p->qp < -1 || p->qp > 51 ||
        (p->qp < 0 && p->bitrate_bps <= 0) || p->n_mbs <= 0 || p->n_slices <= 0)
        return TALKIE_ERR(EINVAL);
    memset(rc, 0, sizeof(*rc));
    rc->params = *p;
    rc->fixed_qp = p->qp >= 0;
    for (int k = 0; k < TK_RC_CLASSES; k++)
        rc->last_qp[k] = rc->fixed_qp ? p->qp : START_QP;
    rc->prev_qp = rc->last_qp[TK_RC_CLASS_OTHER];
    rc->model[TK_RC_CLASS_IDR].c = START_IDR_MB_BITS * p->n_mbs * qscale(START_QP);
    rc->model[TK_RC_CLASS_OTHER].c = START_OTHER_MB_BITS * p->n_mbs * qscale(START_QP);
    rc->model[TK_RC_CLASS_OTHER].floor_bits = (int64_t)FLOOR_BITS_PER_SLICE * p->n_slices;
    if (!rc->fixed_qp)
        tk_rc_set_bitrate(rc, p->bitrate_bps);
    return 0;
}

void tk_rc_set_bitrate(TkRateControl *rc, int64_t bitrate_bps)
{
    if (bitrate_bps <= 0)
        return;
    int64_t max = rc->params.max_bitrate_bps / TK_RC_IDR_CAP_FRAMES;
    if (max > 0 && bitrate_bps > max)
        bitrate_bps = max; /* the level in the SPS holds no more */
    if (rc->fixed_qp) {
        /* the QP so far is where the model starts */
        rc->last_qp[TK_RC_CLASS_IDR] = rc->last_qp[TK_RC_CLASS_OTHER] = rc->params.qp;
        rc->prev_qp = rc->params.qp;
        rc->fixed_qp = 0;
    }
    rc->bitrate_bps = bitrate_bps;
    /* a debt in bits of the old rate: keep it within the new bounds */
    int64_t second = frame_bits(rc) * fps_frames(rc);
    rc->debt_bits = clamp64(rc->debt_bits, -second / 2, 2 * second);
}

int64_t tk_rc_bitrate(const TkRateControl *rc)
{
    return rc->fixed_qp ? 0 : rc->bitrate_bps;
}

int64_t tk_rc_cap_bits(const TkRateControl *rc, int idr)
{
    if (rc->fixed_qp)
        return 0;
    int64_t fb = frame_bits(rc);
    return idr ? fb * TK_RC_IDR_CAP_FRAMES : fb * TK_RC_P_CAP_QUARTERS / 4;
}

static int64_t predict(const TkRateModel *m, int qp)
{
    return m->floor_bits + m->c / qscale(qp);
}

/* The smallest QP from `lo` up whose predicted size is within `bits`; QP_MAX if none. */
static int qp_for(const TkRateModel *m, int64_t bits, int lo)
{
    int qp = lo < TK_RC_QP_MIN ? TK_RC_QP_MIN : lo;
    while (qp < TK_RC_QP_MAX && predict(m, qp) > bits)
        qp++;
    return qp;
}

int tk_rc_qp(const TkRateControl *rc, int idr)
{
    if (rc->fixed_qp)
        return rc->params.qp;
    int k = idr ? TK_RC_CLASS_IDR : TK_RC_CLASS_OTHER;
    int64_t fb = frame_bits(rc);
    int64_t cap = tk_rc_cap_bits(rc, idr);
    /* 9/10 of the cap: the margin for the model's error, so that few frames are coded twice */
    int64_t limit = cap - cap / 10;
    if (idr) {
        /* an IDR aims at the cap's margin (the frames after it pay for it), and is not much
         * finer than the P frames around it: its extra bits would buy little that stays
         * visible, and the P frames after it would pay for them */
        return qp_for(&rc->model[k], limit, rc->last_qp[TK_RC_CLASS_OTHER] - 3);
    }
    int64_t target = clamp64(fb - rc->debt_bits / fps_frames(rc), fb / 8, limit);
    /* A P picture finer than its reference codes the difference in every macroblock that
     * changed: on a conversation 3 QP below the reference cost 5-7 times the bits
     * (bench/RESULTS.md), which the model (fitted at steady QPs) does not see. So the QP
     * falls slowly below the previous picture's: by 1 a frame, by 2 or 3 while the previous
     * picture used less than a half or a quarter of the target. */
    return qp_for(&rc->model[k], target, rc->prev_qp - 1);
}

/* The model follows a coded frame: 3/4 of the new observation. */
static void learn(TkRateControl *rc, int idr, int qp, int64_t bits)
{
    TkRateModel *m = &rc->model[idr ? TK_RC_CLASS_IDR : TK_RC_CLASS_OTHER];
    if (!idr && bits < m->floor_bits)
        m->floor_bits = bits; /* fewer slices or a cheaper header than assumed */
    int64_t above = bits - m->floor_bits;
    if (above < 8)
        above = 8;
    int64_t c = above * qscale(qp);
    /* IDRs are rare and each is like the picture of its moment: 3/4 the new one. P frames
     * of a conversation swing 5-10 times from frame to frame (a mouth opens, a letter
     * appears), so one frame says little of the next: 1/8 the new one, a running mean */
    m->c = idr ? (m->c + 3 * c) / 4 : (7 * m->c + c) / 8;
}

int tk_rc_retry_qp(TkRateControl *rc, int idr, int qp, int64_t bits, int attempt)
{
    int64_t cap = tk_rc_cap_bits(rc, idr);
    if (rc->fixed_qp || bits <= cap || qp >= TK_RC_QP_MAX)
        return -1;
    if (attempt + 1 >= TK_RC_MAX_RETRIES)
        return attempt + 1 == TK_RC_MAX_RETRIES ? TK_RC_QP_MAX : -1;
    learn(rc, idr, qp, bits);
    /* first the QP of the previous picture, where the pictures were within their cap (a P
     * picture costs much more below its reference's QP than the model says) */
    if (attempt == 0 && !idr && rc->prev_qp >= qp + 1)
        return rc->prev_qp + 1;
    /* this frame's own size is the best model of it */
    TkRateModel m = rc->model[idr ? TK_RC_CLASS_IDR : TK_RC_CLASS_OTHER];
    int64_t above = bits - m.floor_bits;
    m.c = (above < 8 ? 8 : above) * qscale(qp);
    return qp_for(&m, cap - cap / 5, qp + 2);
}

void tk_rc_update(TkRateControl *rc, int idr, int qp, int64_t bits)
{
    if (rc->fixed_qp)
        return;
    learn(rc, idr, qp, bits);
    rc->last_qp[idr ? TK_RC_CLASS_IDR : TK_RC_CLASS_OTHER] = qp;
    rc->prev_qp = qp;
    rc->prev_bits = bits;
    int64_t second = frame_bits(rc) * fps_frames(rc);
    rc->debt_bits = clamp64(rc->debt_bits + bits - frame_bits(rc), -second / 2, 2 * second);
}

int64_t tk_rc_peak_bps(const TkRateParams *p)
{
    if (p->fps_num <= 0 || p->fps_den <= 0 || p->n_mbs <= 0)
        return 0;
    if (p->qp < 0)
        return p->bitrate_bps * TK_RC_IDR_CAP_FRAMES;
    /* every frame the largest the QP allows: bits a frame times frames a second, rounded up */
    int64_t frame = tk_rc_worst_mb_bits(p->qp) * p->n_mbs;
    return (frame * p->fps_num + p->fps_den - 1) / p->fps_den;
}
