/*-------------------------------------------------------------------------
 *
 * tally.c
 *	  The aggregate state shared by the counting aggregates (nps, csat,
 *	  ces, band_counts): a handful of int64 counters and one integer
 *	  parameter, with the combine, serialize and deserialize functions
 *	  that let those aggregates run in parallel plans and as Citus
 *	  partial aggregates.
 *
 * Counting is exact and associative, so partial states combine by
 * addition with no loss, in any order.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "libpq/pqformat.h"

PG_FUNCTION_INFO_V1(hs_tally_combine);
PG_FUNCTION_INFO_V1(hs_tally_serialize);
PG_FUNCTION_INFO_V1(hs_tally_deserialize);

/* First byte of every serialized tally; bump when the layout changes. */
#define HS_TALLY_FORMAT_VERSION 1

/*
 * The state for the current group, created in the aggregate memory
 * context on first use.  Erroring out when called outside an aggregate
 * keeps anyone from calling a transition function directly and having it
 * scribble on a value it does not own.
 */
Tally *
hs_tally_get(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, fname);

	if (!PG_ARGISNULL(0))
		return (Tally *) PG_GETARG_POINTER(0);

	return MemoryContextAllocZero(aggcontext, sizeof(Tally));
}

static void
merge_scale(Tally *into, int32 scale)
{
	if (scale == 0)
		return;
	if (into->scale == 0)
		into->scale = scale;
	else if (into->scale != scale)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scale_max must be the same for every rating in a group: %d and %d",
						into->scale, scale)));
}

void
hs_tally_set_scale(Tally *tally, int32 scale)
{
	merge_scale(tally, scale);
}

Datum
hs_tally_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	Tally	   *into;
	Tally	   *from;

	aggcontext = hs_aggregate_context(fcinfo, "tally combine function");

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	from = (Tally *) PG_GETARG_POINTER(1);

	if (PG_ARGISNULL(0))
	{
		into = MemoryContextAlloc(aggcontext, sizeof(Tally));
		memcpy(into, from, sizeof(Tally));
		PG_RETURN_POINTER(into);
	}
	into = (Tally *) PG_GETARG_POINTER(0);

	merge_scale(into, from->scale);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
		into->slot[i] += from->slot[i];

	PG_RETURN_POINTER(into);
}

/* Layout: version byte, int32 scale, HS_TALLY_SLOTS int64 counters. */
Datum
hs_tally_serialize(PG_FUNCTION_ARGS)
{
	Tally	   *tally = (Tally *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, HS_TALLY_FORMAT_VERSION);
	pq_sendint32(&buf, tally->scale);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
		pq_sendint64(&buf, tally->slot[i]);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
hs_tally_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *serialized = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext;
	StringInfoData buf;
	Tally	   *tally;

	aggcontext = hs_aggregate_context(fcinfo, "tally deserialize function");

	hs_begin_state_read(&buf, serialized, HS_TALLY_FORMAT_VERSION, "tally");

	tally = MemoryContextAlloc(aggcontext, sizeof(Tally));
	tally->scale = pq_getmsgint(&buf, 4);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
	{
		tally->slot[i] = pq_getmsgint64(&buf);
		if (tally->slot[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("corrupt health_score tally: counter %d is negative", i + 1)));
	}
	if (tally->scale < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt health_score tally: scale is negative")));
	pq_getmsgend(&buf);

	PG_RETURN_POINTER(tally);
}
