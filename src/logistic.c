/*-------------------------------------------------------------------------
 *
 * logistic.c
 *	  logistic_fit(features, outcome, ridge): a logistic regression of a
 *	  boolean outcome on a row of numbers, as an aggregate, for
 *	  suggest_weights().
 *
 * The fit maximizes the log-likelihood minus ridge/2 times the sum of the
 * squared coefficients (the intercept is not penalized) by Newton's
 * method, which for the logistic model is iteratively reweighted least
 * squares: each step solves (X'WX + ridge I) d = X'(y - p) - ridge b by a
 * Cholesky factorization.  The penalty makes the problem strictly convex,
 * so the iteration converges from zero even when a feature separates the
 * classes perfectly.  Newton needs every row at every step, so the state
 * keeps the rows: 8 bytes per feature and one per outcome.
 *
 * The state is the SQL type health_score.logistic_state, whose text form
 * is how Citus ships a worker's partial state to the coordinator.  Being
 * a varlena, it holds at most 1GB of rows.
 *
 * A NULL feature is a missing metric.  It is replaced by that feature's
 * mean over the rows where it is present, the usual mean imputation: the
 * row still counts, and a missing value pulls the fit neither way.
 *
 *-------------------------------------------------------------------------
 */
#include "health_score.h"

#include <float.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(hs_logistic_accum);
PG_FUNCTION_INFO_V1(hs_logistic_combine);
PG_FUNCTION_INFO_V1(hs_logistic_state_in);
PG_FUNCTION_INFO_V1(hs_logistic_state_out);
PG_FUNCTION_INFO_V1(hs_logistic_serialize);
PG_FUNCTION_INFO_V1(hs_logistic_deserialize);
PG_FUNCTION_INFO_V1(hs_logistic_final);

#define HS_LOGISTIC_FORMAT_VERSION 1
#define LOGISTIC_TYPNAME "health_score.logistic_state"
#define LOGISTIC_MAX_FEATURES 500
#define LOGISTIC_MAX_ITERATIONS 100
#define LOGISTIC_TOLERANCE 1e-12
#define LOGISTIC_INITIAL_CAPACITY 64

/*
 * The aggregate's state: the rows seen, with room for more than it
 * holds (its size tells how many).  After the header come `capacity` rows
 * of nfeatures float8 (NaN: missing), then `capacity` outcomes.  A full
 * state is replaced by one twice as large.
 */
typedef struct LogisticState
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		nfeatures;
	float8		ridge;
	int64		nrows;
	float8		x[FLEXIBLE_ARRAY_MEMBER];
} LogisticState;

/* the serialized header after the version byte: nfeatures, ridge, nrows */
#define LOGISTIC_HEADER_BYTES (4 + 8 + 8)

/* The rows as the fit reads them; x and y point into a state. */
typedef struct LogisticRows
{
	int32		nfeatures;
	float8		ridge;
	int64		nrows;
	float8	   *x;				/* nrows x nfeatures, row by row; NaN: missing */
	bool	   *y;
} LogisticRows;

static int64
state_capacity(const LogisticState *state)
{
	return (VARSIZE(state) - offsetof(LogisticState, x)) /
		(sizeof(float8) * state->nfeatures + sizeof(bool));
}

static bool *
state_outcomes(LogisticState *state)
{
	return (bool *) (state->x + state_capacity(state) * state->nfeatures);
}

static LogisticRows
state_rows(LogisticState *state)
{
	LogisticRows rows;

	rows.nfeatures = state->nfeatures;
	rows.ridge = state->ridge;
	rows.nrows = state->nrows;
	rows.x = state->x;
	rows.y = state_outcomes(state);
	return rows;
}

/* The most rows a state of nfeatures features can hold: 1GB of them. */
static int64
max_capacity(int32 nfeatures)
{
	return (MaxAllocSize - offsetof(LogisticState, x)) /
		(sizeof(float8) * nfeatures + sizeof(bool));
}

