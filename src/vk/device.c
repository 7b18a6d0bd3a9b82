/*
 * Instance and device: picks a physical device (discrete, then integrated, virtual, CPU;
 * or the one the caller names), finds the queue families talkie uses, loads the function
 * table and, when asked, the validation layer with a messenger that counts its errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk/vk.h"

#define TK_VK_LEVEL_GLOBAL 0
#define TK_VK_LEVEL_INSTANCE 1
#define TK_VK_LEVEL_DEVICE 2

static const char validation_layer[] = "VK_LAYER_KHRONOS_validation";

const char *tk_vk_result_name(VkResult res)
{
    switch (res) {
#define NAME(r) case r: return #r;
    NAME(VK_SUCCESS) NAME(VK_NOT_READY) NAME(VK_TIMEOUT) NAME(VK_INCOMPLETE)
    NAME(VK_ERROR_OUT_OF_HOST_MEMORY) NAME(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    NAME(VK_ERROR_INITIALIZATION_FAILED) NAME(VK_ERROR_DEVICE_LOST)
    NAME(VK_ERROR_MEMORY_MAP_FAILED) NAME(VK_ERROR_LAYER_NOT_PRESENT)
    NAME(VK_ERROR_EXTENSION_NOT_PRESENT) NAME(VK_ERROR_FEATURE_NOT_PRESENT)
    NAME(VK_ERROR_INCOMPATIBLE_DRIVER) NAME(VK_ERROR_TOO_MANY_OBJECTS)
    NAME(VK_ERROR_FORMAT_NOT_SUPPORTED) NAME(VK_ERROR_UNKNOWN)
#undef NAME
    default: return "VkResult(unknown)";
    }
}

int tk_vk_check(const TkVkDevice *dev, VkResult res, const char *what)
{
    if (res == VK_SUCCESS)
        return 0;
    tk_log_error(dev ? dev->log : NULL, "%s failed: %s", what, tk_vk_result_name(res));
    if (res == VK_ERROR_OUT_OF_HOST_MEMORY || res == VK_ERROR_OUT_OF_DEVICE_MEMORY)
        return TALKIE_ERR(ENOMEM);
    if (res == VK_ERROR_DEVICE_LOST)
        return TALKIE_ERROR_DEVICE_LOST;
    return TALKIE_ERROR_VULKAN;
}

/* Loads every entry point of one level; extension functions may stay NULL. */
static void load_functions(TkVkFunctions *f, int level, VkInstance instance, VkDevice device)
{
#define TK_VK_LOAD(name, lvl)                                                               \
    if (TK_VK_LEVEL_##lvl == level) {                                                       \
        if (level == TK_VK_LEVEL_DEVICE)                                                    \
            f->name = (PFN_##name)f->vkGetDeviceProcAddr(device, #name);                    \
        else                                                                                \
            f->name = (PFN_##name)f->vkGetInstanceProcAddr(instance, #name);                \
    }
    TK_VK_FUNCTIONS(TK_VK_LOAD)
#undef TK_VK_LOAD
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT *data, void *opaque)
{
    (void)types;
    TkVkDevice *dev = opaque;
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        dev->validation_errors++;
        tk_log_error(dev->log, "validation: %s", data->pMessage);
    } else {
        tk_log_warning(dev->log, "validation: %s", data->pMessage);
    }
    return VK_FALSE;
}

static int has_layer(const TkVkFunctions *f, const char *name)
{
    uint32_t n = 0;
    if (f->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0)
        return 0;
    VkLayerProperties *layers = calloc(n, sizeof(*layers));
    if (!layers)
        return 0;
    int found = 0;
    if (f->vkEnumerateInstanceLayerProperties(&n, layers) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = !strcmp(layers[i].layerName, name);
    free(layers);
    return found;
}

/* Creates the instance into dev (dev->vk.vkGetInstanceProcAddr must be set). */
static int create_instance(TkVkDevice *dev, int validation)
{
    TkVkFunctions *f = &dev->vk;
    load_functions(f, TK_VK_LEVEL_GLOBAL, VK_NULL_HANDLE, VK_NULL_HANDLE);
    if (!f->vkCreateInstance) {
        tk_log_error(dev->log, "the Vulkan loader has no vkCreateInstance");
        return TALKIE_ERROR_VULKAN;
    }
    uint32_t api = VK_API_VERSION_1_1;
    if (f->vkEnumerateInstanceVersion) {
        uint32_t loader_api = 0;
        if (f->vkEnumerateInstanceVersion(&loader_api) == VK_SUCCESS && loader_api > api)
            api = loader_api >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : loader_api;
    }
    if (validation && !has_layer(f, validation_layer)) {
        tk_log_warning(dev->log, "validation requested but %s is not installed", validation_layer);
        validation = 0;
    }
    const char *layers[] = { validation_layer };
    const char *extensions[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "talkie",
        .pEngineName = "talkie",
        .apiVersion = api,
    };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
        .enabledLayerCount = validation ? 1 : 0,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = validation ? 1 : 0,
        .ppEnabledExtensionNames = extensions,
    };
    VkResult res = f->vkCreateInstance(&info, NULL, &dev->instance);
    if (res == VK_ERROR_INCOMPATIBLE_DRIVER) {
        tk_log_error(dev->log, "no Vulkan driver found (install mesa-vulkan-drivers for lavapipe)");
        return TALKIE_ERROR_NO_DEVICE;
    }
    int err = tk_vk_check(dev, res, "vkCreateInstance");
    if (err < 0)
        return err;
    load_functions(f, TK_VK_LEVEL_INSTANCE, dev->instance, VK_NULL_HANDLE);
    if (validation && f->vkCreateDebugUtilsMessengerEXT) {
        VkDebugUtilsMessengerCreateInfoEXT mi = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            .pfnUserCallback = on_validation_message,
            .pUserData = dev,
        };
        err = tk_vk_check(dev, f->vkCreateDebugUtilsMessengerEXT(dev->instance, &mi, NULL,
                                                                 &dev->messenger),
                          "vkCreateDebugUtilsMessengerEXT");
        if (err < 0)
            return err;
    }
    return 0;
}

