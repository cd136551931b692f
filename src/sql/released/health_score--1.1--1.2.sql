/* health_score--1.1--1.2.sql: scoring models and the views built from them. */

\echo Use "ALTER EXTENSION health_score UPDATE TO '1.2'" to load this file. \quit

------------------------------------------------------------------------
-- Catalog.  Extension configuration tables, so pg_dump keeps users'
-- models.  Written only through the functions below; reading is open.
------------------------------------------------------------------------

CREATE TABLE health_score.model (
    name          text PRIMARY KEY
                  CHECK (name ~ '^[a-z_][a-z0-9_]*$' AND length(name) <= 40),
    source        regclass NOT NULL,
    key           text NOT NULL,
    segments      text[] NOT NULL DEFAULT '{}',
    target_schema text NOT NULL UNIQUE,
    red_below     float8 NOT NULL DEFAULT 40,
    green_from    float8 NOT NULL DEFAULT 70,
    grade_cutoffs float8[] NOT NULL DEFAULT '{90,80,70,60}',
    grade_letters text[] NOT NULL DEFAULT '{A,B,C,D,F}',
    min_coverage  float8 NOT NULL DEFAULT 0,
    version       integer NOT NULL DEFAULT 1,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    built_version integer,
    built_at      timestamptz,
    owns_schema   boolean NOT NULL DEFAULT false,
    owner         name NOT NULL DEFAULT current_user
);

COMMENT ON TABLE health_score.model IS
  'Scoring models: which table, which key and segments, and how scores are labelled. Change it through create_model and drop_model.';
COMMENT ON COLUMN health_score.model.name IS 'Model name: a lower-case identifier of at most 40 characters.';
COMMENT ON COLUMN health_score.model.source IS 'The table or view with one row per customer.';
COMMENT ON COLUMN health_score.model.key IS 'The source column that identifies a customer; unique.';
COMMENT ON COLUMN health_score.model.segments IS 'Source columns customers are grouped by (plan, tier, industry ...); the first is the one segment_percentile ranks within.';
COMMENT ON COLUMN health_score.model.target_schema IS 'The schema build() creates the views in.';
COMMENT ON COLUMN health_score.model.red_below IS 'Scores below this are red.';
COMMENT ON COLUMN health_score.model.green_from IS 'Scores from this up are green.';
COMMENT ON COLUMN health_score.model.grade_cutoffs IS 'Cutoffs of grade(), strictly decreasing.';
COMMENT ON COLUMN health_score.model.grade_letters IS 'Letters of grade(), one more than cutoffs.';
COMMENT ON COLUMN health_score.model.min_coverage IS 'A customer whose present metrics carry less than this share of the weight gets no score.';
COMMENT ON COLUMN health_score.model.version IS 'Grows by one with every change to the model''s metrics or weights.';
COMMENT ON COLUMN health_score.model.changed_at IS 'When version last grew.';
COMMENT ON COLUMN health_score.model.built_version IS 'The version the views were last built from; NULL before the first build.';
COMMENT ON COLUMN health_score.model.built_at IS 'When the views were last built.';
COMMENT ON COLUMN health_score.model.owner IS 'The role that created the model; only its members may change, build, snapshot or drop it.';
COMMENT ON COLUMN health_score.model.owns_schema IS 'build() created target_schema, so drop_model() may drop it once it is empty.';

CREATE TABLE health_score.metric (
    model           text NOT NULL REFERENCES health_score.model (name)
                    ON UPDATE CASCADE ON DELETE CASCADE,
    name            text NOT NULL
                    CHECK (name ~ '^[a-z_][a-z0-9_]*$' AND length(name) <= 57),
    position        integer NOT NULL,
    expression      text NOT NULL,
    weight          float8 NOT NULL,
    method          text NOT NULL
                    CHECK (method IN ('linear', 'log', 'steps', 'percentile')),
    worst           float8,
    best            float8,
    thresholds      float8[],
    scores          float8[],
    category        text,
    segment_weights jsonb,
    added_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, name),
    UNIQUE (model, position)
);

COMMENT ON TABLE health_score.metric IS
  'The metrics of each model. Change them through add_metric and drop_metric.';
COMMENT ON COLUMN health_score.metric.position IS 'Order of the metric''s column in the views: the order metrics were added.';
COMMENT ON COLUMN health_score.metric.expression IS 'A SQL expression over the source''s columns giving the raw value.';
COMMENT ON COLUMN health_score.metric.weight IS 'Weight of the metric''s score in the customer''s score.';
COMMENT ON COLUMN health_score.metric.method IS 'How the raw value becomes a 0-100 score: linear, log, steps or percentile.';
COMMENT ON COLUMN health_score.metric.segment_weights IS 'Weights that replace weight within segments: {"segment column": {"value": weight, ...}, ...}.';

CREATE TABLE health_score.model_version (
    model      text NOT NULL REFERENCES health_score.model (name)
               ON UPDATE CASCADE ON DELETE CASCADE,
    version    integer NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    change     text NOT NULL,
    PRIMARY KEY (model, version)
);

COMMENT ON TABLE health_score.model_version IS
  'One row per version of each model: what changed and when.';

SELECT pg_catalog.pg_extension_config_dump('health_score.model', '');
SELECT pg_catalog.pg_extension_config_dump('health_score.metric', '');
SELECT pg_catalog.pg_extension_config_dump('health_score.model_version', '');

-- Anyone may define models; a model belongs to the role that created
-- it, and only that role's members may change it.  The extension's
-- functions are for everyone too.
GRANT USAGE ON SCHEMA health_score TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON health_score.model, health_score.metric,
                                        health_score.model_version TO PUBLIC;
ALTER TABLE health_score.model ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_score.metric ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_score.model_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON health_score.model FOR SELECT USING (true);
CREATE POLICY owned ON health_score.model
  USING (pg_catalog.pg_has_role(current_user, owner, 'MEMBER'))
  WITH CHECK (pg_catalog.pg_has_role(current_user, owner, 'MEMBER'));
CREATE POLICY readable ON health_score.metric FOR SELECT USING (true);
CREATE POLICY owned ON health_score.metric
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = metric.model
                    AND pg_catalog.pg_has_role(current_user, hm.owner, 'MEMBER')));
CREATE POLICY readable ON health_score.model_version FOR SELECT USING (true);
CREATE POLICY owned ON health_score.model_version
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = model_version.model
                    AND pg_catalog.pg_has_role(current_user, hm.owner, 'MEMBER')));

------------------------------------------------------------------------
-- Trends: how a score moves between snapshots
------------------------------------------------------------------------

CREATE TYPE health_score.trend_summary AS (
  n bigint,
  first_at timestamptz,
  first_score float8,
  last_at timestamptz,
  last_score float8,
  previous_score float8,
  delta float8,
  slope_per_day float8,
  min_score float8,
  max_score float8
);

COMMENT ON TYPE health_score.trend_summary IS
  'How a series of scores moved, as returned by the trend aggregate.';
COMMENT ON COLUMN health_score.trend_summary.n IS 'Number of (time, score) points.';
COMMENT ON COLUMN health_score.trend_summary.first_at IS 'Time of the earliest point.';
COMMENT ON COLUMN health_score.trend_summary.first_score IS 'Score at the earliest time.';
COMMENT ON COLUMN health_score.trend_summary.last_at IS 'Time of the latest point.';
COMMENT ON COLUMN health_score.trend_summary.last_score IS 'Score at the latest time.';
COMMENT ON COLUMN health_score.trend_summary.previous_score IS 'Score at the latest time before last_at; NULL when every point has the same time.';
COMMENT ON COLUMN health_score.trend_summary.delta IS 'last_score - previous_score.';
COMMENT ON COLUMN health_score.trend_summary.slope_per_day IS 'Least-squares slope of score per day, as regr_slope(score, days); NULL for fewer than two distinct times.';
COMMENT ON COLUMN health_score.trend_summary.min_score IS 'Lowest score.';
COMMENT ON COLUMN health_score.trend_summary.max_score IS 'Highest score.';

CREATE TYPE health_score.trend_summary_date AS (
  n bigint,
  first_at date,
  first_score float8,
  last_at date,
  last_score float8,
  previous_score float8,
  delta float8,
  slope_per_day float8,
  min_score float8,
  max_score float8
);

COMMENT ON TYPE health_score.trend_summary_date IS
  'trend_summary for snapshots taken on dates: first_at and last_at are dates.';
COMMENT ON COLUMN health_score.trend_summary_date.n IS 'Number of (date, score) points.';
COMMENT ON COLUMN health_score.trend_summary_date.first_at IS 'The earliest date.';
COMMENT ON COLUMN health_score.trend_summary_date.first_score IS 'Score on the earliest date.';
COMMENT ON COLUMN health_score.trend_summary_date.last_at IS 'The latest date.';
COMMENT ON COLUMN health_score.trend_summary_date.last_score IS 'Score on the latest date.';
COMMENT ON COLUMN health_score.trend_summary_date.previous_score IS 'Score on the latest date before last_at.';
COMMENT ON COLUMN health_score.trend_summary_date.delta IS 'last_score - previous_score.';
COMMENT ON COLUMN health_score.trend_summary_date.slope_per_day IS 'Least-squares slope of score per day.';
COMMENT ON COLUMN health_score.trend_summary_date.min_score IS 'Lowest score.';
COMMENT ON COLUMN health_score.trend_summary_date.max_score IS 'Highest score.';

