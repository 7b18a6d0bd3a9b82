/*
 * Audio through the public API, checked on what libavcodec decodes from the files:
 *   - a render with two voiced turns: one video and one audio stream, audio as long as the
 *     video within one audio frame, each turn's first sample within 40 ms of the first frame
 *     showing its subtitle (found on the pixels of the subtitle's text area);
 *   - tone bursts: the mouth region (the composer's layout) opens within one frame of each
 *     burst and is closed in the gaps, on the decoded pixels;
 *   - streamed 20 ms chunks with jitter, all before the frames or arriving ahead of the
 *     picture, give the same file as the whole buffer;
 *   - a barge-in cut: the subtitle is gone and the audio silent from the cut on;
 *   - bad arguments get their errors; a session without audio writes the same video as one
 *     opened with TALKIE_AUDIO_NONE.
 * Small sizes and the lavc encoder keep it quick on lavapipe.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "../common/check.h"
#include "decode_back.h"
#include "drain.h"
#include "lavc_session.h"
#include "render/composer.h"
#include "scene/scene.h"
#include "signal.h"
#include "talkie/talkie.h"

#define FPS 25

static char tmpdir[] = "/tmp/talkie-audio-XXXXXX";

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static TalkieSession *open_session(int w, int h, int qp, TalkieAudioCodec codec)
{
    return open_audio_session(w, h, FPS, qp, codec);
}

static void render(TalkieSession *ts, const char *path, int64_t frames, BeforeFrame before,
                   void *ctx)
{
    TalkieOutput *out = NULL;
    CHECK_EQ(talkie_output_open(&out, ts, path, NULL), 0);
    if (!out)
        return;
    CHECK_EQ(render_session(ts, out, frames, NULL, before, ctx), 0);
    CHECK_EQ(talkie_output_close(&out), 0);
}

/* The luma planes of every video frame of a file, and its stream counts. */
typedef struct Video {
    uint8_t **y;
    int n, w, h;
    int video_streams, audio_streams;
} Video;

static void video_free(Video *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->y[i]);
    free(v->y);
    memset(v, 0, sizeof(*v));
}

static int decode_video(const char *path, Video *v)
{
    memset(v, 0, sizeof(*v));
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int err = avformat_open_input(&fmt, path, NULL, NULL);
    if (err >= 0)
        err = avformat_find_stream_info(fmt, NULL);
    if (err < 0)
        goto done;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        v->video_streams += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
        v->audio_streams += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    }
    int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    const AVCodec *codec = si >= 0 ? avcodec_find_decoder(fmt->streams[si]->codecpar->codec_id)
                                   : NULL;
    if (!codec || !(dec = avcodec_alloc_context3(codec))) {
        err = AVERROR_DECODER_NOT_FOUND;
        goto done;
    }
    avcodec_parameters_to_context(dec, fmt->streams[si]->codecpar);
    if ((err = avcodec_open2(dec, codec, NULL)) < 0)
        goto done;
    for (int eof = 0; !eof;) {
        err = av_read_frame(fmt, pkt);
        if (err == AVERROR_EOF) {
            eof = 1;
            err = avcodec_send_packet(dec, NULL);
        } else if (err >= 0) {
            if (pkt->stream_index == si)
                err = avcodec_send_packet(dec, pkt);
            av_packet_unref(pkt);
        }
        if (err < 0)
            goto done;
        while ((err = avcodec_receive_frame(dec, fr)) >= 0) {
            uint8_t **grown = realloc(v->y, (size_t)(v->n + 1) * sizeof(*grown));
            if (!grown) {
                err = AVERROR(ENOMEM);
                goto done;
            }
            v->y = grown;
            v->w = fr->width;
            v->h = fr->height;
            uint8_t *plane = malloc((size_t)fr->width * (size_t)fr->height);
            if (!plane) {
                err = AVERROR(ENOMEM);
                goto done;
            }
            for (int r = 0; r < fr->height; r++)
                memcpy(plane + (size_t)r * (size_t)fr->width,
                       fr->data[0] + (size_t)r * (size_t)fr->linesize[0], (size_t)fr->width);
            v->y[v->n++] = plane;
            av_frame_unref(fr);
        }
        if (err != AVERROR(EAGAIN) && err != AVERROR_EOF)
            goto done;
    }
    err = 0;
