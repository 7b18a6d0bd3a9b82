/*
 * libavformat's and libavcodec's messages go through the session's log, never straight to
 * stderr: at ERROR level a render prints nothing of FFmpeg's (MP4's "Starting second pass"
 * used to appear on every render, even with talkie -q), at DEBUG level the callback gets
 * those lines, and two sessions rendering at once each get their own. stderr is captured in
 * a file for the render (dup2).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/check.h"
#include "talkie/talkie.h"

typedef struct Seen {
    int lines;               /* every line the callback got */
    int second_pass;         /* of them: libavformat's faststart line, at INFO level */
    int above_level;         /* lines more verbose than the session asked for */
    TalkieLogLevel max_level;
} Seen;

static void on_log(void *opaque, TalkieLogLevel level, const char *msg)
{
    Seen *seen = opaque;
    seen->lines++;
    seen->above_level += level > seen->max_level;
    if (strstr(msg, "Starting second pass") && level == TALKIE_LOG_INFO &&
        !strncmp(msg, "mp4: ", 5))
        seen->second_pass++;
}

/* Renders a second of talk to the MP4 file `mp4_path` with the session's log at `level`. */
static int render_mp4(TalkieLogLevel level, Seen *seen, const char *mp4_path)
{
    memset(seen, 0, sizeof(*seen));
    seen->max_level = level;
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 64;
    s.height = 64;
    s.encoder = TALKIE_ENCODER_LAVC;  /* the libavcodec backend: its messages too */
    s.validation = 1;
    s.font_path = getenv("TALKIE_FONT");
    s.log_level = level;
    s.log_callback = on_log;
    s.log_opaque = seen;
    TalkieSession *ts = NULL;
    TalkieOutput *out = NULL;
    int res = talkie_session_open(&ts, &s);
    TalkieTurn turn = { .speaker = "Ada", .text = "Quiet, please.", .start_ms = 0,
                        .duration_ms = 800 };
    if (res >= 0)
        res = talkie_session_say(ts, &turn);
    if (res >= 0)
        res = talkie_output_open(&out, ts, mp4_path, NULL);
    TalkiePacket pkt = { 0 };
    for (int64_t i = 0; res >= 0 && i < 30; i++) {
        res = talkie_session_send_frame(ts, i);
        while (res >= 0 && (res = talkie_session_get_packet(ts, &pkt)) == 0) {
            res = talkie_output_write(out, &pkt);
            talkie_packet_unref(&pkt);
        }
        if (res == TALKIE_ERR(EAGAIN))
            res = 0;
    }
    if (res >= 0)
        res = talkie_session_flush(ts);
    while (res >= 0 && (res = talkie_session_get_packet(ts, &pkt)) == 0) {
        res = talkie_output_write(out, &pkt);
        talkie_packet_unref(&pkt);
    }
    if (res == TALKIE_EOF)
        res = talkie_output_close(&out);
    talkie_output_abort(&out);
    talkie_session_close(&ts);
    unlink(mp4_path);
    return res;
}

/* render_mp4() with stderr captured; returns what stderr got meanwhile (malloc'd,
 * NUL-terminated) or NULL. */
static char *render(TalkieLogLevel level, Seen *seen)
{
    char err_path[64], mp4_path[64];
    snprintf(err_path, sizeof(err_path), "/tmp/talkie-avlog-%d.err", (int)getpid());
    snprintf(mp4_path, sizeof(mp4_path), "/tmp/talkie-avlog-%d.mp4", (int)getpid());
    int err_fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(err_fd >= 0);
    if (err_fd < 0)
        return NULL;
    fflush(stderr);
    int saved = dup(2);
    dup2(err_fd, 2);
    int res = render_mp4(level, seen, mp4_path);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK_EQ(res, 0);

    off_t size = lseek(err_fd, 0, SEEK_END);
    char *text = malloc((size_t)size + 1);
    CHECK(text != NULL);
    if (text) {
        CHECK_EQ(pread(err_fd, text, (size_t)size, 0), size);
        text[size] = 0;
    }
    close(err_fd);
    unlink(err_path);
    return text;
}

/* FFmpeg's default log callback writes "[mp4 @ 0x5555...] message". */
static int has_ffmpeg_lines(const char *text)
{
    return strstr(text, " @ 0x") || strstr(text, "second pass");
}

typedef struct Job {
    Seen seen;
    char path[64];
    int res;
} Job;

static void *render_job(void *arg)
{
    Job *job = arg;
    job->res = render_mp4(TALKIE_LOG_INFO, &job->seen, job->path);
    return NULL;
}

/* Two sessions rendering at once: each one's callback gets its own muxer's line, once. */
static void test_two_sessions(void)
{
    Job jobs[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        snprintf(jobs[i].path, sizeof(jobs[i].path), "/tmp/talkie-avlog-%d-%d.mp4",
                 (int)getpid(), i);
        CHECK_EQ(pthread_create(&threads[i], NULL, render_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        CHECK_EQ(jobs[i].res, 0);
        CHECK_EQ(jobs[i].seen.second_pass, 1);
        CHECK_EQ(jobs[i].seen.above_level, 0);
    }
}

int main(void)
{
    TalkieDeviceInfo info[4];
    if (talkie_list_devices(info, 4) <= 0)
        tk_check_skip("no Vulkan device");

    Seen seen;
    char *err = render(TALKIE_LOG_ERROR, &seen);
    if (err) {
        if (has_ffmpeg_lines(err))
            fprintf(stderr, "stderr at ERROR level:\n%s\n", err);
        CHECK(!has_ffmpeg_lines(err));
        free(err);
    }
    CHECK_EQ(seen.second_pass, 0);
    CHECK_EQ(seen.above_level, 0);

    err = render(TALKIE_LOG_DEBUG, &seen);
    if (err) {
        CHECK(!has_ffmpeg_lines(err));
        free(err);
    }
    CHECK_EQ(seen.second_pass, 1);       /* libavformat's line came through the callback */
    CHECK_CMP(seen.lines, >, 1);

    test_two_sessions();
    return tk_check_finish();
}
