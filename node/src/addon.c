/*
 * talkie.node: the Node-API addon under the npm package (node/lib/ JS files). Plain C11 over
 * talkie's public API (talkie/talkie.h) only, Node-API version 8.
 *
 * Two classes, each wrapping one native object with an idempotent close() and a GC
 * finalizer as a backstop:
 *   NativeContext(options)            a TalkieContext;
 *   NativeSession(options, onPackets) a TalkieSession. With onPackets, talkie's packet callback
 *     (on talkie's completion thread) wakes the JS thread through a thread-safe function, which
 *     takes every ready packet and calls onPackets(err, [{data, pts, dts, keyframe}, ...]),
 *     followed by the audio packets encoded so far ({audio: true, data, pts, duration}, pts in
 *     samples) when the session has an audio stream.
 *     Without it, renderFile() encodes a whole conversation to a file on a worker thread.
 * Argument defaults, streams and async iteration live in the JS layer; this file checks only
 * what it must so that no call can crash the process (a wrong type throws a TypeError).
 *
 * The JS thread never waits on the GPU: get_packet waits only when as many frames are in
 * flight as the session allows, so the session is opened with one more slot than the addon
 * ever fills (sendFrame answers "busy" one frame earlier than talkie would).
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "talkie/talkie.h"

/* ---------------------------------------------------------------------------------------- */
/* Errors */

/* The NAPI_CALL of this file, without a hidden return: false after throwing an Error that
 * carries Node-API's last error message (unless an exception is already pending). */
static bool napi_call(napi_env env, napi_status status)
{
    if (status == napi_ok)
        return true;
    /* the message first: any other Node-API call (napi_is_exception_pending too) resets it */
    char msg[128] = "Node-API call failed";
    const napi_extended_error_info *info = NULL;
    if (napi_get_last_error_info(env, &info) == napi_ok && info && info->error_message)
        snprintf(msg, sizeof(msg), "%s", info->error_message);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending)
        napi_throw_error(env, "ERR_TALKIE_NAPI", msg);
    return false;
}

/* A JS Error for a talkie error code: message "<what>: <strerror>", .code the error's name. */
static napi_value talkie_error_value(napi_env env, int err, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s: %s", what, talkie_strerror(err));
    napi_value code, text, error;
    if (napi_create_string_utf8(env, talkie_error_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
        napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
        napi_create_error(env, code, text, &error) != napi_ok)
        return NULL;
    napi_value errno_value;
    if (napi_create_int32(env, err, &errno_value) == napi_ok)
        napi_set_named_property(env, error, "errno", errno_value);
    return error;
}

static void throw_talkie(napi_env env, int err, const char *what)
{
    napi_value error = talkie_error_value(env, err, what);
    if (error)
        napi_throw(env, error);
    else
        napi_throw_error(env, talkie_error_name(err), talkie_strerror(err));
}

/* ---------------------------------------------------------------------------------------- */
/* Reading options (the JS layer has already checked ranges; this only guards types). */

static bool get_property(napi_env env, napi_value obj, const char *name, napi_value *out,
                         napi_valuetype *type)
{
    if (!napi_call(env, napi_get_named_property(env, obj, name, out)) ||
        !napi_call(env, napi_typeof(env, *out, type)))
        return false;
    return true;
}

/* Reads obj[name] as an integer into *out when it is a number; leaves *out otherwise when it
 * is undefined or null. False (TypeError thrown) for another type. */
static bool opt_int64(napi_env env, napi_value obj, const char *name, int64_t *out)
{
    napi_value v;
    napi_valuetype t;
    if (!get_property(env, obj, name, &v, &t))
        return false;
    if (t == napi_undefined || t == napi_null)
        return true;
    if (t != napi_number) {
        char msg[128];
        snprintf(msg, sizeof(msg), "option '%s' must be a number", name);
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
        return false;
    }
    return napi_call(env, napi_get_value_int64(env, v, out));
}

static bool opt_int(napi_env env, napi_value obj, const char *name, int *out)
{
    int64_t v = *out;
    if (!opt_int64(env, obj, name, &v))
        return false;
    if (v < -2147483647 || v > 2147483647) {
        char msg[128];
        snprintf(msg, sizeof(msg), "option '%s' is out of range", name);
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Copies a string value into a new buffer (*out, freed by the caller; NULL for undefined or
 * null). False (TypeError thrown) for another type or no memory. */
static bool value_string(napi_env env, napi_value v, const char *name, char **out)
{
    napi_valuetype t;
    *out = NULL;
    if (!napi_call(env, napi_typeof(env, v, &t)))
        return false;
    if (t == napi_undefined || t == napi_null)
        return true;
    if (t != napi_string) {
        char msg[128];
        snprintf(msg, sizeof(msg), "'%s' must be a string", name);
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
        return false;
    }
    size_t len = 0;
    if (!napi_call(env, napi_get_value_string_utf8(env, v, NULL, 0, &len)))
        return false;
    char *s = malloc(len + 1);
    if (!s) {
        throw_talkie(env, TALKIE_ERR(ENOMEM), name);
        return false;
    }
    if (!napi_call(env, napi_get_value_string_utf8(env, v, s, len + 1, &len))) {
        free(s);
        return false;
    }
    *out = s;
    return true;
}

static bool opt_string(napi_env env, napi_value obj, const char *name, char **out)
{
    napi_value v;
    napi_valuetype t;
    *out = NULL;
    return get_property(env, obj, name, &v, &t) && value_string(env, v, name, out);
}

static bool set_int64(napi_env env, napi_value obj, const char *name, int64_t value)
{
    napi_value v;
    return napi_call(env, napi_create_int64(env, value, &v)) &&
           napi_call(env, napi_set_named_property(env, obj, name, v));
}

static bool set_string(napi_env env, napi_value obj, const char *name, const char *value)
{
    napi_value v;
    return napi_call(env, napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v)) &&
           napi_call(env, napi_set_named_property(env, obj, name, v));
}

static bool set_bytes(napi_env env, napi_value obj, const char *name, const void *data,
                      size_t size)
{
    napi_value v;
    void *copy;
    return napi_call(env, napi_create_buffer_copy(env, size, data, &copy, &v)) &&
           napi_call(env, napi_set_named_property(env, obj, name, v));
}

/* ---------------------------------------------------------------------------------------- */
/* Wrapped objects */

/* Tags that say which class an object really is, so that a foreign object passed as `this`
 * or as options.context is refused instead of being misread. */
static const napi_type_tag context_tag = { 0x74616c6b69650001ULL, 0x636f6e7465787431ULL };
static const napi_type_tag session_tag = { 0x74616c6b69650002ULL, 0x73657373696f6e31ULL };
static const napi_type_tag fmp4_tag = { 0x74616c6b69650003ULL, 0x666d703477726974ULL };

struct NodeSession;

/* Fragmented MP4 of a session's access units, written by libavformat through
 * talkie_output_open_cb(): the bytes one write() produced are handed back to JS. */
typedef struct NodeFmp4 {
    struct NodeFmp4 *next;         /* the session's open ones */
    struct NodeSession *ns;        /* holds a reference */
    TalkieOutput *out;             /* NULL once closed (or the session closed) */
    uint8_t *bytes;                /* what the muxer wrote during the current call */
    size_t n, cap;
} NodeFmp4;

typedef struct NodeContext {
    TalkieContext *context;
} NodeContext;

typedef struct NodeSession {
    TalkieSession *session;
    napi_threadsafe_function tsfn; /* NULL without onPackets */
    atomic_int notify_queued;      /* a tsfn call is queued and has not started yet */
    int refs;                      /* the JS wrapper and the tsfn; the last one frees */
    int in_flight;                 /* frames sent and not yet taken (JS thread only) */
    int max_in_flight;             /* what the addon fills; talkie has one slot more */
    bool tsfn_referenced;          /* the tsfn holds the event loop (frames in flight) */
    int64_t last_frame;
    /* renderFile() on a worker thread */
    napi_async_work render_work;
    napi_deferred render_deferred;
    napi_ref render_self;          /* keeps the JS object (and this) alive while rendering */
    napi_threadsafe_function progress_tsfn;
    atomic_int progress_queued;
    atomic_int render_abort;
    atomic_llong render_frames_done;
    int64_t render_frames_total;
    char *render_path, *render_format;
    int render_result;
    const char *render_stage;
    NodeFmp4 *fmp4s;               /* open fragmented MP4 outputs (closed before the session) */
} NodeSession;

static void session_unref(NodeSession *ns)
{
    if (--ns->refs > 0)
        return;
    free(ns->render_path);
    free(ns->render_format);
    free(ns);
}

static bool unwrap_tagged(napi_env env, napi_value obj, const napi_type_tag *tag,
                          const char *class_name, void **out)
{
    bool ok = false;
    napi_valuetype t;
    if (!napi_call(env, napi_typeof(env, obj, &t)))
        return false;
    if (t == napi_object && !napi_call(env, napi_check_object_type_tag(env, obj, tag, &ok)))
        return false;
    if (!ok) {
        char msg[128];
        snprintf(msg, sizeof(msg), "expected a %s", class_name);
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
        return false;
    }
    return napi_call(env, napi_unwrap(env, obj, out));
}

/* ---------------------------------------------------------------------------------------- */
/* NativeContext */

static void context_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    NodeContext *nc = data;
    talkie_context_close(&nc->context);
    free(nc);
}

static napi_value context_new(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], self;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL)))
        return NULL;
    napi_valuetype t = napi_undefined;
    if (argc < 1 || !napi_call(env, napi_typeof(env, argv[0], &t)) || t != napi_object) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
        return NULL;
    }
    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    char *device_name = NULL, *cache_path = NULL;
    int log_level = cs.log_level;
    NodeContext *nc = NULL;
    napi_value result = NULL;
    if (!opt_int(env, argv[0], "deviceIndex", &cs.device_index) ||
        !opt_int(env, argv[0], "validation", &cs.validation) ||
        !opt_int(env, argv[0], "maxBatchFrames", &cs.max_batch_frames) ||
        !opt_int(env, argv[0], "cpuThreads", &cs.cpu_threads) ||
        !opt_int(env, argv[0], "logLevel", &log_level) ||
        !opt_string(env, argv[0], "deviceName", &device_name) ||
        !opt_string(env, argv[0], "pipelineCachePath", &cache_path))
        goto done;
    cs.log_level = (TalkieLogLevel)log_level;
    cs.device_name = device_name;
    cs.pipeline_cache_path = cache_path;
    nc = calloc(1, sizeof(*nc));
    if (!nc) {
        throw_talkie(env, TALKIE_ERR(ENOMEM), "context");
        goto done;
    }
    int res = talkie_context_open(&nc->context, &cs);
    if (res < 0) {
        throw_talkie(env, res, "cannot open the talkie context");
        goto done;
    }
    if (!napi_call(env, napi_wrap(env, self, nc, context_finalize, NULL, NULL)))
        goto done;
    nc = NULL; /* the wrapper owns it */
    napi_type_tag_object(env, self, &context_tag);
    result = self;
