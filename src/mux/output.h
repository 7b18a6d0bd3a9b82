/*
 * The output stage's internal entry points. talkie_output_open() (output_session.c) only asks
 * the session for its stream's size and rate and calls tk_output_open(); keeping the two
 * apart lets the muxer be used and tested without a session (and without Vulkan).
 */
#ifndef TALKIE_MUX_OUTPUT_H
#define TALKIE_MUX_OUTPUT_H

#include "common/log.h"
#include "session_info.h"
#include "talkie/talkie.h"

/* As talkie_output_open(), for a stream described by `info`. `log` may be NULL (stderr). */
int tk_output_open(TalkieOutput **out, const TkStreamInfo *info, const char *path,
                   const char *format, const TkLog *log);

#endif
