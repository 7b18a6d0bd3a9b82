/*
 * Inside a TkScene: shared by scene.c (adding turns) and snapshot.c (what is on screen).
 * Everything below `lock` is guarded by it.
 */
#ifndef TALKIE_SCENE_SCENE_IMPL_H
#define TALKIE_SCENE_SCENE_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "scene/scene.h"
#include "scene/speakers.h"

typedef struct TkSceneTurn {
    char *text;              /* NUL-terminated copy, owned by the scene */
    int text_bytes;
    int text_codepoints;
    int speaker;             /* number in TkScene.speakers */
    int64_t start_ms;        /* resolved: never -1 */
    int64_t duration_ms;     /* resolved: never -1, >= 1 */
    int64_t cut_ms;          /* barge-in: not shown from then on; INT64_MAX: not cut */
    uint64_t seq;            /* order of adding: breaks ties between equal starts; the id */
} TkSceneTurn;

/* When a turn stops being spoken: its end, or its cut when earlier. */
static inline int64_t tk_scene_turn_end(const TkSceneTurn *t)
{
    int64_t end = t->start_ms + t->duration_ms;
    return t->cut_ms < end ? t->cut_ms : end;
}

/* A turn being spoken at the cursor's time (a copy: turns move when one is inserted). */
typedef struct TkSceneActive {
    int64_t start_ms, end_ms;
    uint64_t seq;
    int speaker;
} TkSceneActive;

/* Speakers by how recently one of their turns started, most recent first: after the turns
 * are fed in order of start, it holds the TK_SCENE_MAX_SHOWN most recent distinct ones. */
typedef struct TkSceneRecent {
    int speakers[TK_SCENE_MAX_SHOWN];
    int count;
} TkSceneRecent;

struct TkScene {
    const TkLog *log;
    pthread_mutex_t lock;

    TkSpeakers speakers;
    /* Kept turns, turns[head .. head + n_turns), sorted by (start_ms, seq). Dropped turns
     * leave from the front, so head moves on until the array is compacted. */
    TkSceneTurn *turns;
    int head, n_turns, cap_turns;
    uint64_t n_added;        /* turns ever added */
    int64_t end_ms;          /* latest end of any turn */

    /* The frame cursor: the first `passed` kept turns start at or before cursor_ms; `active`
     * are those of them still spoken at cursor_ms and `recent` ranks their speakers (after
     * the dropped turns, whose ranking is `dropped_recent`). `stale` asks the next snapshot
     * to replay from the first kept turn (a turn arrived behind the cursor). */
    int64_t cursor_ms;
    int passed;
    int stale;
    TkSceneActive *active;
    int n_active, cap_active;
    TkSceneRecent recent;
    TkSceneRecent dropped_recent;
    /* Dropped turns still spoken after the drop cutoff (a long turn must not hold every
     * turn after it in memory): only their timing is left, to seed `active` on a replay. */
    TkSceneActive *lingering;
    int n_lingering, cap_lingering;
    int64_t latest_ms;       /* latest snapshot time so far: what dropping is relative to */
    TkSceneMouthFn mouth_fn; /* the voice's mouth; NULL: text timing */
    void *mouth_opaque;
};

/* Puts `speaker` first in `r` (it spoke most recently). */
void tk_scene_recent_touch(TkSceneRecent *r, int speaker);

#endif
