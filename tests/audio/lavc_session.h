/* The session the audio tests open: lavc, with an audio stream. */
#ifndef TALKIE_TESTS_AUDIO_LAVC_SESSION_H
#define TALKIE_TESTS_AUDIO_LAVC_SESSION_H

#include "talkie/talkie.h"

/* A w x h session at `fps` frames/s and `qp`, lavc encoder, the font of TALKIE_FONT, audio
 * `codec`; skips the test (77) without a Vulkan device; NULL (a failed check) otherwise. */
TalkieSession *open_audio_session(int w, int h, int fps, int qp, TalkieAudioCodec codec);

#endif