done:
    if (nc) {
        talkie_context_close(&nc->context);
        free(nc);
    }
    free(device_name);
    free(cache_path);
    return result;
}

static NodeContext *this_context(napi_env env, napi_callback_info info, size_t *argc,
                                 napi_value *argv)
{
    napi_value self;
    void *nc = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, argc, argv, &self, NULL)) ||
        !unwrap_tagged(env, self, &context_tag, "NativeContext", &nc))
        return NULL;
    return nc;
}

static napi_value context_close(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeContext *nc = this_context(env, info, &argc, NULL);
    if (nc)
        talkie_context_close(&nc->context); /* sessions keep it alive until they close */
    return NULL;
}

static napi_value context_stats(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeContext *nc = this_context(env, info, &argc, NULL);
    if (!nc)
        return NULL;
    if (!nc->context) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "the context is closed");
        return NULL;
    }
    TalkieContextStats st;
    int res = talkie_context_stats(nc->context, &st);
    if (res < 0) {
        throw_talkie(env, res, "stats");
        return NULL;
    }
    napi_value obj;
    if (!napi_call(env, napi_create_object(env, &obj)) ||
        !set_int64(env, obj, "sessionsOpened", st.sessions_opened) ||
        !set_int64(env, obj, "kernelsCompiled", st.kernels_compiled) ||
        !set_int64(env, obj, "pipelineCacheLoaded", st.pipeline_cache_loaded) ||
        !set_int64(env, obj, "submissions", st.submissions) ||
        !set_int64(env, obj, "frames", st.frames) ||
        !set_int64(env, obj, "framesRecoded", st.frames_recoded) ||
        !set_int64(env, obj, "enginePrepareUs", st.engine_prepare_us) ||
        !set_int64(env, obj, "enginePrepareWorkUs", st.engine_prepare_work_us) ||
        !set_int64(env, obj, "engineRecordUs", st.engine_record_us) ||
        !set_int64(env, obj, "engineWaitUs", st.engine_wait_us) ||
        !set_int64(env, obj, "engineCollectUs", st.engine_collect_us) ||
        !set_int64(env, obj, "engineGpuUs", st.engine_gpu_us) ||
        !set_int64(env, obj, "engineGpuRenderUs", st.engine_gpu_render_us))
        return NULL;
    return obj;
}

/* ---------------------------------------------------------------------------------------- */
/* NativeSession: packets to JS */

