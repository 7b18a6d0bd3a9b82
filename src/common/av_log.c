/*
 * The FFmpeg log dispatcher (see av_log.h): one callback for the process, a small table of
 * talkie's contexts, looked up under a mutex. Messages are formatted only once a context's
 * log wants their level.
 */
#include "common/av_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "common/array.h"

typedef struct Route {
    const void *ctx;
    const void *priv;        /* its private data (options), which logs on its own; or NULL */
    const TkLog *log;
} Route;

/* The process-wide part: FFmpeg has one log callback, so it must know every session. */
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t routes_lock = PTHREAD_MUTEX_INITIALIZER;
static Route *routes;
static int n_routes, cap_routes;

/* AVClass parents are followed this far at most (FFmpeg's own chains are one or two). */
#define MAX_PARENTS 4

/* The private data of an AVFormatContext or AVCodecContext (the muxer's or libx264's
 * options), read when the context is attached: it is set when the context is allocated,
 * and reading it later could race with the thread that owns it. */
static const void *private_data(const void *ctx)
{
    const AVClass *cls = *(const AVClass *const *)ctx;
    if (cls == avformat_get_class())
        return ((const AVFormatContext *)ctx)->priv_data;
    if (cls == avcodec_get_class())
        return ((const AVCodecContext *)ctx)->priv_data;
    return NULL;
}

/* Finds the route of `avcl` or of one of its AVClass parents; 1 when found. */
static int find_route(void *avcl, const TkLog **log)
{
    int found = 0;
    pthread_mutex_lock(&routes_lock);
    for (int depth = 0; avcl && depth <= MAX_PARENTS && !found; depth++) {
        for (int i = 0; i < n_routes; i++)
            if (routes[i].ctx == avcl || (routes[i].priv && routes[i].priv == avcl)) {
                *log = routes[i].log;
                found = 1;
                break;
            }
        const AVClass *cls = *(const AVClass **)avcl;
        if (!cls || cls->parent_log_context_offset <= 0)
            break;
        avcl = *(void **)((uint8_t *)avcl + cls->parent_log_context_offset);
    }
    pthread_mutex_unlock(&routes_lock);
    return found;
}

static TalkieLogLevel talkie_level(int av_level)
{
    if (av_level <= AV_LOG_ERROR)
        return TALKIE_LOG_ERROR;
    if (av_level <= AV_LOG_WARNING)
        return TALKIE_LOG_WARNING;
    if (av_level <= AV_LOG_INFO)
        return TALKIE_LOG_INFO;
    return TALKIE_LOG_DEBUG;
}

static void dispatch(void *avcl, int level, const char *fmt, va_list vl)
{
    const TkLog *log = NULL;
    if (!find_route(avcl, &log)) {
        if (level <= AV_LOG_WARNING)
            av_log_default_callback(avcl, level, fmt, vl);
        return;
    }
    TalkieLogLevel tl = talkie_level(level);
    if (level > AV_LOG_DEBUG || tl > (log ? log->max_level : TALKIE_LOG_WARNING))
        return;
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, vl);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = 0;
    if (len == 0)
        return;
    /* "mp4: ...", "libx264: ...": which FFmpeg component spoke */
    const AVClass *cls = avcl ? *(const AVClass **)avcl : NULL;
    const char *name = cls && cls->item_name ? cls->item_name(avcl) : "ffmpeg";
    tk_log(log, tl, "%s: %s", name, msg);
}

static void install(void)
{
    av_log_set_callback(dispatch);
}

int tk_av_log_attach(const void *ctx, const TkLog *log)
{
    if (!ctx)
        return TALKIE_ERR(EINVAL);
    pthread_once(&install_once, install);
    const void *priv = private_data(ctx);
    pthread_mutex_lock(&routes_lock);
    int res = tk_array_grow((void **)&routes, &cap_routes, n_routes + 1, sizeof(Route), 8);
    if (res >= 0)
        routes[n_routes++] = (Route){ .ctx = ctx, .priv = priv, .log = log };
    pthread_mutex_unlock(&routes_lock);
    return res;
}

void tk_av_log_detach(const void *ctx)
{
    if (!ctx)
        return;
    pthread_mutex_lock(&routes_lock);
    for (int i = 0; i < n_routes; i++)
        if (routes[i].ctx == ctx) {
            routes[i] = routes[--n_routes];
            break;
        }
    if (n_routes == 0) { /* nothing left: nothing kept, not even the table */
        free(routes);
        routes = NULL;
        cap_routes = 0;
    }
    pthread_mutex_unlock(&routes_lock);
}
