/*
 * Motion search of one partition on the GPU, bit-exact with tk_me_search_ref() (me_ref.c):
 * integer small diamonds from several starts with SAD, then half- and quarter-sample
 * refinement with SATD, the predictor competing last. One workgroup of 16 threads searches
 * one partition: every decision is computed by all threads from the same shared sums, so
 * control flow stays uniform and barriers may sit inside; the threads split each candidate's
 * distortion (SAD: a row each; SATD: a 4x4 block each).
 *
 * The includer declares, before the include: `shared int s_src_y[256]` (the macroblock's
 * source luma, raster), and includes transform.glsl (tk_satd4x4) and inter_pred.glsl. It
 * may define TK_ME_THREADS 32 (a workgroup of 32 threads: a whole warp where warps have 32
 * lanes), and the upper 16 threads then take every other candidate of a distortion call;
 * every thread still computes every decision, and barriers stay uniform. It may define
 * TK_ME_WINDOW: the refinement then reads precomputed samples from shared memory (below).
 */
#ifndef TK_MOTION_SEARCH_GLSL
#define TK_MOTION_SEARCH_GLSL

#ifndef TK_ME_THREADS
#define TK_ME_THREADS 16
#endif

#define COST_MAX 0x7fffffff

/* distortion of up to 8 candidates: per-thread parts, then the sums */
shared int s_part[8 * 16];
shared int s_sum[8];

int se_bits(int v)
{
    uint code = v > 0 ? 2u * uint(v) - 1u : 2u * uint(-v);
    int len = 1;
    while (((code + 1u) >> uint(len / 2 + 1)) != 0u)
        len += 2;
    return len;
}

int mv_bits(ivec2 mv, ivec2 mvp)
{
    return se_bits(mv.x - mvp.x) + se_bits(mv.y - mvp.y);
}

/* the partition searched: macroblock (mb.x, mb.y), block blk = (x, y, w, h) inside it;
 * g_limit as TkMeBlock.limit (me_ref.h): > 0 limits the MVs for an intra refresh */
ivec2 g_mb;
ivec4 g_blk;
int g_limit = 0;

#ifdef TK_ME_WINDOW
/* The sub-sample refinement reads its predictions from a window of precomputed samples: every
 * candidate it tries is within 3 quarter samples of the best integer MV, so each predicted
 * sample is one or two of the full, b, h and j samples (8.4.2.2.1) at integer offsets -1 or 0
 * from that MV, plus the second sample's one to the right or below. Computing them once per
 * search, from the same formulas and clamped reference reads as inter_pred.glsl, gives the
 * same values; per candidate and sample, inter_pred.glsl would read up to 42 reference bytes.
 * The includer defines TK_ME_WINDOW where its workgroup can spare the shared memory. */
#define WIN 18        /* the largest block side + 2: integer offsets -1 and 0, second sample */
#define WIN_RAW 23    /* WIN + 5: the 6-tap filter's support */
shared int s_win_raw[WIN_RAW * WIN_RAW]; /* reference luma, clamped, from (-2, -2) of the window */
shared int s_win_b1[WIN_RAW * WIN];      /* b1 (8-241) at each window column, every raw row */
shared uint s_win[WIN * WIN];            /* G | b << 8 | h << 16 | j << 24 */
ivec2 g_win_base;                        /* the integer MV the window is built around */
bool g_win_on = false;

int win_tap6(int base, int stride, bool b1)
{
    int s = 0;
    const int taps[6] = int[6](1, -5, 20, 20, -5, 1);
    for (int k = 0; k < 6; k++)
        s += taps[k] * (b1 ? s_win_b1[base + k * stride] : s_win_raw[base + k * stride]);
    return s;
}

