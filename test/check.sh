#!/usr/bin/env bash
# Every test of health_score: installs what is missing, builds, installs,
# starts a throwaway server, runs the pg_regress suite and the other
# tests under test/, stops the server, and runs part of the suite again
# under valgrind.  Exits non-zero when any fails.
#
#   bash test/check.sh
source "$(dirname "$0")/lib.sh"

hs_install_deps
hs_build_install
hs_start_server

failed=0
passed=0
hs_log "pg_regress suite"
if make -C "$HS_ROOT" -s installcheck; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	cat "$HS_ROOT/regression.diffs" 2>/dev/null | head -200 || true
fi

for t in "$HS_ROOT"/test/t/*.sh; do
	[ -e "$t" ] || continue
	hs_log "$(basename "$t")"
	if bash "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

# Citus, where it is installed (it says that it skipped where it is not):
# a coordinator and two workers of its own, on ports 54500-54502.
hs_log "citus/run.sh"
if bash "$HS_ROOT/test/citus/run.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The quick part of the suite again, every server process under
# valgrind: the scalar functions and the survey and band aggregates,
# through their parallel plans (about 2 minutes).  The whole suite under
# valgrind takes some 20 minutes: `bash test/valgrind.sh`, before each
# release.  The server above must stop first: valgrind.sh installs a
# build without optimisation in its place.
hs_stop_server
hs_log "valgrind: ${HS_CHECK_VALGRIND_TESTS:=scale weighting scorecard labels survey band_counts}"
if HS_PORT=$((PGPORT + 10)) bash "$HS_ROOT/test/valgrind.sh" $HS_CHECK_VALGRIND_TESTS; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "test groups: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
