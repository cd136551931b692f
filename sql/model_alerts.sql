--
-- model_alerts: set_alerts, and the payloads snapshot() sends on a
-- model's channel when its alerts are on.
--
-- A notification cannot be read in SQL, and psql prints it with the PID
-- of the sending backend, which pg_regress cannot mask; so this test
-- checks what snapshot() sends, health_score_internal._alert_payloads(),
-- against the dropped view, and test/t/alerts.sh checks that a session
-- LISTENing on the channel receives exactly those payloads, and nothing
-- when the model's alerts are off.
--
-- The models belong to a role with no special privilege.
--

CREATE ROLE regress_alert_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE ROLE regress_alert_other NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOLOGIN;
CREATE SCHEMA regress_alert_app AUTHORIZATION regress_alert_owner;
CREATE SCHEMA regress_alert_a AUTHORIZATION regress_alert_owner;
CREATE SCHEMA regress_alert_many AUTHORIZATION regress_alert_owner;
CREATE SCHEMA regress_alert_long AUTHORIZATION regress_alert_owner;
SET ROLE regress_alert_owner;

-- Two metrics of weight 1, each linear from 0 to 100: a customer's score
-- is (a + b) / 2 and each metric contributes half its value in points.
-- Bands as by default: red below 40, green from 70.
--
--   id  day 1 (a, b)  score band    day 2 (a, b)  score band    what
--   1   90, 90        90    green   90, 10        50    yellow  green→yellow, -40, b moved -40
--   2   80, 80        80    green   20, 30        25    red     green→red, -55, a moved -30 (b -25)
--   3   50, 50        50    yellow  50, 20        35    red     yellow→red, -15, b moved -15
--   4   60, 60        60    yellow  70, 90        80    green   rose
--   5   30, 30        30    red     30, 30        30    red     unchanged
--   6   75, 76        75.5  green   75, 45        60    yellow  green→yellow, -15.5, b moved -15.5
--   7   (absent)                    10, 10        10    red     new: no previous band
--   8   90, 90        90    green   (absent)                    gone
--
-- So 4 customers dropped, worst first as the dropped view orders them:
-- 2 (two bands), then by fall in score 1 (-40), 6 (-15.5), 3 (-15).
CREATE TABLE regress_alert_app.accounts (id int PRIMARY KEY, a float8, b float8);
INSERT INTO regress_alert_app.accounts VALUES
    (1, 90, 90), (2, 80, 80), (3, 50, 50), (4, 60, 60), (5, 30, 30), (6, 75, 76), (8, 90, 90);
