/*
 * A tiny test runner: CHECK* macros print what was expected and what came, with the place,
 * then the test goes on; tk_check_finish() returns the exit code (0, 1, or 77 = skipped).
 *
 *     int main(void) {
 *         CHECK_EQ(1 + 1, 2);
 *         return tk_check_finish();
 *     }
 */
#ifndef TALKIE_TESTS_CHECK_H
#define TALKIE_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>

extern int tk_check_failures;

int tk_check_finish(void);
/* Prints why and exits 77 so meson counts the test as skipped. */
void tk_check_skip(const char *why) __attribute__((noreturn));

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
            tk_check_failures++;                                                         \
        }                                                                                \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                  \
        if (check_a_ != check_b_) {                                                      \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__,  \
                    __LINE__, #a, #b, check_a_, check_b_);                               \
            tk_check_failures++;                                                         \
        }                                                                                \
    } while (0)

#define CHECK_CMP(a, op, b)                                                              \
    do {                                                                                 \
        double check_a_ = (double)(a), check_b_ = (double)(b);                           \
        if (!(check_a_ op check_b_)) {                                                   \
            fprintf(stderr, "%s:%d: CHECK(%s %s %s) failed: %g vs %g\n", __FILE__,       \
                    __LINE__, #a, #op, #b, check_a_, check_b_);                          \
            tk_check_failures++;                                                         \
        }                                                                                \
    } while (0)

/* Returns the number of the first differing byte, or -1 when equal (and reports it). */
long tk_check_bytes(const char *what, const uint8_t *a, const uint8_t *b, size_t n);

#endif
