/*-------------------------------------------------------------------------
 *
 * model_row.c
 *	  _model_row(): every score a model's views show for one customer, in
 *	  one call.
 *
 * A model's scores view once called a function per metric, built the
 * metric scores into an array twice (for the score and for its
 * coverage) and rounded each column with another call: about four times
 * the cost of scorecard() on the same row.  _model_row() does what those
 * calls did, to the last bit, in one call: it scales each metric, weighs
 * the present ones and returns
 *
 *		{score, coverage, metric score 1, ..., metric score n}
 *
 * the score and the metric scores rounded to one decimal as the views
 * show them, the coverage unrounded.  Unlike scorecard(), it treats a
 * NaN value as missing (a source column's NaN must not fail every
 * reader), gives a row whose weights are all zero no score and no
 * coverage (a segment may weigh every metric zero), names metrics in its
 * errors, and takes weights that vary row by row (segment overrides).
 *
 * _model_row_overridden() takes one argument more, before the values: the
 * scores set by hand for the row (health_score.override), one element per
 * metric, NULL where the metric is not overridden, or NULL for a row with
 * no override.  An override is the metric's score, whatever its value.
 * Overridable metrics so keep their scaling here, in C, rather than be
 * scaled in SQL to be replaced there.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(hs_model_row);
PG_FUNCTION_INFO_V1(hs_model_row_overridden);

/* The arguments before the metric values. */
#define ARG_NAMES 0
#define ARG_METHODS 1
#define ARG_WORST 2
#define ARG_BEST 3
#define ARG_WEIGHTS 4
#define ARG_MIN_COVERAGE 5
#define NUM_MODEL_ARGS 6
/* _model_row_overridden's overrides, then its values */
#define ARG_OVERRIDES 6

/* The result's first elements; the metric scores follow. */
#define RESULT_SCORE 0
#define RESULT_COVERAGE 1
#define NUM_SUMMARY_RESULTS 2

typedef struct ModelRowMetric
{
	char	   *name;
	ScaleMethod method;
	float8		worst;			/* hs_log_axis(worst) for METHOD_LOG */
	float8		best;			/* hs_log_axis(best) for METHOD_LOG */
	float8		span;			/* best - worst, as above */
} ModelRowMetric;

typedef struct ModelRow
{
	int			nmetrics;
	float8		min_coverage;
	float8	   *weights;		/* NULL when they vary row by row */
	float8		total_weight;	/* of the constant weights */
	Datum	   *result;			/* room for the result's elements */
	bool	   *result_isnull;
	ModelRowMetric metrics[FLEXIBLE_ARRAY_MEMBER];
} ModelRow;

/* Names the metric whose definition an error is about. */
static void
model_row_metric_context(void *arg)
{
	const char *name = *(const char **) arg;

	if (name != NULL)
		errcontext("metric \"%s\"", name);
}

static void
require_float8_values(FunctionCallInfo fcinfo, int first_value, int nmetrics)
{
	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("_model_row takes its metric values as separate arguments, not as a VARIADIC array")));
	for (int i = 0; i < nmetrics; i++)
		if (get_fn_expr_argtype(fcinfo->flinfo, first_value + i) != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("metric value %d has type %s, not double precision", i + 1,
							format_type_be(get_fn_expr_argtype(fcinfo->flinfo,
															   first_value + i)))));
}

/* Check the weights of one row and return their total. */
static float8
checked_weight_total(const Float8Array *weights, int nmetrics)
{
	float8		total = 0;

	if (weights->n != nmetrics)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("weights must have one element per metric: %d elements for %d metrics",
						weights->n, nmetrics)));
	hs_require_no_nulls(weights, "weight");
	for (int i = 0; i < nmetrics; i++)
	{
		hs_check_weight(weights->values[i], i + 1);
		total += weights->values[i];
	}
	/* all zero is a row with no score, not an error */
	if (total != 0)
	{
		WeightedSums sums = {.total = total};

		hs_check_weighted_sums(&sums);
	}
	return total;
}

/*
 * Parse and check the model arguments into a ModelRow allocated in mcxt.
 * Every error the model's definition can raise is raised here, so the
 * per-row work only checks values.
 */
