#include "check.h"

#include <stdlib.h>

int tk_check_failures;

int tk_check_finish(void)
{
    if (tk_check_failures) {
        fprintf(stderr, "%d check(s) failed\n", tk_check_failures);
        return 1;
    }
    return 0;
}

void tk_check_skip(const char *why)
{
    fprintf(stderr, "SKIP: %s\n", why);
    exit(77);
}

long tk_check_bytes(const char *what, const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            fprintf(stderr, "%s: first difference at byte %zu: %u != %u\n", what, i, a[i], b[i]);
            tk_check_failures++;
            return (long)i;
        }
    }
    return -1;
}
