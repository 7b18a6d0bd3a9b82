/*
 * The muxer (src/mux) fed with packets from the lavc backend, without a session: writes
 * .mp4, .h264 and .ts files, reopens each with libavformat and checks the stream (one H.264
 * stream, size, frame count, duration = frames / fps, monotonic pts, colour tags for MP4);
 * then checks that a failed or aborted output leaves no file behind, that bad arguments
 * are refused, and that what is not the output's own (a device, a FIFO, a link's target, a
 * link planted under the partial file's name) is never replaced or written through.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "encode/backend.h"
#include "mux/avf.h"
#include "mux/output.h"
#include "synth.h"
#include "../common/check.h"

enum { N_FRAMES = 25, FPS_NUM = 25, FPS_DEN = 2 };

typedef struct Packets {
    TalkiePacket pkts[N_FRAMES];
    int n;
} Packets;

static void encode(Packets *p, int width, int height)
{
    p->n = tk_synth_packets(p->pkts, N_FRAMES, width, height, FPS_NUM, FPS_DEN);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Counts the files in `dir` whose name starts with `prefix` (leftover partial files). */
static int count_prefixed(const char *dir, const char *prefix)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ls -1 '%s' | grep -c '^%s' ", dir, prefix);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static int write_file(const Packets *p, const char *path, const char *format, int n_packets)
{
    TkStreamInfo info = { .width = 100, .height = 60, .fps_num = FPS_NUM, .fps_den = FPS_DEN };
    TalkieOutput *out = NULL;
    int res = tk_output_open(&out, &info, path, format, NULL);
    CHECK_EQ(res, 0);
    if (res < 0)
        return res;
    /* the final name appears only once the file is complete */
    CHECK(!file_exists(path));
    for (int i = 0; i < n_packets; i++)
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
    CHECK(!file_exists(path));
    res = talkie_output_close(&out);
    CHECK(out == NULL);
    return res;
}

/* Reopens `path` and checks what a player would see. */
static void check_file(const char *path, const char *want_format, int frames)
{
    AVFormatContext *fmt = NULL;
    int err = avformat_open_input(&fmt, path, NULL, NULL);
    CHECK_EQ(err, 0);
    if (err < 0)
        return;
    CHECK_EQ(avformat_find_stream_info(fmt, NULL) >= 0, 1);
    printf("%s: format %s, %u stream(s)", path, fmt->iformat->name, fmt->nb_streams);
    CHECK(strstr(fmt->iformat->name, want_format) != NULL);
    CHECK_EQ(fmt->nb_streams, 1);
    if (fmt->nb_streams != 1) {
        avformat_close_input(&fmt);
        return;
    }
    AVStream *st = fmt->streams[0];
    AVCodecParameters *par = st->codecpar;
    CHECK_EQ(par->codec_id, AV_CODEC_ID_H264);
    CHECK_EQ(par->width, 100);
    CHECK_EQ(par->height, 60);
    CHECK_EQ(par->color_primaries, AVCOL_PRI_BT709);
    CHECK_EQ(par->color_range, AVCOL_RANGE_MPEG);

    /* raw Annex B carries no timestamps: only the frames and keyframes are checked there */
    int timed = strcmp(want_format, "h264") != 0;
    AVPacket *pkt = av_packet_alloc();
    int n = 0, keys = 0;
    int64_t last_pts = INT64_MIN, first_pts = INT64_MIN, end = 0;
    while (pkt && av_read_frame(fmt, pkt) >= 0) {
        if (timed) {
            CHECK(pkt->pts != AV_NOPTS_VALUE);
            CHECK_CMP(pkt->pts, >, last_pts);
        }
        if (first_pts == INT64_MIN)
            first_pts = pkt->pts;
        last_pts = pkt->pts;
        end = pkt->pts + pkt->duration;
        keys += !!(pkt->flags & AV_PKT_FLAG_KEY);
        n++;
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    CHECK_EQ(n, frames);
    CHECK_EQ(keys, (frames + 9) / 10);
    /* the frame rate the stream carries, and the time the packets span */
    double span = (double)(end - first_pts) * av_q2d(st->time_base);
    double want = (double)frames * FPS_DEN / FPS_NUM;
    printf(", %d packets, %d keyframes", n, keys);
    if (timed) {
        printf(", span %.3f s (want %.3f)", span, want);
        CHECK_CMP(span > want - 0.001 && span < want + 0.001, ==, 1);
    }
    if (!strcmp(want_format, "mp4")) {
        double dur = (double)fmt->duration / AV_TIME_BASE;
        printf(", duration %.3f s", dur);
        CHECK_CMP(dur > want - 0.001 && dur < want + 0.001, ==, 1);
        CHECK_EQ(st->avg_frame_rate.num * FPS_DEN, st->avg_frame_rate.den * FPS_NUM);
        CHECK_EQ(st->nb_frames, frames);
    }
    printf("\n");
    avformat_close_input(&fmt);
}

/* Checks that an MP4 was written with its index (moov) before the media (mdat). */
static void check_faststart(const char *path)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    long moov = -1, mdat = -1, pos = 0;
    unsigned char h[8];
    while (fread(h, 1, 8, f) == 8) {
        unsigned long size = (unsigned long)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
        if (!memcmp(h + 4, "moov", 4))
            moov = pos;
        if (!memcmp(h + 4, "mdat", 4))
            mdat = pos;
        if (size < 8 || fseek(f, pos + (long)size, SEEK_SET) != 0)
            break;
        pos += (long)size;
    }
    fclose(f);
    CHECK(moov >= 0 && mdat >= 0);
    CHECK_CMP(moov, <, mdat);
}

