--
-- weighted_score and coverage: combining metric scores.
--
-- Hand-checked cases first, then 100,000 seeded rows compared with a
-- plain-SQL expression of the same definition (mismatch count must be 0).
--
SET extra_float_digits = 0;

-- (80*3 + 40*1) / 4 = 70
SELECT health_score.weighted_score('{80,40}', '{3,1}') AS "70";
-- a missing metric is left out, not counted as zero:
-- (80*3 + 20*2) / (3+2) = 56, not (80*3 + 0*1 + 20*2) / 6 = 46.67
SELECT health_score.weighted_score('{80,NULL,20}', '{3,1,2}') AS "56",
       health_score.coverage('{80,NULL,20}', '{3,1,2}') AS "5/6";
-- min_coverage: 5/6 = 0.833 passes 0.8, fails 0.9
SELECT health_score.weighted_score('{80,NULL,20}', '{3,1,2}', 0.8) AS "56",
       health_score.weighted_score('{80,NULL,20}', '{3,1,2}', 0.9) IS NULL AS "null below 0.9",
       health_score.weighted_score('{80,NULL,20}', '{3,1,2}', 5.0/6) AS "56 at equality";
-- nothing present: NULL; coverage 0
SELECT health_score.weighted_score('{NULL,NULL}', '{1,1}') IS NULL AS "all missing",
       health_score.coverage('{NULL,NULL}', '{1,1}') AS "0";
-- only zero-weight metrics present: NULL (no weighted evidence), coverage 0
SELECT health_score.weighted_score('{50,NULL}', '{0,1}') IS NULL AS "zero weight present",
       health_score.coverage('{50,NULL}', '{0,1}') AS "0";
-- a zero weight does not count: (90*1 + 10*0) / 1 = 90
SELECT health_score.weighted_score('{90,10}', '{1,0}') AS "90",
       health_score.coverage('{90,10}', '{1,0}') AS "1";
-- the bounds of the scale are legal scores
SELECT health_score.weighted_score('{0,100}', '{1,1}') AS "50",
       health_score.weighted_score('{100,100,100}', '{0.1,0.2,0.3}') AS "100";
-- NULL arguments give NULL
SELECT health_score.weighted_score(NULL, '{1}') IS NULL AS a,
       health_score.weighted_score('{1}', NULL) IS NULL AS b,
       health_score.weighted_score('{1}', '{1}', NULL) IS NULL AS c,
       health_score.coverage(NULL, '{1}') IS NULL AS d;

-- errors: shapes
SELECT health_score.weighted_score('{1,2}', '{1,2,3}');
SELECT health_score.coverage('{1,2,3}', '{1,2}');
SELECT health_score.weighted_score('{}', '{}');
SELECT health_score.weighted_score('{{1,2}}', '{1,2}');
SELECT health_score.weighted_score('{1,2}', '{{1,2}}');
-- errors: weights
SELECT health_score.weighted_score('{50,60}', '{1,-1}');
SELECT health_score.weighted_score('{50,60}', '{1,NaN}');
SELECT health_score.weighted_score('{50,60}', '{Infinity,1}');
SELECT health_score.weighted_score('{50,60}', '{1,NULL}');
SELECT health_score.weighted_score('{50,60}', '{0,0}');
SELECT health_score.coverage('{50,60}', '{0,0}');
SELECT health_score.weighted_score('{50,60}', '{1e308,1e308}');
-- errors: scores off the scale, NaN
SELECT health_score.weighted_score('{50,101}', '{1,1}');
SELECT health_score.weighted_score('{-0.5,50}', '{1,1}');
SELECT health_score.weighted_score('{NaN,50}', '{1,1}');
SELECT health_score.weighted_score('{Infinity,50}', '{1,1}');
-- errors: min_coverage
SELECT health_score.weighted_score('{50}', '{1}', 1.5);
SELECT health_score.weighted_score('{50}', '{1}', -0.1);
SELECT health_score.weighted_score('{50}', '{1}', 'NaN');

-- 100,000 seeded rows, four metrics with ~5 % NULLs each and ties,
-- weights 3, 2, 1, 4 (total 10), against plain SQL.
SELECT setseed(0.7);
CREATE TEMP TABLE weighted_rows AS
SELECT i,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 100) END::float8 AS s1,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 100) END::float8 AS s2,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 100 END::float8 AS s3,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 10) * 10 END::float8 AS s4
FROM generate_series(1, 100000) AS i;

CREATE TEMP VIEW weighted_both AS
SELECT w.*,
       health_score.weighted_score(ARRAY[s1, s2, s3, s4], '{3,2,1,4}') AS ext,
       health_score.weighted_score(ARRAY[s1, s2, s3, s4], '{3,2,1,4}', 0.75) AS ext_min,
       health_score.coverage(ARRAY[s1, s2, s3, s4], '{3,2,1,4}') AS ext_cov,
       p.num, p.den
FROM weighted_rows AS w,
     LATERAL (SELECT coalesce(3 * s1, 0) + coalesce(2 * s2, 0)
                     + coalesce(1 * s3, 0) + coalesce(4 * s4, 0) AS num,
                     (CASE WHEN s1 IS NULL THEN 0 ELSE 3 END
                      + CASE WHEN s2 IS NULL THEN 0 ELSE 2 END
                      + CASE WHEN s3 IS NULL THEN 0 ELSE 1 END
                      + CASE WHEN s4 IS NULL THEN 0 ELSE 4 END)::float8 AS den) AS p;

SELECT count(*) AS rows,
       count(*) FILTER (WHERE ext IS DISTINCT FROM
                        CASE WHEN den > 0 THEN num / den END) AS score_mismatch,
       count(*) FILTER (WHERE ext_min IS DISTINCT FROM
                        CASE WHEN den > 0 AND den / 10 >= 0.75 THEN num / den END) AS min_coverage_mismatch,
       count(*) FILTER (WHERE ext_cov IS DISTINCT FROM den / 10) AS coverage_mismatch,
       count(*) FILTER (WHERE den < 10) AS rows_with_missing,
       count(*) FILTER (WHERE ext_min IS NULL) AS rows_below_coverage
FROM weighted_both;
