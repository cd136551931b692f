/*
 * Does the score predict churn: the auc and logistic_fit aggregates
 * (src/auc.c, src/logistic.c; test sql/validation.sql).  auc keeps its
 * state as a distribution (distribution.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

CREATE OR REPLACE FUNCTION health_score.auc_accum(state health_score.distribution, score float8, outcome boolean)
RETURNS health_score.distribution
AS 'MODULE_PATHNAME', 'hs_auc_accum_v1_3'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_accum(health_score.distribution, float8, boolean) IS
  'Transition function of auc(): state, the scores so far as a distribution with segments "t" (outcome true: churned) and "f", with score added to its outcome''s segment. A NULL state is empty; a NULL score or outcome adds nothing; NaN is an error.';

CREATE OR REPLACE FUNCTION health_score.auc_final(state health_score.distribution)
RETURNS float8
AS 'MODULE_PATHNAME', 'hs_auc_final_v1_3'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION health_score.auc_final(health_score.distribution) IS
  'Final function of auc(): the AUC of the scores in state''s segments "t" (churned) and "f"; NULL when either is empty.';

-- The state is the distribution aggregate's, one segment per class.
CREATE OR REPLACE AGGREGATE health_score.auc(score float8, outcome boolean) (
  SFUNC = health_score.auc_accum,
  STYPE = health_score.distribution,
  SSPACE = 8192,
  FINALFUNC = health_score.auc_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = health_score.distribution_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.auc(float8, boolean) IS
  'ROC AUC of a health score against a bad outcome (true = churned): the probability that a customer with outcome false outscores one with outcome true, ties counting one half. 1 for a perfect score, about 0.5 for a random one. NULL pairs are skipped; NULL when either class is empty.';

CREATE OR REPLACE FUNCTION health_score.logistic_accum(health_score.logistic_state, float8[], boolean, float8)
RETURNS health_score.logistic_state
AS 'MODULE_PATHNAME', 'hs_logistic_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_accum(health_score.logistic_state, float8[], boolean, float8) IS
  'Transition function of logistic_fit().';

CREATE OR REPLACE FUNCTION health_score.logistic_combine(health_score.logistic_state, health_score.logistic_state)
RETURNS health_score.logistic_state
AS 'MODULE_PATHNAME', 'hs_logistic_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_combine(health_score.logistic_state, health_score.logistic_state) IS
  'Combine function of logistic_fit().';

CREATE OR REPLACE FUNCTION health_score.logistic_final(health_score.logistic_state)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'hs_logistic_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION health_score.logistic_final(health_score.logistic_state) IS
  'Final function of logistic_fit(): the Newton iteration. Fills in missing features in the state.';

CREATE OR REPLACE AGGREGATE health_score.logistic_fit(features float8[], outcome boolean, ridge float8) (
  SFUNC = health_score.logistic_accum,
  STYPE = health_score.logistic_state,
  FINALFUNC = health_score.logistic_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = health_score.logistic_combine,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score.logistic_fit(float8[], boolean, float8) IS
  'Logistic regression of outcome on features: the coefficients maximizing the log-likelihood minus ridge/2 x their squares (the intercept unpenalized), intercept first. A NULL feature takes the mean of that feature; rows with a NULL outcome or features are skipped; NULL when either outcome is absent. Keeps every row in memory.';
