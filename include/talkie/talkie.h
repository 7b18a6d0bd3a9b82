/*
 * talkie: turns a live conversation into H.264 video, rendered and encoded on the GPU.
 *
 * The public API. Shape (after dav1d):
 *   - an opaque TalkieSession built from a TalkieSettings whose defaults come from
 *     talkie_default_settings();
 *   - every function that can fail returns 0 or a negative errno value (TALKIE_ERR(EINVAL),
 *     ...) or one of talkie's own codes (TALKIE_ERROR_*); talkie_strerror() names any of them;
 *   - ownership is stated per function.
 *
 * Many sessions share one GPU through a TalkieContext (device, compiled kernels, an engine
 * that gathers the frames of all its sessions into few GPU submissions). A session opened
 * without a context makes a private one. send_frame never waits for the GPU: it queues the
 * frame, and the packet comes out of get_packet once it is encoded; a callback and a
 * pollable file descriptor say when (see "Thread rules" below).
 *
 * Usage (error handling shortened):
 *
 *     TalkieSettings s;
 *     talkie_default_settings(&s);
 *     s.width = 320; s.height = 240;
 *     TalkieSession *ts;
 *     if (talkie_session_open(&ts, &s) < 0) ...;
 *     TalkieTurn turn = { .speaker = "Ada", .text = "Hello!", .start_ms = 0, .duration_ms = 1500 };
 *     talkie_session_say(ts, &turn);
 *
 *     TalkieOutput *out;
 *     talkie_output_open(&out, ts, "out.mp4", NULL);
 *     for (int64_t frame = 0; frame < n_frames; frame++) {
 *         int res;
 *         while ((res = talkie_session_send_frame(ts, frame)) == TALKIE_ERR(EAGAIN))
 *             drain(ts, out);               // get_packet until EAGAIN, write each packet
 *         if (res < 0) ...;
 *         drain(ts, out);
 *     }
 *     talkie_session_flush(ts);
 *     TalkiePacket pkt;
 *     while (talkie_session_get_packet(ts, &pkt) == 0) {  // until TALKIE_ERR(EOF)... see below
 *         talkie_output_write(out, &pkt);
 *         talkie_packet_unref(&pkt);
 *     }
 *     talkie_output_close(&out);            // finishes the file; 0 means it is complete
 *     talkie_session_close(&ts);
 */
#ifndef TALKIE_TALKIE_H
#define TALKIE_TALKIE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TALKIE_VERSION_MAJOR 0
#define TALKIE_VERSION_MINOR 1
#define TALKIE_VERSION_PATCH 0

/** The library's version as "major.minor.patch"; a static string. */
const char *talkie_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Errors */

/** Negative errno, as returned by every function: TALKIE_ERR(EAGAIN). */
#define TALKIE_ERR(e) (-(e))
/** End of stream, after talkie_session_flush() once every packet was returned. Not an errno
 *  value, so that a real EPIPE (a closed pipe) is never mistaken for it. */
#define TALKIE_EOF (-1100)

/**
 * talkie's own error codes, below every errno value. Values are stable.
 */
enum {
    TALKIE_ERROR_VULKAN = -1000,        ///< a Vulkan call failed (the log names the VkResult)
    TALKIE_ERROR_NO_DEVICE = -1001,     ///< no Vulkan device matches the request
    TALKIE_ERROR_UNSUPPORTED = -1002,   ///< the device or build cannot do what was asked
    TALKIE_ERROR_ENCODER = -1003,       ///< the encoder backend failed
    TALKIE_ERROR_MUXER = -1004,         ///< the container library failed
    TALKIE_ERROR_FONT = -1005,          ///< no usable font was found
    TALKIE_ERROR_VALIDATION = -1006,    ///< the Vulkan validation layer reported an error
    TALKIE_ERROR_DEVICE_LOST = -1007,   ///< the GPU was lost; every session of its context
                                        ///< returns this from then on
};

