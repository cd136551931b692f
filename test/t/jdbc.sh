#!/usr/bin/env bash
# A BI-style client over JDBC (issue 5): builds a model on 1000 seeded
# customers in its own database, takes two snapshots a week apart with
# source rows changed in between, then test/clients/BiClient.java reads
# the model's views, and the table stored_scores under scores_mv, with
# pgjdbc as a BI tool does (getTables, getColumns with REMARKS, SELECT *)
# and checks names, JDBC types, comments and row
# counts against counts computed here from the source table by another
# route: a plain-SQL score that uses none of the extension's functions,
# computed before and after the change to count the customers whose band
# fell (the rows of the dropped view).
# Runs on check.sh's server, over TCP on localhost (pgjdbc cannot use
# Unix sockets), at the server's PGPORT.
source "$(dirname "$0")/../lib.sh"
db=health_score_jdbc_test
jar=/usr/share/java/postgresql.jar

# Java is optional on a developer's machine; the driver is not, since
# lib.sh installs it with the other packages.
for tool in java javac; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found; install a JDK (openjdk-17-jdk-headless) to run the JDBC client test"
		exit 0
	fi
done
[ -r "$jar" ] || hs_fail "$jar is missing: install libpostgresql-jdbc-java"

# pgjdbc speaks TCP only: say plainly when the server does not listen there.
hs_psql -h localhost -d postgres -c 'SELECT 1' >/dev/null 2>&1 ||
	hs_fail "the server does not accept TCP connections on localhost:$PGPORT;" \
		"test/lib.sh's hs_start_server must set listen_addresses = 'localhost'"

# The compiled classes go to a temporary directory, never into the tree.
hs_work_dir jdbc
classes=$HS_WORK
hs_temp_db $db

# 1000 customers, deterministic (no random()) so the counts never move:
# three plans, two regions and a few without a region; metrics missing
# here and there, and every 97th customer has none, so gets no score.
hs_psql -d "$db" >/dev/null <<'SQL'
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

