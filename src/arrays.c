/*-------------------------------------------------------------------------
 *
 * arrays.c
 *	  Argument checks shared by every health_score function: reading
 *	  float8 arrays in place and rejecting NaN, infinities and scores
 *	  off the 0-100 scale with one wording everywhere; and the row type
 *	  of a composite result.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/float.h"

PG_MODULE_MAGIC;

/*
 * The row type of a function's composite result, blessed, kept in
 * fn_extra for the rest of the query: looking it up copies the type's
 * descriptor on every call, and _top_mover is called once a customer.
 * The functions that call this keep nothing else in fn_extra.
 */
TupleDesc
hs_result_tupdesc(FunctionCallInfo fcinfo, const char *funcname)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	MemoryContext old;

	if (tupdesc != NULL)
		return tupdesc;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must return a composite type", funcname)));
	tupdesc = BlessTupleDesc(tupdesc);
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = tupdesc;
	return tupdesc;
}

/*
 * Format a float8 for an error message exactly as float8out would, so the
 * user sees the value they passed (including NaN and Infinity) rather
 * than a rounded %g.
 */
char *
hs_float8_text(float8 value)
{
	return float8out_internal(value);
}

void
hs_check_not_nan(float8 value, const char *argname)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NaN", argname)));
}

void
hs_check_finite(float8 value, const char *argname)
{
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number: %s",
						argname, hs_float8_text(value))));
}

/* A score is a finite number on the 0-100 health scale. */
void
hs_check_score(float8 score, const char *argname)
{
	if (!(score >= HS_SCORE_MIN && score <= HS_SCORE_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be between 0 and 100: %s",
						argname, hs_float8_text(score))));
}

/*
 * Unpack a float8[] argument.  Multidimensional arrays are rejected: a
 * metric list has one axis, and silently flattening a matrix would pair
 * scores with the wrong weights.
 */
void
hs_read_float8_array(ArrayType *array, const char *argname,
					 Float8Array *result)
{
	int			n;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional",
						argname, ARR_NDIM(array))));
	Assert(ARR_ELEMTYPE(array) == FLOAT8OID);

	n = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	result->n = n;

	if (!ARR_HASNULL(array))
	{
		/* float8 elements are stored aligned and unpadded: read in place */
		result->values = (const float8 *) ARR_DATA_PTR(array);
		result->isnull = NULL;
	}
	else
	{
		const bits8 *bitmap = ARR_NULLBITMAP(array);
		const float8 *packed = (const float8 *) ARR_DATA_PTR(array);
		float8	   *values = palloc(sizeof(float8) * n);
		bool	   *isnull = palloc(sizeof(bool) * n);

		for (int i = 0; i < n; i++)
		{
			isnull[i] = (bitmap[i / 8] & (1 << (i % 8))) == 0;
			values[i] = isnull[i] ? 0.0 : *packed++;
		}
		result->values = values;
		result->isnull = isnull;
	}
}

void
hs_require_no_nulls(const Float8Array *array, const char *elemname)
{
	if (array->isnull == NULL)
		return;
	for (int i = 0; i < array->n; i++)
		if (array->isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s %d must not be NULL", elemname, i + 1)));
}

void
hs_require_same_length(const Float8Array *a, const char *aname,
					   const Float8Array *b, const char *bname)
{
	if (a->n != b->n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s and %s must have the same length: %d and %d",
						aname, bname, a->n, b->n)));
}

void
hs_require_not_empty(int n, const char *argname)
{
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", argname)));
}
