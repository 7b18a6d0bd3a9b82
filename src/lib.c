/*
 * The public session: settings -> Vulkan device -> scene + renderer -> encoder backend, and
 * the send_frame / get_packet / flush contract on top of them.
 *
 * Packets the backend produces are moved into a small queue owned by the session right after
 * each frame, so back-pressure (EAGAIN from send_frame) is the same for every backend: the
 * caller must take packets once TK_SESSION_MAX_QUEUED are waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "common/frame.h"
#include "common/log.h"
#include "encode/backend.h"
#include "render/render.h"
#include "scene/scene.h"
#include "session_info.h"
#include "talkie/talkie.h"
#include "vk/vk.h"

#define TK_SESSION_MAX_QUEUED 8

struct TalkieSession {
    TalkieSettings settings;
    TkLog log;
    TkFrameLayout layout;
    TkVkDevice *vk;
    TkScene *scene;
    TkRenderer *renderer;
    const TkEncoderBackend *backend;
    void *encoder;
    TkVkBuffer frame;          /* the render target the encoder reads */
    TkVkCmd cmd;
    TalkiePacket queue[TK_SESSION_MAX_QUEUED];
    int queue_head, queue_len;
    int64_t last_frame;        /* -1 before the first */
    int flushed;
    int encoder_drained;       /* backend returned EOF */
};

const char *talkie_version(void)
{
    return "0.1.0";
}

void talkie_default_settings(TalkieSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->width = 320;
    s->height = 240;
    s->fps_num = 30;
    s->fps_den = 1;
    s->encoder = TALKIE_ENCODER_AUTO;
    s->qp = 26;
    s->bitrate_bps = 0;
    s->keyint = 0;
    s->device_index = -1;
    s->log_level = TALKIE_LOG_WARNING;
}

const char *talkie_encoder_name(TalkieEncoder e)
{
    switch (e) {
    case TALKIE_ENCODER_AUTO: return "auto";
    case TALKIE_ENCODER_COMPUTE: return "compute";
    case TALKIE_ENCODER_VKVIDEO: return "vkvideo";
    case TALKIE_ENCODER_LAVC: return "lavc";
    }
    return NULL;
}

int talkie_list_devices(TalkieDeviceInfo *infos, int capacity)
{
    if (capacity < 0 || (capacity > 0 && !infos))
        return TALKIE_ERR(EINVAL);
    TkLog log = { .max_level = TALKIE_LOG_ERROR };
    return tk_vk_list_devices(infos, capacity, &log);
}

static int validate_settings(const TalkieSettings *s, const TkLog *log)
{
#define REQUIRE(cond, ...)                                                                    \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            tk_log_error(log, __VA_ARGS__);                                                   \
            return TALKIE_ERR(EINVAL);                                                        \
        }                                                                                     \
    } while (0)
    REQUIRE(s->width >= 16 && s->width <= 4096 && s->height >= 16 && s->height <= 4096,
            "size %dx%d is out of range (16..4096)", s->width, s->height);
    REQUIRE(s->width % 2 == 0 && s->height % 2 == 0, "size %dx%d must be even (4:2:0)",
            s->width, s->height);
    REQUIRE(s->fps_num > 0 && s->fps_den > 0 && s->fps_num / s->fps_den <= 240,
            "frame rate %d/%d is out of range", s->fps_num, s->fps_den);
    REQUIRE(s->qp >= -1 && s->qp <= 51, "qp %d is out of range (0..51, or -1)", s->qp);
    REQUIRE(s->qp >= 0 || s->bitrate_bps > 0, "qp -1 needs a bitrate");
    REQUIRE(s->bitrate_bps >= 0 && s->bitrate_bps <= 200000000, "bitrate out of range");
    REQUIRE(s->keyint >= 0, "keyint %d is negative", s->keyint);
    REQUIRE(talkie_encoder_name(s->encoder) != NULL, "unknown encoder %d", (int)s->encoder);
    REQUIRE(s->log_level >= TALKIE_LOG_ERROR && s->log_level <= TALKIE_LOG_DEBUG,
            "unknown log level");
#undef REQUIRE
    return 0;
}

