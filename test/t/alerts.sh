#!/usr/bin/env bash
# Alerts as a listener gets them: a session LISTENing on a model's
# channel receives, from snapshot()'s session, one payload per customer
# the snapshot dropped a band, equal to the rows of the dropped view and
# in its order; nothing from a snapshot that is rolled back, nothing when
# the model's alerts are off, and a single summary above the cap of 100.
# The listener is a role whom row-level security on the source shows the
# even keys only: it gets the odd ones too, as the README warns.
#
# sql/model_alerts.sql checks the payloads in SQL; this test is the
# other half, which pg_regress cannot do: psql prints a notification
# with the PID of the backend that sent it, which varies.  Runs on
# check.sh's server, in a database of its own.
source "$(dirname "$0")/../lib.sh"

db=hs_alerts
model=alerts_t
channel=health_score_$model
reader=hs_alerts_reader
lock=4217                    # the advisory lock the listener waits on

hs_work_dir alerts
hs_at_exit hs_psql -d postgres -c "DROP ROLE IF EXISTS $reader"
# a role left by an interrupted run goes first
hs_psql -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $reader" -c "CREATE ROLE $reader LOGIN"
hs_temp_db $db
export PGDATABASE=$db

# 240 customers, score = a.  Day 1 all green (80).  Day 2: ids 1 to 60
# fall to 80 - 10 * (id % 7), so ids with id % 7 = 2..4 turn yellow and
# 5..6 red.  Day 3: 61 to 120 fall to yellow (50), the others are back at
# 80.  Day 4: everyone at 10, red, 240 drops.
hs_psql >/dev/null <<SQL
CREATE EXTENSION health_score;
CREATE SCHEMA app;
CREATE TABLE app.accounts (id int PRIMARY KEY, a float8);
INSERT INTO app.accounts SELECT g, 80 FROM generate_series(1, 240) AS g;
ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY even_only ON app.accounts FOR SELECT TO $reader USING (id % 2 = 0);
GRANT USAGE ON SCHEMA app TO $reader;
GRANT SELECT ON app.accounts TO $reader;
SELECT health_score.create_model('$model', 'app.accounts', 'id');
SELECT health_score.add_metric('$model', 'a', 'a', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('$model');
SELECT health_score.set_alerts('$model', true);
SELECT health_score.snapshot('$model', '2026-02-02', allow_future => true);
SQL

# listen_during NAME SQL: runs SQL in a session of its own while the
# reader LISTENs on the channel, and leaves in $HS_WORK/NAME.payloads
# what the reader received, one "channel<TAB>pid<TAB>payload" a line,
# and in $HS_WORK/NAME.pid the PID of the session that ran SQL.  The
# listener waits on an advisory lock this session holds until SQL is
# done, and this session starts SQL only once the listener waits on it,
# after its LISTEN; the listener starts once this session holds the lock.
listen_during() {
	local name=$1 sql=$2
	hs_psql -c "SELECT pg_advisory_lock($lock)" -At \
		-c "DO \$\$BEGIN
		        FOR i IN 1 .. 600 LOOP
		            EXIT WHEN EXISTS (SELECT FROM pg_locks
		                               WHERE locktype = 'advisory' AND objid = $lock AND NOT granted);
		            PERFORM pg_sleep(0.1);
		        END LOOP;
		        IF NOT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objid = $lock AND NOT granted) THEN
		            RAISE EXCEPTION 'the listener did not start within 60 s';
		        END IF;
		    END\$\$" \
		-c "SELECT pg_backend_pid()" -c "$sql" \
		-c "SELECT pg_advisory_unlock($lock)" >"$HS_WORK/$name.main" &
	hs_job main
	# the listener must not take the lock first
	local deadline=$((SECONDS + 60))
	until [ "$(hs_value "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $lock AND granted")" = 1 ]; do
		[ $SECONDS -lt $deadline ] || hs_fail "$name: the snapshot's session did not take the lock within 60 s"
		sleep 0.05
	done
	psql -X -q -U $reader -c "LISTEN $channel" -c "SELECT pg_advisory_lock($lock)" -c "SELECT 1" \
		>"$HS_WORK/$name.listener" 2>&1 &
	hs_job listener
	hs_wait_job main 120
	[ "$HS_RC" -eq 0 ] || hs_fail "$name: the snapshot's session failed"
	hs_wait_job listener 60
	[ "$HS_RC" -eq 0 ] || { cat "$HS_WORK/$name.listener" >&2; hs_fail "$name: the listener failed"; }
	sed -n '2p' "$HS_WORK/$name.main" >"$HS_WORK/$name.pid"
	sed -n 's/^Asynchronous notification "\([^"]*\)" with payload "\(.*\)" received from server process with PID \([0-9]*\)\.$/\1\t\3\t\2/p' \
		"$HS_WORK/$name.listener" >"$HS_WORK/$name.payloads"
	# every notification line was read
	[ "$(grep -c '^Asynchronous notification' "$HS_WORK/$name.listener" || true)" = "$(wc -l <"$HS_WORK/$name.payloads")" ] ||
		hs_fail "$name: a notification line did not parse"
}

# received NAME: the payloads of listen_during NAME as a VALUES list of
# (i, channel, pid, payload), in the order received
received() {
	awk -F'\t' 'BEGIN { n = 0 }
	            { printf "%s(%d, %s, %s, $p$%s$p$::jsonb)", (n ? ", " : ""), ++n, "\x27" $1 "\x27", $2, $3 }
	            END { if (!n) printf "(0, NULL, NULL, NULL::jsonb)" }' "$HS_WORK/$1.payloads"
}

