-- What a new user's try of the model layer tripped on, each with the
-- behaviour it should have had: empty segment weights, explain of a
-- customer without a score, validate and model_auc over repeated keys,
-- a NULL outcome, weights scaled to and from 0 with segment weights,
-- weights too large, a coefficient that is rounding noise, no customer
-- scored, model functions after the source was dropped, and build
-- without CREATE on the database.  Expected values by hand in comments.
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.error_of(query text)
RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END;
$$;

-- 30 customers: usage = id % 10 (NULL for id 7), calls = id % 4, plan
-- a/b/c by id % 3, churned when id % 5 = 0
CREATE TABLE hs_mu (id integer PRIMARY KEY, usage float8, calls float8, plan text, churned boolean);
INSERT INTO hs_mu
SELECT g, CASE WHEN g = 7 THEN NULL ELSE g % 10 END, g % 4, (ARRAY['a', 'b', 'c'])[1 + g % 3], g % 5 = 0
  FROM generate_series(1, 30) AS g;
CREATE VIEW hs_mu_view AS SELECT * FROM hs_mu;
SELECT health_score.create_model('mu', 'public.hs_mu_view', 'id', segments => '{plan}', min_coverage => 0.6);

------------------------------------------------------------------------
-- 1. An empty segment_weights, or a segment with no value, is no
--    override: stored as NULL, and build works (it made a CASE with no
--    arm, a syntax error)
------------------------------------------------------------------------
SELECT health_score.add_metric('mu', 'usage', 'usage', 1, 'linear', worst => 0, best => 10, segment_weights => '{}');
SELECT health_score.add_metric('mu', 'calls', 'calls', 1, 'linear', worst => 0, best => 3, segment_weights => '{"plan": {}}');
SELECT name, segment_weights FROM health_score.metric WHERE model = 'mu' ORDER BY position;
SELECT health_score.build('mu');

------------------------------------------------------------------------
-- 2. explain of a customer without a score says so: id 7 has calls
--    only, half the weight, below min_coverage 0.6
------------------------------------------------------------------------
SELECT score, coverage FROM health_score_mu.scores WHERE id = 7;
SET client_min_messages = notice;
SELECT metric, metric_score, share FROM health_score.explain('mu', '7') ORDER BY metric;
SELECT count(*) AS rows_for_8 FROM health_score.explain('mu', '8');
SET client_min_messages = warning;

------------------------------------------------------------------------
-- 3. A key repeated in the source after the build: validate, model_auc
--    and suggest_weights refuse, as refresh does, where they counted the
--    customer twice over
------------------------------------------------------------------------
CREATE OR REPLACE VIEW hs_mu_view AS SELECT * FROM hs_mu UNION ALL SELECT * FROM hs_mu WHERE id = 8;
SELECT f AS function, e.code, e.message
  FROM unnest(ARRAY[$$SELECT * FROM health_score.validate('mu', 'churned')$$,
                    $$SELECT health_score.model_auc('mu', 'churned')$$,
                    $$SELECT * FROM health_score.suggest_weights('mu', 'churned', folds => 2)$$]) AS f,
       pg_temp.error_of(f) AS e;
-- check_model lists the repeated key first, with no metric
SELECT * FROM health_score.check_model('mu');
CREATE OR REPLACE VIEW hs_mu_view AS SELECT * FROM hs_mu;

------------------------------------------------------------------------
-- 4. A NULL outcome is 22004, not "must not be empty"
------------------------------------------------------------------------
SELECT f AS function, e.code, e.message
  FROM unnest(ARRAY[$$SELECT * FROM health_score.validate('mu', NULL)$$,
                    $$SELECT health_score.model_auc('mu', NULL)$$,
                    $$SELECT * FROM health_score.suggest_weights('mu', NULL)$$]) AS f,
       pg_temp.error_of(f) AS e;

------------------------------------------------------------------------
-- 5. Weights to and from 0 with segment weights: scaled, the segment
--    weight would become 0 and never come back, so the default refuses
--    and drop removes them; weights whose sum overflows are refused.
--    The version moves only when something changed.
------------------------------------------------------------------------
SELECT health_score.add_metric('mu', 'calls', 'calls', 2, 'linear', worst => 0, best => 3,
                               segment_weights => '{"plan": {"a": 3}}', replace => true);
