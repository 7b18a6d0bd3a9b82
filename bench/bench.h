/* What the subcommands of talkie-bench share: options and sizes. */
#ifndef TALKIE_BENCH_BENCH_H
#define TALKIE_BENCH_BENCH_H

typedef struct BenchOptions {
    int frames;
    int qp;
    int sessions;
    int threads;
    int seconds;
    int encoder;     /* live and api: TalkieEncoder (default compute) */
    int width;       /* api: only the bench size of this width (0: all) */
    int repeat;      /* api: runs of each side, alternating, medians reported (default 1) */
} BenchOptions;

/* 256x256, 320x240, 640x360: talkie's range of sizes */
#define N_BENCH_SIZES 3
extern const int bench_sizes[N_BENCH_SIZES][2];

/* talkie-bench live and api: sessions through the public API (live.c) */
int tk_bench_live(const BenchOptions *o);
int tk_bench_api(const BenchOptions *o);

/* talkie-bench profile (profile.c) */
int tk_bench_profile(const BenchOptions *o);
/* talkie-bench kernels: the driver's statistics of the encoder's kernels (profile.c) */
int tk_bench_kernels(void);

#endif
