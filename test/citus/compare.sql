-- test/citus/compare.sql: the comparison test/citus/run.sh makes between
-- a query's result over the distributed tables (hs_citus_test.d_NAME) and
-- over their local copies (hs_citus_test.l_NAME), both stored on the
-- coordinator.  Plain tables and functions of the coordinator alone.
SET citus.enable_ddl_propagation = off;
CREATE SCHEMA hs_citus_test;

-- Two rows as jsonb, equal when every column is: exactly (jsonb equality,
-- so float8 values to the last bit: to_jsonb writes their shortest exact
-- text), or for the columns in tolerant to 1e-9 of the larger magnitude,
-- and to 1e-9 absolutely below 1: a sum's rounding error is relative to
-- the terms summed, so a slope that should be 0 comes out as 3e-16 one way
-- and 1e-16 the other.
CREATE FUNCTION hs_citus_test.rows_equal(a jsonb, b jsonb, tolerant text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT coalesce(bool_and(coalesce(
           CASE WHEN x.key = ANY (tolerant)
                     AND jsonb_typeof(x.value) = 'number' AND jsonb_typeof(y.value) = 'number'
                THEN abs(x.value::numeric - y.value::numeric)
                     <= 1e-9 * greatest(abs(x.value::numeric), abs(y.value::numeric), 1)
                ELSE x.value = y.value
           END, false)), true)
  FROM jsonb_each(a) AS x FULL JOIN jsonb_each(b) AS y USING (key)
$$;

-- One report line: 'ok NAME: …' or 'FAIL NAME: …'.  Rows are matched on
-- the first column, which must be unique.
CREATE FUNCTION hs_citus_test.compare(name text, tolerant text[])
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    d regclass := format('hs_citus_test.%I', 'd_' || name)::regclass;
    l regclass := format('hs_citus_test.%I', 'l_' || name)::regclass;
    columns_d text;
    columns_l text;
    key text;
    bad text;
    rows_d bigint;
    keys_d bigint;
    rows_l bigint;
    only_l bigint;
    only_d bigint;
    differ bigint;
    example text;
BEGIN
    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
      INTO columns_d FROM pg_attribute WHERE attrelid = d AND attnum > 0 AND NOT attisdropped;
    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
      INTO columns_l FROM pg_attribute WHERE attrelid = l AND attnum > 0 AND NOT attisdropped;
    IF columns_d IS DISTINCT FROM columns_l THEN
        RETURN format('FAIL %s: the columns differ: distributed (%s), local (%s)', name, columns_d, columns_l);
    END IF;
    SELECT attname INTO key FROM pg_attribute WHERE attrelid = d AND attnum = 1;
    -- a tolerance is for float8 columns alone, and a misspelt one would
    -- silently compare nothing
    SELECT string_agg(t, ', ') INTO bad
    FROM unnest(tolerant) AS t
    WHERE NOT EXISTS (SELECT FROM pg_attribute
                      WHERE attrelid = d AND attname = t AND atttypid = 'float8'::regtype);
    IF bad IS NOT NULL THEN
        RETURN format('FAIL %s: tolerance for %s, which is not a float8 column of the result', name, bad);
    END IF;

    EXECUTE format('SELECT count(*), count(DISTINCT %I) FROM %s', key, d) INTO rows_d, keys_d;
    EXECUTE format('SELECT count(*) FROM %s', l) INTO rows_l;
    IF keys_d <> rows_d THEN
        RETURN format('FAIL %s: its first column %s is not unique (%s rows, %s keys)', name, key, rows_d, keys_d);
    END IF;

    EXECUTE format($q$
        SELECT count(*) FILTER (WHERE a.k IS NULL),
               count(*) FILTER (WHERE b.k IS NULL),
               count(*) FILTER (WHERE a.k = b.k AND NOT hs_citus_test.rows_equal(a.j, b.j, $1)),
               min(CASE WHEN a.k IS NULL OR b.k IS NULL OR NOT hs_citus_test.rows_equal(a.j, b.j, $1)
                        THEN format('%%s = %%s: distributed %%s, local %%s',
                                    %1$L, coalesce(a.k, b.k), coalesce(a.j::text, 'no row'),
                                    coalesce(b.j::text, 'no row'))
                   END)
        FROM (SELECT t.%1$I::text AS k, to_jsonb(t) AS j FROM %2$s AS t) AS a
        FULL JOIN (SELECT t.%1$I::text AS k, to_jsonb(t) AS j FROM %3$s AS t) AS b ON a.k = b.k$q$,
        key, d, l)
    USING tolerant
    INTO only_l, only_d, differ, example;

    IF only_l + only_d + differ > 0 OR rows_d = 0 THEN
        RETURN format('FAIL %s: %s rows distributed, %s local; %s only local, %s only distributed, %s differ; %s',
                      name, rows_d, rows_l, only_l, only_d, differ, coalesce(example, 'no rows'));
    END IF;
    RETURN format('ok %s: %s %s equal%s', name, rows_d, CASE WHEN rows_d = 1 THEN 'row' ELSE 'rows' END,
                  CASE WHEN cardinality(tolerant) > 0
                       THEN format(' (%s to 1e-9, the rest exactly)', array_to_string(tolerant, ', '))
                       ELSE ' exactly' END);
END;
$$;
