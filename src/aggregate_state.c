/*-------------------------------------------------------------------------
 *
 * aggregate_state.c
 *	  What every aggregate of health_score does the same way with its
 *	  internal state: find the aggregate's memory context, and start
 *	  reading a serialized state.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "libpq/pqformat.h"

/*
 * The aggregate's memory context, where a state must live to survive the
 * row.  Erroring out when called outside an aggregate keeps anyone from
 * calling a transition function directly and having it scribble on a
 * value it does not own.
 */
MemoryContext
hs_aggregate_context(FunctionCallInfo fcinfo, const char *funcname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", funcname)));
	return aggcontext;
}

/*
 * Point buf at a serialized state, in place (the bytea outlives the
 * deserialize call), and check its first byte, the format version.
 */
void
hs_begin_state_read(StringInfo buf, bytea *serialized, int format_version,
					const char *statename)
{
	int			version;

	buf->data = VARDATA_ANY(serialized);
	buf->len = VARSIZE_ANY_EXHDR(serialized);
	buf->maxlen = buf->len;
	buf->cursor = 0;
	version = pq_getmsgbyte(buf);
	if (version != format_version)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported health_score %s format version: %d", statename, version)));
}
