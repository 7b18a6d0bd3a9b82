/*
 * talkie_output_open(): the public entry, which takes the stream's size and frame rate from
 * the session. Kept apart from output.c so the muxer links (and is tested) without a session.
 */
#include "mux/output.h"

int talkie_output_open(TalkieOutput **out, const TalkieSession *s, const char *path,
                       const char *format)
{
    if (!out)
        return TALKIE_ERR(EINVAL);
    *out = NULL;
    if (!s)
        return TALKIE_ERR(EINVAL);
    TkStreamInfo info;
    tk_session_stream_info(s, &info);
    /* the output's messages, libavformat's included, go to the session's logger */
    return tk_output_open(out, &info, path, format, tk_session_log(s));
}
