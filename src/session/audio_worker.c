/*
 * A session's audio worker: the thread that encodes the timeline as far as the video has
 * gone, off the caller's thread, and the consumer's side that hands its packets out
 * (talkie_session_get_audio_packet). See audio.h for the three sides and the lock.
 *
 * Why a thread per session rather than the engine's CPU pool: the pool's jobs are frames of
 * whichever session is next, and an audio encoder is a stream with state (its FIFO, the
 * priming) that must see its samples in order; one thread per session keeps that order with
 * no hand-over between threads, and it sleeps on a condition variable when there is nothing
 * to do (about 12-20 ms of CPU per second of AAC, in 100 ms pulls).
 *
 * Order and determinism: the worker is the only one that pulls and encodes, in timeline
 * order; packets are queued in the order the encoder gives them. Offline (audio_live 0) a
 * pull still waits for a streamed turn's audio, so the packets are the same whatever the
 * timing; only when each becomes available changes.
 */
#include <stdlib.h>
#include <string.h>

#include "session/audio.h"

/* Moves an encoded packet into a public one (a copy: AVPacket is not in the API). */
static int take_packet(const AVPacket *src, TalkieAudioPacket *pkt)
{
    pkt->data = malloc(src->size > 0 ? (size_t)src->size : 1);
    if (!pkt->data)
        return TALKIE_ERR(ENOMEM);
    memcpy(pkt->data, src->data, (size_t)src->size);
    pkt->size = (size_t)src->size;
    /* the encoder's time base is one sample already (encoder.h) */
    pkt->pts = src->pts;
    pkt->duration = src->duration;
    pkt->priv = NULL;
    return 0;
}

/* Queues a packet (under the lock); the queue grows as needed (the worker stops before it
 * grows past TK_AUDIO_QUEUE_PACKETS + what one pull makes). */
static int queue_push(TkSessionAudio *a, const TalkieAudioPacket *pkt)
{
    if (a->q_count == a->q_cap) {
        int cap = a->q_cap ? a->q_cap * 2 : 64;
        TalkieAudioPacket *q = malloc((size_t)cap * sizeof(*q));
        if (!q)
            return TALKIE_ERR(ENOMEM);
        for (int i = 0; i < a->q_count; i++)
            q[i] = a->queue[(a->q_head + i) % a->q_cap];
        free(a->queue);
        a->queue = q;
        a->q_cap = cap;
        a->q_head = 0;
    }
    a->queue[(a->q_head + a->q_count) % a->q_cap] = *pkt;
    a->q_count++;
    return 0;
}

/* Every packet the encoder has ready, into the queue. Called without the lock (the encoder
 * is the worker's); takes it to queue. 0 or an error. */
static int collect(TkSessionAudio *a, AVPacket *av)
{
    for (;;) {
        int res = tk_audio_encoder_receive(a->enc, av);
        if (res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF)
            return 0;
        if (res < 0)
            return res;
        TalkieAudioPacket pkt;
        res = take_packet(av, &pkt);
        av_packet_unref(av);
        if (res < 0)
            return res;
        pthread_mutex_lock(&a->lock);
        res = queue_push(a, &pkt);
        pthread_cond_signal(&a->ready);
        pthread_mutex_unlock(&a->lock);
        if (res < 0) {
            free(pkt.data);
            return res;
        }
    }
}

/* One step of work, entered and left with the lock held: pulls what the timeline has up to
 * the video's end and encodes it (or flushes the encoder at the end). 1 when it did
 * something, 0 when there is nothing to do now, or an error. */
