/*
 * The interface every H.264 encoder backend implements (compute, vkvideo, lavc), so the
 * session picks one at run time and the engine drives them alike.
 *
 * A backend runs in one of two ways, and the engine uses the first it offers:
 *   GPU stage (record/collect): record() records one frame of each of n encoders (different
 *             sessions) into a command buffer the engine has begun, after the engine's
 *             render of those frames; the engine submits it with other work, and once that
 *             submission completed, collect() turns the results into packets. Nothing
 *             waits inside these calls. collect() may send a frame back instead of a packet
 *             (TkEncoderJob.again: the rate control wants it coded again, smaller): the
 *             caller then records that same job again, with nothing rendered into its
 *             frame, in a later submission, before any later frame of that encoder, until
 *             collect() gives its packet or an error (see TkEncoderJob).
 *   CPU stage (submit/receive/flush): the engine reads the rendered frame back to host
 *             memory and calls these on a worker thread. submit() takes one frame;
 *             TALKIE_ERR(EAGAIN) means "receive first", and then nothing was taken.
 *             receive() returns the next packet (the caller owns pkt->data, freed with
 *             free()), TALKIE_ERR(EAGAIN) when it needs more input, TALKIE_EOF after flush()
 *             once everything came out. The compute backend offers this way too, for tests.
 * Packets are Annex B access units; keyframes carry SPS and PPS in-band.
 *
 * device_requirements() is asked before the context creates its device (a Vulkan Video
 * backend needs extensions and a video queue family that must be enabled at creation).
 * `input` says what a frame must be: a storage buffer on the device (compute), host memory
 * (lavc), or, for a backend still to come, a VkImage.
 */
#ifndef TALKIE_ENCODE_BACKEND_H
#define TALKIE_ENCODE_BACKEND_H

#include <stdint.h>
#include <vulkan/vulkan.h>

#include "common/frame.h"
#include "common/log.h"
#include "talkie/talkie.h"

struct TkVkDevice;
struct TkVkBuffer;
struct TkVkCmd;

/* What a backend needs of the device, merged over all backends before device creation. */
#define TK_ENCODER_MAX_DEVICE_EXTENSIONS 8
typedef struct TkEncoderDeviceRequirements {
    const char *optional_extensions[TK_ENCODER_MAX_DEVICE_EXTENSIONS]; /* enabled where offered */
    int n_optional_extensions;
    VkQueueFlags extra_queue_flags; /* a queue family with these is opened too, where offered
                                       (VK_QUEUE_VIDEO_ENCODE_BIT_KHR) */
} TkEncoderDeviceRequirements;

typedef enum TkEncoderInput {
    TK_ENCODER_INPUT_BUFFER = 0, /* TkEncoderFrame.gpu: NV12 in a storage buffer */
    TK_ENCODER_INPUT_HOST = 1,   /* TkEncoderFrame.host: NV12 in mapped host memory */
    TK_ENCODER_INPUT_IMAGE = 2,  /* a VkImage (Vulkan Video); no backend uses it yet */
} TkEncoderInput;

typedef struct TkEncoderParams {
    TkFrameLayout layout;
    int fps_num, fps_den;
    int qp;                   /* 0..51, or -1: bitrate_bps */
    int64_t bitrate_bps;
    int keyint;               /* frames between IDRs, >= 1 */
    int slice_mb_rows;        /* macroblock rows a slice (compute); 0: the backend's default */
    int p_frames;             /* compute: 1 codes P frames between IDRs where it can */
    int text_qp_offset;       /* TALKIE_TEXT_QP_OFFSET_MIN..0: the QP offset of macroblocks a
                                 frame's text_map marks (TalkieSettings.text_qp_offset) */
    int intra_refresh;        /* 0, or frames a periodic intra refresh cycle
                                 (TalkieSettings.intra_refresh; compute: with p_frames) */
    struct TkVkDevice *vk;    /* the session's device (NULL only in CPU-only tests) */
    const TkLog *log;
} TkEncoderParams;

/* One rendered NV12 frame (layout as in common/frame.h) and what to do with it. */
typedef struct TkEncoderFrame {
    const struct TkVkBuffer *gpu; /* the image on the device, NULL in CPU-only tests */
    const uint8_t *host;          /* a host view of the same image when it is mapped, or NULL */
    int64_t pts;                  /* frame index */
    int force_idr;                /* 1: code it as an IDR (a keyframe request) */
    int64_t bitrate_bps;          /* > 0: the target bitrate from this frame on */
    const uint8_t *text_map;      /* NULL, or a byte per macroblock (raster order),
                                     TK_TEXT_MAP_TEXT under subtitle text (render/text_map.h),
                                     at least one marked; valid until the frame is encoded
                                     (record, or submit) */
} TkEncoderFrame;

