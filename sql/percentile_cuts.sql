--
-- percentile_cuts, percentile_rank_by_cuts(cuts, value), percentile_counts.
--
-- The oracle is percentile_rank(dist, value), itself checked against
-- percent_rank() in sql/distribution.sql: over every value of seeded
-- distributions (with ties, and raw values all distinct), over values
-- between them, below the smallest and above the largest, the rank from
-- the cuts must be the same, for N = 1, 2, 3, 99, 100, 101 values and per
-- segment.  percentile_counts is checked against count(*) GROUP BY
-- segment and bucket of percent_rank(), serially and through a forced
-- parallel plan.
--

-- Ten values 1..10: rank(v) = ceil(100 * (below / 9)), so 1 ranks 1,
-- 2 ranks ceil(100 / 9) = 12, 3 ranks 23, ... 10 ranks 100.  cuts[i] is
-- the largest value ranking i or lower: 1 for i = 1..11, 2 for 12..22, ...
SELECT health_score.percentile_cuts(health_score.distribution(x)) AS cuts
FROM generate_series(1, 10) AS x;
SELECT v, health_score.percentile_rank_by_cuts(c, v) AS from_cuts,
       health_score.percentile_rank(d, v) AS from_dist
FROM (SELECT health_score.distribution(x) AS d,
             health_score.percentile_cuts(health_score.distribution(x)) AS c
      FROM generate_series(1, 10) AS x) AS s,
     unnest(ARRAY[-1, 1, 1.5, 2, 2.5, 9.99, 10, 11, '-Infinity', 'Infinity']::float8[]) AS v;

-- One value: every rank is 1, and every cut is Infinity, which no value
-- exceeds (+Infinity itself included)
SELECT health_score.percentile_cuts('{5}'::health_score.distribution) = array_fill('Infinity'::float8, ARRAY[99])
       AS all_infinity,
       health_score.percentile_rank_by_cuts(health_score.percentile_cuts('{5}'), 'Infinity') AS rank_of_infinity;

-- N = 101 is where exact arithmetic and the float8 formula part:
-- ceil(100 * (7 / 100.0)) is 8 in float8 (7/100 rounds up), and
-- percent_rank() and percentile_rank(dist, ...) say 8, so must the cuts
SELECT ceil(100 * (7::float8 / 100)) AS float8_rank_of_below_7,
       health_score.percentile_rank(d, 7) AS dist_rank,
       health_score.percentile_rank_by_cuts(health_score.percentile_cuts(d), 7) AS cuts_rank
FROM (SELECT health_score.distribution(x) AS d FROM generate_series(0, 100) AS x) AS s;

-- Exactness: distributions of N = 1, 2, 3, 99, 100, 101 values and a
-- larger one, with ties (values on a grid of 0.5) and without (raw
-- random floats); each probed at every value, midway between neighbours,
-- below the smallest, above the largest and at the infinities.
SELECT setseed(0.15);
CREATE TABLE cut_sets AS
SELECT n, kind, CASE kind WHEN 'ties' THEN round(random() * n / 2)::float8 / 2
                          ELSE (random() - 0.5) * 1e6 END AS v
FROM unnest(ARRAY[1, 2, 3, 99, 100, 101, 5000]) AS n,
     unnest(ARRAY['ties', 'raw']) AS kind,
     generate_series(1, n) AS i;

CREATE TABLE cut_dists AS
SELECT n, kind, health_score.distribution(v) AS d,
       health_score.percentile_cuts(health_score.distribution(v)) AS c
FROM cut_sets GROUP BY n, kind;

CREATE VIEW cut_probes AS
SELECT n, kind, v FROM cut_sets
UNION ALL
SELECT n, kind, (v + lead(v) OVER w) / 2
FROM (SELECT DISTINCT n, kind, v FROM cut_sets) AS s
WINDOW w AS (PARTITION BY n, kind ORDER BY v)
UNION ALL
SELECT n, kind, x
FROM (SELECT n, kind, min(v) - 1 AS lo, max(v) + 1 AS hi FROM cut_sets GROUP BY n, kind) AS e,
     LATERAL unnest(ARRAY[lo, hi, '-Infinity', 'Infinity']) AS x;

SELECT n, kind, count(*) AS probes,
       count(*) FILTER (WHERE health_score.percentile_rank_by_cuts(c, p.v)
                              <> health_score.percentile_rank(d, p.v)) AS mismatches,
       count(DISTINCT health_score.percentile_rank_by_cuts(c, p.v)) AS distinct_ranks
