/*
 * A live session of talkie serve: frames paced at the session's rate by a libwebsockets timer,
 * packets taken when talkie's packet callback wakes the loop, and sent to every viewer
 * (Annex B access units for WebCodecs, fragmented MP4 from talkie_output_open_cb() for MSE)
 * and to the push output. The transcript and the latency figures live here too.
 *
 * Every frame carries a FrameTag (send_frame_user): when it was sent, and which posted line
 * it is the first to show, so the viewer learns the server's share of the latency.
 *
 * Audio (unless --audio none): the session has an audio stream from the start (lines may
 * bring a voice at any time) in live mode (audio_live: the frames sent are the clock, so a
 * voice never holds the video back). After each video packet the audio packets up to it are
 * taken and sent: raw AAC/Opus frames to WebCodecs viewers (type 4, pts in samples), a
 * fragment of the same MP4 to MSE viewers (type 5), and the packet to the push output.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define LATENCY_SAMPLES 512   /* the latest figures kept for p50/p99 */

typedef struct FrameTag {
    int64_t send_ns;
    uint32_t line_id;     /* the first frame after this line was said; 0: none */
    int64_t line_post_ns;
} FrameTag;

typedef struct Line {
    int64_t id;
    char *speaker, *text;
    int64_t start_ms;
} Line;

typedef struct Samples {
    double v[LATENCY_SAMPLES];
    int n, next;
} Samples;

struct LiveSession {
    lws_sorted_usec_list_t sul;   /* the frame timer */
    Server *srv;
    LiveSession *next;
    char id[SERVE_ID_MAX + 1];
    TalkieSession *ts;
    TalkieStreamInfo info;
    TalkieAudioInfo audio;        /* codec TALKIE_AUDIO_NONE: video only */
    TalkieOutput *fmp4;           /* fragments for MSE viewers */
    TalkieOutput *push;           /* NULL unless pushing */
    ServeMsg *fmp4_init;          /* the initialization segment, for MSE viewers who join */
    unsigned char cur_header[SERVE_WS_HEADER_BYTES]; /* of the packet being muxed */
    int cur_key;
    int cur_audio;                /* the packet being muxed is audio (its fragment: type 5) */
    int64_t t0_ns, period_ns, next_frame;
    int64_t frames_sent, frames_skipped, packets, bytes;
    int64_t late_max_ns;          /* the timer's worst lateness */
    int64_t last_key_request_ns;
    Viewer *viewers;
    int n_viewers;
    Line *lines;
    size_t n_lines, cap_lines;
    uint32_t pending_line;        /* said, not yet tagged on a frame */
    int64_t pending_post_ns;
    Samples encode_ms, line_ms, tick_interval_ms;
    int64_t last_tick_ns;
    int error;                    /* the session's sticky error: no more frames */
};