# Day 2: the drops, as the dropped view has them
listen_during day2 "UPDATE app.accounts SET a = 80 - 10 * (id % 7) WHERE id <= 60;
                    SELECT health_score.snapshot('$model', '2026-02-09', allow_future => true)"
result=$(hs_value "
	WITH got(i, channel, pid, payload) AS (VALUES $(received day2)),
	     want AS (SELECT row_number() OVER () AS i, jsonb_build_object(
	                  'alert', 'dropped', 'model', '$model', 'taken_on', d.taken_on, 'key', d.id,
	                  'previous_band', d.previous_band, 'band', d.band,
	                  'previous_score', d.previous_score, 'score', d.score,
	                  'delta', round((d.score - d.previous_score)::numeric, 1)::float8,
	                  'top_mover', d.top_mover, 'top_mover_change', d.top_mover_change) AS payload
	                FROM health_score_$model.dropped AS d)
	SELECT format('%s %s %s %s %s %s',
	              (SELECT count(*) FROM got WHERE payload IS NOT NULL),
	              (SELECT count(*) FROM want),
	              (SELECT count(*) FROM (SELECT i, payload FROM got EXCEPT SELECT i, payload FROM want) AS x),
	              (SELECT count(*) FROM (SELECT i, payload FROM want EXCEPT SELECT i, payload FROM got) AS x),
	              (SELECT count(*) FROM got WHERE channel <> '$channel' OR pid <> $(cat "$HS_WORK/day2.pid")),
	              (SELECT count(*) FROM got WHERE (payload ->> 'key')::int % 2 = 1))")
# the count of drops by hand: ids 1 to 60 with id % 7 in 2..6, 5 of
# every 7: 8 full weeks (1-56) give 40, and 58 to 60 (% 7 = 2..4) 3 more
read -r got want got_not_want want_not_got foreign odd <<<"$result"
[ "$want" = 43 ] || hs_fail "day 2: the dropped view has $want rows, not 43"
[ "$got" = 43 ] && [ "$got_not_want" = 0 ] && [ "$want_not_got" = 0 ] ||
	hs_fail "day 2: received $got payloads, $got_not_want not in dropped (in its order), $want_not_got of dropped not received"
[ "$foreign" = 0 ] || hs_fail "day 2: $foreign notifications not on $channel from the snapshot's session"
# row-level security shows the reader even keys only, yet it hears of
# the odd ones: of the 43 dropped ids (1 to 60 with id % 7 >= 2), the
# odd ones: 21 by hand (of ids 7k+2 to 7k+6, two are odd when k is even
# and three when k is odd: 2 + 3 + 2 + 3 + 2 + 3 + 2 + 3 = 20 up to 56,
# then 59 of 58 to 60), and by a plain query
odd_dropped=$(hs_value "SELECT count(*) FROM generate_series(1, 60) AS g WHERE g % 7 >= 2 AND g % 2 = 1")
[ "$odd" = 21 ] && [ "$odd_dropped" = 21 ] ||
	hs_fail "day 2: the reader heard of $odd odd keys, the plain query counts $odd_dropped, the hand count 21"
[ "$(hs_value -U $reader "SELECT count(*) FROM app.accounts WHERE id % 2 = 1")" = 0 ] ||
	hs_fail "the reader sees odd keys in the source: the check above proves nothing"

# Day 3, rolled back: nothing, though the day has drops
hs_psql -c "UPDATE app.accounts SET a = CASE WHEN id BETWEEN 61 AND 120 THEN 50 ELSE 80 END"
listen_during day3_rollback "BEGIN;
                             SELECT health_score.snapshot('$model', '2026-02-16', allow_future => true);
                             ROLLBACK"
[ ! -s "$HS_WORK/day3_rollback.payloads" ] || hs_fail "a rolled-back snapshot sent $(wc -l <"$HS_WORK/day3_rollback.payloads") notifications"

# Day 3 with alerts off: nothing, though dropped shows the 60
listen_during day3_off "SELECT health_score.set_alerts('$model', false);
                        SELECT health_score.snapshot('$model', '2026-02-16', allow_future => true)"
[ ! -s "$HS_WORK/day3_off.payloads" ] || hs_fail "alerts off, yet the snapshot sent $(wc -l <"$HS_WORK/day3_off.payloads") notifications"
[ "$(hs_value "SELECT count(*) FROM health_score_$model.dropped")" = 60 ] ||
	hs_fail "day 3: the dropped view does not have the 60 drops the check above needs"

# Day 4, alerts on: 240 drops, above the cap, so one summary
listen_during day4 "SELECT health_score.set_alerts('$model', true);
                    UPDATE app.accounts SET a = 10;
                    SELECT health_score.snapshot('$model', '2026-02-23', allow_future => true)"
result=$(hs_value "
	WITH got(i, channel, pid, payload) AS (VALUES $(received day4))
	SELECT format('%s %s %s %s', count(*),
	              min(payload ->> 'alert'), min(payload ->> 'dropped'),
	              min(payload ->> 'dropped') = (SELECT count(*) FROM health_score_$model.dropped)::text)
	  FROM got WHERE payload IS NOT NULL")
[ "$result" = "1 summary 240 t" ] ||
	hs_fail "day 4: received (count, kind, dropped, matches the dropped view) $result, not 1 summary 240 t"
echo "alerts: ok"
