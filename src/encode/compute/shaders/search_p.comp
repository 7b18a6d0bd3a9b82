/*
 * The search pass of a P picture on the GPU, bit-exact with tk_search_p_ref()
 * (search_p_ref.c): every search of every macroblock at once, one workgroup of 32 threads
 * per (macroblock, search), before the decision's wavefront (analyse_p.comp). A search reads
 * only the source, the reference and the previous picture's motion, never this picture's
 * decisions, so nothing here waits for another workgroup.
 *
 * Buffers (p_frames.glsl, by address): the source, the reference (the previous picture,
 * deblocked), the previous picture's motion, TkMbSearch[n] out. Which macroblocks: the
 * batch's search list (p_lists.comp, inter_defs.h TK_LIST_*), whose indirect dispatch this
 * is: (X, TK_SEARCHES, ceil(entries / X)) workgroups, entry z * X + x, search y.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#include "coded_mb.glsl"
#include "transform.glsl"

/* a whole warp of 32 lanes: the upper 16 threads take every other candidate
 * (motion_search.glsl) */
#define TK_ME_THREADS 32
/* the refinement's samples precomputed in shared memory (motion_search.glsl); the P
 * decisions, whose only distortion is one SATD at the MV predictor and whose own shared
 * memory is much larger, do without */
#define TK_ME_WINDOW
layout(local_size_x = TK_ME_THREADS) in;

#include "p_frames.glsl"

layout(push_constant) uniform Batch {
    TkPFrameTable table;   /* the batch's P pictures */
    uvec2 lists;           /* TkLists (p_lists.glsl): this pass takes the search list */
} batch;

#include "p_lists.glsl"

#define pc P_FRAME
#define src_words TK_P_BUF(TkWordsIn, src).w
#define ref_words TK_P_BUF(TkWordsIn, ref).w
#define motion TK_P_BUF(TkMotionIn, motion_prev).m   /* the previous picture's */
#define search TK_P_BUF(TkSearchOut, search).m

shared int s_src_y[256];

#include "inter_pred.glsl"
#include "motion_search.glsl"

/* the previous picture's MV of macroblock m touching a macroblock below or right of it, or
 * (0, 0) outside the picture or where intra (search_p_ref.c prev_mv) */
ivec2 prev_mv(int m)
{
    if (m < 0 || motion[m].ref_idx != 0)
        return ivec2(0);
    return ivec2(motion[m].mv[1][0], motion[m].mv[1][1]);
}

int median3(int a, int b, int c)
{
    return clamp(c, min(a, b), max(a, b));
}

void main()
{
    int idx = tk_list_entry(uint(TK_LIST_HEADER(TK_LIST_SEARCH)));
    if (idx < 0)
        return; /* the whole workgroup */
    int t = int(gl_LocalInvocationIndex), k = int(gl_WorkGroupID.y);
    int mb_x = idx % pc.mb_width, mb_y = idx / pc.mb_width;

    /* threads 0-15 load source row t */
    if (t < 16) {
        int row = ((mb_y * 16 + t) * pc.luma_stride + mb_x * 16) >> 2;
        for (int i = 0; i < 4; i++) {
            uint w = src_words[row + i];
            for (int b = 0; b < 4; b++)
                s_src_y[t * 16 + i * 4 + b] = int((w >> (8 * b)) & 0xffu);
        }
    }
    barrier();

    int part = k == TK_SEARCH_16x16 ? TK_PART_16x16
               : k < TK_SEARCH_8x16 ? TK_PART_16x8 : TK_PART_8x16;
    int half_idx = k == TK_SEARCH_16x16 ? 0 : (k - TK_SEARCH_16x8) & 1;
    g_mb = ivec2(mb_x, mb_y);
    g_limit = mb_x < pc.refresh_x0 ? pc.refresh_limit : 0; /* tk_inter_refresh_limit() */
    g_blk = ivec4(part == TK_PART_8x16 ? 8 * half_idx : 0, part == TK_PART_16x8 ? 8 * half_idx : 0,
                  part == TK_PART_8x16 ? 8 : 16, part == TK_PART_16x8 ? 8 : 16);
    ivec2 a = prev_mv(mb_x > 0 ? idx - 1 : -1);
    ivec2 b = prev_mv(mb_y > 0 ? idx - pc.mb_width : -1);
    ivec2 c = prev_mv(mb_y > 0 && mb_x + 1 < pc.mb_width ? idx - pc.mb_width + 1 : -1);
    ivec2 mvp = ivec2(median3(a.x, b.x, c.x), median3(a.y, b.y, c.y));
    ivec2 extra[TK_ME_MAX_STARTS];
    int n_extra = 0;
    if (motion[idx].ref_idx == 0)
        extra[n_extra++] = ivec2(motion[idx].mv[half_idx][0], motion[idx].mv[half_idx][1]);
    if (mb_y > 0 && motion[idx - pc.mb_width].ref_idx == 0)
        extra[n_extra++] = ivec2(motion[idx - pc.mb_width].mv[1][0],
                                 motion[idx - pc.mb_width].mv[1][1]);
    int lambda = TK_LAMBDA_TAB[pc.qp];
    ivec3 r = me_search(t, mvp, extra, n_extra, lambda);
    if (t == 0) {
        search[idx].c[k].mv[0] = r.x;
        search[idx].c[k].mv[1] = r.y;
        search[idx].c[k].satd = r.z - lambda * mv_bits(r.xy, mvp);
    }
}
