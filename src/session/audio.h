/*
 * A session's audio (internal): the timeline of its turns' PCM (audio/track.h), which turn
 * id has which timeline turn, the decision whether the session has an audio stream, and the
 * encoder that turns the timeline into packets as far as the video has gone.
 *
 * Three sides:
 *   - producers (say and its variants, turn_audio, cut, on any thread; send_frame and flush
 *     moving the video's end) work on the timeline under `lock` and wake the worker;
 *   - the worker (audio_worker.c), a thread of the session's own started when the session is
 *     decided to have audio, pulls from the timeline under `lock` as far as the video has
 *     gone and encodes outside it, so neither a say() nor the caller's frame loop ever waits
 *     for an encode; its packets queue up (bounded) in order;
 *   - the consumer (get_audio_packet, serialised by the caller like get_packet) takes them.
 * The encoder sees the same samples in the same order whatever the timing (it cuts its own
 * frames), so an offline render stays deterministic.
 * The scene's mouth callback (tk_session_audio_mouth) takes `lock` while the scene holds its
 * own: so nothing here calls into the scene while holding `lock` (the order is scene, then
 * audio).
 */
#ifndef TALKIE_SESSION_AUDIO_H
#define TALKIE_SESSION_AUDIO_H

#include <pthread.h>
#include <stdint.h>

#include "audio/encoder.h"
#include "audio/track.h"
#include "common/log.h"
#include "talkie/talkie.h"

/* Output frames the worker pulls and encodes at once: 100 ms at 48 kHz, a few AAC frames. */
#define TK_AUDIO_PULL_FRAMES 4800
/* Encoded packets the worker keeps before it waits for the consumer: about 10 s of AAC at
 * 48 kHz, so a caller that never takes audio cannot make memory grow without bound (the
 * timeline then keeps the PCM, as it did before the worker). */
#define TK_AUDIO_QUEUE_PACKETS 512

/* What a turn id has on the timeline. */
typedef struct TkAudioTurnRef {
    int32_t track;    /* the timeline's turn, -1: none */
    int32_t rate;     /* its input format: every chunk must have it */
    uint8_t channels;
    uint8_t cut;      /* cut: its duration no longer follows its audio */
    uint8_t streamed; /* said with frames == 0: chunks follow */
    uint8_t ended;
} TkAudioTurnRef;

typedef enum TkAudioState {
    TK_AUDIO_UNDECIDED = 0,   /* AUTO before the streams are fixed */
    TK_AUDIO_ON = 1,
    TK_AUDIO_OFF = 2,
} TkAudioState;

typedef struct TkSessionAudio {
    pthread_mutex_t lock;
    const TkLog *log;
    TalkieAudioCodec codec;
    int rate, channels;
    int64_t bitrate_bps;
    int fps_num, fps_den;
    int live;                 /* audio_live: pull without waiting (track.h, pull_now) */

    /* under lock */
    TkAudioState state;
    int any_audio;            /* a turn with audio was said (decides AUTO) */
    TkAudioTrack *track;      /* NULL once the session is decided to be video only */
    TkAudioTurnRef *refs;     /* by turn id */
    int n_refs, cap_refs;
    int64_t video_end;        /* output frames the video covers: the end of the last frame sent */
    int flushed;

    int error;                /* sticky: the worker's or the decision's */

    /* the worker (audio_worker.c); `enc` and `pcm` are its own once it runs */
    TkAudioEncoder *enc;      /* opened when the streams are fixed with audio */
    int16_t *pcm;             /* one pull */
    int enc_flushed;
    pthread_t worker;
    int worker_started;
    pthread_cond_t work;      /* producers -> worker: more may be encoded, or stop */
    pthread_cond_t ready;     /* worker -> consumer: a packet, the end or an error */
    int stop;                 /* under lock: the worker ends */
    int done;                 /* under lock: the encoder was flushed and drained */
    TalkieAudioPacket *queue; /* under lock: encoded packets in order (a ring) */
    int q_head, q_count, q_cap;
} TkSessionAudio;

/* Checks the settings' audio fields (logging what is wrong): 0 or TALKIE_ERR(EINVAL). */
int tk_session_audio_validate(const TalkieSettings *s, const TkLog *log);
/* 0, TALKIE_ERR(ENOMEM). `log` must outlive it. */
int tk_session_audio_init(TkSessionAudio *a, const TalkieSettings *s, const TkLog *log);
void tk_session_audio_free(TkSessionAudio *a);

/* Fixes the streams (see talkie.h, "Audio"): 1 with audio, 0 without, or the encoder's
 * error. Idempotent. */
int tk_session_audio_decide(TkSessionAudio *a);
/* The encoder once decided with audio, else NULL. */
const TkAudioEncoder *tk_session_audio_encoder(TkSessionAudio *a);

/* 0 when audio may still be given to the session, else TALKIE_ERROR_UNSUPPORTED (logged). */
int tk_session_audio_accepting(TkSessionAudio *a);

/* A turn's audio starts: whole (frames > 0: written and ended) or streamed (frames == 0).
 * On success *duration_ms is the final duration of whole audio (0 while streamed or when it
 * is silent-empty). */
int tk_session_audio_begin(TkSessionAudio *a, int64_t id, int64_t start_ms,
                           const TalkieAudio *audio, int64_t *duration_ms);
/* A chunk of a streamed turn. */
int tk_session_audio_write(TkSessionAudio *a, int64_t id, const TalkieAudio *chunk);
/* Ends a streamed turn; *duration_ms as in begin (0: keep the scene's duration: nothing came,
 * or the turn was cut). */
int tk_session_audio_end(TkSessionAudio *a, int64_t id, int64_t *duration_ms);
/* Cuts the turn's audio (if it has any) at at_ms. */
int tk_session_audio_cut(TkSessionAudio *a, int64_t id, int64_t at_ms);

/* Frame `index` was sent: the audio may be encoded up to its end. */
void tk_session_audio_frame_sent(TkSessionAudio *a, int64_t index);
/* No more frames: open turns end, the audio ends with the last frame sent. */
void tk_session_audio_flush(TkSessionAudio *a);

/* The scene's mouth source (scene.h, TkSceneMouthFn); `opaque` is the TkSessionAudio. */
int tk_session_audio_mouth(void *opaque, int64_t turn_id, int64_t t_ms);

/* talkie_session_get_audio_packet() and talkie_session_audio_info() without the NULL checks. */
int tk_session_audio_get_packet(TkSessionAudio *a, TalkieAudioPacket *pkt);

/* audio_worker.c. Start: under the lock, once the encoder is open (0 or TALKIE_ERR(EAGAIN)).
 * Stop: without the lock; joins the thread and frees what is queued (idempotent). Wake:
 * under the lock, after anything that may let the worker encode more. */
int tk_session_audio_worker_start(TkSessionAudio *a);
void tk_session_audio_worker_stop(TkSessionAudio *a);
void tk_session_audio_worker_wake(TkSessionAudio *a);
int tk_session_audio_info(TkSessionAudio *a, TalkieAudioInfo *info);

#endif
