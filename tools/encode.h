/*
 * talkie encode: any video (Y4M, or raw planar YUV 4:2:0) to H.264 through the library's
 * encoders (talkie_session_send_image) and outputs (MP4, Annex B, MPEG-TS, stdout).
 * Files: encode.c (options, the loop), video_in.c (reading the input with libavformat).
 */
#ifndef TALKIE_TOOLS_ENCODE_H
#define TALKIE_TOOLS_ENCODE_H

/* argv[0] is "encode". Returns the exit status: 0, 1 (bad input, encoder or output failure),
 * 2 (bad usage); a terminating signal exits with 128 + N (safe_output.h). */
int cmd_encode(int argc, char **argv);

#endif
