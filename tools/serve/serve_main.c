/*
 * talkie serve: options, the shared TalkieContext, the libwebsockets context and its loop.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli_opts.h"
#include "serve.h"

enum { EXIT_USAGE = 2 };

/* The one piece of process state: a signal handler can reach nothing else. The loop wakes at
 * least every HOUSEKEEPING_US to look at it. */
static volatile sig_atomic_t serve_stop;
#define HOUSEKEEPING_US 100000

int64_t serve_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: talkie serve [options]\n"
        "Runs live sessions and serves them to browsers: a page per session (/s/<id>) with the\n"
        "video (WebCodecs, or MSE with fragmented MP4), a box to type lines and the transcript,\n"
        "and a JSON API (/api/sessions). Stops on SIGINT or SIGTERM.\n"
        "\n"
        "  --host ADDR             address to listen on (default 127.0.0.1)\n"
        "  --port N                TCP port (default 8080; 0 picks one, printed on stdout)\n"
        "  --allow-remote          allow a --host that is not loopback (needs --token)\n"
        "  --token T               every request must carry it: 'Authorization: Bearer T' or\n"
        "                          ?token=T (also env TALKIE_TOKEN)\n"
        "  --session ID            open a session with this id at start\n"
        "  --push URL              push that session (default id 'main') to a media server:\n"
        "                          rtmp://, srt:// or udp://, reconnecting when it goes away\n"
        "  --max-sessions N        sessions at once (default 8)\n"
        "  --max-viewers N         viewers per session (default 32)\n"
        "  --size WxH              frame size of every session (default 320x240)\n"
        "  --fps N                 frame rate, 1..120 (default 30)\n"
        "  --qp N                  constant quantizer 0..51 (default 26)\n"
        "  --keyint N              frames between keyframes (default 2 seconds)\n"
        "  --p-frames              compute encoder: P frames (17-28x fewer bytes, about 1.3x\n"
        "                          the latency, fewer sessions; default: all keyframes)\n"
        "  --intra-refresh N       with P frames: a column of intra macroblocks sweeps the\n"
        "                          picture once every N frames instead of periodic keyframes\n"
        "                          (no keyframe size spikes; keyframes then only for new\n"
        "                          viewers or with --keyint), 1..1000 (default off)\n"
        "  --text-qp-offset N      -12..0: code the macroblocks under subtitle text at the QP\n"
        "                          plus N, so text stays sharp at low bitrates (default -6)\n"
        "  --encoder E             auto, compute or lavc (default auto)\n"
        "  --font PATH             font file (default: fontconfig's DejaVu Sans)\n"
        "  --audio C               aac, opus (not with --push) or none (default aac): the\n"
        "                          sessions' audio stream, silence where no line has a voice\n"
        "  --tts espeak            speak posted lines that bring no audio with espeak-ng\n"
        "  -q, --quiet             errors only\n"
        "  -h, --help              this text\n");
}

