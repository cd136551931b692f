--
-- aggregate_states: the state types of the survey aggregates,
-- band_counts, trend, sparkline and logistic_fit.  Citus runs an
-- aggregate's transition function on the workers, ships each partial
-- state to the coordinator as the state type's text, and combines them
-- there.  The same is done here: partial aggregates declared with the
-- extension's transition functions and no final function stand for the
-- workers, their states go through text, and an aggregate over the
-- combine function merges them.  The result must be the real aggregate's
-- over all rows.  Then the text forms a reader checks by hand, and bad
-- text, which must be rejected with the SQLSTATE shown.
--
SET extra_float_digits = 0;

-- SQLSTATE and message of reading input as typ, or 'accepted'
CREATE FUNCTION pg_temp.input_error(typ text, input text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT %L::%s', input, typ);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

------------------------------------------------------------------------
-- tally_state: nps, csat, ces, band_counts
------------------------------------------------------------------------

CREATE TABLE ratings AS
SELECT g, (g * 7919) % 11 AS r10, 1 + (g * 104729) % 5 AS r5, 1 + (g * 31) % 7 AS r7,
       CASE WHEN g % 17 <> 0 THEN ((g * 7907) % 1001) / 10.0 END::float8 AS score
FROM generate_series(1, 10000) AS g;

CREATE AGGREGATE nps_partial(integer)
  (SFUNC = health_score.nps_accum, STYPE = health_score.tally_state);
CREATE AGGREGATE csat_partial(integer, integer)
  (SFUNC = health_score.csat_accum, STYPE = health_score.tally_state);
CREATE AGGREGATE ces_partial(integer)
  (SFUNC = health_score.ces_accum, STYPE = health_score.tally_state);
CREATE AGGREGATE band_counts_partial(float8, float8, float8)
  (SFUNC = health_score.band_counts_accum, STYPE = health_score.tally_state);
CREATE AGGREGATE tally_merge(health_score.tally_state)
  (SFUNC = health_score.tally_combine, STYPE = health_score.tally_state);

-- five "workers"; the text is what Citus would ship
CREATE TABLE tally_parts AS
SELECT g % 5 AS part, nps_partial(r10)::text AS nps, csat_partial(r5, 5)::text AS csat,
       ces_partial(r7)::text AS ces, band_counts_partial(score, 30, 80)::text AS bands
FROM ratings GROUP BY g % 5;

SELECT health_score.nps_final(tally_merge(p.nps::health_score.tally_state))
         = (SELECT health_score.nps(r10) FROM ratings) AS nps_same,
       health_score.csat_final(tally_merge(p.csat::health_score.tally_state))
         = (SELECT health_score.csat(r5, 5) FROM ratings) AS csat_same,
       health_score.ces_final(tally_merge(p.ces::health_score.tally_state))
         = (SELECT health_score.ces(r7) FROM ratings) AS ces_same,
       health_score.band_counts_final(tally_merge(p.bands::health_score.tally_state))
         = (SELECT health_score.band_counts(score, 30, 80) FROM ratings) AS band_counts_same
FROM tally_parts AS p;

-- a state's text reads back to the same text
SELECT count(*) AS states,
       count(*) FILTER (WHERE s::health_score.tally_state::text <> s) AS changed_by_round_trip
FROM tally_parts, LATERAL (VALUES (nps), (csat), (ces), (bands)) AS v(s);

-- The layout, by hand: version 01, int32 scale, five int64 counters.
-- nps over 10, 9, 7, 3: 4 ratings, 2 promoters, 1 detractor.
SELECT nps_partial(r) AS nps_state FROM (VALUES (10), (9), (7), (3), (NULL)) AS v(r);
SELECT health_score.nps_final('\x010000000000000000000000040000000000000002000000000000000100000000000000000000000000000000') AS "25";
-- csat(r, 7) keeps its scale, 7; 2 of 3 ratings in the top two boxes
SELECT csat_partial(r, 7) AS csat_state FROM (VALUES (7), (6), (1)) AS v(r);
-- a group without rows or only NULL ratings has no state
SELECT nps_partial(r) IS NULL AS no_state FROM (VALUES (NULL::int)) AS v(r);
-- merging: NULL states are skipped, and merging nothing gives nothing
SELECT health_score.nps_final(tally_merge(s)) AS "25"
FROM (VALUES (NULL::health_score.tally_state),
             ('\x010000000000000000000000040000000000000002000000000000000100000000000000000000000000000000'),
             (NULL)) AS v(s);
SELECT tally_merge(s) IS NULL AS nothing_merged
FROM (VALUES (NULL::health_score.tally_state)) AS v(s);
-- csat states of different scales do not merge
SELECT tally_merge(s)
FROM (SELECT csat_partial(r, r) FROM (VALUES (5), (7)) AS v(r) GROUP BY r) AS p(s);
-- the transition and combine functions work only inside an aggregate
SELECT health_score.nps_accum(NULL, 5);
SELECT health_score.tally_combine(NULL, NULL);

-- bad text
SELECT input, pg_temp.input_error('health_score.tally_state', input)
FROM (VALUES ('01000000'),
             ('\x0'),
             ('\x01zz'),
             ('\x'),
             ('\x02' || repeat('0', 88)),
             ('\x01' || repeat('0', 86)),
             ('\x01' || repeat('0', 90)),
             ('\x01' || '00000000' || 'ffffffffffffffff' || repeat('0', 64)),
             ('\x01' || 'ffffffff' || repeat('0', 80)))
       AS v(input);

------------------------------------------------------------------------
-- trend_state: trend(timestamptz, float8), trend(date, float8)
------------------------------------------------------------------------

SET timezone = 'UTC';

-- 200 customers, 12 weekly snapshots each, some taken twice (the same
-- time, another score) and some NULL scores
CREATE TABLE snapshots AS
SELECT c AS customer, w,
       '2026-01-05'::timestamptz + w * interval '7 days' AS taken_at,
       '2026-01-05'::date + 7 * w AS taken_on,
       CASE WHEN (c * 13 + w) % 23 <> 0 THEN ((c * 7919 + w * 104729) % 1001) / 10.0 END::float8 AS score
FROM generate_series(1, 200) AS c, generate_series(0, 11) AS w,
     generate_series(1, CASE WHEN (c + w) % 9 = 0 THEN 2 ELSE 1 END) AS twice;

CREATE AGGREGATE trend_partial(timestamptz, float8)
  (SFUNC = health_score.trend_accum, STYPE = health_score.trend_state);
CREATE AGGREGATE trend_partial(date, float8)
  (SFUNC = health_score.trend_accum, STYPE = health_score.trend_state);
CREATE AGGREGATE trend_merge(health_score.trend_state)
  (SFUNC = health_score.trend_combine, STYPE = health_score.trend_state);

-- each customer's rows split over three "workers", not by time
CREATE TABLE trend_parts AS
SELECT customer, (w * 7 + customer) % 3 AS part,
       trend_partial(taken_at, score)::text AS at_state,
       trend_partial(taken_on, score)::text AS on_state
FROM snapshots GROUP BY customer, (w * 7 + customer) % 3;

-- merged through text, as the aggregate over all of a customer's rows;
-- the least-squares sums merge as float8_regr_combine does, so the slope
-- may differ in the last bits
CREATE TABLE trend_merged AS
SELECT customer,
       health_score.trend_final(trend_merge(at_state::health_score.trend_state)) AS m,
       health_score.trend_final_date(trend_merge(on_state::health_score.trend_state)) AS md
FROM trend_parts GROUP BY customer;
CREATE TABLE trend_whole AS
SELECT customer, health_score.trend(taken_at, score) AS t, health_score.trend(taken_on, score) AS td
FROM snapshots GROUP BY customer;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (m).n IS DISTINCT FROM (t).n
                           OR (m).first_at IS DISTINCT FROM (t).first_at
                           OR (m).first_score IS DISTINCT FROM (t).first_score
                           OR (m).last_at IS DISTINCT FROM (t).last_at
                           OR (m).last_score IS DISTINCT FROM (t).last_score
                           OR (m).previous_score IS DISTINCT FROM (t).previous_score
                           OR (m).delta IS DISTINCT FROM (t).delta
                           OR abs((m).slope_per_day - (t).slope_per_day) > 1e-12
                           OR (m).min_score IS DISTINCT FROM (t).min_score
                           OR (m).max_score IS DISTINCT FROM (t).max_score) AS timestamptz_mismatches,
       count(*) FILTER (WHERE (md).n IS DISTINCT FROM (td).n
                           OR (md).first_at IS DISTINCT FROM (td).first_at
                           OR (md).last_at IS DISTINCT FROM (td).last_at
                           OR (md).previous_score IS DISTINCT FROM (td).previous_score
                           OR abs((md).slope_per_day - (td).slope_per_day) > 1e-12
                           OR (md).min_score IS DISTINCT FROM (td).min_score) AS date_mismatches
