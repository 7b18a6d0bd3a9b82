/*
 * The engine: three kinds of thread around one lock.
 *   submit thread      gathers one queued frame from each idle session (round robin), records
 *                      their renders and GPU encodes into one command buffer and submits it;
 *                      it can record the next batch while the GPU runs the previous one.
 *   completion thread  waits for the oldest submission, frames its access units, hands the
 *                      packets to their sessions (or the frames of CPU-encoded sessions to
 *                      the CPU threads, or a frame the encoder sent back to the submit
 *                      thread, which codes it again in its next batch), and runs the packet
 *                      callbacks. It waits for nothing but the submissions in flight.
 *   CPU threads        run the CPU encoders (lavc) of sessions whose frame was rendered, and
 *                      help the other two with the parts of a batch that are one session
 *                      each: preparing the renders, collecting the packets.
 * See engine.h for the scheduling rules.
 */
#include "engine/engine.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "engine/context.h"
#include "session/session.h"

typedef enum BatchState { BATCH_FREE, BATCH_RECORDING, BATCH_IN_FLIGHT } BatchState;

/* The frames of one backend inside a batch: jobs[start .. start + count - 1]. */
typedef struct BackendGroup {
    const TkEncoderBackend *backend;
    int start, count;
} BackendGroup;

/* Collects run in chunks of this many jobs (of one backend), taken by the completion thread
 * and the CPU threads that help it: a 320x240 P frame's collect is a few microseconds, far
 * above what taking a chunk costs, and small chunks spread small batches too. */
#define COLLECT_CHUNK 2

/* Chunks of jobs a backend group's collect takes. */
static int group_chunks(const BackendGroup *g)
{
    return (g->count + COLLECT_CHUNK - 1) / COLLECT_CHUNK;
}

typedef struct Batch {
    BatchState state;
    _Atomic int64_t prepare_work_ns; /* inside the prepares, every thread */
    TkVkCmd cmd;
    TalkieSession **sessions;  /* max_batch */
    int *result;               /* per session: 0 or the frame's error */
    int n;
    int n_recode;              /* sessions[0 .. n_recode - 1]: frames coded again */
    TkEncoderJob *jobs;        /* GPU-stage encodes, max_batch */
    int *job_session;          /* index into sessions, -1: none (a place left behind) */
    int *session_job;          /* per session: index into jobs, -1: none */
    int n_jobs;
    BackendGroup groups[TK_ENCODER_MAX_BACKENDS];
    int n_groups;
    int error;                 /* the whole submission failed */
    double gpu_ms, gpu_render_ms; /* from its timestamps, after the wait (0: none) */
} Batch;

/* Work on one batch that the CPU threads help with, item by item: the submit thread shares
 * its prepares (an item a session), the completion thread its collects (an item a chunk of
 * jobs), each through its own entry. A round's items are claimed through `claim`, which
 * holds the round's number beside the next item: a helper that comes after its round ended
 * claims nothing (it compares the numbers), so the sharing thread waits only for items
 * being done, never for a helper that has not been scheduled yet (on a CPU device the
 * device's own threads keep the CPU busy, and waiting for such a helper cost milliseconds a
 * batch). */
typedef enum SharedKind { SHARED_PREPARE, SHARED_COLLECT, N_SHARED } SharedKind;

typedef struct SharedWork {
    void (*run)(struct TkEngine *e, Batch *b, int item);
    /* under the engine's lock: the round helpers may join */
    Batch *batch;
    uint32_t round;
    int items;
    int wanted;                     /* helpers asked for and not yet come */
    pthread_cond_t done;            /* the round's last item finished */
    /* lock-free */
    _Atomic uint64_t claim;         /* round << 32 | next item */
    atomic_int finished;            /* items of the current round done */
} SharedWork;

/* Batches of this many frames or more fill the GPU: each goes on one queue after the one
 * before. Smaller ones (live sessions' few frames each) go side by side, spread over the
 * queues. Measured on an H100 (bench/RESULTS.md, "One queue"): 1021-frame batches 107k
 * frames/s on one queue against 85k spread; live sessions (batches of up to 64 frames) 913 on
 * time spread against 609 on one queue. */
#define FILL_FRAMES 512

/* GPU timestamps a submission may write: the start, the renders' end, the encoders' stages
 * (encoder_gpu.h), the end. */
#define BATCH_TIMESTAMPS 64

struct TkEngine {
    TkVkDevice *vk;
    const TkLog *log;
    int max_batch;
    int n_cpu_threads;
    uint32_t next_queue;            /* submit thread: the queue of the next small batch */

    pthread_mutex_t lock;
    pthread_cond_t submit_wake;     /* frames queued, a batch slot free, stop */
    pthread_cond_t complete_wake;   /* a batch in flight, a callback queued, stop */
    pthread_cond_t cpu_wake;        /* a CPU job queued, help to prepare wanted, stop */
    SharedWork shared[N_SHARED];    /* what the CPU threads may help with */
    int stop;
    TalkieSession *cursor;          /* the ring of sessions; gathering starts here */
    Batch batches[TK_ENGINE_DEPTH];
    int in_flight[TK_ENGINE_DEPTH]; /* batch indices, oldest first */
    int n_in_flight;
    TalkieSession *cpu_head, *cpu_tail;
    TalkieSession *notify_head, *notify_tail;
    int64_t submissions, frames, recoded;
    TkEngineTimes times;            /* under the lock */

