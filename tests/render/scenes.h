/* Test conversations shared by the render tests: each builds a scene and picks a time. */
#ifndef TALKIE_TESTS_RENDER_SCENES_H
#define TALKIE_TESTS_RENDER_SCENES_H

#include <stdint.h>

#include "scene/scene.h"

typedef struct TestScene {
    const char *name;
    TkScene *scene;
    int64_t t_ms;
} TestScene;

enum { TEST_SCENE_COUNT = 8 };

/* Fills scenes[TEST_SCENE_COUNT]; returns 0 or a negative error. */
int test_scenes_create(TestScene *scenes);
void test_scenes_destroy(TestScene *scenes);

#endif
