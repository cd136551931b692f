/*-------------------------------------------------------------------------
 *
 * snapshot_row.c
 *	  The two jsonb objects a history row holds: a customer's metric
 *	  scores, and each metric's contribution to the score.
 *
 * snapshot() built them with jsonb_build_object, which turns each float8
 * into a jsonb number through its text form (float8out, then numeric_in):
 * 24 conversions a customer, most of a snapshot's time after the trend
 * figures.  Here each number is built from the shortest exact decimal of
 * the float8, the text float8out writes under extra_float_digits >= 1 (as
 * snapshot() runs), as an integer and a count of decimals: the same
 * jsonb, at a fraction of the cost.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(hs_metric_scores_object);
PG_FUNCTION_INFO_V1(hs_contributions_object);

/* beyond this, an integer of the digits might overflow: go through numeric_in */
#define MAX_FAST_DIGITS 18

/*
 * numeric_in of the shortest decimal text of a finite value, which
 * float8out writes as [-]digits[.digits][e[+-]digits].
 */
static Numeric
shortest_numeric(float8 value)
{
	char		text[DOUBLE_SHORTEST_DECIMAL_LEN];
	const char *c = text;
	bool		negative = false;
	bool		after_point = false;
	int64		digits = 0;
	int			ndigits = 0;
	int			decimals = 0;
	int			exponent = 0;

	(void) double_to_shortest_decimal_buf(value, text);
	if (*c == '-')
	{
		negative = true;
		c++;
	}
	for (; *c != '\0' && *c != 'e'; c++)
	{
		if (*c == '.')
		{
			after_point = true;
			continue;
		}
		digits = digits * 10 + (*c - '0');
		ndigits++;
		if (after_point)
			decimals++;
	}
	if (*c == 'e')
		exponent = atoi(c + 1);
	decimals -= exponent;
	if (ndigits > MAX_FAST_DIGITS || decimals < 0)
		return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	if (negative)
		digits = -digits;
	return decimals == 0 ? int64_to_numeric(digits) : int64_div_fast_to_numeric(digits, decimals);
}

/* A float8 as jsonb_build_object makes it: a number, or "NaN" and such as strings. */
static void
float8_jsonb_value(float8 value, JsonbValue *result)
{
	if (isfinite(value))
	{
		result->type = jbvNumeric;
		result->val.numeric = shortest_numeric(value);
	}
	else
	{
		char	   *text = float8out_internal(value);

		result->type = jbvString;
		result->val.string.val = text;
		result->val.string.len = strlen(text);
	}
}

/* The metric names, deconstructed once a query when they are a constant. */
typedef struct MetricNames
{
	int			n;
	Datum	   *names;
} MetricNames;

static MetricNames *
metric_names(FunctionCallInfo fcinfo)
{
	MetricNames *cached = fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = CurrentMemoryContext;
	MetricNames *result;
	ArrayType  *array;
	bool	   *isnull;

	if (cached != NULL)
		return cached;
	if (get_fn_expr_arg_stable(fcinfo->flinfo, 0))
		mcxt = fcinfo->flinfo->fn_mcxt;
	array = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("names must be a one-dimensional array")));
	result = MemoryContextAlloc(mcxt, sizeof(MetricNames));
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		array = DatumGetArrayTypePCopy(PointerGetDatum(array));
		deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
						  &result->names, &isnull, &result->n);
		MemoryContextSwitchTo(old);
	}
	for (int i = 0; i < result->n; i++)
		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("names must not contain NULL")));
	if (mcxt == fcinfo->flinfo->fn_mcxt)
		fcinfo->flinfo->fn_extra = result;
	return result;
}

/* The float8[] argument argno, one element a metric. */
static void
metric_values(FunctionCallInfo fcinfo, int argno, const char *argname,
			  const MetricNames *names, Float8Array *values)
{
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(argno), argname, values);
	if (values->n != names->n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must have one element a metric: %d elements for %d metrics",
						argname, values->n, names->n)));
}

static bool
is_null(const Float8Array *array, int i)
{
	return array->isnull != NULL && array->isnull[i];
}

static void
push_pair(JsonbParseState **state, Datum name, float8 value)
{
	text	   *name_text = DatumGetTextPP(name);
	JsonbValue	key;
	JsonbValue	number;

	key.type = jbvString;
	key.val.string.val = VARDATA_ANY(name_text);
	key.val.string.len = VARSIZE_ANY_EXHDR(name_text);
	(void) pushJsonbValue(state, WJB_KEY, &key);
	float8_jsonb_value(value, &number);
	(void) pushJsonbValue(state, WJB_VALUE, &number);
}

/*
 * _metric_scores_object(names text[], scores float8[]): {name: score} of
 * the metrics whose score is not NULL; as
 * jsonb_strip_nulls(jsonb_build_object(name, score, ...)).
 */
Datum
hs_metric_scores_object(PG_FUNCTION_ARGS)
{
	MetricNames *names = metric_names(fcinfo);
	Float8Array scores;
	JsonbParseState *state = NULL;
	JsonbValue *object;

	metric_values(fcinfo, 1, "scores", names, &scores);
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < names->n; i++)
		if (!is_null(&scores, i))
			push_pair(&state, names->names[i], scores.values[i]);
	object = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(object));
}

/*
 * _contributions_object(names text[], weights float8[], scores float8[]):
 * {name: weight * score / weight of the metrics present} of the metrics
 * present; as the SQL it replaces, the weight of the metrics present adds
 * in metric order, and a NULL weight among them, or none at all, leaves
 * the object empty.
 */
Datum
hs_contributions_object(PG_FUNCTION_ARGS)
{
	MetricNames *names = metric_names(fcinfo);
	Float8Array weights;
	Float8Array scores;
	JsonbParseState *state = NULL;
	JsonbValue *object;
	float8		present = 0;
	bool		present_known = true;

	metric_values(fcinfo, 1, "weights", names, &weights);
	metric_values(fcinfo, 2, "scores", names, &scores);
	for (int i = 0; i < names->n; i++)
	{
		if (is_null(&scores, i))
			continue;
		if (is_null(&weights, i))
			present_known = false;
		else
			present += weights.values[i];
	}

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (present_known && present != 0)
		for (int i = 0; i < names->n; i++)
			if (!is_null(&scores, i) && !is_null(&weights, i))
				push_pair(&state, names->names[i],
						  weights.values[i] * scores.values[i] / present);
	object = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(object));
}
