-- test/bench/trend.sql: issue 6's benchmark.  Expects the harness
-- (harness.sql) and -v runs=N; ignores bench_customers.
--
-- A model over a small source table, built, so that its history and
-- snapshots tables and its trend view exist; then its history filled
-- directly (not through snapshot(), which would take too long) with
-- HS_BENCH_TREND_CUSTOMERS customers (1 000 000) x 12 weekly snapshots:
-- scores drifting with noise, ~3 % NULL, bands and grades from the
-- scores, previous_on/previous_score/previous_band from the week before,
-- and the figures snapshot() stores with each day's rows, computed here
-- with window functions over each customer's series, as snapshot()
-- defines them:
--   delta_wow  round(score - the last non-NULL score at least 7 days
--              older, at most 120 days back, 1)
--   delta_mom  the same, 28 days
--   slope_90d  round(round(regr_slope(score, days) over the snapshots of
--              the 90 days up to the row's (taken_on > day - 90), 9), 3)
--   sparkline  health_score.sparkline(taken_on, score) over the 12 latest
--              snapshots up to the row's (every customer is in every
--              snapshot here, so the row's 12 latest rows)
--
-- (s)  SELECT count(*), sum(score) FROM history: the scan floor
-- (l)  the latest snapshot's rows only: the floor of the trend view
-- (t)  the trend view: delta_wow, delta_mom, band_change, dropped_band,
--      slope_90d, summed up
-- (tf) the trend view, every column (sparkline, segments, top mover too)
-- (w)  the same five columns in plain SQL with window functions, as exact
--      as the view: lag(band) for the band change, the last non-NULL score
--      7 and 28 days back (within 120 days) as
--      max(ARRAY[day, score]) FILTER (...) and regr_slope() FILTER (...)
--      over the customer's rows up to the current one, read on the latest
--      snapshot's rows
-- (wl) the first thing an analyst writes: lag(score), lag(score, 4),
--      lag(band) and regr_slope() over the 89-day frame.  Not the same
--      result: a NULL score a week (or four) back gives a NULL delta where
--      the view goes back to the last score; the check counts those rows
-- (n)  what snapshot() now computes for one day on top of what it wrote
--      before: the `series` aggregation of its INSERT (the trend and
--      sparkline aggregates over each customer's last 120 days of history
--      and the day's scores), for the latest day, summed up rather than
--      inserted.  The day's scores are the latest snapshot's rows (as if it
--      were taken again); computing them from the source, the previous
--      snapshot's join, the top mover and the INSERT itself are left out.
--      Run serially, as it runs inside snapshot()'s INSERT (PostgreSQL
--      plans no parallel workers for an INSERT ... SELECT)
-- (np) (n) as a SELECT may run it, with parallel workers
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;

\getenv customers HS_BENCH_TREND_CUSTOMERS
\if :{?customers}
\else
\set customers 1000000
\endif
-- the Monday of the oldest snapshot; 12 weekly snapshots span 3 months
\set first_day '2025-01-06'

\echo '== generating' :customers 'customers x 12 weekly snapshots (seeded)'
SELECT clock_timestamp() AS generation_started \gset
\o /dev/null
SELECT setseed(0.2026);
DROP VIEW IF EXISTS bench.trend_one_pass, bench.trend_narrow;
DROP TABLE IF EXISTS bench.trend_gen;
DO $$ BEGIN
  IF EXISTS (SELECT FROM health_score.model WHERE name = 'bench_trend') THEN
    PERFORM health_score.drop_model('bench_trend', drop_history => true);
  END IF;
END $$;
DROP TABLE IF EXISTS bench_trend_customers;
CREATE TABLE bench_trend_customers (
  id bigint PRIMARY KEY,
  plan text NOT NULL,
  logins float8,
  tickets float8,
  late_payments float8
);
INSERT INTO bench_trend_customers
SELECT i, (ARRAY['basic', 'pro', 'enterprise'])[1 + floor(3 * power(random(), 1.5))::int],
       round((random() * 60)::numeric)::float8, round((random() * 12)::numeric)::float8,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 4) END
FROM generate_series(1, 1000) AS i;
SELECT health_score.create_model('bench_trend', 'bench_trend_customers', 'id', '{plan}');
SELECT health_score.add_metric('bench_trend', 'logins', 'logins', 3, 'log', 0, 60);
SELECT health_score.add_metric('bench_trend', 'tickets', 'tickets', 2, 'linear', 12, 0);
SELECT health_score.add_metric('bench_trend', 'payments', 'late_payments', 1, 'linear', 3, 0);
SELECT health_score.build('bench_trend');

-- u(x, salt): uniform in [0, 1) from a seeded hash, the same on every run
CREATE FUNCTION pg_temp.u(x bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(x, 2026 + salt) & 4503599627370495)::float8 / 4503599627370496.0 $$;

-- the score of customer k in week w (0 = the oldest snapshot): a level of
-- 15-95, a drift of up to ±2 points a week, noise of about ±4 points,
-- clamped to 0-100, one decimal; NULL ~3 % of the time (and before week 0)
CREATE FUNCTION pg_temp.score(k bigint, w int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN w < 0 OR pg_temp.u(k * 16 + w, 4) < 0.03 THEN NULL
         ELSE round(least(100, greatest(0,
                15 + 80 * pg_temp.u(k, 0)
                + (pg_temp.u(k, 1) - 0.5) * 4 * w
                + (pg_temp.u(k * 16 + w, 1) + pg_temp.u(k * 16 + w, 2) + pg_temp.u(k * 16 + w, 3) - 1.5) * 8))::numeric, 1)::float8
         END
$$;
-- the model's bands: red below 40, green from 70
CREATE FUNCTION pg_temp.band(s float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN s < 40 THEN 'red' WHEN s < 70 THEN 'yellow' WHEN s >= 70 THEN 'green' END $$;


-- generating: sorts of the 12 snapshots' rows in memory
SET work_mem = '2GB';
SET maintenance_work_mem = '2GB';

-- the monthly partitions, named as health_score_internal._history_partition names
-- them, but unlogged: generating writes no WAL; reading them is the same
SELECT format('CREATE UNLOGGED TABLE health_score_bench_trend.%I PARTITION OF health_score_bench_trend.history FOR VALUES FROM (%L) TO (%L)',
              'history_' || to_char(month, 'YYYY_MM'), month::date, (month + interval '1 month')::date)
FROM generate_series(date_trunc('month', date :'first_day'), date_trunc('month', date :'first_day' + 77),
                     interval '1 month') AS month
\gexec
-- the primary key is built once the rows are in
ALTER TABLE health_score_bench_trend.history DROP CONSTRAINT history_pkey;

-- metric_scores and contributions depend on the score alone here: built
-- once per score value
CREATE TEMP TABLE score_json AS
SELECT s, jsonb_build_object('logins', round(least(100, s * 1.1)::numeric, 1),
                             'tickets', round((s * 0.9)::numeric, 1)) AS metric_scores,
          jsonb_build_object('logins', round((s * 0.6)::numeric, 1),
                             'tickets', round((s * 0.4)::numeric, 1)) AS contributions
FROM (SELECT i / 10.0::float8 AS s FROM generate_series(0, 1000) AS i) AS v;
ANALYZE score_json;

-- every customer's 12 weekly scores (OFFSET 0 computes each once) and,
-- from the customer's series up to each week, the previous week's score
-- and the four figures snapshot() stores, as it defines them (see the top)
CREATE UNLOGGED TABLE bench.trend_gen AS
SELECT g.k, g.w, g.day, g.s,
       lag(g.s) OVER c AS p,
       round((g.s - (max(ARRAY[g.day - date '2000-01-01', g.s]) FILTER (WHERE g.s IS NOT NULL)
                       OVER (c RANGE BETWEEN '120 days' PRECEDING AND '7 days' PRECEDING))[2])::numeric, 1)::float8 AS delta_wow,
       round((g.s - (max(ARRAY[g.day - date '2000-01-01', g.s]) FILTER (WHERE g.s IS NOT NULL)
                       OVER (c RANGE BETWEEN '120 days' PRECEDING AND '28 days' PRECEDING))[2])::numeric, 1)::float8 AS delta_mom,
       round(round((regr_slope(g.s, g.day - date '2000-01-01')
                      OVER (c RANGE BETWEEN '89 days' PRECEDING AND CURRENT ROW))::numeric, 9), 3)::float8 AS slope_90d,
       health_score.sparkline(g.day, g.s) OVER (c ROWS BETWEEN 11 PRECEDING AND CURRENT ROW) AS sparkline
  FROM (SELECT k, w, date :'first_day' + 7 * w AS day, pg_temp.score(k, w) AS s
          FROM generate_series(1, :customers::bigint) AS k, generate_series(0, 11) AS w
        OFFSET 0) AS g
WINDOW c AS (PARTITION BY g.k ORDER BY g.day);

-- one INSERT per weekly snapshot, in key order, as snapshot() writes them.
-- Most keys are not in the 1 000-row source: the benchmark reads as the
-- history's owner, whom its row-level security does not filter
SELECT format($q$
INSERT INTO health_score_bench_trend.history
SELECT g.day, g.k,
       (ARRAY['basic', 'pro', 'enterprise'])[1 + (g.k %% 7 = 0)::int + (g.k %% 31 = 0)::int],
       g.s, pg_temp.band(g.s),
       CASE WHEN g.s >= 90 THEN 'A' WHEN g.s >= 80 THEN 'B' WHEN g.s >= 70 THEN 'C'
            WHEN g.s >= 60 THEN 'D' WHEN g.s IS NOT NULL THEN 'F' END,
       greatest(1, ceil(g.s))::int,
       greatest(1, least(100, ceil(g.s + 5 * pg_temp.u(g.k, 5) - 2.5)))::int,
       1, coalesce(j.metric_scores, '{}'), coalesce(j.contributions, '{}'),
       CASE WHEN g.w > 0 THEN g.day - 7 END, g.p, pg_temp.band(g.p),
       CASE WHEN round((g.s - g.p)::numeric, 1) <> 0 THEN (ARRAY['logins', 'tickets'])[1 + (g.k %% 2)::int] END,
       CASE WHEN round((g.s - g.p)::numeric, 1) <> 0 THEN round(((g.s - g.p) * 0.6)::numeric, 1)::float8 END,
       g.delta_wow, g.delta_mom, g.slope_90d, g.sparkline
  FROM bench.trend_gen AS g
  LEFT JOIN score_json AS j ON j.s = g.s
 WHERE g.w = %1$s
 ORDER BY g.k
$q$, w)
FROM generate_series(0, 11) AS w
\gexec
DROP TABLE bench.trend_gen;
ALTER TABLE health_score_bench_trend.history ADD PRIMARY KEY (id, taken_on);
RESET work_mem;
RESET maintenance_work_mem;
INSERT INTO health_score_bench_trend.snapshots
SELECT date :'first_day' + 7 * w, 1, :customers, (date :'first_day' + 7 * w) + time '06:00'
FROM generate_series(0, 11) AS w;
VACUUM ANALYZE health_score_bench_trend.history;
VACUUM ANALYZE health_score_bench_trend.snapshots;
SELECT pg_prewarm(c.oid)
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent IN ('health_score_bench_trend.history'::regclass, 'health_score_bench_trend.history_pkey'::regclass);
\o
SELECT round(extract(epoch FROM clock_timestamp() - :'generation_started'::timestamptz)) AS generation_s,
       (SELECT count(*) FROM health_score_bench_trend.snapshots) AS snapshots,
       count(*) AS history_rows,
       round(100.0 * count(*) FILTER (WHERE score IS NULL) / count(*), 1) AS null_score_pct,
       round(100.0 * count(*) FILTER (WHERE band = 'red') / count(score), 1) AS red_pct,
       round(100.0 * count(*) FILTER (WHERE band = 'green') / count(score), 1) AS green_pct,
       count(delta_wow) AS with_delta_wow,
       count(delta_mom) AS with_delta_mom,
       count(slope_90d) AS with_slope,
       pg_size_pretty(pg_total_relation_size('health_score_bench_trend.history_2025_03')) AS "Mar partition",
       (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits
         WHERE inhparent = 'health_score_bench_trend.history'::regclass) AS history_size
FROM health_score_bench_trend.history;

------------------------------------------------------------------------
-- The queries
------------------------------------------------------------------------

-- the latest snapshot and the first of the 12 its sparkline draws, as
-- snapshot() finds them; (n) takes them as constants, as snapshot()'s
-- EXECUTE ... USING plans with its parameters' values
SELECT max(taken_on) AS latest_day,
       (SELECT min(taken_on) FROM (SELECT taken_on FROM health_score_bench_trend.snapshots ORDER BY taken_on DESC LIMIT 12) AS recent)
         AS sparkline_from
FROM health_score_bench_trend.snapshots \gset

-- (w) exact: every column read on the latest snapshot's row, whose frame
-- (the default: the customer's rows up to it) holds the whole series; the
-- FILTERs pick the rows snapshot()'s trend() calls pick
SELECT $q$SELECT x.id,
       round((x.score - x.week_ago[2])::numeric, 1)::float8 AS delta_wow,
       round((x.score - x.month_ago[2])::numeric, 1)::float8 AS delta_mom,
       CASE WHEN x.band <> x.previous_band THEN x.previous_band || '→' || x.band END AS band_change,
       coalesce(array_position('{red,yellow,green}'::text[], x.band)
                < array_position('{red,yellow,green}'::text[], x.previous_band), false) AS dropped_band,
       x.slope AS slope_raw,
       round(round(x.slope::numeric, 9), 3)::float8 AS slope_90d
  FROM (SELECT h.id, h.taken_on, h.score, h.band,
               lag(h.band) OVER w AS previous_band,
               max(ARRAY[h.taken_on - date '2000-01-01', h.score])
                 FILTER (WHERE h.score IS NOT NULL
                           AND h.taken_on <= (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn) - 7
                           AND h.taken_on >= (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn) - 120)
                 OVER w AS week_ago,
               max(ARRAY[h.taken_on - date '2000-01-01', h.score])
                 FILTER (WHERE h.score IS NOT NULL
                           AND h.taken_on <= (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn) - 28
                           AND h.taken_on >= (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn) - 120)
                 OVER w AS month_ago,
               regr_slope(h.score, h.taken_on - date '2000-01-01')
                 FILTER (WHERE h.taken_on > (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn) - 90)
                 OVER w AS slope
          FROM health_score_bench_trend.history AS h
        WINDOW w AS (PARTITION BY h.id ORDER BY h.taken_on)) AS x
 WHERE x.taken_on = (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn)$q$ AS w_sql \gset

-- (wl) lag(): one window pass, but NULL where a lagged score is NULL
SELECT $q$SELECT x.id,
       round((x.score - x.score_1)::numeric, 1)::float8 AS delta_wow,
       round((x.score - x.score_4)::numeric, 1)::float8 AS delta_mom,
       CASE WHEN x.band <> x.previous_band THEN x.previous_band || '→' || x.band END AS band_change,
       coalesce(array_position('{red,yellow,green}'::text[], x.band)
                < array_position('{red,yellow,green}'::text[], x.previous_band), false) AS dropped_band,
       x.slope AS slope_raw,
       round(x.slope::numeric, 3)::float8 AS slope_90d
  FROM (SELECT h.id, h.taken_on, h.score, h.band,
               lag(h.band) OVER w AS previous_band,
               lag(h.score) OVER w AS score_1,
               lag(h.score, 4) OVER w AS score_4,
               regr_slope(h.score, h.taken_on - date '2000-01-01') OVER w AS slope
          FROM health_score_bench_trend.history AS h
        WINDOW w AS (PARTITION BY h.id ORDER BY h.taken_on RANGE BETWEEN '89 days' PRECEDING AND CURRENT ROW)) AS x
 WHERE x.taken_on = (SELECT max(sn.taken_on) FROM health_score_bench_trend.snapshots AS sn)$q$ AS wl_sql \gset

-- (n) snapshot()'s `series` for the latest day, as health_score.snapshot
-- writes it, with $1 the latest day, $3 the first day of its sparkline and
-- cur (the day's scores) the latest snapshot's rows
SELECT format($q$WITH cur AS (
    SELECT h.id, h.score FROM health_score_bench_trend.history AS h WHERE h.taken_on = %1$L::date
), series AS (
    SELECT p.id,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= %1$L::date - 7)).last_score AS week_ago,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= %1$L::date - 28)).last_score AS month_ago,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on > %1$L::date - 90)).slope_per_day AS slope,
           health_score.sparkline(p.taken_on, p.score) FILTER (WHERE p.taken_on >= %2$L::date) AS sparkline
      FROM (SELECT h.id, h.taken_on, h.score FROM health_score_bench_trend.history AS h
             WHERE h.taken_on < %1$L::date AND h.taken_on >= least(%1$L::date - 120, %2$L::date)
            UNION ALL
            SELECT c.id, %1$L::date, c.score FROM cur AS c) AS p
     GROUP BY p.id
)$q$, :'latest_day', :'sparkline_from') AS n_with \gset
-- no parallel workers for a query that calls a PARALLEL UNSAFE function:
-- (n) is planned as snapshot()'s INSERT plans it.  A plain function, not
-- inlined, so that the planner sees it
CREATE FUNCTION pg_temp.serial() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL UNSAFE AS $$ BEGIN RETURN true; END $$;
\set n_sum 'SELECT count(*), sum(week_ago), sum(month_ago), sum(slope), sum(length(sparkline)) FROM series'

