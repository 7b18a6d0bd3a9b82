/* Audio files into PCM (see decode_file.h for the errors and the long-audio policy). */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>

#include "audio/decode_file.h"
#include "common/av_log.h"

/* Everything one decode holds; reader_free() releases any partly built state. */
typedef struct Reader {
    const char *path;
    const TkLog *log;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    SwrContext *swr;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int16_t *chunk;        /* converted samples of one frame */
    int chunk_cap;         /* in frames */
    int64_t max_frames;
    int over;              /* more audio than max_frames arrived */
    int bad_packets;
    TkPcm *out;
} Reader;

static void reader_free(Reader *r)
{
    av_free(r->chunk);
    swr_free(&r->swr);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    tk_av_log_detach(r->dec);
    avcodec_free_context(&r->dec);
    tk_av_log_detach(r->fmt);
    avformat_close_input(&r->fmt);
}

/* Maps a libav error while opening/reading the file to talkie's errors. */
static int file_error(const Reader *r, int err, const char *what)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(err, msg, sizeof(msg));
    tk_log_error(r->log, "audio file %s: %s: %s", r->path, what, msg);
    if (err == AVERROR(ENOMEM))
        return TALKIE_ERR(ENOMEM);
    if (err == AVERROR_INVALIDDATA || err == AVERROR_EOF)
        return TALKIE_ERR(EINVAL);
    if (err < 0 && err > -4096)
        return err;  /* ENOENT, EACCES, EIO... as the system said */
    return TALKIE_ERR(EINVAL);
}

/* The checks libavformat would blur into a generic error: missing, a directory, unreadable. */
static int check_path(const Reader *r)
{
    struct stat st;
    if (stat(r->path, &st) != 0) {
        int e = errno;
        tk_log_error(r->log, "audio file %s: %s", r->path, strerror(e));
        return TALKIE_ERR(e);
    }
    if (S_ISDIR(st.st_mode)) {
        tk_log_error(r->log, "audio file %s: is a directory", r->path);
        return TALKIE_ERR(EISDIR);
    }
    if (access(r->path, R_OK) != 0) {
        int e = errno;
        tk_log_error(r->log, "audio file %s: cannot read it: %s", r->path, strerror(e));
        return TALKIE_ERR(e);
    }
    return 0;
}

