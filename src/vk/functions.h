/*
 * The Vulkan entry points talkie uses, in one X-macro list, so the table, its loading and
 * its names all come from the same place. Only vkGetInstanceProcAddr is linked from the
 * loader; every other pointer lives in a TkVkFunctions owned by one TkVkDevice.
 *
 * X(name, level): level is GLOBAL (no instance), INSTANCE or DEVICE.
 * Functions of extensions talkie requires or probes are marked with the extension in a comment.
 */
#ifndef TALKIE_VK_FUNCTIONS_H
#define TALKIE_VK_FUNCTIONS_H

#include <vulkan/vulkan.h>

#define TK_VK_FUNCTIONS(X)                                   \
    X(vkCreateInstance, GLOBAL)                              \
    X(vkEnumerateInstanceVersion, GLOBAL)                    \
    X(vkEnumerateInstanceLayerProperties, GLOBAL)            \
    X(vkEnumerateInstanceExtensionProperties, GLOBAL)        \
    X(vkDestroyInstance, INSTANCE)                           \
    X(vkEnumeratePhysicalDevices, INSTANCE)                  \
    X(vkGetPhysicalDeviceProperties, INSTANCE)               \
    X(vkGetPhysicalDeviceProperties2, INSTANCE)              \
    X(vkGetPhysicalDeviceFeatures2, INSTANCE)                \
    X(vkGetPhysicalDeviceQueueFamilyProperties, INSTANCE)    \
    X(vkGetPhysicalDeviceMemoryProperties, INSTANCE)         \
    X(vkEnumerateDeviceExtensionProperties, INSTANCE)        \
    X(vkCreateDevice, INSTANCE)                              \
    X(vkGetDeviceProcAddr, INSTANCE)                         \
    X(vkCreateDebugUtilsMessengerEXT, INSTANCE)  /* VK_EXT_debug_utils, validation only */ \
    X(vkDestroyDebugUtilsMessengerEXT, INSTANCE) /* VK_EXT_debug_utils, validation only */ \
    X(vkDestroyDevice, DEVICE)                               \
    X(vkGetDeviceQueue, DEVICE)                              \
    X(vkDeviceWaitIdle, DEVICE)                              \
    X(vkCreateBuffer, DEVICE)                                \
    X(vkDestroyBuffer, DEVICE)                               \
    X(vkGetBufferMemoryRequirements, DEVICE)                 \
    X(vkAllocateMemory, DEVICE)                              \
    X(vkFreeMemory, DEVICE)                                  \
    X(vkBindBufferMemory, DEVICE)                            \
    X(vkMapMemory, DEVICE)                                   \
    X(vkUnmapMemory, DEVICE)                                 \
    X(vkInvalidateMappedMemoryRanges, DEVICE)                \
    X(vkFlushMappedMemoryRanges, DEVICE)                     \
    X(vkCreateShaderModule, DEVICE)                          \
    X(vkDestroyShaderModule, DEVICE)                         \
    X(vkCreateDescriptorSetLayout, DEVICE)                   \
    X(vkDestroyDescriptorSetLayout, DEVICE)                  \
    X(vkCreatePipelineLayout, DEVICE)                        \
    X(vkDestroyPipelineLayout, DEVICE)                       \
    X(vkCreateComputePipelines, DEVICE)                      \
    X(vkCreatePipelineCache, DEVICE)                         \
    X(vkDestroyPipelineCache, DEVICE)                        \
    X(vkGetPipelineCacheData, DEVICE)                        \
    X(vkDestroyPipeline, DEVICE)                             \
    X(vkCreateCommandPool, DEVICE)                           \
    X(vkDestroyCommandPool, DEVICE)                          \
    X(vkAllocateCommandBuffers, DEVICE)                      \
    X(vkResetCommandBuffer, DEVICE)                          \
    X(vkBeginCommandBuffer, DEVICE)                          \
    X(vkEndCommandBuffer, DEVICE)                            \
    X(vkCmdBindPipeline, DEVICE)                             \
    X(vkCmdPushConstants, DEVICE)                            \
    X(vkCmdPushDescriptorSetKHR, DEVICE) /* VK_KHR_push_descriptor, required */ \
    X(vkCmdDispatch, DEVICE)                                 \
    X(vkCmdDispatchIndirect, DEVICE)                         \
    X(vkGetBufferDeviceAddress, DEVICE) /* core 1.2, required */ \
    X(vkCmdPipelineBarrier, DEVICE)                          \
    X(vkCmdCopyBuffer, DEVICE)                               \
    X(vkCmdFillBuffer, DEVICE)                               \
    X(vkCmdWriteTimestamp, DEVICE)                           \
    X(vkCreateQueryPool, DEVICE)                             \
    X(vkDestroyQueryPool, DEVICE)                            \
    X(vkCmdResetQueryPool, DEVICE)                           \
    X(vkGetQueryPoolResults, DEVICE)                         \
    X(vkCreateFence, DEVICE)                                 \
    X(vkDestroyFence, DEVICE)                                \
    X(vkResetFences, DEVICE)                                 \
    X(vkWaitForFences, DEVICE)                               \
    X(vkQueueSubmit, DEVICE)                                 \
    X(vkGetPipelineExecutablePropertiesKHR, DEVICE) /* VK_KHR_pipeline_executable_properties, profiling */ \
    X(vkGetPipelineExecutableStatisticsKHR, DEVICE) /* VK_KHR_pipeline_executable_properties, profiling */

typedef struct TkVkFunctions {
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
#define TK_VK_DECLARE(name, level) PFN_##name name;
    TK_VK_FUNCTIONS(TK_VK_DECLARE)
#undef TK_VK_DECLARE
} TkVkFunctions;

#endif