static void test_containers(const Packets *p, const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/a.mp4", dir);
    CHECK_EQ(write_file(p, path, NULL, N_FRAMES), 0);
    check_file(path, "mp4", N_FRAMES);
    check_faststart(path);

    snprintf(path, sizeof(path), "%s/b.h264", dir);
    CHECK_EQ(write_file(p, path, NULL, N_FRAMES), 0);
    check_file(path, "h264", N_FRAMES);
    /* Annex B is the packets, byte for byte */
    FILE *f = fopen(path, "rb");
    int same = 1;
    for (int i = 0; f && i < p->n; i++) {
        uint8_t *buf = malloc(p->pkts[i].size);
        if (!buf || fread(buf, 1, p->pkts[i].size, f) != p->pkts[i].size ||
            memcmp(buf, p->pkts[i].data, p->pkts[i].size))
            same = 0;
        free(buf);
    }
    CHECK(f && same && fgetc(f) == EOF);
    if (f)
        fclose(f);

    snprintf(path, sizeof(path), "%s/c.264", dir);
    CHECK_EQ(write_file(p, path, NULL, 3), 0);
    check_file(path, "h264", 3);

    snprintf(path, sizeof(path), "%s/d.ts", dir);
    CHECK_EQ(write_file(p, path, NULL, N_FRAMES), 0);
    check_file(path, "mpegts", N_FRAMES);

    /* an explicit format wins over the name */
    snprintf(path, sizeof(path), "%s/e.bin", dir);
    CHECK_EQ(write_file(p, path, "mp4", N_FRAMES), 0);
    check_file(path, "mp4", N_FRAMES);
    CHECK_EQ(count_prefixed(dir, "[a-e].*partial"), 0);
}

