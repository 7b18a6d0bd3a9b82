/* The Vulkan device of a GPU test: validation on, skipped (exit 77) where none exists. */
#ifndef TALKIE_TESTS_GPU_H
#define TALKIE_TESTS_GPU_H

#include "vk/vk.h"

/* Opens the best device with the validation layer; exits 77 when there is none. */
TkVkDevice *tk_check_gpu_open(const TkLog *log);
/* Checks that the validation layer reported no error, then closes the device. */
void tk_check_gpu_close(TkVkDevice **dev);

#endif
