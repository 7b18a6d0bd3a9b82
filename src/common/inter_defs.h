/*
 * Constants of talkie's P-frame (inter) coding shared by the C reference (src/encode/compute/
 * *_ref.c) and the GLSL kernels that will follow it. Included by both, so only #defines.
 *
 * Units: motion vectors are in quarter luma samples (H.264 8.4.1); chroma uses the same
 * numbers in eighth chroma samples (4:2:0, 8.4.1.4).
 */
#ifndef TALKIE_COMMON_INTER_DEFS_H
#define TALKIE_COMMON_INTER_DEFS_H

/* Macroblock types of TkCodedMb.type beyond the intra ones (coded_mb.h): a P macroblock
 * predicted from list 0 with the partitions of TkMbMotion.part (P_L0_16x16, P_L0_L0_16x8,
 * P_L0_L0_8x16: mb_type 0, 1, 2 of Table 7-13), and P_Skip (no macroblock_layer, 7.3.4). */
#define TK_MB_PL0 2
#define TK_MB_PSKIP 3

/* TkMbMotion.part: the macroblock partitioning, also its mb_type in P slices (Table 7-13). */
#define TK_PART_16x16 0
#define TK_PART_16x8 1
#define TK_PART_8x16 2

/* TkMbMotion.ref_idx of an intra macroblock: "not predicted from list 0" (8.4.1.3.2). */
#define TK_REF_NONE (-1)

/* Integer motion search: at most TK_ME_STEPS small-diamond steps from the best start
 * (the predicted MV, (0,0)), each MV component kept within +-TK_ME_RANGE samples of the
 * start it came from. */
#define TK_ME_RANGE 16
#define TK_ME_STEPS 16
/* Extra integer-search starts a caller may give (me_ref.h TkMeStarts). */
#define TK_ME_MAX_STARTS 4
/* The searches of a P macroblock's search pass (TkMbSearch.c[], search_p_ref.h), in this
 * order: the 16x16 partition, the two halves of 16x8 (upper, lower), those of 8x16 (left,
 * right). */
#define TK_SEARCHES 5
#define TK_SEARCH_16x16 0
#define TK_SEARCH_16x8 1
#define TK_SEARCH_8x16 3

/* The work lists of a batch's P pictures (p_lists.comp, p_lists.glsl, analyse_p_gpu.c): which
 * macroblocks the search pass searches, which the static pass codes, and which each step of
 * the decisions decides, so that those dispatches' workgroups are that work alone rather than
 * one for every macroblock of every picture (most are static: they would only return). In
 * 32-bit words: a header for each list (TK_LIST_HEADER_WORDS each: the search list, the
 * static list, then one for each anti-diagonal of the decisions), then the entries. A header
 * holds the list's count, then its kernel's indirect dispatch (X, 1 or TK_SEARCHES,
 * ceil(count / X)), then the word where its entries start; an entry is two words, its
 * picture's index in the batch and the macroblock's index in the picture, in no particular
 * order (workgroup (x, y, z) takes entry z * X + x). X is TK_LIST_X, or more where the list
 * could outgrow the dispatch's z. */
#define TK_LIST_HEADER_WORDS 8
#define TK_LIST_COUNT 0
#define TK_LIST_ARGS 2
#define TK_LIST_FIRST 5
/* rows of 16: the last row's workgroups past the list's end return at once, yet each still
 * costs a CPU device real time (bench/RESULTS.md, "work lists") */
#define TK_LIST_X 16
/* The lists by number: the search list, the static list, diagonal d's TK_LIST_DIAG0 + d. */
#define TK_LIST_SEARCH 0
#define TK_LIST_STATIC 1
#define TK_LIST_DIAG0 2
/* Lists a picture has at most: the search and static lists and one a diagonal of a
 * 4096x4096 picture (talkie's largest), 2 + 256 + 2 * 255. */
#define TK_LIST_MAX 768
/* the first word of list l's header */
#define TK_LIST_HEADER(l) (TK_LIST_HEADER_WORDS * (l))
/* the header of diagonal d (x + 2y = d) */
#define TK_LIST_DIAG(d) TK_LIST_HEADER(TK_LIST_DIAG0 + (d))

/* Every MV talkie codes has |component| <= TK_MV_MAX quarter samples (63.75 samples, under
 * the smallest vertical range of Table A-1, [-64, 63.75] at level 1.0). */
#define TK_MV_MAX 252

/* Per-macroblock skip map values (the renderer's "unchanged since the last frame"). */
#define TK_SKIP_MAP_CHANGED 0
#define TK_SKIP_MAP_STATIC 1
/* Only the encoder's own map gives this one: static, and also the reference samples that
 * MV (0, 0) predicts from equal those the previous picture predicted from, at the same QP.
 * A macroblock that the previous picture coded 16x16 with MV (0, 0) and no residual then
 * has the same residual again (none), so the analysis codes it so without computing it. */
#define TK_SKIP_MAP_STATIC_SAME_REF 3
/* A map value that says "static": coded at MV (0, 0) without a search. */
#define TK_SKIP_MAP_IS_STATIC(v) ((v) == TK_SKIP_MAP_STATIC || (v) == TK_SKIP_MAP_STATIC_SAME_REF)
/* Only the encoder's own map gives this one: the macroblock lies in the column an intra
 * refresh forces intra in this picture (encoder_ref.h intra_refresh): it is coded intra,
 * with no search and no inter trial. */
#define TK_SKIP_MAP_INTRA 2
/* A skip map is a byte per macroblock stored 4 to a 32-bit word, so the encoder's own change
 * map (change_map.comp) gives each workgroup the macroblocks of one word: one invocation
 * then writes the whole word, where 4 workgroups sharing it would need atomics. */
#define TK_CHANGE_MAP_MBS_PER_GROUP 4

/* Intra refresh (encoder_ref.h intra_refresh): a block whose right edge is luma column
 * `right` (exclusive) in a macroblock left of the refresh columns may use horizontal MV
 * component mvx (quarter samples) only where its prediction reads no reference luma column
 * at or right of `limit`: the left edge of the refresh columns (the reference's refreshed
 * area), less 3 where the reference was deblocked (the filter across the area's edge with
 * the unrefreshed area changed its last 3 columns: 8.7.2, up to 3 samples each side in luma,
 * 1 in chroma; TK_REFRESH_DEBLOCK_MARGIN). A fractional mvx reads 3 more columns (the 6-tap
 * filter, 8.4.2.2.1). Chroma (mvx in eighth chroma samples, bilinear: one more sample) then
 * reads only the refreshed area's chroma columns, and with the margin not its last one, the
 * one its deblocking changed. */
#define TK_REFRESH_MV_OK(mvx, right, limit)                                                    \
    (((mvx) >> 2) + (right) + (((mvx) & 3) != 0 ? 3 : 0) <= (limit))
/* The largest whole-sample mvx TK_REFRESH_MV_OK allows. */
#define TK_REFRESH_MV_MAX_WHOLE(right, limit) (4 * ((limit) - (right)))
#define TK_REFRESH_DEBLOCK_MARGIN 3

/* Extra cost (in lambda units, i.e. bits) an intra macroblock in a P slice pays over its
 * intra-picture cost: its mb_type is 5 higher (Table 7-13) and it refers to nothing. */
#define TK_P_INTRA_EXTRA_BITS 4

/* Coefficient decimation (x264's): a luma 8x8 whose 4x4 blocks score below
 * TK_DECIMATE_8x8 is dropped, a whole macroblock's luma below TK_DECIMATE_MB too. */
#define TK_DECIMATE_8x8 4
#define TK_DECIMATE_MB 6

#endif
