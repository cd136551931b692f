-- suggest_weights() and apply_weights() on a model with segment weights,
-- missing metrics and min_coverage: the AUCs suggest_weights() reports
-- are those model_auc() gives before and after the suggestion is applied
-- and built; apply_weights() keeps each segment weight's ratio to its
-- metric's weight; its cross-validated AUCs are those of the same folds
-- computed in plain SQL.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- 600 customers in two plans.  usage and tenure are missing for about
-- 30 % each; tenure counts five times as much for monthly customers, so
-- a monthly customer without tenure has 4 of 9 weight present, below
-- min_coverage 0.5, and no score.  promo is 0 for everyone: its
-- coefficient is 0, the case that gave a weight of -0.  churned depends
-- on tenure more for monthly customers, as the segment weight says;
-- lapsed depends on usage alone.
CREATE TABLE mw_customers (id int PRIMARY KEY, plan text, usage int, tenure int, tickets int,
                           promo int, churned boolean, lapsed boolean);
SELECT setseed(0.16);
INSERT INTO mw_customers
SELECT i, CASE WHEN random() < 0.6 THEN 'monthly' ELSE 'yearly' END,
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 101) END,
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 101) END,
       floor(random() * 11), 0, NULL, NULL
  FROM generate_series(1, 600) AS i;
UPDATE mw_customers
   SET churned = random() < 1 / (1 + exp(-(1.5 - 0.03 * coalesce(usage, 50)
                                          - CASE plan WHEN 'monthly' THEN 0.04 ELSE 0.01 END * coalesce(tenure, 50)
                                          + 0.15 * tickets))),
       lapsed = random() < 1 / (1 + exp(-(2 - 0.06 * coalesce(usage, 50))));
SELECT plan, count(*) AS customers, count(*) FILTER (WHERE churned) AS churned,
       count(*) FILTER (WHERE lapsed) AS lapsed
  FROM mw_customers GROUP BY plan ORDER BY plan;

