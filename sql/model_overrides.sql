-- Overrides: a customer's score of an overridable metric set by hand
-- (override, clear_override), logged in the model's override_log, in
-- force in the overrides view until cleared or expired, and used by the
-- scores view, the band views, scores_mv, explain and snapshots.  The
-- overridden scores are checked against a twin model whose source holds
-- raw values that score what the overrides say, and by hand in comments.
-- Dates are relative to current_date, so no expected value depends on
-- the day the test runs.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.error_of(query text)
RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END;
$$;

-- usage: linear 0-10, weight 2, overridable
-- tickets: steps, under 1 scores 100, under 3 50, else 0; weight 1; not overridable
-- nps: linear -100 to 100, weight 1, overridable, valid 30 days after nps_at
--   id 1 north: usage 5 (50), tickets 0 (100), nps 20 (60)
--   id 2 north: usage 8 (80), tickets 2 (50),  nps NULL
--   id 3 south: usage 2 (20), tickets 4 (0),   nps 0, 40 days old: stale
--   id 4 south: usage NULL,   tickets 1 (50),  nps 60 (80)
--   id 5 north: usage 9 (90), tickets 0 (100), nps -50 (25)
CREATE TABLE hs_ov (id integer PRIMARY KEY, region text NOT NULL, usage float8, tickets integer,
                    nps float8, nps_at timestamptz);
INSERT INTO hs_ov VALUES
    (1, 'north', 5,    0, 20,   now() - interval '1 day'),
    (2, 'north', 8,    2, NULL, now() - interval '1 day'),
    (3, 'south', 2,    4, 0,    now() - interval '40 days'),
    (4, 'south', NULL, 1, 60,   now() - interval '1 day'),
    (5, 'north', 9,    0, -50,  now() - interval '1 day');

SELECT health_score.create_model('ov', 'public.hs_ov', 'id', '{region}');
SELECT health_score.add_metric('ov', 'usage', 'usage', 2, 'linear', worst => 0, best => 10,
                               overridable => true);
SELECT health_score.add_metric('ov', 'tickets', 'tickets', 1, 'steps', thresholds => '{1,3}',
                               scores => '{100,50,0}');
SELECT health_score.add_metric('ov', 'nps', 'nps', 1, 'linear', worst => -100, best => 100,
                               as_of => 'nps_at', valid_for => '30 days', overridable => true);
SELECT name, overridable FROM health_score.metric WHERE model = 'ov' ORDER BY position;
SELECT * FROM pg_temp.error_of($$SELECT health_score.add_metric('ov', 'x', 'usage', 1, 'linear', worst => 0, best => 1, overridable => NULL)$$);

-- before a build there is no log to write
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 90, 'renewal call')$$);
SELECT health_score.build('ov');

-- Before any override: scores from the data.
--   id 1: (2*50 + 100 + 60)/4 = 65;  id 2: (2*80 + 50)/3 = 70
--   id 3: nps stale: (2*20 + 0)/3 = 13.3;  id 4: (50 + 80)/2 = 65
--   id 5: (2*90 + 100 + 25)/4 = 76.25 -> 76.3
SELECT id, score, band, usage_score, tickets_score, nps_score, stale, overridden
  FROM health_score_ov.scores ORDER BY id;

------------------------------------------------------------------------
-- 1. Set.  Each call returns its log_id.
--   id 1 usage 90 (data 50): (2*90 + 100 + 60)/4 = 85, green
--   id 3 nps 70, until a month from now (data stale): no longer stale,
--        (2*20 + 0 + 70)/4 = 27.5
--   id 4 usage 40 (data NULL): now present, (2*40 + 50 + 80)/4 = 52.5
--   id 5 usage 10, expiring today: not in force (a warning)
--   id 2 usage 30, expired yesterday: not in force (a warning)
------------------------------------------------------------------------
SELECT health_score.override('ov', '1', 'usage', 90, 'renewal call: usage moved to the new tenant');
SELECT health_score.override('ov', '3', 'nps', 70, 'phone survey', current_date + 30);
SELECT health_score.override('ov', '4', 'usage', 40, 'onboarding, no telemetry yet');
-- (the detail of the warnings names today)
\set VERBOSITY terse
SELECT health_score.override('ov', '5', 'usage', 10, 'expires today', current_date);
SELECT health_score.override('ov', '2', 'usage', 30, 'expired yesterday', current_date - 1);
\set VERBOSITY default

