--
-- distribution, percentile_rank, quantile(s), distribution_count, segments:
-- the percentile layer.
--
-- Hand-checked small cases and text literals first, then 100,000 seeded
-- rows (many ties, ~5 % NULL values, 10 skewed segments and some NULL
-- segments) compared row by row with percent_rank() and percentile_cont(),
-- serially and through a forced parallel plan (so that the workers'
-- partial states are flattened and combined), and through the text form.
--

-- SQLSTATE of a statement, or 'no error' (the plain statements below show
-- the messages; this shows the error codes)
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

------------------------------------------------------------------------
-- Hand-checked small cases
------------------------------------------------------------------------

-- {10,20,20,30,40}, N = 5: rank = greatest(1, least(100, ceil(100 * below / 4)))
-- where below = how many values are smaller.  NULL values are skipped.
CREATE TEMP TABLE small AS
SELECT health_score.distribution(v) AS d
FROM (VALUES (20.0::float8), (10), (40), (NULL), (20), (30)) AS t(v);
SELECT d AS "{10,20*2,30,40}", health_score.distribution_count(d) AS "5" FROM small;
-- percentile_rank next to greatest(1, ceil(100 * percent_rank())) over the values:
-- 10 -> 0 below -> 1, 20 -> 1 below -> 25 (both 20s), 30 -> 3 below -> 75, 40 -> 4 below -> 100
SELECT v, health_score.percentile_rank(s.d, v) AS rank,
       greatest(1, ceil(100 * percent_rank() OVER (ORDER BY v))) AS window_rank
FROM small AS s, (VALUES (10.0::float8), (20), (20), (30), (40)) AS t(v)
ORDER BY v;
-- values not in the distribution: 5 -> 0 below -> 1; 19.99 -> 1 below -> 25;
-- 20.01 and 25 -> 3 below -> 75; 100 -> 5 below -> 125 -> 100;
-- -Infinity -> 1; Infinity -> 100; -0 -> 1
SELECT v, health_score.percentile_rank(s.d, v) AS rank
FROM small AS s,
     (VALUES (5.0::float8), (19.99), (20.01), (25), (100), ('-Infinity'), ('Infinity'), ('-0')) AS t(v);
-- NULL value -> NULL rank; NULL distribution -> NULL rank
SELECT health_score.percentile_rank(d, NULL) IS NULL AS "null value",
       health_score.percentile_rank(NULL, 10) IS NULL AS "null dist"
FROM small;
-- quantile: row = fraction * 4, interpolated: 0 -> 10; 0.1 -> 1.4 -> 10 + 0.4 * 10 = 14;
-- 0.25 -> 20; 0.5 -> 20; 0.6 -> 2.4 -> 20 + 0.4 * 10 = 24; 0.75 -> 30;
-- 0.9 -> 3.6 -> 30 + 0.6 * 10 = 36; 1 -> 40.  Next to percentile_cont.
SELECT health_score.quantiles(d, '{0,0.1,0.25,0.5,0.6,0.75,0.9,1}') AS quantiles,
       (SELECT percentile_cont('{0,0.1,0.25,0.5,0.6,0.75,0.9,1}'::float8[])
               WITHIN GROUP (ORDER BY v)
        FROM (VALUES (10.0::float8), (20), (20), (30), (40)) AS t(v)) AS percentile_cont
FROM small;
SELECT health_score.quantile(d, 0.1) AS "14", health_score.quantile(d, 0.6) AS "24",
       health_score.quantile(d, 1) AS "40", health_score.quantile(d, NULL) IS NULL AS "null fraction"
FROM small;
-- a NULL fraction gives a NULL element; an empty or two-dimensional array
-- as percentile_cont does it
SELECT health_score.quantiles(d, '{0.5,NULL,0}') AS "{20,NULL,10}",
       health_score.quantiles(d, '{}') AS "{}",
       health_score.quantiles(d, '{{0,0.1},{0.9,1}}') AS "2-D",
       health_score.quantiles(d, NULL) IS NULL AS "null fractions"
FROM small;
SELECT (SELECT percentile_cont(f) WITHIN GROUP (ORDER BY v)
        FROM (VALUES (10.0::float8), (20), (20), (30), (40)) AS t(v))
         IS NOT DISTINCT FROM health_score.quantiles(s.d, f) AS same_as_percentile_cont
FROM small AS s,
     (VALUES ('{0.5,NULL,0}'::float8[]), ('{}'), ('{{0,0.1},{0.9,1}}')) AS a(f);
-- fraction outside 0-1 or NaN: ERROR 22003, as percentile_cont
SELECT health_score.quantile(d, -0.1) FROM small;
SELECT health_score.quantile(d, 1.1) FROM small;
SELECT health_score.quantile(d, 'NaN') FROM small;
SELECT health_score.quantiles(d, '{0.5,1.1}') FROM small;
SELECT health_score.quantiles(d, '{NaN}') FROM small;
-- NaN value: ERROR 22023
SELECT health_score.percentile_rank(d, 'NaN') FROM small;

-- percent_rank's float8 arithmetic is followed exactly: with the 21 values
-- 0..20, the value 11 has 11 below, percent_rank 11 / 20 = 0.55, and
-- 100 * 0.55 is 55.00000000000001 in float8, so the window expression
-- gives 56 where exact arithmetic would give 55; 10.5 (11 below) too.
-- 10 -> 10 / 20 -> 50; 12 -> 12 / 20 -> 60
SELECT v, health_score.percentile_rank((SELECT health_score.distribution(x) FROM generate_series(0, 20) AS x), v) AS rank,
       w.window_rank
FROM (SELECT x::float8 AS v, greatest(1, ceil(100 * percent_rank() OVER (ORDER BY x))) AS window_rank
      FROM generate_series(0, 20) AS x) AS w
WHERE v IN (10, 11, 12)
UNION ALL
SELECT 10.5, health_score.percentile_rank((SELECT health_score.distribution(x) FROM generate_series(0, 20) AS x), 10.5), NULL
ORDER BY v;

-- N = 1: every value gets 1; every quantile is the value
SELECT v, health_score.percentile_rank('{42}', v) AS "1"
FROM (VALUES ('-Infinity'::float8), (41), (42), (43), ('Infinity')) AS t(v);
SELECT health_score.quantiles('{42}', '{0,0.5,1}') AS "{42,42,42}";
-- N = 2, {1,2}: 0 and 1 -> 1; 1.5, 2 and 3 -> 1 below of 1 -> 100
SELECT v, health_score.percentile_rank('{1,2}', v) AS rank
FROM (VALUES (0.0::float8), (1), (1.5), (2), (3)) AS t(v);
-- one repeated value, {7*5}: 6 and 7 -> 1; 8 -> 5 below / 4 -> 100; quantiles all 7
SELECT d AS "{7*5}",
       health_score.percentile_rank(d, 6) AS "1", health_score.percentile_rank(d, 7) AS "1",
       health_score.percentile_rank(d, 8) AS "100",
       health_score.quantiles(d, '{0,0.3,1}') AS "{7,7,7}"
FROM (SELECT health_score.distribution(7) AS d FROM generate_series(1, 5)) AS s;

