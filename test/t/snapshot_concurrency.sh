#!/usr/bin/env bash
# Concurrent snapshot() calls of one model: however many run at once,
# and whatever changes the source meanwhile, a day ends with exactly one
# set of rows (one per customer, all computed from one state of the
# source), the snapshots table with one row for it, and concurrent days
# of a new month with one partition for it, and scores_mv (the view over
# stored_scores, which snapshot() refreshes) with the rows of the last
# snapshot to commit.  A snapshot in a REPEATABLE
# READ transaction that lost the race fails (serialization failure or
# unique violation) rather than add rows; one that rolls back, fails
# midway or is terminated while holding the lock leaves the day's
# previous rows, and scores_mv, as they were.  Runs on check.sh's server, in a database
# of its own.
#
# The calls are started together at a gate: an advisory lock of the
# test's own (key 20260105, 6; health_score's lock keys are hashtext()
# values) that a background session holds while the racers queue for it
# with pg_advisory_xact_lock_shared(), then releases, so that they all
# call snapshot() within a millisecond or so of each other.  A session
# that holds the model's snapshot lock on purpose is one that ran
# snapshot() and then waits at the gate before it commits.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE=hs_snapshot_concurrency
db=$PGDATABASE
model=conc
views=health_score_$model
customers=5000
day=2026-01-05
gate="20260105, 6"
# How long a session may take before it counts as hung: far beyond what
# any takes, so that a loaded machine does not fail the test.
hung_after=300

hs_work_dir snapshot
work=$HS_WORK
# start NAME PSQL-ARGUMENTS...: a psql session in the background, job
# NAME, with application_name NAME and its output in $work/NAME.out and
# NAME.err (errors with their SQLSTATE)
start() {
	local name=$1
	shift
	PGAPPNAME=$name hs_psql -v VERBOSITY=verbose "$@" >"$work/$name.out" 2>"$work/$name.err" &
	hs_job "$name"
}
# wait_until WHAT CONDITION: waits for the SQL CONDITION, at most
# $hung_after s
wait_until() {
	local deadline=$((SECONDS + hung_after)) got
	while :; do
		got=$(hs_value "SELECT $2")
		[ "$got" != t ] || return 0
		[ $SECONDS -lt $deadline ] || hs_fail "waited $hung_after s in vain for $1"
		sleep 0.05
	done
}
# how many sessions named like NAME (a LIKE pattern) wait for the gate,
# or for another advisory lock: the model's snapshot lock
at_gate() {
	echo "(SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
	         WHERE a.application_name LIKE '$1' AND l.locktype = 'advisory' AND NOT l.granted
	           AND (l.classid, l.objid, l.objsubid) = ($gate, 2))"
}
at_model_lock() {
	echo "(SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
	         WHERE a.application_name LIKE '$1' AND l.locktype = 'advisory' AND NOT l.granted
	           AND (l.classid, l.objid, l.objsubid) <> ($gate, 2))"
}
gate_close() {
	start hs_gate -c "BEGIN" -c "SELECT pg_advisory_xact_lock($gate)" -c "SELECT pg_sleep(60)"
	wait_until "the gate to close" "EXISTS (SELECT FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
	                                         WHERE a.application_name = 'hs_gate' AND l.locktype = 'advisory'
	                                           AND l.granted AND (l.classid, l.objid, l.objsubid) = ($gate, 2))"
}
# cancelling the gate's pg_sleep() aborts its transaction: the lock goes
gate_open() {
	hs_value "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'hs_gate'" >/dev/null
	hs_wait_job hs_gate "$hung_after"
}
# sqlstate NAME: the SQLSTATE of the error a background session ended
# with, or "none"
sqlstate() {
	sed -nE 's/^(psql:[^ ]* )?ERROR: +([0-9A-Z]{5}):.*/\2/p' "$work/$1.err" | head -1 | grep . || echo none
}

# Rows of the day, distinct keys among them, and the snapshots row's
# customers: one set is "5000|5000|5000".
# A session that lost a race in REPEATABLE READ: it must have ended with
# a serialization failure or a unique violation, and sets state to which.
lost_the_race() {
	hs_wait_job "$1" "$hung_after"
	state=$(sqlstate "$1")
	if [ "$HS_RC" -eq 0 ] || [[ ! "$state" =~ ^(40001|23505)$ ]]; then
		cat "$work/$1.err" >&2
		hs_fail "$2 exited $HS_RC with SQLSTATE $state, expected a serialization failure or unique violation"
	fi
}

