/*
 * Reads a conversation in JSON Lines with jansson (see conversation.h). Every check names the
 * line, because the person fixing the file needs it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conversation.h"
#include "talkie/talkie.h"

/* Limits of talkie_session_say(), checked here so the message can name the line; the time
 * limits are the library's own (TALKIE_TURN_MAX_START_MS, TALKIE_TURN_MAX_DURATION_MS). */
enum { MAX_SPEAKER_BYTES = 64, MAX_TEXT_BYTES = 4096, MAX_AUDIO_PATH_BYTES = 4096 };

/* A UTF-8 byte-order mark, which RFC 8259 lets a parser ignore at the start of the text. */
static const char UTF8_BOM[3] = { '\xef', '\xbb', '\xbf' };

typedef struct LineReader {
    FILE *f;
    char *buf;
    size_t cap;
} LineReader;

static void fail(char *err, size_t err_size, const char *name, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void fail(char *err, size_t err_size, const char *name, long line, const char *fmt, ...)
{
    int n = snprintf(err, err_size, "%s:%ld: ", name, line);
    if (n < 0 || (size_t)n >= err_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
    va_end(ap);
}

/*
 * Reads one line (without its '\n') into r->buf, growing it up to CLI_MAX_LINE_BYTES.
 * Returns its length, -1 at end of input, -2 when the line is too long, -3 on a read error or
 * when memory runs out. A line longer than the limit is not read further.
 */
static long read_line(LineReader *r)
{
    size_t n = 0;
    int c;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (n >= CLI_MAX_LINE_BYTES)
            return -2;
        if (n + 1 >= r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 256;
            if (cap > CLI_MAX_LINE_BYTES + 1)
                cap = CLI_MAX_LINE_BYTES + 1;
            char *b = realloc(r->buf, cap);
            if (!b)
                return -3;
            r->buf = b;
            r->cap = cap;
        }
        r->buf[n++] = (char)c;
    }
    if (ferror(r->f))
        return -3;
    if (c == EOF && n == 0)
        return -1;
    if (n > 0 && r->buf[n - 1] == '\r') /* CRLF files */
        n--;
    if (r->buf)
        r->buf[n] = '\0';
    return (long)n;
}

int cli_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Reads a required, non-empty string field of at most max_bytes. */
static int get_string(json_t *obj, const char *key, size_t max_bytes, char **out, char *err,
                      size_t err_size, const char *name, long line)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        fail(err, err_size, name, line, "missing \"%s\"", key);
        return -1;
    }
    if (!json_is_string(v)) {
        fail(err, err_size, name, line, "\"%s\" must be a string", key);
        return -1;
    }
    size_t len = json_string_length(v);
    if (len == 0 || is_blank(json_string_value(v), len)) {
        fail(err, err_size, name, line, "\"%s\" is empty", key);
        return -1;
    }
    if (len > max_bytes) {
        fail(err, err_size, name, line, "\"%s\" is longer than %zu bytes", key, max_bytes);
        return -1;
    }
    *out = strdup(json_string_value(v));
    if (!*out) {
        fail(err, err_size, name, line, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads an optional time in seconds, at most max_ms once rounded to milliseconds; *ms stays
 * -1 when the field is absent. */
static int get_seconds(json_t *obj, const char *key, int positive, int64_t max_ms, int64_t *ms,
                       char *err, size_t err_size, const char *name, long line)
{
    *ms = -1;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_number(v)) {
        fail(err, err_size, name, line, "\"%s\" must be a number (seconds)", key);
        return -1;
    }
    double s = json_number_value(v);
    /* compared in double first: llround() of a huge value is undefined */
    if (!isfinite(s) || s < 0 || (positive && s <= 0) || s * 1000.0 > (double)max_ms + 0.5 ||
        llround(s * 1000.0) > max_ms) {
        fail(err, err_size, name, line, "\"%s\" is out of range (%s0 .. %" PRId64 " seconds)",
             key, positive ? "more than " : "", max_ms / 1000);
        return -1;
    }
    *ms = (int64_t)llround(s * 1000.0);
    if (positive && *ms == 0)
        *ms = 1;
    return 0;
}

static int add_turn(CliConversation *c, const CliTurn *t)
{
    if (c->n == c->capacity) {
        size_t cap = c->capacity ? c->capacity * 2 : 16;
        CliTurn *turns = realloc(c->turns, cap * sizeof(*turns));
        if (!turns)
            return -1;
        c->turns = turns;
        c->capacity = cap;
    }
    c->turns[c->n++] = *t;
    return 0;
}

static int parse_line(CliConversation *c, const char *buf, size_t len, const char *name,
                      long line, char *err, size_t err_size)
{
    if (memchr(buf, '\0', len)) {
        fail(err, err_size, name, line, "contains a NUL byte");
        return -1;
    }
    if (!cli_utf8_valid((const unsigned char *)buf, len)) {
        fail(err, err_size, name, line, "invalid UTF-8");
        return -1;
    }
    json_error_t jerr;
    json_t *obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        fail(err, err_size, name, line, "malformed JSON at column %d: %s", jerr.column,
             jerr.text);
        return -1;
    }
    int res = -1;
    CliTurn t = { .line = line };
    if (!json_is_object(obj)) {
        fail(err, err_size, name, line, "expected a JSON object {\"speaker\": ..., \"text\": ...}");
        goto done;
    }
    if (get_string(obj, "speaker", MAX_SPEAKER_BYTES, &t.speaker, err, err_size, name, line) < 0 ||
        get_string(obj, "text", MAX_TEXT_BYTES, &t.text, err, err_size, name, line) < 0 ||
        get_seconds(obj, "start", 0, TALKIE_TURN_MAX_START_MS, &t.start_ms, err, err_size, name,
                    line) < 0 ||
        get_seconds(obj, "duration", 1, TALKIE_TURN_MAX_DURATION_MS, &t.duration_ms, err,
                    err_size, name, line) < 0 ||
        (json_object_get(obj, "audio") &&
         get_string(obj, "audio", MAX_AUDIO_PATH_BYTES, &t.audio, err, err_size, name, line) < 0))
        goto done;
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        if (strcmp(key, "speaker") && strcmp(key, "text") && strcmp(key, "start") &&
            strcmp(key, "duration") && strcmp(key, "audio"))
            fprintf(stderr, "talkie: %s:%ld: warning: unknown field \"%s\" ignored\n", name,
                    line, key);
    }
    if (add_turn(c, &t) < 0) {
        fail(err, err_size, name, line, "out of memory");
        goto done;
    }
    t.speaker = t.text = t.audio = NULL; /* now owned by c */
    res = 0;
