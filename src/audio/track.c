/* The audio timeline (see track.h). */
#include <stdlib.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>

#include "audio/mouth.h"
#include "audio/pcm.h"
#include "audio/track.h"
#include "common/array.h"
#include "scene/scene.h"

/* libswresample takes int counts: long writes are converted in blocks of this many frames
 * (the resampler's output does not depend on the block size). */
#define WRITE_BLOCK_FRAMES 65536

typedef struct Turn {
    int64_t start_ms;
    int64_t start;        /* output frame of the turn's first sample */
    int64_t produced;     /* output frames so far, relative to start (never past limit) */
    int64_t limit;        /* relative frame where the audio stops: the cut or the maximum */
    int cut, ended, mouth_done;
    int in_channels;
    SwrContext *swr;      /* NULL once the turn is final */
    /* frames [held_from, produced) relative to start, at buf[head..head+len) */
    int16_t *buf;
    size_t head, len, cap;  /* in frames */
    int64_t held_from;
    TkMouth *mouth;
} Turn;

struct TkAudioTrack {
    int rate, channels;
    int64_t pulled;       /* first output frame not pulled yet */
    Turn **turns;
    int count, cap;
    int64_t fade_frames;
    const TkLog *log;
};

static void turn_free(Turn *turn)
{
    if (!turn)
        return;
    swr_free(&turn->swr);
    free(turn->buf);
    tk_mouth_destroy(&turn->mouth);
    free(turn);
}

int tk_audio_track_create(TkAudioTrack **out, int out_rate, int out_channels, const TkLog *log)
{
    *out = NULL;
    if (!tk_pcm_format_ok(out_rate, out_channels))
        return TALKIE_ERR(EINVAL);
    TkAudioTrack *t = calloc(1, sizeof(*t));
    if (!t)
        return TALKIE_ERR(ENOMEM);
    t->rate = out_rate;
    t->channels = out_channels;
    t->fade_frames = (int64_t)out_rate * TK_AUDIO_CUT_FADE_MS / 1000;
    t->log = log;
    *out = t;
    return 0;
}

void tk_audio_track_destroy(TkAudioTrack **tp)
{
    TkAudioTrack *t = *tp;
    if (!t)
        return;
    for (int i = 0; i < t->count; i++)
        turn_free(t->turns[i]);
    free(t->turns);
    free(t);
    *tp = NULL;
}

int tk_audio_track_rate(const TkAudioTrack *t)
{
    return t->rate;
}

int tk_audio_track_channels(const TkAudioTrack *t)
{
    return t->channels;
}

static int is_final(const Turn *turn)
{
    return turn->ended || turn->produced >= turn->limit;
}

static Turn *get_turn(const TkAudioTrack *t, int id)
{
    return id >= 0 && id < t->count ? t->turns[id] : NULL;
}

int tk_audio_track_begin(TkAudioTrack *t, int64_t start_ms, int in_rate, int in_channels)
{
    if (!tk_pcm_format_ok(in_rate, in_channels) || start_ms < 0 ||
        start_ms > TK_SCENE_MAX_START_MS) {
        tk_log_error(t->log, "audio: a turn's audio must be %d..%d Hz, 1..%d channels, "
                     "starting at 0..%lld ms (got %d Hz, %d channels, %lld ms)",
                     TK_AUDIO_MIN_RATE, TK_AUDIO_MAX_RATE, TK_AUDIO_MAX_CHANNELS,
                     (long long)TK_SCENE_MAX_START_MS, in_rate, in_channels,
                     (long long)start_ms);
        return TALKIE_ERR(EINVAL);
    }
    if (t->count == t->cap &&
        tk_array_grow((void **)&t->turns, &t->cap, t->count + 1, sizeof(*t->turns), 8) < 0)
        return TALKIE_ERR(ENOMEM);
    Turn *turn = calloc(1, sizeof(*turn));
    if (!turn)
        return TALKIE_ERR(ENOMEM);
    turn->start_ms = start_ms;
    turn->start = start_ms * t->rate / 1000;
    turn->limit = TK_SCENE_MAX_DURATION_MS * t->rate / 1000;
    turn->in_channels = in_channels;
    turn->held_from = 0;

    int res = tk_mouth_create(&turn->mouth, t->rate);
    if (res < 0) {
        turn_free(turn);
        return res;
    }
    AVChannelLayout in_layout, out_layout;
    av_channel_layout_default(&in_layout, in_channels);
    av_channel_layout_default(&out_layout, t->channels);
    int err = swr_alloc_set_opts2(&turn->swr, &out_layout, AV_SAMPLE_FMT_S16, t->rate,
                                  &in_layout, AV_SAMPLE_FMT_S16, in_rate, 0, NULL);
    if (err >= 0)
        err = swr_init(turn->swr);
    if (err < 0) {
        tk_log_error(t->log, "audio: libswresample cannot convert %d Hz %d ch to %d Hz %d ch",
                     in_rate, in_channels, t->rate, t->channels);
        turn_free(turn);
        return err == AVERROR(ENOMEM) ? TALKIE_ERR(ENOMEM) : TALKIE_ERROR_UNSUPPORTED;
    }
    t->turns[t->count] = turn;
    return t->count++;
}

