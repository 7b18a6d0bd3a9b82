#!/usr/bin/env bash
# Packs the release build's binaries and every shared library they load (the dynamic loader
# included) into .dev/, so they run on the bare GPU machine of the `device` tool:
#   .dev/run BINARY ARGS...   runs one with the carried libraries.
# Carry `.gl` and `.devpack` (see bench/RESULTS.md for the exact command).
# The Vulkan loader comes from .gl/ (see bench/RESULTS.md) and the NVIDIA driver from the host.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build what is committed (HEAD), not the working tree, in a clone of its own.
src=$(mktemp -d /tmp/talkie-pack.XXXXXX)
git clone -q . "$src"
commit=$(git -C "$src" rev-parse --short HEAD)
meson setup "$src/build" "$src" --buildtype=release >/dev/null
ninja -C "$src/build" >/dev/null
rm -rf .dev && mkdir -p .dev/lib .dev/bin
cp "$src/build/tools/talkie" "$src/build/bench/talkie-bench" .dev/bin/
# The tests that need a GPU, to run them on a real one (validation on, see bench/RESULTS.md).
for t in "$src"/build/tests/*/test_*; do
  [ -x "$t" ] && [ -f "$t" ] && cp "$t" .dev/bin/
done
for b in .dev/bin/*; do
  ldd "$b" | awk '/=> \//{print $3} /^\s*\/lib64/{print $1}'
done | sort -u | while read -r lib; do
  case "$lib" in
    */libvulkan.so*) continue;;            # the loader comes from .gl
    */libc.so*|*/libm.so*|*/ld-linux*|*/libpthread.so*|*/libdl.so*|*/librt.so*) continue;;
  esac                                     # glibc: the GPU machine's own is newer
  cp -L "$lib" .dev/lib/
done
strip --strip-unneeded .dev/bin/*
mkdir -p .dev/fonts && cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf .dev/fonts/
cat > .dev/run <<'EOR'
#!/bin/sh
# Runs a carried binary with the carried libraries (glibc is the machine's own).
here=$(cd "$(dirname "$0")" && pwd)
bin=$1; shift
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/bin/$bin" "$@"
EOR
chmod +x .dev/run
# libavcodec's dependencies make the folder larger than the device tool carries; xz brings it
# to about a third. Unpack there with: tar xJf .devpack/dev.tar.xz
mkdir -p .devpack
tar cf - .dev | xz -T2 -6 > .devpack/dev.tar.xz
du -sh .dev .devpack/dev.tar.xz
echo "packed $commit"
rm -rf "$src"
