-- test/bench/auc.sql: issue 7's benchmark.  Expects bench_customers
-- (generate.sql), the harness (harness.sql) and -v runs=N.
--
-- The AUC of a health score against churn over every customer:
-- (s)  SELECT sum(score): the scan floor
-- (r)  the plain-SQL rank-sum formula: each score's midrank (rank() plus
--      half its ties, two windows), then the Mann-Whitney U of the
--      stayed over the churned, divided by the number of pairs
-- (a)  this extension: health_score.auc(score, churned)
-- (ar) (a) on the raw float metric m1, ~9.5 M distinct values
--
-- score is a health score with one decimal; churned is drawn seeded, more
-- likely the lower the score; the AUC comes out near 0.56, a weak score,
-- which makes no difference to the work.
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;

SELECT setseed(0.77) \g /dev/null
DROP TABLE IF EXISTS bench_outcomes;
CREATE UNLOGGED TABLE bench_outcomes AS
SELECT id, score, raw, random() < 0.45 - score / 250 AS churned
FROM (SELECT id,
             round(health_score.scorecard('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}',
                                          '{0,0,30,10,-100,0,0,0,19,-50,0,7}', '{100,1000,0,0,400,11,1,5000,0,50,10,1}',
                                          '{3,2,1,1,2,2,3,1,1,2,1,1}', 0,
                                          m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)::numeric, 1)::float8 AS score,
             m1 AS raw
      FROM bench_customers) s;
VACUUM ANALYZE bench_outcomes;
SELECT pg_prewarm('bench_outcomes') \g /dev/null

\set ranksum 'SELECT (sum(r) FILTER (WHERE NOT churned) - count(*) FILTER (WHERE NOT churned) * (count(*) FILTER (WHERE NOT churned) + 1) / 2.0) / (count(*) FILTER (WHERE NOT churned) * count(*) FILTER (WHERE churned)) FROM (SELECT churned, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r FROM bench_outcomes WHERE score IS NOT NULL AND churned IS NOT NULL) ranked'
\set ranksum_raw 'SELECT (sum(r) FILTER (WHERE NOT churned) - count(*) FILTER (WHERE NOT churned) * (count(*) FILTER (WHERE NOT churned) + 1) / 2.0) / (count(*) FILTER (WHERE NOT churned) * count(*) FILTER (WHERE churned)) FROM (SELECT churned, rank() OVER (ORDER BY raw) + (count(*) OVER (PARTITION BY raw) - 1) / 2.0 AS r FROM bench_outcomes WHERE raw IS NOT NULL AND churned IS NOT NULL) ranked'

\echo '== checking that (r) and (a) agree, on the score and on the raw metric'
SELECT count(*) AS rows, count(*) FILTER (WHERE churned) AS churned,
       round((SELECT health_score.auc(score, churned) FROM bench_outcomes)::numeric, 6) AS auc,
       abs((SELECT health_score.auc(score, churned) FROM bench_outcomes) - (:ranksum)::float8) < 1e-9 AS score_agrees,
       abs((SELECT health_score.auc(raw, churned) FROM bench_outcomes) - (:ranksum_raw)::float8) < 1e-9 AS raw_agrees
FROM bench_outcomes;

\o /dev/null
SELECT bench.add('s: scan, sum(score)', 'SELECT sum(score) FROM bench_outcomes');
SELECT bench.add('r: rank-sum formula, windows', :'ranksum');
SELECT bench.add('a: auc(score, churned)', 'SELECT health_score.auc(score, churned) FROM bench_outcomes');
SELECT bench.add('rr: rank-sum formula, raw m1', :'ranksum_raw');
SELECT bench.add('ar: auc(raw m1, churned)', 'SELECT health_score.auc(raw, churned) FROM bench_outcomes');
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== ratios (goal: r/a >= 3)'
SELECT round((bench.median_ms('r: rank-sum formula, windows') / bench.median_ms('a: auc(score, churned)'))::numeric, 2) AS "r/a",
       round((bench.median_ms('a: auc(score, churned)') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "a/s",
       round((bench.median_ms('r: rank-sum formula, windows') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "r/s",
       round((bench.median_ms('rr: rank-sum formula, raw m1') / bench.median_ms('ar: auc(raw m1, churned)'))::numeric, 2) AS "rr/ar",
       round((bench.median_ms('ar: auc(raw m1, churned)') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "ar/s";