static int bad_usage(const char *what, const char *value)
{
    fprintf(stderr, "talkie serve: %s '%s'\nTry 'talkie serve --help'.\n", what, value);
    return EXIT_USAGE;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return !strcmp(host, "localhost");
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, ServeOptions *o)
{
    enum { OPT_HOST = 256, OPT_PORT, OPT_REMOTE, OPT_TOKEN, OPT_SESSION, OPT_PUSH, OPT_MAXS,
           OPT_MAXV, OPT_SIZE, OPT_FPS, OPT_QP, OPT_KEYINT, OPT_P_FRAMES, OPT_ENCODER,
           OPT_FONT, OPT_AUDIO, OPT_TTS, OPT_TEXT_QP, OPT_INTRA_REFRESH };
    static const struct option opts[] = {
        { "host", required_argument, NULL, OPT_HOST },
        { "port", required_argument, NULL, OPT_PORT },
        { "allow-remote", no_argument, NULL, OPT_REMOTE },
        { "token", required_argument, NULL, OPT_TOKEN },
        { "session", required_argument, NULL, OPT_SESSION },
        { "push", required_argument, NULL, OPT_PUSH },
        { "max-sessions", required_argument, NULL, OPT_MAXS },
        { "max-viewers", required_argument, NULL, OPT_MAXV },
        { "size", required_argument, NULL, OPT_SIZE },
        { "fps", required_argument, NULL, OPT_FPS },
        { "qp", required_argument, NULL, OPT_QP },
        { "keyint", required_argument, NULL, OPT_KEYINT },
        { "p-frames", no_argument, NULL, OPT_P_FRAMES },
        { "intra-refresh", required_argument, NULL, OPT_INTRA_REFRESH },
        { "text-qp-offset", required_argument, NULL, OPT_TEXT_QP },
        { "encoder", required_argument, NULL, OPT_ENCODER },
        { "font", required_argument, NULL, OPT_FONT },
        { "audio", required_argument, NULL, OPT_AUDIO },
        { "tts", required_argument, NULL, OPT_TTS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_HOST: o->host = optarg; break;
        case OPT_PORT:
            if (parse_long(optarg, 0, 65535, &v) < 0)
                return bad_usage("--port: expected 0..65535, got", optarg);
            o->port = (int)v;
            break;
        case OPT_REMOTE: o->allow_remote = 1; break;
        case OPT_TOKEN: o->token = optarg; break;
        case OPT_SESSION:
            if (!serve_id_valid(optarg))
                return bad_usage("--session: expected 1..32 of A-Z a-z 0-9 - _, got", optarg);
            o->initial_session = optarg;
            break;
        case OPT_PUSH: o->push_url = optarg; break;
        case OPT_MAXS:
            if (parse_long(optarg, 1, 1024, &v) < 0)
                return bad_usage("--max-sessions: expected 1..1024, got", optarg);
            o->max_sessions = (int)v;
            break;
        case OPT_MAXV:
            if (parse_long(optarg, 1, 10000, &v) < 0)
                return bad_usage("--max-viewers: expected 1..10000, got", optarg);
            o->max_viewers = (int)v;
            break;
        case OPT_SIZE: {
            int w, h;
            char tail;
            if (sscanf(optarg, "%dx%d%c", &w, &h, &tail) != 2 || w < 16 || h < 16 ||
                w > 4096 || h > 4096 || (w | h) & 1)
                return bad_usage("--size: expected even WIDTHxHEIGHT, 16..4096, got", optarg);
            o->settings.width = w;
            o->settings.height = h;
            break;
        }
        case OPT_FPS:
            if (parse_long(optarg, 1, 120, &v) < 0)
                return bad_usage("--fps: expected 1..120, got", optarg);
            o->settings.fps_num = (int)v;
            o->settings.fps_den = 1;
            break;
        case OPT_QP:
            if (parse_long(optarg, 0, 51, &v) < 0)
                return bad_usage("--qp: expected 0..51, got", optarg);
            o->settings.qp = (int)v;
            break;
        case OPT_KEYINT:
            if (parse_long(optarg, 1, 100000, &v) < 0)
                return bad_usage("--keyint: expected 1..100000, got", optarg);
            o->settings.keyint = (int)v;
            break;
        case OPT_P_FRAMES: o->settings.compute_p_frames = 1; break;
        case OPT_INTRA_REFRESH:
            if (parse_long(optarg, 1, TALKIE_INTRA_REFRESH_MAX, &v) < 0)
                return bad_usage("--intra-refresh: expected 1..1000, got", optarg);
            o->settings.intra_refresh = (int)v;
            break;
        case OPT_TEXT_QP:
            if (cli_parse_text_qp_offset(optarg, &o->settings.text_qp_offset) < 0)
                return bad_usage("--text-qp-offset: expected -12..0, got", optarg);
            break;
        case OPT_ENCODER:
            if (!strcmp(optarg, "auto"))
                o->settings.encoder = TALKIE_ENCODER_AUTO;
            else if (!strcmp(optarg, "compute"))
                o->settings.encoder = TALKIE_ENCODER_COMPUTE;
            else if (!strcmp(optarg, "lavc"))
                o->settings.encoder = TALKIE_ENCODER_LAVC;
            else
                return bad_usage("--encoder: expected auto, compute or lavc, got", optarg);
            break;
        case OPT_FONT: o->settings.font_path = optarg; break;
        case OPT_AUDIO:
            if (!strcmp(optarg, "aac") || !strcmp(optarg, "opus") || !strcmp(optarg, "none"))
                o->settings.audio_codec = optarg[0] == 'a' ? TALKIE_AUDIO_AAC
                                          : optarg[0] == 'o' ? TALKIE_AUDIO_OPUS
                                                             : TALKIE_AUDIO_NONE;
            else
                return bad_usage("--audio: expected aac, opus or none, got", optarg);
            break;
        case OPT_TTS:
            if (strcmp(optarg, "espeak") && strcmp(optarg, "none"))
                return bad_usage("--tts: expected espeak or none, got", optarg);
            o->tts = !strcmp(optarg, "espeak");
            break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case ':': return bad_usage("option needs a value:", argv[optind - 1]);
        default: return bad_usage("unknown option", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return bad_usage("unexpected argument", argv[optind]);
    if (!o->token && getenv("TALKIE_TOKEN") && *getenv("TALKIE_TOKEN"))
        o->token = getenv("TALKIE_TOKEN");
    if (!is_loopback(o->host)) {
        if (!o->allow_remote)
            return bad_usage("--host is not loopback; add --allow-remote (and --token) to "
                             "listen on", o->host);
        if (!o->token) {
            fprintf(stderr, "talkie serve: listening beyond loopback needs --token\n");
            return EXIT_USAGE;
        }
    }
    if (o->token && strlen(o->token) < 8) {
        fprintf(stderr, "talkie serve: --token: at least 8 characters\n");
        return EXIT_USAGE;
    }
    if (o->push_url && !o->initial_session)
        o->initial_session = "main";
    if (o->push_url && o->settings.audio_codec == TALKIE_AUDIO_OPUS)
        return bad_usage("--audio opus: RTMP and MPEG-TS carry AAC; cannot push", o->push_url);
    return -1;
}

static const struct lws_protocols serve_protocols[] = {
    /* first: plain HTTP (and the loop's wake-ups) */
    { "http", http_callback, SERVE_HTTP_USER_BYTES, 0, 0, NULL, 0 },
    { "talkie-stream", stream_ws_callback, sizeof(Viewer), 4096, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void on_housekeeping(lws_sorted_usec_list_t *sul)
{
    /* only wakes the loop, so that it sees a stop signal */
    Server *srv = lws_container_of(sul, Server, housekeeping);
    lws_sul_schedule(srv->lws, 0, sul, on_housekeeping, HOUSEKEEPING_US);
}

static void log_to_stderr(int level, const char *line)
{
    (void)level;
    fprintf(stderr, "talkie serve: %s", line);
}

int cmd_serve(int argc, char **argv)
{
    ServeOptions o = { .host = "127.0.0.1", .port = 8080, .max_sessions = 8,
                       .max_viewers = 32 };
    talkie_default_settings(&o.settings);
    o.settings.audio_codec = TALKIE_AUDIO_AAC; /* a line may bring a voice at any time */
    int status = parse_args(argc, argv, &o);
    if (status >= 0)
        return status;
    if (o.quiet)
        o.settings.log_level = TALKIE_LOG_ERROR;
    /* libwebsockets keeps its log level per process: warnings and errors only */
    lws_set_log_level(o.quiet ? LLL_ERR : LLL_ERR | LLL_WARN, log_to_stderr);

    Server srv = { .opt = &o };
    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    cs.log_level = o.settings.log_level;
    int res = talkie_context_open(&srv.ctx, &cs);
    if (res < 0) {
        fprintf(stderr, "talkie serve: cannot open the device: %s\n", talkie_strerror(res));
        return 1;
    }

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = o.port;
    info.iface = o.host;
    info.protocols = serve_protocols;
    info.user = &srv;
    if (!strchr(o.host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6; /* an IPv4 address: listen on it only */
    info.max_http_header_data = 4096;
    /* a viewer's text message that is not UTF-8 closes its WebSocket (RFC 6455 8.1); without
     * this libwebsockets passes it on (found by tests/web/test_serve_fuzz.py) */
    info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
    srv.lws = lws_create_context(&info);
    if (!srv.lws) {
        fprintf(stderr, "talkie serve: cannot listen on %s port %d\n", o.host, o.port);
        talkie_context_close(&srv.ctx);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    status = 0;
    if (o.initial_session) {
        LiveSession *ls;
        char err[256];
        if (live_session_open(&srv, o.initial_session, o.push_url, &ls, err, sizeof(err)) < 0) {
            fprintf(stderr, "talkie serve: %s\n", err);
            status = 1;
            serve_stop = 1;
        }
    }
    int port = o.port;
    struct lws_vhost *vh = lws_get_vhost_by_name(srv.lws, "default");
    if (vh)
        port = lws_get_vhost_listen_port(vh);
    if (!status) {
        /* the first line on stdout says where: tests and scripts read it */
        printf("talkie serve: http://%s:%d/\n", strchr(o.host, ':') ? "[::1]" : o.host, port);
        fflush(stdout);
    }
    lws_sul_schedule(srv.lws, 0, &srv.housekeeping, on_housekeeping, HOUSEKEEPING_US);
    while (!serve_stop && lws_service(srv.lws, 0) >= 0)
        ;
    lws_sul_cancel(&srv.housekeeping);
    while (srv.sessions)
        live_session_close(srv.sessions);
    lws_context_destroy(srv.lws);
    talkie_context_close(&srv.ctx);
    return status;
}
