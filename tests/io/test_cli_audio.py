#!/usr/bin/env python3
"""The CLI with voices: "audio" files relative to the conversation and --tts espeak give an
MP4 with one H.264 and one AAC stream as long as the video; every bad audio input (missing
file, a directory, not a media file, no audio stream, zero length, far too long, a sample
rate talkie does not take) is refused with one line naming the conversation's line and the
audio file, exit 1, and no output file.

Usage: test_cli_audio.py TALKIE_BINARY EXAMPLE.jsonl   (stdlib + ffprobe)
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import wave

TALKIE = sys.argv[1]
EXAMPLE = sys.argv[2]
FAST = ["--size", "96x64", "--fps", "10", "--encoder", "lavc"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(args, timeout=120):
    return subprocess.run([TALKIE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def write_wav(path, rate, seconds, hz=220.0, channels=1):
    frames = int(rate * seconds)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        chunk = bytearray()
        for i in range(frames):
            v = int(12000 * math.sin(2 * math.pi * hz * i / rate)) if hz else 0
            chunk += struct.pack("<h", v) * channels
            if len(chunk) >= 1 << 20:
                w.writeframes(bytes(chunk))
                chunk = bytearray()
        w.writeframes(bytes(chunk))


def streams(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "stream=codec_type,codec_name,duration", "-of", "json", path],
                       stdout=subprocess.PIPE, timeout=60)
    return json.loads(r.stdout or b"{}").get("streams", [])


def conversation(tmp, name, turns):
    src = os.path.join(tmp, name + ".jsonl")
    with open(src, "w") as f:
        for t in turns:
            f.write(json.dumps(t) + "\n")
    return src


def check_av(out, what):
    s = streams(out)
    kinds = sorted((x["codec_type"], x["codec_name"]) for x in s)
    check(kinds == [("audio", "aac"), ("video", "h264")], "%s: streams %s" % (what, kinds))
    if len(s) == 2:
        d = {x["codec_type"]: float(x["duration"]) for x in s}
        check(abs(d["audio"] - d["video"]) <= 1024 / 48000,
              "%s: audio %.4f s vs video %.4f s" % (what, d["audio"], d["video"]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        # A good render: the audio file is found beside the conversation, from elsewhere.
        sub = os.path.join(tmp, "conv")
        os.mkdir(sub)
        write_wav(os.path.join(sub, "tone.wav"), 22050, 0.8)
        src = conversation(sub, "good", [
            {"speaker": "Ada", "text": "A tone.", "audio": "tone.wav"},
            {"speaker": "Grace", "text": "And no voice."},
        ])
        out = os.path.join(tmp, "good.mp4")
        r = run(["render", src, "-o", out, "-q"] + FAST)
        check(r.returncode == 0, "good: exit %d: %s" % (r.returncode, r.stderr.decode()))
        check_av(out, "good")

        # --tts espeak on the example.
        out = os.path.join(tmp, "tts.mp4")
        r = run(["render", EXAMPLE, "--tts", "espeak", "-o", out, "-q"] + FAST)
        if r.returncode == 1 and b"espeak" in r.stderr and b"not supported" in r.stderr:
            print("skip: espeak-ng cannot start here")
        else:
            check(r.returncode == 0, "tts: exit %d: %s" % (r.returncode, r.stderr.decode()))
            check_av(out, "tts")
            os.unlink(out)

        r = run(["render", EXAMPLE, "--tts", "festival", "-o", out] + FAST)
        check(r.returncode == 2 and b"--tts" in r.stderr, "--tts festival: exit %d" % r.returncode)

        # Bad inputs.
        video_only = os.path.join(tmp, "video_only.mp4")
        r = run(["render", conversation(tmp, "v", [{"speaker": "A", "text": "x"}]), "-o",
                 video_only, "-q"] + FAST)
        check(r.returncode == 0, "video-only input: exit %d" % r.returncode)
        write_wav(os.path.join(tmp, "empty.wav"), 16000, 0)
        write_wav(os.path.join(tmp, "long.wav"), 8000, 601, hz=0)
        write_wav(os.path.join(tmp, "slow.wav"), 4000, 0.5)
        with open(os.path.join(tmp, "noise.wav"), "wb") as f:
            f.write(bytes((i * 7919) % 251 for i in range(4096)))
        os.mkdir(os.path.join(tmp, "dir.wav"))
        cases = [
            ("missing", "nothere.wav", "No such file"),
            ("directory", "dir.wav", "directory"),
            ("not media", "noise.wav", ""),
            ("no audio stream", "video_only.mp4", "no audio stream"),
            ("zero length", "empty.wav", "no samples"),
            ("far too long", "long.wav", "longer than"),
            ("unsupported rate", "slow.wav", "4000 Hz"),
        ]
        for what, audio, words in cases:
            src = conversation(tmp, "bad", [
                {"speaker": "Ada", "text": "Fine line."},
                {"speaker": "Grace", "text": "Bad audio.", "audio": audio},
            ])
            out = os.path.join(tmp, "bad.mp4")
            r = run(["render", src, "-o", out] + FAST)
            err = r.stderr.decode("utf-8", "replace")
            # FFmpeg's warnings about the file may come before (through the library's log)
            lines = [l for l in err.strip().splitlines() if not l.startswith("talkie warning:")]
            check(r.returncode == 1, "%s: exit %d, want 1 (%s)" % (what, r.returncode, err))
            check(len(lines) == 1 and lines[0].startswith("talkie: %s:2: " % src) and
                  audio in lines[0] and words in lines[0],
                  "%s: want one line 'talkie: %s:2: ...%s...%s', got %r" %
                  (what, src, audio, words, err))
            check(not any(n.startswith("bad.mp4") for n in os.listdir(tmp)),
                  "%s: output left: %s" % (what, os.listdir(tmp)))

        # A duration shorter than the file cuts it (stated policy), with a warning.
        src = conversation(tmp, "cut", [
            {"speaker": "Ada", "text": "Cut short.", "duration": 1.0, "audio": "long.wav"}])
        out = os.path.join(tmp, "cut.mp4")
        r = run(["render", src, "-o", out] + FAST, timeout=300)
        check(r.returncode == 0 and b"cut" in r.stderr,
              "cut: exit %d: %s" % (r.returncode, r.stderr.decode()))
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
