/*
 * Reference (C) integer math of the H.264 intra residual path, written to port 1:1 to GLSL
 * (shaders/transform.glsl): plain loops over fixed int arrays, int32 arithmetic, no floats.
 *
 * A 4x4 block is int[16] in raster order (index y * 4 + x); "scan" arrays are in zig-zag
 * order (frame macroblocks, Table 8-13). Forward stages are the encoder's choice; the inverse
 * stages are exactly the decoder's (8.5.10, 8.5.11, 8.5.12), so recon equals decoder output.
 */
#ifndef TALKIE_ENCODE_COMPUTE_TRANSFORM_REF_H
#define TALKIE_ENCODE_COMPUTE_TRANSFORM_REF_H

#include <stdint.h>

/* |level| limit: Baseline CAVLC (level_prefix <= 15) can code every level within it. */
#define TK_LEVEL_MAX 2047

/* Zig-zag scan position -> raster index in a 4x4 block. */
extern const int tk_zigzag4x4[16];

/* Table 8-15 with chroma_qp_index_offset 0. */
int tk_chroma_qp(int qp);
/* Integer lambda by QP for the SATD + lambda * bits mode decision. */
int tk_intra_lambda(int qp);

/* Sum of absolute values of the 4x4 Hadamard transform of `res`, halved. */
int tk_satd4x4(const int res[16]);

/* Core forward transform Cf * X * Cf^T (exact, no rounding). */
void tk_fdct4x4(const int res[16], int coef[16]);
/* 8.5.12.2: rows, then columns, then (x + 32) >> 6. */
void tk_idct4x4(const int d[16], int res[16]);
/* Forward luma DC transform (Hadamard, halved with rounding away from zero) of the 16 DCs
 * in raster block order (4x4 blocks of the MB by position). */
void tk_fdc4x4(const int dc[16], int out[16]);
/* 4x4 Hadamard H * c * H as in 8.5.10 (no scaling). */
void tk_hadamard4x4(const int c[16], int f[16]);
/* 2x2 Hadamard of c0..c3 (raster), forward and inverse alike (8.5.11.1). */
void tk_hadamard2x2(const int c[4], int f[4]);

/* Quantises coefficient `w` at raster position `pos` (intra rounding 1/3). */
int tk_quant4x4(int w, int pos, int qp);
/* DC variants: luma 16x16 DC and chroma DC (shift one more, rounding doubled). */
int tk_quant_dc(int w, int qp);
/* The same with the inter rounding 1/6: a predicted (inter) residual is mostly noise, so a
 * wider dead zone saves bits where they buy little (x264's deadzone for P blocks). */
int tk_quant4x4_inter(int w, int pos, int qp);
int tk_quant_dc_inter(int w, int qp);
/* 8.5.12.1 with flat scaling: level at raster `pos` -> d. */
int tk_dequant4x4(int c, int pos, int qp);
/* 8.5.10: Hadamard output f -> dcY. */
int tk_dequant_luma_dc(int f, int qp);
/* 8.5.11.2 (4:2:0): Hadamard output f -> dcC, qp is QP'c. */
int tk_dequant_chroma_dc(int f, int qp);

/* The per-QP constants in the order of transform.glsl's TkQuant: qp, qp / 6, the
 * multiplication factors of the three position classes, then 16 x their dequantisation
 * scales. analyse.comp takes them as push constants (no registers for them). */
#define TK_QUANT_CONSTS 8
void tk_quant_consts(int qp, int32_t out[TK_QUANT_CONSTS]);

#endif
