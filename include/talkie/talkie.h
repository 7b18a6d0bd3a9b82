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
 * - talkie_session_say() and its audio variants (say_audio, say_file, say_tts, turn_audio,
 *   turn_audio_end, cut), talkie_session_request_keyframe(), talkie_session_set_bitrate()
 *   and the getters are safe from any thread at any time, also while frames are produced.
 * - talkie_session_send_frame(), talkie_session_flush(), talkie_session_get_packet() and
 *   talkie_session_get_audio_packet() may be called from any thread, but not concurrently
 *   for one session (the caller serialises them, as one producer/consumer loop does
 *   naturally).
 * - talkie_session_close() must not race with any other call on the same session.
 * - TalkieSettings.packet_callback runs on a talkie thread (the context's completion thread,
 *   never the caller's); it may call get_packet, send_frame and say of any session, must not
 *   close a session or a context (close waits for that thread), and must return quickly (it
 *   delays the other sessions of the context while it runs).
 * - TalkieOutput objects are used from one thread at a time.
 * - A session with an audio stream has one more thread of its own, which encodes its audio
 *   (see "Audio"); it calls nothing of the caller's (no callback), and
 *   talkie_session_close() ends it.
 */

/* ---------------------------------------------------------------------------------------- */
/* Settings */

typedef enum TalkieEncoder {
    TALKIE_ENCODER_AUTO = 0,     ///< the best backend the device offers: compute on a GPU; on
                                 ///< a CPU device (lavapipe) the faster of lavc and compute,
                                 ///< timed once per context (TalkieDeviceInfo.auto_reason)
    TALKIE_ENCODER_COMPUTE = 1,  ///< talkie's H.264 encoder in Vulkan compute shaders
    TALKIE_ENCODER_VKVIDEO = 2,  ///< Vulkan Video encode (VK_KHR_video_encode_h264)
    TALKIE_ENCODER_LAVC = 3,     ///< libavcodec (libx264 on the CPU)
} TalkieEncoder;

/** The audio codec of a session (see "Audio" below). */
typedef enum TalkieAudioCodec {
    TALKIE_AUDIO_AUTO = 0,    ///< AAC if a turn with audio was said before the session's
                              ///< streams were fixed, else no audio stream
    TALKIE_AUDIO_NONE = 1,    ///< video only, whatever the turns carry
    TALKIE_AUDIO_AAC = 2,     ///< AAC-LC (FFmpeg's native encoder): MP4, MPEG-TS, RTMP
    TALKIE_AUDIO_OPUS = 3,    ///< Opus (libopus), 48 kHz only: WebM, WebRTC
} TalkieAudioCodec;

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
    int qp;                   ///< constant QP 0..51, or -1 to use bitrate_bps (default 26).
                              ///< The compute encoder's SPS then signals a level that holds
                              ///< the largest frames that QP can make (4.1 for 320x240 at 26)
    int64_t bitrate_bps;      ///< target bitrate when qp -1 (default 0: unused). Compute
                              ///< encoder: a P frame at most 1.5 frame intervals at this rate,
                              ///< an IDR at most one second of it (larger frames are coded
                              ///< again at a higher QP); within 10% over a minute where the
                              ///< content can use the rate, below it where it cannot
    int keyint;               ///< frames between IDR frames; 0 = fps_num/fps_den*2, or none
                              ///< with intra_refresh (default 0); 1: every frame an IDR
    int compute_p_frames;     ///< compute encoder: 1 codes P frames between the IDRs (17-28x
                              ///< fewer bytes on a conversation; on an H100 a 320x240 P frame
                              ///< takes about 0.96 ms (p50) against 0.74 all-intra, and a GPU
                              ///< carries fewer live sessions: bench/RESULTS.md), 0 codes
                              ///< every frame as an IDR (default 0). lavc always codes P frames.
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
    TalkieAudioCodec audio_codec; ///< see "Audio" (default TALKIE_AUDIO_AUTO)
    int audio_sample_rate;    ///< Hz of the audio stream: 8000..96000 for AAC, 48000 for Opus
                              ///< (default 48000)
    int audio_channels;       ///< 1 or 2 (default 1)
    int64_t audio_bitrate_bps;///< 0: 64 kbit/s per channel for AAC, 32 for Opus; else
                              ///< 8000..512000 (default 0)
    int audio_live;           ///< 0: audio waits for streamed turns (offline: deterministic);
                              ///< 1: audio follows the frames sent, what has not arrived by
                              ///< then is silence and dropped when it comes (default 0)
    int slice_mb_rows;        ///< macroblock rows a slice, 1..TALKIE_SLICE_MB_ROWS_MAX (more than
                              ///< the picture has: one slice a picture); 0: the library's
                              ///< choice: one slice a P picture (on a conversation 1.7x
                              ///< fewer bytes than one-row slices for 0.25 ms more a P
                              ///< picture on an H100), one row a slice in intra pictures
                              ///< (IDRs and all-intra streams: an intra picture's GPU
                              ///< analysis is one chain a slice, 4 rows double its time);
                              ///< bench/RESULTS.md. A value set here holds for every picture.
                              ///< Compute encoder only (default 0)
    int text_qp_offset;       ///< TALKIE_TEXT_QP_OFFSET_MIN..0: macroblocks under rendered
                              ///< subtitle text are coded at the frame's QP plus this (clamped
                              ///< to 0..51), so text stays legible at low bitrates; 0: one QP
                              ///< a picture. Frames from talkie_session_send_image() have no
                              ///< text map. Compute encoder; lavc passes it to libx264 as
                              ///< regions of interest, which act only with a bitrate (not at
                              ///< a constant QP) (default TALKIE_TEXT_QP_OFFSET_DEFAULT)
    int intra_refresh;        ///< 0..TALKIE_INTRA_REFRESH_MAX: with P frames, a column of intra
                              ///< macroblocks sweeps the picture left to right once every N
                              ///< frames (a clean refresh: a decoder that joins at a sweep's
                              ///< start shows exact pictures from its end on; the sweep's
                              ///< first frame carries a recovery point SEI and SPS/PPS), so a
                              ///< live stream recovers from losses without the size spikes of
                              ///< periodic IDRs; keyint 0 then means no periodic IDR (only
                              ///< the first and those asked for). 0: off. Compute encoder
                              ///< (with compute_p_frames; its deblocking filter is then
                              ///< off: 30-40% fewer bytes, bench/RESULTS.md); lavc passes it
                              ///< to libx264's intra-refresh, which then makes no periodic
                              ///< IDR whatever keyint says (default 0)
    uint8_t reserved[24];     ///< zero; room to grow without breaking the ABI
} TalkieSettings;

