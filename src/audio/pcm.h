/*
 * A buffer of 16-bit PCM audio (interleaved s16, native endian, 1 or 2 channels) and the
 * limits every audio stage shares. The decoders (file, espeak) fill one; the timeline takes
 * its samples; tk_pcm_free() releases it.
 */
#ifndef TALKIE_AUDIO_PCM_H
#define TALKIE_AUDIO_PCM_H

#include <stddef.h>
#include <stdint.h>

/* Sample rates the audio stages accept (input and output); the usual speech and music
 * rates (16, 22.05, 24, 44.1, 48 kHz) are inside, and so is anything libswresample handles
 * without resampling ratios that get silly. */
#define TK_AUDIO_MIN_RATE 8000
#define TK_AUDIO_MAX_RATE 192000
#define TK_AUDIO_MAX_CHANNELS 2

typedef struct TkPcm {
    int16_t *samples;   /* frames * channels values, interleaved; NULL when empty */
    size_t frames;
    size_t cap_frames;  /* room in `samples`, for tk_pcm_append() */
    int sample_rate;
    int channels;
} TkPcm;

/* 1 when rate and channel count are inside the limits above. */
int tk_pcm_format_ok(int sample_rate, int channels);

/* Appends `frames` frames (of pcm->channels values each), growing the buffer by doubling.
 * 0 or TALKIE_ERR(ENOMEM) (pcm unchanged). */
int tk_pcm_append(TkPcm *pcm, const int16_t *samples, size_t frames);

/* Frees the samples and zeroes *pcm; NULL-safe. */
void tk_pcm_free(TkPcm *pcm);

/* Duration in milliseconds, rounded up so that a turn lasting it covers every sample. */
int64_t tk_pcm_duration_ms(int64_t frames, int sample_rate);

#endif