done:
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return err;
}

/* Pixels of `r` in frame f whose luma differs from frame `ref`'s by more than 24. */
static int changed(const Video *v, int f, int ref, TkRect r)
{
    int n = 0;
    for (int y = r.y0; y < r.y1; y++)
        for (int x = r.x0; x < r.x1; x++) {
            int d = v->y[f][y * v->w + x] - v->y[ref][y * v->w + x];
            n += d > 24 || d < -24;
        }
    return n;
}

/* Where the composer puts things for a frame of this size with `speakers` speakers. */
static TkComposerLayout layout_for(int w, int h, int speakers)
{
    TkComposerLayout l;
    memset(&l, 0, sizeof(l));
    TkComposer *c = NULL;
    TkScene *scene = NULL;
    TkDrawList dl;
    memset(&dl, 0, sizeof(dl));
    CHECK_EQ(tk_composer_create(&c, w, h, getenv("TALKIE_FONT"), NULL), 0);
    CHECK_EQ(tk_scene_create(&scene, NULL), 0);
    static const char *names[] = { "Ada", "Grace" };
    for (int i = 0; i < speakers; i++) {
        TalkieTurn t = { .speaker = names[i], .text = "Hi there", .start_ms = 0,
                         .duration_ms = 1000 };
        CHECK_EQ(tk_scene_add_turn(scene, &t), 0);
    }
    if (c && scene) {
        CHECK_EQ(tk_composer_build(c, scene, 100, &dl), 0);
        l = *tk_composer_layout(c);
    }
    tk_draw_list_free(&dl);
    tk_scene_destroy(&scene);
    tk_composer_destroy(&c);
    return l;
}

/* ---- A/V sync of a render with two voiced turns ----------------------------------------- */

static void test_sync(void)
{
    const int w = 192, h = 144;
    const int rate = 24000;
    const int64_t starts[2] = { 400, 3400 };
    const int lens_ms[2] = { 700, 500 };
    TalkieSession *ts = open_session(w, h, 26, TALKIE_AUDIO_AUTO);
    static const char *who[] = { "Ada", "Grace" };
    for (int k = 0; k < 2; k++) {
        size_t frames = (size_t)rate * (size_t)lens_ms[k] / 1000;
        int16_t *pcm = test_tone(frames, 1, rate, 300.0 + 200 * k, 12000.0, 7u + (unsigned)k);
        TalkieTurn t = { .speaker = who[k], .text = "One two three four", .start_ms = starts[k],
                         .duration_ms = -1 };
        TalkieAudio a = { .samples = pcm, .frames = frames, .sample_rate = rate, .channels = 1 };
        int64_t id = -2;
        CHECK_EQ(talkie_session_say_audio(ts, &t, &a, &id), 0);
        CHECK_EQ(id, k);
        free(pcm);
    }
    /* the turns last as long as their audio */
    CHECK_EQ(talkie_session_end_ms(ts), starts[1] + lens_ms[1]);
    TalkieAudioInfo info;
    CHECK_EQ(talkie_session_audio_info(ts, &info), 0);
    CHECK_EQ(info.codec, TALKIE_AUDIO_AAC);
    CHECK_EQ(info.sample_rate, 48000);
    CHECK_EQ(info.frame_size, 1024);
    CHECK(info.extradata_size > 0);
    CHECK(!strcmp(info.codec_string, "mp4a.40.2"));
    char path[256];
    path_of(path, sizeof(path), "sync.mp4");
    int64_t n_frames = 4 * FPS + 13;   /* 4.52 s: not a whole number of audio frames */
    render(ts, path, n_frames, NULL, NULL);
    talkie_session_close(&ts);

    Video v;
    CHECK_EQ(decode_video(path, &v), 0);
    CHECK_EQ(v.video_streams, 1);
    CHECK_EQ(v.audio_streams, 1);
    CHECK_EQ(v.n, n_frames);
    DecodedAudio d;
    CHECK_EQ(decode_back(path, &d), 0);
    double video_s = (double)n_frames / FPS;
    double audio_s = (double)d.length / d.rate;
    printf("sync: video %.4f s, audio %.4f s\n", video_s, audio_s);
    CHECK_CMP(fabs(audio_s - video_s), <=, 1024.0 / d.rate);

    /* the subtitle's first frame, on the pixels: the text area against frame 0 (empty) */
    TkComposerLayout l = layout_for(w, h, 2);
    int64_t onsets[4];
    int n_onsets = find_onsets(d.samples, d.length, 0.05f, d.rate / 4, onsets, 4);
    CHECK_EQ(n_onsets, 2);
    int k = 0;
    for (int f = 1; f < v.n && k < 2 && v.n; f++) {
        if (changed(&v, f, 0, l.text) > 3 && changed(&v, f - 1, 0, l.text) <= 3) {
            double frame_s = (double)f / FPS;
            double onset_s = k < n_onsets ? (double)onsets[k] / d.rate : -1;
            printf("turn %d: subtitle from frame %d (%.3f s), first sample at %.4f s\n", k, f,
                   frame_s, onset_s);
            CHECK_CMP(fabs(onset_s - frame_s), <=, 0.040);
            k++;
        }
    }
    CHECK_EQ(k, 2);
    decoded_audio_free(&d);
    video_free(&v);
}

