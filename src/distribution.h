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
 * The same layout is the flat form of the aggregates' state (since 1.3
 * a distribution value, expanded while aggregating: distribution_state.c),
 * and was the serialized form of the internal state of 1.1 and 1.2.
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
	 * the next row's copy lives.  Set in every value, a flattened
	 * aggregate state included; zero only in the serialized internal
	 * state of 1.1 and 1.2.
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

/* How many values of the group equal values[i] */
static inline int64
dist_count_at(const Distribution *dist, const DistGroup *group, int32 i)
{
	const int64 *below = dist_below(dist, group);

	return (i + 1 < group->ndistinct ? below[i + 1] : group->total) - below[i];
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
extern const DistGroup *dist_segment_group(FunctionCallInfo fcinfo, const Distribution *dist,
											int segment_arg, const char *funcname);
extern void dist_check_unsegmented(const Distribution *dist, const char *funcname);
extern void dist_check_segmented(const Distribution *dist, const char *funcname);
extern void dist_check_value(float8 value, const char *argname);

/*
 * The row a distribution_accum call adds, arguments 1 (value) and 2
 * (segment, when segmented): false for a NULL value, which adds nothing.
 * The value is checked; a NULL segment is the NULL key.  Shared by 1.2's
 * internal-state accum and 1.3's, which must both exist.
 */
static inline bool
dist_accum_row(FunctionCallInfo fcinfo, bool segmented, float8 *value,
			   const char **key, int32 *key_len)
{
	if (PG_ARGISNULL(1))
		return false;
	*value = PG_GETARG_FLOAT8(1);
	dist_check_value(*value, "value");

	*key = NULL;
	*key_len = DIST_NULL_KEY;
	if (segmented && !PG_ARGISNULL(2))
	{
		text	   *segment = PG_GETARG_TEXT_PP(2);

		*key = VARDATA_ANY(segment);
		*key_len = VARSIZE_ANY_EXHDR(segment);
	}
	return true;
}

/*
 * search_tree.c: a static search tree over a large group's values, built
 * by a lookup cache once per distribution.  level[0] holds every
 * DIST_TREE_FANOUT-th value, level[1] every DIST_TREE_FANOUT-th of those,
 * and so on up to a top level of at most DIST_TREE_FANOUT entries.  A
 * search scans one block per level; each block's loads are independent,
 * so its cache lines arrive together.
 */
#define DIST_TREE_FANOUT		64
#define DIST_TREE_MAX_LEVELS	6	/* 64^6 values: more than a datum holds */

typedef struct DistSearchTree
{
	int			nlevels;
	float8	   *level[DIST_TREE_MAX_LEVELS];
	int64		level_len[DIST_TREE_MAX_LEVELS];

	/*
	 * Per level[0] entry j: below[FANOUT * j] when every value of that
	 * block occurs once, else -1.  Then the count below any value of the
	 * block follows from its position, without another cache miss.
	 */
	int64	   *block_below;

	/*
	 * When every value is a whole number of tenths, k / 10.0 (as rounded
	 * scores are), spanning at most DIST_TENTHS_MAX_SPAN of them:
	 * tenths_below[i] counts the values below (first_tenth + i) / 10.0, for
	 * i from 0 to tenths_span + 1, the last being the group's total.  A
	 * lookup of a tenth, or of the float8 just above one (how a descending
	 * rank asks), is then one load.  NULL otherwise.
	 */
	int64	   *tenths_below;
	int64		first_tenth;
	int64		tenths_span;
} DistSearchTree;

#define DIST_TENTHS_MAX_SPAN	100000	/* 800 kB of counts at most */

extern DistSearchTree *dist_build_search_tree(const Distribution *dist,
											  const DistGroup *group,
											  MemoryContext mcxt);
extern void dist_free_search_tree(DistSearchTree *tree);
extern int64 dist_count_below(const Distribution *dist, const DistGroup *group,
							  float8 value, const DistSearchTree *tree);

extern int32 dist_percentile_rank(int64 below, int64 total);
extern void dist_check_fraction(float8 fraction, const char *argname);
extern float8 dist_value_at(const Distribution *dist, const DistGroup *group, int64 row);
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
extern DistBuilder *dist_builder_load(MemoryContext mcxt, const Distribution *dist, Size size);
extern Size dist_builder_flat_size(DistBuilder *builder);
extern void dist_builder_flatten_into(DistBuilder *builder, Distribution *dist, Size size,
									  bool fingerprint);
extern Distribution *dist_builder_finish(DistBuilder *builder, bool fingerprint);

/* auc.c: auc()'s state is a distribution with one segment per class */
extern void dist_auc_add(DistBuilder *builder, float8 score, bool churned);
extern bool dist_auc(const Distribution *dist, float8 *auc);

#endif							/* HEALTH_SCORE_DISTRIBUTION_H */
