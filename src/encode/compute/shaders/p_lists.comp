/*
 * The work lists of a batch's P pictures (inter_defs.h TK_LIST_*), from their skip maps:
 *   - the search list: every macroblock that the search pass (search_p.comp) searches, the
 *     ones neither static nor in an intra refresh column (all of them without a skip map);
 *   - the static list: every static macroblock whose residual the static pass
 *     (analyse_p.comp, PASS_STATIC) computes: all but those coded before as this one will be
 *     (below);
 *   - a list for each anti-diagonal x + 2y = d: every macroblock that the decisions
 *     (analyse_p.comp, PASS_DECIDE) decide at step d, all but the static ones whose
 *     neighbours A, B, C, D are static or outside the picture (tk_inter_static_alone(): the
 *     static pass decided those);
 * each with its kernel's indirect dispatch. The host zeroes the counts, sets each dispatch to
 * (X, TK_SEARCHES or 1, 0) and where each list's entries start. The order of the entries
 * changes nothing the kernels write (each writes its own macroblock's results); a picture's
 * entries of a list lie together.
 *
 * Static macroblocks coded as before. A static macroblock with an equal reference
 * (TK_SKIP_MAP_STATIC_SAME_REF) that the previous picture coded at MV (0, 0) with no
 * residual at this QP (tk_inter_static_mb_ref()'s was_zero) is coded the same again: no
 * residual, and its reconstruction is the reference's samples, which the recon buffer
 * already holds (the change map found them equal in the two references). Its coded entry
 * already holds zero levels and counts (cbp 0 after an inter macroblock, coded_mb.h), so
 * this kernel writes only what differs: its type, QP and modes, and where the static pass
 * decides it (alone) its motion. Most macroblocks of a conversation are such; each was a
 * workgroup of the static pass.
 *
 * Parallel mapping: one workgroup per picture (workgroup z takes picture z, p_frames.glsl),
 * its invocations striding over the picture's macroblocks three times: count the picture's
 * entries of each list (shared memory), reserve them in each list (one global atomic a
 * list), write them (and code the macroblocks coded as before).
 */
#version 450
#extension GL_GOOGLE_include_directive : require

#include "coded_mb.glsl"

#define THREADS 64
layout(local_size_x = THREADS) in;

#include "p_frames.glsl"

layout(push_constant) uniform Batch {
    TkPFrameTable table;   /* the batch's P pictures */
    uvec2 lists;           /* TkLists */
} batch;

#define TK_LISTS_WRITTEN
#include "p_lists.glsl"

#define pc P_FRAME
#define skip_words TK_P_BUF(TkWordsIn, skip_map).w
#define coded TK_P_BUF(TkCodedShared, coded).m
#define motion TK_P_BUF(TkMotionShared, motion).m
#define motion_prev TK_P_BUF(TkMotionIn, motion_prev).m
#define text_map TK_P_BUF(TkWordsIn, text_map).w

#include "skip_map.glsl"
#include "text_qp.glsl"

/* Static macroblock idx is coded as in the previous picture (see above). Read before this
 * kernel writes the entry, by the invocation that writes it. */
bool coded_as_before(int idx, int map)
{
    return map == TK_SKIP_MAP_STATIC_SAME_REF && motion_prev[idx].ref_idx == 0 &&
           motion_prev[idx].part == TK_PART_16x16 && motion_prev[idx].mv[0][0] == 0 &&
           motion_prev[idx].mv[0][1] == 0 && coded[idx].cbp == 0 &&
           coded[idx].qp == tk_mb_qp(idx);
}

/* The lists that macroblock idx belongs to: the search list, the static list or none (-1),
 * and its diagonal's list or none (-1) (list numbers, inter_defs.h); .z 1 where it is coded
 * as before. */
ivec3 lists_of(int idx)
{
    int mb_x = idx % pc.mb_width, mb_y = idx / pc.mb_width;
    int map = map_at(idx);
    bool is_static = TK_SKIP_MAP_IS_STATIC(map);
    bool as_before = is_static && coded_as_before(idx, map);
    int pass = is_static ? (as_before ? -1 : TK_LIST_STATIC)
               : map != TK_SKIP_MAP_INTRA ? TK_LIST_SEARCH : -1;
    int diag = static_alone(mb_x, mb_y) ? -1 : TK_LIST_DIAG0 + mb_x + 2 * mb_y;
    return ivec3(pass, diag, as_before ? 1 : 0);
}

/* Codes static macroblock idx as the previous picture did (what store_coded() and
 * store_motion() of analyse_p.comp's static pass would write that differs); `alone`: no
 * decision follows (static_alone()). */
void code_as_before(int idx, bool alone)
{
    int qp = tk_mb_qp(idx);
    coded[idx].type = alone ? TK_MB_PSKIP : TK_MB_PL0;
    coded[idx].i16_mode = 0;
    coded[idx].chroma_mode = 0;
    coded[idx].cbp = 0;
    coded[idx].qp_delta = 0;
    coded[idx].qp = qp;
    coded[idx].qp_y = qp;
    if (alone)
        motion[idx] = TkMbMotion(0, TK_PART_16x16, int[2][2](int[2](0, 0), int[2](0, 0)),
                                 int[2][2](int[2](0, 0), int[2](0, 0)));
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
    uint at = list_words[TK_LIST_HEADER(l) + TK_LIST_FIRST] + 2u * atomicAdd(s_list[l], 1u);
    list_words[at] = picture;
    list_words[at + 1u] = uint(idx);
}

void main()
{
    tk_p_frame_load();
    uint picture = gl_WorkGroupID.z;
    int t = int(gl_LocalInvocationIndex);
    int n = pc.mb_width * pc.mb_height;
    /* at most TK_LIST_MAX (the host checks) */
    int lists = TK_LIST_DIAG0 + pc.mb_width + 2 * (pc.mb_height - 1);
    for (int l = t; l < lists; l += THREADS)
        s_list[l] = 0u;
    barrier();
    for (int idx = t; idx < n; idx += THREADS) {
        ivec3 in_lists = lists_of(idx);
        count_entry(in_lists.x);
        count_entry(in_lists.y);
    }
    barrier();
    for (int l = t; l < lists; l += THREADS) {
        uint count = s_list[l];
        if (count == 0u)
            continue;
        uint h = uint(TK_LIST_HEADER(l));
        uint first = atomicAdd(list_words[h + TK_LIST_COUNT], count);
        s_list[l] = first;
        /* workgroups z of the list's dispatch: enough to reach its last entry */
        atomicMax(list_words[h + TK_LIST_ARGS + 2],
                  (first + count - 1u) / list_words[h + TK_LIST_ARGS] + 1u);
    }
    barrier();
    for (int idx = t; idx < n; idx += THREADS) {
        ivec3 in_lists = lists_of(idx);
        write_entry(in_lists.x, picture, idx);
        write_entry(in_lists.y, picture, idx);
        if (in_lists.z != 0)
            code_as_before(idx, in_lists.y < 0);
    }
}
