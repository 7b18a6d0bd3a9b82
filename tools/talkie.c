/*
 * The talkie command line tool: renders a conversation (JSON Lines) to a video file, encodes
 * any video (encode.c), serves live sessions (serve/) and lists the Vulkan devices. A client
 * of the public API (talkie/talkie.h) only; encode also reads its input with libavformat.
 *
 * Exit status: 0 done, 1 error (bad input, library or output failure), 2 bad usage,
 * 128 + signal when a terminating signal stopped it (130 for Ctrl-C); an interrupted or failed
 * render leaves no output file (one written in place, a device or a FIFO, keeps what it got).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_opts.h"
#include "conversation.h"
#include "encode.h"
#include "safe_output.h"
#include "talkie/talkie.h"
#ifdef TALKIE_HAVE_SERVE
#include "serve/serve.h"
#endif

typedef struct RenderOptions {
    const char *input;
    const char *output;
    const char *format;
    const char *push;   /* a media server URL; NULL: none */
    TalkieSettings settings;
    int quiet;
    int progress;
    int tts;          /* --tts espeak */
} RenderOptions;

static void usage_main(FILE *f)
{
#ifdef TALKIE_HAVE_SERVE
    const char *serve_usage_line =
        "       talkie serve [options]       (live sessions in a browser; see --help)\n";
#else
    const char *serve_usage_line = ""; /* built without libwebsockets */
#endif
    fprintf(f,
            "Usage: talkie render CONVERSATION.jsonl -o OUTPUT [options]\n"
            "       talkie encode INPUT.y4m|INPUT.yuv|- -o OUTPUT [options]\n"
            "%s"
            "       talkie devices\n"
            "       talkie --help | --version\n"
            "\n"
            "Renders a conversation (JSON Lines: {\"speaker\": ..., \"text\": ..., \"start\": s,\n"
            "\"duration\": s, \"audio\": file}) into H.264 video (with AAC audio when turns\n"
            "have a voice) on the GPU with Vulkan.\n"
            "'talkie encode' encodes any video (Y4M or raw YUV 4:2:0) with the same encoders.\n"
            "Run 'talkie render --help' or 'talkie encode --help' for their options.\n",
            serve_usage_line);
}

static void usage_render(FILE *f)
{
    fprintf(f,
            "Usage: talkie render CONVERSATION.jsonl -o OUTPUT [options]\n"
            "\n"
            "CONVERSATION.jsonl: one turn per line, '-' reads stdin:\n"
            "  {\"speaker\": \"Ada\", \"text\": \"Hello!\", \"start\": 0.0, \"duration\": 1.5}\n"
            "  (start and duration in seconds, optional)\n"
            "  \"audio\": \"line3.wav\" (optional) is the turn's voice: WAV, MP3 or anything\n"
            "  FFmpeg reads, relative to the conversation's folder. A voiced turn lasts as long\n"
            "  as its voice; with a \"duration\" the voice is cut there, without one it may be\n"
            "  up to 10 minutes. A voiced line that would start before the previous one ends\n"
            "  follows it (0.3 s later). The video then has an AAC audio track (silence between\n"
            "  lines).\n"
            "OUTPUT: .mp4, .h264/.264 (Annex B) or .ts (MPEG-TS); '-' writes Annex B to stdout.\n"
            "  A device or FIFO (/dev/null, /dev/stdout) is written in place; a link to a file\n"
            "  has its target replaced; the conversation and the font are never overwritten.\n"
            "\n"
            "Options:\n"
            "  -o, --output PATH        where to write the video (required unless --push)\n"
            "      --push URL           also send it live, at its frame rate, to a media server:\n"
            "                           rtmp:// (FLV), srt:// or udp:// (MPEG-TS), with the\n"
            "                           audio (AAC); reconnects with back-off when the server\n"
            "                           goes away\n"
            "      --format F           mp4, h264 or mpegts instead of guessing from the name\n"
            "      --size WxH           frame size, even, 16..4096 (default 320x240)\n"
            "      --fps N[/D]          frame rate (default 30)\n"
            CLI_ENCODING_HELP
            CLI_TEXT_QP_HELP
            "      --font PATH          font file (default: fontconfig's DejaVu Sans)\n"
            "      --tts espeak         speak each turn without an \"audio\" file with espeak-ng,\n"
            "                           one voice per speaker (--tts none: silent, the default)\n"
            "      --progress           show progress even when stderr is not a terminal\n"
            "  -q, --quiet              no progress, no summary, errors only\n"
            "  -h, --help               this text\n");
}

