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
