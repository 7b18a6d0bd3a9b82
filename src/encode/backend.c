#include <stddef.h>

#include "encode/backend.h"

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