/** The range of TalkieSettings.text_qp_offset and its default (bench/RESULTS.md, "Lower QP
 *  under subtitle text"). */
#define TALKIE_TEXT_QP_OFFSET_MIN (-12)
#define TALKIE_TEXT_QP_OFFSET_DEFAULT (-6)

/** The longest TalkieSettings.intra_refresh cycle, in frames. */
#define TALKIE_INTRA_REFRESH_MAX 1000

/** The largest TalkieSettings.slice_mb_rows: the rows of the tallest picture (4096 / 16). */
#define TALKIE_SLICE_MB_ROWS_MAX 256

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
    int64_t frames;               ///< frames rendered (and encoded) in them, each coding
                                  ///< of a frame coded again included
    int64_t frames_recoded;       ///< of those, codings of frames that the compute encoder's
                                  ///< rate control sent back over their size cap (each in a
                                  ///< later submission than the coding before)
    /* Where the engine's two threads spend their time (microseconds since the context
     * opened), for sizing a deployment: the submit thread prepares the frames' renders (with
     * the CPU threads' help) and records and submits each batch; the completion thread waits
     * for the GPU and builds the packets. A thread busy most of the time is the limit. */
    int64_t engine_prepare_us;    ///< submit thread: preparing renders (host side)
    int64_t engine_record_us;     ///< submit thread: recording and submitting batches
    int64_t engine_wait_us;       ///< completion thread: waiting for submissions
    int64_t engine_collect_us;    ///< completion thread: packets, delivery to the sessions
    /* GPU time of the submissions (from GPU timestamps; 0 where the queue has none): the
     * sum over submissions, which may overlap on a GPU's several queues. */
    int64_t engine_gpu_us;        ///< each submission from its first command to its last
    int64_t engine_gpu_render_us; ///< of that, the renders (up to the encoders' first stage)
    /* The prepares themselves, summed over the submit thread and the CPU threads helping
     * it: far above engine_prepare_us times the threads' count, or a prepare that costs
     * more per frame as sessions are added, says the helpers wait or run slowly rather
     * than work (bench/RESULTS.md, session 7). */
    int64_t engine_prepare_work_us; ///< every thread, inside the renders' prepares
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
    TalkieEncoder auto_encoder; ///< what TALKIE_ENCODER_AUTO picks on this device, or
                              ///< TALKIE_ENCODER_AUTO when no encoder can run there
    char auto_reason[128];    ///< why, in a few words; on a CPU device the measured time
                              ///< per frame of each ("lavc 0.72 ms/frame, compute 38.22
                              ///< ms/frame"): compute is picked when it takes under 0.8x
                              ///< lavc's time, lavc otherwise
} TalkieDeviceInfo;

