#include "lavc_session.h"

#include <stdlib.h>

#include "../common/check.h"

TalkieSession *open_audio_session(int w, int h, int fps, int qp, TalkieAudioCodec codec)
{
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = w;
    s.height = h;
    s.fps_num = fps;
    s.qp = qp;
    s.encoder = TALKIE_ENCODER_LAVC;
    s.font_path = getenv("TALKIE_FONT");
    s.audio_codec = codec;
    TalkieSession *ts = NULL;
    int res = talkie_session_open(&ts, &s);
    if (res == TALKIE_ERROR_NO_DEVICE || res == TALKIE_ERROR_VULKAN)
        tk_check_skip("no Vulkan device");
    CHECK_EQ(res, 0);
    return ts;
}