-- what each timed query returns: the five columns the check compares,
-- summed up; (tf) every column of the view
\set five 'SELECT count(*), sum(delta_wow), sum(delta_mom), sum(slope_90d), count(*) FILTER (WHERE dropped_band), count(band_change) FROM '
\set every 'SELECT count(*), sum(delta_wow), sum(delta_mom), sum(slope_90d), count(*) FILTER (WHERE dropped_band), count(band_change), sum(length(sparkline)), count(top_mover), sum(top_mover_change), count(previous_on), sum(previous_score), count(plan), sum(score), count(band), count(previous_band), sum(model_version) FROM '

------------------------------------------------------------------------
-- The checks
------------------------------------------------------------------------

\echo '== checking the trend view against the window versions, customer by customer, on the latest snapshot'
\o /dev/null
CREATE TEMP TABLE chk_t AS
SELECT id, delta_wow, delta_mom, band_change, dropped_band, slope_90d, sparkline FROM health_score_bench_trend.trend;
CREATE TEMP TABLE chk_w AS :w_sql;
CREATE TEMP TABLE chk_wl AS :wl_sql;
-- (n)'s figures as snapshot()'s INSERT rounds them
CREATE TEMP TABLE chk_n AS :n_with
SELECT c.id,
       round((c.score - se.week_ago)::numeric, 1)::float8 AS delta_wow,
       round((c.score - se.month_ago)::numeric, 1)::float8 AS delta_mom,
       se.slope AS slope_raw,
       round(round(se.slope::numeric, 9), 3)::float8 AS slope_90d,
       se.sparkline
  FROM cur AS c JOIN series AS se ON se.id = c.id;