SELECT version AS version_before FROM health_score.model WHERE name = 'mu' \gset
SELECT code, message, detail FROM pg_temp.error_of($$SELECT health_score.apply_weights('mu', '{"calls": 0}')$$);
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mu' AND name = 'calls';
SELECT health_score.apply_weights('mu', '{"calls": 0}', overrides => 'drop') = :version_before + 1 AS new_version;
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mu' AND name = 'calls';
SELECT code, message, hint FROM pg_temp.error_of($$SELECT health_score.apply_weights('mu', '{"usage": 1e307, "calls": 1e307}')$$);
SELECT version = :version_before + 1 AS unchanged_after_refusal,
       (SELECT array_agg(weight ORDER BY position) FROM health_score.metric WHERE model = 'mu') AS weights
  FROM health_score.model WHERE name = 'mu';
SELECT health_score.apply_weights('mu', '{"calls": 1}');
SELECT health_score.build('mu');

-- thresholds changed in the catalog by hand are held to what
-- create_model allows
SELECT code, message FROM pg_temp.error_of($$UPDATE health_score.model SET green_from = 160 WHERE name = 'mu'$$);
SELECT code, message FROM pg_temp.error_of($$UPDATE health_score.model SET red_below = 80, green_from = 70 WHERE name = 'mu'$$);
SELECT code, message FROM pg_temp.error_of($$UPDATE health_score.model SET min_coverage = 1.5 WHERE name = 'mu'$$);
SELECT red_below, green_from, min_coverage FROM health_score.model WHERE name = 'mu';
-- grades the catalog cannot hold to a constraint are checked by build,
-- naming the model; and a cutoff off the scale by create_model
UPDATE health_score.model SET grade_cutoffs = '{200,60}', grade_letters = '{A}' WHERE name = 'mu';
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.build('mu')$$);
UPDATE health_score.model SET grade_cutoffs = '{50,60,70}', grade_letters = '{A,B,C,D}' WHERE name = 'mu';
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.build('mu')$$);
UPDATE health_score.model SET grade_cutoffs = '{90,80,70,60}', grade_letters = '{A,B,C,D,F}' WHERE name = 'mu';
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.create_model('mu_grades', 'public.hs_mu', 'id', grade_cutoffs => '{150,80}', grade_letters => '{A,B,C}')$$);
SELECT code, message FROM pg_temp.error_of($$SELECT health_score.create_model('mu_cover', 'public.hs_mu', 'id', min_coverage => 1.5)$$);

------------------------------------------------------------------------
-- 6. suggest_weights: a constant metric's coefficient is rounding noise,
--    which weighs 0 (it took every weight when it came out at -3e-23);
--    and when no customer has a score, a warning says auc_current is
--    NULL
------------------------------------------------------------------------
SELECT health_score.add_metric('mu', 'flat', '5', 1, 'linear', worst => 0, best => 10);
SELECT health_score.build('mu');
SELECT metric, suggested_weight, wrong_sign, abs(coefficient) < 1e-8 AS negligible
  FROM health_score.suggest_weights('mu', 'churned', folds => 2) ORDER BY metric;
-- logistic_fit converges with a constant feature, which only the ridge
-- tells from the intercept (it ran 100 Newton steps in the last digits
-- and failed): every row's fitted log-odds, intercept + 50 x the
-- feature's coefficient, is then the outcome's, ln(565 / 3434), and the
-- feature's coefficient 0 to rounding
SELECT round((f[1] + 50 * f[2])::numeric, 9) = round(ln(565.0 / 3434), 9) AS fitted_log_odds,
       abs(f[2]) < 1e-8 AS feature_zero
  FROM (SELECT health_score.logistic_fit(ARRAY[50::float8], g <= 565, 1) AS f
          FROM generate_series(1, 3999) AS g) AS t;