/* On talkie's completion thread: wake the JS thread, once per batch of ready packets. */
static void on_packet_ready(void *opaque, TalkieSession *s)
{
    (void)s;
    NodeSession *ns = opaque;
    int expected = 0;
    if (atomic_compare_exchange_strong(&ns->notify_queued, &expected, 1) &&
        napi_call_threadsafe_function(ns->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok)
        atomic_store(&ns->notify_queued, 0); /* closing: nobody is listening any more */
}

/* Holds the event loop open while frames are in flight, so that their packets arrive. */
static void update_loop_ref(napi_env env, NodeSession *ns)
{
    bool want = ns->in_flight > 0;
    if (!ns->tsfn || want == ns->tsfn_referenced)
        return;
    if (want)
        napi_ref_threadsafe_function(env, ns->tsfn);
    else
        napi_unref_threadsafe_function(env, ns->tsfn);
    ns->tsfn_referenced = want;
}

static napi_value packet_object(napi_env env, const TalkiePacket *pkt)
{
    napi_value obj, keyframe;
    if (!napi_call(env, napi_create_object(env, &obj)) ||
        !set_bytes(env, obj, "data", pkt->data, pkt->size) ||
        !set_int64(env, obj, "pts", pkt->pts) || !set_int64(env, obj, "dts", pkt->dts) ||
        !napi_call(env, napi_get_boolean(env, pkt->keyframe != 0, &keyframe)) ||
        !napi_call(env, napi_set_named_property(env, obj, "keyframe", keyframe)))
        return NULL;
    return obj;
}

static napi_value audio_packet_object(napi_env env, const TalkieAudioPacket *pkt)
{
    napi_value obj, yes;
    if (!napi_call(env, napi_create_object(env, &obj)) ||
        !napi_call(env, napi_get_boolean(env, true, &yes)) ||
        !napi_call(env, napi_set_named_property(env, obj, "audio", yes)) ||
        !set_bytes(env, obj, "data", pkt->data, pkt->size) ||
        !set_int64(env, obj, "pts", pkt->pts) || !set_int64(env, obj, "duration", pkt->duration))
        return NULL;
    return obj;
}

/* Appends the audio packets the session's audio thread has encoded so far to `packets`
 * (at *n). It never waits before the session is flushed; after flush it waits for the last
 * ones (a few ms of encoding at most). False when a JS call failed (exception pending). */
static bool take_audio(napi_env env, NodeSession *ns, napi_value packets, uint32_t *n,
                       napi_value *err_value)
{
    for (;;) {
        TalkieAudioPacket pkt;
        int res = talkie_session_get_audio_packet(ns->session, &pkt);
        if (res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF)
            return true;
        if (res < 0) {
            *err_value = talkie_error_value(env, res, "audio encoding failed");
            return true;
        }
        napi_value obj = audio_packet_object(env, &pkt);
        talkie_audio_packet_unref(&pkt);
        if (!obj || !napi_call(env, napi_set_element(env, packets, (*n)++, obj)))
            return false;
    }
}

/* On the JS thread: takes every ready packet (never waiting, see the top of the file) and
 * calls onPackets(err, packets). */
static void deliver_packets(napi_env env, napi_value js_cb, void *context, void *data)
{
    (void)data;
    NodeSession *ns = context;
    atomic_store(&ns->notify_queued, 0);
    if (!env || !ns->session)
        return;
    napi_value packets, undefined, err_value = NULL;
    if (!napi_call(env, napi_create_array(env, &packets)) ||
        !napi_call(env, napi_get_undefined(env, &undefined)))
        return;
    uint32_t n = 0;
    for (;;) {
        TalkiePacket pkt;
        int res = talkie_session_get_packet(ns->session, &pkt);
        if (res == TALKIE_ERR(EAGAIN) || res == TALKIE_EOF)
            break;
        if (res < 0) {
            err_value = talkie_error_value(env, res, "encoding failed");
            break;
        }
        ns->in_flight--;
        napi_value obj = packet_object(env, &pkt);
        talkie_packet_unref(&pkt);
        if (!obj || !napi_call(env, napi_set_element(env, packets, n++, obj)))
            return;
    }
    if (!err_value && !take_audio(env, ns, packets, &n, &err_value))
        return;
    update_loop_ref(env, ns);
    if (n == 0 && !err_value)
        return;
    napi_value argv[2] = { err_value ? err_value : undefined, packets };
    napi_call_function(env, undefined, js_cb, 2, argv, NULL);
}

static void tsfn_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    session_unref(data);
}

/* Closes the session and releases the thread-safe function; safe to call twice. */
static void session_close_native(NodeSession *ns)
{
    /* an output must end before its session (talkie.h) */
    for (NodeFmp4 *f = ns->fmp4s; f; f = f->next)
        talkie_output_abort(&f->out);
    talkie_session_close(&ns->session); /* no packet callback runs after this */
    if (ns->tsfn) {
        napi_threadsafe_function tsfn = ns->tsfn;
        ns->tsfn = NULL;
        napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
    }
}

static void session_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    NodeSession *ns = data;
    /* A render in progress holds a reference to the JS object, so none runs here. */
    session_close_native(ns);
    session_unref(ns);
}

static bool parse_session_settings(napi_env env, napi_value opts, TalkieSettings *s,
                                   char **device_name, char **font_path)
{
    int encoder = s->encoder, log_level = s->log_level, audio_codec = s->audio_codec;
    int64_t bitrate = s->bitrate_bps;
    if (!opt_int(env, opts, "width", &s->width) || !opt_int(env, opts, "height", &s->height) ||
        !opt_int(env, opts, "fpsNum", &s->fps_num) || !opt_int(env, opts, "fpsDen", &s->fps_den) ||
        !opt_int(env, opts, "encoder", &encoder) || !opt_int(env, opts, "qp", &s->qp) ||
        !opt_int64(env, opts, "bitrate", &bitrate) || !opt_int(env, opts, "keyint", &s->keyint) ||
        !opt_int(env, opts, "sliceRows", &s->slice_mb_rows) ||
        !opt_int(env, opts, "pFrames", &s->compute_p_frames) ||
        !opt_int(env, opts, "textQpOffset", &s->text_qp_offset) ||
        !opt_int(env, opts, "intraRefresh", &s->intra_refresh) ||
        !opt_int(env, opts, "deviceIndex", &s->device_index) ||
        !opt_int(env, opts, "validation", &s->validation) ||
        !opt_int(env, opts, "maxFramesInFlight", &s->max_frames_in_flight) ||
        !opt_int(env, opts, "logLevel", &log_level) ||
        !opt_string(env, opts, "deviceName", device_name) ||
        !opt_string(env, opts, "fontPath", font_path) ||
        !opt_int(env, opts, "audioCodec", &audio_codec) ||
        !opt_int(env, opts, "audioLive", &s->audio_live) ||
        !opt_int(env, opts, "audioSampleRate", &s->audio_sample_rate) ||
        !opt_int(env, opts, "audioChannels", &s->audio_channels))
        return false;
    s->audio_codec = (TalkieAudioCodec)audio_codec;
    s->encoder = (TalkieEncoder)encoder;
    s->log_level = (TalkieLogLevel)log_level;
    s->bitrate_bps = bitrate;
    s->device_name = *device_name;
    s->font_path = *font_path;
    napi_value ctx;
    napi_valuetype t;
    if (!get_property(env, opts, "context", &ctx, &t))
        return false;
    if (t != napi_undefined && t != napi_null) {
        void *nc = NULL;
        if (!unwrap_tagged(env, ctx, &context_tag, "NativeContext", &nc))
            return false;
        s->context = ((NodeContext *)nc)->context;
        if (!s->context) {
            throw_talkie(env, TALKIE_ERR(EINVAL), "the context is closed");
            return false;
        }
    }
    return true;
}

