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
 * The aggregate's state is the SQL type health_score.sparkline_state,
 * whose text form is how Citus ships a worker's partial state to the
 * coordinator.
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
PG_FUNCTION_INFO_V1(hs_sparkline_state_in);
PG_FUNCTION_INFO_V1(hs_sparkline_state_out);
PG_FUNCTION_INFO_V1(hs_sparkline_serialize);
PG_FUNCTION_INFO_V1(hs_sparkline_deserialize);
PG_FUNCTION_INFO_V1(hs_sparkline_final);

#define HS_SPARKLINE_FORMAT_VERSION 1
#define SPARKLINE_TYPNAME "health_score.sparkline_state"
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
text *
hs_sparkline_draw(int n, const float8 *values, const bool *isnull, bool has_scale,
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

	PG_RETURN_TEXT_P(hs_sparkline_draw(scores.n, scores.values, scores.isnull, has_scale, low, high));
}

/*
 * The aggregate's state: every (time, score) point of the group, in
 * arrival order.  A sparkline is drawn from a handful of snapshots, so
 * the points are kept rather than summarized.  The state is a varlena
 * with room for more points than it holds (its size tells how many); a
 * full state is replaced by one twice as large.
 */
typedef struct SparkPoint
{
	int64		at;				/* microseconds since 2000-01-01 */
	float8		score;
} SparkPoint;

typedef struct SparkState
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		n;				/* points held */
	SparkPoint	points[FLEXIBLE_ARRAY_MEMBER];
} SparkState;

#define SPARK_INITIAL_CAPACITY 16
#define SPARK_MAX_POINTS \
	((MaxAllocSize - offsetof(SparkState, points)) / sizeof(SparkPoint))
/* a serialized point: int64 time, float8 score */
#define SPARK_POINT_BYTES 16

static int
spark_capacity(const SparkState *state)
{
	return (VARSIZE(state) - offsetof(SparkState, points)) / sizeof(SparkPoint);
}

/* An empty state with room for capacity points, in mcxt. */
static SparkState *
spark_create(MemoryContext mcxt, int capacity)
{
	Size		size = offsetof(SparkState, points) + capacity * sizeof(SparkPoint);
	SparkState *state = MemoryContextAlloc(mcxt, size);

	SET_VARSIZE(state, size);
	state->n = 0;
	return state;
}

/*
 * state itself when it has room for `more` points, else a copy with room,
 * made where hs_state_context says.  nodeAgg frees the old state when it
 * takes the copy; under the internal state of the 1.2 declarations, until
 * ALTER EXTENSION UPDATE, the old one stays until the end of the group.
 */
