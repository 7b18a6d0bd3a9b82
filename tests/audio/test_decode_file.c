/*
 * Audio files into PCM: WAV in every PCM flavour, many channels, AAC in M4A; the policy for
 * audio longer than its turn; and every bad input with its own error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/check.h"
#include "audio/decode_file.h"
#include "audio/encoder.h"
#include "mux/audio_stream.h"
#include "signal.h"

static char dir[200];

static const char *tmp(const char *name)
{
    static char path[300];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}

static void put_u32(FILE *f, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    fwrite(b, 1, 4, f);
}

static void put_u16(FILE *f, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    fwrite(b, 1, 2, f);
}

/* A canonical RIFF/WAVE file: `tag` 1 = PCM, 3 = float; data as given. */
static void write_wav(const char *path, int tag, int channels, int rate, int bits,
                      const void *data, uint32_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        CHECK(!"fopen");
        return;
    }
    fwrite("RIFF", 1, 4, f);
    put_u32(f, 36 + bytes);
    fwrite("WAVEfmt ", 1, 8, f);
    put_u32(f, 16);
    put_u16(f, (uint16_t)tag);
    put_u16(f, (uint16_t)channels);
    put_u32(f, (uint32_t)rate);
    put_u32(f, (uint32_t)(rate * channels * bits / 8));
    put_u16(f, (uint16_t)(channels * bits / 8));
    put_u16(f, (uint16_t)bits);
    fwrite("data", 1, 4, f);
    put_u32(f, bytes);
    if (bytes)
        fwrite(data, 1, bytes, f);
    fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_wav_s16(int rate, int channels)
{
    size_t frames = (size_t)rate * 3 / 4;
    int16_t *s = test_tone(frames, channels, rate, 330.0, 9000.0, (uint32_t)rate);
    write_wav(tmp("s16.wav"), 1, channels, rate, 16, s,
              (uint32_t)(frames * (size_t)channels * 2));
    TkPcm pcm;
    CHECK_EQ(tk_audio_decode_file(tmp("s16.wav"), TK_AUDIO_FILE_MAX_MS, TK_AUDIO_LONG_REFUSE,
                                  &pcm, NULL), 0);
    CHECK_EQ(pcm.sample_rate, rate);
    CHECK_EQ(pcm.channels, channels);
    CHECK_EQ(pcm.frames, frames);
    if (pcm.frames == frames && pcm.channels == channels)
        tk_check_bytes("s16 WAV samples", (const uint8_t *)s, (const uint8_t *)pcm.samples,
                       frames * (size_t)channels * 2);
    tk_pcm_free(&pcm);
    free(s);
}

/* Float, u8, 24-bit and 6-channel WAV: converted to s16, 6 channels mixed to stereo. */
static void test_wav_formats(void)
{
    enum { N = 4000 };
    static float fl[N];
    static uint8_t u8[N];
    static uint8_t s24[N * 3 * 2];
    static int16_t six[N * 6];
    for (int i = 0; i < N; i++) {
        double v = 0.5 * sin(i * 0.05);
        fl[i] = (float)v;
        u8[i] = (uint8_t)lrint(128 + 127 * v);
        int32_t x = (int32_t)lrint(v * 8388607);
        for (int c = 0; c < 2; c++) {
            s24[(i * 2 + c) * 3] = (uint8_t)x;
            s24[(i * 2 + c) * 3 + 1] = (uint8_t)(x >> 8);
            s24[(i * 2 + c) * 3 + 2] = (uint8_t)(x >> 16);
        }
        for (int c = 0; c < 6; c++)
            six[i * 6 + c] = (int16_t)lrint(v * 16000);
    }
    struct { const char *name; int tag, ch, rate, bits; const void *data; uint32_t bytes;
             int out_ch; double tol; } cases[] = {
        { "f32.wav", 3, 1, 16000, 32, fl, sizeof(fl), 1, 2 },
        { "u8.wav", 1, 1, 8000, 8, u8, sizeof(u8), 1, 300 },
        { "s24.wav", 1, 2, 48000, 24, s24, sizeof(s24), 2, 2 },
        { "six.wav", 1, 6, 44100, 16, six, sizeof(six), 2, -1 },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        write_wav(tmp(cases[k].name), cases[k].tag, cases[k].ch, cases[k].rate, cases[k].bits,
                  cases[k].data, cases[k].bytes);
        TkPcm pcm;
        int res = tk_audio_decode_file(tmp(cases[k].name), 1000, TK_AUDIO_LONG_REFUSE, &pcm,
                                       NULL);
        CHECK_EQ(res, 0);
        CHECK_EQ(pcm.frames, N);
        CHECK_EQ(pcm.channels, cases[k].out_ch);
        CHECK_EQ(pcm.sample_rate, cases[k].rate);
        if (res == 0 && cases[k].tol > 0) {
            double worst = 0;
            for (int i = 0; i < N; i++) {
                double want = 0.5 * sin(i * 0.05) * 32767;
                double err = fabs(pcm.samples[i * pcm.channels] - want);
                worst = err > worst ? err : worst;
            }
            if (worst > cases[k].tol)
                fprintf(stderr, "%s: worst error %g\n", cases[k].name, worst);
            CHECK_CMP(worst, <=, cases[k].tol);
        } else if (res == 0) {
            /* downmixed, not silent */
            CHECK_CMP(abs(pcm.samples[2 * 31]), >, 3000);
        }
        tk_pcm_free(&pcm);
    }
}

