-- Scoring models: the catalog, the views build() makes, and every way a
-- definition can be wrong.  Each view's numbers are compared with the
-- scalar functions applied by hand to the same rows.
SET client_min_messages = warning;
-- PL/pgSQL context lines would pin line numbers, not behaviour
\set SHOW_CONTEXT never

CREATE TABLE customers (
    id        bigint PRIMARY KEY,
    plan      text,
    logins    integer,
    tickets   integer,
    nps       integer,
    paid      boolean,
    spend     numeric
);
-- 2,000 customers, seeded; about 5 % NULLs in each metric
SELECT setseed(0.42);
INSERT INTO customers
SELECT g,
       (ARRAY['free', 'pro', 'enterprise'])[1 + g % 3],
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 300)::int END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 12)::int END,
       CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 11)::int END,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() < 0.8 END,
       CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 5000)::numeric, 2) END
FROM generate_series(1, 2000) AS g;
-- one customer with no metric at all, one with only the lightest
INSERT INTO customers VALUES (2001, 'pro', NULL, NULL, NULL, NULL, NULL),
                             (2002, 'free', NULL, NULL, NULL, NULL, 10);

------------------------------------------------------------------------
-- Defining a model
------------------------------------------------------------------------
SELECT health_score.create_model('acme', 'customers', 'id', '{plan}',
                                 red_below => 40, green_from => 70,
                                 min_coverage => 0.25);
SELECT health_score.add_metric('acme', 'logins', 'logins', 3, 'log', worst => 0, best => 200,
                               category => 'usage');
SELECT health_score.add_metric('acme', 'tickets', 'tickets * 1.5', 2, 'linear', worst => 12, best => 0,
                               category => 'support',
                               segment_weights => '{"plan": {"enterprise": 4, "free": 0}}');
SELECT health_score.add_metric('acme', 'nps', 'nps', 2, 'steps',
                               thresholds => '{7,9}', scores => '{0,50,100}', category => 'sentiment');
SELECT health_score.add_metric('acme', 'paid', 'paid', 1, 'linear', worst => 0, best => 1,
                               category => 'billing');
SELECT health_score.add_metric('acme', 'spend', 'spend', 1, 'percentile');
SELECT name, source, key, segments, target_schema, red_below, green_from, min_coverage,
       version, built_version
  FROM health_score.model;
SELECT model, name, position, expression, weight, method, worst, best, thresholds, scores,
       category, segment_weights
  FROM health_score.metric ORDER BY position;
SELECT model, version, change FROM health_score.model_version ORDER BY version;

SELECT health_score.build('acme');
SELECT version, built_version, built_at IS NOT NULL AS built FROM health_score.model;

-- the views, their kinds and options
SELECT c.relname, c.relkind, c.reloptions
  FROM pg_class c WHERE c.relnamespace = 'health_score_acme'::regnamespace
 ORDER BY c.relname;
-- plain column types, in a stable order
SELECT attnum, attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'health_score_acme.scores'::regclass AND attnum > 0
 ORDER BY attnum;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'health_score_acme.segment_summary'::regclass AND attnum > 0
 ORDER BY attnum;
-- every view and every column is commented
SELECT c.relname,
       obj_description(c.oid, 'pg_class') IS NOT NULL AS commented,
       count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS columns_without_comment
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'health_score_acme'::regnamespace AND c.relkind IN ('v', 'm')
 GROUP BY c.oid, c.relname ORDER BY c.relname;
SELECT col_description('health_score_acme.scores'::regclass, 12);

