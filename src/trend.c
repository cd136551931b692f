/*-------------------------------------------------------------------------
 *
 * trend.c
 *	  The trend aggregate: how a customer's score moved over a series of
 *	  snapshots, in one pass and whatever the order of the rows.
 *
 * The state is a fixed handful of numbers, so a GROUP BY over millions of
 * customers keeps a small hash table:
 *
 *	- the first point, the last point and the one before the last, each a
 *	  (time, score) pair.  "Before the last" is the latest time strictly
 *	  earlier than the last one, so that the delta compares two snapshots.
 *	  Two rows at the same time are one snapshot taken twice; the greater
 *	  score stands for it, which keeps the result independent of row order;
 *	- the least and greatest score;
 *	- the sums of a least-squares fit of score on time in days, kept as
 *	  PostgreSQL's regr_slope() keeps them (Youngs and Cramer's updates,
 *	  float8_regr_accum and float8_regr_combine), so the slope agrees with
 *	  regr_slope(score, days) over the same rows and partial states merge
 *	  without losing precision.
 *
 * Times are kept as microseconds since 2000-01-01, PostgreSQL's own
 * timestamp representation; a date is its midnight, so both variants
 * share the state and its combine function.
 *
 * The state is the SQL type health_score.trend_state, whose text form is
 * how Citus ships a worker's partial state to the coordinator.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/date.h"
#include "utils/float.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(hs_trend_accum);
PG_FUNCTION_INFO_V1(hs_trend_accum_date);
PG_FUNCTION_INFO_V1(hs_trend_combine);
PG_FUNCTION_INFO_V1(hs_trend_state_in);
PG_FUNCTION_INFO_V1(hs_trend_state_out);
PG_FUNCTION_INFO_V1(hs_trend_serialize);
PG_FUNCTION_INFO_V1(hs_trend_deserialize);
PG_FUNCTION_INFO_V1(hs_trend_final);
PG_FUNCTION_INFO_V1(hs_trend_final_date);

/* First byte of a serialized state; bump when the layout changes. */
#define HS_TREND_FORMAT_VERSION 1

/*
 * What follows the version byte: n, three points of 16 bytes, the flag,
 * six float8.
 */
#define HS_TREND_SERIALIZED_BYTES (8 + 3 * 16 + 1 + 6 * 8)

#define TREND_TYPNAME "health_score.trend_state"

typedef struct TrendPoint
{
	int64		at;				/* microseconds since 2000-01-01 */
	float8		score;
} TrendPoint;

typedef struct TrendState
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int64		n;				/* points seen; 0 only before the first */
	TrendPoint	first;
	TrendPoint	last;
	TrendPoint	previous;		/* valid when has_previous */
	bool		has_previous;
	float8		min_score;
	float8		max_score;
	/* least squares of score (y) on days (x), as float8_regr_accum */
	HsLeastSquares sums;
} TrendState;

/* Output columns of trend_summary, in order. */
enum
{
	COL_N,
	COL_FIRST_AT,
	COL_FIRST_SCORE,
	COL_LAST_AT,
	COL_LAST_SCORE,
	COL_PREVIOUS_SCORE,
	COL_DELTA,
	COL_SLOPE_PER_DAY,
	COL_MIN_SCORE,
	COL_MAX_SCORE,
	NUM_TREND_COLUMNS
};

static float8
days_of(int64 at)
{
	return (float8) at / (float8) USECS_PER_DAY;
}

/*
 * A snapshot's time as microseconds since 2000-01-01, from a timestamptz
 * or a date (its midnight); an error unless finite.  The sparkline
 * aggregate keeps times the same way.
 */
int64
hs_snapshot_time(Datum taken_at)
{
	TimestampTz at = DatumGetTimestampTz(taken_at);

	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("taken_at must be finite: %s", timestamptz_to_str(at))));
	return at;
}

/* A date argument; an error, naming it, unless finite. */
DateADT
hs_finite_date(Datum value, const char *argname)
{
	DateADT		day = DatumGetDateADT(value);

	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite: %s", argname,
						DATE_IS_NOBEGIN(day) ? "-infinity" : "infinity")));
	return day;
}

int64
hs_snapshot_day(Datum taken_on)
{
	return (int64) hs_finite_date(taken_on, "taken_on") * USECS_PER_DAY;
}

