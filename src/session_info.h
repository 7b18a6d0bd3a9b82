/* What the output stage needs to know about a session's video stream (internal). */
#ifndef TALKIE_SESSION_INFO_H
#define TALKIE_SESSION_INFO_H

#include "common/log.h"
#include "talkie/talkie.h"

struct TkAudioEncoder;

typedef struct TkStreamInfo {
    int width, height;      /* visible size */
    int fps_num, fps_den;
    /* the session's audio encoder (owned by the session, which outlives its outputs), or
     * NULL: video only */
    const struct TkAudioEncoder *audio;
} TkStreamInfo;

void tk_session_stream_info(const TalkieSession *s, TkStreamInfo *info);

/* The session's logger, valid until the session is closed. */
const TkLog *tk_session_log(const TalkieSession *s);

#endif
