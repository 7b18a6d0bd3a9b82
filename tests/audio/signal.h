/* Test signals for the audio tests: deterministic noise, tones and tone bursts, as s16. */
#ifndef TALKIE_TESTS_AUDIO_SIGNAL_H
#define TALKIE_TESTS_AUDIO_SIGNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* A small LCG: the same numbers on every machine. */
static inline uint32_t test_rand(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* `frames` frames of `channels` channels: a tone of `hz` at `amp` plus a little noise, a
 * different phase per channel. Caller frees. */
static inline int16_t *test_tone(size_t frames, int channels, int rate, double hz, double amp,
                                 uint32_t seed)
{
    int16_t *s = malloc(frames * (size_t)channels * sizeof(int16_t) + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++) {
            double v = amp * sin(2.0 * M_PI * hz * (double)i / rate + c * 0.7) +
                       (double)((int)(test_rand(&seed) % 201) - 100);
            s[i * (size_t)channels + (size_t)c] = (int16_t)lrint(v);
        }
    return s;
}

/* Tone bursts: `hz` at `amp` from each start_ms[k] for burst_ms, silence elsewhere. */
static inline int16_t *test_bursts(size_t frames, int rate, double hz, double amp,
                                   const int *start_ms, int n, int burst_ms)
{
    int16_t *s = calloc(frames + 1, sizeof(int16_t));
    if (!s)
        return NULL;
    for (int k = 0; k < n; k++) {
        size_t a = (size_t)start_ms[k] * (size_t)rate / 1000;
        size_t b = (size_t)(start_ms[k] + burst_ms) * (size_t)rate / 1000;
        for (size_t i = a; i < b && i < frames; i++)
            s[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * hz * (double)(i - a) / rate));
    }
    return s;
}

#endif