/**
 * Lists the Vulkan devices. On success returns how many exist (0 is possible) and writes at
 * most `capacity` of them to `infos` (which may be NULL when capacity is 0). A CPU device
 * among the first `capacity` is opened and both encoders are timed on it for auto_encoder
 * (a few frames each: about 0.3-1 s on lavapipe); a context measures again for its own
 * sessions, so the two agree unless the encoders are within noise of the 0.8x margin.
 * Errors: a negative value (TALKIE_ERROR_VULKAN when no Vulkan loader/driver works).
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
 * starts before the last frame already sent is shown from the next frame on. Returns 0, not
 * the turn's id: ids count every turn said from 0 (talkie_session_say_audio() tells it).
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
 *  The compute encoder keeps the level its SPS signalled: a target whose peak (an IDR at its
 *  cap at every frame, fps times the target) would exceed the level's MaxBR is lowered to
 *  fit (opened at 200 kbit/s, 320x240, 30 frames/s: level 3.0, up to 400 kbit/s).
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
/* Audio
 *
 * A turn can carry its voice: PCM that the session places at the turn's start on one
 * timeline (resampled with libswresample to audio_sample_rate and audio_channels; silence
 * where nobody speaks; overlapping turns mixed), encodes (AAC or Opus, libavcodec) and hands
 * out with talkie_session_get_audio_packet(), in sync with the video: audio sample k is
 * session time k / audio_sample_rate, the same origin as frame 0.
 *
 * - A turn with audio lasts as long as its audio: its duration_ms is only the estimate used
 *   until the audio has ended (talkie_session_turn_audio_end()), then the audio's duration
 *   replaces it. A turn said with start_ms == -1 starts after the previous turn's end as known
 *   at that moment, so say the next turn after the previous one's audio ended.
 * - The speaking avatar's mouth opens with the voice's short-term energy (closed in pauses);
 *   where a turn's audio has not arrived yet, or a turn has none, it keeps the text-timed
 *   movement.
 * - The session's streams are fixed by the first of talkie_output_open(),
 *   talkie_session_audio_info() and talkie_session_send_frame(). With TALKIE_AUDIO_AUTO the
 *   session has an audio stream (AAC) only if a turn with audio was said before then; a
 *   session that never gets audio produces the same video stream and files as one opened
 *   with TALKIE_AUDIO_NONE. Audio for a session without an audio stream is refused
 *   (TALKIE_ERROR_UNSUPPORTED): set audio_codec explicitly for live sessions whose first
 *   turn comes later.
 * - Audio up to the end of the last frame sent is encoded by a thread of the session's own
 *   (started when the streams are fixed with audio), never on the caller's thread: about
 *   12-20 ms of CPU per second of AAC at 48 kHz mono. Its packets queue up in order (about
 *   ten seconds of them at most: then it waits for the caller) for
 *   talkie_session_get_audio_packet(), so a packet may come a little after the frame that
 *   let it be encoded. The encoding waits for a streamed turn whose audio has not reached
 *   the frame yet, so an offline render is deterministic: the same audio in any chunking,
 *   from any thread, gives the same packets. With audio_live = 1 it never waits: a live
 *   output's audio keeps pace with its frames, and audio that comes too late is silence
 *   (then dropped), the turn staying in place.
 * - After talkie_session_flush(), streamed turns still open are ended, and the audio stream
 *   ends exactly with the last frame sent (its last packet may be shorter than a frame).
 */

