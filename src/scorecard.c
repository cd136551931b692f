/*-------------------------------------------------------------------------
 *
 * scorecard.c
 *	  scorecard(): scale every metric of a row and combine them by weight
 *	  in one function call.
 *
 * The composable form, weighted_score(ARRAY[scale(m1, ...), ...], w),
 * costs one function call per metric plus building an array for every
 * row.  scorecard() takes the raw metrics as separate VARIADIC "any"
 * arguments, which PostgreSQL passes without building an array, and
 * reads the model (methods, anchors, weights) once per query from
 * fn_extra when those arguments are constants.  It computes exactly what
 * the composable form computes, to the last bit.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(hs_scorecard);

/* The arguments before the metrics. */
#define ARG_METHODS 0
#define ARG_WORST 1
#define ARG_BEST 2
#define ARG_WEIGHTS 3
#define ARG_MIN_COVERAGE 4
#define NUM_MODEL_ARGS 5

/* One metric of the model. */
typedef struct ScorecardMetric
{
	ScaleMethod method;
	float8		worst;			/* hs_log_axis(worst) for METHOD_LOG */
	float8		best;			/* hs_log_axis(best) for METHOD_LOG */
	float8		span;			/* best - worst, as above */
	float8		weight;
	Oid			argtype;		/* type of the metric argument */
} ScorecardMetric;

typedef struct Scorecard
{
	int			nmetrics;
	float8		min_coverage;
	float8		total_weight;
	bool		from_array;		/* metrics came as VARIADIC float8[] */
	bool		all_float8;		/* every metric argument is float8 */
	ScorecardMetric metrics[FLEXIBLE_ARRAY_MEMBER];
} Scorecard;

static void
check_metric_type(Oid argtype, int index)
{
	switch (argtype)
	{
		case FLOAT8OID:
		case FLOAT4OID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
			return;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("metric %d has type %s, not a number", index,
							format_type_be(argtype)),
					 errhint("Cast the metric to float8.")));
	}
}

/* Names the metric whose model a parse error is about. */
static void
scorecard_metric_context(void *arg)
{
	errcontext("scorecard metric %d", *(int *) arg);
}

/*
 * Parse and check the model arguments into a Scorecard allocated in
 * mcxt.  Every error a constant model can raise is raised here, so the
 * per-row loop only checks values.
 */
static Scorecard *
parse_scorecard(FunctionCallInfo fcinfo, MemoryContext mcxt)
{
	ArrayType  *methods_array = PG_GETARG_ARRAYTYPE_P(ARG_METHODS);
	Float8Array worst;
	Float8Array best;
	Float8Array weights;
	Datum	   *methods;
	bool	   *method_isnull;
	int			nmethods;
	int			nmetrics;
	bool		from_array = get_fn_expr_variadic(fcinfo->flinfo);
	Scorecard  *card;
	WeightedSums sums = {0};
	int			metric_number = 0;
	ErrorContextCallback errcallback;

	if (ARR_NDIM(methods_array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("methods must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(methods_array))));
	deconstruct_array(methods_array, TEXTOID, -1, false, TYPALIGN_INT,
					  &methods, &method_isnull, &nmethods);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_WORST), "worst", &worst);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_BEST), "best", &best);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_WEIGHTS), "weights", &weights);
	hs_require_no_nulls(&worst, "worst");
	hs_require_no_nulls(&best, "best");
	hs_require_no_nulls(&weights, "weight");

	if (from_array)
	{
		if (get_fn_expr_argtype(fcinfo->flinfo, NUM_MODEL_ARGS) != FLOAT8ARRAYOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("VARIADIC metrics must be a float8[] array")));
		nmetrics = PG_ARGISNULL(NUM_MODEL_ARGS) ? 0 :
			ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(NUM_MODEL_ARGS)),
						   ARR_DIMS(PG_GETARG_ARRAYTYPE_P(NUM_MODEL_ARGS)));
	}
	else
		nmetrics = PG_NARGS() - NUM_MODEL_ARGS;

	hs_require_not_empty(nmetrics, "metrics");
	if (nmethods != nmetrics || worst.n != nmetrics || best.n != nmetrics ||
		weights.n != nmetrics)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("methods, worst, best and weights must each have one element per metric: %d, %d, %d and %d elements for %d metric",
							   "methods, worst, best and weights must each have one element per metric: %d, %d, %d and %d elements for %d metrics",
							   nmetrics,
							   nmethods, worst.n, best.n, weights.n, nmetrics)));

	card = MemoryContextAlloc(mcxt, offsetof(Scorecard, metrics) +
							  sizeof(ScorecardMetric) * nmetrics);
	card->nmetrics = nmetrics;
	card->from_array = from_array;
	card->min_coverage = PG_GETARG_FLOAT8(ARG_MIN_COVERAGE);
	hs_check_min_coverage(card->min_coverage);

	errcallback.callback = scorecard_metric_context;
	errcallback.arg = &metric_number;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (int i = 0; i < nmetrics; i++)
	{
		ScorecardMetric *m = &card->metrics[i];

		metric_number = i + 1;

		if (method_isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("method %d must not be NULL", i + 1)));
		m->method = hs_parse_scale_method(DatumGetTextPP(methods[i]), i + 1);
		m->worst = worst.values[i];
		m->best = best.values[i];
		m->weight = weights.values[i];
		hs_prepare_anchors(m->method, &m->worst, &m->best, &m->span);
		hs_check_weight(m->weight, i + 1);
		sums.total += m->weight;

		m->argtype = from_array ? FLOAT8OID :
			get_fn_expr_argtype(fcinfo->flinfo, NUM_MODEL_ARGS + i);
		check_metric_type(m->argtype, i + 1);
	}
	error_context_stack = errcallback.previous;
	hs_check_weighted_sums(&sums);
	card->total_weight = sums.total;

	card->all_float8 = true;
	for (int i = 0; i < nmetrics; i++)
		if (card->metrics[i].argtype != FLOAT8OID)
			card->all_float8 = false;

	return card;
}

