#!/usr/bin/env bash
# The pg_regress suite with every server process under valgrind memcheck.
#
#   bash test/valgrind.sh [test ...]     (default: every test of REGRESS)
#
# Installs what is missing (valgrind too), builds and installs
# health_score with debugging symbols and no optimisation, starts a
# throwaway server under valgrind, runs `make installcheck`, and then
# reads every process's valgrind log.  Fails when the suite fails or when
# valgrind reports an error.  Takes several minutes.  When it ends, also
# when it fails or is interrupted, it builds and installs the optimised
# health_score again, as `make && make install` would, so that no user is
# left with the slow build.
#
# Debian's PostgreSQL is not built with USE_VALGRIND, so valgrind sees
# palloc chunks only as parts of larger malloc blocks: reads of
# uninitialised memory, bad frees and overruns of whole blocks are
# caught, overruns inside a memory context's block are not.  The
# suppressions in test/valgrind.supp cover the server's own known
# reports (uninitialised padding written to files and sockets), the
# same ones PostgreSQL's src/tools/valgrind.supp lists.
source "$(dirname "$0")/lib.sh"

HS_PACKAGES+=(valgrind)
hs_install_deps

vg_dir=
# The exit trap, set before the -O0 build is installed and kept by
# hs_start_server (HS_ON_EXIT): stop the server, remove the logs and put
# the optimised build back.
cleanup() {
	hs_stop_server
	[ -z "$vg_dir" ] || rm -rf "$vg_dir"
	hs_build_install
}
trap cleanup EXIT
trap 'exit 130' INT TERM
HS_ON_EXIT=cleanup

hs_build_install_debug() {
	hs_log "building health_score with -O0 -g for valgrind"
	make -C "$HS_ROOT" -s clean >/dev/null
	make -C "$HS_ROOT" -s COPT='-O0 -g'
	if [ "$(id -u)" -eq 0 ]; then make -C "$HS_ROOT" -s install; else sudo make -C "$HS_ROOT" -s install; fi
}
hs_build_install_debug

# A wrapper in place of the postgres binary, so that pg_ctl starts the
# server under valgrind and every backend it forks is traced.
vg_dir=$(mktemp -d /tmp/health_score_valgrind.XXXXXX)
chmod 755 "$vg_dir"
cp "$HS_ROOT/test/valgrind.supp" "$vg_dir/"
mkdir "$vg_dir/logs"
cat >"$vg_dir/postgres" <<WRAPPER
#!/bin/sh
exec valgrind --quiet --trace-children=yes --track-origins=yes \\
	--leak-check=no --read-var-info=yes --num-callers=30 \\
	--suppressions=$vg_dir/valgrind.supp --gen-suppressions=all \\
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \\
	--log-file=$vg_dir/logs/%p.log \\
	$HS_PGBIN/postgres "\$@"
WRAPPER
chmod 755 "$vg_dir/postgres"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$vg_dir"

HS_POSTGRES=$vg_dir/postgres
HS_SERVER_CONF="shared_preload_libraries = ''"
hs_start_server

status=0
hs_log "pg_regress suite under valgrind (slow)"
if ! make -C "$HS_ROOT" -s installcheck ${1:+REGRESS="setup $*"}; then
	cat "$HS_ROOT/regression.diffs" 2>/dev/null | head -100 || true
	status=1
fi
hs_stop_server

errors=$(cat "$vg_dir"/logs/*.log | grep -c VALGRINDERROR-BEGIN || true)
ours=$(cat "$vg_dir"/logs/*.log | sed -n '/VALGRINDERROR-BEGIN/,/VALGRINDERROR-END/p' | grep -c health_score || true)
echo "valgrind: $(ls "$vg_dir"/logs | wc -l) processes traced, $errors errors, $ours stack frames in health_score"
if [ "$errors" -ne 0 ]; then
	sed -n '/VALGRINDERROR-BEGIN/,/VALGRINDERROR-END/p' "$vg_dir"/logs/*.log >"$vg_dir/errors.txt"
	head -300 "$vg_dir/errors.txt"
	status=1
fi
exit $status
