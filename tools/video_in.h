/*
 * The input of `talkie encode`: 8-bit 4:2:0 pictures read through libavformat, from a Y4M
 * file (yuv4mpegpipe demuxer) or raw planar YUV 4:2:0 (rawvideo demuxer, size and rate
 * given by the caller), from a file or stdin. Everything about the input that the library
 * would refuse later (size, rate, colourspace) is checked at open, so that a bad input is
 * reported before an output file is made; a final partial frame is reported when reached.
 *
 * Errors are one line, without "talkie: " and without the input's name, in `err`.
 */
#ifndef TALKIE_TOOLS_VIDEO_IN_H
#define TALKIE_TOOLS_VIDEO_IN_H

#include <stddef.h>
#include <stdint.h>

#include "talkie/talkie.h"

typedef struct CliVideoIn CliVideoIn;

typedef struct CliVideoInArgs {
    const char *path;         /* "-" for stdin */
    int raw;                  /* 1: raw planar YUV 4:2:0 of width x height; 0: Y4M */
    int width, height;        /* raw: the size (even, 16..4096); Y4M: 0, or what the header
                                 must say */
    int fps_num, fps_den;     /* raw: the rate; Y4M: 0 to take the header's, else overrides */
} CliVideoInArgs;

typedef struct CliVideoInfo {
    int width, height;
    int fps_num, fps_den;
    int64_t frames_expected;  /* from a regular file's size; -1 when unknown (a pipe) */
    int full_range;           /* the input says full range (Y4M XCOLORRANGE=FULL) */
    char description[96];     /* "Y4M 200x120 yuv420p 30/1", for messages */
} CliVideoInfo;

/* Opens the input and checks its header. 0, or -1 with `err` filled. */
int cli_video_open(CliVideoIn **out, const CliVideoInArgs *args, CliVideoInfo *info,
                   char *err, size_t err_size);

/* The next picture: 1 with `image` pointing into the reader (valid until the next call or
 * close), 0 at the clean end of the input, -1 with `err` filled (a read error, a corrupt
 * frame header, a final partial frame). */
int cli_video_read(CliVideoIn *v, TalkieImage *image, char *err, size_t err_size);

/* Frees the reader; NULL and *v == NULL are allowed. Does not close stdin. */
void cli_video_close(CliVideoIn **v);

#endif
