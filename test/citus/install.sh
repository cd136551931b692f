#!/usr/bin/env bash
# Builds Citus 13.2.2 from the vendored source and installs it into
# PostgreSQL 15, where it is not installed yet: Debian 12 packages no
# Citus, and test/citus/run.sh needs it.  Does nothing where citus.so and
# citus.control are already there.  About 2 minutes on 2 cores.
#
#   bash test/citus/install.sh
#
# The source is ../shared/vendor/citus-13.2.2.tar.xz beside this
# repository (HS_CITUS_TARBALL names another copy), checked against its
# sha256.  It is unpacked, patched, built under /tmp and removed: Citus is
# AGPL and serves the tests only, so nothing of it enters the repository.
# Installs its build dependencies with apt-get where they are missing;
# needs nothing else from the network.  Run it as root (or with sudo for
# `make install`).
source "$(dirname "$0")/../lib.sh"

citus_version=13.2.2
citus_sha256=bd8748250a71a1cdef33923b6eb0d60a3a8946bffb6f52318669199effb92675
tarball=${HS_CITUS_TARBALL:-$(cd "$HS_ROOT/.." && pwd)/shared/vendor/citus-$citus_version.tar.xz}

# What configure asks for besides the PostgreSQL headers and a compiler:
# libcurl, lz4 and zstd, which Citus links, and the Kerberos headers that
# PostgreSQL's libpq-int.h includes.
HS_PACKAGES=(postgresql-server-dev-15 build-essential
	libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev)

citus_installed() {
	[ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] &&
		[ -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]
}

check_tarball() {
	if [ ! -r "$tarball" ]; then
		hs_log "the Citus source is not at $tarball (set HS_CITUS_TARBALL)"
		return 1
	fi
	if ! echo "$citus_sha256  $tarball" | sha256sum --check --quiet; then
		hs_log "$tarball is not the vendored Citus $citus_version (sha256 differs)"
		return 1
	fi
}

# Citus 13.2.2 defines, for PostgreSQL before 16, a static inline
# have_createdb_privilege() in src/include/pg_version_compat.h; PostgreSQL
# 15.18 and later declare a function of that name themselves (extern, in
# commands/dbcommands.h), and the two clash.  Rename Citus's copy and its
# calls.  Only the first name on a line is renamed, so that the line of
# the PostgreSQL 16+ branch, `#define have_createdb_privilege()
# have_createdb_privilege()`, still maps the new name onto PostgreSQL's.
patch_source() {
	local files left
	mapfile -t files < <(grep -rlw have_createdb_privilege src)
	if [ ${#files[@]} -eq 0 ]; then
		hs_log "no have_createdb_privilege in this Citus source: the fix is not needed, remove it"
		return 1
	fi
	sed -i -E 's/(^|[^[:alnum:]_])have_createdb_privilege\(/\1citus_have_createdb_privilege(/' "${files[@]}"
	left=$(grep -rnw have_createdb_privilege src | grep -v '^[^:]*:[0-9]*:#define citus_have_createdb_privilege()' || true)
	if ! grep -q '^citus_have_createdb_privilege(void)' src/include/pg_version_compat.h || [ -n "$left" ]; then
		hs_log "the have_createdb_privilege fix no longer fits this Citus source: ${left:-no definition renamed}"
		return 1
	fi
}

# Configure, build and install in the current directory, the output in
# build.log, whose end is shown when a step fails.
build_install() {
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	if ! { ./configure PG_CONFIG="$PG_CONFIG" &&
		make -j"$(nproc)" &&
		$sudo make install; } >build.log 2>&1; then
		tail -40 build.log >&2
		hs_log "building Citus $citus_version failed"
		return 1
	fi
}

if citus_installed; then
	hs_log "Citus is installed in $("$PG_CONFIG" --pkglibdir)"
	exit 0
fi
check_tarball
hs_install_deps
work=$(mktemp -d /tmp/health_score_citus_build.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
hs_log "building Citus $citus_version from $tarball in $work (about 2 minutes)"
start=$(date +%s)
tar -xJf "$tarball" -C "$work"
cd "$work/citus-$citus_version"
patch_source
build_install
if ! citus_installed; then
	hs_log "make install of Citus left no citus.so or citus.control in PostgreSQL's directories"
	exit 1
fi
hs_log "Citus $citus_version installed into $("$PG_CONFIG" --pkglibdir) in $(($(date +%s) - start)) s"
