/*-------------------------------------------------------------------------
 *
 * seeds.c
 *	  The seed corpus of the libFuzzer targets, built at run time: each
 *	  aggregate's states come from its own transition and serialize
 *	  functions over a few fixed rows, so the seeds are valid states of the
 *	  code under test, whatever its serialized layout, and nothing binary
 *	  is checked in.  The text seeds are a few literals plus the text
 *	  output of distributions built the same way.
 *
 * A seed file is what the target reads: for a state, layout byte 0 (a
 * 4-byte header, 8-byte aligned) and the bytea's data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>

#include "catalog/pg_type.h"
#include "fuzz.h"
#include "utils/array.h"
#include "utils/builtins.h"

typedef struct SeedWriter
{
	char		dir[MAXPGPATH];
	int			count;
} SeedWriter;

static void
start_target(SeedWriter *writer, const char *base, const char *name)
{
	snprintf(writer->dir, sizeof(writer->dir), "%s/%s", base, name);
	if (mkdir(writer->dir, 0777) != 0 && errno != EEXIST)
		fuzz_fail("cannot create %s: %m", writer->dir);
	writer->count = 0;
}

static void
write_seed(SeedWriter *writer, const char *prefix, size_t prefix_len,
		   const char *data, size_t len)
{
	char		path[MAXPGPATH];
	FILE	   *file;

	snprintf(path, sizeof(path), "%s/seed-%02d", writer->dir, ++writer->count);
	file = fopen(path, "wb");
	if (file == NULL ||
		fwrite(prefix, 1, prefix_len, file) != prefix_len ||
		fwrite(data, 1, len, file) != len ||
		fclose(file) != 0)
		fuzz_fail("cannot write %s: %m", path);
}

static Datum
must_call(PGFunction fn, bool agg, int nargs, const Datum *args, const bool *nulls)
{
	Datum		result;
	bool		isnull;

	if (!fuzz_call(fn, agg, nargs, args, nulls, &result, &isnull))
		fuzz_fail("building a seed: %s", fuzz_error_message);
	return isnull ? (Datum) 0 : result;
}

/* One row through a transition function; state is 0 before the first row. */
static Datum
add_row(PGFunction accum, Datum state, int nargs, Datum a, Datum b, Datum c)
{
	Datum		args[4] = {state, a, b, c};
	bool		nulls[4] = {state == (Datum) 0};

	return must_call(accum, true, nargs, args, nulls);
}

static void
write_state(SeedWriter *writer, PGFunction serialize, Datum state)
{
	bytea	   *serialized = DatumGetByteaPP(must_call(serialize, true, 1, &state, NULL));

	write_seed(writer, "\0", 1, VARDATA_ANY(serialized), VARSIZE_ANY_EXHDR(serialized));
}

/* A float8[] with NULL where nulls says (nulls may be NULL). */
static Datum
float8_array(int n, const float8 *values, const bool *nulls)
{
	bool		hasnull = false;
	Size		overhead;
	Size		nbytes;
	ArrayType  *array;
	float8	   *data;

	for (int i = 0; i < n; i++)
		hasnull |= nulls && nulls[i];
	overhead = hasnull ? ARR_OVERHEAD_WITHNULLS(1, n) : ARR_OVERHEAD_NONULLS(1);
	nbytes = overhead + n * sizeof(float8);
	array = palloc0(nbytes);
	SET_VARSIZE(array, nbytes);
	array->ndim = 1;
	array->dataoffset = hasnull ? overhead : 0;
	array->elemtype = FLOAT8OID;
	ARR_DIMS(array)[0] = n;
	ARR_LBOUND(array)[0] = 1;
	data = (float8 *) ARR_DATA_PTR(array);
	for (int i = 0; i < n; i++)
	{
		if (nulls && nulls[i])
			continue;
		*data++ = values[i];
		if (hasnull)
			ARR_NULLBITMAP(array)[i / 8] |= 1 << (i % 8);
	}
	return PointerGetDatum(array);
}

