#!/usr/bin/env python3
"""The talkie CLI, run as a user would: every kind of bad input must give a one-line error
naming the file and line, the right exit status (1 bad input/output, 2 bad usage), and leave
no output file; good renders must give files whose frame count is duration x fps; Ctrl-C
must stop a render, exit 130 and leave nothing behind.

Usage: test_cli.py TALKIE_BINARY EXAMPLE.jsonl   (stdlib only)
"""
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

TALKIE = sys.argv[1]
EXAMPLE = sys.argv[2]
failures = []
# Keep the GPU work small: lavapipe on 2 cores.
FAST = ["--size", "96x64", "--fps", "10", "--encoder", "lavc"]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(args, stdin_bytes=None, timeout=120):
    return subprocess.run([TALKIE] + args, input=stdin_bytes, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def leftovers(d):
    return sorted(os.listdir(d))


def bad_input(tmp, name, content, line, words):
    """A conversation that must be refused with `talkie: FILE:LINE: ...` and exit 1."""
    src = os.path.join(tmp, name + ".jsonl")
    with open(src, "wb") as f:
        f.write(content)
    out = os.path.join(tmp, name + ".mp4")
    r = run(["render", src, "-o", out] + FAST)
    err = r.stderr.decode("utf-8", "replace")
    lines = [l for l in err.splitlines() if not l.startswith("talkie: " + src + ":") or
             "warning" not in l]
    check(r.returncode == 1, "%s: exit %d, want 1 (%s)" % (name, r.returncode, err.strip()))
    where = "%s:%d: " % (src, line) if line else "%s: " % src
    check(len(lines) == 1 and lines[0].startswith("talkie: " + where),
          "%s: want one line starting 'talkie: %s', got %r" % (name, where, err))
    for w in words:
        check(w in err, "%s: message lacks %r: %r" % (name, w, err))
    check(not os.path.exists(out), "%s: output exists" % name)
    check(leftovers(tmp) == [name + ".jsonl"], "%s: files left: %s" % (name, leftovers(tmp)))
    os.unlink(src)


def test_bad_inputs():
    good = b'{"speaker": "Ada", "text": "Hi"}\n'
    cases = [
        ("malformed", good + b'{"speaker": "Ada", "text": "Hi"\n', 2, ["malformed JSON"]),
        ("trailing", good + good + b'{"speaker": "Ada"} x\n', 3, ["malformed JSON"]),
        ("not_object", good + b'["Ada", "Hi"]\n', 2, ["JSON object"]),
        ("speaker_type", b'{"speaker": 7, "text": "Hi"}\n', 1, ['"speaker" must be a string']),
        ("text_type", good + b'\n{"speaker": "Bo", "text": ["Hi"]}\n', 3,
         ['"text" must be a string']),
        ("start_type", b'{"speaker": "Ada", "text": "Hi", "start": "0"}\n', 1,
         ['"start" must be a number']),
        ("duration_type", b'{"speaker": "Ada", "text": "Hi", "duration": true}\n', 1,
         ['"duration" must be a number']),
        ("negative_start", b'{"speaker": "Ada", "text": "Hi", "start": -1}\n', 1,
         ['"start" is out of range']),
        ("zero_duration", b'{"speaker": "Ada", "text": "Hi", "duration": 0}\n', 1,
         ['"duration" is out of range']),
        ("missing_text", good + b'{"speaker": "Ada"}\n', 2, ['missing "text"']),
        ("empty_text", b'{"speaker": "Ada", "text": ""}\n', 1, ['"text" is empty']),
        ("empty_speaker", good + b'{"speaker": "", "text": "Hi"}\n', 2, ['"speaker" is empty']),
        ("long_speaker", ('{"speaker": "%s", "text": "Hi"}\n' % ("A" * 65)).encode(), 1,
         ['"speaker" is longer than 64 bytes']),
        ("bad_utf8", good + b'{"speaker": "Ada", "text": "caf\xe9"}\n', 2, ["invalid UTF-8"]),
        ("overlong_utf8", b'{"speaker": "Ada", "text": "\xc0\xaf"}\n', 1, ["invalid UTF-8"]),
        ("nul_escape", b'{"speaker": "Ada", "text": "a\\u0000b"}\n', 1, ["malformed JSON"]),
        ("huge_line", good + good + b'{"speaker": "Ada", "text": "' + b"x" * (1 << 20) +
         b'"}\n', 3, ["longer than 64 KiB"]),
        # the library's limits (talkie.h), checked by the CLI so that the message names the
        # line and the limit instead of a bare "Invalid argument"
        ("long_duration", b'{"speaker": "Ada", "text": "Hi", "duration": 3601}\n', 1,
         ['"duration" is out of range', "3600 seconds"]),
        ("late_start", good + b'{"speaker": "Ada", "text": "Hi", "start": 31622401}\n', 2,
         ['"start" is out of range', "31622400 seconds"]),
        ("huge_start", b'{"speaker": "Ada", "text": "Hi", "start": 1e300}\n', 1,
         ['"start" is out of range']),
        # a byte-order mark is ignored only at the very start of the file
        ("late_bom", good + b'\xef\xbb\xbf{"speaker": "Ada", "text": "Hi"}\n', 2,
         ["malformed JSON"]),
        ("no_turns", b"\n  \n\n", 0, ["no turns"]),
        ("empty_file", b"", 0, ["no turns"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, content, line, words in cases:
            bad_input(tmp, name, content, line, words)


def test_usage_errors():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "o.mp4")
        cases = [
            (["--size", "321x240"], "--size"), (["--size", "320x239"], "--size"),
            (["--size", "0x240"], "--size"), (["--size", "320x0"], "--size"),
            (["--size", "8192x240"], "too big"), (["--size", "99999999999999999999x2"], "too big"),
            (["--size", "320"], "--size"), (["--size", "320x"], "--size"),
            (["--size", "x240"], "--size"), (["--size", "320x240x2"], "--size"),
            (["--size", "-320x240"], "--size"), (["--size", "abc"], "--size"),
            (["--size", "8x8"], "too small"),
            (["--fps", "0"], "--fps"), (["--fps", "1000"], "--fps"), (["--fps", "30/0"], "--fps"),
            (["--qp", "52"], "--qp"), (["--qp", "x"], "--qp"),
            (["--bitrate", "fast"], "--bitrate"), (["--qp", "20", "--bitrate", "1M"], "exclude"),
            (["--encoder", "nvenc"], "--encoder"), (["--keyint", "0"], "--keyint"),
            (["--slice-rows", "0"], "--slice-rows"), (["--slice-rows", "257"], "--slice-rows"),
            (["--text-qp-offset", "-13"], "--text-qp-offset"),
            (["--text-qp-offset", "3"], "--text-qp-offset"),
            (["--text-qp-offset", "--6"], "--text-qp-offset"),
            (["--intra-refresh", "0"], "--intra-refresh"),
            (["--intra-refresh", "1001"], "--intra-refresh"),
            (["--format", "avi"], "--format"), (["--frobnicate"], "unknown option"),
            (["--size"], "needs a value"),
        ]
        for extra, word in cases:
            r = run(["render", EXAMPLE, "-o", out] + extra)
            err = r.stderr.decode()
            check(r.returncode == 2, "%s: exit %d, want 2 (%s)" % (extra, r.returncode, err))
            check(word in err and err.startswith("talkie: "), "%s: message %r" % (extra, err))
            check(not os.path.exists(out), "%s: output exists" % extra)
        for args in (["render"], ["render", EXAMPLE], ["render", EXAMPLE, EXAMPLE, "-o", out],
                     ["nonsense"], []):
            r = run(args)
            check(r.returncode == 2, "%s: exit %d, want 2" % (args, r.returncode))
        check(leftovers(tmp) == [], "usage errors left files: %s" % leftovers(tmp))
    for args in (["--help"], ["render", "--help"]):
        r = run(args)
        check(r.returncode == 0 and b"Usage: talkie render" in r.stdout, "%s" % args)
    r = run(["--version"])
    check(r.returncode == 0 and r.stdout.startswith(b"talkie 0."), "--version: %r" % r.stdout)


def test_bad_outputs():
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "dir.mp4"))
        for out, word in ((os.path.join(tmp, "no", "such", "dir", "o.mp4"), "No such file"),
                          (os.path.join(tmp, "dir.mp4"), "directory"),
                          (os.path.join(tmp, "o.avi"), "Invalid argument")):
            r = run(["render", EXAMPLE, "-o", out] + FAST)
            err = r.stderr.decode()
            check(r.returncode == 1, "output %s: exit %d, want 1 (%s)" % (out, r.returncode, err))
            check(("talkie: %s: " % out) in err and word in err, "output %s: %r" % (out, err))
        r = run(["render", os.path.join(tmp, "missing.jsonl"), "-o", os.path.join(tmp, "o.mp4")])
        check(r.returncode == 1 and b"No such file" in r.stderr, "missing input: %r" % r.stderr)
        check(leftovers(tmp) == ["dir.mp4"], "bad outputs left files: %s" % leftovers(tmp))


def expected_frames(path, fps):
    """ceil((end + 1 s) * fps), end computed from the file itself."""
    end = 0.0
    t = 0.0
    for line in open(path, encoding="utf-8"):
        if line.strip():
            turn = json.loads(line)
            start = turn.get("start", t)
            t = start + turn["duration"]
            end = max(end, t)
    return math.ceil(round((end + 1.0) * fps, 6))


def ffprobe(path, count=False):
    args = ["ffprobe", "-v", "error", "-select_streams", "v"]
    if count:
        args.append("-count_frames")
    args += ["-show_entries", "stream=codec_name,profile,width,height,nb_frames,nb_read_frames,"
             "r_frame_rate,color_primaries:format=duration,format_name", "-of", "json", path]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check(r.returncode == 0, "ffprobe %s: %s" % (path, r.stderr))
    info = json.loads(r.stdout or b"{}")
    return info.get("streams", [{}])[0], info.get("format", {})


def test_bom():
    """A UTF-8 byte-order mark at the start of the file is ignored (RFC 8259, section 8.1),
    also in front of a blank first line."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in (("bom", b'\xef\xbb\xbf{"speaker": "Ada", "text": "Hi"}\n'),
                              ("bom_blank", b'\xef\xbb\xbf\r\n{"speaker": "Ada", "text": "Hi"}\n')):
            src = os.path.join(tmp, name + ".jsonl")
            with open(src, "wb") as f:
                f.write(content)
            out = os.path.join(tmp, name + ".h264")
            r = run(["render", src, "-o", out, "-q"] + FAST)
            size = os.path.getsize(out) if os.path.exists(out) else 0
            check(r.returncode == 0 and size > 0,
                  "%s: exit %d, %d bytes (%r)" % (name, r.returncode, size, r.stderr))


def test_good_renders():
    fps = 10
    want = expected_frames(EXAMPLE, fps)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "conversation.mp4")
        r = run(["render", EXAMPLE, "-o", out] + FAST)
        err = r.stderr.decode()
        check(r.returncode == 0, "render: exit %d: %s" % (r.returncode, err))
        check(("%d frames" % want) in err and "encoder lavc" in err, "summary: %r" % err)
        st, fmt = ffprobe(out)
        frames = int(st.get("nb_frames", -1))
        dur = float(fmt.get("duration", -1))
        print("mp4: %d frames, %.3f s, want %d frames" % (frames, dur, want))
        check(st.get("codec_name") == "h264" and st.get("profile") == "Constrained Baseline",
              "codec %s" % st)
        check(st.get("width") == 96 and st.get("height") == 64, "size %s" % st)
        check(st.get("r_frame_rate") == "%d/1" % fps, "rate %s" % st)
        check(st.get("color_primaries") == "bt709", "colour %s" % st)
        check(frames == want, "mp4 frames %d, want %d" % (frames, want))
        check(abs(dur * fps - frames) < 0.01, "mp4 duration %.3f x fps != %d frames" % (dur, frames))

        ts = os.path.join(tmp, "c.ts")
        r = run(["render", EXAMPLE, "-o", ts, "--quiet"] + FAST)
        check(r.returncode == 0 and r.stderr == b"", "ts render: %d %r" % (r.returncode, r.stderr))
        st, fmt = ffprobe(ts, count=True)
        check(fmt.get("format_name") == "mpegts", "ts format %s" % fmt)
        check(int(st.get("nb_read_frames", -1)) == want, "ts frames %s" % st)

        # stdin in, Annex B to stdout; an unknown field is only a warning
        data = open(EXAMPLE, "rb").read()
        mood_line = data.count(b"\n") + 1
        data += b'{"speaker": "Ada", "text": "Bye", "mood": "happy"}\n'
        r = run(["render", "-", "-o", "-"] + FAST, stdin_bytes=data)
        err = r.stderr.decode()
        check(r.returncode == 0, "stdout render: %d %s" % (r.returncode, err))
        check(('<stdin>:%d: warning: unknown field "mood"' % mood_line) in err, "warning: %r" % err)
        check(r.stdout[:4] == b"\0\0\0\1" or r.stdout[:3] == b"\0\0\1", "not Annex B")
        raw = os.path.join(tmp, "stdout.h264")
        with open(raw, "wb") as f:
            f.write(r.stdout)
        st, _ = ffprobe(raw, count=True)
        check(int(st.get("nb_read_frames", -1)) > want, "stdout frames %s" % st)

        # MPEG-TS to stdout: 188-byte packets with sync bytes
        r = run(["render", EXAMPLE, "-o", "-", "--format", "mpegts", "-q"] + FAST)
        check(r.returncode == 0 and len(r.stdout) % 188 == 0 and
              all(r.stdout[i] == 0x47 for i in range(0, len(r.stdout), 188)),
              "stdout mpegts: %d, %d bytes" % (r.returncode, len(r.stdout)))
        r = run(["render", EXAMPLE, "-o", "-", "--format", "mp4", "-q"] + FAST)
        check(r.returncode == 1 and r.stdout == b"", "stdout mp4 must be refused")

        # the compute encoder by bitrate (frames over their cap are coded again) with slices
        # of 2 rows: every frame comes out and decodes
        cb = os.path.join(tmp, "compute.h264")
        fast = [a if a != "lavc" else "compute" for a in FAST]
        r = run(["render", EXAMPLE, "-o", cb, "-q", "--bitrate", "40k", "--slice-rows", "2"]
                + fast)
        check(r.returncode == 0, "compute --bitrate: exit %d %r" % (r.returncode, r.stderr))
        st, _ = ffprobe(cb, count=True)
        check(int(st.get("nb_read_frames", -1)) == want, "compute frames %s" % st)
        os.remove(cb)
        # lower QP under the subtitles: bigger than without, every frame decodes
        sizes = []
        for off in ("0", "-6"):
            r = run(["render", EXAMPLE, "-o", cb, "-q", "--qp", "36", "--text-qp-offset", off]
                    + fast)
            check(r.returncode == 0, "--text-qp-offset %s: exit %d %r" % (off, r.returncode,
                                                                        r.stderr))
            st, _ = ffprobe(cb, count=True)
            check(int(st.get("nb_read_frames", -1)) == want, "text qp frames %s" % st)
            sizes.append(os.path.getsize(cb))
            os.remove(cb)
        check(sizes[1] > sizes[0], "--text-qp-offset -6 gave %d bytes, 0 %d" % (sizes[1],
                                                                                 sizes[0]))
        check(sorted(os.listdir(tmp)) == ["c.ts", "conversation.mp4", "stdout.h264"],
              "files: %s" % os.listdir(tmp))


def test_interrupt():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "long.jsonl")
        with open(src, "w") as f:  # an hour of conversation: far more than the test waits
            f.write('{"speaker": "Ada", "text": "A very long pause.", "start": 3600, "duration": 1}\n')
        out = os.path.join(tmp, "long.mp4")
        p = subprocess.Popen([TALKIE, "render", src, "-o", out, "--progress"] + FAST,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # wait until frames are being written (the partial file has data)
        deadline = time.time() + 60
        started = False
        while time.time() < deadline and p.poll() is None and not started:
            time.sleep(0.2)
            started = any(".partial-" in n and os.path.getsize(os.path.join(tmp, n)) > 0
                          for n in os.listdir(tmp))
        check(started, "render never started writing")
        time.sleep(1.5)  # progress shows on renders longer than a second
        p.send_signal(signal.SIGINT)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        check(p.returncode == 130, "SIGINT: exit %s, want 130 (%r)" % (p.returncode, err[-300:]))
        check(b"interrupted" in err, "SIGINT message: %r" % err[-300:])
        check(b"frame " in err, "no progress line with --progress: %r" % err[-300:])
        check(leftovers(tmp) == ["long.jsonl"], "SIGINT left files: %s" % leftovers(tmp))


def main():
    test_usage_errors()
    test_bad_inputs()
    test_bad_outputs()
    test_bom()
    test_good_renders()
    test_interrupt()
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("all CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
