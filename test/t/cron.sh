#!/usr/bin/env bash
# Scheduled refresh through pg_cron: schedule_refresh() creates one job
# that runs health_score.refresh(), rescheduling replaces it, a schedule
# of '* * * * *' brings scores_mv up to date within about a minute,
# unschedule_refresh() and drop_model() remove the job.  Runs on
# check.sh's server.
#
# pg_cron runs jobs only in the database named by cron.database_name,
# which check.sh sets to postgres, so this test works in database
# postgres, with a schema, table and model of its own, and removes them
# on exit.  It may take a minute: pg_cron starts '* * * * *' jobs at the
# start of each minute.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE=postgres

schema=hs_cron_test          # the source table's schema
model=hs_cron_test           # its views go to schema health_score_hs_cron_test
views=health_score_$model
job_name="health_score refresh $model"
command="SELECT health_score.refresh('$model')"

# The test's model, its scheduled refresh and its source schema.  The
# model first: drop_model() unschedules its refresh and drops its views,
# which depend on the source table.
drop_test_objects() {
	hs_psql -c "SET client_min_messages = warning" -c "
		DO \$\$BEGIN
		    IF to_regclass('health_score.model') IS NOT NULL
		       AND EXISTS (SELECT FROM health_score.model WHERE name = '$model') THEN
		        PERFORM health_score.drop_model('$model');
		    END IF;
		END\$\$" \
		-c "
		DO \$\$BEGIN
		    IF to_regclass('cron.job') IS NOT NULL THEN
		        PERFORM cron.unschedule(jobid) FROM cron.job WHERE jobname = '$job_name';
		    END IF;
		END\$\$" \
		-c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
}

# Leave database postgres as we found it: the extension and its schema
# go on exit if we made them (DROP EXTENSION keeps the schema CREATE
# EXTENSION made for it); pg_cron stays, as other tests may want it and
# it does nothing without jobs.
if [ "$(hs_value "SELECT count(*) FROM pg_extension WHERE extname = 'health_score'")" = 0 ]; then
	if [ "$(hs_value "SELECT count(*) FROM pg_namespace WHERE nspname = 'health_score'")" = 0 ]; then
		hs_at_exit hs_psql -c "DROP SCHEMA IF EXISTS health_score"
	fi
	hs_psql -c "CREATE EXTENSION health_score"
	hs_at_exit hs_psql -c "DROP EXTENSION IF EXISTS health_score"
fi
hs_psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_cron"
hs_at_exit drop_test_objects
# Leftovers of an interrupted run would make the checks below lie.
drop_test_objects

hs_psql >/dev/null <<SQL
CREATE SCHEMA $schema;
CREATE TABLE $schema.accounts (id int PRIMARY KEY, plan text NOT NULL, logins int, tickets int);
INSERT INTO $schema.accounts
SELECT i, CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END, i * 7 % 50, i % 5
  FROM generate_series(1, 40) AS i;
SELECT health_score.create_model('$model', '$schema.accounts', 'id', '{plan}');
SELECT health_score.add_metric('$model', 'usage', 'logins', 2, 'linear', worst => 0, best => 40);
SELECT health_score.add_metric('$model', 'support', 'tickets', 1, 'steps',
                               thresholds => '{1,3}', scores => '{100,60,0}');
SELECT health_score.add_metric('$model', 'usage_rank', 'logins', 1, 'percentile');
SELECT health_score.build('$model');
SQL

# Rows of scores and scores_mv that the other lacks, computed_at aside
# (the query time in scores, the refresh time in scores_mv).
mv_differences="SELECT count(*) FROM (
	(SELECT to_jsonb(s) - 'computed_at' FROM $views.scores AS s
	 EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM $views.scores_mv AS s)
	UNION ALL
	(SELECT to_jsonb(s) - 'computed_at' FROM $views.scores_mv AS s
	 EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM $views.scores AS s)) AS d"

[ "$(hs_value "$mv_differences")" = 0 ] || hs_fail "scores_mv differs from scores right after build()"
echo "ok: build() leaves scores_mv equal to scores"

# New customers and a changed metric: only a refresh brings them into
# scores_mv, so when it equals scores again, the job has run.
hs_psql <<SQL
INSERT INTO $schema.accounts VALUES (41, 'pro', 45, 0), (42, 'free', 0, 4), (43, 'free', NULL, 2);
UPDATE $schema.accounts SET logins = 40 - logins WHERE id <= 10;
SQL
d=$(hs_value "$mv_differences")
[ "$d" -gt 0 ] || hs_fail "scores_mv already equals scores after the source changed"
echo "ok: after the source changed scores_mv differs from scores ($d rows)"

