-- A model's source changes under it, or the model changes without a
-- build: every function reads the model as its views were built, and
-- when the source no longer has what those read (a column dropped or
-- renamed, the table dropped), or the views are gone, the error names the
-- model and the column or views at fault and says build() restores them.
\set SHOW_CONTEXT never
SET client_min_messages = warning;

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

-- 20 customers: usage = id % 10, visits = id % 7, ranked by visits
CREATE TABLE hs_st (id integer PRIMARY KEY, usage float8, visits float8, region text);
INSERT INTO hs_st SELECT g, g % 10, g % 7, CASE WHEN g % 2 = 0 THEN 'east' ELSE 'west' END
  FROM generate_series(1, 20) AS g;
SELECT health_score.create_model('st', 'public.hs_st', 'id', segments => '{region}');
SELECT health_score.add_metric('st', 'usage', 'usage', 1, 'linear', worst => 0, best => 10);
SELECT health_score.add_metric('st', 'visits', 'visits', 1, 'percentile');
SELECT health_score.build('st');
SELECT health_score.snapshot('st', '2026-01-05');

-- rows of scores_mv that differ from scores, both ways (a function: a
-- view over scores_mv would keep build() from replacing it)
CREATE FUNCTION pg_temp.mismatches() RETURNS bigint LANGUAGE sql AS $$
SELECT (SELECT count(*) FROM (SELECT id, score, usage_score, visits_score FROM health_score_st.scores
                              EXCEPT SELECT id, score, usage_score, visits_score FROM health_score_st.scores_mv) AS a)
     + (SELECT count(*) FROM (SELECT id, score, usage_score, visits_score FROM health_score_st.scores_mv
                              EXCEPT SELECT id, score, usage_score, visits_score FROM health_score_st.scores) AS b)
$$;

------------------------------------------------------------------------
-- 1. Changes not yet built: refresh, snapshot and explain keep to the
--    model as built
------------------------------------------------------------------------
SELECT health_score.apply_weights('st', '{"usage": 3}');
SELECT health_score.add_metric('st', 'extra', 'usage * 2', 5, 'linear', worst => 0, best => 20);
-- visits becomes a percentile of usage: the views still rank visits
SELECT health_score.add_metric('st', 'visits', 'usage', 1, 'percentile', replace => true);
SELECT health_score.refresh('st');
SELECT pg_temp.mismatches();
SELECT health_score.snapshot('st', '2026-01-12');
SELECT DISTINCT jsonb_object_keys(metric_scores) AS snapshot_metrics
  FROM health_score_st.history WHERE taken_on = '2026-01-12' ORDER BY 1;
-- customer 3: usage 3 scores 30, visits 3 ranks among 0..6 (20 values);
-- explain's points add up to the view's score, at weights 1 and 1
SET client_min_messages = notice;
SELECT metric, metric_score, weight, round(points::numeric, 6) AS points
  FROM health_score.explain('st', '3') ORDER BY metric;
-- model_auc reads the views too, and says the same; its figure is the
-- AUC of the view's scores against the outcome, by hand
SELECT health_score.model_auc('st', 'usage > 4')
       = (SELECT health_score.auc(s.score, h.usage > 4)
            FROM health_score_st.scores AS s JOIN hs_st AS h USING (id)) AS auc_of_the_view;
SET client_min_messages = warning;
SELECT round(sum(e.points)::numeric, 1) = s.score AS explain_matches_view, s.score,
       (s.usage_score + s.visits_score) / 2 AS mean_of_metric_scores
  FROM health_score.explain('st', '3') AS e, health_score_st.scores AS s
 WHERE s.id = 3 GROUP BY s.score, s.usage_score, s.visits_score;
-- visits' score by hand: the percentile rank of 3 among the 20 visits
-- values, greatest(1, ceil(100 * percent_rank())), 8 of them below it
SELECT greatest(1, ceil(100.0 * count(*) FILTER (WHERE visits < 3) / (count(*) - 1))) AS visits_by_hand
  FROM hs_st;
-- built: explain follows, and says nothing
SELECT health_score.build('st');
SELECT metric, weight FROM health_score.explain('st', '3') ORDER BY metric;
SELECT round(sum(e.points)::numeric, 1) = s.score AS explain_matches_view
  FROM health_score.explain('st', '3') AS e, health_score_st.scores AS s WHERE s.id = 3 GROUP BY s.score;
