/*
 * Command recording and submission on the compute queue. A TkVkCmd is reused frame after
 * frame: begin() waits for its previous submission, so the buffers that submission used stay
 * alive and untouched until its fence signals.
 */
#include <stdlib.h>
#include <string.h>

#include "vk/vk.h"

/* The rows of one row kernel gathered since the last barrier (vk.h tk_vk_kernel_shared_rows).
 * Entries stay with their kernel from recording to recording, keeping their memory. */
typedef struct TkVkPendingRows {
    const TkVkKernel *kernel;
    uint8_t *rows;
    size_t cap;              /* bytes */
    uint32_t n;
    uint32_t groups_x, groups_y;
} TkVkPendingRows;

/* Generous: a frame's work is well under a millisecond on a GPU and tens of ms on lavapipe,
 * but lavapipe compiles a shader at its first dispatch, which on a loaded 2-core machine (CI,
 * tests in parallel, sanitizers) has taken over 20 s. */
#define TK_VK_WAIT_TIMEOUT_NS (120ull * 1000 * 1000 * 1000)

int tk_vk_cmd_create(TkVkDevice *dev, TkVkCmd *c)
{
    const TkVkFunctions *f = &dev->vk;
    memset(c, 0, sizeof(*c));
    c->queue = atomic_fetch_add(&dev->next_queue, 1) % dev->n_queues;
    VkCommandPoolCreateInfo pool_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = dev->compute_family,
    };
    int err = tk_vk_check(dev, f->vkCreateCommandPool(dev->device, &pool_info, NULL, &c->pool),
                          "vkCreateCommandPool");
    if (err < 0)
        goto error;
    VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = c->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    if ((err = tk_vk_check(dev, f->vkAllocateCommandBuffers(dev->device, &alloc, &c->cmd),
                           "vkAllocateCommandBuffers")) < 0)
        goto error;
    VkFenceCreateInfo fence_info = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    if ((err = tk_vk_check(dev, f->vkCreateFence(dev->device, &fence_info, NULL, &c->fence),
                           "vkCreateFence")) < 0)
        goto error;
    return 0;
error:
    tk_vk_cmd_destroy(dev, c);
    return err;
}

void tk_vk_cmd_set_queue(TkVkDevice *dev, TkVkCmd *c, uint32_t index)
{
    if (!c->submitted)
        c->queue = index % dev->n_queues;
}

void tk_vk_cmd_destroy(TkVkDevice *dev, TkVkCmd *c)
{
    const TkVkFunctions *f = &dev->vk;
    if (c->submitted)
        tk_vk_cmd_wait(dev, c);
    if (c->fence)
        f->vkDestroyFence(dev->device, c->fence, NULL);
    if (c->timestamps)
        f->vkDestroyQueryPool(dev->device, c->timestamps, NULL);
    if (c->pool)
        f->vkDestroyCommandPool(dev->device, c->pool, NULL); /* frees c->cmd */
    for (uint32_t i = 0; i < c->n_uploads; i++)
        tk_vk_buffer_destroy(dev, &c->uploads[i]);
    for (uint32_t i = 0; i < c->n_pending; i++)
        free(c->pending[i].rows);
    free(c->pending);
    memset(c, 0, sizeof(*c));
}

int tk_vk_cmd_begin(TkVkDevice *dev, TkVkCmd *c)
{
    const TkVkFunctions *f = &dev->vk;
    int err;
    if (c->submitted && (err = tk_vk_cmd_wait(dev, c)) < 0)
        return err;
    if ((err = tk_vk_check(dev, f->vkResetCommandBuffer(c->cmd, 0), "vkResetCommandBuffer")) < 0)
        return err;
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    if ((err = tk_vk_check(dev, f->vkBeginCommandBuffer(c->cmd, &begin), "vkBeginCommandBuffer")) < 0)
        return err;
    /* the last recording outgrew its first chunk: one chunk as large as the last (which is
     * at least the sum of the others) serves the next ones */
    if (c->n_uploads > 1) {
        for (uint32_t i = 0; i + 1 < c->n_uploads; i++)
            tk_vk_buffer_destroy(dev, &c->uploads[i]);
        c->uploads[0] = c->uploads[c->n_uploads - 1];
        memset(&c->uploads[c->n_uploads - 1], 0, sizeof(c->uploads[0]));
        c->n_uploads = 1;
    }
    c->upload_used = 0;
    for (uint32_t i = 0; i < c->n_pending; i++)
        c->pending[i].n = 0;
    c->error = 0;
    c->recording = 1;
    c->bound = VK_NULL_HANDLE;
    c->n_timestamps = 0;
    if (c->timestamps)
        f->vkCmdResetQueryPool(c->cmd, c->timestamps, 0, c->max_timestamps);
    return 0;
}

