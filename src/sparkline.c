/*-------------------------------------------------------------------------
 *
 * sparkline.c
 *	  sparkline(): a series of scores drawn as one line of block
 *	  characters, for psql; and the sparkline(taken_at, score) aggregate
 *	  that draws a customer's snapshots in time order, whatever the order
 *	  of the rows.
 *
 * Eight levels, U+2581 to U+2588.  By default the lowest value of the
 * series is the lowest block and the highest the highest, so the line
 * shows the shape of a small move; low and high fix the scale instead
 * (0 and 100 show where on the health scale the customer is).  A NULL
 * score is a gap, drawn as a space.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(hs_sparkline);
PG_FUNCTION_INFO_V1(hs_sparkline_accum);
PG_FUNCTION_INFO_V1(hs_sparkline_accum_date);
PG_FUNCTION_INFO_V1(hs_sparkline_combine);
PG_FUNCTION_INFO_V1(hs_sparkline_serialize);
PG_FUNCTION_INFO_V1(hs_sparkline_deserialize);
PG_FUNCTION_INFO_V1(hs_sparkline_final);

#define HS_SPARKLINE_FORMAT_VERSION 1
#define NUM_LEVELS 8

/* U+2581 .. U+2588 in UTF-8 */
static const char *const levels[NUM_LEVELS] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"
};

/* The block for value on a scale from low to high; both finite. */
static const char *
level_of(float8 value, float8 low, float8 high)
{
	int			level;

	if (high == low)
		return levels[NUM_LEVELS / 2 - 1];	/* a flat line, mid-height */
	if (value <= low)
		return levels[0];
	if (value >= high)
		return levels[NUM_LEVELS - 1];
	level = (int) ((value - low) / (high - low) * NUM_LEVELS);
	return levels[Min(level, NUM_LEVELS - 1)];
}

/*
 * Draw n values (isnull[i] marks a gap; isnull may be NULL).  low and
 * high are the scale when has_scale, else the range of the values.
 */
static text *
draw(int n, const float8 *values, const bool *isnull, bool has_scale,
	 float8 low, float8 high)
{
	StringInfoData buf;
	bool		any = false;

	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sparkline needs a UTF8 database")));

	for (int i = 0; i < n; i++)
	{
		if (isnull && isnull[i])
			continue;
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("score %d must be a finite number: %s", i + 1,
							hs_float8_text(values[i]))));
		if (!has_scale)
		{
			low = any ? Min(low, values[i]) : values[i];
			high = any ? Max(high, values[i]) : values[i];
		}
		any = true;
	}

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		if (isnull && isnull[i])
			appendStringInfoChar(&buf, ' ');
		else
			appendStringInfoString(&buf, level_of(values[i], low, high));
	}
	return cstring_to_text_with_len(buf.data, buf.len);
}

/* sparkline(scores float8[], low float8 DEFAULT NULL, high float8 DEFAULT NULL) */
Datum
hs_sparkline(PG_FUNCTION_ARGS)
{
	Float8Array scores;
	bool		has_scale;
	float8		low = 0;
	float8		high = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(0), "scores", &scores);

	/* low and high come together or not at all */
	if (PG_ARGISNULL(1) != PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("low and high must both be given, or neither")));
	has_scale = !PG_ARGISNULL(1);
	if (has_scale)
	{
		low = PG_GETARG_FLOAT8(1);
		high = PG_GETARG_FLOAT8(2);
		hs_check_finite(low, "low");
		hs_check_finite(high, "high");
		if (!(low < high))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("low must be below high: %s and %s",
							hs_float8_text(low), hs_float8_text(high))));
	}

	PG_RETURN_TEXT_P(draw(scores.n, scores.values, scores.isnull, has_scale, low, high));
}

/*
 * The aggregate's state: every (time, score) point of the group, in
 * arrival order, growing by doubling in the aggregate context.  A
 * sparkline is drawn from a handful of snapshots, so the points are kept
 * rather than summarized.
 */
typedef struct SparkPoint
{
	int64		at;				/* microseconds since 2000-01-01 */
	float8		score;
} SparkPoint;

typedef struct SparkState
{
	int			n;
	int			capacity;
	SparkPoint *points;
} SparkState;

#define SPARK_INITIAL_CAPACITY 16
#define SPARK_MAX_POINTS (MaxAllocSize / sizeof(SparkPoint))

static SparkState *
spark_state_get(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	SparkState *state;

	*aggcontext = hs_aggregate_context(fcinfo, "sparkline");
	if (!PG_ARGISNULL(0))
		return (SparkState *) PG_GETARG_POINTER(0);
	state = MemoryContextAllocZero(*aggcontext, sizeof(SparkState));
	return state;
}