/* An M4A (AAC) made by talkie's own encoder reads back with its rate and about its length. */
static void test_m4a(void)
{
    TkAudioEncoderSettings s = { .codec = TK_AUDIO_CODEC_AAC, .sample_rate = 24000,
                                 .channels = 1 };
    TkAudioEncoder *enc;
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), 0);
    AVFormatContext *fmt = NULL;
    CHECK(avformat_alloc_output_context2(&fmt, NULL, "ipod", tmp("line.m4a")) >= 0);
    AVStream *st;
    CHECK_EQ(tk_mux_audio_add_stream(fmt, enc, &st, NULL), 0);
    CHECK(avio_open(&fmt->pb, tmp("line.m4a"), AVIO_FLAG_WRITE) >= 0);
    CHECK(avformat_write_header(fmt, NULL) >= 0);
    int16_t *tone = test_tone(24000, 1, 24000, 440.0, 8000.0, 5);
    CHECK_EQ(tk_audio_encoder_send(enc, tone, 24000), 0);
    CHECK_EQ(tk_audio_encoder_flush(enc), 0);
    AVPacket *pkt = av_packet_alloc();
    while (tk_audio_encoder_receive(enc, pkt) == 0)
        CHECK_EQ(tk_mux_audio_write(fmt, st, tk_audio_encoder_time_base(enc), pkt, NULL), 0);
    CHECK(av_write_trailer(fmt) >= 0);
    avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    av_packet_free(&pkt);
    tk_audio_encoder_close(&enc);
    free(tone);
    TkPcm pcm;
    CHECK_EQ(tk_audio_decode_file(tmp("line.m4a"), 5000, TK_AUDIO_LONG_REFUSE, &pcm, NULL), 0);
    CHECK_EQ(pcm.sample_rate, 24000);
    CHECK_EQ(pcm.channels, 1);
    CHECK_CMP(labs((long)pcm.frames - 24000), <=, 1024);
    tk_pcm_free(&pcm);
}

/* Longer than the turn: cut (returns 1) or refused (EFBIG), never more than max_ms kept. */
static void test_long(void)
{
    int16_t *s = test_tone(32000, 1, 16000, 200.0, 5000.0, 11);
    write_wav(tmp("two_s.wav"), 1, 1, 16000, 16, s, 64000);
    TkPcm pcm;
    CHECK_EQ(tk_audio_decode_file(tmp("two_s.wav"), 500, TK_AUDIO_LONG_CUT, &pcm, NULL), 1);
    CHECK_EQ(pcm.frames, 8000);
    if (pcm.frames == 8000)
        tk_check_bytes("cut audio", (const uint8_t *)s, (const uint8_t *)pcm.samples, 16000);
    tk_pcm_free(&pcm);
    CHECK_EQ(tk_audio_decode_file(tmp("two_s.wav"), 500, TK_AUDIO_LONG_REFUSE, &pcm, NULL),
             TALKIE_ERR(EFBIG));
    CHECK(pcm.samples == NULL && pcm.frames == 0);
    CHECK_EQ(tk_audio_decode_file(tmp("two_s.wav"), 2000, TK_AUDIO_LONG_REFUSE, &pcm, NULL), 0);
    CHECK_EQ(pcm.frames, 32000);
    tk_pcm_free(&pcm);
    CHECK_EQ(tk_audio_decode_file(tmp("two_s.wav"), 3000, TK_AUDIO_LONG_CUT, &pcm, NULL), 0);
    tk_pcm_free(&pcm);
    free(s);
}

