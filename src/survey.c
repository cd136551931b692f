/*-------------------------------------------------------------------------
 *
 * survey.c
 *	  Survey feedback aggregates: nps (Net Promoter Score), csat
 *	  (customer satisfaction, top-two-box share) and ces (customer effort
 *	  score, mean).
 *
 * NULL ratings are skipped and a group with no ratings gives NULL.  A
 * rating off its scale is an error rather than being skipped: a 0-100
 * slider answer fed into nps would otherwise be counted as a promoter.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

PG_FUNCTION_INFO_V1(hs_nps_accum);
PG_FUNCTION_INFO_V1(hs_nps_final);
PG_FUNCTION_INFO_V1(hs_csat_accum);
PG_FUNCTION_INFO_V1(hs_csat_final);
PG_FUNCTION_INFO_V1(hs_ces_accum);
PG_FUNCTION_INFO_V1(hs_ces_final);

/* What the tally slots hold for the survey aggregates. */
#define SURVEY_COUNT	0		/* ratings seen */
#define SURVEY_TOP		1		/* nps promoters, csat top-two-box */
#define SURVEY_BOTTOM	2		/* nps detractors */
#define SURVEY_SUM		3		/* ces sum of ratings */

#define NPS_MAX 10
#define NPS_PROMOTER_FROM 9
#define NPS_DETRACTOR_UPTO 6
#define CES_MIN 1
#define CES_MAX 7
#define CSAT_SCALE_MIN 3
#define CSAT_SCALE_MAX 100

static void
check_rating(int32 rating, int32 lo, int32 hi, const char *fname)
{
	if (rating < lo || rating > hi)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s rating must be between %d and %d: %d",
						fname, lo, hi, rating)));
}

/* Return the state unchanged for a NULL rating, which may still be NULL. */
#define RETURN_STATE_IF_NULL_RATING() \
	do { \
		if (PG_ARGISNULL(1)) \
		{ \
			if (PG_ARGISNULL(0)) \
				PG_RETURN_NULL(); \
			PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
		} \
	} while (0)

/* The state a final function reads, or NULL when no rating was seen. */
static const Tally *
final_state(FunctionCallInfo fcinfo)
{
	const Tally *tally = hs_tally_final_state(fcinfo);

	return tally != NULL && tally->slot[SURVEY_COUNT] > 0 ? tally : NULL;
}

/* nps: % of 9-10 ratings minus % of 0-6 ratings, -100 to 100 */
Datum
hs_nps_accum(PG_FUNCTION_ARGS)
{
	Tally	   *tally;
	int32		rating;

	RETURN_STATE_IF_NULL_RATING();
	rating = PG_GETARG_INT32(1);
	check_rating(rating, 0, NPS_MAX, "nps");

	tally = hs_tally_get(fcinfo, "nps");
	tally->slot[SURVEY_COUNT]++;
	if (rating >= NPS_PROMOTER_FROM)
		tally->slot[SURVEY_TOP]++;
	else if (rating <= NPS_DETRACTOR_UPTO)
		tally->slot[SURVEY_BOTTOM]++;
	PG_RETURN_POINTER(tally);
}

Datum
hs_nps_final(PG_FUNCTION_ARGS)
{
	const Tally *tally = final_state(fcinfo);

	if (tally == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(100.0 * (float8) (tally->slot[SURVEY_TOP] - tally->slot[SURVEY_BOTTOM])
					 / (float8) tally->slot[SURVEY_COUNT]);
}

/* csat: % of ratings in the top two boxes of a 1..scale_max scale */
Datum
hs_csat_accum(PG_FUNCTION_ARGS)
{
	Tally	   *tally;
	int32		rating;
	int32		scale_max;

	RETURN_STATE_IF_NULL_RATING();
	rating = PG_GETARG_INT32(1);
	/* csat(rating) is csat(rating, 5): aggregates take no defaults */
	if (PG_NARGS() < 3)
		scale_max = 5;
	else if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("csat scale_max must not be NULL")));
	else
		scale_max = PG_GETARG_INT32(2);
	if (scale_max < CSAT_SCALE_MIN || scale_max > CSAT_SCALE_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("csat scale_max must be between %d and %d: %d",
						CSAT_SCALE_MIN, CSAT_SCALE_MAX, scale_max)));
	check_rating(rating, 1, scale_max, "csat");

	tally = hs_tally_get(fcinfo, "csat");
	hs_tally_set_scale(tally, scale_max);
	tally->slot[SURVEY_COUNT]++;
	if (rating >= scale_max - 1)
		tally->slot[SURVEY_TOP]++;
	PG_RETURN_POINTER(tally);
}

Datum
hs_csat_final(PG_FUNCTION_ARGS)
{
	const Tally *tally = final_state(fcinfo);

	if (tally == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(100.0 * (float8) tally->slot[SURVEY_TOP]
					 / (float8) tally->slot[SURVEY_COUNT]);
}

/* ces: mean effort rating on 1-7 */
Datum
hs_ces_accum(PG_FUNCTION_ARGS)
{
	Tally	   *tally;
	int32		rating;

	RETURN_STATE_IF_NULL_RATING();
	rating = PG_GETARG_INT32(1);
	check_rating(rating, CES_MIN, CES_MAX, "ces");

	tally = hs_tally_get(fcinfo, "ces");
	tally->slot[SURVEY_COUNT]++;
	tally->slot[SURVEY_SUM] += rating;
	PG_RETURN_POINTER(tally);
}

Datum
hs_ces_final(PG_FUNCTION_ARGS)
{
	const Tally *tally = final_state(fcinfo);

	if (tally == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((float8) tally->slot[SURVEY_SUM]
					 / (float8) tally->slot[SURVEY_COUNT]);
}
