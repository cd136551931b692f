#!/usr/bin/env bash
# health_score on a Citus cluster: a coordinator and two workers, all on
# this machine, on loopback.
#
#   bash test/citus/run.sh
#
# Distributes a seeded customers table and their score history by customer
# id, keeps a local copy of each on the coordinator, and runs every query of
# test/citus/queries.sql over both: the results must be equal, and EXPLAIN
# VERBOSE must show each aggregate split into partial aggregates on the
# shards and a combine on the coordinator (or pushed down whole where the
# query groups by customer).  Then builds a scoring model over each and
# compares its views, and times a few queries, distributed against local.
# Prints ok / FAIL lines and exits non-zero on any FAIL.
#
# Needs Citus 13.2 for PostgreSQL 15 installed into the server's share
# directory (bash test/citus/install.sh builds it from the vendored
# source) and health_score installed (make && make install).  Without
# Citus it prints SKIPPED and exits 0, but fails in CI (CI=true) and where
# HS_REQUIRE_CITUS=1 (test/check.sh sets it), so that a test run never
# passes without having run this.  Environment:
#   HS_CITUS_PORT       the coordinator's port (54500); the workers take the next two
#   HS_CITUS_ROWS       customers (200000); each has about 8 snapshots of history
#   HS_CITUS_SNAPSHOTS  weekly snapshots per customer (8)
#   HS_CITUS_SHARDS     shards per table (32, Citus's default)
#   HS_CITUS_RUNS       timing rounds, the median is reported (3)
#   HS_CITUS_SHAREDIR   where to look for citus.control (pg_config --sharedir)
source "$(dirname "$0")/../lib.sh"

here=$HS_ROOT/test/citus
port0=${HS_CITUS_PORT:-54500}
ports=("$port0" $((port0 + 1)) $((port0 + 2)))
rows=${HS_CITUS_ROWS:-200000}
snapshots=${HS_CITUS_SNAPSHOTS:-8}
shards=${HS_CITUS_SHARDS:-32}
runs=${HS_CITUS_RUNS:-3}
sharedir=${HS_CITUS_SHAREDIR:-$("$PG_CONFIG" --sharedir)}

if [ ! -f "$sharedir/extension/citus.control" ]; then
	missing="Citus is not installed here (no citus.control in $sharedir/extension); this test needs Citus 13.2.x for PostgreSQL 15: bash test/citus/install.sh"
	if [ "${CI:-}" = true ] || [ "${HS_REQUIRE_CITUS:-0}" = 1 ]; then
		echo "FAIL: $missing"
		exit 1
	fi
	echo "SKIPPED: $missing"
	exit 0
fi
if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/health_score.control" ]; then
	echo "FAIL: health_score is not installed into $("$PG_CONFIG" --sharedir); run make && make install first"
	exit 1
fi

failures=0
ok() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

# --- the cluster ---------------------------------------------------------

dir=$(mktemp -d /tmp/health_score_citus.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"

stop_cluster() {
	local i
	for i in 0 1 2; do
		if [ -f "$dir/node$i/postmaster.pid" ]; then
			hs_as_server_user "$HS_PGBIN/pg_ctl" -D "$dir/node$i" -m fast -w stop >/dev/null 2>&1 || true
		fi
	done
	rm -rf "$dir"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

# psql on node i (0 the coordinator): node_psql i [psql arguments]
node_psql() {
	local i=$1
	shift
	psql -X -v ON_ERROR_STOP=1 -q -h "$dir" -p "${ports[$i]}" -U postgres -d postgres "$@"
}

hs_log "starting a coordinator (port ${ports[0]}) and two workers (${ports[1]}, ${ports[2]}) in $dir"
for i in 0 1 2; do
	hs_as_server_user "$HS_PGBIN/initdb" -D "$dir/node$i" -U postgres --auth=trust --no-sync \
		>"$dir/initdb$i.log" 2>&1
	cat >>"$dir/node$i/postgresql.conf" <<-CONF
		listen_addresses = 'localhost'
		unix_socket_directories = '$dir'
		port = ${ports[$i]}
		shared_preload_libraries = 'citus'
		fsync = off
		shared_buffers = 512MB
		max_connections = 200
	CONF
	if ! hs_as_server_user "$HS_PGBIN/pg_ctl" -D "$dir/node$i" -l "$dir/node$i.log" -w start >/dev/null; then
		tail -5 "$dir/node$i.log" >&2
		echo "FAIL: node $i did not start on port ${ports[$i]} (in use?)"
		exit 1
	fi
done

for i in 0 1 2; do
	node_psql "$i" -c 'CREATE EXTENSION citus'
done
node_psql 0 -c "SELECT citus_set_coordinator_host('localhost', ${ports[0]})" \
	-c "SELECT citus_add_node('localhost', ${ports[1]})" \
	-c "SELECT citus_add_node('localhost', ${ports[2]})" >/dev/null
citus_version=$(node_psql 0 -At -c "SELECT substring(citus_version() from '^Citus [^ ]+')")
pg_version=$(node_psql 0 -At -c 'SHOW server_version')
case "$citus_version" in
	'Citus 13.2.'*) ok "$citus_version on PostgreSQL $pg_version: a coordinator and 2 workers" ;;
	*) hs_log "warning: $citus_version; this test was written for Citus 13.2.x" ;;
