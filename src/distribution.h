/*-------------------------------------------------------------------------
 *
 * distribution.h
 *	  The distribution type: every value of a group, sorted and counted.
 *
 * A distribution holds one group, or one group per segment.  Each group
 * keeps its distinct values in increasing order and, for each, how many
 * values of the group are smaller ("below").  That is exactly what a
 * percentile rank needs (the number of values below a value) and what a
 * percentile_cont needs (the value at a given row), each in one binary
 * search, and it stays exact however many ties there are.
 *
 * On disk and in memory (a varlena, 8-byte aligned):
 *
 *	Distribution header
 *	DistGroup[ngroups]		sorted by segment key, the NULL key last
 *	segment keys			bytes, padded to 8
 *	per group: float8 values[ndistinct], int64 below[ndistinct]
 *
 * The same layout is the serialized form of the aggregate's state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HEALTH_SCORE_DISTRIBUTION_H
#define HEALTH_SCORE_DISTRIBUTION_H

#include "postgres.h"

#include "fmgr.h"

#define DISTRIBUTION_VERSION	1

/* Distribution.flags */
#define DIST_SEGMENTED			0x01	/* built by distribution(value, segment) */

/* DistGroup.key_len of the NULL segment, and of an unsegmented group */
#define DIST_NULL_KEY			(-1)

typedef struct DistGroup
{
	int64		total;			/* values in the group, ties included */
	int32		ndistinct;		/* distinct values, at least 1 */
	int32		key_len;		/* bytes of the segment key, or DIST_NULL_KEY */
	uint32		key_offset;		/* from the start of the datum */
	uint32		data_offset;	/* from the start of the datum */
} DistGroup;

typedef struct Distribution
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;
	uint8		flags;
	uint16		reserved;		/* zero */
	int32		ngroups;
	int32		reserved2;		/* zero */

	/*
	 * A hash of everything after the header.  Distributions are never
	 * changed once built, so lookups cache what they derive from one under
	 * its fingerprint and recognise it again in O(1), wherever in memory
	 * the next row's copy lives.  Zero in the aggregate's serialized state.
	 */
	uint64		fingerprint;
	DistGroup	groups[FLEXIBLE_ARRAY_MEMBER];
} Distribution;

#define DatumGetDistributionP(X)	((Distribution *) PG_DETOAST_DATUM(X))
#define PG_GETARG_DISTRIBUTION_P(n)	DatumGetDistributionP(PG_GETARG_DATUM(n))

static inline const float8 *
dist_values(const Distribution *dist, const DistGroup *group)
{
	return (const float8 *) ((const char *) dist + group->data_offset);
}

/* below[i]: how many values of the group are smaller than values[i] */
static inline const int64 *
dist_below(const Distribution *dist, const DistGroup *group)
{
	return (const int64 *) (dist_values(dist, group) + group->ndistinct);
}

static inline const char *
dist_key(const Distribution *dist, const DistGroup *group)
{
	return (const char *) dist + group->key_offset;
}

static inline bool
dist_is_segmented(const Distribution *dist)
{
	return (dist->flags & DIST_SEGMENTED) != 0;
}

/*
 * The order of groups: segment keys by their bytes, a shorter key before
 * any longer key it begins, the NULL key last.
 */
extern int	dist_compare_keys(const char *a, int32 a_len, const char *b, int32 b_len);

extern const DistGroup *dist_find_group(const Distribution *dist,
										const char *key, int32 key_len);
extern void dist_check_unsegmented(const Distribution *dist, const char *funcname);
extern void dist_check_segmented(const Distribution *dist, const char *funcname);
extern void dist_check_value(float8 value, const char *argname);

/* Lookups keep every DIST_FENCE_STRIDE-th value of a large group apart. */
#define DIST_FENCE_STRIDE		64

/* Index of the first of values[0..n) that is >= value; n when none is. */
static inline int64
dist_lower_bound(const float8 *values, int64 n, float8 value)
{
	const float8 *base = values;

	if (n == 0)
		return 0;
	/* branch-free, so that a search costs its cache misses and no more */
	while (n > 1)
	{
		int64		half = n / 2;

		base = (base[half] < value) ? base + half : base;
		n -= half;
	}
	return (base - values) + (*base < value);
}

extern int64 dist_count_below(const Distribution *dist, const DistGroup *group,
							  float8 value, const float8 *fences, int64 nfences);
extern int32 dist_percentile_rank(int64 below, int64 total);
extern void dist_check_fraction(float8 fraction, const char *argname);
extern float8 dist_quantile(const Distribution *dist, const DistGroup *group,
							float8 fraction);

extern uint64 dist_fingerprint(const Distribution *dist);
extern void dist_validate(const Distribution *dist, Size size);

/* distribution_builder.c: the aggregate's state, and the input parser's */
typedef struct DistBuilder DistBuilder;

extern DistBuilder *dist_builder_create(MemoryContext mcxt, bool segmented);
extern bool dist_builder_is_segmented(const DistBuilder *builder);
extern void dist_builder_add(DistBuilder *builder, const char *key, int32 key_len,
							 float8 value);
extern void dist_builder_add_run(DistBuilder *builder, const char *key,
								 int32 key_len, float8 value, int64 count);
extern bool dist_builder_has_group(DistBuilder *builder, const char *key, int32 key_len);
extern void dist_builder_merge(DistBuilder *into, DistBuilder *from);
extern void dist_builder_add_datum(DistBuilder *into, const Distribution *dist);
extern Distribution *dist_builder_finish(DistBuilder *builder, bool fingerprint);

#endif							/* HEALTH_SCORE_DISTRIBUTION_H */
