#!/usr/bin/env bash
# All the tests: formatting, lints, and the test suites on SQLite (always) and PostgreSQL (when
# SIGNAAL_TEST_POSTGRES_URL is set; .ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
if [ -n "${SIGNAAL_TEST_POSTGRES_URL:-}" ]; then
  echo "test.sh: PostgreSQL tests run against ${SIGNAAL_TEST_POSTGRES_URL%%@*}@…"
else
  echo "test.sh: SIGNAAL_TEST_POSTGRES_URL is not set; PostgreSQL tests are skipped (.ci/run sets it)"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole workspace (cargo prints one per test binary, the last often empty).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
