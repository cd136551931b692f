-- Metrics whose values age (add_metric's as_of and valid_for): a value
-- measured longer than valid_for ago, or at an unknown time (NULL as_of),
-- is stale and counts as missing, re-weighted exactly as a NULL value;
-- scores and scores_mv count the stale metrics of each customer in
-- stale, and explain marks them.  Times are relative to now(), so no
-- expected value depends on the day the test runs.  Expected values by
-- hand in comments, and checked against a twin model whose source has
-- NULL where the values are stale.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- pg_regress's IntervalStyle, postgres_verbose, writes '30 days' as '@ 30 days'

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

-- usage (linear 0-10, weight 3) measured at usage_at, valid 30 days;
-- seats (linear 0-4, weight 1) counted on seats_on (a date), valid 1 year.
--   id 1: usage 8, 29 days old (just inside)       seats 2, today
--   id 2: usage 8, 31 days old (just outside)      seats 2, today
--   id 3: usage 8, usage_at NULL (unknown age)     seats 2, today
--   id 4: usage NULL, 31 days old (missing anyway) seats 2, today
--   id 5: usage 6, exactly 30 days old (below)     seats 2, today
--   id 6: usage 8, 1 day old                       seats 2, 400 days old
CREATE TABLE hs_sd (id integer PRIMARY KEY, usage float8, usage_at timestamptz, seats float8, seats_on date);
INSERT INTO hs_sd VALUES
    (1, 8,    now() - interval '29 days', 2, current_date),
    (2, 8,    now() - interval '31 days', 2, current_date),
    (3, 8,    NULL,                       2, current_date),
    (4, NULL, now() - interval '31 days', 2, current_date),
    (5, 6,    now() - interval '29 days', 2, current_date),
    (6, 8,    now() - interval '1 day',   2, current_date - 400);

SELECT health_score.create_model('sd', 'public.hs_sd', 'id');
SELECT health_score.add_metric('sd', 'usage', 'usage', 3, 'linear', worst => 0, best => 10,
                               as_of => 'usage_at', valid_for => '30 days');
SELECT health_score.add_metric('sd', 'seats', 'seats', 1, 'linear', worst => 0, best => 4,
                               as_of => 'seats_on', valid_for => '1 year');
SELECT name, as_of, valid_for FROM health_score.metric WHERE model = 'sd' ORDER BY position;
SELECT health_score.build('sd');

------------------------------------------------------------------------
-- 1. The live view.  usage 8 scores 80, usage 6 60, seats 2 50.
--   id 1: (3*80 + 1*50)/4 = 72.5, coverage 1,    stale 0
--   id 2: usage stale: 50,          coverage 0.25, stale 1
--   id 3: as_of NULL, stale: 50,    coverage 0.25, stale 1
--   id 4: usage NULL (not stale): 50, coverage 0.25, stale 0
--   id 5: 30 days old at the build, read later: stale: 50, 0.25, 1
--   id 6: seats stale: 80,          coverage 0.75, stale 1
------------------------------------------------------------------------
UPDATE hs_sd SET usage_at = now() - interval '30 days' WHERE id = 5;
SELECT id, score, coverage, usage_score, seats_score, stale FROM health_score_sd.scores ORDER BY id;

-- exactly valid_for old is still valid: within one transaction now() is
-- fixed, so id 5 is read at the age it was written with, (3*60 + 50)/4
-- = 57.5, stale 0
BEGIN;
UPDATE hs_sd SET usage_at = now() - interval '30 days' WHERE id = 5;
SELECT id, score, coverage, usage_score, stale FROM health_score_sd.scores WHERE id = 5;
COMMIT;

-- stale by plain SQL: a value present whose as_of is older than
-- valid_for or NULL; the view agrees for every customer (0 rows)
SELECT s.id, s.stale, v.stale
  FROM health_score_sd.scores AS s
  JOIN (SELECT h.id,
               (h.usage IS NOT NULL AND (h.usage_at < now() - interval '30 days' OR h.usage_at IS NULL))::integer
               + (h.seats IS NOT NULL AND (h.seats_on < now() - interval '1 year' OR h.seats_on IS NULL))::integer AS stale
          FROM hs_sd AS h) AS v ON v.id = s.id
 WHERE s.stale IS DISTINCT FROM v.stale;

------------------------------------------------------------------------
-- 2. Re-weighting equal to a NULL value's: a twin model without as_of
--    over a view that has NULL where sd's values are stale (ids 2, 3, 5
--    for usage, 6 for seats) scores every customer the same (0 rows
--    either way), and has stale 0 everywhere
------------------------------------------------------------------------
CREATE VIEW hs_sd_null AS
SELECT id, CASE WHEN id IN (2, 3, 5) THEN NULL ELSE usage END AS usage,
       CASE WHEN id = 6 THEN NULL ELSE seats END AS seats
  FROM hs_sd;
