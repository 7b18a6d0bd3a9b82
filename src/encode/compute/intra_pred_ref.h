/*
 * Reference (C) intra prediction of H.264 (8.3.1.2 Intra4x4, 8.3.3 Intra16x16, 8.3.4 chroma
 * 4:2:0), written to port 1:1 to GLSL (shaders/intra_pred.glsl). Output blocks are int[] in
 * raster order. Neighbour availability is passed as TK_AVAIL_* bits; a mode whose samples are
 * not all available must not be used (tk_*_mode_ok tells).
 */
#ifndef TALKIE_ENCODE_COMPUTE_INTRA_PRED_REF_H
#define TALKIE_ENCODE_COMPUTE_INTRA_PRED_REF_H

enum {
    TK_AVAIL_LEFT = 1,     /* p[-1, y] */
    TK_AVAIL_TOP = 2,      /* p[x, -1] (for 4x4: x = 0..7, top-right already substituted) */
    TK_AVAIL_TOPLEFT = 4,  /* p[-1, -1] */
};

/* Intra4x4PredMode (Table 8-2) */
enum {
    TK_I4_V = 0, TK_I4_H, TK_I4_DC, TK_I4_DDL, TK_I4_DDR, TK_I4_VR, TK_I4_HD, TK_I4_VL, TK_I4_HU,
};
/* Intra16x16PredMode (Table 8-4) */
enum { TK_I16_V = 0, TK_I16_H, TK_I16_DC, TK_I16_PLANE };
/* intra_chroma_pred_mode (Table 8-5) */
enum { TK_IC_DC = 0, TK_IC_H, TK_IC_V, TK_IC_PLANE };

int tk_pred4x4_mode_ok(int mode, int avail);
int tk_pred16x16_mode_ok(int mode, int avail);
int tk_pred_chroma_mode_ok(int mode, int avail);

/* 4x4 block. Edge e[13]: e[3 - y] = p[-1, y] (y = 0..3), e[4] = p[-1, -1],
 * e[5 + x] = p[x, -1] (x = 0..7; p[4..7, -1] = p[3, -1] when the top-right is not
 * available but the top is, as 8.3.1.2 says). */
void tk_pred4x4(int mode, const int e[13], int avail, int pred[16]);
/* 16x16: top[x] = p[x, -1], left[y] = p[-1, y], tl = p[-1, -1]. */
void tk_pred16x16(int mode, const int top[16], const int left[16], int tl, int avail,
                  int pred[256]);
/* One 8x8 chroma component: top[x] = p[x, -1], left[y] = p[-1, y], tl = p[-1, -1]. */
void tk_pred_chroma(int mode, const int top[8], const int left[8], int tl, int avail,
                    int pred[64]);

#endif
