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
 * SERVE_MAX_BODY_BYTES; a larger Content-Length is refused before reading (413), and the
 * connection is closed after an error whose body was not read.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

#define HEADER_BUF_BYTES 1024

typedef enum Route {
    ROUTE_NONE, ROUTE_CREATE, ROUTE_LINES, ROUTE_CLOSE,
} Route;

/* Per HTTP connection: the request being read. */
typedef struct HttpReq {
    Route route;
    char id[SERVE_ID_MAX + 1];
    char *body;
    size_t len, limit;
} HttpReq;

int serve_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > SERVE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

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

/* Compares in time independent of where they differ, so the token cannot be guessed byte by
 * byte from response times. */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned diff = (unsigned)(la ^ lb);
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)(lb ? b[i % lb] : 0);
    return diff == 0;
}

int serve_token_ok(struct lws *wsi, const Server *srv)
{
    if (!srv->opt->token)
        return 1;
    char got[256];
    if (lws_hdr_copy(wsi, got, sizeof(got), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
        !strncasecmp(got, "Bearer ", 7))
        return same_secret(got + 7, srv->opt->token);
    if (serve_url_arg(wsi, "token", got, sizeof(got)) == 0)
        return same_secret(got, srv->opt->token);
    return 0;
}

static int respond(struct lws *wsi, unsigned status, const char *type, const char *body,
                   size_t len, int close_after)
{
    unsigned char hdr[LWS_PRE + HEADER_BUF_BYTES];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
    if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        (close_after && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                    (const unsigned char *)"close", 5, &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    unsigned char *out = malloc(LWS_PRE + len + 1);
    if (!out)
        return -1;
    memcpy(out + LWS_PRE, body, len);
    int n = lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(out);
    if (n < 0 || close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
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

static int fail(struct lws *wsi, unsigned status, const char *code, const char *msg,
                int close_after)
{
    return respond_json(wsi, status, json_pack("{s:s,s:s}", "error", msg, "code", code),
                        close_after);
}

static json_t *session_list(const Server *srv)
{
    json_t *a = json_array();
    for (const LiveSession *ls = srv->sessions; ls; ls = live_session_next(ls))
        json_array_append_new(a, live_session_json(ls, 0));
    return json_pack("{s:o}", "sessions", a);
}

static int create_session(struct lws *wsi, Server *srv, const json_t *body)
{
    char id[SERVE_ID_MAX + 1];
    json_t *jid = json_object_get(body, "id");
    if (jid && !json_is_string(jid))
        return fail(wsi, 400, "bad_request", "\"id\" must be a string", 0);
    if (jid) {
        if (!serve_id_valid(json_string_value(jid)))
            return fail(wsi, 400, "bad_request", "\"id\": 1..32 of A-Z a-z 0-9 - _", 0);
        snprintf(id, sizeof(id), "%s", json_string_value(jid));
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

static int post_line(struct lws *wsi, LiveSession *ls, const json_t *body)
{
    json_t *sp = json_object_get(body, "speaker"), *tx = json_object_get(body, "text");
    if (!json_is_string(sp) || !json_is_string(tx))
        return fail(wsi, 400, "bad_request", "expected {\"speaker\": string, \"text\": string}",
                    0);
    const char *speaker = json_string_value(sp), *text = json_string_value(tx);
    if (strlen(speaker) != json_string_length(sp) || strlen(text) != json_string_length(tx))
        return fail(wsi, 400, "bad_request", "NUL characters are not allowed", 0);
    if (!*speaker || strlen(speaker) > 64 || !*text || strlen(text) > 4096)
        return fail(wsi, 400, "bad_request", "speaker: 1..64 bytes, text: 1..4096 bytes", 0);
    TalkieAudio audio;
    int16_t *pcm;
    char err[160];
    int status = line_audio_parse(body, &audio, &pcm, err, sizeof(err));
    if (status)
        return fail(wsi, (unsigned)status, status == 413 ? "too_large" : "bad_audio", err, 0);
    int64_t id = live_session_say(ls, speaker, text, audio.frames ? &audio : NULL);
    free(pcm);
    if (id < 0)
        return fail(wsi, 400, "bad_line", talkie_strerror((int)id), 0);
    return respond_json(wsi, 201, json_pack("{s:I}", "id", (json_int_t)id), 0);
}

/* A POST whose body has been read. */
static int handle_body(struct lws *wsi, Server *srv, const HttpReq *r, const char *data)
{
    json_error_t jerr;
    json_t *body = r->len ? json_loadb(data, r->len, JSON_REJECT_DUPLICATES, &jerr)
                          : json_object();
    if (!body) {
        char msg[256];
        snprintf(msg, sizeof(msg), "malformed JSON: %s", jerr.text);
        return fail(wsi, 400, "bad_json", msg, 0);
    }
    int res;
    LiveSession *ls = r->route == ROUTE_CREATE ? NULL : live_session_find(srv, r->id);
    if (!json_is_object(body))
        res = fail(wsi, 400, "bad_json", "expected a JSON object", 0);
    else if (r->route == ROUTE_CREATE)
        res = create_session(wsi, srv, body);
    else if (!ls)
        res = fail(wsi, 404, "no_session", "no such session", 0);
    else if (r->route == ROUTE_LINES)
        res = post_line(wsi, ls, body);
    else {
        live_session_close(ls);
        res = respond_json(wsi, 200, json_pack("{s:s}", "closed", r->id), 0);
    }
    json_decref(body);
    return res;
}

/* Splits "/api/sessions/<id>[/<rest>]"; 0 when it has that shape. */
static int session_path(const char *uri, char *id, const char **rest)
{
    static const char prefix[] = "/api/sessions/";
    if (strncmp(uri, prefix, sizeof(prefix) - 1))
        return -1;
    const char *p = uri + sizeof(prefix) - 1;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || n > SERVE_ID_MAX)
        return -1;
    memcpy(id, p, n);
    id[n] = '\0';
    *rest = slash ? slash : "";
    return serve_id_valid(id) ? 0 : -1;
}

static int on_request(struct lws *wsi, Server *srv, HttpReq *r, const char *uri)
{
    int is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    int is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    memset(r, 0, sizeof(*r));
    /* a POST body we will not read must not be taken for the next request: close after */
    int close_after = is_post;
    if (!is_post && !is_get)
        return fail(wsi, 405, "method", "only GET and POST", 1);
    if (!serve_token_ok(wsi, srv))
        return fail(wsi, 401, "unauthorized", "a valid token is required", close_after);

    const char *rest = NULL;
    int is_session = session_path(uri, r->id, &rest) == 0;
    if (is_get) {
        if (!strcmp(uri, "/") || (!strncmp(uri, "/s/", 3) && serve_id_valid(uri + 3))) {
            if (uri[1] && !live_session_find(srv, uri + 3))
                return fail(wsi, 404, "no_session", "no such session", 0);
            return respond(wsi, 200, "text/html; charset=utf-8", serve_page_html,
                           serve_page_html_len, 0);
        }
        if (!strcmp(uri, "/api/sessions"))
            return respond_json(wsi, 200, session_list(srv), 0);
        if (is_session && !*rest) {
            LiveSession *ls = live_session_find(srv, r->id);
            if (!ls)
                return fail(wsi, 404, "no_session", "no such session", 0);
            return respond_json(wsi, 200, live_session_json(ls, 1), 0);
        }
        if (!strcmp(uri, "/api/sessions") || (is_session && (!strcmp(rest, "/lines") ||
                                                             !strcmp(rest, "/close"))))
            return fail(wsi, 405, "method", "use POST", 0);
        return fail(wsi, 404, "not_found", "no such path", 0);
    }

    if (!strcmp(uri, "/api/sessions"))
        r->route = ROUTE_CREATE;
    else if (is_session && !strcmp(rest, "/lines"))
        r->route = ROUTE_LINES;
    else if (is_session && !strcmp(rest, "/close"))
        r->route = ROUTE_CLOSE;
    else
        return fail(wsi, 404, "not_found", "no such path", 1);
    if (r->route != ROUTE_CREATE && !live_session_find(srv, r->id))
        return fail(wsi, 404, "no_session", "no such session", 1);
    char cl[32];
    if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return fail(wsi, 411, "length_required", "a Content-Length is required", 1);
    char *endp;
    unsigned long long n = strtoull(cl, &endp, 10);
    if (*endp || endp == cl)
        return fail(wsi, 400, "bad_request", "bad Content-Length", 1);
    r->limit = r->route == ROUTE_LINES ? SERVE_MAX_LINE_BODY_BYTES : SERVE_MAX_BODY_BYTES;
    if (n > r->limit)
        return fail(wsi, 413, "too_large", "the body is larger than the limit (8 KiB, lines "
                    "with audio 4 MiB)", 1);
    if (n == 0)
        return handle_body(wsi, srv, r, NULL);
    r->limit = (size_t)n; /* no more than it said: a small line does not take 4 MiB */
    r->body = malloc(r->limit);
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
    case LWS_CALLBACK_HTTP_BODY:
        if (!r->body)
            return -1;
        if (r->len + len > r->limit)
            return fail(wsi, 413, "too_large", "the body is larger than its limit", 1);
        memcpy(r->body + r->len, in, len);
        r->len += len;
        return 0;
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
