/*
 * The luma samples of 8.4.2.2 computed from the reference picture directly, bit-exact with
 * inter_pred_ref.c: full samples clamped into the picture (8-239, 8-240), the half samples
 * b, h (6-tap) and j (6-tap of the unrounded b1 of six rows). hpel.comp stores them as planes
 * (inter_pred.glsl reads those).
 *
 * The includer declares, before the include: `int ref_byte(int o)` (a byte of the reference
 * NV12) and push constants `pc` with luma_stride, mb_width, mb_height.
 */
#ifndef TK_HPEL_SAMPLES_GLSL
#define TK_HPEL_SAMPLES_GLSL

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
 * (8-245, 8-247: from the b1 intermediates of rows y - 2 .. y + 3). */
int sample_direct(int kind, int x, int y)
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

#endif
