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
