/*
 * The input of `talkie encode` (see video_in.h): libavformat's yuv4mpegpipe or rawvideo
 * demuxer over an AVIOContext of our own on the file descriptor, so that:
 * - a file that is not Y4M gets a message about what it starts with (the demuxer only says
 *   "invalid data"): the first bytes read are kept;
 * - a final partial frame is an error rather than the silent end it is to the Y4M demuxer
 *   (which returns AVERROR_EOF for a short last frame): the byte position after the last
 *   whole frame is compared with where reading stopped;
 * - stdin and files are read the same way, by file descriptor, with the file we checked is
 *   not the output (no second open of the path by libavformat).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include "video_in.h"

enum {
    AVIO_BUFFER_BYTES = 64 * 1024,
    HEAD_BYTES = 128,         /* the start of the input, kept to explain a bad header */
    Y4M_FRAME_HEADER_BYTES = 6, /* "FRAME\n", the usual frame header (parameters may follow) */
};

struct CliVideoIn {
    int fd;
    int own_fd;               /* 0 for stdin */
    AVIOContext *pb;
    AVFormatContext *fmt;
    AVPacket *pkt;
    int raw;
    int width, height;
    size_t frame_bytes;       /* one picture, Y then U then V, no padding */
    int64_t whole_end;        /* input position after the last whole frame */
    int64_t frames;           /* read so far */
    uint8_t head[HEAD_BYTES]; /* the first bytes of the input */
    size_t head_len;
};

static int read_fd(void *opaque, uint8_t *buf, int size)
{
    CliVideoIn *v = opaque;
    ssize_t n;
    do
        n = read(v->fd, buf, (size_t)size);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return AVERROR(errno);
    if (n == 0)
        return AVERROR_EOF;
    if (v->head_len < sizeof(v->head)) {
        size_t k = sizeof(v->head) - v->head_len < (size_t)n ? sizeof(v->head) - v->head_len
                                                               : (size_t)n;
        memcpy(v->head + v->head_len, buf, k);
        v->head_len += k;
    }
    return (int)n;
}

static void set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

/* Why the Y4M demuxer refused the header, from the bytes it read. */
static void explain_bad_header(const CliVideoIn *v, int averr, char *err, size_t size)
{
    static const char magic[] = "YUV4MPEG2 ";
    char msg[AV_ERROR_MAX_STRING_SIZE];
    /* the demuxer's own failures (a bad magic is -1, EPERM) versus the reader's */
    if (averr != AVERROR_INVALIDDATA && averr != AVERROR(EPERM) && averr != AVERROR_EOF &&
        averr != AVERROR(EINVAL) && averr != AVERROR_PATCHWELCOME) {
        av_strerror(averr, msg, sizeof(msg));
        set_err(err, size, "cannot read: %s", msg);
        return;
    }
    if (v->head_len == 0) {
        set_err(err, size, "empty input: no Y4M header");
        return;
    }
    if (v->head_len < sizeof(magic) - 1 || memcmp(v->head, magic, sizeof(magic) - 1)) {
        set_err(err, size, "not a Y4M file (it does not start with \"YUV4MPEG2 \"); raw YUV "
                           "4:2:0 needs --size WxH or a .yuv name");
        return;
    }
    /* show the header line, printable characters only */
    char line[HEAD_BYTES + 1];
    size_t n = 0;
    for (size_t i = 0; i < v->head_len && v->head[i] != '\n'; i++)
        line[n++] = v->head[i] >= 0x20 && v->head[i] < 0x7f ? (char)v->head[i] : '?';
    line[n] = 0;
    set_err(err, size, "bad Y4M header \"%s%s\" (size, rate or colourspace missing or not "
                       "understood)", line, n == v->head_len && n == HEAD_BYTES ? "..." : "");
}

/* 4:2:0, 8 bits, planar: what talkie_session_send_image() takes as TALKIE_PIXEL_YUV420P.
 * The Y4M 4:2:0 variants (420jpeg, 420paldv, 420mpeg2) differ only in chroma siting and all
 * come as yuv420p; full range (yuvj420p, or a colour_range) is taken too: its samples are
 * encoded as they are, under the VUI's limited range, and encode.c warns about it. */
static int pix_fmt_ok(int format)
{
    return format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P;
}