/** A short English description of any value a talkie function returns; never NULL. */
const char *talkie_strerror(int err);
/** The symbolic name of an error ("EINVAL", "TALKIE_ERROR_VULKAN"); never NULL. */
const char *talkie_error_name(int err);

/* ---------------------------------------------------------------------------------------- */
/* Thread rules
 *
 * - A TalkieContext may be used from any thread; its sessions may be opened and closed on
 *   different threads at once. talkie_context_close() may come before or after the close of
 *   its sessions: the context lives until its last session is closed.
 * - talkie_session_say(), talkie_session_request_keyframe(), talkie_session_set_bitrate()
 *   and the getters are safe from any thread at any time, also while frames are produced.
 * - talkie_session_send_frame(), talkie_session_flush() and talkie_session_get_packet() may
 *   be called from any thread, but not concurrently for one session (the caller serialises
 *   them, as one producer/consumer loop does naturally).
 * - talkie_session_close() must not race with any other call on the same session.
 * - TalkieSettings.packet_callback runs on a talkie thread (never the caller's); it may call
 *   get_packet, send_frame and say of any session, and must return quickly (it delays the
 *   other sessions of the context while it runs).
 * - TalkieOutput objects are used from one thread at a time.
 */

/* ---------------------------------------------------------------------------------------- */
/* Settings */

typedef enum TalkieEncoder {
    TALKIE_ENCODER_AUTO = 0,     ///< the best backend the device offers: vkvideo, compute, lavc
    TALKIE_ENCODER_COMPUTE = 1,  ///< talkie's H.264 encoder in Vulkan compute shaders
    TALKIE_ENCODER_VKVIDEO = 2,  ///< Vulkan Video encode (VK_KHR_video_encode_h264)
    TALKIE_ENCODER_LAVC = 3,     ///< libavcodec (libx264 on the CPU)
} TalkieEncoder;

typedef enum TalkieLogLevel {
    TALKIE_LOG_ERROR = 0,
    TALKIE_LOG_WARNING = 1,
    TALKIE_LOG_INFO = 2,
    TALKIE_LOG_DEBUG = 3,
} TalkieLogLevel;

/** Receives every log line of a session. `msg` has no trailing newline. */
typedef void (*TalkieLogCallback)(void *opaque, TalkieLogLevel level, const char *msg);

typedef struct TalkieSession TalkieSession;
typedef struct TalkieContext TalkieContext;

/** Says that `s` has something for talkie_session_get_packet(): a packet, the end of the
 *  stream or an error. Runs on a talkie thread (see "Thread rules"). */
typedef void (*TalkiePacketCallback)(void *opaque, TalkieSession *s);

typedef struct TalkieSettings {
    int width;                ///< frame width in pixels, even, 16..4096 (default 320)
    int height;               ///< frame height in pixels, even, 16..4096 (default 240)
    int fps_num;              ///< frame rate numerator (default 30)
    int fps_den;              ///< frame rate denominator (default 1)
    TalkieEncoder encoder;    ///< which backend encodes (default TALKIE_ENCODER_AUTO)
    int qp;                   ///< constant QP 0..51, or -1 to use bitrate_bps (default 26)
    int64_t bitrate_bps;      ///< target bitrate when qp is -1 (default 0: unused)
    int keyint;               ///< frames between IDR frames; 0 = fps_num/fps_den*2 (default 0)
    int device_index;         ///< Vulkan device to use, -1 = pick the best (default -1)
    const char *device_name;  ///< or: first device whose name contains this (default NULL)
    int validation;           ///< 1: enable the Vulkan validation layer; env
                              ///< TALKIE_VALIDATION=1 also does (default 0)
    const char *font_path;    ///< a font file; NULL: fontconfig's "DejaVu Sans" (default NULL)
    TalkieContext *context;   ///< the context to open on; NULL: a private one made from
                              ///< device_index, device_name and validation (default NULL)
    int max_frames_in_flight; ///< frames sent and not yet taken with get_packet before
                              ///< send_frame answers EAGAIN, 1..64 (default 4)
    TalkiePacketCallback packet_callback; ///< NULL: none; poll talkie_session_event_fd() or
                              ///< call get_packet (default NULL)
    void *packet_opaque;      ///< passed to packet_callback (default NULL)
    TalkieLogLevel log_level; ///< most verbose level passed to log_callback (default WARNING)
    TalkieLogCallback log_callback; ///< NULL: log to stderr (default NULL)
    void *log_opaque;         ///< passed to log_callback (default NULL)
    uint8_t reserved[64];     ///< zero; room to grow without breaking the ABI
} TalkieSettings;

