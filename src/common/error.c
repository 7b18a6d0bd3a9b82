/* One table of talkie's errors gives both talkie_strerror() and talkie_error_name(). */
#include <string.h>

#include "talkie/talkie.h"

#define TK_OWN_ERRORS(X)                                                      \
    X(TALKIE_ERROR_VULKAN, "a Vulkan call failed")                            \
    X(TALKIE_ERROR_NO_DEVICE, "no matching Vulkan device")                    \
    X(TALKIE_ERROR_UNSUPPORTED, "not supported by this device or build")      \
    X(TALKIE_ERROR_ENCODER, "the encoder failed")                             \
    X(TALKIE_ERROR_MUXER, "the container writer failed")                      \
    X(TALKIE_ERROR_FONT, "no usable font")                                    \
    X(TALKIE_ERROR_VALIDATION, "the Vulkan validation layer reported an error")

#define TK_ERRNO_NAMES(X)                                                     \
    X(EPERM) X(ENOENT) X(EIO) X(E2BIG) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES) \
    X(EFAULT) X(EBUSY) X(EEXIST) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL)     \
    X(ENFILE) X(EMFILE) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EPIPE)        \
    X(ERANGE) X(ENAMETOOLONG) X(ENOSYS) X(ENOTSUP) X(ETIMEDOUT) X(EILSEQ)     \
    X(ENODATA) X(ENOMSG)

const char *talkie_strerror(int err)
{
    if (err >= 0)
        return "success";
    if (err == TALKIE_EOF)
        return "end of stream";
#define X(code, text) if (err == code) return text;
    TK_OWN_ERRORS(X)
#undef X
    if (err > -4096)
        return strerror(-err);
    return "unknown error";
}

const char *talkie_error_name(int err)
{
    if (err >= 0)
        return "OK";
#define X(code, text) if (err == code) return #code;
    TK_OWN_ERRORS(X)
#undef X
#define X(e) if (err == -(e)) return #e;
    TK_ERRNO_NAMES(X)
#undef X
    return "UNKNOWN";
}