static int check_stream(CliVideoIn *v, const CliVideoInArgs *a, CliVideoInfo *info,
                        char *err, size_t size)
{
    if (v->fmt->nb_streams != 1 ||
        v->fmt->streams[0]->codecpar->codec_id != AV_CODEC_ID_RAWVIDEO) {
        set_err(err, size, "not an uncompressed video stream");
        return -1;
    }
    const AVStream *st = v->fmt->streams[0];
    const AVCodecParameters *par = st->codecpar;
    if (!pix_fmt_ok(par->format)) {
        const char *name = av_get_pix_fmt_name(par->format);
        set_err(err, size, "unsupported colourspace %s: talkie encodes 8-bit 4:2:0 only (Y4M "
                "C420, C420jpeg, C420paldv, C420mpeg2); convert it first, e.g. "
                "ffmpeg -i IN -pix_fmt yuv420p OUT.y4m", name ? name : "(unknown)");
        return -1;
    }
    int w = par->width, h = par->height;
    if (!a->raw && a->width && (a->width != w || a->height != h)) {
        set_err(err, size, "size mismatch: the Y4M header says %dx%d, --size says %dx%d", w, h,
                a->width, a->height);
        return -1;
    }
    if (w % 2 || h % 2) {
        set_err(err, size, "odd size %dx%d: 4:2:0 H.264 here needs an even width and height "
                           "(crop or pad it first)", w, h);
        return -1;
    }
    if (w < 16 || h < 16 || w > 4096 || h > 4096) {
        set_err(err, size, "size %dx%d is out of range (16x16 to 4096x4096)", w, h);
        return -1;
    }
    AVRational r = a->fps_num ? (AVRational){ a->fps_num, a->fps_den } : st->avg_frame_rate;
    if (r.num <= 0 || r.den <= 0)
        r = st->r_frame_rate;
    if (r.num <= 0 || r.den <= 0 || av_q2d(r) > 240.0 || (int64_t)r.num * 1000 < r.den) {
        set_err(err, size, "frame rate %d/%d is out of range (1/1000 to 240 frames/s): give "
                           "--fps", r.num, r.den);
        return -1;
    }
    av_reduce(&r.num, &r.den, r.num, r.den, INT32_MAX);
    info->full_range =
        par->format == AV_PIX_FMT_YUVJ420P || par->color_range == AVCOL_RANGE_JPEG;
    v->width = info->width = w;
    v->height = info->height = h;
    info->fps_num = r.num;
    info->fps_den = r.den;
    int bytes = av_image_get_buffer_size(AV_PIX_FMT_YUV420P, w, h, 1);
    if (bytes <= 0) {
        set_err(err, size, "size %dx%d is out of range", w, h);
        return -1;
    }
    v->frame_bytes = (size_t)bytes;
    snprintf(info->description, sizeof(info->description), "%s %dx%d %s %d/%d frames/s",
             v->raw ? "raw" : "Y4M", w, h, av_get_pix_fmt_name(par->format), r.num, r.den);
    return 0;
}

/* Frames in a regular file of `bytes`, or -1 (a raw file must hold whole frames). */
static int64_t expected_frames(const CliVideoIn *v, int64_t bytes, char *err, size_t size)
{
    if (v->raw) {
        if (bytes % (int64_t)v->frame_bytes) {
            set_err(err, size, "size mismatch: %" PRId64 " bytes is not a whole number of "
                    "%dx%d 4:2:0 frames (%zu bytes each): wrong --size, or a truncated file",
                    bytes, v->width, v->height, v->frame_bytes);
            return -1;
        }
        return bytes / (int64_t)v->frame_bytes;
    }
    /* an estimate: frame headers may carry parameters; the end is checked when reached */
    return (bytes - v->whole_end) / (int64_t)(v->frame_bytes + Y4M_FRAME_HEADER_BYTES);
}

