-- test/citus/queries.sql: the queries test/citus/run.sh runs on the
-- distributed tables and on their local copies, compares, explains and
-- times.  Not a psql script: run.sh reads it block by block.
--
-- Each block is a few header lines, then one SELECT ending in ';':
--   -- query: NAME        the name of the result tables and of the report lines
--   -- expect: split AGG…       EXPLAIN VERBOSE must show each AGG computed as a
--                              worker_partial_agg on the shards and combined by
--                              coord_combine_agg on the coordinator;
--   -- expect: pushdown AGG…    each AGG computed whole in the shard queries (the
--                              query groups by the distribution column);
--   -- expect: scalar FUNC…     each FUNC evaluated in the shard queries;
--                              and none of them over rows shipped to the coordinator
--   -- tolerance: COLUMN…  float8 columns compared to 1e-9 (relative, absolute
--                          below 1), not exactly
--   -- time: yes           timed, distributed against local
--   -- needs: model        reads the views of test/citus/models.sql's model
-- {customers} and {history} become the distributed tables or their local
-- copies, {model} the model built over one or the other, {score} the
-- scorecard score of a customer row, to one decimal as a model stores it.  The first column must be unique: rows are matched
-- on it.

-- query: scan
-- time: yes
-- tolerance: usage
-- The floor: a built-in aggregate Citus splits, over the customers.
SELECT 'all' AS scope, count(*) AS customers, sum(usage_pct) AS usage
FROM {customers};

-- query: scan_history
-- time: yes
-- tolerance: score
-- The floor of the trend queries: the same, over the history.
SELECT 'all' AS scope, count(*) AS snapshots, sum(score) AS score
FROM {history};

-- query: probe
-- expect: split public.hs_citus_probe_sum
-- tolerance: usage
-- The check's own check: a custom aggregate with a float8 state (run.sh
-- creates it), which Citus does split, so the split pattern is the one
-- Citus prints.
SELECT coalesce(segment, '(none)') AS segment, public.hs_citus_probe_sum(usage_pct) AS usage
FROM {customers}
GROUP BY segment;

-- query: scores
-- expect: scalar health_score.scorecard health_score.weighted_score health_score.scale health_score.scale_log health_score.band health_score.grade health_score.coverage
SELECT id,
       {score} AS score,
       health_score.weighted_score(ARRAY[health_score.scale(usage_pct, 0, 100),
                                         health_score.scale_log(logins_30d, 0, 500),
                                         health_score.scale(open_tickets, 15, 0)],
                                   '{3,2,1}') AS composed,
       health_score.band({score}) AS band,
       health_score.grade({score}) AS grade,
       health_score.coverage(ARRAY[health_score.scale(usage_pct, 0, 100),
                                   health_score.scale_log(logins_30d, 0, 500),
                                   health_score.scale(open_tickets, 15, 0)],
                             '{3,2,1}') AS coverage
FROM {customers};

-- query: segment_summary
-- expect: split health_score.band_counts
-- tolerance: average_score
-- time: yes
-- avg sums float8 scores shard by shard and then the shards' sums, in
-- another order than one scan does: equal to 1e-9, not bit for bit.
SELECT coalesce(segment, '(none)') AS segment, count(*) AS customers,
       avg({score}) AS average_score, (health_score.band_counts({score})).*
FROM {customers}
GROUP BY segment;

-- query: band_counts_overall
-- expect: split health_score.band_counts
SELECT 'all' AS scope, (health_score.band_counts({score}, 50, 75)).*
FROM {customers};

-- query: distribution_by_segment
-- expect: split health_score.distribution
-- time: yes
SELECT coalesce(segment, '(none)') AS segment,
       health_score.distribution({score})::text AS distribution,
       health_score.quantiles(health_score.distribution({score}), '{0.1,0.25,0.5,0.75,0.9}') AS deciles
FROM {customers}
GROUP BY segment;

-- query: distribution_overall
-- expect: split health_score.distribution
SELECT 'all' AS scope,
       health_score.distribution({score})::text AS overall,
       health_score.distribution({score}, segment)::text AS by_segment
FROM {customers};

-- query: percentile_rank
-- expect: split health_score.distribution
-- expect: scalar health_score.percentile_rank
SELECT id,
       health_score.percentile_rank((SELECT health_score.distribution({score}) FROM {customers}),
                                    {score}) AS percentile,
       health_score.percentile_rank((SELECT health_score.distribution({score}, segment) FROM {customers}),
                                    {score}, segment) AS segment_percentile
FROM {customers};

-- query: percentile_bands
-- expect: split health_score.distribution
-- expect: scalar health_score.percentile_rank
-- time: yes
-- Bands cut by percentile within the segment (bottom 20 %, top 30 %), counted.
SELECT coalesce(segment, '(none)') AS segment,
       count(*) FILTER (WHERE p <= 20) AS bottom_20,
       count(*) FILTER (WHERE p > 70) AS top_30,
       count(p) AS ranked
FROM (SELECT segment,
             health_score.percentile_rank((SELECT health_score.distribution({score}, segment) FROM {customers}),
                                          {score}, segment) AS p
      FROM {customers}) AS ranked
GROUP BY segment;

-- query: percentile_counts_by_segment
-- expect: split health_score.percentile_counts
-- Customers per segment and decile of their score within the segment, by
-- the 99 cuts of each segment's distribution: a subquery Citus plans on
-- its own and sends to the shards; the counts, a bigint[] state, come
-- back as partial aggregates.
SELECT coalesce(c.segment, '(none)') AS segment,
       health_score.percentile_counts(k.cuts, {score}, 10) AS deciles
