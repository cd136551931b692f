/*
 * 1.3 -> 1.4: what CREATE OR REPLACE in the sources cannot do.
 *
 * Every reader gets the same scores: a model's percentiles, ranks and
 * percentile-method metric scores are read against distributions stored
 * with the model (health_score.reference), which build(), refresh() and
 * snapshot() compute as the model's owner, rather than ranked among the
 * rows each reader can see.  scores_mv becomes a view over a new table,
 * stored_scores, which refresh() maintains under row-level security.  The
 * views of a model built under 1.3 keep working as they are until build()
 * rebuilds them; refresh() and snapshot() ask for that build.
 *
 * Percentiles a user can count: percentile_cuts(dist [, segment]), the 99
 * values where a distribution's percentile rank changes,
 * percentile_rank_by_cuts(cuts, value) and the percentile_counts(cuts,
 * value, buckets) aggregate are new functions, which the sources define.
 */

-- scores_mv is no longer a materialized view to refresh
DROP FUNCTION health_score._populate_scores_mv(health_score.model);

-- snapshot builds a history row's jsonb objects in C now
-- (_history_objects_sql, src/snapshot_row.c)
DROP FUNCTION health_score._contributions_sql(health_score.model);
DROP FUNCTION health_score._metric_scores_sql(health_score.model);

-- validate, model_auc and suggest_weights evaluate the outcome over the
-- source alone (_outcome_join_sql), where a key or segment column named
-- in it was ambiguous
DROP FUNCTION health_score._scores_join_sql(health_score.model);

-- snapshot() refuses a day after today unless allow_future
DROP FUNCTION health_score.snapshot(text, date);

-- The extension's internal helpers leave the user's schema: \df
-- health_score.* lists what a user calls, and health_score_internal holds
-- the rest.  ALTER ... SET SCHEMA keeps each routine's OID, so the views
-- of a model built under 1.3 keep calling the functions they call.
CREATE SCHEMA health_score_internal;
COMMENT ON SCHEMA health_score_internal IS
  'health_score extension: internal helpers of the functions in schema health_score; not for direct use, and not a stable interface';
GRANT USAGE ON SCHEMA health_score_internal TO PUBLIC;

DO $move$
DECLARE
  routine regprocedure;
BEGIN
  FOR routine IN
    SELECT p.oid
      FROM pg_catalog.pg_proc AS p
      JOIN pg_catalog.pg_depend AS d
        ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'health_score'
     WHERE p.pronamespace = 'health_score'::regnamespace
       AND p.proname LIKE '\_%'
  LOOP
    EXECUTE pg_catalog.format('ALTER ROUTINE %s SET SCHEMA health_score_internal', routine);
  END LOOP;
END
$move$;

CREATE TABLE health_score.reference (
    model       text NOT NULL REFERENCES health_score.model (name)
                ON UPDATE CASCADE ON DELETE CASCADE,
    item        text NOT NULL,
    dist        health_score.distribution,
    cuts        float8[],
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (model, item),
    CHECK (num_nonnulls(dist, cuts) <= 1)
);

COMMENT ON TABLE health_score.reference IS
  'What a model''s percentiles and ranks are read against, the same for every reader: the distributions build(), refresh() and snapshot() compute as the model''s owner over every customer the owner sees. Readable by whoever may read the model''s scores or scores_mv view.';

COMMENT ON COLUMN health_score.reference.item IS 'score: every customer''s score; segment score: the scores by the model''s first segment; metric <name>: the raw values of a percentile metric.';

COMMENT ON COLUMN health_score.reference.dist IS 'The distribution of the scores (items score and segment score): ranks and percentiles are read from it. NULL for item score when no customer had a score.';

COMMENT ON COLUMN health_score.reference.cuts IS 'The percentile_cuts of a percentile metric''s raw values (items metric <name>): its scores are read from them, as percentile_rank would rank them among every value.';

COMMENT ON COLUMN health_score.reference.computed_at IS 'When build(), refresh() or snapshot() computed it.';

SELECT pg_catalog.pg_extension_config_dump('health_score.reference', '');

