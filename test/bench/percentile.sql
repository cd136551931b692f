-- test/bench/percentile.sql: issue 4's benchmark.  Expects bench_customers
-- (generate.sql), the harness (harness.sql) and -v runs=N.
--
-- Per-row percentile rank within the segment, aggregated to counts per
-- segment and decile so that the output is small:
-- (s)  SELECT sum(score): the scan floor
-- (w)  the percent_rank() window query
-- (j)  the same two-pass shape with no percentile work: every row joined
--      to its segment's count(*), grouped by segment and a stand-in decile;
--      the floor of any two-pass form
-- (x)  this extension: one distribution(score, segment) in a scalar
--      subquery, percentile_rank(dist, score, segment) per row
-- (xj) this extension, joined per segment: distribution(score) GROUP BY
--      segment, joined to every row (the hash join holds the distributions)
-- (xr) as (x) on the raw float metric m1, ~9.5 M distinct values: the
--      worst case for the lookups, whose data no longer fits in cache
--
-- score is a health score with one decimal, as the views of a model
-- produce it; segments are text, as plans and tiers are.
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;

DROP TABLE IF EXISTS bench_scores;
CREATE UNLOGGED TABLE bench_scores AS
SELECT id, 'plan_' || segment AS segment,
       round(health_score.scorecard('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}',
                                    '{0,0,30,10,-100,0,0,0,19,-50,0,7}', '{100,1000,0,0,400,11,1,5000,0,50,10,1}',
                                    '{3,2,1,1,2,2,3,1,1,2,1,1}', 0,
                                    m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)::numeric, 1)::float8 AS score,
       m1 AS raw
FROM bench_customers;
VACUUM ANALYZE bench_scores;
SELECT pg_prewarm('bench_scores') \g /dev/null

\set window 'SELECT segment, (greatest(1, ceil(100 * pr)) - 1)::int / 10 AS decile, count(*) FROM (SELECT segment, percent_rank() OVER (PARTITION BY segment ORDER BY score) AS pr FROM bench_scores WHERE score IS NOT NULL) r GROUP BY 1, 2'
\set ext 'SELECT segment, (health_score.percentile_rank((SELECT health_score.distribution(score, segment) FROM bench_scores WHERE score IS NOT NULL), score, segment) - 1) / 10 AS decile, count(*) FROM bench_scores WHERE score IS NOT NULL GROUP BY 1, 2'

\echo '== checking that (w), (x) and (xj) give the same counts per segment and decile'
CREATE TEMP TABLE w AS :window;
CREATE TEMP TABLE x AS :ext;
CREATE TEMP TABLE xj AS
SELECT t.segment, (health_score.percentile_rank(d.dist, t.score) - 1) / 10 AS decile, count(*)
FROM bench_scores t
JOIN (SELECT segment, health_score.distribution(score) AS dist FROM bench_scores WHERE score IS NOT NULL GROUP BY segment) d USING (segment)
WHERE t.score IS NOT NULL GROUP BY 1, 2;
SELECT (SELECT count(*) FROM w) AS groups,
       (SELECT sum(count) FROM w) AS rows_ranked,
       (SELECT count(*) FROM ((TABLE w EXCEPT TABLE x) UNION ALL (TABLE x EXCEPT TABLE w)) d) AS w_vs_x_mismatch,
       (SELECT count(*) FROM ((TABLE w EXCEPT TABLE xj) UNION ALL (TABLE xj EXCEPT TABLE w)) d) AS w_vs_xj_mismatch;

\o /dev/null
SELECT bench.add('s: scan, sum(score)', 'SELECT sum(score) FROM bench_scores');
SELECT bench.add('w: percent_rank() window', :'window');
SELECT bench.add('j: join floor, no percentile',
  'SELECT t.segment, t.id % 10 AS decile, count(*) FROM bench_scores t JOIN (SELECT segment, count(*) AS n FROM bench_scores WHERE score IS NOT NULL GROUP BY segment) s USING (segment) WHERE t.score IS NOT NULL GROUP BY 1, 2');
SELECT bench.add('x: percentile_rank, subquery', :'ext');
SELECT bench.add('xj: percentile_rank, join',
  'SELECT t.segment, (health_score.percentile_rank(d.dist, t.score) - 1) / 10 AS decile, count(*) FROM bench_scores t JOIN (SELECT segment, health_score.distribution(score) AS dist FROM bench_scores WHERE score IS NOT NULL GROUP BY segment) d USING (segment) WHERE t.score IS NOT NULL GROUP BY 1, 2');
SELECT bench.add('xr: percentile_rank, raw m1',
  'SELECT segment, (health_score.percentile_rank((SELECT health_score.distribution(raw, segment) FROM bench_scores WHERE raw IS NOT NULL), raw, segment) - 1) / 10 AS decile, count(*) FROM bench_scores WHERE raw IS NOT NULL GROUP BY 1, 2');
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== ratios (goals: w/x >= 5, x/j <= 1.5, no temp files for x)'
SELECT round((bench.median_ms('w: percent_rank() window') / bench.median_ms('x: percentile_rank, subquery'))::numeric, 2) AS "w/x",
       round((bench.median_ms('x: percentile_rank, subquery') / bench.median_ms('j: join floor, no percentile'))::numeric, 2) AS "x/j",
       round((bench.median_ms('x: percentile_rank, subquery') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "x/s",
       round((bench.median_ms('j: join floor, no percentile') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "j/s",
       round((bench.median_ms('w: percent_rank() window') / bench.median_ms('s: scan, sum(score)'))::numeric, 2) AS "w/s",
       round((bench.median_ms('xj: percentile_rank, join') / bench.median_ms('j: join floor, no percentile'))::numeric, 2) AS "xj/j",
       round((bench.median_ms('xr: percentile_rank, raw m1') / bench.median_ms('j: join floor, no percentile'))::numeric, 2) AS "xr/j";

\echo '== size of the distributions (the largest segment, and all segments in one value)'
SELECT 'score' AS value, max(pg_column_size(d)) AS largest_segment_bytes,
       (SELECT pg_column_size(health_score.distribution(score, segment)) FROM bench_scores) AS segmented_bytes
FROM (SELECT health_score.distribution(score) AS d FROM bench_scores GROUP BY segment) s
UNION ALL
SELECT 'raw m1', max(pg_column_size(d)),
       (SELECT pg_column_size(health_score.distribution(raw, segment)) FROM bench_scores)
FROM (SELECT health_score.distribution(raw) AS d FROM bench_scores GROUP BY segment) s;
