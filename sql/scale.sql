--
-- scale, scale_log, scale_steps: normalization onto 0-100.
--
-- Every expected value is checked by a second route: hand arithmetic in
-- the comments for the edge cases, and a plain-SQL expression of the same
-- definition over 100,000 generated rows (mismatch count must be 0).
--
SET extra_float_digits = 0;

-- linear: 0 at worst, 100 at best, clamped
SELECT health_score.scale(5, 0, 10)       AS "50",
       health_score.scale(2.5, 0, 10)     AS "25",
       health_score.scale(-1, 0, 10)      AS "0 (clamped)",
       health_score.scale(11, 0, 10)      AS "100 (clamped)",
       health_score.scale(0, 0, 10)       AS "0",
       health_score.scale(10, 0, 10)      AS "100";
-- worst > best: lower is better (3 tickets between 10 worst and 0 best = 70)
SELECT health_score.scale(3, 10, 0)       AS "70",
       health_score.scale(12, 10, 0)      AS "0",
       health_score.scale(-5, 10, 0)      AS "100";
-- infinite values clamp; huge anchors do not overflow: -1e308..1e308 midpoint is 50
SELECT health_score.scale('Infinity', 0, 10)  AS "100",
       health_score.scale('-Infinity', 0, 10) AS "0",
       health_score.scale('Infinity', 10, 0)  AS "0",
       health_score.scale(0, -1e308, 1e308)   AS "50",
       health_score.scale(1e308, -1e308, 1e308) AS "100";
-- NULL in, NULL out
SELECT health_score.scale(NULL, 0, 10) IS NULL AS "null value",
       health_score.scale(1, NULL, 10) IS NULL AS "null worst";
-- errors
SELECT health_score.scale('NaN', 0, 10);
SELECT health_score.scale(1, 'NaN', 10);
SELECT health_score.scale(1, 0, 'Infinity');
SELECT health_score.scale(1, 5, 5);

-- log axis: ln(1 + 9) / ln(1 + 99) = ln 10 / ln 100 = 0.5 exactly in theory
SELECT round(health_score.scale_log(9, 0, 99)::numeric, 12)  AS "50",
       health_score.scale_log(0, 0, 99)      AS "0",
       health_score.scale_log(99, 0, 99)     AS "100",
       health_score.scale_log(1000, 0, 99)   AS "100 (clamped)",
       health_score.scale_log('Infinity', 0, 99) AS "100",
       round(health_score.scale_log(9, 99, 0)::numeric, 12) AS "50 inverted";
SELECT health_score.scale_log(-1, 0, 10);
SELECT health_score.scale_log(1, -2, 10);
SELECT health_score.scale_log(1, 0, -10);
SELECT health_score.scale_log('NaN', 0, 10);
SELECT health_score.scale_log(1, 3, 3);
-- anchors that differ, but not once on the log scale (found by test/t/fuzz.sh)
SELECT health_score.scale_log(0, 0, 1e-17);
SELECT health_score.scale_log(0, 1e-300, 0);

-- steps: <10 -> 0, [10,20) -> 50, >=20 -> 100
SELECT v, health_score.scale_steps(v, '{10,20}', '{0,50,100}') AS score
FROM unnest(ARRAY[-1e300, 9.999, 10, 15, 19.999, 20, 1e300,
                  '-Infinity', 'Infinity']::float8[]) AS v;
SELECT health_score.scale_steps(7, '{5}', '{20,80}') AS "80";
SELECT health_score.scale_steps(NULL, '{5}', '{20,80}') IS NULL AS "null value";
-- errors
SELECT health_score.scale_steps('NaN', '{10,20}', '{0,50,100}');
SELECT health_score.scale_steps(1, '{}', '{50}');
SELECT health_score.scale_steps(1, '{20,10}', '{0,50,100}');
SELECT health_score.scale_steps(1, '{10,10}', '{0,50,100}');
SELECT health_score.scale_steps(1, '{10,NaN}', '{0,50,100}');
SELECT health_score.scale_steps(1, '{10,NULL}', '{0,50,100}');
SELECT health_score.scale_steps(1, '{10,20}', '{0,50}');
SELECT health_score.scale_steps(1, '{10,20}', '{0,50,100,100}');
SELECT health_score.scale_steps(1, '{10,20}', '{0,NULL,100}');
SELECT health_score.scale_steps(1, '{10,20}', '{0,150,100}');
SELECT health_score.scale_steps(1, '{10,20}', '{0,-1,100}');
SELECT health_score.scale_steps(1, '{{10},{20}}', '{0,50,100}');

-- 100,000 seeded rows with ties (rounded values) and ~5 % NULLs,
-- against plain-SQL definitions.  Expected: 0 mismatches everywhere.
SELECT setseed(0.3);
CREATE TEMP TABLE scale_rows AS
SELECT i,
       CASE WHEN random() < 0.05 THEN NULL
            ELSE round((random() * 140 - 20)::numeric, 1)::float8 END AS v,
       CASE WHEN random() < 0.05 THEN NULL
            ELSE floor(random() * 2000)::float8 END AS cnt
FROM generate_series(1, 100000) AS i;

-- greatest()/least() skip NULLs, so the plain-SQL side keeps NULL explicitly.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE health_score.scale(v, 0, 100) IS DISTINCT FROM
             CASE WHEN v IS NOT NULL
                  THEN least(100, greatest(0, 100 * ((v - 0) / (100 - 0::float8)))) END) AS linear_mismatch,
       count(*) FILTER (WHERE health_score.scale(v, 80, 5) IS DISTINCT FROM
             CASE WHEN v IS NOT NULL
                  THEN least(100, greatest(0, 100 * ((v - 80) / (5 - 80::float8)))) END) AS inverted_mismatch,
       count(*) FILTER (WHERE health_score.scale_log(cnt, 0, 500) IS DISTINCT FROM
             CASE WHEN cnt IS NOT NULL
                  THEN least(100, greatest(0, 100 * ((ln(1 + cnt) - ln(1 + 0::float8))
                                                     / (ln(1 + 500::float8) - ln(1 + 0::float8))))) END) AS log_mismatch,
       count(*) FILTER (WHERE health_score.scale_log(cnt, 1000, 2) IS DISTINCT FROM
             CASE WHEN cnt IS NOT NULL
                  THEN least(100, greatest(0, 100 * ((ln(1 + cnt) - ln(1 + 1000::float8))
                                                     / (ln(1 + 2::float8) - ln(1 + 1000::float8))))) END) AS log_inverted_mismatch,
       count(*) FILTER (WHERE health_score.scale_steps(v, '{0,25,50,75}', '{0,30,60,80,100}')
             IS DISTINCT FROM CASE WHEN v IS NULL THEN NULL
                                   WHEN v < 0 THEN 0 WHEN v < 25 THEN 30
                                   WHEN v < 50 THEN 60 WHEN v < 75 THEN 80
                                   ELSE 100 END::float8) AS steps_mismatch,
       count(*) FILTER (WHERE v IS NULL) AS null_values,
       count(DISTINCT v) AS distinct_values
FROM scale_rows;
