/*
 * Fuzz target: the voice of a line posted to talkie serve (tools/serve/line_audio.c), the
 * part of the JSON API that decodes what a client sends (base64 PCM, rate, channels).
 *
 * The first byte picks the mode:
 *   - even: the rest is a request body as the server gets it (JSON parsed by jansson), and
 *     the answer must be one of 0 / 400 / 413 with a message; on 0 the samples are whole
 *     frames of a valid format, at most 60 s long;
 *   - odd: the rest is PCM (rate and channels from two more bytes), sent as a client would
 *     (standard padded base64 in a JSON body): it must come back sample for sample.
 */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "serve/line_audio.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 base64 with padding: the reference encoder a client uses. */
static char *encode(const uint8_t *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = b64[w >> 18 & 63];
        out[o++] = b64[w >> 12 & 63];
        out[o++] = i + 1 < n ? b64[w >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[w & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static void check_result(int status, const TalkieAudio *a, const int16_t *pcm, const char *err)
{
    FUZZ_CHECK(status == 0 || status == 400 || status == 413);
    if (status) {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(pcm == NULL);
        return;
    }
    if (a->frames == 0) {
        FUZZ_CHECK(pcm == NULL);
        return;
    }
    FUZZ_CHECK(pcm != NULL && a->samples == pcm);
    FUZZ_CHECK(a->sample_rate >= 8000 && a->sample_rate <= 192000);
    FUZZ_CHECK(a->channels == 1 || a->channels == 2);
    FUZZ_CHECK(a->frames <= (size_t)a->sample_rate * 60 + 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    TalkieAudio audio;
    int16_t *pcm = NULL;
    char err[160] = "";
    if ((data[0] & 1) == 0) {
        json_t *body = json_loadb((const char *)data + 1, size - 1, 0, NULL);
        if (!body)
            return 0;
        int status = line_audio_parse(body, &audio, &pcm, err, sizeof(err));
        check_result(status, &audio, pcm, err);
        free(pcm);
        json_decref(body);
        return 0;
    }
    FuzzBytes b = { data + 1, size - 1, 0 };
    static const int rates[] = { 8000, 16000, 22050, 24000, 44100, 48000, 192000 };
    int rate = rates[fuzz_range(&b, 0, 6)];
    int channels = (int)fuzz_range(&b, 1, 2);
    size_t n = (b.size - b.pos) / (2 * (size_t)channels) * 2 * (size_t)channels;
    const uint8_t *raw = b.data + b.pos;
    char *text = encode(raw, n);
    json_t *body = text ? json_pack("{s:{s:s,s:i,s:i}}", "audio", "pcm", text, "sample_rate",
                                    rate, "channels", channels) : NULL;
    free(text);
    if (!body)
        return 0;
    int status = line_audio_parse(body, &audio, &pcm, err, sizeof(err));
    check_result(status, &audio, pcm, err);
    if (n == 0) {
        FUZZ_CHECK(status == 400); /* no samples: refused */
    } else {
        FUZZ_CHECK(status == 0 && audio.frames * 2 * (size_t)channels == n);
        for (size_t i = 0; i < n / 2; i++) /* s16le on the wire */
            FUZZ_CHECK(pcm[i] == (int16_t)(uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8));
    }
    free(pcm);
    json_decref(body);
    return 0;
}