static TrendState *
trend_state_create(MemoryContext mcxt)
{
	TrendState *state = MemoryContextAllocZero(mcxt, sizeof(TrendState));

	SET_VARSIZE(state, sizeof(TrendState));
	return state;
}

/* The group's state, to be changed in place, or a new one on its first row. */
static TrendState *
trend_state_get(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return trend_state_create(hs_state_context(fcinfo, "trend"));

	(void) hs_aggregate_context(fcinfo, "trend");
	return (TrendState *) hs_own_state(fcinfo);
}

/* The state at argument argno, or NULL when it is NULL or empty. */
static const TrendState *
trend_state_arg(FunctionCallInfo fcinfo, int argno)
{
	const TrendState *state;

	if (PG_ARGISNULL(argno))
		return NULL;
	state = (const TrendState *) hs_state_arg(fcinfo, argno);
	return state->n > 0 ? state : NULL;
}

/* At equal times the greater score stands for the snapshot. */
static void
keep_greater(TrendPoint *point, float8 score)
{
	if (score > point->score)
		point->score = score;
}

/*
 * Fold one point into first, last and previous.  Used by the transition
 * function for each row and by the combine function for the last and
 * previous points of the other state: no point of the other state beyond
 * those two can be among the two latest times of the union.
 */
static void
consider_point(TrendState *state, TrendPoint point)
{
	if (point.at < state->first.at)
		state->first = point;
	else if (point.at == state->first.at)
		keep_greater(&state->first, point.score);

	if (point.at > state->last.at)
	{
		state->previous = state->last;
		state->has_previous = true;
		state->last = point;
	}
	else if (point.at == state->last.at)
		keep_greater(&state->last, point.score);
	else if (!state->has_previous || point.at > state->previous.at)
	{
		state->previous = point;
		state->has_previous = true;
	}
	else if (point.at == state->previous.at)
		keep_greater(&state->previous, point.score);
}

static void
check_least_squares(const HsLeastSquares *sums)
{
	if (isinf(sums->sx) || isinf(sums->sy) || isinf(sums->sxx) || isinf(sums->sxy) ||
		isnan(sums->sxx) || isnan(sums->sxy))
		float_overflow_error();
}

/*
 * Youngs-Cramer update of the least-squares sums, as float8_regr_accum;
 * n counts the points with this one.  Sums of finite inputs that
 * overflow are an error, as there, never an infinite or NaN slope.
 */
void
hs_least_squares_add(HsLeastSquares *sums, int64 n, float8 x, float8 y)
{
	sums->sx += x;
	sums->sy += y;
	if (n > 1)
	{
		float8		dx = x * (float8) n - sums->sx;
		float8		dy = y * (float8) n - sums->sy;
		float8		scale = 1.0 / ((float8) n * ((float8) n - 1.0));

		sums->sxx += dx * dx * scale;
		sums->sxy += dx * dy * scale;
	}
	check_least_squares(sums);
}

static void
trend_add(TrendState *state, int64 at, float8 score)
{
	TrendPoint	point = {at, score};

	hs_check_finite(score, "score");

	state->n++;
	if (state->n == 1)
	{
		state->first = state->last = point;
		state->min_score = state->max_score = score;
	}
	else
	{
		consider_point(state, point);
		state->min_score = Min(state->min_score, score);
		state->max_score = Max(state->max_score, score);
	}
	hs_least_squares_add(&state->sums, state->n, days_of(at), score);
}

/* trend(taken_at timestamptz, score float8); NULL in either is skipped */
Datum
hs_trend_accum(PG_FUNCTION_ARGS)
{
	TrendState *state = trend_state_get(fcinfo);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		trend_add(state, hs_snapshot_time(PG_GETARG_DATUM(1)), PG_GETARG_FLOAT8(2));
	PG_RETURN_POINTER(state);
}

/* trend(taken_on date, score float8): a date is its midnight */
Datum
hs_trend_accum_date(PG_FUNCTION_ARGS)
{
	TrendState *state = trend_state_get(fcinfo);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		trend_add(state, hs_snapshot_day(PG_GETARG_DATUM(1)), PG_GETARG_FLOAT8(2));
	PG_RETURN_POINTER(state);
}

/*
 * float8_regr_combine's merge of the sums of n_from points into those of
 * n_into points; both counts positive.
 */