/* ---- the mouth follows tone bursts --------------------------------------------------- */

static void test_mouth(void)
{
    const int w = 256, h = 192, rate = 16000, burst_ms = 240;
    static const int bursts[] = { 200, 700, 1300, 1800 };
    const int n_bursts = 4, total_ms = 2300;
    TalkieSession *ts = open_session(w, h, 18, TALKIE_AUDIO_AUTO);
    size_t frames = (size_t)rate * total_ms / 1000;
    int16_t *pcm = test_bursts(frames, rate, 220.0, 14000.0, bursts, n_bursts, burst_ms);
    TalkieTurn t = { .speaker = "Ada", .text = "La la la la", .start_ms = 0, .duration_ms = -1 };
    TalkieAudio a = { .samples = pcm, .frames = frames, .sample_rate = rate, .channels = 1 };
    CHECK_EQ(talkie_session_say_audio(ts, &t, &a, NULL), 0);
    free(pcm);
    char path[256];
    path_of(path, sizeof(path), "mouth.mp4");
    render(ts, path, total_ms * FPS / 1000, NULL, NULL);
    talkie_session_close(&ts);

    Video v;
    CHECK_EQ(decode_video(path, &v), 0);
    TkComposerLayout l = layout_for(w, h, 1);
    TkRect m = l.mouth[0];
    /* dark (mouth-coloured) pixels in the mouth's box: a line when closed, more when open */
    int closed = -1, bad = 0, checked_open = 0, checked_closed = 0;
    int *dark = calloc((size_t)v.n + 1, sizeof(int));
    for (int f = 0; f < v.n && dark; f++)
        for (int y = m.y0; y < m.y1; y++)
            for (int x = m.x0; x < m.x1; x++)
                dark[f] += v.y[f][y * v.w + x] < 90;
    for (int f = 0; f < v.n && dark; f++) {
        int t_ms = f * 1000 / FPS;
        int settling = 0;
        /* one frame to open; the release closes within 100 ms of the end */
        for (int k = 0; k < n_bursts; k++)
            settling |= t_ms >= bursts[k] - 1000 / FPS && t_ms < bursts[k] + burst_ms + 100;
        if (!settling && t_ms > bursts[0] && (closed < 0 || dark[f] < closed))
            closed = dark[f];
    }
    CHECK(closed > 0);
    for (int f = 0; f < v.n && dark; f++) {
        int t_ms = f * 1000 / FPS;
        int in_burst = 0, settling = 0;
        for (int k = 0; k < n_bursts; k++) {
            in_burst |= t_ms >= bursts[k] + 1000 / FPS && t_ms < bursts[k] + burst_ms;
            settling |= t_ms >= bursts[k] - 1000 / FPS && t_ms < bursts[k] + burst_ms + 100;
        }
        int open = dark[f] > closed * 3 / 2 + 4;
        checked_open += in_burst;
        checked_closed += !settling && t_ms > bursts[0];
        if ((in_burst && !open) || (!settling && t_ms > bursts[0] && open)) {
            fprintf(stderr, "mouth: frame %d (%d ms): %d dark pixels (closed %d), %s\n", f,
                    t_ms, dark[f], closed, in_burst ? "want open" : "want closed");
            bad++;
        }
    }
    printf("mouth: %d frames checked open, %d closed (closed: %d dark pixels)\n", checked_open,
           checked_closed, closed);
    CHECK_EQ(bad, 0);
    CHECK_CMP(checked_open, >=, 16);
    CHECK_CMP(checked_closed, >=, 10);
    free(dark);
    video_free(&v);
}

