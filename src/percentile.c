/*-------------------------------------------------------------------------
 *
 * percentile.c
 *	  percentile_rank, descending_rank, quantile, quantiles,
 *	  distribution_count, segments.
 *
 * These run once per row against the same distribution (a scalar
 * subquery's value, or one of a few joined in per segment), which may be
 * megabytes.  A cache in fn_extra keeps, per distribution met in this
 * query, its detoasted copy when it had to be fetched from a TOAST table
 * and the search trees that make each search short.  Entries are recognised by
 * the distribution's fingerprint, never by its address alone: a row's
 * copy may live where another row's different one lived before.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "distribution.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(hs_percentile_rank);
PG_FUNCTION_INFO_V1(hs_percentile_rank_segment);
PG_FUNCTION_INFO_V1(hs_descending_rank);
PG_FUNCTION_INFO_V1(hs_descending_rank_segment);
PG_FUNCTION_INFO_V1(hs_quantile);
PG_FUNCTION_INFO_V1(hs_quantile_segment);
PG_FUNCTION_INFO_V1(hs_quantiles);
PG_FUNCTION_INFO_V1(hs_quantiles_segment);
PG_FUNCTION_INFO_V1(hs_distribution_count);
PG_FUNCTION_INFO_V1(hs_distribution_count_segment);
PG_FUNCTION_INFO_V1(hs_distribution_segments);

/* distributions one call site remembers: enough for one per segment */
#define LOOKUP_CACHE_SIZE		32

typedef struct CachedDistribution
{
	uint64		fingerprint;
	Size		size;
	uint64		last_used;
	bool		has_toast_pointer;
	struct varatt_external toast_pointer;
	Distribution *owned;		/* the detoasted copy, or NULL */
	int32		ngroups;
	DistSearchTree **trees;		/* per group; NULL for a small group */
} CachedDistribution;

typedef struct LookupCache
{
	MemoryContext mcxt;
	uint64		clock;
	int			nentries;
	CachedDistribution entries[LOOKUP_CACHE_SIZE];
} LookupCache;

/* A distribution ready for lookups in this call. */
typedef struct DistLookup
{
	const Distribution *dist;
	const CachedDistribution *cached;	/* NULL without a cache */
} DistLookup;

static void
build_trees(CachedDistribution *entry, const Distribution *dist, MemoryContext mcxt)
{
	entry->trees = MemoryContextAllocZero(mcxt, sizeof(DistSearchTree *) * dist->ngroups);
	for (int32 g = 0; g < dist->ngroups; g++)
		entry->trees[g] = dist_build_search_tree(dist, &dist->groups[g], mcxt);
}

static void
release_entry(CachedDistribution *entry)
{
	if (entry->trees)
	{
		for (int32 g = 0; g < entry->ngroups; g++)
			dist_free_search_tree(entry->trees[g]);
		pfree(entry->trees);
	}
	if (entry->owned)
		pfree(entry->owned);
	memset(entry, 0, sizeof(*entry));
}

static CachedDistribution *
find_entry(LookupCache *cache, const Distribution *dist)
{
	for (int i = 0; i < cache->nentries; i++)
	{
		CachedDistribution *entry = &cache->entries[i];

		if (entry->fingerprint == dist->fingerprint && entry->size == VARSIZE(dist))
			return entry;
	}
	return NULL;
}

/* A new entry for dist, evicting the least recently used one if full. */
static CachedDistribution *
add_entry(LookupCache *cache, const Distribution *dist)
{
	CachedDistribution *entry;

	if (cache->nentries < LOOKUP_CACHE_SIZE)
		entry = &cache->entries[cache->nentries++];
	else
	{
		entry = &cache->entries[0];
		for (int i = 1; i < LOOKUP_CACHE_SIZE; i++)
			if (cache->entries[i].last_used < entry->last_used)
				entry = &cache->entries[i];
		release_entry(entry);
	}
	entry->fingerprint = dist->fingerprint;
	entry->size = VARSIZE(dist);
	entry->ngroups = dist->ngroups;
	build_trees(entry, dist, cache->mcxt);
	return entry;
}

