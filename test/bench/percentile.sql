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
-- Issue 15, on the same raw m1 (every value distinct), within the segment:
-- per-row rank, summed so that the output is one row and no grouping
-- plan muddies the per-row cost,
-- (rw)  by the percent_rank() window
-- (rx)  by the subquery form: percentile_rank((SELECT distribution(raw,
--       segment) ...), raw, segment)
-- (rc)  by the cuts form: a join to percentile_cuts(distribution(raw))
--       per segment (built in the query), percentile_rank_by_cuts(cuts, raw)
-- (rcs) the same with the cuts read from a stored table of 10 rows: the
--       lookups alone, as a dashboard that keeps the cuts would run them
-- and counts per segment and decile,
-- (dw)  by the percent_rank() window
-- (dn)  by the natural query: GROUP BY segment, (percentile_rank(d, raw)
--       + 9) / 10 over a join to per-segment distributions
-- (dc)  by percentile_counts(cuts, raw, 10) GROUP BY segment over a join
--       to per-segment cuts (built in the query)
-- (dcs) the same with the stored cuts
--
-- A parallel plan's workers each build their own copy of a hash join's
-- inner side when it is not parallel-aware: with the cuts built in the
-- query, (rc) and (dc) build each segment's distribution once per
-- process.
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

-- Issue 15: raw values.  The window, the per-row forms and the counts.
\set cuts_q '(SELECT segment, health_score.percentile_cuts(health_score.distribution(raw)) AS cuts FROM bench_scores WHERE raw IS NOT NULL GROUP BY segment)'
\set rank_window 'SELECT segment, greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY raw)))::int AS rank FROM bench_scores WHERE raw IS NOT NULL'
\set rw 'SELECT sum(rank) FROM (' :rank_window ') r'
\set rx 'SELECT sum(health_score.percentile_rank((SELECT health_score.distribution(raw, segment) FROM bench_scores WHERE raw IS NOT NULL), raw, segment)) FROM bench_scores WHERE raw IS NOT NULL'
\set rc 'SELECT sum(health_score.percentile_rank_by_cuts(c.cuts, t.raw)) FROM bench_scores t JOIN ' :cuts_q ' c USING (segment) WHERE t.raw IS NOT NULL'
\set rcs 'SELECT sum(health_score.percentile_rank_by_cuts(c.cuts, t.raw)) FROM bench_scores t JOIN bench_cuts c USING (segment) WHERE t.raw IS NOT NULL'
\set dw 'SELECT segment, (rank + 9) / 10 AS decile, count(*) FROM (' :rank_window ') r GROUP BY 1, 2'
\set dn 'SELECT t.segment, (health_score.percentile_rank(d.dist, t.raw) + 9) / 10 AS decile, count(*) FROM bench_scores t JOIN (SELECT segment, health_score.distribution(raw) AS dist FROM bench_scores WHERE raw IS NOT NULL GROUP BY segment) d USING (segment) WHERE t.raw IS NOT NULL GROUP BY 1, 2'
\set dc 'SELECT t.segment, health_score.percentile_counts(c.cuts, t.raw, 10) AS counts FROM bench_scores t JOIN ' :cuts_q ' c USING (segment) WHERE t.raw IS NOT NULL GROUP BY t.segment'
\set dcs 'SELECT t.segment, health_score.percentile_counts(c.cuts, t.raw, 10) AS counts FROM bench_scores t JOIN bench_cuts c USING (segment) WHERE t.raw IS NOT NULL GROUP BY t.segment'

DROP TABLE IF EXISTS bench_cuts;
CREATE TABLE bench_cuts AS :cuts_q;
ANALYZE bench_cuts;

\echo '== raw m1: checking that the window, the natural query and percentile_counts give the same counts per segment and rank, and decile'
CREATE TEMP TABLE r_window AS SELECT segment, rank, count(*) FROM (:rank_window) r GROUP BY 1, 2;
CREATE TEMP TABLE d_window AS SELECT segment, (rank + 9) / 10 AS decile, sum(count) AS count FROM r_window GROUP BY 1, 2;
CREATE TEMP TABLE d_dw AS :dw;
CREATE TEMP TABLE d_natural AS :dn;
CREATE TEMP TABLE d_counts AS
SELECT segment, decile::int, count FROM (:dc) c, unnest(counts) WITH ORDINALITY AS u(count, decile);
CREATE TEMP TABLE d_counts_stored AS
SELECT segment, decile::int, count FROM (:dcs) c, unnest(counts) WITH ORDINALITY AS u(count, decile);
CREATE TEMP TABLE r_counts AS
SELECT segment, rank::int, count
FROM (SELECT t.segment, health_score.percentile_counts(c.cuts, t.raw, 100) AS counts
      FROM bench_scores t JOIN bench_cuts c USING (segment) WHERE t.raw IS NOT NULL GROUP BY 1) c,
     unnest(counts) WITH ORDINALITY AS u(count, rank)
