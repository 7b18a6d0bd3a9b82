/*
 * Inter prediction and MV prediction against the spec written out directly:
 *   - luma quarter-sample and chroma eighth-sample interpolation (8.4.2.2.1, 8.4.2.2.2): every
 *     sample of random blocks is computed here from the equations of the clause, one
 *     reference sample at a time through Clip3 (8-239, 8-240, 8-265), with no windows or
 *     shared intermediates, on random pictures and MVs up to far outside the picture;
 *   - MV prediction (8.4.1.3) and the P_Skip MV (8.4.1.1) on hand-made neighbourhoods: picture
 *     edges, slice starts, intra and unavailable neighbours, C replaced by D.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "encode/compute/inter_pred_ref.h"
#include "encode/compute/mvpred_ref.h"

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int clip3(int lo, int hi, int v)
{
    return v < lo ? lo : v > hi ? hi : v;
}

typedef struct Pic {
    const uint8_t *img;
    const TkFrameLayout *l;
} Pic;

/* A luma reference sample at integer (x, y), clamped (8-239, 8-240). */
static int L(const Pic *p, int x, int y)
{
    x = clip3(0, p->l->aligned_width - 1, x);
    y = clip3(0, p->l->aligned_height - 1, y);
    return p->img[(size_t)y * p->l->luma_stride + (size_t)x];
}

/* 8-241: b1 = E - 5F + 20G + 20H - 5I + J along a row, at the half position right of x. */
static int b1_at(const Pic *p, int x, int y)
{
    return L(p, x - 2, y) - 5 * L(p, x - 1, y) + 20 * L(p, x, y) + 20 * L(p, x + 1, y) -
           5 * L(p, x + 2, y) + L(p, x + 3, y);
}

/* 8-242: h1 along a column, at the half position below y. */
static int h1_at(const Pic *p, int x, int y)
{
    return L(p, x, y - 2) - 5 * L(p, x, y - 1) + 20 * L(p, x, y) + 20 * L(p, x, y + 1) -
           5 * L(p, x, y + 2) + L(p, x, y + 3);
}

static int clip1(int v)
{
    return clip3(0, 255, v);
}

/* j1 from the h1-type intermediates (8-246: cc, dd, h1, m1, ee, ff), the other of the two
 * equivalent forms than the one inter_pred_ref.c uses. */
static int j_at(const Pic *p, int x, int y)
{
    int j1 = h1_at(p, x - 2, y) - 5 * h1_at(p, x - 1, y) + 20 * h1_at(p, x, y) +
             20 * h1_at(p, x + 1, y) - 5 * h1_at(p, x + 2, y) + h1_at(p, x + 3, y);
    return clip1((j1 + 512) >> 10);
}

/* The sample at quarter position (xFrac, yFrac) right/below full sample G = (x, y). */
static int luma_direct(const Pic *p, int x, int y, int xf, int yf)
{
    int G = L(p, x, y), H = L(p, x + 1, y), M = L(p, x, y + 1);
    int b = clip1((b1_at(p, x, y) + 16) >> 5);
    int h = clip1((h1_at(p, x, y) + 16) >> 5);
    int m = clip1((h1_at(p, x + 1, y) + 16) >> 5);
    int s = clip1((b1_at(p, x, y + 1) + 16) >> 5);
    int j = j_at(p, x, y);
    /* Table 8-12 with 8-250 .. 8-261 */
    static const char names[4][4] = { { 'G', 'd', 'h', 'n' }, { 'a', 'e', 'i', 'p' },
                                      { 'b', 'f', 'j', 'q' }, { 'c', 'g', 'k', 'r' } };
    switch (names[xf][yf]) {
    case 'G': return G;
    case 'a': return (G + b + 1) >> 1;
    case 'b': return b;
    case 'c': return (H + b + 1) >> 1;
    case 'd': return (G + h + 1) >> 1;
    case 'e': return (b + h + 1) >> 1;
    case 'f': return (b + j + 1) >> 1;
    case 'g': return (b + m + 1) >> 1;
    case 'h': return h;
    case 'i': return (h + j + 1) >> 1;
    case 'j': return j;
    case 'k': return (j + m + 1) >> 1;
    case 'n': return (M + h + 1) >> 1;
    case 'p': return (h + s + 1) >> 1;
    case 'q': return (j + s + 1) >> 1;
    default: return (m + s + 1) >> 1; /* r */
    }
}