FROM trend_merged JOIN trend_whole USING (customer);

-- a state's text reads back to the same text, and to the same summary
SELECT count(*) AS states,
       count(*) FILTER (WHERE s::health_score.trend_state::text <> s) AS changed_by_round_trip,
       count(*) FILTER (WHERE health_score.trend_final(s::health_score.trend_state)
                              IS DISTINCT FROM health_score.trend_final(s::health_score.trend_state::text::health_score.trend_state))
         AS summary_changed
FROM trend_parts, LATERAL (VALUES (at_state), (on_state)) AS v(s);

-- The layout, by hand: version 01; n 1; first, last and previous points
-- (int64 microseconds since 2000-01-01, float8 score): 0 and 50
-- (4049000000000000) twice, then zeros; no previous (00); min and max 50;
-- sx 0, sxx 0, sy 50, sxy 0.
SELECT trend_partial(t, s) AS trend_state
FROM (VALUES ('2000-01-01 00:00:00+00'::timestamptz, 50::float8)) AS v(t, s);
-- only NULLs: a state of no points, and no summary
SELECT trend_partial(t, s) AS empty_state, health_score.trend_final(trend_partial(t, s)) IS NULL AS no_summary
FROM (VALUES (NULL::timestamptz, 1::float8), (now(), NULL)) AS v(t, s);
SELECT health_score.trend_final(trend_merge(s)) IS NULL AS nothing_merged
FROM (VALUES (NULL::health_score.trend_state)) AS v(s);
SELECT health_score.trend_accum(NULL, now(), 1);
SELECT health_score.trend_combine(NULL, NULL);

