/*-------------------------------------------------------------------------
 *
 * fuzz_target.c
 *	  libFuzzer targets for the C code of health_score that reads outside
 *	  data: the distribution type's text input, and the deserialize
 *	  function of every aggregate with an internal state.
 *
 * HS_FUZZ_TARGET names the target, and so what its input is:
 *
 *	distribution_in	a distribution literal
 *	distribution	a layout byte, then a serialized state of distribution()
 *					or auc(), given to 1.2's deserialize (1.3's state is a
 *					distribution value, read by distribution_in and by
 *					dist_builder_load, which deserialize calls)
 *	tally			an ignored byte, then the serialized layout of a
 *					tally_state (nps(), csat(), ces(), band_counts()),
 *					given in hex to the type's input function, as Citus
 *					hands a partial state to the coordinator
 *	trend			the same, of a trend_state
 *	sparkline		the same, of a sparkline_state
 *	logistic		the same, of a logistic_state
 *
 * Every call goes through the function's V1 entry point with the
 * arguments the server passes.  A serialized state is a bytea, and the
 * layout byte puts it where a tuple may: with a 4-byte header, 8-byte
 * aligned (0) or only 4-byte aligned (1), bytea being int-aligned; or
 * packed with a 1-byte header at an odd address (2), as a value of up to
 * 126 bytes is.  The seeds of every target start with that byte.
 *
 * Findings, besides sanitizer reports and failed Asserts:
 *	- an ERROR with SQLSTATE XX000 (elog, or an absurd palloc size);
 *	  other ERRORs are the right answer to bad input;
 *	- a state that deserialize (input) accepts but serialize (output)
 *	  rejects, whose serialized form (text) deserialize (input) rejects,
 *	  or that does not serialize (write out) the same twice;
 *	- a sanitizer report, failed Assert or internal error in the final
 *	  functions run on such a state (all but trend's and band_counts',
 *	  which build a composite and need the catalogs; logistic_fit's only
 *	  up to 4 features, to stay fast);
 *	- a distribution, from text input or a distribution() final function,
 *	  that the deserialize checks reject, or that does not read back from
 *	  its text output to the same bytes.
 *
 * HS_FUZZ_SEEDS=dir writes a seed corpus per target (seeds.c) and exits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "distribution.h"
#include "fuzz.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"

typedef struct FuzzTarget
{
	const char *name;
	PGFunction	deserialize;	/* a serialized state: bytea in, state out */
	PGFunction	serialize;
	PGFunction	input;			/* or the state type's text: cstring in */
	PGFunction	output;
	void		(*finals) (Datum state, const uint8 *payload, size_t size);
} FuzzTarget;

static const FuzzTarget *target;

/* fuzz_call, with any ERROR but an internal one a fine outcome */
static bool
call(PGFunction fn, bool agg, int nargs, const Datum *args, Datum *result)
{
	bool		isnull;

	if (!fuzz_call(fn, agg, nargs, args, NULL, result, &isnull))
	{
		if (fuzz_error_code == ERRCODE_INTERNAL_ERROR)
			fuzz_fail("internal error (SQLSTATE XX000): %s", fuzz_error_message);
		return false;
	}
	if (isnull)
		*result = (Datum) 0;
	return true;
}

static Datum
call_must_succeed(PGFunction fn, bool agg, Datum arg, const char *what)
{
	Datum		result;

	if (!call(fn, agg, 1, &arg, &result))
		fuzz_fail("%s: %s", what, fuzz_error_message);
	return result;
}

/* Two varlenas with 4-byte headers, byte for byte */
static bool
same_bytes(Datum a, Datum b)
{
	return VARSIZE(DatumGetPointer(a)) == VARSIZE(DatumGetPointer(b)) &&
		memcmp(DatumGetPointer(a), DatumGetPointer(b), VARSIZE(DatumGetPointer(a))) == 0;
}

/* dist_validate as a V1 function, for fuzz_call to catch its ERROR */
static Datum
validate_distribution(PG_FUNCTION_ARGS)
{
	Distribution *dist = (Distribution *) PG_GETARG_POINTER(0);

	dist_validate(dist, VARSIZE(dist));
	PG_RETURN_VOID();
}