/** Fills `s` with the library's defaults. Call it before setting any field. NULL is
 *  ignored. */
void talkie_default_settings(TalkieSettings *s);

/* ---------------------------------------------------------------------------------------- */
/* Context: the device and engine that sessions share */

typedef struct TalkieContextSettings {
    int device_index;         ///< Vulkan device to use, -1 = pick the best (default -1)
    const char *device_name;  ///< or: first device whose name contains this (default NULL)
    int validation;           ///< 1: enable the Vulkan validation layer; env
                              ///< TALKIE_VALIDATION=1 also does (default 0)
    const char *pipeline_cache_path; ///< file of compiled kernels: read at open when it suits
                              ///< the device and driver, written at close, so a restarted
                              ///< process does not compile again; NULL: none (default NULL)
    int max_batch_frames;     ///< most frames (of different sessions) rendered and encoded
                              ///< in one GPU submission, 1..1024 (default 64)
    int cpu_threads;          ///< threads that run CPU encoders (lavc) of the context's
                              ///< sessions; 0: one per core (default 0)
    TalkieLogLevel log_level; ///< most verbose level passed to log_callback (default WARNING)
    TalkieLogCallback log_callback; ///< NULL: log to stderr (default NULL)
    void *log_opaque;         ///< passed to log_callback (default NULL)
    uint8_t reserved[64];     ///< zero; room to grow without breaking the ABI
} TalkieContextSettings;

/** Fills `s` with the library's defaults; NULL is ignored. */
void talkie_default_context_settings(TalkieContextSettings *s);

/**
 * Opens the device, compiles (or loads) the kernels and starts the engine thread.
 * On success *out owns a context; on failure *out is NULL.
 * Errors: TALKIE_ERR(EINVAL), TALKIE_ERR(ENOMEM), TALKIE_ERROR_NO_DEVICE, TALKIE_ERROR_VULKAN.
 */
int talkie_context_open(TalkieContext **out, const TalkieContextSettings *settings);

/** What a context has done so far, for monitoring (and tests). */
typedef struct TalkieContextStats {
    int64_t sessions_opened;      ///< sessions opened on it since it was opened
    int64_t kernels_compiled;     ///< compute pipelines built (each kernel once per context)
    int64_t pipeline_cache_loaded;///< 1: the pipeline cache file was used
    int64_t submissions;          ///< GPU submissions by the engine
    int64_t frames;               ///< frames rendered (and encoded) in them
    uint8_t reserved[64];
} TalkieContextStats;

/** Fills `st`. Errors: TALKIE_ERR(EINVAL) for NULL. */
int talkie_context_stats(const TalkieContext *c, TalkieContextStats *st);

/** Drops the caller's reference and sets *c to NULL; the context ends (saving the pipeline
 *  cache) once its last session is closed. NULL or *c == NULL is allowed. */
void talkie_context_close(TalkieContext **c);

/* ---------------------------------------------------------------------------------------- */
/* Devices */