-- +-Infinity values, {-Infinity,-1,0,1,Infinity}, N = 5: -Infinity -> 1,
-- -1e308 and -1 -> 25, 0 -> 50, 1 -> 75, 1e308 and Infinity -> 100
SELECT v, health_score.percentile_rank(d, v) AS rank
FROM (SELECT health_score.distribution(x) AS d
      FROM (VALUES ('Infinity'::float8), (-1), (0), (1), ('-Infinity')) AS t(x)) AS s,
     (VALUES ('-Infinity'::float8), (-1e308), (-1), (0), (1), (1e308), ('Infinity')) AS t(v);
-- quantiles with infinite neighbours: percentile_cont interpolates
-- lo + pct * (hi - lo), so between -Infinity and -1 it gives NaN, and
-- between two equal infinities too; quantiles must give the same.
SELECT q.f AS fractions, health_score.quantiles(d.d, q.f) AS quantiles,
       (SELECT percentile_cont(q.f) WITHIN GROUP (ORDER BY x) FROM unnest(d.vals) AS x) AS percentile_cont
FROM (VALUES ('{-Infinity,-1,0,1,Infinity}'::float8[]),
             ('{Infinity,Infinity}'),
             ('{-Infinity,-Infinity,5}')) AS d0(vals),
     LATERAL (SELECT d0.vals, health_score.distribution(x) AS d FROM unnest(d0.vals) AS x) AS d,
     (VALUES ('{0,0.125,0.25,0.5,0.75,1}'::float8[])) AS q(f);
SELECT health_score.quantile('{Infinity*2}', 0.5) AS "NaN",
       health_score.quantile('{Infinity*2}', 1) AS "Infinity",
       health_score.quantile('{-Infinity,1}', 0) AS "-Infinity";

-- NULLs: all NULL or no rows -> NULL distribution (also with segments)
SELECT health_score.distribution(v) IS NULL AS "all NULL"
FROM (VALUES (NULL::float8), (NULL)) AS t(v);
SELECT health_score.distribution(v) IS NULL AS "no rows"
FROM (VALUES (1.0::float8)) AS t(v) WHERE false;
SELECT health_score.distribution(v, s) IS NULL AS "all NULL, segmented"
FROM (VALUES (NULL::float8, 'a'), (NULL, NULL)) AS t(v, s);
-- -0 is stored as 0 (and -0 and 0 are one value)
SELECT health_score.distribution(v) AS "{0*2}"
FROM (VALUES ('-0'::float8), (0)) AS t(v);
-- NaN value in the aggregate: ERROR 22023
SELECT health_score.distribution(v) FROM (VALUES (1.0::float8), ('NaN')) AS t(v);
SELECT health_score.distribution(v, s) FROM (VALUES (1.0::float8, 'a'), ('NaN', 'b')) AS t(v, s);

-- segments: "basic" {1,2,2,2}, "pro" {5}, NULL {7}; "free" has only a NULL
-- value, so it is not in the distribution at all
CREATE TEMP TABLE small_seg AS
SELECT health_score.distribution(v, s) AS d
FROM (VALUES (5.0::float8, 'pro'), (2, 'basic'), (1, 'basic'), (2, 'basic'), (7, NULL),
             (NULL, 'free'), (2, 'basic'), (NULL, NULL)) AS t(v, s);
SELECT d FROM small_seg;
SELECT n, s AS segment, s IS NULL AS is_null
FROM small_seg, health_score.segments(d) WITH ORDINALITY AS g(s, n) ORDER BY n;
SELECT health_score.distribution_count(d) AS "6",
       health_score.distribution_count(d, 'basic') AS "4",
       health_score.distribution_count(d, 'pro') AS "1",
       health_score.distribution_count(d, NULL) AS "1 (NULL segment)",
       health_score.distribution_count(d, 'free') AS "0",
       health_score.distribution_count(d, 'Basic') AS "0 (case matters)"
FROM small_seg;
-- basic has N = 4: 1 -> 1; 1.5 and 2 -> 1 below / 3 -> 34; 3 -> 4 below -> 100;
-- pro and NULL have N = 1 -> 1; free is absent -> NULL; NULL value -> NULL
SELECT health_score.percentile_rank(d, 1, 'basic') AS "1",
       health_score.percentile_rank(d, 1.5, 'basic') AS "34",
       health_score.percentile_rank(d, 2, 'basic') AS "34",
       health_score.percentile_rank(d, 3, 'basic') AS "100",
       health_score.percentile_rank(d, 100, 'pro') AS "1",
       health_score.percentile_rank(d, 7, NULL) AS "1",
       health_score.percentile_rank(d, 1, 'free') IS NULL AS "absent",
       health_score.percentile_rank(d, NULL, 'basic') IS NULL AS "null value"
FROM small_seg;
-- basic {1,2,2,2}: row = fraction * 3; 0.25 -> 0.75 -> 1 + 0.75 * 1 = 1.75;
-- 0.5 -> 1.5 between 2 and 2 -> 2; 1 -> 2.  The NULL segment {7} -> 7
SELECT health_score.quantile(d, 0.5, 'basic') AS "2",
       health_score.quantiles(d, '{0,0.25,0.5,1}', 'basic') AS "{1,1.75,2,2}",
       health_score.quantile(d, 0.5, NULL) AS "7",
       health_score.quantile(d, 0.5, 'free') IS NULL AS "absent",
       health_score.quantiles(d, '{0.5}', 'free') IS NULL AS "absent"
FROM small_seg;
-- the 2-argument forms on a segmented distribution: ERROR 22023
SELECT health_score.percentile_rank(d, 1) FROM small_seg;
SELECT health_score.quantile(d, 0.5) FROM small_seg;
SELECT health_score.quantiles(d, '{0.5}') FROM small_seg;
-- the 3-argument forms on an unsegmented distribution: ERROR 22023
SELECT health_score.percentile_rank(d, 10, 'basic') FROM small;
SELECT health_score.percentile_rank(d, 10, NULL) FROM small;
SELECT health_score.quantile(d, 0.5, 'basic') FROM small;
SELECT health_score.quantiles(d, '{0.5}', 'basic') FROM small;
SELECT health_score.distribution_count(d, 'basic') FROM small;
-- NaN value with a segment: ERROR 22023
SELECT health_score.percentile_rank(d, 'NaN', 'basic') FROM small_seg;
-- an unsegmented distribution has no segments
SELECT count(*) AS "0" FROM small, health_score.segments(d);
-- NULL distribution in the non-strict segment forms: NULL
SELECT health_score.percentile_rank(NULL, 1, 'a') IS NULL AS rank,
       health_score.quantile(NULL, 0.5, 'a') IS NULL AS quantile,
       health_score.quantiles(NULL, '{0.5}', 'a') IS NULL AS quantiles,
       health_score.distribution_count(NULL, 'a') IS NULL AS count;
-- the error codes of the cases above
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM (VALUES
  ('SELECT health_score.quantile(''{1}'', -0.1)'),
  ('SELECT health_score.quantile(''{1}'', ''NaN'')'),
  ('SELECT health_score.quantiles(''{1}'', ''{1.1}'')'),
  ('SELECT health_score.percentile_rank(''{1}'', ''NaN'')'),
  ('SELECT health_score.percentile_rank(''{"a":{1}}'', ''NaN'', ''a'')'),
  ('SELECT health_score.distribution(v) FROM (VALUES (''NaN''::float8)) AS t(v)'),
  ('SELECT health_score.distribution(v, ''a'') FROM (VALUES (''NaN''::float8)) AS t(v)'),
  ('SELECT health_score.percentile_rank(''{"a":{1}}'', 1)'),
  ('SELECT health_score.quantile(''{"a":{1}}'', 0.5)'),
  ('SELECT health_score.percentile_rank(''{1}'', 1, ''a'')'),
  ('SELECT health_score.quantiles(''{1}'', ''{0.5}'', ''a'')')) AS t(q);