esac

# On the coordinator only: Citus creates the extension on the workers.
node_psql 0 -c 'CREATE EXTENSION health_score'
for i in 1 2; do
	v=$(node_psql "$i" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'health_score'")
	if [ -n "$v" ]; then
		ok "health_score $v created on worker $i (port ${ports[$i]}) by the coordinator"
	else
		fail "health_score was not created on worker $i (port ${ports[$i]})"
	fi
done

# The check's own check: an aggregate with a float8 state, which Citus splits.
node_psql 0 -c 'CREATE AGGREGATE public.hs_citus_probe_sum(float8)
	(SFUNC = float8pl, STYPE = float8, COMBINEFUNC = float8pl)'

# --- the data ------------------------------------------------------------

hs_log "generating $rows customers with $snapshots weekly snapshots each (seeded), distributing them over $shards shards"
start=$(date +%s)
PGOPTIONS="-c citus.shard_count=$shards" node_psql 0 -v rows="$rows" -v snapshots="$snapshots" \
	-f "$here/data.sql" >/dev/null
node_psql 0 -At -F ' ' -c "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM history),
	(SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'customers'::regclass),
	pg_size_pretty(citus_total_relation_size('customers') + citus_total_relation_size('history'))" |
	while read -r c h s size; do
		ok "distributed $c customers and $h history rows over $s shards each ($size) in $(($(date +%s) - start)) s"
	done
node_psql 0 -f "$here/compare.sql" >/dev/null

# --- the models ----------------------------------------------------------

# Built before the queries, which read their views.
model_ok=1
for side in d l; do
	source_table=customers
	[ "$side" = l ] && source_table=customers_local
	if out=$(node_psql 0 -v model="citus_$side" -v source="public.$source_table" \
		-f "$here/models.sql" 2>&1 >/dev/null); then
		ok "model citus_$side built over $source_table"
	else
		fail "model citus_$side over $source_table: $(grep -m1 ERROR <<<"$out")"
		model_ok=0
	fi
done

# --- the queries ---------------------------------------------------------

names=()
declare -A sql expects tolerance timed needs
name=
while IFS= read -r line; do
	case "$line" in
		'-- query: '*)
			name=${line#-- query: }
			names+=("$name")
			sql[$name]='' expects[$name]='' tolerance[$name]='' needs[$name]=''
			;;
		'-- expect: '*) expects[$name]+="${line#-- expect: }"$'\n' ;;
		'-- tolerance: '*) tolerance[$name]=${line#-- tolerance: } ;;
		'-- needs: '*) needs[$name]=${line#-- needs: } ;;
		'-- time: yes') timed[$name]=1 ;;
		'--'* | '') ;;
		*) [ -n "$name" ] && sql[$name]+="$line"$'\n' ;;
	esac
done <"$here/queries.sql"

score="round(health_score.scorecard('{linear,log,linear}', '{0,0,15}', '{100,500,0}', '{3,2,1}', 0,
       usage_pct, logins_30d, open_tickets)::numeric, 1)::float8"

