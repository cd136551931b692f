/*
 * What only CREATE EXTENSION creates, after the functions: who may read
 * and change the catalog tables.  It runs last because the policies call
 * health_score_internal._is_model_owner() (model_define.sql).
 *
 * Anyone may define models; a model belongs to the role that created it,
 * and only that role's members may change it.  The extension's functions
 * are for everyone too.
 */

GRANT USAGE ON SCHEMA health_score, health_score_internal TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON health_score.model, health_score.metric,
                                        health_score.model_version TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON health_score.reference TO PUBLIC;
ALTER TABLE health_score.model ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_score.metric ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_score.model_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON health_score.model FOR SELECT USING (true);
CREATE POLICY owned ON health_score.model
  USING (health_score_internal._is_model_owner(owner))
  WITH CHECK (health_score_internal._is_model_owner(owner));
CREATE POLICY readable ON health_score.metric FOR SELECT USING (true);
CREATE POLICY owned ON health_score.metric
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = metric.model
                    AND health_score_internal._is_model_owner(hm.owner)));
CREATE POLICY readable ON health_score.model_version FOR SELECT USING (true);
CREATE POLICY owned ON health_score.model_version
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = model_version.model
                    AND health_score_internal._is_model_owner(hm.owner)));
ALTER TABLE health_score.reference ENABLE ROW LEVEL SECURITY;
CREATE POLICY owned ON health_score.reference
  USING (EXISTS (SELECT FROM health_score.model AS hm WHERE hm.name = reference.model
                    AND health_score_internal._is_model_owner(hm.owner)));
-- The readers of a model's scores view read the distributions it ranks
-- against; nobody else does.  The view is found in the catalog rather
-- than by name, which would need USAGE on its schema.
CREATE POLICY readable ON health_score.reference FOR SELECT
  USING (EXISTS (SELECT FROM health_score.model AS hm
                   JOIN pg_catalog.pg_namespace AS n ON n.nspname = hm.target_schema
                   JOIN pg_catalog.pg_class AS c ON c.relnamespace = n.oid AND c.relname IN ('scores', 'scores_mv')
                  WHERE hm.name = reference.model
                    AND pg_catalog.has_table_privilege(c.oid, 'SELECT')));