-- long segment keys: 200 bytes ('k...'), and 3,000 bytes ('abab...')
-- that the temp table stores compressed; 30 values, 10 per segment.
-- Below 15: ab {1,4,..,28} has 5 -> ceil(500 / 9) = 56; k {3,6,..,30}
-- has 4 -> ceil(400 / 9) = 45; s {2,5,..,29} has 5 -> 56
CREATE TEMP TABLE long_keys AS
SELECT v::float8 AS v,
       CASE v % 3 WHEN 0 THEN repeat('k', 200) WHEN 1 THEN repeat('ab', 1500) ELSE 's' END AS s
FROM generate_series(1, 30) AS v;
SELECT n, left(s, 6) AS segment, length(s),
       health_score.distribution_count(d, s) AS count, health_score.percentile_rank(d, 15, s) AS rank
FROM (SELECT health_score.distribution(v, s) AS d FROM long_keys) AS x,
     health_score.segments(d) WITH ORDINALITY AS g(s, n)
ORDER BY n;
-- and looked up with the stored (compressed) key, row by row
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.v, i.s) FROM long_keys AS i), r.v, r.s)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT v, s, greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY s ORDER BY v))) AS expected
      FROM long_keys) AS r;

-- the lookups recognise which distribution they are given, row by row:
-- alternate two distributions with the same values but one segmented
-- (its only group is the NULL segment) and two that differ in one value
SELECT n, d, health_score.percentile_rank(d, 2) AS rank, health_score.quantile(d, 0.5) AS median
FROM (VALUES (1, '{1,2}'::health_score.distribution), (2, '{1,3}'), (3, '{1,2}'),
             (4, '{1,3}'), (5, '{1,2*2}')) AS t(n, d)
ORDER BY n;
SELECT n, health_score.distribution_count(d, NULL) AS count,
       health_score.percentile_rank(d, 2, NULL) AS rank
FROM (VALUES (1, '{NULL:{1,2}}'::health_score.distribution), (2, '{NULL:{1,3}}'),
             (3, '{NULL:{1,2}}')) AS t(n, d)
ORDER BY n;
SELECT n, pg_temp.sqlstate_of(format('SELECT health_score.percentile_rank(%L::health_score.distribution, 2)', d)) AS two_arguments,
       pg_temp.sqlstate_of(format('SELECT health_score.percentile_rank(%L::health_score.distribution, 2, NULL)', d)) AS three_arguments
FROM (VALUES (1, '{1,2}'), (2, '{NULL:{1,2}}')) AS t(n, d)
ORDER BY n;

------------------------------------------------------------------------
-- Bands cut by percentile: bottom 20 % red, top 30 % green
------------------------------------------------------------------------

-- 1,000 distinct values: the i-th smallest has i - 1 values below it and
-- N - 1 = 999, so rank r(i) = greatest(1, ceil(100 * (i - 1) / 999)).
-- red is r < 21, i.e. 100 * (i - 1) / 999 <= 20, i.e. i - 1 <= 199.8,
-- i <= 200: 200 red.  green is r >= 71, i.e. 100 * (i - 1) / 999 > 70,
-- i.e. i - 1 >= 700 (699.3 is the bound), i >= 701: 300 green, 500 yellow.
-- 100 * (i - 1) / 999 is an integer only for i = 1 and i = 1000 (999 and
-- 100 are coprime), so no boundary falls on a rounding question.
CREATE TEMP TABLE thousand AS
SELECT i, (i * 7.5 - 1000)::float8 AS v FROM generate_series(1, 1000) AS i;
SELECT health_score.band(health_score.percentile_rank(
         (SELECT health_score.distribution(v) FROM thousand), v), 21, 71) AS band,
       count(*)
FROM thousand GROUP BY 1 ORDER BY 1;
-- the boundaries: i = 200 -> ceil(19.92) = 20 red, i = 201 -> ceil(20.02) = 21
-- yellow, i = 700 -> ceil(69.97) = 70 yellow, i = 701 -> ceil(70.07) = 71 green
SELECT i, health_score.percentile_rank((SELECT health_score.distribution(v) FROM thousand), v) AS rank,
       health_score.band(health_score.percentile_rank(
         (SELECT health_score.distribution(v) FROM thousand), v), 21, 71) AS band
FROM thousand WHERE i IN (1, 2, 200, 201, 700, 701, 1000) ORDER BY i;

------------------------------------------------------------------------
-- Text form
------------------------------------------------------------------------

-- literals and what they read back as: whitespace between tokens,
-- value*count (count 1 is written without it), values written exactly in
-- the shortest form that reads back, -0 as 0, +-Infinity, segment keys in
-- byte order whatever the input order, NULL segment last, \" and \\ in keys
SELECT lit AS input, lit::health_score.distribution::text AS output
FROM (VALUES
  ('{1.5*2, 3}'),
  ('{ 1.5 * 2 , 3 }'),
  ('{0.1}'),
  ('{-0}'),
  ('{1*1,2*2}'),
  ('{.5,1e2,1.50e3}'),
  ('{0.30000000000000004}'),
  ('{0.1,0.10000000000000002}'),
  ('{5e-324,1.7976931348623157e308}'),
  ('{-Infinity,-1e-300,Infinity*3}'),
  ('{1*9223372036854775807}'),
  ('{"basic":{1,2*3},"pro":{5},NULL:{7}}'),
  ('{NULL:{7},"pro":{5},"basic":{1,2*3}}'),
  ('{ "x" : { 1 , 2 * 3 } , NULL : { 4 } }'),
  ('{"a":{1},"B":{2},"":{4},NULL:{5},"b":{6}}'),
  ('{"a\"b\\c":{1}}'),
  ('{NULL:{1,2}}')) AS t(lit);
-- and the output reads back to itself
SELECT count(*) AS literals,
       count(*) FILTER (WHERE lit::health_score.distribution::text::health_score.distribution::text
                              = lit::health_score.distribution::text) AS round_trips
FROM (VALUES ('{1.5*2, 3}'), ('{-0}'), ('{0.30000000000000004}'),
             ('{5e-324,1.7976931348623157e308}'), ('{-Infinity,-1e-300,Infinity*3}'),
             ('{NULL:{7},"pro":{5},"basic":{1,2*3}}'),
             ('{"a":{1},"B":{2},"":{4},NULL:{5},"b":{6}}'),
             ('{"a\"b\\c":{1}}')) AS t(lit);
