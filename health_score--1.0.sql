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
  'Like scale() on a log1p axis, for heavy-tailed counts (logins, orders, seats). Negative arguments are errors.';

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