/* ---- streaming gives the same file as the whole buffer -------------------------------- */

typedef struct Stream {
    const int16_t *pcm;
    size_t frames, done;
    int rate, channels;
    int64_t id;
    uint32_t seed;
    int64_t until_frame;  /* feed everything before this frame is sent */
} Stream;

/* Chunks of 20 ms with up to +-10 ms of jitter. */
static void feed_chunks(Stream *st, TalkieSession *ts, size_t upto)
{
    while (st->done < upto) {
        size_t base = (size_t)st->rate / 50, jitter = (size_t)st->rate / 100;
        size_t n = base - jitter + test_rand(&st->seed) % (2 * jitter + 1);
        if (n > upto - st->done)
            n = upto - st->done;
        TalkieAudio c = { .samples = st->pcm + st->done * (size_t)st->channels, .frames = n,
                          .sample_rate = st->rate, .channels = st->channels };
        CHECK_EQ(talkie_session_turn_audio(ts, st->id, &c), 0);
        st->done += n;
    }
    if (st->done == st->frames)
        CHECK_EQ(talkie_session_turn_audio_end(ts, st->id), 0);
}

/* Live TTS ahead of the picture: the second turn's audio arrives over the first turn's
 * frames, finished before its own first frame. */
static void feed_ahead(void *ctx, TalkieSession *ts, int64_t f)
{
    Stream *st = ctx;
    if (st->done == st->frames)
        return;
    size_t upto = f + 1 >= st->until_frame ? st->frames
                                           : st->frames * (size_t)(f + 1) / (size_t)st->until_frame;
    feed_chunks(st, ts, upto);
}

/* mode 0: whole buffers; 1: chunks, all before the frames; 2: chunks ahead of the picture */
static void render_streaming_case(int mode, const char *name)
{
    const int rate = 22050, channels = 2;
    const size_t f1 = (size_t)rate * 900 / 1000, f2 = (size_t)rate * 1100 / 1000;
    int16_t *p1 = test_tone(f1, channels, rate, 330.0, 9000.0, 11);
    int16_t *p2 = test_tone(f2, channels, rate, 180.0, 9000.0, 12);
    TalkieSession *ts = open_session(96, 64, 30, TALKIE_AUDIO_AAC);
    TalkieTurn t1 = { .speaker = "Ada", .text = "First", .start_ms = 200, .duration_ms = -1 };
    TalkieTurn t2 = { .speaker = "Grace", .text = "Second", .start_ms = 1500, .duration_ms = 900 };
    TalkieAudio w1 = { .samples = p1, .frames = f1, .sample_rate = rate, .channels = channels };
    TalkieAudio w2 = { .samples = p2, .frames = f2, .sample_rate = rate, .channels = channels };
    TalkieAudio s1 = { .frames = 0, .sample_rate = rate, .channels = channels };
    Stream st1 = { .pcm = p1, .frames = f1, .rate = rate, .channels = channels, .seed = 5 };
    Stream st2 = { .pcm = p2, .frames = f2, .rate = rate, .channels = channels, .seed = 6,
                   .until_frame = 1500 * FPS / 1000 };
    if (mode == 0) {
        CHECK_EQ(talkie_session_say_audio(ts, &t1, &w1, NULL), 0);
        CHECK_EQ(talkie_session_say_audio(ts, &t2, &w2, NULL), 0);
    } else {
        CHECK_EQ(talkie_session_say_audio(ts, &t1, &s1, &st1.id), 0);
        feed_chunks(&st1, ts, f1);
        CHECK_EQ(talkie_session_say_audio(ts, &t2, &s1, &st2.id), 0);
        if (mode == 1)
            feed_chunks(&st2, ts, f2);
    }
    char path[256];
    path_of(path, sizeof(path), name);
    render(ts, path, 3 * FPS, mode == 2 ? feed_ahead : NULL, &st2);
    talkie_session_close(&ts);
    free(p1);
    free(p2);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    *n = b ? fread(b, 1, (size_t)len, f) : 0;
    fclose(f);
    return b;
}

