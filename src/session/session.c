/*
 * The public session: settings -> a context (shared or private) -> scene + renderer ->
 * encoder backend, registered with the context's engine, which renders and encodes its
 * frames (engine.h). The calls here validate their arguments and hand over to the engine.
 */
#include "session/session.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine/context.h"
#include "session_info.h"

/* Says why the settings are refused (one message, at most 255 bytes: the limits are short);
 * returns TALKIE_ERR(EINVAL). */
static int refuse(const TkLog *log, const char *fmt, ...) TK_PRINTF(2, 3);
static int refuse(const TkLog *log, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tk_log_error(log, "%s", msg);
    return TALKIE_ERR(EINVAL);
}

static int validate_settings(const TalkieSettings *s, const TkLog *log)
{
    if (s->width < 16 || s->width > 4096 || s->height < 16 || s->height > 4096)
        return refuse(log, "size %dx%d is out of range (16..4096)", s->width, s->height);
    if (s->width % 2 || s->height % 2)
        return refuse(log, "size %dx%d must be even (4:2:0)", s->width, s->height);
    if (s->fps_num <= 0 || s->fps_den <= 0 || s->fps_num / s->fps_den > 240 ||
        (int64_t)s->fps_num * 1000 < s->fps_den)
        return refuse(log, "frame rate %d/%d is out of range (1/1000 to 240 frames/s)",
                      s->fps_num, s->fps_den);
    if (s->qp < -1 || s->qp > 51)
        return refuse(log, "qp %d is out of range (0..51, or -1)", s->qp);
    if (s->qp < 0 && s->bitrate_bps <= 0)
        return refuse(log, "qp -1 needs a bitrate");
    if (s->bitrate_bps != 0 && (s->bitrate_bps < TALKIE_BITRATE_MIN_BPS ||
                                s->bitrate_bps > TALKIE_BITRATE_MAX_BPS))
        return refuse(log, "bitrate %lld is out of range (%d..%d)", (long long)s->bitrate_bps,
                      TALKIE_BITRATE_MIN_BPS, TALKIE_BITRATE_MAX_BPS);
    if (s->keyint < 0)
        return refuse(log, "keyint %d is negative", s->keyint);
    if (s->slice_mb_rows < 0 || s->slice_mb_rows > TALKIE_SLICE_MB_ROWS_MAX)
        return refuse(log, "slice_mb_rows %d is out of range (0..%d)", s->slice_mb_rows,
                      TALKIE_SLICE_MB_ROWS_MAX);
    if (s->intra_refresh < 0 || s->intra_refresh > TALKIE_INTRA_REFRESH_MAX)
        return refuse(log, "intra_refresh %d is out of range (0..%d)", s->intra_refresh,
                      TALKIE_INTRA_REFRESH_MAX);
    if (s->compute_p_frames != 0 && s->compute_p_frames != 1)
        return refuse(log, "compute_p_frames %d is neither 0 nor 1", s->compute_p_frames);
    if (s->text_qp_offset < TALKIE_TEXT_QP_OFFSET_MIN || s->text_qp_offset > 0)
        return refuse(log, "text_qp_offset %d is out of range (%d..0)", s->text_qp_offset,
                      TALKIE_TEXT_QP_OFFSET_MIN);
    if (!talkie_encoder_name(s->encoder))
        return refuse(log, "unknown encoder %d", (int)s->encoder);
    if (s->log_level < TALKIE_LOG_ERROR || s->log_level > TALKIE_LOG_DEBUG)
        return refuse(log, "unknown log level");
    if (s->max_frames_in_flight < 1 || s->max_frames_in_flight > TK_ENGINE_MAX_IN_FLIGHT)
        return refuse(log, "max_frames_in_flight %d is out of range (1..%d)",
                      s->max_frames_in_flight, TK_ENGINE_MAX_IN_FLIGHT);
    return 0;
}

/* Two seconds of frames between IDRs unless the caller chose: in 64 bits, as fps_num may
 * be anything up to INT_MAX. An intra refresh takes the IDRs' place: then none but the
 * first and those asked for (keyint INT_MAX frames: 2 years at 30 frames/s). */
static int default_keyint(const TalkieSettings *s)
{
    if (s->intra_refresh > 0)
        return INT_MAX;
    int64_t k = (2 * (int64_t)s->fps_num + s->fps_den - 1) / s->fps_den;
    return k < 1 ? 1 : k > INT_MAX ? INT_MAX : (int)k;
}