/* An empty state with room for capacity rows, in mcxt. */
static LogisticState *
state_create(MemoryContext mcxt, int32 nfeatures, float8 ridge, int64 capacity)
{
	Size		row_size = sizeof(float8) * nfeatures + sizeof(bool);
	LogisticState *state;
	Size		size;

	if (capacity > max_capacity(nfeatures))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("logistic_fit has too many rows: %lld", (long long) capacity),
				 errdetail("The rows of a logistic_fit take at most 1GB.")));
	size = offsetof(LogisticState, x) + capacity * row_size;
	state = MemoryContextAlloc(mcxt, size);
	SET_VARSIZE(state, size);
	state->nfeatures = nfeatures;
	state->ridge = ridge;
	state->nrows = 0;
	return state;
}

/*
 * state itself when it has room for `more` rows, else a copy with room,
 * made where hs_state_context says.  nodeAgg frees the old state when it
 * takes the copy; under the internal state of the 1.2 declarations, until
 * ALTER EXTENSION UPDATE, the old one stays until the end of the group.
 */
static LogisticState *
state_reserve(FunctionCallInfo fcinfo, LogisticState *state, int64 more)
{
	int64		needed = state->nrows + more;
	int64		capacity = state_capacity(state);
	LogisticState *grown;

	if (needed <= capacity)
		return state;
	capacity = Max(LOGISTIC_INITIAL_CAPACITY, capacity * 2);
	/* near the limit, stop doubling at it; past it, state_create errors out */
	capacity = Max(needed, Min(capacity, max_capacity(state->nfeatures)));
	grown = state_create(hs_state_context(fcinfo, "logistic_fit"),
						 state->nfeatures, state->ridge, capacity);
	memcpy(grown->x, state->x, state->nrows * state->nfeatures * sizeof(float8));
	memcpy(state_outcomes(grown), state_outcomes(state), state->nrows * sizeof(bool));
	grown->nrows = state->nrows;
	return grown;
}

static void
check_ridge(float8 ridge)
{
	if (isnan(ridge) || isinf(ridge) || ridge < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ridge must be a finite number >= 0: %s", hs_float8_text(ridge))));
}

/* logistic_accum(logistic_state, features float8[], outcome bool, ridge float8) */
Datum
hs_logistic_accum(PG_FUNCTION_ARGS)
{
	LogisticState *state;
	Float8Array features;
	float8		ridge;
	float8	   *row;

	(void) hs_aggregate_context(fcinfo, "logistic_fit");

	/* a row without an outcome or without features tells nothing */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ridge must not be NULL")));
	ridge = PG_GETARG_FLOAT8(3);
	check_ridge(ridge);
	hs_read_float8_array(PG_GETARG_ARRAYTYPE_P(1), "features", &features);
	hs_require_not_empty(features.n, "features");
	if (features.n > LOGISTIC_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("logistic_fit takes at most %d features, not %d",
						LOGISTIC_MAX_FEATURES, features.n)));

	if (PG_ARGISNULL(0))
		state = state_create(hs_state_context(fcinfo, "logistic_fit"), features.n, ridge,
							 LOGISTIC_INITIAL_CAPACITY);
	else
	{
		state = (LogisticState *) hs_own_state(fcinfo);
		if (features.n != state->nfeatures)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("features must have the same length in every row: %d and %d",
							state->nfeatures, features.n)));
		if (ridge != state->ridge)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ridge must be the same in every row: %s and %s",
							hs_float8_text(state->ridge), hs_float8_text(ridge))));
	}

	state = state_reserve(fcinfo, state, 1);
	row = state->x + state->nrows * state->nfeatures;
	for (int i = 0; i < features.n; i++)
	{
		if (features.isnull && features.isnull[i])
			row[i] = get_float8_nan();
		else
		{
			if (isnan(features.values[i]) || isinf(features.values[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("feature %d must be a finite number: %s", i + 1,
								hs_float8_text(features.values[i]))));
			row[i] = features.values[i];
		}
	}
	state_outcomes(state)[state->nrows] = PG_GETARG_BOOL(2);
	state->nrows++;
	PG_RETURN_POINTER(state);
}

/*
 * logistic_combine(logistic_state, logistic_state): appends the second
 * state's rows to the first, which belongs to the aggregate, in place
 * when they fit.  The second is never changed: it may be a worker's state
 * that a Gather node still holds.
 */
