#!/usr/bin/env bash
# Every test of health_score: installs what is missing, builds, installs,
# builds and installs Citus from the vendored source where it is missing,
# starts a throwaway server, runs the pg_regress suite and the other
# tests under test/, stops the server, and runs part of the suite again
# under valgrind.  Exits non-zero when any fails.  Prints how long each
# test group took, and the whole: CI allows 25 minutes.
#
#   bash test/check.sh
source "$(dirname "$0")/lib.sh"

hs_install_deps
hs_build_install
# Citus, which Debian 12 does not package (about 2 minutes where it is
# missing).  Should that fail, the Citus test below fails and the others
# still run.
bash "$HS_ROOT/test/citus/install.sh" || hs_log "Citus could not be installed: citus/run.sh will fail"
hs_start_server

failed=0
passed=0
timings=()
# Run a test group: count it passed or failed, and note how long it took.
run_group() {
	local name=$1 start=$SECONDS
	shift
	hs_log "$name"
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	timings+=("$name $((SECONDS - start)) s")
}

regress() {
	make -C "$HS_ROOT" -s installcheck && return 0
	head -200 "$HS_ROOT/regression.diffs" 2>/dev/null
	return 1
}
run_group "pg_regress suite" regress

for t in "$HS_ROOT"/test/t/*.sh; do
	[ -e "$t" ] || continue
	run_group "$(basename "$t")" bash "$t"
done

# Citus: a coordinator and two workers of its own, on ports 54500-54502
# (HS_CITUS_PORT).  Required here, so that a missing Citus fails the run
# rather than skipping the test.
run_group citus/run.sh env HS_REQUIRE_CITUS=1 bash "$HS_ROOT/test/citus/run.sh"

# The quick part of the suite again, every server process under
# valgrind: the scalar functions and the survey and band aggregates,
# through their parallel plans (about 2 minutes).  The whole suite under
# valgrind takes some 20 minutes: `bash test/valgrind.sh`, before each
# release.  The server above must stop first: valgrind.sh installs a
# build without optimisation in its place, and the optimised one again
# when it ends.
hs_stop_server
: "${HS_CHECK_VALGRIND_TESTS:=scale weighting scorecard labels survey band_counts}"
run_group "valgrind: $HS_CHECK_VALGRIND_TESTS" \
	env HS_PORT="${HS_CHECK_VALGRIND_PORT:-$((PGPORT + 10))}" bash "$HS_ROOT/test/valgrind.sh" $HS_CHECK_VALGRIND_TESTS

printf '  %s\n' "${timings[@]}"
echo "$((SECONDS / 60)) min $((SECONDS % 60)) s in all"
echo "groups: $passed passed, $failed failed"
# A warning while there is still room: a fresh CI machine also spends a
# few minutes on apt-get and on building Citus.
[ "$SECONDS" -lt 1200 ] || hs_log "warning: over 20 of the 25 minutes CI allows"
[ "$failed" -eq 0 ]