static int open_encoder(TalkieSession *s)
{
    TkEncoderParams params = {
        .layout = s->layout,
        .fps_num = s->settings.fps_num,
        .fps_den = s->settings.fps_den,
        .qp = s->settings.qp,
        .bitrate_bps = s->settings.bitrate_bps,
        .keyint = s->settings.keyint ? s->settings.keyint : default_keyint(&s->settings),
        .slice_mb_rows = s->settings.slice_mb_rows,
        .p_frames = s->settings.compute_p_frames,
        .text_qp_offset = s->settings.text_qp_offset,
        .intra_refresh = s->settings.intra_refresh,
        .vk = s->vk,
        .log = &s->log,
    };
    TalkieEncoder wanted = s->settings.encoder;
    const TkEncoderBackend *list[TK_ENCODER_MAX_BACKENDS + 1];
    TalkieEncoder first = wanted;
    if (wanted == TALKIE_ENCODER_AUTO) {
        /* measured once per context on a CPU device (auto_probe.h) */
        const TkAutoChoice *choice = tk_context_auto_choice(s->ctx);
        first = choice->encoder;
        tk_log_info(&s->log, "encoder auto: %s (%s)", talkie_encoder_name(first),
                    choice->reason);
    }
    tk_encoder_order(first, list);
    for (int i = 0; list[i]; i++) {
        const TkEncoderBackend *b = list[i];
        if (wanted != TALKIE_ENCODER_AUTO && b->id != wanted)
            continue;
        if (b->probe(&params) < 0) {
            tk_log_info(&s->log, "encoder %s is not available here", b->name);
            continue;
        }
        int err = b->open(&s->encoder, &params);
        if (err < 0) {
            if (wanted != TALKIE_ENCODER_AUTO)
                return err;
            tk_log_warning(&s->log, "encoder %s failed to open (%s), trying the next", b->name,
                           talkie_strerror(err));
            continue;
        }
        s->backend = b;
        tk_log_info(&s->log, "encoding with %s", b->name);
        return 0;
    }
    tk_log_error(&s->log, "encoder %s is not available on this device or build",
                 talkie_encoder_name(wanted));
    return TALKIE_ERROR_UNSUPPORTED;
}

