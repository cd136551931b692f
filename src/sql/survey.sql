/*
 * Survey aggregates: nps, csat, ces (src/survey.c, src/tally.c; test
 * sql/survey.sql).  Their state is tally_state (install/catalog.sql),
 * which band_counts shares, and so is the combine function tally_combine.
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.tally_combine(health_score.tally_state, health_score.tally_state)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_tally_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_combine(health_score.tally_state, health_score.tally_state) IS
  'Combine function of the counting aggregates (nps, csat, ces, band_counts): adds the counters.';

CREATE OR REPLACE FUNCTION health_score.nps_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_nps_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_accum(health_score.tally_state, integer) IS
  'Transition function of nps().';

CREATE OR REPLACE FUNCTION health_score.nps_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_nps_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_final(health_score.tally_state) IS
  'Final function of nps().';

CREATE OR REPLACE FUNCTION health_score.csat_accum(health_score.tally_state, integer, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(health_score.tally_state, integer, integer) IS
  'Transition function of csat().';

CREATE OR REPLACE FUNCTION health_score.csat_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(health_score.tally_state, integer) IS
  'Transition function of csat(rating), on a 1-5 scale.';

CREATE OR REPLACE FUNCTION health_score.csat_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_csat_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_final(health_score.tally_state) IS
  'Final function of csat().';

CREATE OR REPLACE FUNCTION health_score.ces_accum(health_score.tally_state, integer)
RETURNS health_score.tally_state
AS 'MODULE_PATHNAME', 'hs_ces_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_accum(health_score.tally_state, integer) IS
  'Transition function of ces().';

CREATE OR REPLACE FUNCTION health_score.ces_final(health_score.tally_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_ces_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_final(health_score.tally_state) IS
  'Final function of ces().';

CREATE OR REPLACE AGGREGATE health_score.nps(rating integer) (
  SFUNC = health_score.nps_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.nps_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.nps(integer) IS
  'Net Promoter Score, -100 to 100, from 0-10 ratings: % of 9-10 minus % of 0-6. NULL ratings skipped; NULL when there are none; ratings outside 0-10 are errors.';

CREATE OR REPLACE AGGREGATE health_score.csat(rating integer, scale_max integer) (
  SFUNC = health_score.csat_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.csat(integer, integer) IS
  'CSAT: % of 1..scale_max ratings in the top two boxes (rating >= scale_max - 1). scale_max 3-100, the same for the whole group.';

CREATE OR REPLACE AGGREGATE health_score.csat(rating integer) (
  SFUNC = health_score.csat_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.csat(integer) IS
  'CSAT on a 1-5 scale: % of ratings that are 4 or 5. NULL ratings skipped; NULL when there are none.';

CREATE OR REPLACE AGGREGATE health_score.ces(rating integer) (
  SFUNC = health_score.ces_accum,
  STYPE = health_score.tally_state,
  SSPACE = 48,
  FINALFUNC = health_score.ces_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.tally_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.ces(integer) IS
  'Customer Effort Score: mean of 1-7 ratings. NULL ratings skipped; NULL when there are none; ratings outside 1-7 are errors.';
