/*-------------------------------------------------------------------------
 *
 * snapshot_trend.c
 *	  _snapshot_trend(taken_on, score, day, sparkline_from): every trend
 *	  figure snapshot() stores for a customer, from the customer's recent
 *	  history and the day's score, in one aggregate.
 *
 * snapshot() used to compute them with four aggregates a customer, each
 * over its own window: trend() filtered to the points at least 7 days
 * before the day (for delta_wow), at least 28 days before (delta_mom),
 * neither more than 120 days before,
 * within 90 days (slope_90d), and sparkline() from the first of the 12
 * latest snapshots.  Over a million customers that was four states a
 * group, most of a snapshot's time and gigabytes of spilled partial
 * states.  This state holds just what the four figures need, in a fixed
 * size: the two "last score before" points, the least-squares sums, and
 * the at most 12 points a sparkline draws.  The figures are the same as
 * those aggregates give: the same ties (at equal days the greater score),
 * the same sums (trend.c's), the same drawing (sparkline.c's, on the
 * 0-100 scale, as sparkline(scores, 0, 100)).
 *
 * day and sparkline_from are the query's constants, the same on every
 * row; the state takes them from its first row.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"

PG_FUNCTION_INFO_V1(hs_snapshot_trend_accum);
PG_FUNCTION_INFO_V1(hs_snapshot_trend_combine);
PG_FUNCTION_INFO_V1(hs_snapshot_trend_serialize);
PG_FUNCTION_INFO_V1(hs_snapshot_trend_deserialize);
PG_FUNCTION_INFO_V1(hs_snapshot_trend_final);

/* snapshot()'s sparkline draws the 12 latest snapshots */
#define SPARKLINE_POINTS 12

/*
 * delta_wow and delta_mom compare with a score at least this many days
 * older, looking back at most LOOKBACK_DAYS
 */
#define WEEK_DAYS 7
#define MONTH_DAYS 28
#define LOOKBACK_DAYS 120
/* slope_90d fits the points of the days after day - 90 */
#define SLOPE_DAYS 90

typedef struct DayScore
{
	DateADT		day;
	float8		score;
} DayScore;

typedef struct SnapshotTrend
{
	bool		started;		/* day and sparkline_from are set */
	DateADT		day;
	DateADT		sparkline_from;
	bool		has_week_ago;
	DayScore	week_ago;		/* the latest point at least 7 days old */
	bool		has_month_ago;
	DayScore	month_ago;		/* the latest point at least 28 days old */
	int64		slope_points;
	HsLeastSquares slope_sums;	/* of the points within 90 days */
	int32		spark_count;
	DayScore	spark[SPARKLINE_POINTS];	/* in arrival order */
} SnapshotTrend;

/* Output columns of health_score_internal._snapshot_trend_figures, in order. */
enum
{
	COL_WEEK_AGO,
	COL_MONTH_AGO,
	COL_SLOPE_PER_DAY,
	COL_SPARKLINE,
	NUM_FIGURE_COLUMNS
};

/* a later day wins; at equal days the greater score, as trend() */
static bool
later_than(DayScore a, DayScore b)
{
	return a.day > b.day || (a.day == b.day && a.score > b.score);
}

static void
keep_latest(bool *has, DayScore *kept, DayScore point)
{
	if (!*has || later_than(point, *kept))
	{
		*kept = point;
		*has = true;
	}
}

/*
 * Keep a sparkline point.  The query feeds at most one point a snapshot
 * day from sparkline_from on, so at most 12 arrive; should more, the
 * earliest go, as the sparkline of the 12 latest would leave them out.
 */
static void
spark_add(SnapshotTrend *state, DayScore point)
{
	int			earliest = 0;

	if (state->spark_count < SPARKLINE_POINTS)
	{
		state->spark[state->spark_count++] = point;
		return;
	}
	for (int i = 1; i < SPARKLINE_POINTS; i++)
		if (later_than(state->spark[earliest], state->spark[i]))
			earliest = i;
	if (later_than(point, state->spark[earliest]))
		state->spark[earliest] = point;
}