-- bad text: the fields of the state above, one at a time made wrong
CREATE FUNCTION pg_temp.trend_text(n text DEFAULT '0000000000000001',
                                   first_at text DEFAULT '0000000000000000',
                                   last_at text DEFAULT '0000000000000000',
                                   flag text DEFAULT '00',
                                   min_score text DEFAULT '4049000000000000',
                                   sxx text DEFAULT '0000000000000000') RETURNS text
LANGUAGE sql AS $$
  SELECT '\x01' || n || first_at || '4049000000000000' || last_at || '4049000000000000'
         || repeat('0', 32) || flag || min_score || '4049000000000000'
         || repeat('0', 16) || sxx || '4049000000000000' || repeat('0', 16)
$$;
SELECT pg_temp.trend_text()::health_score.trend_state::text = pg_temp.trend_text() AS the_state_above;
SELECT what, pg_temp.input_error('health_score.trend_state', input)
FROM (VALUES ('not hex', 'trend'),
             ('truncated', left(pg_temp.trend_text(), -2)),
             ('version 2', '\x02' || substr(pg_temp.trend_text(), 5)),
             ('negative count', pg_temp.trend_text(n => 'ffffffffffffffff')),
             ('first after last', pg_temp.trend_text(first_at => '0000000000000001')),
             ('no previous point', pg_temp.trend_text(last_at => '0000000000000001')),
             ('flag 2', pg_temp.trend_text(flag => '02')),
             ('NaN minimum', pg_temp.trend_text(min_score => '7ff8000000000000')),
             ('minimum above maximum', pg_temp.trend_text(min_score => '4059000000000000')),
             ('negative sum of squares', pg_temp.trend_text(sxx => 'bff0000000000000')))
       AS v(what, input);

