/*-------------------------------------------------------------------------
 *
 * backend_stubs.c
 *	  The few PostgreSQL 15 backend functions the fuzzed health_score
 *	  objects call, so that they run, unchanged, in a libFuzzer process.
 *
 * The backend is an executable, not a library: whatever `nm -u` lists for
 * the objects and libpgcommon/libpgport (StringInfo, the shortest float8
 * output, hash_bytes, qsort, snprintf) do not provide is here, doing
 * what the backend's own does on the paths the harness takes:
 *
 *	- memory: every palloc is a malloc of its own, preceded by its
 *	  context as a backend chunk is (GetMemoryChunkContext reads it), so
 *	  that AddressSanitizer knows each chunk's bounds.  fuzz_reset() frees
 *	  them all after each input, as the end of a query does, which keeps
 *	  the leak checker to real leaks (a malloc never freed).  Sizes are
 *	  checked as palloc checks them.
 *	- errors: ereport(ERROR) records the SQLSTATE and message and jumps
 *	  back to fuzz_call(), as PG_CATCH would.  Assert() is compiled in
 *	  (USE_ASSERT_CHECKING) and a failed one aborts.
 *	- fmgr: detoasting (only short headers occur here), and
 *	  AggCheckCallContext for calls fuzz_call makes as an aggregate.
 *	- libpq/pqformat.c: the pq_getmsg functions, big-endian and with the
 *	  backend's "insufficient data left in message" checks.
 *	- utils/adt/float.c: float8in_internal, float8out_internal (at the
 *	  default extra_float_digits) and float_overflow_error, written to
 *	  accept, reject and print what PostgreSQL 15's do.
 *	- get_fn_expr_argtype (no expression: InvalidOid), and hex_encode
 *	  and hex_decode for the state types' text form.
 *	- construct_array and ArrayGetNItems for float8[] (logistic_fit),
 *	  cstring_to_text_with_len, and a UTF8 database (sparkline, and the
 *	  check of segment keys), verified by libpgcommon's wchar.c.
 *
 * What the objects reference only on paths the harness never takes
 * (composite results, timestamp output, interrupts) aborts if called.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <setjmp.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fuzz.h"
#include "lib/ilist.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/memnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#define FUZZ_MAX_ARGS 4

/* memory */

typedef struct Chunk
{
	dlist_node	node;			/* in `chunks`, for fuzz_reset */
	Size		size;
	MemoryContext context;		/* just before the data, as in the backend */
} Chunk;

StaticAssertDecl(sizeof(Chunk) % MAXIMUM_ALIGNOF == 0 &&
				 offsetof(Chunk, context) + sizeof(MemoryContext) == sizeof(Chunk),
				 "the context must immediately precede a MAXALIGNed chunk");

static dlist_head chunks = DLIST_STATIC_INIT(chunks);

/* The contexts nodeAgg runs support functions in: per tuple, and the group's. */
static MemoryContextData tuple_context = {.type = T_AllocSetContext, .name = "ExprContext"};
static MemoryContextData agg_context = {.type = T_AllocSetContext, .name = "AggContext"};

MemoryContext CurrentMemoryContext = &tuple_context;

static void *
chunk_alloc(MemoryContext context, Size size, int flags)
{
	Chunk	   *chunk;

	if ((flags & MCXT_ALLOC_HUGE) ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	chunk = malloc(sizeof(Chunk) + size);
	if (chunk == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu in memory context \"%s\".",
						   size, context->name)));
	}
	chunk->size = size;
	chunk->context = context;
	dlist_push_head(&chunks, &chunk->node);
	if (flags & MCXT_ALLOC_ZERO)
		memset(chunk + 1, 0, size);
	return chunk + 1;
}

void
pfree(void *pointer)
{
	Chunk	   *chunk = (Chunk *) pointer - 1;

	dlist_delete(&chunk->node);
	free(chunk);
}