static size_t row_bytes(const TkVkKernel *k)
{
    return 8 * (size_t)k->n_buffers + k->push_size;
}

/* Records the dispatch of p's rows and empties it. */
static void dispatch_rows(TkVkDevice *dev, TkVkCmd *c, TkVkPendingRows *p)
{
    const TkVkKernel *k = p->kernel;
    struct {
        VkDeviceAddress table;
        uint32_t row_words;
        uint32_t unused;
    } push = { .row_words = (uint32_t)(row_bytes(k) / 4) };
    _Static_assert(sizeof(push) == TK_VK_ROWS_PUSH_SIZE, "vk_rows.glsl's push constants");
    int err = tk_vk_cmd_upload(dev, c, p->rows, p->n * row_bytes(k), &push.table);
    if (err < 0) {
        c->error = err;
        p->n = 0;
        return;
    }
    if (c->bound != k->pipeline) {
        dev->vk.vkCmdBindPipeline(c->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
        c->bound = k->pipeline;
    }
    dev->vk.vkCmdPushConstants(c->cmd, k->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push),
                               &push);
    dev->vk.vkCmdDispatch(c->cmd, p->groups_x, p->groups_y, p->n);
    p->n = 0;
}

/* Every row kernel's rows since the last barrier, one dispatch each. */
static void flush_rows(TkVkDevice *dev, TkVkCmd *c)
{
    for (uint32_t i = 0; i < c->n_pending; i++)
        if (c->pending[i].n > 0)
            dispatch_rows(dev, c, &c->pending[i]);
}

