-- Does the score predict churn?  auc() against a plain-SQL pair count,
-- logistic_fit() against a Newton iteration written here in PL/pgSQL,
-- and validate(), model_auc(), explain(), suggest_weights() and
-- apply_weights() on a model.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

------------------------------------------------------------------------
-- auc
------------------------------------------------------------------------
-- by hand: churned {1, 3}, stayed {2, 3, 4}.  Pairs where the stayed
-- outscores the churned: (1,2) (1,3) (1,4) (3,4) = 4, one tie (3,3) = 0.5:
-- 4.5 of 6 pairs = 0.75
SELECT health_score.auc(s, o)
FROM (VALUES (1, true), (3, true), (2, false), (3, false), (4, false)) v(s, o);
-- perfect, reversed, all tied, one class only, NULLs skipped
SELECT health_score.auc(s, o) AS perfect FROM (VALUES (1, true), (2, false)) v(s, o);
SELECT health_score.auc(s, o) AS reversed FROM (VALUES (2, true), (1, false)) v(s, o);
SELECT health_score.auc(s, o) AS tied FROM (VALUES (5, true), (5, false), (5, true)) v(s, o);
SELECT health_score.auc(s, o) IS NULL AS one_class FROM (VALUES (1, true), (2, true)) v(s, o);
SELECT health_score.auc(s, o) AS nulls_skipped
FROM (VALUES (1, true), (2, false), (NULL, false), (0, NULL)) v(s, o);
SELECT health_score.auc(s, o) IS NULL AS no_rows FROM (VALUES (1.0::float8, true)) v(s, o) WHERE false;
SELECT health_score.auc(s, o) AS infinities
FROM (VALUES ('-Infinity'::float8, true), ('Infinity', false), (0, true)) v(s, o);
SELECT health_score.auc('NaN', true);

-- 10,000 seeded rows with ties, against every churned x stayed pair
SELECT setseed(0.7);
CREATE TABLE outcomes AS
SELECT i AS id,
       round((random() * 100)::numeric, 0)::float8 AS score,
       NULL::boolean AS churned
FROM generate_series(1, 10000) AS i;
UPDATE outcomes SET churned = random() < 0.6 - score / 200;
UPDATE outcomes SET score = NULL WHERE id % 97 = 0;
UPDATE outcomes SET churned = NULL WHERE id % 89 = 0;
SELECT (SELECT health_score.auc(score, churned) FROM outcomes) AS auc,
       (SELECT (count(*) FILTER (WHERE s.score > c.score) + 0.5 * count(*) FILTER (WHERE s.score = c.score))::float8
               / count(*)
          FROM outcomes c JOIN outcomes s ON c.churned AND NOT s.churned
         WHERE c.score IS NOT NULL AND s.score IS NOT NULL) AS pair_count;
-- the rank-sum form gives the same: (sum of the stayed's midranks -
-- n(n+1)/2) / (n_stayed n_churned), a tie's midrank being its first rank
-- plus half the other tied rows
SELECT abs((SELECT health_score.auc(score, churned) FROM outcomes)
           - (SELECT (sum(r) FILTER (WHERE NOT churned) - count(*) FILTER (WHERE NOT churned)
                      * (count(*) FILTER (WHERE NOT churned) + 1) / 2.0)
                     / (count(*) FILTER (WHERE NOT churned) * count(*) FILTER (WHERE churned))
                FROM (SELECT churned,
                             rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r
                        FROM outcomes WHERE score IS NOT NULL AND churned IS NOT NULL) a)) < 1e-12
       AS rank_sum_agrees;

-- through a forced parallel plan
CREATE TABLE many_outcomes AS SELECT o.* FROM outcomes o, generate_series(1, 10);
CREATE VIEW auc_by_tens AS SELECT id % 10 AS part, health_score.auc(score, churned) AS auc
                             FROM many_outcomes GROUP BY 1;
