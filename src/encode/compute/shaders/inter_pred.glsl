/*
 * Inter prediction samples on the GPU (8.4.2.2), bit-exact with inter_pred_ref.c: luma
 * quarter-sample interpolation (6-tap and averages, per output sample, reference reads
 * clamped into the picture) and chroma eighth-sample bilinear prediction; shared by the
 * search pass (search_p.comp) and the P analysis (analyse_p.comp).
 *
 * The includer declares, before the include: the reference buffer `ref_words` (NV12 bytes, 4
 * to a word) and push constants `pc` with luma_stride, chroma_offset, mb_width, mb_height.
 */
#ifndef TK_INTER_PRED_GLSL
#define TK_INTER_PRED_GLSL

int ref_byte(int o)
{
    return int((ref_words[o >> 2] >> (8 * (o & 3))) & 0xffu);
}

/* ---- interpolation (8.4.2.2), per output sample; inter_pred_ref.c ---- */

/* reference luma at (x, y), clamped into the picture (8-239, 8-240) */
int rl(int x, int y)
{
    return ref_byte(clamp(y, 0, pc.mb_height * 16 - 1) * pc.luma_stride +
                    clamp(x, 0, pc.mb_width * 16 - 1));
}

int tap6(int e, int f, int g, int h, int i, int j)
{
    return e - 5 * f + 20 * g + 20 * h - 5 * i + j;
}

int half_h(int x, int y)    /* b1 between (x, y) and (x + 1, y), 8-241 */
{
    return tap6(rl(x - 2, y), rl(x - 1, y), rl(x, y), rl(x + 1, y), rl(x + 2, y),
                rl(x + 3, y));
}

int half_v(int x, int y)    /* h1 between (x, y) and (x, y + 1), 8-242 */
{
    return tap6(rl(x, y - 2), rl(x, y - 1), rl(x, y), rl(x, y + 1), rl(x, y + 2),
                rl(x, y + 3));
}

int clip1(int v)
{
    return clamp(v, 0, 255);
}

/* One of the samples quarter positions average (Figure 8-4), `kind` at (x, y): 0 the full
 * sample G, 1 the half sample b right of it (8-243), 2 h below it (8-244), 3 j diagonal
 * (8-245, 8-247: from the b1 intermediates of rows y - 2 .. y + 3). Loops, not unrolled, keep
 * the code small: the compiler inlines this into every distortion and prediction. */
int sample_at(int kind, int x, int y)
{
    if (kind == 0)
        return rl(x, y);
    if (kind == 1)
        return clip1((half_h(x, y) + 16) >> 5);
    if (kind == 2)
        return clip1((half_v(x, y) + 16) >> 5);
    const int taps[6] = int[6](1, -5, 20, 20, -5, 1);
    int j1 = 0;
    [[dont_unroll]] for (int k = 0; k < 6; k++)
        j1 += taps[k] * half_h(x, y - 2 + k);
    return clip1((j1 + 512) >> 10);
}

/* Table 8-12 as the two samples each quarter position averages (8-250 .. 8-261; a full or
 * half position uses one): per position (frac_y * 4 + frac_x), kind | dx << 2 | dy << 3
 * for the first and second (bits 8-11), bit 16 when there is a second. */
const int QPEL[16] = int[16](
    0,                               /* G */
    0 | (1 << 8) | 0x10000,          /* a = (G + b) */
    1,                               /* b */
    (0 | 4) | (1 << 8) | 0x10000,    /* c = (H + b) */
    0 | (2 << 8) | 0x10000,          /* d = (G + h) */
    1 | (2 << 8) | 0x10000,          /* e = (b + h) */
    1 | (3 << 8) | 0x10000,          /* f = (b + j) */
    1 | ((2 | 4) << 8) | 0x10000,    /* g = (b + m) */
    2,                               /* h */
    2 | (3 << 8) | 0x10000,          /* i = (h + j) */
    3,                               /* j */
    3 | ((2 | 4) << 8) | 0x10000,    /* k = (j + m) */
    (0 | 8) | (2 << 8) | 0x10000,    /* n = (M + h) */
    2 | ((1 | 8) << 8) | 0x10000,    /* p = (h + s) */
    3 | ((1 | 8) << 8) | 0x10000,    /* q = (j + s) */
    (2 | 4) | ((1 | 8) << 8) | 0x10000 /* r = (m + s) */
);

/* The predicted luma sample whose full sample G is at (x, y) of the reference, quarter
 * offset (fx, fy) (8.4.2.2.1). */
int luma_pred(int x, int y, int fx, int fy)
{
    int e = QPEL[fy * 4 + fx], n = (e >> 16) + 1, sum = 0;
    [[dont_unroll]] for (int k = 0; k < n; k++) {
        int c = (e >> (8 * k)) & 0xff;
        sum += sample_at(c & 3, x + ((c >> 2) & 1), y + ((c >> 3) & 1));
    }
    return n == 1 ? sum : (sum + 1) >> 1;
}

/* luma sample (i, j) of macroblock (mb_x, mb_y) predicted with mv */
int luma_at(int mb_x, int mb_y, int i, int j, ivec2 mv)
{
    return luma_pred(mb_x * 16 + j + (mv.x >> 2), mb_y * 16 + i + (mv.y >> 2), mv.x & 3,
                     mv.y & 3);
}

/* chroma sample (cx, cy) of component comp predicted with the luma mv (8.4.1.4, 8-266) */
int chroma_pred(int cx, int cy, int comp, ivec2 mv)
{
    int max_x = pc.mb_width * 8 - 1, max_y = pc.mb_height * 8 - 1;
    int fx = mv.x & 7, fy = mv.y & 7;
    int ya = clamp(cy + (mv.y >> 3), 0, max_y), yb = clamp(cy + (mv.y >> 3) + 1, 0, max_y);
    int xa = clamp(cx + (mv.x >> 3), 0, max_x), xb = clamp(cx + (mv.x >> 3) + 1, 0, max_x);
    int base = pc.chroma_offset + comp;
    int A = ref_byte(base + ya * pc.luma_stride + 2 * xa);
    int B = ref_byte(base + ya * pc.luma_stride + 2 * xb);
    int C = ref_byte(base + yb * pc.luma_stride + 2 * xa);
    int D = ref_byte(base + yb * pc.luma_stride + 2 * xb);
    return ((8 - fx) * (8 - fy) * A + fx * (8 - fy) * B + (8 - fx) * fy * C + fx * fy * D +
            32) >> 6;
}

int part_at(int part, int x4, int y4)
{
    return part == TK_PART_16x8 ? y4 >> 1 : part == TK_PART_8x16 ? x4 >> 1 : 0;
}

#endif
