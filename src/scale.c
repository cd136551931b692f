/*-------------------------------------------------------------------------
 *
 * scale.c
 *	  Normalization of raw metric values onto the 0-100 health scale:
 *	  linear (scale), logarithmic (scale_log) and ranges (scale_steps).
 *
 * Each mapping is anchored at a "worst" value (score 0) and a "best"
 * value (score 100); worst > best means lower raw values are healthier,
 * as with ticket counts or days overdue.  Values beyond either anchor
 * clamp, so +/-Infinity is a legal value and lands on 0 or 100.  NaN has
 * no place on any scale and is an error.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <math.h>

#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hs_scale);
PG_FUNCTION_INFO_V1(hs_scale_log);
PG_FUNCTION_INFO_V1(hs_scale_steps);

/* A scaling method by name, as scorecard() and _model_row() take it. */
ScaleMethod
hs_parse_scale_method(text *method, int index)
{
	char	   *name = text_to_cstring(method);

	if (strcmp(name, "linear") == 0)
		return METHOD_LINEAR;
	if (strcmp(name, "log") == 0)
		return METHOD_LOG;
	if (strcmp(name, "score") == 0)
		return METHOD_SCORE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("method %d is not a known scaling method: \"%s\"", index, name),
			 errhint("Use \"linear\", \"log\" or \"score\" (a value already on the 0-100 scale).")));
	pg_unreachable();
}

/*
 * Check a scorecard metric's anchors and put them on its method's axis,
 * with their span: what its per-row mapping reads.
 */
void
hs_prepare_anchors(ScaleMethod method, float8 *worst, float8 *best, float8 *span)
{
	if (method == METHOD_LINEAR)
		hs_check_anchors(*worst, *best);
	else if (method == METHOD_LOG)
	{
		hs_check_log_anchors(*worst, *best);
		*worst = hs_log_axis(*worst);
		*best = hs_log_axis(*best);
	}
	*span = *best - *worst;
}

void
hs_check_anchors(float8 worst, float8 best)
{
	hs_check_finite(worst, "worst");
	hs_check_finite(best, "best");
	if (worst == best)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("worst and best must differ: both are %s",
						hs_float8_text(worst))));
}

/*
 * scale(value, worst, best): 100 * (value - worst) / (best - worst),
 * clamped to 0-100.
 */
Datum
hs_scale(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(0);
	float8		worst = PG_GETARG_FLOAT8(1);
	float8		best = PG_GETARG_FLOAT8(2);

	hs_check_not_nan(value, "value");
	hs_check_anchors(worst, best);

	PG_RETURN_FLOAT8(hs_linear_score(value, worst, best));
}

void
hs_check_log_argument(float8 x, const char *argname)
{
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s for scale_log must not be negative: %s",
						argname, hs_float8_text(x)),
				 errdetail("scale_log maps counts; a negative count is a data error."),
				 errhint("Use scale() for metrics that can be negative.")));
}

void
hs_check_log_anchors(float8 worst, float8 best)
{
	hs_check_anchors(worst, best);
	hs_check_log_argument(worst, "worst");
	hs_check_log_argument(best, "best");

	/*
	 * Anchors this close to each other and to zero (1e-17 and 0) differ,
	 * but not on the log scale, where the map would divide 0 by 0.
	 */
	if (hs_log_axis(worst) == hs_log_axis(best))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("worst and best must differ on the log scale: ln(1 + %s) = ln(1 + %s)",
						hs_float8_text(worst), hs_float8_text(best))));
}

/*
 * scale_log(value, worst, best): the linear map applied to ln(1 + x) of
 * each argument, so that going from 1 to 10 logins counts as much as going from
 * 10 to 100.  Counts cannot be negative, so negative arguments are errors
 * rather than being clamped into a misleading score.
 */
Datum
hs_scale_log(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(0);
	float8		worst = PG_GETARG_FLOAT8(1);
	float8		best = PG_GETARG_FLOAT8(2);

	hs_check_not_nan(value, "value");
	hs_check_log_anchors(worst, best);
	hs_check_log_argument(value, "value");

	PG_RETURN_FLOAT8(hs_log_score(value, hs_log_axis(worst), hs_log_axis(best)));
}

static void
check_steps(const Float8Array *thresholds, const Float8Array *scores)
{
	hs_require_not_empty(thresholds->n, "thresholds");
	hs_require_no_nulls(thresholds, "threshold");
	hs_require_no_nulls(scores, "score");

	for (int i = 0; i < thresholds->n; i++)
	{
		float8		t = thresholds->values[i];

		if (isnan(t))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold %d must not be NaN", i + 1)));
		if (i > 0 && !(t > thresholds->values[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("thresholds must be strictly increasing: threshold %d (%s) does not exceed threshold %d (%s)",
							i + 1, hs_float8_text(t),
							i, hs_float8_text(thresholds->values[i - 1]))));
	}

	if (scores->n != thresholds->n + 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("scores must have one more element than thresholds: %d scores for %d thresholds",
						scores->n, thresholds->n)));

	for (int i = 0; i < scores->n; i++)
		if (!(scores->values[i] >= HS_SCORE_MIN && scores->values[i] <= HS_SCORE_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("score %d must be between 0 and 100: %s",
							i + 1, hs_float8_text(scores->values[i]))));
}

/*
 * scale_steps(value, thresholds, scores): value < thresholds[1] gets
 * scores[1], thresholds[k] <= value < thresholds[k+1] gets scores[k+1],
 * value >= thresholds[n] gets scores[n+1].
 */
Datum
hs_scale_steps(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(0);
	Float8Array thresholds;
	Float8Array scores;
	int			lo;
	int			hi;

	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(1), "thresholds", &thresholds);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(2), "scores", &scores);
	hs_check_not_nan(value, "value");
	check_steps(&thresholds, &scores);

	/* binary search for the number of thresholds <= value */
	lo = 0;
	hi = thresholds.n;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (thresholds.values[mid] <= value)
			lo = mid + 1;
		else
			hi = mid;
	}

	PG_RETURN_FLOAT8(scores.values[lo]);
}
