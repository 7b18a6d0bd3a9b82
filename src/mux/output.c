/*
 * TalkieOutput: where a session's packets go (a file, a device or stdout) and in which
 * container.
 *
 * Annex B (".h264") is written byte for byte; MP4 and MPEG-TS go through avf.c. What happens
 * at `path` depends on what is there (lstat), so that an output never clobbers what is not
 * its own:
 * - nothing, or a regular file: the video is written to "<path>.partial-<pid>" (created with
 *   O_EXCL|O_NOFOLLOW, so a link planted under that name is never followed) and renamed onto
 *   `path` only when it was finished without any error; that file is removed on every failure
 *   or abort, so a file at `path` is always a complete one;
 * - a symbolic link to a regular file: the same, beside the link's target, which is replaced;
 *   the link stays a link;
 * - a character device or a FIFO (also through a link, e.g. /dev/null, /dev/stdout): opened
 *   and written in place, never created, renamed or removed (MP4 cannot be written there);
 * - a directory, a dangling link, a block device or a socket: refused.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/array.h"
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
    char *name;         /* for messages: the path given, or "stdout" */
    char *path;         /* where the finished file is renamed to; NULL unless tmp_path is set */
    char *tmp_path;     /* the partial file written until close; NULL for stdout and devices */
    char url[64];       /* what libavformat opens: "pipe:N" or "/proc/self/fd/N"; "" = tmp_path */
    int fd;             /* the open file, device or stdout (1); -1 when none */
    int own_fd;         /* fd is ours to close (not stdout) */
    TkAvfWriter *avf;   /* MP4/TS: opened on the first packet */
    /* audio packets that came before the first video packet opened avf (copies) */
    TalkieAudioPacket *early;
    int n_early, cap_early;
    TkOutputSink *sink; /* a callback or a media server instead of a file (output.h) */
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
    for (int i = 0; i < out->n_early; i++)
        talkie_audio_packet_unref(&out->early[i]);
    free(out->early);
    if (out->sink)
        out->sink->free(out->sink);
    if (out->own_fd)
        close(out->fd);
    if (remove_tmp && out->tmp_path)
        unlink(out->tmp_path);
    free(out->name);
    free(out->path);
    free(out->tmp_path);
    free(out);
    *outp = NULL;
}

/* Creates "<target>.partial-<pid>" now, so that an unwritable destination is reported by
 * open(), before any frame is rendered. O_EXCL|O_NOFOLLOW: whatever already has that name (a
 * planted symbolic or hard link, a file left by a killed render with our pid) is never
 * written through; its name is removed (which leaves any link target untouched) and the file
 * created once more. */
static int create_partial(TalkieOutput *out, const char *target)
{
    size_t len = strlen(target) + 32;
    out->path = strdup(target);
    out->tmp_path = malloc(len);
    if (!out->path || !out->tmp_path)
        return TALKIE_ERR(ENOMEM);
    snprintf(out->tmp_path, len, "%s.partial-%ld", target, (long)getpid());
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(out->tmp_path, flags, 0666);
    if (fd < 0 && errno == EEXIST && unlink(out->tmp_path) == 0)
        fd = open(out->tmp_path, flags, 0666);
    if (fd < 0) {
        int err = TALKIE_ERR(errno);
        if (err == TALKIE_ERR(EEXIST))
            tk_log_error(out->log, "output: %s keeps reappearing; not writing there",
                         out->tmp_path);
        /* nothing was created: make sure abort does not unlink a file of someone else's */
        free(out->tmp_path);
        out->tmp_path = NULL;
        return err;
    }
    out->fd = fd;
    out->own_fd = 1;
    /* libavformat opens the file again (and, for faststart, reads it back): through our own
     * descriptor where /proc allows, so no name is looked up twice */
    snprintf(out->url, sizeof(out->url), "/proc/self/fd/%d", fd);
    if (access(out->url, W_OK) < 0)
        out->url[0] = '\0';
    return 0;
}

/* Opens an existing character device or FIFO (or what a link such as /dev/stdout leads to) to
 * write in place. Opening a FIFO waits for a reader, as open(2) does. */
static int open_in_place(TalkieOutput *out, const char *path)
{
    if (out->container == TK_CONTAINER_MP4) {
        tk_log_error(out->log, "output: %s is not a regular file, and MP4 needs one (it is "
                     "rewritten when finished); use h264 or mpegts", path);
        return TALKIE_ERR(EINVAL);
    }
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return TALKIE_ERR(errno);
    out->fd = fd;
    out->own_fd = 1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)
        return TALKIE_ERR(errno); /* a file reached through /proc/self/fd: as the shell's ">" */
    snprintf(out->url, sizeof(out->url), "pipe:%d", fd);
    return 0;
}

