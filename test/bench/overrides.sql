-- test/bench/overrides.sql: what overridable metrics cost, side by side
-- with the same model without them.  Expects bench_customers
-- (generate.sql), the harness (harness.sql) and -v runs=N.
--
--   HS_BENCH_ONLY=overrides HS_BENCH_JIT=on bash test/bench/run.sh 1000000
--   (about 2 minutes with 3 rounds, 4 with 11)
--
-- Two models over the same customers, with the 12 metrics of model.sql
-- (same expressions, methods, anchors and weights) and the segment column:
--   bench_a  none of them overridable;
--   bench_b  m1 (linear), m2 (log) and m9 (linear, worst above best)
--            overridable.  model.sql's metrics are all linear or log, so
--            the third is a linear one with reversed anchors, not a steps
--            one.  B's rows are scored by _model_row_overridden, given
--            each customer's overrides as one array from the overrides
--            grouped by key (NULL for most customers).
-- bench_b's override_log holds ~10 entries per customer with an override
-- in force (0.1 % of the customers, one metric each), written by one
-- INSERT through the log's trigger (which checks each entry as override()
-- does and computes its old and new scores); per 1000 customers:
--   id % 1000 = 423: set, replaced, replaced again (half of them with an
--                    expires_on 30 days ahead): in force          3 rows
--   id % 1000 = 123: set, cleared, set, cleared: none in force    4 rows
--   id % 1000 = 623: set, replaced, replaced with an expires_on of
--                    yesterday (logged with a warning, not in force) 3 rows
-- The metric of each customer cycles through m1, m2, m9 with id / 1000.
--
-- (s)  SELECT sum(m1): the scan floor
-- (vA) A's scores view, every column summed (model.sql's (v), and
--      sum(overridden))
-- (vB) the same for B: the scores LEFT JOIN the overrides in force,
--      grouped by key
-- (kA) A's scores view, one customer by key (SELECT * ... WHERE id = ...)
-- (kB) the same for B, a customer with an override in force (the same
--      key in both)
-- (eA) explain(model, key) of that customer in A
-- (eB) the same in B, where the customer's override is in force
-- (rA) refresh(bench_a), nothing changed
-- (rB) refresh(bench_b), nothing changed
-- (o)  50 override() calls in one statement (so one transaction), each
--      replacing the override in force of a customer of the first group
--      with the same score: the log grows by 50 rows a round while the
--      scores stay as they were, so that (rB) still refreshes an
--      unchanged model.  Its per-call figure is the median / 50.
-- (oi) the same 50 entries by one INSERT INTO override_log: the trigger's
--      checks and the insert alone, which override() runs after checking
--      the same things itself (so that its errors come from the function)
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;

SELECT health_score.drop_model(name, drop_history => true)
FROM health_score.model WHERE name IN ('bench_a', 'bench_b') \g /dev/null
-- a model's key is unique, and customers are looked up by it (dropped at
-- the end, for the benchmarks that scan the same table)
CREATE UNIQUE INDEX bench_customers_id ON bench_customers (id);
SELECT health_score.create_model(model, 'public.bench_customers', 'id', segments => '{segment}')
FROM unnest('{bench_a,bench_b}'::text[]) AS model \g /dev/null
SELECT health_score.add_metric(model, 'm' || i, 'm' || i, w, method, worst => lo, best => hi,
                               overridable => model = 'bench_b' AND i IN (1, 2, 9))
FROM unnest('{bench_a,bench_b}'::text[]) AS model,
     unnest('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}'::text[],
            '{0,0,30,10,-100,0,0,0,19,-50,0,7}'::float8[],
            '{100,1000,0,0,400,11,1,5000,0,50,10,1}'::float8[],
            '{3,2,1,1,2,2,3,1,1,2,1,1}'::float8[])
     WITH ORDINALITY AS t(method, lo, hi, w, i)
ORDER BY model, i \g /dev/null

\echo '== build of each (the first one, which fills stored_scores)'
\timing on
SELECT health_score.build('bench_a');
SELECT health_score.build('bench_b');
\timing off

