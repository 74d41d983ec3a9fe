# The two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test lint fmt migrate docker bench symbol-order api-fuzz soak fuzz

## Build and serve on 127.0.0.1:8080 with SQLite under data/ (migrations run on start).
run:
	$(CARGO) run --bin profiled -- serve

## Every test: unit, use-case, doc and black-box, on SQLite and PostgreSQL.
## PostgreSQL tests skip when no server answers; REQUIRE_POSTGRES=1 makes that a failure.
test:
	$(CARGO) build --bin profiled
	$(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc

## Formatting and lints, as CI runs them.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Apply pending migrations to database.url (or DATABASE_URL) and exit.
migrate:
	$(CARGO) run --bin profiled -- migrate

## Benchmarks: the service against its anchors (pgbench, minimal actix, one-query ceiling,
## argon2, vipsthumbnail) in one run; writes bench/results/latest.json and BENCHMARKS.md.
bench:
	scripts/bench.sh

## Lists the functions a running service executes (valgrind's callgrind), in
## crates/server/symbol-order.txt: the release build links them side by side.
symbol-order:
	command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
	$(CARGO) build --release --locked -p profile-server
	python3 bench/symbol_order.py

## Build the container image (needs a Docker engine).
docker:
	docker build -t profiled:latest .

## Schemathesis against the running service's /openapi.json (start it with `make run`).
api-fuzz:
	scripts/api-fuzz.sh

## Soak: two instances on one new PostgreSQL database and one media folder, 32 clients of
## mixed GET/PATCH/avatar/login for 60 s (SOAK_SECONDS, SOAK_CLIENTS), then an audit of versions,
## last values, media files and revoked sessions. Debug build; SOAK_PROFILE=release for release.
soak:
	CARGO="$(CARGO)" scripts/soak.sh

## cargo fuzz on the parsers, description processing, profile changes and image decoding:
## FUZZ_SECONDS (default 60) per target; fails when a crash is found. Not run in CI.
fuzz:
	scripts/fuzz.sh
