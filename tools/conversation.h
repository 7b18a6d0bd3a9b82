/*
 * The CLI's conversation reader: JSON Lines, one turn per line,
 *     {"speaker": "Ada", "text": "Hello!", "start": 0.0, "duration": 1.5, "audio": "a.wav"}
 * ("start" and "duration" in seconds, optional; "audio" optional, a file relative to the
 * conversation's folder; blank lines allowed). The whole input is read
 * and checked before anything is rendered, so a bad line stops the CLI before any output
 * file exists.
 */
#ifndef TALKIE_TOOLS_CONVERSATION_H
#define TALKIE_TOOLS_CONVERSATION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The longest line accepted; a longer one is an error, never a reason to buffer without
 * bound. */
#define CLI_MAX_LINE_BYTES (64 * 1024)

typedef struct CliTurn {
    char *speaker;
    char *text;
    int64_t start_ms;      /* -1: right after the previous turn */
    int64_t duration_ms;   /* -1: estimated by the library */
    char *audio;           /* the "audio" file as written in the line, or NULL */
    long line;             /* where it came from, for messages */
} CliTurn;

typedef struct CliConversation {
    CliTurn *turns;
    size_t n, capacity;
} CliConversation;

/*
 * Reads every turn from `f`. `name` is used in messages. Warnings (unknown fields) go to
 * stderr as "talkie: NAME:LINE: warning: ...". On error returns -1 and writes a one-line
 * message "NAME:LINE: what is wrong" (no "talkie: " prefix, no newline) to `err`.
 * Returns 0 with at least one turn on success. Free with cli_conversation_free() either way.
 */
int cli_conversation_read(CliConversation *c, FILE *f, const char *name, char *err,
                          size_t err_size);
void cli_conversation_free(CliConversation *c);

/* 1 when the n bytes at s are valid UTF-8 (no overlongs, surrogates or values > U+10FFFF). */
int cli_utf8_valid(const unsigned char *s, size_t n);

#endif
