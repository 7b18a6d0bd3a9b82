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

/* A destination that is not a file (a callback, a media server): output.c hands it the packets
 * and the close, keeping the file rules in one place. Implementations embed it first. */
typedef struct TkOutputSink TkOutputSink;
struct TkOutputSink {
    int (*write)(TkOutputSink *sink, const TalkiePacket *pkt);
    /* an audio packet; NULL: the sink is video only and audio is ignored */
    int (*write_audio)(TkOutputSink *sink, const TalkieAudioPacket *pkt);
    int (*finish)(TkOutputSink *sink);  /* ends the stream cleanly; 0 or the last error */
    void (*free)(TkOutputSink *sink);   /* frees it, finished or not */
};

/* Makes a TalkieOutput of `sink`, which it owns from then on (freed on failure too). */
int tk_output_wrap_sink(TalkieOutput **out, TkOutputSink *sink, const TkLog *log);

/* 1 when `path` names a network destination (a URL with a scheme) rather than a file. */
int tk_push_is_url(const char *path);
/* A push output to `url` (push.c); `format` NULL guesses from the scheme. */
int tk_push_open(TkOutputSink **out, const TkStreamInfo *info, const char *url,
                 const char *format, const TkLog *log);
/* A callback output (output_cb.c). */
int tk_output_cb_open(TkOutputSink **out, const TkStreamInfo *info, const char *format,
                      TalkieWriteCallback write, void *opaque, const TkLog *log);

#endif
