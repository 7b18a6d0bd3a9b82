/*
 * The viewers' WebSocket ("talkie-stream" at /s/<id>/stream?mode=webcodecs|mse): media and
 * transcript messages from the session, through a bounded queue per viewer.
 *
 * A viewer never holds anyone up: messages are shared (reference counted), each viewer sends
 * from its own queue when its socket is writable; a full queue means the viewer is behind, so
 * it is emptied and the viewer skips to the next keyframe (asked for once it has caught up);
 * a viewer that overflows again and again is closed. Viewers send nothing that we need: more
 * than a few small messages a second, or a big one, is a flood and closes the connection.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "serve.h"

#define VIEWER_QUEUE_SECONDS 1     /* media a viewer may be behind before it skips */
#define VIEWER_MAX_OVERFLOWS 5     /* skips in a row before it is closed */
#define VIEWER_RX_MAX_PER_S 20     /* messages a viewer may send per second */
#define VIEWER_RX_MAX_BYTES 1024   /* the largest message a viewer may send */
/* Kernel send buffer per viewer: small, so that a viewer that stops reading shows in its
 * queue within a fraction of a second instead of after megabytes of socket buffer. */
#define VIEWER_SNDBUF_BYTES (32 * 1024)

ServeMsg *serve_msg_new(size_t len)
{
    ServeMsg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (!m)
        return NULL;
    m->refs = 1;
    m->text = m->keyframe = m->always = 0;
    m->len = len;
    return m;
}

void serve_msg_unref(ServeMsg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

void viewer_free_queue(Viewer *v)
{
    while (v->count > 0) {
        serve_msg_unref(v->queue[v->head]);
        v->head = (v->head + 1) % v->cap;
        v->count--;
    }
}

void viewer_push(Viewer *v, ServeMsg *m)
{
    if (!m->always) {
        if (v->need_key && !m->keyframe) {
            v->dropped++;
            return;
        }
        if (m->keyframe)
            v->need_key = 0;
    }
    if (v->count == v->cap) {
        /* behind by a whole queue: start again at a keyframe, or give up on the viewer */
        viewer_free_queue(v);
        v->dropped += v->cap;
        v->need_key = 1;
        v->want_key = 1;
        if (++v->overflows >= VIEWER_MAX_OVERFLOWS) {
            lwsl_notice("viewer too slow, closing it\n");
            lws_set_timeout(v->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            return;
        }
        if (!m->always) {
            v->dropped++;
            return;
        }
    }
    m->refs++;
    v->queue[(v->head + v->count) % v->cap] = m;
    v->count++;
    lws_callback_on_writable(v->wsi);
}

static int viewer_open(struct lws *wsi, Viewer *v)
{
    Server *srv = lws_context_user(lws_get_context(wsi));
    char uri[128], id[SERVE_ID_MAX + 1], mode[16];
    int mse;
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
        return -1;
    int have_mode = serve_url_arg(wsi, "mode", mode, sizeof(mode)) == 0;
    LiveSession *ls = serve_stream_target(uri, have_mode ? mode : NULL, id, &mse) == 0
                          ? live_session_find(srv, id) : NULL;
    if (!ls)
        return -1;
    memset(v, 0, sizeof(*v));
    v->wsi = wsi;
    v->mode = mse ? VIEW_MSE : VIEW_WEBCODECS;
    /* + room for text messages */
    v->cap = VIEWER_QUEUE_SECONDS * live_session_msgs_per_second(srv) + 8;
    v->queue = calloc((size_t)v->cap, sizeof(*v->queue));
    if (!v->queue)
        return -1;
    int sndbuf = VIEWER_SNDBUF_BYTES;
    setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (live_session_add_viewer(ls, v) < 0) {
        free(v->queue);
        v->queue = NULL;
        return -1;
    }
    return 0;
}

static void viewer_close(Viewer *v)
{
    if (v->ls)
        live_session_remove_viewer(v->ls, v);
    viewer_free_queue(v);
    free(v->queue);
    v->queue = NULL;
}

int stream_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                       void *in, size_t len)
{
    Viewer *v = user;
    Server *srv = lws_context_user(lws_get_context(wsi));
    (void)in;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* before the upgrade: a bad token or an unknown session gets no WebSocket */
        return serve_token_ok(wsi, srv) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        if (viewer_open(wsi, v) < 0) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                             (unsigned char *)"unknown session", 15);
            return -1;
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!v->queue || v->count == 0)
            return 0;
        ServeMsg *m = v->queue[v->head];
        v->head = (v->head + 1) % v->cap;
        v->count--;
        int n = lws_write(wsi, m->buf + LWS_PRE, m->len,
                          m->text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY);
        if (!m->always && !m->text)
            v->overflows = 0; /* media went out: it keeps up again */
        v->sent++;
        serve_msg_unref(m);
        if (n < 0)
            return -1;
        if (v->count > 0)
            lws_callback_on_writable(wsi);
        else if (v->ls)
            live_session_viewer_idle(v->ls, v);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        int64_t now = serve_now_ns();
        if (now - v->rx_window_ns > 1000000000LL) {
            v->rx_window_ns = now;
            v->rx_count = 0;
        }
        if (++v->rx_count > VIEWER_RX_MAX_PER_S || len > VIEWER_RX_MAX_BYTES ||
            lws_remaining_packet_payload(wsi) > 0) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                             (unsigned char *)"flood", 5);
            return -1;
        }
        return 0; /* viewers have nothing to say yet */
    }
    case LWS_CALLBACK_CLOSED:
        viewer_close(v);
        return 0;
    default:
        return 0;
    }
}
