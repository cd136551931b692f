-- What create_model and add_metric refuse, and what add_metric and build
-- warn about: thresholds off the 0-100 scale, an expression that does not
-- parse or resolve (the position of the error in the user's own text),
-- segment_weights of a column that is no segment or a value no customer
-- has, and a metric NULL for every customer.  After each error the
-- catalog is shown unchanged.  The expected values were counted by hand
-- from the six rows below, and each is checked again by a plain query
-- next to it.
\set SHOW_CONTEXT never

CREATE TABLE dc_customers (
    id          integer PRIMARY KEY,
    contract    text NOT NULL,
    joined      date NOT NULL,
    seats       integer,
    nothing     integer,
    ratio       float8
);
INSERT INTO dc_customers VALUES
    (1, 'Month-to-month', '2024-01-01',  3, NULL, NULL),
    (2, 'Month-to-month', '2024-01-01', 10, NULL, 'NaN'),
    (3, 'One year',       '2024-02-01',  0, NULL, NULL),
    (4, 'One year',       '2024-03-01', 25, NULL, 'NaN'),
    (5, 'Two year',       '2024-03-01',  7, NULL, NULL),
    (6, 'two year',       '2024-03-01', 40, NULL, NULL);
-- functions and types of schema public, which expressions do not see
-- unqualified
CREATE FUNCTION public.dc_double(n integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT n * 2';
CREATE DOMAIN public.dc_count AS integer;

------------------------------------------------------------------------
-- create_model: red_below and green_from lie on the 0-100 scale
------------------------------------------------------------------------
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', green_from => 160);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', red_below => -5);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', red_below => 'NaN');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', green_from => 'Infinity');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', red_below => NULL);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- within the scale, but crossed: band() refuses it, as before
SELECT health_score.create_model('dc_bad', 'dc_customers', 'id', red_below => 80, green_from => 60);
\echo sqlstate :LAST_ERROR_SQLSTATE
-- the bounds themselves are on the scale
SELECT health_score.create_model('dc_edge', 'dc_customers', 'id', red_below => 0, green_from => 100);
-- nothing of dc_bad was written; dc_edge is there at version 1
SELECT m.name, m.red_below, m.green_from, m.version,
       (SELECT count(*) FROM health_score.model_version AS v WHERE v.model = m.name) AS versions
  FROM health_score.model AS m WHERE m.name IN ('dc_bad', 'dc_edge') ORDER BY m.name;
SELECT count(*) AS dc_bad_versions FROM health_score.model_version WHERE model = 'dc_bad';
SELECT health_score.drop_model('dc_edge');

SELECT health_score.create_model('dc', 'dc_customers', 'id', segments => '{contract,joined}');

