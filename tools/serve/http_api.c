/*
 * HTTP: the page and the JSON API of talkie serve.
 *
 *   GET  /                          the page (lists sessions, makes one)
 *   GET  /s/<id>                    the page of a session
 *   GET  /api/sessions              {"sessions": [...]}
 *   POST /api/sessions              {"id"?: "name"} -> 201 {"id", "page", "stream"}
 *   GET  /api/sessions/<id>         the session, its statistics and transcript
 *   POST /api/sessions/<id>/lines   {"speaker", "text", "audio"?} -> 201 {"id"}
 *                                   (audio: line_audio.c; body up to SERVE_MAX_LINE_BODY_BYTES)
 *   POST /api/sessions/<id>/close   -> 200 {"closed": id}
 *
 * Errors are 4xx with {"error": message, "code": name}. Bodies are read up to
 * SERVE_MAX_BODY_BYTES; a larger Content-Length is refused before reading (413). Every answer
 * closes its connection (respond() says why). What a request asks for is
 * decided in request.c from its bytes; this file talks to libwebsockets and the sessions.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define HEADER_BUF_BYTES 1024

/* Per HTTP connection: the request being read. */
typedef struct HttpReq {
    ServeRoute route;
    ServeTarget target;
    char *body;
    size_t len;
} HttpReq;
/* libwebsockets allocates it, SERVE_HTTP_USER_BYTES large (it was once too small) */
_Static_assert(sizeof(HttpReq) <= SERVE_HTTP_USER_BYTES, "HttpReq outgrew its allocation");

int serve_url_arg(struct lws *wsi, const char *name, char *buf, size_t size)
{
    char frag[256];
    size_t nlen = strlen(name);
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS,
                                          i) > 0; i++) {
        if (!strncmp(frag, name, nlen) && frag[nlen] == '=') {
            snprintf(buf, size, "%s", frag + nlen + 1);
            return 0;
        }
    }
    return -1;
}

/* What a request presents as the token: the Authorization header as a whole, however long
 * (a cut one must not match; *auth is malloc'd), and the token= argument. -1 without memory. */
static int credentials(struct lws *wsi, char **auth, char *arg, size_t arg_size, int *have_arg)
{
    *auth = NULL;
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 0) {
        if (!(*auth = malloc((size_t)n + 1)))
            return -1;
        if (lws_hdr_copy(wsi, *auth, n + 1, WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
            (*auth)[0] = '\0';
    }
    *have_arg = serve_url_arg(wsi, "token", arg, arg_size) == 0;
    return 0;
}

int serve_token_ok(struct lws *wsi, const Server *srv)
{
    if (!srv->opt->token)
        return 1;
    char *auth, arg[256];
    int have_arg;
    if (credentials(wsi, &auth, arg, sizeof(arg), &have_arg) < 0)
        return 0;
    int ok = serve_token_matches(srv->opt->token, auth, have_arg ? arg : NULL);
    free(auth);
    return ok;
}

/* Sends an answer and ends the connection. close_after is the request's own reason to close
 * (a body left unread), but every answer closes for now: libwebsockets 4.1.6 spins its loop
 * at 100% CPU, serving nothing any more, when a POST with a body comes pipelined behind
 * another request in one read (found by tests/web/test_serve_fuzz.py, which replays those
 * inputs first). Closing drops what follows the answer, so no pipelined request is parsed;
 * a connection per request costs little for the few requests the API gets. */
static int respond(struct lws *wsi, unsigned status, const char *type, const char *body,
                   size_t len, int close_after)
{
    (void)close_after;
    unsigned char hdr[LWS_PRE + HEADER_BUF_BYTES];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
    if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                     (const unsigned char *)"close", 5, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    unsigned char *out = malloc(LWS_PRE + len + 1);
    if (!out)
        return -1;
    memcpy(out + LWS_PRE, body, len);
    lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(out);
    return -1; /* libwebsockets closes the connection once the answer is out */
}

static int respond_json(struct lws *wsi, unsigned status, json_t *j, int close_after)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        return respond(wsi, 500, "application/json", "{\"error\":\"out of memory\"}", 25, 1);
    int res = respond(wsi, status, "application/json", s, strlen(s), close_after);
    free(s);
    return res;
}

static int answer(struct lws *wsi, const ServeAnswer *a)
{
    char *s = serve_answer_json(a);
    if (!s)
        return respond(wsi, 500, "application/json", "{\"error\":\"out of memory\"}", 25, 1);
    int res = respond(wsi, a->status, "application/json", s, strlen(s), a->close_after);
    free(s);
    return res;
}

static int fail(struct lws *wsi, unsigned status, const char *code, const char *msg,
                int close_after)
{
    ServeAnswer a;
    serve_answer_set(&a, status, code, msg, close_after);
    return answer(wsi, &a);
}

static json_t *session_list(const Server *srv)
{
    json_t *a = json_array();
    for (const LiveSession *ls = srv->sessions; ls; ls = live_session_next(ls))
        json_array_append_new(a, live_session_json(ls, 0));
    return json_pack("{s:o}", "sessions", a);
}

