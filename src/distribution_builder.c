/*-------------------------------------------------------------------------
 *
 * distribution_builder.c
 *	  Collecting the values of each group into a distribution.
 *
 * Each group appends incoming values to a buffer of sort keys and now
 * and then compacts it: a radix sort, then a merge into the group's
 * sorted (value, count) runs.  Compaction keeps memory small when values
 * repeat (scores with one decimal have 1001 values, however many
 * customers); when they do not, the group stops compacting and sorts
 * once at the end, which is cheaper than merging again and again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "distribution.h"
#include "utils/memutils.h"

/* compaction never runs on fewer pending values than this */
#define COMPACT_MIN				65536
#define PENDING_INITIAL			16
#define RADIX_BITS				11
#define RADIX_BUCKETS			(1 << RADIX_BITS)
#define RADIX_PASSES			((64 + RADIX_BITS - 1) / RADIX_BITS)

typedef struct GroupBuilder
{
	char	   *key;			/* segment key, not terminated */
	int32		key_len;		/* or DIST_NULL_KEY */

	uint64	   *pending;		/* sort keys of values not yet compacted */
	int64		npending;
	int64		pending_cap;
	int64		compact_at;		/* compact when npending reaches this */

	float8	   *values;			/* sorted distinct values compacted so far */
	int64	   *counts;
	int64		ndistinct;
	int64		values_cap;

	int64		total;			/* values added, pending ones included */
} GroupBuilder;

typedef struct SegmentEntry
{
	struct SegmentKey
	{
		const char *data;
		int32		len;
	}			key;
	uint32		hash;
	char		status;
	GroupBuilder *group;
} SegmentEntry;

typedef struct SegmentKey SegmentKey;