FROM cut_probes AS p JOIN cut_dists USING (n, kind)
WHERE p.v IS NOT NULL
GROUP BY n, kind ORDER BY kind, n;

-- the cuts are values of the distribution, non-decreasing, 99 of them
SELECT count(*) AS cut_sets,
       count(*) FILTER (WHERE array_length(c, 1) <> 99) AS wrong_length,
       count(*) FILTER (WHERE c <> (SELECT array_agg(x ORDER BY x) FROM unnest(c) AS x)) AS unsorted,
       count(*) FILTER (WHERE n > 1 AND EXISTS (SELECT FROM unnest(c) AS x
                                                WHERE NOT EXISTS (SELECT FROM cut_sets AS s
                                                                  WHERE (s.n, s.kind, s.v) = (cut_dists.n, cut_dists.kind, x))))
         AS cut_not_a_value
FROM cut_dists;

-- Per segment: percentile_cuts(dist, segment) against
-- percentile_rank(dist, value, segment), a NULL segment included
SELECT setseed(0.25);
CREATE TABLE cut_rows AS
SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE 'seg_' || (i % 5) END AS segment,
       CASE WHEN i % 2 = 0 THEN round(random() * 60)::float8
            ELSE random() * 60 END AS v
FROM generate_series(1, 20000) AS i;
CREATE TABLE cut_segmented AS
SELECT health_score.distribution(v, segment) AS d FROM cut_rows;

SELECT count(DISTINCT segment) AS segments, count(*) AS probes,
       count(*) FILTER (WHERE health_score.percentile_rank_by_cuts(health_score.percentile_cuts(d, segment), p)
                              IS DISTINCT FROM health_score.percentile_rank(d, p, segment)) AS mismatches
FROM cut_segmented,
     (SELECT segment, v AS p FROM cut_rows
      UNION ALL SELECT segment, v + 0.001 FROM cut_rows
      UNION ALL SELECT segment, x FROM (SELECT DISTINCT segment FROM cut_rows) AS s,
                                       unnest(ARRAY[-1, 61, '-Infinity', 'Infinity']::float8[]) AS x) AS probes;

-- the segment's cuts are the cuts of that segment's own distribution
SELECT count(*) AS segments,
       count(*) FILTER (WHERE health_score.percentile_cuts(s.d, g.segment)
                              IS DISTINCT FROM health_score.percentile_cuts(g.d)) AS mismatches
FROM cut_segmented AS s,
     (SELECT segment, health_score.distribution(v) AS d FROM cut_rows GROUP BY segment) AS g;

-- a segment not in the distribution: NULL, as percentile_rank(dist, value, segment)
SELECT health_score.percentile_cuts(d, 'no such segment') IS NULL AS absent_is_null,
       health_score.percentile_cuts(NULL::health_score.distribution, 'seg_1') IS NULL AS null_dist_is_null
FROM cut_segmented;

-- NULL and infinite arguments
SELECT health_score.percentile_rank_by_cuts(NULL::float8[], 1) IS NULL AS null_cuts,
       health_score.percentile_rank_by_cuts(c, NULL) IS NULL AS null_value,
       health_score.percentile_rank_by_cuts(c, '-Infinity') AS minus_infinity,
       health_score.percentile_rank_by_cuts(c, 'Infinity') AS plus_infinity,
       health_score.percentile_cuts(NULL::health_score.distribution) IS NULL AS null_dist
FROM cut_dists WHERE n = 100 AND kind = 'raw';

-- Errors
SELECT health_score.percentile_rank_by_cuts(c, 'NaN') FROM cut_dists WHERE n = 100 AND kind = 'raw';
SELECT health_score.percentile_rank_by_cuts('{}'::float8[], 1);
SELECT health_score.percentile_rank_by_cuts('{1,2,3}'::float8[], 1);
SELECT health_score.percentile_rank_by_cuts(array_fill(1::float8, ARRAY[9, 11]), 1);
SELECT health_score.percentile_rank_by_cuts(array_fill(1::float8, ARRAY[100]), 1);
SELECT health_score.percentile_rank_by_cuts(array_fill(1::float8, ARRAY[98]) || NULL::float8, 1);
SELECT health_score.percentile_rank_by_cuts(array_fill(1::float8, ARRAY[98]) || 'NaN'::float8, 1);
SELECT health_score.percentile_rank_by_cuts(array_fill(2::float8, ARRAY[50]) || array_fill(1::float8, ARRAY[49]), 1);
SELECT health_score.percentile_cuts(d) FROM cut_segmented;
SELECT health_score.percentile_cuts(d, 'seg_1') FROM cut_dists WHERE n = 100 AND kind = 'raw';
-- lower bounds other than 1 are accepted: only the order of the elements counts
SELECT health_score.percentile_rank_by_cuts(('[0:98]=' || c::text)::float8[], 0) =
       health_score.percentile_rank_by_cuts(c, 0) AS any_lower_bound
