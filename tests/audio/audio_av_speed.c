/*
 * Not a test: what a session's audio costs next to its video, through the public API. Says
 * the example conversation with espeak-ng (one line after another), renders it to MP4 and
 * prints the CPU time spent in talkie_session_get_audio_packet() (pulling the timeline,
 * AAC encoding) and in talkie_output_write_audio(), per second of audio, against the
 * process's CPU time per second of video for everything else (rendering, on lavapipe a CPU
 * too, H.264 encoding, muxing). Speech synthesis is timed apart.
 *
 * Usage: audio_av_speed EXAMPLE.jsonl [WxH] [encoder: lavc|compute|auto]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "talkie/talkie.h"

static double cpu_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s EXAMPLE.jsonl [WxH] [lavc|compute|auto]\n", argv[0]);
        return 1;
    }
    TalkieSettings set;
    talkie_default_settings(&set);
    if (argc > 2 && sscanf(argv[2], "%dx%d", &set.width, &set.height) != 2)
        return 1;
    set.encoder = argc > 3 && !strcmp(argv[3], "compute") ? TALKIE_ENCODER_COMPUTE
                  : argc > 3 && !strcmp(argv[3], "auto")  ? TALKIE_ENCODER_AUTO
                                                          : TALKIE_ENCODER_LAVC;
    TalkieSession *ts;
    int res = talkie_session_open(&ts, &set);
    if (res < 0) {
        fprintf(stderr, "open: %s\n", talkie_strerror(res));
        return 1;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 1;
    char buf[8192];
    double t0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    while (fgets(buf, sizeof(buf), f)) {
        json_t *o = json_loads(buf, 0, NULL);
        if (!o)
            continue;
        TalkieTurn t = { .speaker = json_string_value(json_object_get(o, "speaker")),
                         .text = json_string_value(json_object_get(o, "text")),
                         .start_ms = -1, .duration_ms = -1 };
        res = talkie_session_say_tts(ts, &t, TALKIE_TTS_ESPEAK, NULL);
        json_decref(o);
        if (res < 0) {
            fprintf(stderr, "say_tts: %s\n", talkie_strerror(res));
            return 1;
        }
    }
    fclose(f);
    double tts = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
    char path[] = "/tmp/talkie-av-speed-XXXXXX.mp4";
    int fd = mkstemps(path, 4);
    if (fd < 0)
        return 1;
    close(fd);
    TalkieOutput *out;
    if (talkie_output_open(&out, ts, path, NULL) < 0)
        return 1;
    int64_t frames = (talkie_session_end_ms(ts) + 1000) * set.fps_num / set.fps_den / 1000;
    double audio = 0;
    double t1 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int64_t i = 0; i <= frames; i++) {
        if (i < frames) {
            while ((res = talkie_session_send_frame(ts, i)) == TALKIE_ERR(EAGAIN)) {
                TalkiePacket p;
                if (talkie_session_get_packet(ts, &p) == 0) {
                    talkie_output_write(out, &p);
                    talkie_packet_unref(&p);
                }
            }
        } else {
            talkie_session_flush(ts);
        }
        TalkiePacket p;
        while ((res = talkie_session_get_packet(ts, &p)) == 0) {
            talkie_output_write(out, &p);
            talkie_packet_unref(&p);
        }
        /* the caller's thread does the audio: its CPU time is the audio's */
        double a0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
        TalkieAudioPacket ap;
        while (talkie_session_get_audio_packet(ts, &ap) == 0) {
            talkie_output_write_audio(out, &ap);
            talkie_audio_packet_unref(&ap);
        }
        audio += cpu_s(CLOCK_THREAD_CPUTIME_ID) - a0;
    }
    double total = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - t1;
    res = talkie_output_close(&out);
    unlink(path);
    double secs = (double)frames * set.fps_den / set.fps_num;
    printf("%dx%d %s, %.1f s of conversation (%lld frames)%s\n", set.width, set.height,
           talkie_encoder_name(talkie_session_encoder(ts)), secs, (long long)frames,
           res < 0 ? " (output failed)" : "");
    printf("espeak-ng synthesis:          %7.2f ms CPU per s of audio\n", tts * 1000 / secs);
    printf("audio (timeline, AAC, mux):   %7.2f ms CPU per s of audio\n", audio * 1000 / secs);
    printf("video (render, H.264, mux):   %7.2f ms CPU per s of video (all threads)\n",
           (total - audio) * 1000 / secs);
    talkie_session_close(&ts);
    return 0;
}
