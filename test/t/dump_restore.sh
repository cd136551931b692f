#!/usr/bin/env bash
# pg_dump and pg_restore of a database with a model and its built views:
# the model catalog (extension configuration tables), the views, the
# populated scores_mv, their comments and a grant must all come back,
# and build() and refresh() must work on the restored database.  Runs on
# check.sh's server, in two databases and with one role of its own.
source "$(dirname "$0")/../lib.sh"
src=hs_dump_source
dst=hs_dump_restored
reader=hs_dump_reader
model=acct
views=health_score_$model

hs_work_dir dump
work=$HS_WORK
# the role is dropped last, after the databases: it holds privileges in
# them (and in what an interrupted run left of them)
drop_reader() { hs_psql -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $reader"; }
hs_drop_db $dst
hs_drop_db $src
drop_reader
hs_psql -d postgres -c "CREATE ROLE $reader"
hs_at_exit drop_reader
hs_temp_db $src TEMPLATE template0

# Every kind of metric: log with segment_weights, steps, linear with a
# category, percentile, a boolean; NULLs so coverage varies; a dropped
# metric so model_version has more than additions.
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
                               category => 'commercial');
SELECT health_score.add_metric('$model', 'nps_rank', 'nps', 1, 'percentile');
SELECT health_score.add_metric('$model', 'scratch', 'logins * 2', 1, 'linear', worst => 0, best => 1);
SELECT health_score.drop_metric('$model', 'scratch');
SELECT health_score.add_metric('$model', 'active', 'active', 1, 'linear', worst => 0, best => 1);
SELECT health_score.build('$model');
GRANT USAGE ON SCHEMA crm, $views TO $reader;
GRANT SELECT ON crm.accounts, $views.scores TO $reader;
SQL

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
# time in the views, the refresh time in scores_mv)
for rel in scores scores_mv red yellow green; do
	query[$rel]="SELECT count(*) || ' rows, md5 ' || md5(string_agg((to_jsonb(s) - 'computed_at')::text, E'\n' ORDER BY s.id)) FROM $views.$rel AS s"
done
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
# relations and columns without a comment: build() comments them all
query[uncommented]="SELECT count(*) FROM pg_class AS c
	CROSS JOIN LATERAL (SELECT NULL::int2 UNION ALL
	                    SELECT attnum FROM pg_attribute
	                     WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) AS a(attnum)
	WHERE c.relnamespace = '$views'::regnamespace AND c.relkind IN ('v', 'm')
	  AND CASE WHEN a.attnum IS NULL THEN obj_description(c.oid, 'pg_class')
	           ELSE col_description(c.oid, a.attnum) END IS NULL"
# privileges on the views; NULL (the default) and the default spelled
# out, which build()'s REVOKE leaves on scores_mv, are the same
query[grants]="SELECT string_agg(format('%s %s', c.relname, coalesce(c.relacl, acldefault('r', c.relowner))), ', ' ORDER BY c.relname)
	FROM pg_class AS c WHERE c.relnamespace = '$views'::regnamespace AND c.relkind IN ('v', 'm')"
query[viewdefs]="SELECT count(*) || ' views, md5 ' || md5(string_agg(c.relname || ': ' || pg_get_viewdef(c.oid), E'\n' ORDER BY c.relname))
	FROM pg_class AS c WHERE c.relnamespace = '$views'::regnamespace AND c.relkind IN ('v', 'm')"
query[reader_sees]="SET ROLE $reader; SELECT count(*) FROM $views.scores"

for q in "${!query[@]}"; do
	before[$q]=$(hs_value -d "$src" "${query[$q]}")
done
# the fixture must be what the checks below assume
[ "${before[catalog_counts]}" = "1 models, 5 metrics, 8 versions" ] ||
	hs_fail "the original database holds ${before[catalog_counts]}"
[ "${before[scores]%%,*}" = "60 rows" ] || hs_fail "the original scores view has ${before[scores]}"
[ "${before[scores_mv]}" = "${before[scores]}" ] || hs_fail "the original scores_mv differs from scores"
[ "${before[uncommented]}" = 0 ] || hs_fail "build() left ${before[uncommented]} relations or columns without a comment"
[ "${before[reader_sees]}" = 60 ] || hs_fail "$reader reads ${before[reader_sees]} rows of scores in the original"

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
	after=$(hs_value -d "$dst" "${query[$1]}")
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
[ "$(hs_value -d "$dst" "SELECT relispopulated FROM pg_class WHERE oid = '$views.scores_mv'::regclass")" = t ] ||
	hs_fail "the restored $views.scores_mv is not populated"
same scores_mv "rows of $views.scores_mv"
echo "ok: $views.scores_mv is populated and holds the same rows"
[ "$(hs_value -d "$dst" "SELECT count(*) FROM pg_indexes WHERE schemaname = '$views' AND indexname = 'scores_mv_key' AND indexdef LIKE 'CREATE UNIQUE INDEX%'")" = 1 ] ||
	hs_fail "the unique index scores_mv_key is missing after the restore"
echo "ok: the unique index scores_mv_key is restored"
same comments "comments on $views and its relations and columns"
same uncommented "counts of relations and columns without a comment"
echo "ok: comments survive (${before[comments]%%,*} on the schema, views and columns)"
same grants "privileges on the views"
same reader_sees "rows $reader can read"
echo "ok: the grant of SELECT on $views.scores to $reader survives; $reader reads ${before[reader_sees]} rows"

# build() and refresh() on the restored database: build() replaces the
# restored views in place, keeping rows, comments and the grant; refresh()
# picks up a new customer.
[ "$(hs_value -d "$dst" "SELECT health_score.build('$model')")" = "$views" ] ||
	hs_fail "build('$model') did not return $views in the restored database"
for q in viewdefs scores scores_mv segment_summary comments uncommented grants reader_sees; do
	same $q "after build() in the restored database, $q"
done
[ "$(hs_value -d "$dst" "SELECT built_version = version FROM health_score.model WHERE name = '$model'")" = t ] ||
	hs_fail "build() did not record the built version in the restored database"
echo "ok: build() works in the restored database and keeps rows, comments and the grant"
hs_psql -d "$dst" -c "INSERT INTO crm.accounts VALUES (61, 'pro', 'emea', 80, 0, 900, 9, true)" \
	-c "SELECT health_score.refresh('$model')" >/dev/null
mv=$(hs_value -d "$dst" "${query[scores_mv]}")
[ "${mv%%,*}" = "61 rows" ] && [ "$mv" = "$(hs_value -d "$dst" "${query[scores]}")" ] ||
	hs_fail "after refresh() in the restored database scores_mv has $mv, scores $(hs_value -d "$dst" "${query[scores]}")"
echo "ok: refresh() works in the restored database (scores_mv: 61 rows, equal to scores)"

# drop_model() on the restored database: the restored schema is still
# the model's own (owns_schema came back with the catalog), so it goes too.
hs_psql -d "$dst" -c "SELECT health_score.drop_model('$model')" >/dev/null
left=$(hs_value -d "$dst" "SELECT format('%s models, %s metrics, %s versions, %s schemas',
	(SELECT count(*) FROM health_score.model), (SELECT count(*) FROM health_score.metric),
	(SELECT count(*) FROM health_score.model_version),
	(SELECT count(*) FROM pg_namespace WHERE nspname = '$views'))")
[ "$left" = "0 models, 0 metrics, 0 versions, 0 schemas" ] ||
	hs_fail "drop_model() in the restored database left $left"
echo "ok: drop_model() in the restored database removes the model, its views and its schema"
