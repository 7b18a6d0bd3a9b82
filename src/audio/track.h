/*
 * The session's audio timeline: every turn's PCM, resampled to the output format and placed
 * at the turn's start, mixed, and handed out as "output samples [a, a + n)".
 *
 * Input per turn: s16 interleaved, 1 or 2 channels, any rate TK_AUDIO_MIN_RATE..MAX_RATE
 * (16, 22.05, 24, 44.1, 48 kHz are the tested ones), written whole or in chunks of any size
 * as it arrives (live TTS). libswresample converts it to the output rate and channel count;
 * the result depends only on the turn's sample stream, never on how it was chunked, so the
 * same audio in jittered 20 ms chunks or in one piece gives byte-identical output.
 *
 * Timeline rules:
 *   - a turn's audio starts at output frame start_ms * rate / 1000 (rounded down);
 *   - where no turn has audio the output is silence; overlapping turns are summed (clipped);
 *   - a turn can be cut (barge-in): nothing of it sounds from the cut on, with a
 *     TK_AUDIO_CUT_FADE_MS linear fade before it when that audio has not been pulled yet;
 *   - a turn lasts as long as its audio: tk_audio_track_turn_info() gives its duration in ms
 *     (final once the turn is ended or cut), for the scene to use as the turn's duration;
 *   - each turn measures mouth openness from its resampled audio (mouth.h), kept for the
 *     session's life (one byte per 10 ms);
 *   - pulls go forward only. Pulled audio is freed at once; audio that arrives for frames
 *     already pulled (a turn begun in the past) is dropped. Memory holds only audio that
 *     arrived ahead of the pull position.
 *
 * A pull answers TALKIE_ERR(EAGAIN) while a turn that is not ended could still add audio
 * inside the requested range: the caller waits for more audio (or ends/cuts the turn).
 * Turns not begun yet are the caller's business: begin a turn before pulling past its start.
 *
 * Thread-safety: none; the session serializes calls.
 */
#ifndef TALKIE_AUDIO_TRACK_H
#define TALKIE_AUDIO_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "audio/pcm.h"
#include "common/log.h"

#define TK_AUDIO_CUT_FADE_MS 5

typedef struct TkAudioTrack TkAudioTrack;

typedef struct TkAudioTurnInfo {
    int64_t start_frame;   /* output frame where the turn's audio begins */
    int64_t frames;        /* output frames of audio so far (after a cut: up to the cut) */
    int64_t start_ms;
    int64_t duration_ms;   /* frames in ms, rounded up; final when `final` */
    int final;             /* ended or cut: no more audio will come */
} TkAudioTurnInfo;

/* out_rate: TK_AUDIO_MIN_RATE..MAX_RATE (talkie's default is 48000); out_channels 1 or 2.
 * 0, TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM). `log` may be NULL and must outlive the track. */
int tk_audio_track_create(TkAudioTrack **out, int out_rate, int out_channels, const TkLog *log);
/* NULL-safe; sets *track to NULL. */
void tk_audio_track_destroy(TkAudioTrack **track);

int tk_audio_track_rate(const TkAudioTrack *t);
int tk_audio_track_channels(const TkAudioTrack *t);

/* Starts a turn's audio at start_ms (0..TK_SCENE_MAX_START_MS) in the given input format.
 * Returns the turn's id (>= 0, in order of calls) or TALKIE_ERR(EINVAL) (bad format or time),
 * TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED (libswresample refused the conversion). */
int tk_audio_track_begin(TkAudioTrack *t, int64_t start_ms, int in_rate, int in_channels);

/* Adds `frames` input frames to turn `turn` (in_channels values per frame). Audio past a
 * cut, or past TK_SCENE_MAX_DURATION_MS, is dropped. 0, TALKIE_ERR(EINVAL) (unknown or ended
 * turn), TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED (libswresample failed). */
int tk_audio_track_write(TkAudioTrack *t, int turn, const int16_t *samples, size_t frames);

/* No more audio for this turn: drains the resampler; the duration is final. Idempotent. */
int tk_audio_track_end(TkAudioTrack *t, int turn);

/* A whole turn's audio at once (a file, a synthesized line): begin + write + end.
 * Returns the turn's id or an error of those three. */
int tk_audio_track_add_pcm(TkAudioTrack *t, int64_t start_ms, const TkPcm *pcm);

/* Barge-in: the turn's audio stops at session time at_ms (absolute, clamped to the turn's
 * start). Audio before the cut that has not arrived yet is still awaited; the turn is final
 * once its audio reaches the cut, or when it is ended (a TTS stream cancelled by the
 * barge-in: cut, then end). Audio past the cut is accepted and dropped. Cutting again can
 * only move the cut earlier. 0 or TALKIE_ERR(EINVAL). */
int tk_audio_track_cut(TkAudioTrack *t, int turn, int64_t at_ms);

/* 0 or TALKIE_ERR(EINVAL) (unknown turn). */
int tk_audio_track_turn_info(const TkAudioTrack *t, int turn, TkAudioTurnInfo *info);

/* Mouth openness 0..TK_SCENE_MOUTH_MAX of `turn` at session time t_ms: 0 outside its audio
 * (an unknown turn included); TALKIE_ERR(EAGAIN) at or after the turn's start where its
 * audio (up to 10 ms past t, see mouth.h) has not arrived yet and still may (the scene can fall back to a text-driven mouth). */
int tk_audio_track_mouth(const TkAudioTrack *t, int turn, int64_t t_ms);

/* The first output frame that has not been pulled. */
int64_t tk_audio_track_pulled(const TkAudioTrack *t);

/* Output frames held in memory over all turns (audio that arrived ahead of the pulls). */
int64_t tk_audio_track_held_frames(const TkAudioTrack *t);

/* Up to which output frame the mix is final (no open turn can still change what comes
 * before it), or INT64_MAX when every begun turn is final. */
int64_t tk_audio_track_ready(const TkAudioTrack *t);

/*
 * Writes output frames [first, first + frames) (interleaved s16, out_channels per frame) to
 * dst and frees the audio before first + frames. `first` must be >= tk_audio_track_pulled()
 * (frames skipped over are dropped).
 * 0, TALKIE_ERR(EAGAIN) (first + frames > tk_audio_track_ready(); nothing is consumed),
 * TALKIE_ERR(EINVAL) (first is behind the pull position).
 */
int tk_audio_track_pull(TkAudioTrack *t, int64_t first, size_t frames, int16_t *dst);

/*
 * The live variant: the same without waiting. Where an open turn's audio has not arrived
 * yet, the output is silence, and that audio is dropped when it comes (the turn continues in
 * place, in sync with the clock that pulled). Never EAGAIN; not deterministic (it depends on
 * when the audio arrived), so offline rendering uses tk_audio_track_pull().
 * 0 or TALKIE_ERR(EINVAL).
 */
int tk_audio_track_pull_now(TkAudioTrack *t, int64_t first, size_t frames, int16_t *dst);

#endif
