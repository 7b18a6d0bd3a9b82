/*
 * The names of a scene's speakers, numbered in order of first appearance, found by name in
 * O(1) (a hash table), so that adding a turn costs the same with three speakers or 10,000.
 * Names are never removed: a speaker's number, and so its colour, stays for the scene's
 * life. Not thread-safe on its own: the scene's lock guards it.
 */
#ifndef TALKIE_SCENE_SPEAKERS_H
#define TALKIE_SCENE_SPEAKERS_H

#include <stddef.h>

typedef struct TkSpeakers {
    char **names;            /* NUL-terminated copies, by number */
    int count, cap;
    int *slots;              /* open addressing: a speaker number, or -1 for an empty slot */
    size_t n_slots;          /* a power of two, kept at least twice `count` */
} TkSpeakers;

/* The number of `name` (`bytes` long), adding it when new; TALKIE_ERR(ENOMEM) on failure. */
int tk_speakers_intern(TkSpeakers *sp, const char *name, size_t bytes);
/* The number of `name`, or -1 when it is not in the table. */
int tk_speakers_find(const TkSpeakers *sp, const char *name, size_t bytes);
/* Frees everything; the table is then empty and may be used again. */
void tk_speakers_free(TkSpeakers *sp);

#endif
