/* Inter prediction sample interpolation (8.4.2.2); see inter_pred_ref.h. */
#include "encode/compute/inter_pred_ref.h"

/* The luma window: 2 samples left/above the block, 3 right/below (the 6-tap's reach). */
#define WIN (TK_INTER_MAX_W + 5)

static int clip3(int lo, int hi, int v)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int clip1(int v)
{
    return clip3(0, 255, v);
}

/* The 6-tap filter (1, -5, 20, 20, -5, 1) of 8-241 / 8-242, not normalised. */
static int tap6(int e, int f, int g, int h, int i, int j)
{
    return e - 5 * f + 20 * g + 20 * h - 5 * i + j;
}

/* Raw (b1-type) half sample between window samples (x, y) and (x + 1, y), 8-241. */
static int half_h(const int win[WIN][WIN], int x, int y)
{
    return tap6(win[y][x - 2], win[y][x - 1], win[y][x], win[y][x + 1], win[y][x + 2],
                win[y][x + 3]);
}

/* Raw (h1-type) half sample between (x, y) and (x, y + 1), 8-242. */
static int half_v(const int win[WIN][WIN], int x, int y)
{
    return tap6(win[y - 2][x], win[y - 1][x], win[y][x], win[y + 1][x], win[y + 2][x],
                win[y + 3][x]);
}

/* j: the centre half sample right of and below (x, y): j1 from the b1 intermediates of
 * rows -2..3 (8-245; the spec notes the h1 ones give the same), then 8-247. */
static int half_c(const int win[WIN][WIN], int x, int y)
{
    int j1 = tap6(half_h(win, x, y - 2), half_h(win, x, y - 1), half_h(win, x, y),
                  half_h(win, x, y + 1), half_h(win, x, y + 2), half_h(win, x, y + 3));
    return clip1((j1 + 512) >> 10);
}

/*
 * One predicted luma sample from the window: (x, y) is the full sample G (8.4.2.2.1,
 * Figure 8-4) in window coordinates, frac_x / frac_y the quarter-sample offset. Names follow
 * the figure: b, h, j are the half samples right of, below and diagonal to G (8-243, 8-244,
 * 8-247), s is below b and m right of h; H is right of G and M below it. Only the samples a
 * position needs are computed (Table 8-12, quarter samples as averages, 8-250 .. 8-261).
 */
static int luma_sample(const int win[WIN][WIN], int x, int y, int frac_x, int frac_y)
{
#define G win[y][x]
#define H win[y][x + 1]
#define M win[y + 1][x]
#define B clip1((half_h(win, x, y) + 16) >> 5)
#define S clip1((half_h(win, x, y + 1) + 16) >> 5)
#define HH clip1((half_v(win, x, y) + 16) >> 5)
#define MM clip1((half_v(win, x + 1, y) + 16) >> 5)
#define J half_c(win, x, y)
    switch (frac_y * 4 + frac_x) {
    case 0 * 4 + 0: return G;
    case 0 * 4 + 1: return (G + B + 1) >> 1;    /* a */
    case 0 * 4 + 2: return B;                   /* b */
    case 0 * 4 + 3: return (H + B + 1) >> 1;    /* c */
    case 1 * 4 + 0: return (G + HH + 1) >> 1;   /* d */
    case 1 * 4 + 1: return (B + HH + 1) >> 1;   /* e */
    case 1 * 4 + 2: return (B + J + 1) >> 1;    /* f */
    case 1 * 4 + 3: return (B + MM + 1) >> 1;   /* g */
    case 2 * 4 + 0: return HH;                  /* h */
    case 2 * 4 + 1: return (HH + J + 1) >> 1;   /* i */
    case 2 * 4 + 2: return J;                   /* j */
    case 2 * 4 + 3: return (J + MM + 1) >> 1;   /* k */
    case 3 * 4 + 0: return (M + HH + 1) >> 1;   /* n */
    case 3 * 4 + 1: return (HH + S + 1) >> 1;   /* p */
    case 3 * 4 + 2: return (J + S + 1) >> 1;    /* q */
    default: return (MM + S + 1) >> 1;          /* r */
    }
#undef G
#undef H
#undef M
#undef B
#undef S
#undef HH
#undef MM
#undef J
}

void tk_inter_pred_luma(const uint8_t *ref, const TkFrameLayout *l, int x, int y, int w, int h,
                        int mv_x, int mv_y, int *pred)
{
    int win[WIN][WIN];
    /* xIntL = xAL + (mvLX[0] >> 2) + xL (8-228), clamped into the picture (8-239, 8-240) */
    int x0 = x + (mv_x >> 2) - 2, y0 = y + (mv_y >> 2) - 2;
    int max_x = l->aligned_width - 1, max_y = l->aligned_height - 1;
    for (int i = 0; i < h + 5; i++) {
        int yy = clip3(0, max_y, y0 + i);
        for (int j = 0; j < w + 5; j++)
            win[i][j] = ref[(size_t)yy * l->luma_stride + (size_t)clip3(0, max_x, x0 + j)];
    }
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
            pred[i * w + j] = luma_sample((const int(*)[WIN])win, j + 2, i + 2, mv_x & 3,
                                          mv_y & 3);
}

void tk_inter_pred_chroma(const uint8_t *ref, const TkFrameLayout *l, int cx, int cy, int w,
                          int h, int mv_x, int mv_y, int *pred_cb, int *pred_cr)
{
    const uint8_t *c = ref + l->chroma_offset;
    int max_x = l->aligned_width / 2 - 1, max_y = l->aligned_height / 2 - 1;
    int fx = mv_x & 7, fy = mv_y & 7;                         /* xFracC, yFracC (8-229) */
    for (int i = 0; i < h; i++) {
        int ya = clip3(0, max_y, cy + (mv_y >> 3) + i);       /* yIntC, 8-232 / 8-233 */
        int yb = clip3(0, max_y, cy + (mv_y >> 3) + i + 1);
        for (int j = 0; j < w; j++) {
            int xa = clip3(0, max_x, cx + (mv_x >> 3) + j);   /* xIntC, 8-230 / 8-231 */
            int xb = clip3(0, max_x, cx + (mv_x >> 3) + j + 1);
            for (int comp = 0; comp < 2; comp++) {
                int A = c[(size_t)ya * l->luma_stride + (size_t)(2 * xa + comp)];
                int B = c[(size_t)ya * l->luma_stride + (size_t)(2 * xb + comp)];
                int C = c[(size_t)yb * l->luma_stride + (size_t)(2 * xa + comp)];
                int D = c[(size_t)yb * l->luma_stride + (size_t)(2 * xb + comp)];
                /* 8-266 */
                int v = ((8 - fx) * (8 - fy) * A + fx * (8 - fy) * B + (8 - fx) * fy * C +
                         fx * fy * D + 32) >> 6;
                (comp ? pred_cr : pred_cb)[i * w + j] = v;
            }
        }
    }
}
