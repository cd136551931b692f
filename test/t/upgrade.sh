#!/usr/bin/env bash
# Upgrades: a database that installed health_score 1.0 and used it is
# updated to 1.1, to 1.2 (and builds a model, and views over every
# aggregate whose state 1.3 changes) and then to the current version;
# its objects keep giving the same results, the new features work (1.4's
# reference and percentile cuts too), a model built under 1.3 keeps its
# materialized view scores_mv until build() makes it a view over the
# table stored_scores, keeping its readers, and
# the upgraded extension is the same set of objects, with the same
# definitions, as a fresh install of the current version.  Runs on
# check.sh's server.
source "$(dirname "$0")/../lib.sh"
upgraded=health_score_upgrade_test
fresh=health_score_fresh_test
value() { hs_value -d "$1" "$2"; }

hs_work_dir upgrade
listings=$HS_WORK
hs_temp_db "$upgraded"
hs_temp_db "$fresh"

# 1.0, used the way a 1.0 user would: a view over the scalar functions
hs_psql -d "$upgraded" <<'SQL'
CREATE EXTENSION health_score VERSION '1.0';
CREATE TABLE accounts (id int PRIMARY KEY, logins int, tickets int, rating int);
INSERT INTO accounts SELECT g, g % 97, g % 7, g % 11 FROM generate_series(1, 1000) AS g;
CREATE VIEW account_health AS
SELECT id, health_score.weighted_score(ARRAY[health_score.scale_log(logins, 0, 96),
                                             health_score.scale(tickets, 6, 0)], '{2,1}') AS score,
       health_score.band(health_score.weighted_score(ARRAY[health_score.scale_log(logins, 0, 96),
                                                           health_score.scale(tickets, 6, 0)], '{2,1}')) AS band
FROM accounts;
CREATE TABLE before_update AS
SELECT (SELECT md5(string_agg(format('%s:%s:%s', id, score, band), ',' ORDER BY id)) FROM account_health) AS health,
       (SELECT health_score.nps(rating) FROM accounts) AS nps;
SQL
[ "$(value "$upgraded" "SELECT extversion FROM pg_extension WHERE extname = 'health_score'")" = 1.0 ] ||
	hs_fail "CREATE EXTENSION ... VERSION '1.0' did not install 1.0"

same_results() {
	value "$upgraded" "SELECT (SELECT md5(string_agg(format('%s:%s:%s', id, score, band), ',' ORDER BY id)) FROM account_health)
	                          = health AND (SELECT health_score.nps(rating) FROM accounts) = nps FROM before_update"
}

hs_psql -d "$upgraded" -c "ALTER EXTENSION health_score UPDATE TO '1.1'"
[ "$(same_results)" = t ] || hs_fail "results changed by the update to 1.1"
[ "$(value "$upgraded" "SELECT health_score.percentile_rank((SELECT health_score.distribution(score) FROM account_health), 50)")" != "" ] ||
	hs_fail "the percentile layer does not work after the update to 1.1"
echo "ok: 1.0 -> 1.1 keeps the view's results and adds the percentile layer"

# 1.2 brought models: one is built and snapshot under 1.2, so that its
# history partition is one 1.2 created (without row-level security)
hs_psql -d "$upgraded" -c "ALTER EXTENSION health_score UPDATE TO '1.2'"
[ "$(same_results)" = t ] || hs_fail "results changed by the update to 1.2"
hs_psql -d "$upgraded" >/dev/null <<'SQL'
SELECT health_score.create_model('acct', 'accounts', 'id');
SELECT health_score.add_metric('acct', 'logins', 'logins', 2, 'log', worst => 0, best => 96);
SELECT health_score.add_metric('acct', 'tickets', 'tickets', 1, 'linear', worst => 6, best => 0);
SELECT health_score.build('acct');
SELECT health_score.snapshot('acct', '2026-11-02');
SQL
[ "$(value "$upgraded" "SELECT count(*) FROM health_score_acct.scores s JOIN account_health h USING (id)
                       WHERE round(h.score::numeric, 1)::float8 IS DISTINCT FROM s.score")" = 0 ] ||
	hs_fail "the model built under 1.2 scores differently from the 1.0 view"
echo "ok: 1.1 -> 1.2 keeps the view's results; a model built under 1.2 scores as the 1.0 view does"

