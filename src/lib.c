/* The library's small global answers: version, default settings, backends, devices. */
#include <string.h>

#include "common/log.h"
#include "talkie/talkie.h"
#include "vk/vk.h"

const char *talkie_version(void)
{
    return "0.1.0";
}

void talkie_default_settings(TalkieSettings *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof(*s));
    s->width = 320;
    s->height = 240;
    s->fps_num = 30;
    s->fps_den = 1;
    s->encoder = TALKIE_ENCODER_AUTO;
    s->qp = 26;
    s->bitrate_bps = 0;
    s->keyint = 0;
    s->device_index = -1;
    s->max_frames_in_flight = 4;
    s->log_level = TALKIE_LOG_WARNING;
    s->audio_codec = TALKIE_AUDIO_AUTO;
    s->audio_sample_rate = 48000;
    s->audio_channels = 1;
    s->audio_bitrate_bps = 0;
}

const char *talkie_encoder_name(TalkieEncoder e)
{
    switch (e) {
    case TALKIE_ENCODER_AUTO: return "auto";
    case TALKIE_ENCODER_COMPUTE: return "compute";
    case TALKIE_ENCODER_VKVIDEO: return "vkvideo";
    case TALKIE_ENCODER_LAVC: return "lavc";
    }
    return NULL;
}

int talkie_list_devices(TalkieDeviceInfo *infos, int capacity)
{
    if (capacity < 0 || (capacity > 0 && !infos))
        return TALKIE_ERR(EINVAL);
    TkLog log = { .max_level = TALKIE_LOG_ERROR };
    return tk_vk_list_devices(infos, capacity, &log);
}

