/*
 * Scene: validation, start/duration resolution, who speaks when, subtitle reveal, which
 * speakers are shown, dropping old turns. The snapshot is checked against a model: the
 * scene's rules written the obvious way (every answer a scan over all turns, as talkie did
 * before snapshots), on random conversations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "scene/scene.h"
#include "text/utf8.h"

static int add(TkScene *s, const char *speaker, const char *text, int64_t start, int64_t dur)
{
    TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = start, .duration_ms = dur };
    return tk_scene_add_turn(s, &t);
}

static TkSceneTurnInfo add_info(TkScene *s, const char *speaker, const char *text,
                                int64_t start, int64_t dur)
{
    TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = start, .duration_ms = dur };
    TkSceneTurnInfo info = { .start_ms = -2 };
    CHECK_EQ(tk_scene_add_turn_info(s, &t, &info), 0);
    return info;
}

/* The snapshot is large (a whole line of text): one, not on the stack. */
static TkSceneSnapshot snap;

static const TkSceneSnapshot *at(const TkScene *s, int64_t t_ms)
{
    CHECK_EQ(tk_scene_snapshot(s, t_ms, &snap), 0);
    return &snap;
}

/* The shown speaker with this index, or NULL. */
static const TkSceneSpeaker *shown(const TkSceneSnapshot *sn, int index)
{
    for (int i = 0; i < sn->n_speakers; i++)
        if (sn->speakers[i].index == index)
            return &sn->speakers[i];
    return NULL;
}

static int mouth(const TkScene *s, int speaker, int64_t t_ms)
{
    const TkSceneSpeaker *v = shown(at(s, t_ms), speaker);
    CHECK(v != NULL);
    return v ? v->mouth : -1;
}

static int speaking(const TkScene *s, int speaker, int64_t t_ms)
{
    const TkSceneSpeaker *v = shown(at(s, t_ms), speaker);
    CHECK(v != NULL);
    return v ? v->speaking : -1;
}

/* The subtitle's speaker at t, or -1; *revealed its visible codepoints. */
static int subtitle(const TkScene *s, int64_t t_ms, int *revealed)
{
    const TkSceneSnapshot *sn = at(s, t_ms);
    *revealed = sn->subtitle_revealed;
    return sn->has_subtitle ? sn->subtitle_speaker : -1;
}

static void quiet(void *opaque, TalkieLogLevel level, const char *msg)
{
    (void)level;
    (void)msg;
    (*(int *)opaque)++;
}

static void test_validation(void)
{
    int logged = 0;
    TkLog log = { .callback = quiet, .opaque = &logged, .max_level = TALKIE_LOG_WARNING };
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, &log), 0);
    CHECK_EQ(add(s, "Ada", "", 0, 100), TALKIE_ERR(EINVAL));             /* empty text */
    CHECK_EQ(add(s, "", "Hi", 0, 100), TALKIE_ERR(EINVAL));              /* empty speaker */
    CHECK_EQ(add(s, NULL, "Hi", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", NULL, 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "bad \xff byte", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "overlong \xc0\xaf", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "surrogate \xed\xa0\x80", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "truncated \xe4\xbd", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "too big \xf4\x90\x80\x80", 0, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "\xe4\xbd", "Hi", 0, 100), TALKIE_ERR(EINVAL));       /* bad speaker */
    char long_name[66];
    memset(long_name, 'a', 65);
    long_name[65] = 0;
    CHECK_EQ(add(s, long_name, "Hi", 0, 100), TALKIE_ERR(EINVAL));
    long_name[64] = 0;
    CHECK_EQ(add(s, long_name, "Hi", 0, 100), 0);                         /* 64 bytes: fine */
    static char long_text[4098];
    memset(long_text, 'x', 4097);
    CHECK_EQ(add(s, "Ada", long_text, 0, 100), TALKIE_ERR(EINVAL));
    long_text[4096] = 0;
    CHECK_EQ(add(s, "Ada", long_text, 0, 100), 0);
    CHECK_EQ(add(s, "Ada", "Hi", -2, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "Hi", 0, 0), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "Hi", 0, -5), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "Hi", TK_SCENE_MAX_START_MS + 1, 100), TALKIE_ERR(EINVAL));
    CHECK_EQ(add(s, "Ada", "Hi", 0, TK_SCENE_MAX_DURATION_MS + 1), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_scene_kept_turn_count(s), 2);   /* only the two valid turns were kept */
    CHECK_EQ(tk_scene_speaker_count(s), 2);
    CHECK_EQ(logged, 17);                       /* every rejection says why */
    /* The longest line and name come back whole in a snapshot (at 50: both turns started
     * at 0, the one added last is the subtitle). */
    const TkSceneSnapshot *sn = at(s, 50);
    CHECK_EQ(sn->subtitle_bytes, 4096);
    CHECK_EQ(strlen(sn->subtitle_text), 4096);
    CHECK_EQ(sn->n_speakers, 2);
    CHECK(!strcmp(sn->speakers[0].name, long_name));
    tk_scene_destroy(&s);
    CHECK(s == NULL);
    tk_scene_destroy(&s);                       /* NULL-safe */
}