# Views over the aggregates whose state 1.3 changes from internal to
# distribution, made under 1.2: CREATE OR REPLACE AGGREGATE must keep
# them, with the same results
hs_psql -d "$upgraded" <<'SQL'
CREATE VIEW account_ranks AS
SELECT h.id,
       health_score.percentile_rank((SELECT health_score.distribution(score) FROM account_health), h.score) AS pct,
       health_score.percentile_rank((SELECT health_score.distribution(a.score, r.rating::text)
                                     FROM account_health AS a JOIN accounts AS r USING (id)),
                                    h.score, c.rating::text) AS pct_by_rating
FROM account_health AS h JOIN accounts AS c USING (id);
CREATE VIEW account_aggregates AS
SELECT health_score.distribution(h.score)::text AS dist,
       health_score.distribution(h.score, c.rating::text)::text AS dist_by_rating,
       health_score.auc(h.score, c.tickets >= 4) AS auc
FROM account_health AS h JOIN accounts AS c USING (id);
CREATE TABLE aggregates_before AS
SELECT (SELECT md5(string_agg(format('%s:%s:%s', id, pct, pct_by_rating), ',' ORDER BY id)) FROM account_ranks) AS ranks,
       a.* FROM account_aggregates AS a;
SQL
same_aggregates() {
	value "$upgraded" "SELECT (SELECT md5(string_agg(format('%s:%s:%s', id, pct, pct_by_rating), ',' ORDER BY id))
	                           FROM account_ranks) = b.ranks
	                          AND a.dist = b.dist AND a.dist_by_rating = b.dist_by_rating AND a.auc = b.auc
	                     FROM account_aggregates AS a, aggregates_before AS b"
}

# A view over every aggregate whose internal state 1.3 replaces by a type
# of its own: CREATE OR REPLACE AGGREGATE must leave it working, with the
# same results.
hs_psql -d "$upgraded" >/dev/null <<'SQL'
CREATE TABLE visits AS
SELECT id, '2026-01-05'::date + 7 * w AS taken_on,
       '2026-01-05'::timestamptz + w * interval '7 days' AS taken_at,
       ((id * 7919 + w * 104729) % 1001) / 10.0::float8 AS score
FROM accounts, generate_series(0, 5) AS w;
-- the rows reach the aggregates in one order whatever the join's plan
-- (statistics gathered in between may change it): trend's slope and
-- logistic_fit sum floats, whose last bits depend on the order
CREATE VIEW account_state_aggregates AS
SELECT part, health_score.nps(rating) AS nps, health_score.csat(rating % 5 + 1) AS csat,
       health_score.csat(rating % 7 + 1, 7) AS csat7, health_score.ces(rating % 7 + 1) AS ces,
       health_score.band_counts(score) AS bands, health_score.band_counts(score, 30, 80) AS bands_30_80,
       health_score.trend(taken_at, score) AS trend, health_score.trend(taken_on, score) AS trend_date,
       health_score.sparkline(taken_at, score) AS sparkline, health_score.sparkline(taken_on, score) AS sparkline_date,
       health_score.logistic_fit(ARRAY[score, logins], tickets > 3, 1) AS fit
FROM (SELECT a.id % 10 AS part, a.id, a.rating, a.logins, a.tickets, v.taken_on, v.taken_at, v.score
        FROM accounts AS a JOIN visits AS v USING (id)
       ORDER BY 1, 2, 6) AS rows_in_order
GROUP BY part;
CREATE TABLE state_aggregates_before AS SELECT * FROM account_state_aggregates;
SQL

# 1.3, where a model with a percentile metric is built, granted to a
# reader (scores_mv, then a materialized view, too), indexed by the user
# and snapshot: after the update to the current version its views give
# the same rows until build(), which keeps their names, columns (adding
# 1.4's stale at the end, where CREATE OR REPLACE VIEW may), grants and
# history, and replaces scores_mv by a view over stored_scores
reader=hs_upgrade_reader
drop_reader() {
	hs_psql -d "$upgraded" -c "DROP OWNED BY $reader" 2>/dev/null || true
	hs_psql -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $reader"
}
drop_reader
hs_at_exit drop_reader
hs_psql -d "$upgraded" -c "ALTER EXTENSION health_score UPDATE TO '1.3'"
hs_psql -d "$upgraded" >/dev/null <<SQL
CREATE ROLE $reader;
SELECT health_score.create_model('acct13', 'accounts', 'id');
SELECT health_score.add_metric('acct13', 'logins', 'logins', 2, 'percentile');
SELECT health_score.add_metric('acct13', 'tickets', 'tickets', 1, 'linear', worst => 6, best => 0);
SELECT health_score.build('acct13');
SELECT health_score.snapshot('acct13', '2026-11-30');
-- a model with a segment, whose history 1.3 made with no comment on it
SELECT health_score.create_model('seg13', 'accounts', 'id', '{rating}');
SELECT health_score.add_metric('seg13', 'tickets', 'tickets', 1, 'linear', worst => 6, best => 0);
SELECT health_score.build('seg13');
SELECT health_score.snapshot('seg13', '2026-11-30');
GRANT USAGE ON SCHEMA health_score_acct13 TO $reader;
GRANT SELECT ON accounts, health_score_acct13.scores, health_score_acct13.red, health_score_acct13.scores_mv TO $reader;
-- a dashboard's index on the materialized view
CREATE INDEX acct13_mv_logins ON health_score_acct13.scores_mv (logins_score);
CREATE TABLE acct13_before AS
SELECT id, score, band, grade, percentile, segment_percentile, rank, logins_score, tickets_score
  FROM health_score_acct13.scores;
