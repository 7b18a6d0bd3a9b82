/*
 * Push outputs: a session's packets sent live to a media server (RTMP as FLV, SRT or UDP as
 * MPEG-TS) through libavformat (avf.c), by a thread of the output's own.
 *
 * Why a thread: connecting and writing to a network server can block for as long as the
 * network decides; the session's producer must never wait for it. talkie_output_write() puts
 * a copy of the packet in a bounded queue and returns. The thread connects (at a keyframe,
 * whose SPS/PPS the container needs), sends, and on any error closes the connection and tries
 * again after a back-off, dropping what arrives meanwhile; the stream resumes at a keyframe.
 *
 * Audio (when the session has an audio stream) shares the one queue with the video, in the
 * order the caller writes them, so the thread sends them as they came and libavformat's
 * interleaver (avf.c) orders them by time. Audio that comes while there is no connection (or
 * before its first keyframe) is dropped with the video: a stream always starts at a keyframe
 * and its audio at the packets that follow it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/encoder.h"
#include "common/clock.h"
#include "mux/avf.h"
#include "mux/output.h"

#define PUSH_BACKOFF_FIRST_NS 500000000LL   /* first retry after half a second ... */
#define PUSH_BACKOFF_MAX_NS 8000000000LL    /* ... doubling up to 8 s */
#define PUSH_QUEUE_SECONDS 2                /* packets the queue holds: two seconds' worth */
#define PUSH_CLOSE_WAIT_NS 2000000000LL     /* close sends what is queued for at most this */

/* A queued copy of a video or an audio packet (data malloc'ed). */
typedef struct PushItem {
    TalkiePacket pkt;            /* data, size, pts for both; dts, keyframe for video */
    int64_t audio_duration;      /* in samples, for audio */
    int audio;
} PushItem;

typedef struct PushSink {
    TkOutputSink base;
    TkStreamInfo info;
    const TkLog *log;
    char *url;
    const char *format;          /* "flv" or "mpegts" */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    PushItem *queue;             /* ring of packet copies */
    int cap, head, count;
    int stopping;                /* close: send what is queued, then end */
    int skip_to_key;             /* the queue overflowed: wait for a keyframe */
    int last_error;              /* the last network error, for close */
    int64_t connects, drops;
} PushSink;

int tk_push_is_url(const char *path)
{
    const char *p = path;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+')
        p++;
    return p > path && !strncmp(p, "://", 3);
}

static const char *format_for_url(const char *url)
{
    if (!strncmp(url, "rtmp://", 7) || !strncmp(url, "rtmps://", 8))
        return "flv";
    if (!strncmp(url, "srt://", 6) || !strncmp(url, "udp://", 6))
        return "mpegts";
    return NULL;
}

/* Takes the oldest packet (locked). */
static void queue_pop(PushSink *p, PushItem *pkt)
{
    *pkt = p->queue[p->head];
    p->head = (p->head + 1) % p->cap;
    p->count--;
}

static void queue_clear(PushSink *p)
{
    while (p->count > 0) {
        PushItem it;
        queue_pop(p, &it);
        free(it.pkt.data);
    }
}

/* Waits until `deadline_ns` (monotonic) or a stop; returns 1 when stopping. Locked. */
static int wait_until(PushSink *p, int64_t deadline_ns)
{
    while (!p->stopping) {
        int64_t left = deadline_ns - tk_clock_ns();
        if (left <= 0)
            return 0;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t t = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + left;
        ts.tv_sec = (time_t)(t / 1000000000LL);
        ts.tv_nsec = (long)(t % 1000000000LL);
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
    }
    return 1;
}

static void *push_thread(void *arg)
{
    PushSink *p = arg;
    TkAvfWriter *w = NULL;
    int64_t backoff = PUSH_BACKOFF_FIRST_NS, retry_at = 0, stop_deadline = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->stopping && !stop_deadline)
            stop_deadline = tk_clock_ns() + PUSH_CLOSE_WAIT_NS;
        if (p->count == 0 || (stop_deadline && tk_clock_ns() > stop_deadline))
            break;
        PushItem it;
        queue_pop(p, &it);
        pthread_mutex_unlock(&p->lock);

        const TalkiePacket pkt = it.pkt;
        int res = 0;
        if (it.audio) {
            TalkieAudioPacket apkt = { .data = pkt.data, .size = pkt.size, .pts = pkt.pts,
                                       .duration = it.audio_duration };
            if (w)
                res = tk_avf_write_audio(w, &apkt);
        } else if (!w && pkt.keyframe && tk_clock_ns() >= retry_at) {
            res = tk_avf_open(&w, p->format, p->url, &p->info, &pkt, p->log);
            if (res >= 0) {
                tk_log_info(p->log, "push: connected to %s", p->url);
                p->connects++;
            }
        }
        if (w && res >= 0 && !it.audio) {
            res = tk_avf_write(w, &pkt);
            if (res >= 0 && pkt.keyframe)
                backoff = PUSH_BACKOFF_FIRST_NS; /* a keyframe got through: it works again */
        }
        free(pkt.data);
        pthread_mutex_lock(&p->lock);
        if (res < 0) {
            tk_avf_free(&w);
            p->last_error = res;
            retry_at = tk_clock_ns() + backoff;
            tk_log_warning(p->log, "push: %s: %s; retrying in %.1f s", p->url,
                           talkie_strerror(res), (double)backoff * 1e-9);
            backoff = backoff * 2 < PUSH_BACKOFF_MAX_NS ? backoff * 2 : PUSH_BACKOFF_MAX_NS;
            /* packets that arrive meanwhile are dropped below, at the top of the loop */
            queue_clear(p);
            if (wait_until(p, retry_at))
                break;
        }
    }
    queue_clear(p);
    pthread_mutex_unlock(&p->lock);
    if (w) {
        int res = tk_avf_finish(w);
        if (res < 0)
            p->last_error = res;
        else if (p->last_error < 0 && p->connects > 0)
            p->last_error = 0; /* reconnected after an error and ended cleanly */
        tk_avf_free(&w);
    }
    return NULL;
}