static ModelRow *
parse_model_row(FunctionCallInfo fcinfo, int first_value, bool weights_constant,
				MemoryContext mcxt)
{
	int			nmetrics = PG_NARGS() - first_value;
	Datum	   *names;
	bool	   *name_isnull;
	int			nnames;
	Datum	   *methods;
	bool	   *method_isnull;
	int			nmethods;
	Float8Array worst;
	Float8Array best;
	ModelRow   *row;
	const char *metric_name = NULL;
	ErrorContextCallback errcallback;

	hs_require_not_empty(nmetrics, "metrics");
	require_float8_values(fcinfo, first_value, nmetrics);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(ARG_NAMES), TEXTOID, -1, false,
					  TYPALIGN_INT, &names, &name_isnull, &nnames);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(ARG_METHODS), TEXTOID, -1, false,
					  TYPALIGN_INT, &methods, &method_isnull, &nmethods);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_WORST), "worst", &worst);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_BEST), "best", &best);
	hs_require_no_nulls(&worst, "worst");
	hs_require_no_nulls(&best, "best");
	if (nnames != nmetrics || nmethods != nmetrics || worst.n != nmetrics ||
		best.n != nmetrics)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("names, methods, worst and best must each have one element per metric: %d, %d, %d and %d elements for %d metrics",
						nnames, nmethods, worst.n, best.n, nmetrics)));

	row = MemoryContextAllocZero(mcxt, offsetof(ModelRow, metrics) +
								 sizeof(ModelRowMetric) * nmetrics);
	row->nmetrics = nmetrics;
	row->min_coverage = PG_GETARG_FLOAT8(ARG_MIN_COVERAGE);
	hs_check_min_coverage(row->min_coverage);
	row->result = MemoryContextAlloc(mcxt, sizeof(Datum) * (NUM_SUMMARY_RESULTS + nmetrics));
	row->result_isnull = MemoryContextAlloc(mcxt, sizeof(bool) * (NUM_SUMMARY_RESULTS + nmetrics));

	errcallback.callback = model_row_metric_context;
	errcallback.arg = &metric_name;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	for (int i = 0; i < nmetrics; i++)
	{
		ModelRowMetric *m = &row->metrics[i];

		if (name_isnull[i] || method_isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the name and method of metric %d must not be NULL", i + 1)));
		m->name = MemoryContextStrdup(mcxt, TextDatumGetCString(names[i]));
		metric_name = m->name;
		m->method = hs_parse_scale_method(DatumGetTextPP(methods[i]), i + 1);
		m->worst = worst.values[i];
		m->best = best.values[i];
		hs_prepare_anchors(m->method, &m->worst, &m->best, &m->span);
	}
	error_context_stack = errcallback.previous;

	if (weights_constant)
	{
		Float8Array weights;

		hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_WEIGHTS), "weights", &weights);
		row->total_weight = checked_weight_total(&weights, nmetrics);
		row->weights = MemoryContextAlloc(mcxt, sizeof(float8) * nmetrics);
		memcpy(row->weights, weights.values, sizeof(float8) * nmetrics);
	}
	return row;
}

/* The 0-100 score of a metric's non-NaN value. */
static float8
metric_score(const ModelRowMetric *m, float8 value)
{
	switch (m->method)
	{
		case METHOD_LOG:
			if (value < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("metric \"%s\" is on a log scale and must not be negative: %s",
								m->name, hs_float8_text(value)),
						 errhint("Make the metric's expression give no negative value (greatest(expression, 0), or NULL where it has none), or use method \"linear\".")));
			/* FALLTHROUGH */
		case METHOD_LINEAR:
			return hs_prepared_score(m->method, m->worst, m->best, m->span, value);
		case METHOD_SCORE:
			if (!(value >= HS_SCORE_MIN && value <= HS_SCORE_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("metric \"%s\" has a score outside 0-100: %s",
								m->name, hs_float8_text(value))));
			return value;
	}
	pg_unreachable();
}

/*
 * The scores a row's overrides set, checked: NULL when the row has none.
 * An override outside 0-100 could only come from the log by a way around
 * its checks; it is an error naming the metric, as a score is.
 */
static const float8 *
row_overrides(FunctionCallInfo fcinfo, const ModelRow *row, const bool **isnull)
{
	Float8Array overrides;

	if (PG_ARGISNULL(ARG_OVERRIDES))
		return NULL;
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_OVERRIDES), "overrides", &overrides);
	if (overrides.n != row->nmetrics)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("overrides must have one element per metric: %d elements for %d metrics",
						overrides.n, row->nmetrics)));
	for (int i = 0; i < row->nmetrics; i++)
		if ((overrides.isnull == NULL || !overrides.isnull[i]) &&
			!(overrides.values[i] >= HS_SCORE_MIN && overrides.values[i] <= HS_SCORE_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("override of metric \"%s\" is outside 0-100: %s",
							row->metrics[i].name, hs_float8_text(overrides.values[i]))));
	*isnull = overrides.isnull;
	return overrides.values;
}

