/*
 * TalkieSession (internal): one conversation's scene, renderer and encoder, and its place
 * in the context's engine. Fields above `slot` are set at open and then only read (by the
 * session's caller and by the engine while the session is busy); `slot` belongs to the
 * engine (engine.h).
 */
#ifndef TALKIE_SESSION_SESSION_H
#define TALKIE_SESSION_SESSION_H

#include "common/frame.h"
#include "common/log.h"
#include "encode/backend.h"
#include "engine/engine.h"
#include "render/render.h"
#include "scene/scene.h"
#include "session/audio.h"
#include "talkie/talkie.h"
#include "vk/vk.h"

struct TalkieSession {
    TalkieSettings settings;   /* pointers into the caller's memory cleared */
    TkLog log;
    TkFrameLayout layout;
    TalkieContext *ctx;        /* a reference */
    TkVkDevice *vk;            /* the context's */
    TkScene *scene;            /* thread-safe: say() may come while the engine renders */
    TkRenderer *renderer;      /* used by the engine only while the session is busy */
    const TkEncoderBackend *backend;
    void *encoder;             /* likewise */
    TkVkBuffer frame;          /* the render target the encoder reads */
    TkVkBuffer upload;         /* caller's pictures on their way to `frame` (made at the
                                  first send_image; used by the engine while busy) */
    int event_fd;              /* readable while get_packet has something */
    int in_engine;             /* added to the context's engine */
    TkSessionAudio audio;      /* its own lock: producers and the consumer (audio.h) */
    int audio_ready;           /* audio initialised (for close) */
    TkEngineSlot slot;
};

/* When frame `index` is shown, in ms. */
int64_t tk_session_frame_ms(const TalkieSession *s, int64_t index);

#endif