day_counts() {
	hs_value "SELECT format('%s|%s|%s', count(*), count(DISTINCT h.id),
	                     (SELECT string_agg(sn.customers::text, ',') FROM $views.snapshots AS sn
	                       WHERE sn.taken_on = '$1'))
	         FROM $views.history AS h WHERE h.taken_on = '$1'"
}
one_set() {
	local got
	got=$(day_counts "$1")
	[ "$got" = "$customers|$customers|$customers" ] ||
		hs_fail "$2: $1 has (rows|distinct keys|snapshots.customers) $got, expected $customers|$customers|$customers"
}
# Rows of the scores view and of the day's history that the other lacks.
differences() {
	local cols="id, plan, score, band, grade, percentile, segment_percentile"
	hs_value "SELECT count(*) FROM (
		(SELECT $cols FROM $views.scores EXCEPT ALL SELECT $cols FROM $views.history WHERE taken_on = '$1')
		UNION ALL
		(SELECT $cols FROM $views.history WHERE taken_on = '$1' EXCEPT ALL SELECT $cols FROM $views.scores)) AS d"
}
# Rows of scores_mv and of the day's history that the other lacks:
# snapshot() refreshes stored_scores and copies the day's rows from
# scores_mv, in one transaction.
mv_differences() {
	local cols="id, plan, score, band, grade, percentile, segment_percentile"
	hs_value "SELECT count(*) FROM (
		(SELECT $cols FROM $views.scores_mv EXCEPT ALL SELECT $cols FROM $views.history WHERE taken_on = '$1')
		UNION ALL
		(SELECT $cols FROM $views.history WHERE taken_on = '$1' EXCEPT ALL SELECT $cols FROM $views.scores_mv)) AS d"
}
# Everything scores_mv shows, to compare before and after.
mv_fingerprint() {
	hs_value "SELECT count(*) || ' rows, md5 ' || md5(string_agg(to_jsonb(s)::text, E'\n' ORDER BY s.id)) FROM $views.scores_mv AS s"
}
# Everything stored for a day, to compare before and after.
fingerprint() {
	hs_value "SELECT count(*) || ' rows, md5 ' || md5(string_agg(h::text, E'\n' ORDER BY h.id))
	              || ', snapshots ' || coalesce((SELECT sn::text FROM $views.snapshots AS sn WHERE sn.taken_on = '$1'), 'none')
	         FROM $views.history AS h WHERE h.taken_on = '$1'"
}
# The source in state WAVE: every customer's wave and logins follow from
# it, so one state of the source is one wave, and the wave metric's score
# in a history row is the wave the row was computed from.
# Concurrent updates of every row deadlock: the table lock, which
# readers pass, makes them take turns.
set_wave() { hs_psql -c "UPDATE customers SET wave = $1, logins = (id * 7 + $1 * 13) % 50"; }
next_wave="BEGIN; LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE;
UPDATE customers SET wave = wave + 1, logins = (id * 7 + (wave + 1) * 13) % 50; COMMIT;"

hs_temp_db $db
hs_psql >/dev/null <<SQL
CREATE EXTENSION health_score;
CREATE TABLE customers (id int PRIMARY KEY, plan text NOT NULL, wave int NOT NULL, logins int, tickets int);
INSERT INTO customers
SELECT i, (ARRAY['free', 'pro', 'enterprise'])[i % 3 + 1], 0, i * 7 % 50, i % 5
  FROM generate_series(1, $customers) AS i;