static void test_utf8(void)
{
    CHECK_EQ(tk_utf8_count("a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80", 10), 4);
    int pos = 1;
    CHECK_EQ(tk_utf8_next("a\xc3\xa9", &pos), 0xe9);
    CHECK_EQ(pos, 3);
    pos = 0;
    CHECK_EQ(tk_utf8_next("\xf0\x9f\x98\x80", &pos), 0x1f600);
    CHECK_EQ(tk_utf8_count("\xe0\x80\x80", 3), -1); /* overlong 3-byte */
    CHECK_EQ(tk_utf8_count("\x80", 1), -1);         /* lone continuation */
}

static void test_timing(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    CHECK_EQ(tk_scene_end_ms(s), 0);
    /* First turn with start -1 starts at 0; "Hi" is short: the minimum duration. */
    TkSceneTurnInfo t = add_info(s, "Ada", "Hi", -1, -1);
    CHECK_EQ(t.start_ms, 0);
    CHECK_EQ(t.duration_ms, TK_SCENE_MIN_DURATION_MS);
    /* 140 characters at 14 per second: 10 s. */
    char text[141];
    memset(text, 'a', 140);
    text[140] = 0;
    t = add_info(s, "Bob", text, -1, -1);
    CHECK_EQ(t.start_ms, TK_SCENE_MIN_DURATION_MS + TK_SCENE_GAP_MS);
    CHECK_EQ(t.duration_ms, 140 * 1000 / TK_SCENE_CHARS_PER_SECOND);
    CHECK_EQ(tk_scene_end_ms(s), t.start_ms + t.duration_ms);
    /* Codepoints count, not bytes: 20 CJK characters (60 bytes). */
    char cjk[61];
    for (int i = 0; i < 20; i++)
        memcpy(cjk + 3 * i, "\xe4\xbd\xa0", 3);
    cjk[60] = 0;
    t = add_info(s, "Ada", cjk, 100000, -1);
    CHECK_EQ(t.start_ms, 100000);
    CHECK_EQ(t.text_codepoints, 20);
    CHECK_EQ(t.duration_ms, 20 * 1000 / TK_SCENE_CHARS_PER_SECOND);
    CHECK_EQ(t.speaker_index, 0);           /* Ada again: the same speaker */
    CHECK_EQ(tk_scene_speaker_count(s), 2);
    /* An explicit earlier turn does not move the end back. */
    int64_t end = tk_scene_end_ms(s);
    CHECK_EQ(add(s, "Cy", "Earlier", 50, 100), 0);
    CHECK_EQ(tk_scene_end_ms(s), end);
    t = add_info(s, "Cy", "After", -1, 500);
    CHECK_EQ(t.start_ms, end + TK_SCENE_GAP_MS);
    CHECK_EQ(t.speaker_index, 2);
    CHECK(!strcmp(at(s, 0)->speakers[2].name, "Cy"));
    tk_scene_destroy(&s);
}