/* Always moves, so that AddressSanitizer catches a stale pointer. */
static void *
chunk_realloc(void *pointer, Size size, int flags)
{
	Chunk	   *old = (Chunk *) pointer - 1;
	void	   *new = chunk_alloc(old->context, size, flags);

	memcpy(new, pointer, Min(size, old->size));
	pfree(pointer);
	return new;
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return chunk_alloc(context, size, flags);
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return chunk_alloc(context, size, 0);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return chunk_alloc(context, size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return chunk_alloc(context, size, MCXT_ALLOC_HUGE);
}

void *
palloc(Size size)
{
	return chunk_alloc(CurrentMemoryContext, size, 0);
}

void *
palloc0(Size size)
{
	return chunk_alloc(CurrentMemoryContext, size, MCXT_ALLOC_ZERO);
}

void *
repalloc(void *pointer, Size size)
{
	return chunk_realloc(pointer, size, 0);
}

void *
repalloc_huge(void *pointer, Size size)
{
	return chunk_realloc(pointer, size, MCXT_ALLOC_HUGE);
}

char *
pstrdup(const char *in)
{
	Size		len = strlen(in) + 1;

	return memcpy(palloc(len), in, len);
}

void
fuzz_reset(void)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &chunks)
	{
		dlist_delete(iter.cur);
		free(dlist_container(Chunk, node, iter.cur));
	}
	CurrentMemoryContext = &tuple_context;
}

/* errors */

int			fuzz_error_code;
char		fuzz_error_message[1024];
static int	error_level;
static sigjmp_buf *error_jump;

void
fuzz_fail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "health_score fuzz finding: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

bool
errstart(int elevel, const char *domain)
{
	error_level = elevel;
	fuzz_error_code = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR :
		elevel == WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION;
	fuzz_error_message[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	fuzz_error_code = sqlerrcode;
	return 0;
}

/*
 * The messages are formatted as the backend would, so that a wrong
 * argument shows; only the primary one is kept, for the report.
 */
#define FORMAT_INTO(buf, fmt) \
	do { \
		va_list		args; \
		va_start(args, fmt); \
		vsnprintf(buf, sizeof(buf), fmt, args); \
		va_end(args); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(fuzz_error_message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(fuzz_error_message, fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	char		detail[1024];

	FORMAT_INTO(detail, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	char		hint[1024];

	FORMAT_INTO(hint, fmt);
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (error_level < ERROR)
		return;
	if (error_level > ERROR || error_jump == NULL)
		fuzz_fail("%s at %s:%d: %s", error_level > ERROR ? "FATAL" : "ERROR outside fuzz_call",
				  filename, lineno, fuzz_error_message);
	siglongjmp(*error_jump, 1);
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fuzz_fail("TRAP: %s(\"%s\", File: \"%s\", Line: %d)",
			  errorType, conditionName, fileName, lineNumber);
}

/* fmgr */

/* What fcinfo->context is when nodeAgg calls: its AggState. */
static Node agg_state = {T_AggState};

bool
fuzz_call(PGFunction fn, bool agg, int nargs, const Datum *args,
		  const bool *nulls, Datum *result, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, FUZZ_MAX_ARGS);
	FmgrInfo	flinfo;
	sigjmp_buf	jump;

	Assert(nargs <= FUZZ_MAX_ARGS);
	memset(&flinfo, 0, sizeof(flinfo));
	flinfo.fn_addr = fn;
	flinfo.fn_nargs = nargs;
	flinfo.fn_mcxt = CurrentMemoryContext;
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, InvalidOid,
							 agg ? &agg_state : NULL, NULL);
	for (int i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = nulls != NULL && nulls[i];
	}
	if (sigsetjmp(jump, 0) != 0)
	{
		error_jump = NULL;
		return false;
	}
	error_jump = &jump;
	*result = FunctionCallInvoke(fcinfo);
	error_jump = NULL;
	*isnull = fcinfo->isnull;
	return true;
}

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	bool		in_agg = fcinfo->context != NULL && IsA(fcinfo->context, AggState);

	if (aggcontext)
		*aggcontext = in_agg ? &agg_context : NULL;
	return in_agg ? AGG_CONTEXT_AGGREGATE : 0;
}

/*
 * detoast_attr for the one kind of extended datum the harness passes: a
 * short header, which becomes a 4-byte one in a palloc'd copy.
 */
static struct varlena *
detoast(struct varlena *attr)
{
	Size		data_size;
	struct varlena *result;

	if (!VARATT_IS_SHORT(attr))
		fuzz_fail("a compressed or external datum, which the harness never makes");
	data_size = VARSIZE_SHORT(attr) - VARHDRSZ_SHORT;
	result = palloc(data_size + VARHDRSZ);
	SET_VARSIZE(result, data_size + VARHDRSZ);
	memcpy(VARDATA(result), VARDATA_SHORT(attr), data_size);
	return result;
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	return VARATT_IS_EXTENDED(datum) ? detoast(datum) : datum;
}

struct varlena *
pg_detoast_datum_copy(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
		return detoast(datum);
	return memcpy(palloc(VARSIZE(datum)), datum, VARSIZE(datum));
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	return VARATT_IS_COMPRESSED(datum) || VARATT_IS_EXTERNAL(datum) ? detoast(datum) : datum;
}

/* libpq/pqformat.c */

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	/* room for the bytea length word */
	appendStringInfoSpaces(buf, VARHDRSZ);
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendfloat8(StringInfo buf, float8 f)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.f = f;
	pq_sendint64(buf, swap.i);
}