-- the reader compares what they read with it
GRANT SELECT ON acct13_before TO $reader;
CREATE TABLE acct13_columns AS
SELECT string_agg(attname, ',' ORDER BY attnum) AS columns FROM pg_attribute
 WHERE attrelid = 'health_score_acct13.scores'::regclass AND attnum > 0;
SQL
# acct13_differences_in REL: rows of REL (scores or scores_mv) and of
# the 1.3 scores that the other lacks
acct13_differences_in() {
	echo "SELECT count(*) FROM ((SELECT id, score, band, grade, percentile, segment_percentile, rank, logins_score, tickets_score
	                            FROM health_score_acct13.$1 EXCEPT ALL TABLE acct13_before)
	                           UNION ALL (TABLE acct13_before EXCEPT ALL
	                            SELECT id, score, band, grade, percentile, segment_percentile, rank, logins_score, tickets_score
	                              FROM health_score_acct13.$1)) AS d"
}
acct13_differences=$(acct13_differences_in scores)
[ "$(value "$upgraded" "SELECT count(*) || '|' || ($acct13_differences) || '|' || ($(acct13_differences_in scores_mv)) FROM acct13_before")" = "1000|0|0" ] ||
	hs_fail "the model built under 1.3 does not have 1000 rows, or its scores_mv differs from scores"

hs_psql -d "$upgraded" -c "ALTER EXTENSION health_score UPDATE"
current=$(value "$upgraded" "SELECT default_version FROM pg_available_extensions WHERE name = 'health_score'")
[ "$(value "$upgraded" "SELECT extversion FROM pg_extension WHERE extname = 'health_score'")" = "$current" ] ||
	hs_fail "ALTER EXTENSION health_score UPDATE did not reach $current"
[ "$(same_results)" = t ] || hs_fail "results changed by the update to $current"
[ "$(value "$upgraded" "$acct13_differences")" = 0 ] ||
	hs_fail "the views of a model built under 1.3 give other rows after the update to $current, before build()"
# The update comments the segment columns of the histories made before,
# in the words the history of a model built now gets
hs_psql -d "$upgraded" >/dev/null <<'SQL'
SELECT health_score.create_model('seg14', 'accounts', 'id', '{rating}');
SELECT health_score.add_metric('seg14', 'tickets', 'tickets', 1, 'linear', worst => 6, best => 0);
SELECT health_score.build('seg14');
SQL
segment_comments=$(value "$upgraded" "SELECT format('%s|%s', col_description(h13.attrelid, h13.attnum),
                                                    col_description(h13.attrelid, h13.attnum) = col_description(h14.attrelid, h14.attnum))
                                         FROM pg_attribute AS h13, pg_attribute AS h14
                                        WHERE h13.attrelid = 'health_score_seg13.history'::regclass AND h13.attname = 'rating'
                                          AND h14.attrelid = 'health_score_seg14.history'::regclass AND h14.attname = 'rating'")
[ "$segment_comments" = "Segment: rating of public.accounts at the snapshot, as text.|t" ] ||
	hs_fail "the update to $current gave the segment column of a 1.3 history the comment (and same as a new build's) '$segment_comments'"
echo "ok: the update to $current comments the segment columns of the histories made before it, as build() does now"
# Before build(): 1.3's scores_mv is still the materialized view, and its
# reader reads the same rows from it; refresh() and snapshot(), which
# need stored_scores, say so and ask for build()
[ "$(value "$upgraded" "SELECT relkind FROM pg_class WHERE oid = 'health_score_acct13.scores_mv'::regclass")" = m ] ||
	hs_fail "the update to $current changed the 1.3 model's scores_mv before build()"
