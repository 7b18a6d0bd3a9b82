/*
 * The program tests/api/test_leak_check.py runs under LeakSanitizer: opens two sessions on
 * the Vulkan device (whose driver may leak on its own, see tests/support/pin_modules.c) and
 * closes both; with the argument "leak" it also drops the data of one packet without
 * talkie_packet_unref(), memory that talkie allocated and that nothing else points to.
 */
#include <stdio.h>
#include <string.h>

#include "talkie/talkie.h"

int main(int argc, char **argv)
{
    int leak = argc > 1 && !strcmp(argv[1], "leak");
    TalkieSettings s;
    talkie_default_settings(&s);
    s.width = 64;
    s.height = 48;
    s.encoder = TALKIE_ENCODER_LAVC;
    TalkieSession *a = NULL, *b = NULL;
    int err = talkie_session_open(&a, &s);
    if (err >= 0)
        err = talkie_session_open(&b, &s);
    if (err < 0) {
        fprintf(stderr, "leak_probe: cannot open a session: %s\n", talkie_strerror(err));
        talkie_session_close(&a);
        return err == TALKIE_ERROR_NO_DEVICE || err == TALKIE_ERROR_VULKAN ? 77 : 1;
    }
    TalkiePacket pkt;
    if ((err = talkie_session_send_frame(a, 0)) < 0 || (err = talkie_session_flush(a)) < 0 ||
        (err = talkie_session_get_packet(a, &pkt)) < 0) {
        fprintf(stderr, "leak_probe: no packet: %s\n", talkie_strerror(err));
        talkie_session_close(&a);
        talkie_session_close(&b);
        return 1;
    }
    if (leak)
        memset(&pkt, 0, sizeof(pkt));
    talkie_packet_unref(&pkt);
    talkie_session_close(&a);
    talkie_session_close(&b);
    return 0;
}
