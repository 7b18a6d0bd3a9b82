/*
 * Encoding: 1 kHz tone bursts placed as turns on the timeline, pulled, encoded (AAC in MP4,
 * Opus in WebM and Ogg), written with the muxing helper, then decoded back with libavformat
 * + libavcodec at the packets' timestamps: the duration is right within one audio frame and
 * every burst starts within 10 ms of where its turn was put (so priming is handled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/check.h"
#include "audio/encoder.h"
#include "audio/track.h"
#include "decode_back.h"
#include "mux/audio_stream.h"
#include "signal.h"

#define TOTAL_MS 2500
#define BURST_MS 150
static const int burst_at_ms[] = { 200, 700, 1300, 2000, 2210 };
#define N_BURSTS ((int)(sizeof(burst_at_ms) / sizeof(burst_at_ms[0])))

/* The timeline with one turn per burst (16 kHz mono input), as the session would build it. */
static TkAudioTrack *bursts_track(int rate, int channels)
{
    TkAudioTrack *t;
    if (tk_audio_track_create(&t, rate, channels, NULL) < 0)
        return NULL;
    int zero = 0;
    int16_t *burst = test_bursts(16000 * BURST_MS / 1000, 16000, 1000.0, 12000.0, &zero, 1,
                                 BURST_MS);
    for (int k = 0; k < N_BURSTS; k++) {
        int id = tk_audio_track_begin(t, burst_at_ms[k], 16000, 1);
        CHECK_EQ(tk_audio_track_write(t, id, burst, 16000 * BURST_MS / 1000), 0);
        CHECK_EQ(tk_audio_track_end(t, id), 0);
    }
    free(burst);
    return t;
}

static int write_all(TkAudioEncoder *enc, AVFormatContext *fmt, AVStream *st, AVPacket *pkt,
                     int64_t *last_pts)
{
    int res;
    while ((res = tk_audio_encoder_receive(enc, pkt)) == 0) {
        if (*last_pts == INT64_MIN)
            CHECK_EQ(pkt->pts, -tk_audio_encoder_initial_padding(enc));
        *last_pts = pkt->pts;
        CHECK_CMP(pkt->duration, >, 0);
        res = tk_mux_audio_write(fmt, st, tk_audio_encoder_time_base(enc), pkt, NULL);
        if (res < 0)
            return res;
    }
    return res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF ? 0 : res;
}