Datum
hs_logistic_combine(PG_FUNCTION_ARGS)
{
	LogisticState *into;
	LogisticState *from;

	(void) hs_aggregate_context(fcinfo, "logistic_fit combine function");
	from = PG_ARGISNULL(1) ? NULL : (LogisticState *) hs_state_arg(fcinfo, 1);
	if (from == NULL || from->nrows == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		into = state_create(hs_state_context(fcinfo, "logistic_fit combine function"),
							from->nfeatures, from->ridge, from->nrows);
	else
	{
		into = (LogisticState *) hs_own_state(fcinfo);
		if (into->nfeatures != from->nfeatures || into->ridge != from->ridge)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("features must have the same length and ridge the same value in every row")));
	}

	into = state_reserve(fcinfo, into, from->nrows);
	memcpy(into->x + into->nrows * into->nfeatures, from->x,
		   from->nrows * from->nfeatures * sizeof(float8));
	memcpy(state_outcomes(into) + into->nrows, state_outcomes(from), from->nrows * sizeof(bool));
	into->nrows += from->nrows;
	PG_RETURN_POINTER(into);
}

/*
 * Layout after the version byte: int32 nfeatures, float8 ridge, int64
 * nrows, then per row nfeatures float8 (NaN: missing) and one outcome
 * byte.
 */
static void
state_write(StringInfo buf, const void *arg)
{
	/* nothing is changed: state_outcomes only finds the outcomes */
	LogisticState *state = unconstify(void *, arg);
	bool	   *y = state_outcomes(state);

	pq_sendint32(buf, state->nfeatures);
	pq_sendfloat8(buf, state->ridge);
	pq_sendint64(buf, state->nrows);
	for (int64 r = 0; r < state->nrows; r++)
	{
		for (int i = 0; i < state->nfeatures; i++)
			pq_sendfloat8(buf, state->x[r * state->nfeatures + i]);
		pq_sendbyte(buf, y[r] ? 1 : 0);
	}
}

static void
corrupt_rows(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("corrupt %s: %s", LOGISTIC_TYPNAME, what)));
}

/* Read what state_write wrote into a new state in mcxt, and check it. */
static void *
state_read(StringInfo buf, MemoryContext mcxt)
{
	LogisticState *state;
	bool	   *y;
	int32		nfeatures;
	float8		ridge;
	int64		nrows;

	if (buf->len - buf->cursor < LOGISTIC_HEADER_BYTES)
		corrupt_rows("truncated header");
	nfeatures = pq_getmsgint(buf, 4);
	ridge = pq_getmsgfloat8(buf);
	nrows = pq_getmsgint64(buf);
	if (nfeatures < 1 || nfeatures > LOGISTIC_MAX_FEATURES)
		corrupt_rows("bad number of features");
	if (isnan(ridge) || isinf(ridge) || ridge < 0)
		corrupt_rows("bad ridge");
	/* each row takes 8 bytes per feature and one: the buffer must hold them */
	if (nrows < 0 || nrows > (buf->len - buf->cursor) / (8 * (int64) nfeatures + 1))
		corrupt_rows("bad number of rows");
	hs_require_state_bytes(buf, nrows * (8 * (int64) nfeatures + 1), LOGISTIC_TYPNAME);

	state = state_create(mcxt, nfeatures, ridge, nrows);
	y = state_outcomes(state);
	for (int64 r = 0; r < nrows; r++)
	{
		int			outcome;

		for (int i = 0; i < nfeatures; i++)
		{
			float8		value = pq_getmsgfloat8(buf);

			if (isinf(value))
				corrupt_rows("infinite feature");
			state->x[r * nfeatures + i] = value;
		}
		outcome = pq_getmsgbyte(buf);
		if (outcome != 0 && outcome != 1)
			corrupt_rows("bad outcome");
		y[r] = outcome == 1;
	}
	state->nrows = nrows;
	pq_getmsgend(buf);
	return state;
}

static const HsStateCodec logistic_codec = {
	LOGISTIC_TYPNAME, "logistic_fit", "logistic_fit deserialize function", HS_LOGISTIC_FORMAT_VERSION,
	state_write, state_read
};

