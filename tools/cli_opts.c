/* Option values shared by the CLI's commands (see cli_opts.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_opts.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "talkie: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'talkie %s --help'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_parse_int(const char *s, long min, long max, long *out)
{
    if (!*s || *s == '+' || *s == '-' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *cmd, const char *s, int *w, int *h)
{
    const char *x = strchr(s, 'x');
    if (!x || x == s || strlen(x) < 2)
        return cli_usage_error(cmd, "--size '%s': expected WIDTHxHEIGHT, e.g. 320x240", s);
    char wbuf[16];
    size_t wl = (size_t)(x - s);
    if (wl >= sizeof(wbuf))
        return cli_usage_error(cmd, "--size '%s': too big (at most 4096x4096)", s);
    memcpy(wbuf, s, wl);
    wbuf[wl] = '\0';
    long lw, lh;
    if (cli_parse_int(wbuf, 0, LONG_MAX, &lw) < 0 || cli_parse_int(x + 1, 0, LONG_MAX, &lh) < 0) {
        /* digits that overflow a long are still "too big", not "malformed" */
        if (strspn(wbuf, "0123456789") == wl && strspn(x + 1, "0123456789") == strlen(x + 1))
            return cli_usage_error(cmd, "--size '%s': too big (at most 4096x4096)", s);
        return cli_usage_error(cmd, "--size '%s': expected WIDTHxHEIGHT, e.g. 320x240", s);
    }
    if (lw == 0 || lh == 0)
        return cli_usage_error(cmd, "--size '%s': width and height must not be zero", s);
    if (lw > 4096 || lh > 4096)
        return cli_usage_error(cmd, "--size '%s': too big (at most 4096x4096)", s);
    if (lw < 16 || lh < 16)
        return cli_usage_error(cmd, "--size '%s': too small (at least 16x16)", s);
    if (lw % 2 || lh % 2)
        return cli_usage_error(cmd, "--size '%s': width and height must be even (4:2:0 video)",
                               s);
    *w = (int)lw;
    *h = (int)lh;
    return 0;
}

int cli_parse_fps(const char *cmd, const char *s, int *num, int *den)
{
    char buf[32];
    if (strlen(s) >= sizeof(buf))
        return cli_usage_error(cmd, "--fps '%s': expected N or N/D, e.g. 30 or 30000/1001", s);
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    long n, d = 1;
    if (slash)
        *slash = '\0';
    if (cli_parse_int(buf, 1, 1000000, &n) < 0 ||
        (slash && cli_parse_int(slash + 1, 1, 1000000, &d) < 0))
        return cli_usage_error(cmd, "--fps '%s': expected N or N/D, e.g. 30 or 30000/1001", s);
    if ((double)n / (double)d > 240.0 || (double)n / (double)d < 1.0)
        return cli_usage_error(cmd, "--fps '%s': out of range (1..240)", s);
    *num = (int)n;
    *den = (int)d;
    return 0;
}

int cli_parse_bitrate(const char *cmd, const char *s, int64_t *bps)
{
    char buf[32];
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof(buf))
        return cli_usage_error(cmd, "--bitrate '%s': expected N, Nk or NM (bits per second)", s);
    strcpy(buf, s);
    long scale = 1;
    if (buf[len - 1] == 'k' || buf[len - 1] == 'K')
        scale = 1000;
    else if (buf[len - 1] == 'M' || buf[len - 1] == 'm')
        scale = 1000000;
    if (scale != 1)
        buf[len - 1] = '\0';
    long v;
    if (cli_parse_int(buf, 1, 200000000, &v) < 0 || (int64_t)v * scale > 200000000 ||
        (int64_t)v * scale < 1000)
        return cli_usage_error(cmd, "--bitrate '%s': expected 1k..200M bits per second", s);
    *bps = (int64_t)v * scale;
    return 0;
}

int cli_parse_encoder(const char *cmd, const char *s, TalkieEncoder *e)
{
    static const TalkieEncoder all[] = { TALKIE_ENCODER_AUTO, TALKIE_ENCODER_COMPUTE,
                                         TALKIE_ENCODER_VKVIDEO, TALKIE_ENCODER_LAVC };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (!strcmp(s, talkie_encoder_name(all[i]))) {
            *e = all[i];
            return 0;
        }
    return cli_usage_error(cmd, "--encoder '%s': expected auto, compute, vkvideo or lavc", s);
}

double cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