/* Returns 0 to go on, or 1 to stop with *status (0 after --help, 2 for a usage error). */
static int parse_render_args(int argc, char **argv, RenderOptions *o, int *status)
{
    enum { OPT_FONT = 256, OPT_PROGRESS, OPT_TTS, OPT_PUSH, OPT_TEXT_QP };
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        CLI_ENCODING_OPTIONS,
        { "text-qp-offset", required_argument, NULL, OPT_TEXT_QP },
        { "font", required_argument, NULL, OPT_FONT },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "tts", required_argument, NULL, OPT_TTS },
        { "push", required_argument, NULL, OPT_PUSH },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = "render"; /* for the hint: Try 'talkie render --help' */
    TalkieSettings *s = &o->settings;
    CliEncodingArgs enc = { 0 };
    int res = 0;
    opterr = 0; /* our own messages */
    optind = 1;
    int c;
    while (res == 0 && (c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        if (cli_encoding_option(cmd, c, optarg, s, &enc, &res))
            continue;
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_FONT: s->font_path = optarg; break;
        case OPT_TEXT_QP:
            if (cli_parse_text_qp_offset(optarg, &s->text_qp_offset) < 0)
                res = cli_usage_error(cmd, "--text-qp-offset '%s': expected %d..0", optarg,
                                      TALKIE_TEXT_QP_OFFSET_MIN);
            break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_TTS:
            if (!strcmp(optarg, "espeak"))
                o->tts = 1;
            else if (!strcmp(optarg, "none"))
                o->tts = 0;
            else
                res = cli_usage_error(cmd, "--tts '%s': expected espeak or none", optarg);
            break;
        case OPT_PUSH: o->push = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage_render(stdout); *status = 0; return 1;
        case ':': res = cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]); break;
        default: res = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (!res)
        res = cli_encoding_finish(cmd, s, &enc);
    if (!res && optind + 1 != argc)
        res = cli_usage_error(cmd, "%s", optind == argc ? "no conversation file given"
                                               : "more than one conversation file given");
    if (!res && !o->output && !o->push)
        res = cli_usage_error(cmd, "no output given (-o OUTPUT or --push URL)");
    if (res) {
        *status = res;
        return 1;
    }
    o->format = enc.format;
    o->input = argv[optind];
    return 0;
}

typedef struct RenderState {
    TalkieSession *session;
    TalkieOutput *output;
    TalkieOutput *push;      /* --push: a live stream, so frames are sent at their rate */
    double pace_fps;         /* > 0: send frame n at t0 + n / pace_fps */
    int64_t frames_total, frames_done, packets, bytes;
    double t0, last_progress;
    int show_progress;
} RenderState;

/* Writes every audio packet the session has ready (all of them at the end). */
static int drain_audio(RenderState *st, int until_eof)
{
    for (;;) {
        TalkieAudioPacket pkt;
        int res = talkie_session_get_audio_packet(st->session, &pkt);
        if (res == TALKIE_EOF || (res == TALKIE_ERR(EAGAIN) && !until_eof))
            return 0;
        if (res < 0)
            return res;
        res = st->output ? talkie_output_write_audio(st->output, &pkt) : 0;
        if (res >= 0 && st->push)
            res = talkie_output_write_audio(st->push, &pkt); /* queues; never waits */
        st->bytes += (int64_t)pkt.size;
        talkie_audio_packet_unref(&pkt);
        if (res < 0)
            return res;
    }
}

static int drain_video(RenderState *st, int until_eof)
{
    for (;;) {
        TalkiePacket pkt;
        int res = talkie_session_get_packet(st->session, &pkt);
        if (res == TALKIE_ERR(EAGAIN) && !until_eof)
            return 0;
        if (res == TALKIE_EOF && until_eof)
            return 0;
        if (res < 0)
            return res;
        res = st->output ? talkie_output_write(st->output, &pkt) : 0;
        if (res >= 0 && st->push)
            res = talkie_output_write(st->push, &pkt); /* queues; never waits */
        st->packets++;
        st->bytes += (int64_t)pkt.size;
        talkie_packet_unref(&pkt);
        if (res < 0)
            return res;
    }
}

