/* talkie_strerror() and talkie_error_name(): static strings for every value, known or not,
 * so results can be kept, compared and used from any thread. */
#include <errno.h>
#include <string.h>

#include "../common/check.h"
#include "talkie/talkie.h"

static void test_kept_results(void)
{
    /* Two unknown errno values: glibc's strerror() would build "Unknown error 200" in a
     * buffer that the second call frees (AddressSanitizer: heap-use-after-free). */
    const char *a = talkie_strerror(-200);
    const char *b = talkie_strerror(-201);
    const char *c = talkie_strerror(TALKIE_ERR(EINVAL));
    const char *d = talkie_strerror(TALKIE_ERR(ENOSPC));
    CHECK(!strcmp(a, "unknown error"));
    CHECK(!strcmp(b, "unknown error"));
    CHECK(!strcmp(c, "Invalid argument"));
    CHECK(!strcmp(d, "No space left on device"));
    CHECK(a == talkie_strerror(-200));      /* the same static string every time */
    CHECK(c == talkie_strerror(TALKIE_ERR(EINVAL)));
}

static void test_values(void)
{
    CHECK(!strcmp(talkie_strerror(0), "success"));
    CHECK(!strcmp(talkie_strerror(TALKIE_EOF), "end of stream"));
    CHECK(!strcmp(talkie_error_name(TALKIE_EOF), "TALKIE_EOF"));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERR(EPIPE)), "EPIPE"));  /* not the end of stream */
    CHECK(!strcmp(talkie_error_name(TALKIE_ERROR_DEVICE_LOST), "TALKIE_ERROR_DEVICE_LOST"));
    CHECK(!strcmp(talkie_strerror(TALKIE_ERROR_FONT), "no usable font"));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERROR_MUXER), "TALKIE_ERROR_MUXER"));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERR(ETIMEDOUT)), "ETIMEDOUT"));
    CHECK(!strcmp(talkie_error_name(TALKIE_ERR(ECONNREFUSED)), "ECONNREFUSED"));
    CHECK(!strcmp(talkie_error_name(0), "OK"));
    /* Unknown: talkie's range past its own codes, errno values nobody uses, huge values. */
    static const int unknown[] = { -999, -1008, -1099, -4095, -4096, -100000, -2147483647 - 1 };
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        CHECK(!strcmp(talkie_strerror(unknown[i]), "unknown error"));
        CHECK(!strcmp(talkie_error_name(unknown[i]), "UNKNOWN"));
    }
    /* Every named value has its own text: the table has no hole. */
    for (int e = 1; e < 4096; e++) {
        const char *name = talkie_error_name(-e), *text = talkie_strerror(-e);
        if (strcmp(name, "UNKNOWN"))
            CHECK(strcmp(text, "unknown error") && text[0]);
        else
            CHECK(!strcmp(text, "unknown error"));
    }
}

int main(void)
{
    test_kept_results();
    test_values();
    return tk_check_finish();
}
