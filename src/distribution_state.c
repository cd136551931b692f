/*-------------------------------------------------------------------------
 *
 * distribution_state.c
 *	  The state of the distribution and auc aggregates: a distribution
 *	  value, expanded while the aggregate fills it.
 *
 * Citus splits an aggregate into partial aggregates on the workers and a
 * combine on the coordinator only when its state type is a real type, not
 * internal: it ships each partial state as that type's text.  So since
 * 1.3 the state of distribution() and auc() is the distribution type, and
 * the flat form of a state is exactly a distribution value.
 *
 * Flattening the state after every row would cost O(n) a row.  While an
 * aggregate runs, the state is instead a read/write expanded object
 * (utils/expandeddatum.h) around a DistBuilder, as array_append keeps an
 * expanded array: the transition function adds to it in place, and nodeAgg
 * keeps the pointer it gets back without copying, because the object's
 * memory context is a child of the aggregate context.  PostgreSQL
 * flattens the object where it needs bytes: a parallel worker's partial
 * state, Citus's text output of a worker's state.
 *
 * So every function here takes a state in any form: NULL; our read/write
 * expanded object, changed in place; a read-only one, copied; or a flat
 * distribution (a parallel worker's, one Citus read back on the
 * coordinator, an SQL argument), checked in full and loaded into a new
 * object.  Outside an aggregate they are ordinary functions of
 * distribution values.
 *
 * The 1.1 and 1.2 aggregates, with an internal state, are in
 * distribution_agg.c and auc.c.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "distribution.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(hs_distribution_accum_v1_3);
PG_FUNCTION_INFO_V1(hs_distribution_accum_segment_v1_3);
PG_FUNCTION_INFO_V1(hs_distribution_combine_v1_3);
PG_FUNCTION_INFO_V1(hs_distribution_final_v1_3);
PG_FUNCTION_INFO_V1(hs_auc_accum_v1_3);
PG_FUNCTION_INFO_V1(hs_auc_final_v1_3);

/* tells our expanded objects from any other a bug might hand us */
#define EXPANDED_DISTRIBUTION_MAGIC	0x44495354	/* "DIST" */

typedef struct ExpandedDistribution
{
	ExpandedObjectHeader hdr;
	int32		magic;
	bool		segmented;		/* the builder's, checked on every row */
	DistBuilder *builder;		/* in hdr.eoh_context, as all of its data */
} ExpandedDistribution;

static Size
expanded_get_flat_size(ExpandedObjectHeader *eohptr)
{
	ExpandedDistribution *state = (ExpandedDistribution *) eohptr;

	Assert(state->magic == EXPANDED_DISTRIBUTION_MAGIC);
	return dist_builder_flat_size(state->builder);
}

/*
 * With its fingerprint, as every distribution value: a flattened state is
 * a value the lookups may meet.
 */
static void
expanded_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ExpandedDistribution *state = (ExpandedDistribution *) eohptr;

	Assert(state->magic == EXPANDED_DISTRIBUTION_MAGIC);
	dist_builder_flatten_into(state->builder, (Distribution *) result, allocated_size, true);
}

static const ExpandedObjectMethods expanded_distribution_methods = {
	expanded_get_flat_size,
	expanded_flatten_into
};

/*
 * Where a new state goes: under the aggregate context, so that nodeAgg
 * keeps it as it is; outside an aggregate, under the caller's context.
 */
static MemoryContext
state_parent(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (AggCheckCallContext(fcinfo, &aggcontext))
		return aggcontext;
	return CurrentMemoryContext;
}

/*
 * A new expanded object in its own context under parent.  Small to start
 * with: a GROUP BY makes one per group.
 */
static MemoryContext
state_context_create(MemoryContext parent)
{
	return AllocSetContextCreate(parent, "expanded distribution", ALLOCSET_START_SMALL_SIZES);
}

static ExpandedDistribution *
expanded_wrap(MemoryContext objcxt, DistBuilder *builder)
{
	ExpandedDistribution *state = MemoryContextAlloc(objcxt, sizeof(ExpandedDistribution));

	EOH_init_header(&state->hdr, &expanded_distribution_methods, objcxt);
	state->magic = EXPANDED_DISTRIBUTION_MAGIC;
	state->segmented = dist_builder_is_segmented(builder);
	state->builder = builder;
	return state;
}

static ExpandedDistribution *
expanded_create(MemoryContext parent, bool segmented)
{
	MemoryContext objcxt = state_context_create(parent);

	return expanded_wrap(objcxt, dist_builder_create(objcxt, segmented));
}

