#!/usr/bin/env bash
# `make bench`: the service against its anchors, in one run (bench/run.py).
# Installs what is missing (wrk, pgbench, vipsthumbnail, NASM), builds the
# release binaries, then measures on PostgreSQL and SQLite and writes
# bench/results/latest.json and the table in BENCHMARKS.md.
# Extra arguments go to bench/run.py (--quick for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-client)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
# NASM gives the bundled libjpeg-turbo its SIMD code, as production builds have it.
command -v nasm >/dev/null || missing+=(nasm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    # A libjpeg-turbo built before NASM was there has no SIMD: build it again.
    if [[ " ${missing[*]} " == *" nasm "* ]]; then cargo clean --release -p mozjpeg-sys; fi
  else
    echo "missing: ${missing[*]} (apt-get install them)" >&2
    exit 1
  fi
fi
if [ -z "${BENCH_POSTGRES_URL:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432 (set BENCH_POSTGRES_URL for another server)" >&2
  exit 1
fi

cargo build --release --locked -p profile-server -p profile-bench
exec python3 bench/run.py "$@"