------------------------------------------------------------------------
-- The view against the scalar functions applied by hand
------------------------------------------------------------------------
-- metric scores and weights, with the segment override written out
CREATE TEMP VIEW by_hand AS
SELECT id, plan,
       health_score.scale_log(logins, 0, 200) AS logins_score,
       health_score.scale(tickets * 1.5, 12, 0) AS tickets_score,
       health_score.scale_steps(nps, '{7,9}', '{0,50,100}') AS nps_score,
       health_score.scale(paid::int, 0, 1) AS paid_score,
       -- percentile among all customers: greatest(1, ceil(100 * percent_rank()))
       CASE WHEN spend IS NOT NULL THEN
            greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY spend IS NULL ORDER BY spend)))
       END AS spend_score,
       ARRAY[3, CASE plan WHEN 'enterprise' THEN 4 WHEN 'free' THEN 0 ELSE 2 END, 2, 1, 1]::float8[] AS w
  FROM customers;
CREATE TEMP VIEW by_hand_scored AS
SELECT b.*,
       round(health_score.weighted_score(ARRAY[logins_score, tickets_score, nps_score, paid_score, spend_score],
                                         w, 0.25)::numeric, 1)::float8 AS score,
       health_score.coverage(ARRAY[logins_score, tickets_score, nps_score, paid_score, spend_score], w) AS coverage
  FROM by_hand b;
CREATE TEMP VIEW by_hand_final AS
SELECT id, plan, score,
       health_score.band(score, 40, 70) AS band,
       health_score.grade(score) AS grade,
       CASE WHEN score IS NOT NULL THEN
            greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY score IS NULL ORDER BY score)))::int
       END AS percentile,
       CASE WHEN score IS NOT NULL THEN
            greatest(1, ceil(100 * percent_rank() OVER (PARTITION BY plan, score IS NULL ORDER BY score)))::int
       END AS segment_percentile,
       CASE WHEN score IS NOT NULL THEN rank() OVER (ORDER BY score DESC NULLS LAST) END AS rank,
       coverage,
       round(logins_score::numeric, 1)::float8 AS logins_score,
       round(tickets_score::numeric, 1)::float8 AS tickets_score,
       round(nps_score::numeric, 1)::float8 AS nps_score,
       round(paid_score::numeric, 1)::float8 AS paid_score,
       round(spend_score::numeric, 1)::float8 AS spend_score
  FROM by_hand_scored;

-- row for row, both ways: 0 and 0
SELECT count(*) AS view_rows,
       (SELECT count(*) FROM (SELECT id, plan, score, band, grade, percentile, segment_percentile, rank,
                                     coverage, logins_score, tickets_score, nps_score, paid_score, spend_score
                                FROM health_score_acme.scores
                              EXCEPT SELECT * FROM by_hand_final) d) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM by_hand_final
                              EXCEPT SELECT id, plan, score, band, grade, percentile, segment_percentile, rank,
                                     coverage, logins_score, tickets_score, nps_score, paid_score, spend_score
                                FROM health_score_acme.scores) d) AS only_by_hand
  FROM health_score_acme.scores;

-- a few rows checked by hand.  Customer 2001 has no metric: no score.
-- Customer 2002 has only spend, weight 1 of 7 (free plan: tickets weigh 0
-- there, so 3 + 0 + 2 + 1 + 1 = 7 in all): coverage 1/7 < 0.25, no score.
SELECT id, plan, score, band, grade, percentile, rank, round(coverage::numeric, 4) AS coverage, spend_score
  FROM health_score_acme.scores WHERE id IN (2001, 2002) ORDER BY id;
-- Customers 2 (enterprise: tickets weigh 4, 11 in all) and 3 (free:
-- tickets weigh 0, 7 in all), from their raw values in plain SQL
SELECT c.*, s.score,
       round(((3 * least(100, 100 * ln(1 + c.logins) / ln(201))
              + 4 * greatest(0, least(100, 100 * (c.tickets * 1.5 - 12) / -12))
              + 2 * CASE WHEN c.nps < 7 THEN 0 WHEN c.nps < 9 THEN 50 ELSE 100 END
              + 1 * 100 * c.paid::int
              + 1 * s.spend_score) / 11)::numeric, 1) AS by_hand
  FROM customers c JOIN health_score_acme.scores s USING (id) WHERE id = 2;