static void test_on_screen(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    int revealed;
    CHECK_EQ(subtitle(s, 0, &revealed), -1);
    CHECK_EQ(at(s, 0)->n_speakers, 0);
    CHECK_EQ(add(s, "Ada", "Hello world", 1000, 1100), 0); /* 11 codepoints */
    CHECK_EQ(add(s, "Bob", "Yes", 5000, 1000), 0);
    CHECK_EQ(subtitle(s, 999, &revealed), -1);
    CHECK_EQ(subtitle(s, 1000, &revealed), 0);
    CHECK_EQ(revealed, 1);
    CHECK(!strcmp(snap.subtitle_text, "Hello world"));
    CHECK_EQ(snap.subtitle_codepoints, 11);
    int prev = 0, grew = 1;
    for (int64_t t = 1000; t < 2100; t += 50) {
        subtitle(s, t, &revealed);
        grew &= revealed >= prev && revealed <= 11;
        prev = revealed;
    }
    CHECK(grew);
    CHECK_EQ(subtitle(s, 2100, &revealed), 0);
    CHECK_EQ(revealed, 11);
    CHECK_EQ(subtitle(s, 2100 + TK_SCENE_HOLD_MS - 1, &revealed), 0);
    CHECK_EQ(subtitle(s, 2100 + TK_SCENE_HOLD_MS, &revealed), -1);
    CHECK_EQ(subtitle(s, 5000, &revealed), 1);
    CHECK(!strcmp(snap.subtitle_text, "Yes"));

    CHECK_EQ(mouth(s, 0, 999), 0);
    CHECK_EQ(mouth(s, 1, 1500), 0);         /* Bob is silent while Ada speaks */
    CHECK(speaking(s, 0, 1500));
    CHECK(!speaking(s, 1, 1500));
    CHECK(!speaking(s, 0, 2100));
    int distinct = 0, last = -1, in_range = 1;
    for (int64_t t = 1000; t < 2100; t += 35) {
        int m = mouth(s, 0, t);
        in_range &= m >= 1 && m <= TK_SCENE_MOUTH_MAX;
        distinct += m != last;
        last = m;
    }
    CHECK(in_range);
    CHECK_CMP(distinct, >=, 4);             /* the mouth moves */
    CHECK_EQ(mouth(s, 0, 2100), 0);         /* and rests when the line ends */
    tk_scene_destroy(&s);
}

/* ---- The model: every rule as a scan over all turns, in the order they were added. ---- */

#define MODEL_MAX_TURNS 4096
#define MODEL_MAX_SPEAKERS 64

typedef struct Model {
    int n_turns, n_speakers;
    int64_t start[MODEL_MAX_TURNS], duration[MODEL_MAX_TURNS];
    int speaker[MODEL_MAX_TURNS];
    char text[MODEL_MAX_TURNS][24];
    int number_of_name[MODEL_MAX_SPEAKERS]; /* name "S<k>" -> speaker number, or -1 */
} Model;

static void model_init(Model *m)
{
    memset(m, 0, sizeof(*m));
    for (int k = 0; k < MODEL_MAX_SPEAKERS; k++)
        m->number_of_name[k] = -1;
}

/* The turn of `speaker` spoken at t (the latest started, the last added of equal starts). */
static int model_speaking_turn(const Model *m, int speaker, int64_t t)
{
    int found = -1;
    for (int i = 0; i < m->n_turns; i++)
        if (m->speaker[i] == speaker && m->start[i] <= t && t < m->start[i] + m->duration[i] &&
            (found < 0 || m->start[i] >= m->start[found]))
            found = i;
    return found;
}

static int model_mouth(const Model *m, int speaker, int64_t t)
{
    static const unsigned char pattern[] = { 2, 4, 3, 1, 3, 4, 2, 1, 4, 2 };
    int i = model_speaking_turn(m, speaker, t);
    return i < 0 ? 0 : pattern[((t - m->start[i]) / 70) % 10];
}

static int model_subtitle(const Model *m, int64_t t, int *revealed)
{
    int best = -1;
    *revealed = 0;
    for (int i = 0; i < m->n_turns; i++)
        if (m->start[i] <= t && (best < 0 || m->start[i] >= m->start[best]))
            best = i;
    if (best < 0 || t - m->start[best] >= m->duration[best] + TK_SCENE_HOLD_MS)
        return -1;
    int cps = (int)strlen(m->text[best]);
    int64_t elapsed = t - m->start[best];
    int64_t n = elapsed >= m->duration[best] ? cps : cps * elapsed / m->duration[best] + 1;
    *revealed = (int)(n < cps ? n : cps);
    return best;
}