    pthread_t submit_thread, complete_thread;
    int submit_started, complete_started;
    pthread_t *cpu_threads;
    int cpu_started;                /* how many run */
};

/* ---- under the lock ------------------------------------------------------------------- */

/* Says that s has something for get_packet: the event fd, waiters in get_packet or close,
 * and the packet callback (run by the completion thread). */
static void notify(TkEngine *e, TalkieSession *s)
{
    TkEngineSlot *sl = &s->slot;
    uint64_t one = 1;
    if (s->event_fd >= 0 && !sl->event_set && write(s->event_fd, &one, sizeof(one)) == 8)
        sl->event_set = 1;   /* (a failed write leaves it to the next notify) */
    pthread_cond_broadcast(&sl->changed);
    if (s->settings.packet_callback && !sl->notify_queued && !sl->closing) {
        sl->notify_queued = 1;
        sl->notify_next = NULL;
        if (e->notify_tail)
            e->notify_tail->slot.notify_next = s;
        else
            e->notify_head = s;
        e->notify_tail = s;
        pthread_cond_signal(&e->complete_wake);
    }
}

/* A frame waiting to be coded again (slot.again) that will not be: its session failed or
 * closes. The encoder holds nothing of it (backend.h); the session is idle again. */
static void drop_again(TalkieSession *s)
{
    if (s->slot.again) {
        s->slot.again = 0;
        s->slot.busy = 0;
    }
}

static void fail(TkEngine *e, TalkieSession *s, int err)
{
    if (!s->slot.error)
        s->slot.error = err;
    drop_again(s);
    notify(e, s);
}

static int push_packet(TalkieSession *s, TalkiePacket *pkt)
{
    TkEngineSlot *sl = &s->slot;
    if (sl->closing) {
        talkie_packet_unref(pkt);
        return 0;
    }
    if (sl->n_packets == sl->packets_cap) {
        int cap = sl->packets_cap ? 2 * sl->packets_cap : 8;
        TalkiePacket *grown = malloc((size_t)cap * sizeof(*grown));
        if (!grown) {
            talkie_packet_unref(pkt);
            return TALKIE_ERR(ENOMEM);
        }
        for (int i = 0; i < sl->n_packets; i++)
            grown[i] = sl->packets[(sl->packets_head + i) % sl->packets_cap];
        free(sl->packets);
        sl->packets = grown;
        sl->packets_cap = cap;
        sl->packets_head = 0;
    }
    sl->packets[(sl->packets_head + sl->n_packets) % sl->packets_cap] = *pkt;
    sl->n_packets++;
    memset(pkt, 0, sizeof(*pkt));
    return 0;
}

static void cpu_post(TkEngine *e, TalkieSession *s)
{
    s->slot.cpu_next = NULL;
    if (e->cpu_tail)
        e->cpu_tail->slot.cpu_next = s;
    else
        e->cpu_head = s;
    e->cpu_tail = s;
    pthread_cond_signal(&e->cpu_wake);
}

/* A GPU-stage session holds nothing back: once its last frame is out, the stream ends. */
static void maybe_finish_flush(TkEngine *e, TalkieSession *s)
{
    TkEngineSlot *sl = &s->slot;
    if (sl->flush_requested && !sl->flush_done && !sl->busy && sl->n_pending == 0 &&
        s->backend->record) {
        sl->flush_done = 1;
        notify(e, s);
    }
}

/* Takes the frames sent back to be coded again, then the oldest queued frame of idle
 * sessions, up to max_batch in all, starting at the cursor; hands CPU sessions that were
 * flushed to the CPU threads. */
static void gather(TkEngine *e, Batch *b)
{
    b->n = 0;
    b->n_recode = 0;
    if (!e->cursor)
        return;
    /* First: each is late already, and its session waits for it alone. (A session that
     * failed or closes has none: drop_again.) */
    TalkieSession *s = e->cursor, *last = NULL;
    do {
        TkEngineSlot *sl = &s->slot;
        if (sl->again && b->n < e->max_batch) {
            sl->again = 0;
            sl->recode = 1;
            b->result[b->n] = 0;
            b->sessions[b->n++] = s;
        }
        s = sl->next;
    } while (s != e->cursor);
    b->n_recode = b->n;
    do {
        TkEngineSlot *sl = &s->slot;
        if (!sl->busy && !sl->closing && !sl->error) {
            if (sl->n_pending > 0 && b->n < e->max_batch) {
                sl->current = sl->pending[sl->pending_head];
                sl->pending_head = (sl->pending_head + 1) % TK_ENGINE_MAX_IN_FLIGHT;
                sl->n_pending--;
                sl->busy = 1;
                sl->current_flush = 0;
                sl->recode = 0;
                b->result[b->n] = 0;
                b->sessions[b->n++] = s;
                last = s;
            } else if (sl->n_pending == 0 && sl->flush_requested && !sl->flush_done &&
                       !s->backend->record) {
                sl->busy = 1;
                sl->current_flush = 1;
                cpu_post(e, s);
            }
        }
        s = sl->next;
    } while (s != e->cursor);
    if (last)
        e->cursor = last->slot.next;
}

