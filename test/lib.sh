# test/lib.sh: shared by test/demo.sh and test/check.sh.
#
# Installs what a fresh Debian 12 machine with the PostgreSQL 15 server
# lacks, builds and installs health_score, and runs a throwaway server
# on a private socket, and on localhost at a private port for the JDBC
# client test.  The server never runs as root: when we are root it runs
# as the postgres user.  Source it; do not run it.

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
	trap hs_stop_server EXIT
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