-- keys come back unescaped, in byte order (not the collation's), NULL last
SELECT n, s AS segment, s IS NULL AS is_null
FROM health_score.segments('{"a":{1},"B":{2},"":{4},NULL:{5},"a\"b\\c":{6}}')
     WITH ORDINALITY AS g(s, n)
ORDER BY n;
SELECT health_score.percentile_rank('{"a\"b\\c":{1,2}}', 2, 'a"b\c') AS "100",
       health_score.distribution_count('{"":{1,2}}', '') AS "2";
-- each segment's count fits in a bigint but their sum does not: that must
-- be an error (at input, or in distribution_count), never a wrapped count
SELECT pg_temp.sqlstate_of(
         $$SELECT health_score.distribution_count('{"a":{1*9223372036854775807},"b":{1}}')$$)
         <> 'no error' AS total_overflow_caught;
-- the output is exact whatever extra_float_digits says
SET extra_float_digits = 0;
SELECT '{0.30000000000000004,0.1}'::health_score.distribution;
SELECT '{0.1,0.30000000000000004}'::health_score.distribution;
RESET extra_float_digits;

-- malformed input: ERROR 22P02, one statement each
SELECT '{ 3 , 1.5*2 }'::health_score.distribution;
SELECT '{1,1}'::health_score.distribution;
SELECT '{0.1,0.10000000000000001}'::health_score.distribution;
SELECT '{}'::health_score.distribution;
SELECT ''::health_score.distribution;
SELECT '   '::health_score.distribution;
SELECT '{"a":{}}'::health_score.distribution;
SELECT '{1*0}'::health_score.distribution;
SELECT '{1*-2}'::health_score.distribution;
SELECT '{1*}'::health_score.distribution;
SELECT '{1*2.5}'::health_score.distribution;
SELECT '{1*2*3}'::health_score.distribution;
SELECT '{1*9223372036854775808}'::health_score.distribution;
SELECT '{1*9223372036854775807,2}'::health_score.distribution;
SELECT '{1,2}x'::health_score.distribution;
SELECT '{1,2},'::health_score.distribution;
SELECT '{1,2'::health_score.distribution;
SELECT '{1,'::health_score.distribution;
SELECT '{"a":{1}'::health_score.distribution;
SELECT '{"a'::health_score.distribution;
SELECT '{"a\'::health_score.distribution;
SELECT '1,2'::health_score.distribution;
SELECT '{1,,2}'::health_score.distribution;
SELECT '{1 2}'::health_score.distribution;
SELECT '{abc}'::health_score.distribution;
SELECT '{NaN}'::health_score.distribution;
SELECT '{1,NaN}'::health_score.distribution;
SELECT '{1e999}'::health_score.distribution;
SELECT '{"a":{1},"a":{2}}'::health_score.distribution;
SELECT '{NULL:{1},NULL:{2}}'::health_score.distribution;
SELECT '{"a":1}'::health_score.distribution;
SELECT '{"a" {1}}'::health_score.distribution;
SELECT '{1,"a":{2}}'::health_score.distribution;
SELECT '{"a":{1},2}'::health_score.distribution;
SELECT '{"a":{2,1}}'::health_score.distribution;
SELECT '{a:{1}}'::health_score.distribution;
SELECT '{"a\nb":{1}}'::health_score.distribution;
-- their error codes (1e999 is the float8 input's own out-of-range error,
-- 22003; a total beyond bigint is program_limit_exceeded, 54000)
SELECT lit AS input,
       pg_temp.sqlstate_of(format('SELECT %L::health_score.distribution', lit)) AS sqlstate
FROM (VALUES ('{ 3 , 1.5*2 }'), ('{1,1}'), ('{0.1,0.10000000000000001}'), ('{}'), (''),
             ('   '), ('{"a":{}}'), ('{1*0}'), ('{1*-2}'), ('{1*}'), ('{1*2.5}'), ('{1*2*3}'),
             ('{1*9223372036854775808}'), ('{1*9223372036854775807,2}'),
             ('{1,2}x'), ('{1,2},'), ('{1,2'),
             ('{1,'), ('{"a":{1}'), ('{"a'), ('{"a\'), ('1,2'), ('{1,,2}'), ('{1 2}'),
             ('{abc}'), ('{NaN}'), ('{1,NaN}'), ('{1e999}'), ('{"a":{1},"a":{2}}'),
             ('{NULL:{1},NULL:{2}}'), ('{"a":1}'), ('{"a" {1}}'), ('{1,"a":{2}}'),
             ('{"a":{1},2}'), ('{"a":{2,1}}'), ('{a:{1}}'), ('{"a\nb":{1}}')) AS t(lit);

------------------------------------------------------------------------
-- The aggregates' state is a distribution
------------------------------------------------------------------------

-- So that Citus can ship it between nodes as text, the state of
-- distribution() and auc() is a distribution value, and the transition,
-- combine and final functions are functions of distribution values, in
-- SQL too.  Flat values, as a parallel worker's or Citus's partial states
-- arrive, are checked and added to:
-- {1,2*2} + 2 -> {1,2*3}; + NULL -> {1,2*2}; NULL + 5 -> {5}
SELECT health_score.distribution_accum('{1,2*2}', 2) AS "{1,2*3}",
       health_score.distribution_accum('{1,2*2}', NULL) AS "{1,2*2}",
       health_score.distribution_accum(NULL, 5) AS "{5}",
       health_score.distribution_accum(NULL, NULL) IS NULL AS "NULL";
-- to a segment: "b" is new, "a" grows, the NULL segment is one of its own
SELECT health_score.distribution_accum('{"a":{1}}', 2, 'b') AS "{""a"":{1},""b"":{2}}",
       health_score.distribution_accum('{"a":{1}}', 1, 'a') AS "{""a"":{1*2}}",
       health_score.distribution_accum('{"a":{1}}', 3, NULL) AS "{""a"":{1},NULL:{3}}";
-- combine: every value of both, segment by segment; NULL on either side
-- is nothing
SELECT health_score.distribution_combine('{1,2}', '{2,3}') AS "{1,2*2,3}",
       health_score.distribution_combine('{"a":{1},"b":{2}}', '{"b":{2,5},NULL:{3}}')
         AS "{""a"":{1},""b"":{2*2,5},NULL:{3}}",
       health_score.distribution_combine(NULL, '{1}') AS "{1}",
       health_score.distribution_combine('{1}', NULL) AS "{1}",
       health_score.distribution_combine(NULL, NULL) IS NULL AS "NULL";
-- the final function gives the value, and what the functions give is a
-- distribution the lookups read: {10,20,30,40} + 20 is small's
-- {10,20*2,30,40}, where 20 ranks 25 and the median is 20
SELECT health_score.distribution_final('{1,2*2}') AS "{1,2*2}",
       health_score.percentile_rank(health_score.distribution_accum('{10,20,30,40}', 20), 20) AS "25",
       health_score.quantile(health_score.distribution_combine('{10,20}', '{20,30,40}'), 0.5) AS "20",
       health_score.distribution_combine('{10,20}', '{20,30,40}')::text = (SELECT d::text FROM small)
         AS same_as_small;
-- inside an aggregate: a flat initial state ({1,2*2} from INITCOND) is
-- loaded and added to, and the state comes out as a value (no final
-- function: the expanded state is flattened)
CREATE AGGREGATE distribution_from_1_2_2(float8) (
  SFUNC = health_score.distribution_accum, STYPE = health_score.distribution, INITCOND = '{1,2*2}');
SELECT distribution_from_1_2_2(v) AS "{1,2*3,3}" FROM (VALUES (2.0::float8), (3), (NULL)) AS t(v);
-- the combine function as a transition function, as Citus's coordinator
-- runs it: flat partial states, one a row, merged into one
CREATE AGGREGATE distribution_merged(health_score.distribution) (
  SFUNC = health_score.distribution_combine, STYPE = health_score.distribution,
  FINALFUNC = health_score.distribution_final, COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE);
SELECT distribution_merged(d) AS "{1*2,2*3,3,4}"
FROM (VALUES ('{1,2}'::health_score.distribution), (NULL), ('{1,2*2,3}'), ('{4}')) AS t(d);
SELECT distribution_merged(d) AS "{""a"":{1*2,2},""b"":{3},NULL:{4}}"
FROM (VALUES ('{"a":{1}}'::health_score.distribution), ('{"a":{1,2},"b":{3}}'), ('{NULL:{4}}')) AS t(d);
-- a PL/pgSQL variable holds the expanded value and passes it read-only:
-- 1..10 % 4 = {0*2,1*3,2*3,3*2}, combined with itself {0*4,1*6,2*6,3*4}
CREATE FUNCTION pg_temp.built_in_plpgsql(n int) RETURNS health_score.distribution
LANGUAGE plpgsql AS $$
DECLARE
  d health_score.distribution;
BEGIN
  FOR i IN 1..n LOOP
    d := health_score.distribution_accum(d, i % 4);
  END LOOP;
  RETURN health_score.distribution_combine(d, d);
END $$;
SELECT pg_temp.built_in_plpgsql(10) AS "{0*4,1*6,2*6,3*4}";
-- a state of the other kind, with segments or without: ERROR 22023
SELECT health_score.distribution_accum('{"a":{1}}', 2);
SELECT health_score.distribution_accum('{1}', 2, 'a');
SELECT health_score.distribution_combine('{1}', '{"a":{1}}');
SELECT health_score.distribution_combine('{"a":{1}}', '{1}');
CREATE AGGREGATE distribution_from_segmented(float8) (
  SFUNC = health_score.distribution_accum, STYPE = health_score.distribution, INITCOND = '{"a":{1}}');
SELECT distribution_from_segmented(v) FROM (VALUES (2.0::float8)) AS t(v);
SELECT distribution_merged(d) FROM (VALUES ('{1}'::health_score.distribution), ('{"a":{1}}')) AS t(d);
SELECT q AS query, pg_temp.sqlstate_of(q) AS sqlstate
FROM (VALUES
  ('SELECT health_score.distribution_accum(''{"a":{1}}'', 2)'),
  ('SELECT health_score.distribution_accum(''{1}'', 2, ''a'')'),
  ('SELECT health_score.distribution_combine(''{1}'', ''{"a":{1}}'')'),
  ('SELECT health_score.distribution_combine(''{"a":{1}}'', ''{1}'')'),
  ('SELECT distribution_from_segmented(v) FROM (VALUES (2.0::float8)) AS t(v)'),
  ('SELECT distribution_merged(d) FROM (VALUES (''{1}''::health_score.distribution), (''{"a":{1}}'')) AS t(d)'),
  ('SELECT health_score.distribution_accum(''{1}'', ''NaN'')')) AS t(q);
DROP AGGREGATE distribution_from_1_2_2(float8), distribution_from_segmented(float8);

------------------------------------------------------------------------
-- 100,000 seeded rows
------------------------------------------------------------------------

-- value: round(random() * 1000 / k) / 10 + 10 * s - 30, k = 1, 2 or 3 by
-- segment: at most 1,001 distinct values per segment, so many ties, ~5 %
-- NULL; cont: random(), no ties, ~5 % NULL; segment: seg0 .. seg9 with
-- sizes from ~46 % down to ~3 % (floor(10 * random()^3)), ~2 % NULL
SELECT setseed(0.31);
CREATE TABLE dist_rows AS
WITH g AS MATERIALIZED (
  SELECT i,
         CASE WHEN random() < 0.02 THEN NULL ELSE floor(10 * random() ^ 3)::int END AS s,
         random() AS r1, random() AS r2, random() AS r3, random() AS r4
  FROM generate_series(1, 100000) AS i)
SELECT i AS id,
       'seg' || s AS segment,
       CASE WHEN r1 < 0.05 THEN NULL
            ELSE round(r2 * 1000 / (1 + coalesce(s, 0) % 3)) / 10 + 10 * coalesce(s, 0) - 30 END AS value,
       CASE WHEN r3 < 0.05 THEN NULL ELSE r4 END AS cont
FROM g;
ANALYZE dist_rows;

-- the shape of the data
SELECT count(*) AS rows, count(value) AS "values", count(DISTINCT value) AS distinct_values,
       count(cont) AS conts, count(DISTINCT cont) AS distinct_conts,
       count(*) FILTER (WHERE segment IS NULL) AS null_segment_rows,
       count(DISTINCT segment) AS segments
FROM dist_rows;

-- the serial comparisons run without workers; the same views run again
-- below through a forced parallel plan
SET max_parallel_workers_per_gather = 0;

-- percentile_rank(distribution(value), value) against
-- greatest(1, ceil(100 * percent_rank() OVER (ORDER BY value))), row by
-- row over the non-NULL values, for the tied column and the continuous one
CREATE VIEW rank_overall AS
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.value) FROM dist_rows AS i), r.value)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT value, greatest(1, ceil(100 * percent_rank() OVER (ORDER BY value))) AS expected
      FROM dist_rows WHERE value IS NOT NULL) AS r;