/* ---- submit thread ---------------------------------------------------------------------- */

static void add_job(Batch *b, int session)
{
    TalkieSession *s = b->sessions[session];
    TkEncoderJob *job = &b->jobs[b->n_jobs];
    memset(job, 0, sizeof(*job));
    job->encoder = s->encoder;
    job->again = s->slot.recode;   /* the same frame as before: current did not change */
    job->frame = (TkEncoderFrame){
        .gpu = &s->frame,
        .host = NULL,
        .pts = s->slot.current.index,
        .force_idr = s->slot.current.force_idr,
        .bitrate_bps = s->slot.current.bitrate_bps,
        /* a caller's picture has none; the renderer's stays until the session's next
         * prepare, which waits for this frame */
        .text_map = s->slot.current.from_image || !s->renderer
                        ? NULL : tk_renderer_text_map(s->renderer),
    };
    b->session_job[session] = b->n_jobs;
    b->job_session[b->n_jobs++] = session;
}

/* Records one backend's encodes; a frame the backend refuses fails alone. */
static void record_group(TkEngine *e, Batch *b, BackendGroup *g)
{
    for (;;) {
        if (g->count == 0)
            return;
        int res = g->backend->record(b->jobs + g->start, g->count, &b->cmd);
        if (res >= 0)
            return;
        int kept = 0;
        for (int i = 0; i < g->count; i++) {
            TkEncoderJob *job = &b->jobs[g->start + i];
            int session = b->job_session[g->start + i];
            if (job->result < 0) {
                b->result[session] = job->result;
                b->session_job[session] = -1;
                continue;
            }
            b->jobs[g->start + kept] = *job;
            b->job_session[g->start + kept] = session;
            b->session_job[session] = g->start + kept;
            kept++;
        }
        if (kept == g->count) {   /* no frame was to blame: all of them fail */
            tk_log_error(e->log, "engine: recording %d frames failed: %s", g->count,
                         talkie_strerror(res));
            for (int i = 0; i < g->count; i++) {
                b->result[b->job_session[g->start + i]] = res;
                b->session_job[b->job_session[g->start + i]] = -1;
            }
            g->count = 0;
            return;
        }
        /* the places left behind belong to no session: deliver() must not take a stale
         * copy of a kept job (a second packet, or a frame sent back that was not) */
        for (int i = kept; i < g->count; i++)
            b->job_session[g->start + i] = -1;
        g->count = kept;
    }
}

/* A caller's picture into the session's upload buffer (made at the first one). */
static int prepare_image(TkVkDevice *vk, TalkieSession *s)
{
    TkFrameRequest *r = &s->slot.current;
    int err = 0;
    if (!s->upload.buffer)
        err = tk_vk_buffer_create(vk, &s->upload, s->layout.size, TK_VK_MEMORY_UPLOAD);
    if (err == 0)
        memcpy(s->upload.map, r->image, s->layout.size);
    free(r->image);
    r->image = NULL;
    r->from_image = 1;
    return err;
}

/* Without the lock: prepares (composes, packs) the render of the batch's session i. */
static void prepare_one(TkEngine *e, Batch *b, int i)
{
    int64_t t0 = tk_clock_ns();
    TalkieSession *s = b->sessions[i];
    int64_t t_ms = tk_session_frame_ms(s, s->slot.current.index);
    if (s->slot.recode)   /* its picture is still in its frame buffer */
        b->result[i] = 0;
    else if (s->slot.current.image)
        b->result[i] = prepare_image(e->vk, s);
    else
        b->result[i] = tk_renderer_prepare(s->renderer, s->scene, t_ms);
    atomic_fetch_add(&b->prepare_work_ns, tk_clock_ns() - t0);
    if (b->result[i] < 0)
        tk_log_error(&s->log, "frame %lld: rendering failed: %s",
                     (long long)s->slot.current.index, talkie_strerror(b->result[i]));
}

/* The next item of `round` (of `items`), or -1 when none is left or the round is over. */
static int claim_item(SharedWork *w, uint32_t round, int items)
{
    uint64_t c = atomic_load(&w->claim);
    for (;;) {
        if ((uint32_t)(c >> 32) != round || (int)(uint32_t)c >= items)
            return -1;
        if (atomic_compare_exchange_weak(&w->claim, &c, c + 1))
            return (int)(uint32_t)c;
    }
}

/* Without the lock: does items of the round until none is left; run by the sharing thread
 * and the helpers. */
static void help(TkEngine *e, SharedWork *w, Batch *b, uint32_t round, int items)
{
    for (int i; (i = claim_item(w, round, items)) >= 0;) {
        w->run(e, b, i);
        if (atomic_fetch_add(&w->finished, 1) + 1 == items) {
            pthread_mutex_lock(&e->lock);
            pthread_cond_signal(&w->done);
            pthread_mutex_unlock(&e->lock);
        }
    }
}

