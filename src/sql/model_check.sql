-- Finding the customers a metric fails for.  A model scores every
-- customer in one query, so one bad row (a zero divisor, text that is no
-- number, a negative value on a log scale) fails the whole query with an
-- error that names neither the metric nor the customer.  check_model()
-- names both; build, refresh, snapshot and explain use the same search
-- to say where their error came from.

-- The customers of one metric whose value fails, is NaN (counted as
-- missing) or lies outside its method's range, with what is wrong.
-- error_code is the SQLSTATE of a failure, NULL for a value that was
-- computed.  When the expression fails for nobody this is one query;
-- otherwise the source is read row by row, each value computed on its
-- own, which is slow (a query per customer) but names every one.
-- first_failure returns at most the first customer whose value fails or
-- is refused (NaN fails nothing: it is left out then); only_key limits
-- the search to one customer.
CREATE OR REPLACE FUNCTION health_score_internal._metric_problems(m health_score.model, x health_score.metric,
                                                     first_failure boolean, only_key text DEFAULT NULL)
RETURNS TABLE (customer_key text, problem text, value float8, error_code text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    value_sql text := health_score_internal._metric_value_sql(m, x.name, x.expression);
    refused text := CASE WHEN x.method = 'log' THEN 't.v < 0' ELSE 'false' END;
    key_filter text := CASE WHEN only_key IS NULL THEN ''
                            ELSE format(' WHERE src.%I = $1::%s', m.key,
                                        format_type(health_score_internal._column_type(m.source, m.key), NULL)) END;
    keys text[];
    problems text[];
    found_values float8[];
    computed bigint;
    r record;
    v float8;
BEGIN
    -- one query when the expression fails for nobody: count(t.v) makes
    -- it compute every customer's value, whatever the filter
    BEGIN
        EXECUTE format($q$SELECT array_agg(t.k) FILTER (WHERE %5$s),
       array_agg(CASE WHEN t.v = 'NaN' THEN 'NaN, counted as missing' ELSE 'negative on a log scale' END)
         FILTER (WHERE %5$s),
       array_agg(t.v) FILTER (WHERE %5$s), count(t.v)
  FROM (SELECT (src.%1$I)::text AS k, %2$s AS v FROM %3$s AS src%4$s) AS t$q$,
                       m.key, value_sql, m.source, key_filter,
                       CASE WHEN first_failure THEN refused ELSE format('t.v = %L OR %s', 'NaN', refused) END)
           INTO keys, problems, found_values, computed USING only_key;
        RETURN QUERY SELECT u.k, u.p, u.v, NULL::text FROM unnest(keys, problems, found_values) AS u(k, p, v)
                      LIMIT CASE WHEN first_failure THEN 1 END;
        RETURN;
    EXCEPTION WHEN OTHERS THEN
        NULL;   -- it fails for someone: find whom, row by row
    END;

    FOR r IN EXECUTE format('SELECT (src.%I)::text AS k, src AS source_row FROM %s AS src%s',
                            m.key, m.source, key_filter)
               USING only_key LOOP
        BEGIN
            EXECUTE format('SELECT %s FROM (SELECT ($1).*) AS src', value_sql) INTO v USING r.source_row;
        EXCEPTION WHEN OTHERS THEN
            customer_key := r.k;
            problem := SQLERRM;
            value := NULL;
            error_code := SQLSTATE;
            RETURN NEXT;
            IF first_failure THEN
                RETURN;
            END IF;
            CONTINUE;
        END;
        IF (v = 'NaN' AND NOT first_failure) OR (x.method = 'log' AND v < 0) THEN
            customer_key := r.k;
            problem := CASE WHEN v = 'NaN' THEN 'NaN, counted as missing' ELSE 'negative on a log scale' END;
            value := v;
            error_code := NULL;
            RETURN NEXT;
            IF first_failure THEN
                RETURN;
            END IF;
        END IF;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_problems(health_score.model, health_score.metric, boolean, text) IS
  'Internal: the customers a metric''s expression fails for, gives NaN, or gives a value its method refuses.';

-- A metric's as_of as a metric of its own, for _metric_problems: every
-- read evaluates it for every customer, as it does the expression, so a
-- value it fails for fails the views too.  Its value is the time as
-- seconds since 1970, which no method refuses.
CREATE OR REPLACE FUNCTION health_score_internal._as_of_metric(x health_score.metric)
RETURNS health_score.metric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    x.expression := format('extract(epoch FROM (%s))', x.as_of);
    x.method := 'linear';
    x.as_of := NULL;
    x.valid_for := NULL;
    RETURN x;
END;
$$;

COMMENT ON FUNCTION health_score_internal._as_of_metric(health_score.metric) IS
  'Internal: a metric whose expression is another''s as_of (in seconds), so that _metric_problems finds the customers it fails for.';

-- A model's revenue and parent as metrics of their own, for
-- _metric_problems: named revenue and parent, the expression in category
-- (for the errors), the value a number that evaluates the expression for
-- every customer.
CREATE OR REPLACE FUNCTION health_score_internal._model_expression_metrics(m health_score.model)
RETURNS SETOF health_score.metric
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (m.name, e.name, 0, e.value_sql, 1, 'linear', 0, 1, NULL, NULL, e.expression, NULL, now(),
            NULL, NULL, false)::health_score.metric
      FROM (VALUES ('revenue', m.revenue, format('(%s)::float8', m.revenue)),
                   ('parent', m.parent, format('((%s) IS NULL)::integer', m.parent))) AS e(name, expression, value_sql)
     WHERE e.expression IS NOT NULL
$$;

COMMENT ON FUNCTION health_score_internal._model_expression_metrics(health_score.model) IS
  'Internal: a model''s revenue and parent expressions as metrics (expression in category), so that _metric_problems finds the customers they fail for.';

CREATE OR REPLACE FUNCTION health_score.check_model(model text)
RETURNS TABLE (metric text, customer_key text, problem text, value float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model(check_model.model);
    x health_score.metric;
BEGIN
    PERFORM health_score_internal._require_source(m);
    -- first the rows no model can score: a NULL or repeated key, which
    -- build, refresh and explain refuse
    RETURN QUERY EXECUTE format($q$SELECT NULL::text, (t.%1$I)::text,
       format(CASE WHEN t.%1$I IS NULL THEN 'NULL key in %%s rows' ELSE 'key in %%s rows' END, count(*)),
       NULL::float8
  FROM %2$s AS t GROUP BY t.%1$I HAVING count(*) > 1 OR t.%1$I IS NULL$q$, m.key, m.source);
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        RETURN QUERY SELECT x.name, p.customer_key, p.problem, p.value
                       FROM health_score_internal._metric_problems(m, x, false) AS p;
        IF x.as_of IS NOT NULL THEN
            -- only failures: a time is no score, NaN and signs mean nothing
            RETURN QUERY SELECT x.name || ' (as_of)', p.customer_key, p.problem, NULL::float8
                           FROM health_score_internal._metric_problems(m, health_score_internal._as_of_metric(x), false) AS p
                          WHERE p.error_code IS NOT NULL;
        END IF;
    END LOOP;
    -- the revenue and the parent are read for every customer too
    FOR x IN SELECT * FROM health_score_internal._model_expression_metrics(m) LOOP
        RETURN QUERY SELECT x.name, p.customer_key, p.problem, NULL::float8
                       FROM health_score_internal._metric_problems(m, x, false) AS p
                      WHERE p.error_code IS NOT NULL;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score.check_model(text) IS
  'Lists, per metric, the customers whose value the model cannot use: the expression fails (the error''s message), gives NaN (counted as missing), or is negative on a log scale; and, as metric "<name> (as_of)", those its as_of fails for. Reads the source as the caller sees it; when an expression fails, row by row.';

-- build, refresh, snapshot and explain call this when their scoring
-- failed with a data error (SQLSTATE class 22): it raises the same error
-- again, naming the metric and an example customer when it finds them,
-- and without the generated SQL the original's CONTEXT showed.
CREATE OR REPLACE FUNCTION health_score_internal._raise_scoring_error(m health_score.model, code text, message text,
                                                         detail text, hint text, only_key text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    p record;
    check_hint text := format('SELECT * FROM health_score.check_model(%L) lists every customer each metric fails for.', m.name);
BEGIN
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        IF x.as_of IS NOT NULL THEN
            SELECT * INTO p FROM health_score_internal._metric_problems(m, health_score_internal._as_of_metric(x), true, only_key) AS f
             WHERE f.error_code IS NOT NULL;
            IF p.customer_key IS NOT NULL THEN
                RAISE EXCEPTION 'as_of of metric "%" of model "%" fails for % = %: %',
                                x.name, m.name, m.key, quote_literal(p.customer_key), p.problem
                      USING ERRCODE = p.error_code,
                            DETAIL = format('Its as_of is %s.', x.as_of),
                            HINT = 'Fix the as_of (add_metric(..., replace => true)) or the data. ' || check_hint;
            END IF;
        END IF;
        SELECT * INTO p FROM health_score_internal._metric_problems(m, x, true, only_key);
        IF p.customer_key IS NULL THEN
            CONTINUE;
        ELSIF p.error_code IS NULL THEN
            RAISE EXCEPTION 'metric "%" of model "%" is on a log scale and must not be negative: % for % = %',
                            x.name, m.name, p.value, m.key, quote_literal(p.customer_key)
                  USING ERRCODE = '22023',
                        HINT = format('Make the expression give no negative value (greatest(%s, 0), or NULL where it has none), or use method "linear". %s',
                                      x.expression, check_hint);
        END IF;
        RAISE EXCEPTION 'metric "%" of model "%" fails for % = %: %',
                        x.name, m.name, m.key, quote_literal(p.customer_key), p.problem
              USING ERRCODE = p.error_code,
                    DETAIL = format('Its expression is %s.', x.expression),
                    HINT = CASE p.error_code
                               WHEN '22012' THEN 'Make the divisor NULL where it is zero, as in a / NULLIF(b, 0): the metric is then missing for those customers, not zero. '
                               ELSE 'Fix the expression (add_metric(..., replace => true)) or the data. '
                           END || check_hint;
    END LOOP;
    FOR x IN SELECT * FROM health_score_internal._model_expression_metrics(m) LOOP
        SELECT * INTO p FROM health_score_internal._metric_problems(m, x, true, only_key) AS f
         WHERE f.error_code IS NOT NULL;
        IF p.customer_key IS NOT NULL THEN
            RAISE EXCEPTION '% of model "%" fails for % = %: %', x.name, m.name, m.key,
                            quote_literal(p.customer_key), p.problem
                  USING ERRCODE = p.error_code,
                        DETAIL = format('Its expression is %s.', x.category),
                        HINT = format('Fix the expression (set_%s) or the data. %s', x.name, check_hint);
        END IF;
    END LOOP;
    -- not a metric's value: the same error, without the generated SQL
    -- (and without an empty DETAIL line)
    PERFORM health_score_internal._raise_error(code, message, detail, coalesce(nullif(hint, ''), check_hint));
END;
$$;

COMMENT ON FUNCTION health_score_internal._raise_scoring_error(health_score.model, text, text, text, text, text) IS
  'Internal: raises a data error of a model''s scoring again, naming the metric and an example customer.';