\o
-- slope_90d: a difference is counted unless the raw slope sits on a
-- rounding tie (x.xxx5 within 1e-9), where the last bits may decide
-- which way it rounds (snapshot() rounds to 9 decimals first, as the
-- window versions do, so the tie column should show 0 too)
CREATE FUNCTION pg_temp.compare(label text, tbl regclass)
RETURNS TABLE (version text, customers bigint, missing_rows bigint, delta_wow_mismatch bigint,
               delta_mom_mismatch bigint, band_change_mismatch bigint, dropped_band_mismatch bigint,
               slope_90d_mismatch bigint, slope_90d_at_tie bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    SELECT %L, count(*),
           count(*) FILTER (WHERE t.id IS NULL OR c.id IS NULL),
           count(*) FILTER (WHERE t.delta_wow IS DISTINCT FROM c.delta_wow),
           count(*) FILTER (WHERE t.delta_mom IS DISTINCT FROM c.delta_mom),
           count(*) FILTER (WHERE t.band_change IS DISTINCT FROM c.band_change),
           count(*) FILTER (WHERE t.dropped_band IS DISTINCT FROM c.dropped_band),
           count(*) FILTER (WHERE t.slope_90d IS DISTINCT FROM c.slope_90d AND NOT coalesce(tie, false)),
           count(*) FILTER (WHERE t.slope_90d IS DISTINCT FROM c.slope_90d AND coalesce(tie, false))
      FROM chk_t AS t
      FULL JOIN %s AS c ON c.id = t.id,
      LATERAL (SELECT abs(abs(c.slope_raw * 1000 - trunc(c.slope_raw * 1000)) - 0.5)
                      <= 1e-9 * greatest(1, abs(c.slope_raw * 1000)) AS tie) AS r$q$, label, tbl);
