/*
 * Option values shared by the CLI's commands (render, encode): whole numbers, frame size,
 * frame rate, bitrate, encoder. Each parser prints "talkie: <problem>" and "Try 'talkie CMD
 * --help'." for a bad value and returns the usage exit status, so a command's option loop
 * can stop at the first bad value with the status to exit with.
 */
#ifndef TALKIE_TOOLS_CLI_OPTS_H
#define TALKIE_TOOLS_CLI_OPTS_H

#include <getopt.h>
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
/* A text QP offset: "0" or "-N", TALKIE_TEXT_QP_OFFSET_MIN..0; 0 on success, -1 (silently)
 * otherwise. */
int cli_parse_text_qp_offset(const char *s, int *out);
/* The --help lines of --text-qp-offset (render and serve: where subtitles are drawn). */
#define CLI_TEXT_QP_HELP                                                                       \
    "      --text-qp-offset N   -12..0: code the macroblocks under subtitle text at the QP\n" \
    "                           plus N, so text stays sharp at low bitrates (default -6)\n"
/* auto, compute, vkvideo or lavc. */
int cli_parse_encoder(const char *cmd, const char *s, TalkieEncoder *e);

/* The options render and encode share: the output's format and the encoder's settings. Their
 * getopt_long ids start at CLI_OPT_FIRST, above any command's own; a command puts
 * CLI_ENCODING_OPTIONS in its option table and hands each option to cli_encoding_option(). */
enum {
    CLI_OPT_FIRST = 0x1000,
    CLI_OPT_FORMAT = CLI_OPT_FIRST, CLI_OPT_SIZE, CLI_OPT_FPS, CLI_OPT_QP, CLI_OPT_BITRATE,
    CLI_OPT_KEYINT, CLI_OPT_SLICE_ROWS, CLI_OPT_INTRA_ONLY, CLI_OPT_ENCODER, CLI_OPT_DEVICE,
    CLI_OPT_VALIDATION, CLI_OPT_INTRA_REFRESH,
};
#define CLI_ENCODING_OPTIONS                                                                   \
    { "format", required_argument, NULL, CLI_OPT_FORMAT },                                     \
    { "size", required_argument, NULL, CLI_OPT_SIZE },                                         \
    { "fps", required_argument, NULL, CLI_OPT_FPS },                                           \
    { "qp", required_argument, NULL, CLI_OPT_QP },                                             \
    { "bitrate", required_argument, NULL, CLI_OPT_BITRATE },                                   \
    { "keyint", required_argument, NULL, CLI_OPT_KEYINT },                                     \
    { "slice-rows", required_argument, NULL, CLI_OPT_SLICE_ROWS },                             \
    { "intra-only", no_argument, NULL, CLI_OPT_INTRA_ONLY },                                   \
    { "encoder", required_argument, NULL, CLI_OPT_ENCODER },                                   \
    { "device", required_argument, NULL, CLI_OPT_DEVICE },                                     \
    { "validation", no_argument, NULL, CLI_OPT_VALIDATION },                                   \
    { "intra-refresh", required_argument, NULL, CLI_OPT_INTRA_REFRESH }

/* The --help lines of --intra-refresh (render, encode, serve). */
#define CLI_INTRA_REFRESH_HELP                                                                 \
    "      --intra-refresh N    a column of intra macroblocks sweeps the picture once every\n"  \
    "                           N frames instead of periodic keyframes (live streams: no\n"    \
    "                           keyframe size spikes; keyframes then only when asked or\n"     \
    "                           with --keyint), 1..1000 (default off)\n"
/* "N": 1..TALKIE_INTRA_REFRESH_MAX frames; 0 or CLI_EXIT_USAGE after saying why. */
int cli_parse_intra_refresh(const char *cmd, const char *s, int *out);

/* Their --help lines after --format, --size and --fps (which each command words its own way). */
#define CLI_ENCODING_HELP                                                                      \
    "      --qp N               constant quantizer 0..51 (default 26)\n"                        \
    "      --bitrate N[k|M]     target bitrate in bits/s instead of --qp\n"                     \
    "      --keyint N           frames between keyframes (default 2 seconds)\n"                 \
    "      --slice-rows N       macroblock rows a slice, 1..256 (compute encoder;\n"            \
    "                           default: one slice a frame with P frames, one row with\n"       \
    "                           --intra-only)\n"                                                \
    CLI_INTRA_REFRESH_HELP                                                                     \
    "      --intra-only         compute encoder: every frame a keyframe (lowest latency,\n"     \
    "                           many times the bytes; the default codes P frames on GPUs)\n"    \
    "      --encoder E          auto, compute, vkvideo or lavc (default auto)\n"                \
    "      --device N|NAME      Vulkan device index or part of its name\n"                      \
    "      --validation         enable the Vulkan validation layer\n"

/* What the shared options said beyond the settings. */
typedef struct CliEncodingArgs {
    const char *format;       /* --format, or NULL */
    int have_size, have_fps;  /* given on the command line */
    int have_qp, have_bitrate;
} CliEncodingArgs;

/* Takes option `c` with its argument if it is one of CLI_ENCODING_OPTIONS: returns 1 with
 * *res set (0, or the usage status after saying why); 0 when `c` is not one of them. */
int cli_encoding_option(const char *cmd, int c, const char *arg, TalkieSettings *s,
                        CliEncodingArgs *a, int *res);

/* After the options: --qp and --bitrate exclude each other, and a bitrate makes the QP -1.
 * 0 or the usage status. */
int cli_encoding_finish(const char *cmd, TalkieSettings *s, const CliEncodingArgs *a);

/* Seconds on the monotonic clock. */
double cli_now_s(void);

#endif
