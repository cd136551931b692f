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
source "$(dirname "$0")/../lib.sh"
export PGDATABASE=health_score_fuzz_test
db=$PGDATABASE
seed=${HS_FUZZ_SEED:-0.42}
rows=${HS_FUZZ_ROWS:-100000}
calls=${HS_FUZZ_CALLS:-150000}   # one-at-a-time calls per session (two sessions)

hs_temp_db $db
hs_psql -c "CREATE EXTENSION health_score"
started=$(hs_value -d postgres "SELECT pg_postmaster_start_time()")
t0=$SECONDS

hs_psql -v seed="$seed" -v rows="$rows" -f "$HS_ROOT/test/fuzz/fuzz.sql" >/dev/null ||
	hs_fail "the set-wise batches and the large-array calls stopped with an error"
echo "ok: set-wise batches over $rows rows (serial and parallel) and the 1,000,000-element calls ran ($((SECONDS - t0)) s)"

# The one-at-a-time calls, in two sessions with seeds derived from seed.
pids=()
for s in 1 2; do
	hs_psql -c "SET client_min_messages = warning" \
		-c "SELECT setseed(($seed * 1000 + $s)::float8 / 10000)" -c "SELECT fz_run($calls)" >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || hs_fail "a session of one-at-a-time calls stopped with an error (crash?)"
done
elapsed=$((SECONDS - t0))

[ "$(hs_value -d postgres "SELECT pg_postmaster_start_time()")" = "$started" ] ||
	hs_fail "the server restarted during the fuzzing (a backend crashed)"
[ "$(hs_value "SELECT 1")" = 1 ] || hs_fail "no connection after the fuzzing"

echo "calls by function and outcome (ok, null, RANGE = out of range, or the SQLSTATE raised):"
hs_psql -c "SELECT fn AS function, string_agg(state || ' ' || n, ', ' ORDER BY state) AS outcomes, sum(n) AS calls
                  FROM (SELECT fn, state, sum(n) AS n FROM fz_count GROUP BY 1, 2) s GROUP BY fn ORDER BY fn"
hs_psql -c "SELECT state, sum(n) AS calls FROM fz_count GROUP BY 1 ORDER BY 2 DESC"
total=$(hs_value "SELECT sum(n) FROM fz_count")
bad=$(hs_value "SELECT count(*) FROM fz_bad")
if [ "$bad" != 0 ]; then
	hs_psql -c "SELECT DISTINCT ON (fn, state) fn, state, count(*) OVER (PARTITION BY fn, state) AS calls,
	                         left(message, 200) AS message, left(sql, 600) AS reproducer
	                    FROM fz_bad ORDER BY fn, state, length(sql)" >&2
	hs_fail "$bad calls raised an internal error, a crash-class error or gave a result out of range (of $total)"
fi
[ "$total" -ge 1000000 ] || hs_fail "only $total calls made, fewer than 1,000,000"
echo "ok: $total calls in ${elapsed} s: each returned a result in range or raised a non-internal error; the server never restarted"
