/*
 * The conversation: every turn said so far (speaker, text, when it starts, how long it is
 * spoken), and "what is on screen at t", answered once per frame into a TkSceneSnapshot that
 * the composer draws from. Nothing here touches fonts or the GPU.
 *
 * Thread-safety: every function may be called from any thread at any time; a mutex inside
 * the scene serialises them, each holding it for a short, bounded time. Typically the engine
 * thread takes one snapshot per frame while other threads add turns. A snapshot is a plain
 * value owned by the caller: nothing in it points into the scene.
 *
 * Cost of a snapshot, for times that do not go backwards: amortized O(speakers shown + turns
 * being spoken at t), independent of the length of the conversation and of how many
 * speakers ever spoke. Turns are kept sorted by start time and a cursor follows the frame
 * time. A time earlier than the previous snapshot's (tests, references), or a turn added
 * that starts at or before it, replays the kept turns once: O(kept turns).
 *
 * Memory: a snapshot at t, when t is the latest snapshot time so far, drops the turns that
 * no frame at or after t - TK_SCENE_KEEP_MS can show (ended by then, and an earlier start
 * than the subtitle line of that time). A session that runs for days keeps the last minute,
 * the turns still to come, and one name per speaker. Snapshots of times before that window
 * see only what was kept: they are not supported (the subtitle may be missing, speakers may
 * be ranked by the turns kept).
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

/* How many speakers a frame shows, at most (the composer's places). */
#define TK_SCENE_MAX_SHOWN 8

/* How far before the latest snapshot time turns are kept (see "Memory" above). A minute:
 * longer than any test looks back, short enough that days of talk stay small. */
#define TK_SCENE_KEEP_MS ((int64_t)60 * 1000)

typedef struct TkScene TkScene;

/* One speaker on screen. */
typedef struct TkSceneSpeaker {
    int index;               /* order of first appearance in the scene (picks the colour) */
    int speaking;            /* 1 while one of their turns is being spoken */
    int mouth;               /* 0 (rest) when silent, else 1..TK_SCENE_MOUTH_MAX */
    char name[TK_SCENE_SPEAKER_MAX_BYTES + 1];
} TkSceneSpeaker;

/*
 * What is on screen at t_ms.
 *
 * Speakers shown: while the scene has had at most TK_SCENE_MAX_SHOWN speakers, all of them,
 * from the moment their first turn is added (even one that starts later). With more, the
 * TK_SCENE_MAX_SHOWN whose latest turn started most recently at or before t (of two turns
 * that start together, the one added last counts as the more recent); if fewer than that
 * have spoken by t, the places left go to the earliest-added speakers. Always in order of
 * first appearance, so places move little.
 *
 * Subtitle: the line of the most recently started turn with start <= t (of turns starting
 * together, the one added last), while t < end + TK_SCENE_HOLD_MS; revealed character by
 * character over its duration, all of it once spoken.
 */
typedef struct TkSceneSnapshot {
    int64_t t_ms;
    int n_speakers;
    TkSceneSpeaker speakers[TK_SCENE_MAX_SHOWN];
    int has_subtitle;        /* 0: no line is shown, and the fields below are empty */
    int subtitle_speaker;    /* the speaking turn's speaker index */
    int subtitle_revealed;   /* codepoints visible, 1..subtitle_codepoints */
    int subtitle_codepoints;
    int subtitle_bytes;
    char subtitle_text[TK_SCENE_TEXT_MAX_BYTES + 1];
} TkSceneSnapshot;

/* A turn as the scene resolved it. */
typedef struct TkSceneTurnInfo {
    int64_t id;              /* the turn's number: turns added before it (the public turn id) */
    int64_t start_ms;        /* never -1 */
    int64_t duration_ms;     /* never -1, >= 1 */
    int speaker_index;       /* order of first appearance */
    int text_codepoints;
} TkSceneTurnInfo;

int tk_scene_create(TkScene **out, const TkLog *log);
/* NULL-safe; sets *scene to NULL. No other thread may use the scene any more. */
void tk_scene_destroy(TkScene **scene);

/*
 * Validates (valid UTF-8, speaker 1..64 bytes, text 1..4096 bytes, times in range; otherwise
 * TALKIE_ERR(EINVAL) and a log line saying what is wrong), copies, resolves start_ms == -1
 * (TK_SCENE_GAP_MS after the latest end so far) and duration_ms == -1 (from the number of
 * characters at TK_SCENE_CHARS_PER_SECOND, at least TK_SCENE_MIN_DURATION_MS).
 * Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM).
 */
int tk_scene_add_turn(TkScene *scene, const TalkieTurn *turn);
/* The same, and tells how the turn was resolved (`info` may be NULL). */
int tk_scene_add_turn_info(TkScene *scene, const TalkieTurn *turn, TkSceneTurnInfo *info);

/*
 * Later changes to a turn, found by id (turns dropped from memory are not found:
 * TALKIE_ERR(ENOENT)). Both make the next snapshot replay the kept turns once.
 *   set_duration: the turn's duration becomes duration_ms (1..TK_SCENE_MAX_DURATION_MS):
 *     its audio's, once known. The subtitle is revealed over the new duration.
 *   cut: the turn stops at at_ms (clamped to its start; a later cut than one already made
 *     changes nothing): from then on it is not spoken and its line is gone (no hold); before
 *     it, everything is as without the cut.
 * Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOENT).
 */
int tk_scene_set_duration(TkScene *scene, int64_t id, int64_t duration_ms);
int tk_scene_cut(TkScene *scene, int64_t id, int64_t at_ms);

/*
 * Where the mouth of a speaking turn comes from: fn(opaque, turn id, t_ms) returns the
 * openness 0..TK_SCENE_MOUTH_MAX (the voice's), or TALKIE_ERR(EAGAIN) to keep the text-timed
 * mouth (no audio, or not arrived yet). It runs inside tk_scene_snapshot() under the scene's
 * lock, so it must not call back into the scene. Set it before the first snapshot; NULL: text
 * timing only.
 */
typedef int (*TkSceneMouthFn)(void *opaque, int64_t turn_id, int64_t t_ms);
void tk_scene_set_mouth_source(TkScene *scene, TkSceneMouthFn fn, void *opaque);

/* The number `speaker` has, or would get if it spoke now (the speakers so far). */
int tk_scene_speaker_index(const TkScene *scene, const char *speaker);

/* When the last turn ends; 0 if there is none. */
int64_t tk_scene_end_ms(const TkScene *scene);

/* Speakers that ever spoke. */
int tk_scene_speaker_count(const TkScene *scene);
/* Turns held in memory now (added, not yet dropped; see "Memory" above). */
int tk_scene_kept_turn_count(const TkScene *scene);

/*
 * Fills *out with what is on screen at t_ms (see TkSceneSnapshot). `scene` is const because
 * what it holds is unchanged for every time a snapshot may be taken of; its frame cursor and
 * the dropping of old turns are bookkeeping under its lock. `scene` may be NULL: an empty
 * stage. Errors: TALKIE_ERR(ENOMEM) (*out is then an empty stage).
 */
int tk_scene_snapshot(const TkScene *scene, int64_t t_ms, TkSceneSnapshot *out);

#endif
