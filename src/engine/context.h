/*
 * TalkieContext (internal): what sessions share. The Vulkan device with its queues,
 * compiled kernels and pipeline cache, and the engine (engine.h). Reference counted: the
 * caller holds one reference from talkie_context_open, each session one more, and the last
 * release closes the engine, saves the pipeline cache and closes the device.
 */
#ifndef TALKIE_ENGINE_CONTEXT_H
#define TALKIE_ENGINE_CONTEXT_H

#include <stdatomic.h>

#include "common/log.h"
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
};

/* A private context for a session opened without one (the session's log and device
 * choice). */
int tk_context_open_private(TalkieContext **out, const TalkieSettings *s);
/* Takes a reference for a session. */
TalkieContext *tk_context_ref(TalkieContext *c);
/* Drops a reference; the last one frees. Sets *c to NULL. */
void tk_context_unref(TalkieContext **c);

#endif
