#!/usr/bin/env python3
"""`talkie encode`, run as a user would:

- Y4M made here (a moving pattern: a gradient, a sliding box, drifting chroma) at 96x64 and
  200x120 (not a multiple of 16), encoded with --encoder lavc and --encoder compute, decodes
  with ffmpeg to the right frame count, size and rate, close to the source (luma PSNR above
  PSNR_MIN_DB at QP 20);
- raw YUV 4:2:0 with --size (a .yuv file, and stdin), Y4M on stdin, MPEG-TS and Annex B on
  stdout;
- every bad input (not Y4M, empty, unreadable, odd size, 4:2:2/4:4:4/mono/10-bit, bad frame
  header, a final partial frame in a file and in a pipe, raw without --size, a size that does
  not match) is refused with its message, exit 1 (2 for usage) and no output file; an existing
  output file keeps its contents when an encode fails; -o onto the input is refused;
- `talkie devices` names the measured figures behind --encoder auto on a CPU device and the
  choice follows from them; --progress shows frames on stderr; Ctrl-C while waiting for stdin exits 130 and leaves
  nothing.

Usage: test_encode_cli.py TALKIE_BINARY   (stdlib + ffmpeg/ffprobe)
"""
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

TALKIE = sys.argv[1]
FRAMES = 32
QP = "20"
# Measured on this pattern at QP 20 (2026-11-26, lavapipe): lavc 51.0 dB (96x64) and 53.5 dB
# (200x120), compute 47.9 dB at both sizes (mean luma PSNR). A broken encode (planes swapped,
# frames shifted, a wrong size or stride) lands far below 30.
PSNR_MIN_DB = 44.0
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(args, stdin_bytes=None, timeout=300):
    return subprocess.run([TALKIE] + args, input=stdin_bytes, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def picture(w, h, f):
    """One 4:2:0 frame: Y, U, V planes as bytes."""
    y = bytearray(w * h)
    bx, by = (f * 3) % (w - 16), (f * 2) % (h - 16)
    for r in range(h):
        row = r * w
        for c in range(w):
            v = 40 + ((c + 2 * r + 4 * f) % 160)
            if bx <= c < bx + 16 and by <= r < by + 16:
                v = 230 - ((c - bx) * 4)
            y[row + c] = v
    cw, ch = w // 2, h // 2
    u = bytes(96 + ((c + f) % 64) for r in range(ch) for c in range(cw))
    v = bytes(160 - ((r + f) % 64) for r in range(ch) for c in range(cw))
    return bytes(y), u, v


def frames(w, h, n=FRAMES):
    return [picture(w, h, f) for f in range(n)]


def y4m(w, h, pics, rate="25:1", colour="C420jpeg"):
    out = [("YUV4MPEG2 W%d H%d F%s Ip A1:1 %s\n" % (w, h, rate, colour)).encode()]
    for p in pics:
        out.append(b"FRAME\n")
        out.extend(p)
    return b"".join(out)


def raw(pics):
    return b"".join(b"".join(p) for p in pics)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def probe(path):
    """(width, height, rate, frames) of the video stream, counted by decoding."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-count_frames",
                        "-show_entries", "stream=width,height,r_frame_rate,nb_read_frames",
                        "-of", "csv=p=0", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    check(r.returncode == 0, "ffprobe %s: %s" % (path, r.stderr))
    lines = [l for l in r.stdout.decode().splitlines() if l.strip()]
    parts = lines[0].split(",") if lines else []  # MPEG-TS repeats it for its program
    if len(parts) != 4:
        check(False, "ffprobe %s: %r" % (path, r.stdout))
        return None
    return int(parts[0]), int(parts[1]), parts[2], int(parts[3])


def decode(path, fmt=None):
    args = ["ffmpeg", "-v", "error"] + (["-f", fmt] if fmt else []) + [
        "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(r.returncode == 0, "ffmpeg decode %s: %s" % (path, r.stderr))
    return r.stdout


def luma_psnr(decoded, pics, w, h):
    """Mean luma PSNR over the frames; -1 when the frame count differs."""
    size = w * h * 3 // 2
    if len(decoded) != size * len(pics):
        return -1.0
    total = 0.0
    for i, p in enumerate(pics):
        got = decoded[i * size:i * size + w * h]
        sse = sum((a - b) * (a - b) for a, b in zip(got, p[0]))
        total += 10 * math.log10(255.0 * 255.0 / (sse / (w * h) + 1e-9))
    return total / len(pics)


def leftovers(d, keep):
    return sorted(n for n in os.listdir(d) if n not in keep)


def test_good(tmp):
    psnrs = {}
    for (w, h, rate, rate_str) in [(96, 64, "25:1", "25/1"), (200, 120, "30000:1001",
                                                            "30000/1001")]:
        pics = frames(w, h)
        src = os.path.join(tmp, "src_%dx%d.y4m" % (w, h))
        write(src, y4m(w, h, pics, rate))
        for enc in ["lavc", "compute"]:
            out = os.path.join(tmp, "out_%s_%dx%d.mp4" % (enc, w, h))
            t = time.monotonic()
            r = run(["encode", src, "-o", out, "--encoder", enc, "--qp", QP, "--progress"])
            secs = time.monotonic() - t
            err = r.stderr.decode("utf-8", "replace")
            check(r.returncode == 0, "%s %dx%d: exit %d: %s" % (enc, w, h, r.returncode, err))
            check("encoder %s" % enc in err, "%s %dx%d: summary: %r" % (enc, w, h, err))
            # progress appears after the first second: "frame N/32 (...%), ... fps, ETA"
            if secs > 1.5:
                check("\rframe " in err and "/%d (" % FRAMES in err,
                      "%s %dx%d: no progress line with --progress: %r" % (enc, w, h, err))
            if r.returncode:
                continue
            check(probe(out) == (w, h, rate_str, FRAMES),
                  "%s %dx%d: ffprobe says %s" % (enc, w, h, probe(out)))
            p = luma_psnr(decode(out), pics, w, h)
            psnrs["%s %dx%d" % (enc, w, h)] = p
            print("%s %dx%d: %d frames, %.2f dB luma PSNR, %.2f s, %d bytes" % (
                enc, w, h, FRAMES, p, secs, os.path.getsize(out)))
            check(p > PSNR_MIN_DB, "%s %dx%d: PSNR %.2f dB, want > %.1f" % (enc, w, h, p,
                                                                            PSNR_MIN_DB))
    return psnrs


def test_raw_and_pipes(tmp):
    w, h = 96, 64
    pics = frames(w, h, 12)
    yuv = os.path.join(tmp, "src.yuv")
    write(yuv, raw(pics))
    # a .yuv file with --size and --fps
    out = os.path.join(tmp, "raw.mp4")
    r = run(["encode", yuv, "-o", out, "--size", "96x64", "--fps", "24", "--encoder", "lavc",
             "--qp", QP, "-q"])
    check(r.returncode == 0 and r.stderr == b"", "raw .yuv: exit %d: %r" % (r.returncode,
                                                                           r.stderr))
    check(probe(out) == (w, h, "24/1", 12), "raw .yuv: ffprobe says %s" % (probe(out),))
    check(luma_psnr(decode(out), pics, w, h) > PSNR_MIN_DB, "raw .yuv: PSNR too low")
    # raw on stdin (--size makes it raw), Annex B on stdout; the default rate is 30
    r = run(["encode", "-", "-o", "-", "--size", "96x64", "--encoder", "compute", "--qp", QP],
            stdin_bytes=raw(pics))
    check(r.returncode == 0, "raw stdin: exit %d: %r" % (r.returncode, r.stderr))
    check(r.stdout[:4] == b"\x00\x00\x00\x01", "raw stdin: stdout is not Annex B")
    annexb = os.path.join(tmp, "stdout.h264")
    write(annexb, r.stdout)
    check(luma_psnr(decode(annexb, "h264"), pics, w, h) > PSNR_MIN_DB,
          "raw stdin to stdout: PSNR too low")
    # Y4M on stdin to MPEG-TS, with --progress
    ts = os.path.join(tmp, "pipe.ts")
    r = run(["encode", "-", "-o", ts, "--encoder", "lavc", "--progress"],
            stdin_bytes=y4m(w, h, pics, "30:1"))
    check(r.returncode == 0, "y4m stdin: exit %d: %r" % (r.returncode, r.stderr))
    st = probe(ts)
    check(st is not None and st[:2] == (w, h) and st[3] == 12, "y4m stdin .ts: %s" % (st,))
    # 4:2:0 variants with other chroma siting are taken as they are
    # (full range is encoded as it is, with a warning: the stream says limited range)
    for colour in ["C420", "C420paldv", "C420mpeg2", "C420jpeg XCOLORRANGE=FULL"]:
        src = os.path.join(tmp, "v.y4m")
        write(src, y4m(w, h, pics[:3], "25:1", colour))
        out = os.path.join(tmp, "v.mp4")
        r = run(["encode", src, "-o", out, "--encoder", "lavc"])
        check(r.returncode == 0 and os.path.exists(out), "%s: exit %d: %r" % (
            colour, r.returncode, r.stderr))
        check((b"full-range input" in r.stderr) == ("FULL" in colour), "%s: warning: %r" % (
            colour, r.stderr))
        for p in (src, out):
            if os.path.exists(p):
                os.unlink(p)
    check(run(["encode", "--help"]).stdout.startswith(b"Usage: talkie encode"), "--help")


def bad(tmp, name, data, extra, status, words, stdin_bytes=None):
    """An input that must be refused: exit `status`, the words on stderr, no output."""
    src = os.path.join(tmp, name)
    if data is not None:
        write(src, data)
    out = os.path.join(tmp, "bad_out.mp4")
    r = run(["encode", "-" if stdin_bytes is not None else src, "-o", out, "--encoder",
             "lavc"] + extra, stdin_bytes=stdin_bytes)
    err = r.stderr.decode("utf-8", "replace")
    check(r.returncode == status, "%s: exit %d, want %d (%s)" % (name, r.returncode, status,
                                                                 err.strip()))
    for w in words:
        check(w in err, "%s: message lacks %r: %r" % (name, w, err))
    check(err.startswith("talkie: "), "%s: message: %r" % (name, err))
    check(not os.path.exists(out), "%s: output exists" % name)
    check(leftovers(tmp, [name]) == [], "%s: files left: %s" % (name, leftovers(tmp, [name])))
    if os.path.exists(src):
        os.unlink(src)


def test_bad_inputs(tmp):
    w, h = 96, 64
    pics = frames(w, h, 3)
    good = y4m(w, h, pics)
    fb = w * h * 3 // 2
    cases = [
        ("text.y4m", b"hello, not a video\n", [], 1, ["not a Y4M file"]),
        ("empty.y4m", b"", [], 1, ["empty input"]),
        ("noheight.y4m", b"YUV4MPEG2 W96 F25:1 C420\nFRAME\n" + bytes(fb), [], 1,
         ["bad Y4M header", "W96 F25:1"]),
        ("odd.y4m", b"YUV4MPEG2 W97 H64 F25:1 C420\nFRAME\n" + bytes(97 * 64 + 2 * 49 * 32),
         [], 1, ["odd size 97x64"]),
        ("odd_h.y4m", b"YUV4MPEG2 W96 H63 F25:1 C420\nFRAME\n" + bytes(96 * 63 + 2 * 48 * 32),
         [], 1, ["odd size 96x63"]),
        ("tiny.y4m", b"YUV4MPEG2 W8 H8 F25:1 C420\nFRAME\n" + bytes(96), [], 1,
         ["out of range"]),
        ("c422.y4m", y4m(w, h, [(p[0], p[1] * 2, p[2] * 2) for p in pics], "25:1", "C422"),
         [], 1, ["unsupported colourspace yuv422p", "4:2:0"]),
        ("c444.y4m", b"YUV4MPEG2 W96 H64 F25:1 C444\nFRAME\n" + bytes(w * h * 3), [], 1,
         ["unsupported colourspace yuv444p"]),
        ("mono.y4m", b"YUV4MPEG2 W96 H64 F25:1 Cmono\nFRAME\n" + bytes(w * h), [], 1,
         ["unsupported colourspace gray"]),
        ("p10.y4m", b"YUV4MPEG2 W96 H64 F25:1 C420p10\nFRAME\n" + bytes(fb * 2), [], 1,
         ["unsupported colourspace yuv420p10"]),
        ("fast.y4m", y4m(w, h, pics, "1000:1"), [], 1, ["frame rate 1000/1 is out of range"]),
        ("badframe.y4m", good + b"FRAMX\n" + bytes(fb), [], 1,
         ["frame 3: bad frame header"]),
        ("truncated.y4m", good[:-100], [], 1, ["truncated"]),
        ("header_only.y4m", good[:good.index(b"\n") + 1], [], 1, ["no frames"]),
        ("mismatch.y4m", good, ["--size", "64x64"], 1,
         ["size mismatch", "says 96x64", "--size says 64x64"]),
        ("raw.yuv", raw(pics), [], 2, ["raw YUV input needs --size"]),
        ("raw_size.yuv", raw(pics), ["--size", "96x80"], 1,
         ["size mismatch", "not a whole number of 96x80"]),
        ("raw_short.yuv", raw(pics)[:-1], ["--size", "96x64"], 1, ["size mismatch"]),
        ("raw_empty.yuv", b"", ["--size", "96x64"], 1, ["no frames"]),
        ("missing.y4m", None, [], 1, ["No such file or directory"]),
        ("odd_size.yuv", raw(pics), ["--size", "95x64"], 2, ["must be even"]),
        ("qp_bitrate.y4m", good, ["--qp", "20", "--bitrate", "1M"], 2, ["exclude"]),
    ]
    for name, data, extra, status, words in cases:
        bad(tmp, name, data, extra, status, words)
    # through a pipe, where the end is only found when reached (the output was opened)
    bad(tmp, "pipe_truncated", None, [], 1, ["<stdin>: truncated"], stdin_bytes=good[:-100])
    bad(tmp, "pipe_raw_truncated", None, ["--size", "96x64"], 1,
        ["<stdin>: truncated: the last frame (2)"], stdin_bytes=raw(pics)[:-100])
    bad(tmp, "pipe_empty", None, [], 1, ["empty input"], stdin_bytes=b"")
    bad(tmp, "pipe_text", None, [], 1, ["not a Y4M file"], stdin_bytes=b"x" * 5000)
    r = run(["encode", "x.y4m"])
    check(r.returncode == 2 and b"no output given" in r.stderr, "no -o: %r" % r.stderr)


def test_no_clobber(tmp):
    """A failed encode leaves an existing output as it was; -o onto the input is refused."""
    w, h = 96, 64
    good = y4m(w, h, frames(w, h, 4))
    out = os.path.join(tmp, "keep.mp4")
    write(out, b"precious")
    src = os.path.join(tmp, "trunc.y4m")
    write(src, good[:-10])
    r = run(["encode", src, "-o", out, "--encoder", "lavc"])
    check(r.returncode == 1 and b"truncated" in r.stderr, "no-clobber: %d %r" % (
        r.returncode, r.stderr))
    check(read(out) == b"precious", "the existing output was changed by a failed encode")
    r = run(["encode", "-", "-o", out, "--encoder", "lavc"], stdin_bytes=good[:-10])
    check(r.returncode == 1 and read(out) == b"precious", "no-clobber from a pipe: %d %r" % (
        r.returncode, r.stderr))
    check(leftovers(tmp, ["keep.mp4", "trunc.y4m"]) == [], "no-clobber left %s" % leftovers(
        tmp, ["keep.mp4", "trunc.y4m"]))
    # a device is written in place and stays a device
    write(src, good)
    r = run(["encode", src, "-o", "/dev/null", "--format", "h264", "--encoder", "lavc", "-q"])
    check(r.returncode == 0 and os.path.exists("/dev/null") and
          not os.path.isfile("/dev/null"), "-o /dev/null: %d %r" % (r.returncode, r.stderr))
    # the input itself, by another name too
    write(src, good)
    link = os.path.join(tmp, "hard.y4m")
    os.link(src, link)
    for target in (src, link):
        r = run(["encode", src, "-o", target, "--encoder", "lavc"])
        check(r.returncode == 1 and b"is the video being read" in r.stderr,
              "-o %s onto the input: %d %r" % (target, r.returncode, r.stderr))
        check(read(src) == good, "the input was changed")
    for p in (out, src, link):
        os.unlink(p)


def test_progress(tmp):
    """--progress from a pipe that takes 1.5 s: "frame N, F fps" (no total is known)."""
    w, h = 96, 64
    pics = frames(w, h, 15)
    out = os.path.join(tmp, "slow.h264")
    p = subprocess.Popen([TALKIE, "encode", "-", "-o", out, "--size", "96x64", "--encoder",
                          "lavc", "--progress"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    for pic in pics:
        p.stdin.write(b"".join(pic))
        p.stdin.flush()
        time.sleep(0.1)
    p.stdin.close()
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait(timeout=60)
    check(p.returncode == 0, "progress: exit %d: %r" % (p.returncode, err))
    check("\rframe " in err and " fps" in err and "15 frames" in err,
          "progress: no progress line: %r" % err)
    os.unlink(out)


def test_auto(tmp):
    """--encoder auto: on a CPU device `talkie devices` names both measured figures and the
    choice follows from them (compute only under 0.8x lavc's time per frame, auto_probe.h),
    whichever wins here; an encode with auto works and names what it used."""
    r = run(["devices"])
    out = r.stdout.decode("utf-8", "replace")
    check(r.returncode == 0, "devices: exit %d: %r" % (r.returncode, r.stderr))
    cpu = False
    for line in out.splitlines():
        if line[:1].isdigit():
            cpu = line.rstrip().endswith("[cpu]")
        m = re.match(r"\s*--encoder auto: (\w+) \((.*)\)$", line)
        if not m or not cpu:
            continue
        print("devices: " + line.strip())
        f = re.search(r"lavc ([0-9.]+) ms/frame, compute ([0-9.]+) ms/frame", m.group(2))
        check(f is not None, "devices: no measured figures: %r" % line)
        if f:
            lavc, compute = float(f.group(1)), float(f.group(2))
            want = "compute" if compute < 0.8 * lavc else "lavc"
            check(m.group(1) == want, "devices: auto %s, but the figures say %s: %r" % (
                m.group(1), want, line))
    w, h = 96, 64
    src = os.path.join(tmp, "auto.y4m")
    write(src, y4m(w, h, frames(w, h, 4)))
    dst = os.path.join(tmp, "auto.mp4")
    r = run(["encode", src, "-o", dst])
    err = r.stderr.decode("utf-8", "replace")
    check(r.returncode == 0 and re.search(r"encoder (lavc|compute)", err) is not None,
          "encode auto: exit %d: %r" % (r.returncode, err))


def test_interrupt(tmp):
    """Ctrl-C while the encoder waits for more of stdin: 130, nothing left behind."""
    w, h = 96, 64
    out = os.path.join(tmp, "int.mp4")
    p = subprocess.Popen([TALKIE, "encode", "-", "-o", out, "--encoder", "lavc"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(y4m(w, h, frames(w, h, 3)))
    p.stdin.flush()
    # wait until the partial file exists: the output is open, frames are being written
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [n for n in os.listdir(tmp) if "partial" in n]:
        time.sleep(0.05)
    check([n for n in os.listdir(tmp) if "partial" in n] != [], "no partial file while encoding")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    p.stdin.close()
    check(p.returncode == 130, "SIGINT: exit %s, want 130 (%r)" % (p.returncode, err))
    check(b"interrupted" in err, "SIGINT message: %r" % err)
    check(os.listdir(tmp) == [], "SIGINT left files: %s" % os.listdir(tmp))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_good(tmp)
    for t in (test_raw_and_pipes, test_bad_inputs, test_no_clobber, test_progress, test_auto,
              test_interrupt):
        with tempfile.TemporaryDirectory() as tmp:
            t(tmp)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("all encode CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
