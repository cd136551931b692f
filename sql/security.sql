-- Security: no SECURITY DEFINER function, every search_path pinned (or
-- every name qualified), the catalog's privileges and row-level
-- security, a role with no special privilege modelling its own table,
-- row-level security on the source holding through every view and
-- function, metric expressions running with the invoker's rights, and
-- quotes in names and expressions staying quoted.
SET client_min_messages = warning;
-- PL/pgSQL context lines would pin line numbers, not behaviour
\set SHOW_CONTEXT never

-- Roles are cluster-wide: a run that stopped midway may have left these.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY '{hs_sec_owner,hs_sec_reader,hs_sec_gone}'::text[] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('DROP OWNED BY %I CASCADE', r);
            EXECUTE format('DROP ROLE %I', r);
        END IF;
    END LOOP;
END
$$;

------------------------------------------------------------------------
-- 1. The extension's functions: no SECURITY DEFINER, search_path pinned
------------------------------------------------------------------------
CREATE TEMP VIEW hs_sec_functions AS
SELECT p.oid, p.oid::regprocedure AS function, l.lanname, p.prokind, p.prosecdef,
       p.proleakproof, p.provolatile, p.proparallel, p.proconfig, p.prosrc
  FROM pg_depend d
  JOIN pg_proc p ON p.oid = d.objid
  JOIN pg_language l ON l.oid = p.prolang
 WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e'
   AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'health_score');

-- the lists below come out empty because nothing is wrong, not because
-- the query finds nothing: it finds every function, aggregate and helper
SELECT count(*) > 100 AS found_functions,
       count(*) FILTER (WHERE lanname = 'c') > 50 AS found_c,
       count(*) FILTER (WHERE lanname = 'plpgsql') > 40 AS found_plpgsql,
       count(*) FILTER (WHERE prokind = 'a') > 10 AS found_aggregates
  FROM hs_sec_functions;

-- no SECURITY DEFINER function: every one runs with its caller's rights
SELECT function AS security_definer FROM hs_sec_functions WHERE prosecdef ORDER BY function::text;

-- no LEAKPROOF function: the planner never runs one of them on a row
-- before row-level security has filtered it (their errors quote values)
SELECT function AS leakproof FROM hs_sec_functions WHERE proleakproof ORDER BY function::text;

-- PL/pgSQL and SQL functions: each pinned search_path starts with
-- pg_catalog, ends with pg_temp (so a temporary object never shadows a
-- catalog one) and holds no schema PUBLIC may create objects in
SELECT cfg AS pinned,
       (string_to_array(substr(cfg, length('search_path=') + 1), ', '))[1] = 'pg_catalog' AS catalog_first,
       (SELECT s[array_upper(s, 1)] = 'pg_temp'
          FROM string_to_array(substr(cfg, length('search_path=') + 1), ', ') AS s) AS temp_last,
       coalesce((SELECT array_agg(e)
                   FROM unnest(string_to_array(substr(cfg, length('search_path=') + 1), ', ')) AS e
                  WHERE e <> 'pg_temp'
                    AND (to_regnamespace(e) IS NULL OR has_schema_privilege('public', e, 'CREATE'))),
                '{}') AS public_writable_or_unknown
  FROM (SELECT DISTINCT c AS cfg
          FROM hs_sec_functions, unnest(proconfig) AS c
         WHERE c LIKE 'search\_path=%') AS d;

-- The PL/pgSQL and SQL functions without a pinned search_path.  Three, on
-- purpose: IMMUTABLE SQL constants that the planner inlines and folds,
-- which a SET clause would prevent.  They must then name nothing
-- unqualified: every identifier outside their string literals is
-- schema-qualified.  An unqualified type (::text[]) is looked up in the
-- caller's search_path, where a temporary type comes first:
--   CREATE DOMAIN pg_temp.text AS integer;
--   SELECT health_score_internal._built_views();  -- invalid input syntax for type integer
-- Expected: the three listed with no unqualified name (1.2 cast to ::text[]).
SELECT function AS unpinned,
       array(SELECT DISTINCT m[1]
               FROM regexp_matches(regexp_replace(prosrc, '''([^'']|'''')*''', '''''', 'g'),
                                   '([A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?)', 'g') AS m
              WHERE m[1] NOT LIKE '%.%' AND lower(m[1]) <> 'select'
              ORDER BY 1) AS unqualified_names
  FROM hs_sec_functions
 WHERE lanname IN ('plpgsql', 'sql')
   AND NOT coalesce(proconfig::text LIKE '%search\_path=%', false)
 ORDER BY function::text;

-- C functions: pure maths on their arguments, so IMMUTABLE and PARALLEL
-- SAFE, with no configuration of their own; but _model_row,
-- _model_row_overridden and _contributions_object, VOLATILE so that the planner does not pull the
-- query that calls them up into the views (see _scored_sql) or into
-- snapshot()'s query, and only those; and _parse_error_position,
-- _query_result_type and _query_is_volatile, VOLATILE and PARALLEL
-- UNSAFE since they prepare a
-- query (the first in a subtransaction, which no parallel worker may
-- start), which depends on the catalogs
SELECT function AS c_function_mislabelled, provolatile, proparallel, proconfig
  FROM hs_sec_functions
 WHERE lanname = 'c'
   AND (provolatile <> CASE WHEN function IN ('health_score_internal._model_row'::regproc,
                                              'health_score_internal._model_row_overridden'::regproc,
                                              'health_score_internal._contributions_object'::regproc,
                                              'health_score_internal._parse_error_position'::regproc,
                                              'health_score_internal._query_result_type'::regproc,
                                              'health_score_internal._query_is_volatile'::regproc)
                            THEN 'v' ELSE 'i' END
        OR proparallel <> CASE WHEN function IN ('health_score_internal._parse_error_position'::regproc,
                                                 'health_score_internal._query_result_type'::regproc,
                                                 'health_score_internal._query_is_volatile'::regproc)
                               THEN 'u' ELSE 's' END
        OR proconfig IS NOT NULL)
 ORDER BY function::text;
-- \df health_score.* lists what a user calls: every helper, a name
-- starting with _, is in health_score_internal, and nothing else is
SELECT function AS misplaced, pronamespace::regnamespace AS schema
  FROM hs_sec_functions f JOIN pg_proc p USING (oid)
 WHERE (p.pronamespace = 'health_score_internal'::regnamespace) <> (p.proname LIKE '\_%')
 ORDER BY 1;
SELECT count(*) FILTER (WHERE p.pronamespace = 'health_score'::regnamespace) > 50 AS user_functions,
       count(*) FILTER (WHERE p.pronamespace = 'health_score_internal'::regnamespace) > 30 AS helpers
  FROM hs_sec_functions f JOIN pg_proc p USING (oid);