static SparkState *
spark_reserve(FunctionCallInfo fcinfo, SparkState *state, int more)
{
	int64		needed = (int64) state->n + more;
	int64		capacity;
	SparkState *grown;

	if (needed <= spark_capacity(state))
		return state;
	if (needed > SPARK_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparkline has too many points")));
	capacity = Max(needed, (int64) spark_capacity(state) * 2);
	capacity = Min(capacity, SPARK_MAX_POINTS);
	grown = spark_create(hs_state_context(fcinfo, "sparkline"), capacity);
	grown->n = state->n;
	memcpy(grown->points, state->points, state->n * sizeof(SparkPoint));
	return grown;
}

/* The group's state, to be changed in place, or a new one on its first row. */
static SparkState *
spark_state_get(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return spark_create(hs_state_context(fcinfo, "sparkline"), SPARK_INITIAL_CAPACITY);

	(void) hs_aggregate_context(fcinfo, "sparkline");
	return (SparkState *) hs_own_state(fcinfo);
}

static SparkState *
spark_add(FunctionCallInfo fcinfo, SparkState *state, int64 at)
{
	float8		score = PG_GETARG_FLOAT8(2);

	hs_check_finite(score, "score");
	state = spark_reserve(fcinfo, state, 1);
	state->points[state->n].at = at;
	state->points[state->n].score = score;
	state->n++;
	return state;
}

/* sparkline(taken_at timestamptz, score float8); NULL in either is skipped */
Datum
hs_sparkline_accum(PG_FUNCTION_ARGS)
{
	SparkState *state = spark_state_get(fcinfo);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		state = spark_add(fcinfo, state, hs_snapshot_time(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

/* sparkline(taken_on date, score float8) */
Datum
hs_sparkline_accum_date(PG_FUNCTION_ARGS)
{
	SparkState *state = spark_state_get(fcinfo);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		state = spark_add(fcinfo, state, hs_snapshot_day(PG_GETARG_DATUM(1)));
	PG_RETURN_POINTER(state);
}

/*
 * sparkline_combine(sparkline_state, sparkline_state): appends the second
 * state's points to the first, which belongs to the aggregate, in place
 * when they fit.  The second is never changed: it may be a worker's state
 * that a Gather node still holds.
 */
Datum
hs_sparkline_combine(PG_FUNCTION_ARGS)
{
	SparkState *into;
	const SparkState *from;

	(void) hs_aggregate_context(fcinfo, "sparkline combine function");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	from = (const SparkState *) hs_state_arg(fcinfo, 1);
	if (PG_ARGISNULL(0))
		into = spark_create(hs_state_context(fcinfo, "sparkline combine function"),
							Max(from->n, SPARK_INITIAL_CAPACITY));
	else
		into = (SparkState *) hs_own_state(fcinfo);

	into = spark_reserve(fcinfo, into, from->n);
	memcpy(into->points + into->n, from->points, from->n * sizeof(SparkPoint));
	into->n += from->n;
	PG_RETURN_POINTER(into);
}

/* Layout after the version byte: int32 count, then int64 time and float8 score each. */
static void
spark_write(StringInfo buf, const void *arg)
{
	const SparkState *state = arg;

	pq_sendint32(buf, state->n);
	for (int i = 0; i < state->n; i++)
	{
		pq_sendint64(buf, state->points[i].at);
		pq_sendfloat8(buf, state->points[i].score);
	}
}

static void
corrupt_spark(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("corrupt %s: %s", SPARKLINE_TYPNAME, what)));
}

/* Read what spark_write wrote into a new state in mcxt, and check it. */
static void *
spark_read(StringInfo buf, MemoryContext mcxt)
{
	SparkState *state;
	int			n;

	if (buf->len - buf->cursor < 4)
		corrupt_spark("no count");
	n = pq_getmsgint(buf, 4);
	/* a count the buffer cannot hold is corrupt */
	if (n < 0 || (Size) n > (Size) (buf->len - buf->cursor) / SPARK_POINT_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt %s: %d points", SPARKLINE_TYPNAME, n)));
	hs_require_state_bytes(buf, (int64) n * SPARK_POINT_BYTES, SPARKLINE_TYPNAME);

	state = spark_create(mcxt, Max(n, SPARK_INITIAL_CAPACITY));
	for (int i = 0; i < n; i++)
	{
		state->points[i].at = pq_getmsgint64(buf);
		state->points[i].score = pq_getmsgfloat8(buf);
		if (!isfinite(state->points[i].score))
			corrupt_spark("a score is not finite");
	}
	state->n = n;
	pq_getmsgend(buf);
	return state;
}

static const HsStateCodec sparkline_codec = {
	SPARKLINE_TYPNAME, "sparkline", "sparkline deserialize function", HS_SPARKLINE_FORMAT_VERSION,
	spark_write, spark_read
};

/* Text form: \x and the hex of the version byte and spark_write's layout. */
Datum
hs_sparkline_state_out(PG_FUNCTION_ARGS)
{
	return hs_state_out(fcinfo, &sparkline_codec);
}

Datum
hs_sparkline_state_in(PG_FUNCTION_ARGS)
{
	return hs_state_in(fcinfo, &sparkline_codec);
}

/*
 * The serialize and deserialize functions of the internal state of 1.2.
 * 1.3 declares them no more, but the 1.1 -> 1.2 script, which a fresh
 * install of 1.3 runs first, does, so the library must have them; they
 * also keep the old aggregates working in parallel plans between
 * installing this library and ALTER EXTENSION UPDATE.
 */
Datum
hs_sparkline_serialize(PG_FUNCTION_ARGS)
{
	return hs_state_serialize(fcinfo, &sparkline_codec);
}

Datum
hs_sparkline_deserialize(PG_FUNCTION_ARGS)
{
	return hs_state_deserialize(fcinfo, &sparkline_codec);
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
	const SparkState *state;
	float8	   *scores;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (const SparkState *) hs_state_arg(fcinfo, 0);
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
	PG_RETURN_TEXT_P(hs_sparkline_draw(state->n, scores, NULL, false, 0, 0));
}
