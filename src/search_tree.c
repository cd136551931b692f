/*-------------------------------------------------------------------------
 *
 * search_tree.c
 *	  Counting the values of a group below a value, fast.
 *
 * A binary search over millions of values takes twenty dependent steps,
 * most of them cache misses.  The search tree (see distribution.h) makes
 * it a handful of block scans whose loads the CPU issues together: on a
 * group of two million values, a lookup costs about one memory latency
 * instead of many.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "distribution.h"
#include "utils/memutils.h"

/* groups smaller than this are searched without a tree */
#define TREE_MIN_VALUES		(4 * DIST_TREE_FANOUT)

#if defined(__GNUC__) || defined(__clang__)
#define prefetch(addr)	__builtin_prefetch(addr)
#else
#define prefetch(addr)	((void) 0)
#endif

/* Index of the first of values[0..n) that is >= value; n when none is. */
static inline int64
lower_bound(const float8 *values, int64 n, float8 value)
{
	const float8 *base = values;

	if (n == 0)
		return 0;
	/* branch-free: the loop costs its cache misses and no mispredictions */
	while (n > 1)
	{
		int64		half = n / 2;

		base = (base[half] < value) ? base + half : base;
		n -= half;
	}
	return (base - values) + (*base < value);
}

/* How many of the sorted a[start..end) are smaller than value. */
static inline int64
count_smaller(const float8 *a, int64 start, int64 end, float8 value)
{
	int64		smaller = 0;

	for (int64 i = start; i < end; i += 8)
		prefetch(&a[i]);
	for (int64 i = start; i < end; i++)
		smaller += a[i] < value;
	return smaller;
}

/* Every DIST_TREE_FANOUT-th of a[0..n), and how many that is. */
static float8 *
sample_level(const float8 *a, int64 n, int64 *len, MemoryContext mcxt)
{
	int64		m = (n + DIST_TREE_FANOUT - 1) / DIST_TREE_FANOUT;
	float8	   *level = MemoryContextAllocHuge(mcxt, sizeof(float8) * m);

	for (int64 i = 0; i < m; i++)
		level[i] = a[i * DIST_TREE_FANOUT];
	*len = m;
	return level;
}

/*
 * Whether value is a whole number of tenths, k / 10.0 as float8 division
 * gives it; k is set when it is.  Ten times such a value is within an ulp
 * of k, so rint() finds k; any other value fails the comparison.
 */
static inline bool
whole_tenths(float8 value, int64 *tenths)
{
	float8		tenfold = value * 10.0;

	if (!(fabs(tenfold) < 1e15))
		return false;
	*tenths = (int64) rint(tenfold);
	return (float8) *tenths / 10.0 == value;
}

/* The tenths table of DistSearchTree, when the group's values allow one. */
static void
build_tenths(DistSearchTree *tree, const Distribution *dist, const DistGroup *group,
			 MemoryContext mcxt)
{
	const float8 *values = dist_values(dist, group);
	const int64 *below = dist_below(dist, group);
	int64		n = group->ndistinct;
	int64		first;
	int64		last;
	int64		tenths;
	int64		j = 0;

	if (!whole_tenths(values[0], &first) || !whole_tenths(values[n - 1], &last) ||
		last - first > DIST_TENTHS_MAX_SPAN)
		return;
	for (int64 i = 1; i < n - 1; i++)
		if (!whole_tenths(values[i], &tenths))
			return;

	tree->tenths_below = MemoryContextAllocHuge(mcxt, sizeof(int64) * (last - first + 2));
	for (int64 i = 0; i <= last - first + 1; i++)
	{
		/* values[j] is the first value of at least first + i tenths */
		while (j < n && whole_tenths(values[j], &tenths) && tenths < first + i)
			j++;
		tree->tenths_below[i] = j < n ? below[j] : group->total;
	}
	tree->first_tenth = first;
	tree->tenths_span = last - first;
}

/*
 * The count below value from the tenths table, when value is a whole
 * number of tenths or the float8 just above one; false otherwise.
 */
