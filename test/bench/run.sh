#!/usr/bin/env bash
# Benchmarks, each side by side with the plain-SQL way and a plain scan,
# in one session on a throwaway server.
#
#   bash test/bench/run.sh [rows]      (default 10000000 rows)
#
# HS_BENCH_RUNS=N sets the rounds (3), HS_BENCH_JIT="on" the JIT settings
# ("on off"), HS_BENCH_ONLY=percentile one benchmark.
#
# Installs what is missing, builds and installs the extension, starts a
# server with shared_buffers large enough to hold the table, generates
# the seeded table, then runs every test/bench/*.sql benchmark with JIT
# on (PostgreSQL's default) and off.  Prints medians and ratios.
source "$(dirname "$0")/../lib.sh"

rows=${1:-10000000}
runs=${HS_BENCH_RUNS:-3}
HS_SERVER_CONF="shared_buffers = 4GB
work_mem = 64MB
max_parallel_workers_per_gather = 2
max_wal_size = 8GB
checkpoint_timeout = 1h"

hs_install_deps
hs_build_install
hs_start_server

hs_psql -c 'CREATE EXTENSION health_score'
hs_log "generating $rows rows (seeded)"
hs_psql -v rows="$rows" -f "$HS_ROOT/test/bench/generate.sql" >/dev/null
hs_psql -f "$HS_ROOT/test/bench/harness.sql" >/dev/null 2>&1
hs_psql -c 'CREATE EXTENSION IF NOT EXISTS pg_prewarm' -c "SELECT pg_prewarm('bench_customers')" >/dev/null

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $rows rows; $runs rounds"
for bench in "$HS_ROOT"/test/bench/[a-z]*.sql; do
	case "$(basename "$bench")" in generate.sql|harness.sql) continue ;; esac
	[ -n "${HS_BENCH_ONLY:-}" ] && [ "$(basename "$bench" .sql)" != "$HS_BENCH_ONLY" ] && continue
	for jit in ${HS_BENCH_JIT:-on off}; do
		hs_log "$(basename "$bench"), jit = $jit"
		PGOPTIONS="-c jit=$jit" hs_psql -v runs="$runs" -f "$bench"
	done
done
