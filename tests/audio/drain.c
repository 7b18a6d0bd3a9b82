#include "drain.h"

int drain_session(TalkieSession *ts, TalkieOutput *out, int all, int *video_packets,
                  DrainAudioHook hook, void *opaque)
{
    for (;;) {
        TalkiePacket p;
        int res = talkie_session_get_packet(ts, &p);
        if (res == TALKIE_EOF || (res == TALKIE_ERR(EAGAIN) && !all))
            break;
        if (res < 0)
            return res;
        res = talkie_output_write(out, &p);
        talkie_packet_unref(&p);
        if (res < 0)
            return res;
        if (video_packets)
            (*video_packets)++;
    }
    for (;;) {
        TalkieAudioPacket a;
        int res = talkie_session_get_audio_packet(ts, &a);
        if (res == TALKIE_EOF || (res == TALKIE_ERR(EAGAIN) && !all))
            return 0;
        if (res < 0)
            return res;
        if (hook)
            hook(opaque, &a);
        res = talkie_output_write_audio(out, &a);
        talkie_audio_packet_unref(&a);
        if (res < 0)
            return res;
    }
}

int render_session(TalkieSession *ts, TalkieOutput *out, int64_t frames, int *video_packets,
                   BeforeFrame before, void *ctx)
{
    int res = 0;
    for (int64_t f = 0; f < frames && res >= 0; f++) {
        if (before)
            before(ctx, ts, f);
        while ((res = talkie_session_send_frame(ts, f)) == TALKIE_ERR(EAGAIN))
            if ((res = drain_session(ts, out, 0, video_packets, NULL, NULL)) < 0)
                break;
        if (res >= 0)
            res = drain_session(ts, out, 0, video_packets, NULL, NULL);
    }
    if (res >= 0)
        res = talkie_session_flush(ts);
    if (res >= 0)
        res = drain_session(ts, out, 1, video_packets, NULL, NULL);
    return res;
}