/* Writes every packet the session has ready, video then the audio up to it; 0 when it wants
 * more frames (or EOF). */
static int drain(RenderState *st, int until_eof)
{
    int res = drain_video(st, until_eof);
    return res < 0 ? res : drain_audio(st, until_eof);
}

static void show_progress(RenderState *st, int final)
{
    double t = cli_now_s();
    double elapsed = t - st->t0;
    if (!st->show_progress || (!final && (elapsed < 1.0 || t - st->last_progress < 0.25)))
        return;
    if (final && st->last_progress == 0)
        return; /* nothing was shown: a short render needs no closing line */
    st->last_progress = t;
    cli_progress_line_open(!final);
    double fps = elapsed > 0 ? (double)st->frames_done / elapsed : 0;
    double eta = fps > 0 ? (double)(st->frames_total - st->frames_done) / fps : 0;
    fprintf(stderr, "\rframe %" PRId64 "/%" PRId64 " (%3d%%), %.1f fps, ETA %.1f s   %s",
            st->frames_done, st->frames_total,
            (int)(100 * st->frames_done / (st->frames_total ? st->frames_total : 1)), fps, eta,
            final ? "\n" : "");
    fflush(stderr);
}

/* Frames to render: the whole conversation plus one second, rounded up. */
static int64_t frame_count(int64_t end_ms, int fps_num, int fps_den)
{
    int64_t ms = end_ms + 1000;
    int64_t div = 1000 * (int64_t)fps_den;
    return (ms * fps_num + div - 1) / div;
}

/*
 * The library's log: printed as the library prints it, except that while a turn is being
 * said an error is kept instead, to become the one line that names the conversation's line.
 */
typedef struct CliLog {
    int capture;
    char last[512];
} CliLog;

static void cli_log(void *opaque, TalkieLogLevel level, const char *msg)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    CliLog *l = opaque;
    if (l->capture && level == TALKIE_LOG_ERROR) {
        snprintf(l->last, sizeof(l->last), "%s", msg);
        return;
    }
    fprintf(stderr, "talkie %s: %s\n", level <= TALKIE_LOG_DEBUG ? names[level] : "log", msg);
}

/* The turn's "audio" file: as written when absolute or read from stdin, else relative to
 * the conversation's folder. NULL when out of memory. */
static char *audio_path(const char *audio, const char *input, int from_stdin)
{
    const char *slash = strrchr(input, '/');
    if (audio[0] == '/' || from_stdin || !slash)
        return strdup(audio);
    size_t dir = (size_t)(slash - input) + 1, len = strlen(audio);
    char *p = malloc(dir + len + 1);
    if (p) {
        memcpy(p, input, dir);
        memcpy(p + dir, audio, len + 1);
    }
    return p;
}

/* The library's pause before a turn that starts "right after the previous one". */
enum { VOICE_GAP_MS = 300 };

/* Says one turn, with its audio file or its speech; a failure is reported in one line that
 * names the conversation's line, and the file (the library's message names it). */
static int say_turn(TalkieSession *s, const CliTurn *t, const RenderOptions *o,
                    const char *name, CliLog *log)
{
    TalkieTurn turn = { .speaker = t->speaker, .text = t->text, .start_ms = t->start_ms,
                        .duration_ms = t->duration_ms };
    int res;
    char what[64] = "";
    /* A voice lasts as long as it does, whatever "start" the next line says: a voiced line
     * that would start before the previous one ends follows it instead, after the library's
     * pause (start -1), so that two voices never talk over each other. */
    if ((t->audio || o->tts) && turn.start_ms >= 0 && talkie_session_end_ms(s) > 0 &&
        turn.start_ms < talkie_session_end_ms(s) + VOICE_GAP_MS)
        turn.start_ms = -1;
    log->capture = 1;
    log->last[0] = 0;
    if (t->audio) {
        char *path = audio_path(t->audio, o->input, !strcmp(o->input, "-"));
        res = path ? talkie_session_say_file(s, &turn, path, NULL) : TALKIE_ERR(ENOMEM);
        if (res < 0 && !log->last[0])
            snprintf(log->last, sizeof(log->last), "audio file %s: %s", path ? path : t->audio,
                     talkie_strerror(res));
        free(path);
    } else if (o->tts) {
        res = talkie_session_say_tts(s, &turn, TALKIE_TTS_ESPEAK, NULL);
        snprintf(what, sizeof(what), "speech synthesis (espeak-ng): ");
    } else {
        res = talkie_session_say(s, &turn);
    }
    log->capture = 0;
    if (res < 0)
        fprintf(stderr, "talkie: %s:%ld: %s%s\n", name, t->line, what,
                log->last[0] ? log->last : talkie_strerror(res));
    return res;
}

