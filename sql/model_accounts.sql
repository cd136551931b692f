-- Revenue and account hierarchies: a model's revenue in scores,
-- segment_summary, validate and revenue_at_risk, and its parent in the
-- accounts, account_trend and account_dropped views.  Every figure is
-- checked against plain SQL over the same rows (EXCEPT both ways: 0
-- rows), a few also by hand in comments.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET DateStyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.error_of(query text)
RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END;
$$;

-- 40 customers of 4 parent accounts: 1-10 of 100, 11-20 of 101, 21-30 of
-- 102 (no parent is a customer), 31-40 top-level.  usage 0-100 scores
-- itself; mrr id * 10, NULL when id % 7 = 0, -50 for id 13 (a credit);
-- churned when id % 4 = 0.
CREATE TABLE hs_acc (id integer PRIMARY KEY, parent_id integer, region text NOT NULL,
                     usage float8, mrr numeric, churned boolean NOT NULL);
INSERT INTO hs_acc
SELECT i, CASE WHEN i <= 30 THEN 100 + (i - 1) / 10 END,
       CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END,
       (i * 37) % 100,
       CASE WHEN i = 13 THEN -50 WHEN i % 7 <> 0 THEN i * 10 END,
       i % 4 = 0
  FROM generate_series(1, 40) AS i;

-- bad revenue and parent expressions, each refused with the model
SELECT * FROM pg_temp.error_of($$SELECT health_score.create_model('acc', 'public.hs_acc', 'id', revenue => 'region')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.create_model('acc', 'public.hs_acc', 'id', parent => 'region')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.create_model('acc', 'public.hs_acc', 'id', parent => 'parent_idd')$$);
SELECT count(*) AS models_left FROM health_score.model WHERE name = 'acc';

SELECT health_score.create_model('acc', 'public.hs_acc', 'id', '{region}', revenue => 'mrr', parent => 'parent_id');
SELECT health_score.add_metric('acc', 'usage', 'usage', 1, 'linear', worst => 0, best => 100);
-- the credit of customer 13 is counted, with a warning
SELECT health_score.build('acc');

-- scores: revenue and parent, as the source has them
SELECT count(*) AS differing
  FROM health_score_acc.scores AS s JOIN hs_acc AS h USING (id)
 WHERE (s.revenue, s.parent) IS DISTINCT FROM (h.mrr::float8, h.parent_id);

-- segment_summary: revenue and its share of the region, by plain SQL
CREATE TEMP VIEW summary_by_hand AS
SELECT region, band, count(*) AS customers, sum(revenue) AS revenue,
       round((sum(revenue) / sum(sum(revenue)) OVER (PARTITION BY region))::numeric, 4)::float8 AS revenue_share
  FROM health_score_acc.scores GROUP BY region, band;
SELECT (SELECT count(*) FROM (SELECT region, band, customers, revenue, revenue_share FROM health_score_acc.segment_summary
                              EXCEPT SELECT * FROM summary_by_hand) AS d) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM summary_by_hand
                              EXCEPT SELECT region, band, customers, revenue, revenue_share FROM health_score_acc.segment_summary) AS d) AS only_by_hand;
SELECT region, band, customers, revenue, revenue_share FROM health_score_acc.segment_summary;

-- validate: revenue and revenue_lost per band, by plain SQL
SELECT v.band, v.customers, v.revenue, v.revenue_lost,
       (v.revenue, v.revenue_lost) IS NOT DISTINCT FROM (p.revenue, p.revenue_lost) AS agrees
  FROM health_score.validate('acc', 'churned') AS v,
       LATERAL (SELECT sum(s.revenue) AS revenue, sum(s.revenue) FILTER (WHERE h.churned) AS revenue_lost
                  FROM health_score_acc.scores AS s JOIN hs_acc AS h USING (id)
                 WHERE v.band = 'all' OR coalesce(s.band, 'unscored') = v.band) AS p;