# The plain-SQL score: the same scales, weights, rounding and band
# cutoffs (red < 40, green >= 70), but none of the extension's functions
# or views.  plain_band is a temporary view, so it reads the source as it
# is when read: once before the change (kept in band_before), once after.
# The session takes the two snapshots around the change, then prints
# the expected counts on one line (BiClient's arguments) and what the
# seed guard below needs on a second.
out=$(hs_psql -d "$db" -At <<'SQL'
-- scale() in SQL; STRICT, because least() and greatest() skip NULLs
CREATE FUNCTION pg_temp.scale(v float8, worst float8, best float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT
AS 'SELECT least(greatest(100 * (v - worst) / (best - worst), 0), 100)';
CREATE TEMP VIEW plain_band AS
WITH metric AS (
    SELECT customer_id, plan, region,
           pg_temp.scale(seats_used_pct, 0, 100) AS usage,
           pg_temp.scale(ln(1 + logins_30d), ln(1), ln(201)) AS logins,
           pg_temp.scale(open_tickets, 10, 0) AS tickets,
           CASE WHEN days_overdue < 1 THEN 100 WHEN days_overdue < 30 THEN 60
                WHEN days_overdue < 60 THEN 20 WHEN days_overdue >= 60 THEN 0 END AS billing
      FROM customers
), score AS (
    SELECT customer_id, plan, region,
           round(((3 * coalesce(usage, 0) + 2 * coalesce(logins, 0)
                   + coalesce(tickets, 0) + 2 * coalesce(billing, 0))
                  / nullif(3 * (usage IS NOT NULL)::int + 2 * (logins IS NOT NULL)::int
                           + (tickets IS NOT NULL)::int + 2 * (billing IS NOT NULL)::int, 0))::numeric,
                 1) AS score
      FROM metric
)
SELECT customer_id, plan, region,
       CASE WHEN score < 40 THEN 'red' WHEN score >= 70 THEN 'green'
            WHEN score IS NOT NULL THEN 'yellow' END AS band
  FROM score;
-- a band's rank, worst first: a band fell when its rank went down
CREATE FUNCTION pg_temp.band_rank(band text) RETURNS int
LANGUAGE sql IMMUTABLE STRICT
AS $$SELECT CASE band WHEN 'red' THEN 1 WHEN 'yellow' THEN 2 WHEN 'green' THEN 3 END$$;

SELECT health_score.snapshot('bi', '2026-10-01') AS written_before \gset
CREATE TEMP TABLE band_before AS SELECT customer_id, band FROM plain_band;

-- A week later: every 10th customer (3, 13, ...) with a billing metric
-- is 75 days overdue, so many of them fall a band; every 10th (6, 16,
-- ...) logs in a lot with no tickets open, so many rise, and the few
-- who had no metric get a score; every 50th (25, 75, ...) loses every
-- metric, so has no score and no band: none of these is a drop.
UPDATE customers SET days_overdue = 75 WHERE customer_id % 10 = 3 AND days_overdue IS NOT NULL;
UPDATE customers SET logins_30d = 200, open_tickets = 0 WHERE customer_id % 10 = 6;
UPDATE customers SET seats_used_pct = NULL, logins_30d = NULL, open_tickets = NULL, days_overdue = NULL
 WHERE customer_id % 50 = 25;
SELECT health_score.snapshot('bi', '2026-10-08') AS written_after \gset
CREATE TEMP TABLE band_after AS SELECT customer_id, plan, region, band FROM plain_band;

SELECT format('rows.scores=%s rows.scores_mv=%s rows.stored_scores=%s rows.red=%s rows.yellow=%s rows.green=%s rows.segment_summary=%s rows.trend=%s rows.dropped=%s rows.overrides=0 rows.override_log=0 scored=%s',
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM band_after WHERE band = 'red'),
              (SELECT count(*) FROM band_after WHERE band = 'yellow'),
              (SELECT count(*) FROM band_after WHERE band = 'green'),
              (SELECT count(*) FROM (SELECT FROM band_after GROUP BY plan, region, band) AS g),
              -- trend: every customer of the latest snapshot, which took
              -- every row of the source
              (SELECT count(*) FROM customers),
              (SELECT count(*) FROM band_before AS b JOIN band_after AS a USING (customer_id)
                WHERE pg_temp.band_rank(a.band) < pg_temp.band_rank(b.band)),
              -- scored: a customer with any metric present, straight from the table
              (SELECT count(*) FROM customers
                WHERE num_nonnulls(seats_used_pct, logins_30d, open_tickets, days_overdue) > 0));
SELECT format('rose=%s lost_score=%s',
              (SELECT count(*) FROM band_before AS b JOIN band_after AS a USING (customer_id)
                WHERE pg_temp.band_rank(a.band) > pg_temp.band_rank(b.band)),
              (SELECT count(*) FROM band_before AS b JOIN band_after AS a USING (customer_id)
                WHERE b.band IS NOT NULL AND a.band IS NULL));
SQL
)
expected=$(sed -n 1p <<<"$out")
seed=$(sed -n 2p <<<"$out")
echo "expected: $expected ($seed)"
# Guard against a seed that proves little: every band, some unscored
# customers, some who fell a band, and others whose band rose or who
# lost their score, which the dropped view must leave out.
case " $expected $seed " in
*" rows.red=0 "* | *" rows.yellow=0 "* | *" rows.green=0 "* | *" scored=1000 "* | \
*" rows.dropped=0 "* | *" rose=0 "* | *" lost_score=0 "*)
	hs_fail "the seeded data does not cover every band, unscored customers and band changes both ways" ;;
esac

javac -Xlint:all -Werror -d "$classes" -cp "$jar" "$HS_ROOT/test/clients/BiClient.java"
# shellcheck disable=SC2086 # $expected is a list of key=value arguments
java -cp "$jar:$classes" BiClient host=localhost port="$PGPORT" db="$db" user="$PGUSER" \
	model=bi key=customer_id:int4 segments=plan,region metrics=usage,logins,tickets,billing \
	$expected