static int chroma_direct(const Pic *p, int comp, int xc, int yc, int mvx, int mvy)
{
    int w = p->l->aligned_width / 2, h = p->l->aligned_height / 2;
    int xi = xc + (mvx >> 3), yi = yc + (mvy >> 3), xf = mvx & 7, yf = mvy & 7;
#define C(x, y) p->img[p->l->chroma_offset + (size_t)clip3(0, h - 1, y) * p->l->luma_stride + \
                       (size_t)(2 * clip3(0, w - 1, x) + comp)]
    int A = C(xi, yi), B = C(xi + 1, yi), Cc = C(xi, yi + 1), D = C(xi + 1, yi + 1);
#undef C
    return ((8 - xf) * (8 - yf) * A + xf * (8 - yf) * B + (8 - xf) * yf * Cc + xf * yf * D +
            32) >> 6;
}

static void test_interpolation(int width, int height, uint32_t seed, int trials)
{
    TkFrameLayout l = tk_frame_layout(width, height);
    uint8_t *img = malloc(l.size);
    if (!img) {
        CHECK(0);
        return;
    }
    uint32_t r = seed;
    for (size_t i = 0; i < l.size; i++)
        img[i] = (uint8_t)next_random(&r);
    /* a few extreme samples, where the 6-tap overshoots and Clip1 matters */
    for (size_t i = 0; i < l.size; i += 7)
        img[i] = (next_random(&r) & 1) ? 255 : 0;
    Pic p = { img, &l };
    int bad = 0;
    for (int t = 0; t < trials && !bad; t++) {
        static const int sizes[][2] = { { 16, 16 }, { 16, 8 }, { 8, 16 }, { 8, 8 }, { 4, 4 } };
        int k = (int)(next_random(&r) % 5);
        int w = sizes[k][0], h = sizes[k][1];
        int x = (int)(next_random(&r) % (unsigned)(l.aligned_width / w)) * w;
        int y = (int)(next_random(&r) % (unsigned)(l.aligned_height / h)) * h;
        /* a third of the MVs point far outside the picture */
        int range = t % 3 == 0 ? 4 * 600 : 4 * 40;
        int mvx = (int)(next_random(&r) % (unsigned)(2 * range + 1)) - range;
        int mvy = (int)(next_random(&r) % (unsigned)(2 * range + 1)) - range;
        int pred[256], cb[64], cr[64];
        tk_inter_pred_luma(img, &l, x, y, w, h, mvx, mvy, pred);
        for (int i = 0; i < h && !bad; i++)
            for (int j = 0; j < w && !bad; j++) {
                int want = luma_direct(&p, x + j + (mvx >> 2), y + i + (mvy >> 2), mvx & 3, mvy & 3);
                if (pred[i * w + j] != want) {
                    fprintf(stderr, "luma %dx%d at (%d,%d) mv (%d,%d) sample (%d,%d): %d != %d\n",
                            w, h, x, y, mvx, mvy, j, i, pred[i * w + j], want);
                    bad = 1;
                }
            }
        tk_inter_pred_chroma(img, &l, x / 2, y / 2, w / 2, h / 2, mvx, mvy, cb, cr);
        for (int i = 0; i < h / 2 && !bad; i++)
            for (int j = 0; j < w / 2 && !bad; j++)
                for (int c = 0; c < 2; c++) {
                    int want = chroma_direct(&p, c, x / 2 + j, y / 2 + i, mvx, mvy);
                    int got = (c ? cr : cb)[i * (w / 2) + j];
                    if (got != want) {
                        fprintf(stderr, "chroma %d at (%d,%d) mv (%d,%d): %d != %d\n", c, x, y,
                                mvx, mvy, got, want);
                        bad = 1;
                    }
                }
    }
    CHECK_EQ(bad, 0);
    free(img);
}

