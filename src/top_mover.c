/*-------------------------------------------------------------------------
 *
 * top_mover.c
 *	  _top_mover(): the metric whose contribution to a customer's score
 *	  moved most between two snapshots.
 *
 * snapshot() names it for every customer, with how far it moved.  In SQL
 * that took a lateral subquery a row (the union of both snapshots' metric
 * names, a sort, a limit), the largest cost of a snapshot; here it is one
 * pass over the two jsonb objects together: their keys are stored sorted
 * (shorter first, then bytewise), so the walk is a merge, and no key is
 * looked up.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(hs_top_mover);

/* One of the two objects, walked key by key in stored order. */
typedef struct ContributionWalk
{
	JsonbIterator *it;
	bool		done;
	JsonbValue	metric;
	float8		contribution;
} ContributionWalk;

static void
walk_next(ContributionWalk *walk)
{
	JsonbValue	value;
	JsonbIteratorToken token;

	while ((token = JsonbIteratorNext(&walk->it, &walk->metric, true)) != WJB_DONE)
	{
		if (token != WJB_KEY)
			continue;
		token = JsonbIteratorNext(&walk->it, &value, true);
		Assert(token == WJB_VALUE);
		if (value.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("contribution of metric \"%.*s\" is not a number",
							walk->metric.val.string.len, walk->metric.val.string.val)));
		walk->contribution = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																NumericGetDatum(value.val.numeric)));
		return;
	}
	walk->done = true;
}

static void
walk_start(ContributionWalk *walk, Jsonb *contributions)
{
	if (!JB_ROOT_IS_OBJECT(contributions))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("contributions must be jsonb objects")));
	walk->it = JsonbIteratorInit(&contributions->root);
	walk->done = false;
	walk_next(walk);
}

/* jsonb's order of object keys: shorter first, then bytewise */
static int
metric_cmp(const JsonbValue *a, const JsonbValue *b)
{
	if (a->val.string.len != b->val.string.len)
		return a->val.string.len < b->val.string.len ? -1 : 1;
	return memcmp(a->val.string.val, b->val.string.val, a->val.string.len);
}

typedef struct Mover
{
	const char *metric;			/* NULL until one has moved */
	int			len;
	float8		change;			/* rounded to 0.1, as snapshot shows it */
} Mover;

/*
 * Consider one metric's move: it wins by a larger rounded move, or by its
 * name (in the database's collation, as ORDER BY metric sorts) on a tie.
 */
static void
consider(Mover *best, const JsonbValue *metric, float8 current, float8 previous)
{
	const char *name = metric->val.string.val;
	int			len = metric->val.string.len;
	float8		change = hs_round_one_decimal(current - previous);

	if (change == 0)
		return;
	if (best->metric != NULL)
	{
		if (fabs(change) < fabs(best->change))
			return;
		if (fabs(change) == fabs(best->change) &&
			varstr_cmp(name, len, best->metric, best->len, DEFAULT_COLLATION_OID) >= 0)
			return;
	}
	best->metric = name;
	best->len = len;
	best->change = change;
}

/* Every metric of either object, absent counting as 0. */
static void
find_top_mover(Jsonb *current, Jsonb *previous, Mover *best)
{
	ContributionWalk now;
	ContributionWalk before;

	walk_start(&now, current);
	walk_start(&before, previous);
	while (!now.done || !before.done)
	{
		int			cmp = now.done ? 1 : before.done ? -1 : metric_cmp(&now.metric, &before.metric);

		if (cmp < 0)
		{
			consider(best, &now.metric, now.contribution, 0);
			walk_next(&now);
		}
		else if (cmp > 0)
		{
			consider(best, &before.metric, 0, before.contribution);
			walk_next(&before);
		}
		else
		{
			consider(best, &now.metric, now.contribution, before.contribution);
			walk_next(&now);
			walk_next(&before);
		}
	}
}

/*
 * _top_mover(current, previous): of the metrics in either contributions
 * object, the one whose contribution changed most (rounded to 0.1), the
 * first by name on a tie, and that change, as health_score_internal._top_mover
 * (metric, change); both NULL when none moved.
 */
Datum
hs_top_mover(PG_FUNCTION_ARGS)
{
	Mover		best = {0};
	TupleDesc	tupdesc;
	Datum		values[2] = {0};
	bool		isnull[2] = {true, true};

	find_top_mover(PG_GETARG_JSONB_P(0), PG_GETARG_JSONB_P(1), &best);
	tupdesc = hs_result_tupdesc(fcinfo, "_top_mover");
	if (best.metric != NULL)
	{
		values[0] = PointerGetDatum(cstring_to_text_with_len(best.metric, best.len));
		values[1] = Float8GetDatum(best.change);
		isnull[0] = isnull[1] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}
