/*
 * A container written with libavformat (MP4, MPEG-TS) holding one H.264 stream whose packets
 * are Annex B access units with frame-index timestamps, and, when the session has one, its
 * audio stream (info->audio; packets timed in samples, see audio/encoder.h). With two streams
 * every packet goes through av_interleaved_write_frame(), which orders them by time; a
 * video-only file is written exactly as before audio existed (av_write_frame()).
 *
 * It is opened on the first packet, because MP4 needs the SPS and PPS (taken from that
 * keyframe) as codec extradata before its header can be written.
 */
#ifndef TALKIE_MUX_AVF_H
#define TALKIE_MUX_AVF_H

#include "common/log.h"
#include "session_info.h"
#include "talkie/talkie.h"

typedef struct TkAvfWriter TkAvfWriter;

/* Opens `format` ("mp4" or "mpegts") writing to `url` (a file name, or "pipe:1"), with the
 * stream parameters of `info` and the SPS/PPS found in `first` (which is not written). */
int tk_avf_open(TkAvfWriter **out, const char *format, const char *url,
                const TkStreamInfo *info, const TalkiePacket *first, const TkLog *log);
int tk_avf_write(TkAvfWriter *w, const TalkiePacket *pkt);
/* The H.264 stream's extradata (SPS and PPS, Annex B) from its first packet, a keyframe.
 * Errors: TALKIE_ERR(ENOMEM), TALKIE_ERR(EINVAL) (no parameter sets: not a keyframe). */
struct AVCodecParameters;
int tk_avf_set_extradata(struct AVCodecParameters *par, const TalkiePacket *first,
                         const TkLog *log);
/* One audio packet (copied); TALKIE_ERR(EINVAL) when the file has no audio stream. */
int tk_avf_write_audio(TkAvfWriter *w, const TalkieAudioPacket *pkt);
/* Writes the trailer (and, for MP4, moves the index to the front) and closes the file. */
int tk_avf_finish(TkAvfWriter *w);
/* Frees the writer, closing the file if still open; sets *w to NULL. */
void tk_avf_free(TkAvfWriter **w);

/* Copies the SPS and PPS NAL units of an Annex B access unit, each with a 4-byte start code,
 * to `dst` (capacity `cap`). Returns the number of bytes, 0 when there is no SPS or no PPS,
 * or -ENOSPC. */
long tk_annexb_parameter_sets(const uint8_t *data, size_t size, uint8_t *dst, size_t cap);

#endif
