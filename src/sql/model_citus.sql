/*
 * Scoring models over Citus: a model whose source is a table distributed
 * by the model's key keeps its stored_scores and history distributed by
 * the key as well, co-located with the source, so that a customer's stored
 * scores and history live on the shard of its source row (test
 * test/citus/run.sh).
 *
 * Citus is never a dependency: every call into it is dynamic SQL, made
 * only where pg_catalog.pg_dist_partition exists.  Without Citus, or over
 * a source that is not distributed by the model's key, these functions
 * change nothing and the model's tables stay ordinary tables.
 *
 * Where they are called: _create_stored and _create_history distribute
 * the tables they have just made (_distribute_like_source), which also
 * swaps their row-level security policy for one Citus accepts;
 * _refresh_stored writes a distributed stored_scores in a shape Citus
 * plans (_citus_write_stored); drop_model reads the history over one
 * connection per node (_citus_sequential).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- The distribution column of a hash-distributed table, or NULL: without
-- Citus, for a local, reference or single-shard table, and for a view.
CREATE OR REPLACE FUNCTION health_score_internal._citus_distribution_column(rel regclass)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    column_name text;
BEGIN
    IF rel IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)
  FROM pg_catalog.pg_dist_partition AS p
 WHERE p.logicalrelid = $1 AND p.partmethod = 'h'$q$
       INTO column_name USING rel;
    RETURN column_name;
END;
$$;

COMMENT ON FUNCTION health_score_internal._citus_distribution_column(regclass) IS
  'Internal: the distribution column of a table Citus distributes by hash; NULL without Citus and for any other relation.';

-- Whether Citus manages a table: distributed, reference or single-shard.
CREATE OR REPLACE FUNCTION health_score_internal._citus_table(rel regclass)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found boolean := false;
BEGIN
    IF rel IS NOT NULL AND to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition AS p WHERE p.logicalrelid = $1)'
           INTO found USING rel;
    END IF;
    RETURN found;
END;
$$;

COMMENT ON FUNCTION health_score_internal._citus_table(regclass) IS
  'Internal: whether Citus manages a table (distributed, reference or single-shard); false without Citus.';

-- The error a reader gets from the policy of a distributed stored_scores
-- or history (below) where the local policy would show them other rows
-- than it can: they may not read the source's key (the local policy fails
-- the same way), or row-level security on the source applies to them.
-- Never returns.
CREATE OR REPLACE FUNCTION health_score_internal._citus_source_hidden(source regclass, key text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT has_column_privilege(source, key, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for table %',
                        (SELECT c.relname FROM pg_catalog.pg_class AS c WHERE c.oid = source)
              USING ERRCODE = '42501';
    END IF;
    RAISE EXCEPTION 'row-level security on % applies to role %, and the stored scores and history of models over it cannot show it', source, current_user
          USING ERRCODE = '0A000',
                DETAIL = 'They are distributed by Citus, which allows no subquery in a policy on a distributed table: they cannot show each reader only the customers the source shows them.',
                HINT = format('Read the model''s scores view (or red, yellow, green, segment_summary), which reads %s as you.', source);
END;
$$;

COMMENT ON FUNCTION health_score_internal._citus_source_hidden(regclass, text) IS
  'Internal: raises the error of a reader the policy of a distributed stored_scores or history cannot serve: no SELECT on the source''s key, or row-level security on the source applying to them.';

-- The policy of a distributed stored_scores or history.  The one the
-- local tables carry, EXISTS (SELECT FROM source ...), is refused by
-- Citus on a distributed table ("cannot create policy": "Subqueries are
-- not supported in policies on distributed tables"), and a function
-- reading the source from the policy fails on the shards ("cannot execute
-- a distributed query from a query on a shard").  What that subquery
-- shows a reader who may read the source's key, and whom no row-level
-- security on the source applies to, is every customer of the source:
-- this shows them every row, without a subquery (a customer deleted from
-- the source since the last refresh, and the history of one deleted since
-- its snapshots, included).  Any other reader gets an error
-- (_citus_source_hidden), rather than rows the source would hide from
-- them: a role lacking SELECT on the key, as from the local policy, and a
-- role under row-level security on the source, whose rows no policy
-- without a subquery can pick.  The built-in checks come first, so the
-- function runs only to raise the error.
CREATE OR REPLACE FUNCTION health_score_internal._citus_policy_sql(m health_score.model, rel regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$CREATE POLICY visible_in_source ON %1$s FOR SELECT
    USING ((pg_catalog.has_column_privilege(%2$L::regclass, %3$L, 'SELECT')
            OR health_score_internal._citus_source_hidden(%2$L::regclass, %3$L))
           AND (NOT pg_catalog.row_security_active(%2$L::regclass)
                OR health_score_internal._citus_source_hidden(%2$L::regclass, %3$L)))$q$,
                  rel, m.source::text, m.key)
$$;

COMMENT ON FUNCTION health_score_internal._citus_policy_sql(health_score.model, regclass) IS
  'Internal: the CREATE POLICY of a model''s distributed stored_scores or history, which Citus accepts (no subquery).';

-- Distribute rel (a model's stored_scores or history, just created and
-- empty) by the model's key, co-located with the source, when the source
-- is distributed by that key; returns whether rel is distributed.  Where
-- it cannot be done faithfully, rel stays a local table on the
-- coordinator, as it would be without Citus, and a notice says why.
CREATE OR REPLACE FUNCTION health_score_internal._distribute_like_source(m health_score.model, rel regclass)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source_column text := health_score_internal._citus_distribution_column(m.source);
    history regclass := to_regclass(format('%I.history', m.target_schema));
    reason text;
BEGIN
    IF source_column IS NULL THEN
        RETURN false;
    ELSIF health_score_internal._citus_distribution_column(rel) IS NOT NULL THEN
        RETURN true;
    END IF;
    IF source_column <> m.key THEN
        reason := format('%s is distributed by %I, not by the model''s key %I', m.source, source_column, m.key);
    ELSIF (SELECT (a.atttypid, a.attcollation) FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = rel AND a.attname = m.key)
          IS DISTINCT FROM
          (SELECT (a.atttypid, a.attcollation) FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = m.source AND a.attname = m.key) THEN
        -- a uuid or date key is text in the model's tables: Citus
        -- co-locates only columns of one type and collation
        reason := format('its key is %s there, %s in %s, and Citus co-locates only columns of one type',
                         health_score_internal._key_type_sql(m),
                         format_type(health_score_internal._column_type(m.source, m.key), NULL), m.source);
    ELSIF history IS NOT NULL AND history <> rel
          AND health_score_internal._citus_distribution_column(history) IS NULL THEN
        -- a model's tables are distributed together or not at all
        reason := format('%s, made before, is a local table', history);
    END IF;
    IF reason IS NOT NULL THEN
        -- its policy then reads the distributed source from a local table,
        -- which Citus plans for nobody but the owner, whom it does not bind
        RAISE NOTICE '% stays a local table on the coordinator: %', rel, reason
              USING DETAIL = format('Only its owner can read it: for other roles its policy joins it to %s, and Citus supports no direct join between distributed and local tables.', m.source);
        RETURN false;
    END IF;
    EXECUTE format('DROP POLICY visible_in_source ON %s', rel);
    EXECUTE health_score_internal._citus_policy_sql(m, rel);
    EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
      USING rel, m.key, m.source::text;
    -- snapshots, a row per snapshot, goes to every node with the history:
    -- the trend views read both, and Citus creates a view on the workers
    -- only when every table under it is distributed (else a warning at
    -- every build: "has dependency to ... that is not in Citus' metadata")
    IF rel = history AND NOT health_score_internal._citus_table(to_regclass(format('%I.snapshots', m.target_schema))) THEN
        EXECUTE 'SELECT pg_catalog.create_reference_table($1)'
          USING to_regclass(format('%I.snapshots', m.target_schema));
    END IF;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION health_score_internal._distribute_like_source(health_score.model, regclass) IS
  'Internal: distributes a model''s new stored_scores or history by its key, co-located with its source, when Citus distributes the source by that key; returns whether it is distributed. Otherwise changes nothing (a notice says why, where the source is distributed).';

-- refresh's writes to a distributed stored_scores, from the scored rows
-- in pg_temp.health_score_refresh; returns false, having done nothing,
-- when stored_scores is not distributed.  Citus plans the local shape
-- badly or not at all: UPDATE ... FROM the temporary table sends all of
-- it to every shard; INSERT ... WHERE NOT EXISTS (distributed) fails with
-- "direct joins between distributed and local tables are not supported";
-- DELETE ... WHERE NOT EXISTS (temporary) with "relation
-- health_score_refresh is not distributed"; and MERGE from a local table
-- with "MERGE INTO an distributed table from Postgres table is not yet
-- supported".  So the stored rows come to the coordinator once, are
-- compared there, and only the rows that changed go back, each to its
-- shard: the same rows are written as by the local statements.
CREATE OR REPLACE FUNCTION health_score_internal._citus_write_stored(m health_score.model, columns text[])
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stored text := format('%I.stored_scores', m.target_schema);
    values_columns text[] := columns[2:];
BEGIN
    IF health_score_internal._citus_distribution_column(to_regclass(stored)) IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TEMPORARY TABLE health_score_stored AS SELECT %s FROM %s',
                   health_score_internal._column_list(columns), stored);
    EXECUTE format($q$INSERT INTO %1$s AS s
SELECT t.* FROM pg_temp.health_score_refresh AS t
  LEFT JOIN pg_temp.health_score_stored AS o ON o.%2$I = t.%2$I
 WHERE o.%2$I IS NULL OR ROW(%3$s) IS DISTINCT FROM ROW(%4$s)
ON CONFLICT (%2$I) DO UPDATE SET (%5$s) = ROW(%6$s)$q$,
                   stored, m.key,
                   health_score_internal._column_list(values_columns, 'o'),
                   health_score_internal._column_list(values_columns, 't'),
                   health_score_internal._column_list(values_columns),
                   health_score_internal._column_list(values_columns, 'excluded'));
    EXECUTE format($q$DELETE FROM %1$s AS s
 WHERE s.%2$I IN (SELECT o.%2$I FROM pg_temp.health_score_stored AS o
                   WHERE NOT EXISTS (SELECT FROM pg_temp.health_score_refresh AS t WHERE t.%2$I = o.%2$I))$q$,
                   stored, m.key);
    -- unqualified: Citus takes a qualified pg_temp for a schema of that name
    DROP TABLE health_score_stored;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION health_score_internal._citus_write_stored(health_score.model, text[]) IS
  'Internal: refresh''s writes to a distributed stored_scores from pg_temp.health_score_refresh, rewriting only the rows that changed; false, doing nothing, when stored_scores is not distributed.';

-- Before a query over rel, in a transaction that then changes views Citus
-- created on the workers too (drop_model reads the history, then drops the
-- views): where rel is distributed, have Citus run the rest of the
-- transaction over one connection per node.  After a query over several
-- connections to a node, Citus refuses to change such a view: "cannot run
-- view command because there was a parallel operation on a distributed
-- table in the transaction".  A no-op without Citus or for a local rel.
CREATE OR REPLACE FUNCTION health_score_internal._citus_sequential(rel regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF health_score_internal._citus_table(rel) THEN
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._citus_sequential(regclass) IS
  'Internal: where Citus distributes rel, makes the rest of the transaction use one connection per node, so that it may still change the views Citus created on the workers.';