FROM cut_dists WHERE n = 100 AND kind = 'raw';

-- percentile_counts: the 10 values 1..10 rank 1, 12, 23, 34, 45, 56,
-- 67, 78, 89, 100, so deciles (ceil(rank / 10)) 1, 2, 3, 4, 5, 6, 7, 8,
-- 9, 10, one each; quartiles 1, 1, 1, 2, 2, 3, 3, 4, 4, 4; a NULL value
-- is skipped
SELECT health_score.percentile_counts(c, v, 10) AS deciles,
       health_score.percentile_counts(c, v, 4) AS quartiles,
       health_score.percentile_counts(c, v, 1) AS everyone
FROM (SELECT health_score.percentile_cuts(health_score.distribution(x)) AS c
      FROM generate_series(1, 10) AS x) AS s,
     (SELECT x::float8 AS v FROM generate_series(1, 10) AS x UNION ALL SELECT NULL) AS v;
-- no rows: NULL; only NULL values: zeros
SELECT health_score.percentile_counts('{}', 1, 10) FROM (VALUES (1)) AS v WHERE false;
SELECT health_score.percentile_counts(NULL, NULL, 5);

-- against plain SQL on the seeded rows (ties and raw values, a NULL
-- segment): count(*) per segment and bucket of percent_rank()
CREATE VIEW cut_plain AS
WITH ranked AS (
  SELECT segment, greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY segment ORDER BY v))) AS rank
  FROM cut_rows
), counted AS (
  SELECT segment, b, ceil(rank * b / 100.0) AS bucket, count(*) AS n
  FROM ranked, unnest(ARRAY[1, 4, 10, 100]) AS b
  GROUP BY 1, 2, 3
)
SELECT g.segment, g.b AS buckets, array_agg(coalesce(c.n, 0) ORDER BY g.bucket) AS counts
FROM (SELECT segment, b, bucket
      FROM (SELECT DISTINCT segment FROM cut_rows) AS s, unnest(ARRAY[1, 4, 10, 100]) AS b,
           generate_series(1, b) AS bucket) AS g
     LEFT JOIN counted AS c
       ON c.segment IS NOT DISTINCT FROM g.segment AND c.b = g.b AND c.bucket = g.bucket
GROUP BY g.segment, g.b;

CREATE TABLE cut_table AS
SELECT segment, health_score.percentile_cuts(health_score.distribution(v)) AS cuts
FROM cut_rows GROUP BY segment;
ANALYZE cut_rows, cut_table;

CREATE VIEW cut_counts AS
SELECT r.segment, b AS buckets,
       health_score.percentile_counts(c.cuts, r.v, b) AS counts
FROM cut_rows AS r JOIN cut_table AS c ON r.segment IS NOT DISTINCT FROM c.segment,
     unnest(ARRAY[1, 4, 10, 100]) AS b
GROUP BY r.segment, b;

SELECT count(*) AS segment_buckets,
       count(*) FILTER (WHERE e.counts IS DISTINCT FROM p.counts) AS mismatches,
       sum((SELECT sum(x) FROM unnest(e.counts) AS x))::bigint / 4 AS rows_counted
FROM cut_counts AS e JOIN cut_plain AS p
  ON e.segment IS NOT DISTINCT FROM p.segment AND e.buckets = p.buckets;

-- the natural query, GROUP BY segment and the decile of percentile_rank,
-- gives the same deciles
SELECT count(*) AS segments,
       count(*) FILTER (WHERE n.counts IS DISTINCT FROM e.counts) AS mismatches
FROM (SELECT segment, array_agg(count ORDER BY decile) AS counts
      FROM (SELECT r.segment, (health_score.percentile_rank_by_cuts(c.cuts, r.v) + 9) / 10 AS decile, count(*)
            FROM cut_rows AS r JOIN cut_table AS c ON r.segment IS NOT DISTINCT FROM c.segment
            GROUP BY 1, 2) AS g
      GROUP BY segment) AS n