/* What one physical device offers, as far as talkie cares. */
typedef struct DeviceCaps {
    VkPhysicalDeviceProperties props;
    uint32_t compute_family;   /* UINT32_MAX: none */
    uint32_t compute_queue_count;
    uint32_t transfer_family;  /* a transfer-only family (DMA engine) if any, else compute */
    uint32_t encode_family;    /* UINT32_MAX: none */
    uint32_t subgroup_size;
    char driver[256];
    int push_descriptor;
    int buffer_address;        /* Vulkan 1.2's bufferDeviceAddress */
    int executable_properties;
    int encode_h264, decode_h264, decode_h265;
} DeviceCaps;

static int has_extension(const VkExtensionProperties *exts, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(exts[i].extensionName, name))
            return 1;
    return 0;
}

static int query_caps(const TkVkFunctions *f, VkPhysicalDevice pd, DeviceCaps *caps)
{
    memset(caps, 0, sizeof(*caps));
    caps->compute_family = caps->encode_family = UINT32_MAX;
    VkPhysicalDeviceProperties plain;
    f->vkGetPhysicalDeviceProperties(pd, &plain);
    /* Driver properties are core in 1.2; chaining them on an older device is invalid. */
    VkPhysicalDeviceDriverProperties driver = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
    };
    VkPhysicalDeviceSubgroupProperties subgroup = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
        .pNext = plain.apiVersion >= VK_API_VERSION_1_2 ? &driver : NULL,
    };
    VkPhysicalDeviceProperties2 props2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
        .pNext = &subgroup,
    };
    f->vkGetPhysicalDeviceProperties2(pd, &props2);
    caps->props = props2.properties;
    caps->subgroup_size = subgroup.subgroupSize;
    if (plain.apiVersion >= VK_API_VERSION_1_2)
        snprintf(caps->driver, sizeof(caps->driver), "%.120s %.120s", driver.driverName,
                 driver.driverInfo);
    else
        snprintf(caps->driver, sizeof(caps->driver), "driver 0x%x", plain.driverVersion);

    uint32_t n_families = 0;
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n_families, NULL);
    VkQueueFamilyProperties *families = calloc(n_families ? n_families : 1, sizeof(*families));
    uint32_t n_exts = 0;
    f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n_exts, NULL);
    VkExtensionProperties *exts = calloc(n_exts ? n_exts : 1, sizeof(*exts));
    if (!families || !exts) {
        free(families);
        free(exts);
        return TALKIE_ERR(ENOMEM);
    }
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n_families, families);
    if (f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n_exts, exts) != VK_SUCCESS)
        n_exts = 0;

    /* Prefer a family with compute but without graphics (async compute), then any compute. */
    for (uint32_t i = 0; i < n_families; i++) {
        VkQueueFlags fl = families[i].queueFlags;
        if (!(fl & VK_QUEUE_COMPUTE_BIT))
            continue;
        if (caps->compute_family == UINT32_MAX ||
            (!(fl & VK_QUEUE_GRAPHICS_BIT) &&
             (families[caps->compute_family].queueFlags & VK_QUEUE_GRAPHICS_BIT)))
            caps->compute_family = i;
    }
    /* VK_QUEUE_VIDEO_ENCODE_BIT_KHR is 0x40; the value is spelled out because Debian 12's
     * headers only declare it with the beta extensions enabled. */
    if (caps->compute_family != UINT32_MAX)
        caps->compute_queue_count = families[caps->compute_family].queueCount;
    caps->transfer_family = caps->compute_family;
    for (uint32_t i = 0; i < n_families; i++)
        if ((families[i].queueFlags & (VK_QUEUE_TRANSFER_BIT | VK_QUEUE_COMPUTE_BIT |
                                       VK_QUEUE_GRAPHICS_BIT)) == VK_QUEUE_TRANSFER_BIT) {
            caps->transfer_family = i;
            break;
        }
    for (uint32_t i = 0; i < n_families; i++)
        if ((families[i].queueFlags & 0x40) && caps->encode_family == UINT32_MAX)
            caps->encode_family = i;

    caps->push_descriptor = has_extension(exts, n_exts, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    if (plain.apiVersion >= VK_API_VERSION_1_2) {
        VkPhysicalDeviceBufferDeviceAddressFeatures address = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES,
        };
        VkPhysicalDeviceFeatures2 features = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
            .pNext = &address,
        };
        f->vkGetPhysicalDeviceFeatures2(pd, &features);
        caps->buffer_address = address.bufferDeviceAddress == VK_TRUE;
    }
    caps->executable_properties =
        has_extension(exts, n_exts, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
    caps->encode_h264 = caps->encode_family != UINT32_MAX &&
                        has_extension(exts, n_exts, "VK_KHR_video_encode_queue") &&
                        has_extension(exts, n_exts, "VK_KHR_video_encode_h264");
    caps->decode_h264 = has_extension(exts, n_exts, "VK_KHR_video_decode_h264");
    caps->decode_h265 = has_extension(exts, n_exts, "VK_KHR_video_decode_h265");
    free(families);
    free(exts);
    return 0;
}

