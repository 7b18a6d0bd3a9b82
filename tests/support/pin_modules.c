/*
 * Test support, preloaded (LD_PRELOAD) into every test of the sanitizer build: a module that
 * the program dlclose()s stays mapped until the process exits.
 *
 * Why: LeakSanitizer symbolizes a leak's stack when the process exits. The Vulkan loader
 * unloads the driver (lavapipe) at vkDestroyInstance, so a leak inside the driver (lavapipe
 * leaks 128 bytes per instance on AMD EPYC) shows as "<unknown module>", and no line of
 * tests/lsan.supp can match it. Pinned, the driver's frames carry its name and its own
 * suppression applies. This hides nothing: a leak is reported whether or not its module is
 * pinned, only with a name; talkie's own allocations are never suppressed
 * (tests/api/test_leak_check.py proves it on every run).
 *
 * Built without sanitizers so that it can also be preloaded into programs that are not
 * (python3 running the CLI tests); the sanitizer runtime then is not the first library of a
 * sanitized program, hence ASAN_OPTIONS=verify_asan_link_order=0 in tests/meson.build.
 */
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>

int dlclose(void *handle)
{
    static int (*real_dlclose)(void *);
    if (!real_dlclose)
        real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
    struct link_map *map = NULL;
    /* Opening the module again with RTLD_NODELETE marks it never to be unloaded; the
     * reference it takes is dropped at once, and the caller's by the real dlclose. */
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name &&
        map->l_name[0]) {
        void *again = dlopen(map->l_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
        if (again && real_dlclose)
            real_dlclose(again);
    }
    return real_dlclose ? real_dlclose(handle) : -1;
}