CREATE VIEW rank_overall_cont AS
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.cont) FROM dist_rows AS i), r.cont)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT cont, greatest(1, ceil(100 * percent_rank() OVER (ORDER BY cont))) AS expected
      FROM dist_rows WHERE cont IS NOT NULL) AS r;
SELECT * FROM rank_overall;
SELECT * FROM rank_overall_cont;

-- values that are not in the distribution: a grid of 3,861 probes from
-- -31 to 162 in steps of 0.05 (on and between the data's values, as
-- float8 arithmetic lands them) and +-Infinity, against
-- greatest(1, least(100, ceil(100 * (below / (N - 1))))) in float8, with
-- below = how many values are smaller: a running count of the values over
-- values and probes sorted together, a probe before the values equal to it
SELECT count(*) AS probes,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.value) FROM dist_rows AS i), w.v)
                              IS DISTINCT FROM
                              greatest(1, least(100, ceil(100 * (w.below::float8 / (c.n - 1)::float8)))))
         AS mismatches,
       count(DISTINCT w.below) AS distinct_below
FROM (SELECT v, probe,
             count(*) FILTER (WHERE NOT probe) OVER (ORDER BY v, probe DESC ROWS UNBOUNDED PRECEDING) AS below
      FROM (SELECT value AS v, false AS probe FROM dist_rows WHERE value IS NOT NULL
            UNION ALL
            SELECT x / 20.0, true FROM generate_series(-620, 3240) AS x
            UNION ALL
            VALUES ('-Infinity'::float8, true), ('Infinity', true)) AS u) AS w,
     (SELECT count(value) AS n FROM dist_rows) AS c
WHERE w.probe;

-- per segment, two-pass idiom: percentile_rank(distribution(value, segment),
-- value, segment) against percent_rank() OVER (PARTITION BY segment ...);
-- the NULL segment is one partition and one group of its own, so its rows
-- are included
CREATE VIEW rank_segmented AS
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE r.segment IS NULL) AS null_segment_rows,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.value, i.segment) FROM dist_rows AS i),
                                r.value, r.segment)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT segment, value,
             greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY value))) AS expected
      FROM dist_rows WHERE value IS NOT NULL) AS r;