------------------------------------------------------------------------
-- sparkline_state: sparkline(timestamptz, float8), sparkline(date, float8)
------------------------------------------------------------------------

CREATE AGGREGATE sparkline_partial(timestamptz, float8)
  (SFUNC = health_score.sparkline_accum, STYPE = health_score.sparkline_state);
CREATE AGGREGATE sparkline_partial(date, float8)
  (SFUNC = health_score.sparkline_accum, STYPE = health_score.sparkline_state);
CREATE AGGREGATE sparkline_merge(health_score.sparkline_state)
  (SFUNC = health_score.sparkline_combine, STYPE = health_score.sparkline_state);

-- the snapshots above, split over three "workers"; one more group with
-- every row, so that states grow well past their first size
CREATE TABLE sparkline_parts AS
SELECT customer, (w * 7 + customer) % 3 AS part,
       sparkline_partial(taken_at, score)::text AS at_state,
       sparkline_partial(taken_on, score)::text AS on_state
FROM snapshots GROUP BY customer, (w * 7 + customer) % 3
UNION ALL
SELECT 0, customer % 3, sparkline_partial(taken_at, score)::text, sparkline_partial(taken_on, score)::text
FROM snapshots GROUP BY customer % 3;

SELECT count(*) AS groups,
       count(*) FILTER (WHERE m IS DISTINCT FROM s) AS timestamptz_mismatches,
       count(*) FILTER (WHERE md IS DISTINCT FROM sd) AS date_mismatches
FROM (SELECT customer,
             health_score.sparkline_final(sparkline_merge(at_state::health_score.sparkline_state)) AS m,
             health_score.sparkline_final(sparkline_merge(on_state::health_score.sparkline_state)) AS md
      FROM sparkline_parts GROUP BY customer) AS merged
JOIN (SELECT customer, health_score.sparkline(taken_at, score) AS s, health_score.sparkline(taken_on, score) AS sd
      FROM snapshots GROUP BY customer
      UNION ALL
      SELECT 0, health_score.sparkline(taken_at, score), health_score.sparkline(taken_on, score)
      FROM snapshots) AS whole USING (customer);

SELECT count(*) AS states,
       count(*) FILTER (WHERE s::health_score.sparkline_state::text <> s) AS changed_by_round_trip
FROM sparkline_parts, LATERAL (VALUES (at_state), (on_state)) AS v(s);

-- The layout, by hand: version 01, int32 count 2, then each point's
-- int64 microseconds since 2000-01-01 and float8 score, in arrival
-- order: one day (86400000000, 0x141dd76000) at 100 (4059000000000000),
-- then midnight at 0.
SELECT sparkline_partial(t, s) AS sparkline_state
FROM (VALUES ('2000-01-02'::date, 100::float8), ('2000-01-01', 0)) AS v(t, s);
SELECT health_score.sparkline_final('\x0100000002000000141dd76000405900000000000000000000000000000000000000000000') AS "▁█";
SELECT sparkline_partial(t, s) IS NULL AS no_state
FROM (VALUES ('2000-01-02'::date, 100::float8)) AS v(t, s) WHERE false;
SELECT health_score.sparkline_accum(NULL, now(), 1);
SELECT health_score.sparkline_combine(NULL, NULL);

-- bad text
SELECT what, pg_temp.input_error('health_score.sparkline_state', input)
FROM (VALUES ('not hex', '\x01000000000g'),
             ('no count', '\x01000000'),
             ('more points than bytes', '\x0100000002' || repeat('0', 32)),
             ('negative count', '\x01ffffffff' || repeat('0', 32)),
             ('trailing bytes', '\x0100000001' || repeat('0', 34)),
             ('infinite score', '\x0100000001' || repeat('0', 16) || '7ff0000000000000'),
             ('NaN score', '\x0100000001' || repeat('0', 16) || '7ff8000000000000'),
             ('version 0', '\x0000000000'))
       AS v(what, input);