/* Our expanded object behind a state, or NULL when the state is flat. */
static ExpandedDistribution *
expanded_of(Datum datum)
{
	ExpandedDistribution *state;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(datum)))
		return NULL;
	state = (ExpandedDistribution *) DatumGetEOHP(datum);
	if (state->magic != EXPANDED_DISTRIBUTION_MAGIC)
		elog(ERROR, "expanded object is not a distribution");
	return state;
}

/*
 * A flat distribution, detoasted, on an 8-byte boundary.  The type asks
 * PostgreSQL for that alignment; it is checked rather than trusted, for
 * the layout holds int64s and 1.2's state, a bytea, did arrive 4 bytes
 * off.  The caller checks the contents.
 */
static Distribution *
flat_distribution(Datum datum)
{
	Distribution *dist = DatumGetDistributionP(datum);

	if (!PointerIsAligned(dist, int64))
	{
		Distribution *copy = palloc(VARSIZE(dist));

		memcpy(copy, dist, VARSIZE(dist));
		dist = copy;
	}
	return dist;
}

/* A new expanded object under parent holding a flat distribution, checked. */
static ExpandedDistribution *
expanded_load(MemoryContext parent, const Distribution *dist)
{
	MemoryContext objcxt = state_context_create(parent);

	return expanded_wrap(objcxt, dist_builder_load(objcxt, dist, VARSIZE(dist)));
}

/* A new expanded object under parent holding what another one holds. */
static ExpandedDistribution *
expanded_copy(MemoryContext parent, ExpandedDistribution *from)
{
	ExpandedDistribution *state = expanded_create(parent, from->segmented);

	dist_builder_merge(state->builder, from->builder);
	return state;
}

/*
 * A new expanded object holding the values of a state that is not ours to
 * change: a read-only expanded object, or a flat one, checked in full.
 * Out of line, for the row-by-row path below is kept short.
 */
static pg_noinline ExpandedDistribution *
state_copy(FunctionCallInfo fcinfo, Datum datum)
{
	ExpandedDistribution *from = expanded_of(datum);

	if (from != NULL)
		return expanded_copy(state_parent(fcinfo), from);
	return expanded_load(state_parent(fcinfo), flat_distribution(datum));
}

/*
 * The state in argument argno as one this call may change: the argument
 * itself when it is our read/write expanded object, else a new object
 * holding its values.  NULL for a NULL state.  not_this is the other
 * argument of a combine, never to be changed, even when the same object
 * comes in both.
 *
 * A value comes read/write only when nothing else will read it (nodeAgg's
 * state, an inner call's result), so an error halfway through a change
 * leaves nothing half changed that anyone sees.
 */
static inline ExpandedDistribution *
state_for_update(FunctionCallInfo fcinfo, int argno, const ExpandedDistribution *not_this)
{
	Datum		datum;
	ExpandedDistribution *state;

	if (PG_ARGISNULL(argno))
		return NULL;
	datum = PG_GETARG_DATUM(argno);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(datum)))
	{
		state = expanded_of(datum);
		if (state != not_this)
			return state;
	}
	return state_copy(fcinfo, datum);
}

/*
 * A state's builder, for reading: the expanded object's own, or a flat
 * state checked in full and loaded into a new one.
 */
static DistBuilder *
state_for_reading(Datum datum)
{
	ExpandedDistribution *state = expanded_of(datum);
	Distribution *dist;

	if (state != NULL)
		return state->builder;
	dist = flat_distribution(datum);
	return dist_builder_load(CurrentMemoryContext, dist, VARSIZE(dist));
}

/*
 * The flat form of a state, in a new palloc'd copy.  A state is never
 * empty: it is created with its first value.
 */
static Distribution *
state_finish(DistBuilder *builder, bool fingerprint)
{
	Distribution *dist = dist_builder_finish(builder, fingerprint);

	if (dist == NULL)
		elog(ERROR, "empty distribution state");
	return dist;
}

/*
 * A state built by the other aggregate, or passed in by hand, would fill
 * a distribution with the groups of two kinds.
 */
static pg_noinline void
state_kind_error(bool segmented, const char *funcname)
{
	if (segmented)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a distribution with segments", funcname),
				 errdetail("The distribution passed in holds a single group, as distribution(value) builds it.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s needs a distribution without segments", funcname),
			 errdetail("The distribution passed in holds one group per segment, as distribution(value, segment) builds it.")));
}