/*
 * One row of either function: first_value is the position of the first
 * metric value, after the overrides when there are.
 *
 * = {round_score(weighted_score(ARRAY[s_1, ..., s_n], weights, min_coverage)),
 *	  coverage(ARRAY[s_1, ..., s_n], weights),
 *	  round_score(s_1), ..., round_score(s_n)}
 * where s_i is the override of metric i when there is one, else the score
 * of value i by method i between worst i and best i, NULL for a NULL or
 * NaN value; the score and the coverage are NULL when the weights are all
 * zero.
 */
static Datum
model_row(FunctionCallInfo fcinfo, int first_value)
{
	ModelRow   *row;
	const float8 *weights;
	const float8 *overrides = NULL;
	const bool *override_isnull = NULL;
	WeightedSums sums = {0};
	float8		mean;
	int			dims[1];
	int			lbs[1] = {1};

	for (int i = 0; i < NUM_MODEL_ARGS; i++)
		if (PG_ARGISNULL(i))
			PG_RETURN_NULL();

	row = (ModelRow *) fcinfo->flinfo->fn_extra;
	if (row == NULL)
	{
		bool		constant = true;
		bool		weights_constant = get_fn_expr_arg_stable(fcinfo->flinfo, ARG_WEIGHTS);

		for (int i = 0; i < NUM_MODEL_ARGS; i++)
			if (i != ARG_WEIGHTS && !get_fn_expr_arg_stable(fcinfo->flinfo, i))
				constant = false;
		if (constant)
		{
			row = parse_model_row(fcinfo, first_value, weights_constant, fcinfo->flinfo->fn_mcxt);
			fcinfo->flinfo->fn_extra = row;
		}
		else
			row = parse_model_row(fcinfo, first_value, weights_constant, CurrentMemoryContext);
	}

	if (row->weights != NULL)
	{
		weights = row->weights;
		sums.total = row->total_weight;
	}
	else
	{
		Float8Array row_weights;

		hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(ARG_WEIGHTS), "weights", &row_weights);
		sums.total = checked_weight_total(&row_weights, row->nmetrics);
		weights = row_weights.values;
	}
	if (first_value > ARG_OVERRIDES)
		overrides = row_overrides(fcinfo, row, &override_isnull);

	for (int i = 0; i < row->nmetrics; i++)
	{
		int			arg = first_value + i;
		float8		value = PG_ARGISNULL(arg) ? NAN : PG_GETARG_FLOAT8(arg);
		float8		score;

		if (overrides != NULL && (override_isnull == NULL || !override_isnull[i]))
			score = overrides[i];
		else if (isnan(value))
		{
			row->result_isnull[NUM_SUMMARY_RESULTS + i] = true;
			continue;
		}
		else
			score = metric_score(&row->metrics[i], value);
		row->result_isnull[NUM_SUMMARY_RESULTS + i] = false;
		hs_weighted_add(&sums, weights[i], score);
		row->result[NUM_SUMMARY_RESULTS + i] = Float8GetDatum(hs_round_one_decimal(score));
	}

	row->result_isnull[RESULT_SCORE] = true;
	row->result_isnull[RESULT_COVERAGE] = true;
	if (sums.total != 0)
	{
		row->result_isnull[RESULT_COVERAGE] = false;
		row->result[RESULT_COVERAGE] = Float8GetDatum(hs_coverage_of(&sums));
		if (hs_weighted_mean(&sums, row->min_coverage, &mean))
		{
			row->result_isnull[RESULT_SCORE] = false;
			row->result[RESULT_SCORE] = Float8GetDatum(hs_round_one_decimal(mean));
		}
	}

	dims[0] = NUM_SUMMARY_RESULTS + row->nmetrics;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(row->result, row->result_isnull, 1, dims, lbs,
											 FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
											 TYPALIGN_DOUBLE));
}

/* _model_row(names, methods, worst, best, weights, min_coverage, VARIADIC values float8) */
Datum
hs_model_row(PG_FUNCTION_ARGS)
{
	return model_row(fcinfo, NUM_MODEL_ARGS);
}

/*
 * _model_row_overridden(names, methods, worst, best, weights, min_coverage,
 *						 overrides float8[], VARIADIC values float8)
 */
Datum
hs_model_row_overridden(PG_FUNCTION_ARGS)
{
	return model_row(fcinfo, ARG_OVERRIDES + 1);
}
