#!/usr/bin/env bash
# Readers during refreshes and snapshots: for 60 s, pgbench on loopback
# runs 8 clients that read a model's scores_mv (the view over the table
# stored_scores, which refresh() and snapshot() rewrite row by row) and
# red views while one more client, in a loop, updates some source rows,
# runs refresh() (with concurrently => false every other cycle: since
# 1.4 it changes nothing) and snapshot() of a day that advances each time
# (a sequence numbers the cycles: cycle n snapshots 2026-01-01 + n - 1).
# Neither fails a transaction; no reader waits for a lock; every cycle
# leaves one snapshot of its day, with one history row per customer; at
# the end scores_mv equals scores and the last day's history.  Prints
# the readers' transactions per second and latency, and the number of
# cycles.  Runs on check.sh's server, in a database of its own; pgbench
# connects to localhost at $PGPORT.  That a refresh rewrites only the
# rows of stored_scores whose values changed is checked by sql/model.sql.
#
# Whether a reader was blocked is seen by a third pgbench, of one
# client, that every 100 ms records the readers that wait for a lock,
# and since when.  The readers' latency (from pgbench's transaction log,
# -l, whose 3rd column is the transaction's time in microseconds) is
# printed, not checked: it measures the machine and its load as much
# as the code.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE=hs_read_during_refresh
db=$PGDATABASE
model=rdr
views=health_score_$model
customers=20000
seconds=60
readers=8

hs_work_dir read
work=$HS_WORK
# finish NAME WHAT: waits for pgbench run NAME to end, at most 30 s
# past the end of its time, and checks that it ran without a failure
finish() {
	local left=$((started_at + seconds + 30 - SECONDS))
	hs_wait_job "$1" $((left > 0 ? left : 0))
	hs_check_pgbench "$1" "$2"
}
tps() { sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)$/\1/p' "$work/$1.log"; }
processed() { sed -nE 's/^number of transactions actually processed: ([0-9]+)$/\1/p' "$work/$1.log"; }

hs_temp_db $db
hs_psql >/dev/null <<SQL
CREATE EXTENSION health_score;
CREATE TABLE customers (id int PRIMARY KEY, plan text NOT NULL, logins int, tickets int, seats int);
INSERT INTO customers
SELECT i, (ARRAY['free', 'pro', 'enterprise'])[i % 3 + 1], i * 7 % 50, i % 5, i % 40 + 1
  FROM generate_series(1, $customers) AS i;
ANALYZE customers;
SELECT health_score.create_model('$model', 'customers', 'id', '{plan}');
SELECT health_score.add_metric('$model', 'usage', 'logins', 2, 'linear', worst => 0, best => 50);
SELECT health_score.add_metric('$model', 'usage_rank', 'logins', 1, 'percentile');
SELECT health_score.add_metric('$model', 'tickets', 'tickets', 1, 'linear', worst => 4, best => 0);
SELECT health_score.add_metric('$model', 'seats', 'seats', 1, 'linear', worst => 1, best => 40);
SELECT health_score.build('$model');
-- cycle n of the writer snapshots 2026-01-01 + n - 1
CREATE SEQUENCE cycle;
-- readers seen waiting for a lock
CREATE TABLE lock_waits (seen_at timestamptz, pid int, waiting_since timestamptz,
                         wait_event text, query text);
SQL
hs_create_expect_rows
[ "$(hs_value "SELECT count(*) FROM $views.scores_mv")" = "$customers" ] ||
	hs_fail "scores_mv does not have $customers rows after build()"
red_rows=$(hs_value "SELECT count(*) FROM $views.red")
[ "$red_rows" -gt 0 ] || hs_fail "the red view is empty: the readers would read nothing of it"

started_at=$SECONDS
hs_start_pgbench hs_writer "SELECT nextval('cycle') AS n \\gset
UPDATE customers SET logins = (logins + 13) % 50, tickets = (tickets + 1) % 5 WHERE id % 20 = :n % 20;
SELECT health_score.refresh('$model', concurrently => :n % 2 = 0);
SELECT expect_rows(health_score.snapshot('$model', date '2026-01-01' + :n - 1), $customers);" \
	-h localhost -c 1 -j 1 -T "$seconds" --report-per-command
hs_start_pgbench hs_lock_watch "INSERT INTO lock_waits
SELECT clock_timestamp(), pid, query_start, wait_event, query FROM pg_stat_activity
 WHERE application_name = 'hs_readers' AND wait_event_type = 'Lock';
\\sleep 100 ms" -h localhost -c 1 -j 1 -T "$seconds"
hs_start_pgbench hs_readers "SELECT count(*), avg(score) FROM $views.scores_mv;
SELECT * FROM $views.red LIMIT 50;" \
	-h localhost -c "$readers" -j 2 -T "$seconds" --report-per-command -l --log-prefix="$work/readers"

finish hs_readers "$readers readers"
finish hs_writer "the writer"
finish hs_lock_watch "the lock watch"

