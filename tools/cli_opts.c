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

int cli_parse_text_qp_offset(const char *s, int *out)
{
    long v;
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    if (s[0] != '-' || cli_parse_int(s + 1, 1, -(long)TALKIE_TEXT_QP_OFFSET_MIN, &v) < 0)
        return -1;
    *out = (int)-v;
    return 0;
}

int cli_parse_intra_refresh(const char *cmd, const char *s, int *out)
{
    long v;
    if (cli_parse_int(s, 1, TALKIE_INTRA_REFRESH_MAX, &v) < 0)
        return cli_usage_error(cmd, "--intra-refresh '%s': expected 1..%d frames", s,
                               TALKIE_INTRA_REFRESH_MAX);
    *out = (int)v;
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

int cli_encoding_option(const char *cmd, int c, const char *arg, TalkieSettings *s,
                        CliEncodingArgs *a, int *res)
{
    long v;
    *res = 0;
    switch (c) {
    case CLI_OPT_FORMAT:
        if (strcmp(arg, "mp4") && strcmp(arg, "h264") && strcmp(arg, "mpegts"))
            *res = cli_usage_error(cmd, "--format '%s': expected mp4, h264 or mpegts", arg);
        a->format = arg;
        return 1;
    case CLI_OPT_SIZE:
        *res = cli_parse_size(cmd, arg, &s->width, &s->height);
        a->have_size = 1;
        return 1;
    case CLI_OPT_FPS:
        *res = cli_parse_fps(cmd, arg, &s->fps_num, &s->fps_den);
        a->have_fps = 1;
        return 1;
    case CLI_OPT_QP:
        if (cli_parse_int(arg, 0, 51, &v) < 0)
            *res = cli_usage_error(cmd, "--qp '%s': expected 0..51", arg);
        else
            s->qp = (int)v;
        a->have_qp = 1;
        return 1;
    case CLI_OPT_BITRATE:
        *res = cli_parse_bitrate(cmd, arg, &s->bitrate_bps);
        a->have_bitrate = 1;
        return 1;
    case CLI_OPT_KEYINT:
        if (cli_parse_int(arg, 1, 100000, &v) < 0)
            *res = cli_usage_error(cmd, "--keyint '%s': expected 1..100000 frames", arg);
        else
            s->keyint = (int)v;
        return 1;
    case CLI_OPT_INTRA_REFRESH:
        *res = cli_parse_intra_refresh(cmd, arg, &s->intra_refresh);
        return 1;
    case CLI_OPT_SLICE_ROWS:
        if (cli_parse_int(arg, 1, TALKIE_SLICE_MB_ROWS_MAX, &v) < 0)
            *res = cli_usage_error(cmd, "--slice-rows '%s': expected 1..%d", arg,
                                   TALKIE_SLICE_MB_ROWS_MAX);
        else
            s->slice_mb_rows = (int)v;
        return 1;
    case CLI_OPT_INTRA_ONLY: s->compute_p_frames = 0; return 1;
    case CLI_OPT_ENCODER: *res = cli_parse_encoder(cmd, arg, &s->encoder); return 1;
    case CLI_OPT_DEVICE:
        if (cli_parse_int(arg, 0, 1000, &v) == 0)
            s->device_index = (int)v;
        else
            s->device_name = arg;
        return 1;
    case CLI_OPT_VALIDATION: s->validation = 1; return 1;
    default: return 0;
    }
}

int cli_encoding_finish(const char *cmd, TalkieSettings *s, const CliEncodingArgs *a)
{
    if (a->have_qp && a->have_bitrate)
        return cli_usage_error(cmd, "--qp and --bitrate exclude each other");
    if (a->have_bitrate)
        s->qp = -1;
    return 0;
}
