/*-------------------------------------------------------------------------
 *
 * percentile_cuts.c
 *	  percentile_cuts, percentile_rank_by_cuts(cuts, value) and the
 *	  percentile_counts aggregate: percentile ranks from 99 cut values.
 *
 * A percentile rank takes only 100 values, so a distribution's ranks are
 * fully described by where they change.  For N > 1 values,
 *
 *	rank(v) = greatest(1, least(100, ceil(100 * (below(v) / (N - 1)))))
 *
 * computed in float8 as dist_percentile_rank() computes it (and
 * PostgreSQL's percent_rank()), below(v) being how many values are
 * smaller than v.  That is non-decreasing in below (a correctly rounded
 * division, a multiplication and ceil all are), so for r = 2..100 there
 * is a smallest k_r with rank >= r once below >= k_r; k_r is found by
 * bisection on dist_percentile_rank() itself, so no rational arithmetic
 * can disagree with the float8 formula.  k_r >= 1, because rank(0) = 1,
 * and k_r <= N - 1, because rank(N - 1) = 100.  And below(v) >= k holds
 * exactly when v exceeds x(k), the k-th smallest value counting ties.  So
 * with c_r = x(k_r),
 *
 *	rank(v) = 1 + #{r in 2..100 : v > c_r}
 *
 * for every v, exactly: a search in 99 values (792 bytes, in cache),
 * however large the distribution.  For N = 1 every rank is 1, and 99
 * infinities say so (no value exceeds +Infinity).
 *
 * The cuts are returned as a float8[] of 99 elements, cuts[i] = c_(i+1):
 * the largest value of the distribution that ranks i or lower.  An array
 * is a real type with a text form, so a table of cuts per segment is an
 * ordinary table, and percentile_counts' state, bigint[], is one too
 * (Citus splits an aggregate only when it can ship the state as text).
 *
 * The lookup is percentile_rank_by_cuts, not an overload of
 * percentile_rank: an overload on the first argument would make
 * percentile_rank('{1,2,3}', v) and percentile_rank(NULL, v), whose first
 * argument is an untyped literal that named a distribution until now,
 * ambiguous.
 *
 * The cuts arrive as an argument on every row.  Checking one (99 values,
 * none NaN, none smaller than the one before) costs more than the search
 * in it, so each call site keeps, in fn_extra, the last few cuts it
 * checked and compares a row's bytes with them first: the cuts per
 * segment of a join alternate from row to row.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "distribution.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(hs_percentile_cuts);
PG_FUNCTION_INFO_V1(hs_percentile_cuts_segment);
PG_FUNCTION_INFO_V1(hs_percentile_rank_by_cuts);
PG_FUNCTION_INFO_V1(hs_percentile_counts_accum);
PG_FUNCTION_INFO_V1(hs_percentile_counts_combine);

/* c_2 .. c_100 */
#define NUM_CUTS			99

/* cuts one call site remembers as checked: enough for one per segment */
#define CUTS_CACHE_SIZE		16

typedef struct CutsCache
{
	int			nentries;
	int			next;			/* the entry to replace once full */
	float8		cuts[CUTS_CACHE_SIZE][NUM_CUTS];
} CutsCache;

