--
-- setup: the helpers that several regression tests share, defined once.
--
-- Runs first (REGRESS starts with it; test/valgrind.sh puts it before the
-- tests it is given).  Each test is a session of its own, so the helpers
-- live in a schema of their own, regress, in the regression database, and
-- not in pg_temp, which ends with the session.  A helper that one test
-- alone uses stays in that test.
--

-- Made anew, quietly, so that running setup twice (test/valgrind.sh
-- setup scale) or on a database kept from an earlier run does the same.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS regress CASCADE;
CREATE SCHEMA regress;
RESET client_min_messages;

-- How many parallel workers a query's plan launched, when it ran (NULL
-- when the plan has no Gather).  EXPLAIN shows a plan, not an execution:
-- this shows that the workers really ran, so that a test's forced
-- parallel plan did run its combine functions.  No pinned search_path:
-- the query names the caller's tables and views, resolved as the caller
-- would.
CREATE FUNCTION regress.workers_launched(query text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
  RETURN (SELECT sum(w::int) FROM jsonb_path_query(plan, 'strict $.**."Workers Launched"') AS w);
END $$;

-- a plan without workers counts none, so "> 0" in the tests is not
-- true by default
SELECT regress.workers_launched('SELECT 1') IS NULL AS serial_plan_launches_none;