SELECT c.*, s.score,
       round(((3 * least(100, 100 * ln(1 + c.logins) / ln(201))
              + 2 * CASE WHEN c.nps < 7 THEN 0 WHEN c.nps < 9 THEN 50 ELSE 100 END
              + 1 * 100 * c.paid::int
              + 1 * s.spend_score) / 7)::numeric, 1) AS by_hand
  FROM customers c JOIN health_score_acme.scores s USING (id) WHERE id = 3;
-- spend_score is the percentile of spend: the share of customers with
-- less spend, counted directly
SELECT s.spend_score,
       ceil(100.0 * (SELECT count(*) FROM customers o WHERE o.spend < c.spend)
            / ((SELECT count(spend) FROM customers) - 1)) AS by_hand
  FROM customers c JOIN health_score_acme.scores s USING (id) WHERE id IN (2, 3) ORDER BY id;

-- the band views hold their band, worst first, and nothing else
SELECT 'red' AS band, count(*), bool_and(band = 'red'), max(score) < 40 AS below_40,
       (SELECT count(*) FROM health_score_acme.scores WHERE score < 40) AS expected
  FROM health_score_acme.red
UNION ALL
SELECT 'yellow', count(*), bool_and(band = 'yellow'), NULL,
       (SELECT count(*) FROM health_score_acme.scores WHERE score >= 40 AND score < 70)
  FROM health_score_acme.yellow
UNION ALL
SELECT 'green', count(*), bool_and(band = 'green'), NULL,
       (SELECT count(*) FROM health_score_acme.scores WHERE score >= 70)
  FROM health_score_acme.green;
SELECT id, score FROM health_score_acme.red LIMIT 3;

-- segment_summary against a GROUP BY over the scores view
SELECT * FROM health_score_acme.segment_summary;
SELECT count(*) AS mismatches FROM (
    SELECT plan, band, count(*) AS customers,
           round(count(*)::numeric / sum(count(*)) OVER (PARTITION BY plan), 4)::float8 AS share,
           round(avg(score)::numeric, 1)::float8 AS average_score
      FROM by_hand_final GROUP BY plan, band
    EXCEPT SELECT * FROM health_score_acme.segment_summary) d;

-- the stored scores hold what the view shows, every column but
-- computed_at: 2002 rows, 0 differ
SELECT count(*) AS mv_rows,
       count(*) FILTER (WHERE (mv.*) IS NULL OR (s.*) IS NULL
                           OR (mv.plan, mv.score, mv.band, mv.grade, mv.percentile, mv.segment_percentile,
                               mv.rank, mv.coverage, mv.logins_score, mv.tickets_score, mv.nps_score,
                               mv.paid_score, mv.spend_score)
                              IS DISTINCT FROM
                              (s.plan, s.score, s.band, s.grade, s.percentile, s.segment_percentile,
                               s.rank, s.coverage, s.logins_score, s.tickets_score, s.nps_score,
                               s.paid_score, s.spend_score)) AS differ,
       count(DISTINCT mv.computed_at) AS refresh_times
  FROM health_score_acme.scores_mv mv FULL JOIN health_score_acme.scores s USING (id);

------------------------------------------------------------------------
-- Changing a model: versions, column order, privileges
------------------------------------------------------------------------
CREATE ROLE regress_hs_reader;
GRANT USAGE ON SCHEMA health_score_acme TO regress_hs_reader;
GRANT SELECT ON health_score_acme.scores, health_score_acme.scores_mv TO regress_hs_reader;

-- adding a metric appends a column; existing columns keep their place
SELECT health_score.add_metric('acme', 'tenure', 'id % 100', 1, 'linear', worst => 0, best => 99);
SELECT health_score.build('acme');
SELECT attnum, attname FROM pg_attribute
 WHERE attrelid = 'health_score_acme.scores'::regclass AND attnum > 9 ORDER BY attnum;