/* ---- MV prediction ---- */

#define W 4 /* macroblocks per row in the hand-made pictures */

static TkMbMotion inter(int x, int y)
{
    return (TkMbMotion){ .ref_idx = 0, .part = TK_PART_16x16, .mv = { { x, y }, { x, y } } };
}

/* A macroblock of two partitions (16x8: upper, lower; 8x16: left, right). */
static TkMbMotion halves(int part, int x0, int y0, int x1, int y1)
{
    return (TkMbMotion){ .ref_idx = 0, .part = part, .mv = { { x0, y0 }, { x1, y1 } } };
}

static const TkMbMotion INTRA = { .ref_idx = TK_REF_NONE };

static void expect(const TkMbMotion *m, int slice_rows, int mb_x, int mb_y, int px, int py,
                   int sx, int sy, int line)
{
    TkMvNeighbours n;
    int mvp[2], skip[2];
    tk_mv_neighbours(m, W, slice_rows, mb_x, mb_y, &n);
    tk_mvpred_16x16(&n, mvp);
    tk_mvpred_skip(&n, skip);
    if (mvp[0] != px || mvp[1] != py || skip[0] != sx || skip[1] != sy) {
        fprintf(stderr, "line %d: mb (%d,%d): mvp (%d,%d) want (%d,%d), skip (%d,%d) want (%d,%d)\n",
                line, mb_x, mb_y, mvp[0], mvp[1], px, py, skip[0], skip[1], sx, sy);
        tk_check_failures++;
    }
}

#define EXPECT(m, rows, x, y, px, py, sx, sy) expect(m, rows, x, y, px, py, sx, sy, __LINE__)

/* mvp of partition k of `part` at macroblock (mb_x, mb_y); m[cur] holds partition 0. */
static void expect_part(const TkMbMotion *m, int mb_x, int mb_y, int part, int k, int px,
                        int py, int line)
{
    TkMvNeighbours n;
    int mvp[2];
    tk_mv_neighbours_part(m, W, 8, mb_x, mb_y, part, k, &n);
    tk_mvpred_part(&n, part, k, mvp);
    if (mvp[0] != px || mvp[1] != py) {
        fprintf(stderr, "line %d: mb (%d,%d) part %d/%d: mvp (%d,%d) want (%d,%d)\n", line,
                mb_x, mb_y, part, k, mvp[0], mvp[1], px, py);
        tk_check_failures++;
    }
}

#define EXPECT_PART(m, x, y, part, k, px, py) expect_part(m, x, y, part, k, px, py, __LINE__)

/*
 * 16x8 and 8x16 (8.4.1.3 directional rules, 6.4.11.7 neighbours inside the macroblock), and
 * neighbours that are themselves split: a neighbour's MV is that of the partition holding
 * the neighbouring 4x4 block.
 */
