/*
 * Encoding: 1 kHz tone bursts placed as turns on the timeline, pulled, encoded (AAC in MP4,
 * Opus in WebM and Ogg), written with the muxing helper, then decoded back with libavformat
 * + libavcodec at the packets' timestamps: the duration is right within one audio frame and
 * every burst starts within 2 ms of where its turn was put (so priming is handled).
 * With a video stream next to it (MP4, MPEG-TS, FLV: the containers of files and RTMP),
 * every burst starts within 2 ms of its time after the first video frame: audio and video
 * stay in sync, whether the container handles priming with an edit list (MP4) or by shifting
 * every stream by the same offset (TS, FLV).
 */
#include <math.h>
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

/* A plain video stream (libavcodec's own encoders, gray frames at 30 fps) beside the audio,
 * written through the same interleaving muxer. */
typedef struct Video {
    AVCodecContext *enc;
    AVStream *st;
    AVFrame *frame;
    int64_t next;   /* frame index */
} Video;

static int video_open(Video *v, AVFormatContext *fmt, const char *codec_name)
{
    const AVCodec *codec = avcodec_find_encoder_by_name(codec_name);
    v->enc = codec ? avcodec_alloc_context3(codec) : NULL;
    v->frame = av_frame_alloc();
    v->st = avformat_new_stream(fmt, NULL);
    if (!v->enc || !v->frame || !v->st)
        return -1;
    v->enc->width = v->enc->height = 64;
    v->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    v->enc->time_base = (AVRational){ 1, 30 };
    v->enc->framerate = (AVRational){ 30, 1 };
    v->enc->max_b_frames = 0;
    v->enc->gop_size = 30;
    v->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(v->enc, codec, NULL) < 0 ||
        avcodec_parameters_from_context(v->st->codecpar, v->enc) < 0)
        return -1;
    v->st->time_base = v->enc->time_base;
    v->frame->width = v->frame->height = 64;
    v->frame->format = AV_PIX_FMT_YUV420P;
    return av_frame_get_buffer(v->frame, 0);
}

/* Encodes and writes video frames up to time `until_ms` (all remaining when flushing). */
static void video_until(Video *v, AVFormatContext *fmt, AVPacket *pkt, int64_t until_ms,
                        int flush)
{
    while (flush ? 0 : v->next * 1000 / 30 <= until_ms) {
        CHECK(av_frame_make_writable(v->frame) >= 0);
        for (int p = 0; p < 3; p++)
            memset(v->frame->data[p], 128, (size_t)v->frame->linesize[p] * (p ? 32 : 64));
        v->frame->pts = v->next++;
        CHECK(avcodec_send_frame(v->enc, v->frame) >= 0);
        while (avcodec_receive_packet(v->enc, pkt) >= 0) {
            pkt->stream_index = v->st->index;
            av_packet_rescale_ts(pkt, v->enc->time_base, v->st->time_base);
            CHECK(av_interleaved_write_frame(fmt, pkt) >= 0);
        }
    }
    if (flush) {
        avcodec_send_frame(v->enc, NULL);
        while (avcodec_receive_packet(v->enc, pkt) >= 0) {
            pkt->stream_index = v->st->index;
            av_packet_rescale_ts(pkt, v->enc->time_base, v->st->time_base);
            CHECK(av_interleaved_write_frame(fmt, pkt) >= 0);
        }
    }
}

