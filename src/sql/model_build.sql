/*
 * Scoring models, built: the SQL of the views, build, refresh, the
 * pg_cron schedule of refresh, drop_model (test sql/model.sql).
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- The views build() creates, in the order they can be dropped.
CREATE OR REPLACE FUNCTION health_score_internal._built_views()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{scores_mv,stored_scores,red,yellow,green,segment_summary,dropped,trend,scores,overrides}'::pg_catalog.text[] $$;

COMMENT ON FUNCTION health_score_internal._built_views() IS
  'Internal: the relations build() creates in a model''s schema, dependents first (history, snapshots and override_log apart).';

-- Drop one relation build() created, never by CASCADE: when a user's
-- object depends on it, the error says so and names them.
CREATE OR REPLACE FUNCTION health_score_internal._drop_built(schema_name text, relation text, action text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind "char";
    detail text;
BEGIN
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class AS c
     WHERE c.relname = relation AND c.relnamespace = to_regnamespace(quote_ident(schema_name));
    IF NOT FOUND THEN
        RETURN;
    END IF;
    BEGIN
        IF kind = 'm' THEN
            EXECUTE format('DROP MATERIALIZED VIEW %I.%I', schema_name, relation);
        ELSIF kind IN ('r', 'p') THEN
            EXECUTE format('DROP TABLE %I.%I', schema_name, relation);
        ELSE
            EXECUTE format('DROP VIEW %I.%I', schema_name, relation);
        END IF;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'cannot % %.%: other objects depend on it', action, schema_name, relation
              USING ERRCODE = '2BP01', DETAIL = detail,
                    HINT = 'Drop those objects first; health_score never drops them for you.';
    END;
END;
$$;

COMMENT ON FUNCTION health_score_internal._drop_built(text, text, text) IS
  'Internal: drops a view build() created, without CASCADE.';

-- The metrics as the model's views were built: refresh, snapshot and
-- explain read these, so that a change not yet built (add_metric,
-- apply_weights) never mixes with views made of the earlier definition.
-- build() records them before it makes the views, in its transaction.
CREATE OR REPLACE FUNCTION health_score_internal._built_metrics(m health_score.model)
RETURNS SETOF health_score.metric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF m.built_metrics IS NOT NULL THEN
        RETURN QUERY SELECT * FROM jsonb_populate_recordset(NULL::health_score.metric, m.built_metrics) AS x
                      ORDER BY x.position;
    ELSIF m.built_version IS NOT NULL AND m.version = m.built_version THEN
        -- built before 1.4 recorded them, and unchanged since
        RETURN QUERY SELECT * FROM health_score.metric AS x WHERE x.model = m.name ORDER BY x.position;
    ELSE
        RAISE EXCEPTION 'model "%" has changed since it was built by an earlier version of health_score', m.name
              USING ERRCODE = '55000', HINT = format('Run SELECT health_score.build(%L).', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._built_metrics(health_score.model) IS
  'Internal: the metrics of a model as its views were last built.';

-- What the built model reads that its source no longer has: the key, a
-- segment, or a column a metric's expression names (dropped, renamed or
-- of another type).  NULL when the source still has all of it.
CREATE OR REPLACE FUNCTION health_score_internal._source_problem(m health_score.model)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    segment text;
BEGIN
    IF health_score_internal._column_type(m.source, m.key) IS NULL THEN
        RETURN format('Key column %s is no longer in %s.', quote_ident(m.key), m.source);
    END IF;
    FOREACH segment IN ARRAY m.segments LOOP
        IF health_score_internal._column_type(m.source, segment) IS NULL THEN
            RETURN format('Segment column %s is no longer in %s.', quote_ident(segment), m.source);
        END IF;
    END LOOP;
    FOR x IN SELECT * FROM health_score_internal._built_metrics(m) LOOP
        BEGIN
            PERFORM health_score_internal._metric_value_sql(m, x.name, x.expression);
            IF x.as_of IS NOT NULL THEN
                PERFORM health_score_internal._as_of_sql(m, x.name, x.as_of);
            END IF;
        EXCEPTION WHEN syntax_error_or_access_rule_violation OR data_exception THEN
            RETURN SQLERRM || '.';
        END;
    END LOOP;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION health_score_internal._source_problem(health_score.model) IS
  'Internal: the first column the built model reads that its source no longer has, as a sentence; NULL when none.';

-- An error naming the cause when the source no longer has what the built
-- model reads.
CREATE OR REPLACE FUNCTION health_score_internal._require_source_matches(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    problem text;
BEGIN
    PERFORM health_score_internal._require_source(m);
    problem := health_score_internal._source_problem(m);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'model "%" reads what its source % no longer has', m.name, m.source
              USING ERRCODE = '55000', DETAIL = problem,
                    HINT = format('Put the column back, or change the metric (add_metric with replace => true, or drop_metric); then SELECT health_score.build(%L) makes the views again.', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_source_matches(health_score.model) IS
  'Internal: an error naming the column when the source no longer has what the built model reads.';

-- An error unless the source still has what the built model reads and
-- every view build() made is there: ALTER TABLE ... DROP COLUMN ...
-- CASCADE on the source drops the views that read the column and leaves
-- the model looking built.
CREATE OR REPLACE FUNCTION health_score_internal._require_views(m health_score.model)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text[];
BEGIN
    PERFORM health_score_internal._require_built(m, NULL);
    -- the cause first: a column a metric reads dropped with CASCADE took
    -- the views with it; one renamed left them working (they follow
    -- the column), but build() and the percentile metrics' cuts read the
    -- expressions again and would fail later, farther from the cause
    PERFORM health_score_internal._require_source_matches(m);
    missing := ARRAY(SELECT v FROM unnest(health_score_internal._built_views()) AS v
                      WHERE to_regclass(format('%I.%I', m.target_schema, v)) IS NULL);
    IF cardinality(missing) = 0 THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'model "%" has no %', m.name,
                    array_to_string(ARRAY(SELECT quote_ident(m.target_schema) || '.' || quote_ident(v)
                                            FROM unnest(missing) AS v), ', ')
          USING ERRCODE = '55000',
                DETAIL = CASE WHEN cardinality(missing) = 1
                              THEN 'It was dropped, or the model was built by an earlier version of health_score.'
                              ELSE 'They were dropped, or the model was built by an earlier version of health_score.' END,
                HINT = format('Run SELECT health_score.build(%L), which makes %s again.', m.name,
                              CASE WHEN cardinality(missing) = 1 THEN 'it' ELSE 'them' END);
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_views(health_score.model) IS
  'Internal: an error naming the cause unless the source exists and every view build() made is there.';

-- GRANT statements that restore the privileges others hold on a relation.
CREATE OR REPLACE FUNCTION health_score_internal._grants_of(rel regclass)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('GRANT %s ON %s TO %s%s', a.privilege_type, rel,
                  CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM pg_catalog.pg_class AS c,
           LATERAL pg_catalog.aclexplode(c.relacl) AS a
      LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = a.grantee
     WHERE c.oid = rel AND a.grantee <> c.relowner
$$;

COMMENT ON FUNCTION health_score_internal._grants_of(regclass) IS
  'Internal: GRANT statements for the privileges others hold on a relation, so build() keeps them when it recreates it.';

-- The model's scored rows with the metrics given in place of its own,
-- in their order: key, segments, one column per metric's score, score
-- (rounded to one decimal), coverage, stale (how many metrics had a
-- value older than their valid_for, left out as missing) and overridden
-- (how many metric scores an override set).  suggest_weights() scores
-- other weights with it, by the code that will score them once they are
-- applied and built, so that what it reports is what model_auc() will
-- then say.
CREATE OR REPLACE FUNCTION health_score_internal._scored_sql(m health_score.model, metrics health_score.metric[])
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    columns text[] := '{}';
    names text[] := '{}';
    methods text[] := '{}';
    worst float8[] := '{}';
    best float8[] := '{}';
    weights text[] := '{}';
    metric_values text[] := '{}';
    outputs text[] := '{}';
    value_sql text;
    stale_terms text[] := '{}';
    join_sql text := health_score_internal._override_join_sql(m, metrics);
    stale_sql text;
    segment text;
BEGIN
    -- plain types for BI tools: a key of another type is shown as text
    columns := columns || format('(src.%1$I)::%2$s AS %1$I', m.key, health_score_internal._key_type_sql(m));
    outputs := outputs || format('per_row.%I', m.key);
    FOREACH segment IN ARRAY m.segments LOOP
        columns := columns || format('(src.%1$I)::text AS %1$I', segment);
        outputs := outputs || format('per_row.%I', segment);
    END LOOP;
    FOREACH x IN ARRAY metrics LOOP
        -- a stale value is NULL here, so _model_row leaves it out and
        -- re-weights as it does a NULL value
        value_sql := health_score_internal._metric_current_value_sql(m, x);
        stale_sql := health_score_internal._metric_stale_sql(m, x);
        IF x.overridable AND stale_sql IS NOT NULL THEN
            -- an override is the score, whatever the data: a metric
            -- overridden is neither missing nor stale
            stale_sql := format('(CASE WHEN ov.scores[%s] IS NULL THEN %s ELSE 0 END)', cardinality(names) + 1, stale_sql);
        END IF;
        IF stale_sql IS NOT NULL THEN
            stale_terms := stale_terms || stale_sql;
        END IF;
        names := names || x.name;
        weights := weights || health_score_internal._metric_weight_sql(m, x);
        IF x.method IN ('linear', 'log') THEN
            methods := methods || x.method;
            worst := worst || x.worst;
            best := best || x.best;
            metric_values := metric_values || value_sql;
        ELSE
            -- steps and percentile: scored here, taken as a score by _model_row
            methods := methods || 'score'::text;
            worst := worst || 0::float8;
            best := best || 100::float8;
            metric_values := metric_values || health_score_internal._metric_score_sql(m, x, value_sql);
        END IF;
        outputs := outputs || format('per_row.health_score_row[%s] AS %I',
                                     cardinality(names) + 2, x.name || '_score');
    END LOOP;
    IF cardinality(names) = 0 THEN
        RAISE EXCEPTION 'model "%" has no metrics', m.name
              USING ERRCODE = '55000', HINT = 'Add them with health_score.add_metric().';
    END IF;
    outputs := outputs || 'per_row.health_score_row[1] AS score'::text
                       || 'per_row.health_score_row[2] AS coverage'::text
                       || 'per_row.stale'::text || 'per_row.overridden'::text;
    columns := columns || format('(%s)::integer AS stale',
                                 coalesce(nullif(array_to_string(stale_terms, ' + '), ''), '0'))
                       || CASE WHEN join_sql = '' THEN '0 AS overridden'
                               ELSE 'coalesce(ov.overridden, 0) AS overridden' END;
    -- the model's revenue and parent, when it has them
    IF m.revenue IS NOT NULL THEN
        columns := columns || format('%s AS revenue', health_score_internal._revenue_sql(m));
        outputs := outputs || 'per_row.revenue'::text;
    END IF;
    IF m.parent IS NOT NULL THEN
        columns := columns || format('%s AS parent', health_score_internal._parent_sql(m));
        outputs := outputs || 'per_row.parent'::text;
    END IF;
    -- One call of _model_row scores the row: metrics, weights, coverage
    -- and rounding (src/model_row.c); with overridable metrics,
    -- _model_row_overridden, given the row's overrides as well.  It is declared VOLATILE, which
    -- keeps the planner from pulling this query up into the views that
    -- read it: pulled up, every column read from health_score_row would
    -- call it again.  Unlike OFFSET 0, that lets a filter on the key or a
    -- segment down to the source's index.
    RETURN format($q$SELECT %1$s
  FROM (SELECT %2$s,
               health_score_internal.%12$s(%3$L::text[], %4$L::text[], %5$L::float8[], %6$L::float8[],
                                       ARRAY[%7$s], %8$L::float8,%13$s
                                       %9$s) AS health_score_row
          FROM %10$s AS src%11$s) AS per_row$q$,
                  array_to_string(outputs, E',\n       '),
                  array_to_string(columns, E',\n               '),
                  names, methods, worst, best, array_to_string(weights, ', '), m.min_coverage,
                  array_to_string(metric_values, E',\n                                       '),
                  m.source, join_sql,
                  CASE WHEN join_sql = '' THEN '_model_row' ELSE '_model_row_overridden' END,
                  CASE WHEN join_sql = '' THEN '' ELSE ' ov.scores,' END);
END;
$$;

COMMENT ON FUNCTION health_score_internal._scored_sql(health_score.model, health_score.metric[]) IS
  'Internal: the SQL of a model''s scored rows with the given metric definitions (weights, segment weights) in place of its own.';

-- The model's scored rows, by its own metrics.  Both scores and
-- segment_summary read them.
CREATE OR REPLACE FUNCTION health_score_internal._scored_sql(m health_score.model)
RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT health_score_internal._scored_sql(m, ARRAY(SELECT hm FROM health_score.metric AS hm
                                                        WHERE hm.model = m.name ORDER BY hm.position))
$$;

COMMENT ON FUNCTION health_score_internal._scored_sql(health_score.model) IS
  'Internal: the SQL of a model''s scored rows, the common part of its views.';

-- The model's segment columns qualified by alias, each followed by ", ",
-- to put before the columns that follow them in a select list.
CREATE OR REPLACE FUNCTION health_score_internal._segment_columns(m health_score.model, alias text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(string_agg(format('%s.%I, ', alias, seg), '' ORDER BY o), '')
      FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o)
$$;

COMMENT ON FUNCTION health_score_internal._segment_columns(health_score.model, text) IS
  'Internal: the model''s segment columns as "alias.segment, " each, in order.';

-- The last columns of scores, scores_mv and stored_scores: the metric
-- scores (of the metrics named, in their order), stale, overridden, and
-- revenue and parent when the model has them.  CREATE OR REPLACE VIEW can only add columns at the end: the columns the
-- built scores view has keep their order, and the others follow, in that
-- order.  So stale, which came after the metric scores of 1.3's views,
-- and overridden stay where the built view has them, a metric added
-- later comes after them, and a first build (or views dropped to be made
-- again) has the metric scores, stale and overridden.
CREATE OR REPLACE FUNCTION health_score_internal._tail_columns(m health_score.model, metric_names text[])
RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    built text[] := coalesce(health_score_internal._columns_of(to_regclass(format('%I.scores', m.target_schema))), '{}');
    wanted text[] := ARRAY(SELECT u.n || '_score' FROM unnest(metric_names) WITH ORDINALITY AS u(n, o)
                            ORDER BY u.o)
                     || '{stale,overridden}'::text[]
                     || CASE WHEN m.revenue IS NOT NULL THEN '{revenue}'::text[] ELSE '{}' END
                     || CASE WHEN m.parent IS NOT NULL THEN '{parent}'::text[] ELSE '{}' END;
BEGIN
    RETURN ARRAY(SELECT u.c FROM unnest(wanted) AS u(c)
                  WHERE u.c = ANY (built) ORDER BY array_position(built, u.c))
           || ARRAY(SELECT u.c FROM unnest(wanted) WITH ORDINALITY AS u(c, o)
                     WHERE NOT u.c = ANY (built) ORDER BY u.o);
END;
$$;

COMMENT ON FUNCTION health_score_internal._tail_columns(health_score.model, text[]) IS
  'Internal: the metric score columns, stale, overridden, revenue and parent of a model''s scores-shaped relations, in order, those of the built scores view where it has them.';

-- The SQL of the scores view: one pass over the source, each row scored
-- on its own.  Percentiles and ranks are read against the distributions
-- stored with the model, so that no read ranks every customer, a filter
-- on the key or a segment reaches the source's index, and every reader
-- gets the same numbers.
CREATE OR REPLACE FUNCTION health_score_internal._scores_sql(m health_score.model, scored_sql text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment_columns text := health_score_internal._segment_columns(m, 's');
    metric_columns text := '';
    tail_column text;
BEGIN
    FOREACH tail_column IN ARRAY health_score_internal._tail_columns(m,
            ARRAY(SELECT hm.name FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position)) LOOP
        metric_columns := metric_columns || format(E',\n       s.%I', tail_column);
    END LOOP;
    RETURN format($q$SELECT s.%1$I, %2$ss.score,
       health_score.band(s.score, %3$L, %4$L) AS band,
       health_score.grade(s.score, %5$L::float8[], %6$L::text[]) AS grade,
       %7$s,
       s.coverage,
       now() AS computed_at%8$s
  FROM (%9$s) AS s$q$,
                  m.key, segment_columns, m.red_below, m.green_from,
                  m.grade_cutoffs, m.grade_letters, health_score_internal._rank_columns_sql(m),
                  metric_columns, scored_sql);
END;
$$;

COMMENT ON FUNCTION health_score_internal._scores_sql(health_score.model, text) IS
  'Internal: the SQL of a model''s scores view.';

-- percentile, segment_percentile and rank of the row s, read against the
-- distributions stored with the model.
CREATE OR REPLACE FUNCTION health_score_internal._rank_columns_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$health_score.percentile_rank(%1$s, s.score) AS percentile,
       health_score.percentile_rank(%2$s, s.score, %3$s) AS segment_percentile,
       health_score.descending_rank(%1$s, s.score) AS rank$q$,
                  health_score_internal._reference_sql(m, 'score'),
                  health_score_internal._reference_sql(m, 'segment score'),
                  health_score_internal._first_segment_sql(m, 's'))
$$;

COMMENT ON FUNCTION health_score_internal._rank_columns_sql(health_score.model) IS
  'Internal: the SQL of the percentile, segment_percentile and rank columns of a row s with a score.';

-- The first segment of a row alias, which segment percentiles rank
-- within; NULL::text when the model has no segments.
CREATE OR REPLACE FUNCTION health_score_internal._first_segment_sql(m health_score.model, alias text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN cardinality(m.segments) > 0
                THEN format('%s.%I', alias, m.segments[1]) ELSE 'NULL::text' END
$$;

COMMENT ON FUNCTION health_score_internal._first_segment_sql(health_score.model, text) IS
  'Internal: the SQL of a row''s first segment column (NULL::text without segments).';

-- The policy that shows a reader the rows of a copy of customer rows in
-- the model's schema (stored_scores, history) whose key the source shows
-- them.  Keys compare in the copy's key type, as the views do: a uuid or
-- date key is text there.
CREATE OR REPLACE FUNCTION health_score_internal._visible_in_source_sql(m health_score.model, relation text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('CREATE POLICY visible_in_source ON %1$I.%2$I FOR SELECT USING (EXISTS (SELECT FROM %3$s AS src WHERE (src.%4$I)::%5$s = %2$I.%4$I))',
                  m.target_schema, relation, m.source, m.key, health_score_internal._key_type_sql(m))
$$;

COMMENT ON FUNCTION health_score_internal._visible_in_source_sql(health_score.model, text) IS
  'Internal: the CREATE POLICY that shows a reader the rows of a model''s stored_scores or history whose key the source shows them.';

-- The SQL of the segment_summary view.
CREATE OR REPLACE FUNCTION health_score_internal._segment_summary_sql(m health_score.model, scored_sql text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment_list text := (SELECT string_agg(format('s.%I', seg), ', ' ORDER BY o)
                            FROM unnest(m.segments) WITH ORDINALITY AS u(seg, o));
BEGIN
    RETURN format($q$SELECT %1$s
       s.band,
       count(*) AS customers,
       round(count(*) / sum(count(*)) OVER (%2$s), 4)::float8 AS share,
       round(avg(s.score)::numeric, 1)::float8 AS average_score%6$s
  FROM (SELECT scored.*, health_score.band(scored.score, %3$L, %4$L) AS band
          FROM (%5$s) AS scored) AS s
 GROUP BY %1$s s.band
 ORDER BY %1$s CASE s.band WHEN 'red' THEN 1 WHEN 'yellow' THEN 2 WHEN 'green' THEN 3 ELSE 4 END$q$,
                  coalesce(segment_list || ',', ''),
                  coalesce('PARTITION BY ' || segment_list, ''),
                  m.red_below, m.green_from, scored_sql,
                  -- a band's revenue and its share of the segment's
                  CASE WHEN m.revenue IS NOT NULL THEN format($r$,
       sum(s.revenue) AS revenue,
       round((sum(s.revenue) / nullif(sum(sum(s.revenue)) OVER (%s), 0))::numeric, 4)::float8 AS revenue_share$r$,
                                                             coalesce('PARTITION BY ' || segment_list, ''))
                       ELSE '' END);
END;
$$;

COMMENT ON FUNCTION health_score_internal._segment_summary_sql(health_score.model, text) IS
  'Internal: the SQL of a model''s segment_summary view.';

-- How a metric's score is computed, in words, for the column comments.
CREATE OR REPLACE FUNCTION health_score_internal._describe_metric(x health_score.metric)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('Score of metric %s, 0-100, one decimal: %s of %s%s, weight %s%s%s. NULL when the value is NULL (missing, not zero).',
                  x.name,
                  CASE x.method
                      WHEN 'linear' THEN 'linear scale'
                      WHEN 'log' THEN 'log1p scale'
                      WHEN 'steps' THEN 'steps'
                      ELSE 'percentile rank among all customers as of the last refresh' END,
                  x.expression,
                  CASE x.method
                      WHEN 'linear' THEN format(' from %s (0) to %s (100)', x.worst, x.best)
                      WHEN 'log' THEN format(' from %s (0) to %s (100)', x.worst, x.best)
                      WHEN 'steps' THEN format(' at thresholds %s giving scores %s', x.thresholds, x.scores)
                      ELSE '' END,
                  x.weight,
                  CASE WHEN x.segment_weights IS NOT NULL
                       THEN format(' (in segments: %s)', x.segment_weights) ELSE '' END,
                  CASE WHEN x.category IS NOT NULL
                       THEN format(', category %s', x.category) ELSE '' END)
           || CASE WHEN x.as_of IS NOT NULL
                   THEN format(' NULL too when the value is stale: measured (%s) more than %s before, or at an unknown time.',
                               x.as_of, x.valid_for)
                   ELSE '' END
$$;

COMMENT ON FUNCTION health_score_internal._describe_metric(health_score.metric) IS
  'Internal: a metric''s definition in words.';

-- COMMENT ON COLUMN each column of rel that comments names: pairs of a
-- column name and its comment; a column rel does not have is skipped.
CREATE OR REPLACE FUNCTION health_score_internal._comment_columns(rel text, comments text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    present text[] := health_score_internal._columns_of(rel::regclass);
BEGIN
    FOR i IN 1 .. array_length(comments, 1) BY 2 LOOP
        IF comments[i] = ANY (present) THEN
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, comments[i], comments[i + 1]);
        END IF;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_columns(text, text[]) IS
  'Internal: comments the columns of a relation from (column, comment) pairs, skipping columns it does not have.';

-- COMMENTs on a scores-shaped relation: the columns BI tools describe,
-- those of them it has (stored_scores has no percentile, segment
-- percentile, rank or computed_at).
CREATE OR REPLACE FUNCTION health_score_internal._comment_scores_columns(m health_score.model, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    comments text[] := ARRAY[
        m.key, format('Customer key: %s of %s.', m.key, m.source),
        'score', 'Health score 0-100, one decimal: the weighted mean of the metric scores present, weights renormalized over them; NULL when none is present'
                 || CASE WHEN m.min_coverage > 0
                         THEN format(' or their share of the weight is below %s.', m.min_coverage) ELSE '.' END,
        'band', format('red when score < %s, green when score >= %s, else yellow; NULL when score is NULL.', m.red_below, m.green_from),
        'grade', format('Letter grade %s at score cutoffs %s.', m.grade_letters, m.grade_cutoffs),
        'percentile', 'Percentile rank 1-100 of score among all scored customers (100 = healthiest; ties share a rank), as of the model''s last build, refresh or snapshot (health_score.reference.computed_at): the same for every reader.',
        'segment_percentile', CASE WHEN cardinality(m.segments) > 0
                                   THEN format('Percentile rank 1-100 of score among the customers of the same %s, as of the model''s last build, refresh or snapshot: the same for every reader.', m.segments[1])
                                   ELSE 'The model has no segments: the same as percentile.' END,
        'rank', 'Rank by score among all scored customers, 1 = healthiest, as of the model''s last build, refresh or snapshot: 1 + how many scored higher then; ties share a rank; NULL when score is NULL.',
        'coverage', 'Share 0-1 of the total weight carried by the metrics present.',
        'stale', CASE WHEN rel LIKE '%.scores_mv' OR rel LIKE '%.stored_scores'
                      THEN 'How many metrics had a value older than their valid_for (or of unknown age) at the model''s last build, refresh or snapshot: left out as missing, as a NULL value.'
                      ELSE 'How many metrics have a value older than their valid_for (or of unknown age) at the time of the query: left out as missing, as a NULL value.' END,
        'overridden', CASE WHEN rel LIKE '%.scores_mv' OR rel LIKE '%.stored_scores'
                           THEN 'How many metric scores were set by hand (health_score.override) at the model''s last build, refresh or snapshot; their <metric>_score columns hold the override.'
                           ELSE 'How many metric scores are set by hand (health_score.override, listed in the overrides view): their <metric>_score columns show the override.' END,
        'revenue', format('Recurring revenue (the model''s revenue, %s over %s); NULL where it is NULL. Negative values are counted as they are.', m.revenue, m.source),
        'parent', format('Key of the parent account (the model''s parent, %s over %s); NULL for a top-level account. The accounts view rolls customers up by it.', m.parent, m.source),
        'computed_at', CASE WHEN rel LIKE '%.scores_mv'
                            THEN 'When these scores were computed: the time of the model''s last build, refresh or snapshot, the same on every row.'
                            ELSE 'When these scores were computed: the time of the query.' END];
    segment text;
    x health_score.metric;
BEGIN
    FOREACH segment IN ARRAY m.segments LOOP
        comments := comments || ARRAY[segment, format('Segment: %s of %s, as text.', segment, m.source)];
    END LOOP;
    FOR x IN SELECT * FROM health_score.metric AS hm WHERE hm.model = m.name ORDER BY hm.position LOOP
        comments := comments || ARRAY[x.name || '_score', health_score_internal._describe_metric(x)];
    END LOOP;
    PERFORM health_score_internal._comment_columns(rel, comments);
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_scores_columns(health_score.model, text) IS
  'Internal: comments the columns of a relation shaped like a model''s scores view.';

-- Create or replace every view of the model.  Returns false, having
-- changed nothing, when a view's columns changed in a way CREATE OR
-- REPLACE VIEW refuses (a metric was dropped): the caller then drops and
-- creates them.
CREATE OR REPLACE FUNCTION health_score_internal._create_views(m health_score.model, replace boolean)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    scored text := health_score_internal._scored_sql(m);
    verb text := CASE WHEN replace THEN 'CREATE OR REPLACE VIEW' ELSE 'CREATE VIEW' END;
    band text;
    schema_name text := quote_ident(m.target_schema);
BEGIN
    -- the scores view reads the overrides in force
    EXECUTE format('%s %s.overrides WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._overrides_sql(m));
    EXECUTE format('%s %s.scores WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._scores_sql(m, scored));
    FOREACH band IN ARRAY '{red,yellow,green}'::text[] LOOP
        EXECUTE format('%s %s.%I WITH (security_invoker = true) AS SELECT * FROM %s.scores WHERE band = %L ORDER BY score, %I',
                       verb, schema_name, band, schema_name, band, m.key);
    END LOOP;
    EXECUTE format('%s %s.segment_summary WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._segment_summary_sql(m, scored));
    EXECUTE format('%s %s.trend WITH (security_invoker = true) AS %s',
                   verb, schema_name, health_score_internal._trend_sql(m));
    EXECUTE format($q$%1$s %2$s.dropped WITH (security_invoker = true) AS
SELECT * FROM %2$s.trend
 WHERE dropped_band
 ORDER BY array_position('{red,yellow,green}'::text[], previous_band)
          - array_position('{red,yellow,green}'::text[], band) DESC,
          score - previous_score, %3$I$q$,
                   verb, schema_name, m.key);
    PERFORM health_score_internal._create_account_views(m, verb);
    RETURN true;
EXCEPTION WHEN invalid_table_definition THEN
    IF replace THEN
        RETURN false;
    END IF;
    RAISE;
END;
$$;

COMMENT ON FUNCTION health_score_internal._create_views(health_score.model, boolean) IS
  'Internal: creates (or replaces in place) the views of a model.';

-- COMMENTs on a trend-shaped view.
CREATE OR REPLACE FUNCTION health_score_internal._comment_trend_columns(m health_score.model, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    segment text;
    comments text[] := ARRAY[
        'taken_on', 'The day of the latest snapshot.',
        'score', 'Health score 0-100 at the latest snapshot.',
        'band', 'Band at the latest snapshot.',
        'previous_on', 'The snapshot before it, when the customer was in it.',
        'previous_score', 'Score at previous_on.',
        'previous_band', 'Band at previous_on.',
        'delta_wow', 'score minus the score of the latest snapshot at least 7 days older, one decimal.',
        'delta_mom', 'score minus the score of the latest snapshot at least 28 days older, one decimal.',
        'band_change', 'previous_band→band (for example green→yellow) when the band changed since the previous snapshot, else NULL.',
        'dropped_band', 'True when the band fell since the previous snapshot (green to yellow or red, yellow to red).',
        'slope_90d', 'Least-squares slope of the score in points per day over the snapshots of the last 90 days, three decimals; NULL with fewer than two.',
        'sparkline', 'The scores of the last 12 snapshots, oldest first, as block characters from the customer''s lowest to highest.',
        'top_mover', 'The metric whose contribution to the score changed most since the previous snapshot: why the score moved.',
        'top_mover_change', 'How many points top_mover''s contribution changed, one decimal.',
        'model_version', 'The model version of the latest snapshot.'];
BEGIN
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, m.key,
                   format('Customer key: %s of %s.', m.key, m.source));
    FOREACH segment IN ARRAY m.segments LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, segment,
                       format('Segment: %s of %s at the latest snapshot, as text.', segment, m.source));
    END LOOP;
    PERFORM health_score_internal._comment_columns(rel, comments);
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_trend_columns(health_score.model, text) IS
  'Internal: comments the columns of a model''s trend or dropped view.';

CREATE OR REPLACE FUNCTION health_score_internal._comment_views(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    band text;
BEGIN
    EXECUTE format('COMMENT ON SCHEMA %s IS %L', schema_name,
                   format('Views of health_score model %s over %s, made by health_score.build(%L); rebuilt in place, do not edit.',
                          m.name, m.source, m.name));
    EXECUTE format('COMMENT ON VIEW %s.scores IS %L', schema_name,
                   format('Health of every customer of %s: one row per %s, scored by model %s (version %s). Reads the source as the querying user, so row-level security applies.',
                          m.source, m.key, m.name, m.version));
    PERFORM health_score_internal._comment_scores_columns(m, schema_name || '.scores');
    FOREACH band IN ARRAY '{red,yellow,green}'::text[] LOOP
        EXECUTE format('COMMENT ON VIEW %s.%I IS %L', schema_name, band,
                       format('The %s customers of model %s (band = %L), worst score first; the columns of scores.',
                              band, m.name, band));
        PERFORM health_score_internal._comment_scores_columns(m, format('%s.%I', schema_name, band));
    END LOOP;
    EXECUTE format('COMMENT ON VIEW %s.segment_summary IS %L', schema_name,
                   CASE WHEN cardinality(m.segments) > 0
                        THEN format('Customers of model %s per %s and band: how many, their share of the segment and their average score.',
                                    m.name, array_to_string(m.segments, ', '))
                        ELSE format('Customers of model %s per band: how many, their share of all customers and their average score.', m.name)
                   END);
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.band IS %L', schema_name,
                   format('red, yellow or green (score below %s, from %s); NULL for customers without a score.', m.red_below, m.green_from));
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.customers IS %L', schema_name,
                   'Number of customers in this segment and band.');
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.share IS %L', schema_name,
                   'customers as a share 0-1 of all customers of the segment, four decimals.');
    EXECUTE format('COMMENT ON COLUMN %s.segment_summary.average_score IS %L', schema_name,
                   'Average score of these customers, one decimal.');
    IF m.revenue IS NOT NULL THEN
        EXECUTE format('COMMENT ON COLUMN %s.segment_summary.revenue IS %L', schema_name,
                       format('Sum of these customers'' revenue (%s); NULL revenues left out.', m.revenue));
        EXECUTE format('COMMENT ON COLUMN %s.segment_summary.revenue_share IS %L', schema_name,
                       'revenue as a share 0-1 of the revenue of all customers of the segment, four decimals.');
    END IF;
    FOR band IN SELECT unnest(m.segments) LOOP
        EXECUTE format('COMMENT ON COLUMN %s.segment_summary.%I IS %L', schema_name, band,
                       format('Segment: %s of %s, as text.', band, m.source));
    END LOOP;
    PERFORM health_score_internal._comment_overrides(m);
    PERFORM health_score_internal._comment_account_views(m);
    PERFORM health_score_internal._comment_trend_columns(m, schema_name || '.trend');
    PERFORM health_score_internal._comment_trend_columns(m, schema_name || '.dropped');
    EXECUTE format('COMMENT ON VIEW %s.trend IS %L', schema_name,
                   format('How each customer of model %s moved: one row per customer in the latest snapshot (health_score.snapshot), with week-over-week and month-over-month deltas, the band change since the previous snapshot, the slope over 90 days, a sparkline of the last 12 snapshots and the metric that moved the score most.', m.name));
    EXECUTE format('COMMENT ON VIEW %s.dropped IS %L', schema_name,
                   format('Customers of model %s whose band fell since their previous snapshot, worst drop first: the rows of trend with dropped_band.', m.name));
    EXECUTE format('COMMENT ON VIEW %s.scores_mv IS %L', schema_name,
                   format('scores of model %s as of its last build, refresh or snapshot (health_score.refresh(%L)), read from stored_scores: the fast path for dashboards. Row-level security shows each reader the customers %s shows them. Reading it needs SELECT on stored_scores too, which build and refresh grant to its readers.',
                          m.name, m.name, m.source));
    PERFORM health_score_internal._comment_scores_columns(m, schema_name || '.scores_mv');
    EXECUTE format('COMMENT ON TABLE %s.stored_scores IS %L', schema_name,
                   format('The scores of model %s that a customer''s own row decides, stored by its last build, refresh or snapshot; read it through scores_mv, which adds percentile, segment_percentile, rank and computed_at. Row-level security shows a reader the customers %s shows them; refresh rewrites only the rows whose values changed.',
                          m.name, m.source));
    PERFORM health_score_internal._comment_scores_columns(m, schema_name || '.stored_scores');
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_views(health_score.model) IS
  'Internal: comments every view of a model and their columns.';

-- The names of a relation's columns, in order.
CREATE OR REPLACE FUNCTION health_score_internal._columns_of(rel regclass)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_attribute AS a
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

COMMENT ON FUNCTION health_score_internal._columns_of(regclass) IS
  'Internal: the column names of a relation, in order.';

-- The columns of stored_scores: those of scores that a customer's own row
-- decides.  percentile, segment_percentile and rank are read against the
-- reference when scores_mv is read, so that a refresh rewrites only the
-- customers whose scores moved.
CREATE OR REPLACE FUNCTION health_score_internal._stored_columns(m health_score.model)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[m.key] || m.segments || '{score,band,grade,coverage}'::text[]
           || health_score_internal._tail_columns(m, ARRAY(SELECT x.name FROM health_score_internal._built_metrics(m) AS x
                                                            ORDER BY x.position))
$$;

COMMENT ON FUNCTION health_score_internal._stored_columns(health_score.model) IS
  'Internal: the columns of a model''s stored_scores table, in order.';

-- A list of columns, each qualified by alias (or bare when alias is NULL).
CREATE OR REPLACE FUNCTION health_score_internal._column_list(columns text[], alias text DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(coalesce(alias || '.', '') || quote_ident(c), ', ' ORDER BY o)
      FROM unnest(columns) WITH ORDINALITY AS u(c, o)
$$;

COMMENT ON FUNCTION health_score_internal._column_list(text[], text) IS
  'Internal: columns as a comma-separated list of quoted names, each prefixed by alias when given.';

-- The SQL of the scores_mv view: the stored rows, ranked against the
-- reference the same refresh computed.
CREATE OR REPLACE FUNCTION health_score_internal._scores_mv_sql(m health_score.model)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    metric_columns text := (SELECT string_agg(format(E',\n       s.%I', t.c), '' ORDER BY t.o)
                              FROM unnest(health_score_internal._tail_columns(m,
                                       ARRAY(SELECT x.name FROM health_score_internal._built_metrics(m) AS x
                                              ORDER BY x.position))) WITH ORDINALITY AS t(c, o));
BEGIN
    RETURN format($q$SELECT s.%1$I, %2$ss.score, s.band, s.grade,
       %3$s,
       s.coverage,
       %4$s AS computed_at%5$s
  FROM %6$I.stored_scores AS s$q$,
                  m.key, health_score_internal._segment_columns(m, 's'), health_score_internal._rank_columns_sql(m),
                  health_score_internal._reference_sql(m, 'score', 'computed_at'),
                  coalesce(metric_columns, ''), m.target_schema);
END;
$$;

COMMENT ON FUNCTION health_score_internal._scores_mv_sql(health_score.model) IS
  'Internal: the SQL of a model''s scores_mv view over its stored_scores table.';

-- Create stored_scores, unless it has the columns it should, and the
-- scores_mv view over it.  1.3's scores_mv, a materialized view, is
-- replaced here; indexes someone added to it or to stored_scores are
-- made again on the new table where their columns are still there.
CREATE OR REPLACE FUNCTION health_score_internal._create_stored(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    stored regclass := to_regclass(schema_name || '.stored_scores');
    mv regclass := to_regclass(schema_name || '.scores_mv');
    columns text[] := health_score_internal._stored_columns(m);
    indexes text[];
    statement text;
BEGIN
    IF stored IS NULL OR health_score_internal._columns_of(stored) IS DISTINCT FROM columns
       OR (SELECT c.relkind FROM pg_catalog.pg_class AS c WHERE c.oid = mv) IS DISTINCT FROM 'v' THEN
        indexes := ARRAY(
            SELECT replace(pg_catalog.pg_get_indexdef(i.indexrelid),
                           format(' ON %s USING ', i.indrelid::regclass),
                           format(' ON %s.stored_scores USING ', schema_name))
              FROM pg_catalog.pg_index AS i
             WHERE i.indrelid IN (mv, stored) AND NOT i.indisprimary
               AND i.indexrelid <> coalesce(to_regclass(schema_name || '.scores_mv_key'), 0));
        PERFORM health_score_internal._drop_built(m.target_schema, 'scores_mv', 'replace');
        PERFORM health_score_internal._drop_built(m.target_schema, 'stored_scores', 'replace');
        EXECUTE format('CREATE TABLE %1$s.stored_scores AS SELECT %2$s FROM %1$s.scores WITH NO DATA',
                       schema_name, health_score_internal._column_list(columns));
        EXECUTE format('ALTER TABLE %s.stored_scores ADD CONSTRAINT stored_scores_pkey PRIMARY KEY (%I)',
                       schema_name, m.key);
        -- a copy of customer rows: show a reader only the customers the
        -- source shows them, as history does
        EXECUTE format('ALTER TABLE %s.stored_scores ENABLE ROW LEVEL SECURITY', schema_name);
        EXECUTE health_score_internal._visible_in_source_sql(m, 'stored_scores');
        PERFORM health_score_internal._distribute_like_source(m, to_regclass(schema_name || '.stored_scores'));
        FOREACH statement IN ARRAY indexes LOOP
            BEGIN
                EXECUTE statement;
            EXCEPTION WHEN undefined_column THEN
                RAISE NOTICE 'index not recreated on the rebuilt stored_scores: %', statement
                      USING DETAIL = 'A column it indexed is gone.';
            END;
        END LOOP;
    END IF;
    EXECUTE format('CREATE OR REPLACE VIEW %s.scores_mv WITH (security_invoker = true) AS %s',
                   schema_name, health_score_internal._scores_mv_sql(m));
END;
$$;

COMMENT ON FUNCTION health_score_internal._create_stored(health_score.model) IS
  'Internal: creates a model''s stored_scores table (when missing or its columns changed) and the scores_mv view over it.';

-- Who may read stored_scores follows who may read scores_mv: a security
-- invoker view needs both, row-level security on stored_scores still
-- shows each reader only their customers, and a role that lost scores_mv
-- loses stored_scores too.  Privileges other than SELECT (and the
-- owner's) are left alone.  The readers of scores, and the roles that
-- may override, may read the overrides in force.
CREATE OR REPLACE FUNCTION health_score_internal._mirror_grants(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mv regclass := to_regclass(format('%I.scores_mv', m.target_schema));
    stored regclass := to_regclass(format('%I.stored_scores', m.target_schema));
    statement text;
BEGIN
    FOR statement IN
        WITH readers AS (
            SELECT a.grantee, a.privilege_type, c.oid AS rel
              FROM pg_catalog.pg_class AS c, LATERAL pg_catalog.aclexplode(c.relacl) AS a
             WHERE c.oid IN (mv, stored) AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner)
        SELECT format('%s SELECT ON %s %s %s',
                      CASE WHEN r.rel = mv THEN 'GRANT' ELSE 'REVOKE' END, stored,
                      CASE WHEN r.rel = mv THEN 'TO' ELSE 'FROM' END,
                      CASE r.grantee WHEN 0 THEN 'PUBLIC' ELSE r.grantee::regrole::text END)
          FROM readers AS r
         WHERE NOT EXISTS (SELECT FROM readers AS o WHERE o.grantee = r.grantee AND o.rel <> r.rel)
    LOOP
        EXECUTE statement;
    END LOOP;
    -- The scores view reads the overrides in force, as its reader: who
    -- may read it, or write the log, may read them.  Only granted, never
    -- revoked: an auditor may read the log without the scores.
    IF cardinality(health_score_internal._overridable_metrics(m)) > 0 THEN
        FOR statement IN
            SELECT DISTINCT format('GRANT SELECT ON %I.overrides, %I.override_log TO %s', m.target_schema, m.target_schema,
                                   CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END)
              FROM pg_catalog.pg_class AS c, LATERAL pg_catalog.aclexplode(c.relacl) AS a
             WHERE c.oid IN (to_regclass(format('%I.scores', m.target_schema)), to_regclass(format('%I.override_log', m.target_schema)))
               AND a.privilege_type IN ('SELECT', 'INSERT') AND a.grantee <> c.relowner
               AND (a.privilege_type = 'SELECT') = (c.relname = 'scores')
        LOOP
            EXECUTE statement;
        END LOOP;
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._mirror_grants(health_score.model) IS
  'Internal: grants SELECT on a model''s stored_scores to those who may read its scores_mv, and revokes it from the others; grants SELECT on its overrides and override_log to those who may read scores or insert into override_log, when a metric is overridable.';

-- One error for a key that cannot name one customer: refresh and
-- snapshot store one row per key.
CREATE OR REPLACE FUNCTION health_score_internal._require_unique_keys(m health_score.model, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    example text;
    rows_with_it bigint;
    is_null boolean;
BEGIN
    EXECUTE format('SELECT t.%1$I::text, count(*), t.%1$I IS NULL FROM %2$s AS t GROUP BY t.%1$I HAVING count(*) > 1 OR t.%1$I IS NULL LIMIT 1',
                   m.key, rel)
       INTO example, rows_with_it, is_null;
    IF is_null THEN
        RAISE EXCEPTION 'key column "%" of % is NULL in % %', m.key, m.source, rows_with_it,
                        CASE rows_with_it WHEN 1 THEN 'row' ELSE 'rows' END
              USING ERRCODE = '23502',
                    HINT = format('Model "%s" scores one row per customer key: give those rows a key, or create the model over a view of %s that leaves them out.',
                                  m.name, m.source);
    ELSIF example IS NOT NULL THEN
        RAISE EXCEPTION 'key column "%" of % is not unique: % = % is in % rows', m.key, m.source, m.key, example, rows_with_it
              USING ERRCODE = '23505',
                    HINT = format('Model "%s" needs one row per customer: choose a unique key, or a source with one row per key.', m.name);
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_unique_keys(health_score.model, text) IS
  'Internal: an error naming an example when a relation of scored rows has a NULL or repeated key.';

-- The cuts of each percentile metric's raw values, over every customer
-- the caller (the model's owner) sees: the metric scores depend on them.
CREATE OR REPLACE FUNCTION health_score_internal._refresh_metric_cuts(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    columns text[] := '{}';
    items text[] := '{}';
BEGIN
    -- a percentile metric dropped since the last build keeps its cuts
    -- until the next, whose views no longer read them
    DELETE FROM health_score.reference AS r
     WHERE r.model = m.name
       AND r.item IN (SELECT 'metric ' || hm.name FROM health_score_internal._built_metrics(m) AS hm
                       WHERE hm.method = 'percentile');
    FOR x IN SELECT * FROM health_score_internal._built_metrics(m) AS hm
              WHERE hm.method = 'percentile' ORDER BY hm.position LOOP
        -- NaN is a missing value in the views, so it is none here either;
        -- 99 cuts rank a value as its distribution would, and weigh nothing
        columns := columns ||
            format('health_score.percentile_cuts(health_score.distribution(NULLIF(%s, %L::float8))) AS c%s',
                   health_score_internal._metric_value_sql(m, x.name, x.expression), 'NaN', x.position);
        items := items || format('(%L, d.c%s)', 'metric ' || x.name, x.position);
    END LOOP;
    IF cardinality(items) > 0 THEN
        EXECUTE format($q$INSERT INTO health_score.reference (model, item, cuts, computed_at)
SELECT $1, i.item, i.cuts, now()
  FROM (SELECT %s FROM %s AS src) AS d,
       LATERAL (VALUES %s) AS i(item, cuts)
 WHERE i.cuts IS NOT NULL$q$,
                       array_to_string(columns, ', '), m.source, array_to_string(items, ', '))
          USING m.name;
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._refresh_metric_cuts(health_score.model) IS
  'Internal: computes the cuts a model''s percentile metrics are scored against (health_score.reference).';

-- Score every customer once, as the caller (the model's owner) sees
-- them, into a temporary table; from it compute the score distributions
-- the percentiles and ranks are read against, then merge it into
-- stored_scores: the rows whose values changed are rewritten, new
-- customers added, gone ones deleted, and no other row is touched.
-- Readers of stored_scores and scores_mv never wait: row locks only.
-- Concurrent refreshes of one model take turns here.
CREATE OR REPLACE FUNCTION health_score_internal._refresh_stored(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    -- the columns as built: a metric added or dropped since counts from
    -- the next build on
    columns text[] := health_score_internal._columns_of(to_regclass(schema_name || '.stored_scores'));
    values_columns text[] := columns[2:];
    scored bigint;
    stored bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('health_score.refresh'), hashtext(m.name));
    -- What is stored is what the caller sees: say so when that may be
    -- less than the source holds, since readers who see more would
    -- silently miss rows and be ranked among the caller's customers.
    IF row_security_active(m.source::regclass) THEN
        RAISE WARNING 'row-level security of % applies to you: model "%" stores and ranks only the customers it shows you',
                      m.source, m.name
              USING DETAIL = 'Readers whom the source shows other customers find none of them in scores_mv, and their percentiles and ranks are read against your customers alone.',
                    HINT = 'Build, refresh and snapshot the model as a role the source''s policies do not apply to: its owner (unless the table forces row-level security) or a role with BYPASSRLS; ignore this warning if the policies show you every customer.';
    END IF;
    BEGIN
        PERFORM health_score_internal._refresh_metric_cuts(m);
        EXECUTE format('CREATE TEMPORARY TABLE health_score_refresh AS SELECT %s FROM %s.scores',
                       health_score_internal._column_list(columns), schema_name);
        GET DIAGNOSTICS scored = ROW_COUNT;
        -- the accounts roll children up one level: a deeper tree or a
        -- cycle among the rows about to be stored (the parent as built)
        -- is refused here, where the owner stores what every reader sees
        IF 'parent' = ANY (columns) THEN
            PERFORM health_score_internal._require_flat_hierarchy(m, 'pg_temp.health_score_refresh');
        END IF;
    EXCEPTION WHEN data_exception THEN
        -- one customer's value failed every customer's scoring: say which
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        PERFORM health_score_internal._raise_scoring_error(m, code, message, detail, hint);
    END;

    DELETE FROM health_score.reference AS r WHERE r.model = m.name AND r.item IN ('score', 'segment score');
    -- the score item is there even when no customer has a score: its
    -- computed_at is the time of the refresh
    EXECUTE format($q$INSERT INTO health_score.reference (model, item, dist, computed_at)
SELECT $1, i.item, i.dist, now()
  FROM (SELECT health_score.distribution(t.score) AS scores,
               health_score.distribution(t.score, %s) AS segment_scores
          FROM pg_temp.health_score_refresh AS t) AS d,
       LATERAL (VALUES ('score', d.scores), ('segment score', d.segment_scores)) AS i(item, dist)
 WHERE i.dist IS NOT NULL OR i.item = 'score'$q$,
                   health_score_internal._first_segment_sql(m, 't'))
      USING m.name;

    -- Citus merges into no distributed table from a local one
    IF health_score_internal._citus_distribution_column(to_regclass(schema_name || '.stored_scores')) IS NOT NULL THEN
        PERFORM health_score_internal._require_unique_keys(m, 'pg_temp.health_score_refresh');
        PERFORM health_score_internal._citus_write_stored(m, columns);
        DROP TABLE pg_temp.health_score_refresh;
        RETURN;
    END IF;
    BEGIN
        EXECUTE format($q$MERGE INTO %1$s.stored_scores AS s
USING pg_temp.health_score_refresh AS t ON s.%2$I = t.%2$I
 WHEN MATCHED AND ROW(%3$s) IS DISTINCT FROM ROW(%4$s) THEN
      UPDATE SET (%5$s) = ROW(%4$s)
 WHEN NOT MATCHED THEN
      INSERT VALUES (%6$s)$q$,
                       schema_name, m.key,
                       health_score_internal._column_list(values_columns, 's'),
                       health_score_internal._column_list(values_columns, 't'),
                       health_score_internal._column_list(values_columns),
                       health_score_internal._column_list(columns, 't'));
    EXCEPTION WHEN unique_violation OR not_null_violation OR cardinality_violation THEN
        -- a key scored twice, or none: say which
        PERFORM health_score_internal._require_unique_keys(m, 'pg_temp.health_score_refresh');
        RAISE;
    END;
    -- Every key scored is stored now: when there are as many stored rows
    -- as scored ones, no customer is gone and no key was scored twice.
    EXECUTE format('SELECT count(*) FROM %s.stored_scores', schema_name) INTO stored;
    IF stored <> scored THEN
        PERFORM health_score_internal._require_unique_keys(m, 'pg_temp.health_score_refresh');
        EXECUTE format($q$DELETE FROM %1$s.stored_scores AS s
 WHERE NOT EXISTS (SELECT FROM pg_temp.health_score_refresh AS t WHERE t.%2$I = s.%2$I)$q$,
                       schema_name, m.key);
    END IF;
    DROP TABLE pg_temp.health_score_refresh;
END;
$$;

COMMENT ON FUNCTION health_score_internal._refresh_stored(health_score.model) IS
  'Internal: scores every customer once and brings a model''s reference and stored_scores up to date, rewriting only the rows that changed.';

-- Negative revenue is counted as it is (a credit lowers a band's
-- revenue): say so at build, from the stored scores it has just filled,
-- since a sign error in the expression looks the same.
CREATE OR REPLACE FUNCTION health_score_internal._warn_revenue(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    negative bigint;
    example text;
BEGIN
    IF m.revenue IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT count(*), min((s.%1$I)::text) FROM %2$I.stored_scores AS s WHERE s.revenue < 0',
                   m.key, m.target_schema)
       INTO negative, example;
    IF negative > 0 THEN
        RAISE WARNING 'model "%": revenue % is negative for % customers, as for % = %', m.name,
                      quote_literal(m.revenue), negative, m.key, quote_literal(example)
              USING DETAIL = 'Negative revenue is counted as it is: it lowers the revenue of its band and account.',
                    HINT = 'If these are credits, leave them; otherwise correct the revenue with set_revenue(), as in greatest(expression, 0).';
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._warn_revenue(health_score.model) IS
  'Internal: a warning when a model''s revenue is negative for some customer.';

CREATE OR REPLACE FUNCTION health_score.build(model text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(build.model);
    schema_name text := quote_ident(m.target_schema);
    grants text[];
    replaced boolean;
    statement text;
    relation text;
BEGIN
    PERFORM health_score_internal._require_source(m);
    PERFORM health_score_internal._check_labels(m.name, m.red_below, m.green_from, m.grade_cutoffs,
                                                m.grade_letters, m.min_coverage);
    IF to_regnamespace(schema_name) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SCHEMA %s', schema_name);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'model "%" cannot create its schema %: permission denied for database %',
                            m.name, schema_name, quote_ident(current_database())
                  USING ERRCODE = '42501',
                        HINT = format('Ask for CREATE on the database (GRANT CREATE ON DATABASE %s TO %s), or have the schema made for you (CREATE SCHEMA %s AUTHORIZATION %s): build() then builds into it.',
                                      quote_ident(current_database()), quote_ident(current_user), schema_name,
                                      quote_ident(current_user));
        END;
        UPDATE health_score.model AS hm SET owns_schema = true WHERE hm.name = m.name;
    ELSIF NOT has_schema_privilege(m.target_schema, 'CREATE') THEN
        RAISE EXCEPTION 'model "%" cannot create its views in schema %: permission denied', m.name, schema_name
              USING ERRCODE = '42501',
                    HINT = format('Ask for GRANT CREATE ON SCHEMA %s TO %s, or give the model a schema of its own (target_schema of create_model) that build() creates.',
                                  schema_name, quote_ident(current_user));
    ELSIF m.built_version IS NULL THEN
        -- the first build into a schema that exists: never take over
        -- relations someone else put there
        FOREACH relation IN ARRAY health_score_internal._account_views() || health_score_internal._built_views()
                                  || '{history,snapshots,override_log}'::text[] LOOP
            IF to_regclass(format('%s.%I', schema_name, relation)) IS NOT NULL THEN
                RAISE EXCEPTION 'relation %.% already exists', schema_name, relation
                      USING ERRCODE = '42P07',
                            HINT = 'build() creates scores, red, yellow, green, segment_summary, trend, dropped, scores_mv, stored_scores, overrides, accounts, account_trend, account_dropped, history, snapshots and override_log: give the model a target_schema of its own.';
            END IF;
        END LOOP;
    END IF;

    -- privileges others hold on the views survive their re-creation
    -- what the views are made of, read by refresh, snapshot and explain
    -- until the next build (extra_float_digits = 1: every float8 exactly)
    UPDATE health_score.model AS hm
       SET built_metrics = coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.position)
                                       FROM health_score.metric AS x WHERE x.model = m.name), '[]')
     WHERE hm.name = m.name
    RETURNING hm.* INTO m;

    grants := ARRAY(SELECT g FROM unnest(health_score_internal._built_views()) AS v,
                         health_score_internal._grants_of(to_regclass(format('%s.%I', schema_name, v))) AS g);

    PERFORM health_score_internal._create_history(m);
    PERFORM health_score_internal._create_override_log(m);
    replaced := health_score_internal._create_views(m, true);
    IF NOT replaced THEN
        -- stored_scores is _create_stored's to replace: it makes the
        -- user's indexes on it again
        FOREACH relation IN ARRAY health_score_internal._account_views()
                                  || array_remove(health_score_internal._built_views(), 'stored_scores') LOOP
            PERFORM health_score_internal._drop_built(m.target_schema, relation, 'replace');
        END LOOP;
        PERFORM health_score_internal._create_views(m, false);
    END IF;
    DELETE FROM health_score.reference AS r
     WHERE r.model = m.name AND r.item LIKE 'metric %'
       AND r.item NOT IN (SELECT 'metric ' || hm.name FROM health_score.metric AS hm
                           WHERE hm.model = m.name AND hm.method = 'percentile');
    PERFORM health_score_internal._create_stored(m);
    PERFORM health_score_internal._refresh_stored(m);
    PERFORM health_score_internal._warn_metric_data(m, NULL, false);
    PERFORM health_score_internal._warn_revenue(m);

    PERFORM health_score_internal._comment_views(m);
    FOREACH statement IN ARRAY grants LOOP
        EXECUTE statement;
    END LOOP;
    PERFORM health_score_internal._mirror_grants(m);
    UPDATE health_score.model AS hm SET built_version = hm.version, built_at = now()
     WHERE hm.name = m.name;
    RETURN m.target_schema;
END;
$$;

COMMENT ON FUNCTION health_score.build(text) IS
  'Creates or rebuilds the views of a model in its schema, in one transaction: scores, red, yellow, green, segment_summary, trend, dropped (security_invoker views), the stored_scores table under row-level security and the scores_mv view over it; then refreshes them. Keeps view names, column order and privileges; never drops a user''s object. Returns the schema.';

CREATE OR REPLACE FUNCTION health_score.refresh(model text, concurrently boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model(refresh.model);
BEGIN
    PERFORM health_score_internal._require_owner(m);
    PERFORM health_score_internal._require_views(m);
    -- the model stays as built until the refresh commits
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.name = m.name FOR SHARE;
    PERFORM health_score_internal._refresh_stored(m);
    PERFORM health_score_internal._mirror_grants(m);
END;
$$;

COMMENT ON FUNCTION health_score.refresh(text, boolean) IS
  'Scores every customer of the model once, as the caller sees them, and brings its stored_scores (read through scores_mv) and the distributions its percentiles and ranks are read against (health_score.reference) up to date: only the rows whose values changed are rewritten, and readers never wait. concurrently is accepted for compatibility with 1.3 and changes nothing: every refresh lets readers read.';

CREATE OR REPLACE FUNCTION health_score_internal._refresh_job_name(model text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'health_score refresh ' || model $$;

COMMENT ON FUNCTION health_score_internal._refresh_job_name(text) IS
  'Internal: the pg_cron job name of a model''s scheduled refresh.';

-- pg_cron's functions live in the database named by cron.database_name;
-- health_score calls them by dynamic SQL so it does not depend on them.
CREATE OR REPLACE FUNCTION health_score_internal._require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
              USING ERRCODE = '55000',
                    HINT = 'Install postgresql-15-cron, add pg_cron to shared_preload_libraries, set cron.database_name to this database and run CREATE EXTENSION pg_cron.';
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_pg_cron() IS
  'Internal: an error naming pg_cron when it is not installed in this database.';

CREATE OR REPLACE FUNCTION health_score.schedule_refresh(model text, cron text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(schedule_refresh.model);
    job bigint;
BEGIN
    PERFORM health_score_internal._require_pg_cron();
    IF cron IS NULL THEN
        RAISE EXCEPTION 'cron must not be NULL' USING ERRCODE = '22004';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
       INTO job
      USING health_score_internal._refresh_job_name(m.name), cron,
            format('SELECT health_score.refresh(%L)', m.name);
    RETURN job;
END;
$$;

COMMENT ON FUNCTION health_score.schedule_refresh(text, text) IS
  'Schedules health_score.refresh(model) with pg_cron on a cron schedule (''0 * * * *'': hourly), as the calling user; scheduling again replaces the schedule. Returns the pg_cron job id.';

CREATE OR REPLACE FUNCTION health_score.unschedule_refresh(model text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM health_score_internal._require_pg_cron();
    EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username = current_user'
       INTO job USING health_score_internal._refresh_job_name(model);
    IF job IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING job;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION health_score.unschedule_refresh(text) IS
  'Removes the pg_cron schedule of the model''s refresh; false when there was none.';

-- Every pg_cron job refreshing a model, whoever scheduled it: pg_cron
-- lets a user remove only their own jobs, so the others are reported.
CREATE OR REPLACE FUNCTION health_score_internal._unschedule_all(model text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job record;
BEGIN
    FOR job IN EXECUTE 'SELECT jobid, username FROM cron.job WHERE jobname = $1'
                 USING health_score_internal._refresh_job_name(model)
    LOOP
        BEGIN
            EXECUTE 'SELECT cron.unschedule($1)' USING job.jobid;
        EXCEPTION WHEN insufficient_privilege OR raise_exception THEN
            RAISE WARNING 'pg_cron job % of role % still refreshes model "%"', job.jobid, job.username, model
                  USING HINT = 'That role, or a superuser, can remove it with SELECT cron.unschedule(jobid).';
        END;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION health_score_internal._unschedule_all(text) IS
  'Internal: removes the pg_cron jobs that refresh a model, warning about those it may not remove.';

CREATE OR REPLACE FUNCTION health_score.drop_model(model text, drop_history boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_for_update(drop_model.model);
    history regclass := health_score_internal._relation_in(m.target_schema, 'history');
    override_log regclass := health_score_internal._relation_in(m.target_schema, 'override_log');
    relation text;
    has_history boolean := false;
    has_overrides boolean := false;
BEGIN
    IF history IS NOT NULL THEN
        PERFORM health_score_internal._citus_sequential(history);
        -- SELECT 1: Citus fails on a subquery of no columns over a
        -- distributed table (citusdata/citus#5094)
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', history) INTO has_history;
    END IF;
    IF has_history AND NOT drop_model.drop_history THEN
        RAISE EXCEPTION 'model "%" has snapshots in %', m.name, history
              USING ERRCODE = '2BP01',
                    HINT = format('Copy them elsewhere if you need them, then run SELECT health_score.drop_model(%L, drop_history => true).', m.name);
    END IF;
    IF override_log IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', override_log) INTO has_overrides;
    END IF;
    -- an audit trail goes only when asked for, as the history does
    IF has_overrides AND NOT drop_model.drop_history THEN
        RAISE EXCEPTION 'model "%" has overrides logged in %', m.name, override_log
              USING ERRCODE = '2BP01',
                    HINT = format('Copy the log elsewhere if you need it, then run SELECT health_score.drop_model(%L, drop_history => true).', m.name);
    END IF;
    FOREACH relation IN ARRAY health_score_internal._account_views() || health_score_internal._built_views()
                              || '{history,snapshots,override_log}'::text[] LOOP
        PERFORM health_score_internal._drop_built(m.target_schema, relation, 'drop');
    END LOOP;
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM health_score_internal._unschedule_all(m.name);
    END IF;
    IF m.owns_schema AND to_regnamespace(quote_ident(m.target_schema)) IS NOT NULL THEN
        BEGIN
            EXECUTE format('DROP SCHEMA %I', m.target_schema);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'schema "%" kept: it holds objects health_score did not create', m.target_schema;
        END;
    END IF;
    DELETE FROM health_score.model AS hm WHERE hm.name = m.name;
END;
$$;

COMMENT ON FUNCTION health_score.drop_model(text, boolean) IS
  'Drops a model, its views, its history, its override log and its scheduled refresh; refuses, changing nothing, while other objects depend on the views, or while the history holds snapshots or the log overrides, unless drop_history. Never drops a user''s object.';

-- The SQL type of the key in the views and the history: the source's
-- own when it is a plain integer, numeric or text type, else text.
CREATE OR REPLACE FUNCTION health_score_internal._key_type_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN t IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                           'numeric'::regtype, 'text'::regtype, 'character varying'::regtype)
                THEN format_type(t, NULL) ELSE 'text' END
      FROM health_score_internal._column_type(m.source, m.key) AS t
$$;

COMMENT ON FUNCTION health_score_internal._key_type_sql(health_score.model) IS
  'Internal: the type a model''s key has in its views and history.';
