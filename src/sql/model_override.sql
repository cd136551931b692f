/*
 * Overrides: a customer's score of a metric set by hand, with an audit
 * trail (tests sql/model_overrides.sql, test/t/dump_restore.sh).
 *
 * Each model has an append-only table, <schema>.override_log, which
 * build() creates once and nothing but drop_model(..., drop_history)
 * drops: one row per override() and clear_override(), who, when, the
 * metric's score before and after, why and until when.  What is in force
 * is derived from it, never stored twice: the latest row of each
 * customer and metric, when it sets a score that has not expired, and the
 * metric is overridable in the model as built.  The overrides view shows
 * those; the scores view reads its metric scores from it.
 *
 * Who may override is who may INSERT into the log: the model's owner,
 * and the roles the owner grants it to.  A direct INSERT is checked and
 * completed by the same code as override() (a trigger), so that the log
 * holds only what override() would have written.  Readers see the rows
 * of the customers the source shows them, as in every copy of customer
 * rows a model keeps.
 *
 * The current definition of each object, run by CREATE EXTENSION and again
 * by every update script: CREATE OR REPLACE only.
 */

-- The overridable metrics of a model as built: what the overrides view
-- lists and the views apply.
CREATE OR REPLACE FUNCTION health_score_internal._overridable_metrics(m health_score.model)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(x.name ORDER BY x.position), '{}')
      FROM health_score_internal._built_metrics(m) AS x
     WHERE x.overridable
$$;

COMMENT ON FUNCTION health_score_internal._overridable_metrics(health_score.model) IS
  'Internal: the names of a model''s overridable metrics, as its views were last built.';