static void samples_add(Samples *s, double v)
{
    s->v[s->next] = v;
    s->next = (s->next + 1) % LATENCY_SAMPLES;
    if (s->n < LATENCY_SAMPLES)
        s->n++;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static json_t *samples_json(const Samples *s)
{
    double sorted[LATENCY_SAMPLES];
    memcpy(sorted, s->v, sizeof(double) * (size_t)s->n);
    qsort(sorted, (size_t)s->n, sizeof(double), cmp_double);
    if (s->n == 0)
        return json_pack("{s:i}", "n", 0);
    return json_pack("{s:i,s:f,s:f,s:f}", "n", s->n, "p50", sorted[s->n / 2],
                     "p99", sorted[(s->n * 99) / 100], "max", sorted[s->n - 1]);
}

const char *live_session_id(const LiveSession *ls)
{
    return ls->id;
}

LiveSession *live_session_next(const LiveSession *ls)
{
    return ls->next;
}

LiveSession *live_session_find(Server *srv, const char *id)
{
    for (LiveSession *ls = srv->sessions; ls; ls = ls->next)
        if (!strcmp(ls->id, id))
            return ls;
    return NULL;
}

/* Runs on a talkie thread: only wakes the loop, which drains in http_callback. */
static void on_packet(void *opaque, TalkieSession *s)
{
    (void)s;
    Server *srv = opaque;
    lws_cancel_service(srv->lws);
}

static void broadcast(LiveSession *ls, ServeMsg *m, int only_mode, ViewMode mode)
{
    for (Viewer *v = ls->viewers; v; v = v->next)
        if (!only_mode || v->mode == mode)
            viewer_push(v, m);
}

static void put_le16(unsigned char *p, unsigned v) { p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; }
static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put_f64(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

/* The media message header (page.html reads it): type (1 Annex B, 2 MP4 init, 3 MP4
 * fragment, 4 audio packet, 5 MP4 fragment of audio), keyframe, header length, line id, pts
 * in frames (audio: in samples), encode ms (send_frame to packet; audio: the duration in
 * samples), line ms (line posted to packet, 0 unless line id). All little-endian. */
static void make_header(unsigned char *h, int type, int key, uint32_t line, int64_t pts,
                        double encode_ms, double line_ms)
{
    memset(h, 0, SERVE_WS_HEADER_BYTES);
    h[0] = (unsigned char)type;
    h[1] = (unsigned char)key;
    put_le16(h + 2, SERVE_WS_HEADER_BYTES);
    put_le32(h + 4, line);
    put_f64(h + 8, (double)pts);
    put_f64(h + 16, encode_ms);
    put_f64(h + 24, line_ms);
}

static ServeMsg *media_msg(const unsigned char *header, int type, const uint8_t *data,
                           size_t size, int key)
{
    ServeMsg *m = serve_msg_new(SERVE_WS_HEADER_BYTES + size);
    if (!m)
        return NULL;
    unsigned char *p = m->buf + LWS_PRE;
    memcpy(p, header, SERVE_WS_HEADER_BYTES);
    p[0] = (unsigned char)type;
    memcpy(p + SERVE_WS_HEADER_BYTES, data, size);
    m->keyframe = key;
    return m;
}

/* The fragmented MP4 output's callback: the init segment is kept for viewers who join, each
 * fragment goes to the MSE viewers with the header of the packet it holds. */
static int on_fmp4(void *opaque, const uint8_t *data, size_t size)
{
    LiveSession *ls = opaque;
    int init = !ls->fmp4_init;
    int type = init ? 2 : ls->cur_audio ? 5 : 3;
    ServeMsg *m = media_msg(ls->cur_header, type, data, size, init || ls->cur_key);
    if (!m)
        return TALKIE_ERR(ENOMEM);
    if (init) {
        m->always = 1;
        ls->fmp4_init = m;
        broadcast(ls, m, 1, VIEW_MSE);
        return 0;
    }
    broadcast(ls, m, 1, VIEW_MSE);
    serve_msg_unref(m);
    return 0;
}

static void send_packet(LiveSession *ls, TalkiePacket *pkt)
{
    int64_t now = serve_now_ns();
    FrameTag *tag = pkt->user_data;
    double encode_ms = tag ? (double)(now - tag->send_ns) * 1e-6 : 0;
    uint32_t line = tag ? tag->line_id : 0;
    double line_ms = line ? (double)(now - tag->line_post_ns) * 1e-6 : 0;
    samples_add(&ls->encode_ms, encode_ms);
    if (line)
        samples_add(&ls->line_ms, line_ms);
    ls->packets++;
    ls->bytes += (int64_t)pkt->size;

    make_header(ls->cur_header, 1, pkt->keyframe, line, pkt->pts, encode_ms, line_ms);
    ServeMsg *m = media_msg(ls->cur_header, 1, pkt->data, pkt->size, pkt->keyframe);
    if (m) {
        broadcast(ls, m, 1, VIEW_WEBCODECS);
        serve_msg_unref(m);
    }
    ls->cur_key = pkt->keyframe;
    ls->cur_audio = 0;
    if (ls->fmp4 && talkie_output_write(ls->fmp4, pkt) < 0) {
        lwsl_err("session %s: the MP4 fragments failed; MSE viewers get no more\n", ls->id);
        talkie_output_abort(&ls->fmp4);
    }
    if (ls->push)
        talkie_output_write(ls->push, pkt); /* never waits; reconnects by itself */
    free(tag);
}

/* One audio packet to the viewers and the push output. */
static void send_audio(LiveSession *ls, const TalkieAudioPacket *pkt)
{
    make_header(ls->cur_header, 4, 1, 0, pkt->pts, (double)pkt->duration, 0);
    ServeMsg *m = media_msg(ls->cur_header, 4, pkt->data, pkt->size, 0);
    if (m) {
        broadcast(ls, m, 1, VIEW_WEBCODECS);
        serve_msg_unref(m);
    }
    ls->cur_key = 0;
    ls->cur_audio = 1;
    if (ls->fmp4 && talkie_output_write_audio(ls->fmp4, pkt) < 0) {
        lwsl_err("session %s: the MP4 fragments failed; MSE viewers get no more\n", ls->id);
        talkie_output_abort(&ls->fmp4);
    }
    if (ls->push)
        talkie_output_write_audio(ls->push, pkt); /* never waits */
}

/* The audio packets up to the video sent so far. */
static void drain_audio(LiveSession *ls)
{
    for (;;) {
        TalkieAudioPacket pkt;
        int res = talkie_session_get_audio_packet(ls->ts, &pkt);
        if (res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF)
            return;
        if (res < 0) {
            if (!ls->error)
                lwsl_err("session %s: audio: %s\n", ls->id, talkie_strerror(res));
            ls->error = res;
            return;
        }
        send_audio(ls, &pkt);
        talkie_audio_packet_unref(&pkt);
    }
}

void live_session_drain(LiveSession *ls)
{
    for (;;) {
        TalkiePacket pkt;
        int res = talkie_session_get_packet(ls->ts, &pkt);
        if (res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF)
            return;
        if (res < 0) {
            if (!ls->error)
                lwsl_err("session %s: %s\n", ls->id, talkie_strerror(res));
            ls->error = res;
            return;
        }
        send_packet(ls, &pkt);
        talkie_packet_unref(&pkt);
        if (ls->audio.codec != TALKIE_AUDIO_NONE)
            drain_audio(ls);
    }
}

/* The frame timer: sends the frame that is due now, on the session's clock (t0 + n periods,
 * so lateness never accumulates). A frame the encoder cannot take (EAGAIN) or a timer that
 * fired a whole period late is skipped, never waited for. */
static void on_tick(lws_sorted_usec_list_t *sul)
{
    LiveSession *ls = lws_container_of(sul, LiveSession, sul);
    int64_t now = serve_now_ns();
    if (ls->last_tick_ns)
        samples_add(&ls->tick_interval_ms, (double)(now - ls->last_tick_ns) * 1e-6);
    ls->last_tick_ns = now;
    int64_t due = (now - ls->t0_ns) / ls->period_ns;
    if (due > ls->next_frame) {
        ls->frames_skipped += due - ls->next_frame;
        ls->next_frame = due;
    }
    int64_t late = now - (ls->t0_ns + ls->next_frame * ls->period_ns);
    if (late > ls->late_max_ns)
        ls->late_max_ns = late;
    if (!ls->error) {
        FrameTag *tag = malloc(sizeof(*tag));
        if (tag) {
            tag->send_ns = now;
            tag->line_id = ls->pending_line;
            tag->line_post_ns = ls->pending_post_ns;
            int res = talkie_session_send_frame_user(ls->ts, ls->next_frame, tag);
            if (res == 0) {
                ls->frames_sent++;
                ls->pending_line = 0;
            } else {
                free(tag);
                ls->frames_skipped++;
                if (res != TALKIE_ERR(EAGAIN)) {
                    lwsl_err("session %s: %s\n", ls->id, talkie_strerror(res));
                    ls->error = res;
                }
            }
        }
    }
    ls->next_frame++;
    live_session_drain(ls);
    int64_t wait_ns = ls->t0_ns + ls->next_frame * ls->period_ns - serve_now_ns();
    lws_sul_schedule(ls->srv->lws, 0, &ls->sul, on_tick,
                     wait_ns > 0 ? (lws_usec_t)(wait_ns / 1000) : 1);
}

int live_session_open(Server *srv, const char *id, const char *push_url, LiveSession **out,
                      char *err, size_t err_size)
{
    *out = NULL;
    LiveSession *ls = calloc(1, sizeof(*ls));
    if (!ls) {
        snprintf(err, err_size, "out of memory");
        return TALKIE_ERR(ENOMEM);
    }
    ls->srv = srv;
    snprintf(ls->id, sizeof(ls->id), "%s", id);
    TalkieSettings s = srv->opt->settings;
    s.context = srv->ctx;
    s.packet_callback = on_packet;
    s.packet_opaque = srv;
    s.audio_live = 1;
    int res = talkie_session_open(&ls->ts, &s);
    if (res >= 0)
        res = talkie_session_stream_info(ls->ts, &ls->info);
    if (res >= 0) /* fixes the streams before the outputs are opened */
        res = talkie_session_audio_info(ls->ts, &ls->audio);
    if (res >= 0)
        res = talkie_output_open_cb(&ls->fmp4, ls->ts, "fmp4", on_fmp4, ls);
    if (res >= 0 && push_url) {
        res = talkie_output_open(&ls->push, ls->ts, push_url, NULL);
        if (res < 0)
            snprintf(err, err_size, "cannot push to %s: %s", push_url, talkie_strerror(res));
    } else if (res < 0) {
        snprintf(err, err_size, "cannot open a session: %s", talkie_strerror(res));
    }
    if (res < 0) {
        live_session_close(ls);
        return res;
    }
    ls->period_ns = 1000000000LL * ls->info.fps_den / ls->info.fps_num;
    ls->t0_ns = serve_now_ns();
    ls->next = srv->sessions;
    srv->sessions = ls;
    srv->n_sessions++;
    lws_sul_schedule(srv->lws, 0, &ls->sul, on_tick, 1);
    *out = ls;
    return 0;
}

void live_session_close(LiveSession *ls)
{
    if (!ls)
        return;
    Server *srv = ls->srv;
    for (LiveSession **pp = &srv->sessions; *pp; pp = &(*pp)->next)
        if (*pp == ls) {
            *pp = ls->next;
            srv->n_sessions--;
            lws_sul_cancel(&ls->sul);
            break;
        }
    for (Viewer *v = ls->viewers; v; v = v->next) {
        v->ls = NULL;
        viewer_free_queue(v);
        lws_set_timeout(v->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    ls->viewers = NULL;
    if (ls->ts) {
        /* every frame sent comes back, so that its tag is freed; the viewers are gone */
        talkie_session_flush(ls->ts);
        TalkiePacket pkt;
        int res;
        while ((res = talkie_session_get_packet(ls->ts, &pkt)) == 0 ||
               res == TALKIE_ERR(EAGAIN)) {
            if (res == 0) {
                free(pkt.user_data);
                if (ls->push)
                    talkie_output_write(ls->push, &pkt);
                talkie_packet_unref(&pkt);
            }
        }
    }
    talkie_output_abort(&ls->fmp4);
    if (ls->push)
        talkie_output_close(&ls->push);
    talkie_session_close(&ls->ts);
    if (ls->fmp4_init)
        serve_msg_unref(ls->fmp4_init);
    for (size_t i = 0; i < ls->n_lines; i++) {
        free(ls->lines[i].speaker);
        free(ls->lines[i].text);
    }
    free(ls->lines);
    free(ls);
}

int live_session_msgs_per_second(const Server *srv)
{
    const TalkieSettings *s = &srv->opt->settings;
    int fps = s->fps_num / s->fps_den;
    /* AAC frames are 1024 samples, Opus 960: at most rate / 960 packets a second */
    int audio = s->audio_codec == TALKIE_AUDIO_NONE ? 0 : s->audio_sample_rate / 960 + 1;
    return (fps > 0 ? fps : 1) + audio;
}

/* Says the turn with its voice: the posted audio, else speech with --tts, else none. */
static int say_turn(LiveSession *ls, const TalkieTurn *turn, const TalkieAudio *audio)
{
    if (audio)
        return talkie_session_say_audio(ls->ts, turn, audio, NULL);
    if (ls->srv->opt->tts && ls->audio.codec != TALKIE_AUDIO_NONE)
        return talkie_session_say_tts(ls->ts, turn, TALKIE_TTS_ESPEAK, NULL);
    return talkie_session_say(ls->ts, turn);
}

int64_t live_session_say(LiveSession *ls, const char *speaker, const char *text,
                         const TalkieAudio *audio)
{
    if (ls->n_lines == ls->cap_lines) {
        size_t cap = ls->cap_lines ? ls->cap_lines * 2 : 16;
        Line *nl = realloc(ls->lines, cap * sizeof(*nl));
        if (!nl)
            return TALKIE_ERR(ENOMEM);
        ls->lines = nl;
        ls->cap_lines = cap;
    }
    /* said now: from the next frame sent on */
    int64_t start_ms = ls->next_frame * 1000 * ls->info.fps_den / ls->info.fps_num;
    TalkieTurn turn = { .speaker = speaker, .text = text, .start_ms = start_ms,
                        .duration_ms = -1 };
    int res = say_turn(ls, &turn, audio);
    if (res < 0)
        return res;
    Line *l = &ls->lines[ls->n_lines];
    l->id = (int64_t)ls->n_lines + 1;
    l->speaker = strdup(speaker);
    l->text = strdup(text);
    l->start_ms = start_ms;
    if (!l->speaker || !l->text) {
        free(l->speaker);
        free(l->text);
        return TALKIE_ERR(ENOMEM);
    }
    ls->n_lines++;
    ls->pending_line = (uint32_t)l->id;
    ls->pending_post_ns = serve_now_ns();

    /* the transcript reaches the viewers as text, beside the video */
    json_t *j = json_pack("{s:s,s:I,s:s,s:s,s:I}", "type", "line", "id", (json_int_t)l->id,
                          "speaker", speaker, "text", text, "start_ms", (json_int_t)start_ms);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (s) {
        size_t n = strlen(s);
        ServeMsg *m = serve_msg_new(n);
        if (m) {
            m->text = m->always = 1;
            memcpy(m->buf + LWS_PRE, s, n);
            broadcast(ls, m, 0, VIEW_WEBCODECS);
            serve_msg_unref(m);
        }
        free(s);
    }
    return l->id;
}

void *live_session_json(const LiveSession *ls, int with_transcript)
{
    json_t *viewers = json_array();
    for (const Viewer *v = ls->viewers; v; v = v->next)
        json_array_append_new(viewers, json_pack("{s:s,s:I,s:I,s:i}",
            "mode", v->mode == VIEW_MSE ? "mse" : "webcodecs", "sent", (json_int_t)v->sent,
            "dropped", (json_int_t)v->dropped, "queued", v->count));
    json_t *j = json_pack("{s:s,s:i,s:i,s:i,s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:o,s:o}",
        "id", ls->id, "width", ls->info.width, "height", ls->info.height,
        "fps_num", ls->info.fps_num, "fps_den", ls->info.fps_den, "codec", ls->info.codec,
        "encoder", talkie_encoder_name(talkie_session_encoder(ls->ts)),
        "frames_sent", (json_int_t)ls->frames_sent,
        "frames_skipped", (json_int_t)ls->frames_skipped, "packets", (json_int_t)ls->packets,
        "bytes", (json_int_t)ls->bytes, "timer_late_max_ms", (double)ls->late_max_ns * 1e-6,
        "encode_ms", samples_json(&ls->encode_ms), "line_ms", samples_json(&ls->line_ms),
        "tick_interval_ms", samples_json(&ls->tick_interval_ms), "viewers", viewers);
    if (j && ls->error)
        json_object_set_new(j, "error", json_string(talkie_strerror(ls->error)));
    if (j && ls->push)
        json_object_set_new(j, "pushing", json_true());
    if (j && with_transcript) {
        json_t *t = json_array();
        for (size_t i = 0; i < ls->n_lines; i++)
            json_array_append_new(t, json_pack("{s:I,s:s,s:s,s:I}", "id",
                (json_int_t)ls->lines[i].id, "speaker", ls->lines[i].speaker,
                "text", ls->lines[i].text, "start_ms", (json_int_t)ls->lines[i].start_ms));
        json_object_set_new(j, "transcript", t);
    }
    return j;
}

static void request_key(LiveSession *ls)
{
    int64_t now = serve_now_ns();
    /* at most one request per 200 ms: many viewers joining at once share one keyframe */
    if (now - ls->last_key_request_ns < 200000000LL)
        return;
    ls->last_key_request_ns = now;
    talkie_session_request_keyframe(ls->ts);
}

int live_session_add_viewer(LiveSession *ls, Viewer *v)
{
    if (ls->n_viewers >= ls->srv->opt->max_viewers)
        return TALKIE_ERR(EBUSY);
    v->ls = ls;
    v->next = ls->viewers;
    ls->viewers = v;
    ls->n_viewers++;
    v->need_key = 1;
    /* the hello tells the page how to set up its decoder */
    json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i}", "type", "hello", "mode",
                          v->mode == VIEW_MSE ? "mse" : "webcodecs", "codec", ls->info.codec,
                          "width", ls->info.width, "height", ls->info.height,
                          "fps_num", ls->info.fps_num, "fps_den", ls->info.fps_den);
    if (j && ls->audio.codec != TALKIE_AUDIO_NONE) {
        /* the decoder's description: AudioSpecificConfig (AAC) or OpusHead, in base64 */
        char desc[sizeof(ls->audio.extradata) * 2 + 4] = "";
        lws_b64_encode_string((const char *)ls->audio.extradata,
                              (int)ls->audio.extradata_size, desc, (int)sizeof(desc));
        json_object_set_new(j, "audio", json_pack("{s:s,s:i,s:i,s:s,s:i}", "codec",
            ls->audio.codec_string, "sample_rate", ls->audio.sample_rate, "channels",
            ls->audio.channels, "description", desc, "frame_size", ls->audio.frame_size));
    }
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    ServeMsg *m = s ? serve_msg_new(strlen(s)) : NULL;
    if (m) {
        m->text = m->always = 1;
        memcpy(m->buf + LWS_PRE, s, m->len);
        viewer_push(v, m);
        serve_msg_unref(m);
    }
    free(s);
    if (v->mode == VIEW_MSE && ls->fmp4_init)
        viewer_push(v, ls->fmp4_init);
    request_key(ls);
    return 0;
}

void live_session_remove_viewer(LiveSession *ls, Viewer *v)
{
    for (Viewer **pp = &ls->viewers; *pp; pp = &(*pp)->next)
        if (*pp == v) {
            *pp = v->next;
            ls->n_viewers--;
            break;
        }
    v->ls = NULL;
}

void live_session_viewer_idle(LiveSession *ls, Viewer *v)
{
    if (v->want_key) {
        v->want_key = 0;
        request_key(ls);
    }
}
