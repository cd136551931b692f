--
-- scorecard: scale and weight every metric of a row in one call.
--
-- It must equal the composed form weighted_score(ARRAY[scale...], ...)
-- to the bit: checked by hand on small cases and over 100,000 seeded
-- rows with NULLs, with constant and with per-row model arguments.
--
SET extra_float_digits = 0;

-- linear 5 in 0..10 = 50, log 9 in 0..99 = 50, score 80 as is:
-- (50*1 + 50*1 + 80*2) / 4 = 65
SELECT round(health_score.scorecard('{linear,log,score}', '{0,0,0}', '{10,99,100}',
                                    '{1,1,2}', 0, 5, 9, 80)::numeric, 10) AS "65";
-- a NULL metric is missing: (50*1 + 80*2) / 3 = 70
SELECT health_score.scorecard('{linear,log,score}', '{0,0,0}', '{10,99,100}',
                              '{1,1,2}', 0, 5, NULL, 80) AS "70";
-- min_coverage 0.8 > 3/4 present: NULL
SELECT health_score.scorecard('{linear,log,score}', '{0,0,0}', '{10,99,100}',
                              '{1,1,2}', 0.8, 5, NULL, 80) IS NULL AS "below coverage";
-- metrics of any numeric type; lower is better when worst > best
SELECT health_score.scorecard('{linear,linear,linear,linear,linear}',
                              '{10,10,10,10,10}', '{0,0,0,0,0}', '{1,1,1,1,1}', 0,
                              3::int2, 3::int4, 3::int8, 3::numeric, 3::float4) AS "70";
-- metrics as an explicit VARIADIC array
SELECT health_score.scorecard('{linear,score}', '{0,0}', '{10,100}', '{1,1}', 0,
                              VARIADIC ARRAY[5, NULL]::float8[]) AS "50";
-- a NULL model argument gives NULL
SELECT health_score.scorecard(NULL, '{0}', '{10}', '{1}', 0, 5) IS NULL AS a,
       health_score.scorecard('{linear}', '{0}', '{10}', '{1}', NULL, 5) IS NULL AS b;

-- errors
SELECT health_score.scorecard('{linear,cubic}', '{0,0}', '{10,10}', '{1,1}', 0, 1, 2);
SELECT health_score.scorecard('{linear,NULL}', '{0,0}', '{10,10}', '{1,1}', 0, 1, 2);
SELECT health_score.scorecard('{linear}', '{0,0}', '{10,10}', '{1,1}', 0, 1, 2);
SELECT health_score.scorecard('{linear,linear}', '{0,0}', '{10,10}', '{1,1}', 0, 1);
SELECT health_score.scorecard('{linear}', '{0}', '{10}', '{1}', 0, 'seven'::text);
SELECT health_score.scorecard('{linear}', '{0}', '{10}', '{1}', 0, 'NaN'::float8);
SELECT health_score.scorecard('{log}', '{0}', '{10}', '{1}', 0, -3);
SELECT health_score.scorecard('{log}', '{-1}', '{10}', '{1}', 0, 3);
SELECT health_score.scorecard('{score}', '{0}', '{0}', '{1}', 0, 130);
SELECT health_score.scorecard('{linear}', '{5}', '{5}', '{1}', 0, 3);
SELECT health_score.scorecard('{linear}', '{0}', '{NaN}', '{1}', 0, 3);
SELECT health_score.scorecard('{linear}', '{0}', '{NULL}', '{1}', 0, 3);
SELECT health_score.scorecard('{linear,linear}', '{0,0}', '{1,1}', '{1,-2}', 0, 3, 4);
SELECT health_score.scorecard('{linear,linear}', '{0,0}', '{1,1}', '{0,0}', 0, 3, 4);
SELECT health_score.scorecard('{linear}', '{0}', '{10}', '{1}', 2, 3);
SELECT health_score.scorecard('{linear}', '{0}', '{10}', '{1}', 0, VARIADIC ARRAY[1, 2]::float8[]);
SELECT health_score.scorecard('{{linear}}', '{0}', '{10}', '{1}', 0, 3);

-- 100,000 seeded rows: four metrics, ~5 % NULLs each, against the
-- composed form; exact equality expected.
SELECT setseed(0.9);
CREATE TEMP TABLE card_rows AS
SELECT i,
       CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 120 - 10)::numeric, 1) END::float8 AS usage,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 2000) END::float8 AS logins,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 12) END::int AS tickets,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 100) END::float8 AS nps_score
FROM generate_series(1, 100000) AS i;

