/*
 * talkie encode INPUT -o OUTPUT: encodes a video made elsewhere with talkie's encoders.
 *
 * The input is read and checked (size, rate, colourspace) before a session or an output is
 * made, so a bad input leaves nothing behind. An error found later (a read error, a final
 * partial frame) aborts the output: its partial file is removed and an existing file of that
 * name keeps its old contents (talkie_output_open() renames only on success). A device, a
 * FIFO or stdout keeps what was written before the error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "cli_opts.h"
#include "encode.h"
#include "safe_output.h"
#include "talkie/talkie.h"
#include "video_in.h"

static const char CMD[] = "encode";

typedef struct EncodeOptions {
    const char *input;
    const char *output;
    const char *format;
    TalkieSettings settings;  /* width, height and rate come from the input */
    int have_size, have_fps;
    int quiet, progress;
} EncodeOptions;

static void usage_encode(FILE *f)
{
    fprintf(f,
            "Usage: talkie encode INPUT -o OUTPUT [options]\n"
            "\n"
            "Encodes a video to H.264 with talkie's encoders.\n"
            "INPUT: a Y4M file (4:2:0, 8-bit: C420, C420jpeg, C420paldv, C420mpeg2; other\n"
            "  colourspaces are refused), or raw planar YUV 4:2:0 (I420) with --size: a name\n"
            "  ending in .yuv, or any name but .y4m when --size is given. '-' reads stdin (raw\n"
            "  with --size, else Y4M). Width and height must be even, 16..4096. A final partial\n"
            "  frame is an error: nothing is written.\n"
            "OUTPUT: .mp4, .h264/.264 (Annex B) or .ts (MPEG-TS); '-' writes Annex B to stdout.\n"
            "  A device or FIFO is written in place; a link to a file has its target replaced;\n"
            "  the input is never overwritten; on an error or a signal an existing file keeps\n"
            "  its contents.\n"
            "\n"
            "Options:\n"
            "  -o, --output PATH        where to write the video (required)\n"
            "      --format F           mp4, h264 or mpegts instead of guessing from the name\n"
            "      --size WxH           raw input: the frame size (Y4M: must match its header)\n"
            "      --fps N[/D]          raw input: frame rate (default 30); Y4M: overrides the\n"
            "                           header's\n"
            CLI_ENCODING_HELP
            "      --progress           show progress even when stderr is not a terminal\n"
            "  -q, --quiet              no progress, no summary, errors only\n"
            "  -h, --help               this text\n");
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcasecmp(s + n - k, suffix);
}

