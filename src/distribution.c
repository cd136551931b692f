/*-------------------------------------------------------------------------
 *
 * distribution.c
 *	  Reading a distribution: finding a group, counting the values below a
 *	  value, the value at a fraction, and checking a datum read from outside.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "distribution.h"
#include "health_score.h"
#include "mb/pg_wchar.h"

int
dist_compare_keys(const char *a, int32 a_len, const char *b, int32 b_len)
{
	int			cmp;

	if (a_len == DIST_NULL_KEY || b_len == DIST_NULL_KEY)
		return (a_len == DIST_NULL_KEY) - (b_len == DIST_NULL_KEY);
	cmp = memcmp(a, b, Min(a_len, b_len));
	if (cmp != 0)
		return cmp;
	return (a_len > b_len) - (a_len < b_len);
}

/* The group of a segment key (DIST_NULL_KEY for NULL), or NULL if absent. */
const DistGroup *
dist_find_group(const Distribution *dist, const char *key, int32 key_len)
{
	int32		lo = 0;
	int32		hi = dist->ngroups;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		const DistGroup *group = &dist->groups[mid];
		int			cmp = dist_compare_keys(dist_key(dist, group), group->key_len,
											key, key_len);

		if (cmp == 0)
			return group;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The group of a lookup's segment argument (a NULL segment is the NULL
 * key), or NULL when absent; dist must have segments.
 */
const DistGroup *
dist_segment_group(FunctionCallInfo fcinfo, const Distribution *dist, int segment_arg,
				   const char *funcname)
{
	dist_check_segmented(dist, funcname);
	if (PG_ARGISNULL(segment_arg))
		return dist_find_group(dist, NULL, DIST_NULL_KEY);
	else
	{
		text	   *segment = PG_GETARG_TEXT_PP(segment_arg);

		return dist_find_group(dist, VARDATA_ANY(segment), VARSIZE_ANY_EXHDR(segment));
	}
}

void
dist_check_unsegmented(const Distribution *dist, const char *funcname)
{
	if (dist_is_segmented(dist))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dist holds one group per segment, so %s needs the segment", funcname),
				 errhint("Call %s(dist, ..., segment), or build dist with distribution(value) alone.",
						 funcname)));
}

void
dist_check_segmented(const Distribution *dist, const char *funcname)
{
	if (!dist_is_segmented(dist))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dist was built without segments, so %s takes no segment", funcname),
				 errhint("Build dist with distribution(value, segment), or call %s(dist, ...) without the segment.",
						 funcname)));
}

void
dist_check_value(float8 value, const char *argname)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NaN", argname)));
}

/*
 * greatest(1, ceil(100 * percent_rank())), with percent_rank computed as
 * PostgreSQL computes it, (rank - 1) / (rows - 1) in float8, so that the
 * two agree for every row.  A value beyond the largest ranks 100.
 */
int32
dist_percentile_rank(int64 below, int64 total)
{
	float8		rank;

	if (total <= 1)
		return 1;
	rank = ceil(100 * ((float8) below / (float8) (total - 1)));
	if (rank < 1)
		return 1;
	if (rank > 100)
		return 100;
	return (int32) rank;
}

void
dist_check_fraction(float8 fraction, const char *argname)
{
	if (isnan(fraction) || fraction < 0 || fraction > 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be between 0 and 1: %s", argname,
						hs_float8_text(fraction))));
}

/* The value at 0-based row `row` of the group in sorted order. */
float8
dist_value_at(const Distribution *dist, const DistGroup *group, int64 row)
{
	const int64 *below = dist_below(dist, group);
	int64		lo = 0;
	int64		hi = group->ndistinct;

	/* the last distinct value with below <= row; below[0] = 0 <= row */
	while (hi - lo > 1)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (below[mid] <= row)
			lo = mid;
		else
			hi = mid;
	}
	return dist_values(dist, group)[lo];
}

/*
 * percentile_cont(fraction), step for step as PostgreSQL's
 * percentile_cont_final_common and float8_lerp compute it, so that the
 * results are equal to the bit.
 */
float8
dist_quantile(const Distribution *dist, const DistGroup *group, float8 fraction)
{
	int64		rows = group->total;
	int64		first_row = floor(fraction * (rows - 1));
	int64		second_row = ceil(fraction * (rows - 1));
	float8		first_value = dist_value_at(dist, group, first_row);
	float8		second_value;
	float8		proportion;

	if (second_row <= first_row)
		return first_value;
	second_value = dist_value_at(dist, group, second_row);
	proportion = (fraction * (rows - 1)) - first_row;
	return first_value + (proportion * (second_value - first_value));
}

/*
 * A 64-bit hash of everything after the header, one multiply per word.
 * Not cryptographic: it tells copies of one distribution from other
 * distributions met in the same query.
 */
