/* Speaker names by number, and numbers by name through a hash table (see speakers.h). */
#include "scene/speakers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "talkie/talkie.h"

/* FNV-1a: short names, no adversary to fear (a slow lookup is the worst a clash costs). */
static uint64_t hash_name(const char *name, size_t bytes)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < bytes; i++) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211u;
    }
    return h;
}

/* The slot holding `name`, or the empty slot where it would go. */
static size_t find_slot(const TkSpeakers *sp, const char *name, size_t bytes)
{
    size_t mask = sp->n_slots - 1, i = (size_t)hash_name(name, bytes) & mask;
    while (sp->slots[i] >= 0) {
        const char *other = sp->names[sp->slots[i]];
        if (!strncmp(other, name, bytes) && other[bytes] == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

/* Doubles the table (or makes the first one) and puts every name back. */
static int rehash(TkSpeakers *sp)
{
    size_t n = sp->n_slots ? sp->n_slots * 2 : 64;
    int *slots = malloc(n * sizeof(int));
    if (!slots)
        return TALKIE_ERR(ENOMEM);
    for (size_t i = 0; i < n; i++)
        slots[i] = -1;
    free(sp->slots);
    sp->slots = slots;
    sp->n_slots = n;
    for (int k = 0; k < sp->count; k++)
        slots[find_slot(sp, sp->names[k], strlen(sp->names[k]))] = k;
    return 0;
}

int tk_speakers_intern(TkSpeakers *sp, const char *name, size_t bytes)
{
    if ((size_t)sp->count * 2 + 2 > sp->n_slots) {
        int res = rehash(sp);
        if (res < 0)
            return res;
    }
    size_t slot = find_slot(sp, name, bytes);
    if (sp->slots[slot] >= 0)
        return sp->slots[slot];
    int res = tk_array_grow((void **)&sp->names, &sp->cap, sp->count + 1, sizeof(char *), 16);
    if (res < 0)
        return res;
    char *copy = malloc(bytes + 1);
    if (!copy)
        return TALKIE_ERR(ENOMEM);
    memcpy(copy, name, bytes);
    copy[bytes] = 0;
    sp->names[sp->count] = copy;
    sp->slots[slot] = sp->count;
    return sp->count++;
}

int tk_speakers_find(const TkSpeakers *sp, const char *name, size_t bytes)
{
    if (sp->n_slots == 0)
        return -1;
    return sp->slots[find_slot(sp, name, bytes)];
}

void tk_speakers_free(TkSpeakers *sp)
{
    for (int i = 0; i < sp->count; i++)
        free(sp->names[i]);
    free(sp->names);
    free(sp->slots);
    memset(sp, 0, sizeof(*sp));
}