/* A distribution stored out of line: fetch it once per query. */
static DistLookup
lookup_toasted(LookupCache *cache, Datum raw)
{
	struct varatt_external toast_pointer;
	CachedDistribution *entry;
	Distribution *dist;
	MemoryContext old;

	VARATT_EXTERNAL_GET_POINTER(toast_pointer, DatumGetPointer(raw));
	for (int i = 0; i < cache->nentries; i++)
	{
		entry = &cache->entries[i];
		if (entry->has_toast_pointer && entry->owned &&
			memcmp(&entry->toast_pointer, &toast_pointer, sizeof(toast_pointer)) == 0)
		{
			entry->last_used = ++cache->clock;
			return (DistLookup) {entry->owned, entry};
		}
	}

	old = MemoryContextSwitchTo(cache->mcxt);
	dist = DatumGetDistributionP(raw);
	MemoryContextSwitchTo(old);

	entry = find_entry(cache, dist);
	if (entry == NULL)
		entry = add_entry(cache, dist);
	if (entry->owned == NULL)
		entry->owned = dist;
	else
		pfree(dist);
	entry->has_toast_pointer = true;
	entry->toast_pointer = toast_pointer;
	entry->last_used = ++cache->clock;
	return (DistLookup) {entry->owned, entry};
}

static DistLookup
lookup_distribution(FunctionCallInfo fcinfo)
{
	Datum		raw = PG_GETARG_DATUM(0);
	LookupCache *cache;
	CachedDistribution *entry;
	Distribution *dist;

	if (fcinfo->flinfo == NULL)
		return (DistLookup) {DatumGetDistributionP(raw), NULL};

	cache = (LookupCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LookupCache));
		cache->mcxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = cache;
	}

	if (VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(raw)))
		return lookup_toasted(cache, raw);

	/* in memory already (or small and inline): use this row's copy */
	dist = DatumGetDistributionP(raw);
	entry = find_entry(cache, dist);
	if (entry == NULL)
		entry = add_entry(cache, dist);
	entry->last_used = ++cache->clock;
	return (DistLookup) {dist, entry};
}

static int64
count_below(DistLookup lookup, const DistGroup *group, float8 value)
{
	int32		g = group - lookup.dist->groups;
	return dist_count_below(lookup.dist, group, value,
							lookup.cached ? lookup.cached->trees[g] : NULL);
}

/* percentile_rank(dist, value) */
Datum
hs_percentile_rank(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(1);
	DistLookup	lookup;
	const DistGroup *group;

	dist_check_value(value, "value");
	lookup = lookup_distribution(fcinfo);
	dist_check_unsegmented(lookup.dist, "percentile_rank");
	group = &lookup.dist->groups[0];
	PG_RETURN_INT32(dist_percentile_rank(count_below(lookup, group, value), group->total));
}

/*
 * The arguments of a (dist, value, segment) lookup, read and checked: the
 * group to look value up in, or NULL when there is no answer (dist or
 * value NULL, or a segment dist lacks).
 */
static const DistGroup *
segment_lookup(FunctionCallInfo fcinfo, const char *funcname, float8 *value, DistLookup *lookup)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return NULL;
	*value = PG_GETARG_FLOAT8(1);
	dist_check_value(*value, "value");
	*lookup = lookup_distribution(fcinfo);
	return dist_segment_group(fcinfo, lookup->dist, 2, funcname);
}