-- revenue_at_risk: today's customers (not churned) and revenue per band
-- times the band's churn rate among all its customers
CREATE TEMP VIEW risk_by_hand AS
WITH b AS (
    SELECT coalesce(s.band, 'unscored') AS band, count(*) FILTER (WHERE NOT h.churned) AS customers,
           sum(s.revenue) FILTER (WHERE NOT h.churned) AS revenue,
           avg(h.churned::int)::float8 AS rate, count(*) AS rate_customers
      FROM health_score_acc.scores AS s JOIN hs_acc AS h USING (id) GROUP BY 1)
SELECT band, customers, revenue, rate, rate_customers, revenue * rate AS expected_loss FROM b
UNION ALL
SELECT 'all', sum(customers), sum(revenue), sum(rate * rate_customers) / sum(rate_customers),
       sum(rate_customers), sum(revenue * rate) FROM b;
SELECT (SELECT count(*) FROM (SELECT * FROM health_score.revenue_at_risk('acc', 'churned')
                              EXCEPT SELECT * FROM risk_by_hand) AS d) AS only_in_function,
       (SELECT count(*) FROM (SELECT * FROM risk_by_hand
                              EXCEPT SELECT * FROM health_score.revenue_at_risk('acc', 'churned')) AS d) AS only_by_hand;
SELECT band, customers, revenue, round(outcome_rate::numeric, 4) AS outcome_rate, rate_customers,
       round(expected_loss::numeric, 2) AS expected_loss
  FROM health_score.revenue_at_risk('acc', 'churned');

------------------------------------------------------------------------
-- Accounts.  Account 100 (customers 1-10), by hand: usage 37, 74, 11,
-- 48, 85, 22, 59, 96, 33, 70; mrr 10 .. 100 but 70 NULL; the score is
-- weighted by mrr over the 9 with one:
--   (37*10 + 74*20 + 11*30 + 48*40 + 85*50 + 22*60 + 96*80 + 33*90
--    + 70*100) / 480 = 27320 / 480 = 56.917 -> 56.9, yellow, F
-- worst child 3 (11), red children (below 40) 1, 3, 6, 9: 4; revenue 480,
-- red revenue 10 + 30 + 60 + 90 = 190.
------------------------------------------------------------------------
SELECT * FROM health_score_acc.accounts ORDER BY account;
CREATE TEMP VIEW accounts_by_hand AS
SELECT s.parent AS account, count(*) AS children, count(s.score) AS scored_children,
       round(coalesce(sum(s.score * s.revenue) FILTER (WHERE s.revenue > 0 AND s.score IS NOT NULL)
                      / sum(s.revenue) FILTER (WHERE s.revenue > 0 AND s.score IS NOT NULL),
                      avg(s.score))::numeric, 1)::float8 AS score,
       (SELECT w.id FROM health_score_acc.scores AS w
         WHERE w.parent = s.parent AND w.score IS NOT NULL ORDER BY w.score, w.id::text LIMIT 1) AS worst_child,
       min(s.score) AS worst_child_score,
       count(*) FILTER (WHERE s.band = 'red') AS red_children,
       sum(s.revenue) AS revenue, sum(s.revenue) FILTER (WHERE s.band = 'red') AS red_revenue
  FROM health_score_acc.scores AS s WHERE s.parent IS NOT NULL GROUP BY s.parent;
SELECT (SELECT count(*) FROM (SELECT account, children, scored_children, score, worst_child, worst_child_score,
                                     red_children, revenue, red_revenue FROM health_score_acc.accounts
                              EXCEPT SELECT * FROM accounts_by_hand) AS d) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM accounts_by_hand
                              EXCEPT SELECT account, children, scored_children, score, worst_child, worst_child_score,
                                            red_children, revenue, red_revenue FROM health_score_acc.accounts) AS d) AS only_by_hand;
