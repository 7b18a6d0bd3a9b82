/*
 * The voice of a posted line (line_audio.c): the optional "audio" member of the JSON body of
 * POST /api/sessions/<id>/lines, {"pcm": base64 s16le, "sample_rate": Hz, "channels": 1|2},
 * checked and decoded for talkie_session_say_audio(). Pure: jansson and talkie.h only.
 */
#ifndef TALKIE_TOOLS_SERVE_LINE_AUDIO_H
#define TALKIE_TOOLS_SERVE_LINE_AUDIO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "talkie/talkie.h"

/* On success (0) *pcm holds the samples (the caller frees it) and `audio` points at them;
 * without the member audio->frames is 0 and *pcm NULL. Otherwise an HTTP status (400 or
 * 413) and a message in `err`. */
int line_audio_parse(const json_t *body, TalkieAudio *audio, int16_t **pcm, char *err,
                     size_t err_size);

#endif
