#!/usr/bin/env bash
# Soak test (`make soak`): two instances of the service sharing one
# PostgreSQL database and one media folder, under mixed load from many
# clients for a bounded time, then an audit of what they stored
# (scripts/soak.py does the load and the audit).
#
#   scripts/soak.sh [--seconds N] [--clients N] [--profiles N] [--release] [--no-build]
#
# Environment: SOAK_SECONDS (default 60), SOAK_CLIENTS (32), SOAK_PROFILES
# (the profiles the clients share; default one per 4 clients),
# SOAK_PROFILE (debug or release; default debug), SOAK_NO_BUILD=1 (use the
# binary as built), SOAK_BINARY (run this binary instead; implies no build),
# SOAK_POSTGRES_URL (an administrative connection,
# default postgres://postgres@127.0.0.1:5432/postgres), SOAK_KEEP=1 (keep the
# temporary folder with the logs and media; the database is dropped anyway).
#
# Everything it starts is removed at the end, also on failure or Ctrl-C: the
# two processes, the database (named soak_<time>_<pid>) and the temporary
# folder. Loopback only; the load stops after the given seconds, and every
# wait below is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${SOAK_SECONDS:-60}
clients=${SOAK_CLIENTS:-32}
profiles=${SOAK_PROFILES:-0}
profile=${SOAK_PROFILE:-debug}
build=1
[ "${SOAK_NO_BUILD:-0}" = 1 ] && build=0
[ -n "${SOAK_BINARY:-}" ] && build=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --clients) clients=$2; shift 2 ;;
    --clients=*) clients=${1#*=}; shift ;;
    --profiles) profiles=$2; shift 2 ;;
    --profiles=*) profiles=${1#*=}; shift ;;
    --release) profile=release; shift ;;
    --no-build) build=0; shift ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
case $profile in debug | release) ;; *) echo "soak: SOAK_PROFILE must be debug or release" >&2; exit 2 ;; esac

admin_url=${SOAK_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
CARGO=${CARGO:-cargo}
binary=${SOAK_BINARY:-target/$profile/profiled}

say() { printf '== soak: %s\n' "$*"; }

if [ "$build" = 1 ]; then
  say "building ($profile)"
  if [ "$profile" = release ]; then $CARGO build --release --bin profiled; else $CARGO build --bin profiled; fi
fi
[ -x "$binary" ] || { echo "soak: $binary not found (build it, or drop --no-build)" >&2; exit 2; }

database="soak_$(date +%s)_$$"
workdir=$(mktemp -d "${TMPDIR:-/tmp}/profiled-soak.XXXXXX")
media="$workdir/media"
mkdir -p "$media"
database_url="${admin_url%/*}/$database"
pids=()
driver=
created=0

cleanup() {
  local status=$?
  set +e
  [ -n "$driver" ] && kill -TERM "$driver" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$created" = 1 ]; then
    psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null ||
      echo "soak: could not drop database $database" >&2
  fi
  if [ "${SOAK_KEEP:-0}" = 1 ]; then
    echo "soak: kept $workdir (logs and media)" >&2
  else
    rm -rf "$workdir"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_isready -q -d "$admin_url" || { echo "soak: no PostgreSQL at $admin_url" >&2; exit 2; }
psql -X -q -v ON_ERROR_STOP=1 -d "$admin_url" -c "CREATE DATABASE \"$database\"" >/dev/null
created=1

say "database $database, media $media"
DATABASE_URL=$database_url PROFILED__LOG__FORMAT=json "$binary" migrate >"$workdir/migrate.log" 2>&1 ||
  { cat "$workdir/migrate.log" >&2; exit 1; }

# Both instances: port 0 (the bound address is logged), JSON logs.
start() { # start NAME
  env -u RUST_LOG DATABASE_URL="$database_url" \
    PROFILED__SERVER__HOST=127.0.0.1 PROFILED__SERVER__PORT=0 PROFILED__METRICS__LISTEN=127.0.0.1:0 \
    PROFILED__MEDIA__BACKEND=fs PROFILED__MEDIA__DIR="$media" \
    PROFILED__LOG__FORMAT=json PROFILED__LOG__LEVEL=info \
    "$binary" serve >"$workdir/$1.log" 2>&1 &
  pids+=($!)
}
address() { # address NAME PID -> 127.0.0.1:PORT once listening
  for _ in $(seq 1 300); do
    local found
    found=$(sed -n 's/.*"address":"\(127\.0\.0\.1:[0-9]*\)".*"listening".*/\1/p; s/.*"listening".*"address":"\(127\.0\.0\.1:[0-9]*\)".*/\1/p' \
      "$workdir/$1.log" | head -n1)
    if [ -n "$found" ]; then echo "$found"; return 0; fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "soak: instance $1 did not start:" >&2
  tail -n 20 "$workdir/$1.log" >&2
  return 1
}
ready() { # ready ADDRESS
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null --max-time 1 "http://$1/readyz" && return 0
    sleep 0.1
  done
  echo "soak: $1 is not ready" >&2
  return 1
}

start a
start b
a=$(address a "${pids[0]}")
b=$(address b "${pids[1]}")
ready "$a"
ready "$b"
say "instances http://$a (pid ${pids[0]}) and http://$b (pid ${pids[1]})"

# In the background so a signal reaches the trap at once (the trap stops it too).
python3 scripts/soak.py \
  --base "http://$a" --base "http://$b" \
  --database-url "$database_url" --media-dir "$media" \
  --seconds "$seconds" --clients "$clients" --profiles "$profiles" \
  --log "$workdir/a.log" --log "$workdir/b.log" &
driver=$!
wait "$driver"
