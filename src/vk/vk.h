/*
 * talkie's Vulkan layer: one TkVkDevice owns the instance, the chosen physical device, the
 * logical device, its queues and a function table loaded for that device (no global
 * function pointers: several devices and sessions can coexist).
 *
 * Compute work is described with three small objects:
 *   TkVkBuffer  a buffer and its memory (device-local, or host-visible and mapped);
 *   TkVkKernel  a compute pipeline from embedded SPIR-V whose bindings are storage buffers
 *               0..n-1 (set 0, pushed with VK_KHR_push_descriptor) plus a push-constant block,
 *               or a row kernel, which finds the same in a table by buffer address so that
 *               one dispatch serves every frame of a batch (tk_vk_kernel_shared_rows);
 *   TkVkCmd     a command buffer with its pool and fence: begin, record dispatches, copies
 *               and barriers, submit, wait.
 *
 * All functions return 0 or a negative talkie error and log failures with the VkResult name.
 */
#ifndef TALKIE_VK_VK_H
#define TALKIE_VK_VK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

#include "common/log.h"
#include "vk/functions.h"

typedef struct TkVkDeviceParams {
    int device_index;        /* -1: best available */
    const char *device_name; /* substring match, or NULL */
    int validation;          /* enable VK_LAYER_KHRONOS_validation + messenger */
    int kernel_statistics;   /* profiling: keep the compiler's statistics of every kernel
                                (VK_KHR_pipeline_executable_properties, where offered) */
    const char *const *optional_extensions; /* enabled where the device offers them */
    int n_optional_extensions;
    const char *pipeline_cache_path; /* compiled kernels are read from this file at open
                                        (when it exists and suits this device and driver)
                                        and saved by tk_vk_pipeline_cache_save; NULL: none */
    const TkLog *log;        /* kept by pointer: must outlive the device */
} TkVkDeviceParams;

/* Queues of the compute family talkie opens at most (NVIDIA offers 8 to 16). Work on
 * different queues of one device runs concurrently, while separate VkDevices on one GPU are
 * time-sliced: many encoders on one device, one queue each, is how throughput scales. */
#define TK_VK_MAX_QUEUES 16

typedef struct TkVkKernel {
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    uint32_t n_buffers;
    uint32_t push_size;
    int rows;                /* a row kernel (tk_vk_kernel_shared_rows) */
} TkVkKernel;

/* Push constants of a row kernel: the table's address and the words of a row (vk_rows.glsl
 * in src/common). */
#define TK_VK_ROWS_PUSH_SIZE 16

/* Kernels the device builds once and hands to every user (tk_vk_kernel_shared). */
#define TK_VK_MAX_SHARED_KERNELS 16
typedef struct TkVkSharedKernel {
    const uint32_t *spirv;            /* the key: the embedded code's address */
    TkVkKernel kernel;
} TkVkSharedKernel;

typedef struct TkVkDevice {
    TkVkFunctions vk;                 /* per-device function table, see vk/functions.h */
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice physical;
    VkDevice device;
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties mem_props;
    uint32_t compute_family;          /* a queue family with compute (and transfer) */
    uint32_t encode_family;           /* UINT32_MAX when the device has no video encode */
    uint32_t transfer_family;         /* a transfer-only family (copy engine) where the device
                                         has one, else compute_family; talkie copies on the
                                         compute queue today, this is for async uploads */
    VkQueue compute_queue;            /* = queues[0] */
    VkQueue queues[TK_VK_MAX_QUEUES]; /* of compute_family */
    pthread_mutex_t queue_locks[TK_VK_MAX_QUEUES]; /* vkQueueSubmit needs one caller a queue */
    uint32_t n_queues;
    atomic_uint next_queue;           /* round-robin choice for new TkVkCmd */
    uint32_t subgroup_size;
    int has_video_encode_h264;
    const TkLog *log;
    atomic_int validation_errors;     /* errors the validation messenger has seen */
    int kernel_statistics;            /* kernels are built with their statistics kept */
    pthread_mutex_t kernels_lock;     /* guards shared_kernels */
    int kernels_lock_ready;
    TkVkSharedKernel shared_kernels[TK_VK_MAX_SHARED_KERNELS];
    uint32_t n_shared_kernels;
    VkPipelineCache pipeline_cache;   /* every kernel is compiled through it */
    int pipeline_cache_loaded;        /* it started from a file's data */
    atomic_uint pipelines_created;    /* how many kernels this device compiled (tests) */
} TkVkDevice;

int tk_vk_device_open(TkVkDevice **out, const TkVkDeviceParams *params);
/* Frees a device (also a partly opened one) and sets *dev to NULL. */
void tk_vk_device_close(TkVkDevice **dev);

/* Creates dev->pipeline_cache, from `path`'s data where it suits this device (device open
 * calls it). */
int tk_vk_pipeline_cache_create(TkVkDevice *dev, const char *path);
/* Writes the pipeline cache's data to `path` (a temporary file in the same folder, renamed
 * over it), so that the next process on this device and driver skips the compiler. */