static int step(TkSessionAudio *a, AVPacket *av)
{
    int64_t pulled = tk_audio_track_pulled(a->track);
    /* live: the frames sent are the clock, late audio does not hold it back */
    int64_t ready = a->live ? INT64_MAX : tk_audio_track_ready(a->track);
    int64_t until = a->video_end < ready ? a->video_end : ready;
    int64_t n = until - pulled;
    int res = 0;
    if (n > 0) {
        if (n > TK_AUDIO_PULL_FRAMES)
            n = TK_AUDIO_PULL_FRAMES;
        res = a->live ? tk_audio_track_pull_now(a->track, pulled, (size_t)n, a->pcm)
                      : tk_audio_track_pull(a->track, pulled, (size_t)n, a->pcm);
        if (res == TALKIE_ERR(EAGAIN))
            return 0;  /* a streamed turn's audio is still to come */
        if (res < 0)
            return res;
        pthread_mutex_unlock(&a->lock);
        res = tk_audio_encoder_send(a->enc, a->pcm, (size_t)n);
        if (res >= 0)
            res = collect(a, av);
        pthread_mutex_lock(&a->lock);
        return res < 0 ? res : 1;
    }
    if (a->flushed && pulled >= a->video_end && !a->enc_flushed) {
        a->enc_flushed = 1;
        pthread_mutex_unlock(&a->lock);
        res = tk_audio_encoder_flush(a->enc);
        if (res >= 0)
            res = collect(a, av);
        pthread_mutex_lock(&a->lock);
        if (res >= 0)
            a->done = 1;
        pthread_cond_broadcast(&a->ready);
        return res < 0 ? res : 1;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    TkSessionAudio *a = arg;
    AVPacket *av = av_packet_alloc();
    pthread_mutex_lock(&a->lock);
    if (!av)
        a->error = TALKIE_ERR(ENOMEM);
    while (!a->stop) {
        int res = 0;
        /* a consumer that takes nothing holds the worker back, not memory */
        if (!a->error && a->q_count < TK_AUDIO_QUEUE_PACKETS)
            res = step(a, av);
        if (res < 0) {
            a->error = res; /* sticky: get_audio_packet answers it from now on */
            pthread_cond_broadcast(&a->ready);
        }
        if (res <= 0 && !a->stop)
            pthread_cond_wait(&a->work, &a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    av_packet_free(&av);
    return NULL;
}

int tk_session_audio_worker_start(TkSessionAudio *a)
{
    if (a->worker_started)
        return 0;
    if (pthread_create(&a->worker, NULL, worker_main, a) != 0)
        return TALKIE_ERR(EAGAIN);
    a->worker_started = 1;
    return 0;
}

void tk_session_audio_worker_wake(TkSessionAudio *a)
{
    if (a->worker_started)
        pthread_cond_signal(&a->work);
}

void tk_session_audio_worker_stop(TkSessionAudio *a)
{
    pthread_mutex_lock(&a->lock);
    int started = a->worker_started;
    a->stop = 1;
    pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->lock);
    if (started)
        pthread_join(a->worker, NULL);
    a->worker_started = 0;
    while (a->q_count > 0) {
        free(a->queue[a->q_head].data);
        a->q_head = (a->q_head + 1) % a->q_cap;
        a->q_count--;
    }
}

int tk_session_audio_get_packet(TkSessionAudio *a, TalkieAudioPacket *pkt)
{
    int res = tk_session_audio_decide(a);
    if (res <= 0)
        return res < 0 ? res : TALKIE_EOF;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (a->q_count > 0) {
            *pkt = a->queue[a->q_head];
            a->q_head = (a->q_head + 1) % a->q_cap;
            if (--a->q_count == TK_AUDIO_QUEUE_PACKETS - 1)
                pthread_cond_signal(&a->work); /* it may have waited for room */
            res = 0;
            break;
        }
        if (a->error) {
            res = a->error;
            break;
        }
        if (a->done) {
            res = TALKIE_EOF;
            break;
        }
        if (!a->flushed) {
            /* more comes as frames are sent (or a streamed turn's audio arrives) */
            res = TALKIE_ERR(EAGAIN);
            break;
        }
        /* flushed: the worker finishes by itself, in a bounded time; wait for it */
        pthread_cond_wait(&a->ready, &a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return res;
}