END $$;
\echo '(w must show 0 everywhere; wl differs where a score 1 or 4 weeks back is NULL)'
SELECT * FROM pg_temp.compare('w', 'chk_w')
UNION ALL SELECT * FROM pg_temp.compare('wl', 'chk_wl');

\echo '== checking the stored figures against snapshot()''s own computation (n) for the latest day'
\echo '(0 everywhere: the generator filled the history as snapshot() would have; slope_raw compares (n)''s trend() slope with (w)''s regr_slope() to 1e-9)'
SELECT count(*) AS customers,
       count(*) FILTER (WHERE t.id IS NULL OR n.id IS NULL) AS missing_rows,
       count(*) FILTER (WHERE t.delta_wow IS DISTINCT FROM n.delta_wow) AS delta_wow_mismatch,
       count(*) FILTER (WHERE t.delta_mom IS DISTINCT FROM n.delta_mom) AS delta_mom_mismatch,
       count(*) FILTER (WHERE t.slope_90d IS DISTINCT FROM n.slope_90d) AS slope_90d_mismatch,
       count(*) FILTER (WHERE t.sparkline IS DISTINCT FROM n.sparkline) AS sparkline_mismatch,
       count(*) FILTER (WHERE (n.slope_raw IS NULL) <> (w.slope_raw IS NULL)
                           OR abs(n.slope_raw - w.slope_raw) > 1e-9 * greatest(abs(n.slope_raw), abs(w.slope_raw))) AS slope_raw_mismatch
  FROM chk_t AS t
  FULL JOIN chk_n AS n ON n.id = t.id
  LEFT JOIN chk_w AS w ON w.id = coalesce(t.id, n.id);