/* The model arguments are the same for every row of this call site? */
static bool
model_is_constant(FunctionCallInfo fcinfo)
{
	for (int i = 0; i < NUM_MODEL_ARGS; i++)
		if (!get_fn_expr_arg_stable(fcinfo->flinfo, i))
			return false;
	return true;
}

static float8
metric_as_float8(Datum value, Oid argtype)
{
	switch (argtype)
	{
		case FLOAT8OID:
			return DatumGetFloat8(value);
		case FLOAT4OID:
			return (float8) DatumGetFloat4(value);
		case INT2OID:
			return (float8) DatumGetInt16(value);
		case INT4OID:
			return (float8) DatumGetInt32(value);
		case INT8OID:
			return (float8) DatumGetInt64(value);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
	}
	elog(ERROR, "unexpected metric type %u", argtype);
	pg_unreachable();
}

static float8
metric_score(const ScorecardMetric *m, float8 value, int index)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metric %d must not be NaN", index)));
	switch (m->method)
	{
		case METHOD_LOG:
			if (value < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("metric %d is on a log scale and must not be negative: %s",
								index, hs_float8_text(value))));
			/* FALLTHROUGH */
		case METHOD_LINEAR:
			return hs_prepared_score(m->method, m->worst, m->best, m->span, value);
		case METHOD_SCORE:
			hs_check_element_score(value, index);
			return value;
	}
	pg_unreachable();
}

/*
 * scorecard(methods, worst, best, weights, min_coverage, VARIADIC metrics)
 * = weighted_score(ARRAY[scale*(metric_i, worst_i, best_i), ...],
 *                  weights, min_coverage)
 */
Datum
hs_scorecard(PG_FUNCTION_ARGS)
{
	Scorecard  *card;
	WeightedSums sums = {0};
	Float8Array from_array = {0};
	float8		mean;

	for (int i = 0; i < NUM_MODEL_ARGS; i++)
		if (PG_ARGISNULL(i))
			PG_RETURN_NULL();

	card = (Scorecard *) fcinfo->flinfo->fn_extra;
	if (card == NULL)
	{
		if (model_is_constant(fcinfo))
		{
			card = parse_scorecard(fcinfo, fcinfo->flinfo->fn_mcxt);
			fcinfo->flinfo->fn_extra = card;
		}
		else
			card = parse_scorecard(fcinfo, CurrentMemoryContext);
	}

	if (card->from_array)
	{
		if (PG_ARGISNULL(NUM_MODEL_ARGS))
			PG_RETURN_NULL();
		hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(NUM_MODEL_ARGS), "metrics",
							 &from_array);
		if (from_array.n != card->nmetrics)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("metrics must have one element per weight: %d metrics for %d weights",
							from_array.n, card->nmetrics)));
	}

	for (int i = 0; i < card->nmetrics; i++)
	{
		const ScorecardMetric *m = &card->metrics[i];
		bool		isnull;
		float8		value;

		if (card->from_array)
		{
			isnull = from_array.isnull && from_array.isnull[i];
			value = from_array.values[i];
		}
		else
		{
			isnull = PG_ARGISNULL(NUM_MODEL_ARGS + i);
			if (isnull)
				value = 0;
			else if (card->all_float8)
				value = PG_GETARG_FLOAT8(NUM_MODEL_ARGS + i);
			else
				value = metric_as_float8(PG_GETARG_DATUM(NUM_MODEL_ARGS + i),
										 m->argtype);
		}

		/* the total weight is known; only the present part varies */
		if (!isnull)
			hs_weighted_add(&sums, m->weight, metric_score(m, value, i + 1));
	}
	sums.total = card->total_weight;

	if (!hs_weighted_mean(&sums, card->min_coverage, &mean))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mean);
}