# The readers: latencies from the transaction log (client, transaction,
# time in us, script, epoch, us); a failed transaction would have a word
# for its time.
read -r logged mean_ms max_ms errored_logged < <(cat "$work"/readers.* |
	awk '{ n++; if ($3 ~ /^[0-9]+$/) { sum += $3; if ($3 > max) max = $3 } else bad++ }
	     END { printf "%d %.1f %.1f %d\n", n, (n > bad ? sum / (n - bad) / 1000 : 0), max / 1000, bad }')
reader_tps=$(tps hs_readers)
reader_n=$(processed hs_readers)
[ "$logged" = "$reader_n" ] ||
	hs_fail "the readers' transaction log has $logged transactions, pgbench reports $reader_n processed"
[ "$errored_logged" = 0 ] || hs_fail "the readers' transaction log has $errored_logged failed or skipped transactions"
# The latency is a figure of this machine and its load, not checked.
echo "readers: $readers clients, $reader_n transactions in $seconds s, $reader_tps tps, latency $mean_ms ms on average, $max_ms ms at most"
sed -n '/^statement latencies/,$p' "$work/hs_readers.log"

cycles=$(processed hs_writer)
echo "writer: $cycles cycles of update, refresh() (every other one with concurrently => false) and snapshot() in $seconds s, $(tps hs_writer) tps"
sed -n '/^statement latencies/,$p' "$work/hs_writer.log"
# two cycles at least: one refresh with concurrently => false, one with true
[ "$cycles" -ge 2 ] || hs_fail "the writer did only $cycles cycles in $seconds s"

# Nobody waited for a lock.
waits=$(hs_value "SELECT format('%s|%s', count(*), coalesce(extract(epoch FROM max(seen_at - waiting_since)) * 1000, 0)::int)
                 FROM lock_waits")
IFS='|' read -r wait_samples longest_wait <<<"$waits"
if [ "$wait_samples" != 0 ]; then
	hs_psql -c "SELECT pid, wait_event, min(waiting_since) AS since, max(seen_at) AS last_seen, count(*) AS samples,
	                left(min(query), 60) AS query FROM lock_waits GROUP BY 1, 2 ORDER BY 3" >&2
fi
echo "lock watch: $(processed hs_lock_watch) samples of the readers, $wait_samples saw one waiting for a lock (longest seen ${longest_wait} ms)"
# A refresh, concurrently or not, and a snapshot take no lock a reader
# waits for: any wait at all means one blocked them (1.3's refresh with
# concurrently => false, REFRESH MATERIALIZED VIEW without CONCURRENTLY,
# was caught here although it blocked for less than a second at this
# size).
[ "$wait_samples" = 0 ] || hs_fail "readers waited for a lock in $wait_samples samples, the longest $longest_wait ms"
echo "ok: $reader_n reads and $cycles refresh/snapshot cycles, no transaction failed, no reader waited for a lock"

# Every cycle left one snapshot of its day: days 2026-01-01 to
# 2026-01-01 + cycles - 1, each with one snapshots row whose customers
# is the number of its history rows, one per customer, none twice.
started=$(hs_value "SELECT last_value FROM cycle")
[ "$started" = "$cycles" ] ||
	hs_fail "the writer started $started cycles, but pgbench counts $cycles processed"
check=$(hs_value "SELECT format('%s|%s|%s|%s|%s',
	(SELECT count(*) FROM $views.snapshots),
	(SELECT count(*) FROM $views.snapshots
	  WHERE taken_on NOT BETWEEN date '2026-01-01' AND date '2026-01-01' + $cycles - 1),
	(SELECT count(*) FROM $views.snapshots AS sn FULL JOIN
	        (SELECT taken_on, count(*) AS n, count(DISTINCT id) AS ids FROM $views.history GROUP BY 1) AS h
	        USING (taken_on)
	  WHERE sn.customers IS DISTINCT FROM $customers OR h.n IS DISTINCT FROM $customers
	     OR h.ids IS DISTINCT FROM $customers),
	(SELECT count(*) FROM (SELECT id, taken_on FROM $views.history GROUP BY 1, 2 HAVING count(*) > 1) AS d),
	(SELECT count(*) FROM $views.history))")
IFS='|' read -r days out_of_range bad_days dup_keys history_rows <<<"$check"
[ "$days" = "$cycles" ] || hs_fail "snapshots has $days days after $cycles cycles"
[ "$out_of_range" = 0 ] || hs_fail "$out_of_range snapshot days are not among the $cycles days of the cycles"
[ "$dup_keys" = 0 ] || hs_fail "history has $dup_keys (key, day) pairs more than once"
[ "$bad_days" = 0 ] ||
	hs_fail "$bad_days days do not have exactly one snapshots row with customers = $customers and $customers history rows of distinct keys"
echo "ok: history has $cycles days, one snapshot each, of $customers rows, $history_rows rows in all, no key twice on a day"

# The last cycle refreshed after its update: scores_mv is the scores
# view (but for computed_at, now() when the rows were computed), and the
# last day's history is that too.
row="to_jsonb(s) - 'computed_at'"
cols="id, plan, score, band, grade, percentile, segment_percentile"
last_day=$(hs_value "SELECT date '2026-01-01' + $cycles - 1")
diff=$(hs_value "SELECT format('%s|%s',
	(SELECT count(*) FROM ((SELECT $row FROM $views.scores_mv AS s EXCEPT ALL SELECT $row FROM $views.scores AS s)
	                       UNION ALL (SELECT $row FROM $views.scores AS s EXCEPT ALL SELECT $row FROM $views.scores_mv AS s)) AS d),
	(SELECT count(*) FROM ((SELECT $cols FROM $views.scores EXCEPT ALL
	                        SELECT $cols FROM $views.history WHERE taken_on = '$last_day')
	                       UNION ALL (SELECT $cols FROM $views.history WHERE taken_on = '$last_day' EXCEPT ALL
	                                  SELECT $cols FROM $views.scores)) AS d))")
[ "$diff" = "0|0" ] ||
	hs_fail "after the last cycle, (scores_mv rows unlike scores|rows of $last_day unlike scores) are $diff, expected 0|0"
echo "ok: after the last cycle scores_mv equals the scores view, and so do the history rows of $last_day"
