/*
 * The callback output (talkie_output_open_cb, "fmp4") with the session's audio, for live
 * players (MSE, the Node package): a voiced turn of tone bursts at known times, rendered
 * through the public API, video and audio packets written as they come. Checked:
 *   - the units: the initialization segment first, then one fragment (moof + mdat) per call;
 *   - the concatenated units, read back by libavformat: one H.264 and one audio stream (AAC,
 *     and Opus where asked), every video frame;
 *   - decoded by libavcodec at their timestamps: each burst starts within 10 ms of its time
 *     (the audio is in sync with video frame 0), and the audio lasts as long as the video
 *     within one audio frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "../common/check.h"
#include "decode_back.h"
#include "drain.h"
#include "lavc_session.h"
#include "signal.h"
#include "talkie/talkie.h"

#define FPS 25
#define N_FRAMES 75 /* 3 s */

static const int burst_ms[] = { 400, 1300, 2200 };

typedef struct Units {
    FILE *f;
    int n, fragments, bad;
} Units;

static int box_is(const uint8_t *d, size_t n, const char *type)
{
    return n >= 8 && !memcmp(d + 4, type, 4);
}

static int on_unit(void *opaque, const uint8_t *data, size_t size)
{
    Units *u = opaque;
    /* the first unit is ftyp + moov, every other one moof + mdat */
    if (u->n == 0 ? !box_is(data, size, "ftyp") : !box_is(data, size, "moof"))
        u->bad++;
    u->fragments += u->n > 0;
    u->n++;
    return fwrite(data, 1, size, u->f) == size ? 0 : TALKIE_ERR(EIO);
}

static int count_streams(const char *path, int *video, int *audio, int *video_frames,
                         char *audio_codec, size_t size)
{
    AVFormatContext *fmt = NULL;
    *video = *audio = *video_frames = 0;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return -1;
    avformat_find_stream_info(fmt, NULL);
    int vindex = -1;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->codec_id == AV_CODEC_ID_H264) {
            (*video)++;
            vindex = (int)i;
        } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
            (*audio)++;
            snprintf(audio_codec, size, "%s", avcodec_get_name(par->codec_id));
        }
    }
    AVPacket *pkt = av_packet_alloc();
    while (pkt && av_read_frame(fmt, pkt) >= 0) {
        *video_frames += pkt->stream_index == vindex;
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return 0;
}

static void run(TalkieAudioCodec codec, const char *want_codec, const char *path)
{
    TalkieSession *ts = open_audio_session(96, 64, FPS, 26, codec);
    if (!ts)
        return;
    /* one voiced turn over the whole video: bursts of 200 ms, silence between */
    const int rate = 24000;
    size_t frames = (size_t)rate * N_FRAMES / FPS;
    int16_t *pcm = test_bursts(frames, rate, 500.0, 12000.0, burst_ms, 3, 200);
    CHECK(pcm != NULL);
    TalkieTurn turn = { .speaker = "Ada", .text = "Bursts.", .start_ms = 0, .duration_ms = -1 };
    TalkieAudio audio = { .samples = pcm, .frames = frames, .sample_rate = rate,
                          .channels = 1 };
    CHECK_EQ(talkie_session_say_audio(ts, &turn, &audio, NULL), 0);
    free(pcm);

    Units u = { .f = fopen(path, "wb") };
    CHECK(u.f != NULL);
    TalkieOutput *out = NULL;
    CHECK_EQ(talkie_output_open_cb(&out, ts, "fmp4", on_unit, &u), 0);
    int video_packets = 0;
    CHECK_EQ(render_session(ts, out, N_FRAMES, &video_packets, NULL, NULL), 0);
    CHECK_EQ(talkie_output_close(&out), 0);
    talkie_session_close(&ts);
    fclose(u.f);

    CHECK_EQ(u.bad, 0);
    CHECK_EQ(video_packets, N_FRAMES);
    /* one fragment per packet: the video's and (nearly) every audio packet's */
    CHECK_CMP(u.fragments, >, N_FRAMES + N_FRAMES * 48000 / FPS / 1024 - 3);

    int nv, na, nframes;
    char name[32] = "";
    CHECK_EQ(count_streams(path, &nv, &na, &nframes, name, sizeof(name)), 0);
    CHECK_EQ(nv, 1);
    CHECK_EQ(na, 1);
    CHECK_EQ(nframes, N_FRAMES);
    CHECK(!strcmp(name, want_codec));

    DecodedAudio d;
    CHECK_EQ(decode_back(path, &d), 0);
    double video_s = (double)N_FRAMES / FPS;
    double audio_s = (double)d.length / d.rate;
    printf("%s: video %.4f s (first frame at %.2f ms), audio %.4f s\n", name, video_s,
           d.video_start_ms, audio_s);
    CHECK_CMP(fabs(d.video_start_ms), <, 0.5);
    /* within one audio packet (AAC 1024 samples, Opus 960: an MP4 fragment cannot shorten
     * the last one, and the first decoded Opus frame is shortened by its pre-skip) */
    CHECK_CMP(fabs(audio_s - video_s), <=, 1024.0 / d.rate);
    int64_t onsets[8];
    int n = find_onsets(d.samples, d.length, 0.05f, d.rate / 10, onsets, 8);
    CHECK_EQ(n, 3);
    for (int k = 0; k < n && k < 3; k++) {
        double at_ms = 1000.0 * (double)onsets[k] / d.rate;
        printf("%s: burst %d at %.2f ms (want %d)\n", name, k, at_ms, burst_ms[k]);
        CHECK_CMP(fabs(at_ms - burst_ms[k]), <=, 10.0);
    }
    decoded_audio_free(&d);
}

int main(void)
{
    char dir[] = "/tmp/talkie-cb-audio-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char aac[64], opus[64];
    snprintf(aac, sizeof(aac), "%s/aac.mp4", dir);
    snprintf(opus, sizeof(opus), "%s/opus.mp4", dir);
    run(TALKIE_AUDIO_AAC, "aac", aac);
    run(TALKIE_AUDIO_OPUS, "opus", opus);
    unlink(aac);
    unlink(opus);
    rmdir(dir);
    return tk_check_finish();
}