/* Text form: \x and the hex of the version byte and state_write's layout. */
Datum
hs_logistic_state_out(PG_FUNCTION_ARGS)
{
	return hs_state_out(fcinfo, &logistic_codec);
}

Datum
hs_logistic_state_in(PG_FUNCTION_ARGS)
{
	return hs_state_in(fcinfo, &logistic_codec);
}

/*
 * The serialize and deserialize functions of the internal state of 1.2.
 * 1.3 declares them no more, but the 1.1 -> 1.2 script, which a fresh
 * install of 1.3 runs first, does, so the library must have them; they
 * also keep the old aggregate working in parallel plans between
 * installing this library and ALTER EXTENSION UPDATE.
 */
Datum
hs_logistic_serialize(PG_FUNCTION_ARGS)
{
	return hs_state_serialize(fcinfo, &logistic_codec);
}

Datum
hs_logistic_deserialize(PG_FUNCTION_ARGS)
{
	return hs_state_deserialize(fcinfo, &logistic_codec);
}

/* Replace missing features by the mean of the feature where present. */
static void
impute_means(LogisticRows *rows)
{
	int			p = rows->nfeatures;

	for (int i = 0; i < p; i++)
	{
		float8		sum = 0;
		int64		present = 0;
		float8		mean;

		for (int64 r = 0; r < rows->nrows; r++)
		{
			float8		value = rows->x[r * p + i];

			if (!isnan(value))
			{
				sum += value;
				present++;
			}
		}
		/* a feature never present is a constant 0: the ridge sets it to 0 */
		mean = present > 0 ? sum / present : 0;
		for (int64 r = 0; r < rows->nrows; r++)
			if (isnan(rows->x[r * p + i]))
				rows->x[r * p + i] = mean;
	}
}

/*
 * Solve a x = b for a symmetric positive definite n x n (row-major),
 * overwriting a with its Cholesky factor and b with x.  False when a is
 * not positive definite.
 */
static bool
cholesky_solve(float8 *a, float8 *b, int n)
{
	for (int j = 0; j < n; j++)
	{
		float8		d = a[j * n + j];

		for (int k = 0; k < j; k++)
			d -= a[j * n + k] * a[j * n + k];
		if (!(d > 0))
			return false;
		d = sqrt(d);
		a[j * n + j] = d;
		for (int i = j + 1; i < n; i++)
		{
			float8		s = a[i * n + j];

			for (int k = 0; k < j; k++)
				s -= a[i * n + k] * a[j * n + k];
			a[i * n + j] = s / d;
		}
	}
	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < i; k++)
			b[i] -= a[i * n + k] * b[k];
		b[i] /= a[i * n + i];
	}
	for (int i = n - 1; i >= 0; i--)
	{
		for (int k = i + 1; k < n; k++)
			b[i] -= a[k * n + i] * b[k];
		b[i] /= a[i * n + i];
	}
	return true;
}

/* log(1 + exp(t)) without overflow */
static float8
log1p_exp(float8 t)
{
	return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/* The penalized log-likelihood at beta (intercept first). */
static float8
objective(const LogisticRows *rows, const float8 *beta)
{
	int			p = rows->nfeatures;
	float8		sum = 0;

	for (int64 r = 0; r < rows->nrows; r++)
	{
		const float8 *x = rows->x + r * p;
		float8		eta = beta[0];

		for (int i = 0; i < p; i++)
			eta += beta[i + 1] * x[i];
		/* y eta - log(1 + e^eta) */
		sum += (rows->y[r] ? eta : 0) - log1p_exp(eta);
	}
	for (int i = 1; i <= p; i++)
		sum -= rows->ridge / 2 * beta[i] * beta[i];
	return sum;
}

/* One Newton direction at beta into step; false if the Hessian is singular. */
static bool
newton_step(const LogisticRows *rows, const float8 *beta, float8 *step, float8 *hessian)
{
	int			p = rows->nfeatures;
	int			m = p + 1;

	memset(step, 0, m * sizeof(float8));
	memset(hessian, 0, m * m * sizeof(float8));
	for (int64 r = 0; r < rows->nrows; r++)
	{
		const float8 *x = rows->x + r * p;
		float8		eta = beta[0];
		float8		mu;
		float8		w;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < p; i++)
			eta += beta[i + 1] * x[i];
		mu = 1.0 / (1.0 + exp(-eta));
		w = mu * (1.0 - mu);
		/* gradient X'(y - mu) and Hessian X'WX, intercept as feature 0 */
		for (int i = 0; i < m; i++)
		{
			float8		xi = i == 0 ? 1.0 : x[i - 1];

			step[i] += xi * ((rows->y[r] ? 1.0 : 0.0) - mu);
			for (int k = 0; k <= i; k++)
				hessian[i * m + k] += w * xi * (k == 0 ? 1.0 : x[k - 1]);
		}
	}
	for (int i = 1; i < m; i++)
	{
		step[i] -= rows->ridge * beta[i];
		hessian[i * m + i] += rows->ridge;
	}
	for (int i = 0; i < m; i++)
		for (int k = i + 1; k < m; k++)
			hessian[i * m + k] = hessian[k * m + i];
	return cholesky_solve(hessian, step, m);
}