int talkie_session_open(TalkieSession **out, const TalkieSettings *settings)
{
    if (!out)
        return TALKIE_ERR(EINVAL);
    *out = NULL;
    if (!settings)
        return TALKIE_ERR(EINVAL);
    TkLog early_log = {
        .callback = settings->log_callback,
        .opaque = settings->log_opaque,
        .max_level = settings->log_level,
    };
    int err = validate_settings(settings, &early_log);
    if (err >= 0)
        err = tk_session_audio_validate(settings, &early_log);
    if (err < 0)
        return err;

    TalkieSession *s = calloc(1, sizeof(*s));
    if (!s)
        return TALKIE_ERR(ENOMEM);
    s->settings = *settings;
    s->settings.device_name = NULL;   /* pointers into the caller's memory are not kept */
    s->settings.font_path = NULL;
    s->settings.context = NULL;
    s->log = early_log;
    s->layout = tk_frame_layout(settings->width, settings->height);
    s->event_fd = -1;

    if (settings->context)
        s->ctx = tk_context_ref(settings->context);
    else if ((err = tk_context_open_private(&s->ctx, settings)) < 0)
        goto error;
    s->vk = s->ctx->vk;
    err = TALKIE_ERR(EMFILE);
    if ((s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        goto error;
    if ((err = tk_scene_create(&s->scene, &s->log)) < 0)
        goto error;
    if ((err = tk_session_audio_init(&s->audio, settings, &s->log)) < 0)
        goto error;
    s->audio_ready = 1;
    /* a session that can never have audio keeps the scene exactly as it was */
    if (settings->audio_codec != TALKIE_AUDIO_NONE)
        tk_scene_set_mouth_source(s->scene, tk_session_audio_mouth, &s->audio);
    if ((err = tk_renderer_create(&s->renderer, s->vk, &s->layout, settings->font_path,
                                  &s->log)) < 0)
        goto error;
    if ((err = open_encoder(s)) < 0)
        goto error;
    if ((err = tk_vk_buffer_create(s->vk, &s->frame, s->layout.size,
                                   s->backend->input == TK_ENCODER_INPUT_HOST
                                       ? TK_VK_MEMORY_READBACK
                                       : TK_VK_MEMORY_DEVICE)) < 0)
        goto error;
    if ((err = tk_engine_add(s->ctx->engine, s)) < 0)
        goto error;
    s->in_engine = 1;
    atomic_fetch_add(&s->ctx->sessions_opened, 1);
    *out = s;
    return 0;
error:
    talkie_session_close(&s);
    return err;
}

void talkie_session_close(TalkieSession **ps)
{
    if (!ps || !*ps)
        return;
    TalkieSession *s = *ps;
    /* First out of the engine (waiting for a frame of it on the GPU), then free. */
    if (s->in_engine)
        tk_engine_remove(s->ctx->engine, s);
    if (s->backend)
        s->backend->close(&s->encoder);
    if (s->vk) {
        tk_vk_buffer_destroy(s->vk, &s->frame);
        tk_vk_buffer_destroy(s->vk, &s->upload);
    }
    tk_renderer_destroy(&s->renderer);
    tk_scene_destroy(&s->scene);
    if (s->audio_ready)
        tk_session_audio_free(&s->audio);
    if (s->event_fd >= 0)
        close(s->event_fd);
    tk_context_unref(&s->ctx);
    free(s);
    *ps = NULL;
}

const TkLog *tk_session_log(const TalkieSession *s)
{
    return &s->log;
}

int64_t tk_session_frame_ms(const TalkieSession *s, int64_t index)
{
    return index * 1000 * s->settings.fps_den / s->settings.fps_num;
}

TalkieEncoder talkie_session_encoder(const TalkieSession *s)
{
    return s && s->backend ? s->backend->id : TALKIE_ENCODER_AUTO;
}

void tk_session_stream_info(const TalkieSession *s, TkStreamInfo *info)
{
    info->width = s->settings.width;
    info->height = s->settings.height;
    info->fps_num = s->settings.fps_num;
    info->fps_den = s->settings.fps_den;
    /* deciding only fixes what is already determined; the audio has its own lock */
    TkSessionAudio *a = (TkSessionAudio *)&s->audio;
    info->audio = tk_session_audio_decide(a) > 0 ? tk_session_audio_encoder(a) : NULL;
}

int talkie_session_stream_info(const TalkieSession *s, TalkieStreamInfo *info)
{
    if (!s || !info)
        return TALKIE_ERR(EINVAL);
    memset(info, 0, sizeof(*info));
    info->width = s->settings.width;
    info->height = s->settings.height;
    info->fps_num = s->settings.fps_num;
    info->fps_den = s->settings.fps_den;
    return s->backend->stream_info(s->encoder, info);
}

int talkie_session_event_fd(const TalkieSession *s)
{
    return s ? s->event_fd : -1;
}

int talkie_session_say(TalkieSession *s, const TalkieTurn *turn)
{
    if (!s || !turn)
        return TALKIE_ERR(EINVAL);
    return tk_scene_add_turn(s->scene, turn);
}

int64_t talkie_session_end_ms(const TalkieSession *s)
{
    return s ? tk_scene_end_ms(s->scene) : 0;
}

/* Queues a frame (rendered, or the caller's `image`, which moves to the engine on success);
 * the first frame fixes the session's streams (audio or not). */
static int send_frame(TalkieSession *s, int64_t frame_index, void *user_data, uint8_t *image)
{
    int res = tk_session_audio_decide(&s->audio);
    if (res < 0)
        return res;
    res = tk_engine_send_frame(s->ctx->engine, s, frame_index, user_data, image);
    if (res >= 0)
        tk_session_audio_frame_sent(&s->audio, frame_index);
    return res;
}

int talkie_session_send_frame_user(TalkieSession *s, int64_t frame_index, void *user_data)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    if (frame_index < 0 || frame_index > INT64_MAX / 1000 / s->settings.fps_den) {
        tk_log_error(&s->log, "frame %lld is out of range", (long long)frame_index);
        return TALKIE_ERR(EINVAL);
    }
    return send_frame(s, frame_index, user_data, NULL);
}

/* The caller's picture in the session's frame layout (NV12, macroblock-aligned): the
 * padding repeats the last column and row, as an encoder expects of edge macroblocks. */
static uint8_t *copy_image(const TkFrameLayout *l, const TalkieImage *im)
{
    uint8_t *dst = malloc(l->size);
    if (!dst)
        return NULL;
    for (int y = 0; y < l->aligned_height; y++) {
        int sy = y < l->height ? y : l->height - 1;
        uint8_t *row = dst + (size_t)y * l->luma_stride;
        memcpy(row, im->planes[0] + (size_t)sy * (size_t)im->strides[0], (size_t)l->width);
        memset(row + l->width, row[l->width - 1], (size_t)(l->aligned_width - l->width));
    }
    int cw = l->width / 2, ch = l->height / 2;
    for (int y = 0; y < l->aligned_height / 2; y++) {
        int sy = y < ch ? y : ch - 1;
        uint8_t *row = dst + l->chroma_offset + (size_t)y * l->luma_stride;
        if (im->format == TALKIE_PIXEL_NV12) {
            memcpy(row, im->planes[1] + (size_t)sy * (size_t)im->strides[1], (size_t)(2 * cw));
        } else {
            const uint8_t *u = im->planes[1] + (size_t)sy * (size_t)im->strides[1];
            const uint8_t *v = im->planes[2] + (size_t)sy * (size_t)im->strides[2];
            for (int x = 0; x < cw; x++) {
                row[2 * x] = u[x];
                row[2 * x + 1] = v[x];
            }
        }
        for (int x = cw; x < l->aligned_width / 2; x++) {
            row[2 * x] = row[2 * cw - 2];
            row[2 * x + 1] = row[2 * cw - 1];
        }
    }
    return dst;
}

int talkie_session_send_image(TalkieSession *s, int64_t frame_index, const TalkieImage *image,
                              void *user_data)
{
    if (!s || !image)
        return TALKIE_ERR(EINVAL);
    int planes = image->format == TALKIE_PIXEL_YUV420P ? 3
                 : image->format == TALKIE_PIXEL_NV12  ? 2
                                                       : 0;
    int w = s->settings.width;
    for (int p = 0; p < planes; p++) {
        int min_stride = p == 0 || planes == 2 ? w : w / 2;
        if (!image->planes[p] || image->strides[p] < min_stride) {
            tk_log_error(&s->log, "image plane %d is missing or its stride %d is below %d", p,
                         image->strides[p], min_stride);
            return TALKIE_ERR(EINVAL);
        }
    }
    if (!planes) {
        tk_log_error(&s->log, "unknown pixel format %d", (int)image->format);
        return TALKIE_ERR(EINVAL);
    }
    if (frame_index < 0 || frame_index > INT64_MAX / 1000 / s->settings.fps_den) {
        tk_log_error(&s->log, "frame %lld is out of range", (long long)frame_index);
        return TALKIE_ERR(EINVAL);
    }
    uint8_t *copy = copy_image(&s->layout, image);
    if (!copy)
        return TALKIE_ERR(ENOMEM);
    int err = send_frame(s, frame_index, user_data, copy);
    if (err < 0)
        free(copy);
    return err;
}

int talkie_session_send_frame(TalkieSession *s, int64_t frame_index)
{
    return talkie_session_send_frame_user(s, frame_index, NULL);
}

int talkie_session_flush(TalkieSession *s)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    tk_session_audio_flush(&s->audio);
    return tk_engine_flush(s->ctx->engine, s);
}

