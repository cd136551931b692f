/*
 * The percentile layer: the distribution aggregate and the lookups in a
 * distribution value, percentile_rank, quantile(s), distribution_count,
 * segments (src/distribution*.c, src/percentile.c; test
 * sql/distribution.sql); a distribution's percentile cuts, ranks from
 * them and the percentile_counts aggregate (src/percentile_cuts.c; test
 * sql/percentile_cuts.sql).  The type is in install/catalog.sql.
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- lookups
CREATE OR REPLACE FUNCTION health_score.percentile_rank(dist health_score.distribution, value float8)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_percentile_rank'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_rank(health_score.distribution, float8) IS
  'Where value stands in dist, 1-100: greatest(1, ceil(100 * percent_rank())) over the same values; ties share a rank.';

CREATE OR REPLACE FUNCTION health_score.percentile_rank(dist health_score.distribution, value float8, segment text)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_percentile_rank_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_rank(health_score.distribution, float8, text) IS
  'Where value stands among the values of its segment in a distribution(value, segment), 1-100. NULL when value is NULL or the segment is not in dist; a NULL segment is ranked among the NULL segment''s values.';

CREATE OR REPLACE FUNCTION health_score.descending_rank(dist health_score.distribution, value float8)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_descending_rank'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.descending_rank(health_score.distribution, float8) IS
  '1 + how many values of dist are greater than value: for a value of dist, rank() OVER (ORDER BY value DESC) among its values (1 = the highest; ties share a rank).';

CREATE OR REPLACE FUNCTION health_score.descending_rank(dist health_score.distribution, value float8, segment text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_descending_rank_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.descending_rank(health_score.distribution, float8, text) IS
  'descending_rank among the values of one segment of a distribution(value, segment). NULL when value is NULL or the segment is not in dist; a NULL segment is ranked among the NULL segment''s values.';

CREATE OR REPLACE FUNCTION health_score.quantile(dist health_score.distribution, fraction float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_quantile'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantile(health_score.distribution, float8) IS
  'The value at fraction (0-1) of dist, interpolated between neighbours: equal to percentile_cont(fraction).';

CREATE OR REPLACE FUNCTION health_score.quantile(dist health_score.distribution, fraction float8, segment text)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_quantile_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantile(health_score.distribution, float8, text) IS
  'quantile within one segment of a distribution(value, segment); NULL when the segment is not in dist.';

CREATE OR REPLACE FUNCTION health_score.quantiles(dist health_score.distribution, fractions float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_quantiles'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantiles(health_score.distribution, float8[]) IS
  'quantile for each fraction: equal to percentile_cont(fractions); a NULL fraction gives a NULL element.';

CREATE OR REPLACE FUNCTION health_score.quantiles(dist health_score.distribution, fractions float8[], segment text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_quantiles_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.quantiles(health_score.distribution, float8[], text) IS
  'quantiles within one segment of a distribution(value, segment); NULL when the segment is not in dist.';

CREATE OR REPLACE FUNCTION health_score.distribution_count(dist health_score.distribution)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_distribution_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_count(health_score.distribution) IS
  'How many values dist holds, over all its segments.';

CREATE OR REPLACE FUNCTION health_score.distribution_count(dist health_score.distribution, segment text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'hs_distribution_count_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_count(health_score.distribution, text) IS
  'How many values one segment of a distribution(value, segment) holds; 0 when the segment is absent.';

CREATE OR REPLACE FUNCTION health_score.segments(dist health_score.distribution)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hs_distribution_segments'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.segments(health_score.distribution) IS
  'The segments of a distribution(value, segment), in byte order; a NULL segment last. None for a distribution of one group.';

-- The aggregate.  Its state is the distribution type itself, expanded in
-- memory while the aggregate runs so that adding a row copies nothing,
-- rather than internal: Citus splits an aggregate into partial
-- aggregates on the workers only when it can ship the state, as that
-- type's text.  SSPACE is the size PostgreSQL assumes for an internal
-- state, so that the planner weighs hashing against sorting as it does
-- for one.
CREATE OR REPLACE FUNCTION health_score.distribution_accum(dist health_score.distribution, value float8)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_accum_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(health_score.distribution, float8) IS
  'Transition function of distribution(value): dist, a distribution without segments, with value added. A NULL dist is empty; a NULL value adds nothing; NaN is an error.';

CREATE OR REPLACE FUNCTION health_score.distribution_accum(dist health_score.distribution, value float8, segment text)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_accum_segment_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_accum(health_score.distribution, float8, text) IS
  'Transition function of distribution(value, segment): dist, a distribution with segments, with value added to its segment (a NULL segment is a segment of its own). A NULL dist is empty; a NULL value adds nothing; NaN is an error.';

CREATE OR REPLACE FUNCTION health_score.distribution_combine(a health_score.distribution, b health_score.distribution)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_combine_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_combine(health_score.distribution, health_score.distribution) IS
  'Combine function of distribution() and auc(): every value of a and of b, segment by segment. NULL when both are NULL; a and b must both have segments or both have none.';

CREATE OR REPLACE FUNCTION health_score.distribution_final(dist health_score.distribution)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_distribution_final_v1_3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.distribution_final(health_score.distribution) IS
  'Final function of distribution(): the state as a distribution value.';

CREATE OR REPLACE AGGREGATE health_score.distribution(value float8) (
  SFUNC = health_score.distribution_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.distribution(float8) IS
  'Every non-NULL value of the group, for percentile_rank and quantile. NULLs are skipped; NaN is an error; no values gives NULL.';

CREATE OR REPLACE AGGREGATE health_score.distribution(value float8, segment text) (
  SFUNC = health_score.distribution_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.distribution_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.distribution(float8, text) IS
  'Every non-NULL value of the group, kept apart per segment (a NULL segment is a segment of its own), for percentile_rank(dist, value, segment) in one pass over the table.';


-- Percentile cuts: the 99 values where a distribution's rank changes,
-- and lookups and counts by them (src/percentile_cuts.c).  The lookup has
-- a name of its own: as an overload of percentile_rank(dist, value) it
-- would make percentile_rank('{1,2}', 1) and percentile_rank(NULL, 1),
-- whose untyped first argument is a distribution today, ambiguous.
CREATE OR REPLACE FUNCTION health_score.percentile_cuts(dist health_score.distribution)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_percentile_cuts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_cuts(health_score.distribution) IS
  '99 cut values: cuts[i] is the largest value of dist that ranks i or lower, so that percentile_rank_by_cuts(cuts, value) = percentile_rank(dist, value) for every value. Every cut is Infinity when dist holds one value.';

CREATE OR REPLACE FUNCTION health_score.percentile_cuts(dist health_score.distribution, segment text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_percentile_cuts_segment'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_cuts(health_score.distribution, text) IS
  'percentile_cuts of one segment of a distribution(value, segment): percentile_rank_by_cuts(cuts, value) = percentile_rank(dist, value, segment). NULL when dist is NULL or the segment is not in dist; a NULL segment is the NULL segment''s.';

CREATE OR REPLACE FUNCTION health_score.percentile_rank_by_cuts(cuts float8[], value float8)
RETURNS integer
AS 'MODULE_PATHNAME', 'hs_percentile_rank_by_cuts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_rank_by_cuts(float8[], float8) IS
  'Where value stands, 1-100, by the cuts percentile_cuts returned: 1 + how many cuts are below value, equal to percentile_rank(dist, value). cuts must be 99 non-decreasing numbers; NaN is an error.';

CREATE OR REPLACE FUNCTION health_score.percentile_counts_accum(state bigint[], cuts float8[], value float8, buckets integer)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'hs_percentile_counts_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_counts_accum(bigint[], float8[], float8, integer) IS
  'Transition function of percentile_counts(cuts, value, buckets).';

CREATE OR REPLACE FUNCTION health_score.percentile_counts_combine(a bigint[], b bigint[])
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'hs_percentile_counts_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.percentile_counts_combine(bigint[], bigint[]) IS
  'Combine function of percentile_counts(): the counts added bucket by bucket.';

-- The state is the result, a bigint[], rather than internal, so that
-- Citus can ship partial counts as text.
CREATE OR REPLACE AGGREGATE health_score.percentile_counts(cuts float8[], value float8, buckets integer) (
  SFUNC = health_score.percentile_counts_accum,
  STYPE = bigint[],
  COMBINEFUNC = health_score.percentile_counts_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.percentile_counts(float8[], float8, integer) IS
  'How many values of the group fall in each of buckets percentile buckets (buckets divides 100; bucket = ceil(percentile_rank_by_cuts(cuts, value) * buckets / 100), so 10 gives deciles), in one pass that runs in parallel. NULL values are skipped. Use with GROUP BY segment and each row''s segment''s cuts.';
