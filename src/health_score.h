/*-------------------------------------------------------------------------
 *
 * health_score.h
 *	  Declarations shared by the health_score C sources: reading float8
 *	  and text arrays in place, and the argument checks every function
 *	  applies the same way.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HEALTH_SCORE_H
#define HEALTH_SCORE_H

#include "postgres.h"

#include <math.h>

#include "access/tupdesc.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/date.h"

/* The health scale every score lives on. */
#define HS_SCORE_MIN 0.0
#define HS_SCORE_MAX 100.0

/*
 * A one-dimensional float8 array argument, unpacked.  values[i] is
 * meaningful only where isnull is NULL or isnull[i] is false.  When the
 * array has no NULL elements, values points into the array itself and
 * nothing is allocated, which keeps per-row callers cheap.
 */
typedef struct Float8Array
{
	int			n;
	const float8 *values;
	const bool *isnull;			/* NULL when the array has no NULLs */
} Float8Array;

extern void hs_read_float8_array(ArrayType *array, const char *argname,
								 Float8Array *result);
extern void hs_require_no_nulls(const Float8Array *array, const char *elemname);
extern void hs_require_same_length(const Float8Array *a, const char *aname,
								   const Float8Array *b, const char *bname);
extern void hs_require_not_empty(int n, const char *argname);

extern TupleDesc hs_result_tupdesc(FunctionCallInfo fcinfo, const char *funcname);
extern char *hs_float8_text(float8 value);
extern void hs_check_not_nan(float8 value, const char *argname);
extern void hs_check_finite(float8 value, const char *argname);
extern void hs_check_score(float8 score, const char *argname);

static inline float8
hs_clamp_score(float8 score)
{
	/* "<=" so that -0.0 comes out as 0 */
	if (score <= HS_SCORE_MIN)
		return HS_SCORE_MIN;
	if (score > HS_SCORE_MAX)
		return HS_SCORE_MAX;
	return score;
}

/* How a scorecard or a model row turns a metric's value into a score. */
typedef enum ScaleMethod
{
	METHOD_LINEAR,				/* scale(value, worst, best) */
	METHOD_LOG,					/* scale_log(value, worst, best) */
	METHOD_SCORE				/* already a 0-100 score: taken as it is */
} ScaleMethod;

extern ScaleMethod hs_parse_scale_method(text *method, int index);
extern void hs_prepare_anchors(ScaleMethod method, float8 *worst, float8 *best,
							   float8 *span);

/*
 * scale.c: the checks behind scale() and scale_log().  The mappings
 * themselves are inline here so that scorecard() runs the very same
 * arithmetic without a call per metric.
 */
extern void hs_check_anchors(float8 worst, float8 best);
extern void hs_check_log_anchors(float8 worst, float8 best);
extern void hs_check_log_argument(float8 x, const char *argname);

/*
 * Position of value between worst (0) and best (1), unclamped.  When the
 * anchors are so far apart that best - worst overflows, halve everything
 * first: that is exact for normal numbers and keeps the ratio finite.
 * span is best - worst, which callers with constant anchors compute once.
 */
static inline float8
hs_linear_position_span(float8 value, float8 worst, float8 best, float8 span)
{
	if (unlikely(isinf(span)))
		return (value / 2 - worst / 2) / (best / 2 - worst / 2);
	return (value - worst) / span;
}

static inline float8
hs_linear_position(float8 value, float8 worst, float8 best)
{
	return hs_linear_position_span(value, worst, best, best - worst);
}

/* The linear score of a non-NaN value between checked anchors. */
static inline float8
hs_linear_score(float8 value, float8 worst, float8 best)
{
	return hs_clamp_score(100.0 * hs_linear_position(value, worst, best));
}

/*
 * The logarithmic axis of scale_log: ln(1 + x).  log(1 + x) rather than
 * log1p(x): it is several times faster, equals SQL's ln(1 + x) to the
 * bit, and for x below 1e-8, where log1p is more precise, the two differ
 * by less than 1e-15 score points.
 */
static inline float8
hs_log_axis(float8 x)
{
	return log(1.0 + x);
}

/*
 * The log score of a non-NaN value, given hs_log_axis() of checked
 * anchors: callers with constant anchors take their logarithms once.
 */
static inline float8
hs_log_score(float8 value, float8 log_worst, float8 log_best)
{
	if (unlikely(value < 0))
		hs_check_log_argument(value, "value");
	return hs_clamp_score(100.0 * hs_linear_position(hs_log_axis(value),
													 log_worst, log_best));
}