-- the same in parallel workers, whose partial states the aggregate merges
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS differing FROM (SELECT account, worst_child, worst_child_score FROM health_score_acc.accounts
                                   EXCEPT SELECT account, worst_child, worst_child_score FROM accounts_by_hand) AS d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- (the views over scores would keep build from replacing it)
DROP VIEW summary_by_hand, risk_by_hand, accounts_by_hand;

-- every account view and column carries a comment, as BI tools show them
SELECT c.relname, count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS uncommented,
       obj_description(c.oid, 'pg_class') IS NOT NULL AS view_commented
  FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'health_score_acc'::regnamespace AND c.relname LIKE 'account%'
 GROUP BY c.oid, c.relname ORDER BY c.relname;

-- Without revenue, the plain mean: account 100 = 535 / 10 = 53.5
SELECT health_score.set_revenue('acc', NULL) AS version;
SELECT health_score.build('acc');
SELECT account, children, score, score_weighting, worst_child FROM health_score_acc.accounts ORDER BY account;
SELECT count(*) AS differing FROM health_score_acc.accounts AS a
 WHERE a.score IS DISTINCT FROM (SELECT round(avg(s.score)::numeric, 1)::float8 FROM health_score_acc.scores AS s
                                  WHERE s.parent = a.account);
SELECT 'revenue' = ANY (SELECT attname FROM pg_attribute WHERE attrelid = 'health_score_acc.scores'::regclass AND attnum > 0) AS scores_has_revenue;
SELECT * FROM pg_temp.error_of($$SELECT * FROM health_score.revenue_at_risk('acc', 'churned')$$);
SELECT health_score.set_revenue('acc', 'mrr') AS version;
SELECT * FROM pg_temp.error_of($$SELECT * FROM health_score.revenue_at_risk('acc', 'churned')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.set_revenue('acc', '  ')$$);
SELECT health_score.build('acc');

------------------------------------------------------------------------
-- A reader under row-level security sees the north customers (even ids)
-- and accounts rolled up over those alone.
------------------------------------------------------------------------
CREATE ROLE regress_acc_reader;
ALTER TABLE hs_acc ENABLE ROW LEVEL SECURITY;
CREATE POLICY north ON hs_acc FOR SELECT TO regress_acc_reader USING (region = 'north');
GRANT SELECT ON hs_acc TO regress_acc_reader;
GRANT USAGE ON SCHEMA health_score_acc TO regress_acc_reader;
GRANT SELECT ON health_score_acc.scores, health_score_acc.accounts TO regress_acc_reader;
SET ROLE regress_acc_reader;
SELECT account, children, score, worst_child, revenue FROM health_score_acc.accounts ORDER BY account;
SELECT count(*) AS differing
  FROM health_score_acc.accounts AS a,
       LATERAL (SELECT count(*) AS children, sum(h.mrr)::float8 AS revenue
                  FROM hs_acc AS h WHERE h.parent_id = a.account) AS p
 WHERE (a.children, a.revenue) IS DISTINCT FROM (p.children, p.revenue);
RESET ROLE;

------------------------------------------------------------------------
-- Trends: two snapshots; customers 1-10 lose usage, and account 100
-- drops from yellow to red.
------------------------------------------------------------------------
SELECT health_score.snapshot('acc', '2026-11-01') AS rows_written;
UPDATE hs_acc SET usage = usage / 4 WHERE parent_id = 100;
SELECT health_score.snapshot('acc', '2026-11-08') AS rows_written;
SELECT account, taken_on, children, score, band, previous_on, previous_score, previous_band, delta, band_change, dropped_band
  FROM health_score_acc.account_trend ORDER BY account;
