#!/usr/bin/env bash
# Fuzzing: every public C-backed function and aggregate of health_score is
# called with seeded generated arguments (NULL in every position, NaN,
# ±Infinity, ±1e308, denormals, -0, empty, multidimensional and
# mismatched arrays, arrays with NULL elements, 1,000,000-element arrays,
# random text cast to health_score.distribution), over a million calls
# in all.  Every call returns a result within its documented range or
# raises an ERROR whose SQLSTATE is not XX000, and the server never
# restarts.  Counts by function and SQLSTATE are printed at the end.
# Runs on check.sh's server.  HS_FUZZ_SEED, HS_FUZZ_ROWS, HS_FUZZ_CALLS
# change the seed and the size.
set -euo pipefail
db=health_score_fuzz_test
seed=${HS_FUZZ_SEED:-0.42}
rows=${HS_FUZZ_ROWS:-100000}
calls=${HS_FUZZ_CALLS:-150000}   # one-at-a-time calls per session (two sessions)
here=$(cd "$(dirname "$0")/.." && pwd)
psql() { command psql -X -v ON_ERROR_STOP=1 -q "$@"; }
value() { psql -d "$db" -At -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
	psql -d postgres -c "DROP DATABASE IF EXISTS $db"
}
trap cleanup EXIT
cleanup 2>/dev/null
psql -d postgres -c "CREATE DATABASE $db"
psql -d "$db" -c "CREATE EXTENSION health_score"
started=$(psql -d postgres -At -c "SELECT pg_postmaster_start_time()")
t0=$SECONDS

psql -d "$db" -v seed="$seed" -v rows="$rows" -f "$here/fuzz/fuzz.sql" >/dev/null ||
	fail "the set-wise batches and the large-array calls stopped with an error"
echo "ok: set-wise batches over $rows rows (serial and parallel) and the 1,000,000-element calls ran ($((SECONDS - t0)) s)"

# The one-at-a-time calls, in two sessions with seeds derived from seed.
pids=()
for s in 1 2; do
	psql -d "$db" -c "SET client_min_messages = warning" \
		-c "SELECT setseed(($seed * 1000 + $s)::float8 / 10000)" -c "SELECT fz_run($calls)" >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || fail "a session of one-at-a-time calls stopped with an error (crash?)"
done
elapsed=$((SECONDS - t0))

[ "$(psql -d postgres -At -c "SELECT pg_postmaster_start_time()")" = "$started" ] ||
	fail "the server restarted during the fuzzing (a backend crashed)"
[ "$(value "SELECT 1")" = 1 ] || fail "no connection after the fuzzing"

echo "calls by function and outcome (ok, null, RANGE = out of range, or the SQLSTATE raised):"
psql -d "$db" -c "SELECT fn AS function, string_agg(state || ' ' || n, ', ' ORDER BY state) AS outcomes, sum(n) AS calls
                  FROM (SELECT fn, state, sum(n) AS n FROM fz_count GROUP BY 1, 2) s GROUP BY fn ORDER BY fn"
psql -d "$db" -c "SELECT state, sum(n) AS calls FROM fz_count GROUP BY 1 ORDER BY 2 DESC"
total=$(value "SELECT sum(n) FROM fz_count")
bad=$(value "SELECT count(*) FROM fz_bad")
if [ "$bad" != 0 ]; then
	psql -d "$db" -c "SELECT DISTINCT ON (fn, state) fn, state, count(*) OVER (PARTITION BY fn, state) AS calls,
	                         left(message, 200) AS message, left(sql, 600) AS reproducer
	                    FROM fz_bad ORDER BY fn, state, length(sql)" >&2
	fail "$bad calls raised an internal error, a crash-class error or gave a result out of range (of $total)"
fi
[ "$total" -ge 1000000 ] || fail "only $total calls made, fewer than 1,000,000"
echo "ok: $total calls in ${elapsed} s: each returned a result in range or raised a non-internal error; the server never restarted"
