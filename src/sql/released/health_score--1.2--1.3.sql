/* health_score--1.2--1.3.sql: fixes to 1.2's models.

   - A history partition created by snapshot() had no row-level security
     of its own (a partition does not inherit its parent's), so a role
     given SELECT on it, by default privileges or GRANT ... ON ALL
     TABLES, read every customer's history.  Partitions now enable
     row-level security with no policy: only their owner reads them
     directly, everyone else through history and its policy.  Existing
     partitions are mended below.
   - The history's policy, validate(), model_auc(), suggest_weights()
     and explain() compared the source's key with the views' without a
     cast, so build() failed for a model whose key the views show as
     text (uuid, date, ...), and so did those functions.
   - The catalog's policies called pg_has_role() on the owner's name,
     which fails for every other writer once the owner role is dropped.
   - Two SQL helpers, inlined and so left without a pinned search_path,
     named the type text unqualified.
   - Checking a metric's expression dropped its temporary view as
     pg_temp.<name>, which fails in a database with Citus: no model could
     be defined there.
   - Citus splits an aggregate into partial aggregates on the workers and
     a combine on the coordinator only when its state has a real type,
     which it ships as text; every aggregate had an internal state, so
     Citus pulled every row to the coordinator.  The survey aggregates,
     band_counts, trend, sparkline and logistic_fit now keep their state
     in a type of its own (tally_state, trend_state, sparkline_state,
     logistic_state) whose text form is the serialized state in hex.
     Results, parallel plans and speed are unchanged.
*/

\echo Use "ALTER EXTENSION health_score UPDATE TO '1.3'" to load this file. \quit

------------------------------------------------------------------------
-- Who may change a model
------------------------------------------------------------------------

-- Whether the current user is a member of a model's owner role.  Once
-- that role has been dropped (DROP OWNED leaves the catalog's rows), the
-- model belongs to superusers alone, rather than every check naming it
-- failing with "role does not exist".
CREATE FUNCTION health_score._is_model_owner(owner name)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT pg_has_role(current_user, r.oid, 'MEMBER')
                       FROM pg_roles AS r WHERE r.rolname = owner),
                    (SELECT r.rolsuper FROM pg_roles AS r WHERE r.rolname = current_user))
$$;

COMMENT ON FUNCTION health_score._is_model_owner(name) IS
  'Internal: whether the current user is a member of the role named owner; false if there is no such role.';

ALTER POLICY owned ON health_score.model
  USING (health_score._is_model_owner(owner))
  WITH CHECK (health_score._is_model_owner(owner));
ALTER POLICY owned ON health_score.metric
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = metric.model
                    AND health_score._is_model_owner(hm.owner)));
ALTER POLICY owned ON health_score.model_version
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = model_version.model
                    AND health_score._is_model_owner(hm.owner)));

CREATE OR REPLACE FUNCTION health_score._require_owner(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT health_score._is_model_owner(m.owner) THEN
        RAISE EXCEPTION 'must be owner of model "%"', m.name
              USING ERRCODE = '42501',
                    DETAIL = format('Model "%s" belongs to role "%s".', m.name, m.owner);
    END IF;
END;
$$;

------------------------------------------------------------------------
-- Names every inlined helper qualifies
------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION health_score._reserved_columns()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT '{score,band,grade,percentile,segment_percentile,rank,coverage,computed_at,
             taken_on,model_version,metric_scores,contributions,previous_on,previous_score,
             previous_band,top_mover,top_mover_change,delta_wow,delta_mom,band_change,
             dropped_band,slope_90d,sparkline,customers,share,average_score,health_score_weights,
             health_score_total_weight}'::pg_catalog.text[]
$$;

CREATE OR REPLACE FUNCTION health_score._built_views()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{scores_mv,red,yellow,green,segment_summary,dropped,trend,scores}'::pg_catalog.text[] $$;

