/* health_score--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION health_score" to load this file. \quit

COMMENT ON SCHEMA health_score IS
  'health_score extension: customer health scores, bands, grades and survey aggregates';

------------------------------------------------------------------------
-- Normalization onto the 0-100 scale
------------------------------------------------------------------------

CREATE FUNCTION health_score.scale(value float8, worst float8, best float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale(float8, float8, float8) IS
  'Linear map of value to 0-100, clamped: 0 at worst, 100 at best (worst > best means lower is better). NaN value, non-finite or equal anchors are errors.';

CREATE FUNCTION health_score.scale_log(value float8, worst float8, best float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale_log'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale_log(float8, float8, float8) IS
  'Like scale() on a ln(1 + x) axis, for heavy-tailed counts (logins, orders, seats). Negative arguments are errors.';

CREATE FUNCTION health_score.scale_steps(value float8, thresholds float8[], scores float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale_steps'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale_steps(float8, float8[], float8[]) IS
  'Range scoring: value < thresholds[1] gets scores[1], ..., value >= thresholds[n] gets scores[n+1]. Thresholds strictly increasing, scores within 0-100.';

------------------------------------------------------------------------
-- Combining metric scores
------------------------------------------------------------------------

CREATE FUNCTION health_score.weighted_score(scores float8[], weights float8[],
                                            min_coverage float8 DEFAULT 0)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_weighted_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.weighted_score(float8[], float8[], float8) IS
  'Weighted mean of the non-NULL scores, weights renormalized over the scores present. NULL when no weighted score is present or coverage is below min_coverage. A missing metric never counts as zero.';

CREATE FUNCTION health_score.coverage(scores float8[], weights float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_coverage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.coverage(float8[], float8[]) IS
  'Share (0-1) of the total weight carried by the non-NULL scores.';

CREATE FUNCTION health_score.scorecard(methods text[], worst float8[], best float8[],
                                       weights float8[], min_coverage float8,
                                       VARIADIC metrics "any")
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scorecard'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scorecard(text[], float8[], float8[], float8[], float8, "any") IS
  'One call per row: scales each metric (method linear, log or score) between worst and best and returns weighted_score of the results with the given weights and min_coverage. Equal to the composed form, faster. NULL metrics are missing, not zero.';

------------------------------------------------------------------------
-- Labels
------------------------------------------------------------------------

CREATE FUNCTION health_score.band(score float8, red_below float8 DEFAULT 40,
                                  green_from float8 DEFAULT 70)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_band'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band(float8, float8, float8) IS
  '''red'' when score < red_below, ''green'' when score >= green_from, else ''yellow''.';

CREATE FUNCTION health_score.grade(score float8,
                                   cutoffs float8[] DEFAULT '{90,80,70,60}',
                                   letters text[] DEFAULT '{A,B,C,D,F}')
RETURNS text
AS 'MODULE_PATHNAME', 'hs_grade'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.grade(float8, float8[], text[]) IS
  'Letter grade: score >= cutoffs[1] gets letters[1], and so on; below the last cutoff gets the last letter. Cutoffs strictly decreasing.';

------------------------------------------------------------------------
-- Counting aggregates: survey scores and band counts.
-- They share one internal state (a few int64 counters) and its combine,
-- serialize and deserialize functions, so they run in parallel plans.
------------------------------------------------------------------------

CREATE FUNCTION health_score.tally_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_tally_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_combine(internal, internal) IS
  'Combine function of the counting aggregates (nps, csat, ces, band_counts).';

CREATE FUNCTION health_score.tally_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_tally_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_serialize(internal) IS
  'Serialize function of the counting aggregates.';

CREATE FUNCTION health_score.tally_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_tally_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.tally_deserialize(bytea, internal) IS
  'Deserialize function of the counting aggregates; rejects truncated or corrupt input.';

-- nps
CREATE FUNCTION health_score.nps_accum(internal, integer)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_nps_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_accum(internal, integer) IS
  'Transition function of nps().';

CREATE FUNCTION health_score.nps_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_nps_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.nps_final(internal) IS
  'Final function of nps().';

CREATE AGGREGATE health_score.nps(rating integer) (
  SFUNC = health_score.nps_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.nps_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.nps(integer) IS
  'Net Promoter Score, -100 to 100, from 0-10 ratings: % of 9-10 minus % of 0-6. NULL ratings skipped; NULL when there are none; ratings outside 0-10 are errors.';

-- csat
CREATE FUNCTION health_score.csat_accum(internal, integer, integer)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(internal, integer, integer) IS
  'Transition function of csat().';

CREATE FUNCTION health_score.csat_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_csat_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_final(internal) IS
  'Final function of csat().';

CREATE AGGREGATE health_score.csat(rating integer, scale_max integer) (
  SFUNC = health_score.csat_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.csat(integer, integer) IS
  'CSAT: % of 1..scale_max ratings in the top two boxes (rating >= scale_max - 1). scale_max 3-100, the same for the whole group.';

-- Aggregates take no parameter defaults: csat(rating) is csat(rating, 5).
CREATE FUNCTION health_score.csat_accum(internal, integer)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_csat_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.csat_accum(internal, integer) IS
  'Transition function of csat(rating), on a 1-5 scale.';

CREATE AGGREGATE health_score.csat(rating integer) (
  SFUNC = health_score.csat_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.csat_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.csat(integer) IS
  'CSAT on a 1-5 scale: % of ratings that are 4 or 5. NULL ratings skipped; NULL when there are none.';

-- ces
CREATE FUNCTION health_score.ces_accum(internal, integer)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_ces_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_accum(internal, integer) IS
  'Transition function of ces().';

CREATE FUNCTION health_score.ces_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_ces_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.ces_final(internal) IS
  'Final function of ces().';

CREATE AGGREGATE health_score.ces(rating integer) (
  SFUNC = health_score.ces_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.ces_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.ces(integer) IS
  'Customer Effort Score: mean of 1-7 ratings. NULL ratings skipped; NULL when there are none; ratings outside 1-7 are errors.';

-- band_counts
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

CREATE FUNCTION health_score.band_counts_accum(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(internal, float8) IS
  'Transition function of band_counts(score).';

CREATE FUNCTION health_score.band_counts_accum(internal, float8, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_band_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_accum(internal, float8, float8, float8) IS
  'Transition function of band_counts(score, red_below, green_from).';

CREATE FUNCTION health_score.band_counts_final(internal)
RETURNS health_score.band_counts
AS 'MODULE_PATHNAME', 'hs_band_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band_counts_final(internal) IS
  'Final function of band_counts().';

CREATE AGGREGATE health_score.band_counts(score float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.band_counts(float8) IS
  'Counts of red (< 40), yellow and green (>= 70) scores and of NULL (unscored) ones, in one pass that runs in parallel. Use (health_score.band_counts(score)).* with GROUP BY segment.';

CREATE AGGREGATE health_score.band_counts(score float8, red_below float8, green_from float8) (
  SFUNC = health_score.band_counts_accum,
  STYPE = internal,
  SSPACE = 48,
  FINALFUNC = health_score.band_counts_final,
  COMBINEFUNC = health_score.tally_combine,
  SERIALFUNC = health_score.tally_serialize,
  DESERIALFUNC = health_score.tally_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.band_counts(float8, float8, float8) IS
  'Counts of red (< red_below), yellow and green (>= green_from) scores and of NULL (unscored) ones, in one pass that runs in parallel.';
