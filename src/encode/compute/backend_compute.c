/*
 * The "compute" encoder backend: talkie's own H.264 encoder in Vulkan compute shaders.
 * First stage: it reports itself unsupported so "auto" falls through to the next backend;
 * the real backend (analyse + CAVLC + pack kernels on the frame's GPU buffer) replaces this.
 */
#include <stddef.h>

#include "encode/backend.h"

static int compute_probe(const TkEncoderParams *params)
{
    (void)params;
    return TALKIE_ERROR_UNSUPPORTED;
}

static int compute_open(void **ctx, const TkEncoderParams *params)
{
    (void)params;
    *ctx = NULL;
    return TALKIE_ERROR_UNSUPPORTED;
}

static int compute_submit(void *ctx, const TkEncoderFrame *frame)
{
    (void)ctx;
    (void)frame;
    return TALKIE_ERROR_UNSUPPORTED;
}

static int compute_receive(void *ctx, TalkiePacket *pkt)
{
    (void)ctx;
    (void)pkt;
    return TALKIE_ERROR_UNSUPPORTED;
}

static int compute_flush(void *ctx)
{
    (void)ctx;
    return TALKIE_ERROR_UNSUPPORTED;
}

static void compute_close(void **ctx)
{
    if (ctx)
        *ctx = NULL;
}

const TkEncoderBackend tk_encoder_compute = {
    .name = "compute",
    .id = TALKIE_ENCODER_COMPUTE,
    .needs_host_frame = 0,
    .probe = compute_probe,
    .open = compute_open,
    .submit = compute_submit,
    .receive = compute_receive,
    .flush = compute_flush,
    .close = compute_close,
};
