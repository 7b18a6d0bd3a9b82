/*
 * What is on screen at t: one snapshot per frame, from a cursor that follows the frame time
 * through the turns sorted by start (see scene.h for the rules and the costs). Also drops
 * the turns no later frame can show.
 */
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "scene/scene_impl.h"

void tk_scene_recent_touch(TkSceneRecent *r, int speaker)
{
    int i = 0;
    while (i < r->count && r->speakers[i] != speaker)
        i++;
    if (i == r->count) { /* new: takes a free place, or the least recent one's */
        if (r->count < TK_SCENE_MAX_SHOWN)
            r->count++;
        i = r->count - 1;
    }
    memmove(&r->speakers[1], &r->speakers[0], (size_t)i * sizeof(int));
    r->speakers[0] = speaker;
}

/* Back to before the first kept turn: the next advance replays them. Dropped turns that
 * are still being spoken (lingering) go straight back among the spoken ones. */
static int rewind_cursor(TkScene *s, int64_t t_ms)
{
    s->passed = 0;
    s->n_active = 0;
    s->recent = s->dropped_recent;
    s->cursor_ms = INT64_MIN;
    s->stale = 1; /* until the seeding below is done */
    int res = tk_array_grow((void **)&s->active, &s->cap_active, s->n_lingering,
                            sizeof(TkSceneActive), 16);
    if (res < 0)
        return res;
    for (int i = 0; i < s->n_lingering; i++)
        if (s->lingering[i].start_ms <= t_ms)
            s->active[s->n_active++] = s->lingering[i];
    s->stale = 0;
    return 0;
}

/* Moves the cursor forward to t: passes the turns that start by then, and forgets the
 * spoken turns that have ended. Cost: the turns passed and the turns being spoken. */
static int advance_cursor(TkScene *s, int64_t t_ms)
{
    const TkSceneTurn *kept = s->turns + s->head;
    while (s->passed < s->n_turns && kept[s->passed].start_ms <= t_ms) {
        const TkSceneTurn *turn = &kept[s->passed];
        int64_t end = tk_scene_turn_end(turn);
        if (end > t_ms) {
            int res = tk_array_grow((void **)&s->active, &s->cap_active, s->n_active + 1,
                                    sizeof(TkSceneActive), 16);
            if (res < 0) {
                s->stale = 1; /* half-way: start over next time */
                return res;
            }
            s->active[s->n_active++] = (TkSceneActive){
                .start_ms = turn->start_ms, .end_ms = end, .seq = turn->seq,
                .speaker = turn->speaker,
            };
        }
        tk_scene_recent_touch(&s->recent, turn->speaker);
        s->passed++;
    }
    s->cursor_ms = t_ms;
    for (int i = 0; i < s->n_active;) {
        if (s->active[i].end_ms <= t_ms)
            s->active[i] = s->active[--s->n_active];
        else
            i++;
    }
    return 0;
}

/* Drops the kept turns, from the earliest, that no frame at or after cutoff_ms can show as
 * the subtitle: all but the latest to start by then. Their speakers' ranking goes on in
 * dropped_recent; one still spoken after the cutoff lingers as timing only. */
static void drop_old_turns(TkScene *s, int64_t cutoff_ms)
{
    while (s->n_turns >= 2 && s->passed >= 2) {
        TkSceneTurn *first = &s->turns[s->head];
        if (first[1].start_ms > cutoff_ms)
            break;
        int64_t end = tk_scene_turn_end(first);
        if (end > cutoff_ms) {
            if (tk_array_grow((void **)&s->lingering, &s->cap_lingering, s->n_lingering + 1,
                              sizeof(TkSceneActive), 4) < 0)
                break; /* kept for now; tried again next frame */
            s->lingering[s->n_lingering++] = (TkSceneActive){
                .start_ms = first->start_ms, .end_ms = end, .seq = first->seq,
                .speaker = first->speaker,
            };
        }
        tk_scene_recent_touch(&s->dropped_recent, first->speaker);
        free(first->text);
        s->head++;
        s->n_turns--;
        s->passed--;
    }
    for (int i = 0; i < s->n_lingering;) {
        if (s->lingering[i].end_ms <= cutoff_ms)
            s->lingering[i] = s->lingering[--s->n_lingering];
        else
            i++;
    }
}

/* The mouth `elapsed_ms` into a turn: a fixed "syllable" pattern stepping every 70 ms. It
 * looks like talking, never rests at 0 while speaking (so speaking and silence are always
 * told apart), and depends only on the time since the turn started. */
static int mouth_at(int64_t elapsed_ms)
{
    static const unsigned char pattern[] = { 2, 4, 3, 1, 3, 4, 2, 1, 4, 2 };
    return pattern[(elapsed_ms / 70) % (int64_t)sizeof(pattern)];
}