CREATE FUNCTION health_score.trend_accum(internal, timestamptz, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_trend_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(internal, timestamptz, float8) IS
  'Transition function of trend(timestamptz, float8).';

CREATE FUNCTION health_score.trend_accum(internal, date, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_trend_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(internal, date, float8) IS
  'Transition function of trend(date, float8).';

CREATE FUNCTION health_score.trend_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_trend_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_combine(internal, internal) IS
  'Combine function of trend(): merges two partial states.';

CREATE FUNCTION health_score.trend_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_trend_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_serialize(internal) IS
  'Serialize function of trend().';

CREATE FUNCTION health_score.trend_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_trend_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_deserialize(bytea, internal) IS
  'Deserialize function of trend(); rejects truncated or inconsistent states.';

CREATE FUNCTION health_score.trend_final(internal)
RETURNS health_score.trend_summary
AS 'MODULE_PATHNAME', 'hs_trend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_final(internal) IS
  'Final function of trend(timestamptz, float8).';

CREATE FUNCTION health_score.trend_final_date(internal)
RETURNS health_score.trend_summary_date
AS 'MODULE_PATHNAME', 'hs_trend_final_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_final_date(internal) IS
  'Final function of trend(date, float8).';

CREATE AGGREGATE health_score.trend(taken_at timestamptz, score float8) (
  SFUNC = health_score.trend_accum,
  STYPE = internal,
  SSPACE = 128,
  FINALFUNC = health_score.trend_final,
  COMBINEFUNC = health_score.trend_combine,
  SERIALFUNC = health_score.trend_serialize,
  DESERIALFUNC = health_score.trend_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.trend(timestamptz, float8) IS
  'How score moved over time, in one pass and whatever the row order: n, first and last point, previous score, delta, least-squares slope per day, min and max. Rows with a NULL time or score are skipped; at equal times the greater score counts as the snapshot''s.';

CREATE AGGREGATE health_score.trend(taken_on date, score float8) (
  SFUNC = health_score.trend_accum,
  STYPE = internal,
  SSPACE = 128,
  FINALFUNC = health_score.trend_final_date,
  COMBINEFUNC = health_score.trend_combine,
  SERIALFUNC = health_score.trend_serialize,
  DESERIALFUNC = health_score.trend_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.trend(date, float8) IS
  'trend() over snapshots taken on dates.';

CREATE FUNCTION health_score.sparkline(scores float8[], low float8 DEFAULT NULL,
                                       high float8 DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_sparkline'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline(float8[], float8, float8) IS
  'The scores as a line of eight block characters (▁ to █), for psql: from the lowest to the highest score of the array, or from low to high when given. A NULL score is a space.';

CREATE FUNCTION health_score.sparkline_accum(internal, timestamptz, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_sparkline_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(internal, timestamptz, float8) IS
  'Transition function of sparkline(timestamptz, float8).';

CREATE FUNCTION health_score.sparkline_accum(internal, date, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_sparkline_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(internal, date, float8) IS
  'Transition function of sparkline(date, float8).';

CREATE FUNCTION health_score.sparkline_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_sparkline_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_combine(internal, internal) IS
  'Combine function of the sparkline aggregate.';

CREATE FUNCTION health_score.sparkline_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_sparkline_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_serialize(internal) IS
  'Serialize function of the sparkline aggregate.';

CREATE FUNCTION health_score.sparkline_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_sparkline_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_deserialize(bytea, internal) IS
  'Deserialize function of the sparkline aggregate.';

CREATE FUNCTION health_score.sparkline_final(internal)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_sparkline_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_final(internal) IS
  'Final function of the sparkline aggregate.';

CREATE AGGREGATE health_score.sparkline(taken_at timestamptz, score float8) (
  SFUNC = health_score.sparkline_accum,
  STYPE = internal,
  SSPACE = 256,
  FINALFUNC = health_score.sparkline_final,
  COMBINEFUNC = health_score.sparkline_combine,
  SERIALFUNC = health_score.sparkline_serialize,
  DESERIALFUNC = health_score.sparkline_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.sparkline(timestamptz, float8) IS
  'The group''s scores in time order as a sparkline, whatever the row order; keeps every point, so filter to the snapshots to draw.';

CREATE AGGREGATE health_score.sparkline(taken_on date, score float8) (
  SFUNC = health_score.sparkline_accum,
  STYPE = internal,
  SSPACE = 256,
  FINALFUNC = health_score.sparkline_final,
  COMBINEFUNC = health_score.sparkline_combine,
  SERIALFUNC = health_score.sparkline_serialize,
  DESERIALFUNC = health_score.sparkline_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.sparkline(date, float8) IS
  'sparkline() over snapshots taken on dates.';

------------------------------------------------------------------------
-- Internal helpers.  Their names start with an underscore; they are not
-- part of the interface.
------------------------------------------------------------------------

-- The model row, locked against concurrent changes, or an error.
CREATE FUNCTION health_score._model_for_update(model_name text)
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
    PERFORM health_score._require_owner(m);
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = model_name FOR UPDATE;
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score._model_for_update(text) IS
  'Internal: the model''s catalog row, locked FOR UPDATE; an error when there is no such model.';

-- A model's catalog row, or an error.
CREATE FUNCTION health_score._model(model_name text)
RETURNS health_score.model
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
BEGIN
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = model_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" does not exist', model_name USING ERRCODE = '42704';
    END IF;
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score._model(text) IS
  'Internal: a model''s catalog row; an error when there is no such model.';

-- An error unless build() has run for the model, and, when relation is
-- given, that relation of its schema is there.
CREATE FUNCTION health_score._require_built(m health_score.model, relation text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF m.built_version IS NULL
       OR (relation IS NOT NULL AND to_regclass(format('%I.%I', m.target_schema, relation)) IS NULL) THEN
        RAISE EXCEPTION 'model "%" has not been built', m.name
              USING ERRCODE = '55000', HINT = format('Run SELECT health_score.build(%L).', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score._require_built(health_score.model, text) IS
  'Internal: an error unless the model was built (and, if named, the relation exists in its schema).';

-- Only members of a model's owner role may change it: its metrics run
-- with the privileges of whoever builds, refreshes or reads it.
CREATE FUNCTION health_score._require_owner(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(current_user, m.owner, 'MEMBER') THEN
        RAISE EXCEPTION 'must be owner of model "%"', m.name
              USING ERRCODE = '42501',
                    DETAIL = format('Model "%s" belongs to role "%s".', m.name, m.owner);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score._require_owner(health_score.model) IS
  'Internal: an error unless the current user is a member of the model''s owner role.';

-- Record a change to a model's metrics or weights as a new version.
CREATE FUNCTION health_score._bump_version(model_name text, change text)
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

COMMENT ON FUNCTION health_score._bump_version(text, text) IS
  'Internal: grows the model''s version by one and logs the change in model_version.';

-- The type of a column of rel, or NULL when rel has no such column.
CREATE FUNCTION health_score._column_type(rel regclass, column_name text)
RETURNS regtype
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = rel AND a.attname = column_name
       AND a.attnum > 0 AND NOT a.attisdropped
$$;

COMMENT ON FUNCTION health_score._column_type(regclass, text) IS
  'Internal: the type of a column of a table or view; NULL when there is no such column.';

-- Check an expression over the model's source and return its type (a
-- domain's base type), or raise an error that starts with what, the
-- metric or outcome it is for.  A temporary view does the checking, so the
-- expression is parsed and analysed exactly as in the built views, but
-- never evaluated.
CREATE FUNCTION health_score._expression_type(m health_score.model, what text, expression text)
RETURNS regtype
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    value_type regtype;
    message text;
    state text;
BEGIN
    IF expression IS NULL OR btrim(expression) = '' THEN
        RAISE EXCEPTION '%: expression must not be empty', what
              USING ERRCODE = '22023';
    END IF;
    -- An expression is pasted into the views' SQL: it must stay one
    -- expression, with no way to end a statement or hide the rest of a
    -- line.
    IF strpos(expression, ';') > 0 OR strpos(expression, '--') > 0 OR strpos(expression, '/*') > 0 THEN
        RAISE EXCEPTION '%: expression must not contain ";", "--" or "/*": %',
                        what, quote_literal(expression)
              USING ERRCODE = '42601';
    END IF;
    BEGIN
        -- In the WHERE clause too, where PostgreSQL refuses aggregates,
        -- window functions and set-returning functions: one value per
        -- customer row.
        EXECUTE format('CREATE TEMPORARY VIEW health_score_expression_check AS SELECT (%2$s) AS value FROM %3$s AS src WHERE (%2$s) IS NULL OR src.%1$I IS NULL',
                       m.key, expression, m.source);
        value_type := health_score._base_type(health_score._column_type('pg_temp.health_score_expression_check'::regclass, 'value'));
        DROP VIEW pg_temp.health_score_expression_check;
    EXCEPTION WHEN insufficient_privilege OR lock_not_available THEN
        RAISE;
    WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
        RAISE EXCEPTION '%: expression % is not valid over %: %',
                        what, quote_literal(expression), m.source, message
              USING ERRCODE = state;
    END;
    RETURN value_type;
END;
$$;

COMMENT ON FUNCTION health_score._expression_type(health_score.model, text, text) IS
  'Internal: checks an expression over the model''s source and returns its type.';

-- A metric's raw value as float8 SQL, its expression checked.
CREATE FUNCTION health_score._metric_value_sql(m health_score.model, metric_name text,
                                               expression text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    value_type regtype := health_score._expression_type(m, format('metric "%s"', metric_name), expression);
BEGIN
    IF value_type = 'boolean'::regtype THEN
        RETURN format('((%s)::integer)::float8', expression);
    ELSIF value_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                         'real'::regtype, 'double precision'::regtype, 'numeric'::regtype) THEN
        RETURN format('((%s)::float8)', expression);
    END IF;
    RAISE EXCEPTION 'metric "%": expression % has type %, not a number',
                    metric_name, quote_literal(expression), value_type
          USING ERRCODE = '42804',
                HINT = 'A metric''s expression must give a number or a boolean; cast it, or map text values with CASE.';
END;
$$;

COMMENT ON FUNCTION health_score._metric_value_sql(health_score.model, text, text) IS
  'Internal: checks a metric expression over the model''s source and returns it as a float8 SQL expression.';

-- The type under a domain, or the type itself.
CREATE FUNCTION health_score._base_type(t regtype)
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

COMMENT ON FUNCTION health_score._base_type(regtype) IS
  'Internal: the base type of a domain (of a domain ...), or the type itself.';

-- The SQL of a metric's 0-100 score over a raw value given as SQL.
CREATE FUNCTION health_score._metric_score_sql(m health_score.model, x health_score.metric,
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
        -- ranks among the customers the reader can see: the subquery is
        -- uncorrelated, so it runs once per query
        RETURN format('(health_score.percentile_rank((SELECT health_score.distribution(%s) FROM %s AS src), %s))::float8',
                      value_sql, m.source, value_sql);
    END CASE;
END;
$$;

COMMENT ON FUNCTION health_score._metric_score_sql(health_score.model, health_score.metric, text) IS
  'Internal: the SQL expression of a metric''s 0-100 score.';

-- The SQL of a metric's weight: a constant, or a CASE over the segment
-- columns when segment_weights override it.  The first segment column
-- of the model that overrides the weight wins.
CREATE FUNCTION health_score._metric_weight_sql(m health_score.model, x health_score.metric,
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
                                        THEN format_type(health_score._column_type(m.source, segment), NULL)
                                        ELSE 'text' END,
                                   override.weight);
        END LOOP;
    END LOOP;
    RETURN format('(CASE%s ELSE %L::float8 END)', arms, x.weight);
END;
$$;

COMMENT ON FUNCTION health_score._metric_weight_sql(health_score.model, health_score.metric, boolean) IS
  'Internal: the SQL expression of a metric''s weight, with its per-segment overrides.';

-- Check a weight: finite and not negative.
CREATE FUNCTION health_score._check_weight(metric_name text, weight float8, what text)
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

COMMENT ON FUNCTION health_score._check_weight(text, float8, text) IS
  'Internal: raises an error unless weight is a finite number >= 0.';

-- Check a metric's scaling parameters by calling its scale function once:
-- the errors are the function's own, prefixed with the metric's name.
CREATE FUNCTION health_score._check_scaling(metric_name text, method text, worst float8,
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

COMMENT ON FUNCTION health_score._check_scaling(text, text, float8, float8, float8[], float8[]) IS
  'Internal: checks a metric''s worst and best, or thresholds and scores, with the scale function the metric uses.';

-- The column names build() gives the views and the history, which a
-- key, a segment or a metric's <name>_score must not take.
CREATE FUNCTION health_score._reserved_columns()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT '{score,band,grade,percentile,segment_percentile,rank,coverage,computed_at,
             taken_on,model_version,metric_scores,contributions,previous_on,previous_score,
             previous_band,top_mover,top_mover_change,delta_wow,delta_mom,band_change,
             dropped_band,slope_90d,sparkline,customers,share,average_score,health_score_weights,
             health_score_total_weight}'::text[]
$$;

COMMENT ON FUNCTION health_score._reserved_columns() IS
  'Internal: the column names of a model''s views and history that source columns and metric scores must not take.';

------------------------------------------------------------------------
-- Defining models
------------------------------------------------------------------------

CREATE FUNCTION health_score.create_model(name text, source regclass, key text,
                                          segments text[] DEFAULT '{}',
                                          red_below float8 DEFAULT 40,
                                          green_from float8 DEFAULT 70,
                                          grade_cutoffs float8[] DEFAULT '{90,80,70,60}',
                                          grade_letters text[] DEFAULT '{A,B,C,D,F}',
                                          min_coverage float8 DEFAULT 0,
                                          target_schema text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    model_name text := create_model.name;
    schema_name text := coalesce(create_model.target_schema, 'health_score_' || create_model.name);
    segment text;
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
    IF schema_name = '' OR schema_name IN ('health_score', 'public', 'information_schema')
       OR schema_name LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'target_schema must be a schema of the model''s own, not "%"', schema_name
              USING ERRCODE = '42939';
    END IF;
    IF health_score._column_type(source, key) IS NULL THEN
        RAISE EXCEPTION 'key column "%" does not exist in %', key, source
              USING ERRCODE = '42703';
    END IF;
    IF key = ANY (health_score._reserved_columns()) OR key LIKE '%\_score' THEN
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
        ELSIF health_score._column_type(source, segment) IS NULL THEN
            RAISE EXCEPTION 'segment column "%" does not exist in %', segment, source
                  USING ERRCODE = '42703';
        ELSIF segment = key THEN
            RAISE EXCEPTION 'segment column "%" is the key', segment USING ERRCODE = '42P16';
        ELSIF segment = ANY (health_score._reserved_columns()) OR segment LIKE '%\_score' THEN
            RAISE EXCEPTION 'segment column "%" has the name of a column the views add', segment
                  USING ERRCODE = '42701',
                        HINT = 'Use a view over the source that renames it.';
        END IF;
    END LOOP;
    IF (SELECT count(DISTINCT s) <> count(*) FROM unnest(segments) AS s) THEN
        RAISE EXCEPTION 'segments must not repeat a column: %', segments USING ERRCODE = '42701';
    END IF;
    -- the labelling functions check their own arguments
    PERFORM health_score.band(50, red_below, green_from);
    PERFORM health_score.grade(50, grade_cutoffs, grade_letters);
    PERFORM health_score.weighted_score('{50}', '{1}', min_coverage);

    INSERT INTO health_score.model (name, source, key, segments, target_schema, red_below,
                                    green_from, grade_cutoffs, grade_letters, min_coverage)
    VALUES (model_name, source, key, segments, schema_name, red_below,
            green_from, grade_cutoffs, grade_letters, min_coverage);
    INSERT INTO health_score.model_version (model, version, change)
    VALUES (model_name, 1, 'created');
END;
$$;

COMMENT ON FUNCTION health_score.create_model(text, regclass, text, text[], float8, float8, float8[], text[], float8, text) IS
  'Declares a scoring model over source (one row per customer, identified by key), grouped by segments. build() creates its views in target_schema, by default health_score_<name>.';

CREATE FUNCTION health_score.add_metric(model text, name text, expression text,
                                        weight float8, method text,
                                        worst float8 DEFAULT NULL,
                                        best float8 DEFAULT NULL,
                                        thresholds float8[] DEFAULT NULL,
                                        scores float8[] DEFAULT NULL,
                                        category text DEFAULT NULL,
                                        segment_weights jsonb DEFAULT NULL,
                                        replace boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(add_metric.model);
    metric_name text := add_metric.name;
    existing boolean;
    segment text;
    override record;
BEGIN
    IF metric_name IS NULL OR method IS NULL THEN
        RAISE EXCEPTION 'name and method must not be NULL' USING ERRCODE = '22004';
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
    PERFORM health_score._check_weight(metric_name, weight, 'weight');

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

    PERFORM health_score._check_scaling(metric_name, method, worst, best, thresholds, scores);

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
                      USING ERRCODE = '22023';
            ELSIF jsonb_typeof(segment_weights -> segment) <> 'object' THEN
                RAISE EXCEPTION 'metric "%": segment_weights for "%" must be a JSON object, not %',
                                metric_name, segment, segment_weights -> segment
                      USING ERRCODE = '22023',
                            HINT = 'Write {"segment column": {"value": weight, ...}}.';
            END IF;
            FOR override IN SELECT * FROM jsonb_each(segment_weights -> segment) LOOP
                IF jsonb_typeof(override.value) <> 'number' THEN
                    RAISE EXCEPTION 'metric "%": weight for % = % must be a number, not %',
                                    metric_name, segment, quote_literal(override.key), override.value
                          USING ERRCODE = '22023';
                END IF;
                PERFORM health_score._check_weight(metric_name, override.value::text::float8,
                                                   format('weight for %s = %L', segment, override.key));
            END LOOP;
        END LOOP;
    END IF;

    PERFORM health_score._metric_value_sql(m, metric_name, expression);

    IF existing THEN
        -- in place: the metric keeps its position, so its column too
        UPDATE health_score.metric AS x
           SET expression = add_metric.expression, weight = add_metric.weight,
               method = add_metric.method, worst = add_metric.worst, best = add_metric.best,
               thresholds = add_metric.thresholds, scores = add_metric.scores,
               category = add_metric.category, segment_weights = add_metric.segment_weights
         WHERE x.model = m.name AND x.name = metric_name;
        RETURN health_score._bump_version(m.name, format('changed metric %s', metric_name));
    END IF;
    INSERT INTO health_score.metric (model, name, position, expression, weight, method, worst,
                                     best, thresholds, scores, category, segment_weights)
    SELECT m.name, metric_name, coalesce(max(x.position), 0) + 1, add_metric.expression,
           add_metric.weight, add_metric.method, add_metric.worst, add_metric.best,
           add_metric.thresholds, add_metric.scores, add_metric.category,
           add_metric.segment_weights
      FROM health_score.metric AS x WHERE x.model = m.name;
    RETURN health_score._bump_version(m.name, format('added metric %s', metric_name));
END;
$$;

COMMENT ON FUNCTION health_score.add_metric(text, text, text, float8, text, float8, float8, float8[], float8[], text, jsonb, boolean) IS
  'Adds a metric to a model: expression (SQL over the source''s columns) scaled to 0-100 by method (linear or log from worst to best, steps by thresholds and scores, or percentile among all customers) and counted with weight, or with the segment_weights override of the customer''s segment. With replace => true, changes an existing metric in place, keeping its column''s position. Returns the model''s new version.';

CREATE FUNCTION health_score.drop_metric(model text, name text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(drop_metric.model);
    metric_name text := drop_metric.name;
BEGIN
    DELETE FROM health_score.metric AS x WHERE x.model = m.name AND x.name = metric_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist in model "%"', metric_name, m.name
              USING ERRCODE = '42704';
    END IF;
    RETURN health_score._bump_version(m.name, format('dropped metric %s', metric_name));
END;
$$;

COMMENT ON FUNCTION health_score.drop_metric(text, text) IS
  'Removes a metric from a model; build() again to update the views. Returns the model''s new version.';

------------------------------------------------------------------------
-- Building the views
------------------------------------------------------------------------

-- The views build() creates, in the order they can be dropped.
CREATE FUNCTION health_score._built_views()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{scores_mv,red,yellow,green,segment_summary,dropped,trend,scores}'::text[] $$;

COMMENT ON FUNCTION health_score._built_views() IS
  'Internal: the relations build() creates in a model''s schema, dependents first.';

-- Drop one relation build() created, never by CASCADE: when a user's
-- object depends on it, the error says so and names them.
CREATE FUNCTION health_score._drop_built(schema_name text, relation text, action text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind "char";
    detail text;
BEGIN
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class AS c
     WHERE c.relname = relation AND c.relnamespace = to_regnamespace(quote_ident(schema_name));
    IF NOT FOUND THEN
        RETURN;
    END IF;
    BEGIN
        IF kind = 'm' THEN
            EXECUTE format('DROP MATERIALIZED VIEW %I.%I', schema_name, relation);
        ELSIF kind IN ('r', 'p') THEN
            EXECUTE format('DROP TABLE %I.%I', schema_name, relation);
        ELSE
            EXECUTE format('DROP VIEW %I.%I', schema_name, relation);
        END IF;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'cannot % %.%: other objects depend on it', action, schema_name, relation
              USING ERRCODE = '2BP01', DETAIL = detail,
                    HINT = 'Drop those objects first; health_score never drops them for you.';
    END;
END;
$$;

COMMENT ON FUNCTION health_score._drop_built(text, text, text) IS
  'Internal: drops a view build() created, without CASCADE.';

-- GRANT statements that restore the privileges others hold on a relation.
CREATE FUNCTION health_score._grants_of(rel regclass)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('GRANT %s ON %s TO %s%s', a.privilege_type, rel,
                  CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM pg_catalog.pg_class AS c,
           LATERAL pg_catalog.aclexplode(c.relacl) AS a
      LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = a.grantee
     WHERE c.oid = rel AND a.grantee <> c.relowner
$$;

COMMENT ON FUNCTION health_score._grants_of(regclass) IS
  'Internal: GRANT statements for the privileges others hold on a relation, so build() keeps them when it recreates it.';

-- The model's scored rows: key, segments, one column per metric's
-- unrounded score, score (rounded to one decimal) and coverage.  Both
-- scores and segment_summary read it.
CREATE FUNCTION health_score._scored_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    columns text[] := '{}';
    metric_scores text[] := '{}';
    weights text[] := '{}';
    segment text;
BEGIN
    -- plain types for BI tools: a key of another type is shown as text
    columns := columns || format('(src.%1$I)::%2$s AS %1$I', m.key, health_score._key_type_sql(m));
    FOREACH segment IN ARRAY m.segments LOOP
        columns := columns || format('(src.%1$I)::text AS %1$I', segment);
    END LOOP;
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        columns := columns || format('%s AS %I',
                                     health_score._metric_score_sql(m, x,
                                         health_score._metric_value_sql(m, x.name, x.expression)),
                                     x.name || '_score');
        metric_scores := metric_scores || (x.name || '_score');
        weights := weights || health_score._metric_weight_sql(m, x);
    END LOOP;
    IF cardinality(metric_scores) = 0 THEN
        RAISE EXCEPTION 'model "%" has no metrics', m.name
              USING ERRCODE = '55000', HINT = 'Add them with health_score.add_metric().';
    END IF;
    -- A segment whose weights are all zero has no score rather than
    -- an error that would fail every reader of the views.
    RETURN format($q$SELECT %1$s,
       CASE WHEN per_metric.health_score_total_weight > 0 THEN
            round(health_score.weighted_score(ARRAY[%2$s], per_metric.health_score_weights, %3$L)::numeric, 1)::float8
       END AS score,
       CASE WHEN per_metric.health_score_total_weight > 0 THEN
            health_score.coverage(ARRAY[%2$s], per_metric.health_score_weights)
       END AS coverage
  FROM (SELECT %4$s,
               ARRAY[%5$s] AS health_score_weights,
               %7$s AS health_score_total_weight
          FROM %6$s AS src) AS per_metric$q$,
                  (SELECT string_agg('per_metric.' || quote_ident(c), ', ' ORDER BY o)
                     FROM unnest(ARRAY[m.key] || m.segments || metric_scores)
                          WITH ORDINALITY AS u(c, o)),
                  (SELECT string_agg('per_metric.' || quote_ident(c), ', ' ORDER BY o)
                     FROM unnest(metric_scores) WITH ORDINALITY AS u(c, o)),
                  m.min_coverage, array_to_string(columns, E',\n               '),
                  array_to_string(weights, ', '), m.source, array_to_string(weights, ' + '));
END;
$$;

COMMENT ON FUNCTION health_score._scored_sql(health_score.model) IS
  'Internal: the SQL of a model''s scored rows, the common part of its views.';
-- The model's segment columns qualified by alias, each followed by ", ",
-- to put before the columns that follow them in a select list.
CREATE FUNCTION health_score._segment_columns(m health_score.model, alias text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(string_agg(format('%s.%I, ', alias, seg), '' ORDER BY o), '')
      FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o)
$$;

COMMENT ON FUNCTION health_score._segment_columns(health_score.model, text) IS
  'Internal: the model''s segment columns as "alias.segment, " each, in order.';

-- The SQL of the scores view.
CREATE FUNCTION health_score._scores_sql(m health_score.model, scored_sql text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment_columns text := health_score._segment_columns(m, 's');
    metric_columns text := '';
    x health_score.metric;
BEGIN
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        metric_columns := metric_columns ||
            format(E',\n       round(s.%1$I::numeric, 1)::float8 AS %1$I', x.name || '_score');
    END LOOP;
    -- The distributions are reached through scalar subqueries, which run
    -- once: joined in, they would ride along every row into the sort of
    -- rank(), a copy of every score per row.
    RETURN format($q$WITH scored AS (
%1$s
), distributions AS (
SELECT health_score.distribution(scored.score) AS all_scores,
       health_score.distribution(scored.score, %2$s) AS segment_scores
  FROM scored
)
SELECT s.%3$I, %4$ss.score,
       health_score.band(s.score, %5$L, %6$L) AS band,
       health_score.grade(s.score, %7$L::float8[], %8$L::text[]) AS grade,
       health_score.percentile_rank((SELECT d.all_scores FROM distributions AS d), s.score) AS percentile,
       health_score.percentile_rank((SELECT d.segment_scores FROM distributions AS d), s.score, %9$s) AS segment_percentile,
       CASE WHEN s.score IS NOT NULL THEN rank() OVER (ORDER BY s.score DESC NULLS LAST) END AS rank,
       s.coverage,
       now() AS computed_at%10$s
  FROM scored AS s$q$,
                  scored_sql,
                  CASE WHEN cardinality(m.segments) > 0
                       THEN format('scored.%I', m.segments[1]) ELSE 'NULL::text' END,
                  m.key, segment_columns, m.red_below, m.green_from,
                  m.grade_cutoffs, m.grade_letters,
                  CASE WHEN cardinality(m.segments) > 0
                       THEN format('s.%I', m.segments[1]) ELSE 'NULL::text' END,
                  metric_columns);
END;
$$;

COMMENT ON FUNCTION health_score._scores_sql(health_score.model, text) IS
  'Internal: the SQL of a model''s scores view.';

-- The SQL of the segment_summary view.
CREATE FUNCTION health_score._segment_summary_sql(m health_score.model, scored_sql text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment_list text := (SELECT string_agg(format('s.%I', seg), ', ' ORDER BY o)
                            FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o));
BEGIN
    RETURN format($q$SELECT %1$s
       s.band,
       count(*) AS customers,
       round(count(*) / sum(count(*)) OVER (%2$s), 4)::float8 AS share,
       round(avg(s.score)::numeric, 1)::float8 AS average_score
  FROM (SELECT scored.*, health_score.band(scored.score, %3$L, %4$L) AS band
          FROM (%5$s) AS scored) AS s
 GROUP BY %1$s s.band
 ORDER BY %1$s CASE s.band WHEN 'red' THEN 1 WHEN 'yellow' THEN 2 WHEN 'green' THEN 3 ELSE 4 END$q$,
                  coalesce(segment_list || ',', ''),
                  coalesce('PARTITION BY ' || segment_list, ''),
                  m.red_below, m.green_from, scored_sql);
END;
$$;

COMMENT ON FUNCTION health_score._segment_summary_sql(health_score.model, text) IS
  'Internal: the SQL of a model''s segment_summary view.';

-- How a metric's score is computed, in words, for the column comments.
CREATE FUNCTION health_score._describe_metric(x health_score.metric)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('Score of metric %s, 0-100, one decimal: %s of %s%s, weight %s%s%s. NULL when the value is NULL (missing, not zero).',
                  x.name,
                  CASE x.method
                      WHEN 'linear' THEN 'linear scale'
                      WHEN 'log' THEN 'log1p scale'
                      WHEN 'steps' THEN 'steps'
                      ELSE 'percentile rank among all customers' END,
                  x.expression,
                  CASE x.method
                      WHEN 'linear' THEN format(' from %s (0) to %s (100)', x.worst, x.best)
                      WHEN 'log' THEN format(' from %s (0) to %s (100)', x.worst, x.best)
                      WHEN 'steps' THEN format(' at thresholds %s giving scores %s', x.thresholds, x.scores)
                      ELSE '' END,
                  x.weight,
                  CASE WHEN x.segment_weights IS NOT NULL
                       THEN format(' (in segments: %s)', x.segment_weights) ELSE '' END,
                  CASE WHEN x.category IS NOT NULL
                       THEN format(', category %s', x.category) ELSE '' END)
$$;

COMMENT ON FUNCTION health_score._describe_metric(health_score.metric) IS
  'Internal: a metric''s definition in words.';

-- COMMENTs on a scores-shaped relation: the columns BI tools describe.
CREATE FUNCTION health_score._comment_scores_columns(m health_score.model, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment text;
    x health_score.metric;
BEGIN
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, m.key,
                   format('Customer key: %s of %s.', m.key, m.source));
    FOREACH segment IN ARRAY m.segments LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, segment,
                       format('Segment: %s of %s, as text.', segment, m.source));
    END LOOP;
    EXECUTE format('COMMENT ON COLUMN %s.score IS %L', rel,
                   format('Health score 0-100, one decimal: the weighted mean of the metric scores present, weights renormalized over them; NULL when none is present or their weight share is below %s.', m.min_coverage));
    EXECUTE format('COMMENT ON COLUMN %s.band IS %L', rel,
                   format('red when score < %s, green when score >= %s, else yellow; NULL when score is NULL.', m.red_below, m.green_from));
    EXECUTE format('COMMENT ON COLUMN %s.grade IS %L', rel,
                   format('Letter grade %s at score cutoffs %s.', m.grade_letters, m.grade_cutoffs));
    EXECUTE format('COMMENT ON COLUMN %s.percentile IS %L', rel,
                   'Percentile rank 1-100 of score among all scored customers the reader can see (100 = healthiest); ties share a rank.');
    EXECUTE format('COMMENT ON COLUMN %s.segment_percentile IS %L', rel,
                   CASE WHEN cardinality(m.segments) > 0
                        THEN format('Percentile rank 1-100 of score among the customers of the same %s.', m.segments[1])
                        ELSE 'The model has no segments: the same as percentile.' END);
    EXECUTE format('COMMENT ON COLUMN %s.rank IS %L', rel,
                   'Rank by score, 1 = healthiest; ties share a rank; NULL when score is NULL.');
    EXECUTE format('COMMENT ON COLUMN %s.coverage IS %L', rel,
                   'Share 0-1 of the total weight carried by the metrics present.');
    EXECUTE format('COMMENT ON COLUMN %s.computed_at IS %L', rel,
                   'When these scores were computed: the query time for views, the refresh time for scores_mv.');
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, x.name || '_score',
                       health_score._describe_metric(x));
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score._comment_scores_columns(health_score.model, text) IS
  'Internal: comments the columns of a relation shaped like a model''s scores view.';

-- Create or replace every view of the model.  Returns false, having
-- changed nothing, when a view's columns changed in a way CREATE OR
-- REPLACE VIEW refuses (a metric was dropped): the caller then drops and
-- creates them.
CREATE FUNCTION health_score._create_views(m health_score.model, replace boolean)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    scored text := health_score._scored_sql(m);
    verb text := CASE WHEN replace THEN 'CREATE OR REPLACE VIEW' ELSE 'CREATE VIEW' END;
    band text;
    schema_name text := quote_ident(m.target_schema);
BEGIN
    EXECUTE format('%s %s.scores WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score._scores_sql(m, scored));
    FOREACH band IN ARRAY '{red,yellow,green}'::text[] LOOP
        EXECUTE format('%s %s.%I WITH (security_invoker = true) AS SELECT * FROM %s.scores WHERE band = %L ORDER BY score, %I',
                       verb, schema_name, band, schema_name, band, m.key);
    END LOOP;
    EXECUTE format('%s %s.segment_summary WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score._segment_summary_sql(m, scored));
    EXECUTE format('%s %s.trend WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score._trend_sql(m));
    EXECUTE format($q$%1$s %2$s.dropped WITH (security_invoker = true) AS
SELECT * FROM %2$s.trend
 WHERE dropped_band
 ORDER BY array_position('{red,yellow,green}'::text[], previous_band)
          - array_position('{red,yellow,green}'::text[], band) DESC,
          score - previous_score, %3$I$q$,
                   verb, schema_name, m.key);
    RETURN true;
EXCEPTION WHEN invalid_table_definition THEN
    IF replace THEN
        RETURN false;
    END IF;
    RAISE;
END;
$$;

COMMENT ON FUNCTION health_score._create_views(health_score.model, boolean) IS
  'Internal: creates (or replaces in place) the views of a model.';

-- COMMENTs on a trend-shaped view.
CREATE FUNCTION health_score._comment_trend_columns(m health_score.model, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment text;
    comments text[] := ARRAY[
        'taken_on', 'The day of the latest snapshot.',
        'score', 'Health score 0-100 at the latest snapshot.',
        'band', 'Band at the latest snapshot.',
        'previous_on', 'The snapshot before it, when the customer was in it.',
        'previous_score', 'Score at previous_on.',
        'previous_band', 'Band at previous_on.',
        'delta_wow', 'score minus the score of the latest snapshot at least 7 days older, one decimal.',
        'delta_mom', 'score minus the score of the latest snapshot at least 28 days older, one decimal.',
        'band_change', 'previous_band→band (for example green→yellow) when the band changed since the previous snapshot, else NULL.',
        'dropped_band', 'True when the band fell since the previous snapshot (green to yellow or red, yellow to red).',
        'slope_90d', 'Least-squares slope of the score in points per day over the snapshots of the last 90 days, three decimals; NULL with fewer than two.',
        'sparkline', 'The scores of the last 12 snapshots, oldest first, as block characters from the customer''s lowest to highest.',
        'top_mover', 'The metric whose contribution to the score changed most since the previous snapshot: why the score moved.',
        'top_mover_change', 'How many points top_mover''s contribution changed, one decimal.',
        'model_version', 'The model version of the latest snapshot.'];
BEGIN
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, m.key,
                   format('Customer key: %s of %s.', m.key, m.source));
    FOREACH segment IN ARRAY m.segments LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, segment,
                       format('Segment: %s of %s at the latest snapshot, as text.', segment, m.source));
    END LOOP;
    FOR i IN 1 .. array_length(comments, 1) BY 2 LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, comments[i], comments[i + 1]);
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score._comment_trend_columns(health_score.model, text) IS
  'Internal: comments the columns of a model''s trend or dropped view.';

CREATE FUNCTION health_score._comment_views(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    band text;
BEGIN
    EXECUTE format('COMMENT ON SCHEMA %s IS %L', schema_name,
                   format('Views of health_score model %s over %s, made by health_score.build(%L); rebuilt in place, do not edit.',
                          m.name, m.source, m.name));
    EXECUTE format('COMMENT ON VIEW %s.scores IS %L', schema_name,
                   format('Health of every customer of %s: one row per %s, scored by model %s (version %s). Reads the source as the querying user, so row-level security applies.',
                          m.source, m.key, m.name, m.version));
    PERFORM health_score._comment_scores_columns(m, schema_name || '.scores');
    FOREACH band IN ARRAY '{red,yellow,green}'::text[] LOOP
        EXECUTE format('COMMENT ON VIEW %s.%I IS %L', schema_name, band,
                       format('The %s customers of model %s (band = %L), worst score first; the columns of scores.',
                              band, m.name, band));
        PERFORM health_score._comment_scores_columns(m, format('%s.%I', schema_name, band));
    END LOOP;
    EXECUTE format('COMMENT ON VIEW %s.segment_summary IS %L', schema_name,
                   CASE WHEN cardinality(m.segments) > 0
                        THEN format('Customers of model %s per %s and band: how many, their share of the segment and their average score.',
                                    m.name, array_to_string(m.segments, ', '))
                        ELSE format('Customers of model %s per band: how many, their share of all customers and their average score.', m.name)
                   END);
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.band IS %L', schema_name,
                   format('red, yellow or green (score below %s, from %s); NULL for customers without a score.', m.red_below, m.green_from));
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.customers IS %L', schema_name,
                   'Number of customers in this segment and band.');
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.share IS %L', schema_name,
                   'customers as a share 0-1 of all customers of the segment, four decimals.');
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.average_score IS %L', schema_name,
                   'Average score of these customers, one decimal.');
    FOR band IN SELECT unnest(m.segments) LOOP
        EXECUTE format('COMMENT ON COLUMN %s.segment_summary.%I IS %L', schema_name, band,
                       format('Segment: %s of %s, as text.', band, m.source));
    END LOOP;
    PERFORM health_score._comment_trend_columns(m, schema_name || '.trend');
    PERFORM health_score._comment_trend_columns(m, schema_name || '.dropped');
    EXECUTE format('COMMENT ON VIEW %s.trend IS %L', schema_name,
                   format('How each customer of model %s moved: one row per customer in the latest snapshot (health_score.snapshot), with week-over-week and month-over-month deltas, the band change since the previous snapshot, the slope over 90 days, a sparkline of the last 12 snapshots and the metric that moved the score most.', m.name));
    EXECUTE format('COMMENT ON VIEW %s.dropped IS %L', schema_name,
                   format('Customers of model %s whose band fell since their previous snapshot, worst drop first: the rows of trend with dropped_band.', m.name));
    EXECUTE format('COMMENT ON MATERIALIZED VIEW %s.scores_mv IS %L', schema_name,
                   format('scores of model %s stored at the last refresh (health_score.refresh(%L)). Holds every row its owner can see: row-level security does not apply to its readers, so only its owner may read it until granted.',
                          m.name, m.name));
    PERFORM health_score._comment_scores_columns(m, schema_name || '.scores_mv');
END;
$$;

COMMENT ON FUNCTION health_score._comment_views(health_score.model) IS
  'Internal: comments every view of a model and their columns.';

-- The names of a relation's columns, in order.
CREATE FUNCTION health_score._columns_of(rel regclass)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

COMMENT ON FUNCTION health_score._columns_of(regclass) IS
  'Internal: the column names of a relation, in order.';

-- Fill scores_mv, naming the key when it turns out not to be unique.
CREATE FUNCTION health_score._populate_scores_mv(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.scores_mv', m.target_schema);
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'key column "%" of % is not unique', m.key, m.source
          USING ERRCODE = '23505',
                HINT = 'A model needs one row per customer: choose a unique key, or a source with one row per key.';
END;
$$;

COMMENT ON FUNCTION health_score._populate_scores_mv(health_score.model) IS
  'Internal: refreshes scores_mv, with a clear error when the key is not unique.';

CREATE FUNCTION health_score.build(model text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(build.model);
    schema_name text := quote_ident(m.target_schema);
    grants text[];
    mv_indexes text[];
    old_columns text[];
    replaced boolean;
    statement text;
    relation text;
BEGIN
    IF to_regnamespace(schema_name) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %s', schema_name);
        UPDATE health_score.model AS hm SET owns_schema = true WHERE hm.name = m.name;
    ELSIF m.built_version IS NULL THEN
        -- the first build into a schema that exists: never take over
        -- relations someone else put there
        FOREACH relation IN ARRAY health_score._built_views() || '{history,snapshots}'::text[] LOOP
            IF to_regclass(format('%s.%I', schema_name, relation)) IS NOT NULL THEN
                RAISE EXCEPTION 'relation %.% already exists', schema_name, relation
                      USING ERRCODE = '42P07',
                            HINT = 'build() creates scores, red, yellow, green, segment_summary, trend, dropped, scores_mv, history and snapshots: give the model a target_schema of its own.';
            END IF;
        END LOOP;
    END IF;

    -- privileges others hold on the views, and indexes someone added to
    -- scores_mv, survive their re-creation
    grants := ARRAY(SELECT g FROM unnest(health_score._built_views()) AS v,
                         health_score._grants_of(to_regclass(format('%s.%I', schema_name, v))) AS g);
    mv_indexes := ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid)
                          FROM pg_catalog.pg_index AS i
                         WHERE i.indrelid = to_regclass(schema_name || '.scores_mv')
                           AND i.indexrelid <> coalesce(to_regclass(schema_name || '.scores_mv_key'), 0));
    old_columns := health_score._columns_of(to_regclass(schema_name || '.scores'));

    PERFORM health_score._create_history(m);
    replaced := health_score._create_views(m, true);
    IF NOT replaced THEN
        FOREACH relation IN ARRAY health_score._built_views() LOOP
            PERFORM health_score._drop_built(m.target_schema, relation, 'replace');
        END LOOP;
        PERFORM health_score._create_views(m, false);
    END IF;

    IF replaced AND to_regclass(schema_name || '.scores_mv') IS NOT NULL
       AND old_columns = health_score._columns_of(to_regclass(schema_name || '.scores')) THEN
        -- same columns: keep the materialized view, and what depends on it
        PERFORM health_score._populate_scores_mv(m);
    ELSE
        PERFORM health_score._drop_built(m.target_schema, 'scores_mv', 'replace');
        EXECUTE format('CREATE MATERIALIZED VIEW %1$s.scores_mv AS SELECT * FROM %1$s.scores WITH NO DATA',
                       schema_name);
        EXECUTE format('CREATE UNIQUE INDEX scores_mv_key ON %s.scores_mv (%I)', schema_name, m.key);
        -- it holds every row its owner sees: nobody else reads it until
        -- granted, whatever default privileges say
        FOR statement IN
            SELECT format('REVOKE ALL ON %s.scores_mv FROM %s', schema_name,
                          CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END)
              FROM pg_catalog.pg_class AS c, LATERAL pg_catalog.aclexplode(c.relacl) AS a
             WHERE c.oid = to_regclass(schema_name || '.scores_mv') AND a.grantee <> c.relowner
        LOOP
            EXECUTE statement;
        END LOOP;
        PERFORM health_score._populate_scores_mv(m);
        FOREACH statement IN ARRAY mv_indexes LOOP
            BEGIN
                EXECUTE statement;
            EXCEPTION WHEN undefined_column THEN
                RAISE NOTICE 'index not recreated on the rebuilt scores_mv: %', statement
                      USING DETAIL = 'A column it indexed is gone.';
            END;
        END LOOP;
    END IF;

    PERFORM health_score._comment_views(m);
    FOREACH statement IN ARRAY grants LOOP
        EXECUTE statement;
    END LOOP;
    UPDATE health_score.model AS hm SET built_version = hm.version, built_at = now()
     WHERE hm.name = m.name;
    RETURN m.target_schema;
END;
$$;

COMMENT ON FUNCTION health_score.build(text) IS
  'Creates or rebuilds the views of a model in its schema, in one transaction: scores, red, yellow, green, segment_summary (security_invoker views) and scores_mv (a materialized view of scores with a unique index on the key). Keeps view names, column order and privileges; never drops a user''s object. Returns the schema.';

CREATE FUNCTION health_score.refresh(model text, concurrently boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model(refresh.model);
    mv regclass := to_regclass(format('%I.scores_mv', m.target_schema));
BEGIN
    PERFORM health_score._require_built(m, 'scores_mv');
    -- CONCURRENTLY needs rows to compare with
    IF refresh.concurrently AND (SELECT c.relispopulated FROM pg_catalog.pg_class AS c WHERE c.oid = mv) THEN
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %s', mv);
    ELSE
        EXECUTE format('REFRESH MATERIALIZED VIEW %s', mv);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score.refresh(text, boolean) IS
  'Refreshes the model''s scores_mv; CONCURRENTLY unless told otherwise, so readers keep reading the old rows until the new ones are in place. Without it the refresh is faster but blocks readers.';

CREATE FUNCTION health_score._refresh_job_name(model text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'health_score refresh ' || model $$;

COMMENT ON FUNCTION health_score._refresh_job_name(text) IS
  'Internal: the pg_cron job name of a model''s scheduled refresh.';

-- pg_cron's functions live in the database named by cron.database_name;
-- health_score calls them by dynamic SQL so it does not depend on them.
CREATE FUNCTION health_score._require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
              USING ERRCODE = '55000',
                    HINT = 'Install postgresql-15-cron, add pg_cron to shared_preload_libraries, set cron.database_name to this database and run CREATE EXTENSION pg_cron.';
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score._require_pg_cron() IS
  'Internal: an error naming pg_cron when it is not installed in this database.';

CREATE FUNCTION health_score.schedule_refresh(model text, cron text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(schedule_refresh.model);
    job bigint;
BEGIN
    PERFORM health_score._require_pg_cron();
    IF cron IS NULL THEN
        RAISE EXCEPTION 'cron must not be NULL' USING ERRCODE = '22004';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
       INTO job
      USING health_score._refresh_job_name(m.name), cron,
            format('SELECT health_score.refresh(%L)', m.name);
    RETURN job;
END;
$$;

COMMENT ON FUNCTION health_score.schedule_refresh(text, text) IS
  'Schedules health_score.refresh(model) with pg_cron on a cron schedule (''0 * * * *'': hourly), as the calling user; scheduling again replaces the schedule. Returns the pg_cron job id.';

CREATE FUNCTION health_score.unschedule_refresh(model text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM health_score._require_pg_cron();
    EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username = current_user'
       INTO job USING health_score._refresh_job_name(model);
    IF job IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING job;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION health_score.unschedule_refresh(text) IS
  'Removes the pg_cron schedule of the model''s refresh; false when there was none.';

-- Every pg_cron job refreshing a model, whoever scheduled it: pg_cron
-- lets a user remove only their own jobs, so the others are reported.
CREATE FUNCTION health_score._unschedule_all(model text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job record;
BEGIN
    FOR job IN EXECUTE 'SELECT jobid, username FROM cron.job WHERE jobname = $1'
                 USING health_score._refresh_job_name(model)
    LOOP
        BEGIN
            EXECUTE 'SELECT cron.unschedule($1)' USING job.jobid;
        EXCEPTION WHEN insufficient_privilege OR raise_exception THEN
            RAISE WARNING 'pg_cron job % of role % still refreshes model "%"', job.jobid, job.username, model
                  USING HINT = 'That role, or a superuser, can remove it with SELECT cron.unschedule(jobid).';
        END;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score._unschedule_all(text) IS
  'Internal: removes the pg_cron jobs that refresh a model, warning about those it may not remove.';

CREATE FUNCTION health_score.drop_model(model text, drop_history boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(drop_model.model);
    history regclass := to_regclass(quote_ident(m.target_schema) || '.history');
    relation text;
    has_history boolean := false;
BEGIN
    IF history IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %s)', history) INTO has_history;
    END IF;
    IF has_history AND NOT drop_model.drop_history THEN
        RAISE EXCEPTION 'model "%" has snapshots in %', m.name, history
              USING ERRCODE = '2BP01',
                    HINT = format('Copy them elsewhere if you need them, then run SELECT health_score.drop_model(%L, drop_history => true).', m.name);
    END IF;
    FOREACH relation IN ARRAY health_score._built_views() || '{history,snapshots}'::text[] LOOP
        PERFORM health_score._drop_built(m.target_schema, relation, 'drop');
    END LOOP;
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM health_score._unschedule_all(m.name);
    END IF;
    IF m.owns_schema AND to_regnamespace(quote_ident(m.target_schema)) IS NOT NULL THEN
        BEGIN
            EXECUTE format('DROP SCHEMA %I', m.target_schema);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'schema "%" kept: it holds objects health_score did not create', m.target_schema;
        END;
    END IF;
    DELETE FROM health_score.model AS hm WHERE hm.name = m.name;
END;
$$;

COMMENT ON FUNCTION health_score.drop_model(text, boolean) IS
  'Drops a model, its views, its history and its scheduled refresh; refuses, changing nothing, while other objects depend on the views, or while the history holds snapshots unless drop_history. Never drops a user''s object.';

------------------------------------------------------------------------
-- Snapshots and trends of a model
------------------------------------------------------------------------

-- The SQL type of the key in the views and the history: the source's
-- own when it is a plain integer, numeric or text type, else text.
CREATE FUNCTION health_score._key_type_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN t IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                           'numeric'::regtype, 'text'::regtype, 'character varying'::regtype)
                THEN format_type(t, NULL) ELSE 'text' END
      FROM health_score._column_type(m.source, m.key) AS t
$$;

COMMENT ON FUNCTION health_score._key_type_sql(health_score.model) IS
  'Internal: the type a model''s key has in its views and history.';

-- Create the history and snapshots tables of a model, once.  build()
-- calls it; nothing ever drops them but drop_model(..., drop_history).
CREATE FUNCTION health_score._create_history(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    segment_columns text := (SELECT string_agg(format('%I text', seg), ', ' ORDER BY o)
                               FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o));
BEGIN
    IF to_regclass(schema_name || '.history') IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format($q$CREATE TABLE %1$s.snapshots (
    taken_on      date PRIMARY KEY,
    model_version integer NOT NULL,
    customers     bigint NOT NULL,
    taken_at      timestamptz NOT NULL
)$q$, schema_name);
    EXECUTE format($q$CREATE TABLE %1$s.history (
    taken_on           date NOT NULL,
    %2$I               %3$s NOT NULL,
    %4$s
    score              float8,
    band               text,
    grade              text,
    percentile         integer,
    segment_percentile integer,
    model_version      integer NOT NULL,
    metric_scores      jsonb NOT NULL,
    contributions      jsonb NOT NULL,
    previous_on        date,
    previous_score     float8,
    previous_band      text,
    top_mover          text,
    top_mover_change   float8,
    delta_wow          float8,
    delta_mom          float8,
    slope_90d          float8,
    sparkline          text,
    PRIMARY KEY (%2$I, taken_on)
) PARTITION BY RANGE (taken_on)$q$,
                   schema_name, m.key, health_score._key_type_sql(m),
                   coalesce(segment_columns || ',', ''));
    -- history is a copy of customer rows: show a reader only the
    -- customers the source shows them, so its row-level security holds
    EXECUTE format('ALTER TABLE %s.history ENABLE ROW LEVEL SECURITY', schema_name);
    EXECUTE format('CREATE POLICY visible_in_source ON %1$s.history FOR SELECT USING (EXISTS (SELECT FROM %2$s AS src WHERE src.%3$I = history.%3$I))',
                   schema_name, m.source, m.key);
    EXECUTE format('REVOKE ALL ON %1$s.history, %1$s.snapshots FROM PUBLIC', schema_name);

    EXECUTE format('COMMENT ON TABLE %s.snapshots IS %L', schema_name,
                   format('One row per snapshot of model %s: health_score.snapshot(%L, day) writes it.', m.name, m.name));
    EXECUTE format('COMMENT ON COLUMN %s.snapshots.taken_on IS %L', schema_name, 'The day the snapshot stands for.');
    EXECUTE format('COMMENT ON COLUMN %s.snapshots.model_version IS %L', schema_name, 'The model version its scores were computed with.');
    EXECUTE format('COMMENT ON COLUMN %s.snapshots.customers IS %L', schema_name, 'Rows written.');
    EXECUTE format('COMMENT ON COLUMN %s.snapshots.taken_at IS %L', schema_name, 'When it was taken.');
    EXECUTE format('COMMENT ON TABLE %s.history IS %L', schema_name,
                   format('Every customer''s scores of model %s at each snapshot, partitioned by month. Row-level security shows a reader the customers %s shows them; its owner sees all.',
                          m.name, m.source));
    EXECUTE format('COMMENT ON COLUMN %s.history.taken_on IS %L', schema_name, 'The day of the snapshot.');
    EXECUTE format('COMMENT ON COLUMN %s.history.%I IS %L', schema_name, m.key, format('Customer key: %s of %s.', m.key, m.source));
    EXECUTE format('COMMENT ON COLUMN %s.history.score IS %L', schema_name, 'Health score 0-100 at the snapshot.');
    EXECUTE format('COMMENT ON COLUMN %s.history.band IS %L', schema_name, 'Band at the snapshot, under the thresholds of that time.');
    EXECUTE format('COMMENT ON COLUMN %s.history.grade IS %L', schema_name, 'Grade at the snapshot.');
    EXECUTE format('COMMENT ON COLUMN %s.history.percentile IS %L', schema_name, 'Percentile 1-100 among all customers at the snapshot.');
    EXECUTE format('COMMENT ON COLUMN %s.history.segment_percentile IS %L', schema_name, 'Percentile 1-100 within the first segment at the snapshot.');
    EXECUTE format('COMMENT ON COLUMN %s.history.model_version IS %L', schema_name, 'The model version the row was computed with.');
    EXECUTE format('COMMENT ON COLUMN %s.history.metric_scores IS %L', schema_name, 'Each metric''s 0-100 score, by metric name; a missing metric is absent.');
    EXECUTE format('COMMENT ON COLUMN %s.history.contributions IS %L', schema_name, 'Each metric''s share of the score in points (weight x score / weight of the metrics present); they add up to the score.');
    EXECUTE format('COMMENT ON COLUMN %s.history.previous_on IS %L', schema_name, 'The model''s snapshot before this one, when the customer was in it.');
    EXECUTE format('COMMENT ON COLUMN %s.history.previous_score IS %L', schema_name, 'Score at previous_on.');
    EXECUTE format('COMMENT ON COLUMN %s.history.previous_band IS %L', schema_name, 'Band at previous_on.');
    EXECUTE format('COMMENT ON COLUMN %s.history.top_mover IS %L', schema_name, 'The metric whose contribution changed most since previous_on; NULL when none changed.');
    EXECUTE format('COMMENT ON COLUMN %s.history.top_mover_change IS %L', schema_name, 'How many points top_mover''s contribution changed, one decimal.');
    EXECUTE format('COMMENT ON COLUMN %s.history.delta_wow IS %L', schema_name, 'score minus the customer''s last score at least 7 days older (within 120 days), one decimal.');
    EXECUTE format('COMMENT ON COLUMN %s.history.delta_mom IS %L', schema_name, 'score minus the customer''s last score at least 28 days older (within 120 days), one decimal.');
    EXECUTE format('COMMENT ON COLUMN %s.history.slope_90d IS %L', schema_name, 'Least-squares slope of the score in points per day over the snapshots of the 90 days up to this one, three decimals.');
    EXECUTE format('COMMENT ON COLUMN %s.history.sparkline IS %L', schema_name, 'The scores of the 12 snapshots up to this one, oldest first, as block characters.');
END;
$$;

COMMENT ON FUNCTION health_score._create_history(health_score.model) IS
  'Internal: creates a model''s history and snapshots tables if they do not exist.';

-- The SQL of the trend view.
CREATE FUNCTION health_score._trend_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    segment_columns text := health_score._segment_columns(m, 'cur');
BEGIN
    -- snapshot() computed every figure when it wrote the day's rows, once;
    -- reading the trend reads the latest snapshot's rows and nothing else
    RETURN format($q$SELECT cur.%2$I, %3$scur.taken_on, cur.score, cur.band,
       cur.previous_on, cur.previous_score, cur.previous_band,
       cur.delta_wow, cur.delta_mom,
       CASE WHEN cur.band <> cur.previous_band THEN cur.previous_band || '→' || cur.band END AS band_change,
       coalesce(array_position('{red,yellow,green}'::text[], cur.band)
                < array_position('{red,yellow,green}'::text[], cur.previous_band), false) AS dropped_band,
       cur.slope_90d, cur.sparkline,
       cur.top_mover, cur.top_mover_change, cur.model_version
  FROM %1$s.history AS cur
 WHERE cur.taken_on = (SELECT max(sn.taken_on) FROM %1$s.snapshots AS sn)$q$,
                  schema_name, m.key, segment_columns);
END;
$$;

COMMENT ON FUNCTION health_score._trend_sql(health_score.model) IS
  'Internal: the SQL of a model''s trend view.';

-- The contributions of the metrics to a row of scores (aliased src), as
-- jsonb: weight x score / weight of the metrics present, by metric.
CREATE FUNCTION health_score._contributions_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    present_weight text[] := '{}';
    pairs text[] := '{}';
BEGIN
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        present_weight := present_weight ||
            format('CASE WHEN src.%I IS NULL THEN 0 ELSE %s END', x.name || '_score',
                   health_score._metric_weight_sql(m, x, false));
    END LOOP;
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        pairs := pairs || format('%L, %s * src.%I / nullif(%s, 0)', x.name,
                                 health_score._metric_weight_sql(m, x, false), x.name || '_score',
                                 array_to_string(present_weight, ' + '));
    END LOOP;
    RETURN format('jsonb_strip_nulls(jsonb_build_object(%s))', array_to_string(pairs, ', '));
END;
$$;

COMMENT ON FUNCTION health_score._contributions_sql(health_score.model) IS
  'Internal: the SQL of the per-metric contributions to a customer''s score.';

CREATE FUNCTION health_score._metric_scores_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('jsonb_strip_nulls(jsonb_build_object(%s))',
                  string_agg(format('%L, src.%I', x.name, x.name || '_score'), ', ' ORDER BY x.position))
      FROM health_score.metric AS x WHERE x.model = m.name
$$;

COMMENT ON FUNCTION health_score._metric_scores_sql(health_score.model) IS
  'Internal: the SQL of a customer''s metric scores as jsonb.';

-- The partition of a model's history that holds a day's rows, created
-- when missing.  Callers hold the model's snapshot lock.
CREATE FUNCTION health_score._history_partition(m health_score.model, day date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_start date := date_trunc('month', day)::date;
    partition_name text := 'history_' || to_char(month_start, 'YYYY_MM');
BEGIN
    IF to_regclass(format('%I.%I', m.target_schema, partition_name)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.history FOR VALUES FROM (%L) TO (%L)',
                       m.target_schema, partition_name,
                       m.target_schema, month_start, (month_start + interval '1 month')::date);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score._history_partition(health_score.model, date) IS
  'Internal: creates the monthly history partition of a day if it does not exist.';

CREATE FUNCTION health_score.snapshot(model text, taken_on date DEFAULT current_date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    m health_score.model;
    schema_name text;
    segment_list text;
    previous_day date;
    sparkline_from date;
    written bigint;
BEGIN
    m := health_score._model(snapshot.model);
    PERFORM health_score._require_owner(m);
    schema_name := quote_ident(m.target_schema);
    PERFORM health_score._require_built(m, 'history');
    IF snapshot.taken_on IS NULL THEN
        RAISE EXCEPTION 'taken_on must not be NULL' USING ERRCODE = '22004';
    ELSIF snapshot.taken_on IN ('infinity'::date, '-infinity'::date) THEN
        RAISE EXCEPTION 'taken_on must be a finite date: %', snapshot.taken_on USING ERRCODE = '22008';
    END IF;

    -- One snapshot of a model at a time: a second waits, then replaces
    -- the first's rows for the same day.  The primary key of the history
    -- catches what the lock cannot (a REPEATABLE READ transaction whose
    -- snapshot predates the first's commit).
    PERFORM pg_advisory_xact_lock(hashtext('health_score.snapshot'), hashtext(m.name));
    -- a build may have committed while we waited: read the model again,
    -- and keep it from changing until the rows are written, so that they
    -- carry the version they were computed with
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = m.name FOR SHARE;
    PERFORM health_score._history_partition(m, snapshot.taken_on);
    EXECUTE format('DELETE FROM %s.history AS h WHERE h.taken_on = $1', schema_name)
      USING snapshot.taken_on;
    EXECUTE format('SELECT max(sn.taken_on) FROM %s.snapshots AS sn WHERE sn.taken_on < $1', schema_name)
       INTO previous_day USING snapshot.taken_on;

    -- the 12 snapshots the sparkline draws end with this one
    EXECUTE format('SELECT min(d) FROM (SELECT sn.taken_on FROM %s.snapshots AS sn WHERE sn.taken_on < $1 UNION SELECT $1 ORDER BY 1 DESC LIMIT 12) AS recent(d)',
                   schema_name)
       INTO sparkline_from USING snapshot.taken_on;

    segment_list := health_score._segment_columns(m, 'cur');
    -- Every figure of the trend view, computed here once per snapshot
    -- rather than on every read: one pass of the trend aggregate over the
    -- customer's recent history and today's score, filtered to each
    -- window.  The history is read back 120 days, or to the first of the
    -- 12 snapshots the sparkline draws if that is earlier.
    EXECUTE format($q$WITH cur AS MATERIALIZED (
    SELECT src.*, %5$s AS metric_scores, %6$s AS contributions
      FROM %1$s.scores AS src
), series AS (
    SELECT p.%2$I,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= $1 - 7)).last_score AS week_ago,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on <= $1 - 28)).last_score AS month_ago,
           (health_score.trend(p.taken_on, p.score) FILTER (WHERE p.taken_on > $1 - 90)).slope_per_day AS slope,
           health_score.sparkline(p.taken_on, p.score) FILTER (WHERE p.taken_on >= $3) AS sparkline
      FROM (SELECT h.%2$I, h.taken_on, h.score FROM %1$s.history AS h
             WHERE h.taken_on < $1 AND h.taken_on >= least($1 - 120, $3)
            UNION ALL
            SELECT c.%2$I, $1, c.score FROM cur AS c) AS p
     GROUP BY p.%2$I
)
INSERT INTO %1$s.history
SELECT $1, cur.%2$I, %3$scur.score, cur.band, cur.grade, cur.percentile, cur.segment_percentile,
       %4$s, cur.metric_scores, cur.contributions,
       prev.taken_on, prev.score, prev.band,
       CASE WHEN mover.change <> 0 THEN mover.metric END,
       CASE WHEN mover.change <> 0 THEN mover.change END,
       round((cur.score - se.week_ago)::numeric, 1)::float8,
       round((cur.score - se.month_ago)::numeric, 1)::float8,
       -- rounded twice, so that a slope a hair from a .xxx5 tie rounds
       -- the same whatever the order its sums were added in
       round(round(se.slope::numeric, 9), 3)::float8,
       se.sparkline
  FROM cur
  JOIN series AS se ON se.%2$I = cur.%2$I
  LEFT JOIN %1$s.history AS prev ON prev.taken_on = $2 AND prev.%2$I = cur.%2$I
  LEFT JOIN LATERAL (
        SELECT k.metric,
               round((coalesce((cur.contributions ->> k.metric)::float8, 0)
                      - coalesce((prev.contributions ->> k.metric)::float8, 0))::numeric, 1)::float8 AS change
          FROM (SELECT jsonb_object_keys(cur.contributions)
                UNION SELECT jsonb_object_keys(prev.contributions)) AS k(metric)
         ORDER BY abs(round((coalesce((cur.contributions ->> k.metric)::float8, 0)
                             - coalesce((prev.contributions ->> k.metric)::float8, 0))::numeric, 1)) DESC,
                  k.metric
         LIMIT 1) AS mover ON prev.taken_on IS NOT NULL$q$,
                   schema_name, m.key, segment_list, m.built_version,
                   health_score._metric_scores_sql(m), health_score._contributions_sql(m))
      USING snapshot.taken_on, previous_day, sparkline_from;
    GET DIAGNOSTICS written = ROW_COUNT;

    EXECUTE format($q$INSERT INTO %s.snapshots AS sn VALUES ($1, $2, $3, now())
ON CONFLICT (taken_on) DO UPDATE SET model_version = excluded.model_version,
    customers = excluded.customers, taken_at = excluded.taken_at$q$, schema_name)
      USING snapshot.taken_on, m.built_version, written;
    RETURN written;
END;
$$;

COMMENT ON FUNCTION health_score.snapshot(text, date) IS
  'Appends the model''s current scores to its history for the day taken_on (today by default), replacing that day''s rows if it was taken before; records, for each customer, the previous snapshot''s score and band and the metric that moved most. Concurrent calls for a model run one after the other. Returns the number of rows written.';

CREATE FUNCTION health_score.prune_history(model text, keep interval)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
    cutoff date;
    removed bigint := 0;
    rows_here bigint;
    part record;
BEGIN
    m := health_score._model(prune_history.model);
    PERFORM health_score._require_owner(m);
    IF keep IS NULL THEN
        RAISE EXCEPTION 'keep must not be NULL' USING ERRCODE = '22004';
    ELSIF keep < interval '0' THEN
        RAISE EXCEPTION 'keep must not be negative: %', keep USING ERRCODE = '22023';
    ELSIF to_regclass(quote_ident(m.target_schema) || '.history') IS NULL THEN
        RETURN 0;
    END IF;
    cutoff := (current_date - keep)::date;
    PERFORM pg_advisory_xact_lock(hashtext('health_score.snapshot'), hashtext(m.name));

    -- whole months before the cutoff go as partitions, the rest row by row
    FOR part IN
        SELECT c.oid::regclass AS partition,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), $r$TO \('([^']+)'\)$r$))[1]::date AS upper_bound
          FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(quote_ident(m.target_schema) || '.history')
    LOOP
        IF part.upper_bound <= cutoff THEN
            EXECUTE format('SELECT count(*) FROM %s', part.partition) INTO rows_here;
            EXECUTE format('DROP TABLE %s', part.partition);
            removed := removed + rows_here;
        END IF;
    END LOOP;
    EXECUTE format('DELETE FROM %I.history AS h WHERE h.taken_on < $1', m.target_schema) USING cutoff;
    GET DIAGNOSTICS rows_here = ROW_COUNT;
    EXECUTE format('DELETE FROM %I.snapshots AS sn WHERE sn.taken_on < $1', m.target_schema) USING cutoff;
    RETURN removed + rows_here;
END;
$$;

COMMENT ON FUNCTION health_score.prune_history(text, interval) IS
  'Deletes the model''s snapshots taken before current_date - keep, dropping whole monthly partitions where it can. Returns the number of history rows removed.';

------------------------------------------------------------------------
-- Does the score predict churn?
------------------------------------------------------------------------

CREATE FUNCTION health_score.auc_accum(internal, float8, boolean)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_auc_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_accum(internal, float8, boolean) IS
  'Transition function of auc().';

CREATE FUNCTION health_score.auc_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_auc_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_final(internal) IS
  'Final function of auc().';

-- The state is the distribution aggregate's, one segment per class.
CREATE AGGREGATE health_score.auc(score float8, outcome boolean) (
  SFUNC = health_score.auc_accum,
  STYPE = internal,
  FINALFUNC = health_score.auc_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  SERIALFUNC = health_score.distribution_serialize,
  DESERIALFUNC = health_score.distribution_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.auc(float8, boolean) IS
  'ROC AUC of a health score against a bad outcome (true = churned): the probability that a customer with outcome false outscores one with outcome true, ties counting one half. 1 for a perfect score, about 0.5 for a random one. NULL pairs are skipped; NULL when either class is empty.';

CREATE FUNCTION health_score.logistic_accum(internal, float8[], boolean, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_logistic_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_accum(internal, float8[], boolean, float8) IS
  'Transition function of logistic_fit().';

CREATE FUNCTION health_score.logistic_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_logistic_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_combine(internal, internal) IS
  'Combine function of logistic_fit().';

CREATE FUNCTION health_score.logistic_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_logistic_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_serialize(internal) IS
  'Serialize function of logistic_fit().';

CREATE FUNCTION health_score.logistic_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_logistic_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_deserialize(bytea, internal) IS
  'Deserialize function of logistic_fit(); rejects truncated or inconsistent states.';

CREATE FUNCTION health_score.logistic_final(internal)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_logistic_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_final(internal) IS
  'Final function of logistic_fit(): the Newton iteration.';

CREATE AGGREGATE health_score.logistic_fit(features float8[], outcome boolean, ridge float8) (
  SFUNC = health_score.logistic_accum,
  STYPE = internal,
  FINALFUNC = health_score.logistic_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = health_score.logistic_combine,
  SERIALFUNC = health_score.logistic_serialize,
  DESERIALFUNC = health_score.logistic_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.logistic_fit(float8[], boolean, float8) IS
  'Logistic regression of outcome on features: the coefficients maximizing the log-likelihood minus ridge/2 x their squares (the intercept unpenalized), intercept first. A NULL feature takes the mean of that feature; rows with a NULL outcome or features are skipped; NULL when either outcome is absent. Keeps every row in memory.';

-- A boolean expression over the model's source: the outcome validate(),
-- model_auc() and suggest_weights() compare the score with.
CREATE FUNCTION health_score._outcome_sql(m health_score.model, outcome text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outcome_type regtype := health_score._expression_type(m, 'outcome', outcome);
BEGIN
    IF outcome_type <> 'boolean'::regtype THEN
        RAISE EXCEPTION 'outcome: expression % has type %, not boolean', quote_literal(outcome), outcome_type
              USING ERRCODE = '42804',
                    HINT = 'Write the bad outcome as a condition, for example churn = ''yes''.';
    END IF;
    RETURN format('(%s)', outcome);
END;
$$;

COMMENT ON FUNCTION health_score._outcome_sql(health_score.model, text) IS
  'Internal: checks an outcome expression over the model''s source.';

-- A built model, for the functions that read its views.
CREATE FUNCTION health_score._built_model(model_name text)
RETURNS health_score.model
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model(model_name);
BEGIN
    PERFORM health_score._require_built(m, NULL);
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score._built_model(text) IS
  'Internal: a model''s catalog row; an error when it does not exist or was never built.';

CREATE FUNCTION health_score.validate(model text, outcome text)
RETURNS TABLE (band text, customers bigint, outcome_rate float8, lift float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(validate.model);
BEGIN
    RETURN QUERY EXECUTE format($q$WITH joined AS (
    SELECT coalesce(s.band, 'unscored') AS band, %1$s AS bad
      FROM %2$I.scores AS s JOIN %3$s AS src ON src.%4$I = s.%4$I
), overall AS (
    SELECT avg(j.bad::int)::float8 AS rate FROM joined AS j
)
SELECT r.* FROM (
    SELECT j.band, count(*), avg(j.bad::int)::float8,
           avg(j.bad::int)::float8 / nullif((SELECT o.rate FROM overall AS o), 0)
      FROM joined AS j GROUP BY j.band
    UNION ALL
    SELECT 'all', count(*), avg(j.bad::int)::float8,
           CASE WHEN (SELECT o.rate FROM overall AS o) > 0 THEN 1.0::float8 END
      FROM joined AS j
) AS r(band, customers, outcome_rate, lift)
 ORDER BY array_position('{red,yellow,green,unscored,all}'::text[], r.band)$q$,
                  health_score._outcome_sql(m, outcome), m.target_schema, m.source, m.key);
END;
$$;

COMMENT ON FUNCTION health_score.validate(text, text) IS
  'How well the model''s bands separate a bad outcome (a boolean expression over the source, such as churn = ''yes''): per band, then for all customers, how many, the outcome''s rate among them (NULL outcomes left out) and its lift (the band''s rate over the overall rate). Reads the scores view, so row-level security applies.';

CREATE FUNCTION health_score.model_auc(model text, outcome text)
RETURNS float8
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(model_auc.model);
    result float8;
BEGIN
    EXECUTE format('SELECT health_score.auc(s.score, %1$s) FROM %2$I.scores AS s JOIN %3$s AS src ON src.%4$I = s.%4$I',
                   health_score._outcome_sql(m, outcome), m.target_schema, m.source, m.key)
       INTO result;
    RETURN result;
END;
$$;

COMMENT ON FUNCTION health_score.model_auc(text, text) IS
  'ROC AUC of the model''s score against a bad outcome (a boolean expression over the source): 1 when every customer with the outcome scores below every other, about 0.5 for a score that tells nothing.';

CREATE FUNCTION health_score.explain(model text, key text)
RETURNS TABLE (metric text, category text, raw_value text, metric_score float8, weight float8,
               share float8, points float8, points_to_gain float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(explain.model);
    x health_score.metric;
    arms text[] := '{}';
BEGIN
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        arms := arms || format('(%L, %L, (%s)::text, %s, %s, %s)', x.name, x.category, x.expression,
                               health_score._metric_score_sql(m, x,
                                   health_score._metric_value_sql(m, x.name, x.expression)),
                               health_score._metric_weight_sql(m, x), x.position);
    END LOOP;
    -- points: the metric's part of the weighted mean; points to gain: how
    -- much the score would rise with the metric at 100 (a missing metric
    -- would also join the mean)
    RETURN QUERY EXECUTE format($q$WITH metrics AS (
    SELECT v.metric, v.category, v.raw_value, v.metric_score, v.weight, v.position
      FROM %1$s AS src,
           LATERAL (VALUES %2$s) AS v(metric, category, raw_value, metric_score, weight, position)
     WHERE src.%3$I = $1::%4$s
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
       END
  FROM metrics AS mm, sums AS s
 ORDER BY 8 DESC NULLS LAST, mm.position$q$,
                  m.source, array_to_string(arms, ', '), m.key, health_score._key_type_sql(m))
    USING explain.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no customer %', m.name, quote_literal(explain.key)
              USING ERRCODE = '42704';
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score.explain(text, text) IS
  'Each metric''s part in one customer''s score, what would help most first: raw value, 0-100 score, weight (with its segment override), share of the weight present, points (share x score: they add up to the unrounded score) and points to gain (what the score would gain with the metric at 100). A missing metric has NULL value, score, share and points; what it would add if present at 100 is its points to gain.';

CREATE FUNCTION health_score.suggest_weights(model text, outcome text, ridge float8 DEFAULT 1)
RETURNS TABLE (metric text, current_weight float8, suggested_weight float8, coefficient float8,
               wrong_sign boolean, auc_current float8, auc_suggested float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(suggest_weights.model);
    names text[];
    current_weights float8[];
    score_columns text;
    joined text;
    beta float8[];
    suggested float8[];
    total float8;
    before float8;
    after float8;
BEGIN
    SELECT array_agg(x.name ORDER BY x.position), array_agg(x.weight ORDER BY x.position),
           string_agg(format('s.%I', x.name || '_score'), ', ' ORDER BY x.position)
      INTO names, current_weights, score_columns
      FROM health_score.metric AS x WHERE x.model = m.name;
    joined := format('%1$I.scores AS s JOIN %2$s AS src ON src.%3$I = s.%3$I',
                     m.target_schema, m.source, m.key);
    EXECUTE format('SELECT health_score.logistic_fit(ARRAY[%s], %s, $1), health_score.auc(s.score, %2$s) FROM %3$s',
                   score_columns, health_score._outcome_sql(m, outcome), joined)
       INTO beta, before USING ridge;
    IF beta IS NULL THEN
        RAISE EXCEPTION 'outcome % is the same for every customer of model "%"', quote_literal(outcome), m.name
              USING ERRCODE = '22023';
    END IF;
    -- a health score should fall as risk rises: a metric helps when its
    -- coefficient on the bad outcome is negative
    suggested := ARRAY(SELECT greatest(-b, 0) FROM unnest(beta[2:]) AS b);
    total := (SELECT sum(w) FROM unnest(suggested) AS w);
    IF total > 0 THEN
        suggested := ARRAY(SELECT 100 * w / total FROM unnest(suggested) AS w);
        EXECUTE format('SELECT health_score.auc(health_score.weighted_score(ARRAY[%s], $1), %s) FROM %s',
                       score_columns, health_score._outcome_sql(m, outcome), joined)
           INTO after USING suggested;
    ELSE
        suggested := NULL;
    END IF;
    RETURN QUERY
    SELECT u.name, u.weight, u.suggestion, u.coefficient, u.coefficient > 0, before, after
      FROM unnest(names, current_weights, suggested, beta[2:]) AS u(name, weight, suggestion, coefficient)
     WHERE u.name IS NOT NULL;
END;
$$;

COMMENT ON FUNCTION health_score.suggest_weights(text, text, float8) IS
  'Weights the outcome supports: a logistic regression (logistic_fit, with ridge) of the bad outcome on the model''s metric scores, each metric weighted by its negative coefficient, the weights summing to 100. A metric whose coefficient has the wrong sign (a higher score going with more of the outcome) gets 0 and wrong_sign. With the AUC of the current score and of the suggested weights. Changes nothing: apply_weights does.';

CREATE FUNCTION health_score.apply_weights(model text, weights jsonb)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._model_for_update(apply_weights.model);
    entry record;
BEGIN
    IF weights IS NULL OR jsonb_typeof(weights) <> 'object' THEN
        RAISE EXCEPTION 'weights must be a JSON object of metric names and weights, not %', weights
              USING ERRCODE = '22023';
    END IF;
    FOR entry IN SELECT * FROM jsonb_each(weights) LOOP
        IF NOT EXISTS (SELECT FROM health_score.metric AS x WHERE x.model = m.name AND x.name = entry.key) THEN
            RAISE EXCEPTION 'metric "%" does not exist in model "%"', entry.key, m.name
                  USING ERRCODE = '42704';
        ELSIF jsonb_typeof(entry.value) <> 'number' THEN
            RAISE EXCEPTION 'metric "%": weight must be a number, not %', entry.key, entry.value
                  USING ERRCODE = '22023';
        END IF;
        PERFORM health_score._check_weight(entry.key, entry.value::text::float8, 'weight');
        UPDATE health_score.metric AS x SET weight = entry.value::text::float8
         WHERE x.model = m.name AND x.name = entry.key;
    END LOOP;
    IF (SELECT sum(x.weight) FROM health_score.metric AS x WHERE x.model = m.name) <= 0 THEN
        RAISE EXCEPTION 'weights of model "%" must not all be zero', m.name USING ERRCODE = '22023';
    END IF;
    RETURN health_score._bump_version(m.name, format('applied weights %s', weights));
END;
$$;

COMMENT ON FUNCTION health_score.apply_weights(text, jsonb) IS
  'Sets the weights of the metrics named in weights ({"logins": 30, ...}), for example those suggest_weights() returned; other metrics keep theirs. Returns the model''s new version; build() again to use them.';
