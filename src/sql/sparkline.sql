/*
 * sparkline: a series of scores as a line of block characters, from an
 * array or as an aggregate (src/sparkline.c; test sql/trend.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.sparkline(scores float8[], low float8 DEFAULT NULL,
                                       high float8 DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_sparkline'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline(float8[], float8, float8) IS
  'The scores as a line of eight block characters (▁ to █), for psql: from the lowest to the highest score of the array, or from low to high when given. A NULL score is a space.';

CREATE OR REPLACE FUNCTION health_score.sparkline_accum(health_score.sparkline_state, timestamptz, float8)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(health_score.sparkline_state, timestamptz, float8) IS
  'Transition function of sparkline(timestamptz, float8).';

CREATE OR REPLACE FUNCTION health_score.sparkline_accum(health_score.sparkline_state, date, float8)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_accum(health_score.sparkline_state, date, float8) IS
  'Transition function of sparkline(date, float8).';

CREATE OR REPLACE FUNCTION health_score.sparkline_combine(health_score.sparkline_state, health_score.sparkline_state)
RETURNS health_score.sparkline_state
AS 'MODULE_PATHNAME', 'hs_sparkline_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.sparkline_combine(health_score.sparkline_state, health_score.sparkline_state) IS
  'Combine function of the sparkline aggregate.';

CREATE OR REPLACE FUNCTION health_score.sparkline_final(health_score.sparkline_state)
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

COMMENT ON AGGREGATE health_score.sparkline(timestamptz, float8) IS
  'The group''s scores in time order as a sparkline, whatever the row order; keeps every point, so filter to the snapshots to draw.';

CREATE OR REPLACE AGGREGATE health_score.sparkline(taken_on date, score float8) (
  SFUNC = health_score.sparkline_accum,
  STYPE = health_score.sparkline_state,
  SSPACE = 256,
  FINALFUNC = health_score.sparkline_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.sparkline_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.sparkline(date, float8) IS
  'sparkline() over snapshots taken on dates.';