static TkVkPendingRows *pending_of(TkVkCmd *c, const TkVkKernel *k)
{
    for (uint32_t i = 0; i < c->n_pending; i++)
        if (c->pending[i].kernel == k)
            return &c->pending[i];
    if (c->n_pending == c->cap_pending) {
        uint32_t cap = c->cap_pending ? 2 * c->cap_pending : 8;
        TkVkPendingRows *grown = realloc(c->pending, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        c->pending = grown;
        c->cap_pending = cap;
    }
    TkVkPendingRows *p = &c->pending[c->n_pending++];
    *p = (TkVkPendingRows){ .kernel = k };
    return p;
}

static void add_row(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                    const TkVkBuffer *const *buffers, const void *push, uint32_t groups_x,
                    uint32_t groups_y, uint32_t groups_z)
{
    TkVkPendingRows *p = c->error ? NULL : pending_of(c, k);
    size_t bytes = row_bytes(k);
    if (!p || groups_z != 1) {
        c->error = c->error ? c->error : !p ? TALKIE_ERR(ENOMEM) : TALKIE_ERR(EINVAL);
        return;
    }
    if (p->n == dev->props.limits.maxComputeWorkGroupCount[2])
        dispatch_rows(dev, c, p);   /* unordered with the rows after it all the same */
    if ((p->n + 1) * bytes > p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64 * bytes;
        uint8_t *grown = realloc(p->rows, cap);
        if (!grown) {
            c->error = TALKIE_ERR(ENOMEM);
            return;
        }
        p->rows = grown;
        p->cap = cap;
    }
    uint8_t *row = p->rows + p->n * bytes;
    for (uint32_t i = 0; i < k->n_buffers; i++)
        memcpy(row + 8 * i, &buffers[i]->address, 8);
    if (k->push_size)
        memcpy(row + 8 * k->n_buffers, push, k->push_size);
    p->groups_x = p->n == 0 || groups_x > p->groups_x ? groups_x : p->groups_x;
    p->groups_y = p->n == 0 || groups_y > p->groups_y ? groups_y : p->groups_y;
    p->n++;
}

/* Binds k (when it is not bound already), its buffers and push constants for a dispatch. */
static void bind_kernel(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                        const TkVkBuffer *const *buffers, const void *push)
{
    const TkVkFunctions *f = &dev->vk;
    VkDescriptorBufferInfo infos[16];
    VkWriteDescriptorSet writes[16];
    for (uint32_t i = 0; i < k->n_buffers; i++) {
        infos[i] = (VkDescriptorBufferInfo){
            .buffer = buffers[i]->buffer,
            .offset = 0,
            .range = VK_WHOLE_SIZE,
        };
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &infos[i],
        };
    }
    if (c->bound != k->pipeline) {
        f->vkCmdBindPipeline(c->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
        c->bound = k->pipeline;
    }
    if (k->n_buffers)
        f->vkCmdPushDescriptorSetKHR(c->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->layout, 0,
                                     k->n_buffers, writes);
    if (k->push_size)
        f->vkCmdPushConstants(c->cmd, k->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, k->push_size,
                              push);
}

void tk_vk_cmd_dispatch(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                        const TkVkBuffer *const *buffers, const void *push,
                        uint32_t groups_x, uint32_t groups_y, uint32_t groups_z)
{
    if (k->rows) {
        add_row(dev, c, k, buffers, push, groups_x, groups_y, groups_z);
        return;
    }
    bind_kernel(dev, c, k, buffers, push);
    dev->vk.vkCmdDispatch(c->cmd, groups_x, groups_y, groups_z);
}

void tk_vk_cmd_dispatch_indirect(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                                 const TkVkBuffer *const *buffers, const void *push,
                                 const TkVkBuffer *args, VkDeviceSize offset)
{
    if (k->rows) {   /* rows are gathered on the host: there is no count to read */
        c->error = c->error ? c->error : TALKIE_ERR(EINVAL);
        return;
    }
    bind_kernel(dev, c, k, buffers, push);
    dev->vk.vkCmdDispatchIndirect(c->cmd, args->buffer, offset);
}

/* The first chunk: room for tables of a few hundred frames. */
#define UPLOAD_CHUNK_MIN (64 * 1024)
#define UPLOAD_ALIGN 16

int tk_vk_cmd_alloc(TkVkDevice *dev, TkVkCmd *c, size_t size, TkVkCmdMemory *out)
{
    if (!c->recording || size == 0)
        return TALKIE_ERR(EINVAL);
    VkDeviceSize need = (size + UPLOAD_ALIGN - 1) / UPLOAD_ALIGN * UPLOAD_ALIGN;
    TkVkBuffer *last = c->n_uploads ? &c->uploads[c->n_uploads - 1] : NULL;
    if (!last || c->upload_used + need > last->size) {
        if (c->n_uploads == TK_VK_CMD_UPLOAD_CHUNKS)
            return TALKIE_ERR(ENOMEM);
        /* doubling: the chunk is at least as large as all before it together */
        VkDeviceSize bytes = last ? 2 * last->size : UPLOAD_CHUNK_MIN;
        while (bytes < need)
            bytes *= 2;
        int err = tk_vk_buffer_create(dev, &c->uploads[c->n_uploads], bytes, TK_VK_MEMORY_TABLE);
        if (err < 0)
            return err;
        last = &c->uploads[c->n_uploads++];
        c->upload_used = 0;
    }
    *out = (TkVkCmdMemory){
        .map = (uint8_t *)last->map + c->upload_used,
        .address = last->address + c->upload_used,
        .buffer = last,
        .offset = c->upload_used,
    };
    c->upload_used += need;
    return 0;
}

int tk_vk_cmd_upload(TkVkDevice *dev, TkVkCmd *c, const void *data, size_t size,
                     VkDeviceAddress *address)
{
    TkVkCmdMemory m;
    int err = tk_vk_cmd_alloc(dev, c, size, &m);
    if (err < 0)
        return err;
    memcpy(m.map, data, size);
    *address = m.address;
    return 0;
}

void tk_vk_cmd_barrier(TkVkDevice *dev, TkVkCmd *c)
{
    flush_rows(dev, c);
    VkMemoryBarrier barrier = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                         VK_ACCESS_HOST_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                         VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                         VK_ACCESS_HOST_READ_BIT | VK_ACCESS_INDIRECT_COMMAND_READ_BIT,
    };
    dev->vk.vkCmdPipelineBarrier(c->cmd,
                                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                                     VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
                                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                                     VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT |
                                     VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT,
                                 0, 1, &barrier, 0, NULL, 0, NULL);
}

void tk_vk_cmd_copy(TkVkDevice *dev, TkVkCmd *c, const TkVkBuffer *src, VkDeviceSize src_offset,
                    const TkVkBuffer *dst, VkDeviceSize dst_offset, VkDeviceSize size)
{
    VkBufferCopy region = { .srcOffset = src_offset, .dstOffset = dst_offset, .size = size };
    dev->vk.vkCmdCopyBuffer(c->cmd, src->buffer, dst->buffer, 1, &region);
}

void tk_vk_cmd_fill(TkVkDevice *dev, TkVkCmd *c, const TkVkBuffer *dst, uint32_t value)
{
    dev->vk.vkCmdFillBuffer(c->cmd, dst->buffer, 0, VK_WHOLE_SIZE, value);
}

void tk_vk_cmd_abandon(TkVkDevice *dev, TkVkCmd *c)
{
    if (!c->recording)
        return;
    c->recording = 0;
    dev->vk.vkEndCommandBuffer(c->cmd);
}

