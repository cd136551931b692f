/*-------------------------------------------------------------------------
 *
 * query_check.c
 *	  Checking a metric's or an outcome's expression by parse analysis
 *	  alone: _query_result_type(), _query_is_volatile() and
 *	  _parse_error_position().
 *
 * A model's expressions are checked by pasting them into generated SQL
 * and preparing it: parse and analysis only, nothing runs and nothing is
 * created.  (A temporary view would find the same, but every view
 * created holds a lock until the end of the transaction, and explain()
 * checks every metric on every call: a few hundred calls in one
 * statement would fill the lock table.)
 *
 * When an expression does not parse, or names an unknown column,
 * function or type, PostgreSQL reports the position of the error in the
 * generated SQL, which PL/pgSQL's GET STACKED DIAGNOSTICS cannot read and
 * which would point the user at text they never wrote.
 * _parse_error_position() prepares the query again in a subtransaction,
 * catches the error and returns its position, which the caller maps back
 * into the user's expression.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/memutils.h"
#include "optimizer/optimizer.h"
#include "utils/plancache.h"
#include "utils/resowner.h"

PG_FUNCTION_INFO_V1(hs_query_result_type);
PG_FUNCTION_INFO_V1(hs_query_is_volatile);
PG_FUNCTION_INFO_V1(hs_parse_error_position);

/*
 * Connect to SPI and prepare query: parse analysis and rewriting, no
 * planning and no execution.  The caller frees the plan and finishes SPI.
 */
static SPIPlanPtr
prepare_query(text *query)
{
	SPIPlanPtr	plan;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(text_to_cstring(query), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	return plan;
}

/*
 * _query_result_type(query text) returns regtype
 *
 * The type of the first result column of query, as parse analysis finds
 * it.  The errors of the analysis propagate as they are.  The locks it
 * takes are those a query of the same relations would take, once per
 * transaction however often it is called.
 */
Datum
hs_query_result_type(PG_FUNCTION_ARGS)
{
	SPIPlanPtr	plan = prepare_query(PG_GETARG_TEXT_PP(0));
	List	   *sources = SPI_plan_get_plan_sources(plan);
	CachedPlanSource *source;
	Oid			result_type;

	if (list_length(sources) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("query must be one statement")));
	source = (CachedPlanSource *) linitial(sources);
	if (source->resultDesc == NULL || source->resultDesc->natts < 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("query must return a column")));
	result_type = TupleDescAttr(source->resultDesc, 0)->atttypid;
	SPI_freeplan(plan);
	SPI_finish();
	PG_RETURN_OID(result_type);
}

/*
 * _query_is_volatile(query text) returns boolean
 *
 * Whether query calls a volatile function (random(), clock_timestamp(),
 * nextval()): a metric of one gives another value at every read, so the
 * scores view, scores_mv and explain disagree.  Found by parse analysis
 * and rewriting alone, as _query_result_type finds the type.
 */
Datum
hs_query_is_volatile(PG_FUNCTION_ARGS)
{
	SPIPlanPtr	plan = prepare_query(PG_GETARG_TEXT_PP(0));
	ListCell   *lc;
	bool		volatile_found = false;

	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *source = (CachedPlanSource *) lfirst(lc);
		ListCell   *qc;

		foreach(qc, source->query_list)
			volatile_found |= contain_volatile_functions((Node *) lfirst(qc));
	}
	SPI_freeplan(plan);
	SPI_finish();
	PG_RETURN_BOOL(volatile_found);
}

/*
 * _parse_error_position(query text) returns integer
 *
 * The 1-based character position in query at which preparing it fails,
 * 0 when it fails without a position, NULL when it prepares without an
 * error.  Only errors of class 42 (syntax error or access rule
 * violation), which parse analysis raises, are caught; any other error
 * (a cancel, running out of memory) propagates.
 */
Datum
hs_parse_error_position(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int			position = -1;

	BeginInternalSubTransaction(NULL);
	/* the subtransaction's context would be gone by the time we return */
	MemoryContextSwitchTo(oldcontext);

	PG_TRY();
	{
		SPIPlanPtr	plan;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		plan = SPI_prepare(query, 0, NULL);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		SPI_finish();

		/* nothing to keep: the locks analysis took go with the subtransaction */
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();

		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) !=
			ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
			ReThrowError(edata);

		/* SPI reports a position in the query it was given as internal */
		position = edata->internalpos > 0 ? edata->internalpos : Max(edata->cursorpos, 0);
		FreeErrorData(edata);
	}
	PG_END_TRY();

	if (position < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(position);
}
