/*
 * The conversation state: an append-only list of turns and speakers, and what is on screen
 * at a time t (speaking, mouth openness, subtitle line and how much of it is revealed).
 * Every answer is a pure function of the turns and t, so re-rendering a time gives the same
 * picture and a silent scene gives identical frames.
 */
#include "scene/scene.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "text/utf8.h"

struct TkScene {
    const TkLog *log;
    TkSceneTurn *turns;
    int n_turns, cap_turns;
    char **speakers;
    int n_speakers, cap_speakers;
    int64_t end_ms;            /* latest end of any turn */
};

int tk_scene_create(TkScene **out, const TkLog *log)
{
    *out = NULL;
    TkScene *s = calloc(1, sizeof(*s));
    if (!s)
        return TALKIE_ERR(ENOMEM);
    s->log = log;
    *out = s;
    return 0;
}

void tk_scene_destroy(TkScene **scene)
{
    if (!scene || !*scene)
        return;
    TkScene *s = *scene;
    for (int i = 0; i < s->n_turns; i++)
        free((char *)s->turns[i].text); /* speaker points into the same allocation */
    for (int i = 0; i < s->n_speakers; i++)
        free(s->speakers[i]);
    free(s->turns);
    free(s->speakers);
    free(s);
    *scene = NULL;
}

/* Index of `name` among the speakers, adding it when new; negative on failure. */
static int speaker_index(TkScene *s, const char *name)
{
    for (int i = 0; i < s->n_speakers; i++)
        if (!strcmp(s->speakers[i], name))
            return i;
    int res = tk_array_grow((void **)&s->speakers, &s->cap_speakers, s->n_speakers + 1,
                            sizeof(char *), 16);
    if (res < 0)
        return res;
    char *copy = strdup(name);
    if (!copy)
        return TALKIE_ERR(ENOMEM);
    s->speakers[s->n_speakers] = copy;
    return s->n_speakers++;
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

int tk_scene_add_turn(TkScene *s, const TalkieTurn *turn)
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

    int64_t start = turn->start_ms;
    if (start == -1)
        start = s->n_turns ? s->end_ms + TK_SCENE_GAP_MS : 0;
    int64_t duration = turn->duration_ms;
    if (duration == -1) {
        duration = (int64_t)text_cps * 1000 / TK_SCENE_CHARS_PER_SECOND;
        if (duration < TK_SCENE_MIN_DURATION_MS)
            duration = TK_SCENE_MIN_DURATION_MS;
    }

    res = tk_array_grow((void **)&s->turns, &s->cap_turns, s->n_turns + 1, sizeof(TkSceneTurn),
                        16);
    if (res < 0)
        return res;
    int speaker = speaker_index(s, turn->speaker);
    if (speaker < 0)
        return speaker;
    /* One allocation holds both strings: text, NUL, speaker, NUL. */
    char *copy = malloc(text_bytes + speaker_bytes + 2);
    if (!copy)
        return TALKIE_ERR(ENOMEM);
    memcpy(copy, turn->text, text_bytes + 1);
    memcpy(copy + text_bytes + 1, turn->speaker, speaker_bytes + 1);

    TkSceneTurn *t = &s->turns[s->n_turns++];
    t->text = copy;
    t->speaker = copy + text_bytes + 1;
    t->text_bytes = (int)text_bytes;
    t->text_codepoints = text_cps;
    t->start_ms = start;
    t->duration_ms = duration;
    t->speaker_index = speaker;
    if (start + duration > s->end_ms)
        s->end_ms = start + duration;
    return 0;
}

int64_t tk_scene_end_ms(const TkScene *s)
{
    return s ? s->end_ms : 0;
}

int tk_scene_turn_count(const TkScene *s)
{
    return s ? s->n_turns : 0;
}

const TkSceneTurn *tk_scene_turn(const TkScene *s, int index)
{
    if (!s || index < 0 || index >= s->n_turns)
        return NULL;
    return &s->turns[index];
}

int tk_scene_speaker_count(const TkScene *s)
{
    return s ? s->n_speakers : 0;
}

const char *tk_scene_speaker_name(const TkScene *s, int index)
{
    if (!s || index < 0 || index >= s->n_speakers)
        return NULL;
    return s->speakers[index];
}

/* The turn of `speaker` being spoken at t (the latest started one), or NULL. */
static const TkSceneTurn *speaking_turn(const TkScene *s, int speaker, int64_t t_ms)
{
    const TkSceneTurn *found = NULL;
    for (int i = 0; i < s->n_turns; i++) {
        const TkSceneTurn *t = &s->turns[i];
        if (t->speaker_index == speaker && t->start_ms <= t_ms &&
            t_ms < t->start_ms + t->duration_ms && (!found || t->start_ms >= found->start_ms))
            found = t;
    }
    return found;
}

int tk_scene_is_speaking(const TkScene *s, int speaker, int64_t t_ms)
{
    return s && speaking_turn(s, speaker, t_ms) != NULL;
}

int tk_scene_mouth(const TkScene *s, int speaker, int64_t t_ms)
{
    const TkSceneTurn *t = s ? speaking_turn(s, speaker, t_ms) : NULL;
    if (!t)
        return 0;
    /* A fixed "syllable" pattern stepping every 70 ms: looks like talking, never rests at 0
     * while speaking (so speaking and silence are always told apart), and depends only on
     * the time since the turn started. */
    static const unsigned char pattern[] = { 2, 4, 3, 1, 3, 4, 2, 1, 4, 2 };
    int64_t step = (t_ms - t->start_ms) / 70;
    return pattern[step % (int64_t)sizeof(pattern)];
}

int tk_scene_subtitle(const TkScene *s, int64_t t_ms, int *revealed)
{
    *revealed = 0;
    if (!s)
        return -1;
    int best = -1;
    for (int i = 0; i < s->n_turns; i++) {
        const TkSceneTurn *t = &s->turns[i];
        /* ">=" so that of two turns starting together the one added last wins. */
        if (t->start_ms <= t_ms && (best < 0 || t->start_ms >= s->turns[best].start_ms))
            best = i;
    }
    if (best < 0)
        return -1;
    const TkSceneTurn *t = &s->turns[best];
    int64_t elapsed = t_ms - t->start_ms;
    if (elapsed >= t->duration_ms + TK_SCENE_HOLD_MS)
        return -1;
    if (elapsed >= t->duration_ms) {
        *revealed = t->text_codepoints;
    } else {
        /* The first character shows at the start; the last one shortly before the end. */
        int64_t n = (int64_t)t->text_codepoints * elapsed / t->duration_ms + 1;
        *revealed = (int)(n < t->text_codepoints ? n : t->text_codepoints);
    }
    return best;
}
