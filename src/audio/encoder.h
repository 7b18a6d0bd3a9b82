/*
 * Audio encoding with libavcodec: AAC (FFmpeg's native "aac" encoder) for MP4, MPEG-TS and
 * RTMP/FLV; Opus (libopus through libavcodec's "libopus") for live outputs (WebM/Matroska,
 * Ogg, WebRTC).
 *
 * Input is the timeline's output: s16 interleaved at the encoder's rate and channel count,
 * any number of frames per call. Frame k of the input is session time k / sample_rate: the
 * first sample sent is time 0, the same origin as video frame 0.
 *
 * Timestamps: packets come out with pts/dts/duration in 1/sample_rate units (see
 * tk_audio_encoder_time_base()). Encoders prime: their first packet starts
 * `initial_padding` samples before time 0 (AAC 1024, Opus 312 at 48 kHz), so its pts is
 * negative. That is the contract libavformat expects: MP4 turns it into an edit list, Ogg into
 * Opus pre-skip, Matroska/WebM into CodecDelay (with the block offset that
 * mux/audio_stream.c adds), MPEG-TS and FLV shift every stream by the same offset;
 * a decoder then drops the priming samples and the audio's time 0 meets the video's.
 * The last packet may be shorter than a full frame (its duration says so), so the stream's
 * duration is the input's, not rounded up to a frame.
 *
 * Thread-safety: none; one owner.
 */
#ifndef TALKIE_AUDIO_ENCODER_H
#define TALKIE_AUDIO_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>

#include "common/log.h"

typedef enum TkAudioCodec {
    TK_AUDIO_CODEC_AAC = 0,   /* AAC-LC, any rate of the timeline (8..96 kHz) */
    TK_AUDIO_CODEC_OPUS = 1,  /* Opus: 48000 Hz only (encoder.c says why) */
} TkAudioCodec;

typedef struct TkAudioEncoderSettings {
    TkAudioCodec codec;
    int sample_rate;          /* Hz, the timeline's output rate */
    int channels;             /* 1 or 2 */
    int64_t bitrate_bps;      /* 0: 64 kbit/s per channel for AAC, 32 kbit/s per channel for Opus */
} TkAudioEncoderSettings;

typedef struct TkAudioEncoder TkAudioEncoder;

/* Errors: TALKIE_ERR(EINVAL) (bad settings), TALKIE_ERROR_UNSUPPORTED (this FFmpeg has no
 * such encoder, or it refuses the rate/channels), TALKIE_ERROR_ENCODER, TALKIE_ERR(ENOMEM).
 * `log` may be NULL and must outlive the encoder. */
int tk_audio_encoder_open(TkAudioEncoder **out, const TkAudioEncoderSettings *s,
                          const TkLog *log);
/* NULL-safe; sets *e to NULL. */
void tk_audio_encoder_close(TkAudioEncoder **e);

/* Samples per channel in one packet (AAC 1024, Opus 960 at 48 kHz). */
int tk_audio_encoder_frame_size(const TkAudioEncoder *e);
/* Priming samples before time 0 (see above). */
int tk_audio_encoder_initial_padding(const TkAudioEncoder *e);
/* The time base of packet timestamps: 1 / sample_rate. */
AVRational tk_audio_encoder_time_base(const TkAudioEncoder *e);
/* Fills `par` for a container stream: codec, rate, layout, extradata, initial_padding.
 * 0 or TALKIE_ERR(ENOMEM). */
int tk_audio_encoder_parameters(const TkAudioEncoder *e, AVCodecParameters *par);

/* Encodes `frames` frames (channels values each). Packets that become ready queue up for
 * tk_audio_encoder_receive(). 0, TALKIE_ERR(EINVAL) (after flush), TALKIE_ERROR_ENCODER,
 * TALKIE_ERR(ENOMEM). */
int tk_audio_encoder_send(TkAudioEncoder *e, const int16_t *samples, size_t frames);
/* No more input: encodes the last partial frame and drains the encoder. */
int tk_audio_encoder_flush(TkAudioEncoder *e);
/* Moves the next packet into `pkt` (which the caller unrefs). 0, TALKIE_ERR(EAGAIN) (send
 * more), TALKIE_EOF (flushed and empty). */
int tk_audio_encoder_receive(TkAudioEncoder *e, AVPacket *pkt);

/* Samples sent so far (per channel). */
int64_t tk_audio_encoder_samples_in(const TkAudioEncoder *e);

#endif
