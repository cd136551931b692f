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
# compares its views; checks that the model over the distributed table
# keeps its stored scores and history distributed like it, and that
# refresh, snapshot and a reader under its row-level security get from
# them what they get from the local model's; and times a few queries,
# distributed against local.
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

# --- the stored scores and history ---------------------------------------

# citus_d keeps its stored_scores and history distributed like customers,
# by id and co-located with them; citus_l keeps local tables.  refresh
# must rewrite the same rows in both, snapshot write the same history,
# and a reader see through citus_d's scores_mv and history the rows the
# source shows them, or an error where no policy Citus allows can say
# which rows those are.

# Each line the SQL prints is 'ok …' or 'FAIL …': check_lines [psql arguments]
check_lines() {
	local out line
	if ! out=$(node_psql 0 -At "$@" 2>&1); then
		fail "$(grep -m1 ERROR <<<"$out")"
		return 0
	fi
	while IFS= read -r line; do
		case "$line" in
			'ok '*) ok "${line#ok }" ;;
			'FAIL '*) fail "${line#FAIL }" ;;
			'') ;;
			*) fail "unexpected output: $line" ;;
		esac
	done <<<"$out"
}

# Compare what one statement stored for each model: after_NAME SQL, where
# SQL reads {model}; the first column must be unique.
compare_models() {
	local name=$1 q=$2 side
	for side in d l; do
		if ! out=$(node_psql 0 -c "CREATE TABLE hs_citus_test.${side}_$name AS ${q//\{model\}/citus_$side}" 2>&1); then
			fail "$name: $(grep -m1 ERROR <<<"$out")"
			return 0
		fi
	done
	check_lines -c "SELECT hs_citus_test.compare('$name', '{}')"
}

# Each row of stored_scores with its version (xmin): a rewritten row has a new one.
stored_rows() {
	local side
	for side in d l; do
		node_psql 0 -c "CREATE TABLE hs_citus_test.${side}_stored_$1 AS
			SELECT s.id, s.xmin::text AS version, to_jsonb(s) AS stored FROM health_score_citus_$side.stored_scores AS s"
	done
}

# As the role hs_citus_reader: reader_psql [psql arguments]
reader_psql() {
	psql -X -v ON_ERROR_STOP=1 -q -h "$dir" -p "${ports[0]}" -U hs_citus_reader -d postgres "$@"
}