/* Items fewer than this are done by the sharing thread alone (waking helpers costs more than
 * it saves). */
#define SHARED_MIN_ITEMS 4

/* Does e->shared[kind]'s `items` of b with as many CPU threads as come to help (at most one
 * per item beyond the first); returns once every item is done. Without the lock. */
static void share_work(TkEngine *e, SharedKind kind, Batch *b, int items)
{
    SharedWork *w = &e->shared[kind];
    int helpers = items < SHARED_MIN_ITEMS ? 0 : items - 1;
    if (helpers > e->cpu_started)
        helpers = e->cpu_started;
    pthread_mutex_lock(&e->lock);
    uint32_t round = ++w->round;
    atomic_store(&w->finished, 0);
    atomic_store(&w->claim, (uint64_t)round << 32);
    if (helpers > 0) {
        w->batch = b;
        w->items = items;
        w->wanted = helpers;
        pthread_cond_broadcast(&e->cpu_wake);
    }
    pthread_mutex_unlock(&e->lock);
    help(e, w, b, round, items);
    if (helpers > 0) {
        pthread_mutex_lock(&e->lock);
        w->wanted = 0;   /* whoever comes now would find nothing */
        while (atomic_load(&w->finished) < items)
            pthread_cond_wait(&w->done, &e->lock);
        w->batch = NULL;
        pthread_mutex_unlock(&e->lock);
    }
}

static void prepare_all(TkEngine *e, Batch *b)
{
    atomic_store(&b->prepare_work_ns, 0);
    share_work(e, SHARED_PREPARE, b, b->n);
}

/* Returns the time preparing took (the rest is recording and submitting), in ns. */
static int64_t record_and_submit(TkEngine *e, Batch *b)
{
    b->n_jobs = 0;
    b->n_groups = 0;
    for (int i = 0; i < b->n; i++)
        b->session_job[i] = -1;
    int64_t t0 = tk_clock_ns();
    prepare_all(e, b);
    int64_t prepared = tk_clock_ns() - t0;
    tk_vk_cmd_set_queue(e->vk, &b->cmd, b->n >= FILL_FRAMES ? 0 : e->next_queue++);
    b->error = tk_vk_cmd_begin(e->vk, &b->cmd);
    if (b->error < 0)
        return prepared;
    tk_vk_cmd_timestamp(e->vk, &b->cmd);
    /* New glyphs of every session, one barrier, every draw, one barrier: the draws of the
     * batch run side by side. */
    int uploads = 0;
    for (int i = 0; i < b->n; i++)
        if (b->result[i] == 0 && !b->sessions[i]->slot.current.from_image &&
            !b->sessions[i]->slot.recode)
            uploads += tk_renderer_record_uploads(b->sessions[i]->renderer, &b->cmd);
    if (uploads)
        tk_vk_cmd_barrier(e->vk, &b->cmd);
    for (int i = 0; i < b->n; i++) {
        TalkieSession *s = b->sessions[i];
        if (b->result[i] < 0 || s->slot.recode)
            continue;
        if (s->slot.current.from_image)   /* the caller's picture instead of a render */
            tk_vk_cmd_copy(e->vk, &b->cmd, &s->upload, 0, &s->frame, 0, s->layout.size);
        else
            b->result[i] = tk_renderer_record_draw(s->renderer, &b->cmd, &s->frame);
    }
    tk_vk_cmd_barrier(e->vk, &b->cmd);
    tk_vk_cmd_timestamp(e->vk, &b->cmd);
    /* The GPU-stage encodes, grouped by backend so each records its frames side by side. */
    const TkEncoderBackend *const *all = tk_encoder_list();
    for (int k = 0; all[k] && b->n_groups < TK_ENCODER_MAX_BACKENDS; k++) {
        if (!all[k]->record)
            continue;
        BackendGroup *g = &b->groups[b->n_groups];
        g->backend = all[k];
        g->start = b->n_jobs;
        for (int i = 0; i < b->n; i++)
            if (b->result[i] == 0 && b->sessions[i]->backend == all[k])
                add_job(b, i);
        g->count = b->n_jobs - g->start;
        if (g->count == 0)
            continue;
        b->n_groups++;
        record_group(e, b, g);
    }
    tk_vk_cmd_timestamp(e->vk, &b->cmd);
    b->error = tk_vk_cmd_submit(e->vk, &b->cmd);
    return prepared;
}

