/*-------------------------------------------------------------------------
 *
 * distribution_agg.c
 *	  The distribution(value) and distribution(value, segment) aggregates.
 *
 * The state is a DistBuilder in the aggregate's memory context.  Its
 * serialized form is the distribution datum itself, without fingerprint,
 * which deserialize checks in full before trusting a single offset.
 *
 * These are the aggregates of 1.1 and 1.2, with an internal state that
 * Citus cannot ship between nodes.  Since 1.3 the state is a distribution
 * value (distribution_state.c); the functions here stay for a database
 * that runs this library before ALTER EXTENSION health_score UPDATE, whose
 * aggregates still call them.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "distribution.h"

PG_FUNCTION_INFO_V1(hs_distribution_accum);
PG_FUNCTION_INFO_V1(hs_distribution_accum_segment);
PG_FUNCTION_INFO_V1(hs_distribution_final);
PG_FUNCTION_INFO_V1(hs_distribution_combine);
PG_FUNCTION_INFO_V1(hs_distribution_serialize);
PG_FUNCTION_INFO_V1(hs_distribution_deserialize);

/*
 * Add one value; the state is created with the first non-NULL value, so
 * that a group of NULLs gives a NULL distribution.
 */
static Datum
distribution_accum(FunctionCallInfo fcinfo, bool segmented)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "distribution_accum");
	DistBuilder *builder = PG_ARGISNULL(0) ? NULL : (DistBuilder *) PG_GETARG_POINTER(0);
	float8		value;
	const char *key;
	int32		key_len;

	if (!dist_accum_row(fcinfo, segmented, &value, &key, &key_len))
	{
		if (builder == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(builder);
	}
	if (builder == NULL)
		builder = dist_builder_create(aggcontext, segmented);
	dist_builder_add(builder, key, key_len, value);
	PG_RETURN_POINTER(builder);
}

/* distribution_accum(internal, value float8) */
Datum
hs_distribution_accum(PG_FUNCTION_ARGS)
{
	return distribution_accum(fcinfo, false);
}

/* distribution_accum(internal, value float8, segment text) */
Datum
hs_distribution_accum_segment(PG_FUNCTION_ARGS)
{
	return distribution_accum(fcinfo, true);
}

Datum
hs_distribution_final(PG_FUNCTION_ARGS)
{
	Distribution *dist;

	hs_aggregate_context(fcinfo, "distribution_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = dist_builder_finish((DistBuilder *) PG_GETARG_POINTER(0), true);
	if (dist == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(dist);
}

Datum
hs_distribution_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "distribution_combine");
	DistBuilder *into = PG_ARGISNULL(0) ? NULL : (DistBuilder *) PG_GETARG_POINTER(0);
	DistBuilder *from = PG_ARGISNULL(1) ? NULL : (DistBuilder *) PG_GETARG_POINTER(1);

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	/* `from` lives in a short-lived context: copy it into ours */
	if (into == NULL)
		into = dist_builder_create(aggcontext, dist_builder_is_segmented(from));
	dist_builder_merge(into, from);
	PG_RETURN_POINTER(into);
}

Datum
hs_distribution_serialize(PG_FUNCTION_ARGS)
{
	Distribution *dist;

	hs_aggregate_context(fcinfo, "distribution_serialize");
	dist = dist_builder_finish((DistBuilder *) PG_GETARG_POINTER(0), false);
	if (dist == NULL)
		elog(ERROR, "distribution_serialize called with an empty state");
	PG_RETURN_BYTEA_P(dist);
}

Datum
hs_distribution_deserialize(PG_FUNCTION_ARGS)
{
	/*
	 * A copy: a bytea is only int-aligned (a partial state after an int4
	 * group key arrives 4 bytes off), and the layout holds int64s.
	 */
	bytea	   *serialized = PG_GETARG_BYTEA_P_COPY(0);

	hs_aggregate_context(fcinfo, "distribution_deserialize");
	PG_RETURN_POINTER(dist_builder_load(CurrentMemoryContext, (Distribution *) serialized,
										VARSIZE(serialized)));
}