GRANT SELECT, INSERT, UPDATE, DELETE ON health_score.reference TO PUBLIC;
ALTER TABLE health_score.reference ENABLE ROW LEVEL SECURITY;
CREATE POLICY owned ON health_score.reference
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = reference.model
                    AND health_score_internal._is_model_owner(hm.owner)));
CREATE POLICY readable ON health_score.reference FOR SELECT
  USING (EXISTS (SELECT FROM health_score.model AS hm
                   JOIN pg_catalog.pg_namespace AS n ON n.nspname = hm.target_schema
                   JOIN pg_catalog.pg_class AS c ON c.relnamespace = n.oid AND c.relname IN ('scores', 'scores_mv')
                  WHERE hm.name = reference.model
                    AND pg_catalog.has_table_privilege(c.oid, 'SELECT')));

-- What snapshot() stores of a customer's trend, from _snapshot_trend
-- (src/snapshot_trend.c); internal.
CREATE TYPE health_score_internal._snapshot_trend_figures AS (
  week_ago float8,
  month_ago float8,
  slope_per_day float8,
  sparkline text
);

-- A customer's top mover between two snapshots, from _top_mover
-- (src/top_mover.c); internal.
CREATE TYPE health_score_internal._mover AS (
  metric text,
  change float8
);

-- The metrics as built: refresh, snapshot and explain read the model as
-- its views were built, not as changed since (see _built_metrics)
ALTER TABLE health_score.model ADD COLUMN built_metrics jsonb;

COMMENT ON COLUMN health_score.model.built_metrics IS 'The metrics as the last build() made the views of them (rows of health_score.metric as jsonb): refresh, snapshot and explain read these, so a change not yet built never mixes with the views. NULL until built, and for a model built before 1.4.';
-- The segment columns of a model's history have a comment now, which
-- build() gives only a history it creates: give one to the histories
-- already stored, in the words of _create_history.
DO $comment$
DECLARE
  m record;
BEGIN
  FOR m IN
    -- the source named as regclass prints it under _create_history's
    -- search_path, pg_catalog: with its schema
    SELECT hm.target_schema, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS source,
           seg.segment
      FROM health_score.model AS hm
      JOIN pg_catalog.pg_class AS c ON c.oid = hm.source
      JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(hm.segments) AS seg(segment)
      JOIN pg_catalog.pg_attribute AS a
        ON a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.history', hm.target_schema))
       AND a.attname = seg.segment AND NOT a.attisdropped
     WHERE pg_catalog.col_description(a.attrelid, a.attnum) IS NULL
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.history.%I IS %L', m.target_schema, m.segment,
                              pg_catalog.format('Segment: %s of %s at the snapshot, as text.', m.segment, m.source));
  END LOOP;
END
$comment$;

-- apply_weights() says what becomes of segment weights (overrides)
DROP FUNCTION health_score.apply_weights(text, jsonb);

-- suggest_weights() cross-validates: folds and seed in, cv_auc_current
-- and cv_auc_suggested out
DROP FUNCTION health_score.suggest_weights(text, text, float8);

-- Scores run from 0 to 100: what create_model refuses, an UPDATE of the
-- catalog may not write either.  A model whose thresholds 1.3 let
-- through keeps them, and the constraints stay NOT VALID until it is
-- put right (ALTER TABLE health_score.model VALIDATE CONSTRAINT ...).
ALTER TABLE health_score.model ADD CONSTRAINT model_bands_check
  CHECK (red_below BETWEEN 0 AND 100 AND green_from BETWEEN 0 AND 100 AND red_below <= green_from) NOT VALID;
ALTER TABLE health_score.model ADD CONSTRAINT model_min_coverage_check
  CHECK (min_coverage BETWEEN 0 AND 1) NOT VALID;
DO $validate$
DECLARE
  outside text;
