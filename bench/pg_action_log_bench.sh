#!/usr/bin/env bash
# The action-log benchmark on PostgreSQL (docs/store.md#postgresql): starts a throwaway
# PostgreSQL 15 on 127.0.0.1 at a free port (as the postgres account when run as root), runs
# build/bench/action_log_bench on an empty database in it, and removes it.
# Usage: bench/pg_action_log_bench.sh [entries] [build dir]
set -euo pipefail
entries=${1:-1000000}
build=${2:-build}
bin=${DRAWBRIDGE_PG_BIN:-/usr/lib/postgresql/15/bin}
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
dir=$(mktemp -d /dev/shm/drawbridge-pg-bench-XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
"${as_pg[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE DATABASE bench' postgres
"$build/bench/action_log_bench" "$entries" "postgresql://postgres@127.0.0.1:$port/bench"