/** Audio for a turn: interleaved signed 16-bit samples in native byte order (s16le on every
 *  machine talkie runs on). The library copies it. */
typedef struct TalkieAudio {
    const int16_t *samples;   ///< frames * channels values; may be NULL when frames is 0
    size_t frames;            ///< samples per channel
    int sample_rate;          ///< 8000..192000 Hz (TTS rates: 16, 22.05, 24, 44.1, 48 kHz)
    int channels;             ///< 1 or 2
} TalkieAudio;

/**
 * talkie_session_say() with the turn's audio, telling the turn's id (for talkie_session_cut()
 * and the streaming calls; ids count the session's turns from 0, every say variant included).
 * `audio`:
 *   - NULL: a turn without audio;
 *   - frames > 0: the whole audio of the turn; the turn lasts as long as it;
 *   - frames == 0: the audio follows in chunks of this rate and channel count
 *     (talkie_session_turn_audio(), then talkie_session_turn_audio_end()); until it ends the
 *     turn is timed by duration_ms (or the estimate), and the audio stream waits for it.
 * `turn_id` may be NULL (it is -1 after an error). On error no turn is shown (one whose
 * audio failed to start, out of memory, keeps its id, hidden).
 * Errors: TALKIE_ERR(EINVAL) (a bad turn, as say(), or a bad format: the log says which),
 * TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED (audio, and the session has no audio
 * stream: see above).
 */
int talkie_session_say_audio(TalkieSession *s, const TalkieTurn *turn, const TalkieAudio *audio,
                             int64_t *turn_id);

/**
 * The next chunk of a streamed turn's audio (said with audio->frames == 0), in the format
 * given there. Chunks may be of any size, also while frames are produced (live TTS): the
 * result depends only on the samples, never on how they were cut into chunks. Audio that
 * arrives after the frames it belongs to were encoded is dropped (see above: an offline
 * render waits instead). Errors: TALKIE_ERR(EINVAL) (unknown id, a turn not streamed, its
 * audio already ended, another format, frames 0 or samples NULL, after flush),
 * TALKIE_ERR(ENOMEM), TALKIE_ERROR_UNSUPPORTED (resampling failed).
 */
int talkie_session_turn_audio(TalkieSession *s, int64_t turn_id, const TalkieAudio *chunk);

/** No more audio for a streamed turn: its duration becomes its audio's. Idempotent.
 *  Errors: TALKIE_ERR(EINVAL) (unknown id or a turn not streamed). */
int talkie_session_turn_audio_end(TalkieSession *s, int64_t turn_id);

/**
 * Barge-in: turn `turn_id` stops at session time at_ms (clamped to its start): from the
 * frame at at_ms on, its subtitle is gone, its avatar stops talking and its audio is silent
 * (with a 5 ms fade where that audio was not encoded yet). Before at_ms nothing changes: the
 * line is revealed at the pace of the uncut turn. Cutting again only moves the cut earlier.
 * A streamed turn's audio before the cut is still awaited: end it (turn_audio_end) when the
 * TTS stream is cancelled. Errors: TALKIE_ERR(EINVAL) (unknown id, at_ms < 0).
 */
int talkie_session_cut(TalkieSession *s, int64_t turn_id, int64_t at_ms);

/**
 * talkie_session_say_audio() with the audio of a file (anything libavformat reads: WAV, MP3,
 * AAC/M4A, FLAC, Ogg...). Policy for long files: a turn with duration_ms == -1 lasts as long
 * as its file, up to 10 minutes (a longer file is refused); a turn with a duration keeps the
 * first duration_ms of the file (a warning is logged when more than a second is dropped) and
 * then lasts as long as that audio. Errors (the log names the file): TALKIE_ERR(ENOENT),
 * TALKIE_ERR(EACCES) / EISDIR / EIO (cannot be read), TALKIE_ERR(EINVAL) (not a media file,
 * or a bad turn), TALKIE_ERR(ENOMSG) (no audio stream), TALKIE_ERR(ENODATA) (no samples),
 * TALKIE_ERR(EFBIG) (longer than 10 minutes), TALKIE_ERROR_UNSUPPORTED (codec, sample format,
 * rate or layout not convertible; or no audio stream in the session), TALKIE_ERR(ENOMEM).
 */