/* Makes room for `extra` more frames after the held ones. */
static int ensure_room(const TkAudioTrack *t, Turn *turn, size_t extra)
{
    size_t ch = (size_t)t->channels;
    if (turn->head + turn->len + extra <= turn->cap)
        return 0;
    if (turn->head > 0) {
        memmove(turn->buf, turn->buf + turn->head * ch, turn->len * ch * sizeof(int16_t));
        turn->head = 0;
    }
    if (turn->len + extra <= turn->cap)
        return 0;
    size_t cap = turn->cap ? turn->cap : 4096;
    while (cap < turn->len + extra)
        cap *= 2;
    int16_t *grown = realloc(turn->buf, cap * ch * sizeof(int16_t));
    if (!grown)
        return TALKIE_ERR(ENOMEM);
    turn->buf = grown;
    turn->cap = cap;
    return 0;
}

/* Fades held frames in [from, to) (relative) towards the cut at turn->limit. */
static void fade_held(const TkAudioTrack *t, Turn *turn, int64_t from, int64_t to)
{
    int64_t fade_start = turn->limit - t->fade_frames;
    if (from < fade_start)
        from = fade_start;
    if (from < turn->held_from)
        from = turn->held_from;
    for (int64_t i = from; i < to; i++) {
        int16_t *frame = turn->buf + (turn->head + (size_t)(i - turn->held_from)) * (size_t)t->channels;
        for (int c = 0; c < t->channels; c++)
            frame[c] = (int16_t)((int32_t)frame[c] * (turn->limit - i) / (t->fade_frames + 1));
    }
}

static int finish_mouth(Turn *turn)
{
    if (turn->mouth_done)
        return 0;
    turn->mouth_done = 1;
    return tk_mouth_finish(turn->mouth);
}

/* Keeps the `got` frames just converted at the end of buf: feeds the mouth, clips them to
 * the limit, drops those already behind the pull position, fades them if a cut is known. */
static int take_converted(TkAudioTrack *t, Turn *turn, size_t got)
{
    int64_t room = turn->limit - turn->produced;
    if ((int64_t)got > room)
        got = (size_t)room;
    const int16_t *fresh = turn->buf + (turn->head + turn->len) * (size_t)t->channels;
    int res = tk_mouth_push(turn->mouth, fresh, got, t->channels);
    if (res < 0)
        return res;
    int64_t from = turn->produced;
    turn->produced += (int64_t)got;
    turn->len += got;
    /* frames the pull position has passed will never be read */
    int64_t behind = t->pulled - turn->start;
    if (behind > turn->held_from) {
        int64_t drop = behind - turn->held_from;
        if (drop > (int64_t)turn->len)
            drop = (int64_t)turn->len;
        turn->head += (size_t)drop;
        turn->len -= (size_t)drop;
        turn->held_from += drop;
    }
    if (turn->cut)
        fade_held(t, turn, from, turn->produced);
    if (turn->produced >= turn->limit) {
        swr_free(&turn->swr);
        return finish_mouth(turn);
    }
    return 0;
}