static void
distribution_seeds(SeedWriter *states, SeedWriter *texts)
{
	static const char *const literals[] = {
		"{1}",
		" { -1.5 , 2 * 3 , 1e-310,7*9223372036854775000 } ",
		"{-Infinity,-0,Infinity}",
		"{\"basic\":{1,2*3},\"pro\":{5},NULL:{7}}",
		"{\"\":{0},\"a\\\"b\\\\\":{1},null :{2}}",
	};
	static const char *const segments[] = {"basic", "pro", "", "a\"b\\"};
	Datum		plain = 0;
	Datum		segmented = 0;
	Datum		auc = 0;
	Datum		single = 0;

	for (int i = 0; i < lengthof(literals); i++)
		write_seed(texts, literals[i], strlen(literals[i]), "", 0);

	for (int i = 0; i < 60; i++)
	{
		float8		value = (i % 7) * 1.5 - 3;
		Datum		segment = PointerGetDatum(cstring_to_text_with_len(segments[i % 4],
																		   strlen(segments[i % 4])));

		plain = add_row(hs_distribution_accum, plain, 2, Float8GetDatum(value), 0, 0);
		if (i % 5 == 0)
			segmented = must_call(hs_distribution_accum_segment, true, 3,
								  (Datum[]) {segmented, Float8GetDatum(value), 0},
								  (bool[]) {segmented == 0, false, true});
		else
			segmented = add_row(hs_distribution_accum_segment, segmented, 3,
								Float8GetDatum(value), segment, 0);
		auc = add_row(hs_auc_accum, auc, 3, Float8GetDatum(i % 10),
					  BoolGetDatum(i % 3 == 0), 0);
	}
	plain = add_row(hs_distribution_accum, plain, 2, Float8GetDatum(-INFINITY), 0, 0);
	plain = add_row(hs_distribution_accum, plain, 2, Float8GetDatum(1e-310), 0, 0);
	single = add_row(hs_distribution_accum, single, 2, Float8GetDatum(42), 0, 0);

	write_state(states, hs_distribution_serialize, plain);
	write_state(states, hs_distribution_serialize, segmented);
	write_state(states, hs_distribution_serialize, auc);
	write_state(states, hs_distribution_serialize, single);
	for (int i = 0; i < 2; i++)
	{
		Datum		final = must_call(hs_distribution_final, true, 1,
									  i == 0 ? &plain : &segmented, NULL);
		char	   *text = DatumGetCString(must_call(hs_distribution_out, false, 1,
													 &final, NULL));

		write_seed(texts, text, strlen(text), "", 0);
	}
}

static void
tally_seeds(SeedWriter *writer)
{
	Datum		nps = 0;
	Datum		csat = 0;
	Datum		csat7 = 0;
	Datum		ces = 0;

	for (int i = 0; i < 30; i++)
	{
		nps = add_row(hs_nps_accum, nps, 2, Int32GetDatum(i % 11), 0, 0);
		csat = add_row(hs_csat_accum, csat, 2, Int32GetDatum(i % 5 + 1), 0, 0);
		csat7 = add_row(hs_csat_accum, csat7, 3, Int32GetDatum(i % 7 + 1), Int32GetDatum(7), 0);
		ces = add_row(hs_ces_accum, ces, 2, Int32GetDatum(i % 7 + 1), 0, 0);
	}
	write_state(writer, hs_tally_serialize, nps);
	write_state(writer, hs_tally_serialize, csat);
	write_state(writer, hs_tally_serialize, csat7);
	write_state(writer, hs_tally_serialize, ces);
}

/* trend and sparkline: times as microseconds since 2000-01-01, or days */
static void
time_series_seeds(SeedWriter *writer, PGFunction accum, PGFunction accum_date,
				  PGFunction serialize)
{
	const int64 hour = INT64CONST(3600000000);
	Datum		by_time = 0;
	Datum		by_day = 0;
	Datum		same_time = 0;
	Datum		one = 0;

	for (int i = 0; i < 12; i++)
	{
		/* out of order, and two snapshots at the same time */
		by_time = add_row(accum, by_time, 3, Int64GetDatum(((i * 5) % 12) * hour),
						  Float8GetDatum(50 + (i % 4) * 10.5), 0);
		by_day = add_row(accum_date, by_day, 3, Int32GetDatum(8000 + i / 2),
						 Float8GetDatum(100 - i * 3), 0);
		same_time = add_row(accum, same_time, 3, Int64GetDatum(-hour),
							Float8GetDatum(i), 0);
	}
	one = add_row(accum, one, 3, Int64GetDatum(0), Float8GetDatum(0), 0);
	write_state(writer, serialize, by_time);
	write_state(writer, serialize, by_day);
	write_state(writer, serialize, same_time);
	write_state(writer, serialize, one);
}

static void
logistic_seeds(SeedWriter *writer)
{
	Datum		two = 0;
	Datum		one = 0;

	for (int i = 0; i < 20; i++)
	{
		float8		features[2] = {i * 0.5, (i * 7) % 5};
		bool		nulls[2] = {false, i == 3};

		two = add_row(hs_logistic_accum, two, 4, float8_array(2, features, nulls),
					  BoolGetDatum(i % 3 == 0), Float8GetDatum(1.0));
		if (i < 6)
			one = add_row(hs_logistic_accum, one, 4, float8_array(1, features, NULL),
						  BoolGetDatum(i % 2 == 0), Float8GetDatum(0));
	}
	write_state(writer, hs_logistic_serialize, two);
	write_state(writer, hs_logistic_serialize, one);
}

void
fuzz_write_seeds(const char *dir)
{
	SeedWriter	texts;
	SeedWriter	states;

	start_target(&texts, dir, "distribution_in");
	start_target(&states, dir, "distribution");
	distribution_seeds(&states, &texts);
	start_target(&states, dir, "tally");
	tally_seeds(&states);
	start_target(&states, dir, "trend");
	time_series_seeds(&states, hs_trend_accum, hs_trend_accum_date, hs_trend_serialize);
	start_target(&states, dir, "sparkline");
	time_series_seeds(&states, hs_sparkline_accum, hs_sparkline_accum_date,
					  hs_sparkline_serialize);
	start_target(&states, dir, "logistic");
	logistic_seeds(&states);
	fuzz_reset();
}