CREATE TEMP TABLE serial_auc AS SELECT * FROM auc_by_tens;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT regress.workers_launched('SELECT * FROM auc_by_tens') > 0 AS parallel_workers_ran;
SELECT count(*) AS parts, count(*) FILTER (WHERE p.auc IS DISTINCT FROM s.auc) AS parallel_differs
FROM auc_by_tens p JOIN serial_auc s USING (part);
SELECT health_score.auc(score, churned) = (SELECT health_score.auc(score, churned) FROM outcomes) AS same_as_once
FROM many_outcomes;

-- auc()'s state is a distribution with segments "t" (churned) and "f"
-- (so that Citus can ship it as text): auc_accum adds to it and auc_final
-- reads it, in SQL too.  The hand case above, {"f":{2,3,4},"t":{1,3}}:
-- 0.75, whole or added to; one class: NULL
SELECT health_score.auc_final('{"f":{2,3,4},"t":{1,3}}') AS "0.75",
       health_score.auc_final(health_score.auc_accum(health_score.auc_accum('{"f":{2,3,4}}', 1, true), 3, true))
         AS "0.75",
       health_score.auc_final('{"t":{1,3}}') IS NULL AS one_class,
       health_score.auc_accum(NULL, 2, false) AS "{""f"":{2}}",
       health_score.auc_accum('{"t":{1}}', NULL, false) AS "{""t"":{1}}",
       health_score.auc_accum('{"t":{1}}', 1, NULL) AS "{""t"":{1}}";
-- a state without segments: ERROR 22023
SELECT health_score.auc_accum('{1}', 2, true);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.auc_final('{1,2}');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- the AUC of the whole from its parts' states, each shipped as text as
-- Citus ships a worker's partial state and merged by the combine
-- function, equals auc() over the whole, to the bit (the parallel
-- settings above still hold: the parts are built by workers)
CREATE AGGREGATE auc_state(float8, boolean) (
  SFUNC = health_score.auc_accum, STYPE = health_score.distribution,
  COMBINEFUNC = health_score.distribution_combine, PARALLEL = SAFE);
CREATE AGGREGATE auc_merged(health_score.distribution) (
  SFUNC = health_score.distribution_combine, STYPE = health_score.distribution,
  FINALFUNC = health_score.auc_final, COMBINEFUNC = health_score.distribution_combine, PARALLEL = SAFE);
SELECT regress.workers_launched('SELECT auc_state(score, churned) FROM outcomes GROUP BY id % 7') > 0
         AS parallel_workers_ran;
SELECT count(*) AS parts,
       auc_merged(p.s::text::health_score.distribution) = (SELECT health_score.auc(score, churned) FROM outcomes)
         AS merged_same
FROM (SELECT auc_state(score, churned) AS s FROM outcomes GROUP BY id % 7) AS p;
DROP AGGREGATE auc_state(float8, boolean), auc_merged(health_score.distribution);

------------------------------------------------------------------------
-- logistic_fit
------------------------------------------------------------------------
-- 300 rows, two features on a 0-100 scale, the outcome drawn from a
-- known logistic model; one feature missing now and then
SELECT setseed(0.11);
CREATE TABLE fit_rows AS
SELECT i, round((random() * 100)::numeric, 1)::float8 AS x1, round((random() * 100)::numeric, 1)::float8 AS x2
FROM generate_series(1, 300) AS i;
ALTER TABLE fit_rows ADD COLUMN y boolean;
UPDATE fit_rows SET y = random() < 1 / (1 + exp(-(1.5 - 0.04 * x1 + 0.01 * x2)));
UPDATE fit_rows SET x2 = NULL WHERE i % 23 = 0;

-- A second route: Newton's method on the same penalized likelihood,
-- with mean imputation, in PL/pgSQL, solving each step by Gauss-Jordan.
CREATE FUNCTION pg_temp.newton_fit(ridge float8) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE
  m2 float8 := (SELECT avg(x2) FROM fit_rows);
  b float8[] := '{0,0,0}';
  g float8[];
  h float8[];
  a float8[];
  r record;
  eta float8;
  mu float8;
  x float8[];
  f float8;