static void expect_error(const char *what, const char *path, int64_t max_ms, int want)
{
    TkPcm pcm;
    int res = tk_audio_decode_file(path, max_ms, TK_AUDIO_LONG_REFUSE, &pcm, NULL);
    if (res != want)
        fprintf(stderr, "%s: got %s, want %s\n", what, talkie_error_name(res),
                talkie_error_name(want));
    CHECK_EQ(res, want);
    CHECK(pcm.samples == NULL && pcm.frames == 0);
    tk_pcm_free(&pcm);
}

static void test_bad_inputs(void)
{
    int16_t one[2] = { 0, 0 };
    expect_error("missing", tmp("nope.wav"), 1000, TALKIE_ERR(ENOENT));
    expect_error("directory", dir, 1000, TALKIE_ERR(EISDIR));
    write_text(tmp("secret.wav"), "RIFF");
    chmod(tmp("secret.wav"), 0);
    if (geteuid() != 0)  /* root reads anything */
        expect_error("unreadable", tmp("secret.wav"), 1000, TALKIE_ERR(EACCES));
    write_text(tmp("notes.wav"), "these are not the samples you are looking for\n");
    expect_error("text", tmp("notes.wav"), 1000, TALKIE_ERR(EINVAL));
    write_text(tmp("empty.wav"), "");
    expect_error("empty file", tmp("empty.wav"), 1000, TALKIE_ERR(EINVAL));
    write_text(tmp("line.srt"), "1\n00:00:00,000 --> 00:00:01,500\nHello, Grace!\n\n");
    expect_error("subtitles only", tmp("line.srt"), 1000, TALKIE_ERR(ENOMSG));
    write_wav(tmp("zero.wav"), 1, 1, 16000, 16, one, 0);
    expect_error("no samples", tmp("zero.wav"), 1000, TALKIE_ERR(ENODATA));
    write_wav(tmp("codec.wav"), 0x1234, 1, 16000, 16, one, 4);
    expect_error("unknown codec", tmp("codec.wav"), 1000, TALKIE_ERROR_UNSUPPORTED);
    write_wav(tmp("slow.wav"), 1, 1, 4000, 16, one, 4);
    expect_error("4 kHz", tmp("slow.wav"), 1000, TALKIE_ERROR_UNSUPPORTED);
    expect_error("no path", "", 1000, TALKIE_ERR(EINVAL));
    expect_error("NULL path", NULL, 1000, TALKIE_ERR(EINVAL));
    expect_error("max_ms 0", tmp("slow.wav"), 0, TALKIE_ERR(EINVAL));
    expect_error("max_ms too long", tmp("slow.wav"), TK_AUDIO_FILE_MAX_MS + 1, TALKIE_ERR(EINVAL));
}

int main(void)
{
    snprintf(dir, sizeof(dir), "%s/talkie-audio-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_wav_s16(16000, 1);
    test_wav_s16(22050, 1);
    test_wav_s16(44100, 2);
    test_wav_s16(48000, 2);
    test_wav_formats();
    test_m4a();
    test_long();
    test_bad_inputs();
    static const char *files[] = { "s16.wav", "f32.wav", "u8.wav", "s24.wav", "six.wav",
        "line.m4a", "two_s.wav", "secret.wav", "notes.wav", "empty.wav", "line.srt",
        "zero.wav", "codec.wav", "slow.wav" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tmp(files[i]));
    rmdir(dir);
    return tk_check_finish();
}
