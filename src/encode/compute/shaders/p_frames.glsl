/*
 * The P pictures of a batch as search_p.comp and analyse_p.comp see them: one dispatch
 * serves every P picture of a batch, workgroup z taking picture z of a table of buffer
 * addresses and parameters (TkAnalysePFrame in analyse_p_gpu.h mirrors TkPFrame field for
 * field). A batch of many sessions' pictures thus costs one dispatch per step where it cost
 * one per picture and step (encoder_gpu.c).
 *
 * The kernels read the table through P_FRAME and its fields through the names they used as
 * bindings (src_words, rec_words, coded, ...), defined as macros by each kernel: the compiler
 * decides what it keeps in registers.
 */
#extension GL_EXT_buffer_reference : require

/* The buffers, qualified as analyse_p.comp used them: what a workgroup reads of another's
 * results (the reconstruction, the decisions, the motion) coherent, what nobody writes
 * readonly. */
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer TkWordsIn {
    uint w[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) coherent buffer TkWordsShared {
    uint w[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) coherent buffer TkCodedShared {
    TkCodedMb m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) coherent buffer TkMotionShared {
    TkMbMotion m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer TkMotionIn {
    TkMbMotion m[];
};
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkSearchOut {
    TkMbSearch m[];
};

struct TkPFrame {
    TkWordsIn src;             /* NV12 source */
    TkWordsShared recon;       /* NV12 reconstruction (unfiltered) */
    TkCodedShared coded;       /* TkCodedMb[n] */
    TkWordsIn ref;             /* NV12 reference (the previous picture, deblocked) */
    TkMotionShared motion;     /* TkMbMotion[n], this picture's */
    TkWordsIn skip_map;        /* a byte per macroblock (read when has_skip_map) */
    TkSearchOut search;        /* TkMbSearch[n], the search pass's */
    TkWordsIn text_map;        /* a byte per macroblock (any buffer when text_qp == qp) */
    TkMotionIn motion_prev;    /* TkMbMotion[n], the previous picture's */
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

/* the picture of this workgroup (a kernel's push constants hold the table as `batch`) */
#define P_FRAME (batch.table.f[gl_WorkGroupID.z])
