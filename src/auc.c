/*-------------------------------------------------------------------------
 *
 * auc.c
 *	  The auc(score, outcome) aggregate: how well a health score separates
 *	  the customers with the bad outcome (outcome = true: churned) from the
 *	  others, as the area under the ROC curve.
 *
 * A health score is good when churned customers score low, so the AUC is
 * the probability that a customer who stayed outscores one who churned,
 * ties counting one half: 1.0 for a perfect score, about 0.5 for a random
 * one, below 0.5 for a score that points the wrong way.  That is the
 * Mann-Whitney U statistic over the churned x stayed pairs, divided by
 * their number, and it needs every score of both classes, in order.
 *
 * The state is the distribution aggregate's: a builder that keeps each
 * class as a segment of sorted, counted distinct values, so the combine
 * function is the distribution's, and only adding a row and the final
 * sweep are here.  The sweep walks the two classes' sorted values
 * together once.
 *
 * Since 1.3 the state is a distribution value (distribution_state.c holds
 * the SQL entry points); hs_auc_accum and hs_auc_final below serve the
 * internal state of 1.2's auc(), for a database not yet updated to 1.3.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "distribution.h"

PG_FUNCTION_INFO_V1(hs_auc_accum);
PG_FUNCTION_INFO_V1(hs_auc_final);

/* The segment keys of the two classes. */
static const char churned_key[] = "t";
static const char stayed_key[] = "f";

/* Add one customer's score to its class. */
void
dist_auc_add(DistBuilder *builder, float8 score, bool churned)
{
	if (churned)
		dist_builder_add(builder, churned_key, 1, score);
	else
		dist_builder_add(builder, stayed_key, 1, score);
}

/* auc_accum(internal, score float8, outcome bool): NULL in either is skipped */
Datum
hs_auc_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DistBuilder *builder = PG_ARGISNULL(0) ? NULL : (DistBuilder *) PG_GETARG_POINTER(0);
	float8		score;

	aggcontext = hs_aggregate_context(fcinfo, "auc_accum");

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (builder == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(builder);
	}
	score = PG_GETARG_FLOAT8(1);
	dist_check_value(score, "score");

	if (builder == NULL)
		builder = dist_builder_create(aggcontext, true);
	dist_auc_add(builder, score, PG_GETARG_BOOL(2));
	PG_RETURN_POINTER(builder);
}

/*
 * Twice the Mann-Whitney U of the stayed over the churned: for each
 * churned value, its count times (2 x stayed above it + stayed equal).
 * Each factor is computed in float8, exactly for any table PostgreSQL can
 * hold (fewer than 2^53 rows), and without overflow for counts up to a
 * bigint's, which a corrupt partial state may claim; the sum's relative
 * error stays far below what an AUC is read to.
 */
static float8
twice_u(const Distribution *dist, const DistGroup *churned, const DistGroup *stayed)
{
	const float8 *c_values = dist_values(dist, churned);
	const float8 *s_values = dist_values(dist, stayed);
	const int64 *s_below = dist_below(dist, stayed);
	int32		j = 0;
	float8		sum = 0;

	for (int32 i = 0; i < churned->ndistinct; i++)
	{
		float8		c = c_values[i];
		int64		below;
		int64		equal = 0;
		int64		above;

		/* the first stayed value not below c */
		while (j < stayed->ndistinct && s_values[j] < c)
			j++;
		below = j < stayed->ndistinct ? s_below[j] : stayed->total;
		if (j < stayed->ndistinct && s_values[j] == c)
			equal = dist_count_at(dist, stayed, j);
		above = stayed->total - below - equal;
		sum += (float8) dist_count_at(dist, churned, i) * (2.0 * (float8) above + (float8) equal);
	}
	return sum;
}

/*
 * The AUC of a state's flat form, or false when there is none: an AUC
 * compares two classes, and one of them is empty.
 */
bool
dist_auc(const Distribution *dist, float8 *auc)
{
	const DistGroup *churned = dist_find_group(dist, churned_key, 1);
	const DistGroup *stayed = dist_find_group(dist, stayed_key, 1);

	if (churned == NULL || stayed == NULL)
		return false;
	*auc = twice_u(dist, churned, stayed) /
		(2.0 * (float8) churned->total * (float8) stayed->total);
	return true;
}

Datum
hs_auc_final(PG_FUNCTION_ARGS)
{
	Distribution *dist;
	float8		auc;

	hs_aggregate_context(fcinfo, "auc_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = dist_builder_finish((DistBuilder *) PG_GETARG_POINTER(0), false);
	if (dist == NULL || !dist_auc(dist, &auc))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc);
}