static napi_value session_new(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2], self;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL)))
        return NULL;
    napi_valuetype t = napi_undefined, cb_type = napi_undefined;
    if (argc < 1 || !napi_call(env, napi_typeof(env, argv[0], &t)) || t != napi_object) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
        return NULL;
    }
    if (argc >= 2 && !napi_call(env, napi_typeof(env, argv[1], &cb_type)))
        return NULL;
    if (cb_type != napi_undefined && cb_type != napi_function) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "onPackets must be a function");
        return NULL;
    }
    TalkieSettings s;
    talkie_default_settings(&s);
    char *device_name = NULL, *font_path = NULL;
    napi_value result = NULL;
    NodeSession *ns = calloc(1, sizeof(*ns));
    if (!ns) {
        throw_talkie(env, TALKIE_ERR(ENOMEM), "session");
        return NULL;
    }
    ns->refs = 1;
    ns->last_frame = -1;
    if (!parse_session_settings(env, argv[0], &s, &device_name, &font_path))
        goto done;
    if (s.max_frames_in_flight < 1 || s.max_frames_in_flight > 63) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "maxFramesInFlight must be 1..63");
        goto done;
    }
    ns->max_in_flight = s.max_frames_in_flight;
    s.max_frames_in_flight++; /* the slot that keeps get_packet from waiting */
    if (cb_type == napi_function) {
        napi_value name;
        if (!napi_call(env, napi_create_string_utf8(env, "talkie packets", NAPI_AUTO_LENGTH,
                                                  &name)) ||
            !napi_call(env, napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, ns,
                                                          tsfn_finalize, ns, deliver_packets,
                                                          &ns->tsfn)))
            goto done;
        ns->refs++; /* the tsfn's, dropped by tsfn_finalize */
        napi_unref_threadsafe_function(env, ns->tsfn);
        s.packet_callback = on_packet_ready;
        s.packet_opaque = ns;
    }
    int res = talkie_session_open(&ns->session, &s);
    if (res < 0) {
        throw_talkie(env, res, "cannot open the talkie session");
        goto done;
    }
    if (!napi_call(env, napi_wrap(env, self, ns, session_finalize, NULL, NULL)))
        goto done;
    napi_type_tag_object(env, self, &session_tag);
    ns = NULL; /* the wrapper owns it */
    result = self;
done:
    if (ns) {
        session_close_native(ns);
        session_unref(ns);
    }
    free(device_name);
    free(font_path);
    return result;
}

/* The session behind `this`; NULL with an exception pending when it is not one, or closed
 * (unless allow_closed). */
static NodeSession *this_session_self(napi_env env, napi_callback_info info, size_t *argc,
                                      napi_value *argv, bool allow_closed, napi_value *self_out)
{
    napi_value self;
    void *ns = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, argc, argv, &self, NULL)) ||
        !unwrap_tagged(env, self, &session_tag, "NativeSession", &ns))
        return NULL;
    NodeSession *session = ns;
    if (!allow_closed && !session->session) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "the session is closed");
        return NULL;
    }
    if (!allow_closed && session->render_work) {
        throw_talkie(env, TALKIE_ERR(EBUSY), "the session is rendering to a file");
        return NULL;
    }
    if (self_out)
        *self_out = self;
    return session;
}

static NodeSession *this_session(napi_env env, napi_callback_info info, size_t *argc,
                                 napi_value *argv, bool allow_closed)
{
    return this_session_self(env, info, argc, argv, allow_closed, NULL);
}

static napi_value session_close(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, true);
    if (!ns)
        return NULL;
    if (ns->render_work) {
        /* the worker owns the session until it finishes: it stops at the next frame */
        atomic_store(&ns->render_abort, 1);
        return NULL;
    }
    ns->in_flight = 0;
    update_loop_ref(env, ns);
    session_close_native(ns);
    return NULL;
}

/* say(speaker, text, startMs, durationMs) */
static napi_value session_say(napi_env env, napi_callback_info info)
{
    size_t argc = 4;
    napi_value argv[4];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    if (!ns)
        return NULL;
    if (argc < 4) {
        napi_throw_type_error(env, "ERR_MISSING_ARGS", "say(speaker, text, startMs, durationMs)");
        return NULL;
    }
    char *speaker = NULL, *text = NULL;
    int64_t start_ms = -1, duration_ms = -1;
    napi_valuetype t2, t3;
    if (!value_string(env, argv[0], "speaker", &speaker) ||
        !value_string(env, argv[1], "text", &text))
        goto done;
    if (!speaker || !text) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "speaker and text must be strings");
        goto done;
    }
    if (!napi_call(env, napi_typeof(env, argv[2], &t2)) ||
        !napi_call(env, napi_typeof(env, argv[3], &t3)))
        goto done;
    if (t2 != napi_number || t3 != napi_number) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "startMs and durationMs must be numbers");
        goto done;
    }
    if (!napi_call(env, napi_get_value_int64(env, argv[2], &start_ms)) ||
        !napi_call(env, napi_get_value_int64(env, argv[3], &duration_ms)))
        goto done;
    TalkieTurn turn = { .speaker = speaker, .text = text, .start_ms = start_ms,
                        .duration_ms = duration_ms };
    int res = talkie_session_say(ns->session, &turn);
    if (res < 0)
        throw_talkie(env, res, "say");
done:
    free(speaker);
    free(text);
    return NULL;
}

/* argv[i] (of argc) as an integer; false with a TypeError "<what> must be a number" when it
 * is missing or not a number. */
static bool arg_int64(napi_env env, size_t argc, const napi_value *argv, size_t i,
                      const char *what, int64_t *out)
{
    napi_valuetype t = napi_undefined;
    if (argc <= i || !napi_call(env, napi_typeof(env, argv[i], &t)) || t != napi_number) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s must be a number", what);
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
        return false;
    }
    return napi_call(env, napi_get_value_int64(env, argv[i], out));
}

/* sendFrame(index) -> true when taken, false when busy (the frame was not taken). */
static napi_value session_send_frame(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    if (!ns)
        return NULL;
    int64_t index;
    if (!arg_int64(env, argc, argv, 0, "frame index", &index))
        return NULL;
    if (!ns->tsfn) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "sendFrame needs a session opened with onPackets");
        return NULL;
    }
    bool taken = false;
    if (ns->in_flight < ns->max_in_flight) {
        int res = talkie_session_send_frame(ns->session, index);
        if (res < 0 && res != TALKIE_ERR(EAGAIN)) {
            throw_talkie(env, res, "sendFrame");
            return NULL;
        }
        if (res == 0) {
            taken = true;
            ns->in_flight++;
            ns->last_frame = index;
            update_loop_ref(env, ns);
        }
    }
    napi_value v;
    return napi_call(env, napi_get_boolean(env, taken, &v)) ? v : NULL;
}

static napi_value session_request_keyframe(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, false);
    if (!ns)
        return NULL;
    int res = talkie_session_request_keyframe(ns->session);
    if (res < 0)
        throw_talkie(env, res, "requestKeyframe");
    return NULL;
}

static napi_value session_set_bitrate(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    if (!ns)
        return NULL;
    int64_t bps;
    if (!arg_int64(env, argc, argv, 0, "bitrate", &bps))
        return NULL;
    int res = talkie_session_set_bitrate(ns->session, bps);
    if (res < 0)
        throw_talkie(env, res, "setBitrate");
    return NULL;
}

