#!/usr/bin/env bash
# Schemathesis against /openapi.json on both databases, on its own (CI runs
# it after `make test`): for each of SQLite (a temp file) and PostgreSQL (a
# freshly created, uniquely named database, dropped afterwards) it starts
# target/debug/profiled on a free loopback port with a temp media folder,
# no operators' listener and abuse limits raised out of the fuzzer's way,
# signs up an account for the bearer token and runs scripts/api-fuzz.sh
# (every check, positive and negative data, examples, coverage, fuzzing and
# stateful phases) with a bounded number of examples: under a minute per
# database at the default 100. Any failure fails the script;
# everything it started or created is stopped and removed on exit.
#
#   API_FUZZ_DATABASES  "sqlite postgres" (default), or one of them
#   EXAMPLES            cases per operation and phase (default 100)
#   CHECKS, MODE        as scripts/api-fuzz.sh (default all and all)
#   TEST_POSTGRES_URL   the server to create the database on
#                       (default postgres://postgres@127.0.0.1:5432/postgres)
#   PROFILED_BIN        the binary (default target/debug/profiled, built when missing)
#
# Extra arguments go to `st run` (e.g. --seed 1234 to replay a run).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PROFILED_BIN:-target/debug/profiled}
databases=${API_FUZZ_DATABASES:-sqlite postgres}
admin_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export EXAMPLES=${EXAMPLES:-100}

[ -x "$bin" ] || cargo build --bin profiled

work=$(mktemp -d "${TMPDIR:-/tmp}/api-fuzz.XXXXXX")
# /metrics on the public listener, for this token only: the summary of
# statuses per route after each run (not in /openapi.json, so not fuzzed).
metrics_token="metrics-$RANDOM$RANDOM$RANDOM"
pid=""
fuzz_pid=""
pg_db=""
stop_service() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
drop_database() {
  if [ -n "$pg_db" ]; then
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null || true
    pg_db=""
  fi
}
cleanup() {
  if [ -n "$fuzz_pid" ]; then
    kill -- "-$fuzz_pid" 2>/dev/null || true
    wait "$fuzz_pid" 2>/dev/null || true
  fi
  stop_service
  drop_database
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the service on `url`, waits for its bound address, sets BASE.
start_service() {
  local url=$1 name=$2
  mkdir -p "$work/$name/media"
  : >"$work/$name/service.log"
  env DATABASE_URL="$url" \
    PROFILED__SERVER__HOST=127.0.0.1 \
    PROFILED__SERVER__PORT=0 \
    PROFILED__MEDIA__BACKEND=fs \
    PROFILED__MEDIA__DIR="$work/$name/media" \
    PROFILED__MAIL__OUTBOX_DIR="$work/$name/outbox" \
    PROFILED__METRICS__LISTEN=127.0.0.1:0 \
    PROFILED__METRICS__TOKEN="$metrics_token" \
    PROFILED__LOG__FORMAT=json \
    PROFILED__LOG__LEVEL=warn,profile_server=info \
    PROFILED__LIMITS__SIGNUPS_PER_CLIENT=1000000 \
    PROFILED__LIMITS__RENAMES_PER_ACCOUNT=1000000 \
    PROFILED__LIMITS__RENAMES_PER_CLIENT=1000000 \
    PROFILED__LIMITS__PASSWORD_RESETS_PER_CLIENT=1000000 \
    PROFILED__LIMITS__VERIFICATION_MAILS_PER_ACCOUNT=1000000 \
    PROFILED__AUTH__MAX_FAILED_LOGINS_PER_ACCOUNT_AND_CLIENT=1000000 \
    PROFILED__AUTH__MAX_FAILED_LOGINS_PER_ACCOUNT=1000000 \
    PROFILED__AUTH__MAX_FAILED_LOGINS_PER_CLIENT=1000000 \
    PROFILED__AUTH__LOGIN_DELAY_AFTER=1000000 \
    PROFILED__PROFILES__PUBLIC_READ=false \
    "$bin" serve >>"$work/$name/service.log" 2>&1 &
  pid=$!
  local address=""
  for _ in $(seq 1 300); do
    address=$(sed -n 's/.*"message":"listening".*"address":"\([^"]*\)".*/\1/p' "$work/$name/service.log" | head -n1)
    [ -n "$address" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "api-fuzz-ci: the service did not start on $name:" >&2
    cat "$work/$name/service.log" >&2
    return 1
  fi
  BASE="http://$address"
}

failed=()
for db in $databases; do
  case $db in
    sqlite) url="sqlite://$work/sqlite/profiles.db?mode=rwc" ;;
    postgres)
      pg_db="api_fuzz_$(date +%s)_$$_$RANDOM"
      psql -q "$admin_url" -c "CREATE DATABASE \"$pg_db\"" >/dev/null
      url="${admin_url%/*}/$pg_db"
      ;;
    *) echo "api-fuzz-ci: unknown database $db (sqlite or postgres)" >&2; exit 2 ;;
  esac
  printf '== api-fuzz on %s\n' "$db"
  start=$SECONDS
  start_service "$url" "$db"
  # In its own process group, waited for, so that INT or TERM cleans up at
  # once (bash runs traps only between foreground commands).
  set -m
  BASE=$BASE scripts/api-fuzz.sh --no-color "$@" &
  fuzz_pid=$!
  set +m
  if wait "$fuzz_pid"; then
    status=0
  else
    status=$?
  fi
  fuzz_pid=""
  if kill -0 "$pid" 2>/dev/null; then
    # What the service answered, per operation: how deep the run reached.
    printf '== answers on %s (method route: status×count)\n' "$db"
    curl -fsS -H "Authorization: Bearer $metrics_token" "$BASE/metrics" | awk '
      /^http_requests_total\{/ {
        match($0, /method="[^"]*"/); m = substr($0, RSTART + 8, RLENGTH - 9)
        match($0, /route="[^"]*"/); r = substr($0, RSTART + 7, RLENGTH - 8)
        match($0, /status="[^"]*"/); st = substr($0, RSTART + 8, RLENGTH - 9)
        if (r == "/metrics" || r == "unmatched" || st == "405") next
        key = m " " r; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
        line[key] = line[key] " " st "×" $NF
      }
      END { for (i = 1; i <= n; i++) printf "   %-40s%s\n", order[i], line[order[i]] }' | sort || true
  else
    echo "api-fuzz-ci: the service died during the run on $db" >&2
    status=1
  fi
  # The service's own errors, for the record (actix_http logs malformed
  # requests, which the fuzzer sends on purpose, at ERROR too).
  if grep '"level":"ERROR"' "$work/$db/service.log" | grep -qv '"target":"actix_http'; then
    echo "api-fuzz-ci: the service logged errors on $db:" >&2
    grep '"level":"ERROR"' "$work/$db/service.log" | grep -v '"target":"actix_http' | head -n 20 >&2
  fi
  stop_service
  drop_database
  printf '== api-fuzz on %s: %s in %ss\n' "$db" "$([ "$status" = 0 ] && echo ok || echo FAILED)" $((SECONDS - start))
  [ "$status" = 0 ] || failed+=("$db")
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "api-fuzz-ci: failures on: ${failed[*]}" >&2
  exit 1
fi
