#!/usr/bin/env bash
# Anonymous-submission benchmark (issue 3), all in one run on one machine:
#   1. the ceiling: bare_ceiling (axum + SQLite, one row per POST) committing per request,
#   2. the ceiling with group commit,
#   3. Signaal's whole submission path (`signaal serve --demo`),
# each on a fresh database on a real disk (fsync is real), driven by submit_load with a warm-up
# and then N submissions at concurrency C. Prints the RESULT lines and Signaal's share of each
# ceiling. Figures go to docs/PERFORMANCE.md.
#
#   bench/submit.sh                          # everything
#   TARGETS="per-request group-commit" bench/submit.sh   # only the ceilings
#   N=50000 C=64 WRK=1 bench/submit.sh      # other sizes; WRK=1 adds wrk cross-checks
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# SIGNAAL_BENCH_ARGS: extra `signaal serve` flags for the benchmark, to lift the per-client and
# per-school public rate limits (one client sends everything here). Filled in by the lead.
SIGNAAL_BENCH_ARGS="${SIGNAAL_BENCH_ARGS:---submissions-per-client-per-hour 100000000 --reports-per-school-per-hour 100000000 --log-level warn}"
# ---------------------------------------------------------------------------------------------

N="${N:-20000}"                  # timed submissions per target
C="${C:-32}"                     # concurrent connections
WARMUP="${WARMUP:-500}"          # untimed submissions first, on the same connections
TARGETS="${TARGETS:-per-request group-commit signaal}"
SCHOOL="${SCHOOL:-de-vuurtoren}" # the demo school
SIGNAAL_PORT="${SIGNAAL_PORT:-18480}"
WRK="${WRK:-0}"                  # 1: also run wrk (10 s, 1 thread, C connections) per target
SKIP_BUILD="${SKIP_BUILD:-0}"    # 1: use the binaries already built

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/release"

if [[ "$SKIP_BUILD" != 1 ]]; then
    packages=(-p signaal-bench)
    [[ " $TARGETS " == *" signaal "* ]] && packages+=(-p signaal)
    (cd "$root" && cargo build --release "${packages[@]}" --bins --locked)
fi

# The databases must live on a real disk: on tmpfs fsync costs nothing and the figures lie.
scratch_base=""
for candidate in "${BENCH_TMPDIR:-}" "${TMPDIR:-}" /var/tmp "$root/target"; do
    [[ -n "$candidate" && -d "$candidate" ]] || continue
    fs="$(stat -f -c %T "$candidate")"
    if [[ "$fs" != tmpfs && "$fs" != ramfs ]]; then
        scratch_base="$candidate"
        break
    fi
done
[[ -n "$scratch_base" ]] || { echo "no temp folder on a real disk; set BENCH_TMPDIR" >&2; exit 1; }
scratch="$(mktemp -d "$scratch_base/signaal-bench.XXXXXX")"

server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);" \
    "databases in $scratch ($(stat -f -c %T "$scratch"), $(df --output=source "$scratch" | tail -1))"
echo "load: N=$N C=$C warm-up=$WARMUP; targets: $TARGETS"

# Waits for "listening on ADDR" in a log; prints ADDR.
wait_listening() {
    local log="$1"
    for _ in $(seq 1 100); do
        local addr
        addr="$(sed -n 's/^listening on //p' "$log")"
        if [[ -n "$addr" ]]; then echo "$addr"; return 0; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$log" >&2
    return 1
}

wait_ready() {
    local base="$1" log="$2"
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "signaal did not become ready:" >&2
    cat "$log" >&2
    return 1
}

results="$scratch/results"
: >"$results"

run_wrk() {
    local base="$1" path="$2" token="$3"
    [[ "$WRK" == 1 ]] || return 0
    command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; return 0; }
    echo "--- wrk -t1 -c$C -d10s against the same server"
    WRK_PATH="$path" WRK_TOKEN="$token" wrk -t1 -c"$C" -d10s --latency \
        -s "$root/bench/wrk_submit.lua" "$base" | sed 's/^/    /'
}

for target in $TARGETS; do
    echo
    echo "=== $target   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    dir="$scratch/$target"
    mkdir -p "$dir"
    log="$dir/server.log"
    case "$target" in
    per-request | group-commit)
        "$bin/bare_ceiling" --mode "$target" --listen 127.0.0.1:0 --db "$dir/ceiling.db" \
            >"$log" 2>&1 &
        server_pid=$!
        addr="$(wait_listening "$log")"
        "$bin/submit_load" --url "http://$addr" --target bare --label "$target" \
            --requests "$N" --concurrency "$C" --warmup "$WARMUP" --server-pid "$server_pid" |
            tee -a "$results" || echo "submit_load failed against $target" >&2
        run_wrk "http://$addr" /reports ""
        ;;
    signaal)
        # shellcheck disable=SC2086 # SIGNAAL_BENCH_ARGS is a list of flags
        "$bin/signaal" serve --data-dir "$dir/data" --listen "127.0.0.1:$SIGNAAL_PORT" --demo \
            $SIGNAAL_BENCH_ARGS >"$log" 2>&1 &
        server_pid=$!
        wait_ready "http://127.0.0.1:$SIGNAAL_PORT" "$log"
        "$bin/submit_load" --url "http://127.0.0.1:$SIGNAAL_PORT" --target signaal \
            --school "$SCHOOL" --label demo --requests "$N" --concurrency "$C" \
            --warmup "$WARMUP" --server-pid "$server_pid" | tee -a "$results" ||
            echo "submit_load failed against signaal" >&2
        if [[ "$WRK" == 1 ]]; then
            # A token of its own for wrk, used only after its minimum fill time.
            form="$(curl -fsS "http://127.0.0.1:$SIGNAAL_PORT/api/v1/schools/$SCHOOL/report-form")"
            token="$(sed -n 's/.*"form_token": *"\([^"]*\)".*/\1/p' <<<"$form")"
            sleep "$(sed -n 's/.*"min_fill_seconds": *\([0-9]*\).*/\1/p' <<<"$form")"
            sleep 0.2
            run_wrk "http://127.0.0.1:$SIGNAAL_PORT" "/api/v1/schools/$SCHOOL/reports" "$token"
        fi
        ;;
    *)
        echo "unknown target $target (per-request, group-commit, signaal)" >&2
        exit 2
        ;;
    esac
    stop_server
done

echo
echo "=== summary"
grep '^RESULT' "$results" || true
rps() { sed -n "s/^RESULT .* mode=$1 .* rps=\([0-9]*\) .*/\1/p" "$results"; }
signaal="$(rps demo)"
for ceiling in group-commit per-request; do
    value="$(rps "$ceiling")"
    if [[ -n "$signaal" && -n "$value" ]]; then
        awk -v s="$signaal" -v c="$value" -v name="$ceiling" \
            'BEGIN { printf "RATIO signaal/%s = %.2f (%d / %d per s)\n", name, s / c, s, c }'
    fi
done