#define SH_PREFIX segment_table
#define SH_ELEMENT_TYPE SegmentEntry
#define SH_KEY_TYPE SegmentKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b) \
	((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct DistBuilder
{
	MemoryContext mcxt;			/* everything below lives here */
	bool		segmented;
	GroupBuilder **groups;
	int32		ngroups;
	int32		groups_cap;
	GroupBuilder *null_group;	/* the NULL segment, or the only group */
	segment_table_hash *by_key; /* the other segments */
	GroupBuilder *last;			/* the group of the previous value */
};

/*
 * float8 to an unsigned key with the same order: flip every bit of a
 * negative number, only the sign bit of a positive one.  NaN never gets
 * here and -0 was made 0, so equal values have equal keys.
 */
static inline uint64
sort_key(float8 value)
{
	uint64		bits;

	memcpy(&bits, &value, sizeof(bits));
	return (bits & (UINT64CONST(1) << 63)) ? ~bits : bits | (UINT64CONST(1) << 63);
}

static inline float8
key_value(uint64 key)
{
	uint64		bits = (key & (UINT64CONST(1) << 63)) ? key & ~(UINT64CONST(1) << 63) : ~key;
	float8		value;

	memcpy(&value, &bits, sizeof(value));
	return value;
}

/*
 * LSD radix sort, RADIX_BITS at a time.  All digit histograms come from
 * one pass; a digit every key shares (the exponent's high bits, mostly)
 * costs no pass at all.
 */
static void
radix_sort(uint64 *keys, int64 n)
{
	int64	   *histograms;
	uint64	   *buffer;
	uint64	   *from = keys;
	uint64	   *to;

	if (n < 2)
		return;

	histograms = palloc0(sizeof(int64) * RADIX_PASSES * RADIX_BUCKETS);
	buffer = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * n);
	to = buffer;

	for (int64 i = 0; i < n; i++)
		for (int pass = 0; pass < RADIX_PASSES; pass++)
			histograms[pass * RADIX_BUCKETS +
					   ((keys[i] >> (pass * RADIX_BITS)) & (RADIX_BUCKETS - 1))]++;

	for (int pass = 0; pass < RADIX_PASSES; pass++)
	{
		int64	   *counts = histograms + pass * RADIX_BUCKETS;
		int			shift = pass * RADIX_BITS;
		int64		offset = 0;
		uint64	   *swap;

		if (counts[(from[0] >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;
		for (int b = 0; b < RADIX_BUCKETS; b++)
		{
			int64		count = counts[b];

			counts[b] = offset;
			offset += count;
		}
		for (int64 i = 0; i < n; i++)
			to[counts[(from[i] >> shift) & (RADIX_BUCKETS - 1)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != keys)
		memcpy(keys, from, sizeof(uint64) * n);
	pfree(buffer);
	pfree(histograms);
}

static void *
alloc_huge(MemoryContext mcxt, int64 n, Size elem)
{
	return MemoryContextAllocHuge(mcxt, (Size) n * elem);
}

/*
 * Merge the group's pending values into its sorted runs.  Allocates the
 * new runs in mcxt and frees the old ones, so that the group holds one
 * copy of its values at a time.
 */
static void
group_compact(GroupBuilder *group, MemoryContext mcxt)
{
	int64		cap = group->ndistinct + group->npending;
	float8	   *values;
	int64	   *counts;
	int64		n = 0;
	int64		i = 0;
	int64		j = 0;

	if (group->npending == 0)
		return;
	radix_sort(group->pending, group->npending);

	values = alloc_huge(mcxt, cap, sizeof(float8));
	counts = alloc_huge(mcxt, cap, sizeof(int64));
	while (i < group->ndistinct || j < group->npending)
	{
		float8		value;
		int64		count = 0;

		if (j >= group->npending ||
			(i < group->ndistinct && group->values[i] <= key_value(group->pending[j])))
			value = group->values[i];
		else
			value = key_value(group->pending[j]);
		if (i < group->ndistinct && group->values[i] == value)
			count += group->counts[i++];
		while (j < group->npending && key_value(group->pending[j]) == value)
		{
			count++;
			j++;
		}
		values[n] = value;
		counts[n] = count;
		n++;
	}

	if (group->values)
	{
		pfree(group->values);
		pfree(group->counts);
	}
	group->values = values;
	group->counts = counts;
	group->ndistinct = n;
	group->values_cap = cap;
	group->npending = 0;

	/*
	 * Mostly distinct values: compaction saves no memory, so sort what is
	 * left once, at the end.  Otherwise compact again when the buffer is as
	 * large as the runs, which keeps the merging linear overall.
	 */
	if (n > group->total / 2)
		group->compact_at = PG_INT64_MAX;
	else
		group->compact_at = Max(COMPACT_MIN, n);
}

static GroupBuilder *
group_create(DistBuilder *builder, const char *key, int32 key_len)
{
	GroupBuilder *group = MemoryContextAllocZero(builder->mcxt, sizeof(GroupBuilder));

	group->key_len = key_len;
	if (key_len >= 0)
	{
		group->key = MemoryContextAlloc(builder->mcxt, Max(key_len, 1));
		memcpy(group->key, key, key_len);
	}
	group->compact_at = COMPACT_MIN;

	if (builder->ngroups == builder->groups_cap)
	{
		builder->groups_cap = Max(8, builder->groups_cap * 2);
		builder->groups = builder->groups ?
			repalloc(builder->groups, sizeof(GroupBuilder *) * builder->groups_cap) :
			MemoryContextAlloc(builder->mcxt, sizeof(GroupBuilder *) * builder->groups_cap);
	}
	builder->groups[builder->ngroups++] = group;
	return group;
}

DistBuilder *
dist_builder_create(MemoryContext mcxt, bool segmented)
{
	DistBuilder *builder = MemoryContextAllocZero(mcxt, sizeof(DistBuilder));

	builder->mcxt = mcxt;
	builder->segmented = segmented;
	if (segmented)
		builder->by_key = segment_table_create(mcxt, 16, NULL);
	return builder;
}

bool
dist_builder_is_segmented(const DistBuilder *builder)
{
	return builder->segmented;
}

static GroupBuilder *
find_group(DistBuilder *builder, const char *key, int32 key_len, bool create)
{
	GroupBuilder *last = builder->last;
	SegmentEntry *entry;
	SegmentKey	lookup;
	bool		found;

	/* rows often come in runs of one segment */
	if (last != NULL && last->key_len == key_len &&
		(key_len <= 0 || memcmp(last->key, key, key_len) == 0))
		return last;

	if (key_len == DIST_NULL_KEY)
	{
		if (builder->null_group == NULL && create)
			builder->null_group = group_create(builder, NULL, DIST_NULL_KEY);
		return builder->last = builder->null_group;
	}

	lookup.data = key;
	lookup.len = key_len;
	if (!create)
	{
		entry = segment_table_lookup(builder->by_key, lookup);
		return entry ? (builder->last = entry->group) : NULL;
	}
	entry = segment_table_insert(builder->by_key, lookup, &found);
	if (!found)
	{
		entry->group = group_create(builder, key, key_len);
		/* the table must point at the group's own copy of the key */
		entry->key.data = entry->group->key;
	}
	return builder->last = entry->group;
}

bool
dist_builder_has_group(DistBuilder *builder, const char *key, int32 key_len)
{
	return find_group(builder, key, key_len, false) != NULL;
}

/*
 * Count `count` more values in the group.  Called before the values go
 * in, and leaves the group as it was when it fails: an expanded state is
 * changed in place.
 */
static void
add_total(GroupBuilder *group, int64 count)
{
	int64		total;

	if (pg_add_s64_overflow(group->total, count, &total))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("distribution holds too many values")));
	group->total = total;
}

void
dist_builder_add(DistBuilder *builder, const char *key, int32 key_len, float8 value)
{
	GroupBuilder *group = find_group(builder, key, key_len, true);

	if (group->npending == group->pending_cap)
	{
		if (group->npending >= group->compact_at)
			group_compact(group, builder->mcxt);
		else
		{
			int64		cap = Max(PENDING_INITIAL, group->pending_cap * 2);
			uint64	   *pending = alloc_huge(builder->mcxt, cap, sizeof(uint64));

			if (group->pending)
			{
				memcpy(pending, group->pending, sizeof(uint64) * group->npending);
				pfree(group->pending);
			}
			group->pending = pending;
			group->pending_cap = cap;
		}
	}
	add_total(group, 1);
	/* -0 and 0 are the same value */
	group->pending[group->npending++] = sort_key(value == 0 ? 0.0 : value);
}

/* Append a run of equal values above every value the group has. */
void
dist_builder_add_run(DistBuilder *builder, const char *key, int32 key_len,
					 float8 value, int64 count)
{
	GroupBuilder *group = find_group(builder, key, key_len, true);

	Assert(group->npending == 0);
	Assert(group->ndistinct == 0 || value > group->values[group->ndistinct - 1]);
	if (group->ndistinct == group->values_cap)
	{
		int64		cap = Max(64, group->values_cap * 2);
		float8	   *values = alloc_huge(builder->mcxt, cap, sizeof(float8));
		int64	   *counts = alloc_huge(builder->mcxt, cap, sizeof(int64));

		if (group->values)
		{
			memcpy(values, group->values, sizeof(float8) * group->ndistinct);
			memcpy(counts, group->counts, sizeof(int64) * group->ndistinct);
			pfree(group->values);
			pfree(group->counts);
		}
		group->values = values;
		group->counts = counts;
		group->values_cap = cap;
	}
	add_total(group, count);
	group->values[group->ndistinct] = value == 0 ? 0.0 : value;
	group->counts[group->ndistinct] = count;
	group->ndistinct++;
}

/* Merge sorted runs into a group. */
static void
group_merge_runs(GroupBuilder *into, MemoryContext mcxt, const float8 *values,
				 const int64 *counts, int64 n)
{
	int64		cap;
	float8	   *merged_values;
	int64	   *merged_counts;
	int64		m = 0;
	int64		i = 0;
	int64		j = 0;
	int64		added = 0;

	group_compact(into, mcxt);
	cap = into->ndistinct + n;
	merged_values = alloc_huge(mcxt, cap, sizeof(float8));
	merged_counts = alloc_huge(mcxt, cap, sizeof(int64));
	while (i < into->ndistinct || j < n)
	{
		if (j >= n || (i < into->ndistinct && into->values[i] < values[j]))
		{
			merged_values[m] = into->values[i];
			merged_counts[m++] = into->counts[i++];
		}
		else if (i >= into->ndistinct || values[j] < into->values[i])
		{
			merged_values[m] = values[j];
			added += counts[j];
			merged_counts[m++] = counts[j++];
		}
		else
		{
			merged_values[m] = values[j];
			added += counts[j];
			merged_counts[m++] = into->counts[i++] + counts[j++];
		}
	}
	add_total(into, added);
	if (into->values)
	{
		pfree(into->values);
		pfree(into->counts);
	}
	into->values = merged_values;
	into->counts = merged_counts;
	into->ndistinct = m;
	into->values_cap = cap;
	if (m > into->total / 2)
		into->compact_at = PG_INT64_MAX;
}

/* Add every value of `from` to `into` (the combine step). */
void
dist_builder_merge(DistBuilder *into, DistBuilder *from)
{
	Assert(into->segmented == from->segmented);
	for (int32 g = 0; g < from->ngroups; g++)
	{
		GroupBuilder *source = from->groups[g];
		GroupBuilder *target = find_group(into, source->key, source->key_len, true);

		group_compact(source, from->mcxt);
		group_merge_runs(target, into->mcxt, source->values, source->counts,
						 source->ndistinct);
	}
}

/* Add every value of a distribution (a deserialized partial state). */
void
dist_builder_add_datum(DistBuilder *into, const Distribution *dist)
{
	for (int32 g = 0; g < dist->ngroups; g++)
	{
		const DistGroup *source = &dist->groups[g];
		GroupBuilder *target = find_group(into, dist_key(dist, source),
										  source->key_len, true);
		int64	   *counts = palloc(sizeof(int64) * source->ndistinct);

		for (int32 i = 0; i < source->ndistinct; i++)
			counts[i] = dist_count_at(dist, source, i);
		group_merge_runs(target, into->mcxt, dist_values(dist, source), counts,
						 source->ndistinct);
		pfree(counts);
	}
}

/*
 * A builder in mcxt holding a distribution that did not come from this
 * process's own builders: a parallel worker's partial state, a partial
 * state Citus read back from text, an SQL argument.  Checked in full
 * before a single offset in it is trusted.  dist must be 8-byte aligned.
 */
DistBuilder *
dist_builder_load(MemoryContext mcxt, const Distribution *dist, Size size)
{
	DistBuilder *builder;

	dist_validate(dist, size);
	builder = dist_builder_create(mcxt, dist_is_segmented(dist));
	dist_builder_add_datum(builder, dist);
	return builder;
}

static int
compare_groups(const void *a, const void *b)
{
	const GroupBuilder *ga = *(GroupBuilder *const *) a;
	const GroupBuilder *gb = *(GroupBuilder *const *) b;

	return dist_compare_keys(ga->key, ga->key_len, gb->key, gb->key_len);
}

static Size
add_size_checked(Size a, Size b)
{
	if (a + b < a || a + b > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("distribution too large"),
				 errdetail("A distribution holds at most about 65 million distinct values (1 GB)."),
				 errhint("Round the values, or build one distribution per segment.")));
	return a + b;
}

/*
 * The size of the distribution of everything added so far, or 0 when no
 * value was added.  Compacts every group, so that flattening into the
 * space this reports copies sorted runs and sorts nothing.  PostgreSQL
 * asks twice when it puts an expanded state into a tuple: the second time
 * costs a pass over the groups only.
 */
Size
dist_builder_flat_size(DistBuilder *builder)
{
	Size		size;
	int64		all = 0;

	if (builder->ngroups == 0)
		return 0;

	/* distribution_count adds the groups up: that sum must fit too */
	for (int32 g = 0; g < builder->ngroups; g++)
		if (pg_add_s64_overflow(all, builder->groups[g]->total, &all))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("distribution holds too many values")));

	size = offsetof(Distribution, groups) + sizeof(DistGroup) * builder->ngroups;
	for (int32 g = 0; g < builder->ngroups; g++)
		if (builder->groups[g]->key_len > 0)
			size = add_size_checked(size, builder->groups[g]->key_len);
	size = MAXALIGN(size);
	for (int32 g = 0; g < builder->ngroups; g++)
	{
		group_compact(builder->groups[g], builder->mcxt);
		size = add_size_checked(size, (Size) builder->groups[g]->ndistinct *
								(sizeof(float8) + sizeof(int64)));
	}
	add_size_checked(size, VARHDRSZ);
	return size;
}

/*
 * Write the distribution of everything added so far into dist, size bytes
 * that dist_builder_flat_size() just reported.  The builder stays usable.
 */
void
dist_builder_flatten_into(DistBuilder *builder, Distribution *dist, Size size,
						  bool fingerprint)
{
	GroupBuilder **groups;
	Size		offset;

	Assert(builder->ngroups > 0);
	groups = palloc(sizeof(GroupBuilder *) * builder->ngroups);
	memcpy(groups, builder->groups, sizeof(GroupBuilder *) * builder->ngroups);
	qsort(groups, builder->ngroups, sizeof(GroupBuilder *), compare_groups);

	/* the padding too: the fingerprint hashes every byte */
	memset(dist, 0, size);
	SET_VARSIZE(dist, size);
	dist->version = DISTRIBUTION_VERSION;
	dist->flags = builder->segmented ? DIST_SEGMENTED : 0;
	dist->ngroups = builder->ngroups;

	offset = offsetof(Distribution, groups) + sizeof(DistGroup) * builder->ngroups;
	for (int32 g = 0; g < builder->ngroups; g++)
	{
		DistGroup  *out = &dist->groups[g];

		out->key_len = groups[g]->key_len;
		if (groups[g]->key_len >= 0)
		{
			out->key_offset = offset;
			memcpy((char *) dist + offset, groups[g]->key, groups[g]->key_len);
			offset += groups[g]->key_len;
		}
	}
	offset = MAXALIGN(offset);
	for (int32 g = 0; g < builder->ngroups; g++)
	{
		GroupBuilder *group = groups[g];
		DistGroup  *out = &dist->groups[g];
		float8	   *values;
		int64	   *below;
		int64		running = 0;

		/* compacted by dist_builder_flat_size(), and nothing added since */
		Assert(group->npending == 0);
		out->total = group->total;
		out->ndistinct = (int32) group->ndistinct;
		out->data_offset = offset;
		values = (float8 *) ((char *) dist + offset);
		below = (int64 *) (values + group->ndistinct);
		memcpy(values, group->values, sizeof(float8) * group->ndistinct);
		for (int64 i = 0; i < group->ndistinct; i++)
		{
			below[i] = running;
			running += group->counts[i];
		}
		Assert(running == group->total);
		offset += (Size) group->ndistinct * (sizeof(float8) + sizeof(int64));
	}
	Assert(offset == size);
	pfree(groups);

	if (fingerprint)
		dist->fingerprint = dist_fingerprint(dist);
}

/*
 * The distribution of everything added so far, in CurrentMemoryContext.
 * The builder stays usable (it is only compacted).  NULL when no value
 * was added.
 */
Distribution *
dist_builder_finish(DistBuilder *builder, bool fingerprint)
{
	Size		size = dist_builder_flat_size(builder);
	Distribution *dist;

	if (size == 0)
		return NULL;
	dist = palloc(size);
	dist_builder_flatten_into(builder, dist, size, fingerprint);
	return dist;
}
