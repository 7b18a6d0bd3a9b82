/* Rate control of the compute encoder; see ratecontrol.h. */
#include "encode/compute/ratecontrol.h"

#include <string.h>

#include "talkie/talkie.h"

/* 2^(k/12) for k = 0..11, times 65536: bits(q) = floor + c / (2^(q/12) * 65536). */
static const int64_t pow2_12th[12] = { 65536, 69433, 73562, 77936, 82570, 87480,
                                       92682, 98193, 104032, 110218, 116772, 123715 };

/* 2^(q/12) * 65536 */
static int64_t qscale(int qp)
{
    return pow2_12th[qp % 12] << (qp / 12);
}

/* Largest frame per macroblock at QPs 0, 3, ..., 51: binary (0/255) noise in every sample,
 * the worst of uniform noise, binary noise and a one-sample checkerboard, I and P pictures,
 * slices of one row at 64x64 (bench/RESULTS.md, "Level"), times 1.25 and rounded up to 100
 * bits. Between the steps the lower QP's figure holds. */
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
 * (rendered conversations at 320x240 and 640x360: an IDR 100-160, a P frame 3-5 above its
 * floor). */
#define START_IDR_MB_BITS 136
#define START_P_MB_BITS 4
#define START_QP 26
/* The GOP budget of an IDR counts at most this many seconds of frames after it: a longer
 * keyint (IDRs mostly on request) must not make one IDR take the bits of minutes. */
#define MAX_PLAN_SECONDS 4
/* Bits saved (a scene simpler than the rate) count up to this many seconds of the target:
 * enough to land the average over a minute, and the caps bound how fast they are spent. */
#define DEBT_SAVED_SECONDS 3

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
        (p->qp < 0 && p->bitrate_bps <= 0) || p->n_mbs <= 0 || p->n_slices <= 0 ||
        p->keyint < 1)
        return TALKIE_ERR(EINVAL);
    memset(rc, 0, sizeof(*rc));
    rc->params = *p;
    rc->fixed_qp = p->qp >= 0;
    for (int k = 0; k < TK_RC_CLASSES; k++)
        rc->last_qp[k] = rc->fixed_qp ? p->qp : START_QP;
    rc->prev_qp = rc->floor_qp = rc->last_qp[TK_RC_CLASS_OTHER];
    rc->model[TK_RC_CLASS_IDR].c = START_IDR_MB_BITS * p->n_mbs * qscale(START_QP);
    rc->model[TK_RC_CLASS_OTHER].c = START_P_MB_BITS * p->n_mbs * qscale(START_QP);
    rc->model[TK_RC_CLASS_OTHER].floor_bits = (int64_t)FLOOR_BITS_PER_SLICE * p->n_slices;
    if (!rc->fixed_qp)
        tk_rc_set_bitrate(rc, p->bitrate_bps);
    return 0;
}

/* The stream's peak at a target (see tk_rc_peak_bps): every frame an IDR at its cap, or a
 * P frame at its cap (a slow frame rate), whichever is more. */
static int64_t target_peak_bps(int64_t bitrate_bps, int fps_num, int fps_den)
{
    int64_t fps = (fps_num + (int64_t)fps_den - 1) / fps_den;
    int64_t idr = bitrate_bps * TK_RC_IDR_CAP_MS / 1000 * (fps > 1 ? fps : 1);
    int64_t p = bitrate_bps * TK_RC_P_CAP_QUARTERS / 4;
    return idr > p ? idr : p;
}

void tk_rc_set_bitrate(TkRateControl *rc, int64_t bitrate_bps)
{
    if (bitrate_bps <= 0)
        return;
    int64_t max = rc->params.max_bitrate_bps;
    while (max > 0 && bitrate_bps > 1 &&
           target_peak_bps(bitrate_bps, rc->params.fps_num, rc->params.fps_den) > max)
        bitrate_bps -= bitrate_bps / 64 + 1; /* the level in the SPS holds no more */
    if (rc->fixed_qp) {
        /* the QP so far is where the model starts */
        rc->last_qp[TK_RC_CLASS_IDR] = rc->last_qp[TK_RC_CLASS_OTHER] = rc->params.qp;
        rc->prev_qp = rc->floor_qp = rc->params.qp;
        rc->fixed_qp = 0;
    }
    rc->bitrate_bps = bitrate_bps;
    /* a debt in bits of the old rate: keep it within the new bounds */
    int64_t second = frame_bits(rc) * fps_frames(rc);
    rc->debt_bits = clamp64(rc->debt_bits, -DEBT_SAVED_SECONDS * second, 2 * second);
}

int64_t tk_rc_bitrate(const TkRateControl *rc)
{
    return rc->fixed_qp ? 0 : rc->bitrate_bps;
}

