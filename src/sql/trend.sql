/*
 * trend: how a series of scores moved, in one pass (src/trend.c; test
 * sql/trend.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.trend_accum(health_score.trend_state, timestamptz, float8)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(health_score.trend_state, timestamptz, float8) IS
  'Transition function of trend(timestamptz, float8).';

CREATE OR REPLACE FUNCTION health_score.trend_accum(health_score.trend_state, date, float8)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_accum_date'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_accum(health_score.trend_state, date, float8) IS
  'Transition function of trend(date, float8).';

CREATE OR REPLACE FUNCTION health_score.trend_combine(health_score.trend_state, health_score.trend_state)
RETURNS health_score.trend_state
AS 'MODULE_PATHNAME', 'hs_trend_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_combine(health_score.trend_state, health_score.trend_state) IS
  'Combine function of trend(): merges two partial states.';

CREATE OR REPLACE FUNCTION health_score.trend_final(health_score.trend_state)
RETURNS health_score.trend_summary
AS 'MODULE_PATHNAME', 'hs_trend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.trend_final(health_score.trend_state) IS
  'Final function of trend(timestamptz, float8).';

CREATE OR REPLACE FUNCTION health_score.trend_final_date(health_score.trend_state)
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

COMMENT ON AGGREGATE health_score.trend(timestamptz, float8) IS
  'How score moved over time, in one pass and whatever the row order: n, first and last point, previous score, delta, least-squares slope per day, min and max. Rows with a NULL time or score are skipped; at equal times the greater score counts as the snapshot''s.';

CREATE OR REPLACE AGGREGATE health_score.trend(taken_on date, score float8) (
  SFUNC = health_score.trend_accum,
  STYPE = health_score.trend_state,
  SSPACE = 128,
  FINALFUNC = health_score.trend_final_date,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.trend_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.trend(date, float8) IS
  'trend() over snapshots taken on dates.';
