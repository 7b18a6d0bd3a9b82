#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "encode/backend.h"
#include "encode/h264/nal.h"

/* Preference order for TALKIE_ENCODER_AUTO: the GPU's own encoder, then ours, then the CPU. */
static const TkEncoderBackend *const backends[] = {
    &tk_encoder_compute,
    &tk_encoder_lavc,
    NULL,
};

const TkEncoderBackend *const *tk_encoder_list(void)
{
    return backends;
}

const TkEncoderBackend *tk_encoder_find(TalkieEncoder id)
{
    for (int i = 0; backends[i]; i++)
        if (backends[i]->id == id)
            return backends[i];
    return NULL;
}

void tk_encoder_order(TalkieEncoder first, const TkEncoderBackend **order)
{
    int n = 0;
    const TkEncoderBackend *f = tk_encoder_find(first);
    if (f)
        order[n++] = f;
    for (int i = 0; backends[i] && n < TK_ENCODER_MAX_BACKENDS; i++)
        if (backends[i] != f)
            order[n++] = backends[i];
    order[n] = NULL;
}

void tk_encoder_device_requirements(TkEncoderDeviceRequirements *req)
{
    memset(req, 0, sizeof(*req));
    for (int i = 0; backends[i]; i++) {
        TkEncoderDeviceRequirements one = { .n_optional_extensions = 0 };
        if (!backends[i]->device_requirements)
            continue;
        backends[i]->device_requirements(&one);
        req->extra_queue_flags |= one.extra_queue_flags;
        for (int e = 0; e < one.n_optional_extensions; e++) {
            int known = 0;
            for (int k = 0; k < req->n_optional_extensions; k++)
                known |= !strcmp(req->optional_extensions[k], one.optional_extensions[e]);
            if (!known && req->n_optional_extensions < TK_ENCODER_MAX_DEVICE_EXTENSIONS)
                req->optional_extensions[req->n_optional_extensions++] =
                    one.optional_extensions[e];
        }
    }
}

void tk_encoder_stream_info_from_sps(TalkieStreamInfo *info)
{
    /* nal header, then profile_idc, the constraint flags byte and level_idc (7.3.2.1.1):
     * fixed-length fields before any emulation prevention can occur. */
    if (info->sps_size < 4) {
        info->codec[0] = 0;
        return;
    }
    info->profile_idc = info->sps[1];
    info->constraint_flags = info->sps[2];
    info->level_idc = info->sps[3];
    snprintf(info->codec, sizeof(info->codec), "avc1.%02X%02X%02X", info->sps[1], info->sps[2],
             info->sps[3]);
}

int tk_encoder_stream_info_from_annexb(TalkieStreamInfo *info, const uint8_t *data,
                                       size_t size)
{
    info->sps_size = info->pps_size = 0;
    size_t start, end, pos = 0;
    while (tk_nal_next(data, size, pos, &start, &end)) {
        pos = end;
        size_t n = end - start;
        int type = n > 0 ? data[start] & 0x1f : 0;
        if (type == 7 && n <= sizeof(info->sps)) {
            memcpy(info->sps, data + start, n);
            info->sps_size = n;
        } else if (type == 8 && n <= sizeof(info->pps)) {
            memcpy(info->pps, data + start, n);
            info->pps_size = n;
        }
    }
    if (!info->sps_size || !info->pps_size)
        return TALKIE_ERROR_ENCODER;
    tk_encoder_stream_info_from_sps(info);
    return 0;
}
