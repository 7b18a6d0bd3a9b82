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

void tk_encoder_order(int cpu_device, const TkEncoderBackend **order)
{
    int n = 0;
    if (cpu_device)
        order[n++] = &tk_encoder_lavc;
    for (int i = 0; backends[i] && n < TK_ENCODER_MAX_BACKENDS; i++)
        if (!(cpu_device && backends[i] == &tk_encoder_lavc))
            order[n++] = backends[i];
    order[n] = NULL;
}
