/*
 * One table of talkie's errors gives both talkie_strerror() and talkie_error_name().
 *
 * Every string returned is a static constant: strerror() is not used, because glibc hands
 * back a buffer that the next call for an unknown value overwrites (and frees, per thread),
 * so two results kept side by side, or one kept across threads, would be read after free.
 */
#include <errno.h>

#include "talkie/talkie.h"

#define TK_OWN_ERRORS(X)                                                      \
    X(TALKIE_ERROR_VULKAN, "a Vulkan call failed")                            \
    X(TALKIE_ERROR_NO_DEVICE, "no matching Vulkan device")                    \
    X(TALKIE_ERROR_UNSUPPORTED, "not supported by this device or build")      \
    X(TALKIE_ERROR_ENCODER, "the encoder failed")                             \
    X(TALKIE_ERROR_MUXER, "the container writer failed")                      \
    X(TALKIE_ERROR_FONT, "no usable font")                                    \
    X(TALKIE_ERROR_VALIDATION, "the Vulkan validation layer reported an error") \
    X(TALKIE_ERROR_DEVICE_LOST, "the GPU device was lost")                    \
    X(TALKIE_EOF, "end of stream")

/* The errno values talkie or the libraries under it return, with glibc's wording. */
#define TK_ERRNO_ERRORS(X)                                                    \
    X(EPERM, "Operation not permitted")                                       \
    X(ENOENT, "No such file or directory")                                    \
    X(EINTR, "Interrupted system call")                                       \
    X(EIO, "Input/output error")                                              \
    X(ENXIO, "No such device or address")                                     \
    X(E2BIG, "Argument list too long")                                        \
    X(EBADF, "Bad file descriptor")                                           \
    X(EAGAIN, "Resource temporarily unavailable")                             \
    X(ENOMEM, "Cannot allocate memory")                                       \
    X(EACCES, "Permission denied")                                            \
    X(EFAULT, "Bad address")                                                  \
    X(EBUSY, "Device or resource busy")                                       \
    X(EEXIST, "File exists")                                                  \
    X(ENODEV, "No such device")                                               \
    X(ENOTDIR, "Not a directory")                                             \
    X(EISDIR, "Is a directory")                                               \
    X(EINVAL, "Invalid argument")                                             \
    X(ENFILE, "Too many open files in system")                                \
    X(EMFILE, "Too many open files")                                          \
    X(EFBIG, "File too large")                                                \
    X(ENOSPC, "No space left on device")                                      \
    X(ESPIPE, "Illegal seek")                                                 \
    X(EROFS, "Read-only file system")                                         \
    X(EPIPE, "Broken pipe")                                                   \
    X(EDOM, "Numerical argument out of domain")                               \
    X(ERANGE, "Numerical result out of range")                                \
    X(EDEADLK, "Resource deadlock avoided")                                   \
    X(ENAMETOOLONG, "File name too long")                                     \
    X(ENOSYS, "Function not implemented")                                     \
    X(ENODATA, "No data available")                                           \
    X(ENOMSG, "No message of desired type")                                   \
    X(ETIME, "Timer expired")                                                 \
    X(EPROTO, "Protocol error")                                               \
    X(EOVERFLOW, "Value too large for defined data type")                     \
    X(EILSEQ, "Invalid or incomplete multibyte or wide character")            \
    X(ENOTSOCK, "Socket operation on non-socket")                             \
    X(EMSGSIZE, "Message too long")                                           \
    X(EPROTONOSUPPORT, "Protocol not supported")                              \
    X(ENOTSUP, "Operation not supported")                                     \
    X(EAFNOSUPPORT, "Address family not supported by protocol")               \
    X(EADDRINUSE, "Address already in use")                                   \
    X(EADDRNOTAVAIL, "Cannot assign requested address")                       \
    X(ENETDOWN, "Network is down")                                            \
    X(ENETUNREACH, "Network is unreachable")                                  \
    X(ECONNABORTED, "Software caused connection abort")                       \
    X(ECONNRESET, "Connection reset by peer")                                 \
    X(ENOBUFS, "No buffer space available")                                   \
    X(ENOTCONN, "Transport endpoint is not connected")                        \
    X(ETIMEDOUT, "Connection timed out")                                      \
    X(ECONNREFUSED, "Connection refused")                                     \
    X(EHOSTUNREACH, "No route to host")                                       \
    X(EALREADY, "Operation already in progress")                              \
    X(EINPROGRESS, "Operation now in progress")                               \
    X(ECANCELED, "Operation canceled")

const char *talkie_strerror(int err)
{
    if (err >= 0)
        return "success";
    /* A switch, not a chain of ifs: the compiler then rejects two entries of one value
     * (ENOTSUP is EOPNOTSUPP on Linux, so only one of them may be listed). */
    switch (err) {
#define X(code, text) case code: return text;
    TK_OWN_ERRORS(X)
#undef X
#define X(code, text) case -(code): return text;
    TK_ERRNO_ERRORS(X)
#undef X
    default:
        return "unknown error";
    }
}

const char *talkie_error_name(int err)
{
    if (err >= 0)
        return "OK";
    switch (err) {
#define X(code, text) case code: return #code;
    TK_OWN_ERRORS(X)
#undef X
#define X(code, text) case -(code): return #code;
    TK_ERRNO_ERRORS(X)
#undef X
    default:
        return "UNKNOWN";
    }
}
