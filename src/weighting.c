/*-------------------------------------------------------------------------
 *
 * weighting.c
 *	  Combining per-metric scores into one health score: weighted_score
 *	  and coverage.
 *
 * A missing metric (a NULL score) is left out and the weights of the
 * metrics that are present are renormalized, so a customer with no
 * survey answers is scored on everything else instead of being dragged
 * toward zero.  coverage says how much of the model's total weight was
 * present, and min_coverage lets a caller refuse to score customers about
 * whom too little is known.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

PG_FUNCTION_INFO_V1(hs_weighted_score);
PG_FUNCTION_INFO_V1(hs_coverage);

void
hs_check_weight(float8 weight, int index)
{
	if (isnan(weight) || isinf(weight))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %d must be a finite number: %s",
						index, hs_float8_text(weight))));
	if (weight < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %d must not be negative: %s",
						index, hs_float8_text(weight))));
}

void
hs_check_element_score(float8 score, int index)
{
	if (!(score >= HS_SCORE_MIN && score <= HS_SCORE_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("score %d must be between 0 and 100: %s",
						index, hs_float8_text(score)),
				 errhint("Normalize raw metrics with scale(), scale_log() or scale_steps() first.")));
}

/* Read, check and sum the two arrays. */
static void
weighted_sums(FunctionCallInfo fcinfo, WeightedSums *sums)
{
	Float8Array scores;
	Float8Array weights;

	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(0), "scores", &scores);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(1), "weights", &weights);
	hs_require_same_length(&scores, "scores", &weights, "weights");
	hs_require_not_empty(scores.n, "scores");
	hs_require_no_nulls(&weights, "weight");

	memset(sums, 0, sizeof(WeightedSums));
	for (int i = 0; i < scores.n; i++)
	{
		hs_check_weight(weights.values[i], i + 1);
		sums->total += weights.values[i];
		if (!(scores.isnull && scores.isnull[i]))
		{
			hs_check_element_score(scores.values[i], i + 1);
			hs_weighted_add(sums, weights.values[i], scores.values[i]);
		}
	}
	hs_check_weighted_sums(sums);
}

/*
 * Errors for sums that cannot be renormalized.  Checked after the loop:
 * a zero total or an overflow is a property of all the weights together.
 */
void
hs_check_weighted_sums(const WeightedSums *sums)
{
	if (sums->total == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not all be zero"),
				 errdetail("With no weight there is nothing to renormalize over.")));
	/* bounding total * 100 bounds every weighted sum these weights make */
	if (isinf(sums->total * HS_SCORE_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("weights are too large: their weighted sum overflows"),
				 errhint("Weights are relative; divide them all by the same factor.")));
}

void
hs_check_min_coverage(float8 min_coverage)
{
	if (!(min_coverage >= 0 && min_coverage <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_coverage must be between 0 and 1: %s",
						hs_float8_text(min_coverage))));
}

/*
 * weighted_score(scores, weights, min_coverage): the weighted mean of the
 * present scores; NULL when no weight is present or when coverage is
 * below min_coverage.
 */
Datum
hs_weighted_score(PG_FUNCTION_ARGS)
{
	float8		min_coverage = PG_GETARG_FLOAT8(2);
	WeightedSums sums;
	float8		mean;

	hs_check_min_coverage(min_coverage);
	weighted_sums(fcinfo, &sums);

	if (!hs_weighted_mean(&sums, min_coverage, &mean))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mean);
}

/*
 * coverage(scores, weights): the share of the total weight carried by
 * the scores that are present, 0-1.
 */
Datum
hs_coverage(PG_FUNCTION_ARGS)
{
	WeightedSums sums;

	weighted_sums(fcinfo, &sums);
	PG_RETURN_FLOAT8(hs_coverage_of(&sums));
}
