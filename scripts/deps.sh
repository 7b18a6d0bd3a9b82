#!/usr/bin/env bash
# Installs what talkie needs to build, run and test on Debian 12 (as root, or through sudo).
# Does nothing when everything is already there. Node.js (for the npm package in node/) is not
# installed here: the addon is built when node_api.h is found (nodesource's nodejs, or
# `npm ci` in node/ for node-api-headers); chromium is for its WebRTC test.
set -euo pipefail
packages=(
  build-essential clang pkg-config meson ninja-build python3
  libvulkan-dev mesa-vulkan-drivers vulkan-tools vulkan-validationlayers glslc spirv-tools
  ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libx264-dev
  libfreetype-dev libharfbuzz-dev libfontconfig-dev fonts-dejavu-core libjansson-dev
  libswresample-dev libespeak-ng-dev espeak-ng-data
  libwebsockets-dev chromium nginx libnginx-mod-rtmp
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