[ "$(value "$upgraded" "SET ROLE $reader; SELECT ($(acct13_differences_in scores_mv)) || '|' || (SELECT count(*) FROM health_score_acct13.scores_mv)")" = "0|1000" ] ||
	hs_fail "the reader of a 1.3 model's scores_mv does not read its 1000 rows after the update to $current, before build()"
for call in "refresh('acct13')" "snapshot('acct13', '2026-12-01')"; do
	if hs_psql -d "$upgraded" -v VERBOSITY=verbose -c "SELECT health_score.$call" >/dev/null 2>"$listings/err"; then
		hs_fail "$call of a model built under 1.3 succeeded after the update to $current, before build()"
	fi
	grep -Fxq 'ERROR:  55000: model "acct13" has no health_score_acct13.stored_scores, health_score_acct13.overrides' "$listings/err" &&
		grep -Fxq "HINT:  Run SELECT health_score.build('acct13'), which makes them again." "$listings/err" || {
		cat "$listings/err" >&2
		hs_fail "$call of a model built under 1.3 failed otherwise than with SQLSTATE 55000 naming stored_scores and overrides and a hint to build()"
	}
done
[ "$(value "$upgraded" "SELECT string_agg(taken_on::text, ',') FROM health_score_acct13.snapshots")" = 2026-11-30 ] ||
	hs_fail "the failed snapshot() left a snapshot behind"
echo "ok: after the update to $current, before build(), a 1.3 model's scores_mv is the materialized view its reader reads; refresh() and snapshot() fail with 55000, naming stored_scores and overrides"
hs_psql -d "$upgraded" -c "SELECT health_score.build('acct13')" >/dev/null
[ "$(value "$upgraded" "SELECT ($acct13_differences) = 0
                              AND (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
                                    WHERE attrelid = 'health_score_acct13.scores'::regclass AND attnum > 0)
                                  = (SELECT columns || ',stale,overridden' FROM acct13_columns)
                              AND has_table_privilege('$reader', 'health_score_acct13.scores', 'SELECT')
                              AND has_table_privilege('$reader', 'health_score_acct13.red', 'SELECT')
                              AND (SELECT count(*) FROM health_score_acct13.history WHERE taken_on = '2026-11-30') = 1000
                              AND (SELECT count(*) FROM health_score.reference WHERE model = 'acct13') = 3")" = t ] ||
	hs_fail "build() after the update to $current changed a 1.3 model's rows, columns, grants or history, or stored no reference"
[ "$(value "$upgraded" "SET ROLE $reader; SELECT count(percentile) FROM health_score_acct13.red")" = \
  "$(value "$upgraded" "SELECT count(*) FROM acct13_before WHERE band = 'red'")" ] ||
	hs_fail "the reader granted a 1.3 model's red view does not read its percentiles after build() under $current"
echo "ok: 1.3 -> $current keeps a built model's views until build(), which keeps their rows, columns, grants and history"
# After build(): scores_mv is a security_invoker view over stored_scores,
# a table with the model's key as its primary key, under row-level
# security; the user's index on the materialized view is on stored_scores
# now (1.3's own scores_mv_key is not); the reader granted scores_mv
# under 1.3 keeps that grant and is granted stored_scores, so reads
# scores_mv: the rows of scores, as 1.3 had them.
kinds=$(value "$upgraded" "SELECT format('%s %s, %s rls %s %s; %s; %s', mv.relkind, mv.reloptions, st.relkind, st.relrowsecurity,
	       (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ') FROM pg_constraint WHERE conrelid = st.oid),
	       (SELECT string_agg(policyname || ' ' || cmd, ', ') FROM pg_policies
	         WHERE schemaname = 'health_score_acct13' AND tablename = 'stored_scores'),
	       (SELECT string_agg(indexdef, ', ' ORDER BY indexname) FROM pg_indexes
	         WHERE schemaname = 'health_score_acct13' AND tablename = 'stored_scores' AND indexname <> 'stored_scores_pkey'))
	  FROM pg_class AS mv, pg_class AS st
	 WHERE mv.oid = 'health_score_acct13.scores_mv'::regclass AND st.oid = 'health_score_acct13.stored_scores'::regclass")
expected="v {security_invoker=true}, r rls t stored_scores_pkey PRIMARY KEY (id); visible_in_source SELECT; CREATE INDEX acct13_mv_logins ON health_score_acct13.stored_scores USING btree (logins_score)"
[ "$kinds" = "$expected" ] ||
	hs_fail "after build() under $current the 1.3 model has '$kinds', expected '$expected'"
privileges=$(value "$upgraded" "SELECT format('%s %s', has_table_privilege('$reader', 'health_score_acct13.scores_mv', 'SELECT'),
	                                     has_table_privilege('$reader', 'health_score_acct13.stored_scores', 'SELECT'))")
[ "$privileges" = "t t" ] ||
	hs_fail "after build() under $current the reader's SELECT on (scores_mv, stored_scores) is '$privileges', expected 't t'"
mv_rows="SELECT format('%s|%s|%s', (SELECT count(*) FROM health_score_acct13.scores_mv), ($(acct13_differences_in scores_mv)),
	(SELECT count(*) FROM ((SELECT to_jsonb(s) - 'computed_at' FROM health_score_acct13.scores AS s
	                        EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM health_score_acct13.scores_mv AS s)
	                       UNION ALL (SELECT to_jsonb(s) - 'computed_at' FROM health_score_acct13.scores_mv AS s
	                        EXCEPT ALL SELECT to_jsonb(s) - 'computed_at' FROM health_score_acct13.scores AS s)) AS d))"
