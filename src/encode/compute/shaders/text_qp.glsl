/*
 * The QP a macroblock is quantised with (tk_intra_mb_qp()): text_qp under subtitle text,
 * else the picture's. The includer defines text_map (uint words: a byte per macroblock, 4 a
 * word, TK_TEXT_MAP_TEXT under text) and `pc` with qp and text_qp (equal where the picture
 * has no map, so that any buffer may stand for it).
 */
#ifndef TK_TEXT_QP_GLSL
#define TK_TEXT_QP_GLSL

#include "../../../common/text_qp_defs.h"

int tk_mb_qp(int n)
{
    uint byte = (text_map[n >> 2] >> (8 * (n & 3))) & 0xffu;
    return byte == uint(TK_TEXT_MAP_TEXT) ? pc.text_qp : pc.qp;
}

#endif
