#!/usr/bin/env bash
# `make api-fuzz`: schemathesis (PyPI, installed when missing) generates
# requests from the service's own /openapi.json and checks every answer:
# no 5xx, only documented statuses, content types, headers and schemas.
# Runs against a service already listening on BASE (default the `make run`
# one), with a fresh account; logout and password change are left out so
# the token survives the run.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
command -v st >/dev/null || python3 -m pip install --quiet schemathesis
user="fuzz$RANDOM$RANDOM"
token=$(curl -fsS -X POST "$BASE/v1/accounts" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"violet tractor umbrella\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
st run "$BASE/openapi.json" -H "Authorization: Bearer $token" \
  --exclude-operation-id log_out --exclude-operation-id change_password \
  -c not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  -n "${EXAMPLES:-100}" "$@"
