#!/usr/bin/env bash
# pg_dump and pg_restore of a database with a model and its built views:
# the model catalog (extension configuration tables, the reference its
# percentiles are read against among them), the views, the stored_scores
# table under scores_mv with its rows, primary key, an index of the
# user's, its row-level security and policy, their comments and the
# grants on scores, scores_mv and stored_scores must all come back, and
# build() and refresh() must work on the restored database, where a
# reader whose name needs quoting is granted scores_mv too.  The source
# has row-level security of its own, so that the reader sees half the
# customers: through stored_scores' policy, scores_mv must show them the
# same half as scores.  Two metrics are overridable and have overrides:
# the override log must come back row for row, with its triggers (still
# append-only), row-level security, policies, index, the reader's grant
# of INSERT and SELECT on it and its numbering (a new override numbered
# after the restored ones), and the overrides view and the scores the
# same.  Runs on check.sh's server, in two databases and with two roles
# of its own.
source "$(dirname "$0")/../lib.sh"
src=hs_dump_source
dst=hs_dump_restored
reader=hs_dump_reader
# a role name that needs quoting, as SQL spells it
quoted_reader='"hs_dump BI Reader"'
model=acct
views=health_score_$model

hs_work_dir dump
work=$HS_WORK
# the role is dropped last, after the databases: it holds privileges in
# them (and in what an interrupted run left of them)
drop_reader() { hs_psql -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $reader, $quoted_reader"; }
hs_drop_db $dst
hs_drop_db $src
drop_reader
hs_psql -d postgres -c "CREATE ROLE $reader" -c "CREATE ROLE $quoted_reader"
hs_at_exit drop_reader
hs_temp_db $src TEMPLATE template0

# Every kind of metric: log with segment_weights, steps, linear with a
# category, percentile, a boolean; NULLs so coverage varies; a dropped
# metric so model_version has more than additions.  revenue is
# overridable from the start, support made so by replace => true.
hs_psql -d "$src" >/dev/null <<SQL
CREATE EXTENSION health_score;
CREATE SCHEMA crm;
CREATE TABLE crm.accounts (
    id bigint PRIMARY KEY,
    plan text NOT NULL,
    region text NOT NULL,
    logins int,
    tickets int,
    revenue numeric,
    nps int,
    active boolean
);
INSERT INTO crm.accounts
SELECT i,
       (ARRAY['free', 'pro', 'enterprise'])[i % 3 + 1],
       (ARRAY['emea', 'amer'])[i % 2 + 1],
       CASE WHEN i % 11 <> 0 THEN i * 37 % 120 END,
       CASE WHEN i % 7 <> 0 THEN i * 13 % 9 END,
       (i * 97 % 1500)::numeric / 1.5,
       CASE WHEN i % 5 <> 0 THEN i * 29 % 21 - 10 END,
       i % 4 <> 0
  FROM generate_series(1, 60) AS i;
SELECT health_score.create_model('$model', 'crm.accounts', 'id', '{plan,region}',
                                 red_below => 45, green_from => 75, min_coverage => 0.5);
SELECT health_score.add_metric('$model', 'usage', 'logins', 2, 'log', worst => 0, best => 100,
                               segment_weights => '{"plan": {"enterprise": 4, "free": 1}}');
SELECT health_score.add_metric('$model', 'support', 'tickets', 2, 'steps',
                               thresholds => '{1,3,6}', scores => '{100,70,30,0}');
SELECT health_score.add_metric('$model', 'revenue', 'revenue', 1, 'linear', worst => 0, best => 800,
                               category => 'commercial', overridable => true);
SELECT health_score.add_metric('$model', 'nps_rank', 'nps', 1, 'percentile');
SELECT health_score.add_metric('$model', 'scratch', 'logins * 2', 1, 'linear', worst => 0, best => 1);
SELECT health_score.drop_metric('$model', 'scratch');
SELECT health_score.add_metric('$model', 'active', 'active', 1, 'linear', worst => 0, best => 1);
SELECT health_score.add_metric('$model', 'support', 'tickets', 2, 'steps',
                               thresholds => '{1,3,6}', scores => '{100,70,30,0}',
                               replace => true, overridable => true);
SELECT health_score.build('$model');
-- the reader sees the accounts of emea only, the even ids (30 of 60);
-- the owner, a superuser, sees them all
ALTER TABLE crm.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY emea_only ON crm.accounts FOR SELECT TO $reader USING (region = 'emea');
GRANT USAGE ON SCHEMA crm, $views TO $reader;
GRANT SELECT ON crm.accounts, $views.scores, $views.scores_mv TO $reader;
-- the reader may override: INSERT and SELECT on the log
GRANT INSERT, SELECT ON $views.override_log TO $reader;
-- an index of the user's, where they belong: on stored_scores
CREATE INDEX stored_scores_band ON $views.stored_scores (band);
SQL

# Overrides, by the owner, one call a line, each printing its log_id (or
# clear_override() t or f): in force, one until a day to come (2
# revenue), one without an end (2 support), one replaced by a later one
# (4 support), one of a customer in amer, hidden from the reader (9
# revenue); not in force, one cleared (6 revenue) and one whose
# expires_on is past (8 support, a WARNING); and a clear with nothing in
# force to clear, which logs nothing (8 support again).
hs_psql -At -d "$src" >"$work/overrides.out" 2>"$work/overrides.err" <<SQL ||
SELECT health_score.override('$model', '2', 'revenue', 95, 'strategic account', expires_on => current_date + 30);
SELECT health_score.override('$model', '2', 'support', 80, 'tickets are a pilot''s');
SELECT health_score.override('$model', '4', 'support', 10, 'escalation open');
SELECT health_score.override('$model', '4', 'support', 20, 'escalation easing');
SELECT health_score.override('$model', '6', 'revenue', 50, 'invoice disputed');
SELECT health_score.clear_override('$model', '6', 'revenue', 'dispute settled');
SELECT health_score.override('$model', '8', 'support', 0, 'backdated', expires_on => current_date - 1);
SELECT health_score.clear_override('$model', '8', 'support', 'nothing in force');
SELECT health_score.override('$model', '9', 'revenue', 5, 'churn risk');
SQL
	{ cat "$work/overrides.err" >&2; hs_fail "override() or clear_override() failed in $src"; }
grep -q 'WARNING:  override of metric "support" for customer .8. .*not apply' "$work/overrides.err" ||
	{ cat "$work/overrides.err" >&2; hs_fail "override() with a past expires_on did not warn that it does not apply"; }
# what the calls wrote, by their answers: the log_ids override() returned,
# and one entry more for each clear_override() that returned true
mapfile -t answers <"$work/overrides.out"
[ "${answers[*]}" = "1 2 3 4 5 t 7 f 8" ] || hs_fail "override() and clear_override() answered '${answers[*]}', expected 1 2 3 4 5 t 7 f 8"
logged_calls=0 clears=0 set_ids=
for a in "${answers[@]}"; do
	case $a in
	t) logged_calls=$((logged_calls + 1)) clears=$((clears + 1)) ;;
	[0-9]*) logged_calls=$((logged_calls + 1)) set_ids+="${set_ids:+ }$a" ;;
	esac
