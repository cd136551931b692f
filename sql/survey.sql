--
-- nps, csat, ces: survey aggregates.
--
-- Hand-checked small cases, then 100,000 seeded ratings in 10 segments
-- compared with plain-SQL formulas, serially and through a forced
-- parallel plan so that the combine function runs.
--
SET extra_float_digits = 0;

-- nps: 2 promoters (9, 10), 1 passive (7), 1 detractor (3), NULL skipped:
-- 100 * (2 - 1) / 4 = 25
SELECT health_score.nps(r) AS "25"
FROM (VALUES (10), (9), (7), (3), (NULL)) AS v(r);
-- all promoters 100, all detractors -100, boundaries 6 and 9
SELECT health_score.nps(r) AS "100" FROM (VALUES (9), (10)) AS v(r);
SELECT health_score.nps(r) AS "-100" FROM (VALUES (0), (6)) AS v(r);
SELECT health_score.nps(r) AS "0 (7 and 8 are passive)" FROM (VALUES (7), (8)) AS v(r);
-- no ratings: NULL
SELECT health_score.nps(r) IS NULL AS "no rows" FROM (VALUES (1)) AS v(r) WHERE false;
SELECT health_score.nps(r) IS NULL AS "only NULLs" FROM (VALUES (NULL::int)) AS v(r);
-- errors
SELECT health_score.nps(r) FROM (VALUES (11)) AS v(r);
SELECT health_score.nps(r) FROM (VALUES (-1)) AS v(r);

-- csat on 1-5: 4 and 5 are the top two boxes: 2 of 4 = 50
SELECT health_score.csat(r) AS "50" FROM (VALUES (5), (4), (3), (1), (NULL)) AS v(r);
-- csat on 1-10: 9 and 10 count: 1 of 3
SELECT round(health_score.csat(r, 10)::numeric, 10) AS "33.33"
FROM (VALUES (10), (8), (1)) AS v(r);
SELECT health_score.csat(r, 3) AS "66.67 (2 and 3 of 3)" FROM (VALUES (3), (2), (1)) AS v(r);
SELECT health_score.csat(r) IS NULL AS "no ratings" FROM (VALUES (NULL::int)) AS v(r);
-- errors
SELECT health_score.csat(r) FROM (VALUES (6)) AS v(r);
SELECT health_score.csat(r) FROM (VALUES (0)) AS v(r);
SELECT health_score.csat(r, 2) FROM (VALUES (1)) AS v(r);
SELECT health_score.csat(r, 101) FROM (VALUES (1)) AS v(r);
SELECT health_score.csat(r, NULL) FROM (VALUES (1)) AS v(r);
SELECT health_score.csat(r, s) FROM (VALUES (1, 5), (1, 7)) AS v(r, s);

-- ces: mean of 1-7: (1 + 2 + 6) / 3 = 3
SELECT health_score.ces(r) AS "3" FROM (VALUES (1), (2), (6), (NULL)) AS v(r);
SELECT health_score.ces(r) IS NULL AS "no ratings" FROM (VALUES (NULL::int)) AS v(r);
SELECT health_score.ces(r) FROM (VALUES (8)) AS v(r);
SELECT health_score.ces(r) FROM (VALUES (0)) AS v(r);

-- 100,000 seeded survey answers in 10 segments, ~10 % unanswered
SELECT setseed(0.42);
CREATE TABLE survey_rows AS
SELECT (i % 10) AS segment,
       CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 11)::int END AS nps_rating,
       CASE WHEN random() < 0.1 THEN NULL ELSE 1 + floor(random() * 5)::int END AS csat_rating,
       CASE WHEN random() < 0.1 THEN NULL ELSE 1 + floor(random() * 7)::int END AS ces_rating
FROM generate_series(1, 100000) AS i;
ANALYZE survey_rows;

CREATE VIEW survey_plain AS
SELECT segment,
       100.0::float8 * (count(*) FILTER (WHERE nps_rating >= 9)
                        - count(*) FILTER (WHERE nps_rating <= 6)) / count(nps_rating) AS nps,
       100.0::float8 * count(*) FILTER (WHERE csat_rating >= 4) / count(csat_rating) AS csat,
       sum(ces_rating)::float8 / count(ces_rating) AS ces
FROM survey_rows GROUP BY segment;

CREATE VIEW survey_ext AS
SELECT segment,
       health_score.nps(nps_rating) AS nps,
       health_score.csat(csat_rating) AS csat,
       health_score.ces(ces_rating) AS ces
FROM survey_rows GROUP BY segment;

CREATE TEMP TABLE survey_serial AS SELECT * FROM survey_ext;

-- compare serially, to 1e-12 (the division order differs)
SELECT count(*) AS segments,
       count(*) FILTER (WHERE abs(e.nps - p.nps) > 1e-12
                          OR abs(e.csat - p.csat) > 1e-12
                          OR abs(e.ces - p.ces) > 1e-12) AS mismatches
FROM survey_serial AS e JOIN survey_plain AS p USING (segment);

-- and through a forced parallel plan
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT segment, health_score.nps(nps_rating), health_score.csat(csat_rating),
       health_score.ces(ces_rating)
FROM survey_rows GROUP BY segment;
EXPLAIN (COSTS OFF)
SELECT health_score.nps(nps_rating), health_score.csat(csat_rating, 5),
       health_score.ces(ces_rating)
FROM survey_rows;

-- the workers really ran (EXPLAIN shows a plan, not an execution)
SELECT regress.workers_launched('SELECT * FROM survey_ext') > 0 AS parallel_workers_ran;

SELECT count(*) AS segments,
       count(*) FILTER (WHERE e.nps IS DISTINCT FROM s.nps
                          OR e.csat IS DISTINCT FROM s.csat
                          OR e.ces IS DISTINCT FROM s.ces) AS parallel_vs_serial_mismatches
FROM survey_ext AS e JOIN survey_serial AS s USING (segment);

-- whole table, parallel, against plain SQL
SELECT abs(health_score.nps(nps_rating)
           - 100.0 * (count(*) FILTER (WHERE nps_rating >= 9)
                      - count(*) FILTER (WHERE nps_rating <= 6)) / count(nps_rating)) < 1e-12 AS nps_ok,
       abs(health_score.csat(csat_rating, 5)
           - 100.0 * count(*) FILTER (WHERE csat_rating >= 4) / count(csat_rating)) < 1e-12 AS csat_ok,
       abs(health_score.ces(ces_rating) - avg(ces_rating)) < 1e-12 AS ces_ok
FROM survey_rows;

RESET ALL;
DROP VIEW survey_ext, survey_plain;
DROP TABLE survey_rows;