int tk_audio_track_write(TkAudioTrack *t, int id, const int16_t *samples, size_t frames)
{
    Turn *turn = get_turn(t, id);
    if (!turn || turn->ended || (frames && !samples))
        return TALKIE_ERR(EINVAL);
    while (frames > 0 && turn->swr) {
        int block = frames > WRITE_BLOCK_FRAMES ? WRITE_BLOCK_FRAMES : (int)frames;
        int max_out = swr_get_out_samples(turn->swr, block);
        if (max_out < 0)
            return TALKIE_ERROR_UNSUPPORTED;
        int res = ensure_room(t, turn, (size_t)max_out);
        if (res < 0)
            return res;
        uint8_t *dst = (uint8_t *)(turn->buf + (turn->head + turn->len) * (size_t)t->channels);
        const uint8_t *src = (const uint8_t *)samples;
        int got = swr_convert(turn->swr, &dst, max_out, &src, block);
        if (got < 0) {
            tk_log_error(t->log, "audio: libswresample failed on turn %d", id);
            return TALKIE_ERROR_UNSUPPORTED;
        }
        res = take_converted(t, turn, (size_t)got);
        if (res < 0)
            return res;
        samples += (size_t)block * (size_t)turn->in_channels;
        frames -= (size_t)block;
    }
    return 0;
}

int tk_audio_track_end(TkAudioTrack *t, int id)
{
    Turn *turn = get_turn(t, id);
    if (!turn)
        return TALKIE_ERR(EINVAL);
    if (turn->ended)
        return 0;
    if (turn->swr) {
        /* what the resampler still holds (its filter's tail) */
        int max_out = swr_get_out_samples(turn->swr, 0);
        if (max_out > 0) {
            int res = ensure_room(t, turn, (size_t)max_out);
            if (res < 0)
                return res;
            uint8_t *dst = (uint8_t *)(turn->buf + (turn->head + turn->len) * (size_t)t->channels);
            int got = swr_convert(turn->swr, &dst, max_out, NULL, 0);
            if (got < 0)
                return TALKIE_ERROR_UNSUPPORTED;
            res = take_converted(t, turn, (size_t)got);
            if (res < 0)
                return res;
        }
        swr_free(&turn->swr);
    }
    turn->ended = 1;
    return finish_mouth(turn);
}

int tk_audio_track_add_pcm(TkAudioTrack *t, int64_t start_ms, const TkPcm *pcm)
{
    int id = tk_audio_track_begin(t, start_ms, pcm->sample_rate, pcm->channels);
    if (id < 0)
        return id;
    int res = tk_audio_track_write(t, id, pcm->samples, pcm->frames);
    if (res == 0)
        res = tk_audio_track_end(t, id);
    if (res < 0) {
        /* the turn stays (ids are never reused) but says nothing */
        tk_audio_track_cut(t, id, start_ms);
        tk_audio_track_end(t, id);
        return res;
    }
    return id;
}

int tk_audio_track_cut(TkAudioTrack *t, int id, int64_t at_ms)
{
    Turn *turn = get_turn(t, id);
    if (!turn || at_ms < 0)
        return TALKIE_ERR(EINVAL);
    int64_t limit = at_ms * t->rate / 1000 - turn->start;
    if (limit < 0)
        limit = 0;
    if (limit >= turn->limit)
        return 0;
    turn->limit = limit;
    turn->cut = 1;
    if (turn->produced > limit) {
        turn->produced = limit;
        if (turn->held_from > limit) {
            turn->head += turn->len;
            turn->len = 0;
            turn->held_from = limit;
        } else {
            turn->len = (size_t)(limit - turn->held_from);
        }
    }
    fade_held(t, turn, limit - t->fade_frames, turn->produced);
    if (turn->produced >= turn->limit) {
        swr_free(&turn->swr);
        return finish_mouth(turn);
    }
    return 0;
}