/*
 * The score of a non-NaN value by a linear or log mapping whose anchors
 * hs_prepare_anchors() prepared; a log value must not be negative.
 */
static inline float8
hs_prepared_score(ScaleMethod method, float8 worst, float8 best, float8 span, float8 value)
{
	float8		position = method == METHOD_LOG ? hs_log_axis(value) : value;

	return hs_clamp_score(100.0 * hs_linear_position_span(position, worst, best, span));
}

/*
 * weighting.c: the sums one pass over (score, weight) pairs yields.  They
 * are accumulated left to right, the order a plain-SQL "w1*s1 + w2*s2"
 * uses, so the two agree to the last bit.
 */
typedef struct WeightedSums
{
	float8		weighted;		/* sum of weight * score over present scores */
	float8		present;		/* sum of weights of present scores */
	float8		total;			/* sum of all weights */
} WeightedSums;

/* Add a present score; the total weight is the caller's to keep. */
static inline void
hs_weighted_add(WeightedSums *sums, float8 weight, float8 score)
{
	sums->weighted += weight * score;
	sums->present += weight;
}

extern void hs_check_weight(float8 weight, int index);
extern void hs_check_element_score(float8 score, int index);
extern void hs_check_weighted_sums(const WeightedSums *sums);
extern void hs_check_min_coverage(float8 min_coverage);

static inline float8
hs_coverage_of(const WeightedSums *sums)
{
	return sums->present / sums->total;
}

/*
 * The weighted mean, or false when there is none: no weight present, or
 * coverage below min_coverage.
 */
static inline bool
hs_weighted_mean(const WeightedSums *sums, float8 min_coverage, float8 *mean)
{
	if (sums->present == 0 || hs_coverage_of(sums) < min_coverage)
		return false;
	/* a mean of scores in 0-100 is in 0-100; clamp away rounding residue */
	*mean = hs_clamp_score(sums->weighted / sums->present);
	return true;
}

/* labels.c: round(value::numeric, 1)::float8, the views' rounding */
extern float8 hs_round_one_decimal_as_numeric(float8 value);

/*
 * Beyond this the fast path of hs_round_one_decimal cannot tell how
 * numeric would round: float8_numeric keeps DBL_DIG (15) significant
 * digits, which from 1e6 up may move a value by 5e-10 or more.
 */
#define HS_ROUND_FAST_LIMIT	1e6
/* tenfold values this close to a tie are decided as numeric decides them */
#define HS_ROUND_TIE_MARGIN	1e-6

/*
 * round(value::numeric, 1)::float8, which the views show every score as,
 * without the two conversions through text that make it cost a
 * microsecond.  numeric rounds the 15-digit decimal form of value half
 * away from zero, then reads the result back as the nearest float8.
 * Below HS_ROUND_FAST_LIMIT that decimal form is within 5e-10 of value,
 * so unless ten times value lies within HS_ROUND_TIE_MARGIN of a tie,
 * rounding the exact value gives the same tenths; the tenths n, divided by
 * 10 in float8, are the nearest float8 to n/10, as numeric_float8 reads
 * it.  Near a tie, and for large values, numeric itself decides.
 *
 * Inline and without a data-dependent branch: a view rounds every metric
 * score of every row, and a mispredicted "round up?" cost more than the
 * arithmetic.  floor() is a conversion to an integer, exact below the
 * limit.  Adding 0.0 turns a negative zero positive: numeric has none.
 */
static inline float8
hs_round_one_decimal(float8 value)
{
	float8		tenfold = fabs(value) * 10.0;
	float8		tenths;
	float8		fraction;

	if (unlikely(!(tenfold < HS_ROUND_FAST_LIMIT * 10.0)))
		return isnan(value) || isinf(value) ? value : hs_round_one_decimal_as_numeric(value);
	tenths = (float8) (int64) tenfold;
	fraction = tenfold - tenths;
	if (unlikely(fabs(fraction - 0.5) < HS_ROUND_TIE_MARGIN))
		return hs_round_one_decimal_as_numeric(value);
	tenths += (float8) (fraction > 0.5);
	return copysign(tenths / 10.0, value) + 0.0;
}

/* Bands, worst first; the order band_counts reports them in. */
typedef enum HealthBand
{
	HS_BAND_RED,
	HS_BAND_YELLOW,
	HS_BAND_GREEN
} HealthBand;

#define HS_NUM_BANDS 3