-- every aggregate runs in parallel plans
SELECT function AS aggregate_not_parallel_safe FROM hs_sec_functions
 WHERE prokind = 'a' AND proparallel <> 's' ORDER BY function::text;
-- PL/pgSQL functions write catalogs and build views: none is PARALLEL SAFE
SELECT function AS plpgsql_parallel_safe FROM hs_sec_functions
 WHERE lanname = 'plpgsql' AND proparallel <> 'u' ORDER BY function::text;

------------------------------------------------------------------------
-- 2. Privileges: PUBLIC uses the schema and calls every function; the
--    catalog tables are the only tables PUBLIC may write, and
--    row-level security limits those writes to a model's owner (the
--    reader tries them in section 4)
------------------------------------------------------------------------
SELECT has_schema_privilege('public', 'health_score', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'health_score', 'CREATE') AS public_create,
       has_schema_privilege('public', 'health_score_internal', 'USAGE') AS public_usage_internal,
       has_schema_privilege('public', 'health_score_internal', 'CREATE') AS public_create_internal,
       (SELECT count(*) FROM hs_sec_functions f
         WHERE NOT has_function_privilege('public', f.oid, 'EXECUTE')) AS functions_public_cannot_call;

-- every relation of the extension, what PUBLIC may do with it and
-- whether row-level security is on: no TRUNCATE (which ignores
-- row-level security), REFERENCES or TRIGGER for PUBLIC
SELECT c.relname, c.relkind, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       array(SELECT a.privilege_type FROM aclexplode(c.relacl) AS a
              WHERE a.grantee = 0 ORDER BY 1) AS public_privileges
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e'
   AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'health_score')
 ORDER BY c.relname;

-- reading is open; every other command is limited to members of the
-- model's owner role (a policy without WITH CHECK checks new rows with
-- its USING expression)
SELECT tablename, policyname, cmd, roles, qual, with_check
  FROM pg_policies WHERE schemaname = 'health_score'
 ORDER BY tablename, policyname;

------------------------------------------------------------------------
-- 3. A role with no special privilege models a table it owns
------------------------------------------------------------------------
-- The owner may create objects only in schemas of its own: not in the
-- database, not in public.  The reader is another such role.
CREATE ROLE hs_sec_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE ROLE hs_sec_reader NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE SCHEMA hs_sec_app AUTHORIZATION hs_sec_owner;         -- its tables
CREATE SCHEMA hs_sec_scores AUTHORIZATION hs_sec_owner;      -- one schema per model
CREATE SCHEMA hs_sec_whoami AUTHORIZATION hs_sec_owner;
CREATE SCHEMA hs_sec_colpriv AUTHORIZATION hs_sec_owner;
CREATE SCHEMA hs_sec_denied AUTHORIZATION hs_sec_owner;
CREATE SCHEMA "hs_sec ""q""; s" AUTHORIZATION hs_sec_owner;
CREATE SCHEMA hs_sec_mine AUTHORIZATION hs_sec_reader;       -- the reader's own
SELECT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
       has_database_privilege(r.rolname, current_database(), 'CREATE') AS creates_schemas,
       has_schema_privilege(r.rolname, 'public', 'CREATE') AS creates_in_public
  FROM pg_roles r WHERE r.rolname LIKE 'hs\_sec\_%' ORDER BY 1;

SET ROLE hs_sec_owner;
-- 40 accounts: odd ids in the north, even ids in the south
CREATE TABLE hs_sec_app.accounts (
    id              integer PRIMARY KEY,
    region          text NOT NULL,
    plan            text NOT NULL,
    seats           integer,
    tickets         integer,
    churned         boolean,
    internal_rating integer
);
INSERT INTO hs_sec_app.accounts
SELECT g, CASE WHEN g % 2 = 1 THEN 'north' ELSE 'south' END,
       (ARRAY['basic', 'pro', 'team'])[1 + g % 3],
       (g * 7) % 53, (g * 3) % 11, (g * 7) % 53 < 20 OR g % 9 = 0, g % 5
  FROM generate_series(1, 40) AS g;
-- the reader sees the north only, and not every column
ALTER TABLE hs_sec_app.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON hs_sec_app.accounts FOR SELECT TO hs_sec_reader
  USING (region = 'north');
GRANT USAGE ON SCHEMA hs_sec_app, hs_sec_scores TO hs_sec_reader;
GRANT SELECT (id, region, plan, seats, tickets, churned) ON hs_sec_app.accounts TO hs_sec_reader;
-- whatever the owner creates in the model's schema the reader may read:
-- the most a careless owner could grant
ALTER DEFAULT PRIVILEGES IN SCHEMA hs_sec_scores GRANT SELECT ON TABLES TO hs_sec_reader;

-- The score by hand, in plain SQL: seats linear from 0 to 50 (2 points a
-- seat), tickets linear from 10 (0) to 0 (100), equal weights; red below
-- 40, green from 70; percentile greatest(1, ceil(100 * percent_rank())).
-- Every value is exact.  security_invoker: each role gets its own rows.
CREATE VIEW hs_sec_app.by_hand WITH (security_invoker = true) AS
SELECT s.id, s.plan, s.churned, s.seats_score, s.tickets_score, s.score,
       CASE WHEN s.score < 40 THEN 'red' WHEN s.score >= 70 THEN 'green' ELSE 'yellow' END AS band,
       greatest(1, ceil(100 * percent_rank() OVER (ORDER BY s.score)))::integer AS percentile
  FROM (SELECT a.id, a.plan, a.churned,
               least(100, 2 * a.seats)::float8 AS seats_score,
               (10 * (10 - a.tickets))::float8 AS tickets_score,
               ((least(100, 2 * a.seats) + 10 * (10 - a.tickets)) / 2.0)::float8 AS score
          FROM hs_sec_app.accounts AS a) AS s;
GRANT SELECT ON hs_sec_app.by_hand TO hs_sec_reader;

SELECT health_score.create_model('hs_sec_acct', 'hs_sec_app.accounts', 'id', '{plan}',
                                 target_schema => 'hs_sec_scores');
