-- test/bench/scoring.sql: issue 3's benchmark.  Expects bench_customers
-- (generate.sql), the harness (harness.sql) and -v runs=N.
--
-- (a) SELECT sum(m1): the scan floor
-- (a12) the sum of all 12 metrics: the floor of reading every metric
-- (b0) one C call per row that reads all 12 metrics and does no scoring
--      (core's num_nonnulls, VARIADIC "any" like scorecard), averaged:
--      the floor of any one-call-per-row score
-- (b) avg(score) with this extension: scorecard(), one call per row
-- (b2) avg(score) with the composable form: 12 scale calls + weighted_score
-- (c) the same avg(score) in plain SQL (LEAST/GREATEST, CASE/COALESCE)
-- (d) red/yellow/green counts per segment with band_counts()
-- (d0) counts per segment with no scoring at all: the floor of (d), what
--      PostgreSQL's hash aggregate costs on its own
-- (d2) the same counts the way it is tempting to write them:
--      GROUP BY segment, band(score)
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;

-- 12 metrics: method, worst, best, weight
--   m1 linear 0..100 w3     m2 log 0..1000 w2      m3 linear 30..0 w1
--   m4 linear 10..0 w1      m5 linear -100..400 w2 m6 log 0..11 w2
--   m7 linear 0..1 w3       m8 log 0..5000 w1      m9 linear 19..0 w1
--   m10 linear -50..50 w2   m11 linear 0..10 w1    m12 linear 7..1 w1
\set scorecard 'health_score.scorecard(''{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}'', ''{0,0,30,10,-100,0,0,0,19,-50,0,7}'', ''{100,1000,0,0,400,11,1,5000,0,50,10,1}'', ''{3,2,1,1,2,2,3,1,1,2,1,1}'', 0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)'

\set composed 'health_score.weighted_score(ARRAY[health_score.scale(m1, 0, 100), health_score.scale_log(m2, 0, 1000), health_score.scale(m3, 30, 0), health_score.scale(m4, 10, 0), health_score.scale(m5, -100, 400), health_score.scale_log(m6, 0, 11), health_score.scale(m7, 0, 1), health_score.scale_log(m8, 0, 5000), health_score.scale(m9, 19, 0), health_score.scale(m10, -50, 50), health_score.scale(m11, 0, 10), health_score.scale(m12, 7, 1)], ''{3,2,1,1,2,2,3,1,1,2,1,1}'')'

-- plain SQL: each metric clamped to 0-100, NULLs re-weighted by hand
\set plain '(coalesce(3 * least(100, greatest(0, 100 * (m1 / 100))), 0) + coalesce(2 * least(100, greatest(0, 100 * (ln(1 + m2) / ln(1001::float8)))), 0) + coalesce(1 * least(100, greatest(0, 100 * ((m3 - 30) / -30))), 0) + coalesce(1 * least(100, greatest(0, 100 * ((m4 - 10) / -10))), 0) + coalesce(2 * least(100, greatest(0, 100 * ((m5 + 100) / 500))), 0) + coalesce(2 * least(100, greatest(0, 100 * (ln(1 + m6) / ln(12::float8)))), 0) + coalesce(3 * least(100, greatest(0, 100 * m7)), 0) + coalesce(1 * least(100, greatest(0, 100 * (ln(1 + m8) / ln(5001::float8)))), 0) + coalesce(1 * least(100, greatest(0, 100 * ((m9 - 19) / -19))), 0) + coalesce(2 * least(100, greatest(0, 100 * ((m10 + 50) / 100))), 0) + coalesce(1 * least(100, greatest(0, 100 * (m11 / 10))), 0) + coalesce(1 * least(100, greatest(0, 100 * ((m12 - 7) / -6))), 0)) / nullif((CASE WHEN m1 IS NULL THEN 0 ELSE 3 END + CASE WHEN m2 IS NULL THEN 0 ELSE 2 END + CASE WHEN m3 IS NULL THEN 0 ELSE 1 END + CASE WHEN m4 IS NULL THEN 0 ELSE 1 END + CASE WHEN m5 IS NULL THEN 0 ELSE 2 END + CASE WHEN m6 IS NULL THEN 0 ELSE 2 END + CASE WHEN m7 IS NULL THEN 0 ELSE 3 END + CASE WHEN m8 IS NULL THEN 0 ELSE 1 END + CASE WHEN m9 IS NULL THEN 0 ELSE 1 END + CASE WHEN m10 IS NULL THEN 0 ELSE 2 END + CASE WHEN m11 IS NULL THEN 0 ELSE 1 END + CASE WHEN m12 IS NULL THEN 0 ELSE 1 END), 0)::float8'

\echo '== checking that (b), (b2) and (c) agree before timing them'
SELECT count(*) AS rows,
       count(*) FILTER (WHERE :scorecard IS DISTINCT FROM :composed) AS b_vs_b2_mismatch,
       count(*) FILTER (WHERE abs(:scorecard - :plain) > 1e-9
                           OR (:scorecard IS NULL) <> ((:plain) IS NULL)) AS b_vs_c_mismatch
FROM bench_customers WHERE id % 100 = 0;

-- warm the cache
SELECT count(*) AS warm_cache FROM bench_customers \g /dev/null

\o /dev/null
SELECT bench.add('a: scan, sum(m1)', 'SELECT sum(m1) FROM bench_customers');
-- reading all 12 metric columns, no scoring: the floor of any per-row score
SELECT bench.add('a12: scan, sum of 12 metrics',
  'SELECT sum(m1 + m2 + m3 + m4 + m5 + m6 + m7 + m8 + m9 + m10 + m11 + m12) FROM bench_customers');
SELECT bench.add('b0: avg(num_nonnulls(12 metrics)), no scoring',
  'SELECT avg(num_nonnulls(m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)::float8) FROM bench_customers');
SELECT bench.add('b: scorecard avg', format('SELECT avg(%s) FROM bench_customers', :'scorecard'));
SELECT bench.add('b2: composed avg', format('SELECT avg(%s) FROM bench_customers', :'composed'));
SELECT bench.add('c: plain SQL avg', format('SELECT avg(%s) FROM bench_customers', :'plain'));
SELECT bench.add('d0: count(*) per segment, no scoring',
  'SELECT segment, count(*) FROM bench_customers GROUP BY segment');
SELECT bench.add('d: band_counts per segment',
  format('SELECT segment, (health_score.band_counts(%s)).* FROM bench_customers GROUP BY segment', :'scorecard'));
SELECT bench.add('d2: GROUP BY segment, band()',
  format('SELECT segment, health_score.band(%s) AS band, count(*) FROM bench_customers GROUP BY 1, 2', :'scorecard'));
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== ratios (goals: b/a <= 2, c/b >= 2, d/a <= 3)'
SELECT round((bench.median_ms('a12: scan, sum of 12 metrics') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "a12/a",
       round((bench.median_ms('b0: avg(num_nonnulls(12 metrics)), no scoring') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "b0/a",
       round((bench.median_ms('b: scorecard avg') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "b/a",
       round((bench.median_ms('b2: composed avg') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "b2/a",
       round((bench.median_ms('c: plain SQL avg') / bench.median_ms('b: scorecard avg'))::numeric, 2) AS "c/b",
       round((bench.median_ms('c: plain SQL avg') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "c/a",
       round((bench.median_ms('d: band_counts per segment') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "d/a",
       round((bench.median_ms('d0: count(*) per segment, no scoring') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "d0/a",
       round((bench.median_ms('d: band_counts per segment') / bench.median_ms('b: scorecard avg'))::numeric, 2) AS "d/b",
       round((bench.median_ms('d2: GROUP BY segment, band()') / bench.median_ms('a: scan, sum(m1)'))::numeric, 2) AS "d2/a";
