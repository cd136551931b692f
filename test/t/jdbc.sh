#!/usr/bin/env bash
# A BI-style client over JDBC (issue 5): builds a model on 1000 seeded
# customers in its own database, then test/clients/BiClient.java reads
# the model's views with pgjdbc as a BI tool does (getTables, getColumns
# with REMARKS, SELECT *) and checks names, JDBC types, comments and row
# counts against counts computed here from the source table by another
# route: a plain-SQL score that uses none of the extension's functions.
# Runs on check.sh's server, over TCP on localhost (pgjdbc cannot use
# Unix sockets), at the server's PGPORT.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
db=health_score_jdbc_test
jar=/usr/share/java/postgresql.jar
psql() { command psql -X -v ON_ERROR_STOP=1 -q "$@"; }

# Java is optional on a developer's machine; the driver is not, since
# lib.sh installs it with the other packages.
for tool in java javac; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found; install a JDK (openjdk-17-jdk-headless) to run the JDBC client test"
		exit 0
	fi
done
if [ ! -r "$jar" ]; then
	echo "FAIL: $jar is missing: install libpostgresql-jdbc-java" >&2
	exit 1
fi

# pgjdbc speaks TCP only: say plainly when the server does not listen there.
if ! psql -h localhost -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
	echo "FAIL: the server does not accept TCP connections on localhost:$PGPORT;" \
		"test/lib.sh's hs_start_server must set listen_addresses = 'localhost'" >&2
	exit 1
fi

# The compiled classes go to a temporary directory, never into the tree.
classes=$(mktemp -d /tmp/health_score_jdbc.XXXXXX)
cleanup() {
	rm -rf "$classes"
	psql -d postgres -c "DROP DATABASE IF EXISTS $db"
}
trap cleanup EXIT
psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"

# 1000 customers, deterministic (no random()) so the counts never move:
# three plans, two regions and a few without a region; metrics missing
# here and there, and every 97th customer has none, so gets no score.
psql -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION health_score;
CREATE TABLE customers (
    customer_id    integer PRIMARY KEY,
    plan           text NOT NULL,
    region         text,
    seats_used_pct float8,
    logins_30d     integer,
    open_tickets   integer,
    days_overdue   integer
);
INSERT INTO customers
SELECT i,
       (ARRAY['basic', 'pro', 'enterprise'])[1 + i % 3],
       CASE WHEN i % 41 = 0 THEN NULL WHEN i % 2 = 0 THEN 'emea' ELSE 'amer' END,
       CASE WHEN i % 97 = 0 OR i % 11 = 0 THEN NULL ELSE (i * 37) % 101 END,
       CASE WHEN i % 97 = 0 OR i % 7 = 0 THEN NULL ELSE (i * 53) % 250 END,
       CASE WHEN i % 97 = 0 OR i % 13 = 0 THEN NULL ELSE (i * 7) % 12 END,
       CASE WHEN i % 97 = 0 THEN NULL WHEN i % 4 = 0 THEN (i * 11) % 90 ELSE 0 END
  FROM generate_series(1, 1000) AS i;

SELECT health_score.create_model('bi', 'customers', 'customer_id', '{plan,region}');
SELECT health_score.add_metric('bi', 'usage', 'seats_used_pct', 3, 'linear', worst => 0, best => 100);
SELECT health_score.add_metric('bi', 'logins', 'logins_30d', 2, 'log', worst => 0, best => 200);
SELECT health_score.add_metric('bi', 'tickets', 'open_tickets', 1, 'linear', worst => 10, best => 0);
SELECT health_score.add_metric('bi', 'billing', 'days_overdue', 2, 'steps',
                               thresholds => '{1,30,60}', scores => '{100,60,20,0}');
SELECT health_score.build('bi');
SQL

# The expected counts, from the source table in plain SQL: the same
# scales, weights, rounding and band cutoffs (red < 40, green >= 70), but
# none of the extension's functions or views.
expected=$(psql -d "$db" -At <<'SQL'
-- scale() in SQL; STRICT, because least() and greatest() skip NULLs
CREATE FUNCTION pg_temp.scale(v float8, worst float8, best float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT
AS 'SELECT least(greatest(100 * (v - worst) / (best - worst), 0), 100)';
WITH metric AS (
    SELECT plan, region,
           pg_temp.scale(seats_used_pct, 0, 100) AS usage,
           pg_temp.scale(ln(1 + logins_30d), ln(1), ln(201)) AS logins,
           pg_temp.scale(open_tickets, 10, 0) AS tickets,
           CASE WHEN days_overdue < 1 THEN 100 WHEN days_overdue < 30 THEN 60
                WHEN days_overdue < 60 THEN 20 WHEN days_overdue >= 60 THEN 0 END AS billing
      FROM customers
), score AS (
    SELECT plan, region,
           round(((3 * coalesce(usage, 0) + 2 * coalesce(logins, 0)
                   + coalesce(tickets, 0) + 2 * coalesce(billing, 0))
                  / nullif(3 * (usage IS NOT NULL)::int + 2 * (logins IS NOT NULL)::int
                           + (tickets IS NOT NULL)::int + 2 * (billing IS NOT NULL)::int, 0))::numeric,
                 1) AS score
      FROM metric
), band AS (
    SELECT plan, region,
           CASE WHEN score < 40 THEN 'red' WHEN score >= 70 THEN 'green'
                WHEN score IS NOT NULL THEN 'yellow' END AS band
      FROM score
)
SELECT format('rows.scores=%s rows.scores_mv=%s rows.red=%s rows.yellow=%s rows.green=%s rows.segment_summary=%s scored=%s',
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM band WHERE band = 'red'),
              (SELECT count(*) FROM band WHERE band = 'yellow'),
              (SELECT count(*) FROM band WHERE band = 'green'),
              (SELECT count(*) FROM (SELECT FROM band GROUP BY plan, region, band) AS g),
              -- scored: a customer with any metric present, straight from the table
              (SELECT count(*) FROM customers
                WHERE num_nonnulls(seats_used_pct, logins_30d, open_tickets, days_overdue) > 0));
SQL
)
echo "expected: $expected"
# Guard against a seed that proves little: every band and some unscored
# customers must be there.
case " $expected " in
*" rows.red=0 "* | *" rows.yellow=0 "* | *" rows.green=0 "* | *" scored=1000 "*)
	echo "FAIL: the seeded data does not cover every band and unscored customers" >&2
	exit 1 ;;
esac

javac -Xlint:all -Werror -d "$classes" -cp "$jar" "$root/test/clients/BiClient.java"
# shellcheck disable=SC2086 # $expected is a list of key=value arguments
java -cp "$jar:$classes" BiClient host=localhost port="$PGPORT" db="$db" user="$PGUSER" \
	model=bi key=customer_id:int4 segments=plan,region metrics=usage,logins,tickets,billing \
	$expected