SELECT health_score.create_model('$model', 'customers', 'id', '{plan}');
SELECT health_score.add_metric('$model', 'usage', 'logins', 2, 'linear', worst => 0, best => 50);
SELECT health_score.add_metric('$model', 'usage_rank', 'logins', 1, 'percentile');
SELECT health_score.add_metric('$model', 'wave', 'wave', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('$model');
-- the waves each snapshot wrote, in the order they committed
CREATE TABLE wave_log (n int GENERATED ALWAYS AS IDENTITY, waves int[]);
SQL
hs_create_expect_rows

# 1. Eight clients, three snapshots each, of the same day, started at once.
gate_close
hs_start_pgbench hs_same_day "SELECT pg_advisory_xact_lock_shared($gate);
SELECT expect_rows(health_score.snapshot('$model', '$day'), $customers);" -c 8 -j 8 -t 3
wait_until "8 pgbench clients at the gate" "$(at_gate hs_same_day) = 8"
gate_open
hs_wait_job hs_same_day "$hung_after"
hs_check_pgbench hs_same_day "8 clients x 3 concurrent snapshots" 24/24
echo "ok: 8 clients x 3 concurrent snapshot('$model', '$day') all succeed, each writing $customers rows"
one_set "$day" "after 24 concurrent snapshots"
echo "ok: $day has exactly $customers history rows, no key twice, one snapshots row with customers = $customers"
[ "$(differences "$day")" = 0 ] || hs_fail "the rows of $day differ from the scores view after the concurrent snapshots"
[ "$(mv_differences "$day")" = 0 ] || hs_fail "the rows of $day differ from scores_mv after the concurrent snapshots"
echo "ok: the rows of $day equal the scores view and scores_mv"

# 2. The same race while the source changes: every client moves the
# source to its next wave, in a transaction of its own, before each
# snapshot, so the snapshots see different waves and overlap the
# updates of other clients.  In the snapshot's transaction, still
# holding the model's lock, the client logs the waves it wrote.
gate_close
hs_start_pgbench hs_changing "SELECT pg_advisory_xact_lock_shared($gate);
$next_wave
BEGIN;
SELECT expect_rows(health_score.snapshot('$model', '$day'), $customers);
INSERT INTO wave_log (waves)
SELECT array_agg(DISTINCT (h.metric_scores ->> 'wave')::int) FROM $views.history AS h WHERE h.taken_on = '$day';
COMMIT;" -c 8 -j 8 -t 3
wait_until "8 pgbench clients at the gate" "$(at_gate hs_changing) = 8"
gate_open
hs_wait_job hs_changing "$hung_after"
hs_check_pgbench hs_changing "8 clients x 3 concurrent updates and snapshots" 24/24
[ "$(hs_value "SELECT count(DISTINCT wave) || '|' || max(wave) FROM customers")" = "1|24" ] ||
	hs_fail "the 24 updates did not leave every customer at wave 24"
log=$(hs_value "SELECT format('%s|%s|%s', count(*), count(*) FILTER (WHERE cardinality(waves) <> 1), count(DISTINCT waves)) FROM wave_log")
IFS='|' read -r logged mixed distinct <<<"$log"
[ "$logged" = 24 ] || hs_fail "wave_log holds $logged snapshots, expected 24"
[ "$mixed" = 0 ] || hs_fail "$mixed snapshots wrote rows of more than one wave: $(hs_value "SELECT string_agg(waves::text, ' ' ORDER BY n) FROM wave_log")"
[ "$distinct" -ge 2 ] || hs_fail "the 24 snapshots all saw the same wave: the source did not change between them"
echo "ok: 8 clients x 3 (update the source, snapshot) succeed; each snapshot wrote one wave; they saw $distinct different waves"
one_set "$day" "after concurrent snapshots and updates"
waves=$(hs_value "SELECT format('%s|%s|%s', string_agg(DISTINCT h.metric_scores ->> 'wave', ','), count(DISTINCT h.model_version),
                             bool_and(h.model_version = sn.model_version AND sn.model_version = m.built_version))
                 FROM $views.history AS h JOIN $views.snapshots AS sn USING (taken_on)
                 CROSS JOIN health_score.model AS m
                WHERE h.taken_on = '$day' AND m.name = '$model'")
IFS='|' read -r wave versions same_version <<<"$waves"
last=$(hs_value "SELECT waves[1] FROM wave_log ORDER BY n DESC LIMIT 1")
[[ "$wave" =~ ^[0-9]+$ ]] || hs_fail "the rows of $day hold more than one wave: $wave"
[ "$wave" = "$last" ] || hs_fail "the rows of $day are of wave $wave, but the last snapshot to commit wrote wave $last"
[ "$versions|$same_version" = "1|t" ] || hs_fail "the rows of $day do not all have the model's built version, as the snapshots row does"
echo "ok: $day holds one set of $customers rows, all of wave $wave (the last snapshot's) and of the built model version"
# the last snapshot to commit refreshed stored_scores too: scores_mv
# holds the rows it wrote
[ "$(hs_value "SELECT count(*) FROM $views.scores_mv")" = "$customers" ] ||
	hs_fail "scores_mv does not have $customers rows after the concurrent snapshots and updates"
[ "$(mv_differences "$day")" = 0 ] || hs_fail "scores_mv differs from the rows of $day, which the last snapshot to commit wrote"
echo "ok: scores_mv equals the rows of $day: the last snapshot to commit refreshed it"
# The source moves on, so the comparison below has something to find;
# then back to the wave of the rows.
hs_psql -c "$next_wave"
n=$(differences "$day")
[ "$n" -gt 0 ] || hs_fail "the rows of $day equal the scores view at wave 25 as well as at wave $wave"
set_wave "$wave"
[ "$(differences "$day")" = 0 ] || hs_fail "the rows of $day differ from the scores view with the source back at wave $wave"
echo "ok: with the source back at wave $wave, the rows of $day equal the scores view (at wave 25, $n rows of the two have no match in the other)"
set_wave 25
hs_psql -c "SELECT health_score.snapshot('$model', '$day')" >/dev/null
one_set "$day" "after one more snapshot"
[ "$(differences "$day")" = 0 ] || hs_fail "a snapshot after the race left rows of $day that differ from the scores view"
echo "ok: a snapshot after the race replaces the rows of $day with the scores view (wave 25)"

# 3. Snapshots of eight days of two months without partitions, at once:
# client i takes 2026-03-02 + 7 i (March 2 to 30, April 6 to 20).
[ "$(hs_value "SELECT count(*) FROM pg_inherits WHERE inhparent = '$views.history'::regclass")" = 1 ] ||
	hs_fail "history has partitions other than January's before the test of new months"
gate_close
hs_start_pgbench hs_new_month "SELECT pg_advisory_xact_lock_shared($gate);
SELECT expect_rows(health_score.snapshot('$model', date '2026-03-02' + 7 * :client_id), $customers);" -c 8 -j 8 -t 1
wait_until "8 pgbench clients at the gate" "$(at_gate hs_new_month) = 8"
gate_open
hs_wait_job hs_new_month "$hung_after"
hs_check_pgbench hs_new_month "8 concurrent snapshots of new months" 8/8
parts=$(hs_value "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), '; ' ORDER BY c.relname)
                 FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                WHERE i.inhparent = '$views.history'::regclass")
expected="history_2026_01 FOR VALUES FROM ('2026-01-01') TO ('2026-02-01'); history_2026_03 FOR VALUES FROM ('2026-03-01') TO ('2026-04-01'); history_2026_04 FOR VALUES FROM ('2026-04-01') TO ('2026-05-01')"
[ "$parts" = "$expected" ] || hs_fail "history's partitions are '$parts', expected '$expected'"
echo "ok: 8 concurrent snapshots of days in March and April succeed; each month has one partition"
for d in 2026-03-02 2026-03-09 2026-03-16 2026-03-23 2026-03-30 2026-04-06 2026-04-13 2026-04-20; do
	one_set "$d" "after concurrent snapshots of new months"
done
echo "ok: each of the 8 days has $customers rows, no key twice, and one snapshots row"

# 4. REPEATABLE READ.
# a) A transaction whose snapshot predates another snapshot's commit
# then snapshots the same day, which had rows: it must fail, not add
# rows or bring back its older view of the source.
gate_close
start hs_rr_late -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT count(*) FROM customers" \
	-c "SELECT pg_advisory_xact_lock_shared($gate)" \
	-c "SELECT health_score.snapshot('$model', '$day')" -c "COMMIT"
# its transaction snapshot is taken; the other snapshot sees the next
# wave
wait_until "the REPEATABLE READ session at the gate" "$(at_gate hs_rr_late) = 1"
hs_psql -c "$next_wave" -c "SELECT health_score.snapshot('$model', '$day')" >/dev/null
gate_open
lost_the_race hs_rr_late "a REPEATABLE READ snapshot of $day whose transaction predates a concurrent snapshot"
one_set "$day" "after a REPEATABLE READ snapshot lost the race"
[ "$(differences "$day")" = 0 ] || hs_fail "the rows of $day are not the committed snapshot's after a REPEATABLE READ snapshot lost the race"
echo "ok: a REPEATABLE READ snapshot of a day with rows, begun before a concurrent one committed, fails ($state); the day keeps the other's rows"

# b) The same on a day without rows, the REPEATABLE READ session
# waiting inside snapshot() for the model's lock, which a concurrent
# snapshot holds until it passes the gate and commits.
d=2026-01-12
gate_close
start hs_holder -c "BEGIN" -c "SELECT health_score.snapshot('$model', '$d')" \
	-c "SELECT pg_advisory_xact_lock_shared($gate)" -c "COMMIT"
wait_until "the snapshot of $d to hold the lock and wait at the gate" "$(at_gate hs_holder) = 1"
start hs_rr_waiting -c "BEGIN ISOLATION LEVEL REPEATABLE READ" \
	-c "SELECT health_score.snapshot('$model', '$d')" -c "COMMIT"
wait_until "the REPEATABLE READ snapshot to wait for the model's lock" "$(at_model_lock hs_rr_waiting) = 1"
gate_open
hs_wait_job hs_holder "$hung_after"
[ "$HS_RC" -eq 0 ] || { cat "$work/hs_holder.err" >&2; hs_fail "the snapshot of $d holding the lock failed"; }
lost_the_race hs_rr_waiting "a REPEATABLE READ snapshot of $d that waited for a concurrent one"
one_set "$d" "after a REPEATABLE READ snapshot waited for another"
[ "$(differences "$d")" = 0 ] || hs_fail "the rows of $d differ from the scores view"
echo "ok: a REPEATABLE READ snapshot of a new day that waited for a concurrent one fails ($state); the day has the other's rows"

# c) Six sessions at once, REPEATABLE READ and READ COMMITTED in turn,
# on a day without rows: whichever succeed, one set of rows.
d=2026-01-26
gate_close
for i in 1 2 3 4 5 6; do
	level=$([ $((i % 2)) = 1 ] && echo "REPEATABLE READ" || echo "READ COMMITTED")
	start "hs_mixed_$i" -c "BEGIN ISOLATION LEVEL $level" -c "SELECT pg_advisory_xact_lock_shared($gate)" \
		-c "SELECT health_score.snapshot('$model', '$d')" -c "COMMIT"
done
wait_until "6 sessions at the gate" "$(at_gate 'hs\_mixed\_%') = 6"
gate_open
succeeded=0
states=()
for i in 1 2 3 4 5 6; do
	hs_wait_job "hs_mixed_$i" "$hung_after"
	if [ "$HS_RC" -eq 0 ]; then
		succeeded=$((succeeded + 1))
		continue
	fi
	state=$(sqlstate "hs_mixed_$i")
	if [ $((i % 2)) = 0 ] || [[ ! "$state" =~ ^(40001|23505)$ ]]; then
		cat "$work/hs_mixed_$i.err" >&2
		hs_fail "concurrent snapshot $i of $d exited $HS_RC with SQLSTATE $state"
	fi
	states+=("$state")
done
[ "$succeeded" -ge 3 ] || hs_fail "only $succeeded of 6 concurrent snapshots of $d succeeded; every READ COMMITTED one should"
one_set "$d" "after 6 concurrent REPEATABLE READ and READ COMMITTED snapshots"
[ "$(differences "$d")" = 0 ] || hs_fail "the rows of $d differ from the scores view"
echo "ok: 6 concurrent REPEATABLE READ / READ COMMITTED snapshots of $d: $succeeded succeed, the others fail (${states[*]:-none}); one set of rows"

# 5. Snapshots that do not complete leave the day's rows as they were.
# Each would write different rows: the source moves to the next wave.
hs_psql -c "$next_wave"
before=$(fingerprint "$day")
[ "${before%% *}" = "$customers" ] || hs_fail "$day has ${before%% *} rows before the failure tests"
mv_before=$(mv_fingerprint)
[ "${mv_before%% *}" = "$customers" ] || hs_fail "scores_mv has ${mv_before%% *} rows before the failure tests"

# a) rolled back
written=$(hs_psql -At -c "BEGIN" -c "SELECT health_score.snapshot('$model', '$day')" \
	-c "SELECT count(*) FROM $views.history AS h JOIN customers AS c USING (id)
	     WHERE h.taken_on = '$day' AND (h.metric_scores ->> 'wave')::int = c.wave" -c "ROLLBACK")
[ "$written" = "$customers"$'\n'"$customers" ] || hs_fail "the snapshot to roll back did not replace the rows in its transaction: '$written'"
[ "$(fingerprint "$day")" = "$before" ] || hs_fail "a rolled back snapshot changed the rows of $day"
[ "$(mv_fingerprint)" = "$mv_before" ] || hs_fail "a rolled back snapshot changed scores_mv"
echo "ok: a snapshot that is rolled back leaves the rows of $day, and scores_mv, as they were"

# b) an error after the old rows are deleted and some new ones inserted
hs_psql <<SQL
CREATE FUNCTION fail_at_4000() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF NEW.id = 4000 THEN
        RAISE EXCEPTION 'test trigger: no history row for customer 4000';
    END IF;
    RETURN NEW;
END
\$\$;
CREATE TRIGGER fail_at_4000 BEFORE INSERT ON $views.history_2026_01
   FOR EACH ROW EXECUTE FUNCTION fail_at_4000();
SQL
if hs_psql -c "SELECT health_score.snapshot('$model', '$day')" >/dev/null 2>"$work/midway.err"; then
	hs_fail "the snapshot with a failing trigger succeeded"
fi
grep -q 'test trigger: no history row for customer 4000' "$work/midway.err" ||
	{ cat "$work/midway.err" >&2; hs_fail "the snapshot with a failing trigger failed otherwise"; }
hs_psql -c "DROP TRIGGER fail_at_4000 ON $views.history_2026_01"
[ "$(fingerprint "$day")" = "$before" ] || hs_fail "a snapshot that failed midway changed the rows of $day"
[ "$(mv_fingerprint)" = "$mv_before" ] || hs_fail "a snapshot that failed midway changed scores_mv"
echo "ok: a snapshot that fails midway leaves the rows of $day, and scores_mv, as they were"

# c) terminated while it holds the model's lock, its rows written but not
# committed, with a snapshot of another day queued behind it
d=2026-02-02
gate_close
start hs_killed -c "BEGIN" -c "SELECT health_score.snapshot('$model', '$day')" \
	-c "SELECT pg_advisory_xact_lock_shared($gate)" -c "COMMIT"
wait_until "the snapshot to terminate to hold the lock and wait at the gate" "$(at_gate hs_killed) = 1"
start hs_queued -c "SELECT health_score.snapshot('$model', '$d')"
wait_until "the snapshot of $d to queue for the model's lock" "$(at_model_lock hs_queued) = 1"
[ "$(hs_value "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'hs_killed'")" = 1 ] ||
	hs_fail "could not terminate the session holding the lock"
hs_wait_job hs_killed "$hung_after"
[ "$HS_RC" -ne 0 ] || hs_fail "the terminated snapshot's psql exited 0"
hs_wait_job hs_queued "$hung_after"
[ "$HS_RC" -eq 0 ] || { cat "$work/hs_queued.err" >&2; hs_fail "the snapshot of $d queued behind a terminated one failed"; }
gate_open
[ "$(fingerprint "$day")" = "$before" ] || hs_fail "a snapshot terminated while holding the lock changed the rows of $day"
one_set "$d" "after the snapshot ahead of it was terminated"
[ "$(mv_differences "$d")" = 0 ] || hs_fail "scores_mv differs from the rows of $d, which the snapshot queued behind the terminated one wrote"
echo "ok: a snapshot terminated while holding the lock leaves the rows of $day as they were; the one queued behind it then runs, and scores_mv holds its rows"

# Over all of history: no key twice on a day, and every day's rows are
# as many as its snapshots row says.
check=$(hs_value "SELECT format('%s|%s',
	(SELECT count(*) FROM (SELECT id, taken_on FROM $views.history GROUP BY 1, 2 HAVING count(*) > 1) AS d),
	(SELECT count(*) FROM $views.snapshots AS sn FULL JOIN
	        (SELECT taken_on, count(*) AS n FROM $views.history GROUP BY 1) AS h USING (taken_on)
	  WHERE sn.customers IS DISTINCT FROM h.n))")
[ "$check" = "0|0" ] || hs_fail "history has (keys twice on a day|days whose row count is not their snapshots row's) $check"
echo "ok: $(hs_value "SELECT count(*) FROM $views.snapshots") snapshot days in all, no key twice on a day, each with the rows its snapshots row counts"