-- dropping one removes its column; the others keep their order
SELECT health_score.drop_metric('acme', 'nps');
SELECT health_score.build('acme');
SELECT attnum, attname FROM pg_attribute
 WHERE attrelid = 'health_score_acme.scores'::regclass AND attnum > 9 ORDER BY attnum;
-- grants survive both rebuilds; the materialized view is not public
SELECT relname, has_table_privilege('regress_hs_reader', c.oid, 'SELECT') AS reader,
       has_table_privilege('public', c.oid, 'SELECT') AS public
  FROM pg_class c WHERE relnamespace = 'health_score_acme'::regnamespace AND relkind IN ('v', 'm')
 ORDER BY relname;
SELECT version, built_version FROM health_score.model WHERE name = 'acme';
SELECT version, change FROM health_score.model_version WHERE model = 'acme' ORDER BY version;

-- a user's view on scores survives a rebuild that only adds a column...
CREATE VIEW at_risk AS SELECT id, score FROM health_score_acme.scores WHERE band = 'red';
SELECT health_score.add_metric('acme', 'logins_again', 'logins', 1, 'percentile');
SELECT health_score.build('acme');
SELECT count(*) > 0 AS at_risk_rows FROM at_risk;
-- ...but blocks one that must drop a column, and drop_model; nothing changes
SELECT health_score.drop_metric('acme', 'logins_again');
SELECT health_score.build('acme');
SELECT health_score.drop_model('acme');
SELECT count(*) AS views_left FROM pg_class WHERE relnamespace = 'health_score_acme'::regnamespace;
DROP VIEW at_risk;
SELECT health_score.build('acme');

-- refresh: concurrently, the rows follow the source
UPDATE customers SET logins = 300, tickets = 0, nps = 10, paid = true, spend = 5000 WHERE id = 2001;
SELECT score FROM health_score_acme.scores_mv WHERE id = 2001;
SELECT health_score.refresh('acme');
SELECT score, band FROM health_score_acme.scores_mv WHERE id = 2001;
UPDATE customers SET logins = NULL, tickets = NULL, nps = NULL, paid = NULL, spend = NULL WHERE id = 2001;
SELECT health_score.refresh('acme', concurrently => false);
SELECT score, band FROM health_score_acme.scores_mv WHERE id = 2001;

-- refresh rewrites the rows whose values changed and no other: after 20
-- customers' tickets change (1 %), the rows whose xmin moved are the rows
-- whose stored values differ from before, and the stored scores are
-- again what the view shows
CREATE TEMP TABLE stored_before AS
SELECT s.*, s.xmin::text AS row_version FROM health_score_acme.stored_scores AS s;
UPDATE customers SET tickets = (coalesce(tickets, 0) + 5) % 12 WHERE id % 100 = 7;
SELECT health_score.refresh('acme');
SELECT count(*) FILTER (WHERE s.xmin::text <> b.row_version) AS rewritten,
       count(*) FILTER (WHERE (s.score, s.band, s.grade, s.coverage, s.tickets_score)
                              IS DISTINCT FROM (b.score, b.band, b.grade, b.coverage, b.tickets_score)) AS changed,
       count(*) FILTER (WHERE s.xmin::text <> b.row_version AND s.id % 100 <> 7) AS others_rewritten
  FROM health_score_acme.stored_scores AS s JOIN stored_before AS b USING (id);
SELECT count(*) AS differ
  FROM (SELECT id, plan, score, band, grade, percentile, segment_percentile, rank, coverage
          FROM health_score_acme.scores
        EXCEPT
        SELECT id, plan, score, band, grade, percentile, segment_percentile, rank, coverage
          FROM health_score_acme.scores_mv) AS d;
DROP TABLE stored_before;

