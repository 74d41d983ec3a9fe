#!/bin/sh
# Drives a running service the way a new user would: sign up, log in, read
# oneself, log out, and check the token is dead. Exits non-zero on the first
# surprise. BASE_URL defaults to the local `make run`.
set -eu
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
name="smoke_$(date +%s)"

expect() { # expect STATUS CURL-ARGS...
  want=$1; shift
  got=$(curl -s -o /tmp/smoke.body -w '%{http_code}' "$@")
  if [ "$got" != "$want" ]; then
    echo "FAIL: $* -> $got (wanted $want): $(cat /tmp/smoke.body)"; exit 1
  fi
}

expect 201 -X POST "$BASE_URL/v1/accounts" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"violet tractor umbrella\"}"
expect 201 -X POST "$BASE_URL/v1/sessions" -H 'Content-Type: application/json' \
  -d "{\"login\":\"$name\",\"password\":\"violet tractor umbrella\"}"
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' /tmp/smoke.body)
expect 200 "$BASE_URL/v1/users/me" -H "Authorization: Bearer $token"
expect 204 -X DELETE "$BASE_URL/v1/sessions/current" -H "Authorization: Bearer $token"
expect 401 "$BASE_URL/v1/users/me" -H "Authorization: Bearer $token"
echo "smoke: ok"