# The query NAME over side d (distributed) or l (local), without its ';'.
render() {
	local q=${sql[$1]} side=$2
	q=${q//\{score\}/$score}
	if [ "$side" = d ]; then
		q=${q//\{customers\}/customers}
		q=${q//\{history\}/history}
	else
		q=${q//\{customers\}/customers_local}
		q=${q//\{history\}/history_local}
	fi
	q=${q//\{model\}/citus_$side}
	printf '%s' "${q%;*}"
}

# Why Citus cannot split aggregate AGG, when the reason is its state type:
# Citus sends a partial state between nodes as the text of the state type,
# and splits no aggregate whose state type is a pseudo-type (internal).
state_note() {
	local n
	n=$(node_psql 0 -At -c "SELECT count(*)
		FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
		WHERE p.pronamespace::regnamespace::text = '${1%%.*}' AND p.proname = '${1#*.}'
			AND a.aggtranstype = 'internal'::regtype")
	[ "$n" -gt 0 ] && printf '; its state type is internal, which Citus does not send between nodes'
	return 0
}

# What a plan shows of FUNC: EXPLAIN VERBOSE prints the SQL Citus sends to
# the shards on "Query:" lines; the coordinator's own nodes show a function
# it evaluates over shipped rows as FUNC(remote_scan.…).
check_plan() {
	local name=$1 plan=$2 kind objects f short shard_queries
	shard_queries=$(grep -E '^ *Query: ' <<<"$plan" || true)
	while read -r kind objects; do
		[ -n "$kind" ] || continue
		for f in $objects; do
			short=${f#*.}
			if grep -qF "$f(remote_scan." <<<"$plan"; then
				fail "$name: $short is not split: the coordinator computes $f(remote_scan.…) over rows shipped from every shard$(state_note "$f")"
				continue
			fi
			case $kind in
				split)
					if grep -qF "worker_partial_agg('$f(" <<<"$shard_queries" &&
						grep -qF 'coord_combine_agg(' <<<"$plan"; then
						ok "$name: $short split: worker_partial_agg on each shard, coord_combine_agg on the coordinator"
					else
						fail "$name: $short is not split into worker_partial_agg and coord_combine_agg"
					fi
					;;
				pushdown)
					if grep -qF "$f(" <<<"$shard_queries" &&
						! grep -qF "worker_partial_agg('$f(" <<<"$shard_queries"; then
						ok "$name: $short pushed down whole: computed in each shard's query"
					else
						fail "$name: $short is not computed whole in the shard queries"
					fi
					;;
				scalar)
					if grep -qF "$f(" <<<"$shard_queries"; then
						ok "$name: $short evaluated on the shards"
					else
						fail "$name: $short is not evaluated on the shards"
					fi
					;;
				*) fail "$name: unknown expectation $kind" ;;
			esac
		done
	done <<<"${expects[$name]}"
}

hs_log "running ${#names[@]} queries over the distributed tables and over their local copies"
for name in "${names[@]}"; do
	if [ "${needs[$name]}" = model ] && [ "$model_ok" = 0 ]; then
		fail "$name: not run, the model was not built"
		continue
	fi
	ran=1
	for side in d l; do
		if ! out=$(node_psql 0 -c "CREATE TABLE hs_citus_test.${side}_$name AS $(render "$name" "$side")" 2>&1); then
			fail "$name over the $([ $side = d ] && echo distributed || echo local) tables: $(grep -m1 ERROR <<<"$out")"
			ran=0
			break
		fi
	done
	[ "$ran" = 1 ] || continue
	tolerant=$(printf '%s' "${tolerance[$name]}" | tr -s ' ' ',')
	line=$(node_psql 0 -At -c "SELECT hs_citus_test.compare('$name', '{$tolerant}')")
	case "$line" in
		ok\ *) ok "${line#ok }" ;;
		*) fail "${line#FAIL }" ;;
	esac
	if [ -n "${expects[$name]}" ]; then
		if plan=$(node_psql 0 -c "EXPLAIN (VERBOSE, COSTS OFF) $(render "$name" d)" 2>&1); then
			check_plan "$name" "$plan"
		else
			fail "$name: EXPLAIN failed: $(grep -m1 ERROR <<<"$plan")"
		fi
	fi
done

# --- the timings ---------------------------------------------------------

# One session, rounds interleaved, distributed and local alternating which
# goes first; psql's \timing prints to stdout while \o discards the rows.
timed_names=()
for name in "${names[@]}"; do
	[ -n "${timed[$name]:-}" ] || continue
	[ "${needs[$name]}" = model ] && [ "$model_ok" = 0 ] && continue
	timed_names+=("$name")
done
hs_log "timing ${#timed_names[@]} queries, $runs rounds"
labels=()
{
	printf '%s\n' '\timing on' '\o /dev/null'
	for ((r = 1; r <= runs; r++)); do
		order="d l"
		[ $((r % 2)) -eq 0 ] && order="l d"
		for name in "${timed_names[@]}"; do
			for side in $order; do
				printf '%s;\n' "$(render "$name" "$side")"
				labels+=("$name $side")
			done
		done
	done
} >"$dir/timing.sql"
mapfile -t times < <(node_psql 0 -f "$dir/timing.sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
if [ "${#times[@]}" -ne "${#labels[@]}" ]; then
	fail "timings: expected ${#labels[@]} figures, got ${#times[@]}"
else
	echo
	echo "timings: $rows customers, $(node_psql 0 -At -c 'SELECT count(*) FROM history_local') history rows," \
		"$shards shards; median of $runs, ms; $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB," \
		"coordinator and 2 workers on this machine"
	for i in "${!labels[@]}"; do
		echo "${labels[$i]} ${times[$i]}"
	done | awk '
		{ v[$1 " " $2] = v[$1 " " $2] " " $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
		function median(s,    a, k, i, j, t) {
			k = split(s, a, " ")
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		}
		END {
			printf "  %-24s %12s %10s %8s\n", "query", "distributed", "local", "d / l"
			for (i = 1; i <= n; i++) {
				d = median(v[order[i] " d"]); l = median(v[order[i] " l"])
				printf "  %-24s %12.0f %10.0f %8.2f\n", order[i], d, l, d / l
			}
		}'
	echo
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures FAILED"
	exit 1
fi
echo "all passed"
