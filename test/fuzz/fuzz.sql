-- test/fuzz/fuzz.sql: run by test/t/fuzz.sh in its own database, with
-- psql variables seed (-1..1) and rows (rows of the set-wise batches);
-- fuzz.sh then runs fz_run(n), the one-at-a-time calls, in two sessions.
--
-- Calls every public C-backed function and aggregate of health_score with
-- seeded generated arguments.  Two kinds of calls:
--   * one at a time: each call's SQL is built with format() and run by
--     fz_call() in its own subtransaction (BEGIN ... EXCEPTION), any
--     argument mix, recording the SQLSTATE or checking the result's range;
--   * set-wise: one statement per batch over generated rows whose
--     arguments are valid or NULL, counting results in and out of range.
-- Every outcome lands in fz_count(fn, state, n); anything suspicious (an
-- XX000, a result out of range, a batch that raised) also in fz_bad.

SET client_min_messages = warning;
SET search_path = public;
SELECT setseed(:seed);

CREATE TABLE fz_count (fn text, state text, n bigint);
CREATE TABLE fz_bad (fn text, state text, message text, sql text);

-- A float8 argument: the special values often, ordinary ones otherwise.
CREATE FUNCTION fz_f() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r float8 := random();
BEGIN
	IF r < 0.45 THEN
		RETURN (ARRAY['NULL::float8', '''NaN''::float8', '''Infinity''::float8', '''-Infinity''::float8',
		              '1e308::float8', '-1e308::float8', '4.9e-324::float8', '-4.9e-324::float8',
		              '0::float8', '''-0''::float8', '100::float8', '1::float8', '-1::float8',
		              '101::float8', '1e-300::float8', '2.2250738585072014e-308::float8'])[1 + floor(random() * 16)::int];
	ELSIF r < 0.85 THEN
		RETURN round((random() * 110 - 5)::numeric, 2)::text || '::float8';
	ELSE
		RETURN (((random() - 0.5) * 10 ^ floor(random() * 12))::float8)::text || '::float8';
	END IF;
END $$;

-- A float8[] argument of about n elements (n < 0: a random length).
CREATE FUNCTION fz_arr(n int DEFAULT -1) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r float8 := random(); parts text[] := '{}';
BEGIN
	IF r < 0.04 THEN RETURN 'NULL::float8[]';
	ELSIF r < 0.08 THEN RETURN '''{}''::float8[]';
	ELSIF r < 0.11 THEN RETURN '''{{1,2},{3,4}}''::float8[]';
	ELSIF r < 0.13 THEN RETURN '''{{{50}}}''::float8[]';
	ELSIF r < 0.15 THEN RETURN '''[0:2]={10,20,30}''::float8[]';
	ELSIF r < 0.19 THEN RETURN '''{NULL,NULL}''::float8[]';
	END IF;
	IF n < 0 OR random() < 0.1 THEN n := floor(random() * 7)::int; END IF;
	FOR i IN 1 .. n LOOP parts := parts || fz_f(); END LOOP;
	IF n = 0 THEN RETURN 'ARRAY[]::float8[]'; END IF;
	RETURN 'ARRAY[' || array_to_string(parts, ',') || ']::float8[]';
END $$;

-- A sorted, strictly monotone float8[] (thresholds, cutoffs), sometimes not.
CREATE FUNCTION fz_sorted(n int, descending bool) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a float8[];
BEGIN
	IF random() < 0.3 THEN RETURN fz_arr(n); END IF;
	SELECT array_agg(v ORDER BY CASE WHEN descending THEN -v ELSE v END) INTO a
	  FROM (SELECT DISTINCT round((random() * 100)::numeric, 1)::float8 AS v FROM generate_series(1, n)) s;
	RETURN quote_literal(coalesce(a, '{}')::text) || '::float8[]';
END $$;

-- A text[] argument of n elements drawn from choices (and NULL, junk).
CREATE FUNCTION fz_texts(n int, choices text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE parts text[] := '{}'; r float8 := random();
BEGIN
	IF r < 0.04 THEN RETURN 'NULL::text[]';
	ELSIF r < 0.07 THEN RETURN '''{}''::text[]';
	ELSIF r < 0.09 THEN RETURN '''{{a,b},{c,d}}''::text[]';
	END IF;
	IF random() < 0.1 THEN n := floor(random() * 7)::int; END IF;
	FOR i IN 1 .. n LOOP
		parts := parts || CASE WHEN random() < 0.05 THEN 'NULL'
		                       WHEN random() < 0.05 THEN quote_literal(md5(random()::text))
		                       ELSE quote_literal(choices[1 + floor(random() * cardinality(choices))::int]) END;
	END LOOP;
	IF n = 0 THEN RETURN 'ARRAY[]::text[]'; END IF;
	RETURN 'ARRAY[' || array_to_string(parts, ',') || ']::text[]';
END $$;

-- An integer rating argument.
CREATE FUNCTION fz_i() RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN random() < 0.1 THEN 'NULL::int'
            WHEN random() < 0.1 THEN (ARRAY['-2147483648','2147483647','-1','0','101','3','2'])[1 + floor(random() * 7)::int]
            ELSE floor(random() * 12)::int::text END
$$;

-- Random text for distribution_in: mostly well formed, sometimes mangled.
CREATE FUNCTION fz_dist_text() RETURNS text LANGUAGE plpgsql AS $$
DECLARE n int := floor(random() * 6)::int; s text; segs text[] := '{}'; vals text[]; v float8; r float8 := random();
	tokens text[] := ARRAY['{', '}', ',', '*', ':', '"', 'NULL', 'NaN', 'Infinity', '-Infinity', '-0', '1e308',
	                       '4.9e-324', '0', '1', '2', '*0', '*-1', '*9223372036854775807', ' ', E'\\', 'null', '""', '1e400', '.5', '5.', 'x'];
BEGIN
	IF r < 0.25 THEN  -- token soup
		s := '';
		FOR i IN 1 .. floor(random() * 14)::int LOOP s := s || tokens[1 + floor(random() * cardinality(tokens))::int]; END LOOP;
		RETURN s;
	ELSIF r < 0.3 THEN  -- raw bytes
		RETURN translate(encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'escape'), E'\\', '{');
	END IF;
	FOR g IN 0 .. CASE WHEN r < 0.65 THEN 0 ELSE floor(random() * 4)::int END LOOP
		vals := '{}'; v := -50 + random() * 10;
		FOR i IN 1 .. n LOOP
			v := v + CASE WHEN random() < 0.05 THEN -1 ELSE random() * 30 END;  -- sometimes unsorted
			vals := vals || (CASE WHEN random() < 0.03 THEN 'Infinity' WHEN random() < 0.03 THEN 'NaN' ELSE round(v::numeric, 2)::text END
			                 || CASE WHEN random() < 0.3 THEN '*' || (floor(random() * 5)::int)::text ELSE '' END);
		END LOOP;
		IF r < 0.65 THEN RETURN '{' || array_to_string(vals, ',') || '}'; END IF;
		segs := segs || (CASE WHEN random() < 0.2 THEN 'NULL' ELSE '"' || (ARRAY['basic','pro','a"b','',E'\u00e9'])[1 + floor(random() * 5)::int] || '"' END
		                 || ':{' || array_to_string(vals, ',') || '}');
	END LOOP;
	RETURN '{' || array_to_string(segs, ',') || '}';
END $$;

-- A distribution argument: a cast of generated text (may raise 22P02).
CREATE FUNCTION fz_dist() RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN random() < 0.05 THEN 'NULL::health_score.distribution'
            ELSE quote_literal(fz_dist_text()) || '::health_score.distribution' END
$$;

CREATE FUNCTION fz_seg() RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN random() < 0.15 THEN 'NULL::text'
            ELSE quote_literal((ARRAY['basic','pro','a"b','',E'\u00e9','nope'])[1 + floor(random() * 6)::int]) END
$$;

-- Rows for an aggregate: VALUES of n rows with the given column makers.
CREATE FUNCTION fz_rows(n int, cols text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE rows text[] := '{}'; row text[];
BEGIN
	IF n = 0 THEN RETURN NULL; END IF;
	FOR i IN 1 .. n LOOP
		row := '{}';
		FOR c IN 1 .. cardinality(cols) LOOP
			row := row || CASE cols[c]
				WHEN 'f' THEN fz_f()
				WHEN 'i' THEN fz_i()
				WHEN 'b' THEN (ARRAY['true', 'false', 'NULL::bool'])[1 + floor(random() * 3)::int]
				WHEN 'ts' THEN (ARRAY['NULL::timestamptz', '''infinity''::timestamptz', '''-infinity''::timestamptz',
				                      quote_literal(timestamptz '2026-01-01' + random() * interval '100 days') || '::timestamptz',
				                      quote_literal(timestamptz '2026-01-01' + floor(random() * 5) * interval '1 day') || '::timestamptz',
				                      '''4713-01-01 BC''::timestamptz', '''294276-12-31''::timestamptz'])[1 + floor(random() * 7)::int]
				WHEN 'd' THEN (ARRAY['NULL::date', '''infinity''::date', '''-infinity''::date',
				                     quote_literal(date '2026-01-01' + floor(random() * 100)::int) || '::date',
				                     quote_literal(date '2026-01-01' + floor(random() * 4)::int) || '::date',
				                     '''4713-01-01 BC''::date', '''5874897-12-31''::date'])[1 + floor(random() * 7)::int]
				WHEN 'a' THEN fz_arr(2)
				WHEN 't' THEN fz_seg()
				ELSE cols[c] END;  -- a fixed expression, the same for every row
		END LOOP;
		rows := rows || ('(' || array_to_string(row, ',') || ')');
	END LOOP;
	RETURN 'VALUES ' || array_to_string(rows, ',');
END $$;

-- From: the rows, or an empty set.
CREATE FUNCTION fz_from(n int, cols text[], names text) RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN n = 0 THEN format('(SELECT %s LIMIT 0) AS v(%s)',
                                   (SELECT string_agg(CASE c WHEN 'f' THEN 'NULL::float8' WHEN 'i' THEN 'NULL::int'
                                                             WHEN 'b' THEN 'NULL::bool' WHEN 'ts' THEN 'NULL::timestamptz'
                                                             WHEN 'd' THEN 'NULL::date' WHEN 'a' THEN 'NULL::float8[]'
                                                             WHEN 't' THEN 'NULL::text' ELSE c END, ',')
                                      FROM unnest(cols) c), names)
            ELSE format('(%s) AS v(%s)', fz_rows(n, cols), names) END
$$;

-- Range checks of results, as SQL over the column r.
CREATE FUNCTION fz_check(fn text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
	WHEN fn IN ('scale', 'scale_log', 'scale_steps', 'weighted_score', 'scorecard', 'csat', 'csat2') THEN 'r BETWEEN 0 AND 100'
	WHEN fn = 'coverage' THEN 'r BETWEEN 0 AND 1'
	WHEN fn = 'band' THEN 'r IN (''red'', ''yellow'', ''green'')'
	WHEN fn = 'nps' THEN 'r BETWEEN -100 AND 100'
	WHEN fn = 'ces' THEN 'r BETWEEN 1 AND 7'
	WHEN fn IN ('auc', 'auc_final') THEN 'r BETWEEN 0 AND 1'
	WHEN fn IN ('percentile_rank', 'percentile_rank_seg', 'percentile_rank_by_cuts') THEN 'r BETWEEN 1 AND 100'
	WHEN fn IN ('descending_rank', 'descending_rank_seg') THEN 'r >= 1'
	WHEN fn = 'round_score' THEN 'r::text = (round(x::numeric, 1)::float8)::text'
	WHEN fn IN ('percentile_cuts', 'percentile_cuts_seg') THEN
		'array_ndims(r) = 1 AND cardinality(r) = 99 AND r = (SELECT array_agg(e ORDER BY e) FROM unnest(r) e)'
	WHEN fn = 'percentile_counts' THEN 'array_ndims(r) = 1 AND 100 % cardinality(r) = 0 AND 0 <= ALL(r)'
	WHEN fn IN ('distribution_count', 'distribution_count_seg') THEN 'r >= 0'
	WHEN fn IN ('band_counts', 'band_counts3') THEN '(r).red >= 0 AND (r).yellow >= 0 AND (r).green >= 0 AND (r).unscored >= 0'
	WHEN fn IN ('trend_ts', 'trend_date') THEN
		'(r).n >= 1 AND (r).min_score <= (r).max_score AND (r).first_score BETWEEN (r).min_score AND (r).max_score'
		' AND (r).last_score BETWEEN (r).min_score AND (r).max_score AND (r).first_at <= (r).last_at'
		' AND ((r).previous_score IS NULL OR (r).delta = (r).last_score - (r).previous_score)'
		' AND ((r).slope_per_day IS NULL OR abs((r).slope_per_day) < ''Infinity'')'  -- regr_slope raises rather than give NaN or Infinity
	WHEN fn LIKE 'sparkline%' THEN 'r ~ ''^[▁▂▃▄▅▆▇█ ]*$'''
	WHEN fn = 'logistic_fit' THEN 'array_ndims(r) = 1 AND NOT ''NaN'' = ANY(r) AND NOT ''Infinity'' = ANY(r) AND NOT ''-Infinity'' = ANY(r)'
	WHEN fn IN ('distribution', 'distribution_seg', 'distribution_in', 'distribution_accum', 'distribution_accum_seg',
	            'distribution_combine', 'distribution_final', 'auc_accum') THEN 'r::text::health_score.distribution::text = r::text'
	ELSE 'true' END
$$;

-- One call in its own subtransaction; sql yields the result as column r,
-- extra is a further check (NULL: none).
CREATE FUNCTION fz_call(fn text, sql text, extra text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; ok bool; is_null bool; msg text;
BEGIN
	BEGIN
		EXECUTE format('SELECT r IS NULL, %s %s FROM (%s) AS q(r)', fz_check(fn), coalesce('AND ' || extra, ''), sql)
		   INTO is_null, ok;
		st := CASE WHEN is_null THEN 'null' WHEN ok THEN 'ok' ELSE 'RANGE' END;
		IF st = 'RANGE' THEN
			EXECUTE format('SELECT r::text FROM (%s) AS q(r)', sql) INTO msg;
			INSERT INTO fz_bad VALUES (fn, st, msg, sql);
		END IF;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		-- XX000 and crash-class states are the extension's; 42601/42883/42804 the
		-- generator's, except scorecard's non-numeric (42804) or absent (42883) metrics
		IF st = 'XX000' OR st LIKE '58%' OR st = '42601' OR st IN ('42883', '42804') AND fn <> 'scorecard' THEN
			INSERT INTO fz_bad VALUES (fn, st, msg, sql);
		END IF;
	END;
	RETURN st;
END $$;

-- n one-at-a-time calls, cycling through the functions.
CREATE FUNCTION fz_run(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	fns text[] := ARRAY['scale', 'scale_log', 'scale_steps', 'weighted_score', 'weighted_score2', 'coverage', 'scorecard',
	                    'band', 'grade', 'nps', 'csat', 'csat2', 'ces', 'band_counts', 'band_counts3',
	                    'distribution', 'distribution_seg', 'distribution_in', 'percentile_rank', 'percentile_rank_seg',
	                    'quantile', 'quantile_seg', 'quantiles', 'quantiles_seg', 'distribution_count',
	                    'distribution_count_seg', 'segments', 'trend_ts', 'trend_date', 'sparkline',
	                    'sparkline_ts', 'sparkline_date', 'auc', 'logistic_fit',
	                    'distribution_accum', 'distribution_accum_seg', 'distribution_combine', 'distribution_final',
	                    'auc_accum', 'auc_final', 'percentile_cuts', 'percentile_cuts_seg', 'percentile_rank_by_cuts',
	                    'percentile_counts', 'descending_rank', 'descending_rank_seg', 'round_score'];
	keys text[] := '{}'; fn text; sql text; extra text; k int; a text; b text; d text; m int;
BEGIN
	FOR i IN 0 .. n - 1 LOOP
		fn := fns[1 + i % cardinality(fns)];
		extra := NULL;
		k := floor(random() * 5)::int;
		m := CASE WHEN random() < 0.1 THEN 0 ELSE 1 + floor(random() * 8)::int END;
		sql := CASE fn
			WHEN 'scale' THEN format('SELECT health_score.scale(%s, %s, %s)', fz_f(), fz_f(), fz_f())
			WHEN 'scale_log' THEN format('SELECT health_score.scale_log(%s, %s, %s)', fz_f(), fz_f(), fz_f())
			WHEN 'scale_steps' THEN format('SELECT health_score.scale_steps(%s, %s, %s)', fz_f(), fz_sorted(k, false), fz_arr(k + 1))
			WHEN 'weighted_score' THEN format('SELECT health_score.weighted_score(%s, %s, %s)', fz_arr(k), fz_arr(k), fz_f())
			WHEN 'weighted_score2' THEN format('SELECT health_score.weighted_score(%s, %s)', fz_arr(k), fz_arr(k))
			WHEN 'coverage' THEN format('SELECT health_score.coverage(%s, %s)', fz_arr(k), fz_arr(k))
			WHEN 'scorecard' THEN format('SELECT health_score.scorecard(%s, %s, %s, %s, %s%s)',
				fz_texts(k, ARRAY['linear', 'log', 'score']), fz_arr(k), fz_arr(k), fz_arr(k), fz_f(),
				(SELECT coalesce(string_agg(', ' || CASE WHEN random() < 0.1 THEN (ARRAY['''x''::text', 'NULL::int', '5::numeric',
				        '''NaN''::numeric', '3::smallint', '7::bigint', '2.5::real', 'true', '''1e308''::numeric * 10'])[1 + floor(random() * 9)::int]
				        ELSE fz_f() END, ''), '')
				   FROM generate_series(1, CASE WHEN random() < 0.1 THEN floor(random() * 7)::int ELSE k END)))
			WHEN 'band' THEN CASE WHEN random() < 0.3 THEN format('SELECT health_score.band(%s)', fz_f())
			                      ELSE format('SELECT health_score.band(%s, %s, %s)', fz_f(), fz_f(), fz_f()) END
			WHEN 'grade' THEN CASE WHEN random() < 0.3 THEN format('SELECT health_score.grade(%s)', fz_f())
			                       ELSE format('SELECT health_score.grade(%s, %s, %s)', fz_f(), fz_sorted(k, true),
			                                   fz_texts(k + 1, ARRAY['A', 'B', 'C', 'D', 'F', ''])) END
			WHEN 'nps' THEN format('SELECT health_score.nps(x) FROM %s', fz_from(m, '{i}', 'x'))
			WHEN 'csat' THEN format('SELECT health_score.csat(x) FROM %s', fz_from(m, '{i}', 'x'))
			WHEN 'csat2' THEN format('SELECT health_score.csat(x, y) FROM %s', fz_from(m, ARRAY['i', CASE WHEN random() < 0.8 THEN fz_i() ELSE 'i' END], 'x, y'))
			WHEN 'ces' THEN format('SELECT health_score.ces(x) FROM %s', fz_from(m, '{i}', 'x'))
			WHEN 'band_counts' THEN format('SELECT health_score.band_counts(x) FROM %s', fz_from(m, '{f}', 'x'))
			WHEN 'band_counts3' THEN format('SELECT health_score.band_counts(x, y, z) FROM %s',
				fz_from(m, CASE WHEN random() < 0.7 THEN ARRAY['f', fz_f(), fz_f()] ELSE '{f,f,f}' END, 'x, y, z'))
			WHEN 'distribution' THEN format('SELECT health_score.distribution(x) FROM %s', fz_from(m, '{f}', 'x'))
			WHEN 'distribution_seg' THEN format('SELECT health_score.distribution(x, s) FROM %s', fz_from(m, '{f,t}', 'x, s'))
			WHEN 'distribution_in' THEN format('SELECT %s', fz_dist())
			WHEN 'percentile_rank' THEN format('SELECT health_score.percentile_rank(%s, %s)', fz_dist(), fz_f())
			WHEN 'percentile_rank_seg' THEN format('SELECT health_score.percentile_rank(%s, %s, %s)', fz_dist(), fz_f(), fz_seg())
			WHEN 'descending_rank' THEN format('SELECT health_score.descending_rank(%s, %s)', fz_dist(), fz_f())
			WHEN 'descending_rank_seg' THEN format('SELECT health_score.descending_rank(%s, %s, %s)', fz_dist(), fz_f(), fz_seg())
			WHEN 'round_score' THEN format('SELECT health_score.round_score(x), x FROM (SELECT %s::float8 AS x) AS v', fz_f())
			WHEN 'percentile_cuts' THEN format('SELECT health_score.percentile_cuts(%s)', fz_dist())
			WHEN 'percentile_cuts_seg' THEN format('SELECT health_score.percentile_cuts(%s, %s)', fz_dist(), fz_seg())
			-- cuts as percentile_cuts makes them half the time, any 99 numbers or any array otherwise
			WHEN 'percentile_rank_by_cuts' THEN format('SELECT health_score.percentile_rank_by_cuts(%s, %s)',
				CASE WHEN random() < 0.5 THEN format('health_score.percentile_cuts(%s)', fz_dist())
				     WHEN random() < 0.5 THEN fz_arr(99) ELSE fz_arr() END, fz_f())
			WHEN 'percentile_counts' THEN format('SELECT health_score.percentile_counts(%s, x, %s) FROM %s',
				CASE WHEN random() < 0.6 THEN format('health_score.percentile_cuts(%s)', fz_dist()) ELSE fz_arr(99) END,
				(ARRAY['10', '4', '100', '1', '3', '0', '-5', '200', 'NULL::int', '2147483647'])[1 + floor(random() * 10)::int],
				fz_from(m, '{f}', 'x'))
			WHEN 'distribution_count' THEN format('SELECT health_score.distribution_count(%s)', fz_dist())
			WHEN 'distribution_count_seg' THEN format('SELECT health_score.distribution_count(%s, %s)', fz_dist(), fz_seg())
			WHEN 'segments' THEN format('SELECT count(*) FROM health_score.segments(%s)', fz_dist())
			WHEN 'trend_ts' THEN format('SELECT health_score.trend(x, y) FROM %s', fz_from(m, '{ts,f}', 'x, y'))
			WHEN 'trend_date' THEN format('SELECT health_score.trend(x, y) FROM %s', fz_from(m, '{d,f}', 'x, y'))
			WHEN 'sparkline' THEN CASE WHEN random() < 0.4 THEN format('SELECT health_score.sparkline(%s)', fz_arr(k + 2))
			                           ELSE format('SELECT health_score.sparkline(%s, %s, %s)', fz_arr(k + 2), fz_f(), fz_f()) END
			WHEN 'sparkline_ts' THEN format('SELECT health_score.sparkline(x, y) FROM %s', fz_from(m, '{ts,f}', 'x, y'))
			WHEN 'sparkline_date' THEN format('SELECT health_score.sparkline(x, y) FROM %s', fz_from(m, '{d,f}', 'x, y'))
			WHEN 'auc' THEN format('SELECT health_score.auc(x, y) FROM %s', fz_from(m, '{f,b}', 'x, y'))
			WHEN 'logistic_fit' THEN format('SELECT health_score.logistic_fit(x, y, z) FROM %s',
				fz_from(m, ARRAY['a', 'b', CASE WHEN random() < 0.8 THEN fz_f() ELSE 'f' END], 'x, y, z'))
			-- the aggregates' support functions take and give distributions
			WHEN 'distribution_accum' THEN format('SELECT health_score.distribution_accum(%s, %s)', fz_dist(), fz_f())
			WHEN 'distribution_accum_seg' THEN format('SELECT health_score.distribution_accum(%s, %s, %s)', fz_dist(), fz_f(), fz_seg())
			WHEN 'distribution_combine' THEN format('SELECT health_score.distribution_combine(%s, %s)', fz_dist(), fz_dist())
			WHEN 'distribution_final' THEN format('SELECT health_score.distribution_final(%s)', fz_dist())
			WHEN 'auc_accum' THEN format('SELECT health_score.auc_accum(%s, %s, %s)', fz_dist(), fz_f(),
				(ARRAY['true', 'false', 'NULL::bool'])[1 + floor(random() * 3)::int])
			-- generated segments are rarely "t" and "f": add one score to each class half the time
			WHEN 'auc_final' THEN CASE WHEN random() < 0.5 THEN format('SELECT health_score.auc_final(%s)', fz_dist())
				ELSE format('SELECT health_score.auc_final(health_score.auc_accum(health_score.auc_accum(%s, %s, true), %s, false))',
				            fz_dist(), fz_f(), fz_f()) END
			ELSE NULL END;
		-- quantiles: the result lies within the distribution's min..max
		IF fn IN ('quantile', 'quantile_seg', 'quantiles', 'quantiles_seg') THEN
			d := fz_dist(); a := fz_seg();
			b := CASE WHEN fn LIKE '%seg' THEN ', ' || a ELSE '' END;
			sql := CASE WHEN fn LIKE 'quantiles%' THEN format('SELECT health_score.quantiles(%s, %s%s)', d, fz_arr(k), b)
			            ELSE format('SELECT health_score.quantile(%s, %s%s)', d, fz_f(), b) END;
			-- NaN only as percentile_cont gives it: between two infinities
			extra := format('(SELECT coalesce(bool_and(e IS NULL OR e BETWEEN health_score.quantile(%1$s, 0%2$s) AND health_score.quantile(%1$s, 1%2$s)
			                   OR e = ''NaN'' AND (health_score.quantile(%1$s, 0%2$s) = ''-Infinity'' OR health_score.quantile(%1$s, 1%2$s) = ''Infinity'')), true) FROM unnest(%3$s) e)',
			                d, b, CASE WHEN fn LIKE 'quantiles%' THEN 'r' ELSE 'ARRAY[r]' END);
		ELSIF fn = 'grade' AND sql LIKE '%text[])' THEN
			extra := CASE WHEN sql LIKE '%NULL::text[])' THEN NULL
			              ELSE format('r = ANY(%s)', substring(sql FROM '(ARRAY\[[^]]*\]::text\[\]|''[^'']*''::text\[\])\)$')) END;
		ELSIF fn = 'grade' THEN
			extra := 'r IN (''A'', ''B'', ''C'', ''D'', ''F'')';
		ELSIF fn = 'sparkline' THEN
			extra := 'length(r) = coalesce(cardinality(' || substring(sql FROM 'sparkline\((.*?::float8\[\])') || '), 0)';
		ELSIF fn = 'logistic_fit' THEN
			extra := 'cardinality(r) >= 2';
		END IF;
		keys := keys || (fn || '|' || fz_call(fn, sql, extra));
	END LOOP;
	INSERT INTO fz_count SELECT split_part(key, '|', 1), split_part(key, '|', 2), count(*) FROM unnest(keys) key GROUP BY 1, 2;
END $$;

-- A set-wise batch: sql yields (r, ok) rows, one per call; counted by
-- state.  A plain SELECT, so that it may run in a parallel plan.
CREATE FUNCTION fz_batch(fn text, sql text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE st text; msg text; n_null bigint; n_ok bigint; n_bad bigint; samples text[];
BEGIN
	EXECUTE format('SELECT count(*) FILTER (WHERE r IS NULL), count(*) FILTER (WHERE r IS NOT NULL AND ok),
	                       count(*) FILTER (WHERE r IS NOT NULL AND ok IS NOT TRUE),
	                       (array_agg(r::text) FILTER (WHERE r IS NOT NULL AND ok IS NOT TRUE))[1:5]
	                  FROM (%s) AS x(r, ok)', sql)
	   INTO n_null, n_ok, n_bad, samples;
	INSERT INTO fz_count SELECT fn, state, n FROM (VALUES ('null', n_null), ('ok', n_ok), ('RANGE', n_bad)) AS c(state, n) WHERE n > 0;
	INSERT INTO fz_bad SELECT fn, 'RANGE', sample, sql FROM unnest(samples) AS sample;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	INSERT INTO fz_count VALUES (fn || ' (batch)', st, 1);
	INSERT INTO fz_bad VALUES (fn || ' (batch)', st, msg, sql);
END $$;

-- Seeded valid values: finite (no infinities), nonneg (no negatives).
CREATE FUNCTION fz_special(finite bool, nonneg bool) RETURNS float8 LANGUAGE sql AS $$
SELECT CASE WHEN random() < 0.5
            THEN CASE WHEN finite AND nonneg THEN ('{1e308,4.9e-324,0,-0,1,100,1e-300,2.2250738585072014e-308}'::float8[])[1 + floor(random() * 8)::int]
                      WHEN finite THEN ('{1e308,-1e308,4.9e-324,-4.9e-324,0,-0,1,100,1e-300,-1}'::float8[])[1 + floor(random() * 10)::int]
                      WHEN nonneg THEN ('{1e308,4.9e-324,0,-0,1,100,Infinity}'::float8[])[1 + floor(random() * 7)::int]
                      ELSE ('{1e308,-1e308,4.9e-324,-4.9e-324,0,-0,1,100,Infinity,-Infinity}'::float8[])[1 + floor(random() * 10)::int] END
            WHEN random() < 0.7 THEN (CASE WHEN nonneg THEN random() * 110 ELSE random() * 120 - 10 END)::float8
            ELSE (CASE WHEN nonneg THEN random() ELSE random() - 0.5 END) * 10 ^ floor(random() * 300) END
$$;

-- A score 0..100 (with -0, denormals) or NULL.
CREATE FUNCTION fz_score() RETURNS float8 LANGUAGE sql AS $$
SELECT CASE WHEN random() < 0.1 THEN NULL
            WHEN random() < 0.3 THEN ('{0,-0,100,4.9e-324,99.99999999999999,50}'::float8[])[1 + floor(random() * 6)::int]
            ELSE round((random() * 100)::numeric, 1)::float8 END
$$;

CREATE TABLE fz_data AS
SELECT g AS id,
       CASE WHEN random() < 0.05 THEN NULL ELSE fz_special(false, false) END AS v,
       CASE WHEN random() < 0.05 THEN NULL ELSE fz_special(false, true) END AS lv,
       fz_special(true, false) AS w, fz_special(true, false) AS b0,
       fz_special(true, true) AS lw, fz_special(true, true) AS lb0,
       fz_score() AS s1, fz_score() AS s2, fz_score() AS s3,
       fz_special(false, false) AS t1, fz_special(false, false) AS t2,
       random() * 10 AS w1, CASE WHEN random() < 0.3 THEN 0 ELSE random() * 1e10 END AS w2,
       ('{0,4.9e-324,1e300}'::float8[])[1 + floor(random() * 3)::int] AS w3,
       CASE WHEN random() < 0.1 THEN NULL ELSE random() END AS frac,
       CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 11)::int END AS rating,
       CASE WHEN random() < 0.1 THEN NULL ELSE (ARRAY['basic', 'pro', 'enterprise', '', 'a"b'])[1 + floor(random() * 5)::int] END AS seg,
       CASE WHEN random() < 0.05 THEN NULL ELSE timestamptz '2026-01-01' + floor(random() * 200) * interval '1 hour' END AS ts,
       CASE WHEN random() < 0.05 THEN NULL ELSE date '2026-01-01' + floor(random() * 30)::int END AS day,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() < 0.3 END AS churned
FROM generate_series(1, :rows) AS g;
UPDATE fz_data SET b0 = NULL WHERE b0 = w;
-- valid log anchors differ on the log scale too, not only as numbers
UPDATE fz_data SET lb0 = NULL WHERE ln(1 + lb0) = ln(1 + lw);
ALTER TABLE fz_data RENAME b0 TO b;
ALTER TABLE fz_data RENAME lb0 TO lb;
VACUUM ANALYZE fz_data;

-- An aggregate batch: as is (slice < 0), or ungrouped over one slice of the rows.
CREATE FUNCTION fz_agg(part int, fn text, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF part >= 0 THEN
		sql := replace(regexp_replace(sql, ' GROUP BY id % \d+', ''), 'FROM fz_data',
		               format('FROM (SELECT * FROM fz_data WHERE id %% 4 = %s) AS fz_data', part));
	END IF;
	PERFORM fz_batch(fn, sql);
END $$;

-- Set-wise batches over fz_data, one call per row (aggregates: per group).
CREATE FUNCTION fz_batches() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM fz_batch('scale', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scale(v, w, b) FROM fz_data) q(r)');
	PERFORM fz_batch('scale', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scale(w, b, v) FROM fz_data WHERE v NOT IN (''Infinity'', ''-Infinity'') AND v <> b) q(r)');
	PERFORM fz_batch('scale_log', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scale_log(lv, lw, lb) FROM fz_data) q(r)');
	PERFORM fz_batch('scale_steps', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scale_steps(v, ''{-1e308,0,20,40,60,80,1e308}'', ''{0,-0,5,25,50,75,100,4.9e-324}'') FROM fz_data) q(r)');
	PERFORM fz_batch('weighted_score', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.weighted_score(ARRAY[s1, s2, s3], ARRAY[w1, w2, w3], coalesce(frac, 0)) FROM fz_data WHERE w1 + w2 + w3 > 0) q(r)');
	PERFORM fz_batch('coverage', 'SELECT r, r BETWEEN 0 AND 1 FROM (SELECT health_score.coverage(ARRAY[s1, s2, s3], ARRAY[w1, w2, w3]) FROM fz_data WHERE w1 + w2 + w3 > 0) q(r)');
	PERFORM fz_batch('scorecard', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scorecard(''{linear,log,score,linear}'', ''{-1e308,0,0,100}'', ''{1e308,1e6,100,0}'', ''{1,2,3,4.9e-324}'', 0.25, v, lv, s1, rating) FROM fz_data) q(r)');
	PERFORM fz_batch('scorecard', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.scorecard(ARRAY[''linear'', ''log''], ARRAY[w, lw], ARRAY[b, lb], ARRAY[w1, w2], 0, v::numeric, round(lv)::real) FROM fz_data WHERE w1 + w2 > 0 AND b IS NOT NULL AND lb IS NOT NULL AND v NOT IN (''Infinity'', ''-Infinity'') AND lv < 1e38) q(r)');
	PERFORM fz_batch('band', 'SELECT r, r IN (''red'', ''yellow'', ''green'') FROM (SELECT health_score.band(s1, least(t1, t2), greatest(t1, t2)) FROM fz_data) q(r)');
	PERFORM fz_batch('band', 'SELECT r, r IN (''red'', ''yellow'', ''green'') FROM (SELECT health_score.band(s2) FROM fz_data) q(r)');
	PERFORM fz_batch('grade', 'SELECT r, r IN (''A'', ''B'', ''C'', ''D'', ''F'') FROM (SELECT health_score.grade(s1) FROM fz_data) q(r)');
	PERFORM fz_batch('grade', 'SELECT r, r IN (''x'', ''y'', ''z'') FROM (SELECT health_score.grade(s2, ARRAY[greatest(t1, t2), least(t1, t2)], ''{x,y,z}'') FROM fz_data WHERE t1 <> t2) q(r)');
	PERFORM fz_batch('sparkline', 'SELECT r, r ~ ''^[▁▂▃▄▅▆▇█ ]{3}$'' FROM (SELECT health_score.sparkline(ARRAY[s1, s2, s3]) FROM fz_data) q(r)');
	PERFORM fz_batch('sparkline', 'SELECT r, r ~ ''^[▁▂▃▄▅▆▇█ ]{4}$'' FROM (SELECT health_score.sparkline(ARRAY[s1, s2, s3, v], least(t1, t2), greatest(t1, t2)) FROM fz_data WHERE t1 <> t2 AND v NOT IN (''Infinity'', ''-Infinity'') AND t1 NOT IN (''Infinity'', ''-Infinity'') AND t2 NOT IN (''Infinity'', ''-Infinity'')) q(r)');
	PERFORM fz_batch('distribution_in', 'SELECT r, r::text::health_score.distribution::text = r::text FROM (SELECT format(''{%s,%s*%s}'', least(v, t1), greatest(v, t1), 1 + coalesce(rating, 0))::health_score.distribution FROM fz_data WHERE v <> t1) q(r)');
	PERFORM fz_batch('distribution_in', 'SELECT r, r::text::health_score.distribution::text = r::text FROM (SELECT format(''{%s:{%s},NULL:{%s}}'', to_json(coalesce(seg, ''x'')), v, t1)::health_score.distribution FROM fz_data WHERE v IS NOT NULL) q(r)');
	PERFORM fz_batch('percentile_rank', 'SELECT r, r BETWEEN 1 AND 100 FROM (SELECT health_score.percentile_rank((SELECT health_score.distribution(v) FROM fz_data), t1) FROM fz_data) q(r)');
	PERFORM fz_batch('percentile_rank_seg', 'SELECT r, r BETWEEN 1 AND 100 FROM (SELECT health_score.percentile_rank((SELECT health_score.distribution(v, seg) FROM fz_data), t1, seg) FROM fz_data) q(r)');
	-- descending_rank is 1 + the values above; round_score is numeric's rounding
	-- (the distribution in a scalar subquery, not joined: the sort would carry a copy in every row)
	PERFORM fz_batch('descending_rank', 'SELECT r, r = w FROM (SELECT health_score.descending_rank((SELECT health_score.distribution(v) FROM fz_data), v), rank() OVER (ORDER BY v DESC) FROM fz_data WHERE v IS NOT NULL) q(r, w)');
	PERFORM fz_batch('round_score', 'SELECT r, r::text = (round(t1::numeric, 1)::float8)::text FROM (SELECT health_score.round_score(t1), t1 FROM fz_data WHERE t1 IS NOT NULL) q(r, t1)');
	-- the rank from the cuts is the rank from the distribution, for every row
	PERFORM fz_batch('percentile_rank_by_cuts', 'WITH d AS (SELECT health_score.distribution(v) d FROM fz_data)
	                             SELECT r, r = health_score.percentile_rank(d, t1) FROM (SELECT health_score.percentile_rank_by_cuts(health_score.percentile_cuts(d), t1), d, t1 FROM fz_data, d) q(r, d, t1)');
	PERFORM fz_batch('percentile_cuts_seg', 'WITH d AS (SELECT health_score.distribution(v, seg) d FROM fz_data)
	                             SELECT r, r IS NULL OR health_score.percentile_rank_by_cuts(r, t1) = health_score.percentile_rank(d, t1, seg) FROM (SELECT health_score.percentile_cuts(d, seg), d, t1, seg FROM fz_data, d) q(r, d, t1, seg)');
	PERFORM fz_batch('quantile', 'WITH d AS (SELECT health_score.distribution(v) d, min(v) lo, max(v) hi FROM fz_data)
	                             SELECT r, r BETWEEN lo AND hi OR r = ''NaN'' AND (lo = ''-Infinity'' OR hi = ''Infinity'') FROM (SELECT health_score.quantile(d, frac), lo, hi FROM fz_data, d) q(r, lo, hi)');
	PERFORM fz_batch('quantile_seg', 'WITH d AS (SELECT health_score.distribution(s1, seg) d FROM fz_data), m AS (SELECT seg, min(s1) lo, max(s1) hi FROM fz_data GROUP BY seg)
	                             SELECT r, r BETWEEN lo AND hi FROM (SELECT health_score.quantile(d, frac, f.seg), lo, hi FROM fz_data f LEFT JOIN m ON f.seg IS NOT DISTINCT FROM m.seg, d) q(r, lo, hi)');
	PERFORM fz_batch('quantiles', 'WITH d AS (SELECT health_score.distribution(s1) d, min(s1) lo, max(s1) hi FROM fz_data)
	                             SELECT r, (SELECT bool_and(e IS NULL OR e BETWEEN lo AND hi) FROM unnest(r) e) FROM (SELECT health_score.quantiles(d, ARRAY[frac, 0, 1, 0.5]), lo, hi FROM fz_data, d) q(r, lo, hi)');
	PERFORM fz_batch('distribution_count', 'SELECT r, r = 1 + coalesce(rating, 0) FROM (SELECT health_score.distribution_count(format(''{%s*%s}'', t1, 1 + coalesce(rating, 0))::health_score.distribution), rating FROM fz_data) q(r, rating)');
	PERFORM fz_batch('distribution_count_seg', 'SELECT r, r >= 0 FROM (SELECT health_score.distribution_count((SELECT health_score.distribution(v, seg) FROM fz_data), seg) FROM fz_data) q(r)');
	-- aggregates: grouped in a serial pass (part -1), then ungrouped over
	-- four slices of the rows in parallel plans (partial aggregates in two
	-- workers, combined, serialized and deserialized)
	FOR part IN -1 .. 3 LOOP
		IF part >= 0 THEN
			SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; SET LOCAL min_parallel_table_scan_size = 0;
			SET LOCAL max_parallel_workers_per_gather = 2; SET LOCAL parallel_leader_participation = off;
		ELSE
			SET LOCAL max_parallel_workers_per_gather = 0;
		END IF;
		PERFORM fz_agg(part, 'nps', 'SELECT r, r BETWEEN -100 AND 100 FROM (SELECT health_score.nps(rating) FROM fz_data GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'nps', 'SELECT r, r BETWEEN -100 AND 100 FROM (SELECT health_score.nps(rating) FROM fz_data) q(r)');
		PERFORM fz_agg(part, 'csat', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.csat(rating) FROM fz_data WHERE rating BETWEEN 1 AND 5 GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'csat2', 'SELECT r, r BETWEEN 0 AND 100 FROM (SELECT health_score.csat(rating, 10) FROM fz_data WHERE rating >= 1 GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'ces', 'SELECT r, r BETWEEN 1 AND 7 FROM (SELECT health_score.ces(rating) FROM fz_data WHERE rating BETWEEN 1 AND 7 GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'band_counts', 'SELECT r, (r).red + (r).yellow + (r).green + (r).unscored = n FROM (SELECT health_score.band_counts(s1), count(*) FROM fz_data GROUP BY id % 997) q(r, n)');
		PERFORM fz_agg(part, 'band_counts3', 'SELECT r, (r).red + (r).yellow + (r).green + (r).unscored = n FROM (SELECT health_score.band_counts(s1, 0, ''Infinity''), count(*) FROM fz_data GROUP BY id % 997) q(r, n)');
		PERFORM fz_agg(part, 'distribution', 'SELECT r, health_score.distribution_count(r) = n FROM (SELECT health_score.distribution(v), count(v) FROM fz_data GROUP BY id % 97) q(r, n)');
		PERFORM fz_agg(part, 'distribution_seg', 'SELECT r, coalesce(health_score.percentile_rank(r, 0, ''pro'') BETWEEN 1 AND 100, true) FROM (SELECT health_score.distribution(v, seg) FROM fz_data GROUP BY id % 97) q(r)');
		PERFORM fz_agg(part, 'percentile_counts', 'SELECT r, (SELECT sum(e) FROM unnest(r) e) = n FROM (SELECT health_score.percentile_counts(c, v, 10), count(v) FROM fz_data, (SELECT health_score.percentile_cuts(health_score.distribution(v)) FROM fz_data) AS cuts(c) GROUP BY id % 97) q(r, n)');
		PERFORM fz_agg(part, 'trend_ts', 'SELECT r, (r).min_score <= (r).max_score AND (r).first_at <= (r).last_at AND abs((r).slope_per_day) < ''Infinity'' FROM (SELECT health_score.trend(ts, s1) FROM fz_data GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'trend_date', 'SELECT r, (r).min_score <= (r).max_score AND (r).first_at <= (r).last_at AND abs((r).slope_per_day) < ''Infinity'' FROM (SELECT health_score.trend(day, s1) FROM fz_data GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'sparkline_ts', 'SELECT r, r ~ ''^[▁▂▃▄▅▆▇█ ]*$'' FROM (SELECT health_score.sparkline(ts, s1) FROM fz_data GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'sparkline_date', 'SELECT r, r ~ ''^[▁▂▃▄▅▆▇█ ]*$'' FROM (SELECT health_score.sparkline(day, s1) FROM fz_data GROUP BY id % 997) q(r)');
		PERFORM fz_agg(part, 'auc', 'SELECT r, r BETWEEN 0 AND 1 FROM (SELECT health_score.auc(v, churned) FROM fz_data GROUP BY id % 97) q(r)');
		PERFORM fz_agg(part, 'logistic_fit', 'SELECT r, cardinality(r) = 3 FROM (SELECT health_score.logistic_fit(ARRAY[s1, s2], churned, 1) FROM fz_data GROUP BY id % 13) q(r)');
	END LOOP;
END $$;

-- A few calls with 1,000,000-element arrays.
CREATE FUNCTION fz_large() RETURNS void LANGUAGE plpgsql AS $$
DECLARE keys text[] := '{}'; big text := '(SELECT array_agg(random() * 100) FROM generate_series(1, 1000000))';
	ones text := 'array_fill(1::float8, ARRAY[1000000])'; asc_ text := '(SELECT array_agg(g::float8) FROM generate_series(1, 1000000) g)';
BEGIN
	keys := keys || ('weighted_score|' || fz_call('weighted_score', format('SELECT health_score.weighted_score(%s, %s)', big, ones)));
	keys := keys || ('weighted_score|' || fz_call('weighted_score', format('SELECT health_score.weighted_score(%s, %s)', big, 'array_fill(1::float8, ARRAY[999999])')));
	keys := keys || ('weighted_score|' || fz_call('weighted_score', format('SELECT health_score.weighted_score(%s, %s)', big, 'array_fill(1e308::float8, ARRAY[1000000])')));
	keys := keys || ('coverage|' || fz_call('coverage', format('SELECT health_score.coverage(array_fill(NULL::float8, ARRAY[1000000]) || 5::float8, %s || 1::float8)', ones)));
	keys := keys || ('scale_steps|' || fz_call('scale_steps', format('SELECT health_score.scale_steps(500000.5, %s, array_fill(50::float8, ARRAY[1000001]))', asc_)));
	keys := keys || ('scale_steps|' || fz_call('scale_steps', format('SELECT health_score.scale_steps(500000.5, %s, %s)', asc_, ones)));
	keys := keys || ('grade|' || fz_call('grade', 'SELECT health_score.grade(50, (SELECT array_agg(-g::float8) FROM generate_series(-100, 999899) g), array_fill(''Z''::text, ARRAY[1000001]))', '''Z'' = r'));
	keys := keys || ('quantiles|' || fz_call('quantiles', 'SELECT health_score.quantiles(''{1,2*3,7}'', (SELECT array_agg(random()) FROM generate_series(1, 1000000)))',
	                                       '(SELECT bool_and(e BETWEEN 1 AND 7) FROM unnest(r) e)'));
	keys := keys || ('sparkline|' || fz_call('sparkline', format('SELECT health_score.sparkline(%s)', big), 'length(r) = 1000000'));
	keys := keys || ('sparkline|' || fz_call('sparkline', format('SELECT health_score.sparkline(%s, 0, 100)', big), 'length(r) = 1000000'));
	keys := keys || ('scorecard|' || fz_call('scorecard', format('SELECT health_score.scorecard(array_fill(''score''::text, ARRAY[1000000]), %s, %s, %s, 0, VARIADIC %s)',
	                                       'array_fill(0::float8, ARRAY[1000000])', 'array_fill(100::float8, ARRAY[1000000])', ones, big)));
	keys := keys || ('logistic_fit|' || fz_call('logistic_fit', format('SELECT health_score.logistic_fit(%s, true, 1)', big)));
	keys := keys || ('distribution_in|' || fz_call('distribution_in', 'SELECT (''{'' || (SELECT string_agg(g::text, '','') FROM generate_series(1, 1000000) g) || ''}'')::health_score.distribution'));
	keys := keys || ('percentile_rank|' || fz_call('percentile_rank', format('SELECT health_score.percentile_rank(''{1,2,3}'', x) FROM unnest(%s) x ORDER BY 1 DESC LIMIT 1', big)));
	keys := keys || ('percentile_rank_by_cuts|' || fz_call('percentile_rank_by_cuts', format('SELECT health_score.percentile_rank_by_cuts(%s, 1)', big)));
	keys := keys || ('percentile_cuts|' || fz_call('percentile_cuts', 'SELECT health_score.percentile_cuts((SELECT health_score.distribution(g) FROM generate_series(1, 1000000) g))',
	                                             'r[1] = 10000 AND r[99] = 990000'));
	INSERT INTO fz_count SELECT split_part(key, '|', 1), split_part(key, '|', 2), count(*) FROM unnest(keys) key GROUP BY 1, 2;
END $$;

SELECT fz_large();
SELECT fz_batches();
