#include "gpu.h"

#include "check.h"

TkVkDevice *tk_check_gpu_open(const TkLog *log)
{
    TkVkDeviceParams params = { .device_index = -1, .validation = 1, .log = log };
    TkVkDevice *dev = NULL;
    if (tk_vk_device_open(&dev, &params) < 0)
        tk_check_skip("no Vulkan device");
    return dev;
}

void tk_check_gpu_close(TkVkDevice **dev)
{
    if (*dev)
        CHECK_EQ((*dev)->validation_errors, 0);
    tk_vk_device_close(dev);
}
