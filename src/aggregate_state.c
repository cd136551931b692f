/*-------------------------------------------------------------------------
 *
 * aggregate_state.c
 *	  What every aggregate of health_score does the same way with its
 *	  state: find the aggregate's memory context, decide where a new state
 *	  is made, start reading a serialized state, and write or read a
 *	  state type's text form.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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
static void
begin_state_read(StringInfo buf, bytea *serialized, int format_version,
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

/*
 * Where a transition or combine function makes a state it returns in
 * place of its first argument (the first state of a group, a copy, a
 * grown state).
 *
 * A state of a real type that is not the state passed in is copied into
 * the aggregate context by nodeAgg itself (and by Citus, which calls
 * without an expression to tell the argument types), and the old one
 * freed.  Made in the aggregate context, the new state would stay there
 * beside its copy until the end of the group, doubling a hash
 * aggregate's memory; made in the per-call context, it goes with the row.
 *
 * The aggregates as health_score 1.2 declared them call the same
 * functions with an internal state until ALTER EXTENSION UPDATE has run,
 * and nobody copies an internal state: theirs must be made in the
 * aggregate context.
 */
MemoryContext
hs_state_context(FunctionCallInfo fcinfo, const char *funcname)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, funcname);

	if (get_fn_expr_argtype(fcinfo->flinfo, 0) == INTERNALOID)
		return aggcontext;
	return CurrentMemoryContext;
}

/*
 * The text form of a state type: its serialized bytes, version byte
 * first, in bytea's hex format.  Citus ships partial states between nodes
 * as this text.  Written here rather than by byteaout so that it does not
 * depend on bytea_output.
 */
static char *
state_text(StringInfo serialized, const char *typname)
{
	char	   *text;
	uint64		len;

	if ((Size) serialized->len > (MaxAllocSize - 3) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s value of %d bytes is too large to write as text",
						typname, serialized->len)));
	text = palloc(2 * (Size) serialized->len + 3);
	text[0] = '\\';
	text[1] = 'x';
	len = hex_encode(serialized->data, serialized->len, text + 2);
	text[2 + len] = '\0';
	return text;
}

/*
 * Read a state type's text form into buf, positioned after the version
 * byte, which must be format_version.  What follows is the type's reader's
 * to check: it must reject anything its functions cannot produce.
 */
static void
begin_state_text(StringInfo buf, const char *text, int format_version,
				 const char *typname)
{
	size_t		length = strlen(text);
	size_t		ndigits = length - 2;
	int			version;

	if (length < 2 || strncmp(text, "\\x", 2) != 0 || ndigits % 2 != 0 ||
		strspn(text + 2, "0123456789abcdefABCDEF") != ndigits)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", typname, text),
				 errdetail("A %s is written as \\x and an even number of hexadecimal digits.",
						   typname)));

	initStringInfo(buf);
	enlargeStringInfo(buf, ndigits / 2);
	buf->len = hex_decode(text + 2, ndigits, buf->data);
	buf->data[buf->len] = '\0';

	if (buf->len < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt %s: no format version", typname)));
	version = pq_getmsgbyte(buf);
	if (version != format_version)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported %s format version: %d", typname, version)));
}

/*
 * Require exactly `expected` bytes left in the serialized state in buf.
 * Readers check before reading, so that a truncated or padded value is
 * reported as a corrupt one of its type rather than as a protocol
 * violation by pqformat.
 */
void
hs_require_state_bytes(StringInfo buf, int64 expected, const char *typname)
{
	if (buf->len - buf->cursor != expected)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("corrupt %s: %d bytes long, not %lld",
						typname, buf->len, (long long) (buf->cursor + expected))));
}

/*
 * The four ways a state type's value goes to bytes and back, the same
 * for every family but for the codec: its text (out, in), and the
 * serialize and deserialize functions of 1.2's internal state, which the
 * library keeps for databases not yet updated.
 */
Datum
hs_state_out(FunctionCallInfo fcinfo, const HsStateCodec *codec)
{
	StringInfoData buf;

	initStringInfo(&buf);
	pq_sendbyte(&buf, codec->format_version);
	codec->write(&buf, hs_state_arg(fcinfo, 0));
	PG_RETURN_CSTRING(state_text(&buf, codec->typname));
}

Datum
hs_state_in(FunctionCallInfo fcinfo, const HsStateCodec *codec)
{
	StringInfoData buf;

	begin_state_text(&buf, PG_GETARG_CSTRING(0), codec->format_version, codec->typname);
	PG_RETURN_POINTER(codec->read(&buf, CurrentMemoryContext));
}

Datum
hs_state_serialize(FunctionCallInfo fcinfo, const HsStateCodec *codec)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, codec->format_version);
	codec->write(&buf, PG_GETARG_POINTER(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
hs_state_deserialize(FunctionCallInfo fcinfo, const HsStateCodec *codec)
{
	MemoryContext aggcontext = hs_aggregate_context(fcinfo, codec->deserialize_name);
	StringInfoData buf;

	begin_state_read(&buf, PG_GETARG_BYTEA_PP(0), codec->format_version, codec->statename);
	PG_RETURN_POINTER(codec->read(&buf, aggcontext));
}
