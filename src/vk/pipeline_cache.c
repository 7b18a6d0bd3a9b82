/*
 * The device's VkPipelineCache and its file. Compiling talkie's kernels takes seconds on
 * lavapipe and tens of milliseconds on a GPU driver; a server that restarts reads the
 * compiled code back instead.
 *
 * The file is the driver's own blob (vkGetPipelineCacheData). Its header (Vulkan 1.0,
 * 10.7.4 "Pipeline Cache") names the vendor, device and a driver UUID: talkie checks it
 * before handing the data to the driver, so a file from another GPU or driver version, or
 * a damaged one, only means an empty cache (logged at info level), never an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vk/vk.h"

/* Larger files are not ours: a cache of talkie's few kernels is well under a megabyte. */
#define PIPELINE_CACHE_MAX_BYTES (64u << 20)

static void *read_file(const char *path, size_t *size)
{
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= PIPELINE_CACHE_MAX_BYTES) {
        data = malloc((size_t)st.st_size);
        if (data && read(fd, data, (size_t)st.st_size) == st.st_size)
            *size = (size_t)st.st_size;
        else {
            free(data);
            data = NULL;
        }
    }
    close(fd);
    return data;
}

/* 1 when `data` starts with a header version one for this very device and driver. */
static int header_matches(const TkVkDevice *dev, const uint8_t *data, size_t size)
{
    VkPipelineCacheHeaderVersionOne h;
    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    return h.headerSize >= sizeof(h) && h.headerSize <= size &&
           h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
           h.vendorID == dev->props.vendorID && h.deviceID == dev->props.deviceID &&
           !memcmp(h.pipelineCacheUUID, dev->props.pipelineCacheUUID, VK_UUID_SIZE);
}

int tk_vk_pipeline_cache_create(TkVkDevice *dev, const char *path)
{
    size_t size = 0;
    void *data = path ? read_file(path, &size) : NULL;
    if (data && !header_matches(dev, data, size)) {
        tk_log_info(dev->log, "pipeline cache %s is for another device or driver: not used",
                    path);
        free(data);
        data = NULL;
        size = 0;
    }
    VkPipelineCacheCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = size,
        .pInitialData = data,
    };
    int err = tk_vk_check(dev, dev->vk.vkCreatePipelineCache(dev->device, &info, NULL,
                                                             &dev->pipeline_cache),
                          "vkCreatePipelineCache");
    dev->pipeline_cache_loaded = err == 0 && size > 0;
    if (dev->pipeline_cache_loaded)
        tk_log_info(dev->log, "pipeline cache: %zu bytes from %s", size, path);
    free(data);
    return err;
}

int tk_vk_pipeline_cache_save(TkVkDevice *dev, const char *path)
{
    if (!dev || !path || !dev->pipeline_cache)
        return TALKIE_ERR(EINVAL);
    size_t size = 0;
    int err = tk_vk_check(dev, dev->vk.vkGetPipelineCacheData(dev->device, dev->pipeline_cache,
                                                              &size, NULL),
                          "vkGetPipelineCacheData");
    if (err < 0 || size == 0)
        return err;
    void *data = malloc(size);
    if (!data)
        return TALKIE_ERR(ENOMEM);
    if ((err = tk_vk_check(dev, dev->vk.vkGetPipelineCacheData(dev->device, dev->pipeline_cache,
                                                               &size, data),
                           "vkGetPipelineCacheData")) < 0) {
        free(data);
        return err;
    }
    /* A unique temporary name beside the file, then an atomic rename: two processes saving
     * at once, or a crash half-way, never leave a torn cache behind. */
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp) {
        free(data);
        return TALKIE_ERR(ENOMEM);
    }
    snprintf(tmp, len + 16, "%s.tmp-XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        err = TALKIE_ERR(errno);
    } else {
        ssize_t wrote = write(fd, data, size);
        err = wrote == (ssize_t)size ? 0 : TALKIE_ERR(wrote < 0 ? errno : ENOSPC);
        if (close(fd) != 0 && err == 0)
            err = TALKIE_ERR(errno);
        if (err == 0 && rename(tmp, path) != 0)
            err = TALKIE_ERR(errno);
        if (err < 0)
            unlink(tmp);
    }
    if (err < 0)
        tk_log_warning(dev->log, "pipeline cache: cannot write %s: %s", path,
                       talkie_strerror(err));
    free(tmp);
    free(data);
    return err;
}