SELECT id, score, band, usage_score, tickets_score, nps_score, stale, overridden
  FROM health_score_ov.scores ORDER BY id;
SELECT id, metric, score, reason, set_by = current_user AS by_me, expires_on - current_date AS days_left, log_id
  FROM health_score_ov.overrides ORDER BY id, metric;

-- The twin: a source whose raw values score what the overrides say (usage
-- 9 scores 90, 4 scores 40; nps 40 scores 70, measured now), and no
-- overrides.  Every column the two scores views share is equal (0 rows
-- either way), percentiles and ranks too once both are refreshed.
CREATE VIEW hs_ov_twin AS
SELECT o.id, o.region,
       CASE o.id WHEN 1 THEN 9 WHEN 4 THEN 4 ELSE o.usage END AS usage,
       o.tickets,
       CASE o.id WHEN 3 THEN 40 ELSE o.nps END AS nps,
       CASE o.id WHEN 3 THEN now() ELSE o.nps_at END AS nps_at
  FROM hs_ov AS o;
SELECT health_score.create_model('ov_twin', 'public.hs_ov_twin', 'id', '{region}');
SELECT health_score.add_metric('ov_twin', 'usage', 'usage', 2, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('ov_twin', 'tickets', 'tickets', 1, 'steps', thresholds => '{1,3}',
                               scores => '{100,50,0}');
SELECT health_score.add_metric('ov_twin', 'nps', 'nps', 1, 'linear', worst => -100, best => 100,
                               as_of => 'nps_at', valid_for => '30 days');
SELECT health_score.build('ov_twin');
SELECT health_score.refresh('ov');
CREATE FUNCTION pg_temp.twin_differs(rel text)
RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        (SELECT to_jsonb(s) - '{overridden,computed_at}'::text[] FROM health_score_ov.%1$I AS s
         EXCEPT SELECT to_jsonb(t) - '{overridden,computed_at}'::text[] FROM health_score_ov_twin.%1$I AS t)
        UNION ALL
        (SELECT to_jsonb(t) - '{overridden,computed_at}'::text[] FROM health_score_ov_twin.%1$I AS t
         EXCEPT SELECT to_jsonb(s) - '{overridden,computed_at}'::text[] FROM health_score_ov.%1$I AS s)$q$, rel);
END;
$$;
SELECT rel, (SELECT count(*) FROM pg_temp.twin_differs(rel)) AS rows_differing
  FROM unnest('{scores,scores_mv,red,yellow,green,segment_summary}'::text[]) AS rel;
SELECT count(*) AS rows_compared FROM health_score_ov.scores;
-- the band views hold the overridden customers by their new band
SELECT 'green' AS band, array_agg(id ORDER BY id) FROM health_score_ov.green
UNION ALL SELECT 'yellow', array_agg(id ORDER BY id) FROM health_score_ov.yellow
UNION ALL SELECT 'red', array_agg(id ORDER BY id) FROM health_score_ov.red;
-- scores_mv stored the overrides at the refresh
SELECT id, usage_score, nps_score, stale, overridden FROM health_score_ov.scores_mv ORDER BY id;

-- explain: the override is the metric's score, its points add up to the
-- score (85 for id 1), and who set it, why and until when are shown;
-- the raw value is still the data's
SELECT metric, raw_value, metric_score, points, overridden_by = current_user AS by_me, override_reason,
       override_expires_on - current_date AS days_left
  FROM health_score.explain('ov', '1') ORDER BY metric;
SELECT round(sum(points)::numeric, 1) AS score FROM health_score.explain('ov', '1');
-- id 3's nps is overridden and its data stale: the raw value says so
SELECT metric, raw_value LIKE '0 (stale: as of %' AS raw_stale, metric_score, override_reason,
       override_expires_on - current_date AS days_left
  FROM health_score.explain('ov', '3') ORDER BY metric;

------------------------------------------------------------------------
-- 2. The log: one row per call, oldest first; old_score is the score
--    before (the data's: usage 50 for id 1, nps NULL for id 3 since it
--    is stale, usage NULL for id 4), new_score the override.
------------------------------------------------------------------------
SELECT log_id, id, metric, action, old_score, new_score, reason, expires_on - current_date AS days_left,
       logged_by = current_user AS by_me, logged_at BETWEEN now() - interval '1 hour' AND now() AS just_now
  FROM health_score_ov.override_log ORDER BY log_id;

