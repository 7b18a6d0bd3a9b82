/* Speech with espeak-ng as a library (see tts_espeak.h, and why it has global state). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "audio/tts_espeak.h"
#include "scene/scene.h"
#include "text/utf8.h"

/* espeak-ng's state is per process (see the header): this lock and what it guards are the
 * only globals in talkie. */
static pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
static int espeak_rate;        /* 0: not initialised yet, < 0: initialisation failed */

/* Low and high voices alternating, each with its own base pitch. Only variants with
 * "flutter 0" and no echo: espeak-ng keeps the pitch-flutter phase in a function-static
 * variable (wavegen.c, AdvanceParameters: Flutter_ix) and the echo buffer across utterances,
 * so with the usual variants (m1..m7, f1..f5) the same line in the same voice comes out a
 * few ms longer or shorter from one call to the next. These give the same samples every
 * time, whatever was spoken before. */
static const TkTtsVoice voices[TK_TTS_VOICES] = {
    { "en+Hugo", 35, 50, 165 },
    { "en+shelby", 65, 60, 170 },
    { "en+miguel", 60, 45, 160 },
    { "en+shelby", 95, 55, 175 },
    { "en+Henrique", 20, 45, 155 },
    { "en+Diogo", 45, 60, 170 },
};

/* Below this peak (-54 dBFS) a synthesized line is silence: nothing was said. */
#define SILENT_PEAK 64

void tk_tts_espeak_voice(int speaker_index, TkTtsVoice *voice)
{
    if (speaker_index < 0)
        speaker_index = 0;
    *voice = voices[speaker_index % TK_TTS_VOICES];
    /* later rounds through the table: 7 pitch steps higher each, wrapping within 10..95 */
    int round = speaker_index / TK_TTS_VOICES;
    voice->pitch = 10 + (voice->pitch - 10 + 7 * round) % 86;
}

typedef struct Collect {
    TkPcm *out;
    int error;
} Collect;

/* espeak-ng calls this (in the synthesizing thread) with each block of samples. */
static int collect(short *wav, int numsamples, espeak_EVENT *events)
{
    Collect *c = events ? events->user_data : NULL;
    if (!c || c->error)
        return 1;
    if (wav && numsamples > 0 && tk_pcm_append(c->out, wav, (size_t)numsamples) < 0) {
        c->error = TALKIE_ERR(ENOMEM);
        return 1;  /* abort the utterance */
    }
    return 0;
}

/* Once per process, under the lock. */
static int ensure_initialised(const TkLog *log)
{
    if (espeak_rate == 0) {
        /* DONT_EXIT: without it espeak-ng calls exit() when its data is missing */
        int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
                                     espeakINITIALIZE_DONT_EXIT);
        espeak_rate = rate > 0 ? rate : -1;
        if (rate > 0)
            espeak_SetSynthCallback(collect);
    }
    if (espeak_rate < 0) {
        tk_log_error(log, "tts: espeak-ng could not start (is espeak-ng-data installed?)");
        return TALKIE_ERROR_UNSUPPORTED;
    }
    return 0;
}

static int speak_locked(const char *text, size_t bytes, const TkTtsVoice *v, TkPcm *out,
                        const TkLog *log)
{
    int res = ensure_initialised(log);
    if (res < 0)
        return res;
    if (espeak_SetVoiceByName(v->name) != EE_OK) {
        tk_log_error(log, "tts: espeak-ng has no voice \"%s\"", v->name);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    espeak_SetParameter(espeakPITCH, v->pitch, 0);
    espeak_SetParameter(espeakRANGE, v->range, 0);
    espeak_SetParameter(espeakRATE, v->rate_wpm, 0);
    out->sample_rate = espeak_rate;
    out->channels = 1;
    Collect c = { out, 0 };
    espeak_ERROR err = espeak_Synth(text, bytes + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                                    NULL, &c);
    if (c.error)
        return c.error;
    if (err != EE_OK) {
        tk_log_error(log, "tts: espeak-ng failed (%d)", (int)err);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    return 0;
}

int tk_tts_espeak_synth(const char *text, int speaker_index, TkPcm *out, const TkLog *log)
{
    memset(out, 0, sizeof(*out));
    size_t bytes = text ? strlen(text) : 0;
    if (!text || bytes == 0 || bytes > TK_SCENE_TEXT_MAX_BYTES || speaker_index < 0 ||
        tk_utf8_count(text, (int)bytes) < 0) {
        tk_log_error(log, "tts: the text must be 1..%d bytes of UTF-8 and the speaker >= 0",
                     TK_SCENE_TEXT_MAX_BYTES);
        return TALKIE_ERR(EINVAL);
    }
    TkTtsVoice v;
    tk_tts_espeak_voice(speaker_index, &v);
    pthread_mutex_lock(&espeak_lock);
    int res = speak_locked(text, bytes, &v, out, log);
    pthread_mutex_unlock(&espeak_lock);
    int peak = 0;
    for (size_t i = 0; res == 0 && i < out->frames; i++)
        peak = abs(out->samples[i]) > peak ? abs(out->samples[i]) : peak;
    if (res == 0 && peak < SILENT_PEAK) {
        tk_log_error(log, "tts: nothing to say in \"%.40s\"", text);
        res = TALKIE_ERR(ENODATA);
    }
    if (res < 0)
        tk_pcm_free(out);
    return res;
}

void tk_tts_espeak_shutdown(void)
{
    pthread_mutex_lock(&espeak_lock);
    if (espeak_rate > 0)
        espeak_Terminate();
    espeak_rate = 0;
    pthread_mutex_unlock(&espeak_lock);
}
