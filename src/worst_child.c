/*-------------------------------------------------------------------------
 *
 * worst_child.c
 *	  _worst_child(score, key): the key of the lowest score of a group, for
 *	  a model's accounts view (each account's worst child).
 *
 * The accounts view groups a million children into their parents with
 * one hash aggregate; the key of the lowest score would otherwise need an
 * ordered aggregate, which sorts every group.  This keeps the lowest
 * score and its key as it goes, and merges partial states, so the
 * aggregate runs in parallel workers too.  Of children with the same
 * lowest score, the one whose key is first in byte order wins, whatever
 * order the rows come in: every plan gives the same answer.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hs_worst_child_accum);
PG_FUNCTION_INFO_V1(hs_worst_child_combine);
PG_FUNCTION_INFO_V1(hs_worst_child_serialize);
PG_FUNCTION_INFO_V1(hs_worst_child_deserialize);
PG_FUNCTION_INFO_V1(hs_worst_child_final);

typedef struct WorstChild
{
	float8		score;
	text	   *key;			/* in the aggregate's context */
} WorstChild;

/* Whether (score, key) comes before the state's: a lower score, or the same and a key first in byte order. */
static bool
comes_first(const WorstChild *state, float8 score, const text *key)
{
	int			len = VARSIZE_ANY_EXHDR(key);
	int			state_len = VARSIZE_ANY_EXHDR(state->key);
	int			cmp;

	if (score != state->score)
		return score < state->score;
	cmp = memcmp(VARDATA_ANY(key), VARDATA_ANY(state->key), Min(len, state_len));
	return cmp < 0 || (cmp == 0 && len < state_len);
}

/* Keep (score, key) in state, allocated in aggcontext when NULL; returns the state. */
static WorstChild *
keep_if_first(WorstChild *state, float8 score, const text *key, MemoryContext aggcontext)
{
	if (state == NULL)
		state = MemoryContextAllocZero(aggcontext, sizeof(WorstChild));
	else if (!comes_first(state, score, key))
		return state;
	else
		pfree(state->key);
	state->score = score;
	state->key = MemoryContextAlloc(aggcontext, VARSIZE_ANY(key));
	memcpy(state->key, key, VARSIZE_ANY(key));
	return state;
}

/* A child without a score, or without a key, is never the worst. */
Datum
hs_worst_child_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_worst_child transition function");
	WorstChild *state = PG_ARGISNULL(0) ? NULL : (WorstChild *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || isnan(PG_GETARG_FLOAT8(1)))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	PG_RETURN_POINTER(keep_if_first(state, PG_GETARG_FLOAT8(1), PG_GETARG_TEXT_PP(2), aggcontext));
}

Datum
hs_worst_child_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_worst_child combine function");
	WorstChild *into = PG_ARGISNULL(0) ? NULL : (WorstChild *) PG_GETARG_POINTER(0);
	const WorstChild *from;

	if (PG_ARGISNULL(1))
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	from = (const WorstChild *) PG_GETARG_POINTER(1);
	PG_RETURN_POINTER(keep_if_first(into, from->score, from->key, aggcontext));
}

/* A parallel worker's state, for the leader: the score, then the key's bytes. */
Datum
hs_worst_child_serialize(PG_FUNCTION_ARGS)
{
	const WorstChild *state = (const WorstChild *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) hs_aggregate_context(fcinfo, "_worst_child serialize function");
	pq_begintypsend(&buf);
	pq_sendfloat8(&buf, state->score);
	pq_sendbytes(&buf, VARDATA_ANY(state->key), VARSIZE_ANY_EXHDR(state->key));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
hs_worst_child_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_worst_child deserialize function");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	WorstChild *state = MemoryContextAllocZero(aggcontext, sizeof(WorstChild));
	StringInfoData buf;
	int			key_len;

	/* read in place: the bytea outlives this call */
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	state->score = pq_getmsgfloat8(&buf);
	key_len = buf.len - buf.cursor;
	state->key = MemoryContextAlloc(aggcontext, VARHDRSZ + key_len);
	SET_VARSIZE(state->key, VARHDRSZ + key_len);
	memcpy(VARDATA(state->key), pq_getmsgbytes(&buf, key_len), key_len);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

Datum
hs_worst_child_final(PG_FUNCTION_ARGS)
{
	const WorstChild *state;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (const WorstChild *) PG_GETARG_POINTER(0);
	PG_RETURN_TEXT_P(state->key);
}
