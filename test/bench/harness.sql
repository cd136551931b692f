-- test/bench/harness.sql: timing helpers the benchmarks share.
--
-- bench.add(label, query [, setup [, as_role]]) registers a query, with
-- an untimed statement to run before each run of it (setup) and a role
-- to run it as (as_role); bench.run_all(runs) then
-- runs every registered query once per round, `runs` rounds, so that a
-- slow spell of the machine hits every query alike.  Each run is under
-- EXPLAIN (ANALYZE, TIMING OFF, BUFFERS): per-node timing is off, so the
-- instrumentation costs little, and the plan tells whether workers
-- launched and how many temp blocks the query wrote (the top plan
-- node's count, which includes every node below it).  bench.summary shows
-- the median of each label; bench.median_ms(label) feeds the ratios.
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.timing;
CREATE TABLE bench.timing (
  label text,
  run int,
  ms float8,
  workers_planned int,
  workers_launched int,
  temp_written_blocks bigint,
  peak_memory_kb bigint
);

DROP TABLE IF EXISTS bench.query;
CREATE TABLE bench.query (
  label text PRIMARY KEY,
  sql text NOT NULL,
  setup text,
  as_role name
);

CREATE OR REPLACE FUNCTION bench.add(label text, query text, setup text DEFAULT NULL,
                                     as_role name DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO bench.query VALUES (label, query, setup, as_role)
  ON CONFLICT (label) DO UPDATE SET sql = excluded.sql, setup = excluded.setup,
                                    as_role = excluded.as_role
$$;

CREATE OR REPLACE FUNCTION bench.run_one(label text, query text, round int,
                                         setup text DEFAULT NULL, as_role name DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  IF setup IS NOT NULL THEN
    EXECUTE setup;
  END IF;
  IF as_role IS NOT NULL THEN
    EXECUTE format('SET ROLE %I', as_role);
  END IF;
  EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, FORMAT JSON) ' || query INTO plan;
  RESET ROLE;
  INSERT INTO bench.timing
  SELECT label, round, (plan->0->>'Execution Time')::float8,
         (SELECT max(w::int) FROM jsonb_path_query(plan, 'strict $.**."Workers Planned"') AS w),
         (SELECT max(w::int) FROM jsonb_path_query(plan, 'strict $.**."Workers Launched"') AS w),
         -- the top node's count: a node's buffer counts include its children's
         -- (and its workers'), so summing over the nodes would count the same
         -- temp files once per node above them
         (plan->0->'Plan'->>'Temp Written Blocks')::bigint,
         (SELECT max(m::bigint) FROM jsonb_path_query(plan, 'strict $.**."Peak Memory Usage"') AS m);
END $$;

-- A procedure, so that each run commits and a long benchmark holds no
-- snapshot or locks longer than one query.
CREATE OR REPLACE PROCEDURE bench.run_all(runs int DEFAULT 3)
LANGUAGE plpgsql AS $$
DECLARE
  q record;
BEGIN
  FOR i IN 1..runs LOOP
    FOR q IN SELECT * FROM bench.query ORDER BY label LOOP
      PERFORM bench.run_one(q.label, q.sql, i, q.setup, q.as_role);
      COMMIT;
    END LOOP;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION bench.median_ms(which text) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM bench.timing WHERE label = which
$$;

CREATE OR REPLACE VIEW bench.summary AS
SELECT label,
       round(bench.median_ms(label)::numeric, 1) AS median_ms,
       round(min(ms)::numeric, 1) AS min_ms,
       round(max(ms)::numeric, 1) AS max_ms,
       count(*) AS runs,
       coalesce(max(workers_launched), 0) AS workers,
       pg_size_pretty(coalesce(max(temp_written_blocks), 0) * 8192) AS temp_written
FROM bench.timing GROUP BY label;
