/*-------------------------------------------------------------------------
 *
 * health_score.h
 *	  Declarations shared by the health_score C sources: reading float8
 *	  and text arrays in place, and the argument checks every function
 *	  applies the same way.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HEALTH_SCORE_H
#define HEALTH_SCORE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

/* The health scale every score lives on. */
#define HS_SCORE_MIN 0.0
#define HS_SCORE_MAX 100.0

/*
 * A one-dimensional float8 array argument, unpacked.  values[i] is
 * meaningful only where isnull is NULL or isnull[i] is false.  When the
 * array has no NULL elements, values points into the array itself and
 * nothing is allocated, which keeps per-row callers cheap.
 */
typedef struct Float8Array
{
	int			n;
	const float8 *values;
	const bool *isnull;			/* NULL when the array has no NULLs */
} Float8Array;

extern void hs_read_float8_array(ArrayType *array, const char *argname,
								 Float8Array *result);
extern void hs_require_no_nulls(const Float8Array *array, const char *elemname);
extern void hs_require_same_length(const Float8Array *a, const char *aname,
								   const Float8Array *b, const char *bname);
extern void hs_require_not_empty(int n, const char *argname);

extern char *hs_float8_text(float8 value);
extern void hs_check_not_nan(float8 value, const char *argname);
extern void hs_check_finite(float8 value, const char *argname);
extern void hs_check_score(float8 score, const char *argname);

static inline float8
hs_clamp_score(float8 score)
{
	/* "<=" so that -0.0 comes out as 0 */
	if (score <= HS_SCORE_MIN)
		return HS_SCORE_MIN;
	if (score > HS_SCORE_MAX)
		return HS_SCORE_MAX;
	return score;
}

/* scale.c: the mappings behind scale() and scale_log() */
extern void hs_check_anchors(float8 worst, float8 best);
extern void hs_check_log_anchors(float8 worst, float8 best);
extern float8 hs_linear_score(float8 value, float8 worst, float8 best);
extern float8 hs_log_score(float8 value, float8 worst, float8 best);

/*
 * weighting.c: the sums one pass over (score, weight) pairs yields.  They
 * are accumulated left to right, the order a plain-SQL "w1*s1 + w2*s2"
 * uses, so the two agree to the last bit.
 */
typedef struct WeightedSums
{
	float8		weighted;		/* sum of weight * score over present scores */
	float8		present;		/* sum of weights of present scores */
	float8		total;			/* sum of all weights */
} WeightedSums;

static inline void
hs_weighted_add(WeightedSums *sums, float8 weight, float8 score)
{
	sums->total += weight;
	sums->weighted += weight * score;
	sums->present += weight;
}

static inline void
hs_weighted_add_missing(WeightedSums *sums, float8 weight)
{
	sums->total += weight;
}

extern void hs_check_weight(float8 weight, int index);
extern void hs_check_element_score(float8 score, int index);
extern void hs_check_weighted_sums(const WeightedSums *sums);
extern void hs_check_min_coverage(float8 min_coverage);
extern bool hs_weighted_mean(const WeightedSums *sums, float8 min_coverage,
							 float8 *mean);

/* Bands, worst first; the order band_counts reports them in. */
typedef enum HealthBand
{
	HS_BAND_RED,
	HS_BAND_YELLOW,
	HS_BAND_GREEN
} HealthBand;

#define HS_NUM_BANDS 3

extern const char *const hs_band_names[HS_NUM_BANDS];
extern void hs_check_band_thresholds(float8 red_below, float8 green_from);
extern HealthBand hs_band_of(float8 score, float8 red_below, float8 green_from);

/*
 * State of the counting aggregates (tally.c).  What each slot counts is
 * the owning aggregate's business; combine adds them slot by slot.
 */
#define HS_TALLY_SLOTS 5

typedef struct Tally
{
	int64		slot[HS_TALLY_SLOTS];
	int32		scale;			/* csat's scale_max; 0 until known */
} Tally;

extern Tally *hs_tally_get(FunctionCallInfo fcinfo, const char *fname);
extern void hs_tally_set_scale(Tally *tally, int32 scale);

#endif							/* HEALTH_SCORE_H */
