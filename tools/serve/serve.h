/*
 * talkie serve: live sessions watched in a browser (WebCodecs or MSE over a WebSocket), fed
 * lines over a JSON API, optionally pushed to a media server. A client of the public API only.
 *
 * One thread runs everything of the server (the libwebsockets loop): HTTP requests, viewers,
 * frame pacing (one timer per session) and the packets, which talkie's packet callback
 * announces by waking the loop (lws_cancel_service), so no lock is needed here.
 *
 * Files: serve_main.c (options, the loop), live_session.c (a session: pacing, packets,
 * fan-out to viewers, transcript, latency), http_api.c (HTTP: page and JSON API),
 * stream_ws.c (the viewers' WebSocket), request.c (what a request asks for, decided from its
 * bytes alone: the fuzz target's entry), page.html (embedded at build time).
 */
#ifndef TALKIE_TOOLS_SERVE_H
#define TALKIE_TOOLS_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "request.h"
#include "talkie/talkie.h"

#define SERVE_WS_HEADER_BYTES 32   /* the binary header of every media message (page.html) */

typedef struct Server Server;
typedef struct LiveSession LiveSession;

/* A message to viewers, shared by all of them (reference counted); the payload starts
 * LWS_PRE bytes into `buf`, where lws_write() wants room for its framing. */
typedef struct ServeMsg {
    int refs;
    int text;          /* 1: a JSON text message, 0: binary media */
    int keyframe;      /* media a viewer may start with (video only: audio follows it) */
    int always;        /* not media (text, the MP4 init segment): never skipped */
    size_t len;
    unsigned char buf[];
} ServeMsg;

ServeMsg *serve_msg_new(size_t len);
void serve_msg_unref(ServeMsg *m);

typedef enum ViewMode { VIEW_WEBCODECS = 0, VIEW_MSE = 1 } ViewMode;

/* One viewer: the per-connection data of the stream protocol. Its queue is bounded: when it
 * is full the viewer is behind, its queue is emptied and it waits for the next keyframe;
 * a viewer that stays behind is closed. */
typedef struct Viewer {
    struct lws *wsi;
    LiveSession *ls;   /* NULL once its session is closed */
    struct Viewer *next;
    ViewMode mode;
    ServeMsg **queue;
    int cap, head, count;
    int need_key;      /* skip media until a keyframe */
    int want_key;      /* asked for a keyframe once its queue drains */
    int overflows;     /* in a row, without a keyframe sent since */
    int64_t sent, dropped;
    int64_t rx_window_ns;  /* flood guard: messages received in the current second */
    int rx_count;
} Viewer;

typedef struct ServeOptions {
    const char *host;
    int port;
    int allow_remote;
    const char *token;
    const char *push_url;
    const char *initial_session;
    int max_sessions;
    int max_viewers;
    int quiet;
    int tts;                   /* 1: lines posted without audio are spoken by espeak-ng */
    TalkieSettings settings;   /* size, rate, encoder, qp, font, audio codec for every
                                  session */
} ServeOptions;

struct Server {
    lws_sorted_usec_list_t housekeeping;  /* wakes the loop to see a stop signal */
    const ServeOptions *opt;
    TalkieContext *ctx;
    struct lws_context *lws;
    LiveSession *sessions;
    int n_sessions;
    uint64_t id_counter;
};

/* live_session.c */
int live_session_open(Server *srv, const char *id, const char *push_url, LiveSession **out,
                      char *err, size_t err_size);
void live_session_close(LiveSession *ls);
LiveSession *live_session_find(Server *srv, const char *id);
const char *live_session_id(const LiveSession *ls);
LiveSession *live_session_next(const LiveSession *ls);  /* the server's list */
/* Takes every packet the session has ready and sends it on (to viewers, push, MSE). */
void live_session_drain(LiveSession *ls);
/* Adds a line said now, with its voice (`audio` NULL: none, or speech with --tts); returns
 * its id (> 0) or a negative talkie error. */
int64_t live_session_say(LiveSession *ls, const char *speaker, const char *text,
                         const TalkieAudio *audio);
/* Media messages a viewer may queue per second (video and audio). */
int live_session_msgs_per_second(const Server *srv);
/* The session as JSON (a jansson json_t *, returned as void * to keep jansson out of here). */
void *live_session_json(const LiveSession *ls, int with_transcript);
int live_session_add_viewer(LiveSession *ls, Viewer *v);
void live_session_remove_viewer(LiveSession *ls, Viewer *v);
/* Called when a viewer's queue has drained: it may want a keyframe now. */
void live_session_viewer_idle(LiveSession *ls, Viewer *v);

/* stream_ws.c */
int stream_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                       void *in, size_t len);
/* Queues `m` for `v` (taking a reference); drops and resyncs a viewer that is behind. */
void viewer_push(Viewer *v, ServeMsg *m);
void viewer_free_queue(Viewer *v);

/* http_api.c */
/* The per-connection data of the "http" protocol (serve_main.c's table): http_api.c checks at
 * compile time that its request state fits. */
#define SERVE_HTTP_USER_BYTES 128
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len);
/* 1 when the request carries the server's token (or none is needed). */
int serve_token_ok(struct lws *wsi, const Server *srv);
/* Copies the value of URL argument `name` (without "=") into buf; 0 when found. */
int serve_url_arg(struct lws *wsi, const char *name, char *buf, size_t size);

/* page.c (generated from page.html) */
extern const char serve_page_html[];
extern const size_t serve_page_html_len;

/* serve_main.c */
int cmd_serve(int argc, char **argv);
int64_t serve_now_ns(void);

#endif