void
hs_least_squares_merge(HsLeastSquares *into, int64 n_into,
					   const HsLeastSquares *from, int64 n_from)
{
	float8		n1 = (float8) n_into;
	float8		n2 = (float8) n_from;
	float8		n = n1 + n2;
	float8		dx = into->sx / n1 - from->sx / n2;
	float8		dy = into->sy / n1 - from->sy / n2;

	into->sxx += from->sxx + n1 * n2 * dx * dx / n;
	into->sxy += from->sxy + n1 * n2 * dx * dy / n;
	into->sx += from->sx;
	into->sy += from->sy;
	check_least_squares(into);
}

/* regr_slope: false for fewer than two points or a single x */
bool
hs_least_squares_slope(const HsLeastSquares *sums, int64 n, float8 *slope)
{
	if (n < 2 || !(sums->sxx > 0))
		return false;
	*slope = sums->sxy / sums->sxx;
	if (isinf(*slope))
		float_overflow_error();
	return true;
}

/*
 * trend_combine(trend_state, trend_state): merges the second state into
 * the first, which belongs to the aggregate, in place.  The second is
 * never changed: it may be a worker's state that a Gather node still
 * holds.
 */
Datum
hs_trend_combine(PG_FUNCTION_ARGS)
{
	const TrendState *from;
	TrendState *into;

	(void) hs_aggregate_context(fcinfo, "trend combine function");

	from = trend_state_arg(fcinfo, 1);
	if (from == NULL)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
	{
		into = trend_state_create(hs_state_context(fcinfo, "trend combine function"));
		memcpy(into, from, sizeof(TrendState));
		PG_RETURN_POINTER(into);
	}
	into = (TrendState *) hs_own_state(fcinfo);
	if (into->n == 0)
	{
		/* nothing to merge with: take the other state's numbers */
		memcpy(into, from, sizeof(TrendState));
		PG_RETURN_POINTER(into);
	}

	hs_least_squares_merge(&into->sums, into->n, &from->sums, from->n);
	into->n += from->n;
	into->min_score = Min(into->min_score, from->min_score);
	into->max_score = Max(into->max_score, from->max_score);
	consider_point(into, from->first);
	consider_point(into, from->last);
	if (from->has_previous)
		consider_point(into, from->previous);

	PG_RETURN_POINTER(into);
}

static void
send_point(StringInfo buf, TrendPoint point)
{
	pq_sendint64(buf, point.at);
	pq_sendfloat8(buf, point.score);
}

static TrendPoint
get_point(StringInfo buf)
{
	TrendPoint	point;

	point.at = pq_getmsgint64(buf);
	point.score = pq_getmsgfloat8(buf);
	return point;
}

/*
 * Layout after the version byte: int64 n, first, last, previous (int64
 * time and float8 score each), has_previous byte, min, max, sx, sxx, sy,
 * sxy.
 */
static void
trend_write(StringInfo buf, const void *arg)
{
	const TrendState *state = arg;

	pq_sendint64(buf, state->n);
	send_point(buf, state->first);
	send_point(buf, state->last);
	send_point(buf, state->previous);
	pq_sendbyte(buf, state->has_previous ? 1 : 0);
	pq_sendfloat8(buf, state->min_score);
	pq_sendfloat8(buf, state->max_score);
	pq_sendfloat8(buf, state->sums.sx);
	pq_sendfloat8(buf, state->sums.sxx);
	pq_sendfloat8(buf, state->sums.sy);
	pq_sendfloat8(buf, state->sums.sxy);
}

static void
corrupt_trend(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("corrupt %s: %s", TREND_TYPNAME, what)));
}

/* What the transition and combine functions can produce, and no more. */
static void
check_trend_state(const TrendState *state)
{
	if (state->n < 0)
		corrupt_trend("negative count");
	if (state->n == 0)
		return;
	if (state->first.at > state->last.at)
		corrupt_trend("first point after last point");
	if (state->has_previous &&
		(state->previous.at >= state->last.at || state->previous.at < state->first.at))
		corrupt_trend("previous point out of order");
	if (!state->has_previous && state->first.at != state->last.at)
		corrupt_trend("missing previous point");
	if (!(state->min_score <= state->max_score) || !isfinite(state->min_score) ||
		!isfinite(state->max_score))
		corrupt_trend("bad score range");
	if (!(state->sums.sxx >= 0))
		corrupt_trend("negative sum of squares");
}