static void roundtrip(TkAudioCodec codec, int rate, int channels, const char *format,
                      const char *ext)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/talkie-audio-%d.%s",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), ext);
    TkAudioEncoderSettings s = { .codec = codec, .sample_rate = rate, .channels = channels };
    TkAudioEncoder *enc;
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), 0);
    if (!enc)
        return;
    TkAudioTrack *t = bursts_track(rate, channels);
    AVFormatContext *fmt = NULL;
    CHECK(avformat_alloc_output_context2(&fmt, NULL, format, path) >= 0);
    AVStream *st;
    CHECK_EQ(tk_mux_audio_add_stream(fmt, enc, &st, NULL), 0);
    CHECK(avio_open(&fmt->pb, path, AVIO_FLAG_WRITE) >= 0);
    CHECK(avformat_write_header(fmt, NULL) >= 0);

    /* pull in 20 ms pieces, as a 50 Hz audio clock would */
    int64_t total = (int64_t)TOTAL_MS * rate / 1000, piece = rate / 50;
    int16_t *buf = malloc((size_t)piece * (size_t)channels * sizeof(int16_t));
    AVPacket *pkt = av_packet_alloc();
    int64_t last_pts = INT64_MIN;
    for (int64_t pos = 0; pos < total; pos += piece) {
        int64_t n = pos + piece > total ? total - pos : piece;
        CHECK_EQ(tk_audio_track_pull(t, pos, (size_t)n, buf), 0);
        CHECK_EQ(tk_audio_encoder_send(enc, buf, (size_t)n), 0);
        CHECK_EQ(write_all(enc, fmt, st, pkt, &last_pts), 0);
    }
    CHECK_EQ(tk_audio_encoder_samples_in(enc), total);
    CHECK_EQ(tk_audio_encoder_flush(enc), 0);
    CHECK_EQ(write_all(enc, fmt, st, pkt, &last_pts), 0);
    CHECK_EQ(tk_audio_encoder_receive(enc, pkt), TALKIE_EOF);
    CHECK_EQ(tk_audio_encoder_send(enc, buf, 1), TALKIE_ERR(EINVAL));
    CHECK(av_write_trailer(fmt) >= 0);
    avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    av_packet_free(&pkt);
    free(buf);

    DecodedAudio d;
    int frame = tk_audio_encoder_frame_size(enc);
    CHECK_EQ(decode_back(path, &d), 0);
    fprintf(stderr, "%s %d Hz %d ch in %s: frame %d, priming %d, decoded %lld samples "
            "(sent %lld), container %lld ms\n", d.codec, rate, channels, format, frame,
            tk_audio_encoder_initial_padding(enc), (long long)d.length, (long long)total,
            (long long)d.container_ms);
    /* FFmpeg's Opus decoder always gives 48 kHz: compare in time, not samples */
    CHECK_EQ(d.rate, codec == TK_AUDIO_CODEC_OPUS ? 48000 : rate);
    CHECK_EQ(d.channels, channels);
    double frame_ms = frame * 1000.0 / rate;
    CHECK_CMP(fabs(d.length * 1000.0 / d.rate - TOTAL_MS), <=, frame_ms);
    CHECK_CMP(fabs((double)d.container_ms - TOTAL_MS), <=, frame_ms + 1);
    int64_t onsets[16];
    int n = find_onsets(d.samples, d.length, 0.1f, d.rate / 20, onsets, 16);
    CHECK_EQ(n, N_BURSTS);
    for (int k = 0; k < n && k < N_BURSTS; k++) {
        double at_ms = onsets[k] * 1000.0 / d.rate;
        if (fabs(at_ms - burst_at_ms[k]) > 10.0)
            fprintf(stderr, "  burst %d: put at %d ms, heard at %.1f ms\n", k, burst_at_ms[k],
                    at_ms);
        CHECK_CMP(fabs(at_ms - burst_at_ms[k]), <=, 10.0);
    }
    decoded_audio_free(&d);
    unlink(path);
    tk_audio_track_destroy(&t);
    tk_audio_encoder_close(&enc);
    CHECK(enc == NULL);
}

static void bad_settings(void)
{
    TkAudioEncoder *enc;
    TkAudioEncoderSettings s = { .codec = TK_AUDIO_CODEC_OPUS, .sample_rate = 44100,
                                 .channels = 1 };
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), TALKIE_ERROR_UNSUPPORTED);
    s.sample_rate = 48000;
    s.channels = 3;
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), TALKIE_ERR(EINVAL));
    s.channels = 1;
    s.codec = (TkAudioCodec)7;
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), TALKIE_ERR(EINVAL));
    /* a container that cannot carry the codec: Opus in FLV */
    s.codec = TK_AUDIO_CODEC_OPUS;
    CHECK_EQ(tk_audio_encoder_open(&enc, &s, NULL), 0);
    AVFormatContext *fmt = NULL;
    CHECK(avformat_alloc_output_context2(&fmt, NULL, "flv", "x.flv") >= 0);
    AVStream *st;
    CHECK_EQ(tk_mux_audio_add_stream(fmt, enc, &st, NULL), TALKIE_ERROR_MUXER);
    avformat_free_context(fmt);
    tk_audio_encoder_close(&enc);
    tk_audio_encoder_close(&enc);
}

int main(void)
{
    roundtrip(TK_AUDIO_CODEC_AAC, 48000, 1, "mp4", "mp4");
    roundtrip(TK_AUDIO_CODEC_AAC, 44100, 2, "mp4", "m4a");
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 1, "webm", "webm");
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 2, "ogg", "opus");
    roundtrip(TK_AUDIO_CODEC_OPUS, 24000, 1, "matroska", "mka");
    bad_settings();
    return tk_check_finish();
}
