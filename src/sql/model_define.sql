/*
 * Scoring models, defined: who owns a model, checking a metric's
 * expression and scaling, and create_model, add_metric, drop_metric,
 * apply_weights (test sql/model.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- The model row, locked against concurrent changes, or an error.
CREATE OR REPLACE FUNCTION health_score_internal._model_for_update(model_name text)
RETURNS health_score.model
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
BEGIN
    IF model_name IS NULL THEN
        RAISE EXCEPTION 'model must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = model_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" does not exist', model_name
              USING ERRCODE = '42704',
                    HINT = 'Models are listed in health_score.model.';
    END IF;
    -- before the lock, which row-level security would hide from others
    PERFORM health_score_internal._require_owner(m);
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = model_name FOR UPDATE;
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score_internal._model_for_update(text) IS
  'Internal: the model''s catalog row, locked FOR UPDATE; an error when there is no such model.';

-- A model's catalog row, or an error.
CREATE OR REPLACE FUNCTION health_score_internal._model(model_name text)
RETURNS health_score.model
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
BEGIN
    IF model_name IS NULL THEN
        RAISE EXCEPTION 'model must not be NULL'
              USING ERRCODE = '22004', HINT = 'Pass the name of a model of health_score.model.';
    END IF;
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = model_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" does not exist', model_name USING ERRCODE = '42704';
    END IF;
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score_internal._model(text) IS
  'Internal: a model''s catalog row; an error when there is no such model.';

-- A relation of a schema, from the catalog: to_regclass needs USAGE on
-- the schema, which a model's owner who never built there, or a role
-- whose privileges are being checked, may lack.  NULL when there is none.
CREATE OR REPLACE FUNCTION health_score_internal._relation_in(schema_name text, relation text)
RETURNS regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.oid::regclass FROM pg_catalog.pg_class AS c
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = schema_name AND c.relname = relation
$$;

COMMENT ON FUNCTION health_score_internal._relation_in(text, text) IS
  'Internal: a relation of a schema by name, read from the catalog without needing USAGE on the schema; NULL when there is none.';

-- An error unless a key has the form of the model's keys: a key of the
-- wrong form names no customer.
CREATE OR REPLACE FUNCTION health_score_internal._require_key_form(m health_score.model, key text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    key_type text := format_type(health_score_internal._column_type(m.source, m.key), NULL);
BEGIN
    EXECUTE format('SELECT $1::%s', key_type) USING key;
EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'model "%" has no customer %', m.name, quote_literal(key)
          USING ERRCODE = '42704',
                DETAIL = format('Its keys are the %s values of %s.%s: %s.', key_type, m.source, m.key, SQLERRM);
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_key_form(health_score.model, text) IS
  'Internal: an error (42704, naming the key''s type) unless a key can be one of the model''s keys.';

-- An error unless build() has run for the model, and, when relation is
-- given, that relation of its schema is there.
CREATE OR REPLACE FUNCTION health_score_internal._require_built(m health_score.model, relation text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF m.built_version IS NULL THEN
        RAISE EXCEPTION 'model "%" has not been built', m.name
              USING ERRCODE = '55000', HINT = format('Run SELECT health_score.build(%L).', m.name);
    ELSIF relation IS NOT NULL AND to_regclass(format('%I.%I', m.target_schema, relation)) IS NULL THEN
        RAISE EXCEPTION 'model "%" has no %.%', m.name, quote_ident(m.target_schema), quote_ident(relation)
              USING ERRCODE = '55000',
                    DETAIL = 'It was built by an earlier version of health_score, or the relation was dropped.',
                    HINT = format('Run SELECT health_score.build(%L), which makes it again.', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_built(health_score.model, text) IS
  'Internal: an error unless the model was built (and, if named, the relation exists in its schema).';

-- The source of a model is a table's OID: a dropped table leaves a
-- number that every query would fail on, far from the cause.
CREATE OR REPLACE FUNCTION health_score_internal._require_source(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.oid = m.source) THEN
        RAISE EXCEPTION 'the source of model "%" no longer exists', m.name
              USING ERRCODE = '42P01',
                    DETAIL = format('Its source was the relation with OID %s, since dropped.', m.source::oid),
                    HINT = format('Drop the model, SELECT health_score.drop_model(%L) (with drop_history => true once its history is copied elsewhere), and create it again over the new source.', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_source(health_score.model) IS
  'Internal: an error when the relation a model scores was dropped.';

-- Only members of a model's owner role may change it: its metrics run
-- with the privileges of whoever builds, refreshes or reads it.
CREATE OR REPLACE FUNCTION health_score_internal._require_owner(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT health_score_internal._is_model_owner(m.owner) THEN
        RAISE EXCEPTION 'must be owner of model "%"', m.name
              USING ERRCODE = '42501',
                    DETAIL = format('Model "%s" belongs to role "%s".', m.name, m.owner);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_owner(health_score.model) IS
  'Internal: an error unless the current user is a member of the model''s owner role.';

-- Record a change to a model's metrics or weights as a new version.
CREATE OR REPLACE FUNCTION health_score_internal._bump_version(model_name text, change text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_version integer;
BEGIN
    UPDATE health_score.model AS hm
       SET version = hm.version + 1, changed_at = now()
     WHERE hm.name = model_name
    RETURNING hm.version INTO new_version;
    INSERT INTO health_score.model_version (model, version, changed_at, change)
    VALUES (model_name, new_version, now(), change);
    RETURN new_version;
END;
$$;

COMMENT ON FUNCTION health_score_internal._bump_version(text, text) IS
  'Internal: grows the model''s version by one and logs the change in model_version.';

-- The type of a column of rel, or NULL when rel has no such column.
CREATE OR REPLACE FUNCTION health_score_internal._column_type(rel regclass, column_name text)
RETURNS regtype
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = rel AND a.attname = column_name
       AND a.attnum > 0 AND NOT a.attisdropped
$$;

COMMENT ON FUNCTION health_score_internal._column_type(regclass, text) IS
  'Internal: the type of a column of a table or view; NULL when there is no such column.';

-- Raise an error with the fields given: RAISE takes no NULL option, and
-- an empty one prints an empty line.
CREATE OR REPLACE FUNCTION health_score_internal._raise_error(code text, message text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    detail := nullif(detail, '');
    hint := nullif(hint, '');
    IF detail IS NULL AND hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    ELSIF hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
    ELSIF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, HINT = hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail, HINT = hint;
END;
$$;

COMMENT ON FUNCTION health_score_internal._raise_error(text, text, text, text) IS
  'Internal: raises an error with the given SQLSTATE and message, and the detail and hint when not NULL or empty.';

CREATE OR REPLACE FUNCTION health_score_internal._query_result_type(query text)
RETURNS regtype
AS 'MODULE_PATHNAME', 'hs_query_result_type'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION health_score_internal._query_result_type(text) IS
  'Internal: the type of the first result column of query, by parse analysis alone: nothing runs, nothing is created.';

CREATE OR REPLACE FUNCTION health_score_internal._query_is_volatile(query text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hs_query_is_volatile'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION health_score_internal._query_is_volatile(text) IS
  'Internal: whether query calls a volatile function, by parse analysis alone.';

CREATE OR REPLACE FUNCTION health_score_internal._parse_error_position(query text)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_parse_error_position'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION health_score_internal._parse_error_position(text) IS
  'Internal: the 1-based character position at which preparing query fails with an error of class 42; 0 when that error has no position, NULL when the query prepares.';

-- Check an expression over the model's source and return its type (a
-- domain's base type), or raise an error that starts with what, the
-- metric or outcome it is for, and the model.  The expression is
-- parsed and analysed as in the built views (_query_result_type), but
-- never evaluated, and nothing is created.
CREATE OR REPLACE FUNCTION health_score_internal._expression_type(m health_score.model, what text, expression text)
RETURNS regtype
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    subject text := format('%s of model "%s"', what, m.name);
    check_sql text;
    -- where each of the expression's two copies in check_sql begins
    select_copy integer := length('SELECT (');
    where_copy integer;
    value_type regtype;
    message text;
    state text;
    detail text;
    hint text;
    error_at integer;
BEGIN
    IF expression IS NULL OR btrim(expression) = '' THEN
        RAISE EXCEPTION '%: expression must not be empty', subject
              USING ERRCODE = '22023',
                    HINT = 'Give SQL over the source''s columns, as in logins_30d or tickets * 2.';
    END IF;
    -- An expression is pasted into the views' SQL: it must stay one
    -- expression, with no way to end a statement or hide the rest of a
    -- line.
    IF strpos(expression, ';') > 0 OR strpos(expression, '--') > 0 OR strpos(expression, '/*') > 0 THEN
        RAISE EXCEPTION '%: expression must not contain ";", "--" or "/*": %',
                        subject, quote_literal(expression)
              USING ERRCODE = '42601',
                    HINT = 'An expression is one SQL expression over the source''s columns, without statements or comments.';
    END IF;
    -- In the WHERE clause too, where PostgreSQL refuses aggregates,
    -- window functions and set-returning functions: one value per
    -- customer row.
    check_sql := format('SELECT (%2$s) AS value FROM %3$s AS src WHERE (%2$s) IS NULL OR src.%1$I IS NULL',
                        m.key, expression, m.source);
    where_copy := length(format('SELECT (%s) AS value FROM %s AS src WHERE (', expression, m.source));
    BEGIN
        value_type := health_score_internal._base_type(health_score_internal._query_result_type(check_sql));
    EXCEPTION WHEN insufficient_privilege OR lock_not_available THEN
        RAISE;
    WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, state = RETURNED_SQLSTATE,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        -- The position the error had in check_sql, which the user never
        -- saw, moved into their expression (either copy of it).
        IF state LIKE '42%' THEN
            error_at := health_score_internal._parse_error_position(check_sql);
        END IF;
        IF error_at > where_copy AND error_at <= where_copy + length(expression) THEN
            error_at := error_at - where_copy;
        ELSIF error_at > select_copy AND error_at <= select_copy + length(expression) THEN
            error_at := error_at - select_copy;
        ELSIF state = '42601' AND error_at > select_copy + length(expression) THEN
            -- past its end, at a parenthesis or a word of check_sql
            message := 'syntax error at end of expression';
            error_at := length(expression) + 1;
        ELSE
            error_at := NULL;
        END IF;
        detail := concat_ws(' ',
                            CASE WHEN error_at > length(expression)
                                 THEN 'The expression ends before it is complete.'
                                 WHEN error_at IS NOT NULL
                                 THEN format('The error is at character %s of the expression: %s.',
                                             error_at, quote_literal(substr(expression, error_at, 20)))
                            END,
                            nullif(detail, ''));
        hint := concat_ws(' ',
                          CASE WHEN state IN ('42883', '42704') THEN
                              'The expression is resolved with search_path = pg_catalog: schema-qualify a function, operator or type of another schema, as in public.tickets_of(id).'
                               WHEN state = '42703' AND nullif(hint, '') IS NULL THEN
                              format('The expression names a column %s does not have (\d %s lists them; was it renamed or dropped?): correct it, a metric''s with add_metric(..., replace => true).',
                                     m.source, m.source)
                               WHEN state IN ('42803', '42P20', '0A000') THEN
                              'The expression must give one value per customer row: no aggregate, window or set-returning function.'
                          END,
                          -- the columns are the user's, the alias is ours
                          nullif(replace(hint, 'column "src.', 'column "'), ''));
        -- the expression is checked in a WHERE clause too, which the user
        -- never wrote: "aggregate functions are not allowed in WHERE"
        IF state IN ('42803', '42P20', '0A000') THEN
            message := regexp_replace(message, ' in WHERE$', ' in an expression');
        END IF;
        PERFORM health_score_internal._raise_error(
            state,
            format('%s: expression %s is not valid over %s: %s', subject, quote_literal(expression), m.source, message),
            detail, hint);
    END;
    RETURN value_type;
END;
$$;

COMMENT ON FUNCTION health_score_internal._expression_type(health_score.model, text, text) IS
  'Internal: checks an expression over the model''s source and returns its type.';

-- Whether values of a type are numbers a score or a sum can be made of.
CREATE OR REPLACE FUNCTION health_score_internal._is_number_type(t regtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                 'real'::regtype, 'double precision'::regtype, 'numeric'::regtype)
$$;

COMMENT ON FUNCTION health_score_internal._is_number_type(regtype) IS
  'Internal: whether a type is one of the integer, floating-point or numeric types.';

-- A metric's raw value as float8 SQL, its expression checked.
CREATE OR REPLACE FUNCTION health_score_internal._metric_value_sql(m health_score.model, metric_name text,
                                               expression text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    value_type regtype := health_score_internal._expression_type(m, format('metric "%s"', metric_name), expression);
BEGIN
    IF value_type = 'boolean'::regtype THEN
        RETURN format('((%s)::integer)::float8', expression);
    ELSIF health_score_internal._is_number_type(value_type) THEN
        RETURN format('((%s)::float8)', expression);
    END IF;
    RAISE EXCEPTION 'metric "%" of model "%": expression % has type %, not a number',
                    metric_name, m.name, quote_literal(expression), value_type
          USING ERRCODE = '42804',
                HINT = 'A metric''s expression must give a number or a boolean; cast it, or map text values with CASE.';
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_value_sql(health_score.model, text, text) IS
  'Internal: checks a metric expression over the model''s source and returns it as a float8 SQL expression.';

-- A metric's as_of, checked as its expression is: when the value was
-- measured, so a point in time.  Returned as SQL, unchanged: timestamp and
-- date compare with now() in the reader's TimeZone, as they would in any
-- query of theirs.
CREATE OR REPLACE FUNCTION health_score_internal._as_of_sql(m health_score.model, metric_name text, as_of text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    as_of_type regtype := health_score_internal._expression_type(m, format('as_of of metric "%s"', metric_name), as_of);
BEGIN
    IF as_of_type IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
        RETURN format('(%s)', as_of);
    END IF;
    RAISE EXCEPTION 'metric "%" of model "%": as_of % has type %, not a timestamp', metric_name, m.name,
                    quote_literal(as_of), as_of_type
          USING ERRCODE = '42804',
                HINT = 'as_of gives when the value was measured: a timestamptz, timestamp or date expression over the source''s columns, as in measured_at.';
END;
$$;

COMMENT ON FUNCTION health_score_internal._as_of_sql(health_score.model, text, text) IS
  'Internal: checks a metric''s as_of expression over the model''s source (a timestamp, timestamptz or date) and returns it as SQL.';

-- Whether a metric's value is still valid, as boolean SQL: its as_of no
-- older than valid_for at now() (the read of a live view, the refresh of
-- stored_scores).  A NULL as_of is not true, so stale: a value of
-- unknown age may be of any age, and scoring it as fresh would let a
-- source that loses its timestamps score customers on old data.  NULL
-- when the metric does not age.
CREATE OR REPLACE FUNCTION health_score_internal._metric_fresh_sql(m health_score.model, x health_score.metric)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF x.as_of IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN format('coalesce(%s >= pg_catalog.now() - %L::interval, false)',
                  health_score_internal._as_of_sql(m, x.name, x.as_of), x.valid_for);
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_fresh_sql(health_score.model, health_score.metric) IS
  'Internal: boolean SQL, true when a metric''s value is no older than valid_for (false when as_of is NULL); NULL for a metric without as_of.';

-- A metric's raw value as float8 SQL, NULL when stale: a stale value is
-- missing, so coverage and re-weighting treat it as a NULL value.
CREATE OR REPLACE FUNCTION health_score_internal._metric_current_value_sql(m health_score.model, x health_score.metric)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    value_sql text := health_score_internal._metric_value_sql(m, x.name, x.expression);
    fresh_sql text := health_score_internal._metric_fresh_sql(m, x);
BEGIN
    IF fresh_sql IS NULL THEN
        RETURN value_sql;
    END IF;
    RETURN format('(CASE WHEN %s THEN %s END)', fresh_sql, value_sql);
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_current_value_sql(health_score.model, health_score.metric) IS
  'Internal: a metric''s raw value as float8 SQL, NULL when the value is older than valid_for.';

-- 1 when a metric has a value (not NULL, not NaN) that is stale, else 0,
-- as integer SQL: the customer's stale column sums these.  A value that
-- is missing anyway is not counted, so stale says how many metrics the
-- score lost to age alone.
CREATE OR REPLACE FUNCTION health_score_internal._metric_stale_sql(m health_score.model, x health_score.metric)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fresh_sql text := health_score_internal._metric_fresh_sql(m, x);
BEGIN
    IF fresh_sql IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN format('(NULLIF(%s, %L::float8) IS NOT NULL AND NOT %s)::integer',
                  health_score_internal._metric_value_sql(m, x.name, x.expression), 'NaN', fresh_sql);
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_stale_sql(health_score.model, health_score.metric) IS
  'Internal: integer SQL, 1 when a metric has a value older than valid_for (or of unknown age), else 0; NULL for a metric without as_of.';

-- A model's revenue as float8 SQL over the source (alias src), its
-- expression checked; NULL when the model has none.  A negative revenue
-- (a credit) is counted as it is: build warns of it.
CREATE OR REPLACE FUNCTION health_score_internal._revenue_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    revenue_type regtype;
BEGIN
    IF m.revenue IS NULL THEN
        RETURN NULL;
    END IF;
    revenue_type := health_score_internal._expression_type(m, 'revenue', m.revenue);
    IF health_score_internal._is_number_type(revenue_type) THEN
        -- NaN or an infinity is no revenue: left out, as a NULL one
        RETURN format('NULLIF(NULLIF(NULLIF((%s)::float8, %L::float8), %L::float8), %L::float8)',
                      m.revenue, 'NaN', 'Infinity', '-Infinity');
    END IF;
    RAISE EXCEPTION 'revenue of model "%": expression % has type %, not a number', m.name,
                    quote_literal(m.revenue), revenue_type
          USING ERRCODE = '42804',
                HINT = 'The revenue is a customer''s recurring revenue (MRR or ARR) as a number, as in monthly_charges or arr_cents / 100.0.';
END;
$$;

COMMENT ON FUNCTION health_score_internal._revenue_sql(health_score.model) IS
  'Internal: a model''s revenue expression, checked, as float8 SQL over the source; NULL when the model has none.';

-- A model's parent expression as SQL of the views' key type over the
-- source (alias src), checked; NULL when the model has no hierarchy.  A
-- parent key compares with the keys as the views show them.
CREATE OR REPLACE FUNCTION health_score_internal._parent_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    key_type text := health_score_internal._key_type_sql(m);
    parent_type regtype;
    key_column_type regtype;
    integers regtype[] := '{smallint,integer,bigint}';
    texts regtype[] := '{text,character varying}';
BEGIN
    IF m.parent IS NULL THEN
        RETURN NULL;
    END IF;
    parent_type := health_score_internal._base_type(health_score_internal._expression_type(m, 'parent', m.parent));
    key_column_type := health_score_internal._base_type(health_score_internal._column_type(m.source, m.key));
    -- of the key's own type, or of its kind and no wider: a cast that
    -- parses (text to integer, bigint to integer) could still fail on a
    -- value, and every read with it
    IF parent_type <> key_column_type
       AND NOT (parent_type = ANY (integers) AND key_column_type = ANY (integers)
                AND array_position(integers, parent_type) < array_position(integers, key_column_type))
       AND NOT (parent_type = ANY (texts) AND key_column_type = ANY (texts)) THEN
        RAISE EXCEPTION 'parent of model "%": expression % has type %, not that of the key % (%)', m.name,
                        quote_literal(m.parent), parent_type, m.key, key_column_type
              USING ERRCODE = '42804',
                    HINT = format('The parent is the key of the customer''s parent account, as %s is: a column such as parent_id.', m.key);
    END IF;
    RETURN format('((%s)::%s)', m.parent, key_type);
END;
$$;

COMMENT ON FUNCTION health_score_internal._parent_sql(health_score.model) IS
  'Internal: a model''s parent expression, checked, as SQL of the key''s type over the source; NULL when the model has none.';

-- The type under a domain, or the type itself.
CREATE OR REPLACE FUNCTION health_score_internal._base_type(t regtype)
RETURNS regtype
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE chain(oid, base) AS (
        SELECT ty.oid, ty.typbasetype FROM pg_catalog.pg_type AS ty WHERE ty.oid = t
        UNION ALL
        SELECT ty.oid, ty.typbasetype FROM pg_catalog.pg_type AS ty JOIN chain ON ty.oid = chain.base
    )
    SELECT oid::regtype FROM chain WHERE base = 0
$$;

COMMENT ON FUNCTION health_score_internal._base_type(regtype) IS
  'Internal: the base type of a domain (of a domain ...), or the type itself.';

-- The SQL of one of the model's reference distributions, or of a
-- percentile metric's cuts (a scalar subquery: it runs once per query,
-- however many rows read it).
CREATE OR REPLACE FUNCTION health_score_internal._reference_sql(m health_score.model, item text,
                                                   part text DEFAULT 'dist')
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('(SELECT r.%I FROM health_score.reference AS r WHERE r.model = %L AND r.item = %L)',
                  part, m.name, item)
$$;

COMMENT ON FUNCTION health_score_internal._reference_sql(health_score.model, text, text) IS
  'Internal: a scalar subquery giving one of the model''s reference distributions (part dist) or cuts (part cuts).';

-- The SQL of a metric's 0-100 score over a raw value given as SQL.
CREATE OR REPLACE FUNCTION health_score_internal._metric_score_sql(m health_score.model, x health_score.metric,
                                               value_sql text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- NaN in a source column is a missing value, not an error that
    -- would fail every reader of the views
    value_sql := format('NULLIF(%s, %L::float8)', value_sql, 'NaN');
    CASE x.method
    WHEN 'linear' THEN
        RETURN format('health_score.scale(%s, %s, %s)', value_sql,
                      quote_literal(x.worst) || '::float8', quote_literal(x.best) || '::float8');
    WHEN 'log' THEN
        RETURN format('health_score.scale_log(%s, %s, %s)', value_sql,
                      quote_literal(x.worst) || '::float8', quote_literal(x.best) || '::float8');
    WHEN 'steps' THEN
        RETURN format('health_score.scale_steps(%s, %L::float8[], %L::float8[])', value_sql,
                      x.thresholds, x.scores);
    WHEN 'percentile' THEN
        -- ranked against the values stored with the model, so that every
        -- reader gets the same score whatever rows they may see
        RETURN format('(health_score.percentile_rank_by_cuts(%s, %s))::float8',
                      health_score_internal._reference_sql(m, 'metric ' || x.name, 'cuts'), value_sql);
    END CASE;
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_score_sql(health_score.model, health_score.metric, text) IS
  'Internal: the SQL expression of a metric''s 0-100 score.';

-- The SQL of a metric's weight: a constant, or a CASE over the segment
-- columns when segment_weights override it.  The first segment column
-- of the model that overrides the weight wins.
CREATE OR REPLACE FUNCTION health_score_internal._metric_weight_sql(m health_score.model, x health_score.metric,
                                                typed boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    arms text := '';
    segment text;
    override record;
BEGIN
    IF x.segment_weights IS NULL THEN
        RETURN quote_literal(x.weight) || '::float8';
    END IF;
    FOREACH segment IN ARRAY m.segments LOOP
        FOR override IN
            SELECT o.key AS value, o.value::text::float8 AS weight
              FROM jsonb_each(x.segment_weights -> segment) AS o ORDER BY o.key
        LOOP
            -- against the source, compare in the segment's own type, so
            -- that a date segment does not depend on the reader's DateStyle;
            -- against the views, whose segments are text, as text
            arms := arms || format(' WHEN src.%I = %L::%s THEN %L::float8',
                                   segment, override.value,
                                   CASE WHEN typed
                                        THEN format_type(health_score_internal._column_type(m.source, segment), NULL)
                                        ELSE 'text' END,
                                   override.weight);
        END LOOP;
    END LOOP;
    RETURN format('(CASE%s ELSE %L::float8 END)', arms, x.weight);
END;
$$;

COMMENT ON FUNCTION health_score_internal._metric_weight_sql(health_score.model, health_score.metric, boolean) IS
  'Internal: the SQL expression of a metric''s weight, with its per-segment overrides.';

-- Check a weight: finite and not negative.
CREATE OR REPLACE FUNCTION health_score_internal._check_weight(metric_name text, weight float8, what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF weight IS NULL THEN
        RAISE EXCEPTION 'metric "%": % must not be NULL', metric_name, what
              USING ERRCODE = '22004';
    ELSIF weight = 'NaN'::float8 OR weight IN ('Infinity'::float8, '-Infinity'::float8) THEN
        RAISE EXCEPTION 'metric "%": % must be a finite number: %', metric_name, what, weight
              USING ERRCODE = '22023';
    ELSIF weight < 0 THEN
        RAISE EXCEPTION 'metric "%": % must not be negative: %', metric_name, what, weight
              USING ERRCODE = '22023';
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._check_weight(text, float8, text) IS
  'Internal: raises an error unless weight is a finite number >= 0.';

-- Check a metric's scaling parameters by calling its scale function once:
-- the errors are the function's own, prefixed with the metric's name.
CREATE OR REPLACE FUNCTION health_score_internal._check_scaling(metric_name text, method text, worst float8,
                                            best float8, thresholds float8[], scores float8[])
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    message text;
    state text;
    detail text;
    hint text;
BEGIN
    CASE method
    WHEN 'linear' THEN
        PERFORM health_score.scale(0, worst, best);
    WHEN 'log' THEN
        PERFORM health_score.scale_log(0, worst, best);
    WHEN 'steps' THEN
        PERFORM health_score.scale_steps(0, thresholds, scores);
    ELSE
        NULL;
    END CASE;
EXCEPTION WHEN data_exception THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, state = RETURNED_SQLSTATE,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    -- RAISE takes no NULL option, and an empty one prints an empty line
    message := format('metric "%s": %s', metric_name, message);
    IF detail = '' AND hint = '' THEN
        RAISE EXCEPTION USING MESSAGE = message, ERRCODE = state;
    ELSIF hint = '' THEN
        RAISE EXCEPTION USING MESSAGE = message, ERRCODE = state, DETAIL = detail;
    ELSIF detail = '' THEN
        RAISE EXCEPTION USING MESSAGE = message, ERRCODE = state, HINT = hint;
    END IF;
    RAISE EXCEPTION USING MESSAGE = message, ERRCODE = state, DETAIL = detail, HINT = hint;
END;
$$;

COMMENT ON FUNCTION health_score_internal._check_scaling(text, text, float8, float8, float8[], float8[]) IS
  'Internal: checks a metric''s worst and best, or thresholds and scores, with the scale function the metric uses.';

-- The column names build() gives the views and the history, which a
-- key, a segment or a metric's <name>_score must not take.
CREATE OR REPLACE FUNCTION health_score_internal._reserved_columns()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT '{score,band,grade,percentile,segment_percentile,rank,coverage,computed_at,stale,
             taken_on,model_version,metric_scores,contributions,previous_on,previous_score,
             previous_band,top_mover,top_mover_change,delta_wow,delta_mom,band_change,
             dropped_band,slope_90d,sparkline,customers,share,average_score,health_score_weights,
             health_score_total_weight,overridden,revenue,parent,revenue_share,log_id,logged_at,logged_by,metric,action,reason,
             expires_on,set_by,set_at}'::pg_catalog.text[]
$$;

COMMENT ON FUNCTION health_score_internal._reserved_columns() IS
  'Internal: the column names of a model''s views, history and override log that source columns and metric scores must not take.';

-- Warn about a metric that does nothing for the customers the caller
-- sees: its value is NULL (or NaN) for every one of them, or its
-- segment_weights weigh a segment value none of them has (values compare
-- exactly: 'Month-to-Month' misses 'Month-to-month').  add_metric reads
-- the source (over_source, only_metric named); build reads the
-- stored_scores it has just filled, whose metric scores are NULL exactly
-- where the values were, rather than the source again.  Either way one
-- query: each row is unpivoted into its (segment, value) pairs, counted
-- by one GROUP BY, with the pair (0, NULL) counting every customer.
CREATE OR REPLACE FUNCTION health_score_internal._warn_metric_data(m health_score.model, only_metric text,
                                                                   over_source boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relation text := CASE WHEN over_source THEN m.source::text
                          ELSE format('%I.stored_scores', m.target_schema) END;
    x health_score.metric;
    metric_names text[] := '{}';
    expressions text[] := '{}';
    value_columns text[] := '{}';
    override_metrics text[] := '{}';
    override_segments text[] := '{}';
    override_values text[] := '{}';
    segments text[];
    columns text[];
    pairs text := '(0, NULL::text)';
    equal_arms text := '';
    customers bigint;
    present bigint[];
    missing_metrics text[];
    missing_segments text[];
    missing_values text[];
    missing_close text[];
    read_note text := '';
    i integer;
BEGIN
    FOR x IN SELECT * FROM health_score.metric AS hm
              WHERE hm.model = m.name AND (only_metric IS NULL OR hm.name = only_metric)
              ORDER BY hm.position LOOP
        metric_names := metric_names || x.name;
        expressions := expressions || x.expression;
        value_columns := value_columns ||
            CASE WHEN over_source
                 THEN format('NULLIF(%s, %L::float8)',
                             health_score_internal._metric_value_sql(m, x.name, x.expression), 'NaN')
                 ELSE format('src.%I', x.name || '_score') END;
        SELECT override_metrics || coalesce(array_agg(x.name ORDER BY s.key, v.key), '{}'),
               override_segments || coalesce(array_agg(s.key ORDER BY s.key, v.key), '{}'),
               override_values || coalesce(array_agg(v.key ORDER BY s.key, v.key), '{}')
          INTO override_metrics, override_segments, override_values
          FROM jsonb_each(x.segment_weights) AS s, jsonb_object_keys(s.value) AS v(key);
    END LOOP;
    segments := ARRAY(SELECT u.segment FROM unnest(m.segments) WITH ORDINALITY AS u(segment, n)
                       WHERE u.segment = ANY (override_segments) ORDER BY u.n);
    FOR i IN 1 .. cardinality(segments) LOOP
        pairs := pairs || format(', (%1$s, t.s%1$s)', i);
        -- in the segment's own type, as the views compare them; a CASE,
        -- so that no value is cast to the type of another segment
        equal_arms := equal_arms || format(' WHEN s.segment = %1$s THEN s.value::%2$s = o.value::%2$s', i,
                                           format_type(health_score_internal._column_type(m.source, segments[i]), NULL));
    END LOOP;
    LOOP
        IF cardinality(segments) = 0 AND cardinality(value_columns) = 0 THEN
            RETURN;
        END IF;
        columns := ARRAY(SELECT format('(src.%I)::text AS s%s', segments[n], n)
                           FROM generate_series(1, cardinality(segments)) AS n ORDER BY n)
                || ARRAY(SELECT format('%s AS v%s', value_columns[n], n)
                           FROM generate_series(1, cardinality(value_columns)) AS n ORDER BY n);
        BEGIN
            EXECUTE format($q$WITH counted AS (
    SELECT u.segment, u.value, count(*) AS customers, ARRAY[%1$s]::bigint[] AS present
      FROM (SELECT %2$s FROM %3$s AS src) AS t,
           LATERAL (VALUES %4$s) AS u(segment, value)
     GROUP BY u.segment, u.value),
missing AS (
    SELECT o.n, o.metric, o.segment, o.value,
           (SELECT string_agg(quote_literal(c.value), ', ' ORDER BY c.value)
              FROM counted AS c
             WHERE c.segment = array_position($1, o.segment)
               AND lower(btrim(c.value)) = lower(btrim(o.value))) AS close
      FROM unnest($2, $3, $4) WITH ORDINALITY AS o(metric, segment, value, n)
     WHERE NOT EXISTS (SELECT FROM counted AS s
                        WHERE s.segment = array_position($1, o.segment)
                          AND CASE WHEN s.segment <> array_position($1, o.segment) THEN false%5$s END))
SELECT c.customers, c.present,
       ARRAY(SELECT mi.metric FROM missing AS mi ORDER BY mi.n),
       ARRAY(SELECT mi.segment FROM missing AS mi ORDER BY mi.n),
       ARRAY(SELECT mi.value FROM missing AS mi ORDER BY mi.n),
       ARRAY(SELECT mi.close FROM missing AS mi ORDER BY mi.n)
  FROM counted AS c
 WHERE c.segment = 0$q$,
                           coalesce((SELECT string_agg(format('count(t.v%s)', n), ', ' ORDER BY n)
                                       FROM generate_series(1, cardinality(value_columns)) AS n), ''),
                           array_to_string(columns, ', '), relation, pairs, equal_arms)
               INTO customers, present, missing_metrics, missing_segments, missing_values, missing_close
              USING segments, override_metrics, override_segments, override_values;
            EXIT;
        EXCEPTION WHEN data_exception OR insufficient_privilege THEN
            -- What add_metric may not read, or an expression that fails
            -- for a customer, is build's to report (check_model names the
            -- customer): a warning must not refuse the metric.  Check
            -- the segment values alone, or nothing.
            IF NOT over_source THEN
                RAISE;
            ELSIF cardinality(value_columns) = 0 THEN
                RETURN;
            END IF;
            metric_names := '{}';
            value_columns := '{}';
        END;
    END LOOP;
    -- Of no customers every value is NULL and every segment absent:
    -- nothing worth a warning before the data is loaded.
    IF coalesce(customers, 0) = 0 THEN
        RETURN;
    END IF;
    IF row_security_active(m.source) THEN
        read_note := format(' Row-level security of %s applies to you: only the customers it shows you were read.', m.source);
    END IF;

    FOR i IN 1 .. cardinality(metric_names) LOOP
        CONTINUE WHEN present[i] > 0;
        RAISE WARNING 'metric "%" of model "%" is NULL for every customer of %', metric_names[i], m.name, m.source
              USING DETAIL = format('Its expression %s gives no value (or NaN) for any of the %s customers read, so it scores nobody and weighs in no score.%s',
                                    quote_literal(expressions[i]), customers, read_note),
                    HINT = 'Check the columns the expression reads and the values it compares with, then correct it with add_metric(..., replace => true), or drop it with drop_metric().';
    END LOOP;
    FOR i IN 1 .. cardinality(missing_metrics) LOOP
        RAISE WARNING 'metric "%" of model "%": no customer of % has % = %',
                      missing_metrics[i], m.name, m.source, missing_segments[i], quote_literal(missing_values[i])
              USING DETAIL = format('The metric''s segment_weights give %s = %s a weight, which therefore applies to nobody: values compare exactly, case included.%s',
                                    missing_segments[i], quote_literal(missing_values[i]), read_note),
                    HINT = CASE WHEN missing_close[i] IS NOT NULL
                                THEN format('The source has %s; correct segment_weights with add_metric(..., replace => true).', missing_close[i])
                                ELSE format('SELECT DISTINCT %I FROM %s lists the values; correct segment_weights with add_metric(..., replace => true).',
                                            missing_segments[i], m.source)
                           END;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score_internal._warn_metric_data(health_score.model, text, boolean) IS
  'Internal: warns about a model''s metrics whose value is NULL for every customer, or whose segment_weights name a segment value no customer has; reads the source, or (over_source false) the stored_scores build has just filled.';

-- A model's bands, grades and coverage rule, checked where create_model
-- takes them and again where build uses them (an UPDATE of the catalog
-- may have changed them): each error names the model and the argument.
CREATE OR REPLACE FUNCTION health_score_internal._check_labels(model_name text, red_below float8,
                                                              green_from float8, grade_cutoffs float8[],
                                                              grade_letters text[], min_coverage float8)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    message text;
    state text;
    hint text;
BEGIN
    -- band() takes any threshold (one beyond 0-100 is a band never
    -- reached); a model's scores run from 0 to 100, so there it is a typo
    IF red_below IS NULL OR green_from IS NULL THEN
        RAISE EXCEPTION 'model "%": % must not be NULL', model_name,
                        CASE WHEN red_below IS NULL THEN 'red_below' ELSE 'green_from' END
              USING ERRCODE = '22004',
                    HINT = 'Leave it out for the default (red_below 40, green_from 70).';
    ELSIF NOT red_below BETWEEN 0 AND 100 OR NOT green_from BETWEEN 0 AND 100 THEN
        RAISE EXCEPTION 'model "%": % must be between 0 and 100: %', model_name,
                        CASE WHEN NOT red_below BETWEEN 0 AND 100 THEN 'red_below' ELSE 'green_from' END,
                        CASE WHEN NOT red_below BETWEEN 0 AND 100 THEN red_below ELSE green_from END
              USING ERRCODE = '22023',
                    HINT = 'Scores run from 0 to 100: red below red_below, green from green_from up, as in red_below => 40, green_from => 70.';
    ELSIF EXISTS (SELECT FROM unnest(grade_cutoffs) AS c WHERE NOT c BETWEEN 0 AND 100) THEN
        RAISE EXCEPTION 'model "%": grade_cutoffs must be between 0 and 100: %', model_name, grade_cutoffs
              USING ERRCODE = '22023',
                    HINT = 'Scores run from 0 to 100, as in grade_cutoffs => ''{90,80,70,60}''.';
    END IF;
    -- the labelling functions check the rest themselves; their errors
    -- name the model and the arguments as create_model takes them
    BEGIN
        PERFORM health_score.band(50, red_below, green_from);
        PERFORM health_score.grade(50, grade_cutoffs, grade_letters);
        PERFORM health_score.weighted_score('{50}', '{1}', min_coverage);
    EXCEPTION WHEN data_exception THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_error(state,
            format('model "%s": %s', model_name,
                   regexp_replace(regexp_replace(message, '^cutoffs', 'grade_cutoffs'), '^letters', 'grade_letters')),
            NULL, hint);
    END;
END;
$$;

COMMENT ON FUNCTION health_score_internal._check_labels(text, float8, float8, float8[], text[], float8) IS
  'Internal: an error naming the model and the argument unless its thresholds, grades and min_coverage are ones its views can use.';

CREATE OR REPLACE FUNCTION health_score.create_model(name text, source regclass, key text,
                                          segments text[] DEFAULT '{}',
                                          red_below float8 DEFAULT 40,
                                          green_from float8 DEFAULT 70,
                                          grade_cutoffs float8[] DEFAULT '{90,80,70,60}',
                                          grade_letters text[] DEFAULT '{A,B,C,D,F}',
                                          min_coverage float8 DEFAULT 0,
                                          target_schema text DEFAULT NULL,
                                          revenue text DEFAULT NULL,
                                          parent text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    model_name text := create_model.name;
    schema_name text := coalesce(create_model.target_schema, 'health_score_' || create_model.name);
    segment text;
    m health_score.model;
BEGIN
    IF model_name IS NULL OR source IS NULL OR key IS NULL OR segments IS NULL THEN
        RAISE EXCEPTION 'name, source, key and segments must not be NULL'
              USING ERRCODE = '22004';
    END IF;
    IF model_name !~ '^[a-z_][a-z0-9_]*$' OR length(model_name) > 40 THEN
        RAISE EXCEPTION 'model name must be a lower-case identifier of at most 40 characters: "%"', model_name
              USING ERRCODE = '42602';
    END IF;
    IF EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = model_name) THEN
        RAISE EXCEPTION 'model "%" already exists', model_name USING ERRCODE = '42710';
    END IF;
    IF EXISTS (SELECT FROM health_score.model AS hm WHERE hm.target_schema = schema_name) THEN
        RAISE EXCEPTION 'schema "%" already holds the views of another model', schema_name
              USING ERRCODE = '42710';
    END IF;
    IF (SELECT c.relkind NOT IN ('r', 'p', 'v', 'm', 'f') OR c.relpersistence = 't'
          FROM pg_catalog.pg_class AS c WHERE c.oid = source) THEN
        RAISE EXCEPTION 'source % must be a table, a view or a materialized view, and not temporary', source
              USING ERRCODE = '42809';
    END IF;
    IF schema_name = '' OR schema_name IN ('health_score', 'health_score_internal', 'public', 'information_schema')
       OR schema_name LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'target_schema must be a schema of the model''s own, not "%"', schema_name
              USING ERRCODE = '42939';
    END IF;
    IF health_score_internal._column_type(source, key) IS NULL THEN
        RAISE EXCEPTION 'key column "%" does not exist in %', key, source
              USING ERRCODE = '42703';
    END IF;
    IF key = ANY (health_score_internal._reserved_columns()) OR key LIKE '%\_score' THEN
        RAISE EXCEPTION 'key column "%" has the name of a column the views add', key
              USING ERRCODE = '42701',
                    HINT = 'Use a view over the source that renames it.';
    END IF;
    IF array_ndims(segments) > 1 THEN
        RAISE EXCEPTION 'segments must be a one-dimensional array' USING ERRCODE = '2202E';
    END IF;
    FOREACH segment IN ARRAY segments LOOP
        IF segment IS NULL THEN
            RAISE EXCEPTION 'segments must not contain NULL' USING ERRCODE = '22004';
        ELSIF health_score_internal._column_type(source, segment) IS NULL THEN
            RAISE EXCEPTION 'segment column "%" does not exist in %', segment, source
                  USING ERRCODE = '42703';
        ELSIF segment = key THEN
            RAISE EXCEPTION 'segment column "%" is the key', segment USING ERRCODE = '42P16';
        ELSIF segment = ANY (health_score_internal._reserved_columns()) OR segment LIKE '%\_score' THEN
            RAISE EXCEPTION 'segment column "%" has the name of a column the views add', segment
                  USING ERRCODE = '42701',
                        HINT = 'Use a view over the source that renames it.';
        END IF;
    END LOOP;
    IF (SELECT count(DISTINCT s) <> count(*) FROM unnest(segments) AS s) THEN
        RAISE EXCEPTION 'segments must not repeat a column: %', segments USING ERRCODE = '42701';
    END IF;
    PERFORM health_score_internal._check_labels(model_name, red_below, green_from, grade_cutoffs,
                                                grade_letters, min_coverage);

    INSERT INTO health_score.model (name, source, key, segments, target_schema, red_below,
                                    green_from, grade_cutoffs, grade_letters, min_coverage,
                                    revenue, parent)
    VALUES (model_name, source, key, segments, schema_name, red_below,
            green_from, grade_cutoffs, grade_letters, min_coverage,
            create_model.revenue, create_model.parent)
    RETURNING * INTO m;
    -- checked as the model's expressions are: an error takes the row back
    PERFORM health_score_internal._revenue_sql(m);
    PERFORM health_score_internal._parent_sql(m);
    INSERT INTO health_score.model_version (model, version, change)
    VALUES (model_name, 1, 'created');
END;
$$;

COMMENT ON FUNCTION health_score.create_model(text, regclass, text, text[], float8, float8, float8[], text[], float8, text, text, text) IS
  'Declares a scoring model over source (one row per customer, identified by key), grouped by segments. build() creates its views in target_schema, by default health_score_<name>. revenue (SQL over the source: each customer''s recurring revenue) adds revenue to the views; parent (SQL over the source: the key of the customer''s parent account) adds the accounts view.';

-- Set or unset what create_model(..., revenue, parent) set.  The views
-- show it from the next build, as a metric changed; the version grows.
CREATE OR REPLACE FUNCTION health_score_internal._set_model_expression(model_name text, what text, expression text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(model_name);
BEGIN
    PERFORM health_score_internal._require_source(m);
    IF expression IS NOT NULL AND btrim(expression) = '' THEN
        RAISE EXCEPTION '% of model "%" must not be empty', what, m.name
              USING ERRCODE = '22023', HINT = format('Pass NULL to remove the model''s %s.', what);
    END IF;
    IF what = 'revenue' THEN
        m.revenue := expression;
        PERFORM health_score_internal._revenue_sql(m);
        UPDATE health_score.model AS hm SET revenue = expression WHERE hm.name = m.name;
    ELSE
        m.parent := expression;
        PERFORM health_score_internal._parent_sql(m);
        UPDATE health_score.model AS hm SET parent = expression WHERE hm.name = m.name;
    END IF;
    RETURN health_score_internal._bump_version(m.name,
        CASE WHEN expression IS NULL THEN format('removed %s', what) ELSE format('%s set to %s', what, expression) END);
END;
$$;

COMMENT ON FUNCTION health_score_internal._set_model_expression(text, text, text) IS
  'Internal: sets a model''s revenue or parent expression, checked, and grows its version.';

CREATE OR REPLACE FUNCTION health_score.set_revenue(model text, revenue text)
RETURNS integer
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
RETURN health_score_internal._set_model_expression(model, 'revenue', revenue);

COMMENT ON FUNCTION health_score.set_revenue(text, text) IS
  'Sets (or, with NULL, removes) a model''s revenue: SQL over the source giving each customer''s recurring revenue. The views show it from the next build. The model''s owner only. Returns the new version.';

CREATE OR REPLACE FUNCTION health_score.set_parent(model text, parent text)
RETURNS integer
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
RETURN health_score_internal._set_model_expression(model, 'parent', parent);

COMMENT ON FUNCTION health_score.set_parent(text, text) IS
  'Sets (or, with NULL, removes) a model''s parent: SQL over the source giving the key of each customer''s parent account. build() then makes the accounts view. The model''s owner only. Returns the new version.';

CREATE OR REPLACE FUNCTION health_score.add_metric(model text, name text, expression text,
                                        weight float8, method text,
                                        worst float8 DEFAULT NULL,
                                        best float8 DEFAULT NULL,
                                        thresholds float8[] DEFAULT NULL,
                                        scores float8[] DEFAULT NULL,
                                        category text DEFAULT NULL,
                                        segment_weights jsonb DEFAULT NULL,
                                        replace boolean DEFAULT false,
                                        as_of text DEFAULT NULL,
                                        valid_for interval DEFAULT NULL,
                                        overridable boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(add_metric.model);
    metric_name text := add_metric.name;
    existing boolean;
    segment text;
    segment_type text;
    override record;
    new_version integer;
    is_volatile boolean;
BEGIN
    PERFORM health_score_internal._require_source(m);
    IF metric_name IS NULL OR method IS NULL OR overridable IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN overridable IS NULL THEN format('overridable of metric "%s"', metric_name)
                                                   ELSE 'name and method' END
              USING ERRCODE = '22004',
                    HINT = CASE WHEN overridable IS NULL THEN 'Pass true to let a customer''s score of the metric be set by hand, false (the default) not to.' END;
    END IF;
    IF metric_name !~ '^[a-z_][a-z0-9_]*$' OR length(metric_name) > 57 THEN
        RAISE EXCEPTION 'metric name must be a lower-case identifier of at most 57 characters: "%"', metric_name
              USING ERRCODE = '42602';
    END IF;
    existing := EXISTS (SELECT FROM health_score.metric AS x
                         WHERE x.model = m.name AND x.name = metric_name);
    IF NOT existing AND (SELECT count(*) FROM health_score.metric AS x WHERE x.model = m.name) >= 500 THEN
        RAISE EXCEPTION 'model "%" has 500 metrics, the most a model may have', m.name
              USING ERRCODE = '54011';
    END IF;
    IF existing AND NOT add_metric.replace THEN
        RAISE EXCEPTION 'metric "%" already exists in model "%"', metric_name, m.name
              USING ERRCODE = '42710',
                    HINT = 'Pass replace => true to change it in place.';
    END IF;
    PERFORM health_score_internal._check_weight(metric_name, weight, 'weight');

    CASE method
    WHEN 'linear', 'log' THEN
        IF worst IS NULL OR best IS NULL THEN
            RAISE EXCEPTION 'metric "%": method % needs worst and best', metric_name, method
                  USING ERRCODE = '22004';
        ELSIF thresholds IS NOT NULL OR scores IS NOT NULL THEN
            RAISE EXCEPTION 'metric "%": method % takes no thresholds or scores', metric_name, method
                  USING ERRCODE = '22023';
        END IF;
    WHEN 'steps' THEN
        IF thresholds IS NULL OR scores IS NULL THEN
            RAISE EXCEPTION 'metric "%": method steps needs thresholds and scores', metric_name
                  USING ERRCODE = '22004';
        ELSIF worst IS NOT NULL OR best IS NOT NULL THEN
            RAISE EXCEPTION 'metric "%": method steps takes no worst or best', metric_name
                  USING ERRCODE = '22023';
        END IF;
    WHEN 'percentile' THEN
        IF worst IS NOT NULL OR best IS NOT NULL OR thresholds IS NOT NULL OR scores IS NOT NULL THEN
            RAISE EXCEPTION 'metric "%": method percentile takes no worst, best, thresholds or scores', metric_name
                  USING ERRCODE = '22023',
                        HINT = 'The score is the customer''s rank among all customers, higher values ranking higher; negate the expression when lower is better.';
        END IF;
    ELSE
        RAISE EXCEPTION 'metric "%": method must be linear, log, steps or percentile, not "%"', metric_name, method
              USING ERRCODE = '22023';
    END CASE;

    PERFORM health_score_internal._check_scaling(metric_name, method, worst, best, thresholds, scores);

    -- no override at all is no segment_weights: an empty object, or a
    -- segment with no value, would give the views a CASE with no arm
    IF jsonb_typeof(segment_weights) = 'object' THEN
        segment_weights := nullif((SELECT coalesce(jsonb_object_agg(s.key, s.value), '{}')
                                     FROM jsonb_each(segment_weights) AS s
                                    WHERE s.value <> '{}'::jsonb),
                                  '{}'::jsonb);
    END IF;
    IF segment_weights IS NOT NULL THEN
        IF jsonb_typeof(segment_weights) <> 'object' THEN
            RAISE EXCEPTION 'metric "%": segment_weights must be a JSON object, not %', metric_name, segment_weights
                  USING ERRCODE = '22023',
                        HINT = 'Write {"segment column": {"value": weight, ...}}.';
        END IF;
        FOR segment IN SELECT jsonb_object_keys(segment_weights) LOOP
            IF NOT segment = ANY (m.segments) THEN
                RAISE EXCEPTION 'metric "%": segment_weights names "%", which is not a segment of model "%"',
                                metric_name, segment, m.name
                      USING ERRCODE = '22023',
                            HINT = CASE WHEN cardinality(m.segments) = 0
                                        THEN format('Model "%s" has no segments; a model''s segments are given to create_model().', m.name)
                                        ELSE format('The segments of model "%s" are %s.', m.name, array_to_string(m.segments, ', '))
                                   END;
            ELSIF jsonb_typeof(segment_weights -> segment) <> 'object' THEN
                RAISE EXCEPTION 'metric "%": segment_weights for "%" must be a JSON object, not %',
                                metric_name, segment, segment_weights -> segment
                      USING ERRCODE = '22023',
                            HINT = 'Write {"segment column": {"value": weight, ...}}.';
            END IF;
            segment_type := format_type(health_score_internal._column_type(m.source, segment), NULL);
            FOR override IN SELECT * FROM jsonb_each(segment_weights -> segment) LOOP
                IF jsonb_typeof(override.value) <> 'number' THEN
                    RAISE EXCEPTION 'metric "%": weight for % = % must be a number, not %',
                                    metric_name, segment, quote_literal(override.key), override.value
                          USING ERRCODE = '22023';
                END IF;
                PERFORM health_score_internal._check_weight(metric_name, override.value::text::float8,
                                                   format('weight for %s = %L', segment, override.key));
                -- the views compare in the segment's type: a value that is
                -- none would fail every build
                BEGIN
                    EXECUTE format('SELECT %L::%s', override.key, segment_type);
                EXCEPTION WHEN data_exception THEN
                    RAISE EXCEPTION 'metric "%" of model "%": segment_weights value % is not a valid % for segment column "%"',
                                    metric_name, m.name, quote_literal(override.key), segment_type, segment
                          USING ERRCODE = '22P02',
                                HINT = format('Write the value as the source writes it: SELECT DISTINCT %I FROM %s lists them.',
                                              segment, m.source);
                END;
            END LOOP;
        END LOOP;
    END IF;

    PERFORM health_score_internal._metric_value_sql(m, metric_name, expression);
    -- a value's age needs both when it was measured and how long it holds
    IF (as_of IS NULL) <> (valid_for IS NULL) THEN
        RAISE EXCEPTION 'metric "%" of model "%": % given without %', metric_name, m.name,
                        CASE WHEN as_of IS NULL THEN 'valid_for' ELSE 'as_of' END,
                        CASE WHEN as_of IS NULL THEN 'as_of' ELSE 'valid_for' END
              USING ERRCODE = '22004',
                    HINT = 'Give both, as in as_of => ''measured_at'', valid_for => ''30 days'', or neither for a value that does not age.';
    END IF;
    IF valid_for IS NOT NULL THEN
        -- interval ordering compares months as 30 days: '1 month -30 days' is 0
        IF valid_for <= interval '0' THEN
            RAISE EXCEPTION 'metric "%" of model "%": valid_for must be positive: %', metric_name, m.name, valid_for
                  USING ERRCODE = '22023',
                        HINT = 'valid_for is how long a value holds after as_of, as in ''30 days''.';
        END IF;
        -- every read computes now() - valid_for: it must be a time
        BEGIN
            PERFORM now() - valid_for;
        EXCEPTION WHEN datetime_field_overflow THEN
            RAISE EXCEPTION 'metric "%" of model "%": valid_for is too long: %', metric_name, m.name, valid_for
                  USING ERRCODE = '22008',
                        HINT = 'now() - valid_for must be a timestamp, as in ''5 years''. A value that never ages needs no as_of and valid_for.';
        END;
        PERFORM health_score_internal._as_of_sql(m, metric_name, as_of);
    END IF;
    -- as_of runs on every read as the expression does
    is_volatile := health_score_internal._query_is_volatile(format('SELECT (%s) FROM %s AS src', expression, m.source));
    IF NOT is_volatile AND as_of IS NOT NULL
       AND health_score_internal._query_is_volatile(format('SELECT (%s) FROM %s AS src', as_of, m.source)) THEN
        RAISE WARNING 'metric "%" of model "%": as_of % is volatile', metric_name, m.name, quote_literal(as_of)
              USING DETAIL = 'It calls a function whose value changes at each call (clock_timestamp(), random(), ...): whether a value is stale then changes from one read of the scores view to the next.',
                    HINT = 'Name the column of the source that says when the value was measured.';
    ELSIF is_volatile THEN
        RAISE WARNING 'metric "%" of model "%": expression % is volatile', metric_name, m.name, quote_literal(expression)
              USING DETAIL = 'It calls a function whose value changes at each call (random(), clock_timestamp(), nextval(), ...): every read of the scores view gives other scores, and scores_mv, explain and the history disagree with it.',
                    HINT = 'Compute the value into a column of the source (or a table it joins) and name that column.';
    END IF;

    IF existing THEN
        -- in place: the metric keeps its position, so its column too
        UPDATE health_score.metric AS x
           SET expression = add_metric.expression, weight = add_metric.weight,
               method = add_metric.method, worst = add_metric.worst, best = add_metric.best,
               thresholds = add_metric.thresholds, scores = add_metric.scores,
               category = add_metric.category, segment_weights = add_metric.segment_weights,
               as_of = add_metric.as_of, valid_for = add_metric.valid_for,
               overridable = add_metric.overridable
         WHERE x.model = m.name AND x.name = metric_name;
        new_version := health_score_internal._bump_version(m.name, format('changed metric %s', metric_name));
    ELSE
        INSERT INTO health_score.metric (model, name, position, expression, weight, method, worst,
                                         best, thresholds, scores, category, segment_weights,
                                         as_of, valid_for, overridable)
        SELECT m.name, metric_name, coalesce(max(x.position), 0) + 1, add_metric.expression,
               add_metric.weight, add_metric.method, add_metric.worst, add_metric.best,
               add_metric.thresholds, add_metric.scores, add_metric.category,
               add_metric.segment_weights, add_metric.as_of, add_metric.valid_for,
               add_metric.overridable
          FROM health_score.metric AS x WHERE x.model = m.name;
        new_version := health_score_internal._bump_version(m.name, format('added metric %s', metric_name));
    END IF;
    -- the data check evaluates the expression for every customer: not a
    -- volatile one, whose every call may do something (nextval())
    IF NOT is_volatile THEN
        PERFORM health_score_internal._warn_metric_data(m, metric_name, true);
    END IF;
    RETURN new_version;
END;
$$;

COMMENT ON FUNCTION health_score.add_metric(text, text, text, float8, text, float8, float8, float8[], float8[], text, jsonb, boolean, text, interval, boolean) IS
  'Adds a metric to a model: expression (SQL over the source''s columns) scaled to 0-100 by method (linear or log from worst to best, steps by thresholds and scores, or percentile among all customers) and counted with weight, or with the segment_weights override of the customer''s segment. With as_of (when the value was measured) and valid_for, a value older than valid_for, or whose as_of is NULL, is stale: missing, as a NULL value. With overridable => true, a customer''s score of the metric may be set by hand (override), once the model is built. With replace => true, changes an existing metric in place, keeping its column''s position. Returns the model''s new version.';

CREATE OR REPLACE FUNCTION health_score.drop_metric(model text, name text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(drop_metric.model);
    metric_name text := drop_metric.name;
BEGIN
    PERFORM health_score_internal._require_source(m);
    DELETE FROM health_score.metric AS x WHERE x.model = m.name AND x.name = metric_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist in model "%"', metric_name, m.name
              USING ERRCODE = '42704';
    END IF;
    RETURN health_score_internal._bump_version(m.name, format('dropped metric %s', metric_name));
END;
$$;

COMMENT ON FUNCTION health_score.drop_metric(text, text) IS
  'Removes a metric from a model; build() again to update the views. Returns the model''s new version.';

-- A metric's segment weights for a new weight, each in the same ratio to
-- the weight as before: an override says "count this metric k times as
-- much in this segment", and a new weight must not turn that into
-- something else.  A weight of 0 gives no ratio: its overrides come back
-- as they are, which apply_weights() does only when told to.  The float8
-- goes into the jsonb as its shortest exact decimal, so that the views
-- build() makes and suggest_weights() weigh with the very same value.
CREATE OR REPLACE FUNCTION health_score_internal._scaled_segment_weights(x health_score.metric, new_weight float8)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
    SELECT CASE WHEN x.segment_weights IS NULL OR x.weight = 0 OR new_weight = x.weight
                THEN x.segment_weights
                ELSE (SELECT jsonb_object_agg(s.key,
                                              coalesce((SELECT jsonb_object_agg(o.key, o.value::text::float8 / x.weight * new_weight)
                                                          FROM jsonb_each(s.value) AS o),
                                                       '{}'::jsonb))
                        FROM jsonb_each(x.segment_weights) AS s)
           END
$$;

COMMENT ON FUNCTION health_score_internal._scaled_segment_weights(health_score.metric, float8) IS
  'Internal: a metric''s segment_weights for a new weight, each override keeping its ratio to the weight (as they are when the weight was 0).';

CREATE OR REPLACE FUNCTION health_score.apply_weights(model text, weights jsonb, overrides text DEFAULT 'scale')
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(apply_weights.model);
    entry record;
    x health_score.metric;
    new_weight float8;
    new_segment_weights jsonb;
    override record;
    unscalable text[];
    changed boolean := false;
    overrides_changed text[] := '{}';
    total_weight numeric;
BEGIN
    PERFORM health_score_internal._require_source(m);
    IF weights IS NULL OR jsonb_typeof(weights) <> 'object' THEN
        RAISE EXCEPTION 'weights must be a JSON object of metric names and weights, not %', weights
              USING ERRCODE = '22023';
    END IF;
    IF overrides IS NULL THEN
        RAISE EXCEPTION 'overrides must not be NULL'
              USING ERRCODE = '22004',
                    HINT = 'Pass scale (keep each segment weight''s ratio to its metric''s weight), keep or drop.';
    ELSIF overrides NOT IN ('scale', 'keep', 'drop') THEN
        RAISE EXCEPTION 'overrides must be scale, keep or drop, not %', quote_literal(overrides)
              USING ERRCODE = '22023',
                    HINT = 'scale keeps each segment weight''s ratio to its metric''s weight, keep leaves the segment weights as they are, drop removes them.';
    END IF;
    FOR entry IN SELECT * FROM jsonb_each(weights) LOOP
        IF NOT EXISTS (SELECT FROM health_score.metric AS hm WHERE hm.model = m.name AND hm.name = entry.key) THEN
            RAISE EXCEPTION 'metric "%" does not exist in model "%"', entry.key, m.name
                  USING ERRCODE = '42704';
        ELSIF jsonb_typeof(entry.value) <> 'number' THEN
            RAISE EXCEPTION 'metric "%": weight must be a number, not %', entry.key, entry.value
                  USING ERRCODE = '22023';
        END IF;
        PERFORM health_score_internal._check_weight(entry.key, entry.value::text::float8, 'weight');
    END LOOP;

    -- A segment weight has a ratio to its metric's weight only while
    -- neither is 0: over a weight of 0 ("this metric counts only in that
    -- segment") there is none to keep, and scaled to a weight of 0 it
    -- would become 0 and lose it for good.  Refuse, rather than guess.
    IF overrides = 'scale' THEN
        unscalable := ARRAY(
            SELECT format('"%s" (weight %s to %s) %s', hm.name, hm.weight, weights ->> hm.name, hm.segment_weights)
              FROM health_score.metric AS hm, jsonb_each(hm.segment_weights) AS s, jsonb_each(s.value) AS o
             WHERE hm.model = m.name AND weights ? hm.name
               AND (hm.weight = 0) <> ((weights ->> hm.name)::float8 = 0)
               AND o.value::text::float8 <> 0
             GROUP BY hm.name, hm.weight, hm.segment_weights, hm.position ORDER BY hm.position);
        IF cardinality(unscalable) > 0 THEN
            RAISE EXCEPTION 'segment weights of metric % have no ratio to keep between a weight of 0 and another',
                            split_part(unscalable[1], ' ', 1)
                  USING ERRCODE = '22023',
                        DETAIL = format('Model "%s", metrics whose weight goes from or to 0 and whose segment weights are not 0: %s.',
                                        m.name, array_to_string(unscalable, ', ')),
                        HINT = format('Pass overrides => ''keep'' to leave them as they are, or overrides => ''drop'' to remove them (suggest_weights scores a metric it weighs 0 as drop does): SELECT health_score.apply_weights(%L, %L, overrides => ''drop'').',
                                      m.name, weights);
        END IF;
    END IF;

    FOR x IN SELECT * FROM health_score.metric AS hm
              WHERE hm.model = m.name AND weights ? hm.name ORDER BY hm.position LOOP
        new_weight := (weights ->> x.name)::float8;
        new_segment_weights := CASE overrides
                                   WHEN 'keep' THEN x.segment_weights
                                   WHEN 'drop' THEN NULL
                                   ELSE health_score_internal._scaled_segment_weights(x, new_weight) END;
        -- scaled up, a segment weight may leave the float8 range
        FOR override IN SELECT s.key AS segment, o.key AS value, o.value AS weight
                          FROM jsonb_each(new_segment_weights) AS s, jsonb_each(s.value) AS o LOOP
            IF jsonb_typeof(override.weight) <> 'number' THEN
                RAISE EXCEPTION 'metric "%": weight for % = % scaled to the new weight % is out of range',
                                x.name, override.segment, quote_literal(override.value), new_weight
                      USING ERRCODE = '22003',
                            HINT = 'Pass overrides => ''keep'' or ''drop'', or a smaller weight.';
            END IF;
        END LOOP;
        IF (x.weight, x.segment_weights) IS DISTINCT FROM (new_weight, new_segment_weights) THEN
            UPDATE health_score.metric AS hm
               SET weight = new_weight, segment_weights = new_segment_weights
             WHERE hm.model = m.name AND hm.name = x.name;
            changed := true;
            IF x.segment_weights IS DISTINCT FROM new_segment_weights THEN
                overrides_changed := overrides_changed || x.name;
            END IF;
        END IF;
    END LOOP;
    -- nothing to change is no new version: the views built from the
    -- current one stay current
    IF NOT changed THEN
        RETURN m.version;
    END IF;
    -- in numeric: weights near the float8 limit must not overflow here
    total_weight := (SELECT sum(hm.weight::numeric) FROM health_score.metric AS hm WHERE hm.model = m.name);
    IF total_weight <= 0 THEN
        RAISE EXCEPTION 'weights of model "%" must not all be zero', m.name USING ERRCODE = '22023';
    -- a score is a weighted sum of metric scores up to 100: it must stay
    -- a float8, as weighted_score() requires
    ELSIF 100 * total_weight > '1.7976931348623157e308'::numeric THEN
        RAISE EXCEPTION 'weights of model "%" are too large: their weighted sum overflows', m.name
              USING ERRCODE = '22003',
                    HINT = 'Scale them down: only their ratios count, as in weights that sum to 100.';
    END IF;
    RETURN health_score_internal._bump_version(m.name,
               format('applied weights %s', weights)
               || CASE WHEN cardinality(overrides_changed) > 0
                       THEN format('; segment weights %s: %s',
                                   CASE overrides WHEN 'drop' THEN 'dropped' ELSE 'scaled' END,
                                   array_to_string(overrides_changed, ', '))
                       ELSE '' END);
END;
$$;

COMMENT ON FUNCTION health_score.apply_weights(text, jsonb, text) IS
  'Sets the weights of the metrics named in weights ({"logins": 30, ...}), for example those suggest_weights() returned; other metrics keep theirs. overrides says what becomes of the segment weights of the metrics named: scale (the default) keeps each one''s ratio to its metric''s weight, refusing where that weight was 0 and the segment weight is not; keep leaves them as they are; drop removes them. Returns the model''s new version, or its current one when nothing changes; build() again to use them.';

-- Whether the current user is a member of a model's owner role.  Once
-- that role has been dropped (DROP OWNED leaves the catalog's rows), the
-- model belongs to superusers alone, rather than every check naming it
-- failing with "role does not exist".
CREATE OR REPLACE FUNCTION health_score_internal._is_model_owner(owner name)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT pg_has_role(current_user, r.oid, 'MEMBER')
                       FROM pg_roles AS r WHERE r.rolname = owner),
                    (SELECT r.rolsuper FROM pg_roles AS r WHERE r.rolname = current_user))
$$;

COMMENT ON FUNCTION health_score_internal._is_model_owner(name) IS
  'Internal: whether the current user is a member of the role named owner; false if there is no such role.';
