/*
 * A long live session: frames as fast as the machine goes, a new turn every 2 s of video
 * (said while the frames flow, as an agent would), for FRAMES frames (an hour of video at
 * 30 frames/s in the normal build, less under the sanitizers). Memory (RSS) and time per
 * frame must stay flat: the last tenth against the first tenth after warm-up.
 *
 * Usage: test_long_run FRAMES [WIDTHxHEIGHT [compute|lavc [rss|no-rss]]]
 *        (default 32x32 lavc rss). Under the sanitizers the RSS is not compared: their
 *        allocator keeps freed memory in per-thread caches and quarantine (packets are made on
 *        one thread and freed on another), and LeakSanitizer checks for leaks there instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/check.h"
#include "talkie/talkie.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    long frames = argc > 1 ? atol(argv[1]) : 108000;
    if (frames < 1000)
        frames = 1000;
    TalkieDeviceInfo info[4];
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 32;
    s.height = 32;
    if (argc > 2 && sscanf(argv[2], "%dx%d", &s.width, &s.height) != 2)
        return 2;
    s.fps_num = 30;
    s.encoder = argc > 3 && !strcmp(argv[3], "compute") ? TALKIE_ENCODER_COMPUTE
                                                       : TALKIE_ENCODER_LAVC;
    int check_rss = !(argc > 4 && !strcmp(argv[4], "no-rss"));
    s.font_path = getenv("TALKIE_FONT");
    s.max_frames_in_flight = 8;
    TalkieSession *ts;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    if (!ts)
        return tk_check_finish();

    /* Time per frame is taken as the fastest of CHUNKS runs of frames in a tenth: robust to
     * other work on a shared machine, which only ever makes a run slower. */
    enum { CHUNKS = 20 };
    long tenth = frames / 10, chunk = tenth / CHUNKS;
    double best_first = 1e9, best_last = 1e9, t_mark = now_s();
    long rss_first = 0, rss_last = 0;
    int64_t packets = 0, next_turn_ms = 0;
    for (long f = 0; f < frames; f++) {
        int64_t t_ms = (int64_t)f * 1000 / 30;
        if (t_ms >= next_turn_ms) {   /* a turn every 2 s, each with its own words */
            char text[96];
            snprintf(text, sizeof(text), "Line %lld of a very long conversation.",
                     (long long)(next_turn_ms / 2000));
            TalkieTurn turn = { .speaker = (next_turn_ms / 2000) % 2 ? "Grace" : "Ada",
                                .text = text, .start_ms = next_turn_ms, .duration_ms = 1600 };
            CHECK_EQ(talkie_session_say(ts, &turn), 0);
            next_turn_ms += 2000;
        }
        int r;
        TalkiePacket pkt;
        while ((r = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN))
            while (talkie_session_get_packet(ts, &pkt) == 0) {
                packets++;
                talkie_packet_unref(&pkt);
            }
        CHECK_EQ(r, 0);
        if (r < 0)
            break;
        /* the first tenth warms up; the second is the reference, the last is compared */
        int in_first = f >= tenth && f < 2 * tenth, in_last = f >= frames - tenth;
        if ((in_first || in_last) && (f - tenth) % chunk == 0) {
            double t = now_s();
            if (f > tenth && f <= 2 * tenth && t - t_mark < best_first)
                best_first = t - t_mark;
            if (f > frames - tenth && t - t_mark < best_last)
                best_last = t - t_mark;
            t_mark = t;
        }
        if (f == 2 * tenth)
            rss_first = rss_kib();
    }
    rss_last = rss_kib();
    CHECK_EQ(talkie_session_flush(ts), 0);
    TalkiePacket pkt;
    int r;
    while ((r = talkie_session_get_packet(ts, &pkt)) == 0) {
        packets++;
        talkie_packet_unref(&pkt);
    }
    CHECK_EQ(r, TALKIE_EOF);
    CHECK_EQ(packets, frames);
    talkie_session_close(&ts);

    double ms_first = 1e3 * best_first / (double)chunk, ms_last = 1e3 * best_last / (double)chunk;
    printf("%ld frames (%.1f min of video): %.3f ms/frame at 10-20%%, %.3f ms/frame in the "
           "last 10%% (fastest of %d runs of %ld frames); RSS %ld KiB at 20%%, %ld KiB at the end\n", frames, frames / 1800.0,
           ms_first, ms_last, CHUNKS, chunk, rss_first, rss_last);
    /* Generous bounds: the machine is shared, but a cost that grows with the conversation
     * doubles long before the end of an hour, and a leak of even 100 bytes a frame shows. */
    CHECK_CMP(ms_last, <, 2.0 * ms_first + 0.05);
    if (check_rss)
        CHECK_CMP(rss_last - rss_first, <, 8 * 1024);
    return tk_check_finish();
}
