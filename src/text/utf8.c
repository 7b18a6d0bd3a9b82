/* Strict UTF-8 validation and decoding (RFC 3629). */
#include "text/utf8.h"

/* Length of the sequence a lead byte starts, 0 for a byte that cannot lead. */
static int sequence_length(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0; /* continuation byte, or 0xc0/0xc1 (always overlong), or above U+10FFFF */
}

int tk_utf8_count(const char *s, int bytes)
{
    int count = 0;
    for (int i = 0; i < bytes;) {
        const unsigned char *p = (const unsigned char *)s + i;
        int n = sequence_length(p[0]);
        if (n == 0 || i + n > bytes)
            return -1;
        for (int k = 1; k < n; k++)
            if ((p[k] & 0xc0) != 0x80)
                return -1;
        /* The second byte's range excludes overlongs, surrogates and > U+10FFFF. */
        if (n == 3 && p[0] == 0xe0 && p[1] < 0xa0)
            return -1;
        if (n == 3 && p[0] == 0xed && p[1] >= 0xa0)
            return -1;
        if (n == 4 && p[0] == 0xf0 && p[1] < 0x90)
            return -1;
        if (n == 4 && p[0] == 0xf4 && p[1] >= 0x90)
            return -1;
        i += n;
        count++;
    }
    return count;
}

uint32_t tk_utf8_next(const char *s, int *pos)
{
    const unsigned char *p = (const unsigned char *)s + *pos;
    int n = sequence_length(p[0]);
    uint32_t cp;
    switch (n) {
    case 2: cp = p[0] & 0x1fu; break;
    case 3: cp = p[0] & 0x0fu; break;
    case 4: cp = p[0] & 0x07u; break;
    default: *pos += 1; return p[0];
    }
    for (int k = 1; k < n; k++)
        cp = cp << 6 | (p[k] & 0x3fu);
    *pos += n;
    return cp;
}
