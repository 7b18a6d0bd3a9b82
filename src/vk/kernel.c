/* Compute kernels: a pipeline from embedded SPIR-V whose storage buffers are pushed. */
#include <stdio.h>
#include <string.h>

#include "vk/vk.h"

/* Bindings a kernel may have; kernels with more would need a larger array below. */
#define TK_VK_MAX_BUFFERS 16

/* A row kernel's pipeline has no bindings and TK_VK_ROWS_PUSH_SIZE bytes of push constants
 * (the table); n_buffers and push_size describe its rows. */
static int create(TkVkDevice *dev, TkVkKernel *k, const uint32_t *spirv, size_t spirv_bytes,
                  uint32_t n_buffers, uint32_t push_size, int rows)
{
    const TkVkFunctions *f = &dev->vk;
    memset(k, 0, sizeof(*k));
    if (n_buffers > TK_VK_MAX_BUFFERS || push_size > 128 || push_size % 4)
        return TALKIE_ERR(EINVAL);
    k->n_buffers = n_buffers;
    k->push_size = push_size;
    k->rows = rows;
    uint32_t bound = rows ? 0 : n_buffers;

    VkDescriptorSetLayoutBinding bindings[TK_VK_MAX_BUFFERS];
    for (uint32_t i = 0; i < n_buffers; i++)
        bindings[i] = (VkDescriptorSetLayoutBinding){
            .binding = i,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo set_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR,
        .bindingCount = bound,
        .pBindings = bindings,
    };
    VkShaderModule module = VK_NULL_HANDLE;
    int err = tk_vk_check(dev, f->vkCreateDescriptorSetLayout(dev->device, &set_info, NULL,
                                                              &k->set_layout),
                          "vkCreateDescriptorSetLayout");
    if (err < 0)
        goto error;
    VkPushConstantRange range = {
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        .offset = 0,
        .size = rows ? TK_VK_ROWS_PUSH_SIZE : push_size,
    };
    VkPipelineLayoutCreateInfo layout_info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &k->set_layout,
        .pushConstantRangeCount = rows || push_size ? 1 : 0,
        .pPushConstantRanges = &range,
    };
    if ((err = tk_vk_check(dev, f->vkCreatePipelineLayout(dev->device, &layout_info, NULL,
                                                          &k->layout),
                           "vkCreatePipelineLayout")) < 0)
        goto error;
    VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = spirv_bytes,
        .pCode = spirv,
    };
    if ((err = tk_vk_check(dev, f->vkCreateShaderModule(dev->device, &module_info, NULL, &module),
                           "vkCreateShaderModule")) < 0)
        goto error;
    VkComputePipelineCreateInfo pipe_info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = module,
            .pName = "main",
        },
        .flags = dev->kernel_statistics ? VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR : 0,
        .layout = k->layout,
    };
    err = tk_vk_check(dev, f->vkCreateComputePipelines(dev->device, dev->pipeline_cache, 1,
                                                       &pipe_info,
                                                       NULL, &k->pipeline),
                      "vkCreateComputePipelines");
    f->vkDestroyShaderModule(dev->device, module, NULL);
    if (err < 0)
        goto error;
    atomic_fetch_add(&dev->pipelines_created, 1);
    return 0;
error:
    tk_vk_kernel_destroy(dev, k);
    return err;
}

int tk_vk_kernel_create(TkVkDevice *dev, TkVkKernel *k, const uint32_t *spirv, size_t spirv_bytes,
                        uint32_t n_buffers, uint32_t push_size)
{
    return create(dev, k, spirv, spirv_bytes, n_buffers, push_size, 0);
}

void tk_vk_kernel_destroy(TkVkDevice *dev, TkVkKernel *k)
{
    const TkVkFunctions *f = &dev->vk;
    if (k->pipeline)
        f->vkDestroyPipeline(dev->device, k->pipeline, NULL);
    if (k->layout)
        f->vkDestroyPipelineLayout(dev->device, k->layout, NULL);
    if (k->set_layout)
        f->vkDestroyDescriptorSetLayout(dev->device, k->set_layout, NULL);
    memset(k, 0, sizeof(*k));
}

