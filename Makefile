# health_score: PGXS build, as PostgreSQL's contrib modules do it.

EXTENSION = health_score
MODULE_big = health_score
OBJS = \
	src/arrays.o \
	src/aggregate_state.o \
	src/scale.o \
	src/weighting.o \
	src/scorecard.o \
	src/labels.o \
	src/tally.o \
	src/survey.o \
	src/band_counts.o \
	src/distribution.o \
	src/distribution_builder.o \
	src/distribution_agg.o \
	src/distribution_io.o \
	src/distribution_state.o \
	src/search_tree.o \
	src/percentile.o \
	src/trend.o \
	src/sparkline.o \
	src/auc.o \
	src/logistic.o

DATA = health_score--1.0.sql health_score--1.0--1.1.sql health_score--1.1--1.2.sql \
	health_score--1.2--1.3.sql
PGFILEDESC = "health_score - customer health scores"

REGRESS = scale weighting scorecard labels survey band_counts distribution model trend validation security aggregate_states
REGRESS_OPTS = --load-extension=health_score

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Werror

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: every object includes the shared one.
$(OBJS): src/health_score.h src/distribution.h
