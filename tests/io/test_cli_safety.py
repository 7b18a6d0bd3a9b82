#!/usr/bin/env python3
"""The talkie CLI must never clobber what is not its own output, and every terminating signal
must end it at once:

- a character device or a FIFO named by -o (or reached through a link, like /dev/stdout) is
  written in place and stays what it was; a link to a regular file has its target replaced and
  stays a link; a dangling link is refused;
- a link planted under the partial file's name ("<out>.partial-<pid>") is never written
  through;
- -o naming the conversation or the font (any name: a hard link, stdout redirected onto it)
  is refused and the file is left as it was;
- SIGTERM/SIGINT end a render blocked writing to a full pipe, SIGINT one blocked opening a
  FIFO given as --font, and SIGHUP/SIGQUIT/SIGUSR1 one writing a file: each within a second,
  with exit status 128 + N and no partial file left.

Usage: test_cli_safety.py TALKIE_BINARY   (stdlib only; devices are made in a temp dir)
"""
import fcntl
import os
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

TALKIE = os.path.abspath(sys.argv[1])
failures = []
# Keep the work small: lavapipe on 2 cores.
FAST = ["--size", "96x64", "--fps", "10", "--encoder", "lavc"]
SHORT = b'{"speaker": "Ada", "text": "Hi", "duration": 1}\n'
# An hour of frames: far more than any test waits for.
LONG = b'{"speaker": "Ada", "text": "A very long pause.", "start": 3600, "duration": 1}\n'
STOP_WITHIN_S = 1.0


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(args, timeout=120, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([TALKIE] + args, stderr=subprocess.PIPE, timeout=timeout, **kw)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def is_annexb(data):
    return data[:4] == b"\0\0\0\1" or data[:3] == b"\0\0\1"


def test_device_output(tmp, src):
    """A character device is written, not replaced by a regular file. The node is our own
    (mknod in the temp dir, as root); without that right, /dev/null itself, checked before."""
    dev = os.path.join(tmp, "null")
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        dev = "/dev/null"
        if not stat.S_ISCHR(os.stat(dev).st_mode):
            print("skip: /dev/null is not a character device here")
            return
    r = run(["render", src, "-o", dev, "--format", "h264", "-q"] + FAST)
    check(r.returncode == 0, "-o %s: exit %d (%r)" % (dev, r.returncode, r.stderr))
    check(stat.S_ISCHR(os.lstat(dev).st_mode), "-o %s: no longer a character device" % dev)
    if dev != "/dev/null":
        os.unlink(dev)


def read_fifo(path, got):
    with open(path, "rb") as f:
        got.append(f.read())


def test_fifo_output(tmp, src):
    """A FIFO gets the stream (MPEG-TS through libavformat) and stays a FIFO; MP4, which must be
    rewritten when finished, is refused before anything is opened."""
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=read_fifo, args=(fifo, got), daemon=True)
    reader.start()
    r = run(["render", src, "-o", fifo, "--format", "mpegts", "-q"] + FAST)
    reader.join(30)
    if reader.is_alive():  # the FIFO was replaced: release the reader
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    data = got[0] if got else b""
    check(r.returncode == 0, "-o fifo: exit %d (%r)" % (r.returncode, r.stderr))
    check(len(data) > 0 and len(data) % 188 == 0 and data[0] == 0x47,
          "-o fifo: reader got %d bytes, not MPEG-TS" % len(data))
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "-o fifo: no longer a FIFO")
    r = run(["render", src, "-o", fifo, "--format", "mp4", "-q"] + FAST, timeout=30)
    check(r.returncode == 1 and b"MP4" in r.stderr, "mp4 to a FIFO: %d %r" % (r.returncode,
                                                                              r.stderr))
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "mp4 to a FIFO: no longer a FIFO")
    os.unlink(fifo)


def test_stdout_link(tmp, src):
    """A link to /proc/self/fd/1 (what /dev/stdout is) writes to stdout and stays a link."""
    link = os.path.join(tmp, "stdout")
    os.symlink("/proc/self/fd/1", link)
    r = run(["render", src, "-o", link, "--format", "h264", "-q"] + FAST)
    check(r.returncode == 0 and is_annexb(r.stdout),
          "-o stdout link: exit %d, %d bytes on stdout (%r)" % (r.returncode, len(r.stdout),
                                                                r.stderr))
    check(os.path.islink(link), "-o stdout link: no longer a link")
    os.unlink(link)