static int open_decoder(Reader *r)
{
    /* FFmpeg's messages about the file ("Cannot check for SPDIF") go to the session's log,
     * at its level, not straight to stderr */
    r->fmt = avformat_alloc_context();
    if (!r->fmt || tk_av_log_attach(r->fmt, r->log) < 0)
        return TALKIE_ERR(ENOMEM);
    AVFormatContext *fmt = r->fmt;
    int err = avformat_open_input(&r->fmt, r->path, NULL, NULL);
    if (err < 0) {
        tk_av_log_detach(fmt);  /* freed by the failed open */
        return file_error(r, err, "not a media file libavformat can read");
    }
    err = avformat_find_stream_info(r->fmt, NULL);
    if (err < 0)
        return file_error(r, err, "cannot read its streams");
    const AVCodec *codec = NULL;
    r->stream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (r->stream == AVERROR_STREAM_NOT_FOUND) {
        tk_log_error(r->log, "audio file %s: has no audio stream", r->path);
        return TALKIE_ERR(ENOMSG);
    }
    if (r->stream < 0 || !codec) {
        int any = av_find_best_stream(r->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
        const char *name = any >= 0 ? avcodec_get_name(r->fmt->streams[any]->codecpar->codec_id)
                                    : "?";
        tk_log_error(r->log, "audio file %s: no decoder for its audio codec (%s)", r->path, name);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    const AVCodecParameters *par = r->fmt->streams[r->stream]->codecpar;
    if (!tk_pcm_format_ok(par->sample_rate, 1) || par->ch_layout.nb_channels < 1) {
        tk_log_error(r->log, "audio file %s: %d Hz, %d channels: talkie takes %d..%d Hz",
                     r->path, par->sample_rate, par->ch_layout.nb_channels, TK_AUDIO_MIN_RATE,
                     TK_AUDIO_MAX_RATE);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    r->dec = avcodec_alloc_context3(codec);
    if (!r->dec || tk_av_log_attach(r->dec, r->log) < 0)
        return TALKIE_ERR(ENOMEM);
    err = avcodec_parameters_to_context(r->dec, par);
    if (err >= 0)
        err = avcodec_open2(r->dec, codec, NULL);
    if (err < 0) {
        file_error(r, err, "cannot open its decoder");
        return err == AVERROR(ENOMEM) ? TALKIE_ERR(ENOMEM) : TALKIE_ERROR_UNSUPPORTED;
    }
    /* only the audio stream is read */
    for (unsigned i = 0; i < r->fmt->nb_streams; i++)
        if ((int)i != r->stream)
            r->fmt->streams[i]->discard = AVDISCARD_ALL;
    return 0;
}

/* The converter, from the first decoded frame's real format (a container's parameters may
 * be incomplete): same rate, s16, mono stays mono and anything else becomes stereo. */
static int open_converter(Reader *r, const AVFrame *f)
{
    enum AVSampleFormat fmt = f->format;
    if (fmt < 0 || av_get_bytes_per_sample(fmt) <= 0 || !tk_pcm_format_ok(f->sample_rate, 1)) {
        tk_log_error(r->log, "audio file %s: unsupported sample format %s at %d Hz", r->path,
                     av_get_sample_fmt_name(fmt) ? av_get_sample_fmt_name(fmt) : "?",
                     f->sample_rate);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    int channels = f->ch_layout.nb_channels;
    AVChannelLayout in_layout = { 0 }, out_layout = { 0 };
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || channels < 1)
        av_channel_layout_default(&in_layout, channels);  /* WAV without a channel mask */
    else if (av_channel_layout_copy(&in_layout, &f->ch_layout) < 0)
        return TALKIE_ERR(ENOMEM);
    av_channel_layout_default(&out_layout, channels == 1 ? 1 : 2);
    r->out->channels = out_layout.nb_channels;
    r->out->sample_rate = f->sample_rate;
    int err = channels < 1 ? AVERROR(EINVAL)
                           : swr_alloc_set_opts2(&r->swr, &out_layout, AV_SAMPLE_FMT_S16,
                                                 f->sample_rate, &in_layout, fmt,
                                                 f->sample_rate, 0, NULL);
    av_channel_layout_uninit(&in_layout);
    if (err >= 0)
        err = swr_init(r->swr);
    if (err < 0) {
        tk_log_error(r->log, "audio file %s: cannot convert %s with %d channels", r->path,
                     av_get_sample_fmt_name(fmt), channels);
        return err == AVERROR(ENOMEM) ? TALKIE_ERR(ENOMEM) : TALKIE_ERROR_UNSUPPORTED;
    }
    return 0;
}

/* Converts `f` (NULL: the converter's tail) and appends it, up to max_frames. */
static int take(Reader *r, const AVFrame *f)
{
    if (f && !r->swr) {
        int res = open_converter(r, f);
        if (res < 0)
            return res;
    }
    if (!r->swr)
        return 0;
    if (f && (f->sample_rate != r->out->sample_rate)) {
        tk_log_error(r->log, "audio file %s: the sample rate changes mid-stream", r->path);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    int max_out = swr_get_out_samples(r->swr, f ? f->nb_samples : 0);
    if (max_out <= 0)
        return 0;
    if (max_out > r->chunk_cap) {
        av_freep(&r->chunk);
        r->chunk = av_malloc((size_t)max_out * (size_t)r->out->channels * sizeof(int16_t));
        if (!r->chunk)
            return TALKIE_ERR(ENOMEM);
        r->chunk_cap = max_out;
    }
    uint8_t *dst = (uint8_t *)r->chunk;
    int got = swr_convert(r->swr, &dst, max_out, f ? (const uint8_t **)f->extended_data : NULL,
                          f ? f->nb_samples : 0);
    if (got < 0) {
        tk_log_error(r->log, "audio file %s: sample conversion failed", r->path);
        return TALKIE_ERROR_UNSUPPORTED;
    }
    int64_t room = r->max_frames - (int64_t)r->out->frames;
    if (got > room) {
        r->over = 1;
        got = (int)room;
    }
    return tk_pcm_append(r->out, r->chunk, (size_t)got);
}

static int receive_all(Reader *r)
{
    for (;;) {
        int err = avcodec_receive_frame(r->dec, r->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return 0;
        if (err < 0)
            return file_error(r, err, "decoding failed");
        int res = take(r, r->frame);
        av_frame_unref(r->frame);
        if (res < 0)
            return res;
        if (r->over)
            return 0;
    }
}

static int decode_all(Reader *r)
{
    while (!r->over) {
        int err = av_read_frame(r->fmt, r->pkt);
        if (err == AVERROR_EOF)
            break;
        if (err < 0)
            return file_error(r, err, "reading failed");
        if (r->pkt->stream_index == r->stream) {
            err = avcodec_send_packet(r->dec, r->pkt);
            /* a damaged packet loses its few ms; the rest of the file still plays */
            if (err == AVERROR_INVALIDDATA) {
                if (r->bad_packets++ == 0)
                    tk_log_warning(r->log, "audio file %s: skipping damaged audio", r->path);
                err = 0;
            }
        }
        av_packet_unref(r->pkt);
        if (err < 0)
            return file_error(r, err, "decoding failed");
        int res = receive_all(r);
        if (res < 0)
            return res;
    }
    if (!r->over) {
        int err = avcodec_send_packet(r->dec, NULL);
        if (err < 0 && err != AVERROR_EOF)
            return file_error(r, err, "decoding failed");
        int res = receive_all(r);
        if (res == 0 && !r->over)
            res = take(r, NULL);
        if (res < 0)
            return res;
    }
    return 0;
}

int tk_audio_decode_file(const char *path, int64_t max_ms, TkAudioLongPolicy policy,
                         TkPcm *out, const TkLog *log)
{
    memset(out, 0, sizeof(*out));
    if (!path || !*path || max_ms < 1 || max_ms > TK_AUDIO_FILE_MAX_MS ||
        (policy != TK_AUDIO_LONG_REFUSE && policy != TK_AUDIO_LONG_CUT)) {
        tk_log_error(log, "audio file: no path, or max_ms outside 1..%lld",
                     (long long)TK_AUDIO_FILE_MAX_MS);
        return TALKIE_ERR(EINVAL);
    }
    Reader r = { .path = path, .log = log, .out = out };
    int res = check_path(&r);
    if (res == 0) {
        r.pkt = av_packet_alloc();
        r.frame = av_frame_alloc();
        res = r.pkt && r.frame ? open_decoder(&r) : TALKIE_ERR(ENOMEM);
    }
    if (res == 0) {
        r.max_frames = max_ms * r.dec->sample_rate / 1000;
        res = decode_all(&r);
        /* max_frames was computed from the container's rate: the decoder's may differ */
        if (res == 0 && out->sample_rate != r.dec->sample_rate && out->sample_rate > 0) {
            int64_t frames = max_ms * out->sample_rate / 1000;
            if ((int64_t)out->frames > frames) {
                out->frames = (size_t)frames;
                r.over = 1;
            }
        }
    }
    if (res == 0 && out->frames == 0) {
        tk_log_error(log, "audio file %s: the audio has no samples", path);
        res = TALKIE_ERR(ENODATA);
    }
    if (res == 0 && r.over) {
        if (policy == TK_AUDIO_LONG_REFUSE) {
            tk_log_error(log, "audio file %s: longer than %lld ms", path, (long long)max_ms);
            res = TALKIE_ERR(EFBIG);
        } else {
            /* how much is dropped is unknown without decoding it: say so past a second */
            int64_t duration = r.fmt->duration != AV_NOPTS_VALUE ? r.fmt->duration / 1000 : -1;
            if (duration < 0 || duration - max_ms > TK_AUDIO_CUT_WARN_MS)
                tk_log_warning(log, "audio file %s (%lld ms) is cut at its turn's end, %lld ms",
                               path, (long long)duration, (long long)max_ms);
            res = 1;
        }
    }
    reader_free(&r);
    if (res < 0)
        tk_pcm_free(out);
    return res;
}
