/*
 * Speech for a turn from its text, with espeak-ng linked as a library: text -> 22.05 kHz mono
 * s16 PCM, one voice per speaker.
 *
 * Voices: speaker index i gets entry i % TK_TTS_VOICES of a fixed table (low and high
 * espeak-ng variants alternating, each with its own base pitch), and every further round
 * through the table shifts the base pitch, so neighbours in a conversation sound different
 * and the same speaker always sounds the same: the same text and speaker give the same
 * samples on every call (tts_espeak.c says which voices that rules out).
 *
 * Global state (the one talkie has): espeak-ng keeps its voice, parameters, synthesis
 * callback and output buffers in process-global variables, and espeak_Initialize() may run
 * only once per process. So all use goes through one mutex, held for a whole utterance
 * (voice set + synthesis + callback), and initialisation happens once, under it. Sessions on
 * several threads synthesize one after another; nothing else in talkie is serialized by it.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef TALKIE_AUDIO_TTS_ESPEAK_H
#define TALKIE_AUDIO_TTS_ESPEAK_H

#include "audio/pcm.h"
#include "common/log.h"

#define TK_TTS_VOICES 6

typedef struct TkTtsVoice {
    const char *name;   /* espeak-ng voice + variant, "en+m3" */
    int pitch;          /* espeakPITCH, 0..100 (50 = the voice's normal) */
    int range;          /* espeakRANGE, 0..100 */
    int rate_wpm;       /* espeakRATE, words per minute */
} TkTtsVoice;

/* The voice speaker `speaker_index` (>= 0) gets. */
void tk_tts_espeak_voice(int speaker_index, TkTtsVoice *voice);

/*
 * Speaks `text` (UTF-8, 1..TK_SCENE_TEXT_MAX_BYTES, read as plain text: no SSML) in the voice
 * of `speaker_index` into *out (zeroed first; free with tk_pcm_free()), mono s16 at
 * espeak-ng's rate (22050 Hz).
 * Errors: TALKIE_ERR(EINVAL) (NULL/empty/too long/invalid UTF-8 text, negative speaker),
 * TALKIE_ERR(ENODATA) (nothing to say: only spaces or punctuation),
 * TALKIE_ERROR_UNSUPPORTED (espeak-ng or its data is missing, or the voice is unknown),
 * TALKIE_ERR(ENOMEM).
 */
int tk_tts_espeak_synth(const char *text, int speaker_index, TkPcm *out, const TkLog *log);

/* Releases espeak-ng's global memory; for the end of a process (tests, tools) only: no
 * synthesis may run during or after it. */
void tk_tts_espeak_shutdown(void);

#endif