BEGIN
  FOR iter IN 1 .. 50 LOOP
    g := '{0,0,0}';
    h := array_fill(0::float8, ARRAY[3, 3]);
    FOR r IN SELECT x1, coalesce(x2, m2) AS x2, y FROM fit_rows LOOP
      x := ARRAY[1, r.x1, r.x2];
      eta := b[1] + b[2] * x[2] + b[3] * x[3];
      mu := 1 / (1 + exp(-eta));
      FOR i IN 1 .. 3 LOOP
        g[i] := g[i] + x[i] * (r.y::int - mu);
        FOR k IN 1 .. 3 LOOP
          h[i][k] := h[i][k] + mu * (1 - mu) * x[i] * x[k];
        END LOOP;
      END LOOP;
    END LOOP;
    FOR i IN 2 .. 3 LOOP
      g[i] := g[i] - ridge * b[i];
      h[i][i] := h[i][i] + ridge;
    END LOOP;
    -- solve h d = g: Gauss-Jordan on [h | g]
    a := array_fill(0::float8, ARRAY[3, 4]);
    FOR i IN 1 .. 3 LOOP
      FOR k IN 1 .. 3 LOOP a[i][k] := h[i][k]; END LOOP;
      a[i][4] := g[i];
    END LOOP;
    FOR i IN 1 .. 3 LOOP
      f := a[i][i];
      FOR k IN 1 .. 4 LOOP a[i][k] := a[i][k] / f; END LOOP;
      FOR j IN 1 .. 3 LOOP
        IF j <> i THEN
          f := a[j][i];
          FOR k IN 1 .. 4 LOOP a[j][k] := a[j][k] - f * a[i][k]; END LOOP;
        END IF;
      END LOOP;
    END LOOP;
    FOR i IN 1 .. 3 LOOP b[i] := b[i] + a[i][4]; END LOOP;
  END LOOP;
  RETURN b;
END $$;

SELECT c.i AS coefficient, round(c.fit::numeric, 6) AS fit, round(n.newton::numeric, 6) AS newton,
       abs(c.fit - n.newton) < 1e-6 AS agree
FROM unnest((SELECT health_score.logistic_fit(ARRAY[x1, x2], y, 1) FROM fit_rows)) WITH ORDINALITY AS c(fit, i)
JOIN unnest(pg_temp.newton_fit(1)) WITH ORDINALITY AS n(newton, i) USING (i);
-- without a ridge too
SELECT bool_and(abs(c.fit - n.newton) < 1e-6) AS agree_without_ridge
FROM unnest((SELECT health_score.logistic_fit(ARRAY[x1, x2], y, 0) FROM fit_rows)) WITH ORDINALITY AS c(fit, i)
JOIN unnest(pg_temp.newton_fit(0)) WITH ORDINALITY AS n(newton, i) USING (i);
-- in parallel, the same to 1e-9
CREATE TABLE fit_many AS SELECT f.* FROM fit_rows f, generate_series(1, 50);
SELECT regress.workers_launched('SELECT health_score.logistic_fit(ARRAY[x1, x2], y, 1) FROM fit_many') > 0
       AS parallel_workers_ran;
CREATE TEMP TABLE parallel_fit AS SELECT health_score.logistic_fit(ARRAY[x1, x2], y, 1) AS b FROM fit_many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT bool_and(abs(p - s) <= 1e-9 * greatest(1, abs(s))) AS parallel_agrees
FROM unnest((SELECT b FROM parallel_fit), (SELECT health_score.logistic_fit(ARRAY[x1, x2], y, 1) FROM fit_many)) AS u(p, s);
-- separable data: the ridge keeps the fit finite; without it, an error
SELECT health_score.logistic_fit(ARRAY[x], x > 50, 1) IS NOT NULL AS finite
FROM generate_series(1, 100) AS x;
SELECT health_score.logistic_fit(ARRAY[x], x > 50, 0) FROM generate_series(1, 100) AS x;
-- bad input
SELECT health_score.logistic_fit(f, true, 1) FROM (VALUES ('{1,2}'::float8[]), ('{1}')) v(f);
SELECT health_score.logistic_fit('{NaN}', true, 1);
SELECT health_score.logistic_fit('{1}', true, -1);
SELECT health_score.logistic_fit('{1}', true, NULL);
SELECT health_score.logistic_fit('{}', true, 1);
SELECT health_score.logistic_fit('{1}', true, 1) IS NULL AS one_class;