done:
    free(t.speaker);
    free(t.text);
    free(t.audio);
    json_decref(obj);
    return res;
}

int cli_conversation_read(CliConversation *c, FILE *f, const char *name, char *err,
                          size_t err_size)
{
    memset(c, 0, sizeof(*c));
    LineReader r = { .f = f };
    long line = 0;
    int res = 0;
    for (;;) {
        long len = read_line(&r);
        line++;
        if (len == -1)
            break;
        if (len == -2) {
            fail(err, err_size, name, line, "line is longer than %d KiB",
                 CLI_MAX_LINE_BYTES / 1024);
            res = -1;
            break;
        }
        if (len < 0) {
            fail(err, err_size, name, line, "cannot read the input");
            res = -1;
            break;
        }
        const char *text = r.buf;
        if (line == 1 && len >= 3 && !memcmp(text, UTF8_BOM, 3)) {
            text += 3; /* only here: a BOM anywhere else is malformed JSON */
            len -= 3;
        }
        if (is_blank(text, (size_t)len))
            continue;
        if (parse_line(c, text, (size_t)len, name, line, err, err_size) < 0) {
            res = -1;
            break;
        }
    }
    free(r.buf);
    if (res == 0 && c->n == 0) {
        snprintf(err, err_size, "%s: no turns (expected one JSON object per line)", name);
        res = -1;
    }
    return res;
}

void cli_conversation_free(CliConversation *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->turns[i].speaker);
        free(c->turns[i].text);
        free(c->turns[i].audio);
    }
    free(c->turns);
    memset(c, 0, sizeof(*c));
}