/* the window of the partition g_blk around integer MV base (quarter units, a multiple of 4) */
void build_window(int t, ivec2 base)
{
    int ww = g_blk.z + 2, wh = g_blk.w + 2;
    int x0 = g_mb.x * 16 + g_blk.x + (base.x >> 2) - 1;
    int y0 = g_mb.y * 16 + g_blk.y + (base.y >> 2) - 1;
    for (int e = t; e < (ww + 5) * (wh + 5); e += TK_ME_THREADS) {
        int r = e / (ww + 5), c = e % (ww + 5);
        s_win_raw[r * WIN_RAW + c] = rl(x0 - 2 + c, y0 - 2 + r);
    }
    barrier();
    for (int e = t; e < ww * (wh + 5); e += TK_ME_THREADS) {
        int r = e / ww, c = e % ww;
        s_win_b1[r * WIN + c] = win_tap6(r * WIN_RAW + c, 1, false);
    }
    barrier();
    for (int e = t; e < ww * wh; e += TK_ME_THREADS) {
        int r = e / ww, c = e % ww;
        uint g = uint(s_win_raw[(r + 2) * WIN_RAW + c + 2]);
        uint b = uint(clip1((s_win_b1[(r + 2) * WIN + c] + 16) >> 5));
        uint h = uint(clip1((win_tap6(r * WIN_RAW + c + 2, WIN_RAW, false) + 16) >> 5));
        uint j = uint(clip1((win_tap6(r * WIN + c, WIN, true) + 512) >> 10));
        s_win[r * WIN + c] = g | b << 8 | h << 16 | j << 24;
    }
    barrier();
    g_win_base = base >> 2;
    g_win_on = true;
}

/* window offset of mv's integer part: (0 or 1, 0 or 1) inside the window, else negative */
ivec2 win_offset(ivec2 mv)
{
    ivec2 o = (mv >> 2) - g_win_base + 1;
    return g_win_on && all(greaterThanEqual(o, ivec2(0))) && all(lessThanEqual(o, ivec2(1)))
               ? o : ivec2(-1);
}

/* luma_at() of the partition's sample (y, x) (macroblock coordinates) from the window */
int win_luma(int y, int x, ivec2 mv, ivec2 o)
{
    int e = QPEL[(mv.y & 3) * 4 + (mv.x & 3)], n = (e >> 16) + 1, sum = 0;
    int xx = x - g_blk.x + o.x, yy = y - g_blk.y + o.y;
    for (int k = 0; k < n; k++) {
        int c = (e >> (8 * k)) & 0xff;
        uint w = s_win[(yy + ((c >> 3) & 1)) * WIN + xx + ((c >> 2) & 1)];
        sum += int((w >> (8 * (c & 3))) & 0xffu);
    }
    return n == 1 ? sum : (sum + 1) >> 1;
}
#endif

/* Distortions of n candidates (SAD, or SATD over 4x4 blocks) into s_sum[0..n-1]: thread t
 * takes row t of the block (SAD) or its 4x4 block t (SATD), 16 differences either way, so
 * the prediction is written once (the compiler inlines it at every call). */
void distortions(int t, int n, ivec2 cand[8], bool satd)
{
    /* with 32 threads the upper 16 take the odd candidates: thread t works on t & 15 */
    int lt = t & 15;
    int bx = g_blk.x, by = g_blk.y, bw = g_blk.z, bh = g_blk.w;
    int ox = (lt & 3) * 4, oy = (lt >> 2) * 4;
    bool inside = satd ? ox < bw && oy < bh : lt < bh;
    [[dont_unroll]] for (int c = t >> 4; c < n; c += TK_ME_THREADS / 16) {
        int res[16];
#ifdef TK_ME_WINDOW
        ivec2 o = win_offset(cand[c]);
        if (o.x >= 0) {
            for (int i = 0; i < 16; i++) {
                int y = satd ? by + oy + (i >> 2) : by + lt, x = satd ? bx + ox + (i & 3) : bx + i;
                res[i] = inside && (satd || i < bw)
                             ? s_src_y[y * 16 + x] - win_luma(y, x, cand[c], o) : 0;
            }
        } else
#endif
        [[dont_unroll]] for (int i = 0; i < 16; i++) {
            int y = satd ? by + oy + (i >> 2) : by + lt, x = satd ? bx + ox + (i & 3) : bx + i;
            res[i] = inside && (satd || i < bw)
                         ? s_src_y[y * 16 + x] - luma_at(g_mb.x, g_mb.y, y, x, cand[c]) : 0;
        }
        int sum = 0;
        if (satd) {
            sum = inside ? tk_satd4x4(res) : 0;
        } else {
            for (int i = 0; i < 16; i++)
                sum += abs(res[i]);
        }
        s_part[c * 16 + lt] = sum;
    }
    barrier();
    if (t < n) {
        int s = 0;
        for (int k = 0; k < 16; k++)
            s += s_part[t * 16 + k];
        s_sum[t] = s;
    }
    barrier();
}