/* Queues a copy of `it` (its data is the caller's). */
static int push_queue(PushSink *p, const PushItem *it)
{
    uint8_t *copy = malloc(it->pkt.size);
    if (!copy)
        return TALKIE_ERR(ENOMEM);
    memcpy(copy, it->pkt.data, it->pkt.size);
    pthread_mutex_lock(&p->lock);
    if (p->count == p->cap) {
        /* the server takes less than the stream: start again at the next keyframe */
        queue_clear(p);
        p->skip_to_key = 1;
        p->drops++;
    }
    if (p->skip_to_key && !it->audio && it->pkt.keyframe)
        p->skip_to_key = 0;
    if (p->skip_to_key) {
        free(copy);
    } else {
        PushItem *q = &p->queue[(p->head + p->count) % p->cap];
        *q = *it;
        q->pkt.data = copy;
        q->pkt.priv = NULL;
        q->pkt.user_data = NULL;
        p->count++;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return 0;
}

static int push_write(TkOutputSink *sink, const TalkiePacket *pkt)
{
    PushItem it = { .pkt = *pkt };
    return push_queue((PushSink *)sink, &it);
}

static int push_write_audio(TkOutputSink *sink, const TalkieAudioPacket *pkt)
{
    PushSink *p = (PushSink *)sink;
    if (!p->info.audio)
        return TALKIE_ERR(EINVAL);
    PushItem it = { .pkt = { .data = pkt->data, .size = pkt->size, .pts = pkt->pts,
                               .dts = pkt->pts },
                    .audio_duration = pkt->duration, .audio = 1 };
    return push_queue(p, &it);
}

static void push_stop(PushSink *p)
{
    if (!p->thread_started)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    p->thread_started = 0;
}

static int push_finish(TkOutputSink *sink)
{
    PushSink *p = (PushSink *)sink;
    push_stop(p);
    return p->last_error;
}

static void push_free(TkOutputSink *sink)
{
    PushSink *p = (PushSink *)sink;
    pthread_mutex_lock(&p->lock);
    queue_clear(p);  /* abort: nothing more is sent */
    pthread_mutex_unlock(&p->lock);
    push_stop(p);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p->queue);
    free(p->url);
    free(p);
}

int tk_push_open(TkOutputSink **out, const TkStreamInfo *info, const char *url,
                 const char *format, const TkLog *log)
{
    *out = NULL;
    const char *fmt = format ? format : format_for_url(url);
    if (!fmt || (strcmp(fmt, "flv") && strcmp(fmt, "mpegts"))) {
        tk_log_error(log, "output: %s: cannot push there (use rtmp://, srt:// or udp://, or "
                     "format flv or mpegts)", url);
        return TALKIE_ERR(EINVAL);
    }
    PushSink *p = calloc(1, sizeof(*p));
    if (!p)
        return TALKIE_ERR(ENOMEM);
    p->base.write = push_write;
    p->base.write_audio = push_write_audio;
    p->base.finish = push_finish;
    p->base.free = push_free;
    p->info = *info;
    p->log = log;
    p->format = !strcmp(fmt, "flv") ? "flv" : "mpegts";
    int fps = (info->fps_num + info->fps_den - 1) / info->fps_den;
    int per_second = fps > 0 ? fps : 1;
    if (info->audio) /* and the audio packets of the same time */
        per_second += tk_audio_encoder_time_base(info->audio).den /
                          tk_audio_encoder_frame_size(info->audio) + 1;
    p->cap = PUSH_QUEUE_SECONDS * per_second;
    p->url = strdup(url);
    p->queue = calloc((size_t)p->cap, sizeof(*p->queue));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (!p->url || !p->queue) {
        push_free(&p->base);
        return TALKIE_ERR(ENOMEM);
    }
    if (pthread_create(&p->thread, NULL, push_thread, p) != 0) {
        push_free(&p->base);
        return TALKIE_ERR(EAGAIN);
    }
    p->thread_started = 1;
    *out = &p->base;
    return 0;
}
