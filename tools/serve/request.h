/*
 * What talkie serve decides from the bytes of a request, without a socket: the route of an
 * HTTP request (method, path, token, Content-Length), the command in a POST body (JSON), the
 * error answer and its JSON text, and the target of a viewer's WebSocket upgrade.
 *
 * Pure functions: no libwebsockets, no server state (whether a session exists is asked
 * through a callback), no globals. http_api.c and stream_ws.c call them with what
 * libwebsockets parsed; tests/fuzz/fuzz_serve_request.c calls them with a fuzzer's bytes.
 *
 *     ServeRequest req = { .method = "POST", .uri = "/api/sessions/a/lines",
 *                          .content_length = "31", .session_exists = exists, .opaque = srv };
 *     ServeTarget tgt;
 *     ServeAnswer err;
 *     switch (serve_request_route(&req, token, &tgt, &err)) {
 *     case SERVE_ROUTE_ANSWERED: send err (serve_answer_json) and stop
 *     case SERVE_ROUTE_LINES: read tgt.body_bytes, then serve_request_body() ...
 *
 * Thread-safety: every function is reentrant; each call uses only what it is given.
 */
#ifndef TALKIE_TOOLS_SERVE_REQUEST_H
#define TALKIE_TOOLS_SERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "talkie/talkie.h"

#define SERVE_ID_MAX 32             /* session ids: [A-Za-z0-9_-]{1,32} */
#define SERVE_MAX_BODY_BYTES 8192   /* a JSON request body; larger gets 413 */
/* a posted line with its voice (base64 PCM, line_audio.h): 4 MiB of JSON, ~3 MiB of samples */
#define SERVE_MAX_LINE_BODY_BYTES (4 * 1024 * 1024)
#define SERVE_SPEAKER_MAX_BYTES 64  /* a posted line's speaker, UTF-8 */
#define SERVE_TEXT_MAX_BYTES 4096   /* a posted line's text, UTF-8 */

typedef enum ServeRoute {
    SERVE_ROUTE_ANSWERED = 0, /* refused: the answer is the ServeAnswer */
    SERVE_ROUTE_PAGE,         /* GET / (id "") or GET /s/<id>: the page */
    SERVE_ROUTE_LIST,         /* GET /api/sessions */
    SERVE_ROUTE_SESSION,      /* GET /api/sessions/<id> */
    SERVE_ROUTE_CREATE,       /* POST /api/sessions, a body follows */
    SERVE_ROUTE_LINES,        /* POST /api/sessions/<id>/lines, a body follows */
    SERVE_ROUTE_CLOSE,        /* POST /api/sessions/<id>/close, a body follows */
} ServeRoute;

/* An error answer: a 4xx (or 5xx) status with {"error": message, "code": code}. */
typedef struct ServeAnswer {
    unsigned status;
    const char *code;          /* a name for programs: "bad_request", "no_session", ... */
    char message[256];         /* for people; always valid UTF-8 */
    int close_after;           /* a request body is left unread: close the connection */
} ServeAnswer;

/* A request as the server received it. NULL for a header or argument that is absent. */
typedef struct ServeRequest {
    const char *method;          /* "GET", "POST", or anything else */
    const char *uri;             /* the path, without "?" and the arguments */
    const char *authorization;   /* the Authorization header */
    const char *token_arg;       /* the value of the URL argument token= */
    const char *content_length;  /* the Content-Length header */
    /* 1 when a session with this (valid) id exists */
    int (*session_exists)(void *opaque, const char *id);
    void *opaque;
} ServeRequest;

/* Where an accepted request goes. */
typedef struct ServeTarget {
    char id[SERVE_ID_MAX + 1];   /* the session it names, "" for none */
    size_t body_bytes;           /* POST: the length of the body that follows */
} ServeTarget;

/* What a POST body asks for, once it has been checked. */
typedef struct ServeCommand {
    int has_id;                              /* CREATE: an id was given */
    char id[SERVE_ID_MAX + 1];
    char speaker[SERVE_SPEAKER_MAX_BYTES + 1];  /* LINES: UTF-8, no NUL, 1..64 bytes */
    char text[SERVE_TEXT_MAX_BYTES + 1];        /* LINES: UTF-8, no NUL, 1..4096 bytes */
    TalkieAudio audio;           /* LINES: its voice (frames 0: none), samples in `pcm` */
    int16_t *pcm;                /* malloc'd: serve_command_free() */
} ServeCommand;

/* Frees what a command holds (its voice); safe on a zeroed or already freed one. */
void serve_command_free(ServeCommand *cmd);

/* 1 for a valid session id. */
int serve_id_valid(const char *id);

/* 1 when the request may go on: no token is required (token NULL), or the Authorization
 * header is "Bearer <token>" or the token= argument is the token. Compared in time that does
 * not depend on where a guess differs. */
int serve_token_matches(const char *token, const char *authorization, const char *token_arg);

/* Decides where a request goes (method, token, path, then Content-Length for a POST).
 * Returns the route and fills *tgt, or SERVE_ROUTE_ANSWERED and fills *err. */
ServeRoute serve_request_route(const ServeRequest *req, const char *token, ServeTarget *tgt,
                               ServeAnswer *err);

/* Checks the body of a POST route (len bytes, any bytes; NULL when len is 0) and fills
 * *cmd (free it with serve_command_free()). 0, or -1 with *err filled (400; 413 for a voice
 * longer than line_audio.h allows). */
int serve_request_body(ServeRoute route, const char *data, size_t len, ServeCommand *cmd,
                       ServeAnswer *err);

/* The most body bytes a route takes: SERVE_MAX_LINE_BODY_BYTES for a line (its voice may
 * come with it), SERVE_MAX_BODY_BYTES otherwise. */
size_t serve_body_limit(ServeRoute route);
/* 0 when `more` body bytes fit after `have` for the route; -1 with *err filled (413) when
 * not. */
int serve_body_fits(ServeRoute route, size_t have, size_t more, ServeAnswer *err);

/* Fills *err; the message is copied, any byte that is not printable ASCII becoming '?', so
 * that it is always valid UTF-8 in the JSON answer. */
void serve_answer_set(ServeAnswer *err, unsigned status, const char *code, const char *message,
                      int close_after);

/* The JSON text of an error answer (malloc'd, the caller frees), NULL without memory. */
char *serve_answer_json(const ServeAnswer *err);

/* The viewer's WebSocket: "/s/<id>/stream" with mode= "webcodecs" (also when absent) or
 * "mse". 0 with id filled and *mse set, -1 when the path or the mode is not one of these. */
int serve_stream_target(const char *uri, const char *mode, char id[SERVE_ID_MAX + 1], int *mse);

#endif