/* Returns 0 to go on, or 1 to stop with *status (0 after --help, 2 for a usage error). */
static int parse_encode_args(int argc, char **argv, EncodeOptions *o, int *status)
{
    enum { OPT_PROGRESS = 256 };
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        CLI_ENCODING_OPTIONS,
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    TalkieSettings *s = &o->settings;
    CliEncodingArgs enc = { 0 };
    int res = 0;
    opterr = 0; /* our own messages */
    optind = 1;
    int c;
    while (res == 0 && (c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        if (cli_encoding_option(CMD, c, optarg, s, &enc, &res))
            continue;
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_PROGRESS: o->progress = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage_encode(stdout); *status = 0; return 1;
        case ':':
            res = cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
            break;
        default: res = cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (!res)
        res = cli_encoding_finish(CMD, s, &enc);
    if (!res && optind + 1 != argc)
        res = cli_usage_error(CMD, "%s", optind == argc ? "no input video given"
                                                        : "more than one input given");
    if (!res && !o->output)
        res = cli_usage_error(CMD, "no output given (-o OUTPUT)");
    if (!res && ends_with(argv[optind], ".yuv") && !enc.have_size)
        res = cli_usage_error(CMD, "%s: raw YUV input needs --size WxH", argv[optind]);
    if (res) {
        *status = res;
        return 1;
    }
    o->format = enc.format;
    o->have_size = enc.have_size;
    o->have_fps = enc.have_fps;
    o->input = argv[optind];
    return 0;
}

typedef struct EncodeState {
    TalkieSession *session;
    TalkieOutput *output;
    int64_t frames_expected;  /* -1: unknown (a pipe) */
    int64_t frames_sent, packets, bytes;
    double t0, last_progress;
    int show_progress;
} EncodeState;

/* Writes every packet the session has ready; 0 when it wants more frames (or at EOF). */
static int drain(EncodeState *st, int until_eof)
{
    for (;;) {
        TalkiePacket pkt;
        int res = talkie_session_get_packet(st->session, &pkt);
        if ((res == TALKIE_ERR(EAGAIN) && !until_eof) || (res == TALKIE_EOF && until_eof))
            return 0;
        if (res < 0)
            return res;
        res = talkie_output_write(st->output, &pkt);
        st->packets++;
        st->bytes += (int64_t)pkt.size;
        talkie_packet_unref(&pkt);
        if (res < 0)
            return res;
    }
}

static void show_progress(EncodeState *st, int final)
{
    double t = cli_now_s();
    double elapsed = t - st->t0;
    if (!st->show_progress || (!final && (elapsed < 1.0 || t - st->last_progress < 0.25)))
        return;
    if (final && st->last_progress == 0)
        return; /* nothing was shown: a short encode needs no closing line */
    st->last_progress = t;
    cli_progress_line_open(!final);
    double fps = elapsed > 0 ? (double)st->frames_sent / elapsed : 0;
    if (st->frames_expected > 0) {
        double eta = fps > 0 ? (double)(st->frames_expected - st->frames_sent) / fps : 0;
        fprintf(stderr, "\rframe %" PRId64 "/%" PRId64 " (%3d%%), %.1f fps, ETA %.1f s   %s",
                st->frames_sent, st->frames_expected,
                (int)(100 * st->frames_sent / st->frames_expected), fps, eta > 0 ? eta : 0,
                final ? "\n" : "");
    } else {
        fprintf(stderr, "\rframe %" PRId64 ", %.1f fps   %s", st->frames_sent, fps,
                final ? "\n" : "");
    }
    fflush(stderr);
}

/* Ends an open progress line before an error message. */
static const char *line_break(EncodeState *st)
{
    int open = st->last_progress > 0;
    st->last_progress = 0;
    cli_progress_line_open(0);
    return open ? "\n" : "";
}

/* Sends every picture of the input, writing packets as they come, then flushes. Errors are
 * reported here. */
static int encode_all(EncodeState *st, CliVideoIn *in, const char *in_name)
{
    char err[256];
    for (;;) {
        TalkieImage image;
        int got = cli_video_read(in, &image, err, sizeof(err));
        if (got < 0) {
            fprintf(stderr, "%stalkie: %s: %s\n", line_break(st), in_name, err);
            return -1;
        }
        if (got == 0)
            break;
        int res;
        while ((res = talkie_session_send_image(st->session, st->frames_sent, &image, NULL)) ==
               TALKIE_ERR(EAGAIN))
            if ((res = drain(st, 0)) < 0)
                break;
        if (res >= 0)
            res = drain(st, 0);
        if (res < 0) {
            fprintf(stderr, "%stalkie: encoding failed at frame %" PRId64 ": %s\n",
                    line_break(st), st->frames_sent, talkie_strerror(res));
            return -1;
        }
        st->frames_sent++;
        show_progress(st, 0);
    }
    int res = talkie_session_flush(st->session);
    if (res >= 0)
        res = drain(st, 1);
    if (res < 0) {
        fprintf(stderr, "%stalkie: encoding failed: %s\n", line_break(st), talkie_strerror(res));
        return -1;
    }
    return 0;
}

int cmd_encode(int argc, char **argv)
{
    EncodeOptions o = { 0 };
    talkie_default_settings(&o.settings);
    /* a file: bytes matter more than latency, so P frames unless --intra-only */
    o.settings.compute_p_frames = 1;
    int res;
    if (parse_encode_args(argc, argv, &o, &res))
        return res;
    if (o.quiet)
        o.settings.log_level = TALKIE_LOG_ERROR;
    /* our messages name each input problem; libavformat's own lines would only repeat them
     * vaguely (talkie's own FFmpeg contexts are routed to its log regardless) */
    av_log_set_level(AV_LOG_FATAL);
    cli_install_stop_handlers();
    if (cli_output_is_input(o.output, o.input, "the video being read") < 0)
        return 1;

    const char *in_name = strcmp(o.input, "-") ? o.input : "<stdin>";
    CliVideoInArgs in_args = {
        .path = o.input,
        .raw = ends_with(o.input, ".yuv") || (o.have_size && !ends_with(o.input, ".y4m")),
        .width = o.have_size ? o.settings.width : 0,
        .height = o.have_size ? o.settings.height : 0,
        .fps_num = o.have_fps ? o.settings.fps_num : 0,
        .fps_den = o.have_fps ? o.settings.fps_den : 0,
    };
    if (in_args.raw && !o.have_fps) {
        in_args.fps_num = 30; /* raw video has no rate of its own */
        in_args.fps_den = 1;
    }
    CliVideoIn *in = NULL;
    CliVideoInfo info;
    char err[256];
    if (cli_video_open(&in, &in_args, &info, err, sizeof(err)) < 0) {
        fprintf(stderr, "talkie: %s: %s\n", in_name, err);
        return 1;
    }

    /* talkie's streams say BT.709 limited range (what it draws), and send_image takes the
     * samples as they are: a full-range picture is not squeezed, so say what that means */
    if (info.full_range && !o.quiet)
        fprintf(stderr, "talkie: warning: %s: full-range input is encoded as it is, but the "
                        "stream says limited range: players will show more contrast\n", in_name);

    EncodeState st = { .t0 = cli_now_s(), .frames_expected = info.frames_expected };
    int status = 1;
    o.settings.width = info.width;
    o.settings.height = info.height;
    o.settings.fps_num = info.fps_num;
    o.settings.fps_den = info.fps_den;
    o.settings.audio_codec = TALKIE_AUDIO_NONE;
    res = talkie_session_open(&st.session, &o.settings);
    if (res < 0) {
        fprintf(stderr, "talkie: cannot start encoding (%s): %s\n", info.description,
                talkie_strerror(res));
        goto done;
    }
    cli_expect_partial_file(o.output);
    res = talkie_output_open(&st.output, st.session, o.output, o.format);
    if (res < 0) {
        cli_forget_partial_file();
        fprintf(stderr, "talkie: %s: %s\n", o.output, talkie_strerror(res));
        goto done;
    }
    st.show_progress = !o.quiet && (o.progress || isatty(STDERR_FILENO));
    if (encode_all(&st, in, in_name) < 0)
        goto done;
    res = talkie_output_close(&st.output);
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
        int64_t bytes = strcmp(o.output, "-") && stat(o.output, &sb) == 0 ? (int64_t)sb.st_size
                                                                          : st.bytes;
        fprintf(stderr,
                "talkie: %s: %" PRId64 " frames (%.2f s of video) from %s in %.2f s "
                "(%.1f fps), encoder %s, %" PRId64 " bytes\n",
                strcmp(o.output, "-") ? o.output : "<stdout>", st.frames_sent,
                (double)st.frames_sent * info.fps_den / info.fps_num, info.description, secs,
                secs > 0 ? (double)st.frames_sent / secs : 0.0,
                talkie_encoder_name(talkie_session_encoder(st.session)), bytes);
    }
    status = 0;
done:
    talkie_output_abort(&st.output); /* removes the partial file after a failure */
    cli_forget_partial_file();
    talkie_session_close(&st.session);
    cli_video_close(&in);
    return status;
}
