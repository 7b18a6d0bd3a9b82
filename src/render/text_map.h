/*
 * Where subtitle text is on a frame, per macroblock: the map the encoder takes to code those
 * macroblocks at a lower QP (TalkieSettings.text_qp_offset) so that text stays legible at
 * low bitrates. Made on the host from the draw list's glyph rectangles, which the composer
 * already has: no pixels are looked at.
 *
 *     uint8_t *map = malloc(mb_width * mb_height);
 *     int marked = tk_text_map_build(&dl, tk_composer_layout(c)->subtitle_run, mb_width,
 *                                    mb_height, map);
 */
#ifndef TALKIE_RENDER_TEXT_MAP_H
#define TALKIE_RENDER_TEXT_MAP_H

#include <stdint.h>

#include "common/text_qp_defs.h"
#include "render/drawlist.h"

/* Fills map (mb_width * mb_height bytes, raster order) with TK_TEXT_MAP_TEXT for every
 * macroblock that a glyph of run `run` of dl covers (the glyph's box clipped to the run's
 * box), 0 elsewhere; run < 0 (no subtitle) marks nothing. Returns the number marked. */
int tk_text_map_build(const TkDrawList *dl, int run, int mb_width, int mb_height,
                      uint8_t *map);

#endif
