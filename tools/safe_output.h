/*
 * What every CLI command that writes a video file needs so that a failure or a signal never
 * leaves something that looks like a finished video, and never overwrites an input:
 *
 * - talkie_output_open() writes a regular file as "<path>.partial-<pid>" and renames it into
 *   place only when closed successfully (devices and FIFOs are written in place). The
 *   library removes that file on abort, but a signal ends the process before any cleanup can
 *   run, so the command tells the stop handler the partial file's name beforehand
 *   (cli_expect_partial_file) and the handler removes it.
 * - cli_output_is_input() refuses an output that is the file being read, by device and inode.
 *
 * Exit status on a signal: 128 + the signal (130 for Ctrl-C).
 *
 * The handler can reach nothing but this file's statics (one command per process): the only
 * process-global state of the CLI besides serve's own stop flag.
 */
#ifndef TALKIE_TOOLS_SAFE_OUTPUT_H
#define TALKIE_TOOLS_SAFE_OUTPUT_H

/* Catches every signal whose default action ends the process, except SIGPIPE (ignored: a
 * closed pipe is a write error to report) and the ones that mean a crash. */
void cli_install_stop_handlers(void);

/* Before talkie_output_open(path): the partial file it is about to create, which the stop
 * handler removes (none for "-", devices and FIFOs). */
void cli_expect_partial_file(const char *output);

/* talkie_output_open() failed: nothing was created, the name may be someone else's. */
void cli_forget_partial_file(void);

/* talkie_output_close() returned: the partial file is gone (renamed or removed); `finished`
 * says whether the output is complete, for the handler's last words. */
void cli_output_closed(int finished);

/* A progress line without its newline is on stderr (1) or not (0): the handler ends it. */
void cli_progress_line_open(int open);

/* -1 (after "talkie: OUTPUT: is WHAT (INPUT); not overwriting it") when `output` ("-" for
 * stdout) is the same file as `input` ("-" for stdin, NULL for none); 0 otherwise, and for
 * outputs that are not regular files (devices, FIFOs: nothing of ours to lose). */
int cli_output_is_input(const char *output, const char *input, const char *what);

#endif