def test_symlink_output(tmp, src):
    """A link to a regular file in another directory: the target gets the video (written
    beside it and renamed), the link stays a link, nothing is left in either directory."""
    other = os.path.join(tmp, "other")
    os.mkdir(other)
    target = os.path.join(other, "target.h264")
    write(target, b"old video")
    link = os.path.join(tmp, "link.h264")
    os.symlink(target, link)
    r = run(["render", src, "-o", link, "-q"] + FAST)
    check(r.returncode == 0, "-o link: exit %d (%r)" % (r.returncode, r.stderr))
    check(os.path.islink(link) and os.readlink(link) == target, "-o link: no longer the link")
    check(is_annexb(read(target)), "-o link: the target did not get the video")
    check(os.listdir(other) == ["target.h264"], "-o link: files left: %s" % os.listdir(other))
    os.unlink(link)
    os.unlink(target)
    os.rmdir(other)

    dangling = os.path.join(tmp, "dangling.h264")
    os.symlink(os.path.join(tmp, "nowhere.h264"), dangling)
    r = run(["render", src, "-o", dangling, "-q"] + FAST)
    check(r.returncode == 1 and b"leads nowhere" in r.stderr,
          "-o dangling link: exit %d (%r)" % (r.returncode, r.stderr))
    check(os.path.islink(dangling) and not os.path.exists(os.path.join(tmp, "nowhere.h264")),
          "-o dangling link: written through")
    os.unlink(dangling)


def test_planted_partial(tmp, src):
    """A link planted where the partial file will be ("<out>.partial-<pid>"; the shell's pid is
    talkie's after exec) is not followed: the victim keeps its content, the render succeeds."""
    victim = os.path.join(tmp, "victim")
    write(victim, b"precious")
    out = os.path.join(tmp, "out.h264")
    script = ('ln -s "$1" "$2.partial-$$" && out=$2 talkie=$3 src=$4 && shift 4 && '
              'exec "$talkie" render "$src" -o "$out" -q "$@"')
    r = subprocess.run(["sh", "-c", script, "sh", victim, out, TALKIE, src] + FAST,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(read(victim) == b"precious", "planted link: the victim was overwritten")
    check(r.returncode == 0 and os.path.isfile(out) and not os.path.islink(out) and
          is_annexb(read(out)), "planted link: exit %d (%r)" % (r.returncode, r.stderr))
    left = sorted(n for n in os.listdir(tmp) if ".partial" in n)
    check(left == [], "planted link: left %s" % left)
    for name in left + ["out.h264", "victim"]:
        if os.path.lexists(os.path.join(tmp, name)):
            os.unlink(os.path.join(tmp, name))


def test_output_is_input(tmp, src):
    """-o naming the conversation or the font, by any name, is refused; both stay intact."""
    conv = os.path.join(tmp, "same.jsonl")
    write(conv, SHORT)
    hard = os.path.join(tmp, "hard.h264")
    os.link(conv, hard)
    font = os.path.join(tmp, "font.ttf")
    font_src = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"],
                              stdout=subprocess.PIPE, timeout=30).stdout.decode()
    have_font = os.path.isfile(font_src)
    if have_font:
        write(font, read(font_src))
    cases = [(["render", conv, "-o", conv, "--format", "h264"], "conversation"),
             (["render", conv, "-o", hard], "conversation"),
             (["render", "-", "-o", "./" + os.path.relpath(conv, tmp), "--format", "h264"],
              "conversation")]
    if have_font:
        cases.append((["render", conv, "-o", font, "--format", "h264", "--font", font], "font"))
    for args, word in cases:
        with open(conv, "rb") as stdin:
            r = run(args + FAST, stdin=stdin, cwd=tmp)
        check(r.returncode == 1 and word.encode() in r.stderr,
              "%s: exit %d (%r)" % (args, r.returncode, r.stderr))
    with open(conv, "ab") as stdout:  # stdout appended onto the conversation
        r = run(["render", conv, "-o", "-"] + FAST, stdout=stdout)
    check(r.returncode == 1 and b"conversation" in r.stderr,
          "stdout onto the input: exit %d (%r)" % (r.returncode, r.stderr))
    check(read(conv) == SHORT, "the conversation was overwritten")
    if have_font:
        check(read(font) == read(font_src), "the font was overwritten")
        os.unlink(font)
    os.unlink(hard)
    os.unlink(conv)