static void
add_point(SnapshotTrend *state, DayScore point)
{
	/*
	 * The query reads the history back to the first point the sparkline
	 * draws, which may be older than the deltas may look
	 */
	if (point.day >= state->day - LOOKBACK_DAYS)
	{
		if (point.day <= state->day - WEEK_DAYS)
			keep_latest(&state->has_week_ago, &state->week_ago, point);
		if (point.day <= state->day - MONTH_DAYS)
			keep_latest(&state->has_month_ago, &state->month_ago, point);
	}
	if (point.day > state->day - SLOPE_DAYS)
	{
		state->slope_points++;
		hs_least_squares_add(&state->slope_sums, state->slope_points,
							 (float8) point.day, point.score);
	}
	if (point.day >= state->sparkline_from)
		spark_add(state, point);
}

/*
 * _snapshot_trend(taken_on date, score float8, day date, sparkline_from
 * date): a NULL taken_on or score is skipped.
 */
Datum
hs_snapshot_trend_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_snapshot_trend");
	SnapshotTrend *state;

	if (PG_ARGISNULL(0))
		state = MemoryContextAllocZero(aggcontext, sizeof(SnapshotTrend));
	else
		state = (SnapshotTrend *) PG_GETARG_POINTER(0);

	if (!state->started)
	{
		if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("day and sparkline_from must not be NULL")));
		state->day = hs_finite_date(PG_GETARG_DATUM(3), "day");
		state->sparkline_from = hs_finite_date(PG_GETARG_DATUM(4), "sparkline_from");
		state->started = true;
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		DayScore	point;

		point.day = hs_finite_date(PG_GETARG_DATUM(1), "taken_on");
		point.score = PG_GETARG_FLOAT8(2);
		hs_check_finite(point.score, "score");
		add_point(state, point);
	}
	PG_RETURN_POINTER(state);
}

/* Merge the second state into the first, which belongs to the aggregate. */
Datum
hs_snapshot_trend_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_snapshot_trend combine function");
	SnapshotTrend *into;
	const SnapshotTrend *from;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	from = (const SnapshotTrend *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		into = MemoryContextAlloc(aggcontext, sizeof(SnapshotTrend));
		memcpy(into, from, sizeof(SnapshotTrend));
		PG_RETURN_POINTER(into);
	}
	into = (SnapshotTrend *) PG_GETARG_POINTER(0);
	if (!into->started)
	{
		memcpy(into, from, sizeof(SnapshotTrend));
		PG_RETURN_POINTER(into);
	}

	if (from->has_week_ago)
		keep_latest(&into->has_week_ago, &into->week_ago, from->week_ago);
	if (from->has_month_ago)
		keep_latest(&into->has_month_ago, &into->month_ago, from->month_ago);
	if (from->slope_points > 0)
	{
		if (into->slope_points == 0)
			into->slope_sums = from->slope_sums;
		else
			hs_least_squares_merge(&into->slope_sums, into->slope_points,
								   &from->slope_sums, from->slope_points);
		into->slope_points += from->slope_points;
	}
	for (int i = 0; i < from->spark_count; i++)
		spark_add(into, from->spark[i]);
	PG_RETURN_POINTER(into);
}

static void
send_day_score(StringInfo buf, DayScore point)
{
	pq_sendint32(buf, point.day);
	pq_sendfloat8(buf, point.score);
}

static DayScore
get_day_score(StringInfo buf)
{
	DayScore	point;

	point.day = pq_getmsgint(buf, 4);
	point.score = pq_getmsgfloat8(buf);
	return point;
}

/* A parallel worker's state, for the leader: only between processes of one server. */
Datum
hs_snapshot_trend_serialize(PG_FUNCTION_ARGS)
{
	const SnapshotTrend *state = (const SnapshotTrend *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) hs_aggregate_context(fcinfo, "_snapshot_trend serialize function");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, state->started ? 1 : 0);
	pq_sendint32(&buf, state->day);
	pq_sendint32(&buf, state->sparkline_from);
	pq_sendbyte(&buf, state->has_week_ago ? 1 : 0);
	send_day_score(&buf, state->week_ago);
	pq_sendbyte(&buf, state->has_month_ago ? 1 : 0);
	send_day_score(&buf, state->month_ago);
	pq_sendint64(&buf, state->slope_points);
	pq_sendfloat8(&buf, state->slope_sums.sx);
	pq_sendfloat8(&buf, state->slope_sums.sxx);
	pq_sendfloat8(&buf, state->slope_sums.sy);
	pq_sendfloat8(&buf, state->slope_sums.sxy);
	pq_sendint32(&buf, state->spark_count);
	for (int i = 0; i < state->spark_count; i++)
		send_day_score(&buf, state->spark[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
corrupt_state(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("corrupt _snapshot_trend state: %s", what)));
}

