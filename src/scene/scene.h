/*
 * The conversation: every turn said so far (speaker, text, when it starts, how long it is
 * spoken) and the questions the renderer asks about time t: who is speaking, how open each
 * mouth is, which line is the subtitle and how much of it is revealed.
 *
 * Turns are only ever appended, so a turn index stays valid for the scene's life. Nothing
 * here touches fonts or the GPU.
 */
#ifndef TALKIE_SCENE_SCENE_H
#define TALKIE_SCENE_SCENE_H

#include <stdint.h>

#include "common/log.h"
#include "talkie/talkie.h"

/* Limits of a turn, checked by tk_scene_add_turn(). */
#define TK_SCENE_SPEAKER_MAX_BYTES 64
#define TK_SCENE_TEXT_MAX_BYTES 4096
#define TK_SCENE_MAX_START_MS TALKIE_TURN_MAX_START_MS       /* defined in talkie/talkie.h */
#define TK_SCENE_MAX_DURATION_MS TALKIE_TURN_MAX_DURATION_MS

/* Timing used when a turn leaves start or duration to the library. */
#define TK_SCENE_GAP_MS 300              /* pause before a turn with start_ms == -1 */
#define TK_SCENE_CHARS_PER_SECOND 14     /* speaking speed for duration_ms == -1 */
#define TK_SCENE_MIN_DURATION_MS 1200    /* shortest estimated duration */
#define TK_SCENE_HOLD_MS 2000            /* a finished line stays up this long */

/* Mouth openness: 0 is the resting (closed) mouth, 1..TK_SCENE_MOUTH_MAX while speaking. */
#define TK_SCENE_MOUTH_MAX 4

typedef struct TkScene TkScene;

typedef struct TkSceneTurn {
    const char *speaker;     /* NUL-terminated copies, owned by the scene */
    const char *text;
    int text_bytes;
    int text_codepoints;
    int64_t start_ms;        /* resolved: never -1 */
    int64_t duration_ms;     /* resolved: never -1, >= 1 */
    int speaker_index;       /* index into the scene's speakers, in order of first appearance */
} TkSceneTurn;

int tk_scene_create(TkScene **out, const TkLog *log);
/* NULL-safe; sets *scene to NULL. */
void tk_scene_destroy(TkScene **scene);

/*
 * Validates (valid UTF-8, speaker 1..64 bytes, text 1..4096 bytes, times in range; otherwise
 * TALKIE_ERR(EINVAL) and a log line saying what is wrong), copies, resolves start_ms == -1
 * (TK_SCENE_GAP_MS after the latest end so far) and duration_ms == -1 (from the number of
 * characters at TK_SCENE_CHARS_PER_SECOND, at least TK_SCENE_MIN_DURATION_MS).
 * Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM).
 */
int tk_scene_add_turn(TkScene *scene, const TalkieTurn *turn);

/* When the last turn ends; 0 if there is none. */
int64_t tk_scene_end_ms(const TkScene *scene);

int tk_scene_turn_count(const TkScene *scene);
const TkSceneTurn *tk_scene_turn(const TkScene *scene, int index);
int tk_scene_speaker_count(const TkScene *scene);
const char *tk_scene_speaker_name(const TkScene *scene, int index);

/* 1 when `speaker` has a turn with start <= t < end. */
int tk_scene_is_speaking(const TkScene *scene, int speaker, int64_t t_ms);

/* 0 (rest) when `speaker` is silent at t, else 1..TK_SCENE_MOUTH_MAX, a function of t. */
int tk_scene_mouth(const TkScene *scene, int speaker, int64_t t_ms);

/*
 * The turn whose line is the subtitle at t: the most recently started turn with
 * start <= t, while t < end + TK_SCENE_HOLD_MS. Returns its index, or -1 when no line is
 * shown. *revealed gets how many of its codepoints are visible (character by character over
 * the duration; all of them once the turn has ended).
 */
int tk_scene_subtitle(const TkScene *scene, int64_t t_ms, int *revealed);

#endif
