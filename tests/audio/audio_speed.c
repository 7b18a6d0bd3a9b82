/*
 * Not a test: CPU time per second of audio for each audio stage (timeline with resampling
 * and mouth, AAC, Opus, espeak-ng). Run: build/tests/audio/audio_speed
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "audio/encoder.h"
#include "audio/track.h"
#include "audio/tts_espeak.h"
#include "signal.h"

#define SECONDS 60

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void timeline(int in_rate)
{
    TkAudioTrack *t;
    if (tk_audio_track_create(&t, 48000, 1, NULL) < 0)
        return;
    size_t chunk = (size_t)in_rate / 50;
    int16_t *in = test_tone(chunk, 1, in_rate, 180.0, 6000.0, 1);
    int16_t out[960];
    double t0 = cpu_s();
    int id = tk_audio_track_begin(t, 0, in_rate, 1);
    int64_t pos = 0;
    for (int i = 0; i < SECONDS * 50; i++) {
        tk_audio_track_write(t, id, in, chunk);
        while (tk_audio_track_ready(t) >= pos + 960 && tk_audio_track_pull(t, pos, 960, out) == 0)
            pos += 960;
    }
    tk_audio_track_end(t, id);
    double dt = cpu_s() - t0;
    printf("timeline %5d Hz -> 48 kHz mono, 20 ms chunks, + mouth: %6.3f ms CPU per s of audio\n",
           in_rate, dt * 1000.0 / SECONDS);
    free(in);
    tk_audio_track_destroy(&t);
}

static void encode(TkAudioCodec codec, const char *name)
{
    TkAudioEncoderSettings s = { .codec = codec, .sample_rate = 48000, .channels = 1 };
    TkAudioEncoder *e;
    if (tk_audio_encoder_open(&e, &s, NULL) < 0)
        return;
    int16_t *in = test_tone(960, 1, 48000, 180.0, 6000.0, 2);
    AVPacket *pkt = av_packet_alloc();
    double t0 = cpu_s();
    for (int i = 0; i < SECONDS * 50; i++) {
        tk_audio_encoder_send(e, in, 960);
        while (tk_audio_encoder_receive(e, pkt) == 0)
            av_packet_unref(pkt);
    }
    tk_audio_encoder_flush(e);
    while (tk_audio_encoder_receive(e, pkt) == 0)
        av_packet_unref(pkt);
    double dt = cpu_s() - t0;
    printf("%-4s 48 kHz mono, default bitrate:                %6.3f ms CPU per s of audio\n",
           name, dt * 1000.0 / SECONDS);
    av_packet_free(&pkt);
    free(in);
    tk_audio_encoder_close(&e);
}

static void speech(void)
{
    static const char *text = "The quick brown fox jumps over the lazy dog, and then it "
        "runs back home because the weather is turning and dinner is almost ready.";
    double t0 = cpu_s(), audio_s = 0;
    for (int i = 0; i < 10; i++) {
        TkPcm p;
        if (tk_tts_espeak_synth(text, i % 2, &p, NULL) == 0)
            audio_s += (double)p.frames / p.sample_rate;
        tk_pcm_free(&p);
    }
    double dt = cpu_s() - t0;
    printf("espeak-ng speech, 22.05 kHz:                      %6.3f ms CPU per s of audio\n",
           dt * 1000.0 / audio_s);
    tk_tts_espeak_shutdown();
}

int main(void)
{
    timeline(22050);
    timeline(44100);
    timeline(48000);
    encode(TK_AUDIO_CODEC_AAC, "AAC");
    encode(TK_AUDIO_CODEC_OPUS, "Opus");
    speech();
    return 0;
}
