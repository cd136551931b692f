-- Snapshots and trends: the trend and sparkline aggregates against
-- plain SQL (lag, first_value / last_value, regr_slope), through a
-- forced parallel plan, and a model's history, trend and dropped views
-- over snapshots with gaps, irregular intervals, a single snapshot and a
-- same-day rerun.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

------------------------------------------------------------------------
-- The trend aggregate
------------------------------------------------------------------------
-- 3,000 customers with 0 to 14 points each at irregular times, some at
-- the same time twice, ~5 % NULL scores and a few NULL times
SELECT setseed(0.6);
CREATE TABLE points AS
SELECT c AS customer,
       timestamptz '2026-01-01 00:00+00' + (floor(random() * 200) || ' days')::interval
           + (floor(random() * 24) || ' hours')::interval AS taken_at,
       CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 100)::numeric, 1)::float8 END AS score
FROM generate_series(1, 3000) AS c, generate_series(1, 14) AS i
WHERE i <= c % 15;
-- repeated times: the same snapshot taken twice, with another score
INSERT INTO points SELECT customer, taken_at, score + 1 FROM points WHERE customer % 50 = 0 AND score < 99;
INSERT INTO points VALUES (1, NULL, 50), (2, '2026-03-01', NULL);
SELECT count(*) AS points, count(DISTINCT customer) AS customers FROM points;