SELECT health_score.create_model('mw', 'mw_customers', 'id', '{plan}', min_coverage => 0.5);
SELECT health_score.add_metric('mw', 'usage', 'usage', 2, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('mw', 'tenure', 'tenure', 1, 'linear', worst => 0, best => 100,
                               segment_weights => '{"plan": {"monthly": 5}}');
SELECT health_score.add_metric('mw', 'tickets', 'tickets', 1, 'linear', worst => 10, best => 0);
SELECT health_score.add_metric('mw', 'promo', 'promo', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('mw');

-- The score by hand, for any weights: the metric scores as scale()
-- defines them, 100 * (value - worst) / (best - worst); tenure's weight
-- for monthly customers is its own; the weighted mean of the metrics
-- present, summed left to right as the views sum; NULL when less than
-- half the weight is present; rounded to one decimal as the views round.
CREATE FUNCTION pg_temp.metric_scores(usage int, tenure int, tickets int, promo int) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[100 * ((usage - 0) / 100::float8), 100 * ((tenure - 0) / 100::float8),
                 100 * ((tickets - 10) / (0 - 10)::float8), 100 * ((promo - 0) / 100::float8)]
$$;
CREATE FUNCTION pg_temp.score_by_hand(s float8[], plan text, w float8[], tenure_monthly float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN present > 0 AND present / total >= 0.5
                THEN round((weighted / present)::numeric, 1)::float8 END
      FROM (SELECT coalesce(w[1] * s[1], 0) + coalesce(tw * s[2], 0) + coalesce(w[3] * s[3], 0)
                   + coalesce(w[4] * s[4], 0) AS weighted,
                   CASE WHEN s[1] IS NULL THEN 0 ELSE w[1] END + CASE WHEN s[2] IS NULL THEN 0 ELSE tw END
                   + CASE WHEN s[3] IS NULL THEN 0 ELSE w[3] END + CASE WHEN s[4] IS NULL THEN 0 ELSE w[4] END
                   AS present,
                   w[1] + tw + w[3] + w[4] AS total
              FROM (SELECT CASE plan WHEN 'monthly' THEN tenure_monthly ELSE w[2] END AS tw) AS d) AS sums
$$;
-- it is the view's score, customer by customer: 0 mismatches; and the
-- view's metric scores are those scores rounded
SELECT count(*) AS customers,
       count(*) FILTER (WHERE s.score IS NULL) AS unscored,
       count(*) FILTER (WHERE s.score IS DISTINCT FROM pg_temp.score_by_hand(pg_temp.metric_scores(c.usage, c.tenure, c.tickets, c.promo), c.plan, '{2,1,1,1}', 5)) AS mismatches,
       count(*) FILTER (WHERE ARRAY[s.usage_score, s.tenure_score, s.tickets_score, s.promo_score]
                              IS DISTINCT FROM ARRAY(SELECT round(v::numeric, 1)::float8
                                                       FROM unnest(pg_temp.metric_scores(c.usage, c.tenure, c.tickets, c.promo)) AS v)) AS metric_mismatches
  FROM health_score_mw.scores AS s JOIN mw_customers AS c USING (id);

------------------------------------------------------------------------
-- suggest_weights against model_auc, before and after
------------------------------------------------------------------------
-- churned: the fit cannot say "tenure counts more for monthly
-- customers", and its weights, scored as the views score them, do worse
-- than the current ones: a warning says so
CREATE TEMP TABLE suggestion AS SELECT * FROM health_score.suggest_weights('mw', 'churned');
SELECT metric, current_weight, suggested_weight, wrong_sign, round(auc_current::numeric, 4) AS auc_current,
       round(auc_suggested::numeric, 4) AS auc_suggested, round(cv_auc_current::numeric, 4) AS cv_auc_current,
       round(cv_auc_suggested::numeric, 4) AS cv_auc_suggested
  FROM suggestion;
-- the current AUC is model_auc's, to the last bit
SELECT bool_and(auc_current = health_score.model_auc('mw', 'churned')) AS auc_current_is_model_auc
  FROM suggestion;
-- never -0: promo's coefficient is 0, and its weight prints as 0
SELECT metric, suggested_weight::text AS suggested_weight, coefficient::text AS coefficient
  FROM suggestion WHERE metric = 'promo';
SELECT count(*) AS negative_zeros FROM suggestion
 WHERE suggested_weight::text LIKE '-%' OR coefficient::text = '-0';
-- the suggested weights are the fit's: a plain-SQL logistic_fit on the
-- view's metric scores, -coefficient where negative, scaled to 100,
-- rounded to one decimal
CREATE TEMP TABLE full_fit AS
SELECT health_score.logistic_fit(ARRAY[s.usage_score, s.tenure_score, s.tickets_score, s.promo_score],
                                 c.churned, 1) AS beta
  FROM health_score_mw.scores AS s JOIN mw_customers AS c USING (id);
SELECT bool_and(w.suggested_weight = round((100 * greatest(-b.b, 0)
                                            / (SELECT sum(greatest(-bb, 0)) FROM unnest(f.beta[2:]) AS bb))::numeric, 1)::float8)
       AS weights_are_the_fit
  FROM suggestion AS w JOIN full_fit AS f ON true
  JOIN unnest(f.beta[2:]) WITH ORDINALITY AS b(b, i)
    ON i = array_position('{usage,tenure,tickets,promo}'::text[], w.metric);
-- auc_suggested by hand: the suggested weights, tenure's monthly weight
-- five times its new one, min_coverage 0.5
SELECT bool_and(abs(w.auc_suggested - h.auc) < 1e-12) AS auc_suggested_by_hand
  FROM suggestion AS w,
       (SELECT health_score.auc(pg_temp.score_by_hand(pg_temp.metric_scores(c.usage, c.tenure, c.tickets, c.promo), c.plan, ws.w, 5 * ws.w[2]), c.churned) AS auc
          FROM mw_customers AS c,
               (SELECT array_agg(suggested_weight ORDER BY array_position('{usage,tenure,tickets,promo}'::text[], metric)) AS w
                  FROM suggestion) AS ws) AS h;

-- lapsed: the suggestion beats the current weights, and no warning
CREATE TEMP TABLE lapsed AS SELECT * FROM health_score.suggest_weights('mw', 'lapsed');
SELECT metric, current_weight, suggested_weight, round(auc_current::numeric, 4) AS auc_current,
       round(auc_suggested::numeric, 4) AS auc_suggested, round(cv_auc_current::numeric, 4) AS cv_auc_current,
       round(cv_auc_suggested::numeric, 4) AS cv_auc_suggested
  FROM lapsed;
SELECT bool_and(auc_current = health_score.model_auc('mw', 'lapsed')) AS auc_current_is_model_auc,
       bool_and(abs(w.auc_suggested - h.auc) < 1e-12) AS auc_suggested_by_hand
  FROM lapsed AS w,
       (SELECT health_score.auc(pg_temp.score_by_hand(pg_temp.metric_scores(c.usage, c.tenure, c.tickets, c.promo), c.plan, ws.w, 5 * ws.w[2]), c.lapsed) AS auc
          FROM mw_customers AS c,
               (SELECT array_agg(suggested_weight ORDER BY array_position('{usage,tenure,tickets,promo}'::text[], metric)) AS w
                  FROM lapsed) AS ws) AS h;
-- apply and build: model_auc is auc_suggested, to the last bit
SELECT health_score.apply_weights('mw', jsonb_object_agg(metric, suggested_weight)) AS version
  FROM lapsed;
SELECT health_score.build('mw');
SELECT health_score.model_auc('mw', 'lapsed') = (SELECT DISTINCT auc_suggested FROM lapsed)
       AS model_auc_is_auc_suggested;
-- the views score as score_by_hand with the new weights: 0 mismatches
SELECT count(*) FILTER (WHERE s.score IS DISTINCT FROM
                              pg_temp.score_by_hand(pg_temp.metric_scores(c.usage, c.tenure, c.tickets, c.promo), c.plan, ws.w, 5 * ws.w[2]))
       AS mismatches
  FROM health_score_mw.scores AS s JOIN mw_customers AS c USING (id),
       (SELECT array_agg(suggested_weight ORDER BY array_position('{usage,tenure,tickets,promo}'::text[], metric)) AS w
          FROM lapsed) AS ws;
-- tenure's segment weight kept its ratio, 5, to tenure's weight: by hand
-- 5 x the new weight
SELECT x.name, x.weight, x.segment_weights,
       abs((x.segment_weights -> 'plan' ->> 'monthly')::float8 / x.weight - 5) < 1e-12 AS ratio_kept,
       (x.segment_weights -> 'plan' ->> 'monthly')::float8 = 5 * w.suggested_weight AS five_times
  FROM health_score.metric AS x JOIN lapsed AS w ON w.metric = x.name
 WHERE x.model = 'mw' AND x.name = 'tenure';
SELECT version, change FROM health_score.model_version WHERE model = 'mw' ORDER BY version DESC LIMIT 1;

-- nothing to change is no new version: no weights, the same ones, the
-- same ones keeping the segment weights
SELECT health_score.apply_weights('mw', '{}') AS version,
       (SELECT version FROM health_score.model WHERE name = 'mw') AS current_version;
SELECT health_score.apply_weights('mw', jsonb_object_agg(metric, suggested_weight)) AS version
  FROM lapsed;
SELECT health_score.apply_weights('mw', jsonb_object_agg(metric, suggested_weight), overrides => 'keep') AS version
  FROM lapsed;
SELECT max(version) AS last_logged, (SELECT built_version FROM health_score.model WHERE name = 'mw') AS built
  FROM health_score.model_version WHERE model = 'mw';

------------------------------------------------------------------------
-- Cross-validation against the same folds in plain SQL
------------------------------------------------------------------------
-- The model as lapsed's suggestion left it, against churned, with 4
-- folds and seed 7.
CREATE TEMP TABLE cv AS SELECT * FROM health_score.suggest_weights('mw', 'churned', folds => 4, seed => 7);
-- The folds: within each outcome, customers ordered by md5('7:' || id)
-- and dealt to folds 1, 2, 3, 4, 1, ... (README).
CREATE TEMP TABLE folds AS
SELECT c.*, 1 + (row_number() OVER (PARTITION BY c.churned ORDER BY md5('7:' || c.id::text) COLLATE "C") - 1) % 4 AS fold
  FROM mw_customers AS c;
SELECT fold, count(*) FILTER (WHERE churned) AS churned, count(*) FILTER (WHERE NOT churned) AS stayed
  FROM folds GROUP BY fold ORDER BY fold;
-- per fold: the fit on the other three (on the metric scores rounded, as
-- the views show them), its weights, the AUC on the fold of those
-- weights and of the current ones
CREATE TEMP TABLE cv_by_hand AS
WITH current_weights AS (
    SELECT array_agg(weight ORDER BY position) AS w FROM health_score.metric WHERE model = 'mw'
), fits AS (
    SELECT f.fold,
           (SELECT health_score.logistic_fit(ARRAY(SELECT round(v::numeric, 1)::float8
                                                     FROM unnest(pg_temp.metric_scores(t.usage, t.tenure, t.tickets, t.promo)) AS v),
                                             t.churned, 1)
              FROM folds AS t WHERE t.fold <> f.fold) AS beta
      FROM generate_series(1, 4) AS f(fold)
), weights AS (
    SELECT fits.fold,
           ARRAY(SELECT round((100 * greatest(-b, 0) / (SELECT sum(greatest(-bb, 0)) FROM unnest(fits.beta[2:]) AS bb))::numeric, 1)::float8
                   FROM unnest(fits.beta[2:]) WITH ORDINALITY AS u(b, i) ORDER BY i) AS w
      FROM fits
)
SELECT w.fold, w.w,
       health_score.auc(pg_temp.score_by_hand(pg_temp.metric_scores(t.usage, t.tenure, t.tickets, t.promo), t.plan, w.w, 5 * w.w[2]), t.churned) AS auc_suggested,
       health_score.auc(pg_temp.score_by_hand(pg_temp.metric_scores(t.usage, t.tenure, t.tickets, t.promo), t.plan, cw.w, 5 * cw.w[2]), t.churned) AS auc_current
  FROM weights AS w JOIN folds AS t USING (fold), current_weights AS cw
 GROUP BY w.fold, w.w;
SELECT fold, w AS fold_weights, round(auc_current::numeric, 4) AS auc_current,
       round(auc_suggested::numeric, 4) AS auc_suggested
  FROM cv_by_hand ORDER BY fold;
SELECT round(min(cv.cv_auc_current)::numeric, 6) AS cv_auc_current,
       round(min(cv.cv_auc_suggested)::numeric, 6) AS cv_auc_suggested,
       bool_and(abs(cv.cv_auc_current - h.current) < 1e-12) AS cv_current_by_hand,
       bool_and(abs(cv.cv_auc_suggested - h.suggested) < 1e-12) AS cv_suggested_by_hand
  FROM cv, (SELECT avg(auc_current) AS current, avg(auc_suggested) AS suggested FROM cv_by_hand) AS h;
-- another seed deals other folds: the figures move, the fit on all
-- customers does not
SELECT bool_and(s.cv_auc_current <> cv.cv_auc_current) AS cv_moved,
       bool_and(s.auc_suggested = cv.auc_suggested AND s.suggested_weight = cv.suggested_weight) AS full_fit_same
  FROM health_score.suggest_weights('mw', 'churned', folds => 4, seed => 8) AS s
  JOIN cv USING (metric);

------------------------------------------------------------------------
-- Segment weights of a metric weighing 0, and the other choices
------------------------------------------------------------------------
SELECT health_score.create_model('mw_zero', 'mw_customers', 'id', '{plan}');
SELECT health_score.add_metric('mw_zero', 'usage', 'usage', 1, 'linear', worst => 0, best => 100);
-- tenure counts for monthly customers only: no ratio to keep
SELECT health_score.add_metric('mw_zero', 'tenure', 'tenure', 0, 'linear', worst => 0, best => 100,
                               segment_weights => '{"plan": {"monthly": 2, "yearly": 0}}');
SELECT health_score.apply_weights('mw_zero', '{"usage": 3, "tenure": 1}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- nothing was changed
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mw_zero' ORDER BY position;
SELECT health_score.apply_weights('mw_zero', '{"usage": 3, "tenure": 1}', overrides => 'keep') AS version;
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mw_zero' ORDER BY position;
-- scaled from 1 to 4: monthly 2 -> 8, yearly 0 -> 0
SELECT health_score.apply_weights('mw_zero', '{"tenure": 4}') AS version;
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mw_zero' ORDER BY position;
SELECT health_score.apply_weights('mw_zero', '{"tenure": 4}', overrides => 'drop') AS version;
SELECT name, weight, segment_weights FROM health_score.metric WHERE model = 'mw_zero' ORDER BY position;
SELECT version, change FROM health_score.model_version WHERE model = 'mw_zero' ORDER BY version;
SELECT health_score.apply_weights('mw_zero', '{"usage": 1}', overrides => 'rescale');
SELECT health_score.apply_weights('mw_zero', '{"usage": 1}', overrides => NULL);

------------------------------------------------------------------------
-- Bad folds
------------------------------------------------------------------------
SELECT * FROM health_score.suggest_weights('mw', 'churned', folds => 1);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.suggest_weights('mw', 'churned', folds => 601);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.suggest_weights('mw', 'churned', folds => NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- changed since the build: the current weights are not the views'
SELECT health_score.apply_weights('mw', '{"promo": 1}') AS version;
SELECT * FROM health_score.suggest_weights('mw', 'churned');
\echo sqlstate :LAST_ERROR_SQLSTATE

SELECT health_score.drop_model('mw');
SELECT health_score.drop_model('mw_zero');
DROP TABLE mw_customers, suggestion, full_fit, lapsed, cv, folds, cv_by_hand;