int cli_video_open(CliVideoIn **out, const CliVideoInArgs *a, CliVideoInfo *info,
                   char *err, size_t err_size)
{
    *out = NULL;
    memset(info, 0, sizeof(*info));
    CliVideoIn *v = calloc(1, sizeof(*v));
    if (!v) {
        set_err(err, err_size, "out of memory");
        return -1;
    }
    v->raw = a->raw;
    int from_stdin = !strcmp(a->path, "-");
    v->fd = from_stdin ? STDIN_FILENO : open(a->path, O_RDONLY | O_CLOEXEC);
    v->own_fd = !from_stdin && v->fd >= 0;
    struct stat sb;
    if (v->fd < 0 || fstat(v->fd, &sb) < 0) {
        set_err(err, err_size, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        set_err(err, err_size, "%s", strerror(EISDIR));
        goto fail;
    }
    uint8_t *buf = av_malloc(AVIO_BUFFER_BYTES);
    v->pb = buf ? avio_alloc_context(buf, AVIO_BUFFER_BYTES, 0, v, read_fd, NULL, NULL) : NULL;
    v->fmt = avformat_alloc_context();
    v->pkt = av_packet_alloc();
    if (!v->pb || !v->fmt || !v->pkt) {
        if (!v->pb)
            av_free(buf);
        set_err(err, err_size, "out of memory");
        goto fail;
    }
    v->fmt->pb = v->pb;
    AVDictionary *opts = NULL;
    if (a->raw) {
        char size[32], rate[32];
        snprintf(size, sizeof(size), "%dx%d", a->width, a->height);
        snprintf(rate, sizeof(rate), "%d/%d", a->fps_num, a->fps_den);
        av_dict_set(&opts, "video_size", size, 0);
        av_dict_set(&opts, "pixel_format", "yuv420p", 0);
        av_dict_set(&opts, "framerate", rate, 0);
    }
    const AVInputFormat *ifmt = av_find_input_format(a->raw ? "rawvideo" : "yuv4mpegpipe");
    int r = ifmt ? avformat_open_input(&v->fmt, "", ifmt, &opts) : AVERROR_DEMUXER_NOT_FOUND;
    av_dict_free(&opts);
    if (r < 0) {
        /* avformat_open_input() freed the context on failure */
        if (a->raw) {
            char msg[AV_ERROR_MAX_STRING_SIZE];
            av_strerror(r, msg, sizeof(msg));
            set_err(err, err_size, "cannot read raw video: %s", msg);
        } else {
            explain_bad_header(v, r, err, err_size);
        }
        goto fail;
    }
    if (check_stream(v, a, info, err, err_size) < 0)
        goto fail;
    v->whole_end = avio_tell(v->pb);
    info->frames_expected = -1;
    if (S_ISREG(sb.st_mode)) {
        info->frames_expected = expected_frames(v, (int64_t)sb.st_size, err, err_size);
        if (info->frames_expected < 0)
            goto fail;
        if (info->frames_expected == 0) {
            /* said before an output is made; a pipe's is found when it ends */
            if ((int64_t)sb.st_size > v->whole_end)
                set_err(err, err_size, "truncated: not one whole frame (%zu bytes of picture)",
                        v->frame_bytes);
            else
                set_err(err, err_size, "no frames");
            goto fail;
        }
    }
    *out = v;
    return 0;
fail:
    cli_video_close(&v);
    return -1;
}

int cli_video_read(CliVideoIn *v, TalkieImage *image, char *err, size_t err_size)
{
    av_packet_unref(v->pkt);
    int r = av_read_frame(v->fmt, v->pkt);
    if (r == AVERROR_EOF) {
        int64_t extra = avio_tell(v->pb) - v->whole_end;
        if (extra > 0) {
            set_err(err, err_size, "truncated: %" PRId64 " bytes after frame %" PRId64
                    " are not a whole frame (%zu bytes of picture each)", extra, v->frames,
                    v->frame_bytes);
            return -1;
        }
        if (v->frames == 0) {
            set_err(err, err_size, "no frames");
            return -1;
        }
        return 0;
    }
    if (r < 0) {
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(r, msg, sizeof(msg));
        if (r == AVERROR_INVALIDDATA)
            set_err(err, err_size, "frame %" PRId64 ": bad frame header (\"FRAME\" expected)",
                    v->frames);
        else
            set_err(err, err_size, "cannot read frame %" PRId64 ": %s", v->frames, msg);
        return -1;
    }
    if (v->pkt->size != (int)v->frame_bytes) {
        /* the rawvideo demuxer hands out a short last frame as it is */
        set_err(err, err_size, "truncated: the last frame (%" PRId64 ") has %d of its %zu bytes",
                v->frames, v->pkt->size, v->frame_bytes);
        return -1;
    }
    uint8_t *planes[4];
    int strides[4];
    if (av_image_fill_arrays(planes, strides, v->pkt->data, AV_PIX_FMT_YUV420P, v->width,
                             v->height, 1) < 0) {
        set_err(err, err_size, "frame %" PRId64 ": bad picture", v->frames);
        return -1;
    }
    *image = (TalkieImage){ .format = TALKIE_PIXEL_YUV420P,
                            .planes = { planes[0], planes[1], planes[2] },
                            .strides = { strides[0], strides[1], strides[2] } };
    v->whole_end = avio_tell(v->pb);
    v->frames++;
    return 1;
}

void cli_video_close(CliVideoIn **pv)
{
    CliVideoIn *v = pv ? *pv : NULL;
    if (!v)
        return;
    avformat_close_input(&v->fmt);
    if (v->pb) {
        av_freep(&v->pb->buffer);
        avio_context_free(&v->pb);
    }
    av_packet_free(&v->pkt);
    if (v->own_fd)
        close(v->fd);
    free(v);
    *pv = NULL;
}