/* percentile_rank(dist, value, segment) */
Datum
hs_percentile_rank_segment(PG_FUNCTION_ARGS)
{
	float8		value;
	DistLookup	lookup;
	const DistGroup *group = segment_lookup(fcinfo, "percentile_rank", &value, &lookup);

	if (group == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT32(dist_percentile_rank(count_below(lookup, group, value), group->total));
}

/*
 * descending_rank(dist, value): 1 + the number of values greater than
 * value, which for a value of dist is rank() OVER (ORDER BY value DESC)
 * among its values.  Those not greater are those below the next float8
 * up; +Infinity has none above it.
 */
static int64
descending_rank(DistLookup lookup, const DistGroup *group, float8 value)
{
	int64		not_above;

	not_above = isinf(value) && value > 0 ? group->total
		: count_below(lookup, group, nextafter(value, get_float8_infinity()));
	return 1 + group->total - not_above;
}

Datum
hs_descending_rank(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(1);
	DistLookup	lookup;

	dist_check_value(value, "value");
	lookup = lookup_distribution(fcinfo);
	dist_check_unsegmented(lookup.dist, "descending_rank");
	PG_RETURN_INT64(descending_rank(lookup, &lookup.dist->groups[0], value));
}

/* descending_rank(dist, value, segment) */
Datum
hs_descending_rank_segment(PG_FUNCTION_ARGS)
{
	float8		value;
	DistLookup	lookup;
	const DistGroup *group = segment_lookup(fcinfo, "descending_rank", &value, &lookup);

	if (group == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT64(descending_rank(lookup, group, value));
}

/* quantile(dist, fraction) */
Datum
hs_quantile(PG_FUNCTION_ARGS)
{
	float8		fraction = PG_GETARG_FLOAT8(1);
	Distribution *dist;

	dist_check_fraction(fraction, "fraction");
	dist = PG_GETARG_DISTRIBUTION_P(0);
	dist_check_unsegmented(dist, "quantile");
	PG_RETURN_FLOAT8(dist_quantile(dist, &dist->groups[0], fraction));
}

/* quantile(dist, fraction, segment) */
Datum
hs_quantile_segment(PG_FUNCTION_ARGS)
{
	float8		fraction;
	Distribution *dist;
	const DistGroup *group;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	fraction = PG_GETARG_FLOAT8(1);
	dist_check_fraction(fraction, "fraction");
	dist = PG_GETARG_DISTRIBUTION_P(0);
	group = dist_segment_group(fcinfo, dist, 2, "quantile");
	if (group == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(dist_quantile(dist, group, fraction));
}

/*
 * One quantile per fraction, in an array shaped like fractions, as
 * percentile_cont(float8[]) returns them; a NULL fraction gives NULL.
 */
static ArrayType *
quantiles_array(const Distribution *dist, const DistGroup *group, ArrayType *fractions)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(fractions, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			dist_check_fraction(DatumGetFloat8(elems[i]), "fractions");
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			elems[i] = Float8GetDatum(dist_quantile(dist, group, DatumGetFloat8(elems[i])));
	if (n == 0)
		return construct_empty_array(FLOAT8OID);
	return construct_md_array(elems, nulls, ARR_NDIM(fractions), ARR_DIMS(fractions),
							  ARR_LBOUND(fractions), FLOAT8OID, sizeof(float8),
							  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* quantiles(dist, fractions) */
Datum
hs_quantiles(PG_FUNCTION_ARGS)
{
	Distribution *dist = PG_GETARG_DISTRIBUTION_P(0);

	dist_check_unsegmented(dist, "quantiles");
	PG_RETURN_ARRAYTYPE_P(quantiles_array(dist, &dist->groups[0], PG_GETARG_ARRAYTYPE_P(1)));
}

/* quantiles(dist, fractions, segment) */
Datum
hs_quantiles_segment(PG_FUNCTION_ARGS)
{
	Distribution *dist;
	const DistGroup *group;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	dist = PG_GETARG_DISTRIBUTION_P(0);
	group = dist_segment_group(fcinfo, dist, 2, "quantiles");
	if (group == NULL)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(quantiles_array(dist, group, PG_GETARG_ARRAYTYPE_P(1)));
}

/* distribution_count(dist) */
Datum
hs_distribution_count(PG_FUNCTION_ARGS)
{
	Distribution *dist = PG_GETARG_DISTRIBUTION_P(0);
	int64		total = 0;

	/* each group's total is at most PG_INT64_MAX and so is the builder's sum */
	for (int32 g = 0; g < dist->ngroups; g++)
		total += dist->groups[g].total;
	PG_RETURN_INT64(total);
}

/* distribution_count(dist, segment) */
Datum
hs_distribution_count_segment(PG_FUNCTION_ARGS)
{
	Distribution *dist;
	const DistGroup *group;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = PG_GETARG_DISTRIBUTION_P(0);
	group = dist_segment_group(fcinfo, dist, 1, "distribution_count");
	PG_RETURN_INT64(group ? group->total : 0);
}

/* segments(dist): the segment keys, in the distribution's order */
Datum
hs_distribution_segments(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	Distribution *dist;
	const DistGroup *group;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		dist = (Distribution *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
		funcctx->user_fctx = dist;
		funcctx->max_calls = dist_is_segmented(dist) ? dist->ngroups : 0;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	dist = (Distribution *) funcctx->user_fctx;
	if (funcctx->call_cntr >= funcctx->max_calls)
		SRF_RETURN_DONE(funcctx);

	group = &dist->groups[funcctx->call_cntr];
	if (group->key_len == DIST_NULL_KEY)
	{
		SRF_RETURN_NEXT_NULL(funcctx);
	}
	SRF_RETURN_NEXT(funcctx,
					PointerGetDatum(cstring_to_text_with_len(dist_key(dist, group),
															 group->key_len)));
}