void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

int
pq_getmsgbyte(StringInfo msg)
{
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	return (unsigned char) msg->data[msg->cursor++];
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	uint8		n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			return n8;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			return pg_ntoh32(n32);
		default:
			elog(ERROR, "unsupported integer size %d", b);
			return 0;
	}
}

int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	pq_copymsgbytes(msg, (char *) &n64, sizeof(n64));
	return pg_ntoh64(n64);
}

float8
pq_getmsgfloat8(StringInfo msg)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.i = pq_getmsgint64(msg);
	return swap.f;
}

void
pq_getmsgend(StringInfo msg)
{
	if (msg->cursor != msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid message format")));
}

/* utils/adt/float.c */

void
float_overflow_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: overflow")));
}

float8
float8in_internal(char *num, char **endptr_p,
				  const char *type_name, const char *orig_string)
{
	static const struct
	{
		const char *word;
		float8		value;
	}			words[] = {
		{"NaN", NAN}, {"Infinity", INFINITY}, {"+Infinity", INFINITY},
		{"-Infinity", -INFINITY}, {"inf", INFINITY}, {"+inf", INFINITY},
		{"-inf", -INFINITY}
	};
	double		val;
	char	   *endptr;

	while (*num != '\0' && isspace((unsigned char) *num))
		num++;
	if (*num == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						type_name, orig_string)));

	errno = 0;
	val = strtod(num, &endptr);
	if (endptr == num || errno != 0)
	{
		int			save_errno = errno;
		int			i = 0;

		/* the spellings some platforms' strtod does not take */
		while (i < lengthof(words) &&
			   pg_strncasecmp(num, words[i].word, strlen(words[i].word)) != 0)
			i++;
		if (i < lengthof(words))
		{
			val = words[i].value;
			endptr = num + strlen(words[i].word);
		}
		else if (save_errno == ERANGE)
		{
			/* a denormal is fine, a true overflow or underflow is not */
			if (val == 0.0 || val >= HUGE_VAL || val <= -HUGE_VAL)
			{
				char	   *errnumber = pstrdup(num);

				errnumber[endptr - num] = '\0';
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%s\" is out of range for type double precision",
								errnumber)));
			}
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							type_name, orig_string)));
	}

	while (*endptr != '\0' && isspace((unsigned char) *endptr))
		endptr++;
	if (endptr_p)
		*endptr_p = endptr;
	else if (*endptr != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						type_name, orig_string)));
	return val;
}

