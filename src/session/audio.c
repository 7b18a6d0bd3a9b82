/* A session's audio: timeline, stream decision and encoding (see audio.h). */
#include "session/audio.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/mathematics.h>

#include "audio/pcm.h"
#include "common/array.h"


int tk_session_audio_validate(const TalkieSettings *s, const TkLog *log)
{
    if (s->audio_codec < TALKIE_AUDIO_AUTO || s->audio_codec > TALKIE_AUDIO_OPUS) {
        tk_log_error(log, "unknown audio codec %d", (int)s->audio_codec);
        return TALKIE_ERR(EINVAL);
    }
    if (s->audio_live != 0 && s->audio_live != 1) {
        tk_log_error(log, "audio_live %d: 0 or 1", s->audio_live);
        return TALKIE_ERR(EINVAL);
    }
    if (s->audio_codec == TALKIE_AUDIO_NONE)
        return 0;
    int max_rate = 96000; /* AAC's highest sampling frequency index */
    if (s->audio_codec == TALKIE_AUDIO_OPUS ? s->audio_sample_rate != 48000
                                            : s->audio_sample_rate < TK_AUDIO_MIN_RATE ||
                                                  s->audio_sample_rate > max_rate) {
        tk_log_error(log, "audio sample rate %d is out of range (%s)", s->audio_sample_rate,
                     s->audio_codec == TALKIE_AUDIO_OPUS ? "Opus: 48000" : "8000..96000");
        return TALKIE_ERR(EINVAL);
    }
    if (s->audio_channels < 1 || s->audio_channels > 2) {
        tk_log_error(log, "audio channels %d: 1 or 2", s->audio_channels);
        return TALKIE_ERR(EINVAL);
    }
    if (s->audio_bitrate_bps != 0 &&
        (s->audio_bitrate_bps < 8000 || s->audio_bitrate_bps > 512000)) {
        tk_log_error(log, "audio bitrate %lld is out of range (0, or 8000..512000)",
                     (long long)s->audio_bitrate_bps);
        return TALKIE_ERR(EINVAL);
    }
    return 0;
}

int tk_session_audio_init(TkSessionAudio *a, const TalkieSettings *s, const TkLog *log)
{
    memset(a, 0, sizeof(*a));
    a->log = log;
    a->codec = s->audio_codec;
    a->rate = s->audio_sample_rate;
    a->channels = s->audio_channels;
    a->bitrate_bps = s->audio_bitrate_bps;
    a->fps_num = s->fps_num;
    a->fps_den = s->fps_den;
    a->live = s->audio_live;
    a->state = a->codec == TALKIE_AUDIO_NONE ? TK_AUDIO_OFF : TK_AUDIO_UNDECIDED;
    if (pthread_mutex_init(&a->lock, NULL) != 0)
        return TALKIE_ERR(ENOMEM);
    if (pthread_cond_init(&a->work, NULL) != 0) {
        pthread_mutex_destroy(&a->lock);
        return TALKIE_ERR(ENOMEM);
    }
    if (pthread_cond_init(&a->ready, NULL) != 0) {
        pthread_cond_destroy(&a->work);
        pthread_mutex_destroy(&a->lock);
        return TALKIE_ERR(ENOMEM);
    }
    if (a->state == TK_AUDIO_OFF)
        return 0;
    /* the timeline exists from the start: turns with audio may come before the decision */
    return tk_audio_track_create(&a->track, a->rate, a->channels, log);
}

void tk_session_audio_free(TkSessionAudio *a)
{
    tk_session_audio_worker_stop(a);
    tk_audio_track_destroy(&a->track);
    tk_audio_encoder_close(&a->enc);
    free(a->refs);
    free(a->pcm);
    free(a->queue);
    pthread_cond_destroy(&a->ready);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->lock);
    memset(a, 0, sizeof(*a));
}

/* Under the lock. */
static int decide_locked(TkSessionAudio *a)
{
    if (a->state == TK_AUDIO_UNDECIDED) {
        int on = a->codec == TALKIE_AUDIO_AAC || a->codec == TALKIE_AUDIO_OPUS ||
                 (a->codec == TALKIE_AUDIO_AUTO && a->any_audio);
        if (!on) {
            /* AUTO without audio: exactly the video-only session, nothing kept */
            a->state = TK_AUDIO_OFF;
            tk_audio_track_destroy(&a->track);
            return 0;
        }
        TkAudioEncoderSettings es = {
            .codec = a->codec == TALKIE_AUDIO_OPUS ? TK_AUDIO_CODEC_OPUS : TK_AUDIO_CODEC_AAC,
            .sample_rate = a->rate,
            .channels = a->channels,
            .bitrate_bps = a->bitrate_bps,
        };
        int res = tk_audio_encoder_open(&a->enc, &es, a->log);
        if (res >= 0 && !(a->pcm = malloc((size_t)TK_AUDIO_PULL_FRAMES * (size_t)a->channels *
                                          sizeof(int16_t))))
            res = TALKIE_ERR(ENOMEM);
        if (res >= 0)
            res = tk_session_audio_worker_start(a);
        if (res < 0) {
            a->error = res;
            tk_audio_encoder_close(&a->enc);
            a->state = TK_AUDIO_OFF;
            tk_audio_track_destroy(&a->track);
            return res;
        }
        a->state = TK_AUDIO_ON;
    }
    if (a->error)
        return a->error;
    return a->state == TK_AUDIO_ON;
}

