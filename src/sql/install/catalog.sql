/*
 * What only CREATE EXTENSION creates: the schema's comment, the types and
 * the catalog tables.  An update script never runs this file: a change to
 * any of these objects is written in that version's delta under
 * src/sql/updates/.  The row-level security of the catalog tables is in
 * install/policies.sql, which runs last because its policies call a
 * function of model_define.sql.
 */

COMMENT ON SCHEMA health_score IS
  'health_score extension: customer health scores, bands, grades and survey aggregates';

-- What a user calls is in health_score; the helpers those functions call
-- are here, out of the user's \df health_score.* listing.
CREATE SCHEMA health_score_internal;

COMMENT ON SCHEMA health_score_internal IS
  'health_score extension: internal helpers of the functions in schema health_score; not for direct use, and not a stable interface';

------------------------------------------------------------------------
-- Composite types the functions return
------------------------------------------------------------------------

CREATE TYPE health_score.band_counts AS (
  red bigint,
  yellow bigint,
  green bigint,
  unscored bigint
);

COMMENT ON TYPE health_score.band_counts IS
  'Customers per band, as returned by the band_counts aggregate.';

COMMENT ON COLUMN health_score.band_counts.red IS 'Scores below red_below.';

COMMENT ON COLUMN health_score.band_counts.yellow IS 'Scores from red_below up to, not including, green_from.';

COMMENT ON COLUMN health_score.band_counts.green IS 'Scores from green_from up.';

COMMENT ON COLUMN health_score.band_counts.unscored IS 'NULL scores: customers that could not be scored.';

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

------------------------------------------------------------------------
-- Base types, each with its input and output functions.  The aggregate
-- states are types of their own, not internal, because Citus splits an
-- aggregate into partial aggregates on the workers only when it can ship
-- the state, as that type's text.
------------------------------------------------------------------------

-- distribution: every value of a group, sorted, with its multiplicity
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

CREATE TYPE health_score.distribution;

CREATE FUNCTION health_score.distribution_in(cstring)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION health_score.distribution_out(health_score.distribution)
RETURNS cstring
AS 'MODULE_PATHNAME', 'hs_distribution_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE health_score.distribution (
  INPUT = health_score.distribution_in,
  OUTPUT = health_score.distribution_out,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  -- sorted floats compress little and slowly: storing a 30 MB distribution
  -- took 2.3 s with pglz, 0.3 s without
  STORAGE = external
);

COMMENT ON TYPE health_score.distribution IS
  'The values of a group (or of each segment of a group), sorted, each with its count: what percentile_rank and quantile look values up in. Text form {1.5,2*3,7} or {"segment":{...},NULL:{...}}.';

COMMENT ON FUNCTION health_score.distribution_in(cstring) IS
  'Text input of distribution; checks that values are numbers in strictly increasing order with counts of at least 1.';

COMMENT ON FUNCTION health_score.distribution_out(health_score.distribution) IS
  'Text output of distribution; values are written exactly (shortest round-trip form).';

-- The state of the counting aggregates: nps, csat, ces, band_counts
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

-- The state of trend
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

-- The state of sparkline
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

-- The state of logistic_fit
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

------------------------------------------------------------------------
-- Catalog.  Extension configuration tables, so pg_dump keeps users'
-- models.  Written only through the model functions; reading is open.
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
    owner         name NOT NULL DEFAULT current_user,
    built_metrics jsonb,
    -- opt-in: a payload carries keys and scores past row-level security
    alerts        boolean NOT NULL DEFAULT false,
    -- SQL over the source: a customer's recurring revenue, its parent account
    revenue       text,
    parent        text,
    -- scores run from 0 to 100: what create_model refuses, an UPDATE of
    -- the catalog may not write either
    CONSTRAINT model_bands_check
      CHECK (red_below BETWEEN 0 AND 100 AND green_from BETWEEN 0 AND 100 AND red_below <= green_from),
    CONSTRAINT model_min_coverage_check CHECK (min_coverage BETWEEN 0 AND 1)
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

COMMENT ON COLUMN health_score.model.built_metrics IS 'The metrics as the last build() made the views of them (rows of health_score.metric as jsonb): refresh, snapshot and explain read these, so a change not yet built never mixes with the views. NULL until built, and for a model built before 1.4.';

COMMENT ON COLUMN health_score.model.owns_schema IS 'build() created target_schema, so drop_model() may drop it once it is empty.';

COMMENT ON COLUMN health_score.model.revenue IS 'A SQL expression over the source giving each customer''s recurring revenue (MRR or ARR, in the user''s unit); NULL when the model has none. scores, segment_summary, accounts, validate and revenue_at_risk sum it.';

COMMENT ON COLUMN health_score.model.parent IS 'A SQL expression over the source giving the key of each customer''s parent account (NULL for a top-level account); NULL when the model has no hierarchy. build() then makes the accounts view.';

COMMENT ON COLUMN health_score.model.alerts IS 'snapshot() sends a NOTIFY on channel health_score_<name> for each customer who dropped a band (one summary above 100); set_alerts() turns it on or off. Off by default: the payloads show every customer the owner sees, whatever row-level security shows a listener.';


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
    as_of           text,
    valid_for       interval,
    overridable     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (model, name),
    UNIQUE (model, position),
    -- a value's age needs both: when it was measured and how long it holds
    CONSTRAINT metric_as_of_check CHECK ((as_of IS NULL) = (valid_for IS NULL)),
    -- now() - valid_for must be a time: timestamps begin in 4713 BC
    CONSTRAINT metric_valid_for_check CHECK (valid_for > interval '0' AND valid_for < interval '6000 years')
);

COMMENT ON TABLE health_score.metric IS
  'The metrics of each model. Change them through add_metric and drop_metric.';

COMMENT ON COLUMN health_score.metric.position IS 'Order of the metric''s column in the views: the order metrics were added.';

COMMENT ON COLUMN health_score.metric.expression IS 'A SQL expression over the source''s columns giving the raw value.';

COMMENT ON COLUMN health_score.metric.weight IS 'Weight of the metric''s score in the customer''s score.';

COMMENT ON COLUMN health_score.metric.method IS 'How the raw value becomes a 0-100 score: linear, log, steps or percentile.';

COMMENT ON COLUMN health_score.metric.segment_weights IS 'Weights that replace weight within segments: {"segment column": {"value": weight, ...}, ...}.';

COMMENT ON COLUMN health_score.metric.as_of IS 'A SQL expression over the source''s columns (timestamp, timestamptz or date) giving when the value was measured; NULL when the value does not age.';

COMMENT ON COLUMN health_score.metric.valid_for IS 'How long a value holds after as_of: an older one, or one whose as_of is NULL, is stale and counts as missing.';

COMMENT ON COLUMN health_score.metric.overridable IS 'Whether a customer''s score of this metric may be set by hand (health_score.override), logged in the model''s override_log.';

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

SELECT pg_catalog.pg_extension_config_dump('health_score.model', '');

SELECT pg_catalog.pg_extension_config_dump('health_score.metric', '');

SELECT pg_catalog.pg_extension_config_dump('health_score.model_version', '');

SELECT pg_catalog.pg_extension_config_dump('health_score.reference', '');