JOIN cut_counts AS e ON e.segment IS NOT DISTINCT FROM n.segment AND e.buckets = 10;

-- Through a forced parallel plan, whose workers count partial states
-- that the combine function adds up
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE VIEW cut_counts_10 AS
SELECT segment, health_score.percentile_counts(c.cuts, r.v, 10) AS counts
FROM cut_rows AS r JOIN cut_table AS c USING (segment)
GROUP BY segment;
EXPLAIN (COSTS OFF) SELECT * FROM cut_counts_10;

-- the top node of a query's plan, and with run its execution figures
CREATE FUNCTION pg_temp.top_plan(query text, run bool) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE format('EXPLAIN (ANALYZE %s, FORMAT JSON) %s', CASE WHEN run THEN 'on' ELSE 'off' END, query) INTO plan;
  RETURN plan->0->'Plan';
END $$;
SELECT sum(w::int) > 0 AS parallel_workers_ran
FROM jsonb_path_query(pg_temp.top_plan('SELECT * FROM cut_counts_10', true), 'strict $.**."Workers Launched"') AS w;

SELECT count(*) AS segments,
       count(*) FILTER (WHERE e.counts IS DISTINCT FROM p.counts) AS parallel_mismatches
FROM cut_counts_10 AS e JOIN cut_plain AS p USING (segment)
WHERE p.buckets = 10;
RESET ALL;

-- the planner estimates one group per segment (5), where the natural
-- query, grouped by segment and decile, estimates one per row
SELECT pg_temp.top_plan('SELECT * FROM cut_counts_10', false)->>'Plan Rows' AS percentile_counts_groups,
       (pg_temp.top_plan('SELECT r.segment, (health_score.percentile_rank_by_cuts(c.cuts, r.v) + 9) / 10, count(*)
                          FROM cut_rows AS r JOIN cut_table AS c USING (segment) GROUP BY 1, 2', false)->>'Plan Rows')::int >= 10000
         AS natural_query_estimates_a_group_per_row;

-- Errors
SELECT health_score.percentile_counts(c, v, 3)
FROM (VALUES ('{}'::float8[], 1::float8)) AS t(c, v);
SELECT health_score.percentile_counts(c, v, 0)
FROM (VALUES ('{}'::float8[], 1::float8)) AS t(c, v);
SELECT health_score.percentile_counts(c, v, NULL)
FROM (VALUES ('{}'::float8[], 1::float8)) AS t(c, v);
SELECT health_score.percentile_counts(c, v, b)
FROM (VALUES (NULL::float8[], NULL::float8, 10), (NULL, NULL, 5)) AS t(c, v, b);
SELECT health_score.percentile_counts(NULL, v, 10) FROM (VALUES (1.5::float8)) AS t(v);
SELECT health_score.percentile_counts(cuts, 'NaN', 10) FROM cut_table WHERE segment = 'seg_1';
SELECT health_score.percentile_counts('{1,2}', 1, 10);
-- The combine function as the transition of an aggregate of states, as
-- Citus's coordinator adds up the workers' partial counts (their text
-- form is bigint[]'s)
CREATE AGGREGATE pg_temp.merge_counts(bigint[]) (
  SFUNC = health_score.percentile_counts_combine,
  STYPE = bigint[]
);
SELECT pg_temp.merge_counts(s::bigint[]) FROM (VALUES ('{1,2,3}'), (NULL), ('{10,20,30}')) AS t(s);
SELECT pg_temp.merge_counts(s::bigint[]) FROM (VALUES ('{1,2,3}'), ('{1,2}')) AS t(s);
SELECT pg_temp.merge_counts(s::bigint[]) FROM (VALUES ('{9223372036854775807}'), ('{1}')) AS t(s);
SELECT pg_temp.merge_counts(s::bigint[]) FROM (VALUES ('{1,2}'), ('{{1,2}}')) AS t(s);
SELECT pg_temp.merge_counts(s::bigint[]) FROM (VALUES ('{1,2}'), ('{1,NULL}')) AS t(s);
-- the support functions belong to the aggregate
SELECT health_score.percentile_counts_accum(NULL, NULL, 1, 10);
SELECT health_score.percentile_counts_combine('{1,2}', '{3,4}');

DROP VIEW cut_counts_10, cut_counts, cut_plain, cut_probes;
DROP TABLE cut_sets, cut_dists, cut_rows, cut_segmented, cut_table;
