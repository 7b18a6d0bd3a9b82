#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void tk_log(const TkLog *log, TalkieLogLevel level, const char *fmt, ...)
{
    TalkieLogLevel max_level = log ? log->max_level : TALKIE_LOG_WARNING;
    if (level > max_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log && log->callback)
        log->callback(log->opaque, level, msg);
    else
        fprintf(stderr, "talkie %s: %s\n", level_names[level], msg);
}