int64_t tk_rc_cap_bits(const TkRateControl *rc, int idr)
{
    if (rc->fixed_qp)
        return 0;
    return idr ? rc->bitrate_bps * TK_RC_IDR_CAP_MS / 1000
               : frame_bits(rc) * TK_RC_P_CAP_QUARTERS / 4;
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

/* The QP of an IDR: the stream's QP until the next one (see the top of ratecontrol.h). */
static int idr_qp(const TkRateControl *rc)
{
    int64_t fb = frame_bits(rc), cap = tk_rc_cap_bits(rc, 1);
    int64_t n = rc->params.keyint;
    if (n > MAX_PLAN_SECONDS * fps_frames(rc))
        n = MAX_PLAN_SECONDS * fps_frames(rc);
    int64_t budget = n * fb - rc->debt_bits;
    if (budget < fb)
        budget = fb;
    const TkRateModel *mi = &rc->model[TK_RC_CLASS_IDR], *mp = &rc->model[TK_RC_CLASS_OTHER];
    int qp = qp_for(mi, cap - cap / 10, TK_RC_QP_MIN);
    while (qp < TK_RC_QP_MAX && predict(mi, qp) + (n - 1) * predict(mp, qp) > budget)
        qp++;
    return qp;
}

int tk_rc_qp(const TkRateControl *rc, int idr)
{
    if (rc->fixed_qp)
        return rc->params.qp;
    if (idr)
        return idr_qp(rc);
    int64_t fb = frame_bits(rc), cap = tk_rc_cap_bits(rc, 0);
    /* 9/10 of the cap: the margin for the model's error, so that few frames are coded twice */
    int64_t target = clamp64(fb - rc->debt_bits / fps_frames(rc), fb / 8, cap - cap / 10);
    /* back down quickly after a frame that had to be coded coarser (its content is now
     * static and only that island pays for the finer QP), slowly at the floor */
    int lo = rc->prev_qp - (rc->prev_qp >= rc->floor_qp + 3 ? 3 : 1);
    /* below the floor only with a quarter second of savings to pay the refinement */
    if (lo < rc->floor_qp && rc->debt_bits > -(fb * fps_frames(rc)) / 4)
        lo = rc->floor_qp;
    /* a QP that just made a frame too large would, most likely, again (the same content
     * is still changing): each try costs a second coding */
    if (rc->blocked_frames > 0 && lo <= rc->blocked_qp)
        lo = rc->blocked_qp + 1;
    return qp_for(&rc->model[TK_RC_CLASS_OTHER], target, lo);
}

/* The model follows a coded frame. */
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
    if (rc->fixed_qp || bits <= cap || qp >= TK_RC_QP_MAX || attempt >= TK_RC_MAX_RETRIES)
        return -1;
    if (!idr && (rc->blocked_frames == 0 || qp > rc->blocked_qp))
        rc->blocked_qp = qp;
    if (!idr)
        rc->blocked_frames = (int)(fps_frames(rc) / 4) + 1; /* counts the frame itself */
    if (attempt + 1 == TK_RC_MAX_RETRIES)
        return TK_RC_QP_MAX;
    /* a P frame finer than the previous picture pays a refinement the model does not know:
     * first the previous picture's QP + 1, where the frames were within their cap */
    if (attempt == 0 && !idr && qp <= rc->prev_qp)
        return rc->prev_qp < TK_RC_QP_MAX ? rc->prev_qp + 1 : TK_RC_QP_MAX;
    /* else this frame's own size: where it is mostly new content it halves every 6 QP (as
     * intra coding does), so the first estimate assumes that; text and other sharp content
     * shrinks slower, so a second estimate assumes 12 (the model's law) */
    int64_t want = cap - cap / 5;
    int step = attempt == 0 || (attempt == 1 && !idr && qp == rc->prev_qp + 1) ? 6 : 12;
    int next = qp + 1;
    while (next < TK_RC_QP_MAX &&
           bits * 65536 > want * (pow2_12th[(12 / step) * (next - qp) % 12]
                                  << ((next - qp) / step)))
        next++;
    return next;
}

void tk_rc_update(TkRateControl *rc, int idr, int qp, int64_t bits)
{
    /* at constant QP too: a live session switched to a bitrate starts from what it saw */
    learn(rc, idr, qp, bits);
    if (rc->fixed_qp)
        return;
    if (idr)
        rc->blocked_frames = 0; /* a new floor: what failed before says nothing now */
    else if (rc->blocked_frames > 0)
        rc->blocked_frames--;
    rc->last_qp[idr ? TK_RC_CLASS_IDR : TK_RC_CLASS_OTHER] = qp;
    rc->prev_qp = qp;
    rc->floor_qp = idr || qp < rc->floor_qp ? qp : rc->floor_qp;
    int64_t second = frame_bits(rc) * fps_frames(rc);
    rc->debt_bits = clamp64(rc->debt_bits + bits - frame_bits(rc), -DEBT_SAVED_SECONDS * second,
                            2 * second);
}

int64_t tk_rc_peak_bps(const TkRateParams *p)
{
    if (p->fps_num <= 0 || p->fps_den <= 0 || p->n_mbs <= 0)
        return 0;
    if (p->qp < 0)
        return target_peak_bps(p->bitrate_bps, p->fps_num, p->fps_den);
    /* every frame the largest the QP allows: bits a frame times frames a second, rounded up */
    int64_t frame = tk_rc_worst_mb_bits(p->qp) * p->n_mbs;
    return (frame * p->fps_num + p->fps_den - 1) / p->fps_den;
}