static void test_streaming(void)
{
    render_streaming_case(0, "whole.mp4");
    render_streaming_case(1, "chunks.mp4");
    render_streaming_case(2, "ahead.mp4");
    char a[256], b[256], c[256];
    path_of(a, sizeof(a), "whole.mp4");
    path_of(b, sizeof(b), "chunks.mp4");
    path_of(c, sizeof(c), "ahead.mp4");
    size_t na = 0, nb = 0, nc = 0;
    uint8_t *ba = read_all(a, &na), *bb = read_all(b, &nb), *bc = read_all(c, &nc);
    CHECK(ba && bb && bc && na > 0);
    CHECK_EQ(nb, na);
    CHECK_EQ(nc, na);
    if (ba && bb && bc && na == nb && na == nc) {
        CHECK_EQ(tk_check_bytes("chunks vs whole", bb, ba, na), -1);
        CHECK_EQ(tk_check_bytes("ahead vs whole", bc, ba, na), -1);
    }
    free(ba);
    free(bb);
    free(bc);
}

/* ---- barge-in ---------------------------------------------------------------------------- */

static void test_cut(void)
{
    const int w = 192, h = 144, rate = 48000;
    TalkieSession *ts = open_session(w, h, 26, TALKIE_AUDIO_AUTO);
    size_t frames = (size_t)rate * 2;
    int16_t *pcm = test_tone(frames, 1, rate, 250.0, 12000.0, 3);
    TalkieTurn t = { .speaker = "Ada", .text = "A long line that will be interrupted",
                     .start_ms = 0, .duration_ms = -1 };
    TalkieAudio a = { .samples = pcm, .frames = frames, .sample_rate = rate, .channels = 1 };
    int64_t id;
    CHECK_EQ(talkie_session_say_audio(ts, &t, &a, &id), 0);
    free(pcm);
    CHECK_EQ(talkie_session_cut(ts, id, 1000), 0);
    CHECK_EQ(talkie_session_cut(ts, id, 1500), 0);   /* later: changes nothing */
    CHECK_EQ(talkie_session_end_ms(ts), 1000);
    char path[256];
    path_of(path, sizeof(path), "cut.mp4");
    render(ts, path, 2 * FPS, NULL, NULL);
    talkie_session_close(&ts);

    DecodedAudio d;
    CHECK_EQ(decode_back(path, &d), 0);
    float loud_before = 0, loud_after = 0;
    for (int64_t i = 0; i < d.length; i++) {
        float s = fabsf(d.samples[i]);
        if (i > d.rate / 2 && i < d.rate * 95 / 100 && s > loud_before)
            loud_before = s;
        if (i > d.rate * 102 / 100 && s > loud_after)
            loud_after = s;
    }
    CHECK_CMP(loud_before, >, 0.2);
    CHECK_CMP(loud_after, <, 0.01);
    decoded_audio_free(&d);
    Video v;
    CHECK_EQ(decode_video(path, &v), 0);
    TkComposerLayout l = layout_for(w, h, 1);
    int cut_frame = 1000 * FPS / 1000;
    CHECK(changed(&v, cut_frame - 1, v.n - 1, l.text) > 3);  /* shown up to the cut */
    CHECK(changed(&v, cut_frame, v.n - 1, l.text) <= 3);     /* gone from the cut on */
    video_free(&v);
}

/* ---- errors, and a session without audio ---------------------------------------------- */

