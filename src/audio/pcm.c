/* TkPcm helpers (see pcm.h). */
#include <stdlib.h>
#include <string.h>

#include "audio/pcm.h"
#include "talkie/talkie.h"

int tk_pcm_format_ok(int sample_rate, int channels)
{
    return sample_rate >= TK_AUDIO_MIN_RATE && sample_rate <= TK_AUDIO_MAX_RATE &&
           channels >= 1 && channels <= TK_AUDIO_MAX_CHANNELS;
}

int tk_pcm_append(TkPcm *pcm, const int16_t *samples, size_t frames)
{
    size_t ch = (size_t)pcm->channels;
    if (frames > SIZE_MAX / 4 / ch - pcm->frames)
        return TALKIE_ERR(ENOMEM);
    size_t need = pcm->frames + frames;
    if (need > pcm->cap_frames) {
        size_t cap = pcm->cap_frames ? pcm->cap_frames : 4096;
        while (cap < need)
            cap *= 2;
        int16_t *grown = realloc(pcm->samples, cap * ch * sizeof(int16_t));
        if (!grown)
            return TALKIE_ERR(ENOMEM);
        pcm->samples = grown;
        pcm->cap_frames = cap;
    }
    if (frames)
        memcpy(pcm->samples + pcm->frames * ch, samples, frames * ch * sizeof(int16_t));
    pcm->frames = need;
    return 0;
}

void tk_pcm_free(TkPcm *pcm)
{
    if (!pcm)
        return;
    free(pcm->samples);
    memset(pcm, 0, sizeof(*pcm));
}

int64_t tk_pcm_duration_ms(int64_t frames, int sample_rate)
{
    return (frames * 1000 + sample_rate - 1) / sample_rate;
}