int talkie_session_say_file(TalkieSession *s, const TalkieTurn *turn, const char *path,
                            int64_t *turn_id);

typedef enum TalkieTts {
    TALKIE_TTS_ESPEAK = 1,    ///< espeak-ng, linked as a library (22.05 kHz mono)
} TalkieTts;

/**
 * talkie_session_say_audio() with the turn's text spoken by a speech synthesizer, in the
 * voice of its speaker (one voice per speaker, by order of first appearance: the same text
 * and speaker always give the same samples). Synthesis runs on the caller's thread (espeak-ng
 * allows one utterance at a time per process: calls from several threads take turns). A text
 * with nothing to say (only punctuation) becomes a turn without audio.
 * Errors: as say_audio(), and TALKIE_ERROR_UNSUPPORTED (espeak-ng or its voice data is
 * missing), TALKIE_ERR(EINVAL) for an unknown engine.
 */
int talkie_session_say_tts(TalkieSession *s, const TalkieTurn *turn, TalkieTts engine,
                           int64_t *turn_id);

/** What a muxer needs to know about the audio stream. */
typedef struct TalkieAudioInfo {
    TalkieAudioCodec codec;   ///< TALKIE_AUDIO_AAC or _OPUS; TALKIE_AUDIO_NONE: no audio
    int sample_rate;          ///< Hz; packet timestamps count samples at this rate
    int channels;
    int64_t bitrate_bps;
    int frame_size;           ///< samples per channel in a packet (AAC 1024, Opus 960)
    int initial_padding;      ///< encoder priming: the first packet's pts is -initial_padding
    char codec_string[32];    ///< RFC 6381: "mp4a.40.2", "opus"
    uint8_t extradata[64];    ///< AudioSpecificConfig (AAC) or OpusHead (Opus)
    size_t extradata_size;
    uint8_t reserved[64];
} TalkieAudioInfo;

/** Fills `info`, fixing the session's streams (see above). Errors: TALKIE_ERR(EINVAL) for
 *  NULL, or the error that opening the audio encoder gave (TALKIE_ERROR_UNSUPPORTED,
 *  TALKIE_ERROR_ENCODER, TALKIE_ERR(ENOMEM)). */
int talkie_session_audio_info(TalkieSession *s, TalkieAudioInfo *info);

typedef struct TalkieAudioPacket {
    uint8_t *data;            ///< one AAC or Opus frame (raw, no ADTS header)
    size_t size;
    int64_t pts;              ///< in samples from session time 0 (negative: encoder priming)
    int64_t duration;         ///< in samples (the last packet may be short)
    void *priv;               ///< owned by the library
} TalkieAudioPacket;

/**
 * The next audio packet. On 0 the caller owns *pkt and releases it with
 * talkie_audio_packet_unref(). Call it after each send_frame / get_packet (it does not wake
 * the event fd or the callback): it takes what the session's audio thread has encoded up
 * to the end of the last frame sent, and never waits for it before talkie_session_flush().
 * TALKIE_ERR(EAGAIN): no packet yet (more frames, a streamed turn's audio, or a moment for
 * the audio thread); after flush it waits for the audio thread instead, until TALKIE_EOF:
 * flushed and drained, or the session has no audio stream. Other negative values:
 * TALKIE_ERROR_ENCODER, TALKIE_ERR(ENOMEM) (sticky).
 */
int talkie_session_get_audio_packet(TalkieSession *s, TalkieAudioPacket *pkt);

/** Frees what an audio packet owns and zeroes it; safe on a zeroed packet. */
void talkie_audio_packet_unref(TalkieAudioPacket *pkt);

/* ---------------------------------------------------------------------------------------- */
/* Output: writes a session's packets to a file, stdout, a callback or a media server. */

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

