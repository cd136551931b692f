/*-------------------------------------------------------------------------
 *
 * top_mover.c
 *	  _top_mover(): the metric whose contribution to a customer's score
 *	  moved most between two snapshots.
 *
 * snapshot() names it for every customer.  In SQL that took a lateral
 * subquery a row (the union of both snapshots' metric names, a sort, a
 * limit), the largest cost of a snapshot; here it is one pass over the
 * two jsonb objects.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "catalog/pg_collation.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(hs_top_mover);

/* A metric's contribution in a snapshot's contributions, 0 when absent. */
static float8
contribution_of(Jsonb *contributions, const char *metric, int len)
{
	JsonbValue	value;

	if (!getKeyJsonValueFromContainer(&contributions->root, metric, len, &value))
		return 0;
	if (value.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("contribution of metric \"%.*s\" is not a number", len, metric)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											  NumericGetDatum(value.val.numeric)));
}

typedef struct Mover
{
	const char *metric;			/* NULL until one has moved */
	int			len;
	float8		change;			/* rounded to 0.1, as snapshot shows it */
} Mover;

/*
 * Consider one metric: it wins by a larger rounded move, or by its name
 * (in the database's collation, as ORDER BY metric sorts) on a tie.
 */
static void
consider(Mover *best, const char *metric, int len, Jsonb *current, Jsonb *previous)
{
	float8		change = hs_round_one_decimal(contribution_of(current, metric, len) -
											  contribution_of(previous, metric, len));

	if (change == 0)
		return;
	if (best->metric != NULL)
	{
		if (fabs(change) < fabs(best->change))
			return;
		if (fabs(change) == fabs(best->change) &&
			varstr_cmp(metric, len, best->metric, best->len, DEFAULT_COLLATION_OID) >= 0)
			return;
	}
	best->metric = metric;
	best->len = len;
	best->change = change;
}

/* Consider every metric of "of" that the "unless" object lacks (if any). */
static void
consider_keys(Mover *best, Jsonb *of, Jsonb *unless, Jsonb *current, Jsonb *previous)
{
	JsonbIterator *it = JsonbIteratorInit(&of->root);
	JsonbValue	v;
	JsonbIteratorToken token;

	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue	ignored;

		if (token != WJB_KEY)
			continue;
		if (unless != NULL &&
			getKeyJsonValueFromContainer(&unless->root, v.val.string.val,
										 v.val.string.len, &ignored))
			continue;
		consider(best, v.val.string.val, v.val.string.len, current, previous);
	}
}

/*
 * _top_mover(current, previous): of the metrics in either contributions
 * object, the one whose contribution changed most (rounded to 0.1), the
 * first by name on a tie; NULL when none moved.
 */
Datum
hs_top_mover(PG_FUNCTION_ARGS)
{
	Jsonb	   *current = PG_GETARG_JSONB_P(0);
	Jsonb	   *previous = PG_GETARG_JSONB_P(1);
	Mover		best = {0};

	if (!JB_ROOT_IS_OBJECT(current) || !JB_ROOT_IS_OBJECT(previous))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("contributions must be jsonb objects")));
	consider_keys(&best, current, NULL, current, previous);
	consider_keys(&best, previous, current, current, previous);
	if (best.metric == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(best.metric, best.len));
}