------------------------------------------------------------------------
-- The history: its policy, and row-level security on every partition
------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION health_score._create_history(m health_score.model)
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
    -- compare in the history's key type, as the views do: a uuid or date
    -- key is text there
    EXECUTE format('CREATE POLICY visible_in_source ON %1$s.history FOR SELECT USING (EXISTS (SELECT FROM %2$s AS src WHERE (src.%3$I)::%4$s = history.%3$I))',
                   schema_name, m.source, m.key, health_score._key_type_sql(m));
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

-- The partition of a model's history that holds a day's rows, created
-- when missing.  Callers hold the model's snapshot lock.  A partition
-- does not inherit the history's row-level security: it enables its
-- own, with no policy, so that nobody but its owner reads it directly.
CREATE OR REPLACE FUNCTION health_score._history_partition(m health_score.model, day date)
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
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY',
                       m.target_schema, partition_name);
    END IF;
END;
$$;

-- Mend the partitions 1.2 created.
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN
        SELECT i.inhrelid::regclass
          FROM health_score.model AS m
          JOIN pg_catalog.pg_inherits AS i
            ON i.inhparent = pg_catalog.to_regclass(pg_catalog.format('%I.history', m.target_schema))
          JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
         WHERE NOT c.relrowsecurity
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    END LOOP;
END;
$$;

------------------------------------------------------------------------
-- Validation: the scores view joined to its source, for an outcome over
-- the source's columns, with the key compared in the views' type (1.2
-- compared a uuid key with its text, and failed)
------------------------------------------------------------------------

CREATE FUNCTION health_score._scores_join_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('%1$I.scores AS s JOIN %2$s AS src ON (src.%3$I)::%4$s = s.%3$I',
                  m.target_schema, m.source, m.key, health_score._key_type_sql(m))
$$;

COMMENT ON FUNCTION health_score._scores_join_sql(health_score.model) IS
  'Internal: the FROM clause joining a model''s scores view (as s) to its source (as src).';