int tk_session_audio_decide(TkSessionAudio *a)
{
    pthread_mutex_lock(&a->lock);
    int res = decide_locked(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

const TkAudioEncoder *tk_session_audio_encoder(TkSessionAudio *a)
{
    pthread_mutex_lock(&a->lock);
    const TkAudioEncoder *e = a->state == TK_AUDIO_ON ? a->enc : NULL;
    pthread_mutex_unlock(&a->lock);
    return e;
}

static int accepting_locked(TkSessionAudio *a)
{
    if (a->track && !a->flushed)
        return 0;
    if (a->flushed) {
        tk_log_error(a->log, "audio: the session was flushed");
        return TALKIE_ERR(EINVAL);
    }
    tk_log_error(a->log, "audio: the session has no audio stream (audio_codec is none, or "
                         "auto and no turn had audio when the streams were fixed)");
    return TALKIE_ERROR_UNSUPPORTED;
}

int tk_session_audio_accepting(TkSessionAudio *a)
{
    pthread_mutex_lock(&a->lock);
    int res = accepting_locked(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

/* The entry of turn `id`, growing the table; NULL when out of memory. Under the lock. */
static TkAudioTurnRef *ref_for(TkSessionAudio *a, int64_t id)
{
    if (id < 0 || id >= INT_MAX)
        return NULL;
    if (id >= a->n_refs) {
        if (tk_array_grow((void **)&a->refs, &a->cap_refs, (int)id + 1, sizeof(*a->refs), 64) <
            0)
            return NULL;
        for (int i = a->n_refs; i <= id; i++)
            a->refs[i] = (TkAudioTurnRef){ .track = -1 };
        a->n_refs = (int)id + 1;
    }
    return &a->refs[id];
}

/* The entry of an existing turn with audio, or NULL. Under the lock. */
static TkAudioTurnRef *ref_of(TkSessionAudio *a, int64_t id)
{
    if (id < 0 || id >= a->n_refs || a->refs[id].track < 0 || !a->track)
        return NULL;
    return &a->refs[id];
}

/* The duration the scene takes from the timeline: the audio's once it is final and the
 * turn was not cut; 0 to leave the scene's. Under the lock. */
static int64_t final_duration(TkSessionAudio *a, const TkAudioTurnRef *r)
{
    TkAudioTurnInfo info;
    if (r->cut || tk_audio_track_turn_info(a->track, r->track, &info) < 0 || !info.final ||
        info.frames == 0)
        return 0;
    return info.duration_ms < TALKIE_TURN_MAX_DURATION_MS ? info.duration_ms
                                                          : TALKIE_TURN_MAX_DURATION_MS;
}

int tk_session_audio_begin(TkSessionAudio *a, int64_t id, int64_t start_ms,
                           const TalkieAudio *audio, int64_t *duration_ms)
{
    *duration_ms = 0;
    pthread_mutex_lock(&a->lock);
    int res = accepting_locked(a);
    TkAudioTurnRef *r = NULL;
    if (res >= 0 && !(r = ref_for(a, id)))
        res = TALKIE_ERR(ENOMEM);
    if (res >= 0)
        res = tk_audio_track_begin(a->track, start_ms, audio->sample_rate, audio->channels);
    if (res >= 0) {
        r->track = res;
        r->rate = audio->sample_rate;
        r->channels = (uint8_t)audio->channels;
        r->streamed = audio->frames == 0;
        a->any_audio = 1;
        res = 0;
        if (audio->frames > 0) {
            res = tk_audio_track_write(a->track, r->track, audio->samples, audio->frames);
            if (res >= 0)
                res = tk_audio_track_end(a->track, r->track);
            r->ended = 1;
            if (res < 0) /* the turn must not hold the stream back, nor sound half */
                tk_audio_track_cut(a->track, r->track, 0);
            else
                *duration_ms = final_duration(a, r);
        }
    }
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

/* The entry of a streamed turn still open, or NULL (logged). Under the lock. */
static TkAudioTurnRef *open_stream(TkSessionAudio *a, int64_t id)
{
    TkAudioTurnRef *r = ref_of(a, id);
    if (!r || !r->streamed) {
        tk_log_error(a->log, "audio: turn %lld has no streamed audio", (long long)id);
        return NULL;
    }
    return r;
}

int tk_session_audio_write(TkSessionAudio *a, int64_t id, const TalkieAudio *chunk)
{
    pthread_mutex_lock(&a->lock);
    int res = TALKIE_ERR(EINVAL);
    TkAudioTurnRef *r = a->flushed ? NULL : open_stream(a, id);
    if (r && r->ended)
        tk_log_error(a->log, "audio: turn %lld: its audio has ended", (long long)id);
    else if (r && (chunk->sample_rate != r->rate || chunk->channels != r->channels))
        tk_log_error(a->log, "audio: turn %lld: a chunk of %d Hz, %d channels; the turn "
                             "was said with %d Hz, %d channels",
                     (long long)id, chunk->sample_rate, chunk->channels, r->rate, r->channels);
    else if (r)
        res = tk_audio_track_write(a->track, r->track, chunk->samples, chunk->frames);
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

int tk_session_audio_end(TkSessionAudio *a, int64_t id, int64_t *duration_ms)
{
    *duration_ms = 0;
    pthread_mutex_lock(&a->lock);
    int res = TALKIE_ERR(EINVAL);
    TkAudioTurnRef *r = open_stream(a, id);
    if (r) {
        res = tk_audio_track_end(a->track, r->track);
        r->ended = 1;
        if (res >= 0)
            *duration_ms = final_duration(a, r);
    }
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

int tk_session_audio_cut(TkSessionAudio *a, int64_t id, int64_t at_ms)
{
    pthread_mutex_lock(&a->lock);
    int res = 0;
    TkAudioTurnRef *r = ref_of(a, id);
    if (r) {
        r->cut = 1;
        res = tk_audio_track_cut(a->track, r->track, at_ms);
    }
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
    return res;
}

void tk_session_audio_frame_sent(TkSessionAudio *a, int64_t index)
{
    /* frame `index` covers [index, index + 1) * fps_den / fps_num seconds; its audio ends
     * where the next frame starts, rounded down to a sample */
    int64_t end = av_rescale_rnd(index + 1, (int64_t)a->fps_den * a->rate, a->fps_num,
                                 AV_ROUND_DOWN);
    pthread_mutex_lock(&a->lock);
    if (end > a->video_end)
        a->video_end = end;
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
}

void tk_session_audio_flush(TkSessionAudio *a)
{
    pthread_mutex_lock(&a->lock);
    if (!a->flushed && a->track) {
        /* streams still open end here: nothing can come for them any more */
        for (int i = 0; i < a->n_refs; i++) {
            TkAudioTurnRef *r = &a->refs[i];
            if (r->track >= 0 && !r->ended) {
                tk_audio_track_end(a->track, r->track);
                r->ended = 1;
            }
        }
    }
    a->flushed = 1;
    tk_session_audio_worker_wake(a);
    pthread_mutex_unlock(&a->lock);
}

int tk_session_audio_mouth(void *opaque, int64_t turn_id, int64_t t_ms)
{
    TkSessionAudio *a = opaque;
    pthread_mutex_lock(&a->lock);
    TkAudioTurnRef *r = ref_of(a, turn_id);
    int res = r ? tk_audio_track_mouth(a->track, r->track, t_ms) : TALKIE_ERR(EAGAIN);
    pthread_mutex_unlock(&a->lock);
    return res;
}

int tk_session_audio_info(TkSessionAudio *a, TalkieAudioInfo *info)
{
    memset(info, 0, sizeof(*info));
    int res = tk_session_audio_decide(a);
    if (res < 0)
        return res;
    info->codec = TALKIE_AUDIO_NONE;
    if (res == 0)
        return 0;
    info->codec = a->codec == TALKIE_AUDIO_OPUS ? TALKIE_AUDIO_OPUS : TALKIE_AUDIO_AAC;
    info->sample_rate = a->rate;
    info->channels = a->channels;
    info->frame_size = tk_audio_encoder_frame_size(a->enc);
    info->initial_padding = tk_audio_encoder_initial_padding(a->enc);
    strcpy(info->codec_string, info->codec == TALKIE_AUDIO_OPUS ? "opus" : "mp4a.40.2");
    AVCodecParameters *par = avcodec_parameters_alloc();
    if (!par || tk_audio_encoder_parameters(a->enc, par) < 0) {
        avcodec_parameters_free(&par);
        return TALKIE_ERR(ENOMEM);
    }
    info->bitrate_bps = par->bit_rate;
    if (par->extradata_size > 0 && (size_t)par->extradata_size <= sizeof(info->extradata)) {
        memcpy(info->extradata, par->extradata, (size_t)par->extradata_size);
        info->extradata_size = (size_t)par->extradata_size;
    }
    avcodec_parameters_free(&par);
    return 0;
}