DROP TABLE chk_t, chk_w, chk_wl, chk_n;

\echo '== checking the stored figures of every snapshot, for 1 % of the customers, against snapshot()''s computation for its day'
\echo '(0 everywhere)'
SELECT count(*) AS rows_checked,
       count(DISTINCT n.day) AS days,
       count(*) FILTER (WHERE h.id IS NULL) AS missing_rows,
       count(*) FILTER (WHERE h.delta_wow IS DISTINCT FROM round((h.score - n.week_ago)::numeric, 1)::float8) AS delta_wow_mismatch,
       count(*) FILTER (WHERE h.delta_mom IS DISTINCT FROM round((h.score - n.month_ago)::numeric, 1)::float8) AS delta_mom_mismatch,
       count(*) FILTER (WHERE h.slope_90d IS DISTINCT FROM round(round(n.slope::numeric, 9), 3)::float8) AS slope_90d_mismatch,
       count(*) FILTER (WHERE h.sparkline IS DISTINCT FROM n.sparkline) AS sparkline_mismatch
  FROM (SELECT d.day, p.id,
               (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= d.day - 7)).last_score AS week_ago,
               (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= d.day - 28)).last_score AS month_ago,
               (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on > d.day - 90)).slope_per_day AS slope,
               health_score.sparkline(p.taken_on, p.score) FILTER (WHERE p.taken_on >= d.sparkline_from) AS sparkline
          FROM (SELECT sn.taken_on AS day,
                       (SELECT min(r.taken_on)
                          FROM (SELECT r.taken_on FROM health_score_bench_trend.snapshots AS r
                                 WHERE r.taken_on <= sn.taken_on ORDER BY r.taken_on DESC LIMIT 12) AS r) AS sparkline_from
                  FROM health_score_bench_trend.snapshots AS sn) AS d
          JOIN health_score_bench_trend.history AS p
            ON p.taken_on <= d.day AND p.taken_on >= least(d.day - 120, d.sparkline_from)
         WHERE p.id % 100 = 0
         GROUP BY d.day, p.id) AS n
  LEFT JOIN health_score_bench_trend.history AS h ON h.id = n.id AND h.taken_on = n.day;

