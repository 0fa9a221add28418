#!/usr/bin/env bash
# Runs every benchmark that exists so far. Benchmarks print figures; they never fail on speed.
set -euo pipefail
build=${1:-build}
echo "== action log search over 1,000,000 entries (target: each query well under 100 ms)"
"$build/bench/action_log_bench"