-- by plain SQL: the first and last time, the score there (the greater
-- when a time repeats), the latest time before the last, regr_slope on
-- days since 2000-01-01, min and max
CREATE VIEW by_plain_sql AS
WITH valid AS (
    SELECT * FROM points WHERE taken_at IS NOT NULL AND score IS NOT NULL
), per_time AS (
    SELECT customer, taken_at, max(score) AS score FROM valid GROUP BY 1, 2
), ordered AS (
    SELECT customer, taken_at, score,
           first_value(score) OVER w AS first_score,
           last_value(score) OVER w AS last_score,
           lag(score) OVER (PARTITION BY customer ORDER BY taken_at) AS lag_score,
           row_number() OVER (PARTITION BY customer ORDER BY taken_at DESC) AS from_last
    FROM per_time
    WINDOW w AS (PARTITION BY customer ORDER BY taken_at ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT v.customer, count(*) AS n, min(v.taken_at) AS first_at, o.first_score,
       max(v.taken_at) AS last_at, o.last_score, o.lag_score AS previous_score,
       regr_slope(v.score, extract(epoch FROM v.taken_at - timestamptz '2000-01-01 00:00+00') / 86400) AS slope_per_day,
       min(v.score) AS min_score, max(v.score) AS max_score
FROM valid v JOIN ordered o ON o.customer = v.customer AND o.from_last = 1
GROUP BY v.customer, o.first_score, o.last_score, o.lag_score;

CREATE VIEW by_aggregate AS
SELECT customer, (health_score.trend(taken_at, score)).* FROM points GROUP BY customer;

CREATE FUNCTION pg_temp.same(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(1, abs(a), abs(b))
$$;
CREATE VIEW mismatches AS
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (a.n, a.first_at, a.first_score, a.last_at, a.last_score, a.previous_score,
                               a.min_score, a.max_score)
                              IS DISTINCT FROM
                              (p.n, p.first_at, p.first_score, p.last_at, p.last_score, p.previous_score,
                               p.min_score, p.max_score)) AS points_differ,
       count(*) FILTER (WHERE a.delta IS DISTINCT FROM a.last_score - a.previous_score) AS delta_differs,
       count(*) FILTER (WHERE NOT pg_temp.same(a.slope_per_day, p.slope_per_day)) AS slope_differs,
       -- a customer without a valid point has a NULL trend, and no row by plain SQL
       count(*) FILTER (WHERE a.customer IS NULL OR (p.customer IS NULL) <> (a.n IS NULL)) AS missing,
       count(*) FILTER (WHERE a.n IS NULL) AS without_points
FROM by_aggregate a FULL JOIN by_plain_sql p USING (customer);
-- n counts every point, repeated times too: compare n with all valid rows
SELECT * FROM mismatches;
SELECT count(*) FILTER (WHERE a.n <> (SELECT count(*) FROM points q
                                      WHERE q.customer = a.customer AND q.taken_at IS NOT NULL
                                        AND q.score IS NOT NULL)) AS n_differs
FROM by_aggregate a;

-- whatever the row order: every field the same, the slope to the last
-- bits of its floating-point sums (as regr_slope's)
SELECT count(*) AS customers,
       count(*) FILTER (WHERE ((a.t).n, (a.t).first_at, (a.t).first_score, (a.t).last_at, (a.t).last_score,
                               (a.t).previous_score, (a.t).delta, (a.t).min_score, (a.t).max_score)
                              IS DISTINCT FROM
                              ((b.t).n, (b.t).first_at, (b.t).first_score, (b.t).last_at, (b.t).last_score,
                               (b.t).previous_score, (b.t).delta, (b.t).min_score, (b.t).max_score)) AS order_matters,
       count(*) FILTER (WHERE NOT pg_temp.same((a.t).slope_per_day, (b.t).slope_per_day)) AS slope_order_matters
FROM (SELECT customer, health_score.trend(taken_at, score) AS t
        FROM (SELECT * FROM points ORDER BY random()) s GROUP BY customer) a
JOIN (SELECT customer, health_score.trend(taken_at, score) AS t
        FROM (SELECT * FROM points ORDER BY customer, taken_at DESC) s GROUP BY customer) b USING (customer);

-- through a forced parallel plan: the combine function runs
CREATE TABLE many_points AS
SELECT p.customer % 7 AS grp, p.* FROM points p, generate_series(1, 20);
CREATE VIEW trend_by_group AS
SELECT grp, health_score.trend(taken_at, score) AS t,
       health_score.trend((taken_at AT TIME ZONE 'UTC')::date, score) AS d,
       regr_slope(score, extract(epoch FROM taken_at - timestamptz '2000-01-01 00:00+00') / 86400) AS slope,
       regr_slope(score, (taken_at AT TIME ZONE 'UTC')::date - date '2000-01-01') AS date_slope
FROM many_points GROUP BY grp;
CREATE TEMP TABLE serial_trends AS SELECT * FROM trend_by_group;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT regress.workers_launched('SELECT * FROM trend_by_group') > 0 AS parallel_workers_ran;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE ((p.t).n, (p.t).first_at, (p.t).first_score, (p.t).last_at, (p.t).last_score,
                               (p.t).previous_score, (p.t).min_score, (p.t).max_score)
                              IS DISTINCT FROM
                              ((s.t).n, (s.t).first_at, (s.t).first_score, (s.t).last_at, (s.t).last_score,
                               (s.t).previous_score, (s.t).min_score, (s.t).max_score)) AS parallel_differs,
       count(*) FILTER (WHERE NOT pg_temp.same((p.t).slope_per_day, p.slope)) AS slope_differs,
       count(*) FILTER (WHERE NOT pg_temp.same((p.d).slope_per_day, p.date_slope)) AS date_slope_differs,
       count(*) FILTER (WHERE (p.d).first_at <> ((s.t).first_at AT TIME ZONE 'UTC')::date
                           OR (p.d).last_at <> ((s.t).last_at AT TIME ZONE 'UTC')::date) AS dates_differ
FROM trend_by_group p JOIN serial_trends s USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- hand-checked: one point; two at the same time; a gap
SELECT (health_score.trend(t, s)).* FROM (VALUES (timestamptz '2026-01-01 00:00+00', 40.0::float8)) v(t, s);
SELECT (health_score.trend(t, s)).* FROM (VALUES (date '2026-01-01', 40.0::float8), ('2026-01-01', 45)) v(t, s);
-- 2 points per day between day 0 and day 10: slope (60 - 40) / 10 = 2
SELECT (health_score.trend(t, s)).*
FROM (VALUES (date '2026-01-01', 40.0::float8), ('2026-01-11', 60), ('2026-01-06', 50)) v(t, s);
-- no rows, only NULLs
SELECT health_score.trend(taken_at, score) IS NULL AS no_rows FROM points WHERE false;
SELECT health_score.trend(NULL::date, s) IS NULL AS only_nulls FROM (VALUES (1.0::float8), (NULL)) v(s);
-- bad input
SELECT health_score.trend(now(), 'NaN'::float8);
SELECT health_score.trend(now(), 'Infinity'::float8);
SELECT health_score.trend('infinity'::timestamptz, 50);
SELECT health_score.trend('-infinity'::date, 50);
-- sums that overflow are an error, as in regr_slope (found by test/t/fuzz.sh)
SELECT (health_score.trend(x, y)).slope_per_day
FROM (VALUES ('2026-01-11'::date, 1::float8), ('2026-01-03'::date, -1e308::float8)) v(x, y);
SELECT regr_slope(y, x - date '2000-01-01')
FROM (VALUES ('2026-01-11'::date, 1::float8), ('2026-01-03'::date, -1e308::float8)) v(x, y);

------------------------------------------------------------------------
-- Sparklines
------------------------------------------------------------------------
SELECT health_score.sparkline('{0,12.5,25,37.5,50,62.5,75,87.5,100}') AS full_range,
       health_score.sparkline('{40,42,41,44}') AS own_range,
       health_score.sparkline('{40,42,41,44}', 0, 100) AS health_scale,
       health_score.sparkline('{50,NULL,60}') AS with_gap,
       health_score.sparkline('{70,70,70}') AS flat,
       health_score.sparkline('{}') AS empty,
       health_score.sparkline(NULL) IS NULL AS null_in_null_out;
SELECT health_score.sparkline('{1,2}', 5, 5);
SELECT health_score.sparkline('{1,2}', 5, NULL);
SELECT health_score.sparkline('{1,NaN}');
SELECT health_score.sparkline('{{1,2},{3,4}}');
-- the aggregate draws each customer's points in time order, whatever
-- the row order: the same as the scalar over the ordered array
SELECT count(*) AS customers,
       count(*) FILTER (WHERE a.line IS DISTINCT FROM s.line) AS differ
FROM (SELECT customer, health_score.sparkline(taken_at, score) AS line
        FROM (SELECT * FROM points ORDER BY random()) r GROUP BY customer) a
JOIN (SELECT customer, health_score.sparkline(array_agg(score ORDER BY taken_at, score)) AS line
        FROM points WHERE taken_at IS NOT NULL AND score IS NOT NULL GROUP BY customer) s USING (customer);
SELECT health_score.sparkline(t, s)
FROM (VALUES (date '2026-01-15', 80.0::float8), ('2026-01-01', 20), ('2026-01-08', 50)) v(t, s);

------------------------------------------------------------------------
-- A model's snapshots, history and trend views
------------------------------------------------------------------------
CREATE TABLE accounts (id int PRIMARY KEY, tier text, usage float8, tickets int);
INSERT INTO accounts VALUES
    (1, 'gold', 90, 0),   -- green, stays green
    (2, 'gold', 80, 1),   -- green, drops to yellow, then red
    (3, 'basic', 50, 2),  -- yellow, climbs to green
    (4, 'basic', 20, 4),  -- red throughout
    (5, 'basic', NULL, NULL);  -- never scored
SELECT health_score.create_model('acct', 'accounts', 'id', '{tier}');
SELECT health_score.add_metric('acct', 'usage', 'usage', 3, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('acct', 'tickets', 'tickets', 1, 'linear', worst => 4, best => 0);
SELECT health_score.build('acct');
-- irregular intervals with a gap: 1 Sep, 8 Sep, 10 Sep (rerun twice), 13 Oct
SELECT health_score.snapshot('acct', '2026-09-01');
UPDATE accounts SET usage = 55 WHERE id = 2;
UPDATE accounts SET usage = 70 WHERE id = 3;
SELECT health_score.snapshot('acct', '2026-09-08');
UPDATE accounts SET tickets = 3 WHERE id = 2;
SELECT health_score.snapshot('acct', '2026-09-10');
-- the same day again replaces its rows, it does not add to them
UPDATE accounts SET usage = 30, tickets = 4 WHERE id = 2;
SELECT health_score.snapshot('acct', '2026-09-10');
UPDATE accounts SET usage = 95, tickets = 0 WHERE id = 3;
UPDATE accounts SET usage = 35 WHERE id = 1;
INSERT INTO accounts VALUES (6, 'gold', 60, 1);  -- a new customer, one snapshot only
SELECT health_score.snapshot('acct', '2026-10-13');
SELECT taken_on, model_version, customers FROM health_score_acct.snapshots ORDER BY taken_on;
SELECT count(*) AS rows, count(DISTINCT (id, taken_on)) AS distinct_rows FROM health_score_acct.history;
SELECT taken_on, id, score, band, previous_on, previous_score, previous_band, top_mover, top_mover_change,
       metric_scores
  FROM health_score_acct.history ORDER BY id, taken_on;
-- the contributions add up to the score (to the rounding of the metric scores)
SELECT count(*) FILTER (WHERE abs((SELECT sum(v::float8) FROM jsonb_each_text(contributions) AS c(k, v)) - score) > 0.1)
       AS contributions_off
  FROM health_score_acct.history WHERE score IS NOT NULL;

-- by hand, at 13 Oct against 10 Sep: customer 1 falls from green (92.5)
-- to yellow ((3 * 35 + 100) / 4 = 51.25, 51.3), customer 3 climbs from
-- yellow (65) to green ((3 * 95 + 100) / 4 = 96.25, 96.3), customer 2
-- stays red (it fell on 8 and 10 Sep), 6 has one snapshot, 5 no score.
-- The sparklines are on the 0-100 scale, block floor(score * 8 / 100) of
-- ▁▂▃▄▅▆▇█: customer 2's 78.8, 60, 22.5, 22.5 are ▇▅▂▂, 3's 50, 65, 65,
-- 96.3 are ▅▆▆█, 4's 15 is ▂ each time, 6's 63.8 is ▆
SELECT * FROM health_score_acct.trend ORDER BY id;
SELECT id, band_change, delta_wow FROM health_score_acct.dropped;

-- the trend view against window functions over the same rows: lag() for
-- the previous snapshot, the latest score at least 7 and 28 days before
-- the latest snapshot, regr_slope over the last 90 days
CREATE VIEW trend_by_window AS
WITH latest AS (SELECT max(taken_on) AS day FROM health_score_acct.history),
h AS (
    SELECT id, taken_on, score, band,
           lag(taken_on) OVER w AS previous_on, lag(score) OVER w AS previous_score, lag(band) OVER w AS previous_band
      FROM health_score_acct.history WINDOW w AS (PARTITION BY id ORDER BY taken_on)
)
SELECT h.id, h.score, h.previous_on, h.previous_score, h.previous_band,
       round((h.score - (SELECT o.score FROM h o WHERE o.id = h.id AND o.taken_on <= l.day - 7
                          AND o.taken_on >= l.day - 120 AND o.score IS NOT NULL ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8 AS delta_wow,
       round((h.score - (SELECT o.score FROM h o WHERE o.id = h.id AND o.taken_on <= l.day - 28
                          AND o.taken_on >= l.day - 120 AND o.score IS NOT NULL ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8 AS delta_mom,
       round((SELECT regr_slope(o.score, o.taken_on - date '2000-01-01') FROM h o
               WHERE o.id = h.id AND o.taken_on > l.day - 90)::numeric, 3)::float8 AS slope_90d
  FROM h, latest l WHERE h.taken_on = l.day;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (t.score, t.previous_on, t.previous_score, t.previous_band, t.delta_wow, t.delta_mom, t.slope_90d)
                              IS DISTINCT FROM
                              (w.score, w.previous_on, w.previous_score, w.previous_band, w.delta_wow, w.delta_mom, w.slope_90d))
           AS differ
  FROM health_score_acct.trend t FULL JOIN trend_by_window w USING (id);

-- every day's row carries the figures as they stood that day: checked
-- for every row of the history against its own earlier rows
SELECT count(*) AS history_rows,
       count(*) FILTER (WHERE (h.delta_wow, h.delta_mom, h.slope_90d) IS DISTINCT FROM (
           round((h.score - (SELECT o.score FROM health_score_acct.history o WHERE o.id = h.id
                              AND o.taken_on <= h.taken_on - 7 AND o.taken_on >= h.taken_on - 120 AND o.score IS NOT NULL
                              ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8,
           round((h.score - (SELECT o.score FROM health_score_acct.history o WHERE o.id = h.id
                              AND o.taken_on <= h.taken_on - 28 AND o.taken_on >= h.taken_on - 120 AND o.score IS NOT NULL
                              ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8,
           round((SELECT regr_slope(o.score, o.taken_on - date '2000-01-01') FROM health_score_acct.history o
                   WHERE o.id = h.id AND o.taken_on > h.taken_on - 90 AND o.taken_on <= h.taken_on)::numeric, 3)::float8))
           AS differ
  FROM health_score_acct.history h;

-- a model with one snapshot: no previous, no delta, no slope; a
-- sparkline of one block at the score's height (35 and 30 are ▃, 95 █,
-- 20 ▂, 60 ▅), where on its own range it was the flat ▄
SELECT health_score.create_model('once', 'accounts', 'id');
SELECT health_score.add_metric('once', 'usage', 'usage', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('once');
SELECT health_score.snapshot('once', '2026-10-13');
SELECT id, score, band, previous_score, delta_wow, delta_mom, band_change, dropped_band, slope_90d, sparkline
  FROM health_score_once.trend ORDER BY id;

-- delta_wow and delta_mom look back at most 120 days, even where the
-- sparkline reads further: 151 days after a snapshot, the deltas are
-- NULL, and the sparkline draws both days (35 ▃, 45 ▄)
SELECT health_score.snapshot('once', '2026-03-10');
UPDATE accounts SET usage = usage + 10 WHERE id = 1;
SELECT health_score.snapshot('once', '2026-08-08');
SELECT id, taken_on, score, previous_score, delta_wow, delta_mom, sparkline
  FROM health_score_once.history WHERE id = 1 AND taken_on IN ('2026-03-10', '2026-08-08') ORDER BY taken_on;
UPDATE accounts SET usage = usage - 10 WHERE id = 1;

-- a rebuild keeps the history; a new version is recorded with new rows
SELECT health_score.add_metric('acct', 'tier_bonus', $$tier = 'gold'$$, 1, 'linear', worst => 0, best => 1);
SELECT health_score.build('acct');
SELECT health_score.snapshot('acct', '2026-10-20');
SELECT taken_on, model_version, customers FROM health_score_acct.snapshots ORDER BY taken_on;
SELECT id, top_mover, top_mover_change FROM health_score_acct.history WHERE taken_on = '2026-10-20' ORDER BY id;

-- pruning: September goes as a partition, October row by row
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'health_score_acct.history'::regclass;
SELECT health_score.prune_history('acct', (current_date - date '2026-10-14') * interval '1 day');
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'health_score_acct.history'::regclass;
SELECT taken_on, count(*) FROM health_score_acct.history GROUP BY 1 ORDER BY 1;
SELECT taken_on FROM health_score_acct.snapshots ORDER BY 1;

-- bad input
SELECT health_score.snapshot('acct', NULL);
SELECT health_score.snapshot('acct', 'infinity');
SELECT health_score.snapshot('nope');
SELECT health_score.prune_history('acct', '-1 day');
SELECT health_score.create_model('unbuilt', 'accounts', 'id');
SELECT health_score.snapshot('unbuilt');
SELECT health_score.drop_model('unbuilt');
-- history is data: drop_model keeps it unless told
SELECT health_score.drop_model('acct');
DROP VIEW trend_by_window;
SELECT health_score.drop_model('acct', drop_history => true);
SELECT health_score.drop_model('once', drop_history => true);
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname LIKE 'health_score\_%' AND nspname <> 'health_score_internal';

DROP VIEW trend_by_group, mismatches, by_aggregate, by_plain_sql;
DROP TABLE points, many_points, accounts;

-- _top_mover, which snapshot calls for every customer, against the SQL
-- it replaced (the union of both objects' keys, sorted by the rounded
-- change and then the name), on 3,000 seeded pairs whose halves make
-- ties and whose keys are missing on either side now and then
SELECT setseed(0.31);
CREATE TEMP TABLE mover_pairs AS
SELECT i,
       jsonb_strip_nulls(jsonb_build_object(
         'api', CASE WHEN random() < 0.2 THEN NULL ELSE round(random() * 8) / 2 END,
         'Logins', CASE WHEN random() < 0.2 THEN NULL ELSE round(random() * 8) / 2 END,
         'b', CASE WHEN random() < 0.2 THEN NULL ELSE random() * 4 END)) AS cur,
       jsonb_strip_nulls(jsonb_build_object(
         'api', CASE WHEN random() < 0.2 THEN NULL ELSE round(random() * 8) / 2 END,
         'Logins', CASE WHEN random() < 0.2 THEN NULL ELSE round(random() * 8) / 2 END,
         'c', CASE WHEN random() < 0.2 THEN NULL ELSE random() * 4 END)) AS prev
  FROM generate_series(1, 3000) AS i;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (by_c.mover).metric IS DISTINCT FROM
                              CASE WHEN by_sql.change <> 0 THEN by_sql.metric END) AS mismatches,
       count(*) FILTER (WHERE (by_c.mover).change IS DISTINCT FROM
                              CASE WHEN by_sql.change <> 0 THEN by_sql.change::float8 END) AS change_mismatches,
       count(*) FILTER (WHERE (by_c.mover).metric IS NULL) AS none_moved,
       count(DISTINCT (by_c.mover).metric) AS metrics_named
  FROM mover_pairs AS p
  CROSS JOIN LATERAL (SELECT health_score_internal._top_mover(p.cur, p.prev) AS mover) AS by_c
  CROSS JOIN LATERAL (
        SELECT k.metric,
               round((coalesce((p.cur ->> k.metric)::float8, 0)
                      - coalesce((p.prev ->> k.metric)::float8, 0))::numeric, 1) AS change
          FROM (SELECT jsonb_object_keys(p.cur) UNION SELECT jsonb_object_keys(p.prev)) AS k(metric)
         ORDER BY abs(round((coalesce((p.cur ->> k.metric)::float8, 0)
                             - coalesce((p.prev ->> k.metric)::float8, 0))::numeric, 1)) DESC, k.metric
         LIMIT 1) AS by_sql;
-- by hand: api moves 1.5 - 3 = -1.5, Logins 0 - 1.5 = -1.5 (absent now),
-- b 0.2: a tie of api and Logins, which the collation decides as ORDER BY does
SELECT (health_score_internal._top_mover('{"api": 1.5, "b": 0.2}', '{"api": 3, "Logins": 1.5}')).metric
         = (SELECT min(k) FROM unnest('{api,Logins}'::text[]) AS k) AS first_by_name_wins,
       (health_score_internal._top_mover('{"api": 1.5, "b": 0.2}', '{"api": 3, "Logins": 1.5}')).change AS its_change,
       (health_score_internal._top_mover('{"a": 1}', '{"a": 1.04}')).* ;
SELECT health_score_internal._top_mover('{"a": "x"}', '{}');

-- snapshot's jsonb objects, built in C, against the jsonb_build_object
-- they replaced, on 20,000 seeded rows: scores rounded as the views round
-- them, and raw values from 1e-9 to 1e12 and negative, whose shortest
-- decimal forms take exponents and 17 digits; NULLs and a row with none
SET extra_float_digits = 1;
SELECT setseed(0.47);
CREATE TEMP TABLE object_rows AS
SELECT i,
       ARRAY[CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 100)::numeric, 1)::float8 END,
             CASE WHEN random() < 0.1 THEN NULL ELSE (random() - 0.3) * 10 ^ (random() * 21 - 9) END,
             CASE WHEN i % 1000 = 0 THEN NULL ELSE random() * 100 END]::float8[] AS scores,
       ARRAY[3, CASE WHEN i % 7 = 0 THEN 0 ELSE 0.5 END, random() * 2]::float8[] AS weights
  FROM generate_series(1, 20000) AS i;
UPDATE object_rows SET scores = '{NULL,NULL,NULL}' WHERE i = 1;
SELECT count(*) AS object_rows,
       count(*) FILTER (WHERE health_score_internal._metric_scores_object('{logins,"API calls",nps}', r.scores)
                        IS DISTINCT FROM jsonb_strip_nulls(jsonb_build_object(
                          'logins', r.scores[1], 'API calls', r.scores[2], 'nps', r.scores[3])))
         AS metric_scores_mismatches,
       count(*) FILTER (WHERE health_score_internal._metric_scores_object('{logins,"API calls",nps}', r.scores)::text
                        IS DISTINCT FROM jsonb_strip_nulls(jsonb_build_object(
                          'logins', r.scores[1], 'API calls', r.scores[2], 'nps', r.scores[3]))::text)
         AS metric_scores_text_mismatches,
       count(*) FILTER (WHERE health_score_internal._contributions_object('{logins,"API calls",nps}', r.weights, r.scores)::text
                        IS DISTINCT FROM jsonb_strip_nulls(jsonb_build_object(
                          'logins', r.weights[1] * r.scores[1] / nullif(present, 0),
                          'API calls', r.weights[2] * r.scores[2] / nullif(present, 0),
                          'nps', r.weights[3] * r.scores[3] / nullif(present, 0)))::text)
         AS contributions_mismatches,
       count(*) FILTER (WHERE health_score_internal._contributions_object('{logins,"API calls",nps}', r.weights, r.scores) = '{}')
         AS empty_contributions
  FROM object_rows AS r
  CROSS JOIN LATERAL (SELECT CASE WHEN r.scores[1] IS NULL THEN 0 ELSE r.weights[1] END
                             + CASE WHEN r.scores[2] IS NULL THEN 0 ELSE r.weights[2] END
                             + CASE WHEN r.scores[3] IS NULL THEN 0 ELSE r.weights[3] END AS present) AS w;
-- by hand: 2 x 30 / (2 + 1) = 20 and 1 x 45 / 3 = 15; a NULL score is
-- left out; 0.1 + 0.2 keeps its 17 digits, 1e-7 and 1e21 their exponents
SELECT health_score_internal._contributions_object('{a,b,c}', '{2,1,5}', '{30,45,NULL}') AS contributions,
       health_score_internal._metric_scores_object('{a,b,c,d}', ARRAY[0.1::float8 + 0.2, 1e-7, 1e21, -0.0]) AS metric_scores;
SELECT health_score_internal._metric_scores_object('{a,b}', '{1}');
RESET extra_float_digits;
DROP TABLE object_rows;