------------------------------------------------------------------------
-- an expression that does not parse or resolve: one error naming the
-- model, the metric and the expression, the position in the detail
-- counted in the user's text; each position is checked with strpos()
-- on the same text right after it
------------------------------------------------------------------------
SELECT health_score.add_metric('dc', 'bad', 'seats +* 2', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats +* 2', '+*') AS operator_at;
SELECT health_score.add_metric('dc', 'bad', 'seats 2', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats 2', '2') AS syntax_error_at;
-- an unclosed parenthesis: the parser stops at the text after the
-- expression, which the user never wrote; the error says the expression
-- ends early instead of naming that text
SELECT health_score.add_metric('dc', 'bad', '(seats + 1', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.add_metric('dc', 'bad', 'seats +', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.add_metric('dc', 'bad', 'seats + seatz', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats + seatz', 'seatz') AS column_at;
-- a function and a type of schema public, unqualified: the hint says why
SELECT health_score.add_metric('dc', 'bad', 'seats + dc_double(seats)', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats + dc_double(seats)', 'dc_double') AS function_at;
SELECT health_score.add_metric('dc', 'bad', 'seats::dc_count', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats::dc_count', 'dc_count') AS type_at;
-- the error is found in the copy of the expression the check puts in a
-- WHERE clause; its position is still the user's
SELECT health_score.add_metric('dc', 'bad', 'seats - max(seats)', 1, 'linear', worst => 0, best => 10);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT strpos('seats - max(seats)', 'max') AS aggregate_at;
-- nothing was added, the version did not move
SELECT m.version, (SELECT count(*) FROM health_score.metric AS x WHERE x.model = 'dc') AS metrics,
       (SELECT count(*) FROM health_score.model_version AS v WHERE v.model = 'dc') AS versions
  FROM health_score.model AS m WHERE m.name = 'dc';
-- qualified, both are fine (and no warning: seats has values)
SELECT health_score.add_metric('dc', 'doubled', 'public.dc_double(seats)::public.dc_count', 1, 'linear',
                               worst => 0, best => 100);

------------------------------------------------------------------------
-- segment_weights: a column that is no segment and a value that is none
-- of the column's type are errors; a value no customer has is a warning
------------------------------------------------------------------------
SELECT health_score.add_metric('dc', 'seats', 'seats', 1, 'linear', worst => 0, best => 40,
                               segment_weights => '{"kind": {"a": 2}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT health_score.add_metric('dc', 'seats', 'seats', 1, 'linear', worst => 0, best => 40,
                               segment_weights => '{"joined": {"January": 2}}');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT m.version, (SELECT count(*) FROM health_score.metric AS x WHERE x.model = 'dc') AS metrics
  FROM health_score.model AS m WHERE m.name = 'dc';
-- 'Month-to-Month' and 'Two Year' are in no row, each has a match but
-- for case ('Two Year' two of them); 'Weekly' has none; of the dates,
-- 2024-02-01 is there (written another way), 2024-04-01 is not.  The
-- metric is added all the same: a warning is not an error.  Six values
-- of two columns and the metric's own values are read in one scan of
-- the source, counted by the statistics collector around the call.
SELECT pg_stat_force_next_flush();
SELECT seq_scan AS scans_before FROM pg_stat_user_tables WHERE relid = 'dc_customers'::regclass \gset
SELECT health_score.add_metric('dc', 'seats', 'seats', 1, 'linear', worst => 0, best => 40,
                               segment_weights => '{"contract": {"Month-to-Month": 4, "One year": 2, "Two Year": 3, "Weekly": 0},
                                                    "joined": {"2024-2-1": 2, "2024-04-01": 5}}');
SELECT pg_stat_force_next_flush();
SELECT seq_scan - :scans_before AS source_scans FROM pg_stat_user_tables WHERE relid = 'dc_customers'::regclass;
-- the same count around two plain scans of the source gives 2
SELECT seq_scan AS scans_before FROM pg_stat_user_tables WHERE relid = 'dc_customers'::regclass \gset
SELECT count(*) AS customers FROM dc_customers;
SELECT count(*) AS with_seats FROM dc_customers WHERE seats > 0;
SELECT pg_stat_force_next_flush();
SELECT seq_scan - :scans_before AS plain_scans FROM pg_stat_user_tables WHERE relid = 'dc_customers'::regclass;
-- the same by plain SQL: which values no row has, and the rows that
-- match them but for case (and surrounding spaces)
SELECT o.segment, o.value,
       (SELECT string_agg(DISTINCT c.contract, ', ') FROM dc_customers AS c
         WHERE o.segment = 'contract' AND lower(btrim(c.contract)) = lower(btrim(o.value))) AS close
  FROM (VALUES ('contract', 'Month-to-Month'), ('contract', 'One year'), ('contract', 'Two Year'),
               ('contract', 'Weekly'), ('joined', '2024-2-1'), ('joined', '2024-04-01')) AS o(segment, value)
 WHERE NOT EXISTS (SELECT FROM dc_customers AS c
                    WHERE (o.segment = 'contract' AND c.contract = o.value)
                       OR (o.segment = 'joined' AND c.joined = o.value::date))
 ORDER BY o.segment, o.value;
SELECT m.version FROM health_score.model AS m WHERE m.name = 'dc';

------------------------------------------------------------------------
-- a metric NULL for every customer: a warning at add_metric, the metric
-- added all the same; NaN counts as missing, as in the views
------------------------------------------------------------------------
SELECT health_score.add_metric('dc', 'nothing', 'nothing', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('dc', 'ratio', 'ratio * 2', 1, 'linear', worst => 0, best => 10);
SELECT count(nothing) AS nothing_values, count(NULLIF(ratio * 2, 'NaN')) AS ratio_values, count(*) AS customers
  FROM dc_customers;
-- false is a value, and one customer with a value is enough: no warning
SELECT health_score.add_metric('dc', 'seats_3', 'NULLIF(seats, 3) = 3', 1, 'linear', worst => 0, best => 1);
SELECT health_score.add_metric('dc', 'seats_3', 'CASE WHEN seats = 3 THEN 1 END', 1, 'linear',
                               worst => 0, best => 1, replace => true);
SELECT count(NULLIF(seats, 3) = 3) AS first_values, count(CASE WHEN seats = 3 THEN 1 END) AS second_values
  FROM dc_customers;
-- an expression that fails for a customer (seats 0): add_metric accepts
-- it as before, since build names the customer; the segment values are
-- still checked
SELECT health_score.add_metric('dc', 'per_seat', '10 / seats', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '{"contract": {"Weekly": 1}}');
SELECT health_score.drop_metric('dc', 'per_seat');

------------------------------------------------------------------------
-- build: the same warnings, for every metric, from the scores it has
-- just stored (seats, nothing, ratio), and the views are built
------------------------------------------------------------------------
SELECT health_score.build('dc');
SELECT m.version = m.built_version AS built FROM health_score.model AS m WHERE m.name = 'dc';
-- the stored scores the warnings were read from
SELECT count(*) AS customers, count(s.nothing_score) AS nothing_scores, count(s.ratio_score) AS ratio_scores,
       count(s.seats_score) AS seats_scores, count(s.seats_3_score) AS seats_3_scores
  FROM health_score_dc.stored_scores AS s;
-- with the weights corrected and the empty metrics dropped, no warning
SELECT health_score.add_metric('dc', 'seats', 'seats', 1, 'linear', worst => 0, best => 40,
                               segment_weights => '{"contract": {"Month-to-month": 4, "One year": 2, "Two year": 3},
                                                    "joined": {"2024-02-01": 2}}',
                               replace => true);
SELECT health_score.drop_metric('dc', 'nothing');
SELECT health_score.drop_metric('dc', 'ratio');
SELECT health_score.build('dc');
-- and the weights are used: customer 1 (Month-to-month, seats 3) weighs
-- seats 4 against doubled and seats_3 at 1 each:
-- (4 * 3/40*100 + 1 * 6/100*100 + 1 * 100) / 6 = (30 + 6 + 100) / 6 = 22.7
SELECT id, score FROM health_score_dc.scores WHERE id = 1;

------------------------------------------------------------------------
-- row-level security: a role the source's policies apply to is told
-- that only what they show it was read
------------------------------------------------------------------------
CREATE ROLE hs_dc_owner;
CREATE SCHEMA hs_dc AUTHORIZATION hs_dc_owner;
SET ROLE hs_dc_owner;
CREATE TABLE hs_dc.accounts (id integer PRIMARY KEY, tier text NOT NULL, seats integer);
INSERT INTO hs_dc.accounts VALUES (1, 'gold', 5), (2, 'silver', 3), (3, 'bronze', 1);
ALTER TABLE hs_dc.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE hs_dc.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY not_gold ON hs_dc.accounts USING (tier <> 'gold');
SELECT health_score.create_model('dc_rls', 'hs_dc.accounts', 'id', segments => '{tier}');
SELECT health_score.add_metric('dc_rls', 'seats', 'seats', 1, 'linear', worst => 0, best => 10,
                               segment_weights => '{"tier": {"gold": 2, "silver": 1}}');
SELECT tier FROM hs_dc.accounts ORDER BY id;
RESET ROLE;
SELECT health_score.drop_model('dc_rls');
DROP SCHEMA hs_dc CASCADE;
DROP ROLE hs_dc_owner;

SELECT health_score.drop_model('dc');
DROP TABLE dc_customers;
DROP FUNCTION public.dc_double(integer);
DROP DOMAIN public.dc_count;