-- A second override replaces the first: old_score is the override's, 90.
SELECT health_score.override('ov', '1', 'usage', 95, 'second call');
SELECT old_score, new_score FROM health_score_ov.override_log ORDER BY log_id DESC LIMIT 1;
SELECT usage_score, score FROM health_score_ov.scores WHERE id = 1;

------------------------------------------------------------------------
-- 3. Clear: the data's score applies again (usage 50, score 65); the
--    clear is logged with old 95 and new 50.  A second clear finds none
--    in force: false, nothing logged.
------------------------------------------------------------------------
SELECT health_score.clear_override('ov', '1', 'usage', 'the tenant moved back');
SELECT action, old_score, new_score, reason, expires_on FROM health_score_ov.override_log ORDER BY log_id DESC LIMIT 1;
SELECT usage_score, score, overridden FROM health_score_ov.scores WHERE id = 1;
SELECT health_score.clear_override('ov', '1', 'usage');
SELECT health_score.clear_override('ov', '5', 'usage');   -- expired, so not in force
SELECT count(*) AS log_rows FROM health_score_ov.override_log;

------------------------------------------------------------------------
-- 4. Refusals: each names the argument, the metric and the customer.
------------------------------------------------------------------------
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'tickets', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'seats', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '99', 'usage', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', 'one', 'usage', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 100.5, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', -1, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 'NaN', 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', NULL, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 50, NULL)$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 50, '  ')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 50, E'\t\n ')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 50, E'\u00a0\u2003')$$);
-- a snapshot taken before the model's lock could miss another session's
-- override: only READ COMMITTED
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 50, 'x')$$);
ROLLBACK;
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', NULL, 'usage', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', NULL, 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('nope', '1', 'usage', 50, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.clear_override('ov', '1', 'tickets')$$);
-- a metric made overridable, or added, since the build: build first
SELECT health_score.add_metric('ov', 'tickets', 'tickets', 1, 'steps', thresholds => '{1,3}',
                               scores => '{100,50,0}', replace => true, overridable => true);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'tickets', 50, 'x')$$);
SELECT health_score.add_metric('ov', 'tickets', 'tickets', 1, 'steps', thresholds => '{1,3}',
                               scores => '{100,50,0}', replace => true);
SELECT count(*) AS log_rows FROM health_score_ov.override_log;

-- a value that would age past the first timestamp is refused at once,
-- not by every read; an as_of that changes at each call is warned of
SELECT * FROM pg_temp.error_of($$SELECT health_score.add_metric('ov', 'nps', 'nps', 1, 'linear', worst => -100, best => 100, as_of => 'nps_at', valid_for => '10000 years', replace => true, overridable => true)$$);
SELECT health_score.add_metric('ov', 'nps', 'nps', 1, 'linear', worst => -100, best => 100,
                               as_of => 'clock_timestamp()', valid_for => '30 days', replace => true, overridable => true);
SELECT health_score.add_metric('ov', 'nps', 'nps', 1, 'linear', worst => -100, best => 100,
                               as_of => 'nps_at', valid_for => '30 days', replace => true, overridable => true);
SELECT count(*) AS log_rows FROM health_score_ov.override_log;

-- The log is an audit trail: no entry changes or goes.
SELECT * FROM pg_temp.error_of($$UPDATE health_score_ov.override_log SET reason = 'edited'$$);
SELECT * FROM pg_temp.error_of($$DELETE FROM health_score_ov.override_log$$);
SELECT * FROM pg_temp.error_of($$TRUNCATE health_score_ov.override_log$$);

------------------------------------------------------------------------
-- 5. Who may override: who may INSERT into the log.  A CSM sees the
--    north customers (1, 2, 5) only.
------------------------------------------------------------------------
CREATE ROLE regress_ov_csm;
CREATE ROLE regress_ov_reader;
ALTER TABLE hs_ov ENABLE ROW LEVEL SECURITY;
CREATE POLICY north ON hs_ov FOR SELECT TO regress_ov_csm, regress_ov_reader USING (region = 'north');
GRANT SELECT ON hs_ov TO regress_ov_csm, regress_ov_reader;
GRANT USAGE ON SCHEMA health_score_ov TO regress_ov_csm, regress_ov_reader;
GRANT SELECT ON health_score_ov.scores, health_score_ov.scores_mv TO regress_ov_reader;

