/*
 * TalkieContext (internal): what sessions share. The Vulkan device with its queues,
 * compiled kernels and pipeline cache, and the engine (engine.h). Reference counted: the
 * caller holds one reference from talkie_context_open, each session one more, and the last
 * release closes the engine, saves the pipeline cache and closes the device.
 */
#ifndef TALKIE_ENGINE_CONTEXT_H
#define TALKIE_ENGINE_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>

#include "common/log.h"
#include "encode/auto_probe.h"
#include "engine/engine.h"
#include "talkie/talkie.h"
#include "vk/vk.h"

struct TalkieContext {
    atomic_int refs;
    TkLog log;
    TalkieContextSettings settings;  /* pointers not kept, but: */
    char *pipeline_cache_path;       /* owned copy, or NULL */
    TkVkDevice *vk;
    TkEngine *engine;
    atomic_llong sessions_opened;
    /* TALKIE_ENCODER_AUTO on a CPU device: measured by the first session that asks */
    pthread_mutex_t auto_lock;
    int auto_measured;               /* guarded by auto_lock */
    TkAutoChoice auto_choice;        /* guarded by auto_lock until auto_measured */
};

/* A private context for a session opened without one (the session's log and device
 * choice). */
int tk_context_open_private(TalkieContext **out, const TalkieSettings *s);
/* What TALKIE_ENCODER_AUTO picks on the context's device: on a CPU device the faster of lavc
 * and compute, measured on the first call (auto_probe.h) and kept for the context's life;
 * on a GPU, compute without measuring. Safe from any thread. */
const TkAutoChoice *tk_context_auto_choice(TalkieContext *c);
/* Takes a reference for a session. */
TalkieContext *tk_context_ref(TalkieContext *c);
/* Drops a reference; the last one frees. Sets *c to NULL. */
void tk_context_unref(TalkieContext **c);

#endif
