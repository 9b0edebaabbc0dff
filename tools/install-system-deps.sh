#!/usr/bin/env bash
# Installs, idempotently, every Debian package Vigil needs: ffmpeg (ingest), GStreamer's RTSP server with
# python3-gi (simulated cameras; gstreamer1.0-x has the Pango clock overlay of live-encoded ones), chromium
# (browser tests), fonts (CJK text in clips and watermarks), postgresql (the second database dialect) and a C
# compiler with libc's headers (gcc, libc6-dev: the native append path, native/vigil_native.c, built on first use).
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(
  ffmpeg
  python3-gi gir1.2-gst-rtsp-server-1.0 gir1.2-gstreamer-1.0
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  chromium fonts-noto-cjk fonts-dejavu-core
  postgresql
  gcc libc6-dev
)

# The native append path compiles against the running Node's headers (node_api.h, OpenSSL's). Official builds,
# NodeSource and nvm ship them beside the binary; Debian's own nodejs has them in libnode-dev and libssl-dev.
node_bin=$(readlink -f "$(command -v node)" 2>/dev/null || true)
if [ -n "$node_bin" ]; then
  node_include="$(dirname "$(dirname "$node_bin")")/include/node"
  [ -f "$node_include/node_api.h" ] || [ -f /usr/include/node/node_api.h ] || packages+=(libnode-dev)
  [ -f "$node_include/openssl/evp.h" ] || [ -f /usr/include/node/openssl/evp.h ] || packages+=(libssl-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: all Debian packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