SET ROLE regress_ov_csm;
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '5', 'usage', 70, 'x')$$);
RESET ROLE;
GRANT SELECT, INSERT ON health_score_ov.override_log TO regress_ov_csm;
-- refresh gives the readers of scores and the writers of the log SELECT
-- on the overrides, which the scores view reads
SELECT health_score.refresh('ov');
SELECT grantee, privilege_type FROM information_schema.role_table_grants
 WHERE table_schema = 'health_score_ov' AND table_name IN ('overrides', 'override_log')
   AND grantee LIKE 'regress_ov%'
 ORDER BY table_name, grantee, privilege_type;

SET ROLE regress_ov_csm;
SELECT health_score.override('ov', '5', 'usage', 70, 'call with the champion') > 0 AS logged;
-- a customer the source hides from the CSM is refused as an unknown one
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '3', 'usage', 70, 'x')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '99', 'usage', 70, 'x')$$);
-- a direct INSERT goes through the same checks, and its author and
-- scores are the trigger's, not the row's
SELECT * FROM pg_temp.error_of($$INSERT INTO health_score_ov.override_log (id, metric, action, new_score, reason) VALUES (3, 'usage', 'set', 70, 'x')$$);
SELECT * FROM pg_temp.error_of($$INSERT INTO health_score_ov.override_log (id, metric, action, new_score, reason) VALUES (2, 'tickets', 'set', 70, 'x')$$);
SELECT * FROM pg_temp.error_of($$INSERT INTO health_score_ov.override_log (id, metric, action, new_score, reason) VALUES (2, 'usage', 'SET', 70, 'x')$$);
-- the log numbers its entries, whatever an INSERT says: neither a number
-- far ahead nor the next ones the log will give stick, so no later entry
-- finds its number taken, and the override() after them applies (65)
SELECT max(log_id) AS before_max FROM health_score_ov.override_log \gset
INSERT INTO health_score_ov.override_log (log_id, id, metric, action, new_score, reason)
VALUES (1000000, 5, 'usage', 'set', 99, 'numbered ahead'),
       (:before_max + 2, 5, 'usage', 'set', 98, 'numbered next'),
       (:before_max + 3, 5, 'usage', 'set', 97, 'numbered next');
SELECT log_id - :before_max AS after_max, new_score FROM health_score_ov.override_log
 WHERE log_id > :before_max ORDER BY log_id;
SELECT health_score.override('ov', '5', 'usage', 65, 'written after') - :before_max AS after_max;
SELECT score FROM health_score_ov.overrides WHERE id = 5 AND metric = 'usage';
INSERT INTO health_score_ov.override_log (id, metric, action, new_score, reason, logged_by, old_score)
VALUES (2, 'usage', 'set', 60, 'typed in by hand', 'postgres', 12);
SELECT logged_by, old_score, new_score FROM health_score_ov.override_log ORDER BY logged_at DESC, log_id DESC LIMIT 1;
-- the CSM reads the log of their own customers only
SELECT DISTINCT id FROM health_score_ov.override_log ORDER BY id;
SELECT * FROM pg_temp.error_of($$DELETE FROM health_score_ov.override_log$$);
RESET ROLE;

-- The reader sees the overrides of the north customers, and scores made
-- of them: id 2 usage 60: (2*60 + 50)/3 = 56.7; id 5 usage 65:
-- (2*65 + 100 + 25)/4 = 63.75 -> 63.8
SET ROLE regress_ov_reader;
SELECT id, score, usage_score, overridden FROM health_score_ov.scores ORDER BY id;
SELECT id, metric, score FROM health_score_ov.overrides ORDER BY id;
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov', '1', 'usage', 70, 'x')$$);
RESET ROLE;
-- explain reads scores and the overrides as its caller: the CSM, who may
-- override but not read scores, is told what to ask for
SET ROLE regress_ov_csm;
SELECT * FROM pg_temp.error_of($$SELECT * FROM health_score.explain('ov', '5')$$);
RESET ROLE;

------------------------------------------------------------------------
-- 6. Snapshots keep the overridden value, with the count of overrides.
------------------------------------------------------------------------
SELECT health_score.snapshot('ov') AS rows_written;
SELECT h.id, h.score, h.metric_scores ->> 'usage' AS usage, h.metric_scores ->> 'nps' AS nps,
       h.stale, h.overridden
  FROM health_score_ov.history AS h ORDER BY h.id;
-- the same as the scores view
SELECT count(*) AS differing
  FROM health_score_ov.history AS h JOIN health_score_ov.scores AS s USING (id)
 WHERE (h.score, h.stale, h.overridden, (h.metric_scores ->> 'usage')::float8)
       IS DISTINCT FROM (s.score, s.stale, s.overridden, s.usage_score);