------------------------------------------------------------------------
-- The timing
------------------------------------------------------------------------

\o /dev/null
SELECT bench.add('s: scan of history', 'SELECT count(*), sum(score) FROM health_score_bench_trend.history');
SELECT bench.add('l: latest snapshot only',
  'SELECT count(*), sum(score - previous_score), count(*) FILTER (WHERE band <> previous_band) FROM health_score_bench_trend.history WHERE taken_on = (SELECT max(taken_on) FROM health_score_bench_trend.snapshots)');
SELECT bench.add('t: trend view', :'five' || 'health_score_bench_trend.trend');
SELECT bench.add('tf: trend view, every column', :'every' || 'health_score_bench_trend.trend');
SELECT bench.add('w: window, exact', :'five' || '(' || :'w_sql' || ') AS q');
SELECT bench.add('wl: window, lag()', :'five' || '(' || :'wl_sql' || ') AS q');
SELECT bench.add('n: snapshot()''s series, one day', :'n_with' || ' ' || :'n_sum' || ' WHERE pg_temp.serial()');
SELECT bench.add('np: (n), parallel', :'n_with' || ' ' || :'n_sum');
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== ratios (goal: w/t >= 3)'
SELECT round((bench.median_ms('w: window, exact') / bench.median_ms('t: trend view'))::numeric, 2) AS "w/t",
       round((bench.median_ms('wl: window, lag()') / bench.median_ms('t: trend view'))::numeric, 2) AS "wl/t",
       round((bench.median_ms('t: trend view') / bench.median_ms('s: scan of history'))::numeric, 2) AS "t/s",
       round((bench.median_ms('t: trend view') / bench.median_ms('l: latest snapshot only'))::numeric, 2) AS "t/l",
       round((bench.median_ms('tf: trend view, every column') / bench.median_ms('t: trend view'))::numeric, 2) AS "tf/t",
       round((bench.median_ms('n: snapshot()''s series, one day') / bench.median_ms('w: window, exact'))::numeric, 2) AS "n/w",
       round((bench.median_ms('n: snapshot()''s series, one day') / bench.median_ms('s: scan of history'))::numeric, 2) AS "n/s",
       round((bench.median_ms('np: (n), parallel') / bench.median_ms('w: window, exact'))::numeric, 2) AS "np/w",
       round((bench.median_ms('n: snapshot()''s series, one day') / bench.median_ms('t: trend view'))::numeric, 1) AS "n/t";