[ "$(value "$upgraded" "$mv_rows")" = "1000|0|0" ] ||
	hs_fail "after build() under $current the 1.3 model's scores_mv (rows|unlike 1.3's|unlike scores) is $(value "$upgraded" "$mv_rows"), expected 1000|0|0"
[ "$(value "$upgraded" "SET ROLE $reader; $mv_rows")" = "1000|0|0" ] ||
	hs_fail "after build() under $current the reader reads (rows|unlike 1.3's|unlike scores) $(value "$upgraded" "SET ROLE $reader; $mv_rows") of scores_mv, expected 1000|0|0"
echo "ok: build() under $current makes a 1.3 model's scores_mv a view over stored_scores (primary key, row-level security, the user's index); its reader reads it, the 1000 rows of scores"
# refresh() and snapshot() work again: the next snapshot follows the
# one taken under 1.3, for every customer, with the rows of scores_mv
hs_psql -d "$upgraded" -c "SELECT health_score.refresh('acct13')" >/dev/null
[ "$(value "$upgraded" "SELECT health_score.snapshot('acct13', '2026-12-01')")" = 1000 ] ||
	hs_fail "snapshot() of the 1.3 model after build() under $current did not write 1000 rows"
[ "$(value "$upgraded" "SELECT format('%s|%s', count(*) FILTER (WHERE previous_on = '2026-11-30'),
	       (SELECT count(*) FROM ((SELECT id, score, band, grade, percentile, segment_percentile FROM health_score_acct13.history WHERE taken_on = '2026-12-01'
	                               EXCEPT ALL SELECT id, score, band, grade, percentile, segment_percentile FROM health_score_acct13.scores_mv)
	                              UNION ALL (SELECT id, score, band, grade, percentile, segment_percentile FROM health_score_acct13.scores_mv
	                               EXCEPT ALL SELECT id, score, band, grade, percentile, segment_percentile FROM health_score_acct13.history WHERE taken_on = '2026-12-01')) AS d))
	  FROM health_score_acct13.history WHERE taken_on = '2026-12-01'")" = "1000|0" ] ||
	hs_fail "the snapshot of the 1.3 model after build() under $current does not follow the one taken under 1.3, or differs from scores_mv"
echo "ok: refresh() and snapshot() of the 1.3 model work after build(); the new snapshot follows the one taken under 1.3"
[ "$(same_aggregates)" = t ] || hs_fail "views over distribution() and auc() changed results in the update to $current"
[ "$(value "$upgraded" "SELECT string_agg(DISTINCT format_type(aggtranstype, NULL), ',') FROM pg_aggregate
                       WHERE aggfnoid IN ('health_score.distribution(float8)'::regprocedure,
                                          'health_score.distribution(float8, text)'::regprocedure,
                                          'health_score.auc(float8, boolean)'::regprocedure)")" = health_score.distribution ] ||
	hs_fail "the update to $current left distribution() or auc() with another state than a distribution"
