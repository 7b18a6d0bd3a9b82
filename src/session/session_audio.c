/*
 * The public audio calls of a session: turns with audio (whole, streamed, from a file, from
 * espeak-ng), barge-in, and the audio stream's packets. They validate, then hand over to the
 * session's audio (audio.h) and scene; the scene learns a turn's duration from its audio
 * only after the audio lock is released (audio.h says why).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audio/decode_file.h"
#include "audio/tts_espeak.h"
#include "session/session.h"

static int check_audio(const TalkieSession *s, const TalkieAudio *a, int chunk)
{
    if (!tk_pcm_format_ok(a->sample_rate, a->channels)) {
        tk_log_error(&s->log, "audio: %d Hz with %d channels is not supported (%d..%d Hz, "
                              "1 or 2 channels)",
                     a->sample_rate, a->channels, TK_AUDIO_MIN_RATE, TK_AUDIO_MAX_RATE);
        return TALKIE_ERR(EINVAL);
    }
    if ((a->frames > 0 && !a->samples) || (chunk && a->frames == 0) ||
        a->frames > (size_t)INT32_MAX * 16) {
        tk_log_error(&s->log, "audio: %zu frames at %p", a->frames, (const void *)a->samples);
        return TALKIE_ERR(EINVAL);
    }
    return 0;
}

/* The scene takes the audio's duration (0: keep its own). */
static void apply_duration(TalkieSession *s, int64_t id, int64_t duration_ms)
{
    if (duration_ms > 0)
        tk_scene_set_duration(s->scene, id, duration_ms);
}

int talkie_session_say_audio(TalkieSession *s, const TalkieTurn *turn, const TalkieAudio *audio,
                             int64_t *turn_id)
{
    if (turn_id)
        *turn_id = -1;
    if (!s || !turn)
        return TALKIE_ERR(EINVAL);
    int res = 0;
    if (audio && ((res = check_audio(s, audio, 0)) < 0 ||
                  (res = tk_session_audio_accepting(&s->audio)) < 0))
        return res;
    TkSceneTurnInfo info;
    if ((res = tk_scene_add_turn_info(s->scene, turn, &info)) < 0)
        return res;
    if (audio) {
        int64_t duration_ms;
        res = tk_session_audio_begin(&s->audio, info.id, info.start_ms, audio, &duration_ms);
        if (res < 0) {
            /* the scene cannot take a turn back: it is never shown instead */
            tk_scene_cut(s->scene, info.id, info.start_ms);
            return res;
        }
        apply_duration(s, info.id, duration_ms);
    }
    if (turn_id)
        *turn_id = info.id;
    return 0;
}

int talkie_session_turn_audio(TalkieSession *s, int64_t turn_id, const TalkieAudio *chunk)
{
    if (!s || !chunk)
        return TALKIE_ERR(EINVAL);
    int res = check_audio(s, chunk, 1);
    if (res < 0)
        return res;
    return tk_session_audio_write(&s->audio, turn_id, chunk);
}

int talkie_session_turn_audio_end(TalkieSession *s, int64_t turn_id)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    int64_t duration_ms;
    int res = tk_session_audio_end(&s->audio, turn_id, &duration_ms);
    if (res >= 0)
        apply_duration(s, turn_id, duration_ms);
    return res;
}

int talkie_session_cut(TalkieSession *s, int64_t turn_id, int64_t at_ms)
{
    if (!s || turn_id < 0 || at_ms < 0 || at_ms > TALKIE_TURN_MAX_START_MS * 2)
        return TALKIE_ERR(EINVAL);
    int res = tk_scene_cut(s->scene, turn_id, at_ms);
    if (res == TALKIE_ERR(ENOENT)) {
        tk_log_error(&s->log, "cut: no turn %lld", (long long)turn_id);
        return TALKIE_ERR(EINVAL);
    }
    if (res < 0)
        return res;
    return tk_session_audio_cut(&s->audio, turn_id, at_ms);
}

/* Says `turn` with the whole audio in `pcm` (freed here). */
static int say_pcm(TalkieSession *s, const TalkieTurn *turn, TkPcm *pcm, int64_t *turn_id)
{
    TalkieAudio audio = {
        .samples = pcm->samples, .frames = pcm->frames, .sample_rate = pcm->sample_rate,
        .channels = pcm->channels,
    };
    int res = talkie_session_say_audio(s, turn, &audio, turn_id);
    tk_pcm_free(pcm);
    return res;
}

int talkie_session_say_file(TalkieSession *s, const TalkieTurn *turn, const char *path,
                            int64_t *turn_id)
{
    if (turn_id)
        *turn_id = -1;
    if (!s || !turn || !path)
        return TALKIE_ERR(EINVAL);
    int res = tk_session_audio_accepting(&s->audio);
    if (res < 0)
        return res;
    /* the policy of decode_file.h: a turn's own duration cuts the file, else 10 minutes */
    int64_t max_ms = TK_AUDIO_FILE_MAX_MS;
    TkAudioLongPolicy policy = TK_AUDIO_LONG_REFUSE;
    if (turn->duration_ms > 0 && turn->duration_ms < TK_AUDIO_FILE_MAX_MS) {
        max_ms = turn->duration_ms;
        policy = TK_AUDIO_LONG_CUT;
    }
    TkPcm pcm;
    res = tk_audio_decode_file(path, max_ms, policy, &pcm, &s->log);
    if (res < 0) {
        tk_pcm_free(&pcm);
        return res;
    }
    return say_pcm(s, turn, &pcm, turn_id);
}

int talkie_session_say_tts(TalkieSession *s, const TalkieTurn *turn, TalkieTts engine,
                           int64_t *turn_id)
{
    if (turn_id)
        *turn_id = -1;
    if (!s || !turn || !turn->speaker || !turn->text || engine != TALKIE_TTS_ESPEAK)
        return TALKIE_ERR(EINVAL);
    int res = tk_session_audio_accepting(&s->audio);
    if (res < 0)
        return res;
    /* the voice goes by the speaker's number in the scene: the colour's, stable */
    int speaker = tk_scene_speaker_index(s->scene, turn->speaker);
    TkPcm pcm;
    res = tk_tts_espeak_synth(turn->text, speaker, &pcm, &s->log);
    if (res == TALKIE_ERR(ENODATA)) {  /* nothing to say: a silent, text-timed turn */
        tk_pcm_free(&pcm);
        return talkie_session_say_audio(s, turn, NULL, turn_id);
    }
    if (res < 0) {
        tk_pcm_free(&pcm);
        return res;
    }
    return say_pcm(s, turn, &pcm, turn_id);
}

int talkie_session_audio_info(TalkieSession *s, TalkieAudioInfo *info)
{
    if (!s || !info)
        return TALKIE_ERR(EINVAL);
    return tk_session_audio_info(&s->audio, info);
}

int talkie_session_get_audio_packet(TalkieSession *s, TalkieAudioPacket *pkt)
{
    if (!s || !pkt)
        return TALKIE_ERR(EINVAL);
    memset(pkt, 0, sizeof(*pkt));
    return tk_session_audio_get_packet(&s->audio, pkt);
}

void talkie_audio_packet_unref(TalkieAudioPacket *pkt)
{
    if (!pkt)
        return;
    free(pkt->data);
    memset(pkt, 0, sizeof(*pkt));
}
