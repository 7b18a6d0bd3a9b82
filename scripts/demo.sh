#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build, and render the
# example conversation to out/conversation.mp4 (on the best Vulkan device; lavapipe without GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -d build ] || meson setup build --buildtype=release
ninja -C build
mkdir -p out
./build/tools/talkie render examples/conversation.jsonl -o out/conversation.mp4 "$@"
ffprobe -v error -show_entries stream=codec_name,profile,width,height,nb_frames:format=duration \
  -of default=noprint_wrappers=1 out/conversation.mp4
