/*
 * FFmpeg's log, routed to the log of the session whose context wrote it.
 *
 * av_log_set_callback() is process-global, so the one piece of global state talkie has is
 * here: a dispatcher installed once (pthread_once), and a table of the FFmpeg contexts that
 * talkie owns with the TkLog each belongs to. A message from an attached context, from its
 * private data (an AVFormatContext's or AVCodecContext's options), or from a context whose
 * AVClass names one of those as parent, goes to that TkLog at talkie's level (error,
 * warning, info; verbose, debug and trace as debug), filtered by its max_level. A message
 * from any other context (the application's own FFmpeg use, URL contexts, ...) goes
 * to FFmpeg's default callback from warning level up, and is dropped below it.
 *
 * An application that installs its own av_log callback after opening a session takes the
 * messages of talkie's contexts too; talkie then no longer routes them.
 */
#ifndef TALKIE_COMMON_AV_LOG_H
#define TALKIE_COMMON_AV_LOG_H

#include "common/log.h"

/* Routes the messages of `ctx` (an AVFormatContext, AVCodecContext, AVIOContext, or
 * anything with an AVClass first) to `log` (NULL: errors and warnings to stderr, as tk_log
 * does) from now on. Installs the dispatcher on first use.
 * Errors: TALKIE_ERR(EINVAL) (NULL ctx), TALKIE_ERR(ENOMEM). */
int tk_av_log_attach(const void *ctx, const TkLog *log);

/* Stops routing `ctx`; call before freeing it. Unknown or NULL contexts are ignored. */
void tk_av_log_detach(const void *ctx);

#endif