static void test_failures(const Packets *p, const char *dir)
{
    TkStreamInfo info = { .width = 100, .height = 60, .fps_num = FPS_NUM, .fps_den = FPS_DEN };
    char path[512];
    TalkieOutput *out = (TalkieOutput *)&info;

    /* aborted after some packets: nothing at the name, no partial file left */
    const char *names[] = { "f.mp4", "f.h264", "f.ts" };
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
        CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), 0);
        CHECK_EQ(count_prefixed(dir, "f\\..*partial"), 1); /* it is being written */
        for (int i = 0; i < 5; i++)
            CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
        talkie_output_abort(&out);
        CHECK(out == NULL);
        CHECK(!file_exists(path));
        CHECK_EQ(count_prefixed(dir, "f\\."), 0);
    }

    /* an MP4 that does not start with a keyframe cannot be written: close fails, no file */
    snprintf(path, sizeof(path), "%s/g.mp4", dir);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), 0);
    CHECK(talkie_output_write(out, &p->pkts[1]) < 0);
    CHECK(talkie_output_write(out, &p->pkts[2]) < 0); /* stays failed */
    CHECK(talkie_output_close(&out) < 0);
    CHECK(out == NULL);
    CHECK(!file_exists(path));

    /* nothing written: not a valid file either */
    snprintf(path, sizeof(path), "%s/h.ts", dir);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), 0);
    CHECK(talkie_output_close(&out) < 0);
    CHECK(!file_exists(path));

    /* timestamps going backwards: the muxer refuses, close fails, no file */
    snprintf(path, sizeof(path), "%s/i.mp4", dir);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), 0);
    CHECK_EQ(talkie_output_write(out, &p->pkts[0]), 0);
    CHECK_EQ(talkie_output_write(out, &p->pkts[2]), 0);
    CHECK(talkie_output_write(out, &p->pkts[1]) < 0);
    CHECK(talkie_output_close(&out) < 0);
    CHECK(!file_exists(path));

    /* unknown format, unwritable places, bad arguments */
    snprintf(path, sizeof(path), "%s/j.avi", dir);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK(out == NULL);
    CHECK_EQ(tk_output_open(&out, &info, path, "webm", NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_output_open(&out, &info, "-", "mp4", NULL), TALKIE_ERR(EINVAL));
    snprintf(path, sizeof(path), "%s/no/such/dir/k.mp4", dir);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), TALKIE_ERR(ENOENT));
    snprintf(path, sizeof(path), "%s/sub.mp4", dir);
    CHECK_EQ(mkdir(path, 0755), 0);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), TALKIE_ERR(EISDIR));
    rmdir(path);
    if (geteuid() != 0) { /* root writes anywhere */
        snprintf(path, sizeof(path), "%s/ro", dir);
        CHECK_EQ(mkdir(path, 0555), 0);
        snprintf(path, sizeof(path), "%s/ro/l.mp4", dir);
        CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), TALKIE_ERR(EACCES));
        snprintf(path, sizeof(path), "%s/ro", dir);
        rmdir(path);
    }
    CHECK_EQ(tk_output_open(&out, NULL, "x.mp4", NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_output_open(NULL, &info, "x.mp4", NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_output_write(NULL, &p->pkts[0]), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_output_close(NULL), TALKIE_ERR(EINVAL));
    talkie_output_abort(NULL);
    out = NULL;
    talkie_output_abort(&out);

    /* SPS/PPS extraction for the MP4 header */
    uint8_t ps[256];
    long n = tk_annexb_parameter_sets(p->pkts[0].data, p->pkts[0].size, ps, sizeof(ps));
    CHECK_CMP(n, >, 8);
    CHECK(n > 8 && !memcmp(ps, "\0\0\0\1", 4) && (ps[4] & 0x1f) == 7);
    CHECK_EQ(tk_annexb_parameter_sets(p->pkts[1].data, p->pkts[1].size, ps, sizeof(ps)), 0);
    CHECK_EQ(tk_annexb_parameter_sets(p->pkts[0].data, p->pkts[0].size, ps, 4),
             TALKIE_ERR(ENOSPC));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int file_is(const char *path, const char *text)
{
    char buf[64] = "";
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

static int lstat_mode(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (int)(st.st_mode & S_IFMT) : -1;
}

static void test_not_ours(const Packets *p, const char *dir)
{
    TkStreamInfo info = { .width = 100, .height = 60, .fps_num = FPS_NUM, .fps_den = FPS_DEN };
    char path[512], other[600];
    TalkieOutput *out = NULL;

    /* a link planted under the partial file's name is not followed: the victim survives */
    snprintf(other, sizeof(other), "%s/victim", dir);
    write_text(other, "precious");
    snprintf(path, sizeof(path), "%s/m.h264.partial-%ld", dir, (long)getpid());
    CHECK_EQ(symlink(other, path), 0);
    snprintf(path, sizeof(path), "%s/m.h264", dir);
    CHECK_EQ(write_file(p, path, NULL, 3), 0);
    CHECK(file_is(other, "precious"));
    CHECK_EQ(lstat_mode(path), S_IFREG);
    check_file(path, "h264", 3);
    CHECK_EQ(count_prefixed(dir, "m\\..*partial"), 0);
    unlink(path);

    /* a link to a regular file: the target is replaced, the link stays */
    snprintf(path, sizeof(path), "%s/n.mp4", dir);
    CHECK_EQ(symlink("victim", path), 0);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), 0);
    for (int i = 0; i < N_FRAMES; i++)
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
    CHECK(file_is(other, "precious")); /* until it is complete */
    CHECK_EQ(talkie_output_close(&out), 0);
    CHECK_EQ(lstat_mode(path), S_IFLNK);
    check_file(other, "mp4", N_FRAMES);
    CHECK_EQ(count_prefixed(dir, "victim\\."), 0);
    unlink(path);
    unlink(other);

    /* a link that leads nowhere is refused, and nothing is created at its target */
    snprintf(path, sizeof(path), "%s/o.ts", dir);
    CHECK_EQ(symlink("nowhere.ts", path), 0);
    CHECK_EQ(tk_output_open(&out, &info, path, NULL, NULL), TALKIE_ERR(ENOENT));
    CHECK_EQ(count_prefixed(dir, "nowhere"), 0);
    unlink(path);

    /* a FIFO is written in place and stays; this test holds both ends, so nothing blocks */
    snprintf(path, sizeof(path), "%s/q.fifo", dir);
    CHECK_EQ(mkfifo(path, 0600), 0);
    int fd = open(path, O_RDWR | O_NONBLOCK);
    CHECK_CMP(fd, >=, 0);
    CHECK_EQ(tk_output_open(&out, &info, path, "mp4", NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(tk_output_open(&out, &info, path, "mpegts", NULL), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
    CHECK_EQ(talkie_output_close(&out), 0);
    uint8_t ts[188];
    CHECK_EQ(read(fd, ts, sizeof(ts)), (ssize_t)sizeof(ts));
    CHECK_EQ(ts[0], 0x47);
    CHECK_EQ(tk_output_open(&out, &info, path, "h264", NULL), 0);
    talkie_output_abort(&out); /* nothing to remove: the FIFO is not the output's own */
    CHECK_EQ(lstat_mode(path), S_IFIFO);
    close(fd);
    unlink(path);

    /* a character device (our own node for /dev/null, where mknod is allowed) stays one */
    snprintf(path, sizeof(path), "%s/null", dir);
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        CHECK_EQ(tk_output_open(&out, &info, path, "h264", NULL), 0);
        for (int i = 0; i < 3; i++)
            CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
        CHECK_EQ(talkie_output_close(&out), 0);
        CHECK_EQ(lstat_mode(path), S_IFCHR);
        unlink(path);
    }
}

int main(void)
{
    Packets p;
    encode(&p, 100, 60);
    if (p.n != N_FRAMES)
        return tk_check_finish();
    char dir[] = "/tmp/talkie-test-mux-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_containers(&p, dir);
    test_failures(&p, dir);
    test_not_ours(&p, dir);
    for (int i = 0; i < p.n; i++)
        free(p.pkts[i].data);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    return tk_check_finish();
}
