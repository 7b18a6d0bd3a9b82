/*
 * The voice of a posted line (POST /api/sessions/<id>/lines): the optional "audio" member,
 *   {"pcm": "<base64 of s16le samples, interleaved>", "sample_rate": 16000, "channels": 1}
 * checked and decoded into samples for talkie_session_say_audio().
 *
 * Limits (answered with 4xx, never a crash): the body itself is capped by the HTTP layer
 * (SERVE_MAX_LINE_BODY_BYTES, 413); the rate and channel count must be what the library
 * takes (8..192 kHz, 1 or 2); the voice lasts at most LINE_AUDIO_MAX_SECONDS (413); the
 * base64 must be valid and decode to whole samples of every channel (400).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line_audio.h"

#define LINE_AUDIO_MAX_SECONDS 60

/* 0..63 for a base64 character, -1 otherwise (RFC 4648, standard alphabet). */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes `len` characters of padded base64 into `out` (room for len / 4 * 3 bytes);
 * returns the number of bytes, or -1 for anything that is not canonical base64. */
static long b64_decode(const char *in, size_t len, uint8_t *out)
{
    if (len % 4)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = b64_value(c)) < 0)
                return -1; /* a character after '=' or outside the alphabet */
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        out[n++] = (uint8_t)(w >> 16);
        if (pad < 2)
            out[n++] = (uint8_t)(w >> 8);
        if (pad < 1)
            out[n++] = (uint8_t)w;
    }
    return (long)n;
}

static int bad(char *err, size_t err_size, int status, const char *msg)
{
    snprintf(err, err_size, "%s", msg);
    return status;
}

int line_audio_parse(const json_t *body, TalkieAudio *audio, int16_t **pcm, char *err,
                     size_t err_size)
{
    memset(audio, 0, sizeof(*audio));
    *pcm = NULL;
    const json_t *a = json_object_get(body, "audio");
    if (!a || json_is_null(a))
        return 0;
    const json_t *data = json_object_get(a, "pcm"), *rate = json_object_get(a, "sample_rate"),
                 *ch = json_object_get(a, "channels");
    if (!json_is_object(a) || !json_is_string(data) || !json_is_integer(rate) ||
        (ch && !json_is_integer(ch)))
        return bad(err, err_size, 400, "\"audio\": expected {\"pcm\": base64 s16le, "
                                       "\"sample_rate\": Hz, \"channels\": 1 or 2}");
    json_int_t r = json_integer_value(rate), c = ch ? json_integer_value(ch) : 1;
    if (r < 8000 || r > 192000 || c < 1 || c > 2)
        return bad(err, err_size, 400, "\"audio\": sample_rate 8000..192000, channels 1 or 2");
    size_t len = json_string_length(data);
    /* the decoded size is known before decoding: refuse a long voice without allocating */
    size_t bytes = len / 4 * 3;
    if (bytes / 2 / (size_t)c > (size_t)r * LINE_AUDIO_MAX_SECONDS + 2)
        return bad(err, err_size, 413, "\"audio\": at most 60 seconds");
    uint8_t *buf = malloc(bytes + 1);
    if (!buf)
        return bad(err, err_size, 413, "\"audio\": too large");
    long n = b64_decode(json_string_value(data), len, buf);
    if (n <= 0 || n % (2 * (long)c)) {
        free(buf);
        return bad(err, err_size, 400, n < 0 ? "\"audio\": \"pcm\" is not valid base64"
                                             : "\"audio\": \"pcm\" must hold whole s16 "
                                               "samples of every channel, at least one");
    }
    /* s16le on the wire; talkie takes native order, which is little-endian where it runs */
    int16_t *s = (int16_t *)(void *)buf;
    for (long i = 0; i < n / 2; i++)
        s[i] = (int16_t)(uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
    *pcm = s;
    audio->samples = s;
    audio->frames = (size_t)n / 2 / (size_t)c;
    audio->sample_rate = (int)r;
    audio->channels = (int)c;
    return 0;
}