------------------------------------------------------------------------
-- Row-level security on the source applies through every view
------------------------------------------------------------------------
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_pro ON customers FOR SELECT TO regress_hs_reader USING (plan = 'pro');
GRANT SELECT ON customers TO regress_hs_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA health_score_acme TO regress_hs_reader;
SET ROLE regress_hs_reader;
SELECT count(*) AS rows, count(*) FILTER (WHERE plan <> 'pro') AS not_pro
  FROM health_score_acme.scores;
SELECT count(*) AS red_not_pro FROM health_score_acme.red WHERE plan <> 'pro';
SELECT plan, sum(customers) FROM health_score_acme.segment_summary GROUP BY plan;
-- percentiles are among the rows the reader can see: 1 to 100 within pro
SELECT min(percentile), max(percentile) FROM health_score_acme.scores;
RESET ROLE;
SELECT (SELECT count(*) FROM customers WHERE plan = 'pro') AS pro_customers;
ALTER TABLE customers DISABLE ROW LEVEL SECURITY;

------------------------------------------------------------------------
-- Bad definitions: each has its own error, and nothing is changed
------------------------------------------------------------------------
SELECT health_score.add_metric('acme', 'typo', 'loginz', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'wrong_type', 'plan', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'bad_sql', 'logins +', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'bad_op', 'plan * 2', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'summed', 'sum(logins)', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'median');
SELECT health_score.add_metric('acme', 'x', 'logins', -1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'x', 'logins', 'NaN', 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'x', 'logins', NULL, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'logins', 'logins', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 5, best => 5);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 0);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'log', worst => -1, best => 5);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'steps', thresholds => '{5,1}', scores => '{0,50,100}');
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'steps', thresholds => '{1,5}', scores => '{0,100}');
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'percentile', worst => 0, best => 10);
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '{"region": {"eu": 2}}');
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '{"plan": {"pro": -2}}');
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '{"plan": {"pro": "heavy"}}');
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '[1, 2]');
SELECT health_score.add_metric('acme', 'Bad Name', 'logins', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('nope', 'x', 'logins', 1, 'linear', worst => 0, best => 10);
SELECT health_score.drop_metric('acme', 'nope');
SELECT version FROM health_score.model WHERE name = 'acme';

SELECT health_score.create_model('acme', 'customers', 'id');
SELECT health_score.create_model('other', 'no_such_table', 'id');
SELECT health_score.create_model('other', 'customers', 'customer_id');
SELECT health_score.create_model('other', 'customers', 'id', '{plan,region}');
SELECT health_score.create_model('other', 'customers', 'id', '{plan,plan}');
SELECT health_score.create_model('other', 'customers', 'id', '{id}');
SELECT health_score.create_model('other', 'customers', 'id', red_below => 80, green_from => 20);
SELECT health_score.create_model('other', 'customers', 'id', grade_cutoffs => '{60,70}');
SELECT health_score.create_model('other', 'customers', 'id', min_coverage => 1.5);
SELECT health_score.create_model('Other', 'customers', 'id');
SELECT health_score.create_model(NULL, 'customers', 'id');
SELECT health_score.create_model('other', 'customers', 'id', target_schema => 'health_score_acme');

-- a model needs metrics before it is built, and a unique key
SELECT health_score.create_model('empty', 'customers', 'plan');
SELECT health_score.build('empty');
SELECT health_score.add_metric('empty', 'logins', 'logins', 1, 'linear', worst => 0, best => 300);
SELECT health_score.build('empty');
SELECT count(*) AS empty_schema_objects FROM pg_class WHERE relnamespace = to_regnamespace('health_score_empty');
SELECT health_score.refresh('empty');
SELECT health_score.refresh('nope');
SELECT health_score.drop_model('empty');

-- a source column renamed under a model: the rebuild names the metric
ALTER TABLE customers RENAME COLUMN tickets TO open_tickets;
SELECT health_score.build('acme');
ALTER TABLE customers RENAME COLUMN open_tickets TO tickets;

-- pg_cron is not installed in this database
SELECT health_score.schedule_refresh('acme', '0 * * * *');
SELECT health_score.unschedule_refresh('acme');

------------------------------------------------------------------------
-- What a model must never do
------------------------------------------------------------------------
-- an expression is one expression: no statement end, no comment, no
-- aggregate, window or set-returning function
SELECT health_score.add_metric('acme', 'x', $$1) AS value FROM customers AS src; CREATE TABLE pwned (x int); SELECT (1$$, 1, 'percentile');
SELECT health_score.add_metric('acme', 'x', 'logins -- hidden', 1, 'percentile');
SELECT health_score.add_metric('acme', 'x', 'logins /* hidden */', 1, 'percentile');
SELECT health_score.add_metric('acme', 'x', 'logins - avg(logins) OVER ()', 1, 'percentile');
SELECT health_score.add_metric('acme', 'x', 'generate_series(1, logins)', 1, 'percentile');
SELECT to_regclass('pwned') IS NULL AS nothing_created;

-- only the owner's role changes, builds, snapshots or drops a model
SET ROLE regress_hs_reader;
SELECT health_score.add_metric('acme', 'x', 'logins', 1, 'percentile');
SELECT health_score.build('acme');
SELECT health_score.drop_model('acme');
UPDATE health_score.metric SET expression = 'logins * 0' WHERE model = 'acme';
DELETE FROM health_score.model WHERE name = 'acme';
SELECT count(*) AS models_seen FROM health_score.model;
RESET ROLE;
SELECT owner, version FROM health_score.model WHERE name = 'acme';

-- a changed metric keeps its column's place
SELECT health_score.add_metric('acme', 'logins', 'logins', 2, 'log', worst => 0, best => 300, replace => true);
SELECT health_score.build('acme');
SELECT attnum, attname FROM pg_attribute
 WHERE attrelid = 'health_score_acme.scores'::regclass AND attnum > 10 ORDER BY attnum;
SELECT version, change FROM health_score.model_version WHERE model = 'acme' ORDER BY version DESC LIMIT 1;

-- an index of yours on stored_scores and a view of yours on scores_mv
-- survive a rebuild; default privileges open scores_mv as they open
-- scores, and stored_scores to its readers (row-level security holds)
CREATE INDEX my_band_index ON health_score_acme.stored_scores (band);
CREATE VIEW my_dashboard AS SELECT band, count(*) FROM health_score_acme.scores_mv GROUP BY band;
CREATE ROLE regress_hs_other;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO regress_hs_other;
SELECT health_score.build('acme');
SELECT count(*) AS dashboard_rows FROM my_dashboard;
DROP VIEW my_dashboard;
SELECT health_score.add_metric('acme', 'recency', 'id % 30', 1, 'linear', worst => 29, best => 0);
SELECT health_score.build('acme');
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'health_score_acme.stored_scores'::regclass ORDER BY 1;
SELECT has_table_privilege('regress_hs_other', 'health_score_acme.scores_mv', 'SELECT') AS other_reads_mv,
       has_table_privilege('regress_hs_other', 'health_score_acme.stored_scores', 'SELECT') AS other_reads_stored;
-- a metric added since the last build counts from the next build on:
-- refresh keeps the built columns meanwhile
SELECT health_score.add_metric('acme', 'later', 'id % 7', 1, 'linear', worst => 0, best => 6);
SELECT health_score.refresh('acme');
SELECT count(*) AS later_columns FROM pg_attribute
 WHERE attrelid = 'health_score_acme.stored_scores'::regclass AND attname = 'later_score';
-- dropping a metric recreates stored_scores: your index on a column
-- that remains is made again
SELECT health_score.drop_metric('acme', 'later');
SELECT health_score.drop_metric('acme', 'recency');
SELECT health_score.build('acme');
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'health_score_acme.stored_scores'::regclass ORDER BY 1;
-- a role that loses scores_mv loses stored_scores at the next refresh
REVOKE SELECT ON health_score_acme.scores_mv FROM regress_hs_other;
SELECT health_score.refresh('acme');
SELECT has_table_privilege('regress_hs_other', 'health_score_acme.stored_scores', 'SELECT') AS other_reads_stored;
ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM regress_hs_other;

-- names that would collide with the views' own columns
CREATE TABLE odd_names (id int PRIMARY KEY, band text, "Plan Name" text, "Usage %" float8);
INSERT INTO odd_names VALUES (1, 'x', 'Pro Plan', 80), (2, 'y', 'Free "Plan"', 'NaN'), (3, 'x', 'Free "Plan"', 10);
SELECT health_score.create_model('odd', 'odd_names', 'id', '{band}');
SELECT health_score.create_model('odd', 'odd_names', 'band');
-- quoted names, NaN as a missing value, and a segment whose weights are all zero
SELECT health_score.create_model('odd', 'odd_names', 'id', '{"Plan Name"}');
SELECT health_score.add_metric('odd', 'usage', '"Usage %"', 1, 'linear', worst => 0, best => 100,
                               segment_weights => '{"Plan Name": {"Pro Plan": 0}}');
SELECT health_score.build('odd');
SELECT id, "Plan Name", score, coverage, usage_score FROM health_score_odd.scores ORDER BY id;
SELECT * FROM health_score_odd.segment_summary;
SELECT health_score.drop_model('odd');
DROP TABLE odd_names;

-- a first build never takes over a relation of yours
CREATE SCHEMA mine;
CREATE VIEW mine.red AS SELECT 'my view' AS note;
SELECT health_score.create_model('intruder', 'customers', 'id', target_schema => 'mine');
SELECT health_score.add_metric('intruder', 'logins', 'logins', 1, 'log', worst => 0, best => 300);
SELECT health_score.build('intruder');
SELECT * FROM mine.red;
SELECT health_score.drop_model('intruder');
DROP SCHEMA mine CASCADE;
SELECT health_score.create_model('intruder', 'customers', 'id', target_schema => 'health_score');
SELECT health_score.create_model('intruder', 'customers', 'id', target_schema => 'pg_catalog');
SELECT health_score.create_model('intruder', 'customers_pkey', 'id');

------------------------------------------------------------------------
-- A role with no special privilege models its own table
------------------------------------------------------------------------
CREATE ROLE regress_hs_analyst;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_hs_analyst', current_database()); END $$;
GRANT CREATE ON SCHEMA public TO regress_hs_analyst;
SET ROLE regress_hs_analyst;
CREATE TABLE public.analyst_accounts (id int PRIMARY KEY, seats int, nps int);
INSERT INTO public.analyst_accounts SELECT g, g % 40, g % 11 FROM generate_series(1, 50) AS g;
SELECT health_score.create_model('analyst', 'public.analyst_accounts', 'id');
SELECT health_score.add_metric('analyst', 'seats', 'seats', 2, 'log', worst => 0, best => 39);
SELECT health_score.add_metric('analyst', 'nps', 'nps', 1, 'steps', thresholds => '{7,9}', scores => '{0,50,100}');
SELECT health_score.build('analyst');
SELECT health_score.snapshot('analyst', '2026-11-02');
SELECT count(*) AS scores, count(*) FILTER (WHERE band = 'green') AS green,
       (SELECT count(*) FROM public.analyst_accounts
         WHERE round(((2 * least(100, 100 * ln(1 + seats) / ln(40))
                      + CASE WHEN nps < 7 THEN 0 WHEN nps < 9 THEN 50 ELSE 100 END) / 3)::numeric, 1) >= 70)
       AS green_by_hand
  FROM health_score_analyst.scores;
SELECT count(*) AS trend_rows FROM health_score_analyst.trend;
SELECT owner FROM health_score.model WHERE name = 'analyst';
-- and cannot touch the models of others
SELECT health_score.build('acme');
RESET ROLE;
SET ROLE regress_hs_analyst;
SELECT health_score.drop_model('analyst', drop_history => true);
DROP TABLE public.analyst_accounts;
RESET ROLE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_hs_analyst', current_database()); END $$;
REVOKE CREATE ON SCHEMA public FROM regress_hs_analyst;
DROP ROLE regress_hs_analyst;

------------------------------------------------------------------------
-- Dropping a model drops its views and its schema, nothing else
------------------------------------------------------------------------
CREATE SCHEMA reports;
SELECT health_score.create_model('shared', 'customers', 'id', target_schema => 'reports');
SELECT health_score.add_metric('shared', 'logins', 'logins', 1, 'log', worst => 0, best => 300);
SELECT health_score.build('shared');
SELECT health_score.drop_model('shared');
SELECT to_regnamespace('reports') IS NOT NULL AS reports_kept;
DROP SCHEMA reports;

SELECT health_score.drop_model('acme');
SELECT to_regnamespace('health_score_acme') IS NULL AS schema_dropped,
       (SELECT count(*) FROM health_score.model) AS models,
       (SELECT count(*) FROM health_score.metric) AS metrics,
       (SELECT count(*) FROM health_score.model_version) AS versions;
SELECT count(*) AS customers_kept FROM customers;
DROP VIEW by_hand_final, by_hand_scored, by_hand;
DROP TABLE customers;
DROP ROLE regress_hs_reader;
DROP OWNED BY regress_hs_other;
DROP ROLE regress_hs_other;

-- One customer's row reads one customer: on 100,000 customers, the scores
-- view and the red view filtered by key reach the source's primary key
-- index, and no plan node scans every customer (percentiles and ranks
-- come from the stored reference, not from ranking the others).
CREATE FUNCTION pg_temp.plan_lines(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query;
END $$;
CREATE TABLE many (id integer PRIMARY KEY, plan text NOT NULL, logins integer, mrr numeric);
INSERT INTO many SELECT g, (ARRAY['basic', 'pro', 'team'])[1 + g % 3], (g * 7919) % 1000, (g * 13) % 997
  FROM generate_series(1, 100000) AS g;
ANALYZE many;
SELECT health_score.create_model('many', 'many', 'id', '{plan}');
SELECT health_score.add_metric('many', 'logins', 'logins', 2, 'log', worst => 0, best => 999);
SELECT health_score.add_metric('many', 'spend', 'mrr', 1, 'percentile');
SELECT health_score.build('many');
SELECT btrim(l) AS scan_of_the_source
  FROM pg_temp.plan_lines('SELECT * FROM health_score_many.scores WHERE id = 4242') AS l
 WHERE l ~ ' on many ';
SELECT count(*) FILTER (WHERE l ~ 'Seq Scan on many ') AS seq_scans,
       count(*) FILTER (WHERE l ~ 'Index Scan using many_pkey') AS key_index_scans
  FROM pg_temp.plan_lines('SELECT * FROM health_score_many.red WHERE id = 4242') AS l;
-- the row itself, against the scores by hand: logins 4242 * 7919 % 1000
-- = 398, log scale to 999; spend 4242 * 13 % 997 = 311, ranked among
-- the 100,000 values of mrr; rank 1 + the customers scoring higher
SELECT s.id, s.plan, s.score, s.percentile, s.rank, s.logins_score, s.spend_score,
       s.logins_score = round(health_score.scale_log(398, 0, 999)::numeric, 1)::float8 AS logins_by_hand,
       s.spend_score = (SELECT greatest(1, ceil(100 * count(*) FILTER (WHERE mrr < 311) / (count(*) - 1.0)))
                          FROM many) AS spend_by_hand,
       s.rank = 1 + (SELECT count(*) FROM health_score_many.scores AS o WHERE o.score > s.score) AS rank_by_hand
  FROM health_score_many.scores AS s WHERE s.id = 4242;
SELECT health_score.drop_model('many');
DROP TABLE many;