done
# refresh() grants SELECT on stored_scores to the readers of scores_mv,
# and on overrides and override_log to the readers of scores; it stores
# the scores with their overrides
hs_psql -d "$src" -c "SELECT health_score.refresh('$model')" >/dev/null

# The queries whose answers must be the same in both databases.
declare -A query before
query[catalog]="SELECT string_agg(r, E'\n' ORDER BY r) FROM (
	SELECT 'model ' || m::text FROM health_score.model AS m
	UNION ALL SELECT 'metric ' || x::text FROM health_score.metric AS x
	UNION ALL SELECT 'model_version ' || v::text FROM health_score.model_version AS v) AS c(r)"
query[catalog_counts]="SELECT format('%s models, %s metrics, %s versions',
	(SELECT count(*) FROM health_score.model), (SELECT count(*) FROM health_score.metric),
	(SELECT count(*) FROM health_score.model_version))"
# rows of the relations shaped like scores, computed_at aside (the query
# time in the views, the refresh time in scores_mv), and of stored_scores
for rel in scores scores_mv red yellow green stored_scores; do
	query[$rel]="SELECT count(*) || ' rows, md5 ' || md5(string_agg((to_jsonb(s) - 'computed_at')::text, E'\n' ORDER BY s.id)) FROM $views.$rel AS s"
