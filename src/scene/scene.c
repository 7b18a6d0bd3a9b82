/*
 * The conversation state: adding turns (validated, copied, timing resolved, kept sorted by
 * start) and the counters around them. What is on screen at t lives in snapshot.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "scene/scene_impl.h"
#include "text/utf8.h"

int tk_scene_create(TkScene **out, const TkLog *log)
{
    *out = NULL;
    TkScene *s = calloc(1, sizeof(*s));
    if (!s)
        return TALKIE_ERR(ENOMEM);
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return TALKIE_ERR(ENOMEM);
    }
    s->log = log;
    s->cursor_ms = INT64_MIN;
    s->latest_ms = INT64_MIN;
    *out = s;
    return 0;
}

void tk_scene_destroy(TkScene **scene)
{
    if (!scene || !*scene)
        return;
    TkScene *s = *scene;
    for (int i = 0; i < s->n_turns; i++)
        free(s->turns[s->head + i].text);
    free(s->turns);
    free(s->active);
    free(s->lingering);
    tk_speakers_free(&s->speakers);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *scene = NULL;
}

/* Checks one string field; returns its codepoint count or a negative error (logged). */
static int check_string(const TkScene *s, const char *what, const char *str, size_t max_bytes,
                        size_t *bytes)
{
    if (!str) {
        tk_log_error(s->log, "turn: %s is NULL", what);
        return TALKIE_ERR(EINVAL);
    }
    *bytes = strlen(str);
    if (*bytes == 0 || *bytes > max_bytes) {
        tk_log_error(s->log, "turn: %s must be 1..%zu bytes, got %zu", what, max_bytes, *bytes);
        return TALKIE_ERR(EINVAL);
    }
    int cps = tk_utf8_count(str, (int)*bytes);
    if (cps < 0) {
        tk_log_error(s->log, "turn: %s is not valid UTF-8", what);
        return TALKIE_ERR(EINVAL);
    }
    return cps;
}

/* Makes room for one more kept turn at the end: slides the kept turns to the front when
 * the dropped ones left at least as much room as is in use, else grows. */
static int reserve_turn(TkScene *s)
{
    if (s->head + s->n_turns < s->cap_turns)
        return 0;
    if (s->head > 0 && s->head >= s->n_turns) {
        memmove(s->turns, s->turns + s->head, (size_t)s->n_turns * sizeof(TkSceneTurn));
        s->head = 0;
        return 0;
    }
    return tk_array_grow((void **)&s->turns, &s->cap_turns, s->head + s->n_turns + 1,
                         sizeof(TkSceneTurn), 16);
}

/* Where a turn starting at start_ms goes: after every kept turn that starts at or before
 * it (it was added last, so it comes last among equal starts). Turns almost always arrive
 * in order, so the search starts from the end. */