/* Higher is better: discrete, integrated, virtual, CPU, other. */
static int type_rank(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static int usable(const DeviceCaps *caps)
{
    return caps->compute_family != UINT32_MAX && caps->push_descriptor && caps->buffer_address;
}

/* Enumerates physical devices into a malloc'd array. */
static int enumerate(TkVkDevice *dev, VkPhysicalDevice **out, uint32_t *count)
{
    *out = NULL;
    *count = 0;
    uint32_t n = 0;
    int err = tk_vk_check(dev, dev->vk.vkEnumeratePhysicalDevices(dev->instance, &n, NULL),
                          "vkEnumeratePhysicalDevices");
    if (err < 0 || n == 0)
        return err;
    VkPhysicalDevice *pds = calloc(n, sizeof(*pds));
    if (!pds)
        return TALKIE_ERR(ENOMEM);
    err = tk_vk_check(dev, dev->vk.vkEnumeratePhysicalDevices(dev->instance, &n, pds),
                      "vkEnumeratePhysicalDevices");
    if (err < 0) {
        free(pds);
        return err;
    }
    *out = pds;
    *count = n;
    return 0;
}

static int pick_device(TkVkDevice *dev, const TkVkDeviceParams *params, DeviceCaps *chosen)
{
    VkPhysicalDevice *pds;
    uint32_t n;
    int err = enumerate(dev, &pds, &n);
    if (err < 0)
        return err;
    int best = -1, best_rank = -1;
    for (uint32_t i = 0; i < n; i++) {
        DeviceCaps caps;
        if ((err = query_caps(&dev->vk, pds[i], &caps)) < 0)
            break;
        if (params->device_index >= 0 && (uint32_t)params->device_index != i)
            continue;
        if (params->device_name && !strstr(caps.props.deviceName, params->device_name))
            continue;
        if (!usable(&caps)) {
            tk_log_info(dev->log,
                        "device %u (%s) lacks a compute queue, push descriptors or buffer "
                        "device addresses", i,
                        caps.props.deviceName);
            continue;
        }
        int rank = type_rank(caps.props.deviceType);
        if (rank > best_rank) {
            best = (int)i;
            best_rank = rank;
            *chosen = caps;
        }
    }
    if (best >= 0)
        dev->physical = pds[best];
    free(pds);
    if (err < 0)
        return err;
    if (best < 0) {
        tk_log_error(dev->log, "no usable Vulkan device%s%s", params->device_name ? " named " : "",
                     params->device_name ? params->device_name : "");
        return TALKIE_ERROR_NO_DEVICE;
    }
    return 0;
}

/* 1 when the physical device offers extension `name`. */
static int device_offers(TkVkDevice *dev, const char *name)
{
    uint32_t n = 0;
    if (dev->vk.vkEnumerateDeviceExtensionProperties(dev->physical, NULL, &n, NULL) != VK_SUCCESS)
        return 0;
    VkExtensionProperties *props = calloc(n ? n : 1, sizeof(*props));
    int found = 0;
    if (props &&
        dev->vk.vkEnumerateDeviceExtensionProperties(dev->physical, NULL, &n, props) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = !strcmp(props[i].extensionName, name);
    free(props);
    return found;
}

#define MAX_DEVICE_EXTENSIONS 16

static int create_device(TkVkDevice *dev, const DeviceCaps *caps,
                         const TkVkDeviceParams *params)
{
    int kernel_statistics = params->kernel_statistics;
    TkVkFunctions *f = &dev->vk;
    float priorities[TK_VK_MAX_QUEUES];
    uint32_t n_queues = caps->compute_queue_count;
    if (n_queues > TK_VK_MAX_QUEUES)
        n_queues = TK_VK_MAX_QUEUES;
    if (n_queues < 1)
        n_queues = 1;
    for (uint32_t i = 0; i < n_queues; i++)
        priorities[i] = 1.0f;
    VkDeviceQueueCreateInfo queue = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = caps->compute_family,
        .queueCount = n_queues,
        .pQueuePriorities = priorities,
    };
    const char *extensions[MAX_DEVICE_EXTENSIONS] = { VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME };
    uint32_t n_extensions = 1;
    VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR executable_info = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR,
        .pipelineExecutableInfo = VK_TRUE,
    };
    dev->kernel_statistics = kernel_statistics && caps->executable_properties;
    if (dev->kernel_statistics)
        extensions[n_extensions++] = VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME;
    /* What the encoder backends asked for, where this device has it. */
    for (int i = 0; i < params->n_optional_extensions && n_extensions < MAX_DEVICE_EXTENSIONS;
         i++)
        if (device_offers(dev, params->optional_extensions[i]))
            extensions[n_extensions++] = params->optional_extensions[i];
    /* kernels that work on many frames at once find each frame's buffers by address in a
     * table (vk.h TkVkBuffer.address) */
    VkPhysicalDeviceBufferDeviceAddressFeatures address = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES,
        .pNext = dev->kernel_statistics ? &executable_info : NULL,
        .bufferDeviceAddress = VK_TRUE,
    };
    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &address,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue,
        .enabledExtensionCount = n_extensions,
        .ppEnabledExtensionNames = extensions,
    };
    int err = tk_vk_check(dev, f->vkCreateDevice(dev->physical, &info, NULL, &dev->device),
                          "vkCreateDevice");
    if (err < 0)
        return err;
    load_functions(f, TK_VK_LEVEL_DEVICE, dev->instance, dev->device);
    if (!f->vkCmdPushDescriptorSetKHR || !f->vkGetBufferDeviceAddress) {
        tk_log_error(dev->log, "vkCmdPushDescriptorSetKHR or vkGetBufferDeviceAddress is missing");
        return TALKIE_ERROR_UNSUPPORTED;
    }
    for (uint32_t i = 0; i < n_queues; i++) {
        f->vkGetDeviceQueue(dev->device, caps->compute_family, i, &dev->queues[i]);
        if (pthread_mutex_init(&dev->queue_locks[i], NULL) != 0)
            return TALKIE_ERR(ENOMEM);
        dev->n_queues = i + 1;   /* locks 0..n_queues-1 are initialised */
    }
    dev->compute_queue = dev->queues[0];
    return 0;
}