------------------------------------------------------------------------
-- logistic_state: logistic_fit(float8[], boolean, float8)
------------------------------------------------------------------------

CREATE AGGREGATE logistic_partial(float8[], boolean, float8)
  (SFUNC = health_score.logistic_accum, STYPE = health_score.logistic_state);
CREATE AGGREGATE logistic_merge(health_score.logistic_state)
  (SFUNC = health_score.logistic_combine, STYPE = health_score.logistic_state);

-- the ratings above, some features missing, over four "workers"; a
-- worker's rows grow its state past its first size
CREATE TABLE logistic_rows AS
SELECT g, ARRAY[score / 100, r10, CASE WHEN g % 13 <> 0 THEN r7 END]::float8[] AS features,
       (g * 2654435761) % 100 < 20 + 3 * r10 AS outcome
FROM ratings;
CREATE TABLE logistic_parts AS
SELECT g % 4 AS part, logistic_partial(features, outcome, 0.5)::text AS state
FROM logistic_rows GROUP BY g % 4;

-- the rows are merged in another order than the aggregate reads them,
-- so sums may differ in the last bits
SELECT max(abs(m - w)) < 1e-9 AS same_coefficients, count(*) AS coefficients
FROM unnest((SELECT health_score.logistic_final(logistic_merge(state::health_score.logistic_state))
             FROM logistic_parts),
            (SELECT health_score.logistic_fit(features, outcome, 0.5) FROM logistic_rows)) AS u(m, w);
SELECT count(*) AS states,
       count(*) FILTER (WHERE state::health_score.logistic_state::text <> state) AS changed_by_round_trip
FROM logistic_parts;
-- a state read back fits the same coefficients, to the bit
SELECT health_score.logistic_final(logistic_merge(state::health_score.logistic_state))
       = health_score.logistic_final(logistic_merge(state::health_score.logistic_state::text::health_score.logistic_state))
       AS same_fit
FROM logistic_parts;

-- The layout, by hand: version 01, int32 2 features, float8 ridge 1
-- (3ff0000000000000), int64 1 row; then each row's features, a missing
-- one NaN (7ff8000000000000), and its outcome byte.
SELECT logistic_partial(f, o, 1) AS logistic_state
FROM (VALUES ('{1.5,NULL}'::float8[], true), (NULL, false), ('{1,2}', NULL)) AS v(f, o);
SELECT logistic_partial(f, o, 1) IS NULL AS no_state
FROM (VALUES (NULL::float8[], true)) AS v(f, o);
-- states of different lengths do not merge
SELECT logistic_merge(s)
FROM (SELECT logistic_partial(f, true, 1) FROM (VALUES ('{1}'::float8[]), ('{1,2}')) AS v(f)
      GROUP BY cardinality(f)) AS p(s);
SELECT health_score.logistic_accum(NULL, '{1}', true, 1);
SELECT health_score.logistic_combine(NULL, NULL);

-- bad text
SELECT what, pg_temp.input_error('health_score.logistic_state', input)
FROM (VALUES ('not hex', 'logistic'),
             ('truncated header', '\x01000000023ff0000000000000'),
             ('no features', '\x01000000003ff00000000000000000000000000000'),
             ('501 features', '\x01000001f53ff00000000000000000000000000000'),
             ('negative ridge', '\x0100000001bff00000000000000000000000000000'),
             ('more rows than bytes', '\x01000000013ff00000000000000000000000000001'),
             ('trailing bytes', '\x01000000013ff000000000000000000000000000013ff000000000000001ff'),
             ('infinite feature', '\x01000000013ff000000000000000000000000000017ff000000000000001'),
             ('outcome 2', '\x01000000013ff000000000000000000000000000013ff000000000000002'),
             ('one row', '\x01000000013ff000000000000000000000000000013ff000000000000001'))
       AS v(what, input);
