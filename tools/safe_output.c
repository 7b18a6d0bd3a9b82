/*
 * Stopping on a signal without leaving a partial output, and refusing to write onto an
 * input (see safe_output.h).
 *
 * A command can be blocked anywhere for as long as the other end likes: writing to a full
 * pipe, opening a FIFO named by -o, reading stdin. So the handler does not ask the command's
 * loop to stop; it ends the process itself, with async-signal-safe calls only: it removes the
 * partial output file (talkie_output_open() documents its name), says so and _exit()s with
 * 128 + the signal. Everything else the process holds goes with it.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_output.h"

static char stop_partial_path[PATH_MAX + 32];  /* written before stop_have_partial is set */
static volatile sig_atomic_t stop_have_partial;
static volatile sig_atomic_t stop_progress_shown; /* a progress line is open: end it first */
static volatile sig_atomic_t stop_output_done;    /* the output is complete and in place */

static void write_stderr(const char *s)
{
    if (write(STDERR_FILENO, s, strlen(s)) < 0) {
        /* nothing to do about it: the process ends next */
    }
}

static void on_stop_signal(int sig)
{
    if (stop_have_partial)
        unlink(stop_partial_path);
    if (stop_progress_shown)
        write_stderr("\n");
    write_stderr(stop_output_done ? "talkie: interrupted after the output was finished\n"
                                  : "talkie: interrupted; no output written\n");
    _exit(128 + sig);
}

void cli_install_stop_handlers(void)
{
    static const int stop_signals[] = {
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
        SIGXCPU, SIGXFSZ, SIGIO, SIGPWR,
#ifdef SIGSTKFLT
        SIGSTKFLT,
#endif
    };
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigfillset(&sa.sa_mask); /* one handler at a time */
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaction(stop_signals[i], &sa, NULL);
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
        sigaction(sig, &sa, NULL);
    /* a closed stdout pipe is an error to report, not a silent death */
    signal(SIGPIPE, SIG_IGN);
}

/* "<output>.partial-<pid>", beside the target when `output` is a link to a regular file, and
 * none for stdout, devices and FIFOs (written in place): as talkie_output_open() names it. */
void cli_expect_partial_file(const char *output)
{
    struct stat lst, st;
    const char *target = output;
    char *real = NULL;
    if (!strcmp(output, "-"))
        return;
    if (lstat(output, &lst) == 0) {
        if (S_ISLNK(lst.st_mode) && stat(output, &st) == 0 && S_ISREG(st.st_mode))
            target = real = realpath(output, NULL);
        else if (!S_ISREG(lst.st_mode))
            return;
    }
    if (target) {
        int n = snprintf(stop_partial_path, sizeof(stop_partial_path), "%s.partial-%ld", target,
                         (long)getpid());
        stop_have_partial = n > 0 && (size_t)n < sizeof(stop_partial_path);
    }
    free(real);
}

void cli_forget_partial_file(void)
{
    stop_have_partial = 0;
}

void cli_output_closed(int finished)
{
    stop_output_done = finished != 0;
    stop_have_partial = 0;
}

void cli_progress_line_open(int open)
{
    stop_progress_shown = open != 0;
}

int cli_output_is_input(const char *output, const char *input, const char *what)
{
    struct stat out, in;
    if (!output || !input)
        return 0;
    int to_stdout = !strcmp(output, "-");
    if ((to_stdout ? fstat(STDOUT_FILENO, &out) : stat(output, &out)) < 0 ||
        !S_ISREG(out.st_mode))
        return 0; /* nothing there yet, or a device: nothing of ours to lose */
    int from_stdin = !strcmp(input, "-");
    if ((from_stdin ? fstat(STDIN_FILENO, &in) : stat(input, &in)) == 0 &&
        in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
        fprintf(stderr, "talkie: %s: is %s (%s); not overwriting it\n",
                to_stdout ? "stdout" : output, what, from_stdin ? "stdin" : input);
        return -1;
    }
    return 0;
}
