/* Moves what a session has ready into an output: its video packets, then its audio packets
 * (everything, up to EOF, once `all` is set after a flush). Audio tests and benches. */
#ifndef TALKIE_TESTS_AUDIO_DRAIN_H
#define TALKIE_TESTS_AUDIO_DRAIN_H

#include "talkie/talkie.h"

/* Sees each audio packet before it is written (a bench's lateness measure); may be NULL. */
typedef void (*DrainAudioHook)(void *opaque, const TalkieAudioPacket *a);

/* 0 or the first error; *video_packets (may be NULL) counts the video packets written. */
int drain_session(TalkieSession *ts, TalkieOutput *out, int all, int *video_packets,
                  DrainAudioHook hook, void *opaque);

/* Called before frame f is sent (streaming tests feed audio from here); may be NULL. */
typedef void (*BeforeFrame)(void *ctx, TalkieSession *ts, int64_t f);

/* Sends frames 0..frames-1 into `out` as fast as the session takes them (draining whenever
 * it is full), then flushes and drains everything: 0 or the first error. */
int render_session(TalkieSession *ts, TalkieOutput *out, int64_t frames, int *video_packets,
                   BeforeFrame before, void *ctx);

#endif