def wait_stopped(p, sig, what):
    """Sends `sig`, then wants p gone within STOP_WITHIN_S with status 128 + sig."""
    t0 = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(False, "%s: still running %.1f s after %s" % (what, STOP_WITHIN_S, sig.name))
        return
    elapsed = time.monotonic() - t0
    print("%s: %s ended it in %.3f s, exit %d" % (what, sig.name, elapsed, p.returncode))
    check(p.returncode == 128 + sig, "%s: exit %d after %s, want %d" %
          (what, p.returncode, sig.name, 128 + sig))


def pipe_bytes(fd):
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_signal_full_pipe(tmp, src):
    """stdout is a pipe nobody reads: once it is full, the writer is blocked in write()."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([TALKIE, "render", src, "-o", "-", "-q"] + FAST,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp)
        capacity = fcntl.fcntl(p.stdout.fileno(), 1032)  # F_GETPIPE_SZ
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline and p.poll() is None and
               pipe_bytes(p.stdout.fileno()) < capacity - 4096):
            time.sleep(0.05)
        check(pipe_bytes(p.stdout.fileno()) >= capacity - 4096,
              "full pipe: the pipe never filled (%d bytes)" % pipe_bytes(p.stdout.fileno()))
        time.sleep(0.2)  # blocked in write() by now
        wait_stopped(p, sig, "full pipe")
        p.stdout.close()
    check(os.listdir(tmp) == [os.path.basename(src)], "full pipe: left %s" % os.listdir(tmp))


def test_signal_file(tmp, src):
    """A render writing a file: its partial file is removed whatever the signal."""
    out = os.path.join(tmp, "out.ts")
    for sig in (signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
        p = subprocess.Popen([TALKIE, "render", src, "-o", out, "-q"] + FAST,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        started = False
        while time.monotonic() < deadline and p.poll() is None and not started:
            time.sleep(0.05)
            started = any(".partial-" in n and os.path.getsize(os.path.join(tmp, n)) > 0
                          for n in os.listdir(tmp))
        check(started, "%s: the render never started writing" % sig.name)
        wait_stopped(p, sig, "file output")
        check(os.listdir(tmp) == [os.path.basename(src)],
              "%s: left %s" % (sig.name, os.listdir(tmp)))


def test_signal_font_fifo(tmp, src):
    """--font names a FIFO nobody writes: opening it blocks; SIGINT must still end talkie."""
    fifo = os.path.join(tmp, "font.fifo")
    os.mkfifo(fifo)
    out = os.path.join(tmp, "out.mp4")
    p = subprocess.Popen([TALKIE, "render", src, "-o", out, "--font", fifo, "-q"] + FAST,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # session setup, then the open() that waits for a writer
    check(p.poll() is None, "font FIFO: talkie did not wait on it (exit %s)" % p.returncode)
    wait_stopped(p, signal.SIGINT, "font FIFO")
    os.unlink(fifo)
    check(os.listdir(tmp) == [os.path.basename(src)], "font FIFO: left %s" % os.listdir(tmp))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "short.jsonl")
        write(src, SHORT)
        for test in (test_device_output, test_fifo_output, test_stdout_link,
                     test_symlink_output, test_planted_partial, test_output_is_input):
            test(tmp, src)
        check(sorted(os.listdir(tmp)) == ["short.jsonl"], "left: %s" % os.listdir(tmp))
    for test in (test_signal_full_pipe, test_signal_file, test_signal_font_fifo):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "long.jsonl")
            write(src, LONG)
            test(tmp, src)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("all CLI safety checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