static int insert_position(const TkScene *s, int64_t start_ms)
{
    const TkSceneTurn *t = s->turns + s->head;
    if (s->n_turns == 0 || t[s->n_turns - 1].start_ms <= start_ms)
        return s->n_turns;
    int lo = 0, hi = s->n_turns - 1; /* the answer is in [lo, hi] */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (t[mid].start_ms <= start_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int tk_scene_add_turn_info(TkScene *s, const TalkieTurn *turn, TkSceneTurnInfo *info)
{
    if (!s || !turn)
        return TALKIE_ERR(EINVAL);
    size_t speaker_bytes, text_bytes;
    int res = check_string(s, "speaker", turn->speaker, TK_SCENE_SPEAKER_MAX_BYTES,
                           &speaker_bytes);
    if (res < 0)
        return res;
    int text_cps = check_string(s, "text", turn->text, TK_SCENE_TEXT_MAX_BYTES, &text_bytes);
    if (text_cps < 0)
        return text_cps;
    if (turn->start_ms != -1 && (turn->start_ms < 0 || turn->start_ms > TK_SCENE_MAX_START_MS)) {
        tk_log_error(s->log, "turn: start_ms must be -1 or 0..%lld, got %lld",
                     (long long)TK_SCENE_MAX_START_MS, (long long)turn->start_ms);
        return TALKIE_ERR(EINVAL);
    }
    if (turn->duration_ms != -1 &&
        (turn->duration_ms < 1 || turn->duration_ms > TK_SCENE_MAX_DURATION_MS)) {
        tk_log_error(s->log, "turn: duration_ms must be -1 or 1..%lld, got %lld",
                     (long long)TK_SCENE_MAX_DURATION_MS, (long long)turn->duration_ms);
        return TALKIE_ERR(EINVAL);
    }
    int64_t duration = turn->duration_ms;
    if (duration == -1) {
        duration = (int64_t)text_cps * 1000 / TK_SCENE_CHARS_PER_SECOND;
        if (duration < TK_SCENE_MIN_DURATION_MS)
            duration = TK_SCENE_MIN_DURATION_MS;
    }
    /* Copied before taking the lock, which then stays short. */
    char *text = malloc(text_bytes + 1);
    if (!text)
        return TALKIE_ERR(ENOMEM);
    memcpy(text, turn->text, text_bytes + 1);

    pthread_mutex_lock(&s->lock);
    int speaker = tk_speakers_intern(&s->speakers, turn->speaker, speaker_bytes);
    if (speaker < 0 || (res = reserve_turn(s)) < 0) {
        pthread_mutex_unlock(&s->lock);
        free(text);
        return speaker < 0 ? speaker : res;
    }
    int64_t start = turn->start_ms;
    if (start == -1)
        start = s->n_added ? s->end_ms + TK_SCENE_GAP_MS : 0;
    int pos = insert_position(s, start);
    TkSceneTurn *at = s->turns + s->head + pos;
    memmove(at + 1, at, (size_t)(s->n_turns - pos) * sizeof(TkSceneTurn));
    *at = (TkSceneTurn){
        .text = text, .text_bytes = (int)text_bytes, .text_codepoints = text_cps,
        .speaker = speaker, .start_ms = start, .duration_ms = duration, .cut_ms = INT64_MAX,
        .seq = s->n_added,
    };
    int64_t id = (int64_t)s->n_added;
    s->n_turns++;
    s->n_added++;
    if (start + duration > s->end_ms)
        s->end_ms = start + duration;
    /* A turn that starts at or before the cursor changes what the cursor has passed. */
    if (start <= s->cursor_ms)
        s->stale = 1;
    pthread_mutex_unlock(&s->lock);
    if (info)
        *info = (TkSceneTurnInfo){ .id = id, .start_ms = start, .duration_ms = duration,
                                   .speaker_index = speaker, .text_codepoints = text_cps };
    return 0;
}

int tk_scene_add_turn(TkScene *s, const TalkieTurn *turn)
{
    return tk_scene_add_turn_info(s, turn, NULL);
}

/* The lock is taken through a const pointer: reading needs it as much as writing does. */
static pthread_mutex_t *lock_of(const TkScene *s)
{
    return (pthread_mutex_t *)&s->lock;
}

int64_t tk_scene_end_ms(const TkScene *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock(lock_of(s));
    int64_t end = s->end_ms;
    pthread_mutex_unlock(lock_of(s));
    return end;
}

int tk_scene_speaker_count(const TkScene *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock(lock_of(s));
    int n = s->speakers.count;
    pthread_mutex_unlock(lock_of(s));
    return n;
}

int tk_scene_kept_turn_count(const TkScene *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock(lock_of(s));
    int n = s->n_turns;
    pthread_mutex_unlock(lock_of(s));
    return n;
}

/* The kept turn with this id, or NULL. Ids grow with the order of adding, and turns are
 * almost always added in order of start, so the search runs from the newest. */
static TkSceneTurn *find_turn(TkScene *s, int64_t id)
{
    for (int i = s->n_turns - 1; i >= 0; i--)
        if ((int64_t)s->turns[s->head + i].seq == id)
            return &s->turns[s->head + i];
    return NULL;
}

/* The latest end over the kept turns, after one of them ended earlier than before. Dropped
 * turns ended before every kept one started to matter (scene.h, "Memory"). */
static void recompute_end(TkScene *s)
{
    int64_t end = 0;
    for (int i = 0; i < s->n_turns; i++) {
        int64_t e = tk_scene_turn_end(&s->turns[s->head + i]);
        if (e > end)
            end = e;
    }
    for (int i = 0; i < s->n_lingering; i++)
        if (s->lingering[i].end_ms > end)
            end = s->lingering[i].end_ms;
    s->end_ms = end;
}

int tk_scene_set_duration(TkScene *s, int64_t id, int64_t duration_ms)
{
    if (!s || id < 0 || duration_ms < 1 || duration_ms > TK_SCENE_MAX_DURATION_MS)
        return TALKIE_ERR(EINVAL);
    pthread_mutex_lock(&s->lock);
    TkSceneTurn *t = find_turn(s, id);
    if (t && t->duration_ms != duration_ms) {
        t->duration_ms = duration_ms;
        recompute_end(s);
        s->stale = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return t ? 0 : TALKIE_ERR(ENOENT);
}

int tk_scene_cut(TkScene *s, int64_t id, int64_t at_ms)
{
    if (!s || id < 0 || at_ms < 0)
        return TALKIE_ERR(EINVAL);
    pthread_mutex_lock(&s->lock);
    TkSceneTurn *t = find_turn(s, id);
    if (t) {
        if (at_ms < t->start_ms)
            at_ms = t->start_ms;
        if (at_ms < t->cut_ms) {
            t->cut_ms = at_ms;
            recompute_end(s);
            s->stale = 1;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return t ? 0 : TALKIE_ERR(ENOENT);
}

void tk_scene_set_mouth_source(TkScene *s, TkSceneMouthFn fn, void *opaque)
{
    pthread_mutex_lock(&s->lock);
    s->mouth_fn = fn;
    s->mouth_opaque = opaque;
    pthread_mutex_unlock(&s->lock);
}

int tk_scene_speaker_index(const TkScene *s, const char *speaker)
{
    pthread_mutex_lock(lock_of(s));
    int i = tk_speakers_find(&s->speakers, speaker, strlen(speaker));
    if (i < 0)
        i = s->speakers.count;
    pthread_mutex_unlock(lock_of(s));
    return i;
}
