--
-- model_snapshots: drop_snapshot, the scale of the sparkline snapshot
-- stores, and the comments of the history's columns.
--
-- drop_snapshot promises that every later day's history row is what
-- snapshot() would have stored had the dropped day never been taken.  The
-- other route to those rows is snapshot() itself: a second model over the
-- same table, given the same data on the same days but never the dropped
-- one.  The source's data of each day is kept in a table of states, so
-- that any sequence of days can be replayed.
--
-- The models belong to a role with no special privilege, and the source
-- has row-level security that shows a reader half the customers: the
-- owner must see and mend every row of the history all the same.
--

CREATE ROLE regress_snap_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE ROLE regress_snap_reader NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE SCHEMA regress_snap_app AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_a AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_b AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_c AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_f AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_g AUTHORIZATION regress_snap_owner;
CREATE SCHEMA regress_snap_scale AUTHORIZATION regress_snap_owner;
SET ROLE regress_snap_owner;

-- States 1 to 4 of the source, one a snapshot day.  Scores by hand, as
-- (3 * usage + 100 * (4 - tickets) / 4) / 4, one decimal:
--   state 1: 1 = 92.5, 2 = (240 + 75) / 4 = 78.8, 3 = (150 + 50) / 4 = 50, 4 = 15
--   state 2: 2's usage 80 -> 60: (180 + 75) / 4 = 63.8
--   state 3: 1's usage -> 40: (120 + 100) / 4 = 55; 3's tickets -> 0:
--            (150 + 100) / 4 = 62.5; 5 arrives with 100
--   state 4: 1's usage -> 50: 62.5; 5 is gone; 6 arrives, (30 + 50) / 4 = 20
CREATE TABLE regress_snap_app.states (step int, id int, region text, plan text, usage float8, tickets int);
INSERT INTO regress_snap_app.states VALUES
    (1, 1, 'north', 'pro', 90, 0), (1, 2, 'north', 'free', 80, 1), (1, 3, 'south', 'pro', 50, 2), (1, 4, 'south', 'free', 20, 4),
    (2, 1, 'north', 'pro', 90, 0), (2, 2, 'north', 'free', 60, 1), (2, 3, 'south', 'pro', 50, 2), (2, 4, 'south', 'free', 20, 4),
    (3, 1, 'north', 'pro', 40, 0), (3, 2, 'north', 'free', 60, 1), (3, 3, 'south', 'pro', 50, 0), (3, 4, 'south', 'free', 20, 4),
    (3, 5, 'north', 'pro', 100, 0),
    (4, 1, 'north', 'pro', 50, 0), (4, 2, 'north', 'free', 60, 1), (4, 3, 'south', 'pro', 50, 0), (4, 4, 'south', 'free', 20, 4),
    (4, 6, 'south', 'pro', 10, 2);

CREATE TABLE regress_snap_app.accounts (id int PRIMARY KEY, region text, plan text, usage float8, tickets int);
ALTER TABLE regress_snap_app.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON regress_snap_app.accounts FOR SELECT TO regress_snap_reader
    USING (region = 'north');
GRANT USAGE ON SCHEMA regress_snap_app TO regress_snap_reader;
GRANT SELECT ON regress_snap_app.accounts TO regress_snap_reader;

CREATE FUNCTION pg_temp.load_state(step int) RETURNS void LANGUAGE sql AS $$
    DELETE FROM regress_snap_app.accounts;
    INSERT INTO regress_snap_app.accounts
    SELECT s.id, s.region, s.plan, s.usage, s.tickets FROM regress_snap_app.states AS s WHERE s.step = load_state.step;
$$;