SELECT health_score.create_model('sd_null', 'public.hs_sd_null', 'id');
SELECT health_score.add_metric('sd_null', 'usage', 'usage', 3, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('sd_null', 'seats', 'seats', 1, 'linear', worst => 0, best => 4);
SELECT health_score.build('sd_null');
(SELECT id, score, band, grade, coverage, usage_score, seats_score FROM health_score_sd.scores
 EXCEPT ALL
 SELECT id, score, band, grade, coverage, usage_score, seats_score FROM health_score_sd_null.scores)
UNION ALL
(SELECT id, score, band, grade, coverage, usage_score, seats_score FROM health_score_sd_null.scores
 EXCEPT ALL
 SELECT id, score, band, grade, coverage, usage_score, seats_score FROM health_score_sd.scores);
SELECT sum(stale) AS twin_stale FROM health_score_sd_null.scores;

------------------------------------------------------------------------
-- 3. Stored scores are as of the refresh: id 1's usage ages past 30
--    days; scores shows it stale at once (50, stale 1), scores_mv keeps
--    the refresh's 72.5 and stale 0 until refresh, then agrees
------------------------------------------------------------------------
SELECT health_score.refresh('sd');
SELECT id, score, stale FROM health_score_sd.scores_mv ORDER BY id;
UPDATE hs_sd SET usage_at = now() - interval '31 days' WHERE id = 1;
SELECT 'scores' AS view, id, score, stale FROM health_score_sd.scores WHERE id = 1
UNION ALL
SELECT 'scores_mv', id, score, stale FROM health_score_sd.scores_mv WHERE id = 1;
SELECT health_score.refresh('sd');
SELECT 'scores_mv' AS view, id, score, stale FROM health_score_sd.scores_mv WHERE id = 1
UNION ALL
SELECT 'stored_scores', id, score, stale FROM health_score_sd.stored_scores WHERE id = 1;
-- every column the stored row decides agrees with the live view (0 rows)
SELECT id, score, coverage, stale FROM health_score_sd.scores
EXCEPT
SELECT id, score, coverage, stale FROM health_score_sd.scores_mv;
UPDATE hs_sd SET usage_at = now() - interval '29 days' WHERE id = 1;

-- stale comes last in scores, scores_mv and stored_scores, with a comment
SELECT attrelid::regclass AS relation, attnum, format_type(atttypid, atttypmod) AS type,
       col_description(attrelid, attnum) AS comment
  FROM pg_attribute
 WHERE attrelid IN ('health_score_sd.scores'::regclass, 'health_score_sd.scores_mv'::regclass,
                    'health_score_sd.stored_scores'::regclass, 'health_score_sd.red'::regclass)
   AND attname = 'stale'
 ORDER BY 1;

------------------------------------------------------------------------
-- 4. explain: a stale metric is missing (no score, share or points) and
--    its raw value says so, with when it was measured; the points of
--    the others add up to the score (id 2: seats alone, 50)
------------------------------------------------------------------------
SELECT metric, raw_value LIKE '8 (stale: as of %, valid for @ 30 days)' AS marked, metric_score, share, points
  FROM health_score.explain('sd', '2') ORDER BY metric;
-- the mark by plain SQL, as format() writes it (0 rows differ)
SELECT e.raw_value, format('%s (stale: as of %s, valid for %s)', h.usage, h.usage_at, interval '30 days')
  FROM hs_sd AS h, health_score.explain('sd', h.id::text) AS e
 WHERE h.id = 2 AND e.metric = 'usage'
   AND e.raw_value IS DISTINCT FROM format('%s (stale: as of %s, valid for %s)', h.usage, h.usage_at, interval '30 days');
SELECT metric, raw_value, metric_score, share, points FROM health_score.explain('sd', '3') ORDER BY metric;
SELECT metric, raw_value, metric_score, points FROM health_score.explain('sd', '1') ORDER BY metric;
SELECT sum(points) AS points_of_2 FROM health_score.explain('sd', '2');
-- id 4's usage is NULL, missing but not stale: no mark
SELECT metric, raw_value, metric_score FROM health_score.explain('sd', '4') WHERE metric = 'usage';

------------------------------------------------------------------------
-- 5. Bad as_of and valid_for: each error with its SQLSTATE, and the
--    catalog unchanged after all of them
------------------------------------------------------------------------
CREATE TEMPORARY TABLE sd_catalog AS
SELECT m.*, hm.version FROM health_score.metric AS m JOIN health_score.model AS hm ON hm.name = m.model
 WHERE m.model = 'sd';
ALTER TABLE hs_sd ADD COLUMN plan text;
SELECT e.code, e.message, e.hint
  FROM unnest(ARRAY[
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_at')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, valid_for => '30 days')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_at', valid_for => '0')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_at', valid_for => '-1 day')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'plan', valid_for => '30 days')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage', valid_for => '30 days')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_att', valid_for => '30 days')$$,
    $$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_at; SELECT 1', valid_for => '30 days')$$,
    $$SELECT health_score.add_metric('sd', 'usage', 'usage', 3, 'linear', worst => 0, best => 10, replace => true, as_of => 'usage_at')$$,
    $$UPDATE health_score.metric SET valid_for = NULL WHERE model = 'sd' AND name = 'usage'$$,
    $$UPDATE health_score.metric SET valid_for = '-1 day' WHERE model = 'sd' AND name = 'usage'$$]) WITH ORDINALITY AS q(query, n),
       LATERAL pg_temp.error_of(q.query) AS e
 ORDER BY q.n;
