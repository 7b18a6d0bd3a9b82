/* TalkieContext: the device and engine that sessions share; see context.h. */
#include "engine/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode/backend.h"

void talkie_default_context_settings(TalkieContextSettings *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof(*s));
    s->device_index = -1;
    s->max_batch_frames = 64;
    s->cpu_threads = 0;
    s->log_level = TALKIE_LOG_WARNING;
}

static int validate(const TalkieContextSettings *s, const TkLog *log)
{
    if (s->max_batch_frames < 1 || s->max_batch_frames > 1024) {
        tk_log_error(log, "max_batch_frames %d is out of range (1..1024)", s->max_batch_frames);
        return TALKIE_ERR(EINVAL);
    }
    if (s->cpu_threads < 0 || s->cpu_threads > 1024) {
        tk_log_error(log, "cpu_threads %d is out of range (0..1024)", s->cpu_threads);
        return TALKIE_ERR(EINVAL);
    }
    if (s->log_level < TALKIE_LOG_ERROR || s->log_level > TALKIE_LOG_DEBUG) {
        tk_log_error(log, "unknown log level %d", (int)s->log_level);
        return TALKIE_ERR(EINVAL);
    }
    return 0;
}

static void context_free(TalkieContext *c)
{
    pthread_mutex_destroy(&c->auto_lock);
    tk_engine_destroy(&c->engine);
    if (c->vk && c->pipeline_cache_path)
        tk_vk_pipeline_cache_save(c->vk, c->pipeline_cache_path);
    tk_vk_device_close(&c->vk);
    free(c->pipeline_cache_path);
    free(c);
}

int talkie_context_open(TalkieContext **out, const TalkieContextSettings *settings)
{
    if (!out)
        return TALKIE_ERR(EINVAL);
    *out = NULL;
    if (!settings)
        return TALKIE_ERR(EINVAL);
    TkLog log = {
        .callback = settings->log_callback,
        .opaque = settings->log_opaque,
        .max_level = settings->log_level,
    };
    int err = validate(settings, &log);
    if (err < 0)
        return err;
    TalkieContext *c = calloc(1, sizeof(*c));
    if (!c)
        return TALKIE_ERR(ENOMEM);
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->auto_lock, NULL);
    c->log = log;
    c->settings = *settings;
    c->settings.device_name = NULL;   /* pointers into the caller's memory are not kept */
    c->settings.pipeline_cache_path = NULL;
    err = TALKIE_ERR(ENOMEM);
    if (settings->pipeline_cache_path &&
        !(c->pipeline_cache_path = strdup(settings->pipeline_cache_path)))
        goto error;
    /* What the encoders need of the device is known before it is created (a Vulkan Video
     * backend's extensions and queue); today's backends need only compute. */
    TkEncoderDeviceRequirements req;
    tk_encoder_device_requirements(&req);
    TkVkDeviceParams vk_params = {
        .device_index = settings->device_index,
        .device_name = settings->device_name,
        .validation = settings->validation,
        .pipeline_cache_path = c->pipeline_cache_path,
        .optional_extensions = req.optional_extensions,
        .n_optional_extensions = req.n_optional_extensions,
        .log = &c->log,
    };
    if ((err = tk_vk_device_open(&c->vk, &vk_params)) < 0)
        goto error;
    if ((err = tk_engine_create(&c->engine, c)) < 0)
        goto error;
    *out = c;
    return 0;
error:
    context_free(c);
    return err;
}

int tk_context_open_private(TalkieContext **out, const TalkieSettings *s)
{
    TalkieContextSettings cs;
    talkie_default_context_settings(&cs);
    cs.device_index = s->device_index;
    cs.device_name = s->device_name;
    cs.validation = s->validation;
    cs.max_batch_frames = 1;
    cs.cpu_threads = 1;
    cs.log_level = s->log_level;
    cs.log_callback = s->log_callback;
    cs.log_opaque = s->log_opaque;
    return talkie_context_open(out, &cs);
}

const TkAutoChoice *tk_context_auto_choice(TalkieContext *c)
{
    pthread_mutex_lock(&c->auto_lock);
    if (!c->auto_measured) {
        if (c->vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
            tk_encoder_auto_measure(c->vk, &c->log, &c->auto_choice);
            tk_log_info(&c->log, "encoder auto: %s, %s (measured in %.0f ms)",
                        talkie_encoder_name(c->auto_choice.encoder), c->auto_choice.reason,
                        c->auto_choice.probe_ms);
        } else {
            c->auto_choice = (TkAutoChoice){ .encoder = TALKIE_ENCODER_COMPUTE, .lavc_ms = -1,
                                             .compute_ms = -1 };
            snprintf(c->auto_choice.reason, sizeof(c->auto_choice.reason),
                     "a GPU with compute: talkie's encoder runs on it");
        }
        c->auto_measured = 1;
    }
    pthread_mutex_unlock(&c->auto_lock);
    return &c->auto_choice;
}

TalkieContext *tk_context_ref(TalkieContext *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void tk_context_unref(TalkieContext **pc)
{
    TalkieContext *c = *pc;
    if (!c)
        return;
    *pc = NULL;
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        context_free(c);
}

void talkie_context_close(TalkieContext **c)
{
    if (c)
        tk_context_unref(c);
}

int talkie_context_stats(const TalkieContext *c, TalkieContextStats *st)
{
    if (!c || !st)
        return TALKIE_ERR(EINVAL);
    memset(st, 0, sizeof(*st));
    st->sessions_opened = atomic_load(&c->sessions_opened);
    st->kernels_compiled = atomic_load(&c->vk->pipelines_created);
    st->pipeline_cache_loaded = c->vk->pipeline_cache_loaded;
    TkEngineTimes times;
    tk_engine_stats(c->engine, &st->submissions, &st->frames, &st->frames_recoded, &times);
    st->engine_prepare_us = times.prepare_ns / 1000;
    st->engine_prepare_work_us = times.prepare_work_ns / 1000;
    st->engine_record_us = times.record_ns / 1000;
    st->engine_wait_us = times.wait_ns / 1000;
    st->engine_collect_us = times.collect_ns / 1000;
    st->engine_gpu_us = times.gpu_ns / 1000;
    st->engine_gpu_render_us = times.gpu_render_ns / 1000;
    return 0;
}