/* One frame of one encoder in a GPU-stage batch.
 *
 * A frame sent back (again = 1 after collect, result 0, no packet): the encoder has taken
 * the picture back and waits to code the same frame once more. The caller keeps the job's
 * frame as it was (frame.gpu still holds the picture: render nothing into it, and keep the
 * encoder's frames in order: no later frame of this encoder may be recorded first) and
 * passes the job with again = 1 to a later record(), in a submission after the one that
 * was collected. A caller that gives up instead (the session closes or failed) just closes
 * the encoder: the backend holds no packet or buffer of the frame sent back. A backend
 * sends a frame back a bounded number of times (compute: TK_RC_MAX_RETRIES).
 *
 * Threads: record() and collect() of one encoder run on different threads (the engine's
 * submit and completion threads) but never at the same time, and never beside submit(),
 * receive(), flush() or close() of that encoder: the caller orders them (the engine's lock
 * and a session's busy state); jobs of different encoders may be recorded and collected
 * side by side. */
typedef struct TkEncoderJob {
    void *encoder;            /* the backend's ctx */
    TkEncoderFrame frame;
    int again;                /* in (record): 1 codes the frame that collect() sent back
                                 again, 0 a new frame; out (collect): 1 when it sends the
                                 frame back (no packet), else 0 */
    TalkiePacket packet;      /* out (collect): the access unit, owned by the caller */
    int result;               /* out: 0 or this frame's error */
} TkEncoderJob;

typedef struct TkEncoderBackend {
    const char *name;
    TalkieEncoder id;
    TkEncoderInput input;
    void (*device_requirements)(TkEncoderDeviceRequirements *req); /* NULL: compute only */
    /* 0 when this backend can run with these params on params->vk, else a negative reason
     * (TALKIE_ERROR_UNSUPPORTED mostly). Must be cheap and must not log errors. */
    int (*probe)(const TkEncoderParams *params);
    int (*open)(void **ctx, const TkEncoderParams *params);
    /* GPU stage; NULL for a CPU backend. record() returns the first error of the batch (each
     * job's own in .result); jobs that failed to record are not collected. A failed record()
     * may be called again with the jobs that did not fail. collect() never waits for the
     * GPU; it returns the first error of the batch (each job's own in .result) and sends
     * frames back with .again (TkEncoderJob). */
    int (*record)(TkEncoderJob *jobs, int n, struct TkVkCmd *cmd);
    int (*collect)(TkEncoderJob *jobs, int n);
    /* CPU stage */
    int (*submit)(void *ctx, const TkEncoderFrame *frame);
    int (*receive)(void *ctx, TalkiePacket *pkt);
    int (*flush)(void *ctx);
    /* SPS and PPS (NAL units without start codes) and the level, as the stream will carry
     * them. */
    int (*stream_info)(void *ctx, TalkieStreamInfo *info);
    /* 1 when a frame's bitrate_bps may change the target; NULL: always. */
    int (*can_set_bitrate)(void *ctx);
    void (*close)(void **ctx);  /* frees a partly opened ctx too; sets *ctx to NULL */
} TkEncoderBackend;

extern const TkEncoderBackend tk_encoder_lavc;
extern const TkEncoderBackend tk_encoder_compute;

#define TK_ENCODER_MAX_BACKENDS 4

const TkEncoderBackend *tk_encoder_find(TalkieEncoder id);
/* Every backend, NULL-terminated, in the order "auto" tries them on a GPU. */
const TkEncoderBackend *const *tk_encoder_list(void);
/* Fills order[] (TK_ENCODER_MAX_BACKENDS + 1 entries, NULL-terminated) with the order "auto"
 * tries the backends in: `first` (the context's choice, tk_context_auto_choice: measured on
 * CPU devices, compute on GPUs), then the others in list order as fallbacks. */
void tk_encoder_order(TalkieEncoder first, const TkEncoderBackend **order);
/* Every backend's device requirements, merged. */
void tk_encoder_device_requirements(TkEncoderDeviceRequirements *req);
/* Fills the fields of `info` that follow from the SPS bytes in it: profile_idc,
 * constraint_flags, level_idc and the codec string. */
void tk_encoder_stream_info_from_sps(TalkieStreamInfo *info);
/* Takes the SPS and PPS out of Annex B parameter sets (as x264 and our access units write
 * them) into `info`, then the fields above. TALKIE_ERROR_ENCODER when one is missing. */
int tk_encoder_stream_info_from_annexb(TalkieStreamInfo *info, const uint8_t *data,
                                       size_t size);

#endif