if [ "$model_ok" = 1 ]; then
	hs_log "stored scores and history: refresh, snapshot and a reader, distributed and local"
	day1=2026-03-30
	day2=2026-04-06
	for side in d l; do
		node_psql 0 -At -c "SELECT health_score.snapshot('citus_$side', '$day1')" >/dev/null
	done

	# refresh after some customers changed: 1 in 9973 updated, one
	# deleted, one added, in both copies
	stored_rows before
	added=$((rows + 1))
	for table in customers customers_local; do
		node_psql 0 -c "UPDATE $table SET usage_pct = coalesce(100 - usage_pct, 50) WHERE id % 9973 = 1" \
			-c "DELETE FROM $table WHERE id = 2" \
			-c "INSERT INTO $table (id, segment, usage_pct, logins_30d, open_tickets) VALUES ($added, 'team', 50, 10, 2)"
	done
	for side in d l; do
		node_psql 0 -At -c "SELECT health_score.refresh('citus_$side')" >/dev/null
	done
	stored_rows after
	check_lines <<-SQL
		CREATE TABLE hs_citus_test.stored_changes AS
		SELECT side, coalesce(b.id, a.id) AS id,
		       b.version IS DISTINCT FROM a.version AS rewritten,
		       b.stored IS DISTINCT FROM a.stored AS changed
		  FROM (SELECT 'd' AS side, * FROM hs_citus_test.d_stored_before
		        UNION ALL SELECT 'l', * FROM hs_citus_test.l_stored_before) AS b
		  FULL JOIN (SELECT 'd' AS side, * FROM hs_citus_test.d_stored_after
		             UNION ALL SELECT 'l', * FROM hs_citus_test.l_stored_after) AS a USING (side, id);
		SELECT CASE WHEN rewritten_d = changed_d AND rewritten_d = rewritten_l AND rewritten_l = changed_l
		                 AND rewritten_d <@ touched AND ARRAY[2, $added]::bigint[] <@ rewritten_d
		            THEN 'ok ' ELSE 'FAIL ' END
		       || format('refresh after %s customers changed (1 deleted, 1 added): citus_d rewrote %s stored rows, those whose values changed (%s), as citus_l did (%s rewritten, %s changed)',
		                 cardinality(touched), cardinality(rewritten_d), cardinality(changed_d),
		                 cardinality(rewritten_l), cardinality(changed_l))
		  FROM (SELECT array_agg(id ORDER BY id) FILTER (WHERE side = 'd' AND rewritten) AS rewritten_d,
		               array_agg(id ORDER BY id) FILTER (WHERE side = 'd' AND changed) AS changed_d,
		               array_agg(id ORDER BY id) FILTER (WHERE side = 'l' AND rewritten) AS rewritten_l,
		               array_agg(id ORDER BY id) FILTER (WHERE side = 'l' AND changed) AS changed_l,
		               (SELECT array_agg(i::bigint) FROM generate_series(1, $rows) AS i WHERE i % 9973 = 1)
		               || ARRAY[2, $added]::bigint[] AS touched
		          FROM hs_citus_test.stored_changes) AS c;
	SQL
	compare_models scores_mv_refreshed "SELECT id, segment, score, band, grade, percentile, segment_percentile, rank, coverage,
		usage_score, logins_score, tickets_score FROM health_score_{model}.scores_mv"

	for side in d l; do
		node_psql 0 -At -c "SELECT health_score.snapshot('citus_$side', '$day2')" >/dev/null
	done
	compare_models history "SELECT h.id || ' ' || h.taken_on AS customer_day, h.* FROM health_score_{model}.history AS h"

	# where the rows are: the tables, and the history's monthly
	# partitions, made by snapshot after the history was distributed
	check_lines <<-'SQL'
		SELECT CASE WHEN p.partmethod = 'h' AND column_to_column_name(p.logicalrelid, p.partkey) = 'id'
		                 AND p.colocationid = c.colocationid
		            THEN 'ok ' ELSE 'FAIL ' END
		       || format('%s: %s', r.rel,
		                 CASE WHEN p.logicalrelid IS NULL THEN 'a local table'
		                      ELSE format('distributed by %s (method %s) in co-location group %s, customers in %s',
		                                  column_to_column_name(p.logicalrelid, p.partkey), p.partmethod,
		                                  p.colocationid, c.colocationid) END)
		  FROM (SELECT 'health_score_citus_d.stored_scores'::regclass AS rel
		        UNION ALL SELECT 'health_score_citus_d.history'::regclass
		        UNION ALL SELECT i.inhrelid::regclass FROM pg_inherits AS i
		                   WHERE i.inhparent = 'health_score_citus_d.history'::regclass) AS r
		  LEFT JOIN pg_dist_partition AS p ON p.logicalrelid = r.rel
		 CROSS JOIN (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'customers'::regclass) AS c
		 ORDER BY r.rel::text;
		SELECT CASE WHEN p.partmethod = 'n' AND p.repmodel = 't' THEN 'ok ' ELSE 'FAIL ' END
		       || 'health_score_citus_d.snapshots: ' || CASE WHEN p.repmodel = 't' THEN 'a reference table' ELSE 'not a reference table' END
		  FROM (SELECT) AS one LEFT JOIN pg_dist_partition AS p ON p.logicalrelid = 'health_score_citus_d.snapshots'::regclass;
		SELECT CASE WHEN count(*) = 0 THEN 'ok ' ELSE 'FAIL ' END
		       || format('citus_l''s stored_scores, history and snapshots are local tables (%s in Citus''s metadata)', count(*))
		  FROM pg_dist_partition WHERE logicalrelid::regclass::text LIKE 'health_score_citus_l.%';
	SQL

	# a reader, granted what the README tells to grant, and scores_mv
	# (refresh grants its readers stored_scores)
	node_psql 0 -c 'CREATE ROLE hs_citus_reader LOGIN' \
		-c 'GRANT SELECT ON customers, customers_local TO hs_citus_reader'
	for side in d l; do
		node_psql 0 -c "GRANT USAGE ON SCHEMA health_score_citus_$side TO hs_citus_reader" \
			-c "GRANT SELECT ON health_score_citus_$side.scores_mv, health_score_citus_$side.history,
				health_score_citus_$side.snapshots, health_score_citus_$side.trend TO hs_citus_reader" \
			-c "SELECT health_score.refresh('citus_$side')" >/dev/null
	done
	columns='id, segment, score, band, grade, percentile, segment_percentile, rank, coverage, usage_score, logins_score, tickets_score'
	if out=$(reader_psql -At -c "SELECT (SELECT count(*) FROM health_score_citus_d.scores_mv),
			(SELECT count(*) FROM customers), (SELECT count(*) FROM health_score_citus_l.scores_mv),
			(SELECT count(*) FROM (SELECT $columns FROM health_score_citus_d.scores_mv
			                       EXCEPT SELECT $columns FROM health_score_citus_l.scores_mv) AS x),
			(SELECT count(*) FROM (SELECT $columns FROM health_score_citus_l.scores_mv
			                       EXCEPT SELECT $columns FROM health_score_citus_d.scores_mv) AS x),
			(SELECT count(*) FROM health_score_citus_d.history), (SELECT count(*) FROM health_score_citus_l.history),
			(SELECT count(*) FROM health_score_citus_d.trend), (SELECT count(*) FROM health_score_citus_l.trend)" 2>&1); then
		IFS='|' read -r mv_d source mv_l only_d only_l history_d history_l trend_d trend_l <<<"$out"
		if [ "$mv_d" = "$source" ] && [ "$mv_l" = "$source" ] && [ "$only_d" = 0 ] && [ "$only_l" = 0 ]; then
			ok "a reader sees through citus_d's scores_mv the $source customers customers shows them, the rows citus_l's shows them"
		else
			fail "a reader sees $mv_d rows through citus_d's scores_mv, $mv_l through citus_l's, $source customers; rows of one not in the other: $only_d, $only_l"
		fi
		# the one difference: the history of a customer since deleted from
		# the source (2), which citus_l's policy hides and citus_d's cannot
		IFS='|' read -r all_rows kept_rows <<<"$(node_psql 0 -At -c "SELECT count(*),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM customers_local AS c WHERE c.id = h.id))
			FROM health_score_citus_l.history AS h")"
		if [ "$history_d" = "$all_rows" ] && [ "$history_l" = "$kept_rows" ] && [ "$trend_d" = "$trend_l" ] &&
			[ "$trend_d" = "$source" ]; then
			ok "a reader sees $trend_d trend rows through citus_d, as through citus_l, and all $history_d history rows, those of deleted customers too, which citus_l hides ($history_l)"
		else
			fail "a reader sees $history_d history rows and $trend_d trend rows through citus_d, $history_l and $trend_l through citus_l ($all_rows rows, $kept_rows of customers still there)"
		fi
	else
		fail "a reader of citus_d's scores_mv: $(grep -m1 ERROR <<<"$out")"
	fi

	# a reader who may not read the source: the error the local policy gives
	node_psql 0 -c 'REVOKE SELECT ON customers FROM hs_citus_reader'
	if out=$(reader_psql -At -c 'SELECT count(*) FROM health_score_citus_d.scores_mv' 2>&1); then
		fail "a reader without SELECT on customers read $out rows of citus_d's scores_mv"
	elif grep -q 'ERROR:  permission denied for table customers$' <<<"$out"; then
		ok "a reader without SELECT on customers gets from citus_d's scores_mv: $(grep -m1 ERROR <<<"$out")"
	else
		fail "a reader without SELECT on customers, citus_d's scores_mv: $(grep -m1 ERROR <<<"$out")"
	fi
	node_psql 0 -c 'GRANT SELECT ON customers TO hs_citus_reader'

	# a reader under row-level security on the source: citus_l's tables
	# show them their half; citus_d's, which no policy with a subquery can
	# guard, refuse rather than show the other half
	for table in customers customers_local; do
		node_psql 0 -c "ALTER TABLE $table ENABLE ROW LEVEL SECURITY" \
			-c "CREATE POLICY hs_citus_even ON $table FOR SELECT TO hs_citus_reader USING (id % 2 = 0)"
	done
	half=$(reader_psql -At -c 'SELECT count(*) FROM customers_local')
	seen=$(reader_psql -At -c 'SELECT count(*) FROM health_score_citus_l.scores_mv' 2>&1 || true)
	if out=$(reader_psql -At -c 'SELECT count(*) FROM health_score_citus_d.scores_mv' 2>&1); then
		fail "a reader under row-level security on customers read $out rows of citus_d's scores_mv ($half are theirs)"
	elif grep -q 'ERROR:  row-level security on public.customers applies to role hs_citus_reader' <<<"$out" && [ "$seen" = "$half" ]; then
		ok "a reader under row-level security on customers gets from citus_d's scores_mv: $(grep -m1 ERROR <<<"$out") (citus_l's shows them their $half)"
	else
		fail "a reader under row-level security on customers, citus_d's scores_mv: $(grep -m1 ERROR <<<"$out"); citus_l's: $seen of their $half"
	fi
	for table in customers customers_local; do
		node_psql 0 -c "DROP POLICY hs_citus_even ON $table" -c "ALTER TABLE $table DISABLE ROW LEVEL SECURITY"
	done

	# a source distributed by another column: the model keeps local tables
	if out=$(node_psql 0 -c "CREATE TABLE customers_by_plan AS SELECT id, (id % 7)::integer AS plan, usage_pct FROM customers_local WHERE id <= 2000" \
		-c "SELECT create_distributed_table('customers_by_plan', 'plan')" \
		-c "SELECT health_score.create_model('citus_o', 'public.customers_by_plan', 'id')" \
		-c "SELECT health_score.add_metric('citus_o', 'usage', 'usage_pct', 1, 'linear', worst => 0, best => 100)" \
		-c "SELECT health_score.build('citus_o')" \
		-c "SELECT health_score.snapshot('citus_o', '$day1')" 2>&1 >/dev/null); then
		check_lines <<-SQL
			SELECT CASE WHEN n = 0 AND mv = source AND h = source AND only_mv = 0 AND $(grep -c 'stays a local table on the coordinator: public.customers_by_plan is distributed by plan' <<<"$out") = 2
			            THEN 'ok ' ELSE 'FAIL ' END
			       || format('citus_o, over customers distributed by plan: stored_scores and history stay local tables (%s in Citus''s metadata), %s rows in scores_mv, %s in history, %s not in scores',
			                 n, mv, h, only_mv)
			  FROM (SELECT (SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::regclass::text LIKE 'health_score_citus_o.%') AS n,
			               (SELECT count(*) FROM customers_by_plan) AS source,
			               (SELECT count(*) FROM health_score_citus_o.scores_mv) AS mv,
			               (SELECT count(*) FROM health_score_citus_o.history) AS h,
			               (SELECT count(*) FROM (SELECT id, score FROM health_score_citus_o.scores_mv
			                                      EXCEPT SELECT id, score FROM health_score_citus_o.scores) AS x) AS only_mv) AS c;
		SQL
	else
		fail "citus_o over customers distributed by plan: $(grep -m1 ERROR <<<"$out")"
	fi
fi

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