/* All speakers up to TK_SCENE_MAX_SHOWN; else the most recent to start by t (unstarted
 * ones after every started one, earliest-added first), back in order of appearance. */
static int model_shown(const Model *m, int64_t t, int *out)
{
    int64_t last[MODEL_MAX_SPEAKERS];
    for (int s = 0; s < m->n_speakers; s++) {
        last[s] = -1;
        for (int i = 0; i < m->n_turns; i++)
            if (m->speaker[i] == s && m->start[i] <= t && m->start[i] > last[s])
                last[s] = m->start[i];
    }
    int order[MODEL_MAX_SPEAKERS];
    for (int s = 0; s < m->n_speakers; s++) /* by recency, stable: ties keep index order */
        order[s] = s;
    for (int i = 1; i < m->n_speakers; i++)
        for (int k = i; k > 0 && last[order[k - 1]] < last[order[k]]; k--) {
            int tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    int n = m->n_speakers < TK_SCENE_MAX_SHOWN ? m->n_speakers : TK_SCENE_MAX_SHOWN;
    int taken[MODEL_MAX_SPEAKERS] = { 0 };
    for (int i = 0; i < n; i++)
        taken[order[i]] = 1;
    int count = 0;
    for (int s = 0; s < m->n_speakers; s++)
        if (taken[s])
            out[count++] = s;
    return count;
}

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) % n;
}

static int model_has_start(const Model *m, int64_t start)
{
    for (int i = 0; i < m->n_turns; i++)
        if (m->start[i] == start)
            return 1;
    return 0;
}

/* Adds a random turn to both. Starts are kept distinct when ties could decide who is shown
 * (more speakers than places): there the scene ranks by order of adding, the model by
 * speaker number, and both are fine. Returns the turn's resolved start. */
static int64_t add_random(TkScene *s, Model *m, int n_speakers, int64_t around_ms,
                          int64_t spread_ms, int may_start_after_end)
{
    char name[16];
    int sp = (int)rnd((uint32_t)n_speakers);
    snprintf(name, sizeof(name), "S%d", sp);
    int64_t start, duration = 1 + rnd(4000);
    int64_t end = 0;
    for (int i = 0; i < m->n_turns; i++)
        end = m->start[i] + m->duration[i] > end ? m->start[i] + m->duration[i] : end;
    int auto_start;
    do {
        auto_start = may_start_after_end && rnd(3) == 0;
        start = auto_start ? (m->n_turns ? end + TK_SCENE_GAP_MS : 0)
                           : around_ms + (int64_t)rnd((uint32_t)spread_ms);
    } while (n_speakers > TK_SCENE_MAX_SHOWN && model_has_start(m, start));
    int i = m->n_turns++;
    snprintf(m->text[i], sizeof(m->text[i]), "t%d %s", i, rnd(2) ? "and more words" : "");
    m->start[i] = start;
    m->duration[i] = duration;
    /* speakers are numbered by first appearance */
    if (m->number_of_name[sp] < 0)
        m->number_of_name[sp] = m->n_speakers++;
    m->speaker[i] = m->number_of_name[sp];
    TkSceneTurnInfo info;
    TalkieTurn t = { .speaker = name, .text = m->text[i],
                     .start_ms = auto_start ? -1 : start, .duration_ms = duration };
    CHECK_EQ(tk_scene_add_turn_info(s, &t, &info), 0);
    CHECK_EQ(info.start_ms, start);
    CHECK_EQ(info.speaker_index, m->speaker[i]);
    return start;
}

