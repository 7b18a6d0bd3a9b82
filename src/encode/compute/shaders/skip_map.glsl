/*
 * A P picture's skip map as the kernels read it (p_frames.glsl's P_FRAME, with `pc` and
 * `skip_words` defined by the includer): a byte per macroblock, 4 to a word, every
 * macroblock changed without a map. static_alone() is tk_inter_static_alone()
 * (analyse_p_ref.h): the static pass decides those macroblocks, and the decision steps
 * (analyse_p.comp) and their lists (p_lists.comp) must agree on which they are.
 */
#ifndef TK_SKIP_MAP_GLSL
#define TK_SKIP_MAP_GLSL

int map_at(int idx)
{
    return pc.has_skip_map != 0 ? int((skip_words[idx >> 2] >> (8 * (idx & 3))) & 0xffu)
                                : TK_SKIP_MAP_CHANGED;
}

bool static_at(int x, int y)
{
    return TK_SKIP_MAP_IS_STATIC(map_at(y * pc.mb_width + x));
}

/* static, with neighbours A, B, C, D static or outside the picture */
bool static_alone(int mb_x, int mb_y)
{
    const ivec2 nb[4] = ivec2[4](ivec2(-1, 0), ivec2(0, -1), ivec2(1, -1), ivec2(-1, -1));
    bool alone = static_at(mb_x, mb_y);
    for (int k = 0; k < 4; k++) {
        int x = mb_x + nb[k].x, y = mb_y + nb[k].y;
        if (x >= 0 && x < pc.mb_width && y >= 0)
            alone = alone && static_at(x, y);
    }
    return alone;
}

#endif