CREATE VIEW rank_segmented_cont AS
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE r.segment IS NULL) AS null_segment_rows,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.cont, i.segment) FROM dist_rows AS i),
                                r.cont, r.segment)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT segment, cont,
             greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY cont))) AS expected
      FROM dist_rows WHERE cont IS NOT NULL) AS r;
SELECT * FROM rank_segmented;
SELECT * FROM rank_segmented_cont;

-- per segment, join idiom: a distribution(value) per segment from
-- GROUP BY segment, joined back with IS NOT DISTINCT FROM (so the NULL
-- segment's rows are included), with the 2-argument percentile_rank
CREATE VIEW rank_joined AS
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE r.segment IS NULL) AS null_segment_rows,
       count(*) FILTER (WHERE health_score.percentile_rank(g.d, r.value)
                              IS DISTINCT FROM r.expected) AS mismatches
FROM (SELECT segment, value,
             greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY value))) AS expected
      FROM dist_rows WHERE value IS NOT NULL) AS r
JOIN (SELECT segment, health_score.distribution(value) AS d FROM dist_rows GROUP BY segment) AS g
  ON r.segment IS NOT DISTINCT FROM g.segment;
SELECT * FROM rank_joined;

-- quantile and quantiles against percentile_cont, compared exactly:
-- overall, each fraction and the array at once, both columns
CREATE VIEW quantile_overall AS
SELECT count(*) AS fractions,
       count(*) FILTER (WHERE health_score.quantile(e.dv, f) IS DISTINCT FROM p.pv[n]) AS value_mismatches,
       count(*) FILTER (WHERE health_score.quantile(e.dc, f) IS DISTINCT FROM p.pc[n]) AS cont_mismatches,
       bool_and(health_score.quantiles(e.dv, p.fr) IS NOT DISTINCT FROM p.pv
                AND health_score.quantiles(e.dc, p.fr) IS NOT DISTINCT FROM p.pc) AS arrays_equal
FROM (SELECT health_score.distribution(value) AS dv, health_score.distribution(cont) AS dc
      FROM dist_rows) AS e,
     (SELECT fr, percentile_cont(fr) WITHIN GROUP (ORDER BY value) AS pv,
             percentile_cont(fr) WITHIN GROUP (ORDER BY cont) AS pc
      FROM dist_rows,
           (VALUES ('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])) AS a(fr)
      GROUP BY fr) AS p,
     unnest(p.fr) WITH ORDINALITY AS u(f, n);
SELECT * FROM quantile_overall;

-- per segment (GROUP BY segment, the NULL segment included): quantiles of
-- distribution(value) against percentile_cont, joined on the segment
CREATE VIEW quantile_grouped AS
SELECT count(*) AS groups,
       count(*) FILTER (WHERE e.qv IS DISTINCT FROM p.qv OR e.qc IS DISTINCT FROM p.qc) AS mismatches
FROM (SELECT segment,
             health_score.quantiles(health_score.distribution(value),
                                    '{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}') AS qv,
             health_score.quantiles(health_score.distribution(cont),
                                    '{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}') AS qc
      FROM dist_rows GROUP BY segment) AS e
JOIN (SELECT segment,
             percentile_cont('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])
               WITHIN GROUP (ORDER BY value) AS qv,
             percentile_cont('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])
               WITHIN GROUP (ORDER BY cont) AS qc
      FROM dist_rows GROUP BY segment) AS p
  ON e.segment IS NOT DISTINCT FROM p.segment;
SELECT * FROM quantile_grouped;

-- per segment from one distribution(value, segment): quantile and quantiles
-- with the segment against percentile_cont GROUP BY segment
CREATE VIEW quantile_segmented AS
SELECT count(*) AS groups,
       count(*) FILTER (WHERE health_score.quantiles(
                                (SELECT health_score.distribution(i.value, i.segment) FROM dist_rows AS i),
                                '{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}', p.segment)
                              IS DISTINCT FROM p.qv) AS array_mismatches,
       count(*) FILTER (WHERE health_score.quantile(
                                (SELECT health_score.distribution(i.value, i.segment) FROM dist_rows AS i),
                                0.9, p.segment)
                              IS DISTINCT FROM p.qv[7]) AS quantile_0_9_mismatches
FROM (SELECT segment,
             percentile_cont('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])
               WITHIN GROUP (ORDER BY value) AS qv
      FROM dist_rows GROUP BY segment) AS p;
SELECT * FROM quantile_segmented;

-- distribution_count and segments against count() GROUP BY segment;
-- segments in byte order ("C" collation), the NULL segment last
CREATE VIEW counts_segmented AS
SELECT count(*) AS groups,
       count(*) FILTER (WHERE health_score.distribution_count(
                                (SELECT health_score.distribution(i.value, i.segment) FROM dist_rows AS i),
                                c.segment) <> c.n) AS count_mismatches,
       sum(c.n) = (SELECT health_score.distribution_count(health_score.distribution(i.value, i.segment))
                   FROM dist_rows AS i) AS total_ok,
       (SELECT array_agg(s ORDER BY n) FROM health_score.segments(
          (SELECT health_score.distribution(i.value, i.segment) FROM dist_rows AS i)) WITH ORDINALITY AS g(s, n))
         IS NOT DISTINCT FROM
         array_agg(c.segment ORDER BY c.segment COLLATE "C" NULLS LAST) AS segments_ok
FROM (SELECT segment, count(value) AS n FROM dist_rows GROUP BY segment) AS c;
SELECT * FROM counts_segmented;
SELECT array_agg(s ORDER BY n) AS segments
FROM health_score.segments((SELECT health_score.distribution(value, segment) FROM dist_rows))
     WITH ORDINALITY AS g(s, n);

-- the text form of the random distributions reads back to the same text,
-- and percentile_rank and quantiles give the same on the read-back value
SELECT d::text::health_score.distribution::text = d::text AS value_round_trips,
       dc::text::health_score.distribution::text = dc::text AS cont_round_trips,
       ds::text::health_score.distribution::text = ds::text AS segmented_round_trips,
       dsc::text::health_score.distribution::text = dsc::text AS segmented_cont_round_trips
FROM (SELECT health_score.distribution(value) AS d, health_score.distribution(cont) AS dc,
             health_score.distribution(value, segment) AS ds,
             health_score.distribution(cont, segment) AS dsc
      FROM dist_rows) AS s;
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.value)::text::health_score.distribution
                                 FROM dist_rows AS i), r.value)
                              IS DISTINCT FROM r.expected) AS value_mismatches,
       count(*) FILTER (WHERE health_score.percentile_rank(
                                (SELECT health_score.distribution(i.value, i.segment)::text::health_score.distribution
                                 FROM dist_rows AS i), r.value, r.segment)
                              IS DISTINCT FROM r.expected_segmented) AS segmented_mismatches
FROM (SELECT segment, value,
             greatest(1, ceil(100 * percent_rank() OVER (ORDER BY value))) AS expected,
             greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY value))) AS expected_segmented
      FROM dist_rows WHERE value IS NOT NULL) AS r;
