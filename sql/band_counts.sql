--
-- band_counts: red / yellow / green / unscored counts in one aggregate.
--
-- Hand-checked small case, then 100,000 seeded scores in 10 segments
-- against count(*) FILTER over health_score.band(), serially and through
-- a forced parallel plan.
--
-- 10 -> red, 40 -> yellow, 69.9 -> yellow, 70 -> green, NULL -> unscored
SELECT (health_score.band_counts(s)).*
FROM (VALUES (10.0), (40), (69.9), (70), (NULL)) AS v(s);
-- custom thresholds: red < 50 <= yellow < 60 <= green
SELECT (health_score.band_counts(s, 50, 60)).*
FROM (VALUES (10.0), (40), (55), (70), (NULL)) AS v(s);
-- no rows: all zero (count-like, never NULL)
SELECT (health_score.band_counts(s)).* FROM (VALUES (1.0)) AS v(s) WHERE false;
-- errors
SELECT health_score.band_counts(s) FROM (VALUES (101.0)) AS v(s);
SELECT health_score.band_counts(s) FROM (VALUES ('NaN'::float8)) AS v(s);
SELECT health_score.band_counts(s, 70, 40) FROM (VALUES (50.0)) AS v(s);
SELECT health_score.band_counts(s, NULL, 40) FROM (VALUES (50.0)) AS v(s);

SELECT setseed(0.5);
CREATE TABLE band_rows AS
SELECT (i % 10) AS segment,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 100) END::float8 AS score
FROM generate_series(1, 100000) AS i;
ANALYZE band_rows;

CREATE VIEW band_plain AS
SELECT segment,
       count(*) FILTER (WHERE health_score.band(score) = 'red') AS red,
       count(*) FILTER (WHERE health_score.band(score) = 'yellow') AS yellow,
       count(*) FILTER (WHERE health_score.band(score) = 'green') AS green,
       count(*) FILTER (WHERE score IS NULL) AS unscored
FROM band_rows GROUP BY segment;

CREATE VIEW band_ext AS
SELECT segment, (health_score.band_counts(score)).*
FROM band_rows GROUP BY segment;

SELECT count(*) AS segments,
       count(*) FILTER (WHERE (e.red, e.yellow, e.green, e.unscored)
                              IS DISTINCT FROM (p.red, p.yellow, p.green, p.unscored)) AS mismatches,
       sum(e.red + e.yellow + e.green + e.unscored) AS customers
FROM band_ext AS e JOIN band_plain AS p USING (segment);

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT * FROM band_ext;

SELECT regress.workers_launched('SELECT * FROM band_ext') > 0 AS parallel_workers_ran;

SELECT count(*) AS segments,
       count(*) FILTER (WHERE (e.red, e.yellow, e.green, e.unscored)
                              IS DISTINCT FROM (p.red, p.yellow, p.green, p.unscored)) AS parallel_mismatches
FROM band_ext AS e JOIN band_plain AS p USING (segment);

RESET ALL;
DROP VIEW band_ext, band_plain;
DROP TABLE band_rows;
