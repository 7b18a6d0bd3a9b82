/*
 * What the fuzz targets share: the libFuzzer entry point they define, a check that turns a
 * broken property into a crash the fuzzer records, and a reader that turns the fuzzer's bytes
 * into parameters.
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with -Dfuzz=true it links with libFuzzer
 * (-fsanitize=fuzzer); otherwise replay.c supplies main() and runs saved inputs through it, so
 * the corpus and regression inputs are ordinary tests of every build.
 *
 * A target must be deterministic for a given input and free everything it allocates: the
 * fuzzer's leak check runs after each input.
 */
#ifndef TALKIE_TESTS_FUZZ_FUZZ_H
#define TALKIE_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for every input. abort() is how a fuzz target reports: libFuzzer
 * saves the input as a crash artifact, and the replay program fails. */
#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Reads parameters from the fuzzer's bytes; past the end every read gives 0, so any input,
 * even an empty one, gives a complete set of parameters. */
typedef struct FuzzBytes {
    const uint8_t *data;
    size_t size, pos;
} FuzzBytes;

static inline uint32_t fuzz_u8(FuzzBytes *b)
{
    return b->pos < b->size ? b->data[b->pos++] : 0;
}

static inline uint32_t fuzz_u16(FuzzBytes *b)
{
    uint32_t hi = fuzz_u8(b);
    return hi << 8 | fuzz_u8(b);
}

static inline uint32_t fuzz_u32(FuzzBytes *b)
{
    uint32_t hi = fuzz_u16(b);
    return hi << 16 | fuzz_u16(b);
}

/* A value in lo..hi (inclusive), from as many bytes as the range needs. */
static inline int64_t fuzz_range(FuzzBytes *b, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    uint64_t v = span <= 0x100 ? fuzz_u8(b) : span <= 0x10000 ? fuzz_u16(b) : fuzz_u32(b);
    return lo + (int64_t)(v % span);
}

#endif
