/* Growable arrays: the one place that decides how talkie's dynamic arrays grow. */
#ifndef TALKIE_COMMON_ARRAY_H
#define TALKIE_COMMON_ARRAY_H

#include <stddef.h>

/* Makes *array (of *cap elements of `elem` bytes) hold at least `need` elements, doubling
 * from `first` elements. 0, or TALKIE_ERR(ENOMEM) with *array and *cap unchanged. */
int tk_array_grow(void **array, int *cap, int need, size_t elem, int first);

#endif
