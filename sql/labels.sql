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