CREATE OR REPLACE FUNCTION health_score.validate(model text, outcome text)
RETURNS TABLE (band text, customers bigint, outcome_rate float8, lift float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(validate.model);
BEGIN
    RETURN QUERY EXECUTE format($q$WITH joined AS (
    SELECT coalesce(s.band, 'unscored') AS band, %1$s AS bad
      FROM %2$s
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
                  health_score._outcome_sql(m, outcome), health_score._scores_join_sql(m));
END;
$$;

CREATE OR REPLACE FUNCTION health_score.model_auc(model text, outcome text)
RETURNS float8
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score._built_model(model_auc.model);
    result float8;
BEGIN
    EXECUTE format('SELECT health_score.auc(s.score, %1$s) FROM %2$s',
                   health_score._outcome_sql(m, outcome), health_score._scores_join_sql(m))
       INTO result;
    RETURN result;
END;
$$;

CREATE OR REPLACE FUNCTION health_score.explain(model text, key text)
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
       END
  FROM metrics AS mm, sums AS s
 ORDER BY 8 DESC NULLS LAST, mm.position$q$,
                  m.source, array_to_string(arms, ', '), m.key, health_score._column_type(m.source, m.key))
    USING explain.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no customer %', m.name, quote_literal(explain.key)
              USING ERRCODE = '42704';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION health_score.suggest_weights(model text, outcome text, ridge float8 DEFAULT 1)
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
    joined := health_score._scores_join_sql(m);
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

------------------------------------------------------------------------
-- Checking an expression where Citus is installed
------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION health_score._expression_type(m health_score.model, what text, expression text)
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
        -- unqualified: the search_path ends with pg_temp, and Citus takes
        -- a qualified pg_temp for a schema of that name, which is not there
        DROP VIEW health_score_expression_check;
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

------------------------------------------------------------------------
-- Aggregate states Citus can ship: distribution and auc
------------------------------------------------------------------------

-- Citus splits an aggregate into partial aggregates on the workers and a
-- combine on the coordinator only when its state has a real type: it
-- ships each partial state as that type's text.  distribution() and auc()
-- kept an internal state, so Citus pulled every row to the coordinator.
-- Their state is now the distribution type itself, expanded in memory
-- while the aggregate runs, so that adding a row costs what it did; the
-- results, the parallel plans and the speed are unchanged.  CREATE OR
-- REPLACE AGGREGATE keeps the aggregates, and the views that use them.
-- SSPACE is the size PostgreSQL assumes for an internal state, so that
-- the planner weighs hashing against sorting as it did.

CREATE FUNCTION health_score.distribution_accum(dist health_score.distribution, value float8)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_accum_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(health_score.distribution, float8) IS
  'Transition function of distribution(value): dist, a distribution without segments, with value added. A NULL dist is empty; a NULL value adds nothing; NaN is an error.';

CREATE FUNCTION health_score.distribution_accum(dist health_score.distribution, value float8, segment text)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_accum_segment_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(health_score.distribution, float8, text) IS
  'Transition function of distribution(value, segment): dist, a distribution with segments, with value added to its segment (a NULL segment is a segment of its own). A NULL dist is empty; a NULL value adds nothing; NaN is an error.';

CREATE FUNCTION health_score.distribution_combine(a health_score.distribution, b health_score.distribution)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_combine_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_combine(health_score.distribution, health_score.distribution) IS
  'Combine function of distribution() and auc(): every value of a and of b, segment by segment. NULL when both are NULL; a and b must both have segments or both have none.';

CREATE FUNCTION health_score.distribution_final(dist health_score.distribution)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_final_v1_3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_final(health_score.distribution) IS
  'Final function of distribution(): the state as a distribution value.';

CREATE FUNCTION health_score.auc_accum(state health_score.distribution, score float8, outcome boolean)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_auc_accum_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_accum(health_score.distribution, float8, boolean) IS
  'Transition function of auc(): state, the scores so far as a distribution with segments "t" (outcome true: churned) and "f", with score added to its outcome''s segment. A NULL state is empty; a NULL score or outcome adds nothing; NaN is an error.';

CREATE FUNCTION health_score.auc_final(state health_score.distribution)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_auc_final_v1_3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_final(health_score.distribution) IS
  'Final function of auc(): the AUC of the scores in state''s segments "t" (churned) and "f"; NULL when either is empty.';

CREATE OR REPLACE AGGREGATE health_score.distribution(value float8) (
  SFUNC = health_score.distribution_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.distribution(value float8, segment text) (
  SFUNC = health_score.distribution_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

-- The state is the distribution aggregate's, one segment per class.
CREATE OR REPLACE AGGREGATE health_score.auc(score float8, outcome boolean) (
  SFUNC = health_score.auc_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.auc_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

DROP FUNCTION health_score.distribution_accum(internal, float8);
DROP FUNCTION health_score.distribution_accum(internal, float8, text);
DROP FUNCTION health_score.distribution_combine(internal, internal);
DROP FUNCTION health_score.distribution_final(internal);
DROP FUNCTION health_score.distribution_serialize(internal);
DROP FUNCTION health_score.distribution_deserialize(bytea, internal);
DROP FUNCTION health_score.auc_accum(internal, float8, boolean);
DROP FUNCTION health_score.auc_final(internal);

------------------------------------------------------------------------
-- Aggregate states Citus can ship: survey, band counts, trend, sparkline, logistic_fit
--
-- Each family's state becomes a type of its own, a varlena holding the
-- C struct the aggregate works on.  Its text form is the state's
-- serialized bytes (version byte first) in bytea's hex format, and its
-- input function checks them as the deserialize functions did: Citus
-- ships partial states as that text.  The transition functions change
-- the state in place, as float8_accum does, so that nodeAgg copies
-- nothing per row.  CREATE OR REPLACE AGGREGATE switches each aggregate
-- to its new state and functions while views that use it keep working;
-- the internal-state functions are dropped after.
------------------------------------------------------------------------

-- The counting aggregates: nps, csat, ces, band_counts

CREATE TYPE health_score.tally_state;

CREATE FUNCTION health_score.tally_state_in(cstring)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_tally_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_state_in(cstring) IS
  'Input function of tally_state: \x and hex digits, as tally_state_out writes; rejects truncated or corrupt states.';

CREATE FUNCTION health_score.tally_state_out(health_score.tally_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'hs_tally_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_state_out(health_score.tally_state) IS
  'Output function of tally_state: the serialized state in hex, \x first.';

CREATE TYPE health_score.tally_state (
  INPUT = health_score.tally_state_in,
  OUTPUT = health_score.tally_state_out,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = plain
);

COMMENT ON TYPE health_score.tally_state IS
  'State of the counting aggregates (nps, csat, ces, band_counts): a few counters. Its text form is how Citus ships partial states.';

CREATE FUNCTION health_score.tally_combine(health_score.tally_state, health_score.tally_state)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_tally_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_combine(health_score.tally_state, health_score.tally_state) IS
  'Combine function of the counting aggregates (nps, csat, ces, band_counts): adds the counters.';

CREATE FUNCTION health_score.nps_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_nps_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_accum(health_score.tally_state, integer) IS
  'Transition function of nps().';

CREATE FUNCTION health_score.nps_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_nps_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_final(health_score.tally_state) IS
  'Final function of nps().';

CREATE FUNCTION health_score.csat_accum(health_score.tally_state, integer, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(health_score.tally_state, integer, integer) IS
  'Transition function of csat().';

CREATE FUNCTION health_score.csat_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(health_score.tally_state, integer) IS
  'Transition function of csat(rating), on a 1-5 scale.';

CREATE FUNCTION health_score.csat_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_csat_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_final(health_score.tally_state) IS
  'Final function of csat().';

CREATE FUNCTION health_score.ces_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_ces_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_accum(health_score.tally_state, integer) IS
  'Transition function of ces().';

CREATE FUNCTION health_score.ces_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_ces_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_final(health_score.tally_state) IS
  'Final function of ces().';

CREATE FUNCTION health_score.band_counts_accum(health_score.tally_state, float8)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(health_score.tally_state, float8) IS
  'Transition function of band_counts(score).';

CREATE FUNCTION health_score.band_counts_accum(health_score.tally_state, float8, float8, float8)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(health_score.tally_state, float8, float8, float8) IS
  'Transition function of band_counts(score, red_below, green_from).';

CREATE FUNCTION health_score.band_counts_final(health_score.tally_state)
RETURNS health_score.band_counts
AS 'MODULE_PATHNAME', 'hs_band_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_final(health_score.tally_state) IS
  'Final function of band_counts().';

CREATE OR REPLACE AGGREGATE health_score.nps(rating integer) (
  SFUNC = health_score.nps_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.nps_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.csat(rating integer, scale_max integer) (
  SFUNC = health_score.csat_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.csat(rating integer) (
  SFUNC = health_score.csat_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.ces(rating integer) (
  SFUNC = health_score.ces_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.ces_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.band_counts(score float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.band_counts(score float8, red_below float8, green_from float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

DROP FUNCTION health_score.nps_accum(internal, integer);
DROP FUNCTION health_score.nps_final(internal);
DROP FUNCTION health_score.csat_accum(internal, integer, integer);
DROP FUNCTION health_score.csat_accum(internal, integer);
DROP FUNCTION health_score.csat_final(internal);
DROP FUNCTION health_score.ces_accum(internal, integer);
DROP FUNCTION health_score.ces_final(internal);
DROP FUNCTION health_score.band_counts_accum(internal, float8);
DROP FUNCTION health_score.band_counts_accum(internal, float8, float8, float8);
DROP FUNCTION health_score.band_counts_final(internal);
DROP FUNCTION health_score.tally_combine(internal, internal);
DROP FUNCTION health_score.tally_serialize(internal);
DROP FUNCTION health_score.tally_deserialize(bytea, internal);

-- trend

CREATE TYPE health_score.trend_state;

CREATE FUNCTION health_score.trend_state_in(cstring)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_state_in(cstring) IS
  'Input function of trend_state: \x and hex digits, as trend_state_out writes; rejects truncated or inconsistent states.';

CREATE FUNCTION health_score.trend_state_out(health_score.trend_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'hs_trend_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_state_out(health_score.trend_state) IS
  'Output function of trend_state: the serialized state in hex, \x first.';

CREATE TYPE health_score.trend_state (
  INPUT = health_score.trend_state_in,
  OUTPUT = health_score.trend_state_out,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = plain
);

COMMENT ON TYPE health_score.trend_state IS
  'State of the trend aggregates: count, first, last and previous points, score range, least-squares sums. Its text form is how Citus ships partial states.';

CREATE FUNCTION health_score.trend_accum(health_score.trend_state, timestamptz, float8)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(health_score.trend_state, timestamptz, float8) IS
  'Transition function of trend(timestamptz, float8).';

CREATE FUNCTION health_score.trend_accum(health_score.trend_state, date, float8)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(health_score.trend_state, date, float8) IS
  'Transition function of trend(date, float8).';

CREATE FUNCTION health_score.trend_combine(health_score.trend_state, health_score.trend_state)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_combine(health_score.trend_state, health_score.trend_state) IS
  'Combine function of trend(): merges two partial states.';

CREATE FUNCTION health_score.trend_final(health_score.trend_state)
RETURNS health_score.trend_summary
AS 'MODULE_PATHNAME', 'hs_trend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_final(health_score.trend_state) IS
  'Final function of trend(timestamptz, float8).';

CREATE FUNCTION health_score.trend_final_date(health_score.trend_state)
RETURNS health_score.trend_summary_date
AS 'MODULE_PATHNAME', 'hs_trend_final_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_final_date(health_score.trend_state) IS
  'Final function of trend(date, float8).';

CREATE OR REPLACE AGGREGATE health_score.trend(taken_at timestamptz, score float8) (
  SFUNC = health_score.trend_accum,
  STYPE = health_score.trend_state,
  SSPACE = 128,
  FINALFUNC = health_score.trend_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.trend_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.trend(taken_on date, score float8) (
  SFUNC = health_score.trend_accum,
  STYPE = health_score.trend_state,
  SSPACE = 128,
  FINALFUNC = health_score.trend_final_date,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.trend_combine,
  PARALLEL = SAFE
);

DROP FUNCTION health_score.trend_accum(internal, timestamptz, float8);
DROP FUNCTION health_score.trend_accum(internal, date, float8);
DROP FUNCTION health_score.trend_final(internal);
DROP FUNCTION health_score.trend_final_date(internal);
DROP FUNCTION health_score.trend_combine(internal, internal);
DROP FUNCTION health_score.trend_serialize(internal);
DROP FUNCTION health_score.trend_deserialize(bytea, internal);

-- sparkline

CREATE TYPE health_score.sparkline_state;

CREATE FUNCTION health_score.sparkline_state_in(cstring)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_state_in(cstring) IS
  'Input function of sparkline_state: \x and hex digits, as sparkline_state_out writes; rejects truncated or corrupt states.';

CREATE FUNCTION health_score.sparkline_state_out(health_score.sparkline_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'hs_sparkline_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_state_out(health_score.sparkline_state) IS
  'Output function of sparkline_state: the serialized state in hex, \x first.';

CREATE TYPE health_score.sparkline_state (
  INPUT = health_score.sparkline_state_in,
  OUTPUT = health_score.sparkline_state_out,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);

COMMENT ON TYPE health_score.sparkline_state IS
  'State of the sparkline aggregates: every (time, score) point of the group. Its text form is how Citus ships partial states.';

CREATE FUNCTION health_score.sparkline_accum(health_score.sparkline_state, timestamptz, float8)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(health_score.sparkline_state, timestamptz, float8) IS
  'Transition function of sparkline(timestamptz, float8).';

CREATE FUNCTION health_score.sparkline_accum(health_score.sparkline_state, date, float8)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(health_score.sparkline_state, date, float8) IS
  'Transition function of sparkline(date, float8).';

CREATE FUNCTION health_score.sparkline_combine(health_score.sparkline_state, health_score.sparkline_state)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_combine(health_score.sparkline_state, health_score.sparkline_state) IS
  'Combine function of the sparkline aggregate.';

CREATE FUNCTION health_score.sparkline_final(health_score.sparkline_state)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_sparkline_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_final(health_score.sparkline_state) IS
  'Final function of the sparkline aggregate.';

CREATE OR REPLACE AGGREGATE health_score.sparkline(taken_at timestamptz, score float8) (
  SFUNC = health_score.sparkline_accum,
  STYPE = health_score.sparkline_state,
  SSPACE = 256,
  FINALFUNC = health_score.sparkline_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.sparkline_combine,
  PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE health_score.sparkline(taken_on date, score float8) (
  SFUNC = health_score.sparkline_accum,
  STYPE = health_score.sparkline_state,
  SSPACE = 256,
  FINALFUNC = health_score.sparkline_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.sparkline_combine,
  PARALLEL = SAFE
);

DROP FUNCTION health_score.sparkline_accum(internal, timestamptz, float8);
DROP FUNCTION health_score.sparkline_accum(internal, date, float8);
DROP FUNCTION health_score.sparkline_final(internal);
DROP FUNCTION health_score.sparkline_combine(internal, internal);
DROP FUNCTION health_score.sparkline_serialize(internal);
DROP FUNCTION health_score.sparkline_deserialize(bytea, internal);

-- logistic_fit

CREATE TYPE health_score.logistic_state;

CREATE FUNCTION health_score.logistic_state_in(cstring)
RETURNS health_score.logistic_state
AS 'MODULE_PATHNAME', 'hs_logistic_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_state_in(cstring) IS
  'Input function of logistic_state: \x and hex digits, as logistic_state_out writes; rejects truncated or inconsistent states.';

CREATE FUNCTION health_score.logistic_state_out(health_score.logistic_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'hs_logistic_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_state_out(health_score.logistic_state) IS
  'Output function of logistic_state: the serialized state in hex, \x first.';

CREATE TYPE health_score.logistic_state (
  INPUT = health_score.logistic_state_in,
  OUTPUT = health_score.logistic_state_out,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);

COMMENT ON TYPE health_score.logistic_state IS
  'State of logistic_fit(): the number of features, the ridge and every row (features and outcome), at most 1GB. Its text form is how Citus ships partial states.';

CREATE FUNCTION health_score.logistic_accum(health_score.logistic_state, float8[], boolean, float8)
RETURNS health_score.logistic_state
AS 'MODULE_PATHNAME', 'hs_logistic_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_accum(health_score.logistic_state, float8[], boolean, float8) IS
  'Transition function of logistic_fit().';

CREATE FUNCTION health_score.logistic_combine(health_score.logistic_state, health_score.logistic_state)
RETURNS health_score.logistic_state
AS 'MODULE_PATHNAME', 'hs_logistic_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_combine(health_score.logistic_state, health_score.logistic_state) IS
  'Combine function of logistic_fit().';

CREATE FUNCTION health_score.logistic_final(health_score.logistic_state)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_logistic_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_final(health_score.logistic_state) IS
  'Final function of logistic_fit(): the Newton iteration. Fills in missing features in the state.';

CREATE OR REPLACE AGGREGATE health_score.logistic_fit(features float8[], outcome boolean, ridge float8) (
  SFUNC = health_score.logistic_accum,
  STYPE = health_score.logistic_state,
  FINALFUNC = health_score.logistic_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = health_score.logistic_combine,
  PARALLEL = SAFE
);

DROP FUNCTION health_score.logistic_accum(internal, float8[], boolean, float8);
DROP FUNCTION health_score.logistic_final(internal);
DROP FUNCTION health_score.logistic_combine(internal, internal);
DROP FUNCTION health_score.logistic_serialize(internal);
DROP FUNCTION health_score.logistic_deserialize(bytea, internal);
