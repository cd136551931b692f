/*
 * Account hierarchies: a model whose customers name a parent account
 * (create_model(..., parent) or set_parent) gets the accounts view, one
 * row per parent rolled up from its children, and the account_trend and
 * account_dropped views over the history (tests sql/model_accounts.sql).
 *
 * The hierarchy is one level deep: a customer's parent is the account
 * its children roll up to, and a parent may not itself have a parent.
 * build, refresh and snapshot refuse a deeper tree or a cycle, naming the
 * keys; give the top-level account as the parent (coalesce(group_id,
 * parent_id)) to roll a deeper tree up to its top.  A parent need not be
 * a customer of the source.
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- An account's row from its children (src/account_rollup.c): counts,
-- the score weighted by revenue (or the plain mean), the worst child and
-- the revenue sums, in one state per account.  Partial states merge, for
-- parallel plans.
CREATE OR REPLACE FUNCTION health_score_internal._account_rollup_accum(internal, float8, float8, boolean, text)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_account_rollup_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._account_rollup_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_account_rollup_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._account_rollup_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'hs_account_rollup_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._account_rollup_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'hs_account_rollup_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION health_score_internal._account_rollup_final(internal)
RETURNS health_score_internal._account_rollup_result
AS 'MODULE_PATHNAME', 'hs_account_rollup_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE AGGREGATE health_score_internal._account_rollup(score float8, revenue float8, red boolean, key text) (
    SFUNC = health_score_internal._account_rollup_accum,
    STYPE = internal,
    COMBINEFUNC = health_score_internal._account_rollup_combine,
    SERIALFUNC = health_score_internal._account_rollup_serialize,
    DESERIALFUNC = health_score_internal._account_rollup_deserialize,
    FINALFUNC = health_score_internal._account_rollup_final,
    -- the state's size, with its worst key: without it the planner takes
    -- an internal state for 8 kB, and a hash aggregate of 100,000
    -- accounts spills to disk after the first 16,000
    SSPACE = 160,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE health_score_internal._account_rollup(float8, float8, boolean, text) IS
  'Internal: a parent account''s row from its children: children, scored children, the score (weighted by positive revenue, else the mean; unrounded), how it was weighted, the worst child (of equal scores the key first in byte order) and its score, red children, revenue and red revenue.';

-- The views build() makes for a model with a parent, in the order they
-- can be dropped.
CREATE OR REPLACE FUNCTION health_score_internal._account_views()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{account_dropped,account_trend,accounts}'::pg_catalog.text[] $$;

COMMENT ON FUNCTION health_score_internal._account_views() IS
  'Internal: the views build() makes for a model with a parent, dependents first.';

-- The roll-up of a relation of children (alias s, with the key, score,
-- band, parent and, with a revenue, revenue), one row per parent:
-- account, children, scored_children, score (one decimal),
-- score_weighting, worst_child (as text), worst_child_score,
-- red_children, and revenue and red_revenue; see _account_rollup.
CREATE OR REPLACE FUNCTION health_score_internal._rollup_sql(m health_score.model, relation_sql text,
                                                          filter text DEFAULT 'true')
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$SELECT r.account, (r.x).children, (r.x).scored_children,
       round(((r.x).score)::numeric, 1)::float8 AS score, (r.x).score_weighting,
       (r.x).worst_child, (r.x).worst_child_score, (r.x).red_children%1$s
  FROM (SELECT s.parent AS account,
               health_score_internal._account_rollup(s.score, %2$s, s.band = 'red', (s.%3$I)::text) AS x
          FROM %4$s
         WHERE s.parent IS NOT NULL AND %5$s
         GROUP BY s.parent) AS r$q$,
                  CASE WHEN m.revenue IS NULL THEN '' ELSE ', (r.x).revenue, (r.x).red_revenue' END,
                  CASE WHEN m.revenue IS NULL THEN 'NULL::float8' ELSE 's.revenue' END,
                  m.key, relation_sql, filter)
$$;

COMMENT ON FUNCTION health_score_internal._rollup_sql(health_score.model, text, text) IS
  'Internal: the SQL rolling children (alias s of relation_sql, those filter keeps) up into one row per parent account.';

-- The SQL of the accounts view: the roll-up of the scores view, banded
-- and graded as a customer is.
CREATE OR REPLACE FUNCTION health_score_internal._accounts_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$SELECT a.account, a.children, a.scored_children, a.score,
       health_score.band(a.score, %1$L, %2$L) AS band,
       health_score.grade(a.score, %3$L::float8[], %4$L::text[]) AS grade,
       a.score_weighting, (a.worst_child)::%5$s AS worst_child, a.worst_child_score, a.red_children%6$s
  FROM (%7$s) AS a$q$,
                  m.red_below, m.green_from, m.grade_cutoffs, m.grade_letters,
                  health_score_internal._key_type_sql(m),
                  CASE WHEN m.revenue IS NULL THEN '' ELSE ', a.revenue, a.red_revenue' END,
                  health_score_internal._rollup_sql(m, format('%I.scores AS s', m.target_schema)))
$$;

COMMENT ON FUNCTION health_score_internal._accounts_sql(health_score.model) IS
  'Internal: the SQL of a model''s accounts view.';

-- The SQL of the account_trend view: each account rolled up from its
-- children's history rows of the latest snapshot, beside the same of the
-- snapshot before it.
CREATE OR REPLACE FUNCTION health_score_internal._account_trend_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$SELECT cur.account, d.latest AS taken_on, cur.children, cur.score, b.band,
       d.previous AS previous_on, prev.score AS previous_score, b.previous_band,
       round((cur.score - prev.score)::numeric, 1)::float8 AS delta,
       CASE WHEN b.band <> b.previous_band THEN b.previous_band || '→' || b.band END AS band_change,
       coalesce(array_position('{red,yellow,green}'::text[], b.band)
                < array_position('{red,yellow,green}'::text[], b.previous_band), false) AS dropped_band,
       (cur.worst_child)::%4$s AS worst_child, cur.worst_child_score, cur.red_children%5$s
  FROM (SELECT l.latest,
               (SELECT max(p.taken_on) FROM %1$I.snapshots AS p WHERE p.taken_on < l.latest) AS previous
          FROM (SELECT max(sn.taken_on) AS latest FROM %1$I.snapshots AS sn) AS l) AS d
  JOIN LATERAL (%6$s) AS cur ON true
  LEFT JOIN LATERAL (%7$s) AS prev ON prev.account = cur.account
 CROSS JOIN LATERAL (SELECT health_score.band(cur.score, %2$L, %3$L) AS band,
                            health_score.band(prev.score, %2$L, %3$L) AS previous_band) AS b$q$,
                  m.target_schema, m.red_below, m.green_from, health_score_internal._key_type_sql(m),
                  CASE WHEN m.revenue IS NULL THEN '' ELSE ', cur.revenue' END,
                  health_score_internal._rollup_sql(m, format('%I.history AS s', m.target_schema), 's.taken_on = d.latest'),
                  health_score_internal._rollup_sql(m, format('%I.history AS s', m.target_schema), 's.taken_on = d.previous'))
$$;

COMMENT ON FUNCTION health_score_internal._account_trend_sql(health_score.model) IS
  'Internal: the SQL of a model''s account_trend view.';

-- Create (or replace) the account views of a model with a parent; drop
-- them when it has none any more.
CREATE OR REPLACE FUNCTION health_score_internal._create_account_views(m health_score.model, verb text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    relation text;
BEGIN
    IF m.parent IS NULL THEN
        FOREACH relation IN ARRAY health_score_internal._account_views() LOOP
            PERFORM health_score_internal._drop_built(m.target_schema, relation, 'drop');
        END LOOP;
        RETURN;
    END IF;
    EXECUTE format('%s %s.accounts WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._accounts_sql(m));
    EXECUTE format('%s %s.account_trend WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._account_trend_sql(m));
    EXECUTE format($q$%1$s %2$s.account_dropped WITH (security_invoker = true) AS
SELECT * FROM %2$s.account_trend
 WHERE dropped_band
 ORDER BY array_position('{red,yellow,green}'::text[], previous_band)
          - array_position('{red,yellow,green}'::text[], band) DESC,
          delta, account$q$, verb, schema_name);
END;
$$;

COMMENT ON FUNCTION health_score_internal._create_account_views(health_score.model, text) IS
  'Internal: creates or replaces a model''s accounts, account_trend and account_dropped views, or drops them when the model has no parent.';

CREATE OR REPLACE FUNCTION health_score_internal._comment_account_views(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    weighting text := CASE WHEN m.revenue IS NULL
                           THEN 'the mean of its scored children''s scores'
                           ELSE 'the mean of its scored children''s scores weighted by their revenue (those with a positive revenue), or the plain mean when none has one' END;
    comments text[] := ARRAY[
        'account', format('Parent account: a value of the model''s parent (%s over %s).', m.parent, m.source),
        'children', 'How many customers name it as their parent (those the source shows you).',
        'scored_children', 'How many of them have a score.',
        'score', format('Account score 0-100, one decimal: %s, as the customers'' scores are shown; NULL when none has a score.', weighting),
        'band', format('red when score < %s, green when score >= %s, else yellow.', m.red_below, m.green_from),
        'grade', format('Letter grade %s at score cutoffs %s.', m.grade_letters, m.grade_cutoffs),
        'score_weighting', 'revenue: the score is weighted by revenue; mean: the plain mean; NULL without a scored child.',
        'worst_child', 'The child with the lowest score (of equal scores, the key first as text in byte order).',
        'worst_child_score', 'Its score.',
        'red_children', 'How many children are in the red band.',
        'revenue', format('Sum of the children''s revenue (%s).', m.revenue),
        'red_revenue', 'Sum of the red children''s revenue: what the red band puts at risk.',
        'taken_on', 'The day of the latest snapshot.',
        'previous_on', 'The snapshot before it.',
        'previous_score', 'The account''s score at previous_on, rolled up from its children then.',
        'previous_band', 'Band of previous_score.',
        'delta', 'score minus previous_score, one decimal.',
        'band_change', 'previous_band→band when the band changed, else NULL.',
        'dropped_band', 'True when the band fell since previous_on.'];
    relation text;
BEGIN
    IF m.parent IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('COMMENT ON VIEW %s.accounts IS %L', schema_name,
                   format('One row per parent account of model %s: its children (the customers of %s that name it as parent, as the source shows them to you) rolled up: %s. A parent need not be a customer.',
                          m.name, m.source, weighting));
    EXECUTE format('COMMENT ON VIEW %s.account_trend IS %L', schema_name,
                   format('How each parent account of model %s moved: the accounts rolled up from the history of the latest snapshot beside the snapshot before it (the children the history shows you).', m.name));
    EXECUTE format('COMMENT ON VIEW %s.account_dropped IS %L', schema_name,
                   format('Parent accounts of model %s whose band fell since the previous snapshot, worst drop first: the rows of account_trend with dropped_band.', m.name));
    FOREACH relation IN ARRAY health_score_internal._account_views() LOOP
        PERFORM health_score_internal._comment_columns(format('%s.%I', schema_name, relation), comments);
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_account_views(health_score.model) IS
  'Internal: comments a model''s account views and their columns.';

-- One error when the hierarchy of a relation of scored rows (the key and
-- parent columns of stored_scores) is not one level: a customer whose
-- parent has a parent.  The chain is followed up to 100 steps to tell a
-- cycle (named by its keys, from the least as text) from a deeper tree.
CREATE OR REPLACE FUNCTION health_score_internal._require_flat_hierarchy(m health_score.model, relation text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pairs text := format('SELECT r.%I AS k, r.parent AS p FROM %s AS r', m.key, relation);
    first_key text;
    chain text[];
    next_key text;
BEGIN
    -- an aggregate, not LIMIT 1: a LIMIT would have the planner walk a
    -- nested loop, which finds nothing (the usual case) only after
    -- pairing every customer with every other
    EXECUTE format('SELECT min(c.k::text) FROM (%1$s) AS c JOIN (%1$s) AS up ON up.k = c.p WHERE up.p IS NOT NULL', pairs)
       INTO first_key;
    IF first_key IS NULL THEN
        RETURN;
    END IF;
    chain := ARRAY[first_key];
    LOOP
        EXECUTE format('SELECT min(c.p::text) FROM (%s) AS c WHERE c.k::text = $1', pairs)
           INTO next_key USING chain[cardinality(chain)];
        EXIT WHEN next_key IS NULL OR next_key = ANY (chain) OR cardinality(chain) > 100;
        chain := chain || next_key;
    END LOOP;
    IF next_key = ANY (chain) THEN
        chain := chain[array_position(chain, next_key):] || next_key;
        RAISE EXCEPTION 'the parents of model "%" make a cycle: %', m.name,
                        array_to_string(ARRAY(SELECT quote_literal(k) FROM unnest(chain) AS k), ' → ')
              USING ERRCODE = '23514',
                    DETAIL = format('Each key is the parent (%s) of the one before it.', m.parent),
                    HINT = 'Give one of them a NULL parent: a top-level account has none.';
    END IF;
    RAISE EXCEPTION 'the parents of model "%" are more than one level deep: %', m.name,
                    array_to_string(ARRAY(SELECT quote_literal(k) FROM unnest(chain) AS k), ' → ')
                    || CASE WHEN next_key IS NOT NULL THEN ' → …' ELSE '' END
          USING ERRCODE = '23514',
                DETAIL = format('Customer %s has parent %s, which has a parent too; accounts roll children up one level.',
                                quote_literal(chain[1]), quote_literal(chain[2])),
                HINT = 'Give each customer the top-level account as its parent (set_parent), as in coalesce(group_id, parent_id).';
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_flat_hierarchy(health_score.model, text) IS
  'Internal: an error naming the keys when the parents of a relation of scored rows make a cycle or a tree more than one level deep.';
