/*
 * The P pictures of a batch as search_p.comp and analyse_p.comp see them: one dispatch
 * serves every P picture of a batch, workgroup z taking picture z of a table of buffer
 * addresses and parameters (TkAnalysePFrame in analyse_p_gpu.h mirrors TkPFrame field for
 * field). A batch of many sessions' pictures thus costs one dispatch per step where it cost
 * one per picture and step (encoder_gpu.c).
 *
 * A kernel copies its picture's row into P_FRAME first (tk_p_frame_load), once rather than
 * at every use (a store through any address might alias the table, as far as the compiler
 * knows), and reads its fields through the names it used as bindings (src_words, rec_words,
 * coded, ...), defined as macros by each kernel.
 */
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require

/* The buffers: what nobody writes readonly. Not coherent: a workgroup reads other
 * macroblocks' results only from earlier dispatches, which the barrier between makes
 * visible. */
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer TkWordsIn {
    uint w[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkWordsShared {
    uint w[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkCodedShared {
    TkCodedMb m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkMotionShared {
    TkMbMotion m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer TkMotionIn {
    TkMbMotion m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkSearchOut {
    TkMbSearch m[];
};

/* The addresses are uvec2s that each use turns into its block type (TK_P_BUF): glslang
 * (Debian 12's) writes a copied struct of references as an undecorated pointer variable,
 * which the SPIR-V validator rejects. */
struct TkPFrame {
    uvec2 src;                 /* NV12 source */
    uvec2 recon;               /* NV12 reconstruction (unfiltered) */
    uvec2 coded;               /* TkCodedMb[n] */
    uvec2 ref;                 /* NV12 reference (the previous picture, deblocked) */
    uvec2 motion;              /* TkMbMotion[n], this picture's */
    uvec2 skip_map;            /* a byte per macroblock (read when has_skip_map) */
    uvec2 search;              /* TkMbSearch[n], the search pass's */
    uvec2 text_map;            /* a byte per macroblock (any buffer when text_qp == qp) */
    uvec2 motion_prev;         /* TkMbMotion[n], the previous picture's */
    int luma_stride;           /* bytes per row, both planes (multiple of 16) */
    int chroma_offset;         /* byte offset of the CbCr plane */
    int mb_width;
    int mb_height;
    int qp;
    int slice_mb_rows;
    int has_skip_map;
    int text_qp;               /* the QP of macroblocks text_map marks (qp without a map) */
    int i16x16_only;           /* 1: the intra trial tries I16x16 only */
    int refresh_x0;            /* intra refresh columns (TkInterParams; 0, 0: none) */
    int refresh_x1;
    int refresh_limit;         /* TkInterParams.refresh_limit */
};

layout(buffer_reference, std430, buffer_reference_align = 8) readonly buffer TkPFrameTable {
    TkPFrame f[];
};

/* the picture of this workgroup */
TkPFrame P_FRAME;

/* buffer `field` of the workgroup's picture as block type `type` */
#define TK_P_BUF(type, field) type(P_FRAME.field)

/* a kernel's push constants hold the table as `batch` */
#define tk_p_frame_load() P_FRAME = batch.table.f[gl_WorkGroupID.z]