int tk_audio_track_turn_info(const TkAudioTrack *t, int id, TkAudioTurnInfo *info)
{
    const Turn *turn = get_turn(t, id);
    if (!turn)
        return TALKIE_ERR(EINVAL);
    info->start_frame = turn->start;
    info->start_ms = turn->start_ms;
    info->frames = turn->produced;
    info->duration_ms = tk_pcm_duration_ms(turn->produced, t->rate);
    info->final = is_final(turn);
    return 0;
}

int tk_audio_track_mouth(const TkAudioTrack *t, int id, int64_t t_ms)
{
    const Turn *turn = get_turn(t, id);
    if (!turn || t_ms < 0)
        return 0;
    int64_t rel = t_ms * t->rate / 1000 - turn->start;
    /* a hop's value is final one hop after its audio arrived (mouth.h) */
    if (!turn->mouth_done && rel >= 0 && rel < turn->limit &&
        rel / tk_mouth_hop_frames(turn->mouth) >= tk_mouth_hops(turn->mouth))
        return TALKIE_ERR(EAGAIN);
    if (rel < 0 || rel >= turn->produced)
        return 0;
    return tk_mouth_at_frame(turn->mouth, rel);
}

int64_t tk_audio_track_pulled(const TkAudioTrack *t)
{
    return t->pulled;
}

int64_t tk_audio_track_held_frames(const TkAudioTrack *t)
{
    int64_t held = 0;
    for (int i = 0; i < t->count; i++)
        held += (int64_t)t->turns[i]->len;
    return held;
}

int64_t tk_audio_track_ready(const TkAudioTrack *t)
{
    int64_t ready = INT64_MAX;
    for (int i = 0; i < t->count; i++) {
        const Turn *turn = t->turns[i];
        if (!is_final(turn) && turn->start + turn->produced < ready)
            ready = turn->start + turn->produced;
    }
    return ready;
}

static void mix(const TkAudioTrack *t, const Turn *turn, int64_t first, size_t frames,
                int16_t *dst)
{
    int64_t from = turn->start + turn->held_from;
    int64_t to = turn->start + turn->produced;
    if (from < first)
        from = first;
    if (to > first + (int64_t)frames)
        to = first + (int64_t)frames;
    size_t ch = (size_t)t->channels;
    for (int64_t f = from; f < to; f++) {
        const int16_t *src = turn->buf + (turn->head + (size_t)(f - turn->start - turn->held_from)) * ch;
        int16_t *out = dst + (size_t)(f - first) * ch;
        for (size_t c = 0; c < ch; c++) {
            int32_t v = (int32_t)out[c] + src[c];
            out[c] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
        }
    }
}

/* Drops held frames before output frame `until`; frees a final turn's buffer once empty. */
static void release(Turn *turn, int64_t until)
{
    int64_t rel = until - turn->start;
    if (rel > turn->produced)
        rel = turn->produced;
    if (rel > turn->held_from) {
        size_t drop = (size_t)(rel - turn->held_from);
        turn->head += drop;
        turn->len -= drop;
        turn->held_from = rel;
    }
    if (turn->len == 0) {
        turn->head = 0;
        if (is_final(turn) && turn->buf) {
            free(turn->buf);
            turn->buf = NULL;
            turn->cap = 0;
        }
    }
}

static int pull(TkAudioTrack *t, int64_t first, size_t frames, int16_t *dst, int wait)
{
    if (first < t->pulled || (frames && !dst) || frames > (size_t)INT64_MAX / 4)
        return TALKIE_ERR(EINVAL);
    int64_t end = first + (int64_t)frames;
    if (wait && end > tk_audio_track_ready(t))
        return TALKIE_ERR(EAGAIN);
    memset(dst, 0, frames * (size_t)t->channels * sizeof(int16_t));
    for (int i = 0; i < t->count; i++) {
        Turn *turn = t->turns[i];
        if (turn->len > 0)
            mix(t, turn, first, frames, dst);
        release(turn, end);
    }
    t->pulled = end;
    return 0;
}

int tk_audio_track_pull(TkAudioTrack *t, int64_t first, size_t frames, int16_t *dst)
{
    return pull(t, first, frames, dst, 1);
}

int tk_audio_track_pull_now(TkAudioTrack *t, int64_t first, size_t frames, int16_t *dst)
{
    return pull(t, first, frames, dst, 0);
}