SELECT health_score.quantiles(d::text::health_score.distribution, f) IS NOT DISTINCT FROM health_score.quantiles(d, f)
         AS value_quantiles_same,
       health_score.quantiles(dc::text::health_score.distribution, f) IS NOT DISTINCT FROM health_score.quantiles(dc, f)
         AS cont_quantiles_same
FROM (SELECT health_score.distribution(value) AS d, health_score.distribution(cont) AS dc
      FROM dist_rows) AS s,
     (VALUES ('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])) AS a(f);

-- distributions stored in a table (out of line: the type's storage is
-- external, so the lookups detoast them), for the first 2,000 rows
CREATE TEMP TABLE stored AS
SELECT health_score.distribution(value) AS d, health_score.distribution(value, segment) AS ds,
       health_score.distribution(cont) AS dc
FROM dist_rows;
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(s.d, r.value) IS DISTINCT FROM r.expected)
         AS mismatches,
       count(*) FILTER (WHERE health_score.percentile_rank(s.ds, r.value, r.segment)
                                IS DISTINCT FROM r.expected_segmented) AS segmented_mismatches
FROM (SELECT id, segment, value,
             greatest(1, ceil(100 * percent_rank() OVER (ORDER BY value))) AS expected,
             greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY value))) AS expected_segmented
      FROM dist_rows WHERE value IS NOT NULL) AS r,
     stored AS s
WHERE r.id <= 2000;
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE health_score.percentile_rank(s.dc, r.cont) IS DISTINCT FROM r.expected)
         AS cont_mismatches
FROM (SELECT id, cont, greatest(1, ceil(100 * percent_rank() OVER (ORDER BY cont))) AS expected
      FROM dist_rows WHERE cont IS NOT NULL) AS r,
     stored AS s
WHERE r.id <= 2000;
SELECT health_score.quantiles(s.dc, f)
         IS NOT DISTINCT FROM (SELECT percentile_cont(f) WITHIN GROUP (ORDER BY cont) FROM dist_rows)
         AS stored_quantiles_same
FROM stored AS s,
     (VALUES ('{0,0.001,0.1,0.25,0.3333333333333333,0.5,0.9,0.999,1}'::float8[])) AS a(f);

-- a distribution is the combination of its parts' distributions, each
-- shipped as text as Citus ships a worker's partial state, merged by the
-- combine function: 7 parts by id, 100 by value (so that parts overlap
-- and miss segments), the NULL segment among them
CREATE VIEW combined_parts AS
SELECT (SELECT distribution_merged(p.d::text::health_score.distribution)
          FROM (SELECT health_score.distribution(value) AS d FROM dist_rows GROUP BY id % 7) AS p)::text
         = (SELECT health_score.distribution(value)::text FROM dist_rows) AS value_same,
       (SELECT distribution_merged(p.d::text::health_score.distribution)
          FROM (SELECT health_score.distribution(cont, segment) AS d FROM dist_rows GROUP BY id % 7) AS p)::text
         = (SELECT health_score.distribution(cont, segment)::text FROM dist_rows) AS segmented_cont_same,
       (SELECT distribution_merged(p.d::text::health_score.distribution)
          FROM (SELECT health_score.distribution(value, segment) AS d FROM dist_rows
                GROUP BY floor(value)::int % 100) AS p)::text
         = (SELECT health_score.distribution(value, segment)::text FROM dist_rows) AS segmented_by_value_same;
SELECT * FROM combined_parts;

-- kept for the parallel run: the serial distributions' text
CREATE TEMP TABLE serial_text AS
SELECT health_score.distribution(value)::text AS d,
       health_score.distribution(cont)::text AS dc,
       health_score.distribution(value, segment)::text AS ds,
       health_score.distribution(cont, segment)::text AS dsc,
       health_score.distribution(CASE WHEN id = 77777 THEN 1.5 END)::text AS sparse,
       health_score.distribution(CASE WHEN id % 25000 = 0 THEN value END, segment)::text AS sparse_seg,
       health_score.distribution(CASE WHEN id < 0 THEN value END)::text AS none
