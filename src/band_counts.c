/*-------------------------------------------------------------------------
 *
 * band_counts.c
 *	  The band_counts aggregate: how many scores of a group fall in each
 *	  band, plus how many could not be scored, in one pass.
 *
 * "GROUP BY segment, band(score)" makes the planner guess one group per
 * distinct score, so it picks a large hash aggregate that spills and
 * does not go parallel.  Grouping by segment alone and counting the
 * bands inside an aggregate gives the planner the real number of groups
 * and a combine function, so the count runs in parallel.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "access/htup_details.h"
#include "funcapi.h"

PG_FUNCTION_INFO_V1(hs_band_counts_accum);
PG_FUNCTION_INFO_V1(hs_band_counts_final);

/* Tally slots 0..2 are the bands in HealthBand order; then this one. */
#define SLOT_UNSCORED HS_NUM_BANDS

/*
 * band_counts_accum(state, score [, red_below, green_from]): the
 * three-argument form checks the thresholds on every row because
 * nothing forces them to be constant.
 */
Datum
hs_band_counts_accum(PG_FUNCTION_ARGS)
{
	Tally	   *tally = hs_tally_get(fcinfo, "band_counts");
	float8		red_below = 40;
	float8		green_from = 70;
	float8		score;

	if (PG_NARGS() > 2)
	{
		if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("band_counts thresholds must not be NULL")));
		red_below = PG_GETARG_FLOAT8(2);
		green_from = PG_GETARG_FLOAT8(3);
		hs_check_band_thresholds(red_below, green_from);
	}

	if (PG_ARGISNULL(1))
	{
		tally->slot[SLOT_UNSCORED]++;
		PG_RETURN_POINTER(tally);
	}
	score = PG_GETARG_FLOAT8(1);
	hs_check_score(score, "score");
	tally->slot[hs_band_of(score, red_below, green_from)]++;

	PG_RETURN_POINTER(tally);
}

/* Returns health_score.band_counts (red, yellow, green, unscored). */
Datum
hs_band_counts_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[HS_NUM_BANDS + 1];
	bool		isnull[HS_NUM_BANDS + 1] = {false};
	Tally		empty = {0};
	const Tally *tally = hs_tally_final_state(fcinfo);

	tupdesc = hs_result_tupdesc(fcinfo, "band_counts");

	/* no row at all: every count is 0 */
	if (tally == NULL)
		tally = &empty;
	for (int i = 0; i <= SLOT_UNSCORED; i++)
		values[i] = Int64GetDatum(tally->slot[i]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}
