#!/usr/bin/env bash
# Packs the release build's binaries and every shared library they load (the dynamic loader
# included) into .dev/, so they run on the bare GPU machine of the `device` tool:
#   .dev/run BINARY ARGS...   runs one with the carried loader and libraries.
# The Vulkan loader comes from .gl/ (see bench/RESULTS.md) and the NVIDIA driver from the host.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d build-release ] || meson setup build-release --buildtype=release
ninja -C build-release tools/talkie bench/talkie-bench
rm -rf .dev && mkdir -p .dev/lib .dev/bin
cp build-release/tools/talkie build-release/bench/talkie-bench .dev/bin/
for b in .dev/bin/*; do
  ldd "$b" | awk '/=> \//{print $3} /^\s*\/lib64/{print $1}'
done | sort -u | while read -r lib; do
  case "$lib" in */libvulkan.so*) continue;; esac   # the loader comes from .gl
  cp -L "$lib" .dev/lib/
done
cp -L /lib64/ld-linux-x86-64.so.2 .dev/lib/
mkdir -p .dev/fonts && cp /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf .dev/fonts/
cat > .dev/run <<'EOR'
#!/bin/sh
# Runs a carried binary with the carried glibc and libraries (the host's may be older).
here=$(cd "$(dirname "$0")" && pwd)
bin=$1; shift
exec "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib:/usr/lib/x86_64-linux-gnu" "$here/bin/$bin" "$@"
EOR
chmod +x .dev/run
du -sh .dev
