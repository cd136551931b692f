/*
 * Labels of a score: round_score, band and grade (src/labels.c; test
 * sql/labels.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.round_score(score float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_round_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.round_score(float8) IS
  'score rounded to one decimal, half away from zero: the same float8 as round(score::numeric, 1)::float8, at a fraction of its cost. NaN and +/-Infinity are returned as they are.';

CREATE OR REPLACE FUNCTION health_score.band(score float8, red_below float8 DEFAULT 40,
                                  green_from float8 DEFAULT 70)
RETURNS text
AS 'MODULE_PATHNAME', 'hs_band'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.band(float8, float8, float8) IS
  '''red'' when score < red_below, ''green'' when score >= green_from, else ''yellow''.';

CREATE OR REPLACE FUNCTION health_score.grade(score float8,
                                   cutoffs float8[] DEFAULT '{90,80,70,60}',
                                   letters text[] DEFAULT '{A,B,C,D,F}')
RETURNS text
AS 'MODULE_PATHNAME', 'hs_grade'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.grade(float8, float8[], text[]) IS
  'Letter grade: score >= cutoffs[1] gets letters[1], and so on; below the last cutoff gets the last letter. Cutoffs strictly decreasing.';