int tk_vk_device_open(TkVkDevice **out, const TkVkDeviceParams *params)
{
    *out = NULL;
    TkVkDevice *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return TALKIE_ERR(ENOMEM);
    dev->log = params->log;
    dev->vk.vkGetInstanceProcAddr = vkGetInstanceProcAddr;
    if (pthread_mutex_init(&dev->kernels_lock, NULL) != 0) {
        free(dev);
        return TALKIE_ERR(ENOMEM);
    }
    dev->kernels_lock_ready = 1;
    const char *env = getenv("TALKIE_VALIDATION");
    int validation = params->validation || (env && env[0] == '1');

    DeviceCaps caps;
    int err = create_instance(dev, validation);
    if (err < 0)
        goto error;
    if ((err = pick_device(dev, params, &caps)) < 0)
        goto error;
    if ((err = create_device(dev, &caps, params)) < 0)
        goto error;
    dev->props = caps.props;
    dev->vk.vkGetPhysicalDeviceMemoryProperties(dev->physical, &dev->mem_props);
    dev->compute_family = caps.compute_family;
    dev->encode_family = caps.encode_family;
    dev->transfer_family = caps.transfer_family;
    dev->subgroup_size = caps.subgroup_size;
    dev->has_video_encode_h264 = caps.encode_h264;
    if ((err = tk_vk_pipeline_cache_create(dev, params->pipeline_cache_path)) < 0)
        goto error;
    tk_log_info(dev->log,
                "using Vulkan device \"%s\" (compute family %u with %u queues, transfer "
                "family %u%s)",
                caps.props.deviceName, caps.compute_family, dev->n_queues, caps.transfer_family,
                caps.encode_h264 ? ", video encode" : "");
    *out = dev;
    return 0;
error:
    tk_vk_device_close(&dev);
    return err;
}

