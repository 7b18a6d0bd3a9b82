/*
 * The work lists (inter_defs.h TK_LIST_*) as the kernels that p_lists.comp writes them for
 * read them: workgroup (x, y, z) of an indirect dispatch takes entry z * X + x of its list.
 * The includer's push constants `batch` hold the P table (p_frames.glsl, included before) and
 * the lists' address as `lists`; p_lists.comp, which writes them, defines TK_LISTS_WRITTEN
 * before the include.
 */
#ifndef TK_P_LISTS_GLSL
#define TK_P_LISTS_GLSL

#ifdef TK_LISTS_WRITTEN
layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkLists {
    uint w[];
};
#else
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer TkLists {
    uint w[];
};
#endif

#define list_words TkLists(batch.lists).w

/* This workgroup's entry of the list whose header starts at word h: loads the entry's
 * picture into P_FRAME and returns its macroblock's index, or -1 past the list's end (the
 * last row of the dispatch, the same for the whole workgroup). */
int tk_list_entry(uint h)
{
    uint entry = gl_WorkGroupID.z * list_words[h + TK_LIST_ARGS] + gl_WorkGroupID.x;
    if (entry >= list_words[h + TK_LIST_COUNT])
        return -1;
    uint at = list_words[h + TK_LIST_FIRST] + 2u * entry;
    P_FRAME = batch.table.f[list_words[at]];
    return int(list_words[at + 1u]);
}

#endif
