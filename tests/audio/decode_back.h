/* Reads a whole audio file back with libavformat + libavcodec, placing every decoded frame
 * at its timestamp: what a player hears, on a float timeline of the first channel. */
#ifndef TALKIE_TESTS_AUDIO_DECODE_BACK_H
#define TALKIE_TESTS_AUDIO_DECODE_BACK_H

#include <stdint.h>

typedef struct DecodedAudio {
    float *samples;         /* first channel, -1..1, index = time * rate */
    int64_t length;         /* one past the last decoded sample */
    int rate, channels;
    int frame_size;         /* samples in the first decoded frame */
    int64_t container_ms;   /* the container's duration, -1 if unknown */
    double video_start_ms;  /* presentation time of the first video packet; NAN if none */
    char codec[32];
} DecodedAudio;

/* 0 or a negative AVERROR; frees with decoded_audio_free(). */
int decode_back(const char *path, DecodedAudio *out);
void decoded_audio_free(DecodedAudio *d);

/* Onsets: the first sample above `threshold` after at least `quiet` samples below it.
 * Returns how many were found (at most max). */
int find_onsets(const float *s, int64_t n, float threshold, int64_t quiet, int64_t *onsets,
                int max);

#endif
