/* Scene: validation, start/duration resolution, who speaks when, subtitle reveal. */
#include <string.h>

#include "../common/check.h"
#include "scene/scene.h"
#include "text/utf8.h"

static int add(TkScene *s, const char *speaker, const char *text, int64_t start, int64_t dur)
{
    TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = start, .duration_ms = dur };
    return tk_scene_add_turn(s, &t);
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
    CHECK_EQ(tk_scene_turn_count(s), 2);   /* only the two valid turns were kept */
    CHECK_EQ(logged, 17);                   /* every rejection says why */
    tk_scene_destroy(&s);
    CHECK(s == NULL);
    tk_scene_destroy(&s);                   /* NULL-safe */
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
    CHECK_EQ(add(s, "Ada", "Hi", -1, -1), 0);
    const TkSceneTurn *t = tk_scene_turn(s, 0);
    CHECK_EQ(t->start_ms, 0);
    CHECK_EQ(t->duration_ms, TK_SCENE_MIN_DURATION_MS);
    /* 140 characters at 14 per second: 10 s. */
    char text[141];
    memset(text, 'a', 140);
    text[140] = 0;
    CHECK_EQ(add(s, "Bob", text, -1, -1), 0);
    t = tk_scene_turn(s, 1);
    CHECK_EQ(t->start_ms, TK_SCENE_MIN_DURATION_MS + TK_SCENE_GAP_MS);
    CHECK_EQ(t->duration_ms, 140 * 1000 / TK_SCENE_CHARS_PER_SECOND);
    CHECK_EQ(tk_scene_end_ms(s), t->start_ms + t->duration_ms);
    /* Codepoints count, not bytes: 20 CJK characters (60 bytes). */
    char cjk[61];
    for (int i = 0; i < 20; i++)
        memcpy(cjk + 3 * i, "\xe4\xbd\xa0", 3);
    cjk[60] = 0;
    CHECK_EQ(add(s, "Ada", cjk, 100000, -1), 0);
    t = tk_scene_turn(s, 2);
    CHECK_EQ(t->start_ms, 100000);
    CHECK_EQ(t->text_codepoints, 20);
    CHECK_EQ(t->duration_ms, 20 * 1000 / TK_SCENE_CHARS_PER_SECOND);
    CHECK_EQ(t->speaker_index, 0);          /* Ada again: the same speaker */
    CHECK_EQ(tk_scene_speaker_count(s), 2);
    /* An explicit earlier turn does not move the end back. */
    int64_t end = tk_scene_end_ms(s);
    CHECK_EQ(add(s, "Cy", "Earlier", 50, 100), 0);
    CHECK_EQ(tk_scene_end_ms(s), end);
    CHECK_EQ(add(s, "Cy", "After", -1, 500), 0);
    CHECK_EQ(tk_scene_turn(s, 4)->start_ms, end + TK_SCENE_GAP_MS);
    CHECK(!strcmp(tk_scene_speaker_name(s, 2), "Cy"));
    tk_scene_destroy(&s);
}

static void test_on_screen(void)
{
    TkScene *s;
    CHECK_EQ(tk_scene_create(&s, NULL), 0);
    int revealed;
    CHECK_EQ(tk_scene_subtitle(s, 0, &revealed), -1);
    CHECK_EQ(add(s, "Ada", "Hello world", 1000, 1100), 0); /* 11 codepoints */
    CHECK_EQ(add(s, "Bob", "Yes", 5000, 1000), 0);
    CHECK_EQ(tk_scene_subtitle(s, 999, &revealed), -1);
    CHECK_EQ(tk_scene_subtitle(s, 1000, &revealed), 0);
    CHECK_EQ(revealed, 1);
    int prev = 0, grew = 1;
    for (int64_t t = 1000; t < 2100; t += 50) {
        tk_scene_subtitle(s, t, &revealed);
        grew &= revealed >= prev && revealed <= 11;
        prev = revealed;
    }
    CHECK(grew);
    CHECK_EQ(tk_scene_subtitle(s, 2100, &revealed), 0);
    CHECK_EQ(revealed, 11);
    CHECK_EQ(tk_scene_subtitle(s, 2100 + TK_SCENE_HOLD_MS - 1, &revealed), 0);
    CHECK_EQ(tk_scene_subtitle(s, 2100 + TK_SCENE_HOLD_MS, &revealed), -1);
    CHECK_EQ(tk_scene_subtitle(s, 5000, &revealed), 1);

    CHECK_EQ(tk_scene_mouth(s, 0, 999), 0);
    CHECK_EQ(tk_scene_mouth(s, 1, 1500), 0);    /* Bob is silent while Ada speaks */
    CHECK(tk_scene_is_speaking(s, 0, 1500));
    CHECK(!tk_scene_is_speaking(s, 0, 2100));
    int distinct = 0, last = -1, in_range = 1;
    for (int64_t t = 1000; t < 2100; t += 35) {
        int m = tk_scene_mouth(s, 0, t);
        in_range &= m >= 1 && m <= TK_SCENE_MOUTH_MAX;
        distinct += m != last;
        last = m;
    }
    CHECK(in_range);
    CHECK_CMP(distinct, >=, 4);                 /* the mouth moves */
    CHECK_EQ(tk_scene_mouth(s, 0, 2100), 0);    /* and rests when the line ends */
    tk_scene_destroy(&s);
}

int main(void)
{
    test_validation();
    test_utf8();
    test_timing();
    test_on_screen();
    return tk_check_finish();
}
