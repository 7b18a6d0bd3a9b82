/*
 * Option values shared by the CLI's commands (render, encode): whole numbers, frame size,
 * frame rate, bitrate, encoder. Each parser prints "talkie: <problem>" and "Try 'talkie CMD
 * --help'." for a bad value and returns the usage exit status, so a command's option loop
 * can stop at the first bad value with the status to exit with.
 */
#ifndef TALKIE_TOOLS_CLI_OPTS_H
#define TALKIE_TOOLS_CLI_OPTS_H

#include <stdint.h>

#include "talkie/talkie.h"

enum { CLI_EXIT_USAGE = 2 };

/* Prints "talkie: <message>" and the hint for `cmd`; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A whole decimal number in [min, max], nothing else around it; 0 on success, -1 (silently)
 * otherwise. */
int cli_parse_int(const char *s, long min, long max, long *out);

/* "WxH": both even, 16..4096, as the library requires (checked here to exit with usage).
 * The parsers below return 0 or CLI_EXIT_USAGE after saying why. */
int cli_parse_size(const char *cmd, const char *s, int *w, int *h);
/* "N" or "N/D", 1..240 frames/s. */
int cli_parse_fps(const char *cmd, const char *s, int *num, int *den);
/* "N", "Nk" or "NM" bits per second, 1k..200M. */
int cli_parse_bitrate(const char *cmd, const char *s, int64_t *bps);
/* auto, compute, vkvideo or lavc. */
int cli_parse_encoder(const char *cmd, const char *s, TalkieEncoder *e);

/* Seconds on the monotonic clock. */
double cli_now_s(void);

#endif