SELECT pg_temp.mismatches();
-- explain takes no lock per call (it once made a temporary view per
-- metric, each holding a lock to the end of the transaction, and a few
-- hundred calls filled the lock table): the locks after 20 calls in one
-- statement are those after one
BEGIN;
SELECT count(*) AS rows_of_one FROM health_score.explain('st', '1');
SELECT count(*) AS locks_after_one FROM pg_locks WHERE pid = pg_backend_pid() \gset
COMMIT;
BEGIN;
SELECT count(*) AS rows_of_twenty FROM generate_series(1, 20) AS g, LATERAL health_score.explain('st', g::text);
SELECT count(*) - :locks_after_one AS more_locks_after_twenty
  FROM pg_locks WHERE pid = pg_backend_pid();
COMMIT;
SELECT health_score.drop_metric('st', 'extra');
SELECT health_score.add_metric('st', 'visits', 'visits', 1, 'percentile', replace => true);
SELECT health_score.build('st');

------------------------------------------------------------------------
-- 2. A column renamed: the views follow it, but a build would fail and
--    so would the cuts of the percentile metric: every model function
--    names the metric now
------------------------------------------------------------------------
ALTER TABLE hs_st RENAME COLUMN visits TO visit_count;
SELECT count(*) AS scores_rows FROM health_score_st.scores;
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.refresh('st')$$);
SELECT * FROM pg_temp.error_of($$SELECT * FROM health_score.explain('st', '3')$$);
SELECT * FROM pg_temp.error_of($$SELECT health_score.build('st')$$);
\x off
ALTER TABLE hs_st RENAME COLUMN visit_count TO visits;
SELECT count(*) AS explained_metrics FROM health_score.explain('st', '3');

------------------------------------------------------------------------
-- 3. A column dropped with CASCADE, as PostgreSQL's hint suggests: the
--    views that read it go; every model function names the metric, and
--    leaves the history and stored scores as they were
------------------------------------------------------------------------
SELECT count(*) AS history_rows, (SELECT count(*) FROM health_score_st.stored_scores) AS stored_rows
  FROM health_score_st.history;
ALTER TABLE hs_st DROP COLUMN visits CASCADE;
SELECT array_agg(relname ORDER BY relname) AS left_in_schema
  FROM pg_class WHERE relnamespace = 'health_score_st'::regnamespace AND relkind IN ('v', 'r', 'p');
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.refresh('st')$$);
\x off
SELECT f AS function, e.code, e.message = 'model "st" reads what its source public.hs_st no longer has' AS same_message,
       e.detail
  FROM unnest(ARRAY[$$SELECT health_score.snapshot('st', '2026-01-19')$$,
                    $$SELECT * FROM health_score.explain('st', '3')$$,
                    $$SELECT health_score.model_auc('st', 'usage > 4')$$,
                    $$SELECT * FROM health_score.validate('st', 'usage > 4')$$]) AS f,
       pg_temp.error_of(f) AS e;
SELECT count(*) AS history_rows, (SELECT count(*) FROM health_score_st.stored_scores) AS stored_rows
  FROM health_score_st.history;
-- the column back: the views are still gone, and build() makes them
ALTER TABLE hs_st ADD COLUMN visits float8;
UPDATE hs_st SET visits = id % 7;
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.refresh('st')$$);
\x off
SELECT health_score.build('st');
SELECT health_score.refresh('st');
SELECT pg_temp.mismatches();

------------------------------------------------------------------------
-- 4. A view dropped by hand
------------------------------------------------------------------------
DROP VIEW health_score_st.red;
\x on
SELECT * FROM pg_temp.error_of($$SELECT health_score.snapshot('st', '2026-01-19')$$);
\x off
SELECT health_score.build('st');
SELECT to_regclass('health_score_st.red') IS NOT NULL AS red_back;

------------------------------------------------------------------------
-- 5. The source dropped: one error, not its OID as a syntax error;
--    drop_model still works
------------------------------------------------------------------------
DROP TABLE hs_st CASCADE;
SELECT f AS function, e.code, e.message, e.hint LIKE 'Drop the model, SELECT health_score.drop_model(''st'')%' AS hint_drop
  FROM unnest(ARRAY[$$SELECT health_score.build('st')$$,
                    $$SELECT health_score.refresh('st')$$,
                    $$SELECT * FROM health_score.explain('st', '3')$$]) AS f,
       pg_temp.error_of(f) AS e;
SELECT health_score.drop_model('st', drop_history => true);
SELECT count(*) AS models_left FROM health_score.model WHERE name = 'st';
