# test/lib.sh: shared by test/demo.sh, test/check.sh, test/valgrind.sh
# and the scripts of test/t.
#
# Installs what a fresh Debian 12 machine with the PostgreSQL 15 server
# lacks, builds and installs health_score, and runs a throwaway server
# on a private socket, and on localhost at a private port for the JDBC
# client test.  The server never runs as root: when we are root it runs
# as the postgres user.  For the scripts of test/t, which run on a server
# started before them (PGHOST, PGPORT, PGUSER exported), the helpers at
# the end: queries, failing, and what a test makes and must remove on
# exit (databases, a directory, background jobs).  Source it; do not run
# it.

set -euo pipefail

HS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# HS_PGBIN: another PostgreSQL 15 tree to build against and run (a private
# copy, so that builds installed by others meanwhile do not reach it)
HS_PGBIN=${HS_PGBIN:-/usr/lib/postgresql/15/bin}
export PG_CONFIG=$HS_PGBIN/pg_config
HS_PACKAGES=(postgresql-server-dev-15 postgresql-15-cron build-essential libpostgresql-jdbc-java openjdk-17-jdk-headless)

hs_log() { printf '==> %s\n' "$*" >&2; }

# Install the Debian packages the build and the tests need, if missing.
hs_install_deps() {
	local missing=()
	local p
	for p in "${HS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		hs_log "missing packages: ${missing[*]}; run this as root, or install them first"
		return 1
	fi
	hs_log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

hs_build_install() {
	hs_log "building and installing health_score"
	make -C "$HS_ROOT" -s clean >/dev/null
	make -C "$HS_ROOT" -s
	if [ "$(id -u)" -eq 0 ]; then
		make -C "$HS_ROOT" -s install
	else
		sudo make -C "$HS_ROOT" -s install
	fi
}

# Run a command as the user the server runs as.
hs_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Start a throwaway server; sets PGHOST/PGPORT/PGUSER/PGDATABASE for
# everything that follows and stops the server on exit.
hs_start_server() {
	HS_SERVER_DIR=$(mktemp -d /tmp/health_score.XXXXXX)
	chmod 755 "$HS_SERVER_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$HS_SERVER_DIR"
	export PGHOST=$HS_SERVER_DIR PGPORT=${HS_PORT:-54329} PGUSER=postgres PGDATABASE=postgres
	hs_log "starting a throwaway PostgreSQL 15 server in $HS_SERVER_DIR"
	hs_as_server_user "$HS_PGBIN/initdb" -D "$HS_SERVER_DIR/data" -U postgres \
		--auth=trust --no-sync >"$HS_SERVER_DIR/initdb.log" 2>&1
	cat >>"$HS_SERVER_DIR/data/postgresql.conf" <<-CONF
		listen_addresses = 'localhost'
		unix_socket_directories = '$HS_SERVER_DIR'
		port = $PGPORT
		fsync = off
		shared_preload_libraries = 'pg_cron'
		cron.database_name = 'postgres'
		max_worker_processes = 16
		${HS_SERVER_CONF:-}
	CONF
	# HS_ON_EXIT: a caller with more to undo on exit names its own
	# function, which calls hs_stop_server (test/valgrind.sh does).
	trap "${HS_ON_EXIT:-hs_stop_server}" EXIT
	# HS_POSTGRES: another program to start in place of postgres (the
	# valgrind wrapper of test/valgrind.sh).
	hs_as_server_user "$HS_PGBIN/pg_ctl" -D "$HS_SERVER_DIR/data" \
		${HS_POSTGRES:+-p "$HS_POSTGRES"} -t 600 \
		-l "$HS_SERVER_DIR/server.log" -w start >/dev/null
}

hs_stop_server() {
	[ -n "${HS_SERVER_DIR:-}" ] || return 0
	hs_as_server_user "$HS_PGBIN/pg_ctl" -D "$HS_SERVER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$HS_SERVER_DIR"
	HS_SERVER_DIR=
}

hs_psql() { psql -X -v ON_ERROR_STOP=1 -q "$@"; }

# The helpers of the scripts of test/t.

# hs_fail MESSAGE: the test fails, saying why
hs_fail() { echo "FAIL: $*" >&2; exit 1; }

# hs_value [PSQL-OPTION...] QUERY: the one value QUERY returns
hs_value() { hs_psql -At "${@:1:$#-1}" -c "${!#}"; }

# hs_at_exit COMMAND [ARGUMENT...]: runs the command when the script
# exits, before the ones registered earlier (so what was made last goes
# first); the script then fails if the command fails.  It sets the EXIT
# trap, as hs_start_server does: a script uses one or the other.
HS_AT_EXIT=()
hs_at_exit() {
	HS_AT_EXIT=("$(printf '%q ' "$@")" ${HS_AT_EXIT[@]+"${HS_AT_EXIT[@]}"})
	trap hs_run_at_exit EXIT
}
hs_run_at_exit() {
	local rc=$? command
	for command in "${HS_AT_EXIT[@]}"; do
		eval "$command" || rc=1
	done
	exit $rc
}

# hs_drop_db NAME: drops database NAME if it exists, ending the sessions
# still connected to it
hs_drop_db() {
	hs_psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
}
# hs_temp_db NAME [OPTION...]: creates database NAME (CREATE DATABASE
# NAME OPTION...), after dropping what an interrupted run left of it,
# and drops it on exit
hs_temp_db() {
	hs_drop_db "$1"
	hs_psql -d postgres -c "CREATE DATABASE $*"
	hs_at_exit hs_drop_db "$1"
}

# hs_work_dir NAME: a new directory /tmp/health_score_NAME.XXXXXX, in
# HS_WORK, removed on exit
hs_work_dir() {
	HS_WORK=$(mktemp -d "/tmp/health_score_$1.XXXXXX")
	hs_at_exit rm -rf "$HS_WORK"
}

# Background jobs by name (a psql session, a pgbench run): their pids.
# Those still running on exit are killed.
declare -gA HS_JOBS=()
# hs_job NAME: the command just started in the background ($!) is job NAME
hs_job() {
	HS_JOBS[$1]=$!
	if [ -z "${HS_JOBS_KILLED_ON_EXIT:-}" ]; then
		hs_at_exit hs_kill_jobs
		HS_JOBS_KILLED_ON_EXIT=t
	fi
}
hs_kill_jobs() {
	local name
	for name in "${!HS_JOBS[@]}"; do
		kill "${HS_JOBS[$name]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
# hs_wait_job NAME SECONDS: waits at most SECONDS for job NAME to end,
# and fails if it does not; its exit status goes to HS_RC
hs_wait_job() {
	local deadline=$((SECONDS + $2))
	while kill -0 "${HS_JOBS[$1]}" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || hs_fail "$1 did not end within $2 s"
		sleep 0.05
	done
	HS_RC=0
	wait "${HS_JOBS[$1]}" || HS_RC=$?
	unset "HS_JOBS[$1]"
}

# hs_start_pgbench NAME SCRIPT PGBENCH-OPTION...: pgbench in the
# background as job NAME, SCRIPT its script, NAME its clients'
# application_name, its output in $HS_WORK/NAME.log (hs_work_dir first)
hs_start_pgbench() {
	local name=$1 script=$2
	shift 2
	printf '%s\n' "$script" >"$HS_WORK/$name.sql"
	PGAPPNAME=$name "$HS_PGBIN/pgbench" -n -f "$HS_WORK/$name.sql" "$@" >"$HS_WORK/$name.log" 2>&1 &
	hs_job "$name"
}
# hs_check_pgbench NAME WHAT [PROCESSED]: after hs_wait_job NAME, fails
# (showing pgbench's output, and saying WHAT the run was) unless pgbench
# exited 0, its summary counts no failed transaction (it may exit 0
# despite failures), its output holds no ERROR, and, where PROCESSED is
# given (24/24), it processed that many transactions
hs_check_pgbench() {
	local log=$HS_WORK/$1.log
	if [ "$HS_RC" -ne 0 ] || ! grep -q '^number of failed transactions: 0 ' "$log" || grep -q 'ERROR' "$log" ||
		{ [ -n "${3:-}" ] && ! grep -qx "number of transactions actually processed: $3" "$log"; }; then
		cat "$log" >&2
		hs_fail "pgbench $1 ($2) exited $HS_RC, or some of its transactions failed${3:+, or it did not process $3}"
	fi
}

# hs_create_expect_rows [PSQL-OPTION...]: creates expect_rows(written,
# expected), which returns written or raises an error when it is not
# expected: snapshot() with a check of what it returns, for pgbench
hs_create_expect_rows() {
	hs_psql "$@" <<-'SQL'
		CREATE FUNCTION expect_rows(written bigint, expected bigint) RETURNS bigint
		LANGUAGE plpgsql AS $$
		BEGIN
		    IF written IS DISTINCT FROM expected THEN
		        RAISE EXCEPTION 'snapshot() wrote % rows, expected %', written, expected;
		    END IF;
		    RETURN written;
		END
		$$;
	SQL
}
