-- test/bench/model.sql: what a model costs, next to the scorecard call it
-- wraps and the scan.  Expects bench_customers (generate.sql), the
-- harness (harness.sql) and -v runs=N.
--
-- The model has the 12 metrics of scoring.sql (same expressions, methods,
-- anchors and weights) and the segment column.
-- (s)  SELECT sum(m1): the scan floor
-- (b)  avg(scorecard(...)): the score alone, as in scoring.sql
-- (v)  the scores view, every column summed: score, band, grade,
--      percentile, segment percentile, rank and the 12 metric scores
-- (v*) the scores view, SELECT *: every column of every row computed, as
--      a client reads them, less the sending
-- (k)  the scores view, one customer by key (SELECT * ... WHERE id = ...)
-- (vr) the red view, counted
-- (m)  scores_mv, every column summed: what a dashboard reads (the view
--      over stored_scores, ranked against the reference)
-- (rc) refresh(model): one pass over the source into a temporary table,
--      the reference computed again, the rows of stored_scores that
--      changed rewritten (none: the source does not change between rounds)
-- (rf) refresh(model, concurrently => false): since 1.4 the same as (rc),
--      concurrently is ignored; the two differ by the machine's noise
-- (n)  snapshot(model, day): a refresh, then the day's history rows and
--      their trends (one snapshot a round, the same day: each run
--      replaces the last)
-- (u)  build(model) of an unchanged model (it refreshes stored_scores)
\set ON_ERROR_STOP on
\pset footer off
SET max_parallel_workers_per_gather = 2;
TRUNCATE bench.timing, bench.query;

SELECT health_score.drop_model(name, drop_history => true)
FROM health_score.model WHERE name = 'bench' \g /dev/null
-- a model's key is unique, and customers are looked up by it: the
-- primary key a real table has (dropped at the end, for the benchmarks
-- that scan the same table)
CREATE UNIQUE INDEX bench_customers_id ON bench_customers (id);
SELECT health_score.create_model('bench', 'public.bench_customers', 'id',
                                 segments => '{segment}') \g /dev/null
SELECT health_score.add_metric('bench', 'm' || i, 'm' || i, w, method, worst => lo, best => hi)
FROM unnest('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}'::text[],
            '{0,0,30,10,-100,0,0,0,19,-50,0,7}'::float8[],
            '{100,1000,0,0,400,11,1,5000,0,50,10,1}'::float8[],
            '{3,2,1,1,2,2,3,1,1,2,1,1}'::float8[])
     WITH ORDINALITY AS t(method, lo, hi, w, i)
ORDER BY i \g /dev/null

\echo '== build (the first one, which fills stored_scores, read through scores_mv)'
\timing on
SELECT health_score.build('bench');
\timing off

\echo '== checking the view against scorecard() before timing it'
SELECT count(*) AS customers,
       count(*) FILTER (WHERE v.score IS DISTINCT FROM
         round(health_score.scorecard('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}',
                                      '{0,0,30,10,-100,0,0,0,19,-50,0,7}', '{100,1000,0,0,400,11,1,5000,0,50,10,1}',
                                      '{3,2,1,1,2,2,3,1,1,2,1,1}', 0,
                                      c.m1, c.m2, c.m3, c.m4, c.m5, c.m6, c.m7, c.m8, c.m9, c.m10, c.m11, c.m12)::numeric, 1)::float8)
         AS mismatches
FROM health_score_bench.scores v JOIN bench_customers c USING (id);

\o /dev/null
SELECT bench.add('s: scan, sum(m1)', 'SELECT sum(m1) FROM bench_customers');
SELECT bench.add('b: scorecard avg',
  $q$SELECT avg(health_score.scorecard('{linear,log,linear,linear,linear,log,linear,log,linear,linear,linear,linear}',
     '{0,0,30,10,-100,0,0,0,19,-50,0,7}', '{100,1000,0,0,400,11,1,5000,0,50,10,1}', '{3,2,1,1,2,2,3,1,1,2,1,1}', 0,
     m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)) FROM bench_customers$q$);
SELECT bench.add('v: scores view, every column',
  $q$SELECT sum(score), count(band), count(grade), sum(percentile), sum(segment_percentile), sum(rank),
            sum(m1_score + m2_score + m3_score + m4_score + m5_score + m6_score + m7_score + m8_score
                + m9_score + m10_score + m11_score + m12_score)
     FROM health_score_bench.scores$q$);
SELECT bench.add('v*: scores view, SELECT *', 'SELECT * FROM health_score_bench.scores');
SELECT bench.add('k: scores view, one customer', 'SELECT * FROM health_score_bench.scores WHERE id = 424242');
SELECT bench.add('vr: red view, counted', 'SELECT count(*) FROM health_score_bench.red');
SELECT bench.add('m: scores_mv, every column',
  $q$SELECT sum(score), count(band), count(grade), sum(percentile), sum(segment_percentile), sum(rank),
            sum(m1_score + m2_score + m3_score + m4_score + m5_score + m6_score + m7_score + m8_score
                + m9_score + m10_score + m11_score + m12_score)
     FROM health_score_bench.scores_mv$q$);
SELECT bench.add('rc: refresh, concurrently', $q$SELECT health_score.refresh('bench')$q$);
SELECT bench.add('rf: refresh, not concurrently', $q$SELECT health_score.refresh('bench', concurrently => false)$q$);
SELECT bench.add('n: snapshot of one day', $q$SELECT health_score.snapshot('bench', '2026-01-05')$q$);
SELECT bench.add('u: build, unchanged model', $q$SELECT health_score.build('bench')$q$);
\o
CALL bench.run_all(:runs);

\echo '== median of' :runs 'interleaved rounds, in one session'
SHOW jit;
SELECT * FROM bench.summary ORDER BY label;

\echo '== ratios to the scan (s) and to the score alone (b)'
SELECT label,
       round((bench.median_ms(label) / bench.median_ms('s: scan, sum(m1)'))::numeric, 2) AS "x scan",
       round((bench.median_ms(label) / bench.median_ms('b: scorecard avg'))::numeric, 2) AS "x score"
FROM bench.query ORDER BY label;

SELECT health_score.drop_model('bench', drop_history => true) \g /dev/null
DROP INDEX bench_customers_id;