SELECT health_score.create_model('mu_none', 'public.hs_mu', 'id', min_coverage => 1);
SELECT health_score.add_metric('mu_none', 'usage', 'usage', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('mu_none', 'never', 'NULLIF(calls, calls)', 1, 'linear', worst => 0, best => 3);
SELECT health_score.build('mu_none');
SELECT count(score) AS scored FROM health_score_mu_none.scores;
SELECT DISTINCT auc_current FROM health_score.suggest_weights('mu_none', 'churned', folds => 2);

-- a volatile expression is accepted with a warning: every read of the
-- scores view would give other scores; and add_metric's data check does
-- not call it for every customer (nextval() did advance 30 times)
SELECT health_score.add_metric('mu', 'dice', 'usage + random()', 1, 'linear', worst => 0, best => 11);
CREATE SEQUENCE hs_mu_seq;
SELECT health_score.add_metric('mu', 'ticket', $$nextval('public.hs_mu_seq')$$, 1, 'linear', worst => 0, best => 1e6);
SELECT last_value, is_called FROM hs_mu_seq;
SELECT health_score.drop_metric('mu', 'ticket');
DROP SEQUENCE hs_mu_seq;
SELECT health_score.add_metric('mu', 'steady', 'usage + abs(calls)', 1, 'linear', worst => 0, best => 11);

------------------------------------------------------------------------
-- 7. build without CREATE on the database: one error naming the model,
--    with a hint, where it was CREATE SCHEMA's bare "permission denied"
------------------------------------------------------------------------
CREATE ROLE regress_mu_analyst;
CREATE TABLE hs_mu_own (id integer PRIMARY KEY, usage float8);
ALTER TABLE hs_mu_own OWNER TO regress_mu_analyst;
SET ROLE regress_mu_analyst;
SELECT has_database_privilege(current_database(), 'CREATE') AS may_create;
SELECT health_score.create_model('mu_own', 'public.hs_mu_own', 'id');
SELECT health_score.add_metric('mu_own', 'usage', 'usage', 1, 'linear', worst => 0, best => 10);
SELECT code, message, hint LIKE 'Ask for CREATE on the database (GRANT CREATE ON DATABASE %' AS hint_grant
  FROM pg_temp.error_of($$SELECT health_score.build('mu_own')$$);
-- nor into a schema it may not create in, which it names
RESET ROLE;
CREATE SCHEMA hs_mu_locked;
SET ROLE regress_mu_analyst;
SELECT health_score.create_model('mu_locked', 'public.hs_mu_own', 'id', target_schema => 'hs_mu_locked');
SELECT health_score.add_metric('mu_locked', 'usage', 'usage', 1, 'linear', worst => 0, best => 10);
SELECT code, message, hint FROM pg_temp.error_of($$SELECT health_score.build('mu_locked')$$);
SELECT health_score.drop_model('mu_locked');
RESET ROLE;
DROP SCHEMA hs_mu_locked;

-- with CREATE: the analyst builds; a superuser's snapshot of a new
-- month (a pg_cron job's, say) makes a partition the analyst owns, as
-- the history, so the analyst can still drop that day and prune
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_mu_analyst', current_database()); END $$;
SET ROLE regress_mu_analyst;
INSERT INTO hs_mu_own SELECT g, g % 10 FROM generate_series(1, 10) AS g;
SELECT health_score.build('mu_own');
SELECT health_score.snapshot('mu_own', '2026-01-05');
RESET ROLE;
SELECT health_score.snapshot('mu_own', '2026-02-02');
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner
  FROM pg_class AS c WHERE c.relnamespace = 'health_score_mu_own'::regnamespace AND c.relname LIKE 'history%'
   AND c.relkind IN ('r', 'p') ORDER BY 1;
SET ROLE regress_mu_analyst;
SELECT health_score.drop_snapshot('mu_own', '2026-02-02') AS dropped_rows;
SELECT health_score.prune_history('mu_own', '1 day') AS pruned_rows;
SELECT health_score.drop_model('mu_own', drop_history => true);
RESET ROLE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_mu_analyst', current_database()); END $$;
DROP TABLE hs_mu_own;
DROP ROLE regress_mu_analyst;

------------------------------------------------------------------------
-- 8. After the source was dropped, the functions that define a model
--    say so (they gave "syntax error" over its OID, or changed it)
------------------------------------------------------------------------
DROP TABLE hs_mu CASCADE;
SELECT f AS function, e.code, e.message
  FROM unnest(ARRAY[$$SELECT health_score.add_metric('mu_none', 'x', 'usage', 1, 'linear', worst => 0, best => 1)$$,
                    $$SELECT health_score.drop_metric('mu_none', 'never')$$,
                    $$SELECT health_score.apply_weights('mu_none', '{"usage": 2}')$$,
                    $$SELECT * FROM health_score.check_model('mu_none')$$]) AS f,
       pg_temp.error_of(f) AS e;
SELECT version, (SELECT count(*) FROM health_score.metric WHERE model = 'mu_none') AS metrics
  FROM health_score.model WHERE name = 'mu_none';
SELECT health_score.drop_model('mu_none');
SELECT health_score.drop_model('mu');