/* Decides, from what is at `path` now, how it is written (see the top of this file). */
static int open_destination(TalkieOutput *out, const char *path)
{
    struct stat lst, st;
    if (lstat(path, &lst) < 0)
        return errno == ENOENT ? create_partial(out, path) : TALKIE_ERR(errno);
    st = lst;
    if (S_ISLNK(lst.st_mode) && stat(path, &st) < 0) {
        int err = TALKIE_ERR(errno);
        tk_log_error(out->log, "output: %s is a symbolic link that leads nowhere; not writing "
                     "through it", path);
        return err;
    }
    if (S_ISDIR(st.st_mode))
        return TALKIE_ERR(EISDIR);
    if (S_ISREG(lst.st_mode))
        return create_partial(out, path);
    if (S_ISREG(st.st_mode)) {
        /* a link to a regular file: replace the file it leads to. A link that resolves to no
         * name of that same file (/proc/self/fd/N of a deleted file) is written in place. */
        char *real = realpath(path, NULL);
        struct stat rst;
        int res = 1;
        if (real && lstat(real, &rst) == 0 && S_ISREG(rst.st_mode) &&
            rst.st_dev == st.st_dev && rst.st_ino == st.st_ino)
            res = create_partial(out, real);
        free(real);
        if (res <= 0)
            return res;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode))
        return open_in_place(out, path);
    tk_log_error(out->log, "output: %s is a %s; not writing video there", path,
                 S_ISBLK(st.st_mode) ? "block device" : "socket");
    return TALKIE_ERR(EINVAL);
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

    if (tk_push_is_url(path) || (format && !strcmp(format, "flv"))) {
        TkOutputSink *sink;
        int res = tk_push_open(&sink, info, path, format, log);
        return res < 0 ? res : tk_output_wrap_sink(outp, sink, log);
    }

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
    out->name = strdup(to_stdout ? "stdout" : path);
    if (!out->name) {
        output_free(&out, 1);
        return TALKIE_ERR(ENOMEM);
    }
    if (to_stdout) {
        out->fd = STDOUT_FILENO;
        snprintf(out->url, sizeof(out->url), "pipe:%d", STDOUT_FILENO);
    } else {
        res = open_destination(out, path);
        if (res < 0) {
            output_free(&out, 1);
            return res;
        }
    }
    *outp = out;
    return 0;
}

int tk_output_wrap_sink(TalkieOutput **outp, TkOutputSink *sink, const TkLog *log)
{
    TalkieOutput *out = calloc(1, sizeof(*out));
    if (!out) {
        sink->free(sink);
        return TALKIE_ERR(ENOMEM);
    }
    out->sink = sink;
    out->log = log;
    out->fd = -1;
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
    if (out->sink) {
        res = out->sink->write(out->sink, pkt);
    } else if (out->container == TK_CONTAINER_ANNEXB) {
        res = write_all(out->fd, pkt->data, pkt->size);
        if (res < 0)
            tk_log_error(out->log, "output: %s: %s", out->name, talkie_strerror(res));
    } else {
        res = 0;
        if (!out->avf) {
            res = tk_avf_open(&out->avf, out->container == TK_CONTAINER_MP4 ? "mp4" : "mpegts",
                              out->url[0] ? out->url : out->tmp_path, &out->info, pkt,
                              out->log);
            for (int i = 0; i < out->n_early && res >= 0; i++)
                res = tk_avf_write_audio(out->avf, &out->early[i]);
        }
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

/* Keeps a copy of an audio packet that came before the file could be opened. */
static int keep_early(TalkieOutput *out, const TalkieAudioPacket *pkt)
{
    int res = tk_array_grow((void **)&out->early, &out->cap_early, out->n_early + 1,
                            sizeof(*out->early), 16);
    if (res < 0)
        return res;
    TalkieAudioPacket *copy = &out->early[out->n_early];
    *copy = (TalkieAudioPacket){ .data = malloc(pkt->size), .size = pkt->size, .pts = pkt->pts,
                                 .duration = pkt->duration };
    if (!copy->data)
        return TALKIE_ERR(ENOMEM);
    memcpy(copy->data, pkt->data, pkt->size);
    out->n_early++;
    return 0;
}

int talkie_output_write_audio(TalkieOutput *out, const TalkieAudioPacket *pkt)
{
    if (!out || !pkt || !pkt->data || !pkt->size || pkt->size > INT32_MAX)
        return TALKIE_ERR(EINVAL);
    if (out->error)
        return out->error;
    if (out->sink) {
        int res = out->sink->write_audio ? out->sink->write_audio(out->sink, pkt) : 0;
        if (res < 0)
            out->error = res;
        return res;
    }
    if (out->container == TK_CONTAINER_ANNEXB)
        return 0; /* video only (talkie.h) */
    if (!out->info.audio) {
        tk_log_error(out->log, "output: %s has no audio stream (the session had no audio when "
                               "it was opened)", out->name);
        return TALKIE_ERR(EINVAL);
    }
    /* the container is written from the first video packet on (avf.h) */
    int res = out->avf ? tk_avf_write_audio(out->avf, pkt) : keep_early(out, pkt);
    if (res < 0)
        out->error = res;
    return res;
}

int talkie_output_close(TalkieOutput **outp)
{
    if (!outp || !*outp)
        return TALKIE_ERR(EINVAL);
    TalkieOutput *out = *outp;
    int res = out->error;
    if (out->sink) {
        /* a live destination: nothing to rename, and no packets at all is not an error */
        int fin = out->sink->finish(out->sink);
        output_free(outp, 0);
        return res < 0 ? res : fin;
    }
    if (res >= 0 && out->packets == 0) {
        tk_log_error(out->log, "output: no packets were written");
        res = TALKIE_ERR(EINVAL);
    }
    if (res >= 0 && out->avf)
        res = tk_avf_finish(out->avf);
    if (res >= 0 && out->own_fd) {
        int fd = out->fd;
        out->fd = -1;
        out->own_fd = 0;
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