static inline bool
tenths_count_below(const DistSearchTree *tree, float8 value, int64 *count)
{
	int64		tenths;
	int64		i;

	if (whole_tenths(value, &tenths))
		i = tenths - tree->first_tenth;
	else if (whole_tenths(nextafter(value, -HUGE_VAL), &tenths))
		i = tenths + 1 - tree->first_tenth;	/* below it: those not above */
	else
		return false;
	*count = tree->tenths_below[Min(Max(i, 0), tree->tenths_span + 1)];
	return true;
}

DistSearchTree *
dist_build_search_tree(const Distribution *dist, const DistGroup *group,
					   MemoryContext mcxt)
{
	const float8 *values = dist_values(dist, group);
	const int64 *below = dist_below(dist, group);
	int64		n = group->ndistinct;
	DistSearchTree *tree;
	int64		nblocks;

	if (n < TREE_MIN_VALUES)
		return NULL;

	tree = MemoryContextAllocZero(mcxt, sizeof(DistSearchTree));
	tree->level[0] = sample_level(values, n, &tree->level_len[0], mcxt);
	tree->nlevels = 1;
	while (tree->level_len[tree->nlevels - 1] > DIST_TREE_FANOUT)
	{
		int			k = tree->nlevels++;

		Assert(k < DIST_TREE_MAX_LEVELS);
		tree->level[k] = sample_level(tree->level[k - 1], tree->level_len[k - 1],
									  &tree->level_len[k], mcxt);
	}

	nblocks = tree->level_len[0];
	tree->block_below = MemoryContextAllocHuge(mcxt, sizeof(int64) * nblocks);
	for (int64 j = 0; j < nblocks; j++)
	{
		int64		start = j * DIST_TREE_FANOUT;
		int64		end = Min(start + DIST_TREE_FANOUT, n);
		int64		below_end = end < n ? below[end] : group->total;

		tree->block_below[j] = below_end - below[start] == end - start ? below[start] : -1;
	}
	build_tenths(tree, dist, group, mcxt);
	return tree;
}

void
dist_free_search_tree(DistSearchTree *tree)
{
	if (tree == NULL)
		return;
	for (int k = 0; k < tree->nlevels; k++)
		pfree(tree->level[k]);
	pfree(tree->block_below);
	if (tree->tenths_below)
		pfree(tree->tenths_below);
	pfree(tree);
}

/*
 * How many values of the group are smaller than value: the rank of value
 * among them, less one, for ties too.
 */
int64
dist_count_below(const Distribution *dist, const DistGroup *group, float8 value,
				 const DistSearchTree *tree)
{
	const float8 *values = dist_values(dist, group);
	const int64 *below = dist_below(dist, group);
	int64		n = group->ndistinct;
	int64		position;
	int64		block;
	int64		start;

	if (tree == NULL)
	{
		position = lower_bound(values, n, value);
		return position < n ? below[position] : group->total;
	}
	if (tree->tenths_below != NULL && tenths_count_below(tree, value, &position))
		return position;

	/*
	 * position is the lower bound of value in the current level: entries
	 * before it are smaller.  Entry p of a level is entry FANOUT * p of the
	 * level under it, so the lower bound there lies in the block that
	 * starts at FANOUT * (p - 1).
	 */
	position = count_smaller(tree->level[tree->nlevels - 1], 0,
							 tree->level_len[tree->nlevels - 1], value);
	for (int k = tree->nlevels - 2; k >= 0; k--)
	{
		if (position == 0)
			return 0;
		start = (position - 1) * DIST_TREE_FANOUT;
		position = start + count_smaller(tree->level[k], start,
										 Min(start + DIST_TREE_FANOUT, tree->level_len[k]),
										 value);
	}
	if (position == 0)
		return 0;
	block = position - 1;
	start = block * DIST_TREE_FANOUT;
	position = start + count_smaller(values, start, Min(start + DIST_TREE_FANOUT, n), value);
	if (tree->block_below[block] >= 0)
		return tree->block_below[block] + (position - start);
	return position < n ? below[position] : group->total;
}