FROM {customers} AS c
JOIN (SELECT segment, health_score.percentile_cuts(health_score.distribution({score})) AS cuts
      FROM {customers}
      GROUP BY segment) AS k ON k.segment IS NOT DISTINCT FROM c.segment
GROUP BY c.segment;

-- query: trend_per_customer
-- expect: pushdown health_score.trend
-- tolerance: slope_per_day
-- time: yes
-- slope_per_day is a least-squares fit over float8 sums, whose order of
-- addition follows the order the rows are read in, and how a parallel plan
-- splits them among its workers: equal to 1e-9.
SELECT customer_id, (health_score.trend(taken_at, score)).*
FROM {history}
GROUP BY customer_id;

-- query: trend_overall
-- expect: split health_score.trend
-- tolerance: slope_per_day
SELECT 'all' AS scope, (health_score.trend(taken_at, score)).*
FROM {history};

-- query: trend_by_segment
-- expect: split health_score.trend
-- tolerance: slope_per_day
-- time: yes
-- A co-located join: history and customers share their shards.
SELECT coalesce(c.segment, '(none)') AS segment, (health_score.trend(h.taken_at, h.score)).*
FROM {history} AS h
JOIN {customers} AS c ON c.id = h.customer_id
GROUP BY c.segment;

-- query: trend_by_segment_subquery
-- expect: split health_score.trend
-- tolerance: slope_per_day
-- time: yes
-- The same, with the composite expanded outside the aggregating query:
-- (trend(…)).* is ten aggregate calls, and where Citus ships rows to the
-- coordinator it ships the arguments once for each.
SELECT segment, (t).*
FROM (SELECT coalesce(c.segment, '(none)') AS segment, health_score.trend(h.taken_at, h.score) AS t
      FROM {history} AS h
      JOIN {customers} AS c ON c.id = h.customer_id
      GROUP BY c.segment) AS s;

-- query: surveys_by_segment
-- expect: split health_score.nps health_score.csat health_score.ces health_score.auc
-- time: yes
SELECT coalesce(segment, '(none)') AS segment,
       health_score.nps(nps_rating) AS nps,
       health_score.csat(csat_rating) AS csat,
       health_score.csat(csat_rating, 5) AS csat_5,
       health_score.ces(ces_rating) AS ces,
       health_score.auc({score}, churned) AS auc
FROM {customers}
GROUP BY segment;

-- query: surveys_overall
-- expect: split health_score.nps health_score.csat health_score.ces health_score.auc
SELECT 'all' AS scope,
       health_score.nps(nps_rating) AS nps,
       health_score.csat(csat_rating) AS csat,
       health_score.ces(ces_rating) AS ces,
       health_score.auc({score}, churned) AS auc
FROM {customers};

-- query: survey_aggregates_by_segment
-- expect: split health_score.nps health_score.csat health_score.ces
-- The survey aggregates alone: Citus splits a query's aggregates only
-- when it can split every one of them.
SELECT coalesce(segment, '(none)') AS segment,
       health_score.nps(nps_rating) AS nps,
       health_score.csat(csat_rating) AS csat,
       health_score.csat(csat_rating, 5) AS csat_5,
       health_score.ces(ces_rating) AS ces
FROM {customers}
GROUP BY segment;

-- query: sparkline_by_segment
-- expect: split health_score.sparkline
-- A sparkline keeps every point: a thousandth of the customers.  In a
-- subquery because Citus (13.2) gives the combined result of an aggregate
-- it splits no collation: a text result taken bare into CREATE TABLE AS,
-- as run.sh does, or ordered by, fails with "no collation was derived".
SELECT s.segment, s.line
FROM (SELECT coalesce(c.segment, '(none)') AS segment,
             health_score.sparkline(h.taken_at, h.score) AS line
      FROM {history} AS h
      JOIN {customers} AS c ON c.id = h.customer_id
      WHERE h.customer_id % 1000 = 0
      GROUP BY c.segment) AS s;

-- query: logistic_fit_overall
-- expect: split health_score.logistic_fit
-- tolerance: intercept usage tickets
SELECT 'all' AS scope, b[1] AS intercept, b[2] AS usage, b[3] AS tickets
FROM (SELECT health_score.logistic_fit(ARRAY[usage_pct / 100, open_tickets], churned, 1) AS b
      FROM {customers}) AS s;

-- The views of a scoring model (test/citus/models.sql) over the customers:
-- {model} is citus_d, built over the distributed table, or citus_l, over
-- the local copy.

-- query: model_scores
-- needs: model
SELECT id, segment, score, band, grade, percentile, segment_percentile, rank, coverage,
       usage_score, logins_score, tickets_score
FROM health_score_{model}.scores;

-- query: model_scores_mv
-- needs: model
-- expect: scalar health_score.percentile_rank health_score.descending_rank
-- The stored scores, read through scores_mv: citus_d's stored_scores is
-- distributed like the customers, so each shard ranks its own rows
-- against the model's reference.  computed_at, the time of each model's
-- own refresh, is left out.
SELECT id, segment, score, band, grade, percentile, segment_percentile, rank, coverage,
       usage_score, logins_score, tickets_score
FROM health_score_{model}.scores_mv;

-- query: model_segment_summary
-- needs: model
-- time: yes
SELECT coalesce(segment, '(none)') || ' ' || coalesce(band, 'unscored') AS segment_band,
       customers, share, average_score
FROM health_score_{model}.segment_summary;

-- query: model_auc
-- needs: model
SELECT 'all' AS scope, health_score.model_auc('{model}', 'churned') AS auc;