------------------------------------------------------------------------
-- 7. A metric no longer overridable: its overrides stop applying (and
--    are kept in the log); drop_model keeps the log unless told.
------------------------------------------------------------------------
SELECT health_score.add_metric('ov', 'usage', 'usage', 2, 'linear', worst => 0, best => 10, replace => true);
SELECT health_score.build('ov');
SELECT id, usage_score, overridden FROM health_score_ov.scores ORDER BY id;
SELECT count(*) AS in_force FROM health_score_ov.overrides;
SELECT health_score.drop_snapshot('ov', current_date) AS history_rows_dropped;
SELECT * FROM pg_temp.error_of($$SELECT health_score.drop_model('ov')$$);
SELECT health_score.drop_model('ov', drop_history => true);
SELECT to_regnamespace('health_score_ov') AS schema_left;

SELECT health_score.drop_model('ov_twin');
DROP VIEW hs_ov_twin;
DROP TABLE hs_ov;
DROP ROLE regress_ov_csm, regress_ov_reader;

-- The row scorer the views call with overrides (src/model_row.c), by
-- hand: metric 1 linear 0-10 weight 2 (value 5: 50), metric 2 score
-- weight 1 (value NULL, overridden 70), metric 3 linear weight 1 (value
-- 10, overridden 20): (2*50 + 70 + 20)/4 = 47.5, coverage 1.  No
-- overrides at all (NULL) gives _model_row's row.
SELECT health_score_internal._model_row_overridden('{a,b,c}', '{linear,score,linear}', '{0,0,0}', '{10,100,10}',
                                                   '{2,1,1}', 0, '{NULL,70,20}', 5::float8, NULL::float8, 10::float8);
SELECT health_score_internal._model_row_overridden('{a,b,c}', '{linear,score,linear}', '{0,0,0}', '{10,100,10}',
                                                   '{2,1,1}', 0, NULL, 5::float8, NULL::float8, 10::float8)
       = health_score_internal._model_row('{a,b,c}', '{linear,score,linear}', '{0,0,0}', '{10,100,10}',
                                          '{2,1,1}', 0, 5::float8, NULL::float8, 10::float8) AS same_as_model_row;
SELECT * FROM pg_temp.error_of($$SELECT health_score_internal._model_row_overridden('{a,b}', '{linear,linear}', '{0,0}', '{10,10}', '{1,1}', 0, '{NULL,101}', 5::float8, 5::float8)$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score_internal._model_row_overridden('{a,b}', '{linear,linear}', '{0,0}', '{10,10}', '{1,1}', 0, '{70}', 5::float8, 5::float8)$$);

-- -0 is 0; a metric dropped and added again starts without the overrides
-- of the one before; a customer whose value fails is named with the metric
CREATE TABLE hs_ov2 (id integer PRIMARY KEY, a float8, b float8);
INSERT INTO hs_ov2 VALUES (1, 4, 2), (2, 4, 0);
SELECT health_score.create_model('ov2', 'public.hs_ov2', 'id');
SELECT health_score.add_metric('ov2', 'ratio', 'a / b', 1, 'linear', worst => 0, best => 10, overridable => true);
SELECT health_score.add_metric('ov2', 'a', 'a', 1, 'linear', worst => 0, best => 10, overridable => true);
UPDATE hs_ov2 SET b = 1 WHERE id = 2;
SELECT health_score.build('ov2');
SELECT health_score.override('ov2', '1', 'a', -0::float8, 'minus zero') AS log_id;
SELECT new_score, new_score::text AS shown FROM health_score_ov2.override_log;
SELECT count(*) AS in_force_before FROM health_score_ov2.overrides;
SELECT health_score.drop_metric('ov2', 'a');
SELECT health_score.add_metric('ov2', 'a', 'a * 2', 1, 'linear', worst => 0, best => 10, overridable => true);
SELECT health_score.build('ov2');
SELECT count(*) AS in_force FROM health_score_ov2.overrides;
SELECT id, a_score, overridden FROM health_score_ov2.scores ORDER BY id;
UPDATE hs_ov2 SET b = 0 WHERE id = 2;
SELECT * FROM pg_temp.error_of($$SELECT health_score.override('ov2', '2', 'ratio', 50, 'x')$$);
SELECT health_score.drop_model('ov2', drop_history => true);
DROP TABLE hs_ov2;
