/*
 * A frame's text map (render/text_map.h) as libavcodec regions of interest
 * (AV_FRAME_DATA_REGIONS_OF_INTEREST), which libx264 turns into per-macroblock QP offsets:
 * the lavc backend's lower QP under subtitle text (TalkieSettings.text_qp_offset).
 * libx264 applies them only with adaptive quantisation on (the backend's veryfast preset has
 * it), and adds them to the QP its rate control or --qp gives the frame.
 */
#ifndef TALKIE_ENCODE_LAVC_ROI_H
#define TALKIE_ENCODE_LAVC_ROI_H

#include <stdint.h>

#include <libavutil/frame.h>

/* Replaces f's regions of interest by one per run of marked macroblocks in each macroblock
 * row of map (mb_width * mb_height bytes; NULL or offset 0: none), each with QP offset
 * `offset`. 0, or TALKIE_ERR(ENOMEM). */
int tk_lavc_set_text_roi(AVFrame *f, const uint8_t *map, int mb_width, int mb_height,
                         int offset);

#endif
