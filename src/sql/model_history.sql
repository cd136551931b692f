/*
 * Scoring models over time: the history table, snapshot, drop_snapshot and
 * prune_history, the alerts snapshot sends (set_alerts), and the trend
 * views' SQL (tests sql/trend.sql, sql/model_snapshots.sql,
 * sql/model_alerts.sql, test/t/alerts.sh).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- Create the history and snapshots tables of a model, once.  build()
-- calls it; nothing ever drops them but drop_model(..., drop_history).
CREATE OR REPLACE FUNCTION health_score_internal._create_history(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    segment_columns text := (SELECT string_agg(format('%I text', seg), ', ' ORDER BY o)
                               FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o));
    segment text;
BEGIN
    IF to_regclass(schema_name || '.history') IS NOT NULL THEN
        -- a history taken before 1.4 gains the columns of stale data and
        -- overrides, NULL in its rows
        IF NOT 'overridden' = ANY (health_score_internal._columns_of(to_regclass(schema_name || '.history'))) THEN
            EXECUTE format('ALTER TABLE %s.history ADD COLUMN stale integer, ADD COLUMN overridden integer',
                           schema_name);
        END IF;
        IF NOT 'revenue' = ANY (health_score_internal._columns_of(to_regclass(schema_name || '.history'))) THEN
            EXECUTE format('ALTER TABLE %s.history ADD COLUMN revenue float8, ADD COLUMN parent %s',
                           schema_name, health_score_internal._key_type_sql(m));
            PERFORM health_score_internal._comment_history_tail(m);
        END IF;
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
    stale              integer,
    overridden         integer,
    revenue            float8,
    parent             %5$s,
    PRIMARY KEY (%2$I, taken_on)
) PARTITION BY RANGE (taken_on)$q$,
                   schema_name, m.key, health_score_internal._key_type_sql(m),
                   coalesce(segment_columns || ',', ''), health_score_internal._key_type_sql(m));
    -- history is a copy of customer rows: show a reader only the
    -- customers the source shows them, so its row-level security holds
    EXECUTE format('ALTER TABLE %s.history ENABLE ROW LEVEL SECURITY', schema_name);
    EXECUTE health_score_internal._visible_in_source_sql(m, 'history');
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
    FOR segment IN SELECT unnest(m.segments) LOOP
        EXECUTE format('COMMENT ON COLUMN %s.history.%I IS %L', schema_name, segment,
                       format('Segment: %s of %s at the snapshot, as text.', segment, m.source));
    END LOOP;
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
    EXECUTE format('COMMENT ON COLUMN %s.history.sparkline IS %L', schema_name, 'The scores of the 12 snapshots up to this one, oldest first, as block characters on the 0-100 scale (▁ below 12.5, █ from 87.5).');
    PERFORM health_score_internal._comment_history_tail(m);
    PERFORM health_score_internal._distribute_like_source(m, to_regclass(schema_name || '.history'));
END;
$$;

COMMENT ON FUNCTION health_score_internal._create_history(health_score.model) IS
  'Internal: creates a model''s history and snapshots tables if they do not exist.';

-- The comments of the history columns 1.4 added.
CREATE OR REPLACE FUNCTION health_score_internal._comment_history_tail(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM health_score_internal._comment_columns(format('%I.history', m.target_schema), ARRAY[
        'stale', 'How many metrics had a value older than their valid_for at the snapshot, left out as missing; NULL in snapshots taken before health_score 1.4.',
        'overridden', 'How many metric scores were set by hand (health_score.override) at the snapshot: metric_scores holds the overrides; NULL in snapshots taken before health_score 1.4.',
        'revenue', 'The customer''s revenue at the snapshot (the model''s revenue); NULL without one.',
        'parent', 'The customer''s parent account at the snapshot (the model''s parent); NULL without one. account_trend rolls the history up by it.']);
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_history_tail(health_score.model) IS
  'Internal: comments the columns 1.4 added to a model''s history: stale, overridden, revenue and parent.';

-- The SQL of the trend view.
CREATE OR REPLACE FUNCTION health_score_internal._trend_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    segment_columns text := health_score_internal._segment_columns(m, 'cur');
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

COMMENT ON FUNCTION health_score_internal._trend_sql(health_score.model) IS
  'Internal: the SQL of a model''s trend view.';

-- The SQL of a history row's metric_scores and contributions, over a row
-- src of scores_mv (src/snapshot_row.c).
CREATE OR REPLACE FUNCTION health_score_internal._history_objects_sql(m health_score.model,
                                                          OUT metric_scores text,
                                                          OUT contributions text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('health_score_internal._metric_scores_object(%L::text[], %s)', names, scores),
           format('health_score_internal._contributions_object(%L::text[], %s, %s)', names, weights, scores)
      FROM (SELECT array_agg(x.name ORDER BY x.position) AS names,
                   format('ARRAY[%s]::float8[]',
                          string_agg(format('src.%I', x.name || '_score'), ', ' ORDER BY x.position)) AS scores,
                   format('ARRAY[%s]::float8[]',
                          string_agg(health_score_internal._metric_weight_sql(m, x, false), ', ' ORDER BY x.position)) AS weights
              FROM health_score_internal._built_metrics(m) AS x) AS metrics
$$;

COMMENT ON FUNCTION health_score_internal._history_objects_sql(health_score.model) IS
  'Internal: the SQL of a customer''s metric scores and contributions as jsonb, over a row src of scores_mv.';

CREATE OR REPLACE FUNCTION health_score_internal._metric_scores_object(names text[], scores float8[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hs_metric_scores_object'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score_internal._metric_scores_object(text[], float8[]) IS
  'Internal: {name: score} of the metrics whose score is not NULL, as jsonb_strip_nulls(jsonb_build_object(...)) makes it with extra_float_digits >= 1.';

-- VOLATILE, which it is not, as _model_row: the label keeps the planner
-- from pulling snapshot()'s subquery up, which would compute the object
-- once for each of the two places that read it (the column and the top
-- mover).
CREATE OR REPLACE FUNCTION health_score_internal._contributions_object(names text[], weights float8[], scores float8[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hs_contributions_object'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score_internal._contributions_object(text[], float8[], float8[]) IS
  'Internal: {name: weight x score / weight of the metrics present} of the metrics present; empty when that weight is 0 or unknown.';

CREATE OR REPLACE FUNCTION health_score_internal._snapshot_trend_accum(internal, date, float8, date, date)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_snapshot_trend_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._snapshot_trend_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_snapshot_trend_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._snapshot_trend_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_snapshot_trend_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._snapshot_trend_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_snapshot_trend_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._snapshot_trend_final(internal, date, float8, date, date)
RETURNS health_score_internal._snapshot_trend_figures
AS 'MODULE_PATHNAME', 'hs_snapshot_trend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE AGGREGATE health_score_internal._snapshot_trend(taken_on date, score float8, day date, sparkline_from date) (
  SFUNC = health_score_internal._snapshot_trend_accum,
  STYPE = internal,
  SSPACE = 296,
  FINALFUNC = health_score_internal._snapshot_trend_final,
  FINALFUNC_EXTRA,
  COMBINEFUNC = health_score_internal._snapshot_trend_combine,
  SERIALFUNC = health_score_internal._snapshot_trend_serialize,
  DESERIALFUNC = health_score_internal._snapshot_trend_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score_internal._snapshot_trend(date, float8, date, date) IS
  'Internal: the trend figures snapshot() stores for a customer taken on day: the last score at least 7 and at least 28 days before it, the least-squares slope over the points after day - 90, and the sparkline of the points from sparkline_from on, drawn on the 0-100 scale; as trend() and sparkline(scores, 0, 100) filtered to those points give them.';

-- The partition of a model's history that holds a day's rows, created
-- when missing, and owned as the history is: a superuser's snapshot
-- (a pg_cron job's, say) would otherwise leave a partition that the
-- model's owner could neither prune nor drop.  Callers hold the model's
-- snapshot lock.
CREATE OR REPLACE FUNCTION health_score_internal._history_partition(m health_score.model, day date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_start date := date_trunc('month', day)::date;
    partition_name text := 'history_' || to_char(month_start, 'YYYY_MM');
    history_owner name;
BEGIN
    IF to_regclass(format('%I.%I', m.target_schema, partition_name)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.history FOR VALUES FROM (%L) TO (%L)',
                       m.target_schema, partition_name,
                       m.target_schema, month_start, (month_start + interval '1 month')::date);
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY',
                       m.target_schema, partition_name);
        SELECT pg_get_userbyid(c.relowner) INTO history_owner
          FROM pg_catalog.pg_class AS c
         WHERE c.oid = to_regclass(format('%I.history', m.target_schema));
        IF history_owner <> current_user THEN
            EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', m.target_schema, partition_name, history_owner);
        END IF;
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._history_partition(health_score.model, date) IS
  'Internal: creates the monthly history partition of a day if it does not exist.';

-- Internal: the top mover of a snapshot's row (src/top_mover.c).
CREATE OR REPLACE FUNCTION health_score_internal._top_mover(current_contributions jsonb,
                                                previous_contributions jsonb)
RETURNS health_score_internal._mover
AS 'MODULE_PATHNAME', 'hs_top_mover'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score_internal._top_mover(jsonb, jsonb) IS
  'Internal: of the metrics in either contributions object (absent counts as 0), the one whose contribution changed most, and that change rounded to 0.1; the first by name on a tie; NULLs when none changed.';

-- Replace a model's history rows of a day by the rows of current_sql,
-- with the trend figures snapshot() stores, computed from the history
-- before the day.  current_sql gives the day's rows: the key, the
-- segments, score, band, grade, percentile, segment_percentile,
-- model_version, metric_scores, contributions, stale and overridden;
-- scores_sql the key and score of the same customers, the point the
-- trend figures end on (a narrower read, where current_sql is an
-- expensive view).  snapshot()
-- feeds it the stored scores; drop_snapshot() a later day's own history
-- rows, so that a later day is figured exactly as a snapshot of it would
-- have been.  Callers hold the model's snapshot lock, and the model's
-- snapshots table must list the days before this one as they are to
-- stand: the previous snapshot and the 12 the sparkline draws are read
-- from it.
CREATE OR REPLACE FUNCTION health_score_internal._write_history_day(m health_score.model, day date,
                                                                  current_sql text, scores_sql text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    previous_day date;
    sparkline_from date;
    written bigint;
BEGIN
    EXECUTE format('SELECT max(sn.taken_on) FROM %s.snapshots AS sn WHERE sn.taken_on < $1', schema_name)
       INTO previous_day USING day;
    -- the 12 snapshots the sparkline draws end with this one
    EXECUTE format('SELECT min(d) FROM (SELECT sn.taken_on FROM %s.snapshots AS sn WHERE sn.taken_on < $1 UNION SELECT $1 ORDER BY 1 DESC LIMIT 12) AS recent(d)',
                   schema_name)
       INTO sparkline_from USING day;

    -- Every figure of the trend view, computed here once per snapshot
    -- rather than on every read: one pass of _snapshot_trend over the
    -- customer's recent history and the day's score.  The history is read
    -- back 120 days, or to the first of the 12 snapshots the sparkline
    -- draws if that is earlier.
    --
    -- The rows are computed into a temporary table first: CREATE TABLE AS
    -- runs its query in parallel, an INSERT ... SELECT never does; and
    -- drop_snapshot() reads the day's rows it rewrites from the history
    -- itself.  The top mover is kept there whole, and its two fields read
    -- by the INSERT: named twice in this query, it would be computed twice.
    EXECUTE format($q$CREATE TEMPORARY TABLE health_score_snapshot AS
SELECT cur.%2$I, %3$scur.score, cur.band, cur.grade, cur.percentile, cur.segment_percentile,
       cur.model_version, cur.metric_scores, cur.contributions,
       prev.taken_on AS previous_on, prev.score AS previous_score, prev.band AS previous_band,
       health_score_internal._top_mover(cur.contributions, prev.contributions) AS mover,
       round((cur.score - (se.figures).week_ago)::numeric, 1)::float8 AS delta_wow,
       round((cur.score - (se.figures).month_ago)::numeric, 1)::float8 AS delta_mom,
       -- rounded twice, so that a slope a hair from a .xxx5 tie rounds
       -- the same whatever the order its sums were added in
       round(round((se.figures).slope_per_day::numeric, 9), 3)::float8 AS slope_90d,
       (se.figures).sparkline, cur.stale, cur.overridden, %9$s
  FROM (%4$s) AS cur
  JOIN (SELECT p.%2$I, health_score_internal._snapshot_trend(p.taken_on, p.score, %6$L::date, %8$L::date) AS figures
          FROM (SELECT h.%2$I, h.taken_on, h.score FROM %1$s.history AS h
                 WHERE h.taken_on < %6$L::date AND h.taken_on >= least(%6$L::date - 120, %8$L::date)
                UNION ALL
                SELECT c.%2$I, %6$L::date, c.score FROM (%5$s) AS c) AS p
         GROUP BY p.%2$I) AS se ON se.%2$I = cur.%2$I
  LEFT JOIN %1$s.history AS prev ON prev.taken_on = %7$L::date AND prev.%2$I = cur.%2$I$q$,
                   schema_name, m.key, health_score_internal._segment_columns(m, 'cur'),
                   current_sql, scores_sql,
                   -- ISO dates read back the same whatever the DateStyle
                   to_char(day, 'YYYY-MM-DD'), to_char(previous_day, 'YYYY-MM-DD'),
                   to_char(sparkline_from, 'YYYY-MM-DD'),
                   -- a revenue and a parent where the stored scores have them
                   (SELECT string_agg(CASE WHEN c = ANY (stored) THEN format('cur.%I', c)
                                           ELSE format('NULL::%s AS %I', t, c) END, ', ' ORDER BY o)
                      FROM (VALUES (1, 'revenue', 'float8'), (2, 'parent', health_score_internal._key_type_sql(m))) AS x(o, c, t),
                           LATERAL (SELECT health_score_internal._columns_of(to_regclass(schema_name || '.stored_scores')) AS stored) AS st));
    EXECUTE format('DELETE FROM %s.history AS h WHERE h.taken_on = $1', schema_name) USING day;
    EXECUTE format($q$INSERT INTO %1$s.history
SELECT $1, t.%2$I, %3$st.score, t.band, t.grade, t.percentile, t.segment_percentile,
       t.model_version, t.metric_scores, t.contributions,
       t.previous_on, t.previous_score, t.previous_band,
       (t.mover).metric, (t.mover).change, t.delta_wow, t.delta_mom, t.slope_90d, t.sparkline,
       t.stale, t.overridden, t.revenue, t.parent
  FROM pg_temp.health_score_snapshot AS t$q$,
                   schema_name, m.key, health_score_internal._segment_columns(m, 't'))
      USING day;
    GET DIAGNOSTICS written = ROW_COUNT;
    DROP TABLE pg_temp.health_score_snapshot;
    RETURN written;
END;
$$;

COMMENT ON FUNCTION health_score_internal._write_history_day(health_score.model, date, text, text) IS
  'Internal: replaces a model''s history rows of a day by the rows of current_sql, with the trend figures computed from the history before the day and the scores of scores_sql; returns the rows written.';

-- Alerts.  A model with alerts on (set_alerts) has snapshot() send a
-- NOTIFY on its channel for each customer the snapshot drops a band, so
-- that a job or a chat bot hears of it without polling the dropped view.
-- Opt-in: a payload goes to whoever LISTENs, with no row-level security
-- between it and the listener.

-- A model's channel: its name, a lower-case identifier of at most 40
-- characters, behind a prefix, so that it fits NAMEDATALEN and reads the
-- same quoted or not (LISTEN health_score_churn).
CREATE OR REPLACE FUNCTION health_score_internal._alert_channel(model_name text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN 'health_score_' || model_name;

COMMENT ON FUNCTION health_score_internal._alert_channel(text) IS
  'Internal: the NOTIFY channel of a model''s alerts, health_score_<name>.';

-- The payloads snapshot() sends for a day, in the order it sends them:
-- one per customer whose band fell since the previous snapshot (the rows
-- the dropped view shows when the day is the latest), worst drop first
-- as dropped orders them; or, when more than 100 customers dropped, or
-- a payload would pass NOTIFY's limit of 8000 bytes (which only a key of
-- thousands of bytes can make), a single summary: a storm of thousands
-- of notifications would fill the server's notification queue and say
-- less than the count.  Separate from snapshot() so that a regression
-- test can compare the payloads with the view in SQL, where a
-- notification itself cannot be read.
CREATE OR REPLACE FUNCTION health_score_internal._alert_payloads(m health_score.model, day date)
RETURNS SETOF text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- scores as the shortest text that reads back exactly, whatever the
-- caller's setting
SET extra_float_digits = 1
AS $$
DECLARE
    cap constant integer := 100;          -- the README documents it
    payload_limit constant integer := 8000;
    worst_shown constant integer := 10;
    drops jsonb[];
    summary jsonb;
    worst jsonb := '[]';
    drop_row jsonb;
BEGIN
    -- dropped_band and the order of the dropped view (_trend_sql,
    -- _create_views), over the day's rows rather than the latest's
    EXECUTE format($q$SELECT array_agg(jsonb_build_object(
           'alert', 'dropped', 'model', $2::text, 'taken_on', $1::date, 'key', h.%2$I,
           'previous_band', h.previous_band, 'band', h.band,
           'previous_score', h.previous_score, 'score', h.score,
           'delta', round((h.score - h.previous_score)::numeric, 1)::float8,
           'top_mover', h.top_mover, 'top_mover_change', h.top_mover_change)
         ORDER BY array_position('{red,yellow,green}'::text[], h.previous_band)
                  - array_position('{red,yellow,green}'::text[], h.band) DESC,
                  h.score - h.previous_score, h.%2$I)
  FROM %1$s.history AS h
 WHERE h.taken_on = $1
   AND array_position('{red,yellow,green}'::text[], h.band)
       < array_position('{red,yellow,green}'::text[], h.previous_band)$q$,
                   quote_ident(m.target_schema), m.key)
       INTO drops USING day, m.name;
    IF drops IS NULL THEN
        RETURN;
    END IF;
    IF cardinality(drops) <= cap
       AND NOT EXISTS (SELECT FROM unnest(drops) AS d(p) WHERE octet_length(d.p::text) >= payload_limit) THEN
        RETURN QUERY SELECT d.p::text FROM unnest(drops) WITH ORDINALITY AS d(p, i) ORDER BY d.i;
        RETURN;
    END IF;

    summary := jsonb_build_object(
        'alert', 'summary', 'model', m.name, 'taken_on', day,
        'dropped', cardinality(drops), 'cap', cap,
        'changes', (SELECT jsonb_object_agg(c.change, c.customers)
                      FROM (SELECT (d.p ->> 'previous_band') || '→' || (d.p ->> 'band') AS change,
                                   count(*) AS customers
                              FROM unnest(drops) AS d(p) GROUP BY 1) AS c));
    -- the worst drops, as many of the first ten as the limit leaves room for
    FOR drop_row IN SELECT d.p - '{alert,model,taken_on}'::text[]
                      FROM unnest(drops) WITH ORDINALITY AS d(p, i)
                     WHERE d.i <= worst_shown ORDER BY d.i LOOP
        EXIT WHEN octet_length((summary || jsonb_build_object('worst', worst || drop_row))::text) >= payload_limit;
        worst := worst || jsonb_build_array(drop_row);
    END LOOP;
    RETURN NEXT (summary || jsonb_build_object('worst', worst))::text;
END;
$$;

COMMENT ON FUNCTION health_score_internal._alert_payloads(health_score.model, date) IS
  'Internal: the JSON payloads snapshot() sends on the model''s channel for a day: one per customer whose band fell, worst drop first, or one summary when more than 100 fell.';

CREATE OR REPLACE FUNCTION health_score.set_alerts(model text, enabled boolean)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
BEGIN
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'enabled must not be NULL'
              USING ERRCODE = '22004',
                    HINT = 'Pass true to have snapshot() notify the model''s channel, false to stop it.';
    END IF;
    m := health_score_internal._model_for_update(set_alerts.model);
    UPDATE health_score.model AS hm SET alerts = set_alerts.enabled WHERE hm.name = m.name;
    RETURN health_score_internal._alert_channel(m.name);
END;
$$;

COMMENT ON FUNCTION health_score.set_alerts(text, boolean) IS
  'Turns a model''s alerts on or off: with them on, snapshot() sends a NOTIFY on channel health_score_<model> for each customer who dropped a band (one summary above 100), at commit. Payloads ignore row-level security: a listener sees what the model''s owner saw. The model''s owner only. Returns the channel.';

CREATE OR REPLACE FUNCTION health_score.snapshot(model text, taken_on date DEFAULT current_date,
                                               allow_future boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    m health_score.model;
    schema_name text;
    objects record;
    written bigint;
BEGIN
    m := health_score_internal._model(snapshot.model);
    PERFORM health_score_internal._require_owner(m);
    schema_name := quote_ident(m.target_schema);
    PERFORM health_score_internal._require_views(m);
    IF snapshot.taken_on IS NULL THEN
        RAISE EXCEPTION 'taken_on must not be NULL' USING ERRCODE = '22004';
    ELSIF snapshot.taken_on IN ('infinity'::date, '-infinity'::date) THEN
        RAISE EXCEPTION 'taken_on must be a finite date: %', snapshot.taken_on USING ERRCODE = '22008';
    ELSIF snapshot.taken_on > current_date AND NOT coalesce(allow_future, false) THEN
        -- every customer's trend would end on that day until it passes
        RAISE EXCEPTION 'taken_on % is after today, %', to_char(snapshot.taken_on, 'YYYY-MM-DD'),
                        to_char(current_date, 'YYYY-MM-DD')
              USING ERRCODE = '22008',
                    HINT = 'Pass allow_future => true to take a snapshot for a day ahead, as a test does.';
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
    -- the one pass over the source: today's scores, percentiles and
    -- ranks, the same that scores and scores_mv show from now on
    PERFORM health_score_internal._refresh_stored(m);
    PERFORM health_score_internal._history_partition(m, snapshot.taken_on);
    objects := health_score_internal._history_objects_sql(m);
    written := health_score_internal._write_history_day(m, snapshot.taken_on,
        format('SELECT src.*, %s AS model_version, %s AS metric_scores, %s AS contributions FROM %s.scores_mv AS src',
               m.built_version, objects.metric_scores, objects.contributions, schema_name),
        format('SELECT c.%I, c.score FROM %s.stored_scores AS c', m.key, schema_name));

    EXECUTE format($q$INSERT INTO %s.snapshots AS sn VALUES ($1, $2, $3, now())
ON CONFLICT (taken_on) DO UPDATE SET model_version = excluded.model_version,
    customers = excluded.customers, taken_at = excluded.taken_at$q$, schema_name)
      USING snapshot.taken_on, m.built_version, written;
    -- NOTIFY delivers at commit: a snapshot that fails or is rolled back
    -- alerts nobody
    IF m.alerts THEN
        PERFORM pg_notify(health_score_internal._alert_channel(m.name), p.payload)
           FROM health_score_internal._alert_payloads(m, snapshot.taken_on) AS p(payload);
    END IF;
    RETURN written;
END;
$$;

COMMENT ON FUNCTION health_score.snapshot(text, date, boolean) IS
  'Refreshes the model as refresh() does (the one pass over the source), then appends its scores from stored_scores to its history for the day taken_on (today by default; a later day only with allow_future), replacing that day''s rows if it was taken before; records, for each customer, the previous snapshot''s score and band and the metric that moved most. With the model''s alerts on (set_alerts), notifies channel health_score_<model> at commit of each customer who dropped a band. Concurrent calls for a model run one after the other. Returns the number of rows written.';

CREATE OR REPLACE FUNCTION health_score.drop_snapshot(model text, taken_on date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
    schema_name text;
    latest date;
    removed bigint;
    later record;
BEGIN
    m := health_score_internal._model(drop_snapshot.model);
    PERFORM health_score_internal._require_owner(m);
    IF drop_snapshot.taken_on IS NULL THEN
        RAISE EXCEPTION 'taken_on must not be NULL'
              USING ERRCODE = '22004',
                    HINT = format('Pass the day of a snapshot of model %s, as in health_score.drop_snapshot(%L, ''2026-09-10'').',
                                  m.name, m.name);
    ELSIF drop_snapshot.taken_on IN ('infinity'::date, '-infinity'::date) THEN
        RAISE EXCEPTION 'taken_on must be a finite date: %', drop_snapshot.taken_on USING ERRCODE = '22008';
    END IF;
    PERFORM health_score_internal._require_built(m, 'history');
    schema_name := quote_ident(m.target_schema);

    -- after any snapshot of the model under way, whose rows and figures
    -- this rewrites; and keep a build from changing the model meanwhile
    PERFORM pg_advisory_xact_lock(hashtext('health_score.snapshot'), hashtext(m.name));
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = m.name FOR SHARE;

    EXECUTE format('DELETE FROM %s.snapshots AS sn WHERE sn.taken_on = $1', schema_name)
      USING drop_snapshot.taken_on;
    GET DIAGNOSTICS removed = ROW_COUNT;
    IF removed = 0 THEN
        EXECUTE format('SELECT max(sn.taken_on) FROM %s.snapshots AS sn', schema_name) INTO latest;
        RAISE EXCEPTION 'model "%" has no snapshot taken on %', m.name,
                        to_char(drop_snapshot.taken_on, 'YYYY-MM-DD')
              USING ERRCODE = '22023',
                    DETAIL = CASE WHEN latest IS NULL THEN format('Model "%s" has no snapshots.', m.name)
                                  ELSE format('Its latest snapshot was taken on %s.', to_char(latest, 'YYYY-MM-DD')) END,
                    HINT = format('The days taken are listed by SELECT taken_on FROM %s.snapshots ORDER BY taken_on.',
                                  schema_name);
    END IF;
    EXECUTE format('DELETE FROM %s.history AS h WHERE h.taken_on = $1', schema_name)
      USING drop_snapshot.taken_on;
    GET DIAGNOSTICS removed = ROW_COUNT;

    -- Each later day the dropped one reached is figured again from its own
    -- rows, as a snapshot of it would be without the dropped day.  A later
    -- day reached it if it lies within the 120 days its deltas and slope
    -- look back, or if the dropped day was among the 12 snapshots its
    -- sparkline draws (it is then among the 11 later snapshots; the first
    -- of them also had it as its previous snapshot).  The days beyond
    -- never read it: their rows stand as they are.
    FOR later IN EXECUTE format($q$SELECT d.taken_on
  FROM (SELECT sn.taken_on, row_number() OVER (ORDER BY sn.taken_on) AS n
          FROM %s.snapshots AS sn WHERE sn.taken_on > $1) AS d
 WHERE d.n <= 11 OR d.taken_on <= $1 + 120
 ORDER BY d.taken_on$q$, schema_name)
      USING drop_snapshot.taken_on
    LOOP
        PERFORM health_score_internal._write_history_day(m, later.taken_on,
            format('SELECT h.* FROM %s.history AS h WHERE h.taken_on = %L::date',
                   schema_name, to_char(later.taken_on, 'YYYY-MM-DD')),
            format('SELECT h.%I, h.score FROM %s.history AS h WHERE h.taken_on = %L::date',
                   m.key, schema_name, to_char(later.taken_on, 'YYYY-MM-DD')));
    END LOOP;
    RETURN removed;
END;
$$;

COMMENT ON FUNCTION health_score.drop_snapshot(text, date) IS
  'Removes the model''s snapshot of the day taken_on from its history and snapshots, and figures again the trend columns (previous snapshot, top mover, deltas, slope, sparkline) of the later days that read it, as if it had never been taken. The model''s owner only. Returns the number of history rows removed.';

CREATE OR REPLACE FUNCTION health_score.prune_history(model text, keep interval)
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
    m := health_score_internal._model(prune_history.model);
    PERFORM health_score_internal._require_owner(m);
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
