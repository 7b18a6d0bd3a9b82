/*
 * The decisions of talkie serve about a request, from its bytes alone (request.h): routing,
 * the token, Content-Length, the JSON body of a POST, error answers, the viewer's WebSocket
 * path. No libwebsockets here, so tests/fuzz/fuzz_serve_request.c drives exactly this code.
 */
#include "request.h"
#include "line_audio.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Compares in time independent of where they differ, so the token cannot be guessed byte by
 * byte from response times. */
static int same_secret(const char *got, const char *secret)
{
    size_t lg = strlen(got), ls = strlen(secret);
    unsigned diff = (unsigned)(lg ^ ls);
    for (size_t i = 0; i < lg; i++)
        diff |= (unsigned char)got[i] ^ (unsigned char)(ls ? secret[i % ls] : 0);
    return diff == 0;
}

int serve_token_matches(const char *token, const char *authorization, const char *token_arg)
{
    if (!token)
        return 1;
    /* the header decides when it is a Bearer one, as browsers' fetch() sends it */
    if (authorization && !strncasecmp(authorization, "Bearer ", 7))
        return same_secret(authorization + 7, token);
    if (token_arg)
        return same_secret(token_arg, token);
    return 0;
}

void serve_answer_set(ServeAnswer *err, unsigned status, const char *code, const char *message,
                      int close_after)
{
    err->status = status;
    err->code = code;
    err->close_after = close_after;
    size_t i = 0;
    for (; message[i] && i + 1 < sizeof(err->message); i++) {
        unsigned char c = (unsigned char)message[i];
        err->message[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    err->message[i] = '\0';
}

char *serve_answer_json(const ServeAnswer *err)
{
    json_t *j = json_pack("{s:s,s:s}", "error", err->message, "code", err->code);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

/* Splits "/api/sessions/<id>[/<rest>]"; 0 when it has that shape with a valid id. */
static int session_path(const char *uri, char id[SERVE_ID_MAX + 1], const char **rest)
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

static int exists(const ServeRequest *req, const char *id)
{
    return req->session_exists && req->session_exists(req->opaque, id);
}

/* Content-Length: decimal digits only (spaces or tabs around them allowed), so that what we
 * read as the body is what libwebsockets reads; -1 for anything else or an overflow. */
static int parse_length(const char *s, size_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t v = 0, digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (v > ((size_t)-1 - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (!digits || *s)
        return -1;
    *out = v;
    return 0;
}

static ServeRoute route_get(const ServeRequest *req, ServeTarget *tgt, ServeAnswer *err)
{
    const char *uri = req->uri, *rest = NULL;
    if (!strcmp(uri, "/"))
        return SERVE_ROUTE_PAGE;
    if (!strncmp(uri, "/s/", 3) && serve_id_valid(uri + 3)) {
        if (!exists(req, uri + 3)) {
            serve_answer_set(err, 404, "no_session", "no such session", 0);
            return SERVE_ROUTE_ANSWERED;
        }
        snprintf(tgt->id, sizeof(tgt->id), "%s", uri + 3);
        return SERVE_ROUTE_PAGE;
    }
    if (!strcmp(uri, "/api/sessions"))
        return SERVE_ROUTE_LIST;
    if (session_path(uri, tgt->id, &rest) == 0) {
        if (!*rest) {
            if (exists(req, tgt->id))
                return SERVE_ROUTE_SESSION;
            serve_answer_set(err, 404, "no_session", "no such session", 0);
            return SERVE_ROUTE_ANSWERED;
        }
        if (!strcmp(rest, "/lines") || !strcmp(rest, "/close")) {
            serve_answer_set(err, 405, "method", "use POST", 0);
            return SERVE_ROUTE_ANSWERED;
        }
    }
    serve_answer_set(err, 404, "not_found", "no such path", 0);
    return SERVE_ROUTE_ANSWERED;
}

/* Every refusal of a POST closes the connection: its body was not read, and must not be
 * taken for the next request. */
static ServeRoute route_post(const ServeRequest *req, ServeTarget *tgt, ServeAnswer *err)
{
    const char *uri = req->uri, *rest = NULL;
    ServeRoute route;
    if (!strcmp(uri, "/api/sessions"))
        route = SERVE_ROUTE_CREATE;
    else if (session_path(uri, tgt->id, &rest) == 0 && !strcmp(rest, "/lines"))
        route = SERVE_ROUTE_LINES;
    else if (session_path(uri, tgt->id, &rest) == 0 && !strcmp(rest, "/close"))
        route = SERVE_ROUTE_CLOSE;
    else {
        serve_answer_set(err, 404, "not_found", "no such path", 1);
        return SERVE_ROUTE_ANSWERED;
    }
    if (route != SERVE_ROUTE_CREATE && !exists(req, tgt->id)) {
        serve_answer_set(err, 404, "no_session", "no such session", 1);
        return SERVE_ROUTE_ANSWERED;
    }
    if (!req->content_length || !*req->content_length) {
        serve_answer_set(err, 411, "length_required", "a Content-Length is required", 1);
        return SERVE_ROUTE_ANSWERED;
    }
    size_t n;
    if (parse_length(req->content_length, &n) < 0) {
        serve_answer_set(err, 400, "bad_request", "bad Content-Length", 1);
        return SERVE_ROUTE_ANSWERED;
    }
    if (serve_body_fits(route, 0, n, err) < 0)
        return SERVE_ROUTE_ANSWERED;
    tgt->body_bytes = n;
    return route;
}

ServeRoute serve_request_route(const ServeRequest *req, const char *token, ServeTarget *tgt,
                               ServeAnswer *err)
{
    memset(tgt, 0, sizeof(*tgt));
    int is_get = req->method && !strcmp(req->method, "GET");
    int is_post = req->method && !strcmp(req->method, "POST");
    if (!is_get && !is_post) {
        serve_answer_set(err, 405, "method", "only GET and POST", 1);
        return SERVE_ROUTE_ANSWERED;
    }
    if (!serve_token_matches(token, req->authorization, req->token_arg)) {
        serve_answer_set(err, 401, "unauthorized", "a valid token is required", is_post);
        return SERVE_ROUTE_ANSWERED;
    }
    if (!req->uri) {
        serve_answer_set(err, 404, "not_found", "no such path", is_post);
        return SERVE_ROUTE_ANSWERED;
    }
    return is_get ? route_get(req, tgt, err) : route_post(req, tgt, err);
}

size_t serve_body_limit(ServeRoute route)
{
    return route == SERVE_ROUTE_LINES ? SERVE_MAX_LINE_BODY_BYTES : SERVE_MAX_BODY_BYTES;
}

int serve_body_fits(ServeRoute route, size_t have, size_t more, ServeAnswer *err)
{
    size_t limit = serve_body_limit(route);
    if (have <= limit && more <= limit - have)
        return 0;
    serve_answer_set(err, 413, "too_large", route == SERVE_ROUTE_LINES
                     ? "the body is larger than 4 MiB" : "the body is larger than 8192 bytes",
                     1);
    return -1;
}

void serve_command_free(ServeCommand *cmd)
{
    free(cmd->pcm);
    cmd->pcm = NULL;
    memset(&cmd->audio, 0, sizeof(cmd->audio));
}

static int body_create(const json_t *body, ServeCommand *cmd, ServeAnswer *err)
{
    json_t *jid = json_object_get(body, "id");
    if (!jid)
        return 0;
    if (!json_is_string(jid)) {
        serve_answer_set(err, 400, "bad_request", "\"id\" must be a string", 0);
        return -1;
    }
    const char *id = json_string_value(jid);
    if (strlen(id) != json_string_length(jid) || !serve_id_valid(id)) {
        serve_answer_set(err, 400, "bad_request", "\"id\": 1..32 of A-Z a-z 0-9 - _", 0);
        return -1;
    }
    cmd->has_id = 1;
    snprintf(cmd->id, sizeof(cmd->id), "%s", id);
    return 0;
}

static int body_line(const json_t *body, ServeCommand *cmd, ServeAnswer *err)
{
    json_t *sp = json_object_get(body, "speaker"), *tx = json_object_get(body, "text");
    if (!json_is_string(sp) || !json_is_string(tx)) {
        serve_answer_set(err, 400, "bad_request",
                         "expected {\"speaker\": string, \"text\": string}", 0);
        return -1;
    }
    const char *speaker = json_string_value(sp), *text = json_string_value(tx);
    size_t ns = json_string_length(sp), nt = json_string_length(tx);
    if (strlen(speaker) != ns || strlen(text) != nt) {
        serve_answer_set(err, 400, "bad_request", "NUL characters are not allowed", 0);
        return -1;
    }
    if (ns < 1 || ns > SERVE_SPEAKER_MAX_BYTES || nt < 1 || nt > SERVE_TEXT_MAX_BYTES) {
        serve_answer_set(err, 400, "bad_request", "speaker: 1..64 bytes, text: 1..4096 bytes",
                         0);
        return -1;
    }
    memcpy(cmd->speaker, speaker, ns + 1);
    memcpy(cmd->text, text, nt + 1);
    char msg[160];
    int status = line_audio_parse(body, &cmd->audio, &cmd->pcm, msg, sizeof(msg));
    if (status) {
        serve_answer_set(err, (unsigned)status, status == 413 ? "too_large" : "bad_audio", msg,
                         0);
        return -1;
    }
    return 0;
}

int serve_request_body(ServeRoute route, const char *data, size_t len, ServeCommand *cmd,
                       ServeAnswer *err)
{
    memset(cmd, 0, sizeof(*cmd));
    json_error_t jerr;
    /* an empty body is an empty object: POST .../close and a nameless create need none */
    json_t *body = len ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    if (!body) {
        char msg[256];
        snprintf(msg, sizeof(msg), "malformed JSON: %s", len ? jerr.text : "out of memory");
        serve_answer_set(err, 400, "bad_json", msg, 0);
        return -1;
    }
    int res = 0;
    if (!json_is_object(body)) {
        serve_answer_set(err, 400, "bad_json", "expected a JSON object", 0);
        res = -1;
    } else if (route == SERVE_ROUTE_CREATE) {
        res = body_create(body, cmd, err);
    } else if (route == SERVE_ROUTE_LINES) {
        res = body_line(body, cmd, err);
    } else if (route != SERVE_ROUTE_CLOSE) {
        serve_answer_set(err, 400, "bad_request", "this request takes no body", 0);
        res = -1;
    }
    json_decref(body);
    return res;
}

int serve_stream_target(const char *uri, const char *mode, char id[SERVE_ID_MAX + 1], int *mse)
{
    /* "/s/" is checked before anything past it is read: a shorter path ends there */
    if (strncmp(uri, "/s/", 3))
        return -1;
    const char *p = uri + 3, *slash = strchr(p, '/');
    if (!slash || strcmp(slash, "/stream") || (size_t)(slash - p) > SERVE_ID_MAX)
        return -1;
    memcpy(id, p, (size_t)(slash - p));
    id[slash - p] = '\0';
    if (!serve_id_valid(id))
        return -1;
    if (!mode || !strcmp(mode, "webcodecs"))
        *mse = 0;
    else if (!strcmp(mode, "mse"))
        *mse = 1;
    else
        return -1;
    return 0;
}