static napi_value session_stream_info(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, false);
    if (!ns)
        return NULL;
    TalkieStreamInfo si;
    int res = talkie_session_stream_info(ns->session, &si);
    if (res < 0) {
        throw_talkie(env, res, "streamInfo");
        return NULL;
    }
    napi_value obj;
    if (!napi_call(env, napi_create_object(env, &obj)) ||
        !set_int64(env, obj, "width", si.width) || !set_int64(env, obj, "height", si.height) ||
        !set_int64(env, obj, "fpsNum", si.fps_num) || !set_int64(env, obj, "fpsDen", si.fps_den) ||
        !set_int64(env, obj, "profileIdc", si.profile_idc) ||
        !set_int64(env, obj, "constraintFlags", si.constraint_flags) ||
        !set_int64(env, obj, "levelIdc", si.level_idc) ||
        !set_string(env, obj, "codec", si.codec) ||
        !set_string(env, obj, "encoder", talkie_encoder_name(talkie_session_encoder(ns->session))) ||
        !set_bytes(env, obj, "sps", si.sps, si.sps_size) ||
        !set_bytes(env, obj, "pps", si.pps, si.pps_size))
        return NULL;
    return obj;
}

static napi_value session_end_ms(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, false);
    napi_value v;
    if (!ns || !napi_call(env, napi_create_int64(env, talkie_session_end_ms(ns->session), &v)))
        return NULL;
    return v;
}

static napi_value session_in_flight(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, true);
    napi_value v;
    if (!ns || !napi_call(env, napi_create_int32(env, ns->in_flight, &v)))
        return NULL;
    return v;
}

/* ---------------------------------------------------------------------------------------- */
/* NativeSession: audio (a turn's voice as PCM s16, whole or in chunks) */

/* Reads PCM from an Int16Array or a Buffer (s16 in native order) into *out (malloc'ed, so
 * that a Buffer at an odd offset is read safely), and the rate and channel count from the
 * next two arguments. null/undefined gives frames 0 (a streamed turn). False with a
 * TypeError or RangeError thrown. */
static bool arg_pcm(napi_env env, size_t argc, const napi_value *argv, size_t i,
                    TalkieAudio *audio, int16_t **out)
{
    *out = NULL;
    memset(audio, 0, sizeof(*audio));
    int64_t rate, channels;
    if (!arg_int64(env, argc, argv, i + 1, "sampleRate", &rate) ||
        !arg_int64(env, argc, argv, i + 2, "channels", &channels))
        return false;
    if (rate < 8000 || rate > 192000 || channels < 1 || channels > 2) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                               "sampleRate must be 8000..192000 and channels 1 or 2");
        return false;
    }
    audio->sample_rate = (int)rate;
    audio->channels = (int)channels;
    napi_valuetype t = napi_undefined;
    if (argc > i && !napi_call(env, napi_typeof(env, argv[i], &t)))
        return false;
    if (argc <= i || t == napi_undefined || t == napi_null)
        return true;
    bool is_typed = false, is_buffer = false;
    void *data = NULL;
    size_t bytes = 0;
    if (!napi_call(env, napi_is_buffer(env, argv[i], &is_buffer)) ||
        !napi_call(env, napi_is_typedarray(env, argv[i], &is_typed)))
        return false;
    if (is_buffer) {
        if (!napi_call(env, napi_get_buffer_info(env, argv[i], &data, &bytes)))
            return false;
    } else if (is_typed) {
        napi_typedarray_type type;
        size_t length;
        if (!napi_call(env, napi_get_typedarray_info(env, argv[i], &type, &length, &data, NULL,
                                                   NULL)))
            return false;
        if (type != napi_int16_array) {
            napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                                  "pcm must be an Int16Array or a Buffer of s16 samples");
            return false;
        }
        bytes = length * 2;
    } else {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              "pcm must be an Int16Array or a Buffer of s16 samples");
        return false;
    }
    if (bytes % (2 * (size_t)channels) || bytes == 0) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                               "pcm must hold whole samples of every channel, at least one");
        return false;
    }
    *out = malloc(bytes);
    if (!*out) {
        throw_talkie(env, TALKIE_ERR(ENOMEM), "audio");
        return false;
    }
    memcpy(*out, data, bytes);
    audio->samples = *out;
    audio->frames = bytes / 2 / (size_t)channels;
    return true;
}

/* sayAudio(speaker, text, startMs, durationMs, pcm|null, sampleRate, channels) -> turn id.
 * pcm null: the voice follows in chunks (turnAudio, then turnAudioEnd). */
static napi_value session_say_audio(napi_env env, napi_callback_info info)
{
    size_t argc = 7;
    napi_value argv[7], result = NULL;
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    if (!ns)
        return NULL;
    char *speaker = NULL, *text = NULL;
    int16_t *pcm = NULL;
    int64_t start_ms, duration_ms, id = -1;
    TalkieAudio audio;
    if (argc < 7) {
        napi_throw_type_error(env, "ERR_MISSING_ARGS", "sayAudio(speaker, text, startMs, "
                              "durationMs, pcm, sampleRate, channels)");
        return NULL;
    }
    if (!value_string(env, argv[0], "speaker", &speaker) ||
        !value_string(env, argv[1], "text", &text) ||
        !arg_int64(env, argc, argv, 2, "startMs", &start_ms) ||
        !arg_int64(env, argc, argv, 3, "durationMs", &duration_ms) ||
        !arg_pcm(env, argc, argv, 4, &audio, &pcm))
        goto done;
    if (!speaker || !text) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "speaker and text must be strings");
        goto done;
    }
    TalkieTurn turn = { .speaker = speaker, .text = text, .start_ms = start_ms,
                        .duration_ms = duration_ms };
    int res = talkie_session_say_audio(ns->session, &turn, &audio, &id);
    if (res < 0)
        throw_talkie(env, res, "say");
    else
        napi_call(env, napi_create_int64(env, id, &result));
done:
    free(speaker);
    free(text);
    free(pcm);
    return result;
}

/* turnAudio(id, pcm, sampleRate, channels): the next chunk of a streamed turn's voice. */
static napi_value session_turn_audio(napi_env env, napi_callback_info info)
{
    size_t argc = 4;
    napi_value argv[4];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    int64_t id;
    int16_t *pcm = NULL;
    TalkieAudio chunk;
    if (!ns || !arg_int64(env, argc, argv, 0, "turn id", &id) ||
        !arg_pcm(env, argc, argv, 1, &chunk, &pcm))
        return NULL;
    int res = chunk.frames ? talkie_session_turn_audio(ns->session, id, &chunk)
                           : TALKIE_ERR(EINVAL);
    free(pcm);
    if (res < 0)
        throw_talkie(env, res, "turnAudio");
    return NULL;
}

/* turnAudioEnd(id): no more voice for that turn. */
static napi_value session_turn_audio_end(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    int64_t id;
    if (!ns || !arg_int64(env, argc, argv, 0, "turn id", &id))
        return NULL;
    int res = talkie_session_turn_audio_end(ns->session, id);
    if (res < 0)
        throw_talkie(env, res, "turnAudioEnd");
    return NULL;
}

/* cut(id, atMs): barge-in. */
static napi_value session_cut(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    NodeSession *ns = this_session(env, info, &argc, argv, false);
    int64_t id, at_ms;
    if (!ns || !arg_int64(env, argc, argv, 0, "turn id", &id) ||
        !arg_int64(env, argc, argv, 1, "atMs", &at_ms))
        return NULL;
    int res = talkie_session_cut(ns->session, id, at_ms);
    if (res < 0)
        throw_talkie(env, res, "cut");
    return NULL;
}

/* audioInfo() -> {codec: 'aac'|'opus', codecString, sampleRate, channels, frameSize} or null
 * (no audio stream). Fixes the session's streams (talkie.h, "Audio"). */