done
# the rows of scores that stored_scores holds, without the columns
# scores_mv reads against the reference: stored_scores by another route
# than scores_mv
query[scores_as_stored]="SELECT count(*) || ' rows, md5 ' || md5(string_agg((to_jsonb(s) - '{percentile,segment_percentile,rank,computed_at}'::text[])::text, E'\n' ORDER BY s.id)) FROM $views.scores AS s"
# scores_mv's computed_at: the time of the last refresh, stored in the
# reference, one value for every row
query[computed_at]="SELECT count(DISTINCT computed_at) || ' ' || min(computed_at) FROM $views.scores_mv"
# what stored_scores is: a table, its constraints, its indexes, its
# row-level security and its policies
query[stored_kind]="SELECT format('scores_mv %s %s, stored_scores %s', mv.relkind, mv.reloptions, st.relkind)
	FROM pg_class AS mv, pg_class AS st
	WHERE mv.oid = '$views.scores_mv'::regclass AND st.oid = '$views.stored_scores'::regclass"
query[stored_constraints]="SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname)
	FROM pg_constraint WHERE conrelid = '$views.stored_scores'::regclass"
query[stored_indexes]="SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes
	WHERE schemaname = '$views' AND tablename = 'stored_scores'"
query[stored_rls]="SELECT format('row level security %s, forced %s; %s', c.relrowsecurity, c.relforcerowsecurity,
	       (SELECT string_agg(format('%s %s %s %s USING %s', p.policyname, p.permissive, p.roles, p.cmd, p.qual), '; ' ORDER BY p.policyname)
	          FROM pg_policies AS p WHERE p.schemaname = '$views' AND p.tablename = 'stored_scores'))
	FROM pg_class AS c WHERE c.oid = '$views.stored_scores'::regclass"
query[segment_summary]="SELECT count(*) || ' rows, md5 ' || md5(string_agg(s::text, E'\n' ORDER BY s::text)) FROM $views.segment_summary AS s"
# every comment on the schema, its relations and their columns
query[comments]="SELECT count(*) || ' comments, md5 ' || md5(string_agg(t, E'\n' ORDER BY t)) FROM (
	SELECT format('schema %s: %s', n.nspname, d.description)
	  FROM pg_description AS d JOIN pg_namespace AS n ON n.oid = d.objoid
	 WHERE d.classoid = 'pg_namespace'::regclass AND n.nspname = '$views'
	UNION ALL
	SELECT format('%s.%s: %s', c.relname, coalesce(a.attname, '-'), d.description)
	  FROM pg_description AS d JOIN pg_class AS c ON c.oid = d.objoid
	  LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
	 WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace = '$views'::regnamespace) AS d(t)"
# views, stored_scores and columns without a comment: build() comments
# them all
query[uncommented]="SELECT count(*) FROM pg_class AS c
	CROSS JOIN LATERAL (SELECT NULL::int2 UNION ALL
	                    SELECT attnum FROM pg_attribute
	                     WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) AS a(attnum)
	WHERE c.relnamespace = '$views'::regnamespace AND (c.relkind IN ('v', 'm') OR c.relname = 'stored_scores')
	  AND CASE WHEN a.attnum IS NULL THEN obj_description(c.oid, 'pg_class')
	           ELSE col_description(c.oid, a.attnum) END IS NULL"
# privileges on the views and stored_scores; NULL (the default) and the
# default spelled out are the same
query[grants]="SELECT string_agg(format('%s %s', c.relname, coalesce(c.relacl, acldefault('r', c.relowner))), ', ' ORDER BY c.relname)
	FROM pg_class AS c WHERE c.relnamespace = '$views'::regnamespace AND (c.relkind IN ('v', 'm') OR c.relname = 'stored_scores')"
query[reader_grants]="SELECT format('scores %s, scores_mv %s, stored_scores %s',
	has_table_privilege('$reader', '$views.scores', 'SELECT'), has_table_privilege('$reader', '$views.scores_mv', 'SELECT'),
	has_table_privilege('$reader', '$views.stored_scores', 'SELECT'))"
query[viewdefs]="SELECT count(*) || ' views, md5 ' || md5(string_agg(c.relname || ' ' || coalesce(c.reloptions::text, '-') || ': ' || pg_get_viewdef(c.oid), E'\n' ORDER BY c.relname))
	FROM pg_class AS c WHERE c.relnamespace = '$views'::regnamespace AND c.relkind IN ('v', 'm')"
# what the reader reads: rows of scores, of scores_mv and of stored_scores,
# and the rows of scores and scores_mv (computed_at aside) the other lacks
query[reader_sees]="SET ROLE $reader; SELECT format('%s|%s|%s|%s',
	(SELECT count(*) FROM $views.scores), (SELECT count(*) FROM $views.scores_mv),
	(SELECT count(*) FROM $views.stored_scores),
	(SELECT count(*) FROM ((SELECT to_jsonb(s) - 'computed_at' FROM $views.scores AS s
	                        EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM $views.scores_mv AS s)
	                       UNION ALL (SELECT to_jsonb(s) - 'computed_at' FROM $views.scores_mv AS s
	                        EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM $views.scores AS s)) AS d))"