static int create_session(struct lws *wsi, Server *srv, const ServeCommand *cmd)
{
    char id[SERVE_ID_MAX + 1];
    if (cmd->has_id) {
        snprintf(id, sizeof(id), "%s", cmd->id);
        if (live_session_find(srv, id))
            return fail(wsi, 409, "exists", "a session with that id exists", 0);
    } else {
        do
            snprintf(id, sizeof(id), "s%llu", (unsigned long long)++srv->id_counter);
        while (live_session_find(srv, id));
    }
    if (srv->n_sessions >= srv->opt->max_sessions)
        return fail(wsi, 503, "too_many_sessions", "the server runs as many sessions as it may",
                    0);
    LiveSession *ls;
    char err[256];
    if (live_session_open(srv, id, NULL, &ls, err, sizeof(err)) < 0)
        return fail(wsi, 500, "session_failed", err, 0);
    char page[64], stream[64];
    snprintf(page, sizeof(page), "/s/%s", id);
    snprintf(stream, sizeof(stream), "/s/%s/stream", id);
    return respond_json(wsi, 201, json_pack("{s:s,s:s,s:s}", "id", id, "page", page,
                                            "stream", stream), 0);
}

/* A POST whose body has been read: request.c checks it, this does what it asks. */
static int handle_body(struct lws *wsi, Server *srv, const HttpReq *r, const char *data)
{
    ServeCommand *cmd = malloc(sizeof(*cmd)); /* 4 KiB of text: not on the loop's stack */
    if (!cmd)
        return fail(wsi, 500, "no_memory", "out of memory", 1);
    ServeAnswer err;
    int res;
    if (serve_request_body(r->route, data, r->len, cmd, &err) < 0) {
        res = answer(wsi, &err);
    } else if (r->route == SERVE_ROUTE_CREATE) {
        res = create_session(wsi, srv, cmd);
    } else {
        /* the session was there when the request came; another request may have closed it
         * while the body was read */
        LiveSession *ls = live_session_find(srv, r->target.id);
        if (!ls) {
            res = fail(wsi, 404, "no_session", "no such session", 0);
        } else if (r->route == SERVE_ROUTE_LINES) {
            int64_t id = live_session_say(ls, cmd->speaker, cmd->text,
                                          cmd->audio.frames ? &cmd->audio : NULL);
            res = id < 0 ? fail(wsi, 400, "bad_line", talkie_strerror((int)id), 0)
                         : respond_json(wsi, 201, json_pack("{s:I}", "id", (json_int_t)id), 0);
        } else {
            live_session_close(ls);
            res = respond_json(wsi, 200, json_pack("{s:s}", "closed", r->target.id), 0);
        }
    }
    serve_command_free(cmd);
    free(cmd);
    return res;
}

static int session_exists(void *opaque, const char *id)
{
    return live_session_find(opaque, id) != NULL;
}

/* A header's value, or NULL when absent or longer than size - 1 (then nothing matches it). */
static const char *header(struct lws *wsi, enum lws_token_indexes h, char *buf, int size)
{
    return lws_hdr_copy(wsi, buf, size, h) > 0 ? buf : NULL;
}

static int on_request(struct lws *wsi, Server *srv, HttpReq *r, const char *uri)
{
    memset(r, 0, sizeof(*r));
    char cl[32], *auth, arg[256];
    int have_arg;
    if (credentials(wsi, &auth, arg, sizeof(arg), &have_arg) < 0)
        return fail(wsi, 500, "no_memory", "out of memory", 1);
    ServeRequest req = {
        .method = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0  ? "POST"
                  : lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 ? "GET"
                                                                     : "other",
        .uri = uri,
        .authorization = auth,
        .token_arg = have_arg ? arg : NULL,
        .content_length = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof(cl)),
        .session_exists = session_exists,
        .opaque = srv,
    };
    ServeAnswer err;
    r->route = serve_request_route(&req, srv->opt->token, &r->target, &err);
    free(auth);
    switch (r->route) {
    case SERVE_ROUTE_ANSWERED:
        return answer(wsi, &err);
    case SERVE_ROUTE_PAGE:
        return respond(wsi, 200, "text/html; charset=utf-8", serve_page_html,
                       serve_page_html_len, 0);
    case SERVE_ROUTE_LIST:
        return respond_json(wsi, 200, session_list(srv), 0);
    case SERVE_ROUTE_SESSION:
        return respond_json(wsi, 200,
                            live_session_json(live_session_find(srv, r->target.id), 1), 0);
    default:
        break;
    }
    if (r->target.body_bytes == 0)
        return handle_body(wsi, srv, r, NULL);
    /* as long as it said (request.c checked it against the route's limit): a small line does
     * not take the 4 MiB a voice may */
    r->body = malloc(r->target.body_bytes);
    if (!r->body)
        return fail(wsi, 500, "no_memory", "out of memory", 1);
    return 0; /* the body comes in LWS_CALLBACK_HTTP_BODY */
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    HttpReq *r = user;
    struct lws_context *lc = lws_get_context(wsi);
    Server *srv = lc ? lws_context_user(lc) : NULL;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* talkie's packet callback woke the loop: take the packets of every session */
        for (LiveSession *ls = srv->sessions; ls; ls = live_session_next(ls))
            live_session_drain(ls);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* a WebSocket without the "talkie-stream" subprotocol lands here: nothing to serve */
        return -1;
    case LWS_CALLBACK_HTTP:
        return on_request(wsi, srv, r, in);
    case LWS_CALLBACK_HTTP_BODY: {
        if (!r->body)
            return -1;
        ServeAnswer err;
        if (serve_body_fits(r->route, r->len, len, &err) < 0)
            return answer(wsi, &err);
        memcpy(r->body + r->len, in, len);
        r->len += len;
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
        /* the answer completes the transaction, after which lws frees `r`: take the body
         * out of it first */
        char *body = r->body;
        r->body = NULL;
        int res = handle_body(wsi, srv, r, body);
        free(body);
        return res;
    }
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (r) {
            free(r->body);
            r->body = NULL;
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