SELECT account, band_change FROM health_score_acc.account_dropped;
-- the scores the history keeps, rolled up by plain SQL, are the trend's
SELECT count(*) AS differing
  FROM health_score_acc.account_trend AS t
 WHERE (t.score, t.previous_score) IS DISTINCT FROM
       ((SELECT round((sum(h.score * h.revenue) FILTER (WHERE h.revenue > 0) / sum(h.revenue) FILTER (WHERE h.revenue > 0 AND h.score IS NOT NULL))::numeric, 1)::float8
           FROM health_score_acc.history AS h WHERE h.parent = t.account AND h.taken_on = '2026-11-08'),
        (SELECT round((sum(h.score * h.revenue) FILTER (WHERE h.revenue > 0) / sum(h.revenue) FILTER (WHERE h.revenue > 0 AND h.score IS NOT NULL))::numeric, 1)::float8
           FROM health_score_acc.history AS h WHERE h.parent = t.account AND h.taken_on = '2026-11-01'));
-- and the accounts view today is the trend's latest
SELECT count(*) AS differing FROM (SELECT account, score, band FROM health_score_acc.accounts
                                   EXCEPT SELECT account, score, band FROM health_score_acc.account_trend) AS d;

------------------------------------------------------------------------
-- Cycles and deeper trees are refused by build, refresh and snapshot,
-- naming the keys; nothing changes.
------------------------------------------------------------------------
UPDATE hs_acc SET parent_id = 1 WHERE id = 21;        -- 21 -> 1 -> 100
SELECT * FROM pg_temp.error_of($$SELECT health_score.refresh('acc')$$);
UPDATE hs_acc SET parent_id = 21 WHERE id = 1;        -- 1 -> 21 -> 1
SELECT * FROM pg_temp.error_of($$SELECT health_score.snapshot('acc', '2026-11-15')$$);
UPDATE hs_acc SET parent_id = 31 WHERE id = 31;       -- 31 -> 31
UPDATE hs_acc SET parent_id = 100 WHERE id = 1;
UPDATE hs_acc SET parent_id = 102 WHERE id = 21;
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('acc')$$);
UPDATE hs_acc SET parent_id = NULL WHERE id = 31;
SELECT string_agg(taken_on::text, ', ' ORDER BY taken_on) AS snapshots FROM health_score_acc.snapshots;

-- removing the parent drops the account views
SELECT health_score.set_parent('acc', NULL) AS version;
SELECT health_score.build('acc');
SELECT relname FROM pg_class WHERE relnamespace = 'health_score_acc'::regnamespace AND relname LIKE 'account%' ORDER BY 1;

-- A parent changed and not yet built is not what refresh checks or
-- stores: the built one is, until build.
SELECT health_score.set_parent('acc', 'parent_id') AS version;
SELECT health_score.build('acc');
SELECT health_score.set_parent('acc', 'CASE WHEN id = 21 THEN 1 ELSE parent_id END') AS version;
SELECT health_score.refresh('acc');
SELECT count(*) AS stored_with_new_parent FROM health_score_acc.stored_scores WHERE id = 21 AND parent = 1;
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('acc')$$);
SELECT health_score.set_parent('acc', 'parent_id') AS version;

-- a parent wider than the key would fail at a read; revenue that fails
-- for a customer is named as a metric is; NaN and infinite revenue are
-- left out, as NULL
SELECT * FROM pg_temp.error_of($$SELECT health_score.set_parent('acc', 'parent_id::bigint')$$);
SELECT health_score.set_revenue('acc', 'mrr / (id - 8)') AS version;
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('acc')$$);
SELECT * FROM health_score.check_model('acc');
SELECT health_score.set_revenue('acc', $$CASE id WHEN 2 THEN 'NaN'::float8 WHEN 4 THEN 'Infinity' ELSE mrr END$$) AS version;
SELECT health_score.build('acc');
SELECT id, revenue FROM health_score_acc.scores WHERE id IN (2, 4, 6) ORDER BY id;
SELECT account, revenue FROM health_score_acc.accounts WHERE account = 100;
SELECT sum(mrr) FILTER (WHERE id NOT IN (2, 4)) AS by_hand FROM hs_acc WHERE parent_id = 100;

SELECT health_score.drop_model('acc', drop_history => true);
DROP TABLE hs_acc;
DROP ROLE regress_acc_reader;