static int open_encoder(TalkieSession *s)
{
    TkEncoderParams params = {
        .layout = s->layout,
        .fps_num = s->settings.fps_num,
        .fps_den = s->settings.fps_den,
        .qp = s->settings.qp,
        .bitrate_bps = s->settings.bitrate_bps,
        .keyint = s->settings.keyint ? s->settings.keyint
                                     : 2 * (s->settings.fps_num + s->settings.fps_den - 1) /
                                           s->settings.fps_den,
        .vk = s->vk,
        .log = &s->log,
    };
    TalkieEncoder wanted = s->settings.encoder;
    const TkEncoderBackend *list[TK_ENCODER_MAX_BACKENDS + 1];
    tk_encoder_order(s->vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU, list);
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
    if (err < 0)
        return err;

    TalkieSession *s = calloc(1, sizeof(*s));
    if (!s)
        return TALKIE_ERR(ENOMEM);
    s->settings = *settings;
    s->settings.device_name = NULL;   /* pointers into the caller's memory are not kept */
    s->settings.font_path = NULL;
    s->log = early_log;
    s->layout = tk_frame_layout(settings->width, settings->height);
    s->last_frame = -1;

    TkVkDeviceParams vk_params = {
        .device_index = settings->device_index,
        .device_name = settings->device_name,
        .validation = settings->validation,
        .log = &s->log,
    };
    if ((err = tk_vk_device_open(&s->vk, &vk_params)) < 0)
        goto error;
    if ((err = tk_scene_create(&s->scene, &s->log)) < 0)
        goto error;
    if ((err = tk_renderer_create(&s->renderer, s->vk, &s->layout, settings->font_path,
                                  &s->log)) < 0)
        goto error;
    if ((err = open_encoder(s)) < 0)
        goto error;
    if ((err = tk_vk_buffer_create(s->vk, &s->frame, s->layout.size,
                                   s->backend->needs_host_frame ? TK_VK_MEMORY_READBACK
                                                                : TK_VK_MEMORY_DEVICE)) < 0)
        goto error;
    if ((err = tk_vk_cmd_create(s->vk, &s->cmd)) < 0)
        goto error;
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
    for (int i = 0; i < s->queue_len; i++)
        talkie_packet_unref(&s->queue[(s->queue_head + i) % TK_SESSION_MAX_QUEUED]);
    if (s->backend)
        s->backend->close(&s->encoder);
    if (s->vk) {
        tk_vk_cmd_destroy(s->vk, &s->cmd);
        tk_vk_buffer_destroy(s->vk, &s->frame);
    }
    tk_renderer_destroy(&s->renderer);
    tk_scene_destroy(&s->scene);
    tk_vk_device_close(&s->vk);
    free(s);
    *ps = NULL;
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

/* Moves every packet the backend has ready into the session's queue. */
static int collect_packets(TalkieSession *s)
{
    while (s->queue_len < TK_SESSION_MAX_QUEUED && !s->encoder_drained) {
        TalkiePacket *pkt = &s->queue[(s->queue_head + s->queue_len) % TK_SESSION_MAX_QUEUED];
        memset(pkt, 0, sizeof(*pkt));
        int err = s->backend->receive(s->encoder, pkt);
        if (err == TALKIE_ERR(EAGAIN))
            return 0;
        if (err == TALKIE_EOF) {
            s->encoder_drained = 1;
            return 0;
        }
        if (err < 0)
            return err;
        s->queue_len++;
    }
    return 0;
}

int talkie_session_send_frame(TalkieSession *s, int64_t frame_index)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    if (s->flushed || frame_index <= s->last_frame || frame_index < 0 ||
        frame_index > INT64_MAX / 1000 / s->settings.fps_den) {
        tk_log_error(&s->log, "frame %lld: frames must be sent in increasing order before flush",
                     (long long)frame_index);
        return TALKIE_ERR(EINVAL);
    }
    if (s->queue_len == TK_SESSION_MAX_QUEUED)
        return TALKIE_ERR(EAGAIN);

    int64_t t_ms = frame_index * 1000 * s->settings.fps_den / s->settings.fps_num;
    int err = tk_vk_cmd_begin(s->vk, &s->cmd);
    if (err < 0)
        return err;
    if ((err = tk_renderer_record(s->renderer, s->scene, t_ms, &s->cmd, &s->frame)) < 0)
        return err;
    tk_vk_cmd_barrier(s->vk, &s->cmd);
    if ((err = tk_vk_cmd_submit(s->vk, &s->cmd)) < 0)
        return err;
    if ((err = tk_vk_cmd_wait(s->vk, &s->cmd)) < 0)
        return err;
    if (s->backend->needs_host_frame)
        tk_vk_buffer_invalidate(s->vk, &s->frame);

    TkEncoderFrame frame = {
        .gpu = &s->frame,
        .host = s->frame.map,
        .pts = frame_index,
    };
    err = s->backend->submit(s->encoder, &frame);
    if (err == TALKIE_ERR(EAGAIN)) {
        /* The backend holds more than our queue can take: make room, then retry once. */
        if ((err = collect_packets(s)) < 0)
            return err;
        err = s->backend->submit(s->encoder, &frame);
    }
    if (err < 0)
        return err;
    s->last_frame = frame_index;
    return collect_packets(s);
}

int talkie_session_flush(TalkieSession *s)
{
    if (!s)
        return TALKIE_ERR(EINVAL);
    if (s->flushed)
        return 0;
    s->flushed = 1;
    return s->backend->flush(s->encoder);
}

int talkie_session_get_packet(TalkieSession *s, TalkiePacket *pkt)
{
    if (!s || !pkt)
        return TALKIE_ERR(EINVAL);
    memset(pkt, 0, sizeof(*pkt));
    if (s->queue_len == 0) {
        int err = collect_packets(s);
        if (err < 0)
            return err;
    }
    if (s->queue_len == 0)
        return s->flushed && s->encoder_drained ? TALKIE_EOF : TALKIE_ERR(EAGAIN);
    *pkt = s->queue[s->queue_head];
    s->queue_head = (s->queue_head + 1) % TK_SESSION_MAX_QUEUED;
    s->queue_len--;
    return 0;
}

void talkie_packet_unref(TalkiePacket *pkt)
{
    if (!pkt)
        return;
    free(pkt->data);
    memset(pkt, 0, sizeof(*pkt));
}

const TkLog *tk_session_log(const TalkieSession *s)
{
    return &s->log;
}