/* Read what trend_write wrote into a new state in mcxt, and check it. */
static void *
trend_read(StringInfo buf, MemoryContext mcxt)
{
	TrendState *state;
	int			has_previous;

	hs_require_state_bytes(buf, HS_TREND_SERIALIZED_BYTES, TREND_TYPNAME);
	state = trend_state_create(mcxt);
	state->n = pq_getmsgint64(buf);
	state->first = get_point(buf);
	state->last = get_point(buf);
	state->previous = get_point(buf);
	has_previous = pq_getmsgbyte(buf);
	if (has_previous != 0 && has_previous != 1)
		corrupt_trend("bad flag");
	state->has_previous = has_previous == 1;
	state->min_score = pq_getmsgfloat8(buf);
	state->max_score = pq_getmsgfloat8(buf);
	state->sums.sx = pq_getmsgfloat8(buf);
	state->sums.sxx = pq_getmsgfloat8(buf);
	state->sums.sy = pq_getmsgfloat8(buf);
	state->sums.sxy = pq_getmsgfloat8(buf);
	pq_getmsgend(buf);
	check_trend_state(state);
	return state;
}

static const HsStateCodec trend_codec = {
	TREND_TYPNAME, "trend", "trend deserialize function", HS_TREND_FORMAT_VERSION,
	trend_write, trend_read
};

/* Text form: \x and the hex of the version byte and trend_write's layout. */
Datum
hs_trend_state_out(PG_FUNCTION_ARGS)
{
	return hs_state_out(fcinfo, &trend_codec);
}

Datum
hs_trend_state_in(PG_FUNCTION_ARGS)
{
	return hs_state_in(fcinfo, &trend_codec);
}

/*
 * The serialize and deserialize functions of the internal state of 1.2.
 * 1.3 declares them no more, but the 1.1 -> 1.2 script, which a fresh
 * install of 1.3 runs first, does, so the library must have them; they
 * also keep the old aggregates working in parallel plans between
 * installing this library and ALTER EXTENSION UPDATE.
 */
Datum
hs_trend_serialize(PG_FUNCTION_ARGS)
{
	return hs_state_serialize(fcinfo, &trend_codec);
}

Datum
hs_trend_deserialize(PG_FUNCTION_ARGS)
{
	return hs_state_deserialize(fcinfo, &trend_codec);
}

/*
 * The summary row.  time_datum turns a kept time into the column type
 * of the variant: timestamptz, or date.
 */
static Datum
trend_summary(FunctionCallInfo fcinfo, Datum (*time_datum) (int64 at))
{
	const TrendState *state = trend_state_arg(fcinfo, 0);
	TupleDesc	tupdesc;
	Datum		values[NUM_TREND_COLUMNS];
	bool		isnull[NUM_TREND_COLUMNS] = {false};
	float8		slope;

	if (state == NULL)
		PG_RETURN_NULL();

	tupdesc = hs_result_tupdesc(fcinfo, "trend");

	values[COL_N] = Int64GetDatum(state->n);
	values[COL_FIRST_AT] = time_datum(state->first.at);
	values[COL_FIRST_SCORE] = Float8GetDatum(state->first.score);
	values[COL_LAST_AT] = time_datum(state->last.at);
	values[COL_LAST_SCORE] = Float8GetDatum(state->last.score);
	if (state->has_previous)
	{
		values[COL_PREVIOUS_SCORE] = Float8GetDatum(state->previous.score);
		values[COL_DELTA] = Float8GetDatum(state->last.score - state->previous.score);
	}
	else
		isnull[COL_PREVIOUS_SCORE] = isnull[COL_DELTA] = true;
	if (hs_least_squares_slope(&state->sums, state->n, &slope))
		values[COL_SLOPE_PER_DAY] = Float8GetDatum(slope);
	else
		isnull[COL_SLOPE_PER_DAY] = true;
	values[COL_MIN_SCORE] = Float8GetDatum(state->min_score);
	values[COL_MAX_SCORE] = Float8GetDatum(state->max_score);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}

static Datum
timestamptz_datum(int64 at)
{
	return TimestampTzGetDatum(at);
}

static Datum
date_datum(int64 at)
{
	/* only midnights were added, so the division is exact */
	return DateADTGetDatum((DateADT) (at / USECS_PER_DAY));
}

Datum
hs_trend_final(PG_FUNCTION_ARGS)
{
	return trend_summary(fcinfo, timestamptz_datum);
}

Datum
hs_trend_final_date(PG_FUNCTION_ARGS)
{
	return trend_summary(fcinfo, date_datum);
}
