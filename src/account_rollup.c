/*-------------------------------------------------------------------------
 *
 * account_rollup.c
 *	  _account_rollup(score, revenue, red, key): a parent account's row of
 *	  a model's accounts view, from its children, in one aggregate.
 *
 * The accounts view groups a million children into their parents.  As a
 * dozen aggregates (counts, sums with filters, a mean, a minimum) and the
 * key of the lowest score, which plain SQL finds only with an ordered
 * aggregate that sorts every group, it took 2.4 times a read of the
 * scores it rolls up (1 M customers in 100,000 accounts).  One state of a
 * few numbers per account does it all, in 1.5 times; it merges partial
 * states, so the roll-up runs in parallel workers, and returns
 *
 *		(children, scored_children, score, score_weighting, worst_child,
 *		 worst_child_score, red_children, revenue, red_revenue)
 *
 * score is the mean of the children's scores weighted by revenue, over the
 * scored children whose revenue is positive; when none has one, the plain
 * mean of the scored children's scores (score_weighting 'revenue' or
 * 'mean'; NULL without a scored child).  It is not rounded: the view
 * rounds it as it rounds other scores.  Of children with the same lowest
 * score, the worst child is the one whose key is first in byte order,
 * whatever order the rows come in: every plan gives the same answer.
 * Sums are added in the order the rows come, as sum() adds them.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hs_account_rollup_accum);
PG_FUNCTION_INFO_V1(hs_account_rollup_combine);
PG_FUNCTION_INFO_V1(hs_account_rollup_serialize);
PG_FUNCTION_INFO_V1(hs_account_rollup_deserialize);
PG_FUNCTION_INFO_V1(hs_account_rollup_final);

typedef struct AccountRollup
{
	int64		children;
	int64		scored;			/* children with a score */
	int64		red;			/* children in the red band */
	float8		score_sum;		/* of the scored children */
	int64		weighted;		/* scored children with a positive revenue */
	float8		weighted_score_sum; /* score x revenue over those */
	float8		weight_sum;		/* their revenue */
	int64		with_revenue;	/* children with a revenue */
	float8		revenue_sum;
	int64		red_with_revenue;
	float8		red_revenue_sum;
	float8		worst_score;	/* when scored > 0 */
	text	   *worst_key;		/* in the aggregate's context; NULL when no scored child has a key */
} AccountRollup;

/* The result's columns, in the order of _account_rollup_result. */
enum
{
	COL_CHILDREN,
	COL_SCORED,
	COL_SCORE,
	COL_WEIGHTING,
	COL_WORST_CHILD,
	COL_WORST_SCORE,
	COL_RED,
	COL_REVENUE,
	COL_RED_REVENUE,
	NUM_ROLLUP_COLUMNS
};

/* Whether (score, key) comes before the worst so far: a lower score, or the same and a key first in byte order. */
static bool
comes_first(const AccountRollup *state, float8 score, const text *key)
{
	int			len;
	int			worst_len;
	int			cmp;

	if (score != state->worst_score)
		return score < state->worst_score;
	if (state->worst_key == NULL)
		return key != NULL;
	if (key == NULL)
		return false;
	len = VARSIZE_ANY_EXHDR(key);
	worst_len = VARSIZE_ANY_EXHDR(state->worst_key);
	cmp = memcmp(VARDATA_ANY(key), VARDATA_ANY(state->worst_key), Min(len, worst_len));
	return cmp < 0 || (cmp == 0 && len < worst_len);
}

/* Make (score, key) the worst child, the key copied into aggcontext. */
static void
keep_worst(AccountRollup *state, float8 score, const text *key, MemoryContext aggcontext)
{
	if (state->scored > 0 && !comes_first(state, score, key))
		return;
	if (state->worst_key != NULL)
		pfree(state->worst_key);
	state->worst_score = score;
	state->worst_key = NULL;
	if (key != NULL)
	{
		state->worst_key = MemoryContextAlloc(aggcontext, VARSIZE_ANY(key));
		memcpy(state->worst_key, key, VARSIZE_ANY(key));
	}
}

static AccountRollup *
new_state(MemoryContext aggcontext)
{
	return MemoryContextAllocZero(aggcontext, sizeof(AccountRollup));
}

/*
 * A NULL or NaN score is an unscored child, a NULL or NaN revenue none (the
 * views make NaN and infinite revenue NULL); red NULL counts as not red.
 */
Datum
hs_account_rollup_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_account_rollup transition function");
	AccountRollup *state = PG_ARGISNULL(0) ? new_state(aggcontext) : (AccountRollup *) PG_GETARG_POINTER(0);
	bool		has_score = !PG_ARGISNULL(1) && !isnan(PG_GETARG_FLOAT8(1));
	bool		has_revenue = !PG_ARGISNULL(2) && !isnan(PG_GETARG_FLOAT8(2));
	bool		red = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	float8		score = has_score ? PG_GETARG_FLOAT8(1) : 0;
	float8		revenue = has_revenue ? PG_GETARG_FLOAT8(2) : 0;

	state->children++;
	if (red)
		state->red++;
	if (has_revenue)
	{
		state->with_revenue++;
		state->revenue_sum += revenue;
		if (red)
		{
			state->red_with_revenue++;
			state->red_revenue_sum += revenue;
		}
	}
	if (has_score)
	{
		keep_worst(state, score, PG_ARGISNULL(4) ? NULL : PG_GETARG_TEXT_PP(4), aggcontext);
		state->scored++;
		state->score_sum += score;
		if (has_revenue && revenue > 0)
		{
			state->weighted++;
			state->weighted_score_sum += score * revenue;
			state->weight_sum += revenue;
		}
	}
	PG_RETURN_POINTER(state);
}

