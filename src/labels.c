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
 * Beyond this the fast path of round_score cannot tell how numeric would
 * round: float8_numeric keeps DBL_DIG (15) significant digits, which from
 * 1e6 up may move a value by 5e-10 or more.
 */
#define ROUND_FAST_LIMIT	1e6
/* tenfold values this close to a tie are decided as numeric decides them */
#define ROUND_TIE_MARGIN	1e-6

/* round(value::numeric, 1)::float8, the slow way */
static float8
round_one_decimal_as_numeric(float8 value)
{
	Datum		n = DirectFunctionCall1(float8_numeric, Float8GetDatum(value));

	n = DirectFunctionCall2(numeric_round, n, Int32GetDatum(1));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, n));
}

/*
 * round(value::numeric, 1)::float8, which the views show every score as,
 * without the two conversions through text that make it cost a
 * microsecond.  numeric rounds the 15-digit decimal form of value half
 * away from zero, then reads the result back as the nearest float8.
 * Below ROUND_FAST_LIMIT that decimal form is within 5e-10 of value, so
 * unless ten times value lies within ROUND_TIE_MARGIN of a tie, rounding
 * the exact value gives the same tenths; the tenths n, divided by 10 in
 * float8, are the nearest float8 to n/10, as numeric_float8 reads it.
 * Near a tie, and for large values, numeric itself decides.  numeric has
 * no negative zero.
 */
float8
hs_round_one_decimal(float8 value)
{
	float8		tenfold;
	float8		tenths;
	float8		fraction;

	if (isnan(value) || isinf(value))
		return value;
	if (fabs(value) >= ROUND_FAST_LIMIT)
		return round_one_decimal_as_numeric(value);

	/*
	 * floor() by conversion to an integer, exact below ROUND_FAST_LIMIT:
	 * a library call there would cost more than the rest (the views
	 * round every metric score of every row).
	 */
	tenfold = fabs(value) * 10.0;
	tenths = (float8) (int64) tenfold;
	fraction = tenfold - tenths;
	if (fabs(fraction - 0.5) < ROUND_TIE_MARGIN)
		return round_one_decimal_as_numeric(value);
	if (fraction > 0.5)
		tenths += 1.0;
	if (tenths == 0.0)
		return 0.0;
	return copysign(tenths / 10.0, value);
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

/*
 * grade(score, cutoffs, letters): score >= cutoffs[1] gets letters[1],
 * cutoffs[1] > score >= cutoffs[2] gets letters[2], ..., below the last
 * cutoff gets the last letter.
 */
Datum
hs_grade(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	ArrayType  *letters_array = PG_GETARG_ARRAYTYPE_P(2);
	Float8Array cutoffs;
	Datum	   *letters;
	bool	   *letter_isnull;
	int			nletters;
	int			chosen;

	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(1), "cutoffs", &cutoffs);
	if (ARR_NDIM(letters_array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("letters must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(letters_array))));
	deconstruct_array(letters_array, TEXTOID, -1, false, TYPALIGN_INT,
					  &letters, &letter_isnull, &nletters);

	hs_check_score(score, "score");
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

	chosen = 0;
	while (chosen < cutoffs.n && score < cutoffs.values[chosen])
		chosen++;

	PG_RETURN_TEXT_P(DatumGetTextPCopy(letters[chosen]));
}
