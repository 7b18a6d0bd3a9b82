/* Buffers and their memory: one allocation per buffer (talkie's buffers are few and large). */
#include <string.h>

#include "vk/vk.h"

/* The first memory type allowed by `type_bits` that has all of `required`, preferring one that
 * also has `preferred`; -1 if none. */
static int find_memory_type(const VkPhysicalDeviceMemoryProperties *mp, uint32_t type_bits,
                            VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred)
{
    int fallback = -1;
    for (uint32_t i = 0; i < mp->memoryTypeCount; i++) {
        if (!(type_bits & (1u << i)))
            continue;
        VkMemoryPropertyFlags fl = mp->memoryTypes[i].propertyFlags;
        if ((fl & required) != required)
            continue;
        if ((fl & preferred) == preferred)
            return (int)i;
        if (fallback < 0)
            fallback = (int)i;
    }
    return fallback;
}

int tk_vk_buffer_create(TkVkDevice *dev, TkVkBuffer *buf, VkDeviceSize size, TkVkMemory memory)
{
    const TkVkFunctions *f = &dev->vk;
    memset(buf, 0, sizeof(*buf));
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT |
                 VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    int err = tk_vk_check(dev, f->vkCreateBuffer(dev->device, &info, NULL, &buf->buffer),
                          "vkCreateBuffer");
    if (err < 0)
        return err;
    buf->size = size;

    VkMemoryRequirements req;
    f->vkGetBufferMemoryRequirements(dev->device, buf->buffer, &req);
    VkMemoryPropertyFlags required = 0, preferred = 0;
    switch (memory) {
    case TK_VK_MEMORY_DEVICE:
        preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
        break;
    case TK_VK_MEMORY_UPLOAD:
        required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        break;
    case TK_VK_MEMORY_TABLE:
        required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
        break;
    case TK_VK_MEMORY_READBACK:
        required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
        preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
        break;
    }
    int type = find_memory_type(&dev->mem_props, req.memoryTypeBits, required, preferred);
    if (type < 0) {
        tk_log_error(dev->log, "no Vulkan memory type fits a %llu-byte buffer",
                     (unsigned long long)size);
        err = TALKIE_ERROR_UNSUPPORTED;
        goto error;
    }
    VkMemoryAllocateFlagsInfo address_flag = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
        .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT,
    };
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .pNext = &address_flag,
        .allocationSize = req.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    if ((err = tk_vk_check(dev, f->vkAllocateMemory(dev->device, &alloc, NULL, &buf->memory),
                           "vkAllocateMemory")) < 0)
        goto error;
    if ((err = tk_vk_check(dev, f->vkBindBufferMemory(dev->device, buf->buffer, buf->memory, 0),
                           "vkBindBufferMemory")) < 0)
        goto error;
    VkBufferDeviceAddressInfo address = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO,
        .buffer = buf->buffer,
    };
    buf->address = f->vkGetBufferDeviceAddress(dev->device, &address);
    VkMemoryPropertyFlags flags = dev->mem_props.memoryTypes[type].propertyFlags;
    buf->coherent = !!(flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    if (memory != TK_VK_MEMORY_DEVICE &&
        (err = tk_vk_check(dev, f->vkMapMemory(dev->device, buf->memory, 0, VK_WHOLE_SIZE, 0,
                                               &buf->map), "vkMapMemory")) < 0)
        goto error;
    return 0;
error:
    tk_vk_buffer_destroy(dev, buf);
    return err;
}

void tk_vk_buffer_destroy(TkVkDevice *dev, TkVkBuffer *buf)
{
    if (buf->buffer)
        dev->vk.vkDestroyBuffer(dev->device, buf->buffer, NULL);
    if (buf->memory)
        dev->vk.vkFreeMemory(dev->device, buf->memory, NULL); /* unmaps implicitly */
    memset(buf, 0, sizeof(*buf));
}

void tk_vk_buffer_invalidate(TkVkDevice *dev, const TkVkBuffer *buf)
{
    if (!buf->map || buf->coherent)
        return;
    VkMappedMemoryRange range = {
        .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
        .memory = buf->memory,
        .offset = 0,
        .size = VK_WHOLE_SIZE,
    };
    tk_vk_check(dev, dev->vk.vkInvalidateMappedMemoryRanges(dev->device, 1, &range),
                "vkInvalidateMappedMemoryRanges");
}