int tk_vk_cmd_submit(TkVkDevice *dev, TkVkCmd *c)
{
    const TkVkFunctions *f = &dev->vk;
    flush_rows(dev, c);
    if (c->error) {
        tk_vk_cmd_abandon(dev, c);
        return c->error;
    }
    c->recording = 0;
    int err = tk_vk_check(dev, f->vkEndCommandBuffer(c->cmd), "vkEndCommandBuffer");
    if (err < 0)
        return err;
    if ((err = tk_vk_check(dev, f->vkResetFences(dev->device, 1, &c->fence), "vkResetFences")) < 0)
        return err;
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &c->cmd,
    };
    pthread_mutex_lock(&dev->queue_locks[c->queue]);
    VkResult res = f->vkQueueSubmit(dev->queues[c->queue], 1, &submit, c->fence);
    pthread_mutex_unlock(&dev->queue_locks[c->queue]);
    if ((err = tk_vk_check(dev, res, "vkQueueSubmit")) < 0)
        return err;
    c->submitted = 1;
    return 0;
}

int tk_vk_cmd_wait(TkVkDevice *dev, TkVkCmd *c)
{
    if (!c->submitted)
        return 0;
    VkResult res = dev->vk.vkWaitForFences(dev->device, 1, &c->fence, VK_TRUE,
                                           TK_VK_WAIT_TIMEOUT_NS);
    if (res == VK_TIMEOUT) {
        tk_log_error(dev->log, "the GPU did not finish a submission within %llu s",
                     TK_VK_WAIT_TIMEOUT_NS / 1000000000ull);
        return TALKIE_ERR(ETIMEDOUT);
    }
    c->submitted = 0;
    int err = tk_vk_check(dev, res, "vkWaitForFences");
    if (err < 0)
        return err;
    if (dev->validation_errors)
        return TALKIE_ERROR_VALIDATION;
    return 0;
}

int tk_vk_cmd_enable_timestamps(TkVkDevice *dev, TkVkCmd *c, uint32_t max)
{
    const TkVkFunctions *f = &dev->vk;
    if (c->timestamps || max == 0)
        return TALKIE_ERR(EINVAL);
    uint32_t n_families = 0;
    VkQueueFamilyProperties families[32];
    f->vkGetPhysicalDeviceQueueFamilyProperties(dev->physical, &n_families, NULL);
    n_families = n_families > 32 ? 32 : n_families;
    f->vkGetPhysicalDeviceQueueFamilyProperties(dev->physical, &n_families, families);
    if (dev->compute_family >= n_families ||
        families[dev->compute_family].timestampValidBits == 0 ||
        dev->props.limits.timestampPeriod <= 0)
        return TALKIE_ERROR_UNSUPPORTED;
    VkQueryPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = max,
    };
    int err = tk_vk_check(dev, f->vkCreateQueryPool(dev->device, &info, NULL, &c->timestamps),
                          "vkCreateQueryPool");
    if (err < 0)
        return err;
    c->max_timestamps = max;
    return 0;
}

void tk_vk_cmd_timestamp(TkVkDevice *dev, TkVkCmd *c)
{
    if (!c->timestamps || c->n_timestamps >= c->max_timestamps)
        return;
    flush_rows(dev, c);
    dev->vk.vkCmdWriteTimestamp(c->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, c->timestamps,
                                c->n_timestamps++);
}

int tk_vk_cmd_read_timestamps(TkVkDevice *dev, TkVkCmd *c, double *ms, uint32_t *n)
{
    if (!c->timestamps || c->submitted) {
        *n = 0;
        return TALKIE_ERR(EINVAL);
    }
    uint32_t count = c->n_timestamps < *n ? c->n_timestamps : *n;
    uint64_t ticks[64];
    count = count > 64 ? 64 : count;
    *n = 0;
    if (count == 0)
        return 0;
    /* The submission completed (its fence), so its timestamps are there: asked with
     * VK_QUERY_RESULT_WAIT_BIT, lavapipe waited for everything submitted since as well
     * (another batch's whole GPU time). The wait only where they are not ready. */
    VkResult res = dev->vk.vkGetQueryPoolResults(dev->device, c->timestamps, 0, count,
                                                 sizeof(ticks), ticks, sizeof(ticks[0]),
                                                 VK_QUERY_RESULT_64_BIT);
    if (res == VK_NOT_READY)
        res = dev->vk.vkGetQueryPoolResults(dev->device, c->timestamps, 0, count,
                                            sizeof(ticks), ticks, sizeof(ticks[0]),
                                            VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    int err = tk_vk_check(dev, res, "vkGetQueryPoolResults");
    if (err < 0)
        return err;
    double ns_per_tick = dev->props.limits.timestampPeriod;
    for (uint32_t i = 0; i < count; i++)
        ms[i] = (double)(ticks[i] - ticks[0]) * ns_per_tick / 1e6;
    *n = count;
    return 0;
}