int tk_vk_pipeline_cache_save(TkVkDevice *dev, const char *path);

/* Fills `info` (public struct) for every device, as talkie_list_devices() describes. */
int tk_vk_list_devices(TalkieDeviceInfo *infos, int capacity, const TkLog *log);

/* Logs a failed call and maps it to a talkie error; returns 0 for VK_SUCCESS. */
int tk_vk_check(const TkVkDevice *dev, VkResult res, const char *what);
const char *tk_vk_result_name(VkResult res);

typedef enum TkVkMemory {
    TK_VK_MEMORY_DEVICE = 0, /* device-local; not mapped */
    TK_VK_MEMORY_UPLOAD = 1, /* host-visible, coherent, mapped: host writes, GPU reads */
    TK_VK_MEMORY_READBACK = 2, /* host-visible, mapped, cached if possible: GPU writes */
    TK_VK_MEMORY_TABLE = 3,  /* as UPLOAD, device-local where the host can map such memory
                                (a BAR): small tables every workgroup reads */
} TkVkMemory;

typedef struct TkVkBuffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;
    void *map;               /* NULL for TK_VK_MEMORY_DEVICE */
    int coherent;
    VkDeviceAddress address; /* where kernels find it through a buffer reference (tables of
                                many frames' buffers: one dispatch serves a whole batch) */
} TkVkBuffer;

int tk_vk_buffer_create(TkVkDevice *dev, TkVkBuffer *buf, VkDeviceSize size, TkVkMemory memory);
/* Safe on a zeroed or already destroyed buffer. */
void tk_vk_buffer_destroy(TkVkDevice *dev, TkVkBuffer *buf);
/* Makes GPU writes visible to the host map (no-op on coherent memory); call after the wait. */
void tk_vk_buffer_invalidate(TkVkDevice *dev, const TkVkBuffer *buf);

/* `spirv` is the embedded shader (from a .spv.inc initializer), `spirv_bytes` its size. */
int tk_vk_kernel_create(TkVkDevice *dev, TkVkKernel *k, const uint32_t *spirv, size_t spirv_bytes,
                        uint32_t n_buffers, uint32_t push_size);
void tk_vk_kernel_destroy(TkVkDevice *dev, TkVkKernel *k);
/* The device's one kernel for `spirv` (same arguments as create), built at the first call
 * and owned by the device until it closes: encoders that share a device share pipelines,
 * which makes them cheaper to open and lets a batch bind each pipeline once. Thread-safe. */
int tk_vk_kernel_shared(TkVkDevice *dev, const TkVkKernel **k, const uint32_t *spirv,
                        size_t spirv_bytes, uint32_t n_buffers, uint32_t push_size);
/* A row kernel: one dispatch serves every frame that dispatched it between two barriers.
 * Its dispatches (tk_vk_cmd_dispatch, groups_z 1) become rows of a table (the buffers'
 * addresses, then the push constants) in the command buffer's upload memory; the next barrier,
 * timestamp or submit records one dispatch of the largest groups_x and groups_y asked, with
 * groups_z the rows, and workgroup z reads row z (vk_rows.glsl: the kernel bounds its own
 * work, as the extra workgroups of a smaller frame must do nothing). Dispatches between two
 * barriers may run in any order anyway, so the merge changes no result; what it saves is a
 * dispatch and its descriptors per frame, which bounded a batch of many sessions on the host.
 * Arguments as tk_vk_kernel_shared: n_buffers and push_size describe a row. */
int tk_vk_kernel_shared_rows(TkVkDevice *dev, const TkVkKernel **k, const uint32_t *spirv,
                             size_t spirv_bytes, uint32_t n_buffers, uint32_t push_size);
/* Profiling: the driver's statistics of k's compiled code (registers, for one) as
 * "name value" lines in text. TALKIE_ERROR_UNSUPPORTED unless the device was opened with
 * kernel_statistics and the driver offers them. */
int tk_vk_kernel_statistics(TkVkDevice *dev, const TkVkKernel *k, char *text, size_t cap);

/* Chunks of upload memory a TkVkCmd grows to within one recording. */
#define TK_VK_CMD_UPLOAD_CHUNKS 8

typedef struct TkVkCmd {
    uint32_t queue;          /* index into dev->queues, chosen round-robin at creation */
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    int recording;           /* between begin and submit */
    int submitted;           /* submitted and not yet waited for */
    VkPipeline bound;        /* pipeline bound since begin: rebinding per dispatch costs */
    struct TkVkPendingRows *pending; /* row kernels' rows since the last barrier */
    uint32_t n_pending, cap_pending;
    int error;               /* a failure while recording (no memory for rows): submit
                                returns it */
    TkVkBuffer uploads[TK_VK_CMD_UPLOAD_CHUNKS]; /* tk_vk_cmd_upload's memory: chunks of
                                growing size; begin keeps only the largest */
    uint32_t n_uploads;      /* chunks in use */
    VkDeviceSize upload_used; /* bytes taken from the last chunk since begin */
    VkQueryPool timestamps;  /* profiling only (tk_vk_cmd_enable_timestamps), else NULL */
    uint32_t max_timestamps;
    uint32_t n_timestamps;   /* written since begin */
} TkVkCmd;

