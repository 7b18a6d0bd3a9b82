/* Mouth openness from short-term energy (see mouth.h for the method). */
#include <math.h>
#include <stdlib.h>

#include "audio/mouth.h"
#include "audio/pcm.h"
#include "scene/scene.h"
#include "talkie/talkie.h"

struct TkMouth {
    int rate;
    int hop;               /* frames per hop */
    double hop_energy;     /* sum of squares of the hop being filled */
    int hop_fill;          /* frames in it */
    double prev_energy;    /* the complete hop before it, not yet given a value */
    int have_prev;
    double level_db;       /* smoothed level of the last final hop */
    uint8_t *values;       /* one openness per final hop */
    int64_t count, cap;
};

int tk_mouth_create(TkMouth **out, int sample_rate)
{
    *out = NULL;
    if (!tk_pcm_format_ok(sample_rate, 1))
        return TALKIE_ERR(EINVAL);
    TkMouth *m = calloc(1, sizeof(*m));
    if (!m)
        return TALKIE_ERR(ENOMEM);
    m->rate = sample_rate;
    m->hop = sample_rate / 100;
    m->level_db = -200.0;
    *out = m;
    return 0;
}

void tk_mouth_destroy(TkMouth **mp)
{
    if (!*mp)
        return;
    free((*mp)->values);
    free(*mp);
    *mp = NULL;
}

static int openness(double level_db)
{
    if (level_db < TK_MOUTH_CLOSED_DBFS)
        return 0;
    int v = 1 + (int)((level_db - TK_MOUTH_CLOSED_DBFS) / TK_MOUTH_STEP_DB);
    return v > TK_SCENE_MOUTH_MAX ? TK_SCENE_MOUTH_MAX : v;
}

/* Gives the pending hop its value from the window (its energy + the next hop's). */
static int emit(TkMouth *m, double window_energy, int window_frames)
{
    if (m->count == m->cap) {
        int64_t cap = m->cap ? m->cap * 2 : 256;
        uint8_t *grown = realloc(m->values, (size_t)cap);
        if (!grown)
            return TALKIE_ERR(ENOMEM);
        m->values = grown;
        m->cap = cap;
    }
    double rms = window_frames > 0 ? sqrt(window_energy / window_frames) : 0.0;
    double db = rms > 0.0 ? 20.0 * log10(rms / 32768.0) : -200.0;
    double released = m->level_db - TK_MOUTH_RELEASE_DB;
    m->level_db = db > released ? db : released;
    m->values[m->count++] = (uint8_t)openness(m->level_db);
    return 0;
}

static int hop_complete(TkMouth *m)
{
    if (m->have_prev) {
        int res = emit(m, m->prev_energy + m->hop_energy, 2 * m->hop);
        if (res < 0)
            return res;
    }
    m->prev_energy = m->hop_energy;
    m->have_prev = 1;
    m->hop_energy = 0.0;
    m->hop_fill = 0;
    return 0;
}

int tk_mouth_push(TkMouth *m, const int16_t *samples, size_t frames, int channels)
{
    for (size_t i = 0; i < frames; i++) {
        int sum = 0;
        for (int c = 0; c < channels; c++)
            sum += samples[i * (size_t)channels + (size_t)c];
        double v = (double)sum / channels;
        m->hop_energy += v * v;
        if (++m->hop_fill == m->hop) {
            int res = hop_complete(m);
            if (res < 0)
                return res;
        }
    }
    return 0;
}

int tk_mouth_finish(TkMouth *m)
{
    int res = 0;
    if (m->have_prev)
        res = emit(m, m->prev_energy + m->hop_energy, m->hop + m->hop_fill);
    if (res == 0 && m->hop_fill > 0)
        res = emit(m, m->hop_energy, m->hop_fill);
    m->have_prev = 0;
    m->hop_fill = 0;
    m->hop_energy = 0.0;
    return res;
}

int tk_mouth_at_frame(const TkMouth *m, int64_t frame)
{
    if (frame < 0)
        return 0;
    int64_t hop = frame / m->hop;
    return hop < m->count ? m->values[hop] : 0;
}

int tk_mouth_at(const TkMouth *m, int64_t t_ms)
{
    if (t_ms < 0)
        return 0;
    return tk_mouth_at_frame(m, t_ms * m->rate / 1000);
}

int64_t tk_mouth_hops(const TkMouth *m)
{
    return m->count;
}

int tk_mouth_hop_frames(const TkMouth *m)
{
    return m->hop;
}