void tk_vk_device_close(TkVkDevice **pdev)
{
    TkVkDevice *dev = *pdev;
    if (!dev)
        return;
    if (dev->device) {
        dev->vk.vkDeviceWaitIdle(dev->device);
        for (uint32_t i = 0; i < dev->n_shared_kernels; i++)
            tk_vk_kernel_destroy(dev, &dev->shared_kernels[i].kernel);
        if (dev->pipeline_cache)
            dev->vk.vkDestroyPipelineCache(dev->device, dev->pipeline_cache, NULL);
        dev->vk.vkDestroyDevice(dev->device, NULL);
    }
    if (dev->kernels_lock_ready)
        pthread_mutex_destroy(&dev->kernels_lock);
    for (uint32_t i = 0; i < dev->n_queues; i++)
        pthread_mutex_destroy(&dev->queue_locks[i]);
    if (dev->messenger)
        dev->vk.vkDestroyDebugUtilsMessengerEXT(dev->instance, dev->messenger, NULL);
    if (dev->instance)
        dev->vk.vkDestroyInstance(dev->instance, NULL);
    free(dev);
    *pdev = NULL;
}

static int device_type_public(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 4;
    default: return 0;
    }
}

int tk_vk_list_devices(TalkieDeviceInfo *infos, int capacity, const TkLog *log)
{
    TkVkDevice *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return TALKIE_ERR(ENOMEM);
    dev->log = log;
    dev->vk.vkGetInstanceProcAddr = vkGetInstanceProcAddr;
    VkPhysicalDevice *pds = NULL;
    uint32_t n = 0;
    int err = create_instance(dev, 0);
    if (err >= 0)
        err = enumerate(dev, &pds, &n);
    for (uint32_t i = 0; err >= 0 && i < n && (int)i < capacity; i++) {
        DeviceCaps caps;
        if ((err = query_caps(&dev->vk, pds[i], &caps)) < 0)
            break;
        TalkieDeviceInfo *d = &infos[i];
        memset(d, 0, sizeof(*d));
        snprintf(d->name, sizeof(d->name), "%s", caps.props.deviceName);
        snprintf(d->driver, sizeof(d->driver), "%s", caps.driver);
        d->vendor_id = caps.props.vendorID;
        d->device_id = caps.props.deviceID;
        d->api_version = caps.props.apiVersion;
        d->type = device_type_public(caps.props.deviceType);
        d->can_compute = usable(&caps);
        d->can_encode_h264 = caps.encode_h264;
        d->can_decode_h264 = caps.decode_h264;
        d->can_decode_h265 = caps.decode_h265;
        d->subgroup_size = caps.subgroup_size;
        d->max_shared_memory_bytes = caps.props.limits.maxComputeSharedMemorySize;
    }
    free(pds);
    tk_vk_device_close(&dev);
    return err < 0 ? err : (int)n;
}