WHERE count > 0;
SELECT (SELECT sum(count) FROM r_window) AS rows_ranked,
       (SELECT count(*) FROM d_window) AS segment_deciles,
       (SELECT count(*) FROM ((TABLE d_window EXCEPT TABLE d_dw) UNION ALL (TABLE d_dw EXCEPT TABLE d_window)) d) AS window_forms_mismatch,
       (SELECT count(*) FROM ((TABLE d_window EXCEPT TABLE d_natural) UNION ALL (TABLE d_natural EXCEPT TABLE d_window)) d) AS natural_mismatch,
       (SELECT count(*) FROM ((TABLE d_window EXCEPT TABLE d_counts) UNION ALL (TABLE d_counts EXCEPT TABLE d_window)) d) AS percentile_counts_mismatch,
       (SELECT count(*) FROM ((TABLE d_window EXCEPT TABLE d_counts_stored) UNION ALL (TABLE d_counts_stored EXCEPT TABLE d_window)) d) AS stored_cuts_mismatch,
       (SELECT count(*) FROM ((TABLE r_window EXCEPT TABLE r_counts) UNION ALL (TABLE r_counts EXCEPT TABLE r_window)) d) AS per_rank_mismatch;
\echo '== raw m1: the per-row forms give the same sum of ranks as the window'
SELECT (SELECT sum(rank * count) FROM r_window) AS window_sum,
       (:rw) AS rw, (:rx) AS rx, (:rc) AS rc, (:rcs) AS rcs;

\echo '== raw m1: the plans of the counts per segment and decile (estimated groups, temp files)'
CREATE FUNCTION pg_temp.plan_figures(query text) RETURNS TABLE (estimated_groups float8, temp_written text, workers_launched int)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, FORMAT JSON) ' || query INTO plan;
  RETURN QUERY SELECT (plan->0->'Plan'->>'Plan Rows')::float8,
                      pg_size_pretty((plan->0->'Plan'->>'Temp Written Blocks')::bigint * 8192),
                      (SELECT max(w::int) FROM jsonb_path_query(plan, 'strict $.**."Workers Launched"') AS w);
END $$;
SELECT 'dw: window' AS query, * FROM pg_temp.plan_figures(:'dw')
UNION ALL SELECT 'dn: natural GROUP BY', * FROM pg_temp.plan_figures(:'dn')
UNION ALL SELECT 'dc: percentile_counts', * FROM pg_temp.plan_figures(:'dc')
UNION ALL SELECT 'dcs: percentile_counts, stored cuts', * FROM pg_temp.plan_figures(:'dcs');
EXPLAIN :dn;
EXPLAIN :dc;

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
SELECT bench.add('sr: scan, sum(raw)', 'SELECT sum(raw) FROM bench_scores');
SELECT bench.add('rw: raw, per-row rank, window', :'rw');
SELECT bench.add('rx: raw, per-row rank, subquery', :'rx');
SELECT bench.add('rc: raw, per-row rank, cuts', :'rc');
SELECT bench.add('rcs: raw, per-row rank, stored cuts', :'rcs');
SELECT bench.add('dw: raw, deciles, window', :'dw');
SELECT bench.add('dn: raw, deciles, natural GROUP BY', :'dn');
SELECT bench.add('dc: raw, deciles, percentile_counts', :'dc');
SELECT bench.add('dcs: raw, deciles, percentile_counts, stored cuts', :'dcs');
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

\echo '== raw m1 (issue 15): ratios to the scan sum(raw), and between the forms'
SELECT label, bench.median_ms(label)::numeric(10, 0) AS median_ms,
       round((bench.median_ms(label) / bench.median_ms('sr: scan, sum(raw)'))::numeric, 2) AS x_scan
FROM bench.query WHERE label ~ '^(sr|rw|rx|rc|rcs|dw|dn|dc|dcs):' ORDER BY label;
SELECT ratio, round((bench.median_ms(a) / bench.median_ms(b))::numeric, 2) AS value
FROM (VALUES ('rw/rx', 'rw: raw, per-row rank, window', 'rx: raw, per-row rank, subquery'),
             ('rw/rc', 'rw: raw, per-row rank, window', 'rc: raw, per-row rank, cuts'),
             ('rx/rc', 'rx: raw, per-row rank, subquery', 'rc: raw, per-row rank, cuts'),
             ('rw/rcs', 'rw: raw, per-row rank, window', 'rcs: raw, per-row rank, stored cuts'),
             ('dn/dw', 'dn: raw, deciles, natural GROUP BY', 'dw: raw, deciles, window'),
             ('dw/dc', 'dw: raw, deciles, window', 'dc: raw, deciles, percentile_counts'),
             ('dn/dc', 'dn: raw, deciles, natural GROUP BY', 'dc: raw, deciles, percentile_counts'),
             ('dw/dcs', 'dw: raw, deciles, window', 'dcs: raw, deciles, percentile_counts, stored cuts'),
             ('dn/dcs', 'dn: raw, deciles, natural GROUP BY', 'dcs: raw, deciles, percentile_counts, stored cuts')) AS r(ratio, a, b);
