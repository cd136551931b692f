#!/usr/bin/env bash
# Every test of health_score: installs what is missing, builds, installs,
# starts a throwaway server, runs the pg_regress suite and the other
# tests under test/, stops the server.  Exits non-zero when any fails.
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

echo "test groups: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
