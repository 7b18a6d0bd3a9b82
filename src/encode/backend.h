/*
 * The interface every H.264 encoder backend implements (compute, vkvideo, lavc), so the
 * session picks one at run time and treats them alike.
 *
 * Contract (the same send/receive shape as the public API):
 *   submit()  takes one rendered frame; TALKIE_ERR(EAGAIN) means "receive first", and then
 *             nothing was taken.
 *   receive() returns the next packet (the caller owns pkt->data, freed with free()),
 *             TALKIE_ERR(EAGAIN) when it needs more input, TALKIE_EOF after flush() once
 *             everything came out.
 * Packets are Annex B access units; keyframes carry SPS and PPS in-band.
 */
#ifndef TALKIE_ENCODE_BACKEND_H
#define TALKIE_ENCODE_BACKEND_H

#include <stdint.h>

#include "common/frame.h"
#include "common/log.h"
#include "talkie/talkie.h"

struct TkVkDevice;
struct TkVkBuffer;

typedef struct TkEncoderParams {
    TkFrameLayout layout;
    int fps_num, fps_den;
    int qp;                   /* 0..51, or -1: bitrate_bps */
    int64_t bitrate_bps;
    int keyint;               /* frames between IDRs, >= 1 */
    struct TkVkDevice *vk;    /* the session's device (NULL only in CPU-only tests) */
    const TkLog *log;
} TkEncoderParams;

/* One rendered NV12 frame (layout as in common/frame.h). */
typedef struct TkEncoderFrame {
    const struct TkVkBuffer *gpu; /* the image on the device, NULL in CPU-only tests */
    const uint8_t *host;          /* a host view of the same image when it is mapped, or NULL */
    int64_t pts;                  /* frame index */
} TkEncoderFrame;

typedef struct TkEncoderBackend {
    const char *name;
    TalkieEncoder id;
    int needs_host_frame;     /* 1: submit() reads frame->host, so render to mapped memory */
    /* 0 when this backend can run with these params on params->vk, else a negative reason
     * (TALKIE_ERROR_UNSUPPORTED mostly). Must be cheap and must not log errors. */
    int (*probe)(const TkEncoderParams *params);
    int (*open)(void **ctx, const TkEncoderParams *params);
    int (*submit)(void *ctx, const TkEncoderFrame *frame);
    int (*receive)(void *ctx, TalkiePacket *pkt);
    int (*flush)(void *ctx);
    void (*close)(void **ctx);  /* frees a partly opened ctx too; sets *ctx to NULL */
} TkEncoderBackend;

extern const TkEncoderBackend tk_encoder_lavc;
extern const TkEncoderBackend tk_encoder_compute;

#define TK_ENCODER_MAX_BACKENDS 4

const TkEncoderBackend *tk_encoder_find(TalkieEncoder id);
/* Every backend, NULL-terminated, in the order "auto" tries them on a GPU. */
const TkEncoderBackend *const *tk_encoder_list(void);
/* Fills order[] (TK_ENCODER_MAX_BACKENDS + 1 entries, NULL-terminated) with the order "auto"
 * tries the backends in: on a CPU device (lavapipe) the GPU encoders only emulate a GPU on
 * the same cores and are far slower than x264, so the CPU encoder comes first there. */
void tk_encoder_order(int cpu_device, const TkEncoderBackend **order);

#endif