/* extra_float_digits is 1 by default: the shortest exact form */
char *
float8out_internal(float8 num)
{
	char	   *ascii = palloc(32);

	double_to_shortest_decimal_buf(num, ascii);
	return ascii;
}

/* fmgr.c: the harness calls with no expression, as Citus does */

Oid
get_fn_expr_argtype(FmgrInfo *flinfo, int argnum)
{
	return InvalidOid;
}

/* utils/adt/encode.c: the hex form of the state types' text */

static const char hex_digits[] = "0123456789abcdef";

uint64
hex_encode(const char *src, size_t len, char *dst)
{
	for (size_t i = 0; i < len; i++)
	{
		*dst++ = hex_digits[(unsigned char) src[i] >> 4];
		*dst++ = hex_digits[(unsigned char) src[i] & 0xF];
	}
	return (uint64) len * 2;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid hexadecimal digit: \"%c\"", c)));
	pg_unreachable();
}

/* PostgreSQL's skips whitespace between pairs; the readers allow none */
uint64
hex_decode(const char *src, size_t len, char *dst)
{
	if (len % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid hexadecimal data: odd number of digits")));
	for (size_t i = 0; i < len; i += 2)
		*dst++ = (char) (hex_value(src[i]) << 4 | hex_value(src[i + 1]));
	return (uint64) len / 2;
}

/* utils/adt/arrayfuncs.c, arrayutils.c, varlena.c, mbutils.c */

/* construct_md_array's case logistic_fit uses: float8 elements, no NULLs */
ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen,
				bool elmbyval, char elmalign)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) nelems * sizeof(float8);
	ArrayType  *result;

	if (elmtype != FLOAT8OID || nelems < 1)
		fuzz_fail("construct_array stub: float8 elements only, and at least one");
	result = palloc0(nbytes);
	SET_VARSIZE(result, nbytes);
	result->ndim = 1;
	result->elemtype = elmtype;
	ARR_DIMS(result)[0] = nelems;
	ARR_LBOUND(result)[0] = 1;
	for (int i = 0; i < nelems; i++)
		((float8 *) ARR_DATA_PTR(result))[i] = DatumGetFloat8(elems[i]);
	return result;
}

int
ArrayGetNItems(int ndim, const int *dims)
{
	int64		n = 1;

	if (ndim <= 0)
		return 0;
	for (int i = 0; i < ndim; i++)
	{
		if (dims[i] < 0 || (n *= dims[i]) > (int64) MaxArraySize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array size exceeds the maximum allowed (%d)",
							(int) MaxArraySize)));
	}
	return (int) n;
}

text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *result = palloc(len + VARHDRSZ);

	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), s, len);
	return result;
}

int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

bool
pg_verifymbstr(const char *mbstr, int len, bool noError)
{
	if (pg_encoding_verifymbstr(PG_UTF8, mbstr, len) == len)
		return true;
	if (!noError)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid byte sequence for encoding \"UTF8\"")));
	return false;
}

volatile sig_atomic_t InterruptPending = false;

/* referenced on paths the harness never takes */

#define NOT_ON_FUZZED_PATHS(name) \
	void name(void); \
	void name(void) { fuzz_fail("backend stub %s called", #name); }

NOT_ON_FUZZED_PATHS(ProcessInterrupts)
NOT_ON_FUZZED_PATHS(get_call_result_type)
NOT_ON_FUZZED_PATHS(BlessTupleDesc)
NOT_ON_FUZZED_PATHS(heap_form_tuple)
NOT_ON_FUZZED_PATHS(HeapTupleHeaderGetDatum)
NOT_ON_FUZZED_PATHS(timestamptz_to_str)
