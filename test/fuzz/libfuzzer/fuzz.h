/*-------------------------------------------------------------------------
 *
 * fuzz.h
 *	  What the libFuzzer targets (fuzz_target.c) and the seed generator
 *	  (seeds.c) need from the stub backend (backend_stubs.c), and the
 *	  health_score functions they call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HS_FUZZ_H
#define HS_FUZZ_H

#include "postgres.h"

#include "fmgr.h"

/* The SQLSTATE and primary message of the last ERROR fuzz_call caught. */
extern int	fuzz_error_code;
extern char fuzz_error_message[];

/*
 * Call fn through its V1 entry point: as nodeAgg calls an aggregate's
 * support functions when agg is true, as an input function is called
 * otherwise.  nulls may be NULL for no NULL argument.  True, with *result
 * and *isnull, when fn returned; false when it raised an ERROR.
 */
extern bool fuzz_call(PGFunction fn, bool agg, int nargs, const Datum *args,
					  const bool *nulls, Datum *result, bool *isnull);

/* Free every palloc since the last reset, as the end of a query does. */
extern void fuzz_reset(void);

/* Report a finding and abort, which libFuzzer records as a crash. */
extern void fuzz_fail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* seeds.c: a seed corpus per target, in dir/<target>/ */
extern void fuzz_write_seeds(const char *dir);

/* The health_score functions the targets and the seeds call. */
extern Datum hs_distribution_in(PG_FUNCTION_ARGS);
extern Datum hs_distribution_out(PG_FUNCTION_ARGS);
extern Datum hs_distribution_accum(PG_FUNCTION_ARGS);
extern Datum hs_distribution_accum_segment(PG_FUNCTION_ARGS);
extern Datum hs_distribution_final(PG_FUNCTION_ARGS);
extern Datum hs_distribution_serialize(PG_FUNCTION_ARGS);
extern Datum hs_distribution_deserialize(PG_FUNCTION_ARGS);
extern Datum hs_auc_accum(PG_FUNCTION_ARGS);
extern Datum hs_auc_final(PG_FUNCTION_ARGS);
extern Datum hs_nps_accum(PG_FUNCTION_ARGS);
extern Datum hs_nps_final(PG_FUNCTION_ARGS);
extern Datum hs_csat_accum(PG_FUNCTION_ARGS);
extern Datum hs_csat_final(PG_FUNCTION_ARGS);
extern Datum hs_ces_accum(PG_FUNCTION_ARGS);
extern Datum hs_ces_final(PG_FUNCTION_ARGS);
extern Datum hs_tally_serialize(PG_FUNCTION_ARGS);
extern Datum hs_tally_deserialize(PG_FUNCTION_ARGS);
extern Datum hs_trend_accum(PG_FUNCTION_ARGS);
extern Datum hs_trend_accum_date(PG_FUNCTION_ARGS);
extern Datum hs_trend_serialize(PG_FUNCTION_ARGS);
extern Datum hs_trend_deserialize(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_accum(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_accum_date(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_serialize(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_deserialize(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_final(PG_FUNCTION_ARGS);
extern Datum hs_logistic_accum(PG_FUNCTION_ARGS);
extern Datum hs_logistic_serialize(PG_FUNCTION_ARGS);
extern Datum hs_logistic_deserialize(PG_FUNCTION_ARGS);
extern Datum hs_logistic_final(PG_FUNCTION_ARGS);
extern Datum hs_tally_state_in(PG_FUNCTION_ARGS);
extern Datum hs_tally_state_out(PG_FUNCTION_ARGS);
extern Datum hs_trend_state_in(PG_FUNCTION_ARGS);
extern Datum hs_trend_state_out(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_state_in(PG_FUNCTION_ARGS);
extern Datum hs_sparkline_state_out(PG_FUNCTION_ARGS);
extern Datum hs_logistic_state_in(PG_FUNCTION_ARGS);
extern Datum hs_logistic_state_out(PG_FUNCTION_ARGS);

#endif							/* HS_FUZZ_H */
