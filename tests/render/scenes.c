/* The test conversations: empty, one speaker mid-line, three speakers, a long wrapped line,
 * accents, CJK, emoji, and more speakers than there are places. */
#include "scenes.h"

#include <stdio.h>
#include <string.h>

static int add(TkScene *s, const char *speaker, const char *text, int64_t start, int64_t dur)
{
    TalkieTurn t = { .speaker = speaker, .text = text, .start_ms = start, .duration_ms = dur };
    return tk_scene_add_turn(s, &t);
}

int test_scenes_create(TestScene *sc)
{
    memset(sc, 0, sizeof(*sc) * TEST_SCENE_COUNT);
    static const char *const names[TEST_SCENE_COUNT] = {
        "empty", "one speaker mid-line", "three speakers", "long wrapped line",
        "accents", "CJK", "emoji", "ten speakers",
    };
    for (int i = 0; i < TEST_SCENE_COUNT; i++) {
        sc[i].name = names[i];
        if (tk_scene_create(&sc[i].scene, NULL) < 0)
            return -1;
    }
    int res = 0;
    sc[0].t_ms = 500;

    res |= add(sc[1].scene, "Ada", "Hello there, how are you doing today?", 0, 3000);
    sc[1].t_ms = 1500;

    res |= add(sc[2].scene, "Ada", "Shall we begin?", 0, 1500);
    res |= add(sc[2].scene, "Bob", "Yes, let us start with the numbers.", -1, -1);
    res |= add(sc[2].scene, "Charlotte", "I brought the charts.", -1, -1);
    sc[2].t_ms = 2500;

    res |= add(sc[3].scene, "Dmitri",
               "This is a deliberately long turn that goes on and on, so that the subtitle "
               "box has to wrap it over many lines and can only show the last few of them "
               "while the words keep being revealed one character after another, which is "
               "exactly what a long answer in a live conversation looks like on screen. "
               "Supercalifragilisticexpialidociousandevenlongerwordwithoutanyspaces ends it.",
               0, 8000);
    sc[3].t_ms = 7000;

    res |= add(sc[4].scene, "Zoë", "Grüße, café, naïve — Ångström über Straße.", 0, 1000);
    sc[4].t_ms = 1500;

    res |= add(sc[5].scene, "李", "你好世界，今天天气很好。", 0, 2000);
    sc[5].t_ms = 1900;

    res |= add(sc[6].scene, "Emoji", "Party time 😀🎉 with a flag 🇫🇷 and ZWJ 👩‍💻!", 0, 1000);
    sc[6].t_ms = 2000;

    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof(name), "P%d", i);
        res |= add(sc[7].scene, name, "My turn.", -1, 700);
    }
    sc[7].t_ms = tk_scene_end_ms(sc[7].scene) - 300;
    return res < 0 ? -1 : 0;
}

void test_scenes_destroy(TestScene *sc)
{
    for (int i = 0; i < TEST_SCENE_COUNT; i++)
        tk_scene_destroy(&sc[i].scene);
}