static bool
get_flag(StringInfo buf)
{
	int			flag = pq_getmsgbyte(buf);

	if (flag != 0 && flag != 1)
		corrupt_state("bad flag");
	return flag == 1;
}

Datum
hs_snapshot_trend_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_snapshot_trend deserialize function");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	SnapshotTrend *state = MemoryContextAllocZero(aggcontext, sizeof(SnapshotTrend));
	StringInfoData buf;

	/* read in place: the bytea outlives this call */
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	state->started = get_flag(&buf);
	state->day = pq_getmsgint(&buf, 4);
	state->sparkline_from = pq_getmsgint(&buf, 4);
	state->has_week_ago = get_flag(&buf);
	state->week_ago = get_day_score(&buf);
	state->has_month_ago = get_flag(&buf);
	state->month_ago = get_day_score(&buf);
	state->slope_points = pq_getmsgint64(&buf);
	state->slope_sums.sx = pq_getmsgfloat8(&buf);
	state->slope_sums.sxx = pq_getmsgfloat8(&buf);
	state->slope_sums.sy = pq_getmsgfloat8(&buf);
	state->slope_sums.sxy = pq_getmsgfloat8(&buf);
	state->spark_count = pq_getmsgint(&buf, 4);
	if (state->slope_points < 0 || state->spark_count < 0 ||
		state->spark_count > SPARKLINE_POINTS)
		corrupt_state("bad count");
	for (int i = 0; i < state->spark_count; i++)
		state->spark[i] = get_day_score(&buf);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

/* Day order; at equal days score order, so row order never shows. */
static int
day_score_cmp(const void *a, const void *b)
{
	const DayScore *pa = (const DayScore *) a;
	const DayScore *pb = (const DayScore *) b;

	if (pa->day != pb->day)
		return pa->day < pb->day ? -1 : 1;
	if (pa->score != pb->score)
		return pa->score < pb->score ? -1 : 1;
	return 0;
}

/*
 * The sparkline of the kept points, oldest first; NULL when none.  Drawn
 * on the 0-100 health scale, not from the customer's own lowest to
 * highest score: on its own range a one-point wobble would fill the
 * height of the line and read as a fall from green to red.
 */
static Datum
sparkline_of(const SnapshotTrend *state, bool *isnull)
{
	DayScore	sorted[SPARKLINE_POINTS];
	float8		scores[SPARKLINE_POINTS];

	*isnull = state->spark_count == 0;
	if (*isnull)
		return (Datum) 0;
	memcpy(sorted, state->spark, state->spark_count * sizeof(DayScore));
	qsort(sorted, state->spark_count, sizeof(DayScore), day_score_cmp);
	for (int i = 0; i < state->spark_count; i++)
		scores[i] = sorted[i].score;
	return PointerGetDatum(hs_sparkline_draw(state->spark_count, scores, NULL, true,
											 HS_SCORE_MIN, HS_SCORE_MAX));
}

/* The figures, as health_score_internal._snapshot_trend_figures. */
Datum
hs_snapshot_trend_final(PG_FUNCTION_ARGS)
{
	const SnapshotTrend *state;
	TupleDesc	tupdesc;
	Datum		values[NUM_FIGURE_COLUMNS];
	bool		isnull[NUM_FIGURE_COLUMNS] = {false};
	float8		slope;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (const SnapshotTrend *) PG_GETARG_POINTER(0);
	tupdesc = hs_result_tupdesc(fcinfo, "_snapshot_trend");

	values[COL_WEEK_AGO] = Float8GetDatum(state->week_ago.score);
	isnull[COL_WEEK_AGO] = !state->has_week_ago;
	values[COL_MONTH_AGO] = Float8GetDatum(state->month_ago.score);
	isnull[COL_MONTH_AGO] = !state->has_month_ago;
	if (hs_least_squares_slope(&state->slope_sums, state->slope_points, &slope))
		values[COL_SLOPE_PER_DAY] = Float8GetDatum(slope);
	else
		isnull[COL_SLOPE_PER_DAY] = true;
	values[COL_SPARKLINE] = sparkline_of(state, &isnull[COL_SPARKLINE]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}
