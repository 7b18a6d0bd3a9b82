/* The library's small global answers: version, default settings, backends, devices. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "encode/auto_probe.h"
#include "encode/backend.h"
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
    s->compute_p_frames = 0;
    s->device_index = -1;
    s->max_frames_in_flight = 4;
    s->log_level = TALKIE_LOG_WARNING;
    s->audio_codec = TALKIE_AUDIO_AUTO;
    s->audio_sample_rate = 48000;
    s->audio_channels = 1;
    s->audio_bitrate_bps = 0;
    s->slice_mb_rows = 0;
    s->text_qp_offset = TALKIE_TEXT_QP_OFFSET_DEFAULT;
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

/* The choice TALKIE_ENCODER_AUTO makes on device `index` (session.c's open_encoder tries the
 * backends in tk_encoder_order, the context's choice first, and takes the first that opens).
 * A CPU device is opened and measured as a context does it (auto_probe.h): the result is the
 * same rule on the same figures, give or take the noise the margin absorbs. */
static void auto_choice(TalkieDeviceInfo *d, int index)
{
    int x264 = tk_encoder_lavc.probe(&(TkEncoderParams){ .fps_num = 1 }) == 0;
    if (d->type == 4 && d->can_compute) {
        TkLog log = { .max_level = TALKIE_LOG_ERROR };
        TkVkDeviceParams params = { .device_index = index, .log = &log };
        TkVkDevice *vk = NULL;
        if (tk_vk_device_open(&vk, &params) >= 0) {
            TkAutoChoice c;
            tk_encoder_auto_measure(vk, &log, &c);
            tk_vk_device_close(&vk);
            d->auto_encoder = c.encoder;
            snprintf(d->auto_reason, sizeof(d->auto_reason), "%s", c.reason);
            return;
        }
        /* cannot measure: the CPU encoder, as before measuring existed */
    }
    if (d->type == 4 && x264) {
        d->auto_encoder = TALKIE_ENCODER_LAVC;
        snprintf(d->auto_reason, sizeof(d->auto_reason),
                 "a CPU device that could not be measured: x264");
    } else if (d->can_compute) {
        d->auto_encoder = TALKIE_ENCODER_COMPUTE;
        snprintf(d->auto_reason, sizeof(d->auto_reason),
                 "a GPU with compute: talkie's encoder runs on it%s",
                 d->can_encode_h264 ? " (Vulkan Video encode is not written yet)" : "");
    } else if (x264) {
        d->auto_encoder = TALKIE_ENCODER_LAVC;
        snprintf(d->auto_reason, sizeof(d->auto_reason), "no usable compute queue: x264");
    } else {
        d->auto_encoder = TALKIE_ENCODER_AUTO;
        snprintf(d->auto_reason, sizeof(d->auto_reason), "no encoder can run here");
    }
}

int talkie_list_devices(TalkieDeviceInfo *infos, int capacity)
{
    if (capacity < 0 || (capacity > 0 && !infos))
        return TALKIE_ERR(EINVAL);
    TkLog log = { .max_level = TALKIE_LOG_ERROR };
    int n = tk_vk_list_devices(infos, capacity, &log);
    for (int i = 0; i < n && i < capacity; i++)
        auto_choice(&infos[i], i);
    return n;
}