# serially, so that each aggregate adds the rows in the same order as before
[ "$(value "$upgraded" "SET max_parallel_workers_per_gather = 0;
                       SELECT count(*) FROM ((TABLE account_state_aggregates EXCEPT ALL TABLE state_aggregates_before)
                                             UNION ALL (TABLE state_aggregates_before EXCEPT ALL TABLE account_state_aggregates)) AS d")" = 0 ] ||
	hs_fail "the view over the aggregates created under 1.2 returns other results after the update to $current"
[ "$(value "$upgraded" "SELECT count(*) FROM pg_aggregate
                       WHERE aggfnoid::regproc::text ~ '^health_score\.(nps|csat|ces|band_counts|trend|sparkline|logistic_fit)\$'
                         AND aggtranstype <> 'internal'::regtype AND aggserialfn = 0 AND aggcombinefn <> 0")" = 11 ] ||
	hs_fail "the update to $current did not give the survey, band_counts, trend, sparkline and logistic_fit aggregates their state types"
echo "ok: a view over nps, csat, ces, band_counts, trend, sparkline and logistic_fit created under 1.2 returns the same results after the update to $current"
# 1.3 mends the partitions 1.2 made, and makes new ones with row-level security
[ "$(value "$upgraded" "SELECT relrowsecurity FROM pg_class WHERE oid = 'health_score_acct.history_2026_11'::regclass")" = t ] ||
	hs_fail "the update to $current left 1.2's history partition without row-level security"
hs_psql -d "$upgraded" >/dev/null <<'SQL'
UPDATE accounts SET tickets = 6 WHERE id % 10 = 0;
SELECT health_score.build('acct');
SELECT health_score.snapshot('acct', '2026-12-07', allow_future => true);  -- a day ahead when written
SQL
[ "$(value "$upgraded" "SELECT relrowsecurity FROM pg_class WHERE oid = 'health_score_acct.history_2026_12'::regclass")" = t ] ||
	hs_fail "a history partition created after the update to $current has no row-level security"
[ "$(value "$upgraded" "SELECT count(*) FILTER (WHERE previous_on = '2026-11-02'), count(*) FILTER (WHERE delta_mom IS NOT NULL)
                       FROM health_score_acct.trend")" = "1000|1000" ] ||
	hs_fail "the trend after the update to $current does not reach back to the snapshot taken under 1.2"
[ "$(value "$upgraded" "SELECT count(*) FROM health_score_acct.scores s JOIN account_health h USING (id)
                       WHERE round(h.score::numeric, 1)::float8 IS DISTINCT FROM s.score")" = 0 ] ||
	hs_fail "the model rebuilt after the update to $current scores differently from the 1.0 view"
echo "ok: 1.2 -> $current keeps the results and the history, and puts row-level security on every history partition"
echo "ok: 1.2 -> $current keeps views over distribution() and auc(), with the same results, now with a distribution state"
# 1.4 adds percentile cuts: they rank every customer as the distribution does
[ "$(value "$upgraded" "SELECT count(*) FROM account_health AS h, (SELECT health_score.distribution(score) AS d FROM account_health) AS s
                       WHERE health_score.percentile_rank_by_cuts(health_score.percentile_cuts(d), h.score)
                             IS DISTINCT FROM health_score.percentile_rank(d, h.score)")" = 0 ] ||
	hs_fail "percentile_cuts after the update to $current ranks differently from percentile_rank"
echo "ok: 1.3 -> $current adds percentile_cuts, whose ranks equal percentile_rank's"

# The upgraded extension and a fresh install of the current version are
# the same objects, with the same definitions, privileges, policies,
# comments and configuration tables: extension_objects.sql lists them, one
# line per property, and the two lists must not differ.  The model and the
# views made above are not the extension's, so they are not listed.
hs_psql -d "$fresh" -c "CREATE EXTENSION health_score"
list() { hs_psql -d "$1" -A -t -f "$(dirname "$0")/extension_objects.sql" >"$2"; }
list "$upgraded" "$listings/upgraded"
list "$fresh" "$listings/fresh"
objects=$(cut -f1 "$listings/fresh" | sort -u | wc -l)
[ "$objects" -gt 0 ] || hs_fail "extension_objects.sql listed nothing in a fresh install"
if ! diff -u --label "fresh install of $current" --label "1.0 updated to $current" \
	"$listings/fresh" "$listings/upgraded" >"$listings/diff"; then
	cat "$listings/diff" >&2
	hs_fail "the upgraded extension differs from a fresh install of $current (the diff above: - fresh, + updated)"
fi
echo "ok: 1.0 updated to $current is the same $objects objects as a fresh install, property by property ($(wc -l <"$listings/fresh") properties)"
