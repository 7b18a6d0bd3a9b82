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
/** End of stream, after talkie_session_flush() once every packet was returned. */
#define TALKIE_EOF TALKIE_ERR(EPIPE)

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
};

/** A short English description of any value a talkie function returns; never NULL. */
const char *talkie_strerror(int err);
/** The symbolic name of an error ("EINVAL", "TALKIE_ERROR_VULKAN"); never NULL. */
const char *talkie_error_name(int err);

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
    TalkieLogLevel log_level; ///< most verbose level passed to log_callback (default WARNING)
    TalkieLogCallback log_callback; ///< NULL: log to stderr (default NULL)
    void *log_opaque;         ///< passed to log_callback (default NULL)
    uint8_t reserved[64];     ///< zero; room to grow without breaking the ABI
} TalkieSettings;

/** Fills `s` with the library's defaults. Call it before setting any field. */
void talkie_default_settings(TalkieSettings *s);

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

typedef struct TalkieSession TalkieSession;

/**
 * Opens a session: picks the device, builds the renderer and the encoder backend.
 * On success *out owns a session that talkie_session_close() frees; on failure *out is NULL.
 * Errors: TALKIE_ERR(EINVAL) for bad settings (the log says which), TALKIE_ERR(ENOMEM),
 * TALKIE_ERROR_NO_DEVICE, TALKIE_ERROR_VULKAN, TALKIE_ERROR_FONT, TALKIE_ERROR_UNSUPPORTED
 * (the requested encoder is not available), TALKIE_ERROR_ENCODER.
 */
int talkie_session_open(TalkieSession **out, const TalkieSettings *settings);

/** Frees the session and sets *s to NULL; NULL or *s == NULL is allowed. */
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
 * Renders the conversation at frame `frame_index` (time = index * fps_den / fps_num) and
 * sends it to the encoder. Frame indices must increase.
 * Returns 0 when the frame was taken, TALKIE_ERR(EAGAIN) when packets must be drained with
 * talkie_session_get_packet() first (nothing was taken), TALKIE_ERR(EINVAL) for an index not
 * above the previous one or after flush, or an encoder/Vulkan error.
 */
int talkie_session_send_frame(TalkieSession *s, int64_t frame_index);

/** Ends the input: every frame sent will come out of get_packet, then TALKIE_EOF. */
int talkie_session_flush(TalkieSession *s);

typedef struct TalkiePacket {
    uint8_t *data;            ///< Annex B H.264 access unit (start codes, SPS/PPS on keyframes)
    size_t size;
    int64_t pts;              ///< presentation time in frames (the frame_index sent)
    int64_t dts;              ///< decode time in frames
    int keyframe;             ///< 1 for an IDR access unit
    void *priv;               ///< owned by the library
} TalkiePacket;

/**
 * Returns the next encoded packet. On 0 the caller owns *pkt and releases it with
 * talkie_packet_unref(). TALKIE_ERR(EAGAIN): send more frames first. TALKIE_EOF: flushed and
 * drained. Other negative values are errors.
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
 * *out is NULL on failure.
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
