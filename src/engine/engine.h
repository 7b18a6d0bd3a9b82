/*
 * The engine of a context: one thread that gathers the queued frames of all the context's
 * sessions into few GPU submissions (render and encode of many sessions per command
 * buffer), keeps up to TK_ENGINE_DEPTH submissions in flight so that recording and NAL
 * framing on the host overlap the GPU, and hands each packet to its own session; and a pool
 * of CPU threads for the sessions whose encoder runs on the CPU (lavc), which also help with
 * a batch's work that is one session at a time: preparing its renders (composing and packing
 * draw lists) and collecting its packets (framing access units, rate decisions).
 *
 * Scheduling rules, which keep every session's output identical to the session alone:
 *   - a session has at most one frame on the GPU or on a CPU thread at a time ("busy"), so
 *     its encoder sees frames in order and each frame's rate decision knows the previous
 *     frame's size;
 *   - a batch takes the oldest queued frame of up to max_batch_frames idle sessions, in
 *     round-robin order so that no session starves;
 *   - a frame the encoder sends back to be coded again (its rate control found it over its
 *     cap: collect()'s TkEncoderJob.again, encode/backend.h) stays the session's busy frame
 *     and goes into the next batch, before any new frame of any session, without a render:
 *     the session's frame buffer still holds its picture, since nothing draws into it while
 *     the session is busy. The completion thread never waits for a second coding, so the
 *     other sessions' packets are not held up by it; the session's own packets stay in
 *     order (its next frame starts only once this one's packet is out). At close, or once
 *     the session failed, a frame waiting to be coded again is dropped.
 *
 * Every field of TkEngineSlot is guarded by the engine's lock, except that the thread that
 * holds a busy session's frame (the submit thread while it records the batch, the
 * completion thread while it collects, a CPU thread while it encodes) uses `current` and
 * `recode` without it: nothing else touches them while the session is busy. Resources a submission uses
 * (a session's frame buffer, its encoder's buffers) stay alive until that submission
 * completed: a session is never destroyed while busy (talkie_session_close waits for its
 * frame, other sessions' frames are not disturbed).
 */
#ifndef TALKIE_ENGINE_ENGINE_H
#define TALKIE_ENGINE_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "talkie/talkie.h"
#include "vk/vk.h"

/* Submissions in flight, each on its own queue where the device has several, so that the
 * host records and frames some while the GPU runs others, and latency-bound submissions
 * (the P analysis' wavefront) overlap. On an H100, 8 against 2: all-intra live sessions keep
 * their 609 at 99.9% on time with p99 1.0 instead of 1.8-2.2 ms at 121-271 sessions, P
 * sessions 53% on time instead of 31% at 8 (bench/RESULTS.md). */
#define TK_ENGINE_DEPTH 8
#define TK_ENGINE_MAX_IN_FLIGHT 64

typedef struct TkEngine TkEngine;

/* One frame a session asked for. */
typedef struct TkFrameRequest {
    int64_t index;
    void *user_data;
    int force_idr;
    int64_t bitrate_bps;   /* > 0: a new target from this frame on */
    uint8_t *image;        /* NULL: render the conversation; else the caller's picture, in
                              the session's frame layout (malloc, the request owns it) */
    int from_image;        /* the frame is the caller's picture (set while it is prepared) */
} TkFrameRequest;

/* A session's place in the engine (inside TalkieSession). */
typedef struct TkEngineSlot {
    struct TalkieSession *next, *prev; /* the engine's ring of open sessions */
    struct TalkieSession *cpu_next;  /* the CPU threads' queue */
    struct TalkieSession *notify_next; /* the callback queue */
    int notify_queued;
    int event_set;                   /* the session's event fd is readable: notify wrote to
                                        it, get_packet has not read it since (no system call
                                        for a state it knows) */
    int64_t last_index;              /* of the last frame sent, -1 before the first */
    TkFrameRequest pending[TK_ENGINE_MAX_IN_FLIGHT]; /* queued, not started (a ring) */
    int pending_head, n_pending;
    int busy;                        /* its frame is on the GPU or with a CPU thread, or
                                        waits to be coded again (again) */
    TkFrameRequest current;          /* that frame */
    int again;                       /* busy: the encoder sent the frame back (collect), it
                                        waits in no batch for the next gather */
    int recode;                      /* busy: the frame in a batch is one sent back, coded
                                        again with nothing rendered (set by gather, read by
                                        the batch's threads without the lock as `current`) */
    int current_flush;               /* busy with the backend's flush, not a frame */
    TalkiePacket *packets;           /* encoded, not yet taken (a ring) */
    int packets_head, n_packets, packets_cap;
    int flush_requested, flush_done;
    int error;                       /* sticky: returned once the packets before it are taken */
    int want_idr;                    /* applies to the next frame sent */
    int64_t want_bitrate;
    int closing;
    int callbacks_running;
    pthread_cond_t changed;          /* packets, EOF, error, not busy, callbacks done */
} TkEngineSlot;

int tk_engine_create(TkEngine **out, TalkieContext *ctx);
/* Waits for everything in flight, stops the threads and frees. */
void tk_engine_destroy(TkEngine **e);

/* Adds an opened session (its slot zeroed). */
int tk_engine_add(TkEngine *e, struct TalkieSession *s);
/* Drops queued frames, waits until the session is not busy and no callback of it runs,
 * and removes it; afterwards the engine never touches s. */
void tk_engine_remove(TkEngine *e, struct TalkieSession *s);

/* The public calls, done under the engine's lock. */
/* `image` (NULL: render) moves to the engine on success only. */
int tk_engine_send_frame(TkEngine *e, struct TalkieSession *s, int64_t index, void *user,
                         uint8_t *image);
int tk_engine_flush(TkEngine *e, struct TalkieSession *s);
int tk_engine_get_packet(TkEngine *e, struct TalkieSession *s, TalkiePacket *pkt);
int tk_engine_request_keyframe(TkEngine *e, struct TalkieSession *s);
int tk_engine_set_bitrate(TkEngine *e, struct TalkieSession *s, int64_t bitrate_bps);

/* Where the engine's threads spent their time, in ns (summed unrounded, so that many short
 * batches add up; TalkieContextStats.engine_*_us). */
typedef struct TkEngineTimes {
    int64_t prepare_ns, record_ns, wait_ns, collect_ns;
    int64_t prepare_work_ns;   /* inside the prepares, summed over the threads */
    int64_t gpu_ns, gpu_render_ns;
} TkEngineTimes;

/* Counters for talkie_context_stats: frames counts each coding, recoded the codings of
 * frames sent back (included in frames). */
void tk_engine_stats(TkEngine *e, int64_t *submissions, int64_t *frames, int64_t *recoded,
                     TkEngineTimes *times);

#endif
