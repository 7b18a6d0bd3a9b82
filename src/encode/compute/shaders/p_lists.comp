/*
 * The work lists of a batch's P pictures (inter_defs.h TK_LIST_*), from their skip maps:
 *   - the search list: every macroblock that the search pass (search_p.comp) searches, the
 *     ones neither static nor in an intra refresh column (all of them without a skip map);
 *   - a list for each anti-diagonal x + 2y = d: every macroblock that the decisions
 *     (analyse_p.comp, PASS_DECIDE) decide at step d, all but the static ones whose
 *     neighbours A, B, C, D are static or outside the picture (tk_inter_static_alone(): the
 *     static pass decided those);
 * each with its kernel's indirect dispatch. The host zeroes the counts, sets each dispatch to
 * (X, TK_SEARCHES or 1, 0) and where each list's entries start. The order of the entries
 * changes nothing the kernels write (each writes its own macroblock's results); a picture's
 * entries of a list lie together.
 *
 * Parallel mapping: one workgroup per picture (workgroup z takes picture z, p_frames.glsl),
 * its invocations striding over the picture's macroblocks three times: count the picture's
 * entries of each list (shared memory), reserve them in each list (one global atomic a
 * list), write them.
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"

#define THREADS 64
layout(local_size_x = THREADS) in;

#include "p_frames.glsl"

layout(buffer_reference, std430, buffer_reference_align = 16) buffer TkLists {
    uint w[];
};

layout(push_constant) uniform Batch {
    TkPFrameTable table;   /* the batch's P pictures */
    uvec2 lists;           /* TkLists */
} batch;

#define pc P_FRAME
#define skip_words TK_P_BUF(TkWordsIn, skip_map).w
#define list_words TkLists(batch.lists).w

#include "skip_map.glsl"

/* The header of list l of this picture: 0 the search list, 1 + d diagonal d's. */
uint header(int l)
{
    return l == 0 ? 0u : uint(TK_LIST_DIAG(l - 1));
}

/* The lists that macroblock idx belongs to: the search list (0) or none (-1), and its
 * diagonal's list (1 + d) or none (-1). */
ivec2 lists_of(int idx)
{
    int mb_x = idx % pc.mb_width, mb_y = idx / pc.mb_width;
    int map = map_at(idx);
    bool searched = !TK_SKIP_MAP_IS_STATIC(map) && map != TK_SKIP_MAP_INTRA;
    return ivec2(searched ? 0 : -1, static_alone(mb_x, mb_y) ? -1 : 1 + mb_x + 2 * mb_y);
}

/* A picture's entries of a list are reserved together and lie side by side, so that the
 * workgroups next to each other in a dispatch read the same picture's data (caches):
 * first this picture's count of each list, then where its next entry goes. */
shared uint s_list[TK_LIST_MAX];

void count_entry(int l)
{
    if (l >= 0)
        atomicAdd(s_list[l], 1u);
}

void write_entry(int l, uint picture, int idx)
{
    if (l < 0)
        return;
    uint at = list_words[header(l) + TK_LIST_FIRST] + 2u * atomicAdd(s_list[l], 1u);
    list_words[at] = picture;
    list_words[at + 1u] = uint(idx);
}

void main()
{
    tk_p_frame_load();
    uint picture = gl_WorkGroupID.z;
    int t = int(gl_LocalInvocationIndex);
    int n = pc.mb_width * pc.mb_height;
    /* the search list and one a diagonal, at most TK_LIST_MAX (the host checks) */
    int lists = 1 + pc.mb_width + 2 * (pc.mb_height - 1);
    for (int l = t; l < lists; l += THREADS)
        s_list[l] = 0u;
    barrier();
    for (int idx = t; idx < n; idx += THREADS) {
        ivec2 in_lists = lists_of(idx);
        count_entry(in_lists.x);
        count_entry(in_lists.y);
    }
    barrier();
    for (int l = t; l < lists; l += THREADS) {
        uint count = s_list[l];
        if (count == 0u)
            continue;
        uint h = header(l);
        uint first = atomicAdd(list_words[h + TK_LIST_COUNT], count);
        s_list[l] = first;
        /* workgroups z of the list's dispatch: enough to reach its last entry */
        atomicMax(list_words[h + TK_LIST_ARGS + 2],
                  (first + count - 1u) / list_words[h + TK_LIST_ARGS] + 1u);
    }
    barrier();
    for (int idx = t; idx < n; idx += THREADS) {
        ivec2 in_lists = lists_of(idx);
        write_entry(in_lists.x, picture, idx);
        write_entry(in_lists.y, picture, idx);
    }
}