-- Create the override log of a model, once, like the history: build()
-- calls it; only drop_model(..., drop_history) drops it.
CREATE OR REPLACE FUNCTION health_score_internal._create_override_log(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    schema_name text := quote_ident(m.target_schema);
    comments text[] := ARRAY[
        'log_id', 'The entry''s number, given by the log (override_log_log_id_seq), whatever an INSERT said.',
        'logged_at', 'When the entry was written: the latest entry of a customer''s metric is the one in force (log_id breaks a tie).',
        'logged_by', 'The role that made it.',
        m.key, format('Customer key: %s of %s.', m.key, m.source),
        'metric', 'The metric overridden or cleared.',
        'action', 'set: override() set the score; clear: clear_override() removed the override.',
        'old_score', 'The metric''s score before: the override then in force, or else the score computed from the data.',
        'new_score', 'The metric''s score after: the override set, or, for a clear, the score computed from the data.',
        'reason', 'Why: required for set.',
        'expires_on', 'The day the override stops applying (it applies before that day); NULL until cleared.'];
BEGIN
    IF to_regclass(schema_name || '.override_log') IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format($q$CREATE TABLE %1$s.override_log (
    log_id     bigint PRIMARY KEY,
    logged_at  timestamptz NOT NULL DEFAULT now(),
    logged_by  text NOT NULL DEFAULT current_user,
    %2$I       %3$s NOT NULL,
    metric     text NOT NULL,
    action     text NOT NULL CHECK (action IN ('set', 'clear')),
    old_score  float8,
    new_score  float8 CHECK (new_score BETWEEN 0 AND 100),
    reason     text,
    expires_on date,
    CHECK (action = 'clear' OR (new_score IS NOT NULL AND reason ~ '[^[:space:]]'))
)$q$,
                   schema_name, m.key, health_score_internal._key_type_sql(m));
    -- The trigger numbers every entry, whatever an INSERT said: a number
    -- someone chose could take one the log has yet to give.  Whoever may
    -- insert may draw a number (nothing else: a number drawn and not used
    -- is a gap).
    EXECUTE format('CREATE SEQUENCE %1$s.override_log_log_id_seq OWNED BY %1$s.override_log.log_id', schema_name);
    EXECUTE format('REVOKE ALL ON SEQUENCE %1$s.override_log_log_id_seq FROM PUBLIC', schema_name);
    EXECUTE format('GRANT USAGE ON SEQUENCE %1$s.override_log_log_id_seq TO PUBLIC', schema_name);
    EXECUTE format('CREATE INDEX override_log_customer ON %s.override_log (%I, metric, logged_at, log_id)',
                   schema_name, m.key);
    -- the checks and the author: override()'s, for a direct INSERT too
    EXECUTE format('CREATE TRIGGER override_log_insert BEFORE INSERT ON %s.override_log FOR EACH ROW EXECUTE FUNCTION health_score_internal._override_log_insert()',
                   schema_name);
    -- an audit trail: no entry changes or goes, whoever writes
    EXECUTE format('CREATE TRIGGER override_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON %s.override_log FOR EACH STATEMENT EXECUTE FUNCTION health_score_internal._override_log_append_only()',
                   schema_name);
    -- a copy of customer rows: a reader sees the customers the source
    -- shows them, and writes none other
    EXECUTE format('ALTER TABLE %s.override_log ENABLE ROW LEVEL SECURITY', schema_name);
    EXECUTE health_score_internal._visible_in_source_sql(m, 'override_log');
    EXECUTE format('CREATE POLICY overrides_visible_in_source ON %1$I.override_log FOR INSERT WITH CHECK (EXISTS (SELECT FROM %2$s AS src WHERE (src.%3$I)::%4$s = override_log.%3$I))',
                   m.target_schema, m.source, m.key, health_score_internal._key_type_sql(m));
    EXECUTE format('REVOKE ALL ON %s.override_log FROM PUBLIC', schema_name);
    EXECUTE format('COMMENT ON TABLE %s.override_log IS %L', schema_name,
                   format('Every override and clear of model %s''s metric scores, oldest first: health_score.override() and clear_override() write it, and so may an INSERT, checked the same way. Append-only. Who may INSERT may override: the model''s owner, and the roles it grants INSERT to. Row-level security shows a reader the customers %s shows them.',
                          m.name, m.source));
    PERFORM health_score_internal._comment_columns(schema_name || '.override_log', comments);
END;
$$;

COMMENT ON FUNCTION health_score_internal._create_override_log(health_score.model) IS
  'Internal: creates a model''s override_log table if it does not exist.';

-- The SQL of the overrides view: the latest entry of each customer and
-- metric of the log, when it sets a score not yet expired, of a metric
-- overridable as built, written since the metric was added.  A filter on
-- the key reaches the log's index through DISTINCT ON, whose columns it
-- names.
CREATE OR REPLACE FUNCTION health_score_internal._overrides_sql(m health_score.model)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format($q$SELECT l.%2$I, l.metric, l.new_score AS score, l.reason, l.logged_by AS set_by,
       l.logged_at AS set_at, l.expires_on, l.log_id
  FROM (SELECT DISTINCT ON (e.%2$I, e.metric) e.*
          FROM %1$I.override_log AS e
          JOIN (VALUES %3$s) AS x(metric, added_at)
            ON x.metric = e.metric AND e.logged_at >= x.added_at
         ORDER BY e.%2$I, e.metric, e.logged_at DESC, e.log_id DESC) AS l
 WHERE l.action = 'set' AND (l.expires_on IS NULL OR l.expires_on > current_date)$q$,
                  m.target_schema, m.key,
                  -- a metric dropped and added again starts with no override
                  coalesce((SELECT string_agg(format('(%L, %L::timestamptz)', x.name, x.added_at), ', ' ORDER BY x.position)
                              FROM health_score_internal._built_metrics(m) AS x WHERE x.overridable),
                           '(NULL::text, NULL::timestamptz)'))
$$;

COMMENT ON FUNCTION health_score_internal._overrides_sql(health_score.model) IS
  'Internal: the SQL of a model''s overrides view.';

CREATE OR REPLACE FUNCTION health_score_internal._comment_overrides(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    overridable text[] := health_score_internal._overridable_metrics(m);
    comments text[] := ARRAY[
        m.key, format('Customer key: %s of %s.', m.key, m.source),
        'metric', 'The metric overridden.',
        'score', 'The score 0-100 set by hand, which the customer''s <metric>_score shows.',
        'reason', 'Why it was set.',
        'set_by', 'The role that set it.',
        'set_at', 'When it was set.',
        'expires_on', 'The day it stops applying; NULL until cleared.',
        'log_id', 'Its entry in override_log.'];
BEGIN
    EXECUTE format('COMMENT ON VIEW %I.overrides IS %L', m.target_schema,
                   format('The overrides of model %s in force: the latest entry of override_log of each customer and metric, when it set a score that has not expired (today is before expires_on) of a metric overridable as built (%s). Row-level security shows a reader the customers %s shows them.',
                          m.name, coalesce(nullif(array_to_string(overridable, ', '), ''), 'none'), m.source));
    PERFORM health_score_internal._comment_columns(format('%I.overrides', m.target_schema), comments);
END;
$$;

COMMENT ON FUNCTION health_score_internal._comment_overrides(health_score.model) IS
  'Internal: comments a model''s overrides view and its columns.';

-- The join that brings a scored row its overrides, or '' when no metric
-- given is overridable: ov.scores, one element per metric given, in
-- their order (the override in force, or NULL), as _model_row_overridden
-- takes them, and ov.overridden, how many there are.  Grouped by key, so
-- a full read hashes the overrides once.  A customer without overrides
-- has no row there: NULLs.
CREATE OR REPLACE FUNCTION health_score_internal._override_join_sql(m health_score.model,
                                                                  metrics health_score.metric[])
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN bool_or(u.overridable) THEN
           format(E'\n          LEFT JOIN (SELECT o.%2$I, ARRAY[%3$s]::float8[] AS scores, count(*)::integer AS overridden\n                       FROM %1$I.overrides AS o GROUP BY o.%2$I) AS ov ON ov.%2$I = (src.%2$I)::%4$s',
                  m.target_schema, m.key,
                  string_agg(CASE WHEN u.overridable
                                  THEN format('max(o.score) FILTER (WHERE o.metric = %L)', u.name)
                                  ELSE 'NULL' END,
                             ', ' ORDER BY u.ordinality),
                  health_score_internal._key_type_sql(m))
           ELSE '' END
      FROM unnest(metrics) WITH ORDINALITY AS u
$$;

COMMENT ON FUNCTION health_score_internal._override_join_sql(health_score.model, health_score.metric[]) IS
  'Internal: the LEFT JOIN of a model''s scored rows to their overrides in force (ov.scores, one per metric, and ov.overridden), or '''' without overridable metrics.';

-- The score a metric has from the data alone for one customer, one
-- decimal as the views show it, read as the caller: no row when the
-- source shows them no such customer.
CREATE OR REPLACE FUNCTION health_score_internal._data_score(m health_score.model, x health_score.metric,
                                                           key text, OUT visible boolean, OUT score float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rows_found bigint;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    BEGIN
        EXECUTE format('SELECT count(*), max(round((%s)::numeric, 1)::float8) FROM %s AS src WHERE src.%I = $1::%s',
                       health_score_internal._metric_score_sql(m, x, health_score_internal._metric_current_value_sql(m, x)),
                       m.source, m.key, format_type(health_score_internal._column_type(m.source, m.key), NULL))
           INTO rows_found, score USING key;
    EXCEPTION
        WHEN data_exception THEN
            -- the customer's value fails: say which metric, as a read would
            GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                    detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
            PERFORM health_score_internal._raise_scoring_error(m, code, message, detail, hint, key);
        WHEN undefined_column OR undefined_function OR undefined_table OR datatype_mismatch THEN
            -- the source changed under the model: say what it lost
            PERFORM health_score_internal._require_source_matches(m);
            RAISE;
    END;
    IF rows_found > 1 THEN
        PERFORM health_score_internal._require_unique_keys(m, m.source::text);
    END IF;
    visible := rows_found = 1;
END;
$$;

COMMENT ON FUNCTION health_score_internal._data_score(health_score.model, health_score.metric, text) IS
  'Internal: whether the caller sees a customer in a model''s source, and that customer''s score of a metric from the data (one decimal).';

-- Check a change of the log and give the scores it records: what
-- override(), clear_override() and a direct INSERT all go through.
-- Every argument error names the argument, the metric and the customer.
-- old_score is the score the metric had (the override in force, or the
-- data's); new_score the one it has after (the override, or the data's
-- for a clear).  in_force says whether an override was in force: a clear
-- without one changes nothing.  Changes of a model's overrides take
-- turns, so that each reads the one before.
CREATE OR REPLACE FUNCTION health_score_internal._override_change(m health_score.model, key text, metric text,
                                                                action text, score float8, reason text,
                                                                expires_on date,
                                                                OUT old_score float8, OUT new_score float8,
                                                                OUT in_force boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x health_score.metric;
    customer record;
    overridable text[] := health_score_internal._overridable_metrics(m);
    current_override float8;
BEGIN
    -- the override in force is read after the model's lock is held; a
    -- snapshot taken before it would miss one another session just wrote
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'overrides of model "%" are changed in READ COMMITTED transactions only, not %', m.name,
                        upper(current_setting('transaction_isolation'))
              USING ERRCODE = '25000',
                    HINT = 'Run it in a transaction of its own, or SET TRANSACTION ISOLATION LEVEL READ COMMITTED: a snapshot taken before another session''s change would log the wrong score before.';
    END IF;
    IF action IS DISTINCT FROM 'set' AND action IS DISTINCT FROM 'clear' THEN
        RAISE EXCEPTION 'action must be set or clear, not %', coalesce(quote_literal(action), 'NULL')
              USING ERRCODE = '22023',
                    HINT = 'An entry of override_log either sets a score (action ''set'', as override() writes) or clears one (''clear'', as clear_override() writes).';
    ELSIF metric IS NULL OR key IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN metric IS NULL THEN 'metric' ELSE 'key' END
              USING ERRCODE = '22004';
    END IF;
    SELECT * INTO x FROM health_score_internal._built_metrics(m) AS hm WHERE hm.name = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no metric "%"', m.name, metric
              USING ERRCODE = '42704',
                    HINT = CASE WHEN EXISTS (SELECT FROM health_score.metric AS hm WHERE hm.model = m.name AND hm.name = metric)
                                THEN format('It was added since the model was built: run SELECT health_score.build(%L) first.', m.name)
                                WHEN cardinality(overridable) > 0
                                THEN format('The overridable metrics of model "%s" are %s.', m.name, array_to_string(overridable, ', '))
                                ELSE format('Model "%s" has no overridable metric: add_metric(..., overridable => true) makes one.', m.name) END;
    ELSIF NOT x.overridable THEN
        RAISE EXCEPTION 'metric "%" of model "%" is not overridable', metric, m.name
              USING ERRCODE = '55000',
                    HINT = CASE WHEN EXISTS (SELECT FROM health_score.metric AS hm
                                              WHERE hm.model = m.name AND hm.name = metric AND hm.overridable)
                                THEN format('It was made overridable since the model was built: run SELECT health_score.build(%L) first.', m.name)
                                ELSE format('Its owner makes it so with health_score.add_metric(%L, %L, ..., replace => true, overridable => true), then build.',
                                            m.name, metric) END;
    END IF;
    IF action = 'set' THEN
        IF score IS NULL OR reason IS NULL THEN
            RAISE EXCEPTION 'override of metric "%" for customer %: % must not be NULL', metric, quote_literal(key),
                            CASE WHEN score IS NULL THEN 'score' ELSE 'reason' END
                  USING ERRCODE = '22004',
                        HINT = CASE WHEN score IS NULL
                                    THEN 'Give the score, 0-100; health_score.clear_override() removes an override.'
                                    ELSE 'Say why: the override log keeps the reason with the score.' END;
        ELSIF NOT score BETWEEN 0 AND 100 OR score = 'NaN' THEN
            RAISE EXCEPTION 'override of metric "%" for customer %: score must be between 0 and 100, not %',
                            metric, quote_literal(key), score
                  USING ERRCODE = '22003';
        ELSIF reason ~ '^[[:space:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*$' THEN
            RAISE EXCEPTION 'override of metric "%" for customer %: reason must not be empty', metric, quote_literal(key)
                  USING ERRCODE = '22023',
                        HINT = 'Say why: the override log keeps the reason with the score.';
        END IF;
    END IF;
    PERFORM health_score_internal._require_key_form(m, key);
    customer := health_score_internal._data_score(m, x, key);
    IF NOT customer.visible THEN
        -- the same words whether the customer is missing or hidden from
        -- the caller, so that an error tells nothing of rows they cannot see
        RAISE EXCEPTION 'model "%" has no customer %', m.name, quote_literal(key)
              USING ERRCODE = '42704',
                    HINT = format('A customer is one row of %s that you can read; row-level security may hide some.', m.source);
    END IF;

    -- One lock per model, not per customer: an INSERT of thousands of
    -- entries in one transaction would fill the lock table with those.
    -- Overrides are made by hand, one at a time: they wait little.
    PERFORM pg_advisory_xact_lock(hashtext('health_score.override'), hashtext(m.name));
    EXECUTE format('SELECT o.score FROM %I.overrides AS o WHERE o.%I = $1::%s AND o.metric = $2',
                   m.target_schema, m.key, health_score_internal._key_type_sql(m))
       INTO current_override USING key, metric;
    in_force := current_override IS NOT NULL;
    old_score := coalesce(current_override, customer.score);
    IF action = 'set' THEN
        new_score := score + 0;     -- never -0
        IF expires_on <= current_date THEN
            RAISE WARNING 'override of metric "%" for customer % does not apply: its expires_on is not after today',
                          metric, quote_literal(key)
                  USING DETAIL = format('Its expires_on is %s, today %s (in TimeZone %s); an override applies before the day it expires on. It is logged all the same.',
                                        CASE WHEN isfinite(expires_on) THEN to_char(expires_on, 'YYYY-MM-DD') ELSE expires_on::text END,
                                        to_char(current_date, 'YYYY-MM-DD'), current_setting('TimeZone')),
                        HINT = 'Override again with a later expires_on, or none, to have it apply.';
        END IF;
    ELSE
        new_score := customer.score;
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._override_change(health_score.model, text, text, text, float8, text, date) IS
  'Internal: checks an override or clear of one customer''s metric score and returns its old and new score and whether an override was in force.';

-- Who may override: who may INSERT into the log.  An error of its own,
-- before the row-level security or permission error of the INSERT,
-- saying who grants it.
CREATE OR REPLACE FUNCTION health_score_internal._require_override_privilege(m health_score.model)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- USAGE on the schema is one of the privileges checked
    override_log regclass := health_score_internal._relation_in(m.target_schema, 'override_log');
BEGIN
    PERFORM health_score_internal._require_built(m, NULL);
    IF override_log IS NULL OR health_score_internal._relation_in(m.target_schema, 'overrides') IS NULL THEN
        RAISE EXCEPTION 'model "%" has no %.override_log or %.overrides', m.name, quote_ident(m.target_schema),
                        quote_ident(m.target_schema)
              USING ERRCODE = '55000',
                    DETAIL = 'It was built by an earlier version of health_score.',
                    HINT = format('Run SELECT health_score.build(%L), which makes it.', m.name);
    END IF;
    -- the overrides view is read as the caller, to find the override in
    -- force; refresh grants it to the writers of the log, but a grant
    -- made since has not had one
    IF NOT (has_schema_privilege(m.target_schema, 'USAGE') AND has_table_privilege(override_log, 'INSERT')
            AND has_table_privilege(override_log, 'SELECT')
            AND has_table_privilege(format('%I.overrides', m.target_schema), 'SELECT')) THEN
        RAISE EXCEPTION 'permission denied to override scores of model "%"', m.name
              USING ERRCODE = '42501',
                    DETAIL = format('Overriding needs USAGE on schema %1$I, INSERT and SELECT on %1$I.override_log and SELECT on %1$I.overrides.',
                                    m.target_schema),
                    HINT = format('The model''s owner, %1$s, grants them: GRANT USAGE ON SCHEMA %2$I TO %3$s; GRANT SELECT, INSERT ON %2$I.override_log TO %3$s; GRANT SELECT ON %2$I.overrides TO %3$s;',
                                  quote_ident(m.owner), m.target_schema, quote_ident(current_user));
    END IF;
END;
$$;

COMMENT ON FUNCTION health_score_internal._require_override_privilege(health_score.model) IS
  'Internal: an error unless the caller may write a model''s override log.';

-- The model whose override_log a trigger fires on.
CREATE OR REPLACE FUNCTION health_score_internal._model_of_schema(schema_name text)
RETURNS health_score.model
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
BEGIN
    SELECT * INTO m FROM health_score.model AS hm WHERE hm.target_schema = schema_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'schema "%" belongs to no health_score model', schema_name
              USING ERRCODE = '55000';
    END IF;
    RETURN m;
END;
$$;

COMMENT ON FUNCTION health_score_internal._model_of_schema(text) IS
  'Internal: the model whose views a schema holds.';

-- BEFORE INSERT on override_log: the entry as override() would write
-- it, whoever inserts it.  The author and time are the inserter's and
-- now, and the scores before and after are computed, whatever the row
-- said.
CREATE OR REPLACE FUNCTION health_score_internal._override_log_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model := health_score_internal._model_of_schema(TG_TABLE_SCHEMA);
    key text := to_jsonb(NEW) ->> m.key;
    change record;
BEGIN
    change := health_score_internal._override_change(m, key, NEW.metric, NEW.action, NEW.new_score,
                                                     NEW.reason, NEW.expires_on);

    IF NEW.action = 'clear' AND NOT change.in_force THEN
        RAISE EXCEPTION 'metric "%" of customer % has no override in force to clear', NEW.metric, quote_literal(key)
              USING ERRCODE = '55000';
    END IF;
    -- What is in force is the entry written last: the time it was written,
    -- taken once _override_change holds the model's lock, so that of
    -- two changes the one that waited is the later; the number breaks a
    -- tie between entries of one statement.
    NEW.logged_at := clock_timestamp();
    NEW.log_id := nextval(format('%I.override_log_log_id_seq', TG_TABLE_SCHEMA)::regclass);
    NEW.logged_by := current_user;  -- text: the views' plain types
    NEW.old_score := change.old_score;
    NEW.new_score := change.new_score;
    IF NEW.action = 'clear' THEN
        NEW.expires_on := NULL;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION health_score_internal._override_log_insert() IS
  'Internal: trigger that checks and completes an entry of a model''s override_log: its number, author, time and scores are its own, whatever the INSERT said.';

CREATE OR REPLACE FUNCTION health_score_internal._override_log_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '%.override_log is append-only: % is not allowed', quote_ident(TG_TABLE_SCHEMA), TG_OP
          USING ERRCODE = '55000',
                HINT = 'An override ends with health_score.clear_override() or its expires_on; the log keeps every change.';
END;
$$;

COMMENT ON FUNCTION health_score_internal._override_log_append_only() IS
  'Internal: trigger that refuses UPDATE, DELETE and TRUNCATE of a model''s override_log.';

-- Write one entry through the trigger, which checks it again: the checks
-- ran first here so that their errors come from the function called,
-- not from inside an INSERT.
CREATE OR REPLACE FUNCTION health_score_internal._log_override(m health_score.model, key text, metric text,
                                                             action text, score float8, reason text,
                                                             expires_on date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    log_id bigint;
BEGIN
    EXECUTE format('INSERT INTO %1$I.override_log (%2$I, metric, action, new_score, reason, expires_on) VALUES ($1::%3$s, $2, $3, $4, $5, $6) RETURNING log_id',
                   m.target_schema, m.key, health_score_internal._key_type_sql(m))
       INTO log_id USING key, metric, action, score, reason, expires_on;
    RETURN log_id;
END;
$$;

COMMENT ON FUNCTION health_score_internal._log_override(health_score.model, text, text, text, float8, text, date) IS
  'Internal: inserts one entry into a model''s override_log and returns its log_id.';

-- What override() and clear_override() do: check the change, write it,
-- return its log_id (NULL for a clear with nothing in force, which writes
-- nothing).  An error is raised again here, as it came, so that its
-- CONTEXT is this line and the caller's, not the SQL of the helpers it
-- came through; the callers take the result by assignment, which shows
-- no SQL either.
CREATE OR REPLACE FUNCTION health_score_internal._override_entry(model_name text, key text, metric text,
                                                               action text, score float8, reason text,
                                                               expires_on date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m health_score.model;
    change record;
    code text;
    message text;
    detail text;
    hint text;
BEGIN
    m := health_score_internal._model(model_name);
    PERFORM health_score_internal._require_override_privilege(m);
    IF action = 'clear' THEN
        -- a clear with nothing in force logs nothing
        change := health_score_internal._override_change(m, key, metric, action, score, reason, expires_on);
        IF NOT change.in_force THEN
            RETURN NULL;
        END IF;
    ELSE
        -- the log's trigger checks the entry, once; the INSERT casts the
        -- key before the trigger runs, so its form is checked here
        PERFORM health_score_internal._require_key_form(m, key);
    END IF;
    RETURN health_score_internal._log_override(m, key, metric, action, score, reason, expires_on);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    -- RAISE takes no NULL option, and an empty one prints an empty line
    IF detail = '' AND hint = '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    ELSIF hint = '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
    ELSIF detail = '' THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, HINT = hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail, HINT = hint;
END;
$$;

COMMENT ON FUNCTION health_score_internal._override_entry(text, text, text, text, float8, text, date) IS
  'Internal: checks and logs an override (action set) or a clear of one customer''s metric score; returns the log_id, NULL for a clear with none in force.';

CREATE OR REPLACE FUNCTION health_score.override(model text, key text, metric text, score float8, reason text,
                                               expires_on date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN health_score_internal._override_entry(override.model, override.key, override.metric, 'set',
                                                 override.score, override.reason, override.expires_on);
END;
$$;

COMMENT ON FUNCTION health_score.override(text, text, text, float8, text, date) IS
  'Sets one customer''s score (0-100) of an overridable metric by hand, with a reason, until expires_on (it applies before that day) or until cleared; replaces an override in force. The scores view, the band views, explain and the next refresh and snapshot use it. Logged in the model''s override_log with the caller, the time and the score before. Needs INSERT and SELECT on override_log (the model''s owner has them and grants them); a customer the source hides from the caller cannot be overridden. Returns the log_id.';

CREATE OR REPLACE FUNCTION health_score.clear_override(model text, key text, metric text, reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN health_score_internal._override_entry(clear_override.model, clear_override.key, clear_override.metric,
                                                 'clear', NULL, clear_override.reason, NULL) IS NOT NULL;
END;
$$;

COMMENT ON FUNCTION health_score.clear_override(text, text, text, text) IS
  'Removes the override in force of one customer''s metric score, logging the clear (with an optional reason) in the model''s override_log: the score computed from the data applies again. Returns false, logging nothing, when no override was in force. The same privileges as override().';