# the override log: every row, every column; how many rows and clears,
# and the log_ids of the sets, to compare with what the calls answered
query[override_log]="SELECT count(*) || E' rows\n' || string_agg(to_jsonb(l)::text, E'\n' ORDER BY l.log_id) FROM $views.override_log AS l"
query[log_summary]="SELECT format('%s rows, %s clear; log_ids of set: %s', count(*), count(*) FILTER (WHERE action = 'clear'),
	string_agg(log_id::text, ' ' ORDER BY log_id) FILTER (WHERE action = 'set')) FROM $views.override_log"
# the overrides in force: customer, metric and score, then every column
query[overrides]="SELECT string_agg(format('%s %s %s', o.id, o.metric, o.score), ', ' ORDER BY o.id, o.metric)
	|| E'\n' || string_agg(to_jsonb(o)::text, E'\n' ORDER BY o.id, o.metric) FROM $views.overrides AS o"
# what scores makes of them: the customers and scores overridden, each
# override in force shown as its metric's score; the cleared override
# and the expired one not applied, the score the data gives there
query[overrides_applied]="SELECT format('%s customers, %s scores overridden; %s of %s overrides shown; cleared %s; expired %s',
	(SELECT count(*) FROM $views.scores WHERE overridden > 0), (SELECT sum(overridden) FROM $views.scores),
	(SELECT count(*) FROM $views.overrides AS o JOIN $views.scores AS s USING (id)
	  WHERE (to_jsonb(s) ->> (o.metric || '_score'))::float8 = o.score),
	(SELECT count(*) FROM $views.overrides),
	(SELECT s.revenue_score IS NOT DISTINCT FROM l.new_score FROM $views.scores AS s, $views.override_log AS l
	  WHERE s.id = 6 AND l.id = 6 AND l.metric = 'revenue' AND l.action = 'clear'),
	(SELECT s.support_score IS NOT DISTINCT FROM l.old_score FROM $views.scores AS s, $views.override_log AS l
	  WHERE s.id = 8 AND l.id = 8 AND l.metric = 'support' AND l.action = 'set'))"
# the log's triggers, enabled or not; its row-level security and
# policies; its constraints and indexes; its privileges; its numbering,
# the sequence the trigger draws from, which every role may draw from
query[log_triggers]="SELECT string_agg(format('%s %s %s', tgname, tgenabled, pg_get_triggerdef(oid)), E'\n' ORDER BY tgname)
	FROM pg_trigger WHERE tgrelid = '$views.override_log'::regclass AND NOT tgisinternal"
query[log_rls]="SELECT format('row level security %s, forced %s; %s', c.relrowsecurity, c.relforcerowsecurity,
	       (SELECT string_agg(format('%s %s %s %s USING %s WITH CHECK %s', p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check), '; ' ORDER BY p.policyname)
	          FROM pg_policies AS p WHERE p.schemaname = '$views' AND p.tablename = 'override_log'))
	FROM pg_class AS c WHERE c.oid = '$views.override_log'::regclass"
query[log_structure]="SELECT (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\n' ORDER BY conname)
	          FROM pg_constraint WHERE conrelid = '$views.override_log'::regclass)
	|| E'\n' || (SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes
	               WHERE schemaname = '$views' AND tablename = 'override_log')"
query[log_grants]="SELECT format('%s; %s: INSERT %s, SELECT %s, UPDATE %s, DELETE %s', coalesce(c.relacl, acldefault('r', c.relowner)), '$reader',
	has_table_privilege('$reader', c.oid, 'INSERT'), has_table_privilege('$reader', c.oid, 'SELECT'),
	has_table_privilege('$reader', c.oid, 'UPDATE'), has_table_privilege('$reader', c.oid, 'DELETE'))
	FROM pg_class AS c WHERE c.oid = '$views.override_log'::regclass"
query[log_identity]="SELECT format('log_id numbered by %s (usage for PUBLIC %s), last_value %s', seq.name,
	has_sequence_privilege('public', seq.name, 'USAGE'),
	(SELECT last_value FROM pg_sequences WHERE format('%I.%I', schemaname, sequencename) = seq.name))
	FROM pg_attribute AS a, pg_get_serial_sequence('$views.override_log', 'log_id') AS seq(name)
	WHERE a.attrelid = '$views.override_log'::regclass AND a.attname = 'log_id'"