static int cmd_render(int argc, char **argv)
{
    RenderOptions o = { 0 };
    talkie_default_settings(&o.settings);
    /* a file: bytes matter more than latency, so P frames unless --intra-only */
    o.settings.compute_p_frames = 1;
    int res;
    if (parse_render_args(argc, argv, &o, &res))
        return res;
    if (o.quiet)
        o.settings.log_level = TALKIE_LOG_ERROR;
    cli_install_stop_handlers();
    if (cli_output_is_input(o.output, o.input, "the conversation being read") < 0 ||
        cli_output_is_input(o.output, o.settings.font_path, "the font") < 0)
        return 1;

    /* The whole conversation is read and checked before anything else happens. */
    int from_stdin = !strcmp(o.input, "-");
    const char *name = from_stdin ? "<stdin>" : o.input;
    FILE *in = from_stdin ? stdin : fopen(o.input, "rb");
    if (!in) {
        fprintf(stderr, "talkie: %s: %s\n", o.input, strerror(errno));
        return 1;
    }
    CliConversation conv;
    char err[512];
    res = cli_conversation_read(&conv, in, name, err, sizeof(err));
    if (!from_stdin)
        fclose(in);
    if (res < 0) {
        fprintf(stderr, "talkie: %s\n", err);
        cli_conversation_free(&conv);
        return 1;
    }

    RenderState st = { .t0 = cli_now_s() };
    int status = 1;
    CliLog log = { 0 };
    o.settings.log_callback = cli_log;
    o.settings.log_opaque = &log;
    res = talkie_session_open(&st.session, &o.settings);
    if (res < 0) {
        fprintf(stderr, "talkie: cannot start rendering: %s\n", talkie_strerror(res));
        goto done;
    }
    for (size_t i = 0; i < conv.n; i++) {
        if ((res = say_turn(st.session, &conv.turns[i], &o, name, &log)) < 0)
            goto done;
    }
    if (o.output) {
        cli_expect_partial_file(o.output);
        res = talkie_output_open(&st.output, st.session, o.output, o.format);
        if (res < 0) {
            cli_forget_partial_file();
            fprintf(stderr, "talkie: %s: %s\n", o.output, talkie_strerror(res));
            goto done;
        }
    }
    if (o.push) {
        /* never fails for an unreachable server: the output reconnects by itself */
        res = talkie_output_open(&st.push, st.session, o.push, NULL);
        if (res < 0) {
            fprintf(stderr, "talkie: --push %s: %s\n", o.push, talkie_strerror(res));
            goto done;
        }
        st.pace_fps = (double)o.settings.fps_num / o.settings.fps_den;
    }

    st.frames_total = frame_count(talkie_session_end_ms(st.session), o.settings.fps_num,
                                  o.settings.fps_den);
    st.show_progress = !o.quiet && (o.progress || isatty(STDERR_FILENO));
    for (int64_t frame = 0; frame < st.frames_total && res >= 0; frame++) {
        if (st.pace_fps > 0) {
            double wait = st.t0 + (double)frame / st.pace_fps - cli_now_s();
            if (wait > 0) {
                struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
        while ((res = talkie_session_send_frame(st.session, frame)) == TALKIE_ERR(EAGAIN))
            if ((res = drain(&st, 0)) < 0)
                break;
        if (res >= 0)
            res = drain(&st, 0);
        st.frames_done = frame + 1;
        show_progress(&st, 0);
    }
    if (res >= 0 && (res = talkie_session_flush(st.session)) >= 0)
        res = drain(&st, 1);
    if (res < 0) {
        cli_progress_line_open(0);
        fprintf(stderr, "%stalkie: rendering failed: %s\n", st.last_progress > 0 ? "\n" : "",
                talkie_strerror(res));
        goto done;
    }
    if (st.push && (res = talkie_output_close(&st.push)) < 0)
        fprintf(stderr, "talkie: --push %s: the stream ended with an error: %s\n", o.push,
                talkie_strerror(res));
    res = st.output ? talkie_output_close(&st.output) : 0;
    cli_output_closed(res >= 0);
    if (res < 0) {
        fprintf(stderr, "talkie: %s: could not be finished: %s\n", o.output,
                talkie_strerror(res));
        goto done;
    }
    show_progress(&st, 1);
    if (!o.quiet) {
        double secs = cli_now_s() - st.t0;
        struct stat sb;
        int64_t bytes = o.output && strcmp(o.output, "-") && stat(o.output, &sb) == 0
                            ? (int64_t)sb.st_size : st.bytes;
        fprintf(stderr,
                "talkie: %s: %" PRId64 " frames (%.2f s of video) in %.2f s (%.1f fps), "
                "encoder %s, %" PRId64 " bytes\n",
                o.output ? o.output : o.push, st.frames_done,
                (double)st.frames_done * o.settings.fps_den / o.settings.fps_num, secs,
                secs > 0 ? (double)st.frames_done / secs : 0.0,
                talkie_encoder_name(talkie_session_encoder(st.session)), bytes);
    }
    status = 0;
done:
    talkie_output_abort(&st.output);
    talkie_output_abort(&st.push);
    talkie_session_close(&st.session);
    cli_conversation_free(&conv);
    return status;
}

static const char *device_type_name(int type)
{
    static const char *const names[] = { "other", "integrated", "discrete", "virtual", "cpu" };
    return type >= 0 && type <= 4 ? names[type] : "unknown";
}

static int cmd_devices(void)
{
    int n = talkie_list_devices(NULL, 0);
    if (n < 0) {
        fprintf(stderr, "talkie: cannot list Vulkan devices: %s\n", talkie_strerror(n));
        return 1;
    }
    if (n == 0) {
        printf("no Vulkan devices\n");
        return 0;
    }
    TalkieDeviceInfo *infos = calloc((size_t)n, sizeof(*infos));
    if (!infos) {
        fprintf(stderr, "talkie: out of memory\n");
        return 1;
    }
    int got = talkie_list_devices(infos, n);
    if (got < 0) {
        fprintf(stderr, "talkie: cannot list Vulkan devices: %s\n", talkie_strerror(got));
        free(infos);
        return 1;
    }
    for (int i = 0; i < n && i < got; i++) {
        const TalkieDeviceInfo *d = &infos[i];
        char decode[32] = "";
        if (d->can_decode_h264)
            strcat(decode, "h264 ");
        if (d->can_decode_h265)
            strcat(decode, "h265 ");
        printf("%d: %s [%s]\n", i, d->name, device_type_name(d->type));
        printf("   driver: %s, Vulkan %u.%u.%u\n", d->driver, d->api_version >> 22 & 0x7f,
               d->api_version >> 12 & 0x3ff, d->api_version & 0xfff);
        printf("   compute: %s, video encode: %s, video decode: %s\n",
               d->can_compute ? "yes" : "no", d->can_encode_h264 ? "h264" : "none",
               decode[0] ? decode : "none");
        printf("   --encoder auto: %s (%s)\n",
               d->auto_encoder == TALKIE_ENCODER_AUTO ? "none"
                                                      : talkie_encoder_name(d->auto_encoder),
               d->auto_reason);
    }
    free(infos);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("talkie %s\n", talkie_version());
        return 0;
    }
    if (!strcmp(cmd, "render"))
        return cmd_render(argc - 1, argv + 1);
    if (!strcmp(cmd, "encode"))
        return cmd_encode(argc - 1, argv + 1);
#ifdef TALKIE_HAVE_SERVE
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
#endif
    if (!strcmp(cmd, "devices")) {
        if (argc > 2) {
            fprintf(stderr, "talkie: 'devices' takes no arguments\n");
            return CLI_EXIT_USAGE;
        }
        return cmd_devices();
    }
    fprintf(stderr, "talkie: unknown command '%s'\n", cmd);
    usage_main(stderr);
    return CLI_EXIT_USAGE;
}