SELECT health_score.create_model('alerts', 'regress_alert_app.accounts', 'id', target_schema => 'regress_alert_a');
SELECT health_score.add_metric('alerts', 'a', 'a', 1, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('alerts', 'b', 'b', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('alerts');

-- Off until the owner turns them on
SELECT alerts FROM health_score.model WHERE name = 'alerts';

-- set_alerts refuses what it cannot do, and the catalog stays as it was
SELECT health_score.set_alerts('alerts', NULL);
SELECT health_score.set_alerts(NULL, true);
SELECT health_score.set_alerts('no_such_model', true);
RESET ROLE;
SET ROLE regress_alert_other;
SELECT health_score.set_alerts('alerts', true);
RESET ROLE;
SET ROLE regress_alert_owner;
SELECT alerts FROM health_score.model WHERE name = 'alerts';

-- on: it returns the channel, 'health_score_' || name
SELECT health_score.set_alerts('alerts', true);
SELECT alerts FROM health_score.model WHERE name = 'alerts';

SELECT health_score.snapshot('alerts', '2026-01-05', allow_future => true);
-- the first snapshot has no previous band: nobody dropped
SELECT count(*) AS payloads
  FROM health_score_internal._alert_payloads((SELECT m FROM health_score.model AS m WHERE m.name = 'alerts'), '2026-01-05');

DELETE FROM regress_alert_app.accounts;
INSERT INTO regress_alert_app.accounts VALUES
    (1, 90, 10), (2, 20, 30), (3, 50, 20), (4, 70, 90), (5, 30, 30), (6, 75, 45), (7, 10, 10);
-- with alerts on, snapshot() sends its payloads (to no one here) and
-- writes the day as it would with them off
SELECT health_score.snapshot('alerts', '2026-01-12', allow_future => true);

CREATE TEMPORARY TABLE payloads AS
SELECT p.i, p.payload::jsonb AS payload
  FROM health_score_internal._alert_payloads((SELECT m FROM health_score.model AS m WHERE m.name = 'alerts'), '2026-01-12')
       WITH ORDINALITY AS p(payload, i);

-- The payloads, in the order they are sent: as the table above works them out
SELECT i, payload FROM payloads ORDER BY i;

-- and as the dropped view has them: the same customers, bands, scores
-- and movers, the delta its score - previous_score to one decimal, in
-- its order (0 rows each way, and as many rows as the view)
CREATE TEMPORARY TABLE dropped_rows AS
SELECT row_number() OVER () AS i, jsonb_build_object(
           'alert', 'dropped', 'model', 'alerts', 'taken_on', d.taken_on, 'key', d.id,
           'previous_band', d.previous_band, 'band', d.band,
           'previous_score', d.previous_score, 'score', d.score,
           'delta', round((d.score - d.previous_score)::numeric, 1)::float8,
           'top_mover', d.top_mover, 'top_mover_change', d.top_mover_change) AS payload
  FROM regress_alert_a.dropped AS d;
SELECT (SELECT count(*) FROM (SELECT * FROM payloads EXCEPT SELECT * FROM dropped_rows) AS x) AS payloads_not_dropped,
       (SELECT count(*) FROM (SELECT * FROM dropped_rows EXCEPT SELECT * FROM payloads) AS x) AS dropped_not_payloads,
       (SELECT count(*) FROM dropped_rows) AS dropped;
-- every payload fits NOTIFY's limit
SELECT max(octet_length(payload::text)) < 8000 AS fits FROM payloads;

-- Off again: snapshot() sends nothing (test/t/alerts.sh listens for it)
SELECT health_score.set_alerts('alerts', false);
SELECT alerts FROM health_score.model WHERE name = 'alerts';

-- The cap.  150 customers, score = a, all green on day 1; on day 2 ids
-- 1 to 100 fall to yellow (80 -> 50): exactly 100 drops, one payload
-- each.  Taken again with id 101 fallen to red (80 -> 10): 101 drops, a
-- single summary instead, whose worst drops are 101 (two bands) then 1
-- to 9 (-30 each, by key), as the first ten rows of dropped.
CREATE TABLE regress_alert_app.many (id int PRIMARY KEY, a float8);
INSERT INTO regress_alert_app.many SELECT g, 80 FROM generate_series(1, 150) AS g;
SELECT health_score.create_model('alerts_many', 'regress_alert_app.many', 'id', target_schema => 'regress_alert_many');
SELECT health_score.add_metric('alerts_many', 'a', 'a', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('alerts_many');
SELECT health_score.set_alerts('alerts_many', true);
SELECT health_score.snapshot('alerts_many', '2026-01-05', allow_future => true);
UPDATE regress_alert_app.many SET a = 50 WHERE id <= 100;
SELECT health_score.snapshot('alerts_many', '2026-01-12', allow_future => true);
SELECT count(*) AS payloads, count(*) FILTER (WHERE p::jsonb ->> 'alert' = 'dropped') AS per_customer,
       (SELECT count(*) FROM regress_alert_many.dropped) AS dropped
  FROM health_score_internal._alert_payloads((SELECT m FROM health_score.model AS m WHERE m.name = 'alerts_many'), '2026-01-12') AS p;

UPDATE regress_alert_app.many SET a = 10 WHERE id = 101;
SELECT health_score.snapshot('alerts_many', '2026-01-12', allow_future => true);
CREATE TEMPORARY TABLE summary AS
SELECT p::jsonb AS payload, octet_length(p) AS bytes
  FROM health_score_internal._alert_payloads((SELECT m FROM health_score.model AS m WHERE m.name = 'alerts_many'), '2026-01-12') AS p;
SELECT payload - 'worst' AS summary, jsonb_path_query_array(payload, '$.worst[*].key') AS worst_keys,
       bytes < 8000 AS fits
  FROM summary;
-- the summary against the dropped view: its count, its count per band
-- change, and its first ten rows
SELECT s.payload -> 'dropped' = to_jsonb((SELECT count(*) FROM regress_alert_many.dropped)) AS count_matches,
       s.payload -> 'changes' = (SELECT jsonb_object_agg(d.band_change, d.n)
                                   FROM (SELECT band_change, count(*) AS n FROM regress_alert_many.dropped
                                          GROUP BY band_change) AS d) AS changes_match,
       s.payload -> 'worst' = (SELECT jsonb_agg(jsonb_build_object(
                                          'key', d.id, 'previous_band', d.previous_band, 'band', d.band,
                                          'previous_score', d.previous_score, 'score', d.score,
                                          'delta', round((d.score - d.previous_score)::numeric, 1)::float8,
                                          'top_mover', d.top_mover, 'top_mover_change', d.top_mover_change)
                                        ORDER BY d.i)
                                 FROM (SELECT row_number() OVER () AS i, * FROM
                                         (SELECT * FROM regress_alert_many.dropped LIMIT 10) AS l) AS d) AS worst_match
  FROM summary AS s;

-- A payload over NOTIFY's 8000 bytes (a key of 8000 characters) turns
-- the alerts into a summary too, whose worst drops stop before the one
-- that does not fit: 'a' (green -> red, 80 -> 10) first, then the long
-- key (green -> yellow, 80 -> 50), left out.
CREATE TABLE regress_alert_app.long_keys (k text PRIMARY KEY, a float8);
INSERT INTO regress_alert_app.long_keys VALUES ('a', 80), (repeat('k', 8000), 80);
SELECT health_score.create_model('alerts_long', 'regress_alert_app.long_keys', 'k', target_schema => 'regress_alert_long');
SELECT health_score.add_metric('alerts_long', 'a', 'a', 1, 'linear', worst => 0, best => 100);
SELECT health_score.build('alerts_long');
SELECT health_score.snapshot('alerts_long', '2026-01-05', allow_future => true);
UPDATE regress_alert_app.long_keys SET a = CASE k WHEN 'a' THEN 10 ELSE 50 END;
SELECT health_score.snapshot('alerts_long', '2026-01-12', allow_future => true);
SELECT p::jsonb AS payload, octet_length(p) < 8000 AS fits
  FROM health_score_internal._alert_payloads((SELECT m FROM health_score.model AS m WHERE m.name = 'alerts_long'), '2026-01-12') AS p;

SELECT health_score.drop_model('alerts', drop_history => true),
       health_score.drop_model('alerts_many', drop_history => true),
       health_score.drop_model('alerts_long', drop_history => true);
DROP TABLE payloads, dropped_rows, summary;
RESET ROLE;
DROP SCHEMA regress_alert_app, regress_alert_a, regress_alert_many, regress_alert_long CASCADE;
DROP ROLE regress_alert_owner, regress_alert_other;