/* Newton's method with step halving; the coefficients, intercept first. */
static float8 *
fit(const LogisticRows *rows)
{
	int			m = rows->nfeatures + 1;
	float8	   *beta = palloc0(m * sizeof(float8));
	float8	   *trial = palloc(m * sizeof(float8));
	float8	   *step = palloc(m * sizeof(float8));
	float8	   *hessian = palloc(m * m * sizeof(float8));
	float8		current = objective(rows, beta);

	for (int iteration = 0; iteration < LOGISTIC_MAX_ITERATIONS; iteration++)
	{
		float8		scale = 1.0;
		float8		largest = 0;
		float8		previous = current;

		if (!newton_step(rows, beta, step, hessian))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("logistic_fit cannot separate the features"),
					 errdetail("Some features are constant or move together, and ridge is 0."),
					 errhint("Give a ridge above 0.")));
		/* halve the step until the objective does not fall */
		for (int halvings = 0; halvings < 50; halvings++)
		{
			float8		value;

			for (int i = 0; i < m; i++)
				trial[i] = beta[i] + scale * step[i];
			value = objective(rows, trial);
			if (value >= current || !isfinite(current))
			{
				current = value;
				break;
			}
			scale /= 2;
		}
		for (int i = 0; i < m; i++)
		{
			largest = Max(largest, fabs(trial[i] - beta[i]) / (1.0 + fabs(beta[i])));
			beta[i] = trial[i];
		}
		/*
		 * Converged when the coefficients stop moving, or when a step no
		 * longer raises the objective beyond its rounding: with a feature
		 * that is constant, or nearly a multiple of another, only the
		 * ridge tells them apart, and the Newton steps then wander in the
		 * last digits of a flat optimum without ever settling to 1e-12.
		 */
		if (largest < LOGISTIC_TOLERANCE ||
			current - previous <= 8 * DBL_EPSILON * fabs(current))
			return beta;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("logistic_fit did not converge in %d iterations", LOGISTIC_MAX_ITERATIONS),
			 errhint("A feature may separate the outcomes perfectly: give a ridge above 0.")));
	pg_unreachable();
}

/* The coefficients as float8[]: intercept, then one per feature. */
Datum
hs_logistic_final(PG_FUNCTION_ARGS)
{
	LogisticRows rows;
	float8	   *beta;
	Datum	   *elems;
	bool		any_true = false;
	bool		any_false = false;
	int			m;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* imputing writes into the state: FINALFUNC_MODIFY = READ_WRITE */
	rows = state_rows((LogisticState *) hs_state_arg(fcinfo, 0));
	for (int64 r = 0; r < rows.nrows && !(any_true && any_false); r++)
	{
		any_true |= rows.y[r];
		any_false |= !rows.y[r];
	}
	/* as auc(): with one class only there is nothing to tell apart */
	if (!any_true || !any_false)
		PG_RETURN_NULL();

	impute_means(&rows);
	beta = fit(&rows);
	m = rows.nfeatures + 1;
	elems = palloc(m * sizeof(Datum));
	for (int i = 0; i < m; i++)
		elems[i] = Float8GetDatum(beta[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, m, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
