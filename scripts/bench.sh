#!/usr/bin/env bash
# `make bench`: the avatar-pipeline benchmark and its anchor, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
# The anchor (vipsthumbnail, libvips-tools) and NASM, which gives the bundled
# libjpeg-turbo its SIMD code, as production builds have it.
missing=()
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
command -v nasm >/dev/null || missing+=(nasm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    # A libjpeg-turbo built before NASM was there has no SIMD: build it again.
    if [[ " ${missing[*]} " == *" nasm "* ]]; then cargo clean --release -p mozjpeg-sys; fi
  else
    echo "missing: ${missing[*]} (apt-get install them): without vipsthumbnail the anchor is skipped," \
      "without nasm libjpeg-turbo runs without SIMD" >&2
  fi
fi
cargo bench -p profile-infrastructure --bench avatar_pipeline "$@"
