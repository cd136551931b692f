/*
 * Normalizing a raw metric onto the 0-100 scale: scale, scale_log,
 * scale_steps (src/scale.c; test sql/scale.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.scale(value float8, worst float8, best float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale(float8, float8, float8) IS
  'Linear map of value to 0-100, clamped: 0 at worst, 100 at best (worst > best means lower is better). NaN value, non-finite or equal anchors are errors.';

CREATE OR REPLACE FUNCTION health_score.scale_log(value float8, worst float8, best float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale_log'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale_log(float8, float8, float8) IS
  'Like scale() on a ln(1 + x) axis, for heavy-tailed counts (logins, orders, seats). Negative arguments are errors.';

CREATE OR REPLACE FUNCTION health_score.scale_steps(value float8, thresholds float8[], scores float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_scale_steps'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.scale_steps(float8, float8[], float8[]) IS
  'Range scoring: value < thresholds[1] gets scores[1], ..., value >= thresholds[n] gets scores[n+1]. Thresholds strictly increasing, scores within 0-100.';
