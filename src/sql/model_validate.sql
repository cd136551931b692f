/*
 * Scoring models against outcomes: validate, model_auc, explain,
 * suggest_weights (tests sql/validation.sql, sql/model_weights.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- A boolean expression over the model's source: the outcome validate(),
-- model_auc() and suggest_weights() compare the score with.
CREATE OR REPLACE FUNCTION health_score_internal._outcome_sql(m health_score.model, outcome text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outcome_type regtype;
BEGIN
    IF outcome IS NULL THEN
        RAISE EXCEPTION 'outcome must not be NULL'
              USING ERRCODE = '22004',
                    HINT = 'Pass the bad outcome as a condition over the source, for example churn = ''yes''.';
    END IF;
    outcome_type := health_score_internal._expression_type(m, 'outcome', outcome);
    IF outcome_type <> 'boolean'::regtype THEN
        RAISE EXCEPTION 'outcome: expression % has type %, not boolean', quote_literal(outcome), outcome_type
              USING ERRCODE = '42804',
                    HINT = 'Write the bad outcome as a condition, for example churn = ''yes''.';
    END IF;
    RETURN format('(%s)', outcome);
END;
$$;

COMMENT ON FUNCTION health_score_internal._outcome_sql(health_score.model, text) IS
  'Internal: checks an outcome expression over the model''s source.';

-- An error when an outcome is the same for every customer it is known
-- for: validate's rates and model_auc would say nothing, silently (a
-- misspelt value, churn = 'yes' where the data says 'Yes', is never true).
CREATE OR REPLACE FUNCTION health_score_internal._require_outcome_varies(m health_score.model, outcome text,
                                                            true_count bigint, false_count bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF true_count > 0 AND false_count > 0 THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'outcome % is % for every customer of model "%"', quote_literal(outcome),
                    CASE WHEN true_count > 0 THEN 'true' WHEN false_count > 0 THEN 'false' ELSE 'NULL' END,
                    m.name
          USING ERRCODE = '22023',
                DETAIL = format('It is true for %s customers, false for %s.', true_count, false_count),
                HINT = format('Compare the values it tests with those in %s, case included (''Yes'' is not ''yes''): SELECT DISTINCT on the column shows them.',
                              m.source);
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_outcome_varies(health_score.model, text, bigint, bigint) IS
  'Internal: an error when an outcome is true for no customer, or for every one.';

-- validate, model_auc and suggest_weights call this when comparing the
-- scores with an outcome failed with a data error (SQLSTATE class 22):
-- it names the outcome and the first customer it fails for, or, when the
-- outcome fails for nobody, lets _raise_scoring_error name the metric;
-- either way without the generated SQL the original's CONTEXT showed.
CREATE OR REPLACE FUNCTION health_score_internal._raise_comparison_error(m health_score.model, outcome text,
                                                                        code text, message text,
                                                                        detail text, hint text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    as_metric health_score.metric;
    p record;
BEGIN
    -- the outcome searched as a metric's value would be: a boolean is
    -- one as 0 or 1
    as_metric.name := 'outcome';
    as_metric.expression := outcome;
    as_metric.method := 'linear';
    SELECT * INTO p FROM health_score_internal._metric_problems(m, as_metric, true);
    IF p.error_code IS NOT NULL THEN
        RAISE EXCEPTION 'outcome % of model "%" fails for % = %: %',
                        quote_literal(outcome), m.name, m.key, quote_literal(p.customer_key), p.problem
              USING ERRCODE = p.error_code,
                    HINT = CASE p.error_code
                               WHEN '22012' THEN 'Make the divisor NULL where it is zero, as in a / NULLIF(b, 0): the outcome is then unknown for those customers, who are left out.'
                               ELSE 'Fix the expression or the data: the outcome is evaluated for every customer of the source.'
                           END;
    END IF;
    PERFORM health_score_internal._raise_scoring_error(m, code, message, detail, hint);
END;
$$;

COMMENT ON FUNCTION health_score_internal._raise_comparison_error(health_score.model, text, text, text, text, text) IS
  'Internal: raises a data error of a comparison of a model''s scores with an outcome again, naming the outcome or metric and an example customer.';

-- A built model, for the functions that read its views.
CREATE OR REPLACE FUNCTION health_score_internal._built_model(model_name text)
RETURNS health_score.model
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model(model_name);
BEGIN
    PERFORM health_score_internal._require_views(m);
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score_internal._built_model(text) IS
  'Internal: a model''s catalog row; an error when it does not exist, was never built or lost its views.';

-- A NOTICE when a model has changes not yet built: validate, model_auc
-- and explain read the model as its views were built, which is then not
-- what its catalog says.
CREATE OR REPLACE FUNCTION health_score_internal._notice_unbuilt(m health_score.model, reader text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF m.version > m.built_version THEN
        RAISE NOTICE 'model "%" has changes not yet built: % reads version %, as the views show it', m.name, reader, m.built_version
              USING DETAIL = format('Its version is %s.', m.version),
                    HINT = format('Run SELECT health_score.build(%L) to score with them.', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._notice_unbuilt(health_score.model, text) IS
  'Internal: a NOTICE when the model has changes its views were not built with.';

CREATE OR REPLACE FUNCTION health_score.validate(model text, outcome text)
RETURNS TABLE (band text, customers bigint, outcome_rate float8, lift float8,
               revenue float8, revenue_lost float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._built_model(validate.model);
    -- outside the block that reports data errors: an argument's error
    -- is reported as it is
    joined text := health_score_internal._outcome_join_sql(m, validate.outcome);
    bands text[];
    counts bigint[];
    rates float8[];
    lifts float8[];
    revenues float8[];
    revenues_lost float8[];
    true_count bigint;
    false_count bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    -- a repeated key would count its customer twice over
    PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    PERFORM health_score_internal._notice_unbuilt(m, 'validate');
    BEGIN
        EXECUTE format($q$WITH joined AS (
    SELECT coalesce(s.band, 'unscored') AS band, o.bad, %2$s AS revenue
      FROM %1$s
), overall AS (
    SELECT avg(j.bad::int)::float8 AS rate, count(*) FILTER (WHERE j.bad) AS true_count,
           count(*) FILTER (WHERE NOT j.bad) AS false_count
      FROM joined AS j
), per_band AS (
    SELECT j.band, count(*) AS customers, avg(j.bad::int)::float8 AS rate,
           avg(j.bad::int)::float8 / nullif((SELECT o.rate FROM overall AS o), 0) AS lift,
           sum(j.revenue) AS revenue, sum(j.revenue) FILTER (WHERE j.bad) AS revenue_lost
      FROM joined AS j GROUP BY j.band
    UNION ALL
    SELECT 'all', count(*), avg(j.bad::int)::float8,
           CASE WHEN (SELECT o.rate FROM overall AS o) > 0 THEN 1.0::float8 END,
           sum(j.revenue), sum(j.revenue) FILTER (WHERE j.bad)
      FROM joined AS j
)
SELECT array_agg(r.band ORDER BY r.position), array_agg(r.customers ORDER BY r.position),
       array_agg(r.rate ORDER BY r.position), array_agg(r.lift ORDER BY r.position),
       array_agg(r.revenue ORDER BY r.position), array_agg(r.revenue_lost ORDER BY r.position),
       (SELECT o.true_count FROM overall AS o), (SELECT o.false_count FROM overall AS o)
  FROM (SELECT pb.*, array_position('{red,yellow,green,unscored,all}'::text[], pb.band) AS position
          FROM per_band AS pb) AS r$q$,
                       joined, health_score_internal._built_revenue_sql(m, 's'))
           INTO bands, counts, rates, lifts, revenues, revenues_lost, true_count, false_count;
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_comparison_error(m, outcome, code, message, detail, hint);
    END;
    PERFORM health_score_internal._require_outcome_varies(m, outcome, true_count, false_count);
    RETURN QUERY SELECT * FROM unnest(bands, counts, rates, lifts, revenues, revenues_lost);
END;
$$;

COMMENT ON FUNCTION health_score.validate(text, text) IS
  'How well the model''s bands separate a bad outcome (a boolean expression over the source, such as churn = ''yes''): per band, then for all customers, how many, the outcome''s rate among them (NULL outcomes left out) and its lift (the band''s rate over the overall rate); with the model''s revenue, the band''s revenue and revenue_lost, that of its customers with the outcome (NULL without a revenue). Reads the scores view, so row-level security applies.';

-- The revenue column of a built model's scores view, as SQL over alias;
-- NULL::float8 when its views have none (no revenue, or set since the
-- build, which the views show only once built).
CREATE OR REPLACE FUNCTION health_score_internal._built_revenue_sql(m health_score.model, alias text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN 'revenue' = ANY (health_score_internal._columns_of(format('%I.scores', m.target_schema)::regclass))
                THEN format('%I.revenue', alias) ELSE 'NULL::float8' END
$$;

COMMENT ON FUNCTION health_score_internal._built_revenue_sql(health_score.model, text) IS
  'Internal: the revenue column of a model''s scores view over alias, or NULL::float8 when the views have none.';

-- What the red band costs: today's revenue of each band times the rate
-- at which that band's customers met the outcome.  Today's customers are
-- those without the outcome; the rate is validate()'s, over every scored
-- customer of the band, with and without it.
CREATE OR REPLACE FUNCTION health_score.revenue_at_risk(model text, outcome text)
RETURNS TABLE (band text, customers bigint, revenue float8, outcome_rate float8, rate_customers bigint,
               expected_loss float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._built_model(revenue_at_risk.model);
    joined text := health_score_internal._outcome_join_sql(m, revenue_at_risk.outcome);
    revenue_sql text := health_score_internal._built_revenue_sql(m, 's');
    true_count bigint;
    false_count bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    IF revenue_sql = 'NULL::float8' THEN
        RAISE EXCEPTION 'model "%" has no revenue in its views', m.name
              USING ERRCODE = '55000',
                    HINT = CASE WHEN m.revenue IS NULL
                                THEN format('Give it one, SELECT health_score.set_revenue(%L, ''monthly_charges''), then build.', m.name)
                                ELSE format('Its revenue was set since the last build: run SELECT health_score.build(%L).', m.name) END;
    END IF;
    PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    PERFORM health_score_internal._notice_unbuilt(m, 'revenue_at_risk');
    BEGIN
        EXECUTE format('SELECT count(*) FILTER (WHERE o.bad), count(*) FILTER (WHERE NOT o.bad) FROM %s', joined)
           INTO true_count, false_count;
        PERFORM health_score_internal._require_outcome_varies(m, outcome, true_count, false_count);
        RETURN QUERY EXECUTE format($q$WITH joined AS (
    SELECT coalesce(s.band, 'unscored') AS band, o.bad, %2$s AS revenue
      FROM %1$s
), per_band AS (
    SELECT j.band, count(*) FILTER (WHERE NOT j.bad) AS customers,
           sum(j.revenue) FILTER (WHERE NOT j.bad) AS revenue,
           avg(j.bad::int)::float8 AS rate, count(j.bad) AS rate_customers
      FROM joined AS j GROUP BY j.band
)
SELECT r.* FROM (
    SELECT pb.band, pb.customers, pb.revenue, pb.rate, pb.rate_customers, pb.revenue * pb.rate AS expected_loss
      FROM per_band AS pb
    UNION ALL
    SELECT 'all', sum(pb.customers)::bigint, sum(pb.revenue), sum(pb.rate * pb.rate_customers) / nullif(sum(pb.rate_customers), 0),
           sum(pb.rate_customers)::bigint, sum(pb.revenue * pb.rate)
      FROM per_band AS pb) AS r
 ORDER BY array_position('{red,yellow,green,unscored,all}'::text[], r.band)$q$,
                                   joined, revenue_sql);
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_comparison_error(m, outcome, code, message, detail, hint);
    END;
END;
$$;

COMMENT ON FUNCTION health_score.revenue_at_risk(text, text) IS
  'The revenue a bad outcome (a boolean expression over the source, such as churn = ''yes'') is expected to take, per band and in all: customers and revenue are today''s customers (without the outcome); outcome_rate is the band''s rate of the outcome among all its scored customers (validate''s), from rate_customers of them; expected_loss = revenue x outcome_rate (in all, the sum of the bands''). Needs the model''s revenue. Reads the scores view, so row-level security applies.';

CREATE OR REPLACE FUNCTION health_score.model_auc(model text, outcome text)
RETURNS float8
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._built_model(model_auc.model);
    -- outside the block that reports data errors: an argument's error
    -- is reported as it is
    joined text := health_score_internal._outcome_join_sql(m, model_auc.outcome);
    result float8;
    true_count bigint;
    false_count bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    -- a repeated key would count its customer twice over
    PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    PERFORM health_score_internal._notice_unbuilt(m, 'model_auc');
    BEGIN
        EXECUTE format('SELECT health_score.auc(s.score, o.bad), count(*) FILTER (WHERE o.bad), count(*) FILTER (WHERE NOT o.bad) FROM %s',
                       joined)
           INTO result, true_count, false_count;
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_comparison_error(m, outcome, code, message, detail, hint);
    END;
    PERFORM health_score_internal._require_outcome_varies(m, outcome, true_count, false_count);
    RETURN result;
END;
$$;

COMMENT ON FUNCTION health_score.model_auc(text, text) IS
  'ROC AUC of the model''s score against a bad outcome (a boolean expression over the source): 1 when every customer with the outcome scores below every other, about 0.5 for a score that tells nothing.';

CREATE OR REPLACE FUNCTION health_score.explain(model text, key text)
RETURNS TABLE (metric text, category text, raw_value text, metric_score float8, weight float8,
               share float8, points float8, points_to_gain float8,
               overridden_by text, override_reason text, override_expires_on date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._built_model(explain.model);
    key_type text := format_type(health_score_internal._column_type(m.source, m.key), NULL);
    x health_score.metric;
    arms text[] := '{}';
    missing text[];
    rows_written bigint;
    unscored boolean;
    coverage float8;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    IF explain.key IS NULL THEN
        RAISE EXCEPTION 'key must not be NULL'
              USING ERRCODE = '22004',
                    HINT = format('Pass the %s of one customer of %s.', m.key, m.source);
    END IF;
    -- explain reads the scores view (and the overrides) as the caller:
    -- say what to ask for rather than fail inside a query of ours
    missing := ARRAY(SELECT r FROM unnest(ARRAY[format('%I.scores', m.target_schema)]
                                         || CASE WHEN cardinality(health_score_internal._overridable_metrics(m)) > 0
                                                 THEN ARRAY[format('%I.overrides', m.target_schema),
                                                            format('%I.override_log', m.target_schema)]
                                                 ELSE '{}'::text[] END) AS r
                      WHERE NOT has_table_privilege(r, 'SELECT'));
    IF NOT has_any_column_privilege(m.source, 'SELECT') THEN
        missing := missing || m.source::text;
    END IF;
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'permission denied to explain the scores of model "%"', m.name
              USING ERRCODE = '42501',
                    DETAIL = format('explain reads %s as you; you may not read %s.',
                                    array_to_string(ARRAY[format('%I.scores', m.target_schema), m.source::text], ' and '),
                                    array_to_string(missing, ', ')),
                    HINT = format('Ask the owner of each for it: GRANT SELECT ON %s TO %s;',
                                  array_to_string(missing, ', '), quote_ident(current_user));
    END IF;
    PERFORM health_score_internal._require_key_form(m, explain.key);
    -- the model as its views were built, which the score explained is
    -- made of (_built_model has checked the source still has what they
    -- read); a change since is not in either until build()
    PERFORM health_score_internal._notice_unbuilt(m, 'explain');
    FOR x IN SELECT * FROM health_score_internal._built_metrics(m) AS hm ORDER BY hm.position LOOP
        -- a stale value is missing, as in the views; its raw value says
        -- why, with when it was measured (RETURNS TABLE stays as it was)
        arms := arms || format('(%L, %L, %s, %s, %s, %s)', x.name, x.category,
                               CASE WHEN x.as_of IS NULL THEN format('(%s)::text', x.expression)
                                    ELSE format('CASE WHEN %s = 1 THEN pg_catalog.format(%L, (%s)::text, coalesce((%s)::text, %L), %L::interval) ELSE (%s)::text END',
                                                health_score_internal._metric_stale_sql(m, x),
                                                '%s (stale: as of %s, valid for %s)', x.expression,
                                                x.as_of, 'unknown', x.valid_for, x.expression)
                               END,
                               health_score_internal._metric_score_sql(m, x,
                                   health_score_internal._metric_current_value_sql(m, x)),
                               health_score_internal._metric_weight_sql(m, x), x.position);
    END LOOP;
    -- points: the metric's part of the weighted mean; points to gain: how
    -- much the score would rise with the metric at 100 (a missing metric
    -- would also join the mean)
    BEGIN
        -- an override in force is the metric's score, as in the views
    RETURN QUERY EXECUTE format($q$WITH metrics AS (
    SELECT v.metric, v.category, v.raw_value, coalesce(o.score, v.metric_score) AS metric_score,
           v.weight, v.position, o.set_by, o.reason, o.expires_on
      FROM %1$s AS src
     CROSS JOIN LATERAL (VALUES %2$s) AS v(metric, category, raw_value, metric_score, weight, position)
      %5$s
     WHERE src.%3$I = $1::%4$s   -- in the source's type, so its index serves
), sums AS (
    SELECT sum(mm.weight) FILTER (WHERE mm.metric_score IS NOT NULL) AS present,
           sum(mm.weight * mm.metric_score) AS weighted
      FROM metrics AS mm
)
SELECT mm.metric, mm.category, mm.raw_value, mm.metric_score, mm.weight,
       CASE WHEN mm.metric_score IS NOT NULL THEN mm.weight / nullif(s.present, 0) END,
       CASE WHEN mm.metric_score IS NOT NULL THEN mm.weight * mm.metric_score / nullif(s.present, 0) END,
       CASE WHEN mm.metric_score IS NOT NULL
            THEN mm.weight * (100 - mm.metric_score) / nullif(s.present, 0)
            ELSE (coalesce(s.weighted, 0) + mm.weight * 100) / nullif(coalesce(s.present, 0) + mm.weight, 0)
                 - coalesce(s.weighted / nullif(s.present, 0), 0)
       END,
       mm.set_by, mm.reason, mm.expires_on
  FROM metrics AS mm, sums AS s
 ORDER BY 8 DESC NULLS LAST, mm.position$q$,
                      m.source, array_to_string(arms, ', '), m.key, key_type,
                      -- who may read the scores of a model without
                      -- overridable metrics needs no privilege on its log
                      CASE WHEN cardinality(health_score_internal._overridable_metrics(m)) > 0
                           THEN format('LEFT JOIN %I.overrides AS o ON o.%I = $1::%s AND o.metric = v.metric',
                                       m.target_schema, m.key, health_score_internal._key_type_sql(m))
                           ELSE 'LEFT JOIN (SELECT NULL::float8 AS score, NULL::text AS set_by, NULL::text AS reason, NULL::date AS expires_on) AS o ON false'
                      END)
        USING explain.key;
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_scoring_error(m, code, message, detail, hint, explain.key);
    END;
    GET DIAGNOSTICS rows_written = ROW_COUNT;
    IF rows_written = 0 THEN
        RAISE EXCEPTION 'model "%" has no customer %', m.name, quote_literal(explain.key)
              USING ERRCODE = '42704';
    ELSIF rows_written > cardinality(arms) THEN
        -- a key in several rows lists each metric once per row
        PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    END IF;
    -- the points add up to a score only when the customer has one
    EXECUTE format('SELECT true, s.coverage FROM %1$I.scores AS s WHERE s.%2$I = $1::%3$s AND s.score IS NULL',
                   m.target_schema, m.key,
                   format_type(health_score_internal._column_type(format('%I.scores', m.target_schema)::regclass, m.key), NULL))
       INTO unscored, coverage USING explain.key;
    IF unscored THEN
        RAISE NOTICE 'customer % of model "%" has no score', quote_literal(explain.key), m.name
              USING DETAIL = CASE WHEN coverage > 0
                                  THEN format('The metrics it has carry %s of the weight, less than min_coverage, %s: the points add up to what its score would be.',
                                              round(coverage::numeric, 3), m.min_coverage)
                                  ELSE 'None of its metrics has a value.' END;
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score.explain(text, text) IS
  'Each metric''s part in one customer''s score, what would help most first: raw value, 0-100 score, weight (with its segment override), share of the weight present, points (share x score: they add up to the unrounded score) and points to gain (what the score would gain with the metric at 100). A missing metric has NULL value, score, share and points; what it would add if present at 100 is its points to gain. A stale metric (its as_of older than valid_for, or NULL) is missing too; its raw value reads ''42 (stale: as of <as_of>, valid for <valid_for>)''. A metric overridden by hand (override) has the override as its score, with who set it, why and until when; its raw value is still the data''s.';

-- The weights a logistic fit of the bad outcome on the metric scores
-- supports: a health score should fall as risk rises, so a metric counts
-- by its negative coefficient, and one whose coefficient is positive
-- counts 0.  Scaled to sum to 100 and rounded to one decimal, which is
-- what a user applies: the AUC reported for them is that of these
-- values.  Never -0: a coefficient of exactly 0 gives 0.  NULL when no
-- metric's coefficient is negative.
CREATE OR REPLACE FUNCTION health_score_internal._suggested_weights(coefficients float8[])
RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- a coefficient that moves the log-odds by less than a millionth over
    -- the whole 0-100 scale is rounding noise (a constant metric's), not
    -- a sign: it counts 0, as a positive one does
    WITH helps AS (
        SELECT CASE WHEN u.b * 100 <= -1e-6 THEN -u.b ELSE 0 END AS w, u.o
          FROM unnest(coefficients[2:]) WITH ORDINALITY AS u(b, o)
    )
    SELECT array_agg(round((100 * h.w / t.total)::numeric, 1)::float8 ORDER BY h.o)
      FROM helps AS h, (SELECT sum(hh.w) AS total FROM helps AS hh) AS t
     WHERE t.total > 0
$$;

COMMENT ON FUNCTION health_score_internal._suggested_weights(float8[]) IS
  'Internal: the weights a logistic_fit result supports, one per metric: each negative coefficient negated (others, and those too small to be told from 0, count 0), scaled to sum to 100, rounded to one decimal; NULL when none is negative.';

-- A model's metrics with other weights, their segment weights scaled as
-- apply_weights() scales them by default.
CREATE OR REPLACE FUNCTION health_score_internal._reweighted(metrics health_score.metric[], weights float8[])
RETURNS health_score.metric[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    reweighted health_score.metric[] := '{}';
    x health_score.metric;
BEGIN
    FOR i IN 1 .. cardinality(metrics) LOOP
        x := metrics[i];
        x.segment_weights := health_score_internal._scaled_segment_weights(x, weights[i]);
        x.weight := weights[i];
        reweighted := reweighted || x;
    END LOOP;
    RETURN reweighted;
END;
$$;

COMMENT ON FUNCTION health_score_internal._reweighted(health_score.metric[], float8[]) IS
  'Internal: metric definitions with new weights, each segment weight keeping its ratio to its metric''s weight as apply_weights() keeps it.';

-- The AUC of the model's score with the given metrics against the
-- outcome in pg_temp.health_score_suggest, over the customers of one
-- fold there (all of them when fold is NULL).  The score is the one the
-- model's views would show: _scored_sql, overrides and min_coverage
-- included.
CREATE OR REPLACE FUNCTION health_score_internal._suggest_auc(m health_score.model, metrics health_score.metric[],
                                                             fold integer)
RETURNS float8
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    result float8;
BEGIN
    EXECUTE format($q$SELECT health_score.auc(s.score, t.bad)
  FROM (%1$s) AS s JOIN pg_temp.health_score_suggest AS t ON t.customer = s.%2$I
 WHERE $1 IS NULL OR t.fold = $1$q$,
                   health_score_internal._scored_sql(m, metrics), m.key)
       INTO result USING fold;
    RETURN result;
END;
$$;

COMMENT ON FUNCTION health_score_internal._suggest_auc(health_score.model, health_score.metric[], integer) IS
  'Internal: suggest_weights()''s AUC of a model scored with the given metric definitions, over one fold of its customers or all of them.';

CREATE OR REPLACE FUNCTION health_score.suggest_weights(model text, outcome text, ridge float8 DEFAULT 1,
                                                        folds integer DEFAULT 5, seed integer DEFAULT 0)
RETURNS TABLE (metric text, current_weight float8, suggested_weight float8, coefficient float8,
               wrong_sign boolean, auc_current float8, auc_suggested float8,
               cv_auc_current float8, cv_auc_suggested float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._built_model(suggest_weights.model);
    -- outside the block that reports data errors: an argument's error
    -- is reported as it is
    joined text := health_score_internal._outcome_join_sql(m, suggest_weights.outcome);
    metrics health_score.metric[];
    beta float8[];
    suggested float8[];
    fold_beta float8[];
    fold_weights float8[];
    fold_current float8;
    cv_current float8[] := '{}';
    cv_suggested float8[] := '{}';
    every_fold_fitted boolean := true;
    before float8;
    after float8;
    cv_before float8;
    cv_after float8;
    true_count bigint;
    false_count bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    IF folds IS NULL OR seed IS NULL THEN
        RAISE EXCEPTION 'folds and seed must not be NULL'
              USING ERRCODE = '22004', HINT = 'Leave them out for 5 folds and seed 0.';
    ELSIF folds < 2 THEN
        RAISE EXCEPTION 'folds must be at least 2: %', folds
              USING ERRCODE = '22023',
                    HINT = 'Cross-validation fits on all folds but one and measures on that one: pass folds => 5, say.';
    END IF;
    -- the current weights are the views' only when they were built
    IF m.built_version <> m.version THEN
        RAISE EXCEPTION 'model "%" has changed since it was built', m.name
              USING ERRCODE = '55000',
                    DETAIL = format('Its views show version %s, its definition is version %s.', m.built_version, m.version),
                    HINT = format('Run SELECT health_score.build(%L) first: the current weights are compared as the views score them.', m.name);
    END IF;
    -- a repeated key would count its customer twice over
    PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    metrics := ARRAY(SELECT hm FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position);

    -- The customers whose outcome is known, once: the scores view's
    -- score and metric scores, the outcome, and the fold, which plain
    -- SQL can reproduce (README): within each outcome, customers are
    -- ordered by md5(seed:key) and dealt out to the folds in turn, so
    -- that every fold holds its share of both outcomes.
    BEGIN
        EXECUTE format($q$CREATE TEMPORARY TABLE health_score_suggest ON COMMIT DROP AS
SELECT s.%1$I AS customer, o.bad, s.score, ARRAY[%2$s]::float8[] AS features,
       1 + (row_number() OVER (PARTITION BY o.bad
                               ORDER BY md5(%3$L || ':' || s.%1$I::text) COLLATE "C", s.%1$I::text COLLATE "C")
            - 1) %% %4$s AS fold
  FROM %5$s
 WHERE o.bad IS NOT NULL$q$,
                       m.key,
                       (SELECT string_agg(format('s.%I', u.name || '_score'), ', ' ORDER BY u.ordinality)
                          FROM unnest(metrics) WITH ORDINALITY AS u),
                       seed, folds, joined);
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_comparison_error(m, outcome, code, message, detail, hint);
    END;
    EXECUTE $q$SELECT health_score.logistic_fit(t.features, t.bad, $1), health_score.auc(t.score, t.bad),
       count(*) FILTER (WHERE t.bad), count(*) FILTER (WHERE NOT t.bad)
  FROM pg_temp.health_score_suggest AS t$q$
       INTO beta, before, true_count, false_count USING ridge;
    PERFORM health_score_internal._require_outcome_varies(m, outcome, true_count, false_count);
    IF folds > least(true_count, false_count) THEN
        RAISE EXCEPTION 'folds must not exceed the customers of the rarer outcome: % folds for % customers', folds, least(true_count, false_count)
              USING ERRCODE = '22023',
                    DETAIL = format('Outcome %s of model "%s" is true for %s customers and false for %s; each fold needs one of each.',
                                    quote_literal(outcome), m.name, true_count, false_count),
                    HINT = format('Pass folds => %s or fewer.', least(true_count, false_count));
    END IF;
    IF beta IS NULL THEN
        RAISE EXCEPTION 'outcome % is the same for every customer of model "%"', quote_literal(outcome), m.name
              USING ERRCODE = '22023';
    END IF;
    suggested := health_score_internal._suggested_weights(beta);
    IF suggested IS NOT NULL THEN
        after := health_score_internal._suggest_auc(m, health_score_internal._reweighted(metrics, suggested), NULL);
    END IF;

    -- Each fold in turn: weights fitted on the others, both sets of
    -- weights measured on it, as the full fit is.
    FOR f IN 1 .. folds LOOP
        EXECUTE $q$SELECT health_score.logistic_fit(t.features, t.bad, $1) FILTER (WHERE t.fold <> $2),
       health_score.auc(t.score, t.bad) FILTER (WHERE t.fold = $2)
  FROM pg_temp.health_score_suggest AS t$q$
           INTO fold_beta, fold_current USING ridge, f;
        cv_current := cv_current || fold_current;
        fold_weights := health_score_internal._suggested_weights(fold_beta);
        IF fold_weights IS NULL THEN
            every_fold_fitted := false;
        ELSE
            cv_suggested := cv_suggested
                            || health_score_internal._suggest_auc(m, health_score_internal._reweighted(metrics, fold_weights), f);
        END IF;
    END LOOP;
    DROP TABLE pg_temp.health_score_suggest;
    -- a fold with no AUC (no scored customer of one outcome) tells nothing
    cv_before := (SELECT avg(a) FROM unnest(cv_current) AS a);
    IF every_fold_fitted THEN
        cv_after := (SELECT avg(a) FROM unnest(cv_suggested) AS a);
    END IF;

    IF before IS NULL THEN
        RAISE WARNING 'no customer of model "%" whose outcome is known has a score: auc_current is NULL', m.name
              USING DETAIL = format('Of the %s customers whose outcome %s is known, none is scored: their metrics are missing or weigh less than min_coverage (%s) of the weight.',
                                    true_count + false_count, quote_literal(outcome), m.min_coverage),
                    HINT = format('SELECT * FROM health_score.check_model(%L) lists the values it cannot use; the coverage column of the scores view shows each customer''s share.', m.name);
    END IF;
    IF suggested IS NULL THEN
        RAISE WARNING 'no metric of model "%" goes with less of outcome %: there are no weights to suggest',
                      m.name, quote_literal(outcome)
              USING DETAIL = 'No metric''s coefficient is negative: a higher score goes with as much of the outcome or more.',
                    HINT = 'The outcome must be the bad one (churn = ''yes'', not churn = ''no''); if it is, the metrics do not predict it.';
    ELSIF after <= before OR cv_after <= cv_before THEN
        RAISE WARNING 'the suggested weights of model "%" predict outcome % no better than its current weights',
                      m.name, quote_literal(outcome)
              USING DETAIL = format('AUC %s with the suggested weights, %s with the current ones; cross-validated over %s folds, %s and %s.',
                                    round(after::numeric, 4), round(before::numeric, 4), folds,
                                    coalesce(round(cv_after::numeric, 4)::text, 'none'),
                                    coalesce(round(cv_before::numeric, 4)::text, 'none')),
                    HINT = 'Keep the current weights; a larger ridge, other metrics or more history may support better ones.';
    END IF;
    RETURN QUERY
    -- + 0: a coefficient of exactly 0 may come out of the fit as -0
    SELECT u.x_name, u.weight, u.suggestion, u.coefficient + 0, u.coefficient * 100 >= 1e-6, before, after, cv_before, cv_after
      FROM unnest(ARRAY(SELECT x.name FROM unnest(metrics) AS x), ARRAY(SELECT x.weight FROM unnest(metrics) AS x),
                  suggested, beta[2:]) AS u(x_name, weight, suggestion, coefficient)
     WHERE u.x_name IS NOT NULL;
END;
$$;

COMMENT ON FUNCTION health_score.suggest_weights(text, text, float8, integer, integer) IS
  'Weights the outcome supports: a logistic regression (logistic_fit, with ridge) of the bad outcome on the model''s metric scores, each metric weighted by its negative coefficient, the weights summing to 100 (rounded to one decimal). A metric whose coefficient has the wrong sign (a higher score going with more of the outcome) gets 0 and wrong_sign. With the AUC of the current and of the suggested weights, each scored as the model''s views score (segment weights keeping their ratio, min_coverage), on the customers the weights were fitted to and cross-validated over folds seeded by seed. Warns when the suggestion does not beat the current weights. Changes nothing: apply_weights does.';

-- The FROM clause of a comparison of the scores with an outcome: the
-- scores view as s, joined to the outcome evaluated over the source alone
-- as o.bad, so that an outcome naming a column the view also has (the
-- key, a segment) means the source's.
CREATE OR REPLACE FUNCTION health_score_internal._outcome_join_sql(m health_score.model, outcome text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('%1$I.scores AS s JOIN (SELECT (src.%3$I)::%4$s AS outcome_key, %5$s AS bad FROM %2$s AS src) AS o ON o.outcome_key = s.%3$I',
                  m.target_schema, m.source, m.key, health_score_internal._key_type_sql(m),
                  health_score_internal._outcome_sql(m, outcome))
$$;

COMMENT ON FUNCTION health_score_internal._outcome_join_sql(health_score.model, text) IS
  'Internal: the FROM clause joining a model''s scores view (as s) to an outcome over its source (as o.bad).';