SELECT count(*) AS rows,
       count(*) FILTER (WHERE
         health_score.scorecard('{linear,log,linear,score}', '{0,0,10,0}', '{100,500,0,100}',
                                '{3,2,1,4}', 0.5, usage, logins, tickets, nps_score)
         IS DISTINCT FROM
         health_score.weighted_score(ARRAY[health_score.scale(usage, 0, 100),
                                           health_score.scale_log(logins, 0, 500),
                                           health_score.scale(tickets, 10, 0),
                                           nps_score],
                                     '{3,2,1,4}', 0.5)) AS mismatches,
       count(*) FILTER (WHERE
         health_score.scorecard('{linear,log,linear,score}', '{0,0,10,0}', '{100,500,0,100}',
                                '{3,2,1,4}', 0.5, usage, logins, tickets, nps_score) IS NULL) AS below_coverage
FROM card_rows;

-- model arguments that change from row to row are re-read every row
CREATE TEMP TABLE card_models (segment int, weights float8[]);
INSERT INTO card_models VALUES (0, '{1,0,0,0}'), (1, '{0,1,0,0}'), (2, '{1,1,1,1}');
SELECT count(*) AS rows,
       count(*) FILTER (WHERE
         health_score.scorecard('{linear,log,linear,score}', '{0,0,10,0}', '{100,500,0,100}',
                                m.weights, 0, usage, logins, tickets, nps_score)
         IS DISTINCT FROM
         health_score.weighted_score(ARRAY[health_score.scale(usage, 0, 100),
                                           health_score.scale_log(logins, 0, 500),
                                           health_score.scale(tickets, 10, 0),
                                           nps_score], m.weights)) AS mismatches
FROM card_rows AS r JOIN card_models AS m ON m.segment = r.i % 3;

-- _model_row, what a model's scores view calls once a row: against the
-- composed form the views used before it, column by column, exactly.
-- NaN is missing there; the rows with NaN usage put it to the test.
UPDATE card_rows SET usage = 'NaN' WHERE i % 97 = 0;
CREATE TEMP TABLE row_results AS
SELECT r.i, m.weights,
       health_score_internal._model_row('{usage,logins,tickets,nps}', '{linear,log,linear,score}',
                               '{0,0,10,0}', '{100,500,0,100}', m.weights, 0.5,
                               usage, logins, tickets::float8, nps_score) AS got,
       health_score.scale(NULLIF(usage, 'NaN'), 0, 100) AS s1,
       health_score.scale_log(logins, 0, 500) AS s2,
       health_score.scale(tickets, 10, 0) AS s3,
       nps_score AS s4
  FROM card_rows AS r JOIN card_models AS m ON m.segment = r.i % 3;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE got[1] IS DISTINCT FROM
                        health_score.round_score(health_score.weighted_score(ARRAY[s1, s2, s3, s4], weights, 0.5)))
         AS score_mismatches,
       count(*) FILTER (WHERE got[2] IS DISTINCT FROM health_score.coverage(ARRAY[s1, s2, s3, s4], weights))
         AS coverage_mismatches,
       count(*) FILTER (WHERE got[3:6] IS DISTINCT FROM
                        ARRAY[health_score.round_score(s1), health_score.round_score(s2),
                              health_score.round_score(s3), health_score.round_score(s4)])
         AS metric_mismatches,
       count(*) FILTER (WHERE got[3] IS NULL) AS usage_missing,
       count(*) FILTER (WHERE got[1] IS NULL) AS below_coverage
  FROM row_results;

-- weights all zero: metric scores, but no score and no coverage
SELECT health_score_internal._model_row('{a,b}', '{linear,score}', '{0,0}', '{10,100}', '{0,0}', 0,
                               2.25::float8, 50::float8);
-- no metric present: coverage 0, no score
SELECT health_score_internal._model_row('{a,b}', '{linear,log}', '{0,0}', '{10,100}', '{1,1}', 0,
                               NULL::float8, 'NaN'::float8);
-- errors name the metric
SELECT health_score_internal._model_row('{usage,logins}', '{linear,log}', '{0,0}', '{100,500}', '{1,1}', 0,
                               5::float8, -1::float8);
SELECT health_score_internal._model_row('{usage,nps}', '{linear,score}', '{0,0}', '{100,100}', '{1,1}', 0,
                               5::float8, 101::float8);
SELECT health_score_internal._model_row('{usage,logins}', '{linear,log}', '{0,-5}', '{100,500}', '{1,1}', 0,
                               5::float8, 1::float8);
SELECT health_score_internal._model_row('{usage}', '{linear}', '{0}', '{100}', '{1,1}', 0, 5::float8);
SELECT health_score_internal._model_row('{usage}', '{linear}', '{0}', '{100}', '{1}', 0, 5);
