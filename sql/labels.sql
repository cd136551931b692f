--
-- band and grade: labels for a 0-100 score.
--
-- Hand-checked boundaries, then 100,000 seeded scores against CASE
-- expressions of the same definition (mismatch count must be 0).
--
-- band: red < 40 <= yellow < 70 <= green (defaults)
SELECT s, health_score.band(s) AS band
FROM unnest('{0,39.999,40,69.999,70,100}'::float8[]) AS s;
-- custom thresholds; equal thresholds leave no yellow band
SELECT health_score.band(55, 50, 80) AS yellow,
       health_score.band(49, 50, 80) AS red,
       health_score.band(50, 50, 50) AS green,
       health_score.band(49.9, 50, 50) AS red2,
       health_score.band(100, 0, 'Infinity') AS "yellow (never green)",
       health_score.band(NULL) IS NULL AS "null";
-- errors
SELECT health_score.band(50, 70, 40);
SELECT health_score.band('NaN');
SELECT health_score.band(101);
SELECT health_score.band(-1);
SELECT health_score.band(50, 'NaN', 70);
SELECT health_score.band(50, 40, 'NaN');

-- grade: A >= 90 > B >= 80 > C >= 70 > D >= 60 > F (defaults)
SELECT s, health_score.grade(s) AS grade
FROM unnest('{100,90,89.999,80,79.9,70,60,59.999,0}'::float8[]) AS s;
SELECT health_score.grade(75, '{50}', '{pass,fail}') AS pass,
       health_score.grade(49, '{50}', '{pass,fail}') AS fail,
       health_score.grade(NULL) IS NULL AS "null";
-- errors
SELECT health_score.grade(50, '{60,70}', '{A,B,C}');
SELECT health_score.grade(50, '{70,70}', '{A,B,C}');
SELECT health_score.grade(50, '{70,60}', '{A,B}');
SELECT health_score.grade(50, '{70,60}', '{A,B,C,D}');
SELECT health_score.grade(50, '{}', '{A}');
SELECT health_score.grade(50, '{70,NULL}', '{A,B,C}');
SELECT health_score.grade(50, '{70,NaN}', '{A,B,C}');
SELECT health_score.grade(50, '{70,60}', '{A,NULL,C}');
SELECT health_score.grade(50, '{{70,60}}', '{A,B,C}');
SELECT health_score.grade(50, '{70,60}', '{{A,B,C}}');
SELECT health_score.grade(150);
SELECT health_score.grade('NaN');

SELECT setseed(0.11);
CREATE TEMP TABLE label_rows AS
SELECT CASE WHEN random() < 0.05 THEN NULL
            ELSE round((random() * 100)::numeric, 0)::float8 END AS s
FROM generate_series(1, 100000);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE health_score.band(s) IS DISTINCT FROM
             CASE WHEN s < 40 THEN 'red' WHEN s >= 70 THEN 'green'
                  WHEN s IS NOT NULL THEN 'yellow' END) AS band_mismatch,
       count(*) FILTER (WHERE health_score.band(s, 25, 25) IS DISTINCT FROM
             CASE WHEN s < 25 THEN 'red' WHEN s >= 25 THEN 'green' END) AS band_2_mismatch,
       count(*) FILTER (WHERE health_score.grade(s) IS DISTINCT FROM
             CASE WHEN s >= 90 THEN 'A' WHEN s >= 80 THEN 'B' WHEN s >= 70 THEN 'C'
                  WHEN s >= 60 THEN 'D' WHEN s IS NOT NULL THEN 'F' END) AS grade_mismatch,
       count(*) FILTER (WHERE s IN (40, 70, 90, 80, 60)) AS rows_on_a_boundary
FROM label_rows;

-- round_score against round(x::numeric, 1)::float8, the same float8 for
-- every value: 1,000,000 seeded values over -200..200, every tie k/20
-- from -200 to 200 and the float8s either side of it (1 ulp, 1e-12,
-- 1e-9 away), values around the 1e6 limit of the fast path, large,
-- tiny, NaN and the infinities; mismatches 0
SELECT setseed(0.5);
WITH v(x) AS (
    SELECT (random() * 400 - 200)::float8 FROM generate_series(1, 1000000)
    UNION ALL
    SELECT t + d
      FROM generate_series(-4000, 4000) AS k, LATERAL (SELECT k / 20.0::float8 AS t) AS tie,
           unnest(ARRAY[0, 1e-12, -1e-12, 1e-9, -1e-9]::float8[]) AS d
    UNION ALL
    SELECT t * (1 + e)
      FROM generate_series(-4000, 4000) AS k, LATERAL (SELECT k / 20.0::float8 AS t) AS tie,
           unnest(ARRAY[2.2e-16, -2.2e-16, 4.4e-16, -4.4e-16]::float8[]) AS e
    UNION ALL
    SELECT unnest(ARRAY[999999.95, 999999.949999, 1000000.05, 1e6, 1234567.85, -999999.95,
                        1e15 + 0.5, 1e20, -1e300, 1e-300, -1e-300, 0.05, -0.05, 0.04999999999999999,
                        -0.04, -0.0, 0, 1.45, 2.675, 'NaN', 'Infinity', '-Infinity']::float8[])
)
SELECT count(*) AS checked,
       count(*) FILTER (WHERE health_score.round_score(x)::text
                              IS DISTINCT FROM (round(x::numeric, 1)::float8)::text) AS mismatches
  FROM v;
-- by hand: half away from zero; no negative zero
SELECT x, health_score.round_score(x)
  FROM unnest(ARRAY[0.25, -0.25, 0.35, 2.675, -0.04, 99.95, 59.96]::float8[]) AS x;
SELECT health_score.round_score(NULL) IS NULL AS strict;
