/*
 * Mouth openness from the voice: how open a speaker's mouth is drawn at time t of a turn,
 * from the short-term energy of the turn's audio.
 *
 * Samples are pushed as they arrive (any chunking: the result depends only on the sample
 * stream). Every 10 ms hop gets one value 0..TK_SCENE_MOUTH_MAX:
 *   - the RMS level over a 20 ms window starting at the hop (so the mouth leads the sound by
 *     up to 10 ms, as animators lead lip shapes, and a 100 Hz voice has two periods in it);
 *   - smoothed with an instant attack and a release of TK_MOUTH_RELEASE_DB per hop, so that
 *     the mouth does not flutter with every pitch period yet closes in a pause;
 *   - closed (0) below TK_MOUTH_CLOSED_DBFS, then one step per TK_MOUTH_STEP_DB up to
 *     TK_SCENE_MOUTH_MAX.
 * A hop's value is final once the window after it has arrived (or at tk_mouth_finish()).
 *
 * Thread-safety: none; one owner (the audio timeline) feeds and queries it.
 */
#ifndef TALKIE_AUDIO_MOUTH_H
#define TALKIE_AUDIO_MOUTH_H

#include <stddef.h>
#include <stdint.h>

#define TK_MOUTH_CLOSED_DBFS (-42.0)
#define TK_MOUTH_STEP_DB 8.0
#define TK_MOUTH_RELEASE_DB 4.0

typedef struct TkMouth TkMouth;

/* sample_rate: TK_AUDIO_MIN_RATE..TK_AUDIO_MAX_RATE. 0, TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM). */
int tk_mouth_create(TkMouth **out, int sample_rate);
/* NULL-safe; sets *m to NULL. */
void tk_mouth_destroy(TkMouth **m);

/* Adds `frames` frames of interleaved s16 audio with `channels` channels (mixed to mono).
 * 0 or TALKIE_ERR(ENOMEM). */
int tk_mouth_push(TkMouth *m, const int16_t *samples, size_t frames, int channels);
/* No more audio: the last hops become final (a partial window counts what it has). */
int tk_mouth_finish(TkMouth *m);

/* Openness at t_ms after the first pushed sample: 0..TK_SCENE_MOUTH_MAX; 0 before 0 and
 * beyond the last final hop. */
int tk_mouth_at(const TkMouth *m, int64_t t_ms);
/* Same, at a frame offset (in samples at the mouth's rate) from the first sample. */
int tk_mouth_at_frame(const TkMouth *m, int64_t frame);

/* Number of final hops, and the hop length in frames (sample_rate / 100). */
int64_t tk_mouth_hops(const TkMouth *m);
int tk_mouth_hop_frames(const TkMouth *m);

#endif
