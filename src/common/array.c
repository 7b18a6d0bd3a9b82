#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>

#include "talkie/talkie.h"

int tk_array_grow(void **array, int *cap, int need, size_t elem, int first)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap : first;
    while (n < need) {
        if (n > INT32_MAX / 2)
            return TALKIE_ERR(ENOMEM);
        n *= 2;
    }
    void *p = realloc(*array, (size_t)n * elem);
    if (!p)
        return TALKIE_ERR(ENOMEM);
    *array = p;
    *cap = n;
    return 0;
}