static void
spark_reserve(SparkState *state, MemoryContext aggcontext, int more)
{
	int			needed = state->n + more;

	if ((Size) needed > SPARK_MAX_POINTS || needed < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparkline has too many points")));
	if (needed <= state->capacity)
		return;
	state->capacity = Max(needed, Max(SPARK_INITIAL_CAPACITY, state->capacity * 2));
	state->capacity = Min((Size) state->capacity, SPARK_MAX_POINTS);
	if (state->points == NULL)
		state->points = MemoryContextAlloc(aggcontext,
										   state->capacity * sizeof(SparkPoint));
	else
		state->points = repalloc(state->points, state->capacity * sizeof(SparkPoint));
}

static void
spark_add(FunctionCallInfo fcinfo, SparkState *state, MemoryContext aggcontext,
		  int64 at)
{
	float8		score = PG_GETARG_FLOAT8(2);

	hs_check_finite(score, "score");
	spark_reserve(state, aggcontext, 1);
	state->points[state->n].at = at;
	state->points[state->n].score = score;
	state->n++;
}

/* sparkline(taken_at timestamptz, score float8); NULL in either is skipped */
Datum
hs_sparkline_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	SparkState *state = spark_state_get(fcinfo, &aggcontext);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		spark_add(fcinfo, state, aggcontext, hs_snapshot_time(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

/* sparkline(taken_on date, score float8) */
Datum
hs_sparkline_accum_date(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	SparkState *state = spark_state_get(fcinfo, &aggcontext);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		spark_add(fcinfo, state, aggcontext, hs_snapshot_day(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

Datum
hs_sparkline_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	SparkState *into;
	SparkState *from;

	aggcontext = hs_aggregate_context(fcinfo, "sparkline combine function");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	from = (SparkState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		into = MemoryContextAllocZero(aggcontext, sizeof(SparkState));
	else
		into = (SparkState *) PG_GETARG_POINTER(0);

	if (from->n > 0)
	{
		spark_reserve(into, aggcontext, from->n);
		memcpy(into->points + into->n, from->points, from->n * sizeof(SparkPoint));
		into->n += from->n;
	}
	PG_RETURN_POINTER(into);
}

/* Layout: version byte, int32 count, then int64 time and float8 score each. */
Datum
hs_sparkline_serialize(PG_FUNCTION_ARGS)
{
	SparkState *state = (SparkState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, HS_SPARKLINE_FORMAT_VERSION);
	pq_sendint32(&buf, state->n);
	for (int i = 0; i < state->n; i++)
	{
		pq_sendint64(&buf, state->points[i].at);
		pq_sendfloat8(&buf, state->points[i].score);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
hs_sparkline_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *serialized = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext;
	StringInfoData buf;
	SparkState *state;
	int			n;

	aggcontext = hs_aggregate_context(fcinfo, "sparkline deserialize function");

	hs_begin_state_read(&buf, serialized, HS_SPARKLINE_FORMAT_VERSION, "sparkline");
	n = pq_getmsgint(&buf, 4);
	/* each point takes 16 bytes: a count the buffer cannot hold is corrupt */
	if (n < 0 || (Size) n > (Size) (buf.len - buf.cursor) / 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt health_score sparkline state: %d points", n)));

	state = MemoryContextAllocZero(aggcontext, sizeof(SparkState));
	spark_reserve(state, aggcontext, n);
	for (int i = 0; i < n; i++)
	{
		state->points[i].at = pq_getmsgint64(&buf);
		state->points[i].score = pq_getmsgfloat8(&buf);
		if (!isfinite(state->points[i].score))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("corrupt health_score sparkline state: a score is not finite")));
	}
	state->n = n;
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/* Time order; at equal times, score order, so row order never shows. */
static int
spark_point_cmp(const void *a, const void *b)
{
	const SparkPoint *pa = (const SparkPoint *) a;
	const SparkPoint *pb = (const SparkPoint *) b;

	if (pa->at != pb->at)
		return pa->at < pb->at ? -1 : 1;
	if (pa->score != pb->score)
		return pa->score < pb->score ? -1 : 1;
	return 0;
}

Datum
hs_sparkline_final(PG_FUNCTION_ARGS)
{
	SparkState *state;
	float8	   *scores;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (SparkState *) PG_GETARG_POINTER(0);
	if (state->n == 0)
		PG_RETURN_NULL();

	/* the final function may be called again on the same state: sort a copy */
	scores = palloc(state->n * sizeof(float8));
	{
		SparkPoint *sorted = palloc(state->n * sizeof(SparkPoint));

		memcpy(sorted, state->points, state->n * sizeof(SparkPoint));
		qsort(sorted, state->n, sizeof(SparkPoint), spark_point_cmp);
		for (int i = 0; i < state->n; i++)
			scores[i] = sorted[i].score;
		pfree(sorted);
	}
	PG_RETURN_TEXT_P(draw(state->n, scores, NULL, false, 0, 0));
}
