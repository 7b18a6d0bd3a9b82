/*
 * Fuzz target: an HTTP request to `talkie serve`, through the decisions the server makes from
 * its bytes (tools/serve/request.c), without a socket. The input is the request as it comes
 * off the wire:
 *
 *     POST /api/sessions/a/lines?token=T HTTP/1.1\r\n
 *     Authorization: Bearer T\r\n
 *     Content-Length: 31\r\n
 *     \r\n
 *     {"speaker":"Ada","text":"Hi"}
 *
 * This file splits it the simple way libwebsockets would (request line, "Name: value" headers,
 * the body; the query's token= and mode= arguments), and runs it twice: on a server without a
 * token and on one that requires "s3cret-token-42". Sessions "a", "main" and "s1" exist.
 * What must hold for every input:
 *   - a refusal is a 4xx of the list below with a JSON body {"error", "code"} that parses,
 *     valid UTF-8; every refusal of a POST (or an unknown method) closes the connection;
 *   - with a token required, nothing gets past without it (and everything with it does);
 *   - an accepted route names an existing session where it names one, and a POST's body is
 *     at most 8192 bytes, the Content-Length decimal digits;
 *   - a body is accepted exactly when jansson, asked independently, sees the object the
 *     route wants: a line's speaker and text are valid UTF-8 without NUL, 1..64 and
 *     1..4096 bytes, equal to what the JSON said;
 *   - the viewer's WebSocket path, when accepted, is /s/<valid id>/stream.
 * Every string is handed over in a buffer of exactly its size, so ASan sees any read past it.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "conversation.h"
#include "fuzz.h"
#include "serve/request.h"

#define TOKEN "s3cret-token-42"

static int session_exists(void *opaque, const char *id)
{
    (void)opaque;
    FUZZ_CHECK(serve_id_valid(id));
    return !strcmp(id, "a") || !strcmp(id, "main") || !strcmp(id, "s1");
}

/* A copy of n bytes as a C string in a buffer of exactly n + 1 bytes. */
static char *dup_n(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    FUZZ_CHECK(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* The request as libwebsockets hands it over: strings the target owns (freed by free_parsed). */
typedef struct Parsed {
    char *method, *path, *authorization, *content_length, *token_arg, *mode_arg;
    const uint8_t *body;
    size_t body_size;
} Parsed;

static void free_parsed(Parsed *p)
{
    free(p->method);
    free(p->path);
    free(p->authorization);
    free(p->content_length);
    free(p->token_arg);
    free(p->mode_arg);
}

/* The next line of [*pos, size) without its "\r\n" or "\n"; NULL at the end. */
static const uint8_t *next_line(const uint8_t *data, size_t size, size_t *pos, size_t *len)
{
    if (*pos >= size)
        return NULL;
    const uint8_t *start = data + *pos;
    const uint8_t *nl = memchr(start, '\n', size - *pos);
    size_t n = nl ? (size_t)(nl - start) : size - *pos;
    *pos += n + (nl ? 1 : 0);
    *len = n && start[n - 1] == '\r' ? n - 1 : n;
    return start;
}

/* The query's arguments: name=value pairs split at '&'; the first of each name counts. */
static void parse_query(const char *q, Parsed *p)
{
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        if (n >= 6 && !strncmp(q, "token=", 6) && !p->token_arg)
            p->token_arg = dup_n((const uint8_t *)q + 6, n - 6);
        else if (n >= 5 && !strncmp(q, "mode=", 5) && !p->mode_arg)
            p->mode_arg = dup_n((const uint8_t *)q + 5, n - 5);
        q = amp ? amp + 1 : NULL;
    }
}

static void parse_request(const uint8_t *data, size_t size, Parsed *p)
{
    memset(p, 0, sizeof(*p));
    size_t pos = 0, len;
    const uint8_t *line = next_line(data, size, &pos, &len);
    if (!line)
        line = (const uint8_t *)"", len = 0;
    const uint8_t *sp = memchr(line, ' ', len);
    size_t mlen = sp ? (size_t)(sp - line) : len;
    p->method = dup_n(line, mlen);
    const uint8_t *target = sp ? sp + 1 : line + len;
    size_t tlen = (size_t)(line + len - target);
    const uint8_t *sp2 = memchr(target, ' ', tlen);
    if (sp2)
        tlen = (size_t)(sp2 - target);
    const uint8_t *qm = memchr(target, '?', tlen);
    p->path = dup_n(target, qm ? (size_t)(qm - target) : tlen);
    if (qm) {
        char *query = dup_n(qm + 1, (size_t)(target + tlen - qm - 1));
        parse_query(query, p);
        free(query);
    }
    while ((line = next_line(data, size, &pos, &len)) && len > 0) {
        const uint8_t *colon = memchr(line, ':', len);
        if (!colon)
            continue;
        size_t nlen = (size_t)(colon - line);
        const uint8_t *v = colon + 1;
        while (v < line + len && (*v == ' ' || *v == '\t'))
            v++;
        char **slot = nlen == 13 && !strncasecmp((const char *)line, "authorization", 13)
                          ? &p->authorization
                      : nlen == 14 && !strncasecmp((const char *)line, "content-length", 14)
                          ? &p->content_length
                          : NULL;
        if (slot && !*slot)
            *slot = dup_n(v, (size_t)(line + len - v));
    }
    p->body = data + pos;
    p->body_size = pos < size ? size - pos : 0;
}

/* The answer's JSON says what the ServeAnswer says, and it is JSON. */
static void check_answer(const ServeAnswer *a, int is_post)
{
    static const unsigned statuses[] = { 400, 401, 404, 405, 411, 413 };
    int known = 0;
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        known |= a->status == statuses[i];
    FUZZ_CHECK(known);
    FUZZ_CHECK(a->code && *a->code);
    FUZZ_CHECK(cli_utf8_valid((const unsigned char *)a->message, strlen(a->message)));
    if (is_post)
        FUZZ_CHECK(a->close_after);
    char *text = serve_answer_json(a);
    FUZZ_CHECK(text);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    FUZZ_CHECK(j && json_is_object(j) && json_object_size(j) == 2);
    FUZZ_CHECK(json_is_string(json_object_get(j, "error")));
    FUZZ_CHECK(!strcmp(json_string_value(json_object_get(j, "error")), a->message));
    FUZZ_CHECK(json_is_string(json_object_get(j, "code")));
    FUZZ_CHECK(!strcmp(json_string_value(json_object_get(j, "code")), a->code));
    json_decref(j);
    free(text);
}

/* What the token rules say, written out again. */
static int token_ok(const char *token, const Parsed *p)
{
    if (!token)
        return 1;
    if (p->authorization && !strncasecmp(p->authorization, "Bearer ", 7))
        return !strcmp(p->authorization + 7, token);
    return p->token_arg && !strcmp(p->token_arg, token);
}

static int all_digits(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strspn(s, "0123456789");
    const char *t = s + n;
    while (*t == ' ' || *t == '\t')
        t++;
    return n > 0 && !*t;
}

/* A string member of the object within limits and without NUL, as jansson sees it. */
static int good_string(const json_t *obj, const char *key, size_t max)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    size_t n = json_string_length(v);
    return n >= 1 && n <= max && strlen(json_string_value(v)) == n;
}