static napi_value session_audio_info(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, false);
    if (!ns)
        return NULL;
    TalkieAudioInfo ai;
    int res = talkie_session_audio_info(ns->session, &ai);
    if (res < 0) {
        throw_talkie(env, res, "audioInfo");
        return NULL;
    }
    napi_value obj;
    if (ai.codec == TALKIE_AUDIO_NONE) {
        napi_get_null(env, &obj);
        return obj;
    }
    if (!napi_call(env, napi_create_object(env, &obj)) ||
        !set_string(env, obj, "codec", ai.codec == TALKIE_AUDIO_OPUS ? "opus" : "aac") ||
        !set_string(env, obj, "codecString", ai.codec_string) ||
        !set_int64(env, obj, "sampleRate", ai.sample_rate) ||
        !set_int64(env, obj, "channels", ai.channels) ||
        !set_int64(env, obj, "frameSize", ai.frame_size) ||
        !set_bytes(env, obj, "extradata", ai.extradata, ai.extradata_size))
        return NULL;
    return obj;
}

/* finishAudio() -> [audio packets]: once every frame is back (inFlight() == 0), ends the
 * audio with the last frame sent (flushes the session) and returns the rest of it. Waits
 * for the session's audio thread to encode what is left (a few ms at most). */
static napi_value session_finish_audio(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, false);
    if (!ns)
        return NULL;
    napi_value packets, err_value = NULL;
    uint32_t n = 0;
    int res = talkie_session_flush(ns->session);
    if (res < 0) {
        throw_talkie(env, res, "finishAudio");
        return NULL;
    }
    if (!napi_call(env, napi_create_array(env, &packets)) ||
        !take_audio(env, ns, packets, &n, &err_value))
        return NULL;
    if (err_value) {
        napi_throw(env, err_value);
        return NULL;
    }
    return packets;
}

/* ---------------------------------------------------------------------------------------- */
/* NativeSession: renderFile(path, format, frames, onProgress) -> Promise (worker thread) */

static void report_progress(NodeSession *ns)
{
    int expected = 0;
    if (ns->progress_tsfn && atomic_compare_exchange_strong(&ns->progress_queued, &expected, 1) &&
        napi_call_threadsafe_function(ns->progress_tsfn, NULL, napi_tsfn_nonblocking) != napi_ok)
        atomic_store(&ns->progress_queued, 0);
}

static void call_progress(napi_env env, napi_value js_cb, void *context, void *data)
{
    (void)data;
    NodeSession *ns = context;
    atomic_store(&ns->progress_queued, 0);
    if (!env)
        return;
    napi_value undefined, argv[2];
    if (napi_get_undefined(env, &undefined) != napi_ok ||
        napi_create_int64(env, atomic_load(&ns->render_frames_done), &argv[0]) != napi_ok ||
        napi_create_int64(env, ns->render_frames_total, &argv[1]) != napi_ok)
        return;
    napi_call_function(env, undefined, js_cb, 2, argv, NULL);
}

/* Writes every ready audio packet (all of them with until_eof, after flush). */
static int render_drain_audio(NodeSession *ns, TalkieOutput *out, int until_eof)
{
    for (;;) {
        TalkieAudioPacket pkt;
        int res = talkie_session_get_audio_packet(ns->session, &pkt);
        if (res == TALKIE_EOF || (res == TALKIE_ERR(EAGAIN) && !until_eof))
            return 0;
        if (res < 0)
            return res;
        res = talkie_output_write_audio(out, &pkt);
        talkie_audio_packet_unref(&pkt);
        if (res < 0)
            return res;
    }
}

/* Writes every ready packet, video then the audio up to it; with until_eof, waits for the
 * rest after flush. */
static int render_drain(NodeSession *ns, TalkieOutput *out, int until_eof)
{
    for (;;) {
        TalkiePacket pkt;
        int res = talkie_session_get_packet(ns->session, &pkt);
        if ((res == TALKIE_ERR(EAGAIN) && !until_eof) || (res == TALKIE_EOF && until_eof))
            return render_drain_audio(ns, out, until_eof);
        if (res < 0)
            return res;
        res = talkie_output_write(out, &pkt);
        talkie_packet_unref(&pkt);
        if (res < 0)
            return res;
    }
}

static void render_execute(napi_env env, void *data)
{
    (void)env;
    NodeSession *ns = data;
    TalkieOutput *out = NULL;
    int res = talkie_output_open(&out, ns->session, ns->render_path, ns->render_format);
    ns->render_stage = "cannot open the output";
    for (int64_t frame = 0; res >= 0 && frame < ns->render_frames_total; frame++) {
        ns->render_stage = "rendering failed";
        if (atomic_load(&ns->render_abort)) {
            res = TALKIE_ERR(ECANCELED);
            break;
        }
        while ((res = talkie_session_send_frame(ns->session, frame)) == TALKIE_ERR(EAGAIN))
            if ((res = render_drain(ns, out, 0)) < 0)
                break;
        if (res >= 0)
            res = render_drain(ns, out, 0);
        atomic_store(&ns->render_frames_done, frame + 1);
        report_progress(ns);
    }
    if (res >= 0 && (res = talkie_session_flush(ns->session)) >= 0)
        res = render_drain(ns, out, 1);
    if (res >= 0 && atomic_load(&ns->render_abort))
        res = TALKIE_ERR(ECANCELED);
    if (res >= 0) {
        ns->render_stage = "the output could not be finished";
        res = talkie_output_close(&out);
    }
    talkie_output_abort(&out); /* removes the partial file of a failed or aborted render */
    talkie_session_close(&ns->session);
    ns->render_result = res;
}

static void render_complete(napi_env env, napi_status status, void *data)
{
    NodeSession *ns = data;
    napi_deferred deferred = ns->render_deferred;
    napi_async_work work = ns->render_work;
    ns->render_deferred = NULL;
    ns->render_work = NULL;
    if (ns->progress_tsfn) {
        napi_release_threadsafe_function(ns->progress_tsfn, napi_tsfn_abort);
        ns->progress_tsfn = NULL;
    }
    napi_delete_async_work(env, work);
    if (ns->render_self) {
        napi_delete_reference(env, ns->render_self);
        ns->render_self = NULL;
    }
    napi_value value = NULL;
    if (status != napi_ok)
        value = talkie_error_value(env, TALKIE_ERR(ECANCELED), "render");
    else if (ns->render_result < 0)
        value = talkie_error_value(env, ns->render_result, ns->render_stage);
    else
        napi_create_int64(env, atomic_load(&ns->render_frames_done), &value);
    if (!value)
        napi_get_undefined(env, &value);
    if (status == napi_ok && ns->render_result >= 0)
        napi_resolve_deferred(env, deferred, value);
    else
        napi_reject_deferred(env, deferred, value);
    session_unref(ns); /* the render's reference */
}

