/* health_score--1.0--1.1.sql: the percentile layer. */

\echo Use "ALTER EXTENSION health_score UPDATE TO '1.1'" to load this file. \quit

-- distribution: every value of a group, sorted, with its multiplicity
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

CREATE FUNCTION health_score.distribution_accum(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_distribution_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(internal, float8) IS
  'Transition function of distribution(value).';

CREATE FUNCTION health_score.distribution_accum(internal, float8, text)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_distribution_accum_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(internal, float8, text) IS
  'Transition function of distribution(value, segment).';

CREATE FUNCTION health_score.distribution_final(internal)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_final(internal) IS
  'Final function of distribution().';

CREATE FUNCTION health_score.distribution_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_distribution_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_combine(internal, internal) IS
  'Combine function of distribution(): merges two partial distributions.';

CREATE FUNCTION health_score.distribution_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_distribution_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_serialize(internal) IS
  'Serialize function of distribution().';

CREATE FUNCTION health_score.distribution_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_distribution_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_deserialize(bytea, internal) IS
  'Deserialize function of distribution(); checks what it reads.';

CREATE AGGREGATE health_score.distribution(value float8) (
  SFUNC = health_score.distribution_accum,
  STYPE = internal,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  SERIALFUNC = health_score.distribution_serialize,
  DESERIALFUNC = health_score.distribution_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.distribution(float8) IS
  'Every non-NULL value of the group, for percentile_rank and quantile. NULLs are skipped; NaN is an error; no values gives NULL.';

CREATE AGGREGATE health_score.distribution(value float8, segment text) (
  SFUNC = health_score.distribution_accum,
  STYPE = internal,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  SERIALFUNC = health_score.distribution_serialize,
  DESERIALFUNC = health_score.distribution_deserialize,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.distribution(float8, text) IS
  'Every non-NULL value of the group, kept apart per segment (a NULL segment is a segment of its own), for percentile_rank(dist, value, segment) in one pass over the table.';

-- lookups
CREATE FUNCTION health_score.percentile_rank(dist health_score.distribution, value float8)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_percentile_rank'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_rank(health_score.distribution, float8) IS
  'Where value stands in dist, 1-100: greatest(1, ceil(100 * percent_rank())) over the same values; ties share a rank.';

CREATE FUNCTION health_score.percentile_rank(dist health_score.distribution, value float8, segment text)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_percentile_rank_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_rank(health_score.distribution, float8, text) IS
  'Where value stands among the values of its segment in a distribution(value, segment), 1-100. NULL when value is NULL or the segment is not in dist; a NULL segment is ranked among the NULL segment''s values.';

CREATE FUNCTION health_score.quantile(dist health_score.distribution, fraction float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_quantile'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantile(health_score.distribution, float8) IS
  'The value at fraction (0-1) of dist, interpolated between neighbours: equal to percentile_cont(fraction).';

CREATE FUNCTION health_score.quantile(dist health_score.distribution, fraction float8, segment text)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_quantile_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantile(health_score.distribution, float8, text) IS
  'quantile within one segment of a distribution(value, segment); NULL when the segment is not in dist.';

CREATE FUNCTION health_score.quantiles(dist health_score.distribution, fractions float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_quantiles'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantiles(health_score.distribution, float8[]) IS
  'quantile for each fraction: equal to percentile_cont(fractions); a NULL fraction gives a NULL element.';

CREATE FUNCTION health_score.quantiles(dist health_score.distribution, fractions float8[], segment text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_quantiles_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantiles(health_score.distribution, float8[], text) IS
  'quantiles within one segment of a distribution(value, segment); NULL when the segment is not in dist.';

CREATE FUNCTION health_score.distribution_count(dist health_score.distribution)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_distribution_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_count(health_score.distribution) IS
  'How many values dist holds, over all its segments.';

CREATE FUNCTION health_score.distribution_count(dist health_score.distribution, segment text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_distribution_count_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_count(health_score.distribution, text) IS
  'How many values one segment of a distribution(value, segment) holds; 0 when the segment is absent.';

CREATE FUNCTION health_score.segments(dist health_score.distribution)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hs_distribution_segments'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.segments(health_score.distribution) IS
  'The segments of a distribution(value, segment), in byte order; a NULL segment last. None for a distribution of one group.';