------------------------------------------------------------------------
-- A model against its outcomes
------------------------------------------------------------------------
CREATE TABLE subscribers (id int PRIMARY KEY, plan text, usage float8, tickets int, noise float8, churn text);
SELECT setseed(0.21);
INSERT INTO subscribers
SELECT i, (ARRAY['basic', 'pro'])[1 + i % 2],
       CASE WHEN i % 31 = 0 THEN NULL ELSE round((random() * 100)::numeric, 1)::float8 END,
       floor(random() * 8)::int,
       round((random() * 100)::numeric, 1)::float8,
       NULL
FROM generate_series(1, 2000) AS i;
UPDATE subscribers
   SET churn = CASE WHEN random() < 1 / (1 + exp(-(1 - 0.05 * coalesce(usage, 50) + 0.3 * tickets)))
                    THEN 'yes' ELSE 'no' END;
SELECT health_score.create_model('subs', 'subscribers', 'id', '{plan}', red_below => 40, green_from => 60);
SELECT health_score.add_metric('subs', 'usage', 'usage', 1, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('subs', 'tickets', 'tickets', 1, 'linear', worst => 7, best => 0);
SELECT health_score.add_metric('subs', 'noise', 'noise', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('subs');

-- validate against a GROUP BY of the same join
SELECT * FROM health_score.validate('subs', $$churn = 'yes'$$);
SELECT count(*) AS mismatches FROM (
    SELECT band, customers, outcome_rate FROM health_score.validate('subs', $$churn = 'yes'$$) WHERE band <> 'all'
    EXCEPT
    SELECT coalesce(s.band, 'unscored'), count(*), avg((c.churn = 'yes')::int)::float8
      FROM health_score_subs.scores s JOIN subscribers c USING (id) GROUP BY 1) d;
SELECT health_score.model_auc('subs', $$churn = 'yes'$$)
       = (SELECT health_score.auc(s.score, c.churn = 'yes')
            FROM health_score_subs.scores s JOIN subscribers c USING (id)) AS model_auc_agrees;

-- explain: one customer's points add up to the unrounded score, and the
-- points to gain of a present metric are its weight share x (100 - score)
SELECT * FROM health_score.explain('subs', '10');
SELECT round((SELECT sum(points) FROM health_score.explain('subs', '10'))::numeric, 1)
       = (SELECT score FROM health_score_subs.scores WHERE id = 10)::numeric AS points_add_up;
-- a customer with usage missing: listed, with no score and no points
SELECT metric, raw_value, metric_score, share, points, round(points_to_gain::numeric, 6) AS points_to_gain
  FROM health_score.explain('subs', '31');
-- with usage at 100 the score would be (100 + t + n) / 3; it is (t + n) / 2
SELECT round(((100 + t.metric_score + n.metric_score) / 3 - (t.metric_score + n.metric_score) / 2)::numeric, 6)
       AS usage_gain_by_hand
  FROM health_score.explain('subs', '31') t, health_score.explain('subs', '31') n
 WHERE t.metric = 'tickets' AND n.metric = 'noise';
SELECT health_score.explain('subs', '999999');

-- suggested weights: usage and tickets help, noise does not; the AUC of
-- the suggestion is at least that of equal weights
SELECT metric, current_weight, round(suggested_weight::numeric, 1) AS suggested_weight,
       coefficient < 0 AS helps, wrong_sign
  FROM health_score.suggest_weights('subs', $$churn = 'yes'$$);
SELECT bool_and(auc_suggested >= auc_current) AS better,
       round(min(auc_current)::numeric, 3) AS auc_current
  FROM health_score.suggest_weights('subs', $$churn = 'yes'$$);
-- the suggestion's weights are those of the fit: -coefficient, scaled to
-- 100, rounded to one decimal
SELECT bool_and(suggested_weight = round((100 * greatest(-coefficient, 0)
                    / (SELECT sum(greatest(-coefficient, 0)) FROM health_score.suggest_weights('subs', $$churn = 'yes'$$)))::numeric, 1)::float8)
       AS weights_from_coefficients
  FROM health_score.suggest_weights('subs', $$churn = 'yes'$$);
SELECT health_score.apply_weights('subs', jsonb_object_agg(metric, round(suggested_weight::numeric, 1)))
  FROM health_score.suggest_weights('subs', $$churn = 'yes'$$);
SELECT name, weight FROM health_score.metric WHERE model = 'subs' ORDER BY position;
SELECT version, change LIKE 'applied weights%' AS applied FROM health_score.model_version
 WHERE model = 'subs' ORDER BY version DESC LIMIT 1;
SELECT health_score.build('subs');

-- bad input
SELECT * FROM health_score.validate('subs', 'churn');
SELECT * FROM health_score.validate('subs', 'churned');
SELECT * FROM health_score.validate('subs', $$churn = 'yes'; DROP TABLE subscribers$$);
SELECT * FROM health_score.validate('nope', 'true');
SELECT * FROM health_score.suggest_weights('subs', 'false');
SELECT health_score.apply_weights('subs', '{"usage": -1}');
SELECT health_score.apply_weights('subs', '{"nope": 1}');
SELECT health_score.apply_weights('subs', '{"usage": "1"}');
SELECT health_score.apply_weights('subs', '{"usage": 0, "tickets": 0, "noise": 0}');
SELECT health_score.apply_weights('subs', '[1]');
-- an outcome that is never true (the data says 'yes', not 'Yes'), or
-- always, is an error in each of them, not rates of 0 and a NULL AUC
\set SHOW_CONTEXT never
SELECT * FROM health_score.validate('subs', $$churn = 'Yes'$$);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.model_auc('subs', $$churn = 'Yes'$$);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.suggest_weights('subs', $$churn IS NOT NULL$$);
\echo sqlstate :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors
-- an outcome naming the key or a segment, columns the scores view has
-- too, means the source's, in each of them: against the same join by hand
SELECT health_score.model_auc('subs', $$plan = 'pro' AND churn = 'yes'$$)
       = (SELECT health_score.auc(s.score, c.plan = 'pro' AND c.churn = 'yes')
            FROM health_score_subs.scores s JOIN subscribers c USING (id)) AS segment_outcome_auc,
       health_score.model_auc('subs', $$id % 3 = 0$$)
       = (SELECT health_score.auc(s.score, c.id % 3 = 0)
            FROM health_score_subs.scores s JOIN subscribers c USING (id)) AS key_outcome_auc;
SELECT count(*) AS mismatches FROM (
    SELECT band, customers, outcome_rate FROM health_score.validate('subs', $$plan = 'pro' AND churn = 'yes'$$) WHERE band <> 'all'
    EXCEPT
    SELECT coalesce(s.band, 'unscored'), count(*), avg((c.plan = 'pro' AND c.churn = 'yes')::int)::float8
      FROM health_score_subs.scores s JOIN subscribers c USING (id) GROUP BY 1) d;
SELECT count(*) AS suggested FROM health_score.suggest_weights('subs', $$plan = 'pro' AND churn = 'yes'$$);

SELECT health_score.drop_model('subs');
DROP VIEW auc_by_tens;
DROP TABLE outcomes, many_outcomes, fit_rows, fit_many, subscribers;
