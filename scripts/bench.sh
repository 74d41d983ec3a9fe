#!/usr/bin/env bash
# `make bench`: the avatar-pipeline benchmark and its anchor (vipsthumbnail,
# from Debian's libvips-tools, installed here when missing), in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v vipsthumbnail >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvips-tools
  else
    echo "vipsthumbnail is missing (apt-get install libvips-tools): the anchor will be skipped" >&2
  fi
fi
cargo bench -p profile-infrastructure --bench avatar_pipeline "$@"