/* The smallest below with dist_percentile_rank(below, total) >= r. */
static int64
below_for_rank(int32 r, int64 total)
{
	int64		lo = 1;
	int64		hi = total - 1;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (dist_percentile_rank(mid, total) >= r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static ArrayType *
group_cuts(const Distribution *dist, const DistGroup *group)
{
	Datum		cuts[NUM_CUTS];

	for (int32 r = 2; r <= 100; r++)
	{
		float8		cut;

		if (group->total <= 1)
			cut = get_float8_infinity();
		else
			cut = dist_value_at(dist, group, below_for_rank(r, group->total) - 1);
		cuts[r - 2] = Float8GetDatum(cut);
	}
	return construct_array(cuts, NUM_CUTS, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* percentile_cuts(dist) */
Datum
hs_percentile_cuts(PG_FUNCTION_ARGS)
{
	Distribution *dist = PG_GETARG_DISTRIBUTION_P(0);

	dist_check_unsegmented(dist, "percentile_cuts");
	PG_RETURN_ARRAYTYPE_P(group_cuts(dist, &dist->groups[0]));
}

/* percentile_cuts(dist, segment): NULL when the segment is absent */
Datum
hs_percentile_cuts_segment(PG_FUNCTION_ARGS)
{
	Distribution *dist;
	const DistGroup *group;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = PG_GETARG_DISTRIBUTION_P(0);
	group = dist_segment_group(fcinfo, dist, 1, "percentile_cuts");
	if (group == NULL)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(group_cuts(dist, group));
}

/* Every check of a cuts array but its shape, which is cheap per row. */
static void
check_cut_values(const float8 *cuts)
{
	for (int i = 0; i < NUM_CUTS; i++)
	{
		if (isnan(cuts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cut %d must not be NaN", i + 1)));
		if (i > 0 && cuts[i] < cuts[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cuts must not decrease: cut %d (%s) is below cut %d (%s)",
							i + 1, hs_float8_text(cuts[i]),
							i, hs_float8_text(cuts[i - 1])),
					 errhint("Pass the array percentile_cuts() returns.")));
	}
}

/*
 * The 99 cuts of argument argno, checked: one-dimensional, 99 elements,
 * no NULL, no NaN, non-decreasing.  Points into the argument.
 */
static const float8 *
read_cuts(FunctionCallInfo fcinfo, int argno)
{
	Float8Array array;
	const float8 *cuts;
	CutsCache  *cache;
	int			slot;

	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(argno), "cuts", &array);
	if (array.n != NUM_CUTS)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cuts must have %d elements, not %d", NUM_CUTS, array.n),
				 errhint("Pass the array percentile_cuts() returns.")));
	hs_require_no_nulls(&array, "cut");
	/* without NULLs, values points into the argument: nothing is copied */
	cuts = array.values;

	if (fcinfo->flinfo == NULL)
	{
		check_cut_values(cuts);
		return cuts;
	}
	cache = (CutsCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CutsCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	for (int e = 0; e < cache->nentries; e++)
		if (memcmp(cache->cuts[e], cuts, sizeof(cache->cuts[e])) == 0)
			return cuts;

	check_cut_values(cuts);
	if (cache->nentries < CUTS_CACHE_SIZE)
		slot = cache->nentries++;
	else
	{
		slot = cache->next;
		cache->next = (cache->next + 1) % CUTS_CACHE_SIZE;
	}
	memcpy(cache->cuts[slot], cuts, sizeof(cache->cuts[slot]));
	return cuts;
}

/*
 * How many of the m cuts cuts[stride - 1], cuts[2 * stride - 1], ...,
 * cuts[m * stride - 1] are smaller than value: a branch-free binary
 * search, whose comparisons cost no mispredictions on values in random
 * order.  Entry j (0-based) is cuts[(j + 1) * stride - 1].
 */
static inline int
count_cuts_below(const float8 *cuts, int m, int stride, float8 value)
{
	int			base = 0;
	int			n = m;

	if (m == 0)
		return 0;
	while (n > 1)
	{
		int			half = n / 2;

		base = (cuts[(base + half + 1) * stride - 1] < value) ? base + half : base;
		n -= half;
	}
	return base + (cuts[(base + 1) * stride - 1] < value);
}

/* percentile_rank_by_cuts(cuts, value) */
Datum
hs_percentile_rank_by_cuts(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(1);
	const float8 *cuts;

	dist_check_value(value, "value");
	cuts = read_cuts(fcinfo, 0);
	PG_RETURN_INT32(1 + count_cuts_below(cuts, NUM_CUTS, 1, value));
}

static void
check_buckets(int32 buckets)
{
	if (buckets < 1 || buckets > 100 || 100 % buckets != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("buckets must divide 100: %d", buckets),
				 errhint("Use 1, 2, 4, 5, 10, 20, 25, 50 or 100 buckets.")));
}

/* The counts of a percentile_counts state, which must be a bigint[] of n. */
static int64 *
state_counts(ArrayType *state, int *n)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("percentile_counts state must be a one-dimensional bigint array without NULLs")));
	*n = ARR_DIMS(state)[0];
	return (int64 *) ARR_DATA_PTR(state);
}