-- Where the time and memory go, once, with per-node timing: the nodes of
-- each plan with their inclusive time, memory and temp files written
-- (inclusive of the nodes below and of the workers, so the top node's
-- figure is the query's, the one bench.summary shows)
CREATE FUNCTION pg_temp.plan_nodes(query text)
RETURNS TABLE (node text, rows bigint, loops bigint, ms numeric, workers int,
               memory text, disk text, batches text, temp_written text)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || query INTO plan;
  RETURN QUERY
  SELECT concat_ws(' ', nullif(n->>'Partial Mode', 'Simple'), nullif(n->>'Strategy', 'Plain'), n->>'Node Type',
                   CASE WHEN n ? 'Relation Name' THEN 'on ' || (n->>'Relation Name') END,
                   CASE WHEN n ? 'Sort Method' THEN '(' || (n->>'Sort Method') || ')' END),
         (n->>'Actual Rows')::bigint, (n->>'Actual Loops')::bigint,
         round((n->>'Actual Total Time')::numeric), (n->>'Workers Launched')::int,
         coalesce(pg_size_pretty(1024 * (n->>'Peak Memory Usage')::bigint),
                  CASE WHEN n->>'Sort Space Type' = 'Memory' THEN pg_size_pretty(1024 * (n->>'Sort Space Used')::bigint) END),
         coalesce(pg_size_pretty(1024 * (n->>'Disk Usage')::bigint),
                  CASE WHEN n->>'Sort Space Type' = 'Disk' THEN pg_size_pretty(1024 * (n->>'Sort Space Used')::bigint) END),
         coalesce(n->>'HashAgg Batches', n->>'Hash Batches'),
         CASE WHEN (n->>'Temp Written Blocks')::bigint > 0 THEN pg_size_pretty(8192 * (n->>'Temp Written Blocks')::bigint) END
    FROM jsonb_path_query(plan, 'strict $.**') WITH ORDINALITY AS p(n, o)
   WHERE jsonb_typeof(n) = 'object' AND n ? 'Node Type'
     AND NOT (n->>'Node Type' IN ('Seq Scan', 'Index Scan', 'Index Only Scan') AND n->>'Parent Relationship' = 'Member')
     AND n->>'Relation Name' IS DISTINCT FROM 'snapshots'
     AND n->>'Node Type' NOT IN ('CTE Scan', 'Result', 'Limit')
   ORDER BY o;
  RETURN QUERY SELECT 'Execution Time', NULL::bigint, NULL::bigint, round((plan->0->>'Execution Time')::numeric),
                      NULL::int, NULL, NULL, NULL, NULL;
END $$;

\echo '== (w) the exact window version, once, per node'
SELECT * FROM pg_temp.plan_nodes(:'five' || '(' || :'w_sql' || ') AS q');
\echo '== (n) snapshot()''s series for the latest day, serial, once, per node'
SELECT * FROM pg_temp.plan_nodes(:'n_with' || ' ' || :'n_sum' || ' WHERE pg_temp.serial()');
