-- test/demo.sql: score the telecom customers of mlc_churn.csv with a
-- health_score model and print its bands and segments, and its red
-- customers, with their churn rates.
--
-- Reads the CSV from psql's standard input:
--   psql -f test/demo.sql < mlc_churn.csv
-- test/demo.sh does this on a throwaway server.  Running it again starts
-- over: it drops the model churn and the schema demo first.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS health_score;
DO $$
BEGIN
  IF (SELECT string_to_array(extversion, '.')::int[] < '{1,2}'
        FROM pg_extension WHERE extname = 'health_score') THEN
    RAISE EXCEPTION 'the demo needs health_score 1.2 or later (scoring models)'
          USING HINT = 'Run ALTER EXTENSION health_score UPDATE;';
  END IF;
END
$$;

-- Start over: the model's views read demo.customers, so the model goes
-- first (drop_model raises an error for a model that does not exist).
DO $$
BEGIN
  IF EXISTS (SELECT FROM health_score.model WHERE name = 'churn') THEN
    PERFORM health_score.drop_model('churn');
  END IF;
END
$$;
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
SELECT count(*) AS customers FROM demo.customers \gset
\echo 'Loaded' :customers 'customers into demo.customers'

-- The model: one row per customer of demo.customers, identified by id,
-- grouped by international plan (yes / no).  Bands: red below 60, green
-- from 80.  Five metrics, each mapped to 0-100 and weighted:
--   support    (weight 3): customer-service calls, lower is better, in
--                          steps: 0-1 calls 100, 2-3 calls 80, 4 calls 20,
--                          5 or more 0
--   billing    (weight 3): the monthly charge, linear from $80 (0) to
--                          $70 (100)
--   plan       (weight 2): an international plan scores 20, none 100
--   engagement (weight 1): voice-mail messages on a log scale, 0 to 30
--   tenure     (weight 1): account length in days on a log scale, 0 to 200
-- Each customer's revenue is the monthly charge, which the views sum per
-- band.  (\gset keeps psql quiet: it stores each result in a variable.)
SELECT health_score.create_model('churn', 'demo.customers', 'id',
                                 segments => '{international_plan}',
                                 red_below => 60, green_from => 80,
                                 revenue => 'total_day_charge + total_eve_charge + total_night_charge + total_intl_charge') \gset
SELECT health_score.add_metric('churn', 'support', 'number_customer_service_calls', 3, 'steps',
                               thresholds => '{2,4,5}', scores => '{100,80,20,0}') \gset
SELECT health_score.add_metric('churn', 'billing',
                               'total_day_charge + total_eve_charge + total_night_charge + total_intl_charge',
                               3, 'linear', worst => 80, best => 70) \gset
SELECT health_score.add_metric('churn', 'plan', $$international_plan = 'yes'$$, 2, 'steps',
                               thresholds => '{1}', scores => '{100,20}') \gset
SELECT health_score.add_metric('churn', 'engagement', 'number_vmail_messages', 1, 'log',
                               worst => 0, best => 30) \gset
SELECT health_score.add_metric('churn', 'tenure', 'account_length', 1, 'log',
                               worst => 0, best => 200) \gset
SELECT health_score.build('churn') AS views \gset
\echo 'Built model churn: its views are in schema' :views

\echo
\echo 'Customers by band (red: score < 60, yellow: 60-80, green: >= 80)'
SELECT s.band,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share %",
       round(avg(s.score)::numeric, 1) AS average_score,
       round(100.0 * avg((c.churn = 'yes')::int), 1) AS "churned %"
FROM health_score_churn.scores s
JOIN demo.customers c USING (id)
GROUP BY s.band
ORDER BY array_position('{red,yellow,green}', s.band);

\echo 'health_score_churn.segment_summary, with the churn rate of each row'
SELECT ss.international_plan, ss.band, ss.customers, ss.share,
       ss.average_score::numeric(4,1) AS average_score,
       round(100.0 * ch.churned / ss.customers, 1) AS "churned %"
FROM health_score_churn.segment_summary ss
LEFT JOIN (SELECT s.international_plan, s.band, count(*) FILTER (WHERE c.churn = 'yes') AS churned
           FROM health_score_churn.scores s
           JOIN demo.customers c USING (id)
           GROUP BY s.international_plan, s.band) ch
  ON ch.international_plan IS NOT DISTINCT FROM ss.international_plan
 AND ch.band IS NOT DISTINCT FROM ss.band
ORDER BY ss.international_plan, array_position('{red,yellow,green}', ss.band);

\echo 'The first 10 rows of health_score_churn.red (worst score first), and who churned'
SELECT r.id, r.international_plan, r.score::numeric(4,1) AS score, r.grade,
       r.percentile, r.rank,
       r.support_score::numeric(4,1) AS support, r.billing_score::numeric(4,1) AS billing,
       r.plan_score::numeric(4,1) AS plan, r.engagement_score::numeric(4,1) AS engagement,
       r.tenure_score::numeric(4,1) AS tenure,
       c.churn = 'yes' AS churned
FROM health_score_churn.red r
JOIN demo.customers c USING (id)
ORDER BY r.score, r.id
LIMIT 10;

\echo 'Does the score predict churn? The model''s AUC (1 = every churner scores below every stayer, 0.5 = chance)'
SELECT round(health_score.model_auc('churn', $$churn = 'yes'$$)::numeric, 3) AS auc;
SELECT band, customers, round((100 * outcome_rate)::numeric, 1) AS "churned %",
       round(lift::numeric, 2) AS lift
FROM health_score.validate('churn', $$churn = 'yes'$$);

\echo 'Revenue by band: the monthly charges of each band, those of the customers who churned, and what the band''s churn rate puts at risk among the customers who stayed'
SELECT v.band, v.customers, round(v.revenue::numeric) AS "revenue $/month",
       round(v.revenue_lost::numeric) AS "lost to churn $/month",
       round(r.revenue::numeric) AS "stayers' revenue $/month",
       round((100 * r.outcome_rate)::numeric, 1) AS "churn rate %",
       round(r.expected_loss::numeric) AS "expected loss $/month"
FROM health_score.validate('churn', $$churn = 'yes'$$) AS v
JOIN health_score.revenue_at_risk('churn', $$churn = 'yes'$$) AS r USING (band)
ORDER BY array_position('{red,yellow,green,unscored,all}', v.band);

\echo 'Why the first red customer scores low, what would help most first'
SELECT metric, raw_value, round(metric_score::numeric, 1) AS metric_score, weight,
       round(points::numeric, 1) AS points, round(points_to_gain::numeric, 1) AS points_to_gain
FROM health_score.explain('churn', (SELECT id::text FROM health_score_churn.red ORDER BY score, id LIMIT 1));

\echo 'The weights the churn history supports (a logistic regression on the metric scores), and the AUC with them: on the customers they were fitted to, and cross-validated over 5 folds'
SELECT metric, current_weight, suggested_weight, wrong_sign,
       round(auc_current::numeric, 3) AS auc_current, round(auc_suggested::numeric, 3) AS auc_suggested,
       round(cv_auc_current::numeric, 3) AS cv_auc_current, round(cv_auc_suggested::numeric, 3) AS cv_auc_suggested
FROM health_score.suggest_weights('churn', $$churn = 'yes'$$);