/* A state of n zero counts, where nodeAgg copies it from (see below). */
static ArrayType *
new_state(int n, MemoryContext mcxt)
{
	Size		size = ARR_OVERHEAD_NONULLS(1) + sizeof(int64) * n;
	ArrayType  *state = MemoryContextAllocZero(mcxt, size);

	SET_VARSIZE(state, size);
	state->ndim = 1;
	state->dataoffset = 0;
	state->elemtype = INT8OID;
	ARR_DIMS(state)[0] = n;
	ARR_LBOUND(state)[0] = 1;
	return state;
}

/*
 * percentile_counts_accum(state, cuts, value, buckets): the bucket of a
 * value is ceil(rank * buckets / 100).  With w = 100 / buckets, bucket
 * b > j exactly when rank > j * w, that is when value exceeds
 * c_(j w + 1) = cuts[j w - 1]: the search needs only the buckets - 1
 * cuts at the bucket boundaries.
 *
 * The state is made in the per-call context on a group's first row, and
 * nodeAgg copies it into the aggregate context (hs_state_context); from
 * then on it is changed in place.
 */
Datum
hs_percentile_counts_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	int32		buckets;
	int64	   *counts;
	int			n;
	float8		value;
	const float8 *cuts;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("buckets must not be NULL")));
	buckets = PG_GETARG_INT32(3);
	check_buckets(buckets);

	if (PG_ARGISNULL(0))
		state = new_state(buckets, hs_state_context(fcinfo, "percentile_counts"));
	else
	{
		(void) hs_aggregate_context(fcinfo, "percentile_counts");
		state = (ArrayType *) hs_own_state(fcinfo);
	}
	counts = state_counts(state, &n);
	if (n != buckets)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("buckets must be the same for every row of a group: %d and %d",
						n, buckets)));

	/* a NULL value adds nothing; its cuts are not read */
	if (PG_ARGISNULL(2))
		PG_RETURN_ARRAYTYPE_P(state);
	value = PG_GETARG_FLOAT8(2);
	dist_check_value(value, "value");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cuts must not be NULL for a value to count: %s",
						hs_float8_text(value))));
	cuts = read_cuts(fcinfo, 1);

	counts[count_cuts_below(cuts, buckets - 1, 100 / buckets, value)]++;
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * percentile_counts_combine(a, b): the counts added bucket by bucket, into
 * a, the aggregate's own, in place.  b is never changed: it may be a
 * worker's state that a Gather node still holds.
 */
Datum
hs_percentile_counts_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *into;
	ArrayType  *from;
	int64	   *into_counts;
	const int64 *from_counts;
	int			into_n;
	int			from_n;

	(void) hs_aggregate_context(fcinfo, "percentile_counts_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	from = (ArrayType *) hs_state_arg(fcinfo, 1);
	from_counts = state_counts(from, &from_n);

	if (PG_ARGISNULL(0))
	{
		into = new_state(from_n, hs_state_context(fcinfo, "percentile_counts_combine"));
		memcpy(ARR_DATA_PTR(into), from_counts, sizeof(int64) * from_n);
		PG_RETURN_ARRAYTYPE_P(into);
	}
	into = (ArrayType *) hs_own_state(fcinfo);
	into_counts = state_counts(into, &into_n);
	if (into_n != from_n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine percentile counts of %d and %d buckets",
						into_n, from_n)));
	for (int i = 0; i < into_n; i++)
		if (pg_add_s64_overflow(into_counts[i], from_counts[i], &into_counts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
	PG_RETURN_ARRAYTYPE_P(into);
}
