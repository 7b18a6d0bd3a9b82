/*
 * libavcodec's H.264 decoder as the tests use it to check our streams: strict (any bitstream
 * error fails the frame), low delay (a picture comes out for each access unit), one thread;
 * and the comparison of a decoded picture with the encoder's NV12 reconstruction.
 */
#ifndef TALKIE_TESTS_H264_STRICT_DECODER_H
#define TALKIE_TESTS_H264_STRICT_DECODER_H

#include <stdint.h>

#include <libavcodec/avcodec.h>

#include "common/frame.h"

typedef struct StrictDecoder {
    AVCodecContext *ctx;
    AVPacket *pkt;
    AVFrame *frame;
} StrictDecoder;

/* 0, or negative with whatever was opened still to close. */
int strict_decoder_open(StrictDecoder *d);
void strict_decoder_close(StrictDecoder *d);

/* 0 when `f` (YUV420P, no decode error) equals the visible part of the NV12 picture `recon`;
 * else -1 after printing the first difference to stderr, prefixed with `what`. */
int frame_equals_recon(const AVFrame *f, const uint8_t *recon, const TkFrameLayout *l,
                       const char *what);

#endif