uint64
dist_fingerprint(const Distribution *dist)
{
	const char *p = (const char *) dist->groups;
	const char *end = (const char *) dist + VARSIZE(dist);
	uint64		hash = UINT64CONST(0x9E3779B97F4A7C15) ^ (uint64) VARSIZE(dist);

	for (; p + sizeof(uint64) <= end; p += sizeof(uint64))
	{
		uint64		word;

		memcpy(&word, p, sizeof(word));
		hash = (hash ^ word) * UINT64CONST(0xC2B2AE3D27D4EB4F);
		hash ^= hash >> 32;
	}
	return hash;
}

static void
dist_corrupt(const char *detail, int32 group)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid distribution"),
			 group >= 0 ? errdetail("Group %d: %s.", group + 1, detail) :
			 errdetail("%s.", detail)));
}

/* Values strictly increasing, counts adding up, for one group. */
static void
dist_validate_group(const Distribution *dist, int32 i)
{
	const DistGroup *group = &dist->groups[i];
	const float8 *values = dist_values(dist, group);
	const int64 *below = dist_below(dist, group);

	if (below[0] != 0 || isnan(values[0]))
		dist_corrupt("first value invalid", i);
	for (int32 j = 1; j < group->ndistinct; j++)
		if (!(values[j] > values[j - 1]) || isnan(values[j]) || below[j] <= below[j - 1])
			dist_corrupt("values out of order", i);
	/* the builder stores -0 as 0: -0 would print and read back differently */
	for (int32 j = 0; j < group->ndistinct; j++)
		if (values[j] == 0 && signbit(values[j]))
			dist_corrupt("-0 in place of 0", i);
	if (below[group->ndistinct - 1] >= group->total)
		dist_corrupt("counts do not add up", i);
	if (i > 0 && dist_compare_keys(dist_key(dist, group - 1), (group - 1)->key_len,
								   dist_key(dist, group), group->key_len) >= 0)
		dist_corrupt("segments out of order", i);
}

/*
 * Check a distribution that came from outside this process's own
 * builder (a parallel worker's serialized state).  The layout is fully
 * determined by the group headers, so every offset must be exactly where
 * the builder would have put it: no lookup can then read astray.
 */
void
dist_validate(const Distribution *dist, Size size)
{
	Size		offset;

	if (size < offsetof(Distribution, groups))
		dist_corrupt("too short", -1);
	if (dist->version != DISTRIBUTION_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unsupported distribution version %d", dist->version),
				 errdetail("This build of health_score reads version %d.",
						   DISTRIBUTION_VERSION)));
	if ((dist->flags & ~DIST_SEGMENTED) != 0 || dist->reserved != 0 || dist->reserved2 != 0)
		dist_corrupt("unknown flags", -1);
	if (dist->ngroups < 1 ||
		(!dist_is_segmented(dist) && dist->ngroups != 1) ||
		(Size) dist->ngroups > (size - offsetof(Distribution, groups)) / sizeof(DistGroup))
		dist_corrupt("group count out of range", -1);
	if (!dist_is_segmented(dist) && dist->groups[0].key_len != DIST_NULL_KEY)
		dist_corrupt("a segment key in a distribution without segments", -1);

	offset = offsetof(Distribution, groups) + dist->ngroups * sizeof(DistGroup);
	for (int32 i = 0; i < dist->ngroups; i++)
	{
		const DistGroup *group = &dist->groups[i];

		if (group->key_len < DIST_NULL_KEY)
			dist_corrupt("segment key length out of range", i);
		if (group->key_len == DIST_NULL_KEY)
		{
			if (group->key_offset != 0)
				dist_corrupt("segment key out of place", i);
			continue;
		}
		if (group->key_offset != offset || group->key_len > size - offset)
			dist_corrupt("segment key out of place", i);
		/* a key was a text value: no zero byte, valid in the encoding */
		if (!pg_verifymbstr(dist_key(dist, group), group->key_len, true))
			dist_corrupt("segment key is not valid text", i);
		offset += group->key_len;
	}
	offset = MAXALIGN(offset);
	for (int32 i = 0; i < dist->ngroups; i++)
	{
		const DistGroup *group = &dist->groups[i];

		if (group->total < 1 || group->ndistinct < 1 || group->ndistinct > group->total)
			dist_corrupt("counts out of range", i);
		if (offset > size || group->data_offset != offset ||
			(Size) group->ndistinct > (size - offset) / (sizeof(float8) + sizeof(int64)))
			dist_corrupt("values out of place", i);
		offset += (Size) group->ndistinct * (sizeof(float8) + sizeof(int64));
	}
	if (offset != size)
		dist_corrupt("trailing bytes", -1);
	{
		int64		all = 0;

		for (int32 i = 0; i < dist->ngroups; i++)
			if (pg_add_s64_overflow(all, dist->groups[i].total, &all))
				dist_corrupt("counts add up to more than a bigint holds", -1);
	}

	for (int32 i = 0; i < dist->ngroups; i++)
		dist_validate_group(dist, i);
}