-- the same model, under as many names as the scenarios need
CREATE FUNCTION pg_temp.make_model(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM health_score.create_model(name, 'regress_snap_app.accounts', 'id', '{region,plan}',
                                      target_schema => 'regress_snap_' || name);
    PERFORM health_score.add_metric(name, 'usage', 'usage', 3, 'linear', worst => 0, best => 100);
    PERFORM health_score.add_metric(name, 'tickets', 'tickets', 1, 'linear', worst => 4, best => 0);
    PERFORM health_score.build(name);
END $$;
SELECT pg_temp.make_model('a'), pg_temp.make_model('b');

-- How two models' histories and snapshot lists differ, every column of
-- every row, both ways; and how many rows each holds, so that 0 differences
-- is not 0 rows.
CREATE FUNCTION pg_temp.differences(one text, other text, OUT one_not_other bigint, OUT other_not_one bigint,
                                    OUT one_rows bigint, OUT other_rows bigint,
                                    OUT snapshots_differ bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT (SELECT count(*) FROM (TABLE %1$I.history EXCEPT ALL TABLE %2$I.history) AS d),
                           (SELECT count(*) FROM (TABLE %2$I.history EXCEPT ALL TABLE %1$I.history) AS d),
                           (SELECT count(*) FROM %1$I.history), (SELECT count(*) FROM %2$I.history),
                           (SELECT count(*) FROM ((SELECT taken_on, model_version, customers FROM %1$I.snapshots
                                                   EXCEPT ALL SELECT taken_on, model_version, customers FROM %2$I.snapshots)
                                                  UNION ALL
                                                  (SELECT taken_on, model_version, customers FROM %2$I.snapshots
                                                   EXCEPT ALL SELECT taken_on, model_version, customers FROM %1$I.snapshots)) AS d)',
                   'regress_snap_' || one, 'regress_snap_' || other)
       INTO one_not_other, other_not_one, one_rows, other_rows, snapshots_differ;
END $$;

------------------------------------------------------------------------
-- 1. A day in the middle: a takes 5 Jan, 12 Jan, 9 Feb and 16 Feb; b
--    the same days but 9 Feb.  16 Feb is 7 days after 9 Feb, 35 after
--    12 Jan: dropping 9 Feb changes its previous snapshot, its week and
--    month ago, its slope, its sparkline and its top mover.
------------------------------------------------------------------------
SELECT pg_temp.load_state(1);
SELECT health_score.snapshot('a', '2026-01-05'), health_score.snapshot('b', '2026-01-05');
SELECT pg_temp.load_state(2);
SELECT health_score.snapshot('a', '2026-01-12'), health_score.snapshot('b', '2026-01-12');
SELECT pg_temp.load_state(3);
SELECT health_score.snapshot('a', '2026-02-09');
SELECT pg_temp.load_state(4);
SELECT health_score.snapshot('a', '2026-02-16'), health_score.snapshot('b', '2026-02-16');
-- before: 9 Feb's 5 rows are a's alone, and 16 Feb's differ but for 6's,
-- new that day, whose figures read no earlier day
SELECT * FROM pg_temp.differences('a', 'b');
SELECT taken_on, count(*) AS rows_unlike_b
  FROM (TABLE regress_snap_a.history EXCEPT ALL TABLE regress_snap_b.history) AS d GROUP BY 1 ORDER BY 1;

SELECT health_score.drop_snapshot('a', '2026-02-09') AS removed;   -- 9 Feb had 5 customers
SELECT * FROM pg_temp.differences('a', 'b');
SELECT taken_on, customers FROM regress_snap_a.snapshots ORDER BY 1;

-- The figures of 16 Feb, by hand against 12 Jan (previous, and the last
-- day at least 7 and 28 days before) and 5 Jan:
--   1: 62.5 - 92.5 = -30 both deltas; top mover usage, 3 * (50 - 90) / 4
--      = -30 points; slope of (0, 92.5), (7, 92.5), (42, 62.5):
--      Sxy / Sxx = -770 / 1012.667 = -0.760; sparkline 92.5 92.5 62.5 on
--      0-100, block floor(score * 8 / 100) of ▁▂▃▄▅▆▇█: ██▆
--   2: 63.8 both days: deltas 0, no mover; slope of 78.8, 63.8, 63.8:
--      Sxy = (-16.333 * 10) + (-9.333 * -5) + (25.667 * -5) = -245,
--      -245 / 1012.667 = -0.242; ▇▆▆
--   3: 62.5 - 50 = 12.5; tickets 2 -> 0 is (100 - 50) / 4 = 12.5 points;
--      slope of 50, 50, 62.5: Sxy = 16.333 * 4.167 + 9.333 * 4.167
--      + 25.667 * 8.333 = 320.8, / 1012.667 = 0.317; ▅▅▆
--   4: 15 throughout: 0, no mover, slope 0; ▂▂▂
--   6: new, no previous: its one score, 20, is ▂
SELECT id, region, plan, score, previous_on, previous_score, delta_wow, delta_mom, slope_90d, sparkline,
       top_mover, top_mover_change
  FROM regress_snap_a.history WHERE taken_on = '2026-02-16' ORDER BY id;
-- and every row of a's history against its own earlier rows, in plain
-- SQL: lag() for the previous snapshot, the last score at least 7 and 28
-- days older, regr_slope over 90 days, the 12 latest scores drawn by
-- sparkline(scores, 0, 100)
SELECT count(*) AS history_rows,
       count(*) FILTER (WHERE (h.previous_on, h.previous_score, h.previous_band, h.delta_wow, h.delta_mom, h.slope_90d, h.sparkline)
                              IS DISTINCT FROM
                              (w.previous_on, w.previous_score, w.previous_band,
           round((h.score - (SELECT o.score FROM regress_snap_a.history o WHERE o.id = h.id
                              AND o.taken_on <= h.taken_on - 7 AND o.taken_on >= h.taken_on - 120 AND o.score IS NOT NULL
                              ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8,
           round((h.score - (SELECT o.score FROM regress_snap_a.history o WHERE o.id = h.id
                              AND o.taken_on <= h.taken_on - 28 AND o.taken_on >= h.taken_on - 120 AND o.score IS NOT NULL
                              ORDER BY o.taken_on DESC LIMIT 1))::numeric, 1)::float8,
           round((SELECT regr_slope(o.score, o.taken_on - date '2000-01-01') FROM regress_snap_a.history o
                   WHERE o.id = h.id AND o.taken_on > h.taken_on - 90 AND o.taken_on <= h.taken_on)::numeric, 3)::float8,
           (SELECT health_score.sparkline(array_agg(o.score ORDER BY o.taken_on), 0, 100)
              FROM regress_snap_a.history o
             WHERE o.id = h.id AND o.taken_on <= h.taken_on
               AND o.taken_on >= (SELECT min(sn.taken_on) FROM (SELECT s.taken_on FROM regress_snap_a.snapshots s
                                   WHERE s.taken_on <= h.taken_on ORDER BY 1 DESC LIMIT 12) AS sn))))
           AS differ
  FROM regress_snap_a.history h
  JOIN (SELECT id, taken_on, prev_on AS previous_on,
               CASE WHEN prev_on IS NOT NULL THEN prev_score END AS previous_score,
               CASE WHEN prev_on IS NOT NULL THEN prev_band END AS previous_band
          FROM (SELECT h2.id, h2.taken_on,
                       -- the customer's row of the model's previous snapshot, if it was in it
                       (SELECT p.taken_on FROM regress_snap_a.history p WHERE p.id = h2.id
                         AND p.taken_on = (SELECT max(s.taken_on) FROM regress_snap_a.snapshots s WHERE s.taken_on < h2.taken_on)) AS prev_on,
                       lag(h2.score) OVER w AS prev_score, lag(h2.band) OVER w AS prev_band
                  FROM regress_snap_a.history h2 WINDOW w AS (PARTITION BY h2.id ORDER BY h2.taken_on)) AS x) AS w
    USING (id, taken_on);

-- Row-level security: the reader sees the north customers of the
-- history, the owner mended all of them (the comparison above ran as the
-- owner, over every row), and the reader may not drop a snapshot
GRANT USAGE ON SCHEMA regress_snap_a TO regress_snap_reader;
GRANT SELECT ON regress_snap_a.history, regress_snap_a.snapshots TO regress_snap_reader;
SELECT count(*) AS owner_sees, count(*) FILTER (WHERE region = 'north') AS north FROM regress_snap_a.history;
SET ROLE regress_snap_reader;
SELECT count(*) AS reader_sees, count(*) FILTER (WHERE region = 'north') AS north FROM regress_snap_a.history;
\set SHOW_CONTEXT never
SELECT health_score.drop_snapshot('a', '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_snap_owner;

------------------------------------------------------------------------
-- 2. Errors, and nothing changed by them
------------------------------------------------------------------------
CREATE TEMP TABLE before_errors AS
SELECT (SELECT md5(string_agg(h::text, '|' ORDER BY h.taken_on, h.id)) FROM regress_snap_a.history h) AS history,
       (SELECT md5(string_agg(s::text, '|' ORDER BY s.taken_on)) FROM regress_snap_a.snapshots s) AS snapshots;
SELECT health_score.drop_snapshot(NULL, '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.drop_snapshot('a', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.drop_snapshot('a', '2026-02-09');   -- dropped already
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.drop_snapshot('a', 'infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.drop_snapshot('nope', '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.create_model('unbuilt', 'regress_snap_app.accounts', 'id');
SELECT health_score.drop_snapshot('unbuilt', '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
SELECT health_score.drop_model('unbuilt');
-- an error after the rows are gone takes them back: the history's rows
-- are deleted before the later days are figured again, so a failure there
-- must leave the day where it was
BEGIN;
CREATE FUNCTION pg_temp.fail_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER fail_on_insert BEFORE INSERT ON regress_snap_a.history_2026_02
    FOR EACH ROW EXECUTE FUNCTION pg_temp.fail_on_insert();
SAVEPOINT before_drop;
SELECT health_score.drop_snapshot('a', '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO before_drop;
ROLLBACK;
SELECT (SELECT md5(string_agg(h::text, '|' ORDER BY h.taken_on, h.id)) FROM regress_snap_a.history h) = b.history AS history_unchanged,
       (SELECT md5(string_agg(s::text, '|' ORDER BY s.taken_on)) FROM regress_snap_a.snapshots s) = b.snapshots AS snapshots_unchanged
  FROM before_errors b;
\set SHOW_CONTEXT errors

------------------------------------------------------------------------
-- 3. The first day, then the last, then the only one.  c takes 12 Jan
--    and 16 Feb; a, dropping 5 Jan, must become c; dropping 16 Feb,
--    c without 16 Feb (a first snapshot reads nothing later).
------------------------------------------------------------------------
SELECT pg_temp.make_model('c');
SELECT pg_temp.load_state(2);
SELECT health_score.snapshot('c', '2026-01-12');
SELECT pg_temp.load_state(4);
SELECT health_score.snapshot('c', '2026-02-16');
SELECT health_score.drop_snapshot('a', '2026-01-05') AS removed;   -- 4 customers on 5 Jan
SELECT * FROM pg_temp.differences('a', 'c');
-- 16 Feb by hand against 12 Jan alone: deltas as before, the slope of
-- two points 35 days apart ((62.5 - 92.5) / 35 = -0.857 for 1, 0 for 2
-- and 4, 12.5 / 35 = 0.357 for 3), sparklines of two blocks
SELECT id, previous_on, delta_wow, slope_90d, sparkline FROM regress_snap_a.history
 WHERE taken_on = '2026-02-16' ORDER BY id;

SELECT health_score.drop_snapshot('a', '2026-02-16') AS removed;   -- 5 customers on 16 Feb
SELECT (SELECT count(*) FROM (TABLE regress_snap_a.history
                              EXCEPT ALL SELECT * FROM regress_snap_c.history WHERE taken_on <> '2026-02-16') AS d) AS a_not_c,
       (SELECT count(*) FROM (SELECT * FROM regress_snap_c.history WHERE taken_on <> '2026-02-16'
                              EXCEPT ALL TABLE regress_snap_a.history) AS d) AS c_not_a,
       (SELECT count(*) FROM regress_snap_a.history) AS a_rows;
-- the trend view shows the day that is now the latest
SELECT id, taken_on, score, previous_on, sparkline FROM regress_snap_a.trend ORDER BY id;

SELECT health_score.drop_snapshot('a', '2026-01-12') AS removed;   -- the only day left
SELECT (SELECT count(*) FROM regress_snap_a.history) AS history_rows,
       (SELECT count(*) FROM regress_snap_a.snapshots) AS snapshots,
       (SELECT count(*) FROM regress_snap_a.trend) AS trend_rows;
\set SHOW_CONTEXT never
SELECT health_score.drop_snapshot('a', '2026-01-12');
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors

------------------------------------------------------------------------
-- 4. Which later days are figured again.  f takes 16 snapshots 15 days
--    apart, cycling through the states; g the same but the second.  The
--    dropped day reaches the later days within 120 days (the 8 that
--    follow it) and the 11 later snapshots whose sparkline of 12 drew it
--    (the 9th to 11th lie beyond 120 days); the 12th and on never read it.
--    f dropping it must become g: a bound one snapshot short would leave
--    the 11th later day's sparkline as it was.
------------------------------------------------------------------------
SELECT pg_temp.make_model('f'), pg_temp.make_model('g');
DO $$
BEGIN
    FOR i IN 0 .. 15 LOOP
        PERFORM pg_temp.load_state(1 + i % 4);
        PERFORM health_score.snapshot('f', date '2025-01-01' + 15 * i);
        IF i <> 1 THEN
            PERFORM health_score.snapshot('g', date '2025-01-01' + 15 * i);
        END IF;
    END LOOP;
END $$;
CREATE TEMP TABLE f_before AS TABLE regress_snap_f.history;
SELECT health_score.drop_snapshot('f', date '2025-01-16') AS removed;
SELECT * FROM pg_temp.differences('f', 'g');
-- the days whose rows the drop changed: days 2 to 12 (30 to 180 days
-- after 1 Jan 2025), the 11 after the dropped one, and no other.  Day 12
-- is 165 days after it, and changed in one row only: its sparkline of
-- days 1 to 12 begins, after the drop, with day 0, where the states
-- differ only for customer 2 (state 1's 78.8, ▇, for state 2's 63.8, ▆)
SELECT (taken_on - date '2025-01-01') / 15 AS day, count(*) AS rows_changed
  FROM (TABLE f_before EXCEPT ALL TABLE regress_snap_f.history) AS d
 WHERE taken_on <> date '2025-01-16' GROUP BY 1 ORDER BY 1;

------------------------------------------------------------------------
-- 5. The stored sparkline is on the 0-100 scale: a customer going 50 ->
--    51 -> 50 is three blocks of one height (floor(50 * 8 / 100) = 4 and
--    floor(51 * 8 / 100) = 4, ▅), where its own range drew ▁█▁; one going
--    0 -> 50 -> 100 the full range, ▁▅█.  sparkline(scores, 0, 100) is
--    the other route.
------------------------------------------------------------------------
CREATE TABLE regress_snap_app.levels (id int PRIMARY KEY, level float8);
INSERT INTO regress_snap_app.levels VALUES (1, 50), (2, 0);
SELECT health_score.create_model('scale', 'regress_snap_app.levels', 'id', target_schema => 'regress_snap_scale');
SELECT health_score.add_metric('scale', 'level', 'level', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('scale');
SELECT health_score.snapshot('scale', '2026-03-02');
UPDATE regress_snap_app.levels SET level = CASE id WHEN 1 THEN 51 ELSE 50 END;
SELECT health_score.snapshot('scale', '2026-03-09');
UPDATE regress_snap_app.levels SET level = CASE id WHEN 1 THEN 50 ELSE 100 END;
SELECT health_score.snapshot('scale', '2026-03-16');
SELECT t.id, t.sparkline AS trend_view,
       health_score.sparkline(array_agg(h.score ORDER BY h.taken_on), 0, 100) AS on_0_100,
       health_score.sparkline(array_agg(h.score ORDER BY h.taken_on)) AS own_range
  FROM regress_snap_scale.trend t JOIN regress_snap_scale.history h USING (id)
 GROUP BY t.id, t.sparkline ORDER BY t.id;

------------------------------------------------------------------------
-- 6. Every column of the history has a comment, the segments' too
------------------------------------------------------------------------
SELECT a.attname, col_description(a.attrelid, a.attnum)
  FROM pg_attribute a
 WHERE a.attrelid = 'regress_snap_b.history'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND a.attname IN ('region', 'plan')
 ORDER BY a.attnum;
SELECT count(*) AS columns, count(*) FILTER (WHERE col_description(a.attrelid, a.attnum) IS NULL) AS uncommented
  FROM pg_attribute a
 WHERE a.attrelid = 'regress_snap_b.history'::regclass AND a.attnum > 0 AND NOT a.attisdropped;

------------------------------------------------------------------------
SELECT health_score.drop_model(name, drop_history => true)
  FROM unnest('{a,b,c,f,g,scale}'::text[]) AS name;
RESET ROLE;
DROP SCHEMA regress_snap_app, regress_snap_a, regress_snap_b, regress_snap_c, regress_snap_f,
            regress_snap_g, regress_snap_scale CASCADE;
DROP OWNED BY regress_snap_owner, regress_snap_reader;
DROP ROLE regress_snap_owner, regress_snap_reader;
SELECT (SELECT count(*) FROM health_score.model) AS models,
       (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'regress\_snap\_%') AS roles;