# A daily schedule first, so that it cannot run during the test.
job=$(hs_value "SELECT health_score.schedule_refresh('$model', '0 3 * * *')")
[[ "$job" =~ ^[0-9]+$ ]] || hs_fail "schedule_refresh() returned '$job', not a job id"
row=$(hs_value "SELECT format('%s|%s|%s|%s|%s', schedule, command, database, username, active)
               FROM cron.job WHERE jobid = $job AND jobname = '$job_name'")
[ "$row" = "0 3 * * *|$command|postgres|postgres|t" ] ||
	hs_fail "cron.job row of job $job is '$row', expected '0 3 * * *|$command|postgres|postgres|t'"
echo "ok: schedule_refresh() returns job $job, in cron.job as '$job_name' running $command"

# Scheduling again replaces the schedule: still one job of that name.
started=$(hs_value "SELECT now()")
job2=$(hs_value "SELECT health_score.schedule_refresh('$model', '* * * * *')")
[ "$job2" = "$job" ] || hs_fail "rescheduling returned job $job2, not the same job $job"
row=$(hs_value "SELECT format('%s|%s', count(*), string_agg(schedule, ','))
               FROM cron.job WHERE jobname = '$job_name'")
[ "$row" = "1|* * * * *" ] || hs_fail "after rescheduling cron.job holds (count|schedules) '$row', expected '1|* * * * *'"
echo "ok: rescheduling replaces the schedule of job $job rather than adding a job"

# Wait for a run that succeeded and left scores_mv equal to scores,
# refreshed after we scheduled it.  A failed run ends the wait at once.
# A job of every minute runs within 60 s; the wait allows three minutes,
# so that a loaded machine does not fail the test.
patience=180
deadline=$((SECONDS + patience))
while :; do
	state=$(hs_value "SELECT coalesce((SELECT 'failed: ' || coalesce(return_message, '')
	                                  FROM cron.job_run_details
	                                 WHERE jobid = $job AND status = 'failed' LIMIT 1),
	                               (SELECT 'succeeded' FROM cron.job_run_details
	                                 WHERE jobid = $job AND status = 'succeeded'
	                                   AND start_time >= '$started' LIMIT 1),
	                               'waiting')")
	case $state in
	failed:*) hs_fail "the pg_cron job $job $state" ;;
	succeeded)
		if [ "$(hs_value "$mv_differences")" = 0 ] &&
			[ "$(hs_value "SELECT min(computed_at) >= '$started' FROM $views.scores_mv")" = t ]; then
			break
		fi ;;
	esac
	if [ $SECONDS -ge $deadline ]; then
		hs_psql -c "SELECT jobid, status, return_message, start_time, end_time FROM cron.job_run_details WHERE jobid = $job" >&2
		hs_fail "no run of job $job refreshed scores_mv within $patience s (last state: $state, rows differing: $(hs_value "$mv_differences"))"
	fi
	sleep 2
done
echo "ok: pg_cron ran job $job within $((SECONDS - deadline + patience)) s and scores_mv now equals scores"

[ "$(hs_value "SELECT health_score.unschedule_refresh('$model')")" = t ] ||
	hs_fail "unschedule_refresh() did not return true for a scheduled model"
[ "$(hs_value "SELECT count(*) FROM cron.job WHERE jobname = '$job_name'")" = 0 ] ||
	hs_fail "unschedule_refresh() left the job in cron.job"
[ "$(hs_value "SELECT health_score.unschedule_refresh('$model')")" = f ] ||
	hs_fail "unschedule_refresh() did not return false for a model without a schedule"
echo "ok: unschedule_refresh() removes the job and returns true, then false"

job3=$(hs_value "SELECT health_score.schedule_refresh('$model', '0 3 * * *')")
[ "$(hs_value "SELECT count(*) FROM cron.job WHERE jobid = $job3")" = 1 ] ||
	hs_fail "schedule_refresh() after unschedule_refresh() made no job"
hs_psql -c "SELECT health_score.drop_model('$model')" >/dev/null
[ "$(hs_value "SELECT count(*) FROM cron.job WHERE jobid = $job3 OR jobname = '$job_name'")" = 0 ] ||
	hs_fail "drop_model() left the scheduled refresh in cron.job"
[ "$(hs_value "SELECT count(*) FROM pg_namespace WHERE nspname = '$views'")" = 0 ] ||
	hs_fail "drop_model() left schema $views"
echo "ok: drop_model() removes the scheduled refresh (job $job3) and the views"