int talkie_session_get_packet(TalkieSession *s, TalkiePacket *pkt)
{
    if (!s || !pkt)
        return TALKIE_ERR(EINVAL);
    memset(pkt, 0, sizeof(*pkt));
    return tk_engine_get_packet(s->ctx->engine, s, pkt);
}

int talkie_session_request_keyframe(TalkieSession *s)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    return tk_engine_request_keyframe(s->ctx->engine, s);
}

int talkie_session_set_bitrate(TalkieSession *s, int64_t bitrate_bps)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    if (bitrate_bps < TALKIE_BITRATE_MIN_BPS || bitrate_bps > TALKIE_BITRATE_MAX_BPS) {
        tk_log_error(&s->log, "bitrate %lld is out of range (%d..%d)", (long long)bitrate_bps,
                     TALKIE_BITRATE_MIN_BPS, TALKIE_BITRATE_MAX_BPS);
        return TALKIE_ERR(EINVAL);
    }
    if (s->backend->can_set_bitrate && !s->backend->can_set_bitrate(s->encoder)) {
        tk_log_error(&s->log, "the %s encoder was opened at a constant QP and cannot switch to "
                              "a bitrate", s->backend->name);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    return tk_engine_set_bitrate(s->ctx->engine, s, bitrate_bps);
}

void talkie_packet_unref(TalkiePacket *pkt)
{
    if (!pkt)
        return;
    free(pkt->data);
    memset(pkt, 0, sizeof(*pkt));
}