static void video_close(Video *v)
{
    avcodec_free_context(&v->enc);
    av_frame_free(&v->frame);
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

/* video_codec: NULL for audio only, else a libavcodec encoder for a video stream beside it */
static void roundtrip(TkAudioCodec codec, int rate, int channels, const char *format,
                      const char *ext, const char *video_codec)
{
    if (video_codec && !avcodec_find_encoder_by_name(video_codec)) {
        fprintf(stderr, "(no %s encoder in this FFmpeg: %s with video not checked)\n",
                video_codec, format);
        return;
    }
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
    Video video = { 0 };
    if (video_codec)
        CHECK_EQ(video_open(&video, fmt, video_codec), 0);
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
        if (video_codec)
            video_until(&video, fmt, pkt, (pos + n) * 1000 / rate, 0);
    }
    CHECK_EQ(tk_audio_encoder_samples_in(enc), total);
    CHECK_EQ(tk_audio_encoder_flush(enc), 0);
    CHECK_EQ(write_all(enc, fmt, st, pkt, &last_pts), 0);
    if (video_codec)
        video_until(&video, fmt, pkt, 0, 1);
    CHECK_EQ(tk_audio_encoder_receive(enc, pkt), TALKIE_EOF);
    CHECK_EQ(tk_audio_encoder_send(enc, buf, 1), TALKIE_ERR(EINVAL));
    CHECK(av_write_trailer(fmt) >= 0);
    avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    av_packet_free(&pkt);
    video_close(&video);
    free(buf);

    DecodedAudio d;
    int frame = tk_audio_encoder_frame_size(enc);
    CHECK_EQ(decode_back(path, &d), 0);
    /* the time both streams start from: the first video frame, or 0 without video */
    double origin_ms = video_codec ? d.video_start_ms : 0.0;
    fprintf(stderr, "%s %d Hz %d ch in %s%s%s: frame %d, priming %d, decoded %lld samples "
            "(sent %lld), container %lld ms, video starts at %.1f ms\n", d.codec, rate,
            channels, format, video_codec ? " with " : "", video_codec ? video_codec : "",
            frame, tk_audio_encoder_initial_padding(enc), (long long)d.length,
            (long long)total, (long long)d.container_ms, origin_ms);
    CHECK(!isnan(origin_ms));
    CHECK_EQ(d.rate, rate);
    CHECK_EQ(d.channels, channels);
    double frame_ms = frame * 1000.0 / rate;
    CHECK_CMP(fabs(d.length * 1000.0 / d.rate - origin_ms - TOTAL_MS), <=, frame_ms);
    if (!video_codec)  /* with video the container's duration is the longer stream's */
        CHECK_CMP(fabs((double)d.container_ms - TOTAL_MS), <=, frame_ms + 1);
    int64_t onsets[16];
    int n = find_onsets(d.samples, d.length, 0.1f, d.rate / 20, onsets, 16);
    CHECK_EQ(n, N_BURSTS);
    for (int k = 0; k < n && k < N_BURSTS; k++) {
        double at_ms = onsets[k] * 1000.0 / d.rate - origin_ms;
        if (getenv("TALKIE_TEST_VERBOSE") || fabs(at_ms - burst_at_ms[k]) > 2.0)
            fprintf(stderr, "  burst %d: put at %d ms, heard at %.1f ms\n", k, burst_at_ms[k],
                    at_ms);
        /* 2 ms, tighter than the 10 ms asked for: a priming mishandled anywhere (AAC 21 ms,
         * Opus 6.5 ms) must fail, and every container here lands within 0.5 ms */
        CHECK_CMP(fabs(at_ms - burst_at_ms[k]), <=, 2.0);
    }
    decoded_audio_free(&d);
    if (!getenv("TALKIE_TEST_KEEP"))
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
    s.sample_rate = 24000;
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
    roundtrip(TK_AUDIO_CODEC_AAC, 48000, 1, "mp4", "mp4", NULL);
    roundtrip(TK_AUDIO_CODEC_AAC, 44100, 2, "mp4", "m4a", NULL);
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 1, "webm", "webm", NULL);
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 2, "ogg", "opus", NULL);
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 2, "matroska", "mka", NULL);
    /* beside video: the containers talkie writes (files, RTMP), and WebM for live */
    roundtrip(TK_AUDIO_CODEC_AAC, 48000, 1, "mp4", "mp4", "mpeg4");
    roundtrip(TK_AUDIO_CODEC_AAC, 48000, 1, "mpegts", "ts", "mpeg2video");
    roundtrip(TK_AUDIO_CODEC_AAC, 44100, 2, "flv", "flv", "flv");
    roundtrip(TK_AUDIO_CODEC_OPUS, 48000, 1, "webm", "webm", "libvpx");
    bad_settings();
    return tk_check_finish();
}