typedef struct TalkieDeviceInfo {
    char name[256];           ///< as the driver reports it
    char driver[256];         ///< driver name and version
    uint32_t vendor_id, device_id;
    uint32_t api_version;     ///< VK_MAKE_API_VERSION layout
    int type;                 ///< 0 other, 1 integrated, 2 discrete, 3 virtual, 4 cpu
    int can_compute;          ///< has a compute queue (all talkie needs)
    int can_encode_h264;      ///< exposes VK_KHR_video_encode_queue + h264
    int can_decode_h264;      ///< exposes VK_KHR_video_decode_h264
    int can_decode_h265;      ///< exposes VK_KHR_video_decode_h265
    uint32_t subgroup_size;
    uint32_t max_shared_memory_bytes;
} TalkieDeviceInfo;

/**
 * Lists the Vulkan devices. On success returns how many exist (0 is possible) and writes at
 * most `capacity` of them to `infos` (which may be NULL when capacity is 0). Errors: a
 * negative value (TALKIE_ERROR_VULKAN when no Vulkan loader/driver works).
 */
int talkie_list_devices(TalkieDeviceInfo *infos, int capacity);

/** Name of a backend ("compute", "vkvideo", "lavc", "auto"); NULL for an unknown value. */
const char *talkie_encoder_name(TalkieEncoder e);

/* ---------------------------------------------------------------------------------------- */
/* Session */

/**
 * Opens a session on settings->context (or a private context): builds the renderer and the
 * encoder backend. On a context that already has a session this takes milliseconds: the
 * device and the kernels are the context's.
 * On success *out owns a session that talkie_session_close() frees; on failure *out is NULL.
 * Errors: TALKIE_ERR(EINVAL) for bad settings (the log says which), TALKIE_ERR(ENOMEM),
 * TALKIE_ERROR_NO_DEVICE, TALKIE_ERROR_VULKAN, TALKIE_ERROR_FONT, TALKIE_ERROR_UNSUPPORTED
 * (the requested encoder is not available), TALKIE_ERROR_ENCODER.
 */
int talkie_session_open(TalkieSession **out, const TalkieSettings *settings);

/** Frees the session and sets *s to NULL; NULL or *s == NULL is allowed. A frame of it that
 *  is on the GPU is finished first (other sessions' frames are not disturbed); packets not
 *  taken are dropped. No packet_callback for it runs after this returns. */
void talkie_session_close(TalkieSession **s);

/** The backend actually in use (never TALKIE_ENCODER_AUTO). */
TalkieEncoder talkie_session_encoder(const TalkieSession *s);

/** The latest start_ms of a turn: a year of conversation (366 days). */
#define TALKIE_TURN_MAX_START_MS ((int64_t)366 * 24 * 3600 * 1000)
/** The longest duration_ms of a turn: an hour-long line. */
#define TALKIE_TURN_MAX_DURATION_MS ((int64_t)3600 * 1000)

/** One turn of the conversation. The library copies what it needs. */
typedef struct TalkieTurn {
    const char *speaker;      ///< UTF-8 name, 1..64 bytes
    const char *text;         ///< UTF-8 line, 1..4096 bytes
    int64_t start_ms;         ///< when the line starts, 0..TALKIE_TURN_MAX_START_MS; -1: right
                              ///< after the previous turn ends
    int64_t duration_ms;      ///< how long it is spoken, 1..TALKIE_TURN_MAX_DURATION_MS; -1:
                              ///< estimated from the text length
} TalkieTurn;

/**
 * Adds a turn. Turns may arrive while frames are being produced (live use); a turn that
 * starts before the last frame already sent is shown from the next frame on.
 * Errors: TALKIE_ERR(EINVAL) for empty or invalid UTF-8 text, names or times out of range.
 */
int talkie_session_say(TalkieSession *s, const TalkieTurn *turn);

/** When the last turn said so far ends, in ms from the start; 0 when nothing was said. */
int64_t talkie_session_end_ms(const TalkieSession *s);

/**
 * Queues the conversation at frame `frame_index` (time = index * fps_den / fps_num) to be
 * rendered and encoded; never waits for the GPU. Frame indices must increase.
 * Returns 0 when the frame was taken, TALKIE_ERR(EAGAIN) when max_frames_in_flight frames
 * are sent and not yet taken: take packets with talkie_session_get_packet() first (nothing
 * was taken), TALKIE_ERR(EINVAL) for an index not above the previous one or after flush, or
 * the session's sticky error (an encoder failure, TALKIE_ERROR_DEVICE_LOST).
 */