/**
 * Live destinations. talkie_output_open() also takes a URL for `path`: "rtmp://..." (FLV) and
 * "srt://..." or "udp://..." (MPEG-TS), or any URL with `format` "flv" or "mpegts". Such a
 * push output is connected to, and written by, a thread of its own: talkie_output_write()
 * only queues a copy of the packet and never waits for the network. When the server goes away
 * (or cannot be reached at open), the output keeps the session going: packets are dropped
 * while it reconnects with back-off (0.5 s doubling to 8 s), and the stream starts again at
 * the next keyframe. A packet queue that fills up (a server slower than the stream: two
 * seconds of frames) is emptied and sending resumes at the next keyframe.
 * talkie_output_close() sends what is queued (for about two seconds at most; a connection
 * that stalls inside a write is not cut short yet), ends the stream and returns 0 when it
 * ended cleanly, or the last network error. No file is created.
 */

/** Receives the bytes of a callback output (talkie_output_open_cb()) on the thread that
 *  called talkie_output_write() or talkie_output_close(). `data` is valid only during the
 *  call. Return 0, or a negative errno value to fail the output (talkie_output_write()
 *  then returns it, and every later write too). */
typedef int (*TalkieWriteCallback)(void *opaque, const uint8_t *data, size_t size);

/**
 * Opens an output that hands the container's bytes to `write` instead of a file, for live
 * players. `format`:
 * - "fmp4": fragmented MP4 for Media Source Extensions (ISO BMFF, empty moov, one fragment
 *   per frame with a tfdt: movflags frag_custom+empty_moov+default_base_moof). Each call of
 *   `write` is exactly one whole unit: the first, made by the first talkie_output_write(),
 *   is the initialization segment (ftyp + moov); every later call is one fragment
 *   (moof + mdat) holding exactly the packet being written, made before
 *   talkie_output_write() returns (nothing is held back, for the lowest latency). A player
 *   that joins later needs the initialization segment and then fragments from a keyframe
 *   on (the caller knows which packet it wrote). Timestamps are the packets' frame
 *   indices in a time base of the session's fps_den / fps_num (tfdt = pts).
 *   When the session had an audio stream at open (see "Audio"), the MP4 has a second track
 *   (AAC, or Opus) and each talkie_output_write_audio() makes one fragment too, holding that
 *   audio packet, so the caller interleaves them by writing each packet as it comes. Audio
 *   starts with the first video packet: earlier audio packets are dropped, and the encoder's
 *   priming before it is trimmed (MP4 fragments cannot start before 0 and MSE ignores edit
 *   lists; Opus keeps its pre-skip in the OpusHead), so audio sample k plays at k / rate
 *   next to video frame 0.
 * The first packet written must be a keyframe (its SPS/PPS make the avcC).
 * talkie_output_close() makes no further call and returns 0 (fragmented MP4 needs no
 * trailer); talkie_output_abort() frees it the same way.
 * *out is NULL on failure. Errors: TALKIE_ERR(EINVAL) (NULL arguments, unknown format),
 * TALKIE_ERR(ENOMEM), TALKIE_ERROR_MUXER.
 * This signature is stable.
 */
int talkie_output_open_cb(TalkieOutput **out, const TalkieSession *s, const char *format,
                          TalkieWriteCallback write, void *opaque);

/** Writes one packet; the caller keeps ownership of pkt. */
int talkie_output_write(TalkieOutput *out, const TalkiePacket *pkt);

/**
 * Writes one audio packet (from talkie_session_get_audio_packet()); the caller keeps
 * ownership of pkt. MP4, MPEG-TS, push outputs (RTMP/FLV, SRT/UDP MPEG-TS: AAC only) and
 * callback outputs carry the session's audio stream next to the video when the session had
 * one when the output was opened (see "Audio"); packets of both streams are then interleaved
 * by time, so write each as it comes. A push output queues audio with the video and drops
 * it with the video while it reconnects. Annex B outputs are video only: audio packets are
 * ignored there (0). Errors: TALKIE_ERR(EINVAL) (NULL, empty packet, or the output has no
 * audio stream), the I/O error, TALKIE_ERROR_MUXER.
 */
int talkie_output_write_audio(TalkieOutput *out, const TalkieAudioPacket *pkt);

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
