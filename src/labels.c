/*-------------------------------------------------------------------------
 *
 * labels.c
 *	  Turning a 0-100 score into what customer-success teams read: the
 *	  score to one decimal (round_score), its band (red / yellow / green)
 *	  and its grade (letters).
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

PG_FUNCTION_INFO_V1(hs_round_score);
PG_FUNCTION_INFO_V1(hs_band);
PG_FUNCTION_INFO_V1(hs_grade);

/* Band names, ordered from worst to best; band_counts.c counts them. */
const char *const hs_band_names[HS_NUM_BANDS] = {"red", "yellow", "green"};

/*
 * round(value::numeric, 1)::float8, the slow way: what hs_round_one_decimal
 * (health_score.h) falls back on near a tie and for large values.
 */
float8
hs_round_one_decimal_as_numeric(float8 value)
{
	Datum		n = DirectFunctionCall1(float8_numeric, Float8GetDatum(value));

	n = DirectFunctionCall2(numeric_round, n, Int32GetDatum(1));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, n));
}

/* round_score(score): score to one decimal, as the views show it */
Datum
hs_round_score(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(hs_round_one_decimal(PG_GETARG_FLOAT8(0)));
}

void
hs_check_band_thresholds(float8 red_below, float8 green_from)
{
	hs_check_not_nan(red_below, "red_below");
	hs_check_not_nan(green_from, "green_from");
	if (red_below > green_from)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("red_below must not exceed green_from: %s > %s",
						hs_float8_text(red_below), hs_float8_text(green_from))));
}

HealthBand
hs_band_of(float8 score, float8 red_below, float8 green_from)
{
	if (score < red_below)
		return HS_BAND_RED;
	if (score >= green_from)
		return HS_BAND_GREEN;
	return HS_BAND_YELLOW;
}

/*
 * band(score, red_below, green_from): red below red_below, green from
 * green_from up, yellow between.  Equal thresholds leave no yellow band.
 */
Datum
hs_band(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	float8		red_below = PG_GETARG_FLOAT8(1);
	float8		green_from = PG_GETARG_FLOAT8(2);

	hs_check_score(score, "score");
	hs_check_band_thresholds(red_below, green_from);

	PG_RETURN_TEXT_P(cstring_to_text(hs_band_names[hs_band_of(score, red_below, green_from)]));
}

/* A grade scale: cutoffs, strictly decreasing, and one more letter. */
typedef struct GradeScale
{
	int			ncutoffs;
	float8	   *cutoffs;
	text	  **letters;
} GradeScale;

/* grade()'s cutoffs and letters, checked and copied into mcxt. */
static GradeScale *
read_grade_scale(ArrayType *cutoffs_array, ArrayType *letters_array, MemoryContext mcxt)
{
	Float8Array cutoffs;
	Datum	   *letters;
	bool	   *letter_isnull;
	int			nletters;
	GradeScale *scale;

	hs_read_float8_array(cutoffs_array, "cutoffs", &cutoffs);
	if (ARR_NDIM(letters_array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("letters must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(letters_array))));
	deconstruct_array(letters_array, TEXTOID, -1, false, TYPALIGN_INT,
					  &letters, &letter_isnull, &nletters);

	hs_require_not_empty(cutoffs.n, "cutoffs");
	hs_require_no_nulls(&cutoffs, "cutoff");
	for (int i = 0; i < cutoffs.n; i++)
	{
		if (isnan(cutoffs.values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cutoff %d must not be NaN", i + 1)));
		if (i > 0 && !(cutoffs.values[i] < cutoffs.values[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cutoffs must be strictly decreasing: cutoff %d (%s) is not below cutoff %d (%s)",
							i + 1, hs_float8_text(cutoffs.values[i]),
							i, hs_float8_text(cutoffs.values[i - 1]))));
	}
	if (nletters != cutoffs.n + 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("letters must have one more element than cutoffs: %d letters for %d cutoffs",
						nletters, cutoffs.n)));
	for (int i = 0; i < nletters; i++)
		if (letter_isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("letter %d must not be NULL", i + 1)));

	scale = MemoryContextAlloc(mcxt, sizeof(GradeScale));
	scale->ncutoffs = cutoffs.n;
	scale->cutoffs = MemoryContextAlloc(mcxt, sizeof(float8) * cutoffs.n);
	memcpy(scale->cutoffs, cutoffs.values, sizeof(float8) * cutoffs.n);
	scale->letters = MemoryContextAlloc(mcxt, sizeof(text *) * nletters);
	for (int i = 0; i < nletters; i++)
	{
		text	   *letter = DatumGetTextPP(letters[i]);

		scale->letters[i] = MemoryContextAlloc(mcxt, VARSIZE_ANY(letter));
		memcpy(scale->letters[i], letter, VARSIZE_ANY(letter));
	}
	return scale;
}

/*
 * grade(score, cutoffs, letters): score >= cutoffs[1] gets letters[1],
 * cutoffs[1] > score >= cutoffs[2] gets letters[2], ..., below the last
 * cutoff gets the last letter.  A view passes the same constant scale on
 * every row: it is read and checked once per query then.
 */
Datum
hs_grade(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	FmgrInfo   *flinfo = fcinfo->flinfo;
	GradeScale *scale = flinfo ? (GradeScale *) flinfo->fn_extra : NULL;
	int			chosen;

	if (scale == NULL)
	{
		bool		constant = flinfo != NULL &&
			get_fn_expr_arg_stable(flinfo, 1) && get_fn_expr_arg_stable(flinfo, 2);

		scale = read_grade_scale(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2),
								 constant ? flinfo->fn_mcxt : CurrentMemoryContext);
		if (constant)
			flinfo->fn_extra = scale;
	}
	hs_check_score(score, "score");

	chosen = 0;
	while (chosen < scale->ncutoffs && score < scale->cutoffs[chosen])
		chosen++;

	PG_RETURN_TEXT_P(DatumGetTextPCopy(PointerGetDatum(scale->letters[chosen])));
}