# what the reader reads of them, under row-level security: rows of the
# log, overrides in force and scores overridden
query[reader_overrides]="SET ROLE $reader; SELECT format('%s|%s|%s', (SELECT count(*) FROM $views.override_log),
	(SELECT count(*) FROM $views.overrides), (SELECT sum(overridden) FROM $views.scores))"

for q in "${!query[@]}"; do
	before[$q]=$(hs_value -d "$src" "${query[$q]}")
done
# the fixture must be what the checks below assume
[ "${before[catalog_counts]}" = "1 models, 5 metrics, 9 versions" ] ||
	hs_fail "the original database holds ${before[catalog_counts]}"
[ "${before[scores]%%,*}" = "60 rows" ] || hs_fail "the original scores view has ${before[scores]}"
[ "${before[scores_mv]}" = "${before[scores]}" ] || hs_fail "the original scores_mv differs from scores"
[ "${before[stored_scores]}" = "${before[scores_as_stored]}" ] ||
	hs_fail "the original stored_scores (${before[stored_scores]}) differs from the scores view without percentile, segment_percentile and rank (${before[scores_as_stored]})"
[ "${before[computed_at]%% *}" = 1 ] || hs_fail "the original scores_mv has ${before[computed_at]%% *} values of computed_at, expected 1"
[ "${before[stored_kind]}" = "scores_mv v {security_invoker=true}, stored_scores r" ] ||
	hs_fail "the original's relations are '${before[stored_kind]}', expected a security_invoker view over a table"
[ "${before[stored_constraints]}" = "stored_scores_pkey PRIMARY KEY (id)" ] ||
	hs_fail "the original stored_scores has the constraints '${before[stored_constraints]}'"
