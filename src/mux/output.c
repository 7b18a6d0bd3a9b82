/*
 * TalkieOutput: where a session's packets go (a file or stdout) and in which container.
 *
 * Annex B (".h264") is written byte for byte; MP4 and MPEG-TS go through avf.c. A file is
 * written as "<path>.partial-<pid>" and renamed onto `path` only when it was finished without
 * any error, and that temporary file is removed on every failure or abort, so a file at
 * `path` is always a complete one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mux/avf.h"
#include "mux/output.h"

typedef enum TkContainer {
    TK_CONTAINER_ANNEXB,
    TK_CONTAINER_MP4,
    TK_CONTAINER_MPEGTS,
} TkContainer;

struct TalkieOutput {
    TkContainer container;
    TkStreamInfo info;
    const TkLog *log;
    char *path;         /* final name; NULL for stdout */
    char *tmp_path;     /* what is written until close; NULL for stdout */
    int fd;             /* Annex B: the open file (or 1); -1 otherwise */
    TkAvfWriter *avf;   /* MP4/TS: opened on the first packet */
    int64_t packets;
    int error;          /* the first write error: the output can no longer be completed */
};

static int container_from_format(const char *format, TkContainer *c)
{
    if (!strcmp(format, "mp4"))
        *c = TK_CONTAINER_MP4;
    else if (!strcmp(format, "h264"))
        *c = TK_CONTAINER_ANNEXB;
    else if (!strcmp(format, "mpegts"))
        *c = TK_CONTAINER_MPEGTS;
    else
        return TALKIE_ERR(EINVAL);
    return 0;
}

static int container_from_name(const char *path, TkContainer *c)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return TALKIE_ERR(EINVAL);
    if (!strcasecmp(dot, ".mp4"))
        *c = TK_CONTAINER_MP4;
    else if (!strcasecmp(dot, ".h264") || !strcasecmp(dot, ".264"))
        *c = TK_CONTAINER_ANNEXB;
    else if (!strcasecmp(dot, ".ts"))
        *c = TK_CONTAINER_MPEGTS;
    else
        return TALKIE_ERR(EINVAL);
    return 0;
}

static void output_free(TalkieOutput **outp, int remove_tmp)
{
    TalkieOutput *out = *outp;
    if (!out)
        return;
    tk_avf_free(&out->avf);
    if (out->fd > 1)
        close(out->fd);
    if (remove_tmp && out->tmp_path)
        unlink(out->tmp_path);
    free(out->path);
    free(out->tmp_path);
    free(out);
    *outp = NULL;
}

/* Creates the temporary file now, so that an unwritable destination is reported by open(),
 * before any frame is rendered. */
static int create_tmp(TalkieOutput *out, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return TALKIE_ERR(EISDIR);
    size_t len = strlen(path) + 32;
    out->path = strdup(path);
    out->tmp_path = malloc(len);
    if (!out->path || !out->tmp_path)
        return TALKIE_ERR(ENOMEM);
    snprintf(out->tmp_path, len, "%s.partial-%ld", path, (long)getpid());
    int fd = open(out->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int err = TALKIE_ERR(errno);
        /* nothing was created: make sure abort does not unlink a file of someone else's */
        free(out->tmp_path);
        out->tmp_path = NULL;
        return err;
    }
    if (out->container == TK_CONTAINER_ANNEXB) {
        out->fd = fd;
    } else {
        /* libavformat opens the file again by name (and, for faststart, reads it back) */
        close(fd);
    }
    return 0;
}

int tk_output_open(TalkieOutput **outp, const TkStreamInfo *info, const char *path,
                   const char *format, const TkLog *log)
{
    if (!outp)
        return TALKIE_ERR(EINVAL);
    *outp = NULL;
    if (!info || !path || !*path || info->width <= 0 || info->height <= 0 ||
        info->fps_num <= 0 || info->fps_den <= 0)
        return TALKIE_ERR(EINVAL);

    int to_stdout = !strcmp(path, "-");
    TkContainer container = TK_CONTAINER_ANNEXB;
    int res = 0;
    if (format)
        res = container_from_format(format, &container);
    else if (!to_stdout)
        res = container_from_name(path, &container);
    if (res < 0) {
        tk_log_error(log, "output: unknown format for \"%s\" (use .mp4, .h264, .264 or .ts)",
                     format ? format : path);
        return res;
    }
    /* MP4 needs to seek back (the index goes to the front), which a pipe cannot do */
    if (to_stdout && container == TK_CONTAINER_MP4) {
        tk_log_error(log, "output: MP4 cannot be written to stdout; use h264 or mpegts");
        return TALKIE_ERR(EINVAL);
    }

    TalkieOutput *out = calloc(1, sizeof(*out));
    if (!out)
        return TALKIE_ERR(ENOMEM);
    out->container = container;
    out->info = *info;
    out->log = log;
    out->fd = -1;
    if (to_stdout) {
        if (container == TK_CONTAINER_ANNEXB)
            out->fd = STDOUT_FILENO;
    } else {
        res = create_tmp(out, path);
        if (res < 0) {
            output_free(&out, 1);
            return res;
        }
    }
    *outp = out;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return TALKIE_ERR(errno);
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int talkie_output_write(TalkieOutput *out, const TalkiePacket *pkt)
{
    if (!out || !pkt || !pkt->data || !pkt->size || pkt->size > INT32_MAX)
        return TALKIE_ERR(EINVAL);
    if (out->error)
        return out->error;

    int res;
    if (out->container == TK_CONTAINER_ANNEXB) {
        res = write_all(out->fd, pkt->data, pkt->size);
        if (res < 0)
            tk_log_error(out->log, "output: %s: %s", out->path ? out->path : "stdout",
                         talkie_strerror(res));
    } else {
        res = 0;
        if (!out->avf)
            res = tk_avf_open(&out->avf, out->container == TK_CONTAINER_MP4 ? "mp4" : "mpegts",
                              out->tmp_path ? out->tmp_path : "pipe:1", &out->info, pkt,
                              out->log);
        if (res >= 0)
            res = tk_avf_write(out->avf, pkt);
    }
    if (res < 0) {
        out->error = res;
        return res;
    }
    out->packets++;
    return 0;
}

int talkie_output_close(TalkieOutput **outp)
{
    if (!outp || !*outp)
        return TALKIE_ERR(EINVAL);
    TalkieOutput *out = *outp;
    int res = out->error;
    if (res >= 0 && out->packets == 0) {
        tk_log_error(out->log, "output: no packets were written");
        res = TALKIE_ERR(EINVAL);
    }
    if (res >= 0 && out->avf)
        res = tk_avf_finish(out->avf);
    if (res >= 0 && out->fd > 1) {
        int fd = out->fd;
        out->fd = -1;
        if (close(fd) < 0)
            res = TALKIE_ERR(errno);
    }
    if (res >= 0 && out->tmp_path && rename(out->tmp_path, out->path) < 0) {
        res = TALKIE_ERR(errno);
        tk_log_error(out->log, "output: renaming to %s: %s", out->path, talkie_strerror(res));
    }
    output_free(outp, res < 0);
    return res;
}

void talkie_output_abort(TalkieOutput **outp)
{
    if (outp)
        output_free(outp, 1);
}