SELECT health_score.add_metric('hs_sec_acct', 'seats', 'seats', 1, 'linear', worst => 0, best => 50);
SELECT health_score.add_metric('hs_sec_acct', 'tickets', 'tickets', 1, 'linear', worst => 10, best => 0);
SELECT health_score.build('hs_sec_acct');
SELECT health_score.snapshot('hs_sec_acct', '2026-11-02');
-- a week later, accounts 1, 2, 5, 6, ... (id % 4 in 1, 2) lost every seat
-- and opened 10 tickets: score 0, red
CREATE TEMP TABLE hs_sec_week1 AS SELECT id, band FROM hs_sec_app.by_hand;
UPDATE hs_sec_app.accounts SET seats = 0, tickets = 10 WHERE id % 4 IN (1, 2);
SELECT health_score.snapshot('hs_sec_acct', '2026-11-09');
SELECT health_score.refresh('hs_sec_acct');
-- what the owner reads, for the reader to compare with (section 4)
CREATE TABLE hs_sec_app.owner_scores AS SELECT * FROM hs_sec_scores.scores;
GRANT SELECT ON hs_sec_app.owner_scores TO hs_sec_reader;

-- the views build() made: every one security_invoker; the history and
-- its partitions under row-level security (a partition does not inherit
-- its parent's: see section 4); nothing open to PUBLIC
SELECT c.relname, c.relkind, c.reloptions, c.relrowsecurity AS rls,
       has_table_privilege('public', c.oid, 'SELECT') AS public_reads
  FROM pg_class c
 WHERE c.relnamespace = 'hs_sec_scores'::regnamespace AND c.relkind IN ('v', 'm', 'r', 'p')
 ORDER BY c.relname;

-- The owner sees all 40 accounts, everywhere.  scores against the score
-- by hand, row for row both ways: 0 and 0
SELECT count(*) AS scores,
       (SELECT count(*) FROM (SELECT id, plan, score, band, percentile, seats_score, tickets_score
                                FROM hs_sec_scores.scores
                              EXCEPT SELECT id, plan, score, band, percentile, seats_score, tickets_score
                                FROM hs_sec_app.by_hand) AS d) AS only_in_view,
       (SELECT count(*) FROM (SELECT id, plan, score, band, percentile, seats_score, tickets_score
                                FROM hs_sec_app.by_hand
                              EXCEPT SELECT id, plan, score, band, percentile, seats_score, tickets_score
                                FROM hs_sec_scores.scores) AS d) AS only_by_hand
  FROM hs_sec_scores.scores;
-- red, yellow and green against the bands by hand
SELECT b.band, b.by_hand,
       CASE b.band WHEN 'red' THEN (SELECT count(*) FROM hs_sec_scores.red)
                   WHEN 'yellow' THEN (SELECT count(*) FROM hs_sec_scores.yellow)
                   ELSE (SELECT count(*) FROM hs_sec_scores.green) END AS view
  FROM (SELECT band, count(*) AS by_hand FROM hs_sec_app.by_hand GROUP BY band) AS b
 ORDER BY array_position('{red,yellow,green}'::text[], b.band);
-- segment_summary against a GROUP BY of the score by hand
SELECT sum(customers) AS summarized,
       (SELECT count(*) FROM (SELECT plan, band, customers FROM hs_sec_scores.segment_summary
                              EXCEPT SELECT plan, band, count(*) FROM hs_sec_app.by_hand
                               GROUP BY plan, band) AS d) AS mismatches
  FROM hs_sec_scores.segment_summary;
-- scores_mv, refreshed by its owner, holds every account
SELECT count(*) AS scores_mv FROM hs_sec_scores.scores_mv;

-- the trend and dropped views and the history: 40 accounts, two weeks.
-- Dropped, by hand: the accounts whose band fell since the first week
SELECT count(*) FILTER (WHERE w.id % 2 = 1) AS visible_drops, count(*) AS all_drops
  FROM hs_sec_week1 AS w JOIN hs_sec_app.by_hand AS b USING (id)
 WHERE array_position('{red,yellow,green}'::text[], b.band)
       < array_position('{red,yellow,green}'::text[], w.band) \gset
SELECT :visible_drops AS visible_drops, :all_drops AS all_drops;
SELECT (SELECT count(*) FROM hs_sec_scores.trend) AS trend,
       (SELECT count(*) FROM hs_sec_scores.dropped) AS dropped,
       (SELECT count(*) FROM hs_sec_scores.dropped) = :all_drops AS dropped_as_by_hand,
       (SELECT count(*) FROM hs_sec_scores.history) AS history;

-- validate against a GROUP BY of the score by hand, both ways
CREATE VIEW hs_sec_app.validate_by_hand WITH (security_invoker = true) AS
WITH o AS (SELECT avg(churned::int)::float8 AS rate FROM hs_sec_app.by_hand)
SELECT band, count(*) AS customers, avg(churned::int)::float8 AS outcome_rate,
       avg(churned::int)::float8 / (SELECT rate FROM o) AS lift
  FROM hs_sec_app.by_hand GROUP BY band
UNION ALL
SELECT 'all', count(*), avg(churned::int)::float8, 1 FROM hs_sec_app.by_hand;
GRANT SELECT ON hs_sec_app.validate_by_hand TO hs_sec_reader;
SELECT (SELECT count(*) FROM (SELECT band, customers, outcome_rate, lift FROM health_score.validate('hs_sec_acct', 'churned')
                              EXCEPT SELECT * FROM hs_sec_app.validate_by_hand) AS d) AS only_in_validate,
       (SELECT count(*) FROM (SELECT * FROM hs_sec_app.validate_by_hand
                              EXCEPT SELECT band, customers, outcome_rate, lift FROM health_score.validate('hs_sec_acct', 'churned')) AS d) AS only_by_hand,
       (SELECT customers FROM health_score.validate('hs_sec_acct', 'churned') WHERE band = 'all') AS customers;
-- model_auc against a count of every churned x stayed pair by hand
CREATE VIEW hs_sec_app.auc_by_hand WITH (security_invoker = true) AS
SELECT (sum(CASE WHEN s.score > c.score THEN 1 WHEN s.score = c.score THEN 0.5 ELSE 0 END)
        / count(*))::float8 AS auc
  FROM hs_sec_app.by_hand AS s, hs_sec_app.by_hand AS c
 WHERE NOT s.churned AND c.churned;
GRANT SELECT ON hs_sec_app.auc_by_hand TO hs_sec_reader;
SELECT round(auc::numeric, 6) AS auc_by_hand,
       abs(health_score.model_auc('hs_sec_acct', 'churned') - auc) < 1e-12 AS model_auc_agrees
  FROM hs_sec_app.auc_by_hand;
-- explain account 3 (seats 21, tickets 9): 42 and 10 points of 100,
-- half the weight each, 21 + 5 = 26 = its score
SELECT * FROM health_score.explain('hs_sec_acct', '3');
-- account 4, in the south (seats 28, tickets 1): (56 + 90) / 2 = 73
SELECT sum(points) AS points_of_4 FROM health_score.explain('hs_sec_acct', '4');
-- suggest_weights: the current AUC is model_auc's; its coefficients
-- are those of logistic_fit on the metric scores by hand
SELECT array_agg(coefficient ORDER BY metric) AS owner_coefficients
  FROM health_score.suggest_weights('hs_sec_acct', 'churned') \gset
SELECT bool_and(abs(w.auc_current - health_score.model_auc('hs_sec_acct', 'churned')) < 1e-12) AS auc_current_agrees,
       (SELECT bool_and(abs(c - f.beta[1 + i]) < 1e-9 * greatest(1, abs(c)))
          FROM unnest(:'owner_coefficients'::float8[]) WITH ORDINALITY AS u(c, i),
               (SELECT health_score.logistic_fit(ARRAY[seats_score, tickets_score], churned, 1) AS beta
                  FROM hs_sec_app.by_hand) AS f) AS fit_agrees
  FROM health_score.suggest_weights('hs_sec_acct', 'churned') AS w;
RESET ROLE;

------------------------------------------------------------------------
-- 4. Row-level security on the source holds through every view and
--    every function, for a reader who sees the north (the odd ids)
------------------------------------------------------------------------
SET ROLE hs_sec_reader;
SELECT count(*) AS visible_accounts, count(*) FILTER (WHERE id % 2 = 0) AS hidden
  FROM hs_sec_app.accounts;
-- scores: the 20 visible accounts, scored as by hand, with the very
-- numbers the owner reads, percentiles and ranks included (they rank
-- among every account, not among those the reader sees): 0 rows differ
SELECT count(*) AS scores, count(*) FILTER (WHERE id % 2 = 0) AS hidden,
       (SELECT count(*) FROM (SELECT id, plan, score, band, seats_score, tickets_score
                                FROM hs_sec_scores.scores
                              EXCEPT SELECT id, plan, score, band, seats_score, tickets_score
                                FROM hs_sec_app.by_hand) AS d) AS only_in_view,
       (SELECT count(*) FROM (SELECT id, plan, score, band, seats_score, tickets_score
                                FROM hs_sec_app.by_hand
                              EXCEPT SELECT id, plan, score, band, seats_score, tickets_score
                                FROM hs_sec_scores.scores) AS d) AS only_by_hand,
       (SELECT count(*) FROM hs_sec_scores.scores AS s
          FULL JOIN (SELECT o.* FROM hs_sec_app.owner_scores AS o
                      WHERE o.id IN (SELECT a.id FROM hs_sec_app.accounts AS a)) AS o USING (id)
         WHERE (s.*) IS NULL OR (o.*) IS NULL
            OR (s.plan, s.score, s.band, s.grade, s.percentile, s.segment_percentile, s.rank,
                s.coverage, s.seats_score, s.tickets_score)
               IS DISTINCT FROM
               (o.plan, o.score, o.band, o.grade, o.percentile, o.segment_percentile, o.rank,
                o.coverage, o.seats_score, o.tickets_score)) AS not_as_the_owner_reads,
       max(percentile) AS top_percentile
  FROM hs_sec_scores.scores;
-- what the reader learns of the hidden rows: the distributions the
-- percentiles are read against, of this model alone, whose scores view
-- it may read (not of other models): 40 scores, shapes without keys
SELECT model, item, health_score.distribution_count(dist) AS scores
  FROM health_score.reference ORDER BY model, item;
SELECT b.band, b.by_hand,
       CASE b.band WHEN 'red' THEN (SELECT count(*) FROM hs_sec_scores.red)
                   WHEN 'yellow' THEN (SELECT count(*) FROM hs_sec_scores.yellow)
                   ELSE (SELECT count(*) FROM hs_sec_scores.green) END AS view,
       CASE b.band WHEN 'red' THEN (SELECT count(*) FROM hs_sec_scores.red WHERE id % 2 = 0)
                   WHEN 'yellow' THEN (SELECT count(*) FROM hs_sec_scores.yellow WHERE id % 2 = 0)
                   ELSE (SELECT count(*) FROM hs_sec_scores.green WHERE id % 2 = 0) END AS hidden
  FROM (SELECT band, count(*) AS by_hand FROM hs_sec_app.by_hand GROUP BY band) AS b
 ORDER BY array_position('{red,yellow,green}'::text[], b.band);
SELECT sum(customers) AS summarized,
       (SELECT count(*) FROM (SELECT plan, band, customers FROM hs_sec_scores.segment_summary
                              EXCEPT SELECT plan, band, count(*) FROM hs_sec_app.by_hand
                               GROUP BY plan, band) AS d) AS mismatches
  FROM hs_sec_scores.segment_summary;
-- trend and dropped: the latest snapshot's visible accounts; dropped
-- holds the visible drops counted by the owner above.  The history: two
-- weeks of the visible accounts
SELECT (SELECT count(*) FROM hs_sec_scores.trend) AS trend,
       (SELECT count(*) FROM hs_sec_scores.trend WHERE id % 2 = 0) AS trend_hidden,
       (SELECT count(*) FROM hs_sec_scores.dropped) AS dropped,
       (SELECT count(*) FROM hs_sec_scores.dropped) = :visible_drops AS dropped_as_by_hand,
       (SELECT count(*) FROM hs_sec_scores.dropped WHERE id % 2 = 0) AS dropped_hidden,
       (SELECT count(*) FROM hs_sec_scores.history) AS history,
       (SELECT count(*) FROM hs_sec_scores.history WHERE id % 2 = 0) AS history_hidden;
-- A history partition read directly.  Row-level security is not
-- inherited by partitions, and the owner's default privileges granted
-- the reader SELECT on this one as snapshot() created it, as they did on
-- history.  Expected: no hidden account (1.2's partitions showed all 40).
SELECT count(*) FILTER (WHERE id % 2 = 0) AS partition_hidden
  FROM hs_sec_scores.history_2026_11;
-- scores_mv, the scores the owner's refresh stored, shows the reader
-- the accounts the source shows them, and so does stored_scores under
-- it: 20 accounts, none hidden, in both
SELECT has_table_privilege('hs_sec_scores.scores_mv', 'SELECT') AS reads_scores_mv;
SELECT (SELECT count(*) FROM hs_sec_scores.scores_mv) AS scores_mv,
       (SELECT count(*) FROM hs_sec_scores.scores_mv WHERE id % 2 = 0) AS scores_mv_hidden,
       (SELECT count(*) FROM hs_sec_scores.stored_scores) AS stored_scores,
       (SELECT count(*) FROM hs_sec_scores.stored_scores WHERE id % 2 = 0) AS stored_hidden;
SELECT health_score.refresh('hs_sec_acct');
\echo sqlstate :LAST_ERROR_SQLSTATE

-- validate, model_auc and suggest_weights count the visible accounts alone
SELECT (SELECT count(*) FROM (SELECT band, customers, outcome_rate, lift FROM health_score.validate('hs_sec_acct', 'churned')
                              EXCEPT SELECT * FROM hs_sec_app.validate_by_hand) AS d) AS only_in_validate,
       (SELECT count(*) FROM (SELECT * FROM hs_sec_app.validate_by_hand
                              EXCEPT SELECT band, customers, outcome_rate, lift FROM health_score.validate('hs_sec_acct', 'churned')) AS d) AS only_by_hand,
       (SELECT customers FROM health_score.validate('hs_sec_acct', 'churned') WHERE band = 'all') AS customers;
SELECT round(auc::numeric, 6) AS auc_by_hand,
       abs(health_score.model_auc('hs_sec_acct', 'churned') - auc) < 1e-12 AS model_auc_agrees
  FROM hs_sec_app.auc_by_hand;
SELECT bool_and(abs(w.auc_current - health_score.model_auc('hs_sec_acct', 'churned')) < 1e-12) AS auc_current_agrees,
       (SELECT bool_and(abs(u.c - f.beta[1 + u.i]) < 1e-9 * greatest(1, abs(u.c)))
          FROM (SELECT c, i FROM unnest((SELECT array_agg(coefficient ORDER BY metric)
                                           FROM health_score.suggest_weights('hs_sec_acct', 'churned')))
                                 WITH ORDINALITY AS x(c, i)) AS u,
               (SELECT health_score.logistic_fit(ARRAY[seats_score, tickets_score], churned, 1) AS beta
                  FROM hs_sec_app.by_hand) AS f) AS fit_on_visible,
       array_agg(w.coefficient ORDER BY w.metric) <> :'owner_coefficients'::float8[] AS not_the_owners_fit
  FROM health_score.suggest_weights('hs_sec_acct', 'churned') AS w;
-- explain: a visible account as the owner sees it; a hidden one is no
-- customer at all, as one that does not exist
SELECT * FROM health_score.explain('hs_sec_acct', '3');
SELECT * FROM health_score.explain('hs_sec_acct', '4');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.explain('hs_sec_acct', '41');
\echo sqlstate :LAST_ERROR_SQLSTATE

-- The reader cannot change the owner's model, by function or by writing
-- the catalog: row-level security hides the rows from UPDATE and DELETE
-- and refuses new rows naming the model
SELECT health_score.drop_metric('hs_sec_acct', 'seats');
SELECT health_score.apply_weights('hs_sec_acct', '{"seats": 100}');
SELECT health_score.snapshot('hs_sec_acct', '2026-11-16');
SELECT health_score.drop_snapshot('hs_sec_acct', '2026-11-16');
SELECT health_score.prune_history('hs_sec_acct', '0 days');
SELECT health_score.schedule_refresh('hs_sec_acct', '* * * * *');
WITH u AS (UPDATE health_score.model SET red_below = 0 WHERE name = 'hs_sec_acct' RETURNING 1)
SELECT count(*) AS models_updated FROM u;
WITH u AS (UPDATE health_score.metric SET expression = 'internal_rating' WHERE model = 'hs_sec_acct' RETURNING 1)
SELECT count(*) AS metrics_updated FROM u;
WITH d AS (DELETE FROM health_score.metric WHERE model = 'hs_sec_acct' RETURNING 1)
SELECT count(*) AS metrics_deleted FROM d;
WITH d AS (DELETE FROM health_score.model_version WHERE model = 'hs_sec_acct' RETURNING 1)
SELECT count(*) AS versions_deleted FROM d;
INSERT INTO health_score.metric (model, name, position, expression, weight, method, worst, best)
VALUES ('hs_sec_acct', 'planted', 3, 'internal_rating', 100, 'linear', 0, 4);
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO health_score.model_version (model, version, change) VALUES ('hs_sec_acct', 4, 'forged');
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO health_score.model (name, source, key, target_schema, owner)
VALUES ('hs_sec_forged', 'hs_sec_app.accounts', 'id', 'hs_sec_forged', 'hs_sec_owner');
\echo sqlstate :LAST_ERROR_SQLSTATE
TRUNCATE health_score.metric;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT m.version, m.red_below, m.owner,
       (SELECT string_agg(x.name || ': ' || x.expression, ', ' ORDER BY x.position)
          FROM health_score.metric AS x WHERE x.model = m.name) AS metrics,
       (SELECT count(*) FROM health_score.model_version AS v WHERE v.model = m.name) AS versions
  FROM health_score.model AS m WHERE m.name = 'hs_sec_acct';

-- A model of the reader's own over the owner's table: its scores_mv is a
-- copy made by the reader, so it holds the visible accounts alone, and
-- build and snapshot warn that the source's row-level security applies.  The
-- reader cannot give the model away, nor move its metric into another's.
SET ROLE hs_sec_reader;
SELECT health_score.create_model('hs_sec_mine', 'hs_sec_app.accounts', 'id', target_schema => 'hs_sec_mine');
SELECT health_score.add_metric('hs_sec_mine', 'seats', 'seats', 1, 'linear', worst => 0, best => 50);
SELECT health_score.build('hs_sec_mine');
SELECT health_score.snapshot('hs_sec_mine', '2026-11-09');
SELECT count(*) AS scores_mv, count(*) FILTER (WHERE id % 2 = 0) AS hidden
  FROM hs_sec_mine.scores_mv;
UPDATE health_score.model SET owner = 'hs_sec_owner' WHERE name = 'hs_sec_mine';
\echo sqlstate :LAST_ERROR_SQLSTATE
UPDATE health_score.metric SET model = 'hs_sec_acct' WHERE model = 'hs_sec_mine';
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;

------------------------------------------------------------------------
-- 5. Metric expressions run with the rights of whoever evaluates them
------------------------------------------------------------------------
SET ROLE hs_sec_owner;
CREATE FUNCTION hs_sec_app.invoker() RETURNS text LANGUAGE sql STABLE
AS $$ SELECT current_user::text $$;
-- invoker: 100 when the reader evaluates it, 0 for anyone else;
-- root: sqrt(seats), an error on a negative seat count
SELECT health_score.create_model('hs_sec_whoami', 'hs_sec_app.accounts', 'id', target_schema => 'hs_sec_whoami');
SELECT health_score.add_metric('hs_sec_whoami', 'invoker', $$hs_sec_app.invoker() = 'hs_sec_reader'$$, 1, 'steps',
                               thresholds => '{1}', scores => '{0,100}');
SELECT health_score.add_metric('hs_sec_whoami', 'root', 'sqrt(seats)', 1, 'linear', worst => 0, best => 10);
SELECT health_score.build('hs_sec_whoami');
GRANT USAGE ON SCHEMA hs_sec_whoami TO hs_sec_reader;
GRANT SELECT ON hs_sec_whoami.scores TO hs_sec_reader;
-- the owner's rows and scores_mv (refreshed by the owner) say 0
SELECT invoker_score, count(*) FROM hs_sec_whoami.scores GROUP BY 1;
SELECT invoker_score, count(*) FROM hs_sec_whoami.scores_mv GROUP BY 1;
RESET ROLE;
SET ROLE hs_sec_reader;
-- the reader's say 100, through the view and through explain
SELECT invoker_score, count(*) FROM hs_sec_whoami.scores GROUP BY 1;
SELECT metric, raw_value, metric_score FROM health_score.explain('hs_sec_whoami', '3') WHERE metric = 'invoker';
RESET ROLE;

-- A hidden row is never evaluated for the reader: row-level security
-- filters it before any metric runs.  Account 2 (south) gets -1 seats.
SET ROLE hs_sec_owner;
UPDATE hs_sec_app.accounts SET seats = -1 WHERE id = 2;
SELECT count(root_score) FROM hs_sec_whoami.scores;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE hs_sec_reader;
SELECT count(root_score) AS scores FROM hs_sec_whoami.scores;
SELECT * FROM health_score.explain('hs_sec_whoami', '2');
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE hs_sec_owner;
UPDATE hs_sec_app.accounts SET seats = 0 WHERE id = 2;

-- A metric over a column the reader may not read: the owner's views
-- work, the reader's fail with permission denied, and so does an
-- outcome expression over that column
SELECT health_score.create_model('hs_sec_colpriv', 'hs_sec_app.accounts', 'id', target_schema => 'hs_sec_colpriv');
SELECT health_score.add_metric('hs_sec_colpriv', 'rating', 'internal_rating', 1, 'linear', worst => 0, best => 4);
SELECT health_score.build('hs_sec_colpriv');
GRANT USAGE ON SCHEMA hs_sec_colpriv TO hs_sec_reader;
GRANT SELECT ON hs_sec_colpriv.scores TO hs_sec_reader;
SELECT count(*) AS scores, count(*) FILTER (WHERE rating_score = 100) AS rated_4 FROM hs_sec_colpriv.scores;
SELECT customers FROM health_score.validate('hs_sec_acct', 'internal_rating > 2') WHERE band = 'all';
RESET ROLE;
SET ROLE hs_sec_reader;
SELECT count(*) FROM hs_sec_colpriv.scores;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.explain('hs_sec_colpriv', '3');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.validate('hs_sec_acct', 'internal_rating > 2');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.model_auc('hs_sec_acct', 'internal_rating > 2');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM health_score.suggest_weights('hs_sec_acct', 'internal_rating > 2');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- and the reader's own model cannot use that column either: add_metric
-- only parses the expression, build() evaluates it, as the reader, and
-- fails, changing nothing
SELECT health_score.add_metric('hs_sec_mine', 'rating', 'internal_rating', 1, 'linear', worst => 0, best => 4);
SELECT health_score.build('hs_sec_mine');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT m.version, m.built_version, (SELECT count(*) FROM hs_sec_mine.scores_mv) AS scores_mv
  FROM health_score.model AS m WHERE m.name = 'hs_sec_mine';
-- a table of the reader's own, which the owner may not read
CREATE TABLE hs_sec_mine.diary (id integer PRIMARY KEY, mood integer);
INSERT INTO hs_sec_mine.diary SELECT g, g % 7 FROM generate_series(1, 40) AS g;
RESET ROLE;

-- build() does not let a model's owner reference a table it cannot read:
-- without USAGE on the schema the expression does not even parse; with
-- it, build() runs the expression as the owner and fails, creating nothing
SET ROLE hs_sec_owner;
SELECT health_score.create_model('hs_sec_denied', 'hs_sec_app.accounts', 'id', target_schema => 'hs_sec_denied');
-- (the SQLSTATE and the message alone: the error's position and QUERY
-- line would pin the SQL that does the checking)
\set VERBOSITY sqlstate
SELECT health_score.add_metric('hs_sec_denied', 'mood',
                               '(SELECT d.mood FROM hs_sec_mine.diary AS d WHERE d.id = src.id)',
                               1, 'linear', worst => 0, best => 6);
\echo :LAST_ERROR_MESSAGE
\set VERBOSITY default
RESET ROLE;
SET ROLE hs_sec_reader;
GRANT USAGE ON SCHEMA hs_sec_mine TO hs_sec_owner;
RESET ROLE;
SET ROLE hs_sec_owner;
SELECT health_score.add_metric('hs_sec_denied', 'mood',
                               '(SELECT d.mood FROM hs_sec_mine.diary AS d WHERE d.id = src.id)',
                               1, 'linear', worst => 0, best => 6);
SELECT health_score.build('hs_sec_denied');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT m.built_version,
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'hs_sec_denied'::regnamespace) AS relations
  FROM health_score.model AS m WHERE m.name = 'hs_sec_denied';
RESET ROLE;

------------------------------------------------------------------------
-- 6. Quotes in names, keys, segments and expressions stay quoted
------------------------------------------------------------------------
SET ROLE hs_sec_owner;
-- model and metric names are identifiers: anything else is refused
-- before it reaches SQL, and a model looked up by such a name does not exist
SELECT health_score.create_model($$hs_sec_x'; DROP TABLE hs_sec_app.accounts; --$$,
                                 'hs_sec_app.accounts', 'id');
SELECT health_score.create_model('hs_sec_"x"', 'hs_sec_app.accounts', 'id');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.add_metric('hs_sec_acct', $$x'); DROP TABLE hs_sec_app.accounts; --$$,
                               'seats', 1, 'linear', worst => 0, best => 50);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.build($$hs_sec_acct' OR '1' = '1$$);
SELECT * FROM health_score.explain($$hs_sec_acct' OR '1' = '1$$, '3');
\echo sqlstate :LAST_ERROR_SQLSTATE
-- an integer key that is not an integer is an error, not every row
SELECT * FROM health_score.explain('hs_sec_acct', '3 OR 1 = 1');
\echo sqlstate :LAST_ERROR_SQLSTATE

-- an expression whose quote or parenthesis would close the SQL around it
-- does not parse where it is checked, and is refused
SELECT health_score.add_metric('hs_sec_acct', 'x', $$seats + '$$, 1, 'linear', worst => 0, best => 50);
SELECT health_score.add_metric('hs_sec_acct', 'x', $$seats) AS value, (1$$, 1, 'linear', worst => 0, best => 50);
SELECT * FROM health_score.validate('hs_sec_acct', $$churned) AS bad FROM pg_catalog.pg_authid AS src) SELECT (true$$);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- a metric written into the catalog directly, past add_metric's checks,
-- is checked again by build(), which refuses it and changes nothing
INSERT INTO health_score.metric (model, name, position, expression, weight, method, worst, best)
VALUES ('hs_sec_acct', 'planted', 3, '1); CREATE TABLE hs_sec_app.pwned (x int); SELECT (1', 1, 'linear', 0, 1);
SELECT health_score.build('hs_sec_acct');
\echo sqlstate :LAST_ERROR_SQLSTATE
DELETE FROM health_score.metric WHERE model = 'hs_sec_acct' AND name = 'planted';
SELECT to_regclass('hs_sec_app.pwned') IS NULL AS nothing_created;

-- A source, a key, a segment and a target schema whose names hold
-- quotes, semicolons and comment marks, and a segment value with a quote
CREATE TABLE hs_sec_app."acct ""x""; --" (
    "key'"")" text PRIMARY KEY,
    "seg""; DROP TABLE hs_sec_app.accounts; --" text NOT NULL,
    usage integer
);
INSERT INTO hs_sec_app."acct ""x""; --" VALUES ('k1', 'it''s', 10), ('k2', 'plain', 20), ('k3', 'it''s', 30);
SELECT health_score.create_model('hs_sec_odd', 'hs_sec_app."acct ""x""; --"', $$key'")$$,
                                 ARRAY['seg"; DROP TABLE hs_sec_app.accounts; --'],
                                 target_schema => 'hs_sec "q"; s');
-- usage linear from 0 to 40, weight 1, but 3 in the segment it's; and a
-- constant 50 of weight 1.  By hand: k1 (3 * 25 + 50) / 4 = 31.25 -> 31.3,
-- k2 (50 + 50) / 2 = 50, k3 (3 * 75 + 50) / 4 = 68.75 -> 68.8
SELECT health_score.add_metric('hs_sec_odd', 'usage', 'usage', 1, 'linear', worst => 0, best => 40,
                               segment_weights => jsonb_build_object('seg"; DROP TABLE hs_sec_app.accounts; --',
                                                                     jsonb_build_object($$it's$$, 3)));
SELECT health_score.add_metric('hs_sec_odd', 'flat', '50', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('hs_sec_odd');
SELECT health_score.snapshot('hs_sec_odd', '2026-11-09');
SELECT "key'"")", "seg""; DROP TABLE hs_sec_app.accounts; --", score, band, usage_score
  FROM "hs_sec ""q""; s".scores ORDER BY 1;
SELECT * FROM "hs_sec ""q""; s".segment_summary;
SELECT count(*) AS trend FROM "hs_sec ""q""; s".trend;
SELECT metric, raw_value, metric_score, weight FROM health_score.explain('hs_sec_odd', 'k1');
-- the key is a value, never SQL
SELECT * FROM health_score.explain('hs_sec_odd', $$k1' OR ''='$$);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT band, customers FROM health_score.validate('hs_sec_odd', 'usage > 15');
-- what the schema holds: the model's relations and nothing else; the
-- accounts table is still there
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = to_regnamespace('"hs_sec ""q""; s"') AND c.relkind IN ('r', 'p', 'v', 'm')
 ORDER BY 1;
SELECT to_regclass('hs_sec_app.accounts') IS NOT NULL AS accounts_kept;
SELECT health_score.drop_model('hs_sec_odd', drop_history => true);
RESET ROLE;

------------------------------------------------------------------------
-- 7. A key the views show as text, and a model whose owner is gone
------------------------------------------------------------------------
-- A uuid key is text in the views and the history; the history's policy
-- and the validation functions compare the source's key in that type
-- (1.2 compared uuid with text: build() failed, and so did they).  Ten
-- devices, the reader sees the odd ones: seats 1, 3, 5, 7, 9 of 10,
-- scores 10 + 30 + 50 + 70 + 90 = 250; devices 3 and 9 churned, so the
-- stayed outscore the churned in 2 of 6 pairs (50 and 70 over 30).
CREATE SCHEMA hs_sec_uuid AUTHORIZATION hs_sec_owner;
SET ROLE hs_sec_owner;
CREATE TABLE hs_sec_app.devices (id uuid PRIMARY KEY, region text NOT NULL, seats integer,
                                 churned boolean);
INSERT INTO hs_sec_app.devices
SELECT md5(g::text)::uuid, CASE WHEN g % 2 = 1 THEN 'north' ELSE 'south' END, g, g % 3 = 0
  FROM generate_series(1, 10) AS g;
ALTER TABLE hs_sec_app.devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON hs_sec_app.devices FOR SELECT TO hs_sec_reader
  USING (region = 'north');
GRANT SELECT ON hs_sec_app.devices TO hs_sec_reader;
SELECT health_score.create_model('hs_sec_uuid', 'hs_sec_app.devices', 'id', target_schema => 'hs_sec_uuid');
SELECT health_score.add_metric('hs_sec_uuid', 'seats', 'seats', 1, 'linear', worst => 0, best => 10);
SELECT health_score.build('hs_sec_uuid');
SELECT health_score.snapshot('hs_sec_uuid', '2026-11-09');
GRANT USAGE ON SCHEMA hs_sec_uuid TO hs_sec_reader;
GRANT SELECT ON hs_sec_uuid.history, hs_sec_uuid.snapshots, hs_sec_uuid.trend, hs_sec_uuid.scores
  TO hs_sec_reader;
SELECT pg_typeof(id) AS key_type, count(*) AS history, sum(score) AS score_sum
  FROM hs_sec_uuid.history GROUP BY 1;
RESET ROLE;
SET ROLE hs_sec_reader;
SELECT count(*) AS history, sum(score) AS score_sum FROM hs_sec_uuid.history;
SELECT count(*) AS trend, sum(score) AS score_sum FROM hs_sec_uuid.trend;
SELECT band, customers, outcome_rate FROM health_score.validate('hs_sec_uuid', 'churned') WHERE band = 'all';
SELECT round(health_score.model_auc('hs_sec_uuid', 'churned')::numeric, 6) AS auc;
SELECT metric, raw_value, metric_score FROM health_score.explain('hs_sec_uuid', md5('3')::uuid::text);
SELECT count(*) AS suggestions FROM health_score.suggest_weights('hs_sec_uuid', 'churned', folds => 2);
RESET ROLE;

-- A model whose owner role was dropped: DROP OWNED drops its schema but
-- not its catalog rows, which are rows, not objects.  The catalog's
-- policies then see a role that does not exist; other owners' writes go
-- on (with sequential scans, which test the policy on every row: 1.2
-- failed with "role does not exist"), nobody but a superuser may change
-- the orphan, and a superuser may drop it.
CREATE ROLE hs_sec_gone NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE SCHEMA hs_sec_gone AUTHORIZATION hs_sec_gone;
GRANT USAGE ON SCHEMA hs_sec_app TO hs_sec_gone;
GRANT SELECT ON hs_sec_app.accounts TO hs_sec_gone;
SET ROLE hs_sec_gone;
SELECT health_score.create_model('hs_sec_gone', 'hs_sec_app.accounts', 'id', target_schema => 'hs_sec_gone');
SELECT health_score.add_metric('hs_sec_gone', 'seats', 'seats', 1, 'linear', worst => 0, best => 50);
RESET ROLE;
DROP OWNED BY hs_sec_gone;
DROP ROLE hs_sec_gone;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET ROLE hs_sec_owner;
SELECT health_score.add_metric('hs_sec_uuid', 'more_seats', 'seats', 1, 'linear', worst => 0, best => 5);
SELECT health_score.drop_metric('hs_sec_uuid', 'more_seats');
SELECT health_score.add_metric('hs_sec_gone', 'tickets', 'tickets', 1, 'linear', worst => 10, best => 0);
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT health_score.drop_model('hs_sec_gone');
SELECT count(*) AS orphans FROM health_score.model WHERE name = 'hs_sec_gone';

------------------------------------------------------------------------
-- One score per customer, whoever reads it: a model with a percentile
-- metric, read by the owner (every account) and by the reader (the
-- north): for each account the reader sees, every column of scores, of
-- its band's view and of trend is what the owner reads.
------------------------------------------------------------------------
CREATE SCHEMA hs_sec_pct AUTHORIZATION hs_sec_owner;
SET ROLE hs_sec_owner;
SELECT health_score.create_model('hs_sec_pct', 'hs_sec_app.accounts', 'id', '{plan}',
                                 target_schema => 'hs_sec_pct');
SELECT health_score.add_metric('hs_sec_pct', 'seats', 'seats', 2, 'percentile');
SELECT health_score.add_metric('hs_sec_pct', 'tickets', 'tickets', 1, 'linear', worst => 10, best => 0);
SELECT health_score.build('hs_sec_pct');
SELECT health_score.snapshot('hs_sec_pct', '2026-11-02');
GRANT USAGE ON SCHEMA hs_sec_pct TO hs_sec_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA hs_sec_pct TO hs_sec_reader;
CREATE TABLE hs_sec_app.pct_owner AS
SELECT s.*, b.band AS band_view, t.score AS trend_score, t.band AS trend_band
  FROM hs_sec_pct.scores AS s
  LEFT JOIN (SELECT id, band FROM hs_sec_pct.red UNION ALL SELECT id, band FROM hs_sec_pct.yellow
             UNION ALL SELECT id, band FROM hs_sec_pct.green) AS b USING (id)
  LEFT JOIN hs_sec_pct.trend AS t USING (id);
GRANT SELECT ON hs_sec_app.pct_owner TO hs_sec_reader;
RESET ROLE;
SET ROLE hs_sec_reader;
-- 20 accounts, 0 that differ from the owner's in any column; the
-- percentile metric spread over the whole 1-100 range, as among all 40
SELECT count(*) AS visible,
       count(*) FILTER (WHERE (r.plan, r.score, r.band, r.grade, r.percentile, r.segment_percentile,
                               r.rank, r.coverage, r.seats_score, r.tickets_score, r.band_view,
                               r.trend_score, r.trend_band)
                              IS DISTINCT FROM
                              (o.plan, o.score, o.band, o.grade, o.percentile, o.segment_percentile,
                               o.rank, o.coverage, o.seats_score, o.tickets_score, o.band_view,
                               o.trend_score, o.trend_band)) AS differing,
       min(r.seats_score) AS lowest_seats_score, max(r.seats_score) AS highest_seats_score
  FROM (SELECT s.*, b.band AS band_view, t.score AS trend_score, t.band AS trend_band
          FROM hs_sec_pct.scores AS s
          LEFT JOIN (SELECT id, band FROM hs_sec_pct.red UNION ALL SELECT id, band FROM hs_sec_pct.yellow
                     UNION ALL SELECT id, band FROM hs_sec_pct.green) AS b USING (id)
          LEFT JOIN hs_sec_pct.trend AS t USING (id)) AS r
  JOIN hs_sec_app.pct_owner AS o USING (id);
-- the stored scores: the same 20 accounts, none hidden, 0 that differ
-- from the owner's scores view in any column
SELECT count(*) AS stored_visible, count(*) FILTER (WHERE mv.id % 2 = 0) AS hidden,
       count(*) FILTER (WHERE (mv.plan, mv.score, mv.band, mv.grade, mv.percentile, mv.segment_percentile,
                               mv.rank, mv.coverage, mv.seats_score, mv.tickets_score)
                              IS DISTINCT FROM
                              (o.plan, o.score, o.band, o.grade, o.percentile, o.segment_percentile,
                               o.rank, o.coverage, o.seats_score, o.tickets_score)) AS differing
  FROM hs_sec_pct.scores_mv AS mv JOIN hs_sec_app.pct_owner AS o USING (id);
RESET ROLE;

------------------------------------------------------------------------
-- Clean up: the models first, by their owners, then everything else
------------------------------------------------------------------------
SET ROLE hs_sec_reader;
SELECT health_score.drop_model('hs_sec_mine', drop_history => true);
RESET ROLE;
SET ROLE hs_sec_owner;
SELECT health_score.drop_model('hs_sec_acct', drop_history => true);
SELECT health_score.drop_model('hs_sec_whoami');
SELECT health_score.drop_model('hs_sec_colpriv');
SELECT health_score.drop_model('hs_sec_denied');
SELECT health_score.drop_model('hs_sec_uuid', drop_history => true);
SELECT health_score.drop_model('hs_sec_pct', drop_history => true);
DROP TABLE hs_sec_week1;
RESET ROLE;
DROP VIEW hs_sec_functions;
DROP SCHEMA hs_sec_app, hs_sec_scores, hs_sec_whoami, hs_sec_colpriv, hs_sec_denied,
            "hs_sec ""q""; s", hs_sec_mine, hs_sec_uuid, hs_sec_pct CASCADE;
DROP OWNED BY hs_sec_owner, hs_sec_reader;
DROP ROLE hs_sec_owner, hs_sec_reader;
SELECT (SELECT count(*) FROM health_score.model) AS models,
       (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'hs\_sec\_%') AS roles;
