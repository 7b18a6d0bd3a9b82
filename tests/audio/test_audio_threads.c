/*
 * Audio from another thread while frames are produced (the thread rules of talkie.h): one
 * thread says turns, streams their audio in 20 ms chunks, ends and cuts them, as a live TTS
 * would; the main thread sends frames and takes video and audio packets. Run under
 * ThreadSanitizer (suite "threads"): no race, no deadlock between the scene's lock (the
 * mouth is read from the audio inside a snapshot) and the audio's; the stream ends cleanly.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../common/check.h"
#include "signal.h"
#include "talkie/talkie.h"

#define TURNS 6
#define FPS 25

static void *speaker_main(void *arg)
{
    TalkieSession *ts = arg;
    const int rate = 16000;
    size_t frames = (size_t)rate * 600 / 1000;
    int16_t *pcm = test_tone(frames, 1, rate, 200.0, 9000.0, 1);
    for (int k = 0; k < TURNS && pcm; k++) {
        TalkieTurn t = { .speaker = k % 2 ? "Grace" : "Ada", .text = "Streaming along",
                         .start_ms = 300 + 700 * k, .duration_ms = 600 };
        TalkieAudio fmt = { .frames = 0, .sample_rate = rate, .channels = 1 };
        int64_t id;
        CHECK_EQ(talkie_session_say_audio(ts, &t, &fmt, &id), 0);
        for (size_t done = 0; done < frames; done += (size_t)rate / 50) {
            TalkieAudio c = { .samples = pcm + done, .frames = (size_t)rate / 50,
                              .sample_rate = rate, .channels = 1 };
            CHECK_EQ(talkie_session_turn_audio(ts, id, &c), 0);
        }
        if (k == 3)
            CHECK_EQ(talkie_session_cut(ts, id, t.start_ms + 200), 0);
        CHECK_EQ(talkie_session_turn_audio_end(ts, id), 0);
    }
    free(pcm);
    return NULL;
}

int main(void)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 64;
    s.height = 48;
    s.fps_num = FPS;
    s.encoder = TALKIE_ENCODER_LAVC;
    s.font_path = getenv("TALKIE_FONT");
    s.audio_codec = TALKIE_AUDIO_AAC;   /* audio comes after the first frame */
    TalkieSession *ts = NULL;
    int res = talkie_session_open(&ts, &s);
    if (res == TALKIE_ERROR_NO_DEVICE || res == TALKIE_ERROR_VULKAN)
        tk_check_skip("no Vulkan device");
    CHECK_EQ(res, 0);
    if (!ts)
        return tk_check_finish();
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, speaker_main, ts), 0);
    int64_t frames = (300 + 700 * TURNS) * FPS / 1000, audio_packets = 0, video_packets = 0;
    for (int64_t f = 0; f <= frames; f++) {
        if (f < frames) {
            while ((res = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN)) {
                TalkiePacket p;
                if (talkie_session_get_packet(ts, &p) == 0) {
                    video_packets++;
                    talkie_packet_unref(&p);
                }
            }
            CHECK_EQ(res, 0);
        } else {
            pthread_join(th, NULL);
            CHECK_EQ(talkie_session_flush(ts), 0);
        }
        TalkiePacket p;
        while ((res = talkie_session_get_packet(ts, &p)) == 0) {
            video_packets++;
            talkie_packet_unref(&p);
        }
        CHECK(res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF);
        TalkieAudioPacket a;
        while ((res = talkie_session_get_audio_packet(ts, &a)) == 0) {
            audio_packets++;
            talkie_audio_packet_unref(&a);
        }
        CHECK(res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF);
    }
    CHECK_EQ(res, TALKIE_EOF);
    CHECK_EQ(video_packets, frames);
    /* the audio covers the video: frames / FPS seconds of 1024-sample packets, + priming */
    CHECK_CMP(audio_packets, >=, frames * 48000 / FPS / 1024);
    talkie_session_close(&ts);

    /* live: a turn whose audio never comes does not hold the audio back */
    s.audio_live = 1;
    CHECK_EQ(talkie_session_open(&ts, &s), 0);
    TalkieTurn t = { .speaker = "Ada", .text = "Never voiced", .start_ms = 0, .duration_ms = -1 };
    TalkieAudio fmt = { .frames = 0, .sample_rate = 24000, .channels = 1 };
    CHECK_EQ(talkie_session_say_audio(ts, &t, &fmt, NULL), 0);
    audio_packets = 0;
    for (int64_t f = 0; f < FPS && ts; f++) {
        TalkiePacket p;
        while ((res = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN))
            if (talkie_session_get_packet(ts, &p) == 0)
                talkie_packet_unref(&p);
        TalkieAudioPacket a;
        while (talkie_session_get_audio_packet(ts, &a) == 0) {
            audio_packets++;
            talkie_audio_packet_unref(&a);
        }
    }
    /* a second of frames: 47 packets of 1024 samples, less the encoder's one frame of delay;
     * the session's worker encodes them on its own (audio_worker.c), so the last ones may
     * come a little after the frames: no more frames are sent while waiting for them */
    for (int tries = 0; tries < 200 && audio_packets < 48000 / 1024 - 2 && ts; tries++) {
        TalkieAudioPacket a;
        if (talkie_session_get_audio_packet(ts, &a) == 0) {
            audio_packets++;
            talkie_audio_packet_unref(&a);
        } else {
            nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
    }
    CHECK_CMP(audio_packets, >=, 48000 / 1024 - 2);
    talkie_session_close(&ts);
    return tk_check_finish();
}