FROM dist_rows;
-- (the sparse ones: one value, and four values in a few segments, so that
-- some workers' partial states hold no value at all)
SELECT sparse, sparse_seg, none IS NULL AS none_is_null FROM serial_text;

------------------------------------------------------------------------
-- The same through a forced parallel plan
------------------------------------------------------------------------

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- the distribution aggregate runs partially in the workers
EXPLAIN (COSTS OFF) SELECT health_score.distribution(value) FROM dist_rows;
EXPLAIN (COSTS OFF) SELECT health_score.distribution(value, segment) FROM dist_rows;

-- which aggregates the workers ran partially: the distribution aggregate (the
-- "PARTIAL health_score.distribution(...)" outputs of the plan's Partial
-- Aggregate nodes)
CREATE FUNCTION pg_temp.partial_aggregates(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (VERBOSE, FORMAT JSON) ' || query INTO plan;
  RETURN (SELECT string_agg(DISTINCT o #>> '{}', ', ')
          FROM jsonb_path_query(plan, 'strict $.** ? (@."Partial Mode" == "Partial")."Output"[*]') AS o
          WHERE o #>> '{}' LIKE 'PARTIAL health\_score.distribution(%');
END $$;

-- the distributions built in parallel are the serial ones, text for text
CREATE VIEW parallel_text AS
SELECT health_score.distribution(value)::text AS d,
       health_score.distribution(cont)::text AS dc,
       health_score.distribution(value, segment)::text AS ds,
       health_score.distribution(cont, segment)::text AS dsc,
       health_score.distribution(CASE WHEN id = 77777 THEN 1.5 END)::text AS sparse,
       health_score.distribution(CASE WHEN id % 25000 = 0 THEN value END, segment)::text AS sparse_seg,
       health_score.distribution(CASE WHEN id < 0 THEN value END)::text AS none
FROM dist_rows;
SELECT regress.workers_launched('SELECT * FROM parallel_text') > 0 AS parallel_workers_ran;
SELECT p.d = s.d AS value_same, p.dc = s.dc AS cont_same,
       p.ds = s.ds AS segmented_same, p.dsc = s.dsc AS segmented_cont_same,
       p.sparse = s.sparse AS sparse_same, p.sparse_seg = s.sparse_seg AS sparse_segmented_same,
       p.none IS NULL AS none_is_null
FROM parallel_text AS p, serial_text AS s;

-- every comparison view again, each with workers launched and the
-- distribution aggregate among the partial aggregates
SELECT v AS view,
       regress.workers_launched('SELECT * FROM ' || v) > 0 AS parallel_workers_ran,
       pg_temp.partial_aggregates('SELECT * FROM ' || v) AS partial_aggregates
FROM (VALUES ('rank_overall'), ('rank_overall_cont'), ('rank_segmented'), ('rank_segmented_cont'),
             ('rank_joined'), ('quantile_overall'), ('quantile_grouped'), ('quantile_segmented'),
             ('counts_segmented')) AS t(v);
SELECT * FROM rank_overall;
SELECT * FROM rank_overall_cont;
SELECT * FROM rank_segmented;
SELECT * FROM rank_segmented_cont;
SELECT * FROM rank_joined;
SELECT * FROM quantile_overall;
SELECT * FROM quantile_grouped;
SELECT * FROM quantile_segmented;
SELECT * FROM counts_segmented;
-- the parts' distributions built in parallel, merged after a trip through text
SELECT regress.workers_launched('SELECT * FROM combined_parts') > 0 AS parallel_workers_ran,
       pg_temp.partial_aggregates('SELECT * FROM combined_parts') LIKE '%PARTIAL health\_score.distribution(%'
         AS distribution_partial;
SELECT * FROM combined_parts;
-- and the combine function as the transition of a parallel aggregate:
-- each worker merges stored distributions (out of line, ~2,000 values
-- each), the leader merges the workers'.  Each part is stored three
-- times, so the merge holds every value three times.
CREATE TABLE parts AS
SELECT p.part, p.d
FROM (SELECT id % 50 AS part, health_score.distribution(value, segment) AS d FROM dist_rows GROUP BY 1) AS p,
     generate_series(1, 3);
-- a table of two pages gets one worker, which would save nothing
ALTER TABLE parts SET (parallel_workers = 2);
ANALYZE parts;
SELECT regress.workers_launched('SELECT distribution_merged(d) FROM parts') > 0 AS parallel_workers_ran;
SELECT (SELECT distribution_merged(d)::text FROM parts)
         = (SELECT health_score.distribution(value, segment)::text FROM dist_rows, generate_series(1, 3))
         AS parallel_merge_same;

RESET ALL;
DROP VIEW parallel_text, rank_overall, rank_overall_cont, rank_segmented, rank_segmented_cont, rank_joined,
          quantile_overall, quantile_grouped, quantile_segmented, counts_segmented, combined_parts;
DROP TABLE parts;
DROP AGGREGATE distribution_merged(health_score.distribution);
DROP TABLE dist_rows;

-- descending_rank(dist, value): 1 + the values above value, which for a
-- value of dist is rank() OVER (ORDER BY value DESC): over 20,000 seeded
-- values with ties (one decimal), every value ranked both ways, and
-- values between them, below the lowest and above the highest ranked as
-- 1 + a count of the values above by hand; mismatches 0
SELECT setseed(0.27);
CREATE TEMP TABLE rank_values AS
SELECT round((random() * 100)::numeric, 1)::float8 AS v FROM generate_series(1, 20000);
WITH d AS (SELECT health_score.distribution(v) AS d FROM rank_values),
     ranked AS (SELECT v, rank() OVER (ORDER BY v DESC) AS r FROM rank_values)
SELECT count(*) AS ranked,
       count(*) FILTER (WHERE health_score.descending_rank(d.d, ranked.v) <> ranked.r) AS mismatches
  FROM ranked, d;
WITH d AS (SELECT health_score.distribution(v) AS d FROM rank_values),
     probes(p) AS (SELECT g / 100.0::float8 FROM generate_series(-200, 10200, 7) AS g
                   UNION ALL SELECT unnest(ARRAY['-Infinity', 'Infinity', 1e308, -0.0]::float8[]))
SELECT count(*) AS probes,
       count(*) FILTER (WHERE health_score.descending_rank(d.d, p)
                              <> 1 + (SELECT count(*) FROM rank_values AS rv WHERE rv.v > p)) AS mismatches
  FROM probes, d;
-- by hand: {1, 2*2, 5}: 5 ranks 1, 2 ranks 2 (ties), 1 ranks 4, 0 ranks 5
SELECT v, health_score.descending_rank('{1,2*2,5}', v)
  FROM unnest(ARRAY[6, 5, 3, 2, 1, 0]::float8[]) AS v;
SELECT health_score.descending_rank('{1,2*2,5}', NULL) IS NULL AS strict;
SELECT health_score.descending_rank('{1,2*2,5}', 'NaN');
SELECT health_score.descending_rank('{"a":{1}}', 1);
-- Values that are whole tenths (rounded scores) are looked up in a table
-- of counts, one per tenth (search_tree.c); a descending rank asks for the
-- float8 just above a tenth.  Over 30,000 seeded one-decimal values from
-- -50 to 250, every tenth from -60 to 260 and every hundredth from -1 to
-- 1 probed with percentile_rank and descending_rank, against counts by
-- hand (a running count per distinct value); then the same values with
-- one that is no tenth (no table: the search answers); mismatches 0 in
-- each
SELECT setseed(0.29);
CREATE TEMP TABLE tenth_values AS
SELECT round((random() * 300 - 50)::numeric, 1)::float8 AS v FROM generate_series(1, 30000);
CREATE TEMP TABLE tenth_probes AS
SELECT g / 10.0::float8 AS p FROM generate_series(-600, 2600) AS g
UNION SELECT g / 100.0::float8 FROM generate_series(-100, 100) AS g;
-- the counts by hand: per distinct value, how many are at most it, read
-- for a probe from the greatest value below it (or not above it)
CREATE TEMP TABLE tenth_kinds AS
SELECT 'tenths' AS table_kind, v FROM tenth_values
UNION ALL SELECT 'one value off the tenths', v FROM tenth_values
UNION ALL SELECT 'one value off the tenths', 12.345;
CREATE TEMP TABLE tenth_upto AS
SELECT table_kind, v, sum(count(*)) OVER (PARTITION BY table_kind ORDER BY v) AS upto
  FROM tenth_kinds GROUP BY table_kind, v;
CREATE INDEX ON tenth_upto (table_kind, v);
SELECT table_kind, count(*) AS probes,
       count(*) FILTER (WHERE health_score.percentile_rank(d, p)
                              <> greatest(1, least(100, ceil(100 * (below::float8 / (total - 1)::float8))))
                           OR health_score.descending_rank(d, p) <> 1 + total - not_above) AS mismatches
  FROM (SELECT table_kind, health_score.distribution(v) AS d, count(*) AS total
          FROM tenth_kinds GROUP BY table_kind) AS dists,
       tenth_probes,
       LATERAL (SELECT coalesce((SELECT upto FROM tenth_upto AS u WHERE u.table_kind = dists.table_kind
                                    AND u.v < p ORDER BY u.v DESC LIMIT 1), 0) AS below,
                       coalesce((SELECT upto FROM tenth_upto AS u WHERE u.table_kind = dists.table_kind
                                    AND u.v <= p ORDER BY u.v DESC LIMIT 1), 0) AS not_above) AS counted
 GROUP BY table_kind ORDER BY table_kind;
DROP TABLE tenth_values, tenth_probes, tenth_kinds, tenth_upto;
-- by segment, against rank() OVER (PARTITION BY segment ...): 20,000
-- values in 7 segments, one of them NULL; mismatches 0
SELECT setseed(0.28);
CREATE TEMP TABLE rank_segments AS
SELECT v, CASE WHEN random() < 0.1 THEN NULL ELSE 's' || (random() * 6)::int END AS seg
  FROM rank_values;
WITH d AS (SELECT health_score.distribution(v, seg) AS d FROM rank_segments),
     ranked AS (SELECT v, seg, rank() OVER (PARTITION BY seg ORDER BY v DESC) AS r FROM rank_segments)
SELECT count(*) AS ranked,
       count(*) FILTER (WHERE health_score.descending_rank(d.d, ranked.v, ranked.seg) <> ranked.r) AS mismatches
  FROM ranked, d;
SELECT health_score.descending_rank('{"a":{1,3}}', 2, 'a') AS in_a,
       health_score.descending_rank('{"a":{1,3}}', 2, 'b') IS NULL AS absent_segment,
       health_score.descending_rank('{"a":{1,3}}', NULL, 'a') IS NULL AS null_value;