static napi_value session_render_file(napi_env env, napi_callback_info info)
{
    size_t argc = 4;
    napi_value argv[4], self;
    NodeSession *ns = this_session_self(env, info, &argc, argv, false, &self);
    if (!ns)
        return NULL;
    if (ns->tsfn) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "renderFile needs a session opened without onPackets");
        return NULL;
    }
    if (argc < 4) {
        napi_throw_type_error(env, "ERR_MISSING_ARGS", "renderFile(path, format, frames, onProgress)");
        return NULL;
    }
    char *path = NULL, *format = NULL;
    int64_t frames = 0;
    napi_valuetype t2, t3;
    if (!value_string(env, argv[0], "path", &path) ||
        !value_string(env, argv[1], "format", &format) ||
        !napi_call(env, napi_typeof(env, argv[2], &t2)) ||
        !napi_call(env, napi_typeof(env, argv[3], &t3)))
        goto fail;
    if (!path || t2 != napi_number || (t3 != napi_function && t3 != napi_undefined)) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              "renderFile(path: string, format, frames: number, onProgress)");
        goto fail;
    }
    if (!napi_call(env, napi_get_value_int64(env, argv[2], &frames)))
        goto fail;
    if (frames < 0) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "frames must be >= 0");
        goto fail;
    }
    napi_value name, promise;
    if (!napi_call(env, napi_create_string_utf8(env, "talkie render", NAPI_AUTO_LENGTH, &name)))
        goto fail;
    if (t3 == napi_function &&
        !napi_call(env, napi_create_threadsafe_function(env, argv[3], NULL, name, 0, 1, NULL, NULL,
                                                      ns, call_progress, &ns->progress_tsfn)))
        goto fail;
    if (!napi_call(env, napi_create_async_work(env, NULL, name, render_execute, render_complete, ns,
                                             &ns->render_work)))
        goto fail_tsfn;
    if (!napi_call(env, napi_create_promise(env, &ns->render_deferred, &promise))) {
        napi_delete_async_work(env, ns->render_work);
        ns->render_work = NULL;
        goto fail_tsfn;
    }
    if (!napi_call(env, napi_create_reference(env, self, 1, &ns->render_self))) {
        napi_value err = talkie_error_value(env, TALKIE_ERR(ENOMEM), "render");
        napi_reject_deferred(env, ns->render_deferred, err);
        napi_delete_async_work(env, ns->render_work);
        ns->render_work = NULL;
        ns->render_deferred = NULL;
        goto fail_tsfn;
    }
    ns->render_path = path;
    ns->render_format = format;
    ns->render_frames_total = frames;
    atomic_store(&ns->render_frames_done, 0);
    atomic_store(&ns->render_abort, 0);
    if (!napi_call(env, napi_queue_async_work(env, ns->render_work))) {
        /* the promise stays pending: reject it before dropping it */
        napi_value err = talkie_error_value(env, TALKIE_ERR(ECANCELED), "render");
        napi_reject_deferred(env, ns->render_deferred, err);
        napi_delete_async_work(env, ns->render_work);
        napi_delete_reference(env, ns->render_self);
        ns->render_self = NULL;
        ns->render_work = NULL;
        ns->render_deferred = NULL;
        if (ns->progress_tsfn) {
            napi_release_threadsafe_function(ns->progress_tsfn, napi_tsfn_abort);
            ns->progress_tsfn = NULL;
        }
        return promise;
    }
    ns->refs++; /* the render's, dropped by render_complete */
    return promise;
fail_tsfn:
    free(path);
    free(format);
    if (ns->progress_tsfn) {
        napi_release_threadsafe_function(ns->progress_tsfn, napi_tsfn_abort);
        ns->progress_tsfn = NULL;
    }
    return NULL;
fail:
    free(path);
    free(format);
    return NULL;
}

static napi_value session_abort_render(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    NodeSession *ns = this_session(env, info, &argc, NULL, true);
    if (ns)
        atomic_store(&ns->render_abort, 1);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Module */

static napi_value module_version(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value v;
    return napi_call(env, napi_create_string_utf8(env, talkie_version(), NAPI_AUTO_LENGTH, &v)) ? v
                                                                                         : NULL;
}

static napi_value module_devices(napi_env env, napi_callback_info info)
{
    (void)info;
    TalkieDeviceInfo infos[16];
    int n = talkie_list_devices(infos, (int)(sizeof(infos) / sizeof(infos[0])));
    if (n < 0) {
        throw_talkie(env, n, "cannot list devices");
        return NULL;
    }
    if (n > (int)(sizeof(infos) / sizeof(infos[0])))
        n = (int)(sizeof(infos) / sizeof(infos[0]));
    napi_value arr;
    if (!napi_call(env, napi_create_array_with_length(env, (size_t)n, &arr)))
        return NULL;
    for (int i = 0; i < n; i++) {
        napi_value obj;
        if (!napi_call(env, napi_create_object(env, &obj)) ||
            !set_int64(env, obj, "index", i) || !set_string(env, obj, "name", infos[i].name) ||
            !set_string(env, obj, "driver", infos[i].driver) ||
            !set_int64(env, obj, "type", infos[i].type) ||
            !set_int64(env, obj, "canEncodeH264", infos[i].can_encode_h264) ||
            !napi_call(env, napi_set_element(env, arr, (uint32_t)i, obj)))
            return NULL;
    }
    return arr;
}

static napi_value module_error_name(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], v;
    int64_t code = 0;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL)) ||
        !arg_int64(env, argc, argv, 0, "code", &code))
        return NULL;
    /* a code outside int has no name: talkie_error_name() says so for any unknown code */
    int c = code < INT32_MIN || code > INT32_MAX ? INT32_MIN : (int)code;
    if (!napi_call(env, napi_create_string_utf8(env, talkie_error_name(c), NAPI_AUTO_LENGTH, &v)))
        return NULL;
    return v;
}

/* ---------------------------------------------------------------------------------------- */
/* NativeFmp4 */

static int fmp4_collect(void *opaque, const uint8_t *data, size_t size)
{
    NodeFmp4 *f = opaque;
    if (f->n + size > f->cap) {
        size_t cap = f->cap ? f->cap : 4096;
        while (cap < f->n + size)
            cap *= 2;
        uint8_t *grown = realloc(f->bytes, cap);
        if (!grown)
            return TALKIE_ERR(ENOMEM);
        f->bytes = grown;
        f->cap = cap;
    }
    memcpy(f->bytes + f->n, data, size);
    f->n += size;
    return 0;
}

static void fmp4_detach(NodeFmp4 *f)
{
    talkie_output_abort(&f->out);
    if (!f->ns)
        return;
    for (NodeFmp4 **p = &f->ns->fmp4s; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    session_unref(f->ns);
    f->ns = NULL;
}

static void fmp4_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    NodeFmp4 *f = data;
    fmp4_detach(f);
    free(f->bytes);
    free(f);
}

/* new NativeFmp4(nativeSession) */
static napi_value fmp4_new(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], self;
    void *ptr = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL)))
        return NULL;
    if (argc < 1 || !unwrap_tagged(env, argv[0], &session_tag, "NativeSession", &ptr))
        return NULL;
    NodeSession *ns = ptr;
    if (!ns->session) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "the session is closed");
        return NULL;
    }
    /* the render's worker closes the session when it ends, and an output must end before its
     * session (it logs through the session's logger): none while rendering */
    if (ns->render_work) {
        throw_talkie(env, TALKIE_ERR(EBUSY), "the session is rendering to a file");
        return NULL;
    }
    NodeFmp4 *f = calloc(1, sizeof(*f));
    if (!f) {
        throw_talkie(env, TALKIE_ERR(ENOMEM), "fmp4");
        return NULL;
    }
    int res = talkie_output_open_cb(&f->out, ns->session, "fmp4", fmp4_collect, f);
    if (res < 0) {
        free(f);
        throw_talkie(env, res, "fmp4");
        return NULL;
    }
    if (!napi_call(env, napi_wrap(env, self, f, fmp4_finalize, NULL, NULL))) {
        talkie_output_abort(&f->out);
        free(f);
        return NULL;
    }
    napi_type_tag_object(env, self, &fmp4_tag);
    f->ns = ns;
    ns->refs++;
    f->next = ns->fmp4s;
    ns->fmp4s = f;
    return self;
}

