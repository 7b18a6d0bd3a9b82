/*
 * An audio file (anything libavformat + libavcodec read: WAV, MP3, AAC/M4A, FLAC, Ogg/Opus,
 * ...) into PCM for a turn: the CLI's {"audio": "line3.wav"}.
 *
 * Output: s16 interleaved at the file's own sample rate (the timeline resamples), mono for a
 * mono file, stereo for everything else (more channels are mixed down by libswresample).
 *
 * Errors, each with a log line naming the file:
 *   TALKIE_ERR(ENOENT)        the file does not exist
 *   TALKIE_ERR(EACCES/EISDIR/EIO)  it exists but cannot be read (permissions, a directory,
 *                             an I/O error), as the system said
 *   TALKIE_ERR(EINVAL)        not a media file libavformat recognises (or an empty path)
 *   TALKIE_ERR(ENOMSG)        a media file without an audio stream (video only, subtitles)
 *   TALKIE_ERR(ENODATA)       the audio stream has no samples
 *   TALKIE_ERROR_UNSUPPORTED  no decoder for its codec, or a sample format, rate (outside
 *                             TK_AUDIO_MIN_RATE..MAX_RATE) or channel layout we cannot convert
 *   TALKIE_ERR(EFBIG)         longer than allowed, with TK_AUDIO_LONG_REFUSE
 *   TALKIE_ERR(ENOMEM)
 *
 * Policy for audio far longer than its turn:
 *   - a turn that leaves its duration to the library lasts as long as its audio: decode with
 *     max_ms = TK_AUDIO_FILE_MAX_MS and TK_AUDIO_LONG_REFUSE. A longer file is refused
 *     (EFBIG) rather than silently cut, and never more than that much is decoded, so memory
 *     stays bounded (10 minutes of 48 kHz stereo is 115 MB);
 *   - a turn with an explicit duration shorter than its audio: the picture's timing wins and
 *     the audio is cut at the turn's end, like a barge-in: decode with max_ms = the duration
 *     and TK_AUDIO_LONG_CUT; the rest of the file is not decoded; the call returns 1 and logs
 *     a warning when more than TK_AUDIO_CUT_WARN_MS was dropped, so a wrong file or a typo in
 *     the duration does not go unnoticed.
 *
 * Thread-safety: reentrant (no shared state).
 */
#ifndef TALKIE_AUDIO_DECODE_FILE_H
#define TALKIE_AUDIO_DECODE_FILE_H

#include <stdint.h>

#include "audio/pcm.h"
#include "common/log.h"

#define TK_AUDIO_FILE_MAX_MS ((int64_t)10 * 60 * 1000)
#define TK_AUDIO_CUT_WARN_MS 1000

typedef enum TkAudioLongPolicy {
    TK_AUDIO_LONG_REFUSE = 0,   /* longer than max_ms: TALKIE_ERR(EFBIG) */
    TK_AUDIO_LONG_CUT = 1,      /* longer than max_ms: keep the first max_ms, return 1 */
} TkAudioLongPolicy;

/*
 * Decodes `path` into *out (zeroed first; free with tk_pcm_free(), also after an error,
 * which leaves it empty). max_ms: 1..TK_AUDIO_FILE_MAX_MS.
 * Returns 0 (all of the file), 1 (cut at max_ms under TK_AUDIO_LONG_CUT), or an error above.
 */
int tk_audio_decode_file(const char *path, int64_t max_ms, TkAudioLongPolicy policy,
                         TkPcm *out, const TkLog *log);

#endif