/* Which speakers are shown (scene.h), in order of first appearance. */
static int choose_speakers(const TkScene *s, int *shown)
{
    int n = s->speakers.count, count = 0;
    if (n <= TK_SCENE_MAX_SHOWN) {
        for (int i = 0; i < n; i++)
            shown[count++] = i;
        return count;
    }
    for (int i = 0; i < s->recent.count; i++)
        shown[count++] = s->recent.speakers[i];
    /* Fewer have spoken than there are places: the earliest-added speakers fill them. At
     * most TK_SCENE_MAX_SHOWN are skipped, so this loop is short. */
    for (int sp = 0; sp < n && count < TK_SCENE_MAX_SHOWN; sp++) {
        int taken = 0;
        for (int i = 0; i < s->recent.count; i++)
            taken |= s->recent.speakers[i] == sp;
        if (!taken)
            shown[count++] = sp;
    }
    for (int i = 1; i < count; i++)
        for (int k = i; k > 0 && shown[k - 1] > shown[k]; k--) {
            int tmp = shown[k];
            shown[k] = shown[k - 1];
            shown[k - 1] = tmp;
        }
    return count;
}

static void fill_speakers(const TkScene *s, int64_t t_ms, TkSceneSnapshot *out)
{
    int shown[TK_SCENE_MAX_SHOWN];
    out->n_speakers = choose_speakers(s, shown);
    for (int i = 0; i < out->n_speakers; i++) {
        TkSceneSpeaker *v = &out->speakers[i];
        v->index = shown[i];
        const char *name = s->speakers.names[shown[i]];
        size_t bytes = strlen(name);
        memcpy(v->name, name, bytes + 1);
        /* Their turn being spoken: the latest started (of equal starts, the last added). */
        const TkSceneActive *found = NULL;
        for (int k = 0; k < s->n_active; k++) {
            const TkSceneActive *a = &s->active[k];
            if (a->speaker == shown[i] &&
                (!found || a->start_ms > found->start_ms ||
                 (a->start_ms == found->start_ms && a->seq > found->seq)))
                found = a;
        }
        v->speaking = found != NULL;
        v->mouth = 0;
        if (found) {
            int voice = s->mouth_fn ? s->mouth_fn(s->mouth_opaque, (int64_t)found->seq, t_ms)
                                    : TALKIE_ERR(EAGAIN);
            v->mouth = voice >= 0 ? voice : mouth_at(t_ms - found->start_ms);
        }
    }
}

static void fill_subtitle(const TkScene *s, int64_t t_ms, TkSceneSnapshot *out)
{
    if (s->passed == 0)
        return;
    const TkSceneTurn *t = &s->turns[s->head + s->passed - 1];
    int64_t elapsed = t_ms - t->start_ms;
    /* a cut line goes at once: someone else has the floor */
    if (elapsed >= t->duration_ms + TK_SCENE_HOLD_MS || t_ms >= t->cut_ms)
        return;
    out->has_subtitle = 1;
    out->subtitle_speaker = t->speaker;
    out->subtitle_codepoints = t->text_codepoints;
    out->subtitle_bytes = t->text_bytes;
    memcpy(out->subtitle_text, t->text, (size_t)t->text_bytes + 1);
    if (elapsed >= t->duration_ms) {
        out->subtitle_revealed = t->text_codepoints;
    } else {
        /* The first character shows at the start; the last one shortly before the end. */
        int64_t n = (int64_t)t->text_codepoints * elapsed / t->duration_ms + 1;
        out->subtitle_revealed = (int)(n < t->text_codepoints ? n : t->text_codepoints);
    }
}

int tk_scene_snapshot(const TkScene *scene, int64_t t_ms, TkSceneSnapshot *out)
{
    out->t_ms = t_ms;
    out->n_speakers = 0;
    out->has_subtitle = 0;
    out->subtitle_speaker = -1;
    out->subtitle_revealed = out->subtitle_codepoints = out->subtitle_bytes = 0;
    out->subtitle_text[0] = 0;
    if (!scene)
        return 0;
    /* Only the cursor and the dropping of old turns change: bookkeeping (see scene.h). */
    TkScene *s = (TkScene *)scene;
    pthread_mutex_lock(&s->lock);
    int res = 0;
    if (s->stale || t_ms < s->cursor_ms)
        res = rewind_cursor(s, t_ms);
    if (res >= 0)
        res = advance_cursor(s, t_ms);
    if (res >= 0) {
        fill_speakers(s, t_ms, out);
        fill_subtitle(s, t_ms, out);
        if (t_ms >= s->latest_ms) {
            s->latest_ms = t_ms;
            if (t_ms >= INT64_MIN + TK_SCENE_KEEP_MS)
                drop_old_turns(s, t_ms - TK_SCENE_KEEP_MS);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return res;
}