Datum
hs_account_rollup_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_account_rollup combine function");
	AccountRollup *into;
	const AccountRollup *from;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	from = (const AccountRollup *) PG_GETARG_POINTER(1);
	into = PG_ARGISNULL(0) ? new_state(aggcontext) : (AccountRollup *) PG_GETARG_POINTER(0);
	if (from->scored > 0)
		keep_worst(into, from->worst_score, from->worst_key, aggcontext);
	into->children += from->children;
	into->scored += from->scored;
	into->red += from->red;
	into->score_sum += from->score_sum;
	into->weighted += from->weighted;
	into->weighted_score_sum += from->weighted_score_sum;
	into->weight_sum += from->weight_sum;
	into->with_revenue += from->with_revenue;
	into->revenue_sum += from->revenue_sum;
	into->red_with_revenue += from->red_with_revenue;
	into->red_revenue_sum += from->red_revenue_sum;
	PG_RETURN_POINTER(into);
}

/* A parallel worker's state, for the leader: the counts and sums, then the worst key's bytes. */
Datum
hs_account_rollup_serialize(PG_FUNCTION_ARGS)
{
	const AccountRollup *state = (const AccountRollup *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) hs_aggregate_context(fcinfo, "_account_rollup serialize function");
	pq_begintypsend(&buf);
	pq_sendint64(&buf, state->children);
	pq_sendint64(&buf, state->scored);
	pq_sendint64(&buf, state->red);
	pq_sendfloat8(&buf, state->score_sum);
	pq_sendint64(&buf, state->weighted);
	pq_sendfloat8(&buf, state->weighted_score_sum);
	pq_sendfloat8(&buf, state->weight_sum);
	pq_sendint64(&buf, state->with_revenue);
	pq_sendfloat8(&buf, state->revenue_sum);
	pq_sendint64(&buf, state->red_with_revenue);
	pq_sendfloat8(&buf, state->red_revenue_sum);
	pq_sendfloat8(&buf, state->worst_score);
	pq_sendbyte(&buf, state->worst_key != NULL ? 1 : 0);
	if (state->worst_key != NULL)
		pq_sendbytes(&buf, VARDATA_ANY(state->worst_key), VARSIZE_ANY_EXHDR(state->worst_key));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
hs_account_rollup_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, "_account_rollup deserialize function");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	AccountRollup *state = new_state(aggcontext);
	StringInfoData buf;

	/* read in place: the bytea outlives this call */
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	state->children = pq_getmsgint64(&buf);
	state->scored = pq_getmsgint64(&buf);
	state->red = pq_getmsgint64(&buf);
	state->score_sum = pq_getmsgfloat8(&buf);
	state->weighted = pq_getmsgint64(&buf);
	state->weighted_score_sum = pq_getmsgfloat8(&buf);
	state->weight_sum = pq_getmsgfloat8(&buf);
	state->with_revenue = pq_getmsgint64(&buf);
	state->revenue_sum = pq_getmsgfloat8(&buf);
	state->red_with_revenue = pq_getmsgint64(&buf);
	state->red_revenue_sum = pq_getmsgfloat8(&buf);
	state->worst_score = pq_getmsgfloat8(&buf);
	if (pq_getmsgbyte(&buf) == 1)
	{
		int			key_len = buf.len - buf.cursor;

		state->worst_key = MemoryContextAlloc(aggcontext, VARHDRSZ + key_len);
		SET_VARSIZE(state->worst_key, VARHDRSZ + key_len);
		memcpy(VARDATA(state->worst_key), pq_getmsgbytes(&buf, key_len), key_len);
	}
	pq_getmsgend(&buf);
	if (state->children < 0 || state->scored < 0 || state->scored > state->children)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt _account_rollup state")));
	PG_RETURN_POINTER(state);
}

static void
set_float(Datum *values, bool *isnull, int column, bool present, float8 value)
{
	values[column] = Float8GetDatum(value);
	isnull[column] = !present;
}

Datum
hs_account_rollup_final(PG_FUNCTION_ARGS)
{
	const AccountRollup *state;
	TupleDesc	tupdesc;
	Datum		values[NUM_ROLLUP_COLUMNS];
	bool		isnull[NUM_ROLLUP_COLUMNS] = {false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (const AccountRollup *) PG_GETARG_POINTER(0);
	tupdesc = hs_result_tupdesc(fcinfo, "_account_rollup");

	values[COL_CHILDREN] = Int64GetDatum(state->children);
	values[COL_SCORED] = Int64GetDatum(state->scored);
	values[COL_RED] = Int64GetDatum(state->red);
	if (state->weighted > 0)
	{
		values[COL_SCORE] = Float8GetDatum(state->weighted_score_sum / state->weight_sum);
		values[COL_WEIGHTING] = CStringGetTextDatum("revenue");
	}
	else if (state->scored > 0)
	{
		values[COL_SCORE] = Float8GetDatum(state->score_sum / state->scored);
		values[COL_WEIGHTING] = CStringGetTextDatum("mean");
	}
	else
		isnull[COL_SCORE] = isnull[COL_WEIGHTING] = true;
	values[COL_WORST_CHILD] = state->worst_key != NULL ? PointerGetDatum(state->worst_key) : (Datum) 0;
	isnull[COL_WORST_CHILD] = state->worst_key == NULL;
	set_float(values, isnull, COL_WORST_SCORE, state->scored > 0, state->worst_score);
	set_float(values, isnull, COL_REVENUE, state->with_revenue > 0, state->revenue_sum);
	set_float(values, isnull, COL_RED_REVENUE, state->red_with_revenue > 0, state->red_revenue_sum);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}