/* The bytes collected since the last call, as a Buffer (empty when none). */
static napi_value fmp4_take(napi_env env, NodeFmp4 *f)
{
    napi_value buf;
    void *dst = NULL;
    if (!napi_call(env, napi_create_buffer_copy(env, f->n, f->n ? f->bytes : (const void *)"",
                                                &dst, &buf)))
        return NULL;
    f->n = 0;
    return buf;
}

/* write(data: Buffer, pts: number, keyframe: boolean) -> Buffer: the init segment (first
 * call) and the fragment of this access unit. */
static napi_value fmp4_write(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], self;
    void *ptr = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL)) ||
        !unwrap_tagged(env, self, &fmp4_tag, "NativeFmp4", &ptr))
        return NULL;
    NodeFmp4 *f = ptr;
    if (!f->out) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "the fragmented MP4 output is closed");
        return NULL;
    }
    bool is_buffer = false, keyframe = false;
    void *data = NULL;
    size_t size = 0;
    int64_t pts = 0;
    napi_valuetype t1 = napi_undefined, t2 = napi_undefined;
    if (argc >= 3 && (!napi_call(env, napi_is_buffer(env, argv[0], &is_buffer)) ||
                      !napi_call(env, napi_typeof(env, argv[1], &t1)) ||
                      !napi_call(env, napi_typeof(env, argv[2], &t2))))
        return NULL;
    /* each type checked here: napi_get_value_* of a wrong type only says "expected" */
    if (argc < 3 || !is_buffer || t1 != napi_number || t2 != napi_boolean) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              "write(data: Buffer, pts: number, keyframe: boolean)");
        return NULL;
    }
    if (!napi_call(env, napi_get_buffer_info(env, argv[0], &data, &size)) ||
        !napi_call(env, napi_get_value_int64(env, argv[1], &pts)) ||
        !napi_call(env, napi_get_value_bool(env, argv[2], &keyframe)))
        return NULL;
    TalkiePacket pkt = { .data = data, .size = size, .pts = pts, .dts = pts,
                         .keyframe = keyframe };
    f->n = 0;
    int res = talkie_output_write(f->out, &pkt);
    if (res < 0) {
        throw_talkie(env, res, "fmp4 write");
        return NULL;
    }
    return fmp4_take(env, f);
}

/* writeAudio(data: Buffer, pts, duration) -> Buffer: the fragment of this audio packet
 * (empty before the first access unit: audio starts with the video). */
static napi_value fmp4_write_audio(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], self;
    void *ptr = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL)) ||
        !unwrap_tagged(env, self, &fmp4_tag, "NativeFmp4", &ptr))
        return NULL;
    NodeFmp4 *f = ptr;
    if (!f->out) {
        throw_talkie(env, TALKIE_ERR(EINVAL), "the fragmented MP4 output is closed");
        return NULL;
    }
    bool is_buffer = false;
    void *data = NULL;
    size_t size = 0;
    int64_t pts = 0, duration = 0;
    if (argc < 3 || !napi_call(env, napi_is_buffer(env, argv[0], &is_buffer)))
        return NULL;
    if (!is_buffer) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "writeAudio(data: Buffer, pts, duration)");
        return NULL;
    }
    if (!napi_call(env, napi_get_buffer_info(env, argv[0], &data, &size)) ||
        !arg_int64(env, argc, argv, 1, "pts", &pts) ||
        !arg_int64(env, argc, argv, 2, "duration", &duration))
        return NULL;
    TalkieAudioPacket pkt = { .data = data, .size = size, .pts = pts, .duration = duration };
    f->n = 0;
    int res = talkie_output_write_audio(f->out, &pkt);
    if (res < 0) {
        throw_talkie(env, res, "fmp4 writeAudio");
        return NULL;
    }
    return fmp4_take(env, f);
}

/* close(): ends the output (idempotent). */
static napi_value fmp4_close(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self;
    void *ptr = NULL;
    if (!napi_call(env, napi_get_cb_info(env, info, &argc, NULL, &self, NULL)) ||
        !unwrap_tagged(env, self, &fmp4_tag, "NativeFmp4", &ptr))
        return NULL;
    NodeFmp4 *f = ptr;
    if (f->out)
        talkie_output_close(&f->out);
    fmp4_detach(f);
    return NULL;
}

static bool define_class(napi_env env, napi_value exports, const char *name,
                         napi_callback ctor, const napi_property_descriptor *props, size_t n)
{
    napi_value cls;
    return napi_call(env, napi_define_class(env, name, NAPI_AUTO_LENGTH, ctor, NULL, n, props,
                                          &cls)) &&
           napi_call(env, napi_set_named_property(env, exports, name, cls));
}

#define METHOD(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_default_method, NULL }

static napi_value module_init(napi_env env, napi_value exports)
{
    static const napi_property_descriptor context_props[] = {
        METHOD("close", context_close),
        METHOD("stats", context_stats),
    };
    static const napi_property_descriptor session_props[] = {
        METHOD("close", session_close),
        METHOD("say", session_say),
        METHOD("sayAudio", session_say_audio),
        METHOD("turnAudio", session_turn_audio),
        METHOD("turnAudioEnd", session_turn_audio_end),
        METHOD("cut", session_cut),
        METHOD("audioInfo", session_audio_info),
        METHOD("finishAudio", session_finish_audio),
        METHOD("sendFrame", session_send_frame),
        METHOD("requestKeyframe", session_request_keyframe),
        METHOD("setBitrate", session_set_bitrate),
        METHOD("streamInfo", session_stream_info),
        METHOD("endMs", session_end_ms),
        METHOD("inFlight", session_in_flight),
        METHOD("renderFile", session_render_file),
        METHOD("abortRender", session_abort_render),
    };
    static const napi_property_descriptor fmp4_props[] = {
        METHOD("write", fmp4_write),
        METHOD("writeAudio", fmp4_write_audio),
        METHOD("close", fmp4_close),
    };
    static const napi_property_descriptor functions[] = {
        METHOD("version", module_version),
        METHOD("devices", module_devices),
        METHOD("errorName", module_error_name),
    };
    if (!define_class(env, exports, "NativeContext", context_new, context_props,
                      sizeof(context_props) / sizeof(context_props[0])) ||
        !define_class(env, exports, "NativeSession", session_new, session_props,
                      sizeof(session_props) / sizeof(session_props[0])) ||
        !define_class(env, exports, "NativeFmp4", fmp4_new, fmp4_props,
                      sizeof(fmp4_props) / sizeof(fmp4_props[0])) ||
        !napi_call(env, napi_define_properties(env, exports,
                                             sizeof(functions) / sizeof(functions[0]),
                                             functions)))
        return NULL;
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, module_init)
