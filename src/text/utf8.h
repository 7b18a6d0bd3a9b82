/* Strict UTF-8 checking and decoding, shared by the scene (validation) and text layout. */
#ifndef TALKIE_TEXT_UTF8_H
#define TALKIE_TEXT_UTF8_H

#include <stdint.h>

/* Validates UTF-8 (no overlongs, surrogates, values above U+10FFFF or truncated sequences).
 * Returns the number of codepoints, or -1 for invalid input. */
int tk_utf8_count(const char *s, int bytes);

/* Decodes the codepoint at s[*pos] and advances *pos; the input must be valid UTF-8. */
uint32_t tk_utf8_next(const char *s, int *pos);

#endif