\echo '== the override log, by one INSERT through its trigger'
-- override_score(id): the score a customer of the first group ends with,
-- which (o) sets again
CREATE OR REPLACE FUNCTION bench.override_score(id bigint) RETURNS float8
LANGUAGE sql IMMUTABLE AS 'SELECT (10 + id % 80)::float8';
CREATE OR REPLACE FUNCTION bench.override_metric(id bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$SELECT ('{m1,m2,m9}'::text[])[(id / 1000) % 3 + 1]$$;
-- The trigger checks each entry as override() does (the customer, the
-- metric, the score before), under one lock of the model: 13 to 20 s for
-- the 10,000 entries of 1 M customers on a busy 2-core machine (1.3 to
-- 2 ms each).
-- the entries expired on arrival warn, one warning each
SET client_min_messages = error;
\timing on
INSERT INTO health_score_bench_b.override_log (id, metric, action, new_score, reason, expires_on)
SELECT c.id, bench.override_metric(c.id), e.action, e.score, e.reason, e.expires_on
  FROM bench_customers AS c
  CROSS JOIN LATERAL (VALUES
      -- in force at the end
      (423, 1, 'set', 55.0, 'bench: set', NULL::date),
      (423, 2, 'set', 70.0, 'bench: replaced', NULL),
      (423, 3, 'set', bench.override_score(c.id), 'bench: replaced again',
       CASE WHEN c.id % 2 = 0 THEN current_date + 30 END),
      -- cleared
      (123, 1, 'set', 40.0, 'bench: set', NULL),
      (123, 2, 'clear', NULL, 'bench: cleared', NULL),
      (123, 3, 'set', 45.0, 'bench: set again', current_date + 60),
      (123, 4, 'clear', NULL, 'bench: cleared again', NULL),
      -- expired
      (623, 1, 'set', 20.0, 'bench: set', NULL),
      (623, 2, 'set', 25.0, 'bench: replaced', current_date + 90),
      (623, 3, 'set', 30.0, 'bench: replaced, expired', current_date - 1)
  ) AS e(residue, step, action, score, reason, expires_on)
 WHERE c.id % 1000 = e.residue
 ORDER BY e.step, c.id;
\timing off
RESET client_min_messages;
ANALYZE health_score_bench_b.override_log;
SELECT (SELECT count(*) FROM health_score_bench_b.override_log) AS log_rows,
       (SELECT count(*) FROM health_score_bench_b.override_log WHERE action = 'clear') AS clears,
       (SELECT count(*) FROM health_score_bench_b.override_log WHERE expires_on <= current_date) AS expired,
       (SELECT count(*) FROM health_score_bench_b.overrides) AS in_force,
       (SELECT count(*) FROM bench_customers) AS customers;
-- the stored scores and distributions with the overrides in force
SELECT health_score.refresh('bench_b') \g /dev/null

-- the customer of (k) and (e): the middle one of those with an override
SELECT id AS key FROM health_score_bench_b.overrides ORDER BY id
 OFFSET (SELECT count(*) / 2 FROM health_score_bench_b.overrides) LIMIT 1 \gset
-- the customers of (o): 50 with an override in force, spread over the keys
DROP TABLE IF EXISTS bench.override_target;
CREATE TABLE bench.override_target AS
SELECT id::text AS key, metric, score
  FROM (SELECT o.*, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total
          FROM health_score_bench_b.overrides AS o) AS o
 WHERE (n - 1) % greatest(total / 50, 1) = 0
 ORDER BY id LIMIT 50;

\echo '== checking B against A before timing them'
-- B's scores equal A's but for the metric overridden, which shows the
-- override; the percentiles and ranks are read against each model's own
-- distributions, so they are left out
SELECT count(*) AS customers,
       count(*) FILTER (WHERE b.overridden > 0) AS overridden,
       count(*) FILTER (WHERE o.metric IS NULL
                          AND ROW(a.score, a.band, a.grade, a.coverage, a.m1_score, a.m2_score, a.m3_score,
                                  a.m4_score, a.m5_score, a.m6_score, a.m7_score, a.m8_score, a.m9_score,
                                  a.m10_score, a.m11_score, a.m12_score, b.overridden)
                              IS DISTINCT FROM
                              ROW(b.score, b.band, b.grade, b.coverage, b.m1_score, b.m2_score, b.m3_score,
                                  b.m4_score, b.m5_score, b.m6_score, b.m7_score, b.m8_score, b.m9_score,
                                  b.m10_score, b.m11_score, b.m12_score, 0))
         AS mismatches_without_override,
       count(*) FILTER (WHERE o.metric IS NOT NULL
                          AND (o.score IS DISTINCT FROM CASE o.metric WHEN 'm1' THEN b.m1_score
                                                                      WHEN 'm2' THEN b.m2_score
                                                                      WHEN 'm9' THEN b.m9_score END
                               OR b.overridden <> 1
                               OR ROW(a.m3_score, a.m4_score, a.m5_score, a.m6_score, a.m7_score, a.m8_score,
                                      a.m10_score, a.m11_score, a.m12_score)
                                  IS DISTINCT FROM
                                  ROW(b.m3_score, b.m4_score, b.m5_score, b.m6_score, b.m7_score, b.m8_score,
                                      b.m10_score, b.m11_score, b.m12_score)))
         AS mismatches_with_override
FROM health_score_bench_a.scores AS a
JOIN health_score_bench_b.scores AS b USING (id)
LEFT JOIN health_score_bench_b.overrides AS o USING (id);
SELECT count(*) FILTER (WHERE e.overridden_by IS NOT NULL) AS explain_b_overridden,
       count(*) FILTER (WHERE e.overridden_by IS NOT NULL
                          AND e.metric_score = bench.override_score(:key)
                          AND e.metric = bench.override_metric(:key)) AS explain_b_shows_override
  FROM health_score.explain('bench_b', :'key') AS e;

\echo '== the plan of (kB): one customer of B by key'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM health_score_bench_b.scores WHERE id = :key;
\echo '== the plan of (vB): a full read of B'
EXPLAIN (COSTS OFF)
SELECT sum(score), sum(overridden) FROM health_score_bench_b.scores;

\o /dev/null
SELECT bench.add('s: scan, sum(m1)', 'SELECT sum(m1) FROM bench_customers');
SELECT bench.add('v' || upper(right(model, 1)) || ': scores view, every column',
  format($q$SELECT sum(score), count(band), count(grade), sum(percentile), sum(segment_percentile), sum(rank),
                   sum(m1_score + m2_score + m3_score + m4_score + m5_score + m6_score + m7_score + m8_score
                       + m9_score + m10_score + m11_score + m12_score), sum(overridden)
              FROM health_score_%s.scores$q$, model))
  FROM unnest('{bench_a,bench_b}'::text[]) AS model;
SELECT bench.add('k' || upper(right(model, 1)) || ': scores view, one customer',
  format('SELECT * FROM health_score_%s.scores WHERE id = %s', model, :key))
  FROM unnest('{bench_a,bench_b}'::text[]) AS model;
SELECT bench.add('e' || upper(right(model, 1)) || ': explain of that customer',
  format('SELECT * FROM health_score.explain(%L, %L)', model, :'key'))
  FROM unnest('{bench_a,bench_b}'::text[]) AS model;
SELECT bench.add('r' || upper(right(model, 1)) || ': refresh, nothing changed',
  format('SELECT health_score.refresh(%L)', model))
  FROM unnest('{bench_a,bench_b}'::text[]) AS model;
SELECT bench.add('o: 50 override() calls, one statement',
  $q$SELECT count(health_score.override('bench_b', t.key, t.metric, t.score, 'bench: set again'))
       FROM bench.override_target AS t$q$);
SELECT bench.add('oi: the same 50 entries by one INSERT',
  $q$INSERT INTO health_score_bench_b.override_log (id, metric, action, new_score, reason)
     SELECT t.key::bigint, t.metric, 'set', t.score, 'bench: set again' FROM bench.override_target AS t$q$);
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== one override() call: (o) / 50, and one entry by INSERT: (oi) / 50'
SELECT round((bench.median_ms('o: 50 override() calls, one statement') / 50)::numeric, 2) AS override_ms,
       round((bench.median_ms('oi: the same 50 entries by one INSERT') / 50)::numeric, 2) AS insert_ms,
       round((bench.median_ms('o: 50 override() calls, one statement')
              / bench.median_ms('oi: the same 50 entries by one INSERT'))::numeric, 2) AS "o / oi";

\echo '== ratios: B (3 of 12 metrics overridable, 0.1 % overridden) to A (none), and A to the scan'
SELECT ratio, round(value::numeric, 2) AS value
  FROM (VALUES
    ('vB / vA: full read of scores', bench.median_ms('vB: scores view, every column') / bench.median_ms('vA: scores view, every column')),
    ('kB / kA: one customer', bench.median_ms('kB: scores view, one customer') / bench.median_ms('kA: scores view, one customer')),
    ('eB / eA: explain', bench.median_ms('eB: explain of that customer') / bench.median_ms('eA: explain of that customer')),
    ('rB / rA: refresh, nothing changed', bench.median_ms('rB: refresh, nothing changed') / bench.median_ms('rA: refresh, nothing changed')),
    ('vA / s: full read of A / scan', bench.median_ms('vA: scores view, every column') / bench.median_ms('s: scan, sum(m1)')),
    ('vB / s: full read of B / scan', bench.median_ms('vB: scores view, every column') / bench.median_ms('s: scan, sum(m1)'))
  ) AS t(ratio, value);

-- (o) and (oi) add 100 entries a round and change no score
SELECT count(*) AS log_rows_at_the_end, (SELECT count(*) FROM health_score_bench_b.overrides) AS in_force_at_the_end
  FROM health_score_bench_b.override_log;

SELECT health_score.drop_model(name, drop_history => true)
FROM health_score.model WHERE name IN ('bench_a', 'bench_b') \g /dev/null
DROP TABLE bench.override_target;
DROP FUNCTION bench.override_score(bigint), bench.override_metric(bigint);
DROP INDEX bench_customers_id;