/* Compares one snapshot with the model; returns 1 when they agree. */
static int agrees(const TkScene *s, const Model *m, int64_t t)
{
    const TkSceneSnapshot *sn = at(s, t);
    int ok = 1, revealed, shown_ids[TK_SCENE_MAX_SHOWN];
    int turn = model_subtitle(m, t, &revealed);
    ok &= sn->has_subtitle == (turn >= 0);
    if (turn >= 0 && sn->has_subtitle)
        ok &= !strcmp(sn->subtitle_text, m->text[turn]) && sn->subtitle_revealed == revealed &&
              sn->subtitle_speaker == m->speaker[turn];
    int n = model_shown(m, t, shown_ids);
    ok &= sn->n_speakers == n;
    for (int i = 0; ok && i < n; i++) {
        const TkSceneSpeaker *v = &sn->speakers[i];
        char name[16];
        int sp = shown_ids[i];
        for (int k = 0; k < MODEL_MAX_SPEAKERS; k++)
            if (m->number_of_name[k] == sp)
                snprintf(name, sizeof(name), "S%d", k);
        ok &= v->index == sp && !strcmp(v->name, name) &&
              v->speaking == (model_speaking_turn(m, sp, t) >= 0) &&
              v->mouth == model_mouth(m, sp, t);
    }
    if (!ok)
        fprintf(stderr, "snapshot at %lld differs from the model\n", (long long)t);
    return ok;
}

/* Random conversations, snapshots at random times, forwards and backwards, with turns added
 * between them (also behind the cursor): the snapshot says what the model says. */
static void test_model_random(void)
{
    static Model m;
    for (uint32_t seed = 1; seed <= 300; seed++) {
        rng_state = seed;
        model_init(&m);
        TkScene *s;
        CHECK_EQ(tk_scene_create(&s, NULL), 0);
        int n_speakers = 1 + (int)rnd(seed % 2 ? 6 : 14);
        int n_turns = 1 + (int)rnd(40), ok = 1;
        int64_t t = 0;
        for (int i = 0; i < n_turns && ok; i++) {
            add_random(s, &m, n_speakers, 0, 30000, 1);
            for (int k = 0; k < 8 && ok; k++) {
                /* mostly forwards, as frames go; sometimes anywhere */
                t = rnd(5) ? t + rnd(700) : (int64_t)rnd(40000);
                ok &= agrees(s, &m, t);
            }
        }
        for (int64_t u = 0; u < 40000 && ok; u += 99)
            ok &= agrees(s, &m, u);
        if (!ok) {
            fprintf(stderr, "random conversation: seed %u\n", seed);
            tk_check_failures++;
        }
        tk_scene_destroy(&s);
    }
}

/* Turns that start together: the last added is the subtitle and moves the mouth. */
static void test_ties(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    CHECK_EQ(add(s, "Ada", "first", 1000, 2000), 0);
    CHECK_EQ(add(s, "Ada", "second", 1000, 1000), 0);
    CHECK_EQ(add(s, "Bob", "third", 1000, 500), 0);
    const TkSceneSnapshot *sn = at(s, 1200);
    CHECK(!strcmp(sn->subtitle_text, "third"));
    CHECK_EQ(sn->subtitle_speaker, 1);
    CHECK(sn->speakers[0].speaking && sn->speakers[1].speaking);
    sn = at(s, 1600); /* Bob's line ended; it stays the subtitle (held), Ada still speaks */
    CHECK(!strcmp(sn->subtitle_text, "third"));
    CHECK(sn->speakers[0].speaking && !sn->speakers[1].speaking);
    /* Ada's mouth follows "second" until it ends, then "first": both started at 1000, so
     * the same pattern; what matters is that she keeps speaking until 3000. */
    CHECK(at(s, 2500)->speakers[0].speaking);
    CHECK(!at(s, 3000)->speakers[0].speaking);
    tk_scene_destroy(&s);
}

/* More speakers than places: the most recent to speak by t are shown, in order of first
 * appearance; before enough have spoken, the earliest-added fill the places. */
static void test_shown_speakers(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    char name[16];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "P%d", i);
        CHECK_EQ(add(s, name, "My turn.", 1000 * (int64_t)(i + 1), 700), 0);
    }
    const TkSceneSnapshot *sn = at(s, 0); /* nobody has spoken: the first eight */
    CHECK_EQ(sn->n_speakers, TK_SCENE_MAX_SHOWN);
    for (int i = 0; i < sn->n_speakers; i++)
        CHECK_EQ(sn->speakers[i].index, i);
    sn = at(s, 12500);                    /* P4..P11 spoke last */
    for (int i = 0; i < sn->n_speakers; i++)
        CHECK_EQ(sn->speakers[i].index, i + 4);
    CHECK(sn->speakers[7].speaking);      /* P11 is speaking now */
    CHECK(!strcmp(sn->speakers[7].name, "P11"));
    sn = at(s, 2500);                     /* back in time: P0, P1 spoke, then P2..P7 */
    for (int i = 0; i < sn->n_speakers; i++)
        CHECK_EQ(sn->speakers[i].index, i);
    /* P0 speaks again: P0 and P5..P11 */
    CHECK_EQ(add(s, "P0", "Me again.", 13000, 700), 0);
    sn = at(s, 13100);
    CHECK_EQ(sn->speakers[0].index, 0);
    CHECK(sn->speakers[0].speaking);
    CHECK_EQ(sn->speakers[1].index, 5);
    CHECK_EQ(sn->speakers[7].index, 11);
    tk_scene_destroy(&s);
}

