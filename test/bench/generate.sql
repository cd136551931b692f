-- test/bench/generate.sql: the seeded synthetic customer table the
-- benchmarks share.  :rows customers, 12 float8 metrics on assorted raw
-- scales, ~5 % NULLs each, 10 segments of skewed sizes.
--
--   psql -v rows=10000000 -f test/bench/generate.sql
SELECT setseed(0.2026);
DROP TABLE IF EXISTS bench_customers;
CREATE UNLOGGED TABLE bench_customers (
  id bigint,
  segment int,
  m1 float8, m2 float8, m3 float8, m4 float8, m5 float8, m6 float8,
  m7 float8, m8 float8, m9 float8, m10 float8, m11 float8, m12 float8
);
INSERT INTO bench_customers
SELECT i,
       -- skewed: segment 0 holds ~26 %, segment 9 ~1 %
       floor(10 * power(random(), 1.7))::int,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 100 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 1000 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 30) END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 10 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 500 - 100 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 12) END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 5000 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 20) END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() * 100 - 50 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 11) END,
       CASE WHEN random() < 0.05 THEN NULL ELSE 1 + random() * 6 END
FROM generate_series(1, :rows) AS i;
VACUUM ANALYZE bench_customers;
