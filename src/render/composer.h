/*
 * The composer turns "the scene at time t" into a draw list: it owns the font and the glyph
 * atlas, lays out the frame (avatars side by side, names under them, the subtitle box at the
 * bottom) from the frame size, and wraps the current line by shaped advance widths.
 *
 * Layout, all from the visible height H and width W:
 *   font size H/16 (10..128 px), margin H/40; the subtitle box spans the width at the
 *   bottom and holds 2 lines (3 from H >= 300); the last lines of a long turn are shown.
 *   Up to TK_COMPOSER_MAX_SLOTS avatars share the width above it, each with its name below.
 * Everything outside the visible area but inside the aligned one is background.
 */
#ifndef TALKIE_RENDER_COMPOSER_H
#define TALKIE_RENDER_COMPOSER_H

#include <stdint.h>

#include "common/log.h"
#include "render/drawlist.h"
#include "scene/scene.h"
#include "text/atlas.h"

/* One place per speaker the scene shows. */
#define TK_COMPOSER_MAX_SLOTS TK_SCENE_MAX_SHOWN

typedef struct TkRect {
    int x0, y0, x1, y1;      /* [x0, x1) x [y0, y1) */
} TkRect;

/* Where things are in the frame last built (tests use it to look at the right pixels). */
typedef struct TkComposerLayout {
    int font_px, line_height, max_lines;
    TkRect box;              /* subtitle box (rounded corners inside this rectangle) */
    TkRect text;             /* where subtitle glyphs may appear */
    int subtitle_run;        /* the draw list's run of the subtitle glyphs, -1: none shown
                                (render/text_map.h marks the macroblocks under them) */
    int n_slots;             /* avatars drawn */
    int slot_speaker[TK_COMPOSER_MAX_SLOTS];
    TkRect avatar[TK_COMPOSER_MAX_SLOTS];  /* head and speaking ring, at their largest */
    TkRect name[TK_COMPOSER_MAX_SLOTS];    /* name label clip */
    TkRect mouth[TK_COMPOSER_MAX_SLOTS];   /* the mouth at its widest opening */
    uint32_t background, box_colour, text_colour;
} TkComposerLayout;

typedef struct TkComposer TkComposer;

/* Errors: TALKIE_ERROR_FONT, TALKIE_ERR(ENOMEM), TALKIE_ERR(EINVAL) (size). */
int tk_composer_create(TkComposer **out, int width, int height, const char *font_path,
                       const TkLog *log);
void tk_composer_destroy(TkComposer **c);

/* Builds the draw list of `scene` (may be NULL: an empty stage) at t_ms: takes one snapshot
 * of the scene (the only time the scene is asked anything), then tk_composer_draw(). May
 * add glyphs to the atlas (its generation then changes). Safe while other threads add
 * turns to the scene; the composer itself is used by one thread at a time. */
int tk_composer_build(TkComposer *c, const TkScene *scene, int64_t t_ms, TkDrawList *dl);

/* Builds the draw list of what `snap` says is on screen. */
int tk_composer_draw(TkComposer *c, const TkSceneSnapshot *snap, TkDrawList *dl);

const TkAtlas *tk_composer_atlas(const TkComposer *c);
const TkComposerLayout *tk_composer_layout(const TkComposer *c);

#endif