/* A turn added at or before the last snapshot's time counts from the next snapshot on. */
static void test_turn_behind_cursor(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    CHECK_EQ(add(s, "Ada", "Hello", 0, 5000), 0);
    CHECK(!strcmp(at(s, 3000)->subtitle_text, "Hello"));
    CHECK_EQ(add(s, "Bob", "Interrupting", 2000, 5000), 0);
    const TkSceneSnapshot *sn = at(s, 3000);
    CHECK(!strcmp(sn->subtitle_text, "Interrupting"));
    CHECK(sn->speakers[1].speaking);
    CHECK_EQ(sn->speakers[1].mouth, model_mouth(&(Model){ .n_turns = 1, .duration = { 5000 },
                                                          .start = { 2000 } }, 0, 3000));
    tk_scene_destroy(&s);
}

/* A long session: turns are said as it goes, frames follow. The turns kept stay few, and
 * every frame in the last TK_SCENE_KEEP_MS still shows what the model (holding every turn)
 * shows, also when looked at backwards. */
static void test_dropping(void)
{
    static Model m;
    rng_state = 7;
    model_init(&m);
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    int max_kept = 0, ok = 1;
    int64_t t = 0;
    for (int i = 0; i < 1000 && ok; i++) {
        /* one new turn around now (not after the end of all: the ten-minute turns would put
         * it minutes ahead), sometimes a long one started a while ago */
        add_random(s, &m, i % 2 ? 3 : 12, t, 3000, 0);
        if (i % 100 == 0) {
            /* (named as the model names its last speaker; a start of its own, no tie) */
            TalkieTurn longer = { "S63", "a long one", t - (t > 30000 ? 30000 : t), 600000 };
            while (model_has_start(&m, longer.start_ms))
                longer.start_ms++;
            CHECK_EQ(tk_scene_add_turn(s, &longer), 0);
            int k = m.n_turns++;
            if (m.number_of_name[MODEL_MAX_SPEAKERS - 1] < 0)
                m.number_of_name[MODEL_MAX_SPEAKERS - 1] = m.n_speakers++;
            m.speaker[k] = m.number_of_name[MODEL_MAX_SPEAKERS - 1];
            m.start[k] = longer.start_ms;
            m.duration[k] = longer.duration_ms;
            snprintf(m.text[k], sizeof(m.text[k]), "a long one");
        }
        for (int f = 0; f < 30 && ok; f++) { /* a second of frames, one in five checked */
            t += 33;
            if (f % 5 == 0)
                ok &= agrees(s, &m, t);
            else
                at(s, t);
        }
        if (i % 50 == 49) /* look back, within the window kept */
            ok &= agrees(s, &m, t - (int64_t)rnd((uint32_t)TK_SCENE_KEEP_MS)) &&
                  agrees(s, &m, t);
        int kept = tk_scene_kept_turn_count(s);
        max_kept = kept > max_kept ? kept : max_kept;
    }
    CHECK(ok);
    /* a turn a second: the last minute's and the next few seconds', not all 1000, even
     * with ten-minute turns running all along */
    CHECK_CMP(max_kept, <, 150);
    CHECK_CMP(m.n_turns, >, 1000);
    tk_scene_destroy(&s);
}

int main(void)
{
    test_validation();
    test_utf8();
    test_timing();
    test_on_screen();
    test_ties();
    test_shown_speakers();
    test_turn_behind_cursor();
    test_model_random();
    test_dropping();
    return tk_check_finish();
}