/* Safe to call from several threads on one device; each TkVkCmd is used by one thread. */
int tk_vk_cmd_create(TkVkDevice *dev, TkVkCmd *c);
void tk_vk_cmd_destroy(TkVkDevice *dev, TkVkCmd *c);
/* Moves c to queue `index` % n_queues (not while submitted): callers that know better than
 * round-robin, such as a benchmark of queue counts. */
void tk_vk_cmd_set_queue(TkVkDevice *dev, TkVkCmd *c, uint32_t index);
/* Waits for the previous submission of `c` (if any) and starts recording. */
int tk_vk_cmd_begin(TkVkDevice *dev, TkVkCmd *c);
/* Binds `k`, pushes buffers[0..k->n_buffers-1] as bindings 0..n-1 and `push` (k->push_size
 * bytes, may be NULL when 0) and dispatches groups_x * groups_y * groups_z workgroups. A row
 * kernel's dispatch (groups_z 1) becomes a row of the next barrier's dispatch instead
 * (tk_vk_kernel_shared_rows). */
void tk_vk_cmd_dispatch(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                        const TkVkBuffer *const *buffers, const void *push,
                        uint32_t groups_x, uint32_t groups_y, uint32_t groups_z);
/* Copies `size` bytes of host data (a table of buffer addresses and parameters that the
 * recorded kernels read) into upload memory that c owns until the submission's wait and the
 * next begin, and gives its device address (16-byte aligned). Only while recording.
 * Errors: TALKIE_ERR(ENOMEM) and Vulkan errors where c must grow its memory. */
int tk_vk_cmd_upload(TkVkDevice *dev, TkVkCmd *c, const void *data, size_t size,
                     VkDeviceAddress *address);
/* Upload memory of `size` bytes left for the caller to fill, where kernels of the submission
 * may also write (a work list, its dispatch's arguments): its host mapping, device address,
 * and buffer and offset for tk_vk_cmd_dispatch_indirect. As tk_vk_cmd_upload otherwise. */
typedef struct TkVkCmdMemory {
    void *map;
    VkDeviceAddress address;
    const TkVkBuffer *buffer;
    VkDeviceSize offset;
} TkVkCmdMemory;
int tk_vk_cmd_alloc(TkVkDevice *dev, TkVkCmd *c, size_t size, TkVkCmdMemory *out);
/* As tk_vk_cmd_dispatch for a kernel that is not a row kernel, with the workgroup counts
 * read on the GPU from three uint32s at `args` + `offset` (written by an earlier kernel,
 * a barrier between). */
void tk_vk_cmd_dispatch_indirect(TkVkDevice *dev, TkVkCmd *c, const TkVkKernel *k,
                                 const TkVkBuffer *const *buffers, const void *push,
                                 const TkVkBuffer *args, VkDeviceSize offset);
/* Orders everything recorded before against everything after (compute and transfer, both
 * reads and writes, indirect dispatch arguments, and host reads after the submission's
 * fence). */
void tk_vk_cmd_barrier(TkVkDevice *dev, TkVkCmd *c);
void tk_vk_cmd_copy(TkVkDevice *dev, TkVkCmd *c, const TkVkBuffer *src, VkDeviceSize src_offset,
                    const TkVkBuffer *dst, VkDeviceSize dst_offset, VkDeviceSize size);
void tk_vk_cmd_fill(TkVkDevice *dev, TkVkCmd *c, const TkVkBuffer *dst, uint32_t value);
/* Ends a recording that will not be submitted (an error while recording); c can begin
 * again. */
void tk_vk_cmd_abandon(TkVkDevice *dev, TkVkCmd *c);
/* Ends recording and submits to the compute queue. */
int tk_vk_cmd_submit(TkVkDevice *dev, TkVkCmd *c);
/* Waits for the last submission; returns TALKIE_ERROR_VALIDATION if the validation layer
 * reported an error meanwhile. */
int tk_vk_cmd_wait(TkVkDevice *dev, TkVkCmd *c);

/* Profiling: GPU timestamps in a command buffer. Once enabled (up to `max` per submission),
 * tk_vk_cmd_timestamp() records the time at which everything recorded before it has
 * finished; without enabling it does nothing, so code can mark its steps unconditionally.
 * Errors of enable: TALKIE_ERROR_UNSUPPORTED where the queue has no timestamps. */
int tk_vk_cmd_enable_timestamps(TkVkDevice *dev, TkVkCmd *c, uint32_t max);
void tk_vk_cmd_timestamp(TkVkDevice *dev, TkVkCmd *c);
/* After the wait: the timestamps of the last submission in ms after its first one, into
 * ms[0..*n-1] (*n in: capacity, out: count). */
int tk_vk_cmd_read_timestamps(TkVkDevice *dev, TkVkCmd *c, double *ms, uint32_t *n);


#endif
