-- test/citus/data.sql: the seeded customers and their score history, run on
-- the coordinator by test/citus/run.sh.
--
--   psql -v rows=200000 -v snapshots=8 -f test/citus/data.sql
--
-- customers_local and history_local stay plain tables on the coordinator:
-- the single-node reference.  customers and history get the same rows and
-- are then distributed by customer id, co-located.
SELECT setseed(0.808);

CREATE TABLE customers_local (
  id bigint PRIMARY KEY,
  segment text,          -- 5 plans of skewed sizes, ~1 % NULL
  usage_pct float8,      -- 0-100, ~5 % NULL
  logins_30d float8,     -- a heavy-tailed count, ~5 % NULL
  open_tickets float8,   -- 0-14, ~5 % NULL
  nps_rating integer,    -- 0-10, ~20 % NULL: not everyone answers a survey
  csat_rating integer,   -- 1-5, ~30 % NULL
  ces_rating integer,    -- 1-7, ~40 % NULL
  churned boolean        -- likelier with low usage and many tickets, ~1 % NULL
);

INSERT INTO customers_local
SELECT id, segment, usage_pct, logins_30d, open_tickets, nps_rating, csat_rating, ces_rating,
       CASE WHEN random() < 0.01 THEN NULL
            ELSE random() < 0.05 + 0.25 * (1 - coalesce(usage_pct, 50) / 100)
                                 + 0.02 * coalesce(open_tickets, 3)
       END
FROM (SELECT i AS id,
             CASE WHEN random() < 0.01 THEN NULL
                  ELSE (ARRAY['free', 'starter', 'team', 'business', 'enterprise'])
                       [1 + floor(5 * power(random(), 1.6))::int]
             END AS segment,
             CASE WHEN random() < 0.05 THEN NULL ELSE round(random() * 1000) / 10 END AS usage_pct,
             CASE WHEN random() < 0.05 THEN NULL ELSE floor(exp(random() * 6.2)) - 1 END AS logins_30d,
             CASE WHEN random() < 0.05 THEN NULL ELSE floor(15 * power(random(), 2)) END AS open_tickets,
             CASE WHEN random() < 0.20 THEN NULL ELSE floor(random() * 11)::int END AS nps_rating,
             CASE WHEN random() < 0.30 THEN NULL ELSE 1 + floor(random() * 5)::int END AS csat_rating,
             CASE WHEN random() < 0.40 THEN NULL ELSE 1 + floor(random() * 7)::int END AS ces_rating
      FROM generate_series(1, :rows) AS i) AS raw;

-- Weekly snapshots, one decimal as a model stores them: a drift per
-- customer plus noise, ~10 % of snapshots missing, ~2 % NULL scores, and
-- ~1 % taken twice at the same time (trend keeps the greater score).
CREATE TABLE history_local (
  customer_id bigint,
  taken_at timestamptz,
  score float8
);

INSERT INTO history_local
SELECT c.id,
       timestamptz '2026-01-05 06:00+00' + (w * interval '7 days'),
       CASE WHEN random() < 0.02 THEN NULL
            ELSE round(greatest(0, least(100, c.base + c.drift * w + 8 * (random() - 0.5)))::numeric, 1)::float8
       END
FROM (SELECT id, 20 + 70 * random() AS base, 6 * (random() - 0.5) AS drift
      FROM customers_local) AS c,
     generate_series(0, :snapshots - 1) AS w
WHERE random() >= 0.10;

INSERT INTO history_local
SELECT customer_id, taken_at, least(100, score + 5)
FROM history_local
WHERE score IS NOT NULL AND random() < 0.01;

CREATE TABLE customers (LIKE customers_local INCLUDING ALL);
CREATE TABLE history (LIKE history_local INCLUDING ALL);
SELECT create_distributed_table('customers', 'id');
SELECT create_distributed_table('history', 'customer_id', colocate_with => 'customers');
INSERT INTO customers SELECT * FROM customers_local;
INSERT INTO history SELECT * FROM history_local;

VACUUM ANALYZE customers_local;
VACUUM ANALYZE history_local;
VACUUM ANALYZE customers;
VACUUM ANALYZE history;
