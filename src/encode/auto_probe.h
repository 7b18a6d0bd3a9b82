/*
 * TALKIE_ENCODER_AUTO on a CPU Vulkan device (lavapipe): which of lavc (x264) and compute
 * (talkie's shaders, emulated on the same cores) is faster here is measured, not assumed
 * from the device type: a short timed run of each backend on the same synthetic frames.
 *
 * Cheap: a few frames at TK_AUTO_PROBE_WIDTH x TK_AUTO_PROBE_HEIGHT after one untimed warm-up
 * frame (the first frame compiles nothing: the kernels are built at open, but it is an IDR),
 * and a backend stops early once it has used its time budget, so a backend that is far
 * slower costs about that budget. Cached by the caller (one measurement per context).
 * Deterministic in outcome where the backends differ by more than noise: compute must be
 * clearly faster (TK_AUTO_COMPUTE_MARGIN) to replace lavc, the CPU device's safe choice, so
 * a near tie does not flip from run to run. GPUs are never measured: compute runs there.
 */
#ifndef TALKIE_ENCODE_AUTO_PROBE_H
#define TALKIE_ENCODE_AUTO_PROBE_H

#include "common/log.h"
#include "talkie/talkie.h"

struct TkVkDevice;

#define TK_AUTO_PROBE_WIDTH 320
#define TK_AUTO_PROBE_HEIGHT 240
/* compute is chosen when its time per frame is below this fraction of lavc's */
#define TK_AUTO_COMPUTE_MARGIN 0.8

typedef struct TkAutoChoice {
    TalkieEncoder encoder;    /* TALKIE_ENCODER_AUTO: no encoder can run */
    double lavc_ms;           /* measured time per frame; < 0: not available here */
    double compute_ms;
    double probe_ms;          /* what measuring took */
    char reason[128];         /* names both figures, for TalkieDeviceInfo.auto_reason */
} TkAutoChoice;

/* The rule the measurement is judged by (tests check reasons against it). */
TalkieEncoder tk_encoder_auto_rule(double lavc_ms, double compute_ms);

/* Measures both backends on `vk` (a CPU device) and fills `out`; never fails: a backend
 * that cannot open or encode counts as not available. */
void tk_encoder_auto_measure(struct TkVkDevice *vk, const TkLog *log, TkAutoChoice *out);

#endif
