/* Regions of interest from a text map; see roi.h. */
#include "encode/lavc/roi.h"

#include "talkie/talkie.h"

/* libx264 (FFmpeg's libx264.c) scales qoffset, a fraction of -1..1, by the QP range of 8-bit
 * video, 0..51: offset / 51 comes back as `offset` QP steps. */
#define X264_QP_RANGE 51

int tk_lavc_set_text_roi(AVFrame *f, const uint8_t *map, int mb_width, int mb_height,
                         int offset)
{
    av_frame_remove_side_data(f, AV_FRAME_DATA_REGIONS_OF_INTEREST); /* the last frame's */
    if (!map || offset == 0)
        return 0;
    int runs = 0;
    for (int i = 0; i < mb_width * mb_height; i++)
        runs += map[i] && (i % mb_width == 0 || !map[i - 1]);
    if (runs == 0)
        return 0;
    AVFrameSideData *sd = av_frame_new_side_data(f, AV_FRAME_DATA_REGIONS_OF_INTEREST,
                                                 (size_t)runs * sizeof(AVRegionOfInterest));
    if (!sd)
        return TALKIE_ERR(ENOMEM);
    AVRegionOfInterest *roi = (AVRegionOfInterest *)sd->data;
    int k = 0;
    for (int y = 0; y < mb_height; y++)
        for (int x = 0; x < mb_width; x++) {
            if (!map[y * mb_width + x] || (x > 0 && map[y * mb_width + x - 1]))
                continue;
            int end = x;
            while (end < mb_width && map[y * mb_width + end])
                end++;
            /* pixels; libx264 takes the macroblocks they touch, and clips to the frame */
            roi[k++] = (AVRegionOfInterest){
                .self_size = sizeof(AVRegionOfInterest),
                .top = y * 16, .bottom = y * 16 + 16, .left = x * 16, .right = end * 16,
                .qoffset = av_make_q(offset, X264_QP_RANGE),
            };
        }
    return 0;
}