static int shared(TkVkDevice *dev, const TkVkKernel **k, const uint32_t *spirv,
                  size_t spirv_bytes, uint32_t n_buffers, uint32_t push_size, int rows)
{
    *k = NULL;
    int err = 0;
    pthread_mutex_lock(&dev->kernels_lock);
    uint32_t i = 0;
    while (i < dev->n_shared_kernels && dev->shared_kernels[i].spirv != spirv)
        i++;
    if (i == dev->n_shared_kernels) {
        if (i == TK_VK_MAX_SHARED_KERNELS)
            err = TALKIE_ERR(ENOSPC);
        else if ((err = create(dev, &dev->shared_kernels[i].kernel, spirv, spirv_bytes,
                               n_buffers, push_size, rows)) == 0) {
            dev->shared_kernels[i].spirv = spirv;
            dev->n_shared_kernels++;
        }
    }
    if (err == 0) {
        TkVkKernel *found = &dev->shared_kernels[i].kernel;
        if (found->n_buffers != n_buffers || found->push_size != push_size ||
            found->rows != rows)
            err = TALKIE_ERR(EINVAL);
        else
            *k = found;
    }
    pthread_mutex_unlock(&dev->kernels_lock);
    return err;
}

int tk_vk_kernel_shared(TkVkDevice *dev, const TkVkKernel **k, const uint32_t *spirv,
                        size_t spirv_bytes, uint32_t n_buffers, uint32_t push_size)
{
    return shared(dev, k, spirv, spirv_bytes, n_buffers, push_size, 0);
}

int tk_vk_kernel_shared_rows(TkVkDevice *dev, const TkVkKernel **k, const uint32_t *spirv,
                             size_t spirv_bytes, uint32_t n_buffers, uint32_t push_size)
{
    return shared(dev, k, spirv, spirv_bytes, n_buffers, push_size, 1);
}

int tk_vk_kernel_statistics(TkVkDevice *dev, const TkVkKernel *k, char *text, size_t cap)
{
    const TkVkFunctions *f = &dev->vk;
    if (cap)
        text[0] = 0;
    if (!dev->kernel_statistics || !f->vkGetPipelineExecutableStatisticsKHR)
        return TALKIE_ERROR_UNSUPPORTED;
    VkPipelineExecutableInfoKHR exe = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR,
        .pipeline = k->pipeline,
        .executableIndex = 0,
    };
    VkPipelineExecutableStatisticKHR stats[32];
    uint32_t n = 32;
    for (uint32_t i = 0; i < n; i++)
        stats[i] = (VkPipelineExecutableStatisticKHR){
            .sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR,
        };
    VkResult res = f->vkGetPipelineExecutableStatisticsKHR(dev->device, &exe, &n, stats);
    if (res != VK_SUCCESS && res != VK_INCOMPLETE)
        return tk_vk_check(dev, res, "vkGetPipelineExecutableStatisticsKHR");
    size_t pos = 0;
    for (uint32_t i = 0; i < n && pos < cap; i++) {
        const VkPipelineExecutableStatisticKHR *s = &stats[i];
        int w;
        switch (s->format) {
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR:
            w = snprintf(text + pos, cap - pos, "%s %u\n", s->name, s->value.b32);
            break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR:
            w = snprintf(text + pos, cap - pos, "%s %lld\n", s->name, (long long)s->value.i64);
            break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
            w = snprintf(text + pos, cap - pos, "%s %llu\n", s->name,
                         (unsigned long long)s->value.u64);
            break;
        default:
            w = snprintf(text + pos, cap - pos, "%s %g\n", s->name, s->value.f64);
            break;
        }
        pos += w > 0 ? (size_t)w : 0;
    }
    return 0;
}