static void test_mvpred_partitions(void)
{
    TkMbMotion m[3 * W];
    for (int i = 0; i < 3 * W; i++)
        m[i] = inter(0, 0);
    /* row 0: 8x16 (left (1,2), right (3,4)), 16x8 (upper (5,6), lower (7,8)), intra, 16x16 */
    m[0] = halves(TK_PART_8x16, 1, 2, 3, 4);
    m[1] = halves(TK_PART_16x8, 5, 6, 7, 8);
    m[2] = INTRA;
    m[3] = inter(-9, -9);
    /* row 1: (0,1) 16x16 (20, 0); the current macroblock is (1,1) */
    m[4] = inter(20, 0);

    /* (1,1) 16x16: A = (0,1) (20,0); B = (1,0)'s lower half (7,8); C = (2,0) intra:
     * median of (20,0), (7,8), (0,0) = (7, 0) */
    EXPECT(m, 8, 1, 1, 7, 0, 7, 0);
    /* 16x8 upper: B has ref 0 -> B's MV (7,8) (the lower half of the macroblock above) */
    EXPECT_PART(m, 1, 1, TK_PART_16x8, 0, 7, 8);
    /* 16x8 lower: A = (0,1) has ref 0 -> (20, 0) */
    m[5] = halves(TK_PART_16x8, 11, 12, 0, 0);
    EXPECT_PART(m, 1, 1, TK_PART_16x8, 1, 20, 0);
    /* 8x16 left: A ref 0 -> (20, 0) */
    EXPECT_PART(m, 1, 1, TK_PART_8x16, 0, 20, 0);
    /* 8x16 right: C = (16, -1) = macroblock (2,0), intra: not ref 0, so no directional
     * prediction; A = the left partition (partition 0 in m[5]), B = (8,-1) in (1,0): the
     * lower half (7,8), C intra (0,0), ref -1: A and B match -> median of (13,14), (7,8),
     * (0,0) = (7, 8) */
    m[5] = halves(TK_PART_8x16, 13, 14, 0, 0);
    EXPECT_PART(m, 1, 1, TK_PART_8x16, 1, 7, 8);
    /* 8x16 right at (2,1): C = (3,0) (-9,-9) ref 0 -> C's MV directly */
    m[6] = halves(TK_PART_8x16, 2, 2, 0, 0);
    EXPECT_PART(m, 2, 1, TK_PART_8x16, 1, -9, -9);
    /* 8x16 right in the last column (3,1): C unavailable -> D = (8-1, -1) = (3,0) block
     * (1, 3), 16x16 (-9,-9); A = left partition (4,4), B = (3,0) (-9,-9): median of (4,4),
     * (-9,-9), (-9,-9) = (-9, -9) */
    m[7] = halves(TK_PART_8x16, 4, 4, 0, 0);
    EXPECT_PART(m, 3, 1, TK_PART_8x16, 1, -9, -9);
    /* 16x8 lower at (0,1): A unavailable (picture edge), B = the upper partition, C
     * unavailable (right of the macroblock, not decoded), D = (-1, 7): unavailable. Only B
     * available: median of (0,0), B, (0,0) with B the only ref-0 one -> B's MV */
    m[4] = halves(TK_PART_16x8, 6, -5, 0, 0);
    EXPECT_PART(m, 0, 1, TK_PART_16x8, 1, 6, -5);
    /* 16x8 upper at (0,1): B = (0,0) block (0,3), the left half of the 8x16 (1,2) */
    EXPECT_PART(m, 0, 1, TK_PART_16x8, 0, 1, 2);
    /* 16x8 upper at (0,0): nothing available -> (0, 0) */
    EXPECT_PART(m, 0, 0, TK_PART_16x8, 0, 0, 0);
    /* 16x8 lower at (1,0), first row: A = (0,0) block (3,2): the right half (3,4), ref 0 */
    m[1] = halves(TK_PART_16x8, 5, 6, 0, 0);
    EXPECT_PART(m, 1, 0, TK_PART_16x8, 1, 3, 4);
    /* P_Skip of (1,1) with A = (0,1) 16x8 whose upper half is (0,0): zero MV -> (0, 0) */
    m[4] = halves(TK_PART_16x8, 0, 0, 30, 30);
    m[1] = halves(TK_PART_16x8, 5, 6, 7, 8);
    EXPECT(m, 8, 1, 1, 0, 0, 0, 0);
}

