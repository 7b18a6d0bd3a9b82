/*
 * An audio stream in a libavformat container, fed by a TkAudioEncoder: the piece the
 * container writers (avf.c, output.c) call to carry sound next to the H.264 stream.
 *
 * Usage, before avformat_write_header():
 *     AVStream *ast;
 *     tk_mux_audio_add_stream(fmt, encoder, &ast);
 * then for every packet from tk_audio_encoder_receive():
 *     tk_mux_audio_write(fmt, ast, tk_audio_encoder_time_base(encoder), pkt, log);
 *
 * Timing: packets keep the encoder's timestamps (samples from session time 0, the first one
 * negative by the encoder's priming; see audio/encoder.h) rescaled to the stream's time base,
 * so audio sample 0 and video frame 0 share time 0 (for Matroska/WebM the CodecDelay is added,
 * see audio_stream.c). Checked by tests/audio/test_encode.c against a video stream in MP4,
 * MPEG-TS, FLV and WebM: bursts land within 0.5 ms of their time after video frame 0. Once a container has two streams, every
 * packet of both must go through av_interleaved_write_frame() (this helper does for audio;
 * avf.c writes video with av_write_frame() today and has to switch when it gains audio).
 */
#ifndef TALKIE_MUX_AUDIO_STREAM_H
#define TALKIE_MUX_AUDIO_STREAM_H

#include <libavformat/avformat.h>

#include "audio/encoder.h"
#include "common/log.h"

/* Adds the stream with the encoder's parameters (codec, rate, layout, extradata, priming).
 * On error the stream may already be in `fmt` (libavformat cannot remove one): discard fmt.
 * 0, TALKIE_ERR(ENOMEM), TALKIE_ERROR_MUXER (the container cannot hold this codec: Opus in
 * MPEG-TS or FLV, AAC in Ogg...). */
int tk_mux_audio_add_stream(AVFormatContext *fmt, const TkAudioEncoder *enc, AVStream **out,
                            const TkLog *log);

/* Writes one packet whose timestamps are in `enc_tb`; takes its data (pkt is blank after).
 * 0, a negative errno from the I/O layer (disk full, closed pipe), TALKIE_ERROR_MUXER. */
int tk_mux_audio_write(AVFormatContext *fmt, AVStream *st, AVRational enc_tb, AVPacket *pkt,
                       const TkLog *log);

#endif
