/* Per-session logging: every message goes through the session's callback (or stderr). */
#ifndef TALKIE_COMMON_LOG_H
#define TALKIE_COMMON_LOG_H

#include "talkie/talkie.h"

typedef struct TkLog {
    TalkieLogCallback callback; /* NULL: stderr */
    void *opaque;
    TalkieLogLevel max_level;
} TkLog;

#if defined(__GNUC__)
#define TK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TK_PRINTF(a, b)
#endif

/* `log` may be NULL: then errors and warnings go to stderr. */
void tk_log(const TkLog *log, TalkieLogLevel level, const char *fmt, ...) TK_PRINTF(3, 4);

#define tk_log_error(l, ...) tk_log(l, TALKIE_LOG_ERROR, __VA_ARGS__)
#define tk_log_warning(l, ...) tk_log(l, TALKIE_LOG_WARNING, __VA_ARGS__)
#define tk_log_info(l, ...) tk_log(l, TALKIE_LOG_INFO, __VA_ARGS__)
#define tk_log_debug(l, ...) tk_log(l, TALKIE_LOG_DEBUG, __VA_ARGS__)

#endif
