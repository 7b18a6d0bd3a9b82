/*
 * Live outputs without a session: the callback output ("fmp4": one initialization segment,
 * then exactly one fragment per packet, which libavformat reads back as the same stream) and
 * push outputs (an unreachable RTMP server never fails a write; UDP receives MPEG-TS;
 * unknown schemes are refused).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "encode/backend.h"
#include "mux/output.h"
#include "synth.h"
#include "../common/check.h"

enum { N_FRAMES = 20, FPS_NUM = 30, FPS_DEN = 1, WIDTH = 64, HEIGHT = 48 };

typedef struct Packets {
    TalkiePacket pkts[N_FRAMES];
    int n;
} Packets;

static void encode(Packets *p)
{
    p->n = tk_synth_packets(p->pkts, N_FRAMES, WIDTH, HEIGHT, FPS_NUM, FPS_DEN);
}

typedef struct Units {
    uint8_t *all;         /* every byte, in order */
    size_t len;
    int calls;
    int bad_boxes;        /* units that do not start with the box they should */
    int fail_after;       /* > 0: the callback fails from this call on */
} Units;

static int box_is(const uint8_t *d, size_t n, const char *type)
{
    return n >= 8 && !memcmp(d + 4, type, 4);
}

static int on_unit(void *opaque, const uint8_t *data, size_t size)
{
    Units *u = opaque;
    u->calls++;
    if (u->fail_after && u->calls >= u->fail_after)
        return TALKIE_ERR(EPIPE);
    if (!box_is(data, size, u->calls == 1 ? "ftyp" : "moof"))
        u->bad_boxes++;
    uint8_t *na = realloc(u->all, u->len + size);
    if (!na)
        return TALKIE_ERR(ENOMEM);
    memcpy(na + u->len, data, size);
    u->all = na;
    u->len += size;
    return 0;
}

static const TkStreamInfo info = { WIDTH, HEIGHT, FPS_NUM, FPS_DEN };

static int open_cb(TalkieOutput **out, const char *format, Units *u)
{
    TkOutputSink *sink;
    int res = tk_output_cb_open(&sink, &info, format, on_unit, u, NULL);
    return res < 0 ? res : tk_output_wrap_sink(out, sink, NULL);
}

static void test_fmp4(const Packets *p, const char *dir)
{
    Units u = { 0 };
    TalkieOutput *out = NULL;
    CHECK_EQ(open_cb(&out, "fmp4", &u), 0);
    for (int i = 0; i < p->n; i++) {
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
        /* the fragment of packet i is handed over before its write returns */
        CHECK_EQ(u.calls, i + 2);
    }
    CHECK_EQ(talkie_output_close(&out), 0);
    CHECK_EQ(u.calls, N_FRAMES + 1);
    CHECK_EQ(u.bad_boxes, 0);

    /* read back: one H.264 stream, every frame, increasing timestamps */
    char path[512];
    snprintf(path, sizeof(path), "%s/live.mp4", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(u.all, 1, u.len, f) == u.len);
    if (f)
        fclose(f);
    AVFormatContext *fmt = NULL;
    CHECK_EQ(avformat_open_input(&fmt, path, NULL, NULL), 0);
    if (fmt) {
        CHECK_EQ(avformat_find_stream_info(fmt, NULL) >= 0, 1);
        CHECK_EQ(fmt->nb_streams, 1u);
        CHECK_EQ(fmt->streams[0]->codecpar->codec_id, AV_CODEC_ID_H264);
        CHECK_EQ(fmt->streams[0]->codecpar->width, WIDTH);
        AVPacket *pkt = av_packet_alloc();
        int frames = 0;
        int64_t last = INT64_MIN;
        while (pkt && av_read_frame(fmt, pkt) >= 0) {
            CHECK(pkt->pts > last);
            last = pkt->pts;
            frames++;
            av_packet_unref(pkt);
        }
        CHECK_EQ(frames, N_FRAMES);
        av_packet_free(&pkt);
        avformat_close_input(&fmt);
    }
    unlink(path);
    free(u.all);

    /* a callback that fails: that write and every later one return its error */
    Units bad = { .fail_after = 3 };
    CHECK_EQ(open_cb(&out, "fmp4", &bad), 0);
    CHECK_EQ(talkie_output_write(out, &p->pkts[0]), 0);
    CHECK_EQ(talkie_output_write(out, &p->pkts[1]), TALKIE_ERR(EPIPE));
    CHECK_EQ(talkie_output_write(out, &p->pkts[2]), TALKIE_ERR(EPIPE));
    CHECK_EQ(talkie_output_close(&out), TALKIE_ERR(EPIPE));
    free(bad.all);

    /* the first packet must be a keyframe; unknown formats are refused */
    Units u2 = { 0 };
    CHECK_EQ(open_cb(&out, "fmp4", &u2), 0);
    CHECK_EQ(talkie_output_write(out, &p->pkts[1]), TALKIE_ERR(EINVAL));
    talkie_output_abort(&out);
    CHECK(out == NULL);
    free(u2.all);
    CHECK_EQ(open_cb(&out, "mp4", &u2), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_output_open_cb(&out, NULL, "fmp4", on_unit, &u2), TALKIE_ERR(EINVAL));
    CHECK(out == NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_push(const Packets *p)
{
    CHECK_EQ(tk_push_is_url("rtmp://127.0.0.1/live/x"), 1);
    CHECK_EQ(tk_push_is_url("srt://h:1"), 1);
    CHECK_EQ(tk_push_is_url("out.mp4"), 0);
    CHECK_EQ(tk_push_is_url("dir/rtmp://x"), 0);
    TalkieOutput *out = NULL;
    CHECK_EQ(tk_output_open(&out, &info, "ftp://127.0.0.1/x", NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK(out == NULL);

    /* nobody listens: writes still succeed (the output reconnects on its own), close says */
    CHECK_EQ(tk_output_open(&out, &info, "rtmp://127.0.0.1:1/live/x", NULL, NULL), 0);
    for (int i = 0; i < p->n; i++)
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
    double t0 = now_s();
    CHECK(talkie_output_close(&out) < 0);
    CHECK(now_s() - t0 < 3.0);

    /* UDP: MPEG-TS packets arrive */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);
    CHECK(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
          getsockname(s, (struct sockaddr *)&a, &alen) == 0);
    struct timeval tv = { 2, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char url[64];
    snprintf(url, sizeof(url), "udp://127.0.0.1:%d?pkt_size=1316", ntohs(a.sin_port));
    CHECK_EQ(tk_output_open(&out, &info, url, NULL, NULL), 0);
    for (int i = 0; i < p->n; i++)
        CHECK_EQ(talkie_output_write(out, &p->pkts[i]), 0);
    CHECK_EQ(talkie_output_close(&out), 0);
    uint8_t buf[2048];
    ssize_t n = recv(s, buf, sizeof(buf), 0);
    CHECK(n >= 188 && buf[0] == 0x47);
    close(s);
}

int main(void)
{
    Packets p;
    encode(&p);
    char dir[] = "/tmp/talkie-live-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_fmp4(&p, dir);
    test_push(&p);
    rmdir(dir);
    for (int i = 0; i < p.n; i++)
        free(p.pkts[i].data);  /* as the backend made them (see test_mux.c) */
    return tk_check_finish();
}
