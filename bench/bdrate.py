#!/usr/bin/env python3
"""BD-rate of talkie's P frames against libx264 ultrafast and veryfast (Bjøntegaard delta
rate: the average bitrate difference at equal PSNR, from a cubic fit of log-rate against
luma PSNR over the PSNR range both curves cover). It runs talkie-bench-pframes --no-gpu at
each QP (the C reference, which the GPU encoder equals byte for byte) and reads its table.

    bench/bdrate.py BUILD/bench/talkie-bench-pframes [--frames N] [--qps 22,27,32,37]
                    [--input FILE.y4m] [--slice-rows R]

Negative: talkie needs fewer bits than the other encoder for the same quality.
"""
import argparse
import math
import re
import subprocess
import sys

ROWS = {
    "talkie C reference, all intra": "talkie all intra",
    "talkie C reference, P frames": "talkie P",
    "talkie C reference, P + skip map": "talkie P + skip map",
    "x264 ultrafast": "x264 ultrafast",
    "x264 veryfast": "x264 veryfast",
}


def run(bench, qp, args):
    cmd = [bench, "--no-gpu", "--qp", str(qp), "--frames", str(args.frames),
           "--slice-rows", str(args.slice_rows)]
    if args.input:
        cmd += ["--input", args.input]
    if args.p_i16_only:
        cmd += ["--p-i16-only"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    points = {}
    for line in out.splitlines():
        m = re.match(r"\|\s*(.+?)\s*\|\s*(\d+)\s*\|\s*[\d.]+\s*\|\s*([\d.]+)\s*\|", line)
        if m and m.group(1) in ROWS:
            points[ROWS[m.group(1)]] = (int(m.group(2)), float(m.group(3)))
    return points


def polyfit3(xs, ys):
    """Least-squares cubic y = c0 + c1 x + c2 x^2 + c3 x^3 (normal equations)."""
    n = 4
    a = [[sum(x ** (i + j) for x in xs) for j in range(n)] for i in range(n)]
    b = [sum(y * x ** i for x, y in zip(xs, ys)) for i in range(n)]
    for col in range(n):  # Gaussian elimination with partial pivoting
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv], b[col], b[piv] = a[piv], a[col], b[piv], b[col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            a[r] = [v - f * w for v, w in zip(a[r], a[col])]
            b[r] -= f * b[col]
    c = [0.0] * n
    for r in reversed(range(n)):
        c[r] = (b[r] - sum(a[r][k] * c[k] for k in range(r + 1, n))) / a[r][r]
    return c


def integral(c, lo, hi):
    def prim(x):
        return sum(c[i] * x ** (i + 1) / (i + 1) for i in range(4))
    return prim(hi) - prim(lo)


def bd_rate(test, anchor):
    """test, anchor: lists of (bytes, psnr). Percent rate change of test against anchor."""
    pt = [p for _, p in test]
    pa = [p for _, p in anchor]
    ct = polyfit3(pt, [math.log10(r) for r, _ in test])
    ca = polyfit3(pa, [math.log10(r) for r, _ in anchor])
    lo, hi = max(min(pt), min(pa)), min(max(pt), max(pa))
    if hi <= lo:
        return None
    diff = (integral(ct, lo, hi) - integral(ca, lo, hi)) / (hi - lo)
    return (10 ** diff - 1) * 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--qps", default="22,27,32,37")
    ap.add_argument("--input")
    ap.add_argument("--slice-rows", type=int, default=1)
    ap.add_argument("--p-i16-only", action="store_true",
                    help="intra macroblocks of talkie's P pictures I16x16 only")
    args = ap.parse_args()
    qps = [int(q) for q in args.qps.split(",")]
    if len(qps) < 4:
        sys.exit("bdrate.py: at least four QPs")
    curves = {}
    print(f"content: {args.input or 'the rendered conversation'}, {args.frames} frames, "
          f"talkie slices of {args.slice_rows} macroblock rows\n")
    print("| QP | " + " | ".join(f"{n} bytes / PSNR" for n in ROWS.values()) + " |")
    print("|---|" + "---|" * len(ROWS))
    for qp in qps:
        pts = run(args.bench, qp, args)
        for name, p in pts.items():
            curves.setdefault(name, []).append(p)
        print(f"| {qp} | " + " | ".join(f"{pts[n][0]} / {pts[n][1]:.2f}" if n in pts else "-"
                                       for n in ROWS.values()) + " |")
    print()
    for test in ("talkie P", "talkie P + skip map"):
        for anchor in ("x264 ultrafast", "x264 veryfast"):
            r = bd_rate(curves[test], curves[anchor])
            print(f"BD-rate {test} vs {anchor}: " +
                  (f"{r:+.1f}%" if r is not None else "no common PSNR range"))


if __name__ == "__main__":
    main()