static void *submit_main(void *arg)
{
    TkEngine *e = arg;
    pthread_mutex_lock(&e->lock);
    while (!e->stop) {
        Batch *b = NULL;
        for (int i = 0; i < TK_ENGINE_DEPTH && !b; i++)
            if (e->batches[i].state == BATCH_FREE)
                b = &e->batches[i];
        if (b)
            gather(e, b);
        if (!b || b->n == 0) {
            pthread_cond_wait(&e->submit_wake, &e->lock);
            continue;
        }
        b->state = BATCH_RECORDING;
        pthread_mutex_unlock(&e->lock);
        int64_t t0 = tk_clock_ns();
        int64_t prepared = record_and_submit(e, b);
        int64_t took = tk_clock_ns() - t0;
        pthread_mutex_lock(&e->lock);
        e->times.prepare_ns += prepared;
        e->times.prepare_work_ns += atomic_load(&b->prepare_work_ns);
        e->times.record_ns += took - prepared;
        b->state = BATCH_IN_FLIGHT;
        e->in_flight[e->n_in_flight++] = (int)(b - e->batches);
        e->submissions++;
        e->frames += b->n;
        e->recoded += b->n_recode;
        pthread_cond_signal(&e->complete_wake);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ---- completion thread ------------------------------------------------------------------ */

/* Without the lock: the batch's sessions are busy, nobody else touches them. Returns the
 * time the wait took, in ns. */
static int64_t wait_and_collect(TkEngine *e, Batch *b)
{
    int64_t t0 = tk_clock_ns();
    if (b->error == 0)
        b->error = tk_vk_cmd_wait(e->vk, &b->cmd);
    int64_t waited = tk_clock_ns() - t0;
    if (b->error < 0)
        return waited;
    double ms[BATCH_TIMESTAMPS];
    uint32_t n_ms = BATCH_TIMESTAMPS;
    b->gpu_ms = b->gpu_render_ms = 0;
    if (tk_vk_cmd_read_timestamps(e->vk, &b->cmd, ms, &n_ms) == 0 && n_ms >= 3) {
        b->gpu_ms = ms[n_ms - 1];
        b->gpu_render_ms = ms[1];
    }
    int chunks = 0;
    for (int g = 0; g < b->n_groups; g++)
        chunks += group_chunks(&b->groups[g]);
    share_work(e, SHARED_COLLECT, b, chunks);
    for (int i = 0; i < b->n; i++)
        if (b->result[i] == 0 && !b->sessions[i]->backend->record)
            tk_vk_buffer_invalidate(e->vk, &b->sessions[i]->frame);
    return waited;
}

/* Without the lock: collects chunk c of the batch's jobs (backend.h: collects of different
 * encoders may run side by side). */
static void collect_one(TkEngine *e, Batch *b, int c)
{
    (void)e;
    const BackendGroup *grp = NULL;
    for (int g = 0; g < b->n_groups && !grp; g++) {
        int in_group = group_chunks(&b->groups[g]);
        if (c < in_group)
            grp = &b->groups[g];
        else
            c -= in_group;
    }
    int start = grp->start + c * COLLECT_CHUNK;
    int count = grp->start + grp->count - start;
    if (count > COLLECT_CHUNK)
        count = COLLECT_CHUNK;
    grp->backend->collect(b->jobs + start, count);
    for (int i = start; i < start + count; i++)
        if (b->jobs[i].result < 0)
            b->result[b->job_session[i]] = b->jobs[i].result;
}

/* Under the lock: packets to their sessions, CPU frames to the CPU threads. */
static void deliver(TkEngine *e, Batch *b)
{
    if (b->error == TALKIE_ERROR_DEVICE_LOST && e->cursor) {
        /* The device is gone for every session of the context, not only this batch's. */
        TalkieSession *s = e->cursor;
        do {
            fail(e, s, b->error);
            s = s->slot.next;
        } while (s != e->cursor);
    }
    for (int i = 0; i < b->n; i++) {
        TalkieSession *s = b->sessions[i];
        TkEngineSlot *sl = &s->slot;
        int err = b->error < 0 ? b->error : b->result[i];
        if (err == 0 && !s->backend->record) {
            cpu_post(e, s);   /* still busy: the CPU threads encode it */
            continue;
        }
        int job = err == 0 ? b->session_job[i] : -1;
        int again = job >= 0 && b->jobs[job].again;
        if (again && !sl->closing && !sl->error) {
            /* still busy, its picture in its frame buffer: the next gather takes it */
            sl->again = 1;
            sl->recode = 0;
            continue;
        }
        sl->busy = 0;
        sl->recode = 0;
        if (err < 0) {
            fail(e, s, err);
            continue;
        }
        if (job >= 0 && !again) {   /* again (the session closes or failed): no packet */
            b->jobs[job].packet.user_data = sl->current.user_data;
            if ((err = push_packet(s, &b->jobs[job].packet)) < 0)
                fail(e, s, err);
        }
        notify(e, s);
        maybe_finish_flush(e, s);
    }
    b->state = BATCH_FREE;
    pthread_cond_signal(&e->submit_wake);   /* a free batch, maybe frames sent back */
}

static void run_callbacks(TkEngine *e)
{
    while (e->notify_head) {
        TalkieSession *s = e->notify_head;
        e->notify_head = s->slot.notify_next;
        if (!e->notify_head)
            e->notify_tail = NULL;
        s->slot.notify_queued = 0;
        s->slot.callbacks_running++;
        pthread_mutex_unlock(&e->lock);
        s->settings.packet_callback(s->settings.packet_opaque, s);
        pthread_mutex_lock(&e->lock);
        s->slot.callbacks_running--;
        pthread_cond_broadcast(&s->slot.changed);
    }
}

static void *complete_main(void *arg)
{
    TkEngine *e = arg;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        run_callbacks(e);
        if (e->n_in_flight == 0) {
            if (e->stop)
                break;
            pthread_cond_wait(&e->complete_wake, &e->lock);
            continue;
        }
        Batch *b = &e->batches[e->in_flight[0]];
        pthread_mutex_unlock(&e->lock);
        int64_t t0 = tk_clock_ns();
        int64_t waited = wait_and_collect(e, b);
        pthread_mutex_lock(&e->lock);
        e->n_in_flight--;
        memmove(e->in_flight, e->in_flight + 1, (size_t)e->n_in_flight * sizeof(int));
        deliver(e, b);
        e->times.wait_ns += waited;
        e->times.gpu_ns += (int64_t)(b->gpu_ms * 1e6);
        e->times.gpu_render_ns += (int64_t)(b->gpu_render_ms * 1e6);
        e->times.collect_ns += tk_clock_ns() - t0 - waited;
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ---- CPU threads ------------------------------------------------------------------------ */

/* Without the lock: runs the CPU encoder on s's rendered frame (or flushes it), then hands
 * its packets to the session and ends the session's busy state in one step, so that a caller
 * who took the last packet never finds the session still busy. */
static void cpu_encode(TkEngine *e, TalkieSession *s)
{
    TkEngineSlot *sl = &s->slot;
    const TkEncoderBackend *be = s->backend;
    int err;
    if (sl->current_flush) {
        err = be->flush(s->encoder);
    } else {
        TkEncoderFrame frame = {
            .gpu = &s->frame,
            .host = s->frame.map,
            .pts = sl->current.index,
            .force_idr = sl->current.force_idr,
            .bitrate_bps = sl->current.bitrate_bps,
            .text_map = sl->current.from_image || !s->renderer ? NULL
                                                        : tk_renderer_text_map(s->renderer),
        };
        err = be->submit(s->encoder, &frame);
    }
    /* zero-latency encoders give one packet a frame; a flush may give a few */
    TalkiePacket got[8];
    int n_got = 0;
    while (err >= 0 && n_got < 8) {
        err = be->receive(s->encoder, &got[n_got]);
        if (err < 0)
            break;
        got[n_got++].user_data = sl->current_flush ? NULL : sl->current.user_data;
    }
    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < n_got; i++) {
        int res = push_packet(s, &got[i]);
        if (res < 0 && err >= 0)
            err = res;
    }
    if (err == TALKIE_ERR(EAGAIN) || err == TALKIE_EOF)
        err = 0;
    if (err >= 0 && n_got == 8 && sl->current_flush) {
        /* more packets wait in the encoder: flush again (receive goes on) */
        sl->current_flush = 1;
        cpu_post(e, s);
        notify(e, s);
        pthread_mutex_unlock(&e->lock);
        return;
    }
    if (err < 0)
        fail(e, s, err);
    if (sl->current_flush)
        sl->flush_done = 1;
    sl->busy = 0;
    sl->current_flush = 0;
    notify(e, s);
    pthread_cond_signal(&e->submit_wake);
    pthread_mutex_unlock(&e->lock);
}

static void *cpu_main(void *arg)
{
    TkEngine *e = arg;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        SharedWork *w = NULL;
        for (int k = 0; k < N_SHARED && !w; k++)
            if (e->shared[k].wanted > 0)
                w = &e->shared[k];
        if (w) {
            Batch *b = w->batch;
            uint32_t round = w->round;
            int items = w->items;
            w->wanted--;
            pthread_mutex_unlock(&e->lock);
            help(e, w, b, round, items);
            pthread_mutex_lock(&e->lock);
            continue;
        }
        if (!e->cpu_head) {
            if (e->stop)
                break;
            pthread_cond_wait(&e->cpu_wake, &e->lock);
            continue;
        }
        TalkieSession *s = e->cpu_head;
        e->cpu_head = s->slot.cpu_next;
        if (!e->cpu_head)
            e->cpu_tail = NULL;
        pthread_mutex_unlock(&e->lock);
        cpu_encode(e, s);
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------------- */

/* Under the lock. */
static int start_cpu_threads(TkEngine *e)
{
    if (e->cpu_started)
        return 0;
    if (!e->cpu_threads) {
        e->cpu_threads = calloc((size_t)e->n_cpu_threads, sizeof(*e->cpu_threads));
        if (!e->cpu_threads)
            return TALKIE_ERR(ENOMEM);
    }
    while (e->cpu_started < e->n_cpu_threads) {
        if (pthread_create(&e->cpu_threads[e->cpu_started], NULL, cpu_main, e) != 0)
            return e->cpu_started ? 0 : TALKIE_ERR(EAGAIN);
        e->cpu_started++;
    }
    return 0;
}

int tk_engine_create(TkEngine **out, TalkieContext *ctx)
{
    *out = NULL;
    TkEngine *e = calloc(1, sizeof(*e));
    if (!e)
        return TALKIE_ERR(ENOMEM);
    e->vk = ctx->vk;
    e->log = &ctx->log;
    e->max_batch = ctx->settings.max_batch_frames;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->n_cpu_threads = ctx->settings.cpu_threads > 0 ? ctx->settings.cpu_threads
                                                     : (int)(cores > 0 ? cores : 1);
    int err = TALKIE_ERR(ENOMEM);
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        return err;
    }
    pthread_cond_init(&e->submit_wake, NULL);
    pthread_cond_init(&e->complete_wake, NULL);
    pthread_cond_init(&e->cpu_wake, NULL);
    e->shared[SHARED_PREPARE].run = prepare_one;
    e->shared[SHARED_COLLECT].run = collect_one;
    for (int k = 0; k < N_SHARED; k++)
        pthread_cond_init(&e->shared[k].done, NULL);
    for (int i = 0; i < TK_ENGINE_DEPTH; i++) {
        Batch *b = &e->batches[i];
        b->sessions = calloc((size_t)e->max_batch, sizeof(*b->sessions));
        b->result = calloc((size_t)e->max_batch, sizeof(*b->result));
        b->jobs = calloc((size_t)e->max_batch, sizeof(*b->jobs));
        b->job_session = calloc((size_t)e->max_batch, sizeof(*b->job_session));
        b->session_job = calloc((size_t)e->max_batch, sizeof(*b->session_job));
        if (!b->sessions || !b->result || !b->jobs || !b->job_session || !b->session_job)
            goto error;
        if ((err = tk_vk_cmd_create(e->vk, &b->cmd)) < 0)
            goto error;
        /* for TalkieContextStats.engine_gpu_us: devices without timestamps leave it 0 */
        if ((err = tk_vk_cmd_enable_timestamps(e->vk, &b->cmd, BATCH_TIMESTAMPS)) < 0 &&
            err != TALKIE_ERROR_UNSUPPORTED)
            goto error;
    }
    pthread_mutex_lock(&e->lock);
    err = start_cpu_threads(e);
    pthread_mutex_unlock(&e->lock);
    if (err < 0)
        goto error;
    err = TALKIE_ERR(EAGAIN);
    if (pthread_create(&e->submit_thread, NULL, submit_main, e) != 0)
        goto error;
    e->submit_started = 1;
    if (pthread_create(&e->complete_thread, NULL, complete_main, e) != 0)
        goto error;
    e->complete_started = 1;
    *out = e;
    return 0;
error:
    tk_engine_destroy(&e);
    return err;
}

void tk_engine_destroy(TkEngine **pe)
{
    TkEngine *e = *pe;
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->stop = 1;
    pthread_cond_broadcast(&e->submit_wake);
    pthread_cond_broadcast(&e->complete_wake);
    pthread_cond_broadcast(&e->cpu_wake);
    pthread_mutex_unlock(&e->lock);
    if (e->submit_started)
        pthread_join(e->submit_thread, NULL);
    if (e->complete_started)
        pthread_join(e->complete_thread, NULL);
    for (int i = 0; i < e->cpu_started; i++)
        pthread_join(e->cpu_threads[i], NULL);
    free(e->cpu_threads);
    for (int i = 0; i < TK_ENGINE_DEPTH; i++) {
        Batch *b = &e->batches[i];
        tk_vk_cmd_destroy(e->vk, &b->cmd);
        free(b->sessions);
        free(b->result);
        free(b->jobs);
        free(b->job_session);
        free(b->session_job);
    }
    pthread_cond_destroy(&e->submit_wake);
    pthread_cond_destroy(&e->complete_wake);
    pthread_cond_destroy(&e->cpu_wake);
    for (int k = 0; k < N_SHARED; k++)
        pthread_cond_destroy(&e->shared[k].done);
    pthread_mutex_destroy(&e->lock);
    free(e);
    *pe = NULL;
}

int tk_engine_add(TkEngine *e, TalkieSession *s)
{
    TkEngineSlot *sl = &s->slot;
    memset(sl, 0, sizeof(*sl));
    sl->last_index = -1;
    if (pthread_cond_init(&sl->changed, NULL) != 0)
        return TALKIE_ERR(ENOMEM);
    pthread_mutex_lock(&e->lock);
    if (!e->cursor) {
        sl->next = sl->prev = s;
        e->cursor = s;
    } else {   /* at the end of the ring: just before the cursor */
        TalkieSession *after = e->cursor->slot.prev;
        sl->next = e->cursor;
        sl->prev = after;
        after->slot.next = s;
        e->cursor->slot.prev = s;
    }
    pthread_mutex_unlock(&e->lock);
    return 0;
}

void tk_engine_remove(TkEngine *e, TalkieSession *s)
{
    TkEngineSlot *sl = &s->slot;
    pthread_mutex_lock(&e->lock);
    sl->closing = 1;
    for (int i = 0; i < sl->n_pending; i++)
        free(sl->pending[(sl->pending_head + i) % TK_ENGINE_MAX_IN_FLIGHT].image);
    sl->n_pending = 0;
    if (sl->notify_queued) {
        TalkieSession **p = &e->notify_head, *prev = NULL;
        while (*p && *p != s) {
            prev = *p;
            p = &(*p)->slot.notify_next;
        }
        if (*p) {
            *p = sl->notify_next;
            if (e->notify_tail == s)
                e->notify_tail = prev;
        }
        sl->notify_queued = 0;
    }
    drop_again(s);   /* a frame sent back is in no batch: nothing to wait for */
    while (sl->busy || sl->callbacks_running)
        pthread_cond_wait(&sl->changed, &e->lock);
    if (sl->next == s) {
        e->cursor = NULL;
    } else {
        sl->prev->slot.next = sl->next;
        sl->next->slot.prev = sl->prev;
        if (e->cursor == s)
            e->cursor = sl->next;
    }
    pthread_mutex_unlock(&e->lock);
    for (int i = 0; i < sl->n_packets; i++)
        talkie_packet_unref(&sl->packets[(sl->packets_head + i) % sl->packets_cap]);
    free(sl->packets);
    pthread_cond_destroy(&sl->changed);
    memset(sl, 0, sizeof(*sl));
}

/* ---- the public calls ------------------------------------------------------------------- */

int tk_engine_send_frame(TkEngine *e, TalkieSession *s, int64_t index, void *user,
                         uint8_t *image)
{
    TkEngineSlot *sl = &s->slot;
    int err = 0;
    pthread_mutex_lock(&e->lock);
    if (sl->error) {
        err = sl->error;
    } else if (sl->flush_requested || index <= sl->last_index) {
        tk_log_error(&s->log, "frame %lld: frames must be sent in increasing order before flush",
                     (long long)index);
        err = TALKIE_ERR(EINVAL);
    } else if (sl->n_pending + sl->busy + sl->n_packets >= s->settings.max_frames_in_flight) {
        err = TALKIE_ERR(EAGAIN);
    } else {
        TkFrameRequest *r =
            &sl->pending[(sl->pending_head + sl->n_pending) % TK_ENGINE_MAX_IN_FLIGHT];
        *r = (TkFrameRequest){ .index = index, .user_data = user, .force_idr = sl->want_idr,
                               .bitrate_bps = sl->want_bitrate, .image = image };
        sl->n_pending++;
        sl->want_idr = 0;
        sl->want_bitrate = 0;
        sl->last_index = index;
        pthread_cond_signal(&e->submit_wake);
    }
    pthread_mutex_unlock(&e->lock);
    return err;
}

int tk_engine_flush(TkEngine *e, TalkieSession *s)
{
    pthread_mutex_lock(&e->lock);
    s->slot.flush_requested = 1;
    maybe_finish_flush(e, s);
    pthread_cond_signal(&e->submit_wake);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

int tk_engine_get_packet(TkEngine *e, TalkieSession *s, TalkiePacket *pkt)
{
    TkEngineSlot *sl = &s->slot;
    int res;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        if (sl->n_packets > 0) {
            *pkt = sl->packets[sl->packets_head];
            sl->packets_head = (sl->packets_head + 1) % sl->packets_cap;
            sl->n_packets--;
            res = 0;
            break;
        }
        if (sl->error) {
            res = sl->error;
            break;
        }
        if (sl->flush_done) {
            res = TALKIE_EOF;
            break;
        }
        int outstanding = sl->n_pending + sl->busy;
        int full = outstanding >= s->settings.max_frames_in_flight;
        if ((outstanding > 0 && full) || sl->flush_requested) {
            /* the caller cannot send more: the next packet (or EOF) is on its way */
            pthread_cond_wait(&sl->changed, &e->lock);
            continue;
        }
        uint64_t count;
        if (sl->event_set) {
            if (read(s->event_fd, &count, sizeof(count)) < 0) {
                /* EAGAIN: nothing to clear after all */
            }
            sl->event_set = 0;
        }
        res = TALKIE_ERR(EAGAIN);
        break;
    }
    pthread_mutex_unlock(&e->lock);
    return res;
}

int tk_engine_request_keyframe(TkEngine *e, TalkieSession *s)
{
    int err = 0;
    pthread_mutex_lock(&e->lock);
    if (s->slot.flush_requested)
        err = TALKIE_ERR(EINVAL);
    else
        s->slot.want_idr = 1;
    pthread_mutex_unlock(&e->lock);
    return err;
}

int tk_engine_set_bitrate(TkEngine *e, TalkieSession *s, int64_t bitrate_bps)
{
    int err = 0;
    pthread_mutex_lock(&e->lock);
    if (s->slot.flush_requested)
        err = TALKIE_ERR(EINVAL);
    else
        s->slot.want_bitrate = bitrate_bps;
    pthread_mutex_unlock(&e->lock);
    return err;
}

void tk_engine_stats(TkEngine *e, int64_t *submissions, int64_t *frames, int64_t *recoded,
                     TkEngineTimes *times)
{
    pthread_mutex_lock(&e->lock);
    *submissions = e->submissions;
    *frames = e->frames;
    *recoded = e->recoded;
    *times = e->times;
    pthread_mutex_unlock(&e->lock);
}
