/*
 * Combining metric scores by weight: weighted_score, coverage, and
 * scorecard, which scales and weights in one call (src/weighting.c,
 * src/scorecard.c; tests sql/weighting.sql, sql/scorecard.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.weighted_score(scores float8[], weights float8[],
                                            min_coverage float8 DEFAULT 0)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_weighted_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.weighted_score(float8[], float8[], float8) IS
  'Weighted mean of the non-NULL scores, weights renormalized over the scores present. NULL when no weighted score is present or coverage is below min_coverage. A missing metric never counts as zero.';

CREATE OR REPLACE FUNCTION health_score.coverage(scores float8[], weights float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_coverage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.coverage(float8[], float8[]) IS
  'Share (0-1) of the total weight carried by the non-NULL scores.';

CREATE OR REPLACE FUNCTION health_score.scorecard(methods text[], worst float8[], best float8[],
                                       weights float8[], min_coverage float8,
                                       VARIADIC metrics "any")
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scorecard'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scorecard(text[], float8[], float8[], float8[], float8, "any") IS
  'One call per row: scales each metric (method linear, log or score) between worst and best and returns weighted_score of the results with the given weights and min_coverage. Equal to the composed form, faster. NULL metrics are missing, not zero.';

-- Internal: a model's scores view calls it once a row (src/model_row.c).
-- VOLATILE though it is not: the planner does not pull a query that
-- calls a volatile function up into the views that read its result, so
-- the row is scored once however many of its elements they read (see
-- _scored_sql).
CREATE OR REPLACE FUNCTION health_score_internal._model_row(names text[], methods text[], worst float8[],
                                        best float8[], weights float8[], min_coverage float8,
                                        VARIADIC metric_values "any")
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_model_row'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION health_score_internal._model_row(text[], text[], float8[], float8[], float8[], float8, "any") IS
  'Internal: one customer''s row of a model, {score, coverage, metric scores...}: each float8 value scaled by its method (linear, log, or score: already 0-100) between worst and best, NULL or NaN missing, weighted with min_coverage; score and metric scores rounded to 0.1 as the views show them; score and coverage NULL when every weight is zero.';

-- Internal: the same with the row's overrides (health_score.override)
-- before the values: one score 0-100 per metric, NULL where the metric is
-- not overridden, or NULL for none.  VOLATILE as _model_row.
CREATE OR REPLACE FUNCTION health_score_internal._model_row_overridden(names text[], methods text[], worst float8[],
                                        best float8[], weights float8[], min_coverage float8,
                                        overrides float8[], VARIADIC metric_values "any")
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_model_row_overridden'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION health_score_internal._model_row_overridden(text[], text[], float8[], float8[], float8[], float8, float8[], "any") IS
  'Internal: _model_row with a customer''s overrides: where overrides has a score (0-100), it is the metric''s score, whatever the metric''s value.';