[ "${before[stored_indexes]}" = "CREATE INDEX stored_scores_band ON $views.stored_scores USING btree (band)
CREATE UNIQUE INDEX stored_scores_pkey ON $views.stored_scores USING btree (id)" ] ||
	hs_fail "the original stored_scores has the indexes '${before[stored_indexes]}'"
[[ "${before[stored_rls]}" == "row level security t, forced f; visible_in_source PERMISSIVE {public} SELECT USING "*crm.accounts* ]] ||
	hs_fail "the original stored_scores has '${before[stored_rls]}', expected row-level security and one policy over crm.accounts"
[ "${before[uncommented]}" = 0 ] || hs_fail "build() left ${before[uncommented]} relations or columns without a comment"
[ "${before[reader_grants]}" = "scores t, scores_mv t, stored_scores t" ] ||
	hs_fail "$reader's SELECT privileges in the original are '${before[reader_grants]}'"
# the reader sees the 30 accounts of emea (ids 2, 4, ..., 60), in each
[ "${before[reader_sees]}" = "30|30|30|0" ] ||
	hs_fail "$reader reads (scores|scores_mv|stored_scores|rows of scores and scores_mv unlike the other) ${before[reader_sees]} in the original, expected 30|30|30|0"
# the log holds one row per call that logged, the sets under the log_ids
# override() returned
[ "${before[log_summary]}" = "$logged_calls rows, $clears clear; log_ids of set: $set_ids" ] ||
	hs_fail "the original override_log holds '${before[log_summary]}', expected '$logged_calls rows, $clears clear; log_ids of set: $set_ids'"
[ "${before[override_log]%%$'\n'*}" = "$logged_calls rows" ] || hs_fail "the original override_log has ${before[override_log]%%$'\n'*}"
[ "${before[overrides]%%$'\n'*}" = "2 revenue 95, 2 support 80, 4 support 20, 9 revenue 5" ] ||
	hs_fail "the original overrides view shows '${before[overrides]%%$'\n'*}', expected 2 revenue 95, 2 support 80, 4 support 20, 9 revenue 5"
[ "${before[overrides_applied]}" = "3 customers, 4 scores overridden; 4 of 4 overrides shown; cleared t; expired t" ] ||
	hs_fail "the original scores show the overrides as '${before[overrides_applied]}'"
[[ "${before[log_triggers]}" == "override_log_append_only O CREATE TRIGGER override_log_append_only BEFORE "*" FOR EACH STATEMENT "*$'\n'"override_log_insert O CREATE TRIGGER override_log_insert BEFORE INSERT "*" FOR EACH ROW "* ]] ||
	hs_fail "the original override_log has the triggers '${before[log_triggers]}', expected override_log_append_only and override_log_insert, enabled"
[[ "${before[log_rls]}" == "row level security t, forced f; overrides_visible_in_source PERMISSIVE {public} INSERT USING  WITH CHECK "*crm.accounts*"; visible_in_source PERMISSIVE {public} SELECT USING "*crm.accounts* ]] ||
	hs_fail "the original override_log has '${before[log_rls]}', expected row-level security and its two policies over crm.accounts"
[[ "${before[log_structure]}" == *"override_log_pkey PRIMARY KEY (log_id)"*"CREATE INDEX override_log_customer ON $views.override_log USING btree (id, metric, logged_at, log_id)"* ]] ||
	hs_fail "the original override_log has the constraints and indexes '${before[log_structure]}'"
[[ "${before[log_grants]}" == *"$reader=ar/"*"; $reader: INSERT t, SELECT t, UPDATE f, DELETE f" ]] ||
	hs_fail "the original override_log has the privileges '${before[log_grants]}', expected INSERT and SELECT for $reader"
[ "${before[log_identity]}" = "log_id numbered by $views.override_log_log_id_seq (usage for PUBLIC t), last_value $logged_calls" ] ||
	hs_fail "the original override_log's numbering is '${before[log_identity]}', expected last_value $logged_calls"
# the reader sees the entries and overrides of emea (even ids): all but
# those of customer 9
[ "${before[reader_overrides]}" = "$((logged_calls - 1))|3|3" ] ||
	hs_fail "$reader reads (override_log|overrides|overridden scores) ${before[reader_overrides]} in the original, expected $((logged_calls - 1))|3|3"

# pg_dump and pg_restore must succeed without a word on stderr.
if ! "$HS_PGBIN/pg_dump" -Fc -d "$src" -f "$work/dump" 2>"$work/pg_dump.err" || [ -s "$work/pg_dump.err" ]; then
	cat "$work/pg_dump.err" >&2
	hs_fail "pg_dump of $src failed or complained"
fi
echo "ok: pg_dump -Fc of a database with a built model"
hs_temp_db $dst TEMPLATE template0
if ! "$HS_PGBIN/pg_restore" -d "$dst" "$work/dump" 2>"$work/pg_restore.err" || [ -s "$work/pg_restore.err" ]; then
	cat "$work/pg_restore.err" >&2
	hs_fail "pg_restore into $dst failed or complained"
fi
echo "ok: pg_restore exits 0 and prints nothing"

# same NAME WHAT: the restored database answers query NAME as the
# original did
same() {
	local after
	after=$(hs_value -d "$dst" "${query[$1]}") || hs_fail "$2: the query fails in the restored database"
	if [ "$after" != "${before[$1]}" ]; then
		printf 'original:\n%s\nrestored:\n%s\n' "${before[$1]}" "$after" >&2
		hs_fail "$2 differ after the restore"
	fi
}

same catalog "rows of health_score.model, metric and model_version"
echo "ok: model, metric and model_version rows are restored as they were (${before[catalog_counts]})"
same viewdefs "definitions of the views"
echo "ok: the ${before[viewdefs]%%,*} of $views have the same definitions"
same scores "rows of $views.scores"
echo "ok: $views.scores gives the same rows (${before[scores]})"
for rel in red yellow green segment_summary; do
	same $rel "rows of $views.$rel"
done
echo "ok: red, yellow, green and segment_summary give the same rows"
same stored_kind "kinds of scores_mv and stored_scores"
same stored_scores "rows of $views.stored_scores"
echo "ok: $views.stored_scores is restored, a table, with its rows (${before[stored_scores]})"
same stored_constraints "constraints of $views.stored_scores"
same stored_indexes "indexes of $views.stored_scores"
echo "ok: its primary key stored_scores_pkey and the user's index stored_scores_band are restored"
same stored_rls "row-level security and policies of $views.stored_scores"
echo "ok: its row-level security is enabled again, with the policy visible_in_source as it was"
same scores_mv "rows of $views.scores_mv"
[ "$(hs_value -d "$dst" "${query[scores]}")" = "$(hs_value -d "$dst" "${query[scores_mv]}")" ] ||
	hs_fail "the restored scores_mv differs from the restored scores"
same computed_at "computed_at of $views.scores_mv"
echo "ok: $views.scores_mv, a security_invoker view over stored_scores, holds the rows of scores, and the computed_at of the original's last refresh"
same comments "comments on $views and its relations and columns"
same uncommented "counts of relations and columns without a comment"
echo "ok: comments survive (${before[comments]%%,*} on the schema, views and columns)"
same grants "privileges on the views and stored_scores"
same reader_grants "SELECT privileges of $reader"
same reader_sees "rows $reader can read"
echo "ok: $reader's SELECT on scores, scores_mv and stored_scores survives; under row-level security they read 30 rows of each, scores_mv's those of scores"
same override_log "rows of $views.override_log"
same log_summary "counts and log_ids of $views.override_log"
echo "ok: $views.override_log is restored row for row (${before[log_summary]})"
same overrides "rows of $views.overrides"
same overrides_applied "overrides shown in $views.scores"
echo "ok: the overrides view shows the same overrides in force (${before[overrides]%%$'\n'*}); scores: ${before[overrides_applied]}"
same log_triggers "triggers of $views.override_log"
echo "ok: its triggers override_log_insert and override_log_append_only are restored, enabled"
same log_rls "row-level security and policies of $views.override_log"
same log_structure "constraints and indexes of $views.override_log"
same log_grants "privileges on $views.override_log"
same reader_overrides "rows of the log, overrides and overridden scores $reader can read"
echo "ok: its row-level security, policies, index and $reader's INSERT and SELECT survive; $reader reads ${before[reader_overrides]} (log|overrides|overridden)"
same log_identity "numbering of $views.override_log.log_id"
echo "ok: its sequence comes back at last_value $logged_calls, drawn from by every role"

# The log is still append-only: DELETE, UPDATE and TRUNCATE, even by a
# superuser, are refused, and every row stays.
for statement in "DELETE FROM $views.override_log" "UPDATE $views.override_log SET reason = 'rewritten'" \
	"TRUNCATE $views.override_log"; do
	if hs_psql -d "$dst" -c "$statement" >/dev/null 2>"$work/append_only.err"; then
		hs_fail "'$statement' succeeded in the restored database"
	fi
	grep -q "override_log is append-only: ${statement%% *} is not allowed" "$work/append_only.err" ||
		{ cat "$work/append_only.err" >&2; hs_fail "'$statement' failed in the restored database, but not as append-only"; }
done
same override_log "after DELETE, UPDATE and TRUNCATE were refused, rows of $views.override_log"
echo "ok: the restored log refuses DELETE, UPDATE and TRUNCATE, and keeps its $logged_calls rows"

# build() and refresh() on the restored database: build() replaces the
# restored views in place, keeping rows, comments and the grant; refresh()
# picks up a new customer.
[ "$(hs_value -d "$dst" "SELECT health_score.build('$model')")" = "$views" ] ||
	hs_fail "build('$model') did not return $views in the restored database"
for q in viewdefs scores scores_mv segment_summary comments uncommented grants reader_grants reader_sees \
	stored_kind stored_scores stored_constraints stored_indexes stored_rls override_log overrides overrides_applied \
	log_triggers log_rls log_structure log_grants log_identity reader_overrides; do
	same $q "after build() in the restored database, $q"
done
[ "$(hs_value -d "$dst" "SELECT built_version = version FROM health_score.model WHERE name = '$model'")" = t ] ||
	hs_fail "build() did not record the built version in the restored database"
echo "ok: build() works in the restored database and keeps rows, stored_scores, its index and policy, the override log and overrides, comments and the grants"

# A new override in the restored database, by the reader, through the
# grant restored: numbered after every restored entry, logged as theirs,
# in force and shown in scores.
max_restored=$(hs_value -d "$dst" "SELECT max(log_id) FROM $views.override_log")
[ "$max_restored" = "$(hs_value -d "$src" "SELECT max(log_id) FROM $views.override_log")" ] ||
	hs_fail "the restored override_log's largest log_id is $max_restored, unlike the original's"
if ! new_id=$(hs_value -d "$dst" "SET ROLE $reader; SELECT health_score.override('$model', '10', 'revenue', 77, 'set after the restore')" 2>"$work/new_override.err"); then
	cat "$work/new_override.err" >&2
	hs_fail "$reader cannot override in the restored database"
fi
[ "$new_id" -gt "$max_restored" ] || hs_fail "override() in the restored database returned log_id $new_id, not above the restored $max_restored"
new_entry=$(hs_value -d "$dst" "SELECT format('%s rows; %s %s %s %s %s', (SELECT count(*) FROM $views.override_log),
	l.logged_by, l.id, l.metric, l.action, l.new_score) FROM $views.override_log AS l WHERE l.log_id = $new_id")
[ "$new_entry" = "$((logged_calls + 1)) rows; $reader 10 revenue set 77" ] ||
	hs_fail "the new entry of the restored log is '$new_entry', expected $((logged_calls + 1)) rows; $reader 10 revenue set 77"
shown=$(hs_value -d "$dst" "SELECT format('%s %s', s.overridden, s.revenue_score) FROM $views.scores AS s WHERE s.id = 10")
[ "$shown" = "1 77" ] || hs_fail "after the new override, customer 10 has (overridden revenue_score) $shown in scores, expected 1 77"
echo "ok: $reader overrides in the restored database: log_id $new_id, after the restored ones (at most $max_restored), shown in scores"
hs_psql -d "$dst" -c "INSERT INTO crm.accounts VALUES (61, 'pro', 'emea', 80, 0, 900, 9, true)" \
	-c "SELECT health_score.refresh('$model')" >/dev/null
mv=$(hs_value -d "$dst" "${query[scores_mv]}")
[ "${mv%%,*}" = "61 rows" ] && [ "$mv" = "$(hs_value -d "$dst" "${query[scores]}")" ] ||
	hs_fail "after refresh() in the restored database scores_mv has $mv, scores $(hs_value -d "$dst" "${query[scores]}")"
stored=$(hs_value -d "$dst" "${query[stored_scores]}")
[ "$stored" = "$(hs_value -d "$dst" "${query[scores_as_stored]}")" ] ||
	hs_fail "after refresh() in the restored database stored_scores has $stored, unlike scores"
# 61 is in emea: the reader sees it
sees=$(hs_value -d "$dst" "${query[reader_sees]}")
[ "$sees" = "31|31|31|0" ] ||
	hs_fail "after refresh() in the restored database $reader reads (scores|scores_mv|stored_scores|differing) $sees, expected 31|31|31|0"
echo "ok: refresh() works in the restored database (scores_mv and stored_scores: 61 rows, equal to scores; the reader's 31)"

# A reader whose role name needs quoting, granted scores_mv in the
# restored database: refresh() grants them stored_scores too, so they
# read scores_mv; a policy of the source shows them every customer, so
# they read 61 rows, the 60 restored and the one added.
if ! hs_psql -d "$dst" -c "CREATE POLICY every_account ON crm.accounts FOR SELECT TO $quoted_reader USING (true)" \
	-c "GRANT USAGE ON SCHEMA crm, $views TO $quoted_reader" \
	-c "GRANT SELECT ON crm.accounts, $views.scores_mv TO $quoted_reader" \
	-c "SELECT health_score.refresh('$model')" >/dev/null 2>"$work/quoted.err"; then
	cat "$work/quoted.err" >&2
	hs_fail "refresh() fails once a role whose name needs quoting, $quoted_reader, may read scores_mv"
fi
quoted_sees=$(hs_value -d "$dst" "SET ROLE $quoted_reader; SELECT count(*) FROM $views.scores_mv")
[ "$quoted_sees" = 61 ] || hs_fail "$quoted_reader reads $quoted_sees rows of scores_mv, expected 61"
echo "ok: refresh() grants stored_scores to $quoted_reader, granted scores_mv: they read its 61 rows"

# drop_model() on the restored database: the restored log is an audit
# trail, which it keeps unless drop_history; then the restored schema is
# still the model's own (owns_schema came back with the catalog), so it
# goes too.
if hs_psql -d "$dst" -c "SELECT health_score.drop_model('$model')" >/dev/null 2>"$work/drop.err"; then
	hs_fail "drop_model() in the restored database dropped the override log without drop_history"
fi
grep -q "model \"$model\" has overrides logged in $views.override_log" "$work/drop.err" ||
	{ cat "$work/drop.err" >&2; hs_fail "drop_model() failed in the restored database, but not for the override log"; }
hs_psql -d "$dst" -c "SELECT health_score.drop_model('$model', drop_history => true)" >/dev/null
left=$(hs_value -d "$dst" "SELECT format('%s models, %s metrics, %s versions, %s schemas',
	(SELECT count(*) FROM health_score.model), (SELECT count(*) FROM health_score.metric),
	(SELECT count(*) FROM health_score.model_version),
	(SELECT count(*) FROM pg_namespace WHERE nspname = '$views'))")
[ "$left" = "0 models, 0 metrics, 0 versions, 0 schemas" ] ||
	hs_fail "drop_model() in the restored database left $left"
echo "ok: drop_model() in the restored database keeps the override log, and with drop_history removes the model, its views, the log and its schema"
