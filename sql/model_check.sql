-- One bad row fails every customer's scoring: build, refresh, snapshot
-- and explain name the metric and an example customer, with a hint,
-- leave nothing half-done, and show no generated SQL; check_model()
-- lists every customer a metric cannot use.  The expected rows were
-- chosen by hand when the table was made.
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- every part of an error, and whether its CONTEXT shows generated SQL
CREATE FUNCTION pg_temp.error_of(query text)
RETURNS TABLE (code text, message text, detail text, hint text, context_lines integer, generated_sql boolean)
LANGUAGE plpgsql AS $$
DECLARE
    context text;
BEGIN
    EXECUTE query;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT,
                            context = PG_EXCEPTION_CONTEXT;
    context_lines := cardinality(string_to_array(context, E'\n'));
    generated_sql := context ~ '(CREATE TEMPORARY TABLE|MERGE INTO|WITH metrics|INSERT INTO|LATERAL)';
    RETURN NEXT;
END;
$$;

-- 40 customers: tenure is 0 for ids 10, 20, 30 and 40; usage is
-- negative for id 5 and NaN for id 6
CREATE TABLE hs_chk (id integer PRIMARY KEY, tenure integer, charges float8, usage float8);
INSERT INTO hs_chk
SELECT g, g % 10, g * 10, CASE g WHEN 5 THEN -3 WHEN 6 THEN 'NaN'::float8 ELSE g - 1 END
  FROM generate_series(1, 40) AS g;
SELECT health_score.create_model('chk', 'public.hs_chk', 'id');
SELECT health_score.add_metric('chk', 'tenure', 'tenure', 1, 'linear', worst => 0, best => 9);
SELECT health_score.add_metric('chk', 'avg_charge', 'charges / tenure', 1, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('chk', 'usage', 'usage', 1, 'log', worst => 0, best => 100);

-- the first failing metric and customer; the schema is not created
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('chk')$$);
\x off
SELECT to_regnamespace('health_score_chk') IS NULL AS no_schema,
       (SELECT built_version IS NULL FROM health_score.model WHERE name = 'chk') AS not_built;

-- every customer a metric cannot use: 4 zero divisors, one negative
-- value on a log scale, one NaN
SELECT * FROM health_score.check_model('chk') ORDER BY metric, customer_key::integer;

-- the divisor guarded, the log metric's negative value is next
SELECT health_score.add_metric('chk', 'avg_charge', 'charges / NULLIF(tenure, 0)', 1, 'linear',
                               worst => 0, best => 100, replace => true);
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('chk')$$);
\x off
UPDATE hs_chk SET usage = 3 WHERE id = 5;
SELECT health_score.build('chk');
SELECT * FROM health_score.check_model('chk');
-- NaN counts as missing: id 6 has no usage score, and is scored on the others
SELECT id, usage_score, coverage FROM health_score_chk.scores WHERE id IN (5, 6) ORDER BY id;
SELECT health_score.snapshot('chk', '2026-01-05');

-- a bad row after the build: refresh and snapshot fail naming it, and
-- leave the stored scores and the history as they were
CREATE TEMP TABLE stored_before AS SELECT * FROM health_score_chk.stored_scores;
UPDATE hs_chk SET usage = -1 WHERE id = 7;
SELECT code, message, context_lines <= 8 AS short_context, generated_sql
  FROM pg_temp.error_of($$SELECT health_score.refresh('chk')$$);
SELECT code, message, context_lines <= 8 AS short_context, generated_sql
  FROM pg_temp.error_of($$SELECT health_score.snapshot('chk', '2026-01-12')$$);
SELECT (SELECT count(*) FROM (SELECT * FROM health_score_chk.stored_scores
                              EXCEPT ALL SELECT * FROM stored_before) AS d) AS rows_changed,
       (SELECT count(*) FROM health_score_chk.history WHERE taken_on = '2026-01-12') AS history_rows,
       (SELECT count(*) FROM health_score_chk.snapshots) AS snapshots;

-- explain of that customer fails naming the metric; of another, works
SELECT code, message, generated_sql
  FROM pg_temp.error_of($$SELECT * FROM health_score.explain('chk', '7')$$);
SELECT metric, metric_score FROM health_score.explain('chk', '8') ORDER BY metric;
-- a key of the wrong form names no customer; a NULL key or model is 22004
SELECT code, message, detail FROM pg_temp.error_of($$SELECT * FROM health_score.explain('chk', 'abc')$$);
SELECT code, message, hint FROM pg_temp.error_of($$SELECT * FROM health_score.explain('chk', NULL)$$);
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.refresh(NULL)$$);
SELECT code, message FROM pg_temp.error_of($$SELECT * FROM health_score.explain(NULL, '8')$$);
UPDATE hs_chk SET usage = 6 WHERE id = 7;

-- a snapshot of a day after today is refused (every customer's trend
-- would end there) unless asked for; nothing is written
SELECT code, message ~ '^taken_on \d{4}-\d\d-\d\d is after today, \d{4}-\d\d-\d\d$' AS says_which, hint
  FROM pg_temp.error_of($$SELECT health_score.snapshot('chk', current_date + 1)$$);
SELECT count(*) AS future_snapshots FROM health_score_chk.snapshots WHERE taken_on > current_date;
SELECT health_score.snapshot('chk', current_date + 1, allow_future => true) AS written;
SELECT count(*) AS future_rows FROM health_score_chk.history WHERE taken_on > current_date;

-- a repeated key that appears after the build: explain, refresh and
-- snapshot name it (the model reads a view, which can repeat a key)
CREATE VIEW hs_chk_view AS SELECT * FROM hs_chk;
SELECT health_score.create_model('chkview', 'public.hs_chk_view', 'id');
SELECT health_score.add_metric('chkview', 'tenure', 'tenure', 1, 'linear', worst => 0, best => 9);
SELECT health_score.build('chkview');
CREATE OR REPLACE VIEW hs_chk_view AS SELECT * FROM hs_chk UNION ALL SELECT * FROM hs_chk WHERE id = 8;
SELECT code, message FROM pg_temp.error_of($$SELECT * FROM health_score.explain('chkview', '8')$$);
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.refresh('chkview')$$);
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.snapshot('chkview', '2026-01-05')$$);
SELECT count(*) AS stored FROM health_score_chkview.stored_scores;

-- an outcome that fails for a customer: validate, model_auc and
-- suggest_weights name the outcome and the first such customer (tenure
-- is 0 for id 10 first), without the generated SQL
SELECT f AS function, e.code, e.message, e.context_lines <= 8 AS short_context, e.generated_sql
  FROM unnest(ARRAY[$$SELECT health_score.model_auc('chk', 'charges / tenure > 100')$$,
                    $$SELECT * FROM health_score.validate('chk', 'charges / tenure > 100')$$,
                    $$SELECT * FROM health_score.suggest_weights('chk', 'charges / tenure > 100')$$]) AS f,
       pg_temp.error_of(f) AS e;
SELECT code, message, hint FROM pg_temp.error_of($$SELECT health_score.model_auc('chk', '(tenure || ''x'')::integer > 3')$$);
-- an outcome no metric goes against: no weights to suggest, and a
-- warning says why (every coefficient positive, every wrong_sign)
SET client_min_messages = warning;
SELECT metric, suggested_weight, wrong_sign, coefficient > 0 AS positive
  FROM health_score.suggest_weights('chk', 'id > 20', folds => 2) ORDER BY metric;

SELECT health_score.drop_model('chkview');
SELECT health_score.drop_model('chk', drop_history => true);
DROP VIEW hs_chk_view;
DROP TABLE hs_chk;