BEGIN
  SELECT pg_catalog.string_agg(pg_catalog.format('%s (red_below %s, green_from %s)', hm.name, hm.red_below, hm.green_from), ', ')
    INTO outside
    FROM health_score.model AS hm
   WHERE NOT (hm.red_below BETWEEN 0 AND 100 AND hm.green_from BETWEEN 0 AND 100 AND hm.red_below <= hm.green_from);
  IF outside IS NULL THEN
    ALTER TABLE health_score.model VALIDATE CONSTRAINT model_bands_check;
  ELSE
    RAISE WARNING 'models with thresholds outside 0-100: %', outside
          USING HINT = 'Set them within 0-100 (UPDATE health_score.model), build, then ALTER TABLE health_score.model VALIDATE CONSTRAINT model_bands_check.';
  END IF;
  IF NOT EXISTS (SELECT FROM health_score.model AS hm WHERE NOT hm.min_coverage BETWEEN 0 AND 1) THEN
    ALTER TABLE health_score.model VALIDATE CONSTRAINT model_min_coverage_check;
  END IF;
END
$validate$;

-- Metrics whose values age (issue 17): when a value was measured and how
-- long it holds.  At the end of the table, where a fresh install has
-- them too, so that both list the columns in the same order.
ALTER TABLE health_score.metric ADD COLUMN as_of text, ADD COLUMN valid_for interval;
ALTER TABLE health_score.metric
  ADD CONSTRAINT metric_as_of_check CHECK ((as_of IS NULL) = (valid_for IS NULL)),
  ADD CONSTRAINT metric_valid_for_check CHECK (valid_for > interval '0' AND valid_for < interval '6000 years');
COMMENT ON COLUMN health_score.metric.as_of IS 'A SQL expression over the source''s columns (timestamp, timestamptz or date) giving when the value was measured; NULL when the value does not age.';
COMMENT ON COLUMN health_score.metric.valid_for IS 'How long a value holds after as_of: an older one, or one whose as_of is NULL, is stale and counts as missing.';

-- Metrics a person may score by hand (health_score.override), after
-- as_of and valid_for as in a fresh catalog.
ALTER TABLE health_score.metric ADD COLUMN overridable boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN health_score.metric.overridable IS 'Whether a customer''s score of this metric may be set by hand (health_score.override), logged in the model''s override_log.';

-- add_metric() takes as_of, valid_for and overridable
DROP FUNCTION health_score.add_metric(text, text, text, float8, text, float8, float8, float8[], float8[], text, jsonb, boolean);

-- Alerts: snapshot() notifies on the model's channel when it is on
-- (set_alerts).  Off for every model, as for one created now: the
-- payloads reach listeners past row-level security, so a model's owner
-- turns them on knowingly.  Added last, as catalog.sql adds it, so that
-- an updated catalog has the columns of a fresh one in the same order.
ALTER TABLE health_score.model ADD COLUMN alerts boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN health_score.model.alerts IS 'snapshot() sends a NOTIFY on channel health_score_<name> for each customer who dropped a band (one summary above 100); set_alerts() turns it on or off. Off by default: the payloads show every customer the owner sees, whatever row-level security shows a listener.';

-- explain() shows who overrode a metric, why and until when
DROP FUNCTION health_score.explain(text, text);

-- Revenue and account hierarchies (issue 18): a customer's recurring
-- revenue and its parent account, as SQL over the source.  Last, as in
-- catalog.sql.
ALTER TABLE health_score.model ADD COLUMN revenue text, ADD COLUMN parent text;

COMMENT ON COLUMN health_score.model.revenue IS 'A SQL expression over the source giving each customer''s recurring revenue (MRR or ARR, in the user''s unit); NULL when the model has none. scores, segment_summary, accounts, validate and revenue_at_risk sum it.';

COMMENT ON COLUMN health_score.model.parent IS 'A SQL expression over the source giving the key of each customer''s parent account (NULL for a top-level account); NULL when the model has no hierarchy. build() then makes the accounts view.';

-- A parent account's roll-up of its children, as _account_rollup
-- (src/account_rollup.c) returns it; internal.
CREATE TYPE health_score_internal._account_rollup_result AS (
  children bigint,
  scored_children bigint,
  score float8,
  score_weighting text,
  worst_child text,
  worst_child_score float8,
  red_children bigint,
  revenue float8,
  red_revenue float8
);

-- create_model() takes revenue and parent; validate() returns revenue
-- and revenue_lost
DROP FUNCTION health_score.create_model(text, regclass, text, text[], float8, float8, float8[], text[], float8, text);
DROP FUNCTION health_score.validate(text, text);
