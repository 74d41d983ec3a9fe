#!/usr/bin/env bash
# `make api-fuzz`: schemathesis (PyPI, pinned, installed into its own
# virtualenv when missing) generates requests from the service's own
# /openapi.json and checks every answer with every check (`-c all`): no
# 5xx, only documented statuses, content types, headers and schemas,
# schema-valid data accepted and schema-violating data refused (positive
# and negative data), deleted resources gone; the stateful phase chains
# operations along the document's links. Rules no schema can state are
# allowed per operation in scripts/api-fuzz.toml and kept valid in
# generated bodies by scripts/api_fuzz_hooks.py. Runs against a service
# already listening on BASE (default the `make run` one), with a fresh
# account; logout, password change and ending a session by id (which may
# be the fuzzer's own) are left out so the token survives the run.
# scripts/api-fuzz-ci.sh runs it on both databases with its own services.
#
#   EXAMPLES   cases per operation and phase (default 100)
#   CHECKS     the checks, `st run -c` (default all)
#   MODE       positive, negative or all data (default all)
#   ST_VENV    where schemathesis is installed
# Extra arguments go to `st run` (e.g. --seed 1234 to replay a run).
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
ST_VERSION=4.32.5
venv=${ST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/profiled/schemathesis-$ST_VERSION}
st="$venv/bin/st"
if ! "$st" --version 2>/dev/null | grep -qx "st, version $ST_VERSION"; then
  if python3 -m venv "$venv" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
  else # no venv module (Debian without python3-venv): the user's site-packages
    python3 -m pip install --quiet --user --disable-pip-version-check "schemathesis==$ST_VERSION"
    st=$(python3 -c 'import site; print(site.USER_BASE)')/bin/st
  fi
fi
user="fuzz$RANDOM$RANDOM"
token=$(curl -fsS -X POST "$BASE/v1/accounts" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"violet tractor umbrella\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# Rules no schema can state: scripts/api-fuzz.toml (statuses) and
# scripts/api_fuzz_hooks.py (values kept valid).
PYTHONPATH="$(dirname "$0")${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=api_fuzz_hooks \
  "$st" --config-file "$(dirname "$0")/api-fuzz.toml" run "$BASE/openapi.json" -H "Authorization: Bearer $token" \
  --exclude-operation-id log_out --exclude-operation-id change_password --exclude-operation-id end_session \
  -c "${CHECKS:-all}" \
  --mode "${MODE:-all}" \
  --phases examples,coverage,fuzzing,stateful \
  --generation-database none \
  -n "${EXAMPLES:-100}" "$@"