int talkie_session_send_frame(TalkieSession *s, int64_t frame_index);

/** send_frame with a pointer of the caller's that comes back in the frame's packet
 *  (TalkiePacket.user_data), to carry timestamps or requests along with a frame. */
int talkie_session_send_frame_user(TalkieSession *s, int64_t frame_index, void *user_data);

/** Layouts of caller-made pictures (8-bit 4:2:0, BT.709 limited range as talkie draws). */
typedef enum TalkiePixelFormat {
    TALKIE_PIXEL_YUV420P = 0, ///< planes Y, U, V
    TALKIE_PIXEL_NV12 = 1,    ///< planes Y, interleaved UV
} TalkiePixelFormat;

/** A picture of the session's width x height made by the caller. */
typedef struct TalkieImage {
    TalkiePixelFormat format;
    const uint8_t *planes[3]; ///< the planes in the order the format names them
    int strides[3];           ///< bytes from one row of a plane to the next, >= its width
} TalkieImage;

/**
 * Encodes `image` as frame `frame_index` instead of the rendered conversation (talkie as an
 * encoder of any video: `talkie encode`). The image is copied before this returns. Same
 * contract as talkie_session_send_frame_user(); frames of both kinds may be mixed.
 * Errors: TALKIE_ERR(EINVAL) for NULL, an unknown format, missing planes or strides below
 * the width; TALKIE_ERR(ENOMEM); as send_frame otherwise.
 */
int talkie_session_send_image(TalkieSession *s, int64_t frame_index, const TalkieImage *image,
                              void *user_data);

/** Ends the input: every frame sent will come out of get_packet, then TALKIE_EOF.
 *  Errors: TALKIE_ERR(EINVAL) for NULL. A second flush does nothing. */
int talkie_session_flush(TalkieSession *s);

/** The next frame sent is coded as an IDR access unit (with SPS and PPS), for a new viewer
 *  or after a loss. Errors: TALKIE_ERR(EINVAL) for NULL or after flush. */
int talkie_session_request_keyframe(TalkieSession *s);

/** Sets the target bitrate from the next frame sent on (the session then runs by bitrate).
 *  Errors: TALKIE_ERR(EINVAL) for NULL, after flush, or a bitrate outside
 *  TALKIE_BITRATE_MIN_BPS..TALKIE_BITRATE_MAX_BPS; TALKIE_ERROR_UNSUPPORTED for a lavc
 *  session opened at a constant QP (libx264 cannot switch its rate control method). */
int talkie_session_set_bitrate(TalkieSession *s, int64_t bitrate_bps);
#define TALKIE_BITRATE_MIN_BPS 8000
#define TALKIE_BITRATE_MAX_BPS 200000000

/** What players and muxers need to know before the first packet. */
typedef struct TalkieStreamInfo {
    int width, height;        ///< visible size
    int fps_num, fps_den;
    int profile_idc;          ///< 66: (Constrained) Baseline
    int constraint_flags;     ///< the SPS byte after profile_idc (constraint_set0..5 flags)
    int level_idc;            ///< 10 = level 1.0 ... 52 = 5.2
    char codec[32];           ///< RFC 6381 codec string, "avc1.42C01E"
    uint8_t sps[256];         ///< the sequence parameter set NAL unit (no start code)
    size_t sps_size;
    uint8_t pps[64];          ///< the picture parameter set NAL unit (no start code)
    size_t pps_size;
    uint8_t reserved[64];
} TalkieStreamInfo;

/** Fills `info`. Errors: TALKIE_ERR(EINVAL) for NULL arguments. */
int talkie_session_stream_info(const TalkieSession *s, TalkieStreamInfo *info);