static void test_mvpred(void)
{
    TkMbMotion m[3 * W];
    /* row 0 */
    m[0] = inter(5, -3);
    m[1] = inter(8, 2);
    m[2] = INTRA;
    m[3] = inter(-7, 1);
    /* row 1 */
    m[4] = inter(1, 1);
    m[5] = inter(0, 0);
    m[6] = inter(12, -4);
    m[7] = inter(3, 3);
    /* row 2 */
    m[8] = INTRA;
    m[9] = inter(6, 6);
    m[10] = inter(-2, 9);
    m[11] = inter(0, 0);

    /* first macroblock of the picture: nothing is available */
    EXPECT(m, 8, 0, 0, 0, 0, 0, 0);
    /* first row: only A; B and C unavailable and A available -> A's MV (8.4.1.3.1); P_Skip
     * is (0, 0) because B is unavailable (8.4.1.1) */
    EXPECT(m, 8, 1, 0, 5, -3, 0, 0);
    /* A intra (refIdx -1, mv 0) still available: B = C = A, the median of three (0, 0) */
    EXPECT(m, 8, 3, 0, 0, 0, 0, 0);
    /* left column of row 1: A unavailable; B (5,-3), C (8,2) with ref 0, A -1: median of
     * (0,0), (5,-3), (8,2) = (5, 0); P_Skip (0, 0): A unavailable */
    EXPECT(m, 8, 0, 1, 5, 0, 0, 0);
    /* (1,1): A (1,1), B (8,2), C intra -> only A and B have ref 0: two match, so the median
     * of (1,1), (8,2), (0,0) = (1, 1); skip = mvp (A and B non-zero) */
    EXPECT(m, 8, 1, 1, 1, 1, 1, 1);
    /* (2,1): A (0,0) ref 0 -> P_Skip (0, 0); mvp: B intra, C (-7,1), A (0,0): two match ->
     * median of (0,0), (0,0), (-7,1) = (0, 0) */
    EXPECT(m, 8, 2, 1, 0, 0, 0, 0);
    /* (3,1): last column, C unavailable -> D = (2,0) intra; A (12,-4), B (-7,1), D -1:
     * median of (12,-4), (-7,1), (0,0) = (0, 0); skip = mvp as A, B are non-zero */
    EXPECT(m, 8, 3, 1, 0, 0, 0, 0);
    /* (1,2): A intra, B (0,0) ref 0 -> P_Skip (0,0); mvp: B (0,0), C (12,-4), A -1: two
     * match -> median (0,0),(0,0),(12,-4) per component = (0, 0) */
    EXPECT(m, 8, 1, 2, 0, 0, 0, 0);
    /* (2,2): A (6,6), B (12,-4), C (3,3): median (6, 3) */
    EXPECT(m, 8, 2, 2, 6, 3, 6, 3);
    /* (3,2): A (-2,9), B (3,3), C unavailable -> D (12,-4): median (3, 3) */
    EXPECT(m, 8, 3, 2, 3, 3, 3, 3);
    /* (0,2): A unavailable, B (1,1), C (0,0); only... all of B, C ref 0, A -1: median of
     * (0,0), (1,1), (0,0) = (0, 0) */
    EXPECT(m, 8, 0, 2, 0, 0, 0, 0);
    /* one-row slices: row 2 starts a slice, so B, C, D are unavailable: A's MV (6,6) for
     * (2,2)... A of (2,2) is (1,2) = (6,6); P_Skip (0,0) */
    EXPECT(m, 1, 2, 2, 6, 6, 0, 0);
    /* one reference match only: (2,2) with B and C intra */
    m[6] = INTRA;
    m[7] = INTRA;
    EXPECT(m, 8, 2, 2, 6, 6, 6, 6);
    /* exactly one match with A intra: (1,2) has A intra, B (0,0), C intra -> B's (0,0) */
    m[5] = inter(-9, 4);
    EXPECT(m, 8, 1, 2, -9, 4, -9, 4);
}

int main(void)
{
    test_interpolation(48, 32, 1, 3000);
    test_interpolation(40, 24, 7, 2000);  /* aligned to 48x32: clamps to the coded size */
    test_interpolation(320, 240, 3, 300);
    test_mvpred();
    test_mvpred_partitions();
    return tk_check_finish();
}
