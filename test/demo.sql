-- test/demo.sql: score the telecom customers of mlc_churn.csv and print
-- the red / yellow / green segments with their churn rates.
--
-- Reads the CSV from psql's standard input:
--   psql -f test/demo.sql < mlc_churn.csv
-- test/demo.sh does this on a throwaway server.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS health_score;
DROP SCHEMA IF EXISTS demo CASCADE;
CREATE SCHEMA demo;

CREATE TABLE demo.customers (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state text,
  account_length int,
  area_code text,
  international_plan text,
  voice_mail_plan text,
  number_vmail_messages int,
  total_day_minutes float8,
  total_day_calls int,
  total_day_charge float8,
  total_eve_minutes float8,
  total_eve_calls int,
  total_eve_charge float8,
  total_night_minutes float8,
  total_night_calls int,
  total_night_charge float8,
  total_intl_minutes float8,
  total_intl_calls int,
  total_intl_charge float8,
  number_customer_service_calls int,
  churn text
);
COMMENT ON TABLE demo.customers IS
  'mlc_churn: telecom customers from R''s modeldata (MIT licence); churn = yes means the customer left';

\copy demo.customers (state, account_length, area_code, international_plan, voice_mail_plan, number_vmail_messages, total_day_minutes, total_day_calls, total_day_charge, total_eve_minutes, total_eve_calls, total_eve_charge, total_night_minutes, total_night_calls, total_night_charge, total_intl_minutes, total_intl_calls, total_intl_charge, number_customer_service_calls, churn) FROM pstdin WITH (FORMAT csv, HEADER)

-- Five metrics, each mapped to 0-100 and weighted:
--   support   (weight 3): customer-service calls, steps: 0-1 calls 100,
--                         2-3 calls 80, 4 calls 20, 5 or more 0
--   billing   (weight 3): the monthly charge, linear from $80 (0) to $70 (100)
--   plan      (weight 2): an international plan scores 20, none 100
--   engagement(weight 1): voice-mail messages on a log scale, 0 to 30
--   tenure    (weight 1): account length in days on a log scale, 0 to 200
-- Bands: red below 60, green from 80.
CREATE VIEW demo.scores WITH (security_invoker) AS
SELECT id, state, international_plan, churn = 'yes' AS churned, score,
       health_score.band(score, 60, 80) AS band,
       health_score.grade(score) AS grade
FROM (
  SELECT c.*,
         health_score.weighted_score(
           ARRAY[health_score.scale_steps(number_customer_service_calls, '{2,4,5}', '{100,80,20,0}'),
                 health_score.scale(total_day_charge + total_eve_charge + total_night_charge + total_intl_charge, 80, 70),
                 health_score.scale_steps((international_plan = 'yes')::int, '{1}', '{100,20}'),
                 health_score.scale_log(number_vmail_messages, 0, 30),
                 health_score.scale_log(account_length, 0, 200)],
           '{3,3,2,1,1}') AS score
  FROM demo.customers c
) scored;
COMMENT ON VIEW demo.scores IS 'one row per customer: health score 0-100, band and grade';

\echo
\echo 'Customers by band (red: score < 60, yellow: 60-80, green: >= 80)'
SELECT band,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share %",
       round(avg(score)::numeric, 1) AS avg_score,
       round(100.0 * avg(churned::int), 1) AS "churned %"
FROM demo.scores
GROUP BY band
ORDER BY array_position('{red,yellow,green}', band);

\echo 'Band counts by plan, with the band_counts aggregate'
SELECT international_plan,
       (health_score.band_counts(score, 60, 80)).*
FROM demo.scores
GROUP BY international_plan
ORDER BY international_plan;

\echo 'The ten customers most at risk'
SELECT id, state, round(score::numeric, 1) AS score, band, grade, churned
FROM demo.scores
ORDER BY score, id
LIMIT 10;