/**
 * A file descriptor that is readable while talkie_session_get_packet() has something to
 * return (a packet, the end of the stream or an error), for poll/epoll/libuv loops; it may
 * also wake once with nothing new. Owned by the session: do not read or close it. -1 for
 * NULL.
 */
int talkie_session_event_fd(const TalkieSession *s);

typedef struct TalkiePacket {
    uint8_t *data;            ///< Annex B H.264 access unit (start codes, SPS/PPS on keyframes)
    size_t size;
    int64_t pts;              ///< presentation time in frames (the frame_index sent)
    int64_t dts;              ///< decode time in frames
    int keyframe;             ///< 1 for an IDR access unit
    void *user_data;          ///< as given to talkie_session_send_frame_user(), else NULL
    void *priv;               ///< owned by the library
} TalkiePacket;

/**
 * Returns the next encoded packet. On 0 the caller owns *pkt and releases it with
 * talkie_packet_unref(). Waits for the GPU only when the caller cannot send more
 * (max_frames_in_flight reached, or after flush): then the next packet is on its way.
 * TALKIE_ERR(EAGAIN): nothing is ready yet and more frames may be sent (poll the event fd
 * or wait for the callback). TALKIE_EOF: flushed and drained. Other negative values are
 * errors; an encoder or device error is returned after the packets made before it.
 */
int talkie_session_get_packet(TalkieSession *s, TalkiePacket *pkt);

/** Frees what a packet owns and zeroes it; safe on a zeroed packet. */
void talkie_packet_unref(TalkiePacket *pkt);

/* ---------------------------------------------------------------------------------------- */
/* Output: writes a session's packets to a file, stdout or (later) a live destination. */

typedef struct TalkieOutput TalkieOutput;

/**
 * Opens `path` for the session's packets. `format` is NULL to guess from the name
 * (".mp4" MP4 with faststart, ".h264"/".264" Annex B, ".ts" MPEG-TS) or one of "mp4",
 * "h264", "mpegts". "-" writes to stdout (Annex B unless format says "mpegts").
 * What is at `path` decides how it is written:
 * - nothing, or a regular file: the video is written to "<path>.partial-<pid>" (created
 *   exclusively, never through a link planted under that name) and only renamed to `path` by
 *   a successful talkie_output_close(), so a failed or interrupted render never leaves a file
 *   that looks complete; abort and failures remove that partial file;
 * - a symbolic link to a regular file: the same beside the link's target (the partial file is
 *   "<target>.partial-<pid>", with every link resolved); the target is replaced, the link
 *   stays a link;
 * - a character device or a FIFO, directly or through a link (/dev/null, /dev/stdout): written
 *   in place, never created, renamed or removed; opening a FIFO waits for a reader. MP4 is
 *   refused there (TALKIE_ERR(EINVAL)): it must be rewritten when finished;
 * - a directory (TALKIE_ERR(EISDIR)), a link that leads nowhere (TALKIE_ERR(ENOENT)), a block
 *   device or a socket (TALKIE_ERR(EINVAL)): refused.
 * *out is NULL on failure. The output logs through the session's log callback (libavformat's
 * messages too): close or abort it before closing the session.
 * Errors: TALKIE_ERR(EINVAL) (unknown format), TALKIE_ERR(EACCES)/ENOENT/... (cannot
 * create the file), TALKIE_ERROR_MUXER.
 */
int talkie_output_open(TalkieOutput **out, const TalkieSession *s, const char *path,
                       const char *format);

/** Writes one packet; the caller keeps ownership of pkt. */
int talkie_output_write(TalkieOutput *out, const TalkiePacket *pkt);

/**
 * Finishes the container (trailer, faststart), renames the file into place, frees *out and
 * sets it to NULL. A negative return means the output is not valid and was removed.
 */
int talkie_output_close(TalkieOutput **out);

/** Frees *out without finishing: the partial file is removed. */
void talkie_output_abort(TalkieOutput **out);

#ifdef __cplusplus
}
#endif

#endif /* TALKIE_TALKIE_H */
