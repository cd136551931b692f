/*
 * band_counts: customers per band, in one pass (src/band_counts.c; test
 * sql/band_counts.sql).  Its state and combine function are the survey
 * aggregates' (survey.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.band_counts_accum(health_score.tally_state, float8)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(health_score.tally_state, float8) IS
  'Transition function of band_counts(score).';

CREATE OR REPLACE FUNCTION health_score.band_counts_accum(health_score.tally_state, float8, float8, float8)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(health_score.tally_state, float8, float8, float8) IS
  'Transition function of band_counts(score, red_below, green_from).';

CREATE OR REPLACE FUNCTION health_score.band_counts_final(health_score.tally_state)
RETURNS health_score.band_counts
AS 'MODULE_PATHNAME', 'hs_band_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_final(health_score.tally_state) IS
  'Final function of band_counts().';

CREATE OR REPLACE AGGREGATE health_score.band_counts(score float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.band_counts(float8) IS
  'Counts of red (< 40), yellow and green (>= 70) scores and of NULL (unscored) ones, in one pass that runs in parallel. Use (health_score.band_counts(score)).* with GROUP BY segment.';

CREATE OR REPLACE AGGREGATE health_score.band_counts(score float8, red_below float8, green_from float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.band_counts(float8, float8, float8) IS
  'Counts of red (< red_below), yellow and green (>= green_from) scores and of NULL (unscored) ones, in one pass that runs in parallel.';