extern const char *const hs_band_names[HS_NUM_BANDS];
extern void hs_check_band_thresholds(float8 red_below, float8 green_from);
extern HealthBand hs_band_of(float8 score, float8 red_below, float8 green_from);

/*
 * State of the counting aggregates (tally.c), the body of the SQL type
 * health_score.tally_state.  What each slot counts is the owning
 * aggregate's business; combine adds them slot by slot.
 */
#define HS_TALLY_SLOTS 5

typedef struct Tally
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		scale;			/* csat's scale_max; 0 until known */
	int64		slot[HS_TALLY_SLOTS];
} Tally;

extern Tally *hs_tally_get(FunctionCallInfo fcinfo, const char *fname);
extern void hs_tally_set_scale(Tally *tally, int32 scale);
extern const Tally *hs_tally_final_state(FunctionCallInfo fcinfo);

/* trend.c: a snapshot's time, from timestamptz or date, as microseconds */
extern int64 hs_snapshot_time(Datum taken_at);
extern int64 hs_snapshot_day(Datum taken_on);
extern DateADT hs_finite_date(Datum value, const char *argname);

/*
 * trend.c: the sums of a least-squares fit of y on x, kept as PostgreSQL's
 * regr_slope() keeps them (float8_regr_accum, float8_regr_combine); the
 * count of points is the caller's.
 */
typedef struct HsLeastSquares
{
	float8		sx;
	float8		sxx;
	float8		sy;
	float8		sxy;
} HsLeastSquares;

extern void hs_least_squares_add(HsLeastSquares *sums, int64 n, float8 x, float8 y);
extern void hs_least_squares_merge(HsLeastSquares *into, int64 n_into,
								   const HsLeastSquares *from, int64 n_from);
extern bool hs_least_squares_slope(const HsLeastSquares *sums, int64 n, float8 *slope);

/* sparkline.c: n scores drawn as block characters, lowest to highest */
extern text *hs_sparkline_draw(int n, const float8 *values, const bool *isnull,
							   bool has_scale, float8 low, float8 high);

/* aggregate_state.c: what every aggregate's state needs */
extern MemoryContext hs_aggregate_context(FunctionCallInfo fcinfo, const char *funcname);
extern MemoryContext hs_state_context(FunctionCallInfo fcinfo, const char *funcname);
extern void hs_require_state_bytes(StringInfo buf, int64 expected, const char *typname);

/*
 * How a family's state type goes to bytes and back: the layout after the
 * version byte is the family's (write, read); the text form, \x and those
 * bytes in hex, and 1.2's serialize and deserialize are aggregate_state.c's.
 * read must accept only what the family's functions can produce.
 */
typedef struct HsStateCodec
{
	const char *typname;		/* health_score.tally_state, in errors */
	const char *statename;		/* tally: 1.2's name for it, in errors */
	const char *deserialize_name;	/* 1.2's deserialize, in errors */
	int			format_version;
	void		(*write) (StringInfo buf, const void *state);
	void	   *(*read) (StringInfo buf, MemoryContext mcxt);
} HsStateCodec;

extern Datum hs_state_out(FunctionCallInfo fcinfo, const HsStateCodec *codec);
extern Datum hs_state_in(FunctionCallInfo fcinfo, const HsStateCodec *codec);
extern Datum hs_state_serialize(FunctionCallInfo fcinfo, const HsStateCodec *codec);
extern Datum hs_state_deserialize(FunctionCallInfo fcinfo, const HsStateCodec *codec);

/*
 * A state-type argument, detoasted: a combine function's second, an
 * output or a final function's.  Testing inline spares a function call
 * in the common case.
 */
static inline void *
hs_state_arg(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *state = (struct varlena *) PG_GETARG_POINTER(argno);

	if (unlikely(VARATT_IS_EXTENDED(state)))
		state = pg_detoast_datum(state);
	return state;
}

/*
 * The state a transition or combine function changes in place, its first
 * argument.  It is the aggregate's own, made by these functions or copied
 * by nodeAgg (or Citus) with datumCopy, so it comes neither toasted nor
 * packed; should it ever, it is detoasted into a copy, changed there and
 * returned, and nodeAgg takes the copy as the new state.  One predictable
 * branch a row.
 */
static inline void *
hs_own_state(FunctionCallInfo fcinfo)
{
	struct varlena *state = (struct varlena *) PG_GETARG_POINTER(0);

	if (unlikely(VARATT_IS_EXTENDED(state)))
		return pg_detoast_datum_copy(state);
	return state;
}

#endif							/* HEALTH_SCORE_H */
