/*
 * main() for the fuzz targets when they are not built with libFuzzer: runs every file named
 * on the command line, and every file in every directory named, through
 * LLVMFuzzerTestOneInput() once. So the checked-in corpus and regression inputs are tests of
 * every build (gcc, ASan), not only of the clang fuzz build.
 *
 *     fuzz_nal tests/fuzz/corpus/nal tests/fuzz/regressions/nal
 *
 * Exits 0 when every input ran (a failing check aborts), 1 when an input cannot be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* The whole file in a buffer of exactly its size, so ASan sees a read past the input. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    uint8_t *buf = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc(n ? (size_t)n : 1) : NULL;
    int ok = buf && fread(buf, 1, (size_t)n, f) == (size_t)n;
    if (f)
        fclose(f);
    if (ok)
        LLVMFuzzerTestOneInput(buf, (size_t)n);
    else
        fprintf(stderr, "%s: cannot read\n", path);
    free(buf);
    return ok ? 0 : -1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the regular files of a directory, in name order (so a failure is reproducible). */
static int run_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int res = 0;
    struct dirent *e;
    while (res == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(names, cap * sizeof(*p));
            if (!p) {
                res = -1;
                break;
            }
            names = p;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            res = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (res == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            res = run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return res;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            return 1;
        }
        int res = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i]);
        if (!S_ISDIR(st.st_mode))
            count++;
        if (res < 0)
            return 1;
    }
    printf("%d inputs ran\n", count);
    return 0;
}