static void test_errors(void)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    CHECK_EQ(s.audio_codec, TALKIE_AUDIO_AUTO);
    CHECK_EQ(s.audio_sample_rate, 48000);
    CHECK_EQ(s.audio_channels, 1);
    TalkieSession *ts = NULL;
    s.audio_sample_rate = 7999;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.audio_channels = 3;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.audio_codec = TALKIE_AUDIO_OPUS;
    s.audio_sample_rate = 44100;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.audio_bitrate_bps = 100;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    talkie_default_settings(&s);
    s.audio_codec = (TalkieAudioCodec)9;
    CHECK_EQ(talkie_session_open(&ts, &s), TALKIE_ERR(EINVAL));
    CHECK(ts == NULL);

    ts = open_session(96, 64, 30, TALKIE_AUDIO_AUTO);
    int16_t pcm[480] = { 0 };
    TalkieTurn t = { .speaker = "Ada", .text = "Hi", .start_ms = -1, .duration_ms = -1 };
    TalkieAudio a = { .samples = pcm, .frames = 480, .sample_rate = 48000, .channels = 1 };
    TalkieAudio bad = a;
    bad.sample_rate = 7000;
    int64_t id = 5;
    CHECK_EQ(talkie_session_say_audio(ts, &t, &bad, &id), TALKIE_ERR(EINVAL));
    CHECK_EQ(id, -1);
    bad = a;
    bad.channels = 3;
    CHECK_EQ(talkie_session_say_audio(ts, &t, &bad, NULL), TALKIE_ERR(EINVAL));
    bad = a;
    bad.samples = NULL;
    CHECK_EQ(talkie_session_say_audio(ts, &t, &bad, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_say_audio(NULL, &t, &a, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_say_audio(ts, NULL, &a, NULL), TALKIE_ERR(EINVAL));
    TalkieTurn empty = t;
    empty.text = "";
    CHECK_EQ(talkie_session_say_audio(ts, &empty, &a, NULL), TALKIE_ERR(EINVAL));
    /* nothing was added by the failures: the first turn gets id 0 */
    CHECK_EQ(talkie_session_say_audio(ts, &t, &a, &id), 0);
    CHECK_EQ(id, 0);
    CHECK_EQ(talkie_session_turn_audio(ts, id, &a), TALKIE_ERR(EINVAL)); /* not streamed */
    CHECK_EQ(talkie_session_turn_audio_end(ts, id), TALKIE_ERR(EINVAL));
    TalkieAudio stream = { .frames = 0, .sample_rate = 16000, .channels = 1 };
    int64_t sid;
    CHECK_EQ(talkie_session_say_audio(ts, &t, &stream, &sid), 0);
    CHECK_EQ(sid, 1);
    CHECK_EQ(talkie_session_turn_audio(ts, sid, &a), TALKIE_ERR(EINVAL)); /* not 16 kHz */
    TalkieAudio a16 = a;
    a16.sample_rate = 16000;
    CHECK_EQ(talkie_session_turn_audio(ts, sid, &a16), 0);
    CHECK_EQ(talkie_session_turn_audio(ts, 99, &a), TALKIE_ERR(EINVAL));
    TalkieAudio zero = a;
    zero.frames = 0;
    CHECK_EQ(talkie_session_turn_audio(ts, sid, &zero), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_turn_audio(ts, sid, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_turn_audio_end(ts, sid), 0);
    CHECK_EQ(talkie_session_turn_audio_end(ts, sid), 0);   /* idempotent */
    CHECK_EQ(talkie_session_turn_audio(ts, sid, &a), TALKIE_ERR(EINVAL)); /* ended */
    CHECK_EQ(talkie_session_cut(ts, 99, 10), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_cut(ts, 0, -1), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_cut(NULL, 0, 10), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_say_tts(ts, &t, (TalkieTts)7, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_say_file(ts, &t, NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_say_file(ts, &t, "/nonexistent/x.wav", NULL), TALKIE_ERR(ENOENT));
    CHECK_EQ(talkie_session_get_audio_packet(ts, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_get_audio_packet(NULL, NULL), TALKIE_ERR(EINVAL));
    CHECK_EQ(talkie_session_audio_info(ts, NULL), TALKIE_ERR(EINVAL));
    talkie_audio_packet_unref(NULL);
    CHECK_EQ(talkie_output_write_audio(NULL, NULL), TALKIE_ERR(EINVAL));
    talkie_session_close(&ts);

    /* AUTO and no audio by the first frame: video only from then on */
    ts = open_session(96, 64, 30, TALKIE_AUDIO_AUTO);
    CHECK_EQ(talkie_session_say(ts, &t), 0);
    CHECK_EQ(talkie_session_send_frame(ts, 0), 0);
    CHECK_EQ(talkie_session_say_audio(ts, &t, &a, NULL), TALKIE_ERROR_UNSUPPORTED);
    TalkieAudioInfo info;
    CHECK_EQ(talkie_session_audio_info(ts, &info), 0);
    CHECK_EQ(info.codec, TALKIE_AUDIO_NONE);
    TalkieAudioPacket ap;
    CHECK_EQ(talkie_session_get_audio_packet(ts, &ap), TALKIE_EOF);
    talkie_session_close(&ts);

    /* NONE refuses audio at once */
    ts = open_session(96, 64, 30, TALKIE_AUDIO_NONE);
    CHECK_EQ(talkie_session_say_audio(ts, &t, &a, NULL), TALKIE_ERROR_UNSUPPORTED);
    CHECK_EQ(talkie_session_say_audio(ts, &t, NULL, &id), 0);  /* no audio: fine */
    CHECK_EQ(talkie_session_cut(ts, id, 100), 0);
    talkie_session_close(&ts);

    /* an audio packet for an output without audio, and for Annex B (ignored) */
    ts = open_session(96, 64, 30, TALKIE_AUDIO_NONE);
    char path[256];
    path_of(path, sizeof(path), "v.mp4");
    TalkieOutput *out = NULL;
    CHECK_EQ(talkie_output_open(&out, ts, path, NULL), 0);
    uint8_t byte = 0;
    TalkieAudioPacket fake = { .data = &byte, .size = 1 };
    CHECK_EQ(talkie_output_write_audio(out, &fake), TALKIE_ERR(EINVAL));
    talkie_output_abort(&out);
    path_of(path, sizeof(path), "v.h264");
    CHECK_EQ(talkie_output_open(&out, ts, path, NULL), 0);
    CHECK_EQ(talkie_output_write_audio(out, &fake), 0);
    talkie_output_abort(&out);
    talkie_session_close(&ts);
}

/* A session that never gets audio writes what a TALKIE_AUDIO_NONE one does. */
static void test_no_audio_same(void)
{
    char a[256], b[256];
    path_of(a, sizeof(a), "auto.mp4");
    path_of(b, sizeof(b), "none.mp4");
    for (int k = 0; k < 2; k++) {
        TalkieSession *ts = open_session(96, 64, 30, k ? TALKIE_AUDIO_NONE : TALKIE_AUDIO_AUTO);
        TalkieTurn t = { .speaker = "Ada", .text = "Hello there", .start_ms = 0,
                         .duration_ms = 800 };
        CHECK_EQ(talkie_session_say(ts, &t), 0);
        render(ts, k ? b : a, 30, NULL, NULL);
        talkie_session_close(&ts);
    }
    size_t na = 0, nb = 0;
    uint8_t *ba = read_all(a, &na), *bb = read_all(b, &nb);
    CHECK(ba && bb && na == nb && na > 0);
    if (ba && bb && na == nb)
        CHECK_EQ(tk_check_bytes("auto vs none", ba, bb, na), -1);
    free(ba);
    free(bb);
    Video v;
    CHECK_EQ(decode_video(a, &v), 0);
    CHECK_EQ(v.audio_streams, 0);
    video_free(&v);
}

static void remove_dir(void)
{
    static const char *names[] = { "sync.mp4", "mouth.mp4", "whole.mp4", "chunks.mp4",
                                   "ahead.mp4", "cut.mp4", "v.mp4", "v.h264", "auto.mp4",
                                   "none.mp4" };
    char p[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path_of(p, sizeof(p), names[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_errors();
    test_no_audio_same();
    test_sync();
    test_mouth();
    test_streaming();
    test_cut();
    remove_dir();
    return tk_check_finish();
}
