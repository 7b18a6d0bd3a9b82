#!/usr/bin/env python3
"""The leak check of the sanitizer build is trustworthy on every machine: a program that
frees everything it made passes (whatever the Vulkan driver leaks on its own is suppressed
by name, tests/lsan.supp, once tests/support/pin_modules.c keeps the driver mapped), and the
same program dropping one packet that talkie allocated fails, with talkie's code (the
encoder that made the packet, on whichever thread) named in the report.

Usage: test_leak_check.py LEAK_PROBE SANITIZED(true|false)   (stdlib only)
"""
import re
import subprocess
import sys

probe, sanitized = sys.argv[1], sys.argv[2] == "true"
if not sanitized:
    print("not a LeakSanitizer build: nothing to check")
    sys.exit(77)

failures = 0


def run(mode):
    r = subprocess.run([probe, mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=240)
    return r.returncode, r.stderr.decode("utf-8", "replace")


rc, err = run("clean")
if rc == 77:
    print("no Vulkan device: skipped")
    sys.exit(77)
if rc != 0 or "LeakSanitizer" in err:
    failures += 1
    print("FAIL: a program that frees everything fails the leak check (exit %d):\n%s"
          % (rc, err), file=sys.stderr)
if "<unknown module>" in err:
    failures += 1
    print("FAIL: a leak without a module name (a driver unloaded before the check)",
          file=sys.stderr)

rc, err = run("leak")
if rc == 0 or "LeakSanitizer: detected memory leaks" not in err:
    failures += 1
    print("FAIL: a leaked talkie packet passes the leak check (exit %d):\n%s" % (rc, err),
          file=sys.stderr)
elif not re.search(r" in \w+ \S*/src/(encode|engine|session)/", err):
    failures += 1
    print("FAIL: the leak report does not name the talkie call that made it:\n%s" % err,
          file=sys.stderr)

print("leak check: %s" % ("FAILED" if failures else "ok: clean passes, a talkie leak fails"))
sys.exit(1 if failures else 0)
