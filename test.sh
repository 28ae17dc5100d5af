#!/usr/bin/env bash
# All the tests: formatting, lints, the test suites on SQLite and PostgreSQL, the browser tests
# (Playwright and axe-core in Debian's Chromium, tests/e2e), and the fault tests (bench faults, as
# root: they mount a tmpfs and run a private PostgreSQL as the postgres user). scripts/test-deps.sh
# installs and starts what they need, and exports SIGNAAL_TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/test-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "test.sh: PostgreSQL tests run against ${SIGNAAL_TEST_POSTGRES_URL%%@*}@…"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Both suites run even when the first fails, so one summary counts everything; the exit code tells.
cargo_status=0
# --no-fail-fast: every test binary runs, so one failure does not hide others.
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$logs/cargo" || cargo_status=$?

# The browser tests drive the debug binary, which cargo test has just built (so this build is a
# no-op). Readable results on stdout, TAP to a file for the count.
e2e_status=0
cargo build -p signaal --locked --quiet &&
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$logs/e2e.tap" tests/e2e/*.test.mjs ||
  e2e_status=$?

# The fault tests (docs/FAULTS.md): real servers through kill -9, a PostgreSQL restart (a private
# server, never the shared one), a full disk (a small tmpfs) and two instances on one database.
# Each figure is a line starting with "fault:".
faults_status=0
bin="${CARGO_TARGET_DIR:-target}/debug"
cargo build -p signaal-bench --bin faults --locked --quiet &&
  "$bin/faults" --signaal "$bin/signaal" | tee "$logs/faults" || faults_status=$?

[ "$cargo_status" = 0 ] || echo "test.sh: cargo test failed (exit $cargo_status)"
[ "$e2e_status" = 0 ] || echo "test.sh: the browser tests failed (exit $e2e_status)"
[ "$faults_status" = 0 ] || echo "test.sh: the fault tests failed (exit $faults_status)"
# One closing line for everything (cargo prints one per test binary, the last often empty; node's
# TAP ends with "# pass N" and "# fail N", and counts a test file that crashed as failed; each
# fault test counts once).
touch "$logs/e2e.tap" "$logs/faults"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     FILENAME ~ /e2e.tap$/ && /^# pass [0-9]+$/ { p += $3 }
     FILENAME ~ /e2e.tap$/ && /^# (fail|cancelled) [0-9]+$/ { f += $3 }
     FILENAME ~ /faults$/ && /^fault: [a-z0-9]+ passed in / { p += 1 }
     FILENAME ~ /faults$/ && /^fault: [a-z0-9]+ FAILED/ { f += 1 }
     END { printf "%d passed, %d failed\n", p, f }' "$logs/cargo" "$logs/e2e.tap" "$logs/faults"
[ "$cargo_status" = 0 ] && [ "$e2e_status" = 0 ] && [ "$faults_status" = 0 ]