static void check_body(ServeRoute route, const uint8_t *data, size_t n)
{
    /* in pieces, as libwebsockets delivers it: all of it fits */
    ServeAnswer err;
    for (size_t have = 0; have < n; have += 1000)
        FUZZ_CHECK(serve_body_fits(route, have, n - have < 1000 ? n - have : 1000, &err) == 0);
    FUZZ_CHECK(serve_body_fits(route, n, serve_body_limit(route) + 1 - n, &err) < 0 &&
               err.status == 413);

    char *body = n ? malloc(n) : NULL;
    if (n) {
        FUZZ_CHECK(body);
        memcpy(body, data, n);
    }
    ServeCommand *cmd = malloc(sizeof(*cmd));
    FUZZ_CHECK(cmd);
    int res = serve_request_body(route, body, n, cmd, &err);

    json_error_t jerr;
    json_t *j = n ? json_loadb(body, n, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    int want = j && json_is_object(j);
    if (want && route == SERVE_ROUTE_LINES)
        want = good_string(j, "speaker", SERVE_SPEAKER_MAX_BYTES) &&
               good_string(j, "text", SERVE_TEXT_MAX_BYTES);
    if (want && route == SERVE_ROUTE_CREATE && json_object_get(j, "id")) {
        const json_t *id = json_object_get(j, "id");
        want = good_string(j, "id", SERVE_ID_MAX) && serve_id_valid(json_string_value(id));
    }
    /* a line's voice (line_audio.c, fuzzed on its own) may refuse a line that is otherwise
     * good, with its own codes */
    const json_t *voice = want && route == SERVE_ROUTE_LINES ? json_object_get(j, "audio")
                                                             : NULL;
    int voiced = voice && !json_is_null(voice);
    if (voiced && res < 0) {
        FUZZ_CHECK((err.status == 400 && !strcmp(err.code, "bad_audio")) ||
                   (err.status == 413 && !strcmp(err.code, "too_large")));
        check_answer(&err, 0);
    } else if (voiced) {
        FUZZ_CHECK(cmd->audio.frames > 0 && cmd->pcm == cmd->audio.samples);
    } else {
        FUZZ_CHECK((res == 0) == want);
        FUZZ_CHECK(cmd->pcm == NULL);
    }
    if (res < 0 && !voiced) {
        FUZZ_CHECK(err.status == 400);
        FUZZ_CHECK(!strcmp(err.code, "bad_json") || !strcmp(err.code, "bad_request"));
        check_answer(&err, 0);
    } else if (route == SERVE_ROUTE_LINES) {
        size_t ns = strlen(cmd->speaker), nt = strlen(cmd->text);
        FUZZ_CHECK(ns >= 1 && ns <= SERVE_SPEAKER_MAX_BYTES && nt >= 1 &&
                   nt <= SERVE_TEXT_MAX_BYTES);
        FUZZ_CHECK(cli_utf8_valid((const unsigned char *)cmd->speaker, ns));
        FUZZ_CHECK(cli_utf8_valid((const unsigned char *)cmd->text, nt));
        FUZZ_CHECK(!strcmp(cmd->speaker, json_string_value(json_object_get(j, "speaker"))));
        FUZZ_CHECK(!strcmp(cmd->text, json_string_value(json_object_get(j, "text"))));
    } else if (route == SERVE_ROUTE_CREATE) {
        FUZZ_CHECK(cmd->has_id == (json_object_get(j, "id") != NULL));
        FUZZ_CHECK(!cmd->has_id || serve_id_valid(cmd->id));
    }
    json_decref(j);
    serve_command_free(cmd);
    free(cmd);
    free(body);
}

static void run(const Parsed *p, const char *token)
{
    ServeRequest req = {
        .method = p->method, .uri = p->path, .authorization = p->authorization,
        .token_arg = p->token_arg, .content_length = p->content_length,
        .session_exists = session_exists,
    };
    int is_get = !strcmp(p->method, "GET"), is_post = !strcmp(p->method, "POST");
    ServeTarget tgt;
    ServeAnswer err;
    ServeRoute route = serve_request_route(&req, token, &tgt, &err);
    if (route == SERVE_ROUTE_ANSWERED) {
        check_answer(&err, !is_get);
        if (!is_get && !is_post)
            FUZZ_CHECK(err.status == 405);
        else
            FUZZ_CHECK((err.status == 401) == !token_ok(token, p));
        return;
    }
    FUZZ_CHECK(token_ok(token, p));
    switch (route) {
    case SERVE_ROUTE_PAGE:
        FUZZ_CHECK(is_get);
        FUZZ_CHECK(!strcmp(p->path, "/") ? !*tgt.id
                                         : !strncmp(p->path, "/s/", 3) &&
                                               !strcmp(p->path + 3, tgt.id) &&
                                               session_exists(NULL, tgt.id));
        break;
    case SERVE_ROUTE_LIST:
        FUZZ_CHECK(is_get && !strcmp(p->path, "/api/sessions"));
        break;
    case SERVE_ROUTE_SESSION:
        FUZZ_CHECK(is_get && session_exists(NULL, tgt.id));
        break;
    case SERVE_ROUTE_CREATE:
    case SERVE_ROUTE_LINES:
    case SERVE_ROUTE_CLOSE:
        FUZZ_CHECK(is_post && p->content_length && all_digits(p->content_length));
        FUZZ_CHECK(tgt.body_bytes <= serve_body_limit(route));
        FUZZ_CHECK(route == SERVE_ROUTE_CREATE ? !*tgt.id : session_exists(NULL, tgt.id));
        check_body(route, p->body, p->body_size < tgt.body_bytes ? p->body_size
                                                                 : tgt.body_bytes);
        break;
    default:
        FUZZ_CHECK(0);
    }
}

static void check_stream(const Parsed *p)
{
    char id[SERVE_ID_MAX + 1];
    int mse = -1;
    if (serve_stream_target(p->path, p->mode_arg, id, &mse) < 0)
        return;
    FUZZ_CHECK(serve_id_valid(id) && (mse == 0 || mse == 1));
    FUZZ_CHECK(!strncmp(p->path, "/s/", 3) && !strncmp(p->path + 3, id, strlen(id)) &&
               !strcmp(p->path + 3 + strlen(id), "/stream"));
    FUZZ_CHECK(mse ? !strcmp(p->mode_arg, "mse")
                   : !p->mode_arg || !strcmp(p->mode_arg, "webcodecs"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Parsed p;
    parse_request(data, size, &p);
    run(&p, NULL);
    run(&p, TOKEN);
    check_stream(&p);
    free_parsed(&p);
    return 0;
}