/* What any distribution datum must satisfy, however it was built. */
static void
check_distribution(Distribution *dist, const char *origin)
{
	Datum		ignored;
	Datum		out;
	Datum		in_args[3];
	Datum		again;

	if (!call(validate_distribution, false, 1, (Datum[]) {PointerGetDatum(dist)}, &ignored))
		fuzz_fail("%s built a distribution the deserialize checks reject: %s",
				  origin, fuzz_error_message);
	if (dist->fingerprint != dist_fingerprint(dist))
		fuzz_fail("%s built a distribution with a wrong fingerprint", origin);

	out = call_must_succeed(hs_distribution_out, false, PointerGetDatum(dist),
							"distribution_out failed");
	in_args[0] = out;
	in_args[1] = ObjectIdGetDatum(InvalidOid);
	in_args[2] = Int32GetDatum(-1);
	if (!call(hs_distribution_in, false, 3, in_args, &again))
		fuzz_fail("the text output of a distribution %s built does not read back: %s: %s",
				  origin, DatumGetCString(out), fuzz_error_message);
	if (!same_bytes(PointerGetDatum(dist), again))
		fuzz_fail("the text output of a distribution %s built reads back as another: %s",
				  origin, DatumGetCString(out));
}

static void
distribution_in(const uint8 *data, size_t size)
{
	char	   *literal = palloc(size + 1);
	Datum		args[3];
	Datum		dist;

	/* a C string ends at its first NUL, as the server's input does */
	memcpy(literal, data, size);
	literal[size] = '\0';
	/* and the server checks its encoding before any input function runs */
	if (!pg_verifymbstr(literal, strlen(literal), true))
		return;
	args[0] = CStringGetDatum(literal);
	args[1] = ObjectIdGetDatum(InvalidOid);
	args[2] = Int32GetDatum(-1);
	if (call(hs_distribution_in, false, 3, args, &dist))
		check_distribution((Distribution *) DatumGetPointer(dist), "distribution_in");
}

/* The bytea of a serialized state, laid out as the header comment says. */
static bytea *
make_bytea(uint8 layout, const uint8 *payload, size_t len)
{
	char	   *space;
	bytea	   *result;

	if (layout % 3 == 2 && len + VARHDRSZ_SHORT <= VARATT_SHORT_MAX)
	{
		space = palloc(1 + VARHDRSZ_SHORT + len);
		result = (bytea *) (space + 1);
		SET_VARSIZE_SHORT(result, VARHDRSZ_SHORT + len);
	}
	else
	{
		int			offset = layout % 3 == 1 ? 4 : 0;

		space = palloc(offset + VARHDRSZ + len);
		result = (bytea *) (space + offset);
		SET_VARSIZE(result, VARHDRSZ + len);
	}
	memcpy(VARDATA_ANY(result), payload, len);
	return result;
}

static void
aggregate_state(const uint8 *data, size_t size)
{
	Datum		args[2];
	Datum		state;
	Datum		serialized;
	Datum		state_again;
	Datum		serialized_again;

	if (size < 1)
		return;
	args[0] = PointerGetDatum(make_bytea(data[0], data + 1, size - 1));
	args[1] = (Datum) 0;		/* the unused internal argument */
	if (!call(target->deserialize, true, 2, args, &state))
		return;

	serialized = call_must_succeed(target->serialize, true, state,
								   "serialize rejects a state deserialize accepted");
	args[0] = serialized;
	if (!call(target->deserialize, true, 2, args, &state_again))
		fuzz_fail("deserialize rejects what serialize wrote: %s", fuzz_error_message);
	serialized_again = call_must_succeed(target->serialize, true, state_again,
										 "serialize rejects a state it wrote");
	if (!same_bytes(serialized, serialized_again))
		fuzz_fail("a state serializes differently after a round trip");

	if (target->finals)
		target->finals(state, data + 1, size - 1);
}

/*
 * A state type's text, as Citus ships a partial state: the payload (the
 * serialized layout) in hex.  What input accepts must write out, read
 * back and write out again the same, and go through the final functions.
 */
