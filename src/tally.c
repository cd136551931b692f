/*-------------------------------------------------------------------------
 *
 * tally.c
 *	  The aggregate state shared by the counting aggregates (nps, csat,
 *	  ces, band_counts): a handful of int64 counters and one integer
 *	  parameter.  It is the SQL type health_score.tally_state, with the
 *	  combine function that lets those aggregates run in parallel plans,
 *	  and a text form through which Citus ships partial states from the
 *	  workers to the coordinator.
 *
 * Counting is exact and associative, so partial states combine by
 * addition with no loss, in any order.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "libpq/pqformat.h"

PG_FUNCTION_INFO_V1(hs_tally_combine);
PG_FUNCTION_INFO_V1(hs_tally_state_in);
PG_FUNCTION_INFO_V1(hs_tally_state_out);
PG_FUNCTION_INFO_V1(hs_tally_serialize);
PG_FUNCTION_INFO_V1(hs_tally_deserialize);

/* First byte of every serialized tally; bump when the layout changes. */
#define HS_TALLY_FORMAT_VERSION 1

/* What follows the version byte: int32 scale, then the int64 counters. */
#define HS_TALLY_SERIALIZED_BYTES (4 + 8 * HS_TALLY_SLOTS)

#define TALLY_TYPNAME "health_score.tally_state"

static Tally *
tally_create(MemoryContext mcxt)
{
	Tally	   *tally = MemoryContextAllocZero(mcxt, sizeof(Tally));

	SET_VARSIZE(tally, sizeof(Tally));
	return tally;
}

/*
 * The state for the current group, to be changed in place: the one
 * passed in, or a new one on the group's first row.  Erroring out when
 * called outside an aggregate keeps anyone from calling a transition
 * function directly and having it scribble on a value it does not own.
 */
Tally *
hs_tally_get(FunctionCallInfo fcinfo, const char *fname)
{
	if (PG_ARGISNULL(0))
		return tally_create(hs_state_context(fcinfo, fname));

	(void) hs_aggregate_context(fcinfo, fname);
	return (Tally *) hs_own_state(fcinfo);
}

/* The state a final function reads, or NULL for a group with none. */
const Tally *
hs_tally_final_state(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return NULL;
	return (const Tally *) hs_state_arg(fcinfo, 0);
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

/*
 * tally_combine(tally_state, tally_state): adds the second state into the
 * first, which belongs to the aggregate, in place.  The second is never
 * changed: it may be a worker's state that a Gather node still holds.
 */
Datum
hs_tally_combine(PG_FUNCTION_ARGS)
{
	Tally	   *into;
	const Tally *from;

	(void) hs_aggregate_context(fcinfo, "tally combine function");

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	from = (const Tally *) hs_state_arg(fcinfo, 1);

	if (PG_ARGISNULL(0))
	{
		into = tally_create(hs_state_context(fcinfo, "tally combine function"));
		memcpy(into, from, sizeof(Tally));
		PG_RETURN_POINTER(into);
	}
	into = (Tally *) hs_own_state(fcinfo);

	merge_scale(into, from->scale);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
		into->slot[i] += from->slot[i];

	PG_RETURN_POINTER(into);
}

/* Layout after the version byte: int32 scale, the int64 counters. */
static void
tally_write(StringInfo buf, const void *arg)
{
	const Tally *tally = arg;

	pq_sendint32(buf, tally->scale);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
		pq_sendint64(buf, tally->slot[i]);
}

/*
 * Read what tally_write wrote, into a new state in mcxt, accepting only
 * what the transition and combine functions can produce.
 */
static void *
tally_read(StringInfo buf, MemoryContext mcxt)
{
	Tally	   *tally;

	hs_require_state_bytes(buf, HS_TALLY_SERIALIZED_BYTES, TALLY_TYPNAME);
	tally = tally_create(mcxt);
	tally->scale = pq_getmsgint(buf, 4);
	for (int i = 0; i < HS_TALLY_SLOTS; i++)
	{
		tally->slot[i] = pq_getmsgint64(buf);
		if (tally->slot[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("corrupt %s: counter %d is negative", TALLY_TYPNAME, i + 1)));
	}
	if (tally->scale < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt %s: scale is negative", TALLY_TYPNAME)));
	pq_getmsgend(buf);
	return tally;
}

static const HsStateCodec tally_codec = {
	TALLY_TYPNAME, "tally", "tally deserialize function", HS_TALLY_FORMAT_VERSION,
	tally_write, tally_read
};

/* Text form: \x and the hex of the version byte and tally_write's layout. */
Datum
hs_tally_state_out(PG_FUNCTION_ARGS)
{
	return hs_state_out(fcinfo, &tally_codec);
}

Datum
hs_tally_state_in(PG_FUNCTION_ARGS)
{
	return hs_state_in(fcinfo, &tally_codec);
}

/*
 * The serialize and deserialize functions of the internal state of 1.2
 * and before.  1.3 declares them no more, but the install scripts of 1.0
 * to 1.2, which a fresh install of 1.3 runs first, do, so the library
 * must have them; they also keep the old aggregates working in parallel
 * plans between installing this library and ALTER EXTENSION UPDATE.
 */
Datum
hs_tally_serialize(PG_FUNCTION_ARGS)
{
	return hs_state_serialize(fcinfo, &tally_codec);
}

Datum
hs_tally_deserialize(PG_FUNCTION_ARGS)
{
	return hs_state_deserialize(fcinfo, &tally_codec);
}