static inline void
check_state_kind(bool state_segmented, bool segmented, const char *funcname)
{
	if (unlikely(state_segmented != segmented))
		state_kind_error(segmented, funcname);
}

static Datum
state_datum(ExpandedDistribution *state)
{
	return EOHPGetRWDatum(&state->hdr);
}

/*
 * Add one value.  The state is created with the first non-NULL value, so
 * that a group of NULLs gives a NULL distribution.
 */
static Datum
distribution_accum(FunctionCallInfo fcinfo, bool segmented, const char *funcname)
{
	ExpandedDistribution *state = state_for_update(fcinfo, 0, NULL);
	float8		value;
	const char *key;
	int32		key_len;

	if (state != NULL)
		check_state_kind(state->segmented, segmented, funcname);
	if (!dist_accum_row(fcinfo, segmented, &value, &key, &key_len))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		return state_datum(state);
	}
	if (state == NULL)
		state = expanded_create(state_parent(fcinfo), segmented);
	dist_builder_add(state->builder, key, key_len, value);
	return state_datum(state);
}

/* distribution_accum(dist distribution, value float8) */
Datum
hs_distribution_accum_v1_3(PG_FUNCTION_ARGS)
{
	return distribution_accum(fcinfo, false, "distribution_accum(dist, value)");
}

/* distribution_accum(dist distribution, value float8, segment text) */
Datum
hs_distribution_accum_segment_v1_3(PG_FUNCTION_ARGS)
{
	return distribution_accum(fcinfo, true, "distribution_accum(dist, value, segment)");
}

/*
 * distribution_combine(a distribution, b distribution): every value of
 * both.  Adds b to a, in place when a is ours to change.  b keeps its
 * values: an expanded b is at most compacted, as flattening it would.
 */
Datum
hs_distribution_combine_v1_3(PG_FUNCTION_ARGS)
{
	ExpandedDistribution *into;
	ExpandedDistribution *from;
	Distribution *flat = NULL;
	bool		segmented;

	if (PG_ARGISNULL(1))
	{
		into = state_for_update(fcinfo, 0, NULL);
		if (into == NULL)
			PG_RETURN_NULL();
		return state_datum(into);
	}

	/* a partial state from a parallel worker or from Citus is flat */
	from = expanded_of(PG_GETARG_DATUM(1));
	if (from != NULL)
		segmented = from->segmented;
	else
	{
		flat = flat_distribution(PG_GETARG_DATUM(1));
		dist_validate(flat, VARSIZE(flat));
		segmented = dist_is_segmented(flat);
	}

	into = state_for_update(fcinfo, 0, from);
	if (into == NULL)
		into = expanded_create(state_parent(fcinfo), segmented);
	else if (into->segmented != segmented)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine a distribution with segments and a distribution without"),
				 errdetail("One was built by distribution(value, segment), the other by distribution(value).")));

	if (from != NULL)
		dist_builder_merge(into->builder, from->builder);
	else
		dist_builder_add_datum(into->builder, flat);
	return state_datum(into);
}

/*
 * distribution_final(dist distribution), strict: the flat value, in a new
 * copy, for the aggregate's state is not ours to hand out.
 */
Datum
hs_distribution_final_v1_3(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_finish(state_for_reading(PG_GETARG_DATUM(0)), true));
}

/* auc_accum(state distribution, score float8, outcome bool): NULL in either is skipped */
Datum
hs_auc_accum_v1_3(PG_FUNCTION_ARGS)
{
	ExpandedDistribution *state = state_for_update(fcinfo, 0, NULL);
	float8		score;

	if (state != NULL)
		check_state_kind(state->segmented, true, "auc_accum");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		return state_datum(state);
	}
	score = PG_GETARG_FLOAT8(1);
	dist_check_value(score, "score");

	if (state == NULL)
		state = expanded_create(state_parent(fcinfo), true);
	dist_auc_add(state->builder, score, PG_GETARG_BOOL(2));
	return state_datum(state);
}

/* auc_final(state distribution), strict */
Datum
hs_auc_final_v1_3(PG_FUNCTION_ARGS)
{
	DistBuilder *builder = state_for_reading(PG_GETARG_DATUM(0));
	float8		auc;

	check_state_kind(dist_builder_is_segmented(builder), true, "auc_final");
	if (!dist_auc(state_finish(builder, false), &auc))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc);
}