static void
state_text(const uint8 *data, size_t size)
{
	char	   *text;
	Datum		state;
	Datum		out;
	Datum		again;
	Datum		out_again;

	if (size < 1)
		return;
	text = palloc(2 * (size - 1) + 3);
	text[0] = '\\';
	text[1] = 'x';
	text[2 + hex_encode((const char *) data + 1, size - 1, text + 2)] = '\0';
	if (!call(target->input, false, 1, (Datum[]) {CStringGetDatum(text)}, &state))
		return;

	out = call_must_succeed(target->output, false, state,
							"output rejects a state input accepted");
	if (!call(target->input, false, 1, &out, &again))
		fuzz_fail("input rejects what output wrote: %s", fuzz_error_message);
	out_again = call_must_succeed(target->output, false, again,
								  "output rejects a state it wrote");
	if (strcmp(DatumGetCString(out), DatumGetCString(out_again)) != 0)
		fuzz_fail("a state's text reads back as another: %s", DatumGetCString(out));

	if (target->finals)
		target->finals(state, data + 1, size - 1);
}

static void
final(PGFunction fn, Datum state)
{
	Datum		ignored;

	call(fn, true, 1, &state, &ignored);
}

static void
distribution_finals(Datum state, const uint8 *payload, size_t size)
{
	Datum		dist = call_must_succeed(hs_distribution_final, true, state,
										 "distribution_final failed");

	check_distribution((Distribution *) DatumGetPointer(dist), "distribution_final");
	final(hs_auc_final, state);
}

static void
tally_finals(Datum state, const uint8 *payload, size_t size)
{
	final(hs_nps_final, state);
	final(hs_csat_final, state);
	final(hs_ces_final, state);
}

static void
sparkline_finals(Datum state, const uint8 *payload, size_t size)
{
	final(hs_sparkline_final, state);
}

/*
 * The Newton fit costs rows x features^2 per step, and the Cholesky
 * factorization features^3: only fit a few features, to keep each input
 * fast.  The feature count is the int32 after the version byte.
 */
static void
logistic_finals(Datum state, const uint8 *payload, size_t size)
{
	uint32		nfeatures;

	if (size < 1 + sizeof(nfeatures))
		return;
	memcpy(&nfeatures, payload + 1, sizeof(nfeatures));
	if (pg_ntoh32(nfeatures) <= 4)
		final(hs_logistic_final, state);
}

/*
 * The 1.3 aggregates take outside bytes through their state types' text
 * (and distribution's through its own input and dist_builder_load, which
 * deserialize also calls); 1.2's serialize and deserialize, kept for a
 * database not yet updated, share the same readers.
 */
static const FuzzTarget targets[] = {
	{"distribution_in", NULL, NULL, NULL, NULL, NULL},
	{"distribution", hs_distribution_deserialize, hs_distribution_serialize, NULL, NULL, distribution_finals},
	{"tally", NULL, NULL, hs_tally_state_in, hs_tally_state_out, tally_finals},
	{"trend", NULL, NULL, hs_trend_state_in, hs_trend_state_out, NULL},
	{"sparkline", NULL, NULL, hs_sparkline_state_in, hs_sparkline_state_out, sparkline_finals},
	{"logistic", NULL, NULL, hs_logistic_state_in, hs_logistic_state_out, logistic_finals},
};

extern int	LLVMFuzzerInitialize(int *argc, char ***argv);
extern int	LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("HS_FUZZ_SEEDS");
	const char *name = getenv("HS_FUZZ_TARGET");

	if (seeds != NULL)
	{
		fuzz_write_seeds(seeds);
		exit(0);
	}
	for (int i = 0; name != NULL && i < lengthof(targets); i++)
		if (strcmp(name, targets[i].name) == 0)
			target = &targets[i];
	if (target == NULL)
	{
		fprintf(stderr, "set HS_FUZZ_TARGET to one of:");
		for (int i = 0; i < lengthof(targets); i++)
			fprintf(stderr, " %s", targets[i].name);
		fprintf(stderr, "\n");
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	if (target->input != NULL)
		state_text(data, size);
	else if (target->deserialize != NULL)
		aggregate_state(data, size);
	else
		distribution_in(data, size);
	fuzz_reset();
	return 0;
}