int satd_cost(int t, ivec2 mv, ivec2 mvp, int lambda)
{
    ivec2 cand[8];
    cand[0] = mv;
    distortions(t, 1, cand, true);
    int c = s_sum[0] + lambda * mv_bits(mv, mvp);
    barrier();  /* s_sum is rewritten by the next call */
    return c;
}

bool refresh_ok(ivec2 c)
{
    return g_limit <= 0 || TK_REFRESH_MV_OK(c.x, g_mb.x * 16 + g_blk.x + g_blk.z, g_limit);
}

bool mv_ok(ivec2 c)
{
    return abs(c.x) <= TK_MV_MAX && abs(c.y) <= TK_MV_MAX && refresh_ok(c);
}

void diamond(int t, ivec2 mvp, int lambda, ivec2 start, inout ivec2 best, inout int best_cost)
{
    const ivec2 dirs[4] = ivec2[4](ivec2(0, -4), ivec2(-4, 0), ivec2(4, 0), ivec2(0, 4));
    ivec2 cand[8];
    cand[0] = start;
    distortions(t, 1, cand, false);
    ivec2 cur = start;
    int cur_cost = s_sum[0] + lambda * mv_bits(cur, mvp);
    barrier();
    for (int step = 0; step < TK_ME_STEPS; step++) {
        for (int d = 0; d < 4; d++)
            cand[d] = cur + dirs[d];
        distortions(t, 4, cand, false);
        int next = -1, next_cost = cur_cost;
        for (int d = 0; d < 4; d++) {
            ivec2 c = cand[d];
            if (abs(c.x - start.x) > 4 * TK_ME_RANGE || abs(c.y - start.y) > 4 * TK_ME_RANGE ||
                !mv_ok(c))
                continue;
            int cost = s_sum[d] + lambda * mv_bits(c, mvp);
            if (cost < next_cost) {
                next = d;
                next_cost = cost;
            }
        }
        barrier();
        if (next < 0)
            break;
        cur += dirs[next];
        cur_cost = next_cost;
    }
    if (cur_cost < best_cost) {
        best = cur;
        best_cost = cur_cost;
    }
}

void refine(int t, ivec2 mvp, int lambda, int d, inout ivec2 best, inout int best_cost)
{
    ivec2 center = best, cand[8];
    int n = 0;
    for (int dy = -d; dy <= d; dy += d)
        for (int dx = -d; dx <= d; dx += d)
            if (dx != 0 || dy != 0)
                cand[n++] = center + ivec2(dx, dy);
    distortions(t, 8, cand, true);
    for (int k = 0; k < 8; k++) {
        if (!mv_ok(cand[k]))
            continue;
        int cost = s_sum[k] + lambda * mv_bits(cand[k], mvp);
        if (cost < best_cost) {
            best = cand[k];
            best_cost = cost;
        }
    }
    barrier();
}

ivec2 whole(ivec2 v)
{
    ivec2 w = clamp((v + 2) & ~3, ivec2(-TK_MV_MAX), ivec2(TK_MV_MAX));
    int max_x = TK_REFRESH_MV_MAX_WHOLE(g_mb.x * 16 + g_blk.x + g_blk.z, g_limit);
    if (g_limit > 0 && w.x > max_x)
        w.x = max_x;
    return w;
}

/* tk_me_search_ref(): returns (mv.x, mv.y, cost) */
ivec3 me_search(int t, ivec2 mvp, ivec2 extra[TK_ME_MAX_STARTS], int n_extra, int lambda)
{
    ivec2 starts[2 + TK_ME_MAX_STARTS];
    int n = 0;
    starts[n++] = whole(mvp);
    starts[n++] = whole(ivec2(0));
    for (int i = 0; i < n_extra && i < TK_ME_MAX_STARTS; i++)
        starts[n++] = whole(extra[i]);
    ivec2 best = ivec2(0);
    int best_cost = COST_MAX;
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || starts[j] == starts[i];
        if (!seen)
            diamond(t, mvp, lambda, starts[i], best, best_cost);
    }
#ifdef TK_ME_WINDOW
    build_window(t, best);
#endif
    best_cost = satd_cost(t, best, mvp, lambda);
    [[dont_unroll]] for (int d = 2; d >= 1; d--)
        refine(t, mvp, lambda, d, best, best_cost);
    if (best != mvp && refresh_ok(mvp)) {
        int c = satd_cost(t, mvp, mvp, lambda);
        if (c < best_cost) {
            best = mvp;
            best_cost = c;
        }
    }
    return ivec3(best, best_cost);
}

#endif
