/*
 * The work lists of a batch's P pictures (inter_defs.h TK_LIST_*), from their skip maps:
 *   - the search list: every macroblock that the search pass (search_p.comp) searches, the
 *     ones neither static nor in an intra refresh column (all of them without a skip map);
 *   - a list for each anti-diagonal x + 2y = d: every macroblock that the decisions
 *     (analyse_p.comp, PASS_DECIDE) decide at step d, all but the static ones whose
 *     neighbours A, B, C, D are static or outside the picture (tk_inter_static_alone(): the
 *     static pass decided those);
 * each with its kernel's indirect dispatch. The host zeroes the counts, sets each dispatch to
 * (X, TK_SEARCHES or 1, 0) and where each list's entries start. The order of the
 * entries changes nothing the kernels write (each writes its own macroblock's results).
 *
 * Parallel mapping: one workgroup per picture (workgroup z takes picture z, p_frames.glsl),
 * its invocations striding over the picture's macroblocks.
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

int map_at(int idx)
{
    return pc.has_skip_map != 0 ? int((skip_words[idx >> 2] >> (8 * (idx & 3))) & 0xffu)
                                : TK_SKIP_MAP_CHANGED;
}

bool static_at(int x, int y)
{
    return TK_SKIP_MAP_IS_STATIC(map_at(y * pc.mb_width + x));
}

/* appends (picture, idx) to the list whose header starts at word h */
void append(uint h, uint picture, int idx)
{
    uint slot = atomicAdd(list_words[h + TK_LIST_COUNT], 1u);
    uint at = list_words[h + TK_LIST_FIRST] + 2u * slot;
    list_words[at] = picture;
    list_words[at + 1u] = uint(idx);
    /* workgroups z of the list's dispatch: enough to reach this entry */
    atomicMax(list_words[h + TK_LIST_ARGS + 2], slot / list_words[h + TK_LIST_ARGS] + 1u);
}

void main()
{
    tk_p_frame_load();
    uint picture = gl_WorkGroupID.z;
    int n = pc.mb_width * pc.mb_height;
    for (int idx = int(gl_LocalInvocationIndex); idx < n; idx += THREADS) {
        int mb_x = idx % pc.mb_width, mb_y = idx / pc.mb_width;
        int map = map_at(idx);
        bool static_mb = TK_SKIP_MAP_IS_STATIC(map);
        if (!static_mb && map != TK_SKIP_MAP_INTRA)
            append(0u, picture, idx);
        /* analyse_p.comp static_alone() */
        bool alone = static_mb;
        const ivec2 nb[4] = ivec2[4](ivec2(-1, 0), ivec2(0, -1), ivec2(1, -1), ivec2(-1, -1));
        for (int k = 0; k < 4 && alone; k++) {
            int x = mb_x + nb[k].x, y = mb_y + nb[k].y;
            if (x >= 0 && x < pc.mb_width && y >= 0)
                alone = static_at(x, y);
        }
        if (!alone)
            append(uint(TK_LIST_DIAG(mb_x + 2 * mb_y)), picture, idx);
    }
}