-- the same messages in full with their detail
SELECT e.code, e.detail
  FROM pg_temp.error_of($$SELECT health_score.add_metric('sd', 'x', 'usage', 1, 'linear', worst => 0, best => 10, as_of => 'usage_att', valid_for => '30 days')$$) AS e;
-- catalog unchanged (0 rows either way)
(SELECT m.*, hm.version FROM health_score.metric AS m JOIN health_score.model AS hm ON hm.name = m.model
  WHERE m.model = 'sd' EXCEPT ALL TABLE sd_catalog)
UNION ALL
(TABLE sd_catalog EXCEPT ALL
 SELECT m.*, hm.version FROM health_score.metric AS m JOIN health_score.model AS hm ON hm.name = m.model
  WHERE m.model = 'sd');

-- replace => true without as_of makes the value one that does not age:
-- id 2's usage counts again, (3*80 + 50)/4 = 72.5, stale 0
SELECT health_score.add_metric('sd', 'usage', 'usage', 3, 'linear', worst => 0, best => 10, replace => true);
SELECT name, as_of, valid_for FROM health_score.metric WHERE model = 'sd' ORDER BY position;
SELECT health_score.build('sd');
SELECT id, score, stale FROM health_score_sd.scores WHERE id = 2;

-- a metric added later comes after stale, which keeps its place: the
-- views are replaced in place, and a view of the user's over scores
-- stays; stored_scores and scores_mv follow scores' order
CREATE VIEW hs_sd_mine AS SELECT id, stale FROM health_score_sd.scores;
SELECT health_score.add_metric('sd', 'extra', 'seats', 1, 'linear', worst => 0, best => 4);
SELECT health_score.build('sd');
SELECT c.relname, string_agg(a.attname, ',' ORDER BY a.attnum) AS columns
  FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'health_score_sd'::regnamespace AND c.relname IN ('scores', 'scores_mv', 'stored_scores')
 GROUP BY c.relname ORDER BY c.relname;
SELECT count(*) AS mine FROM hs_sd_mine;
DROP VIEW hs_sd_mine;
-- dropping a metric makes the views again, stale last
SELECT health_score.drop_metric('sd', 'usage');
SELECT health_score.build('sd');
SELECT c.relname, string_agg(a.attname, ',' ORDER BY a.attnum) AS columns
  FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'health_score_sd'::regnamespace AND c.relname IN ('scores', 'scores_mv', 'stored_scores')
 GROUP BY c.relname ORDER BY c.relname;

-- a key or segment may not be named stale, a column the views add
ALTER TABLE hs_sd ADD COLUMN stale text;
SELECT e.code, e.message FROM pg_temp.error_of($$SELECT health_score.create_model('sd_bad', 'public.hs_sd', 'id', segments => '{stale}')$$) AS e;

SELECT health_score.drop_model('sd');
SELECT health_score.drop_model('sd_null');
DROP VIEW hs_sd_null;
DROP TABLE hs_sd;

-- An as_of that fails for one customer fails every read, as a failing
-- expression does: check_model lists it as "<metric> (as_of)", and
-- refresh names the metric and the customer (id 2's date is no date).
CREATE TABLE hs_sd_asof (id integer PRIMARY KEY, usage float8, measured text);
INSERT INTO hs_sd_asof VALUES (1, 5, '2026-01-01'), (2, 6, 'last tuesday'), (3, 7, NULL);
SELECT health_score.create_model('sd_asof', 'public.hs_sd_asof', 'id');
SELECT health_score.add_metric('sd_asof', 'usage', 'usage', 1, 'linear', worst => 0, best => 10,
                               as_of => 'measured::date', valid_for => '100 years');
SELECT * FROM health_score.check_model('sd_asof');
SELECT e.code, e.message, e.detail FROM pg_temp.error_of($$SELECT health_score.build('sd_asof')$$) AS e;
UPDATE hs_sd_asof SET measured = '2026-01-02' WHERE id = 2;
SELECT * FROM health_score.check_model('sd_asof');
SELECT health_score.build('sd_asof');
UPDATE hs_sd_asof SET measured = 'yesterday-ish' WHERE id = 3;
SELECT e.code, e.message, e.detail FROM pg_temp.error_of($$SELECT health_score.refresh('sd_asof')$$) AS e;
SELECT health_score.drop_model('sd_asof');
DROP TABLE hs_sd_asof;
