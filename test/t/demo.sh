#!/usr/bin/env bash
# The demo on the shipped 400-row sample, in its own database: the score
# must separate churners, so the churn rate falls from red to yellow to
# green.  Runs on check.sh's server.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
db=health_score_demo_test
psql() { command psql -X -v ON_ERROR_STOP=1 -q "$@"; }

psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -d postgres -c "DROP DATABASE IF EXISTS $db"' EXIT
psql -d "$db" -f "$root/test/demo.sql" <"$root/test/data/mlc_churn_sample.csv" >/dev/null

# A second implementation of the demo's score, in awk, straight from
# the CSV: the band sizes and churner counts must be the same.
expected=$(awk -F, 'NR > 1 {
	gsub(/"/, "")
	calls = $19; charge = $9 + $12 + $15 + $18
	support = calls < 2 ? 100 : calls < 4 ? 80 : calls < 5 ? 20 : 0
	billing = 100 * (charge - 80) / (70 - 80)
	billing = billing < 0 ? 0 : billing > 100 ? 100 : billing
	plan = $4 == "yes" ? 20 : 100
	engagement = 100 * log(1 + $6) / log(31); if (engagement > 100) engagement = 100
	tenure = 100 * log(1 + $2) / log(201); if (tenure > 100) tenure = 100
	score = (3 * support + 3 * billing + 2 * plan + engagement + tenure) / 10
	band = score < 60 ? "red" : score >= 80 ? "green" : "yellow"
	n[band]++; if ($20 == "yes") churned[band]++
} END {
	printf "red:%d:%d yellow:%d:%d green:%d:%d", n["red"], churned["red"], n["yellow"], churned["yellow"], n["green"], churned["green"]
}' "$root/test/data/mlc_churn_sample.csv")
result=$(psql -d "$db" -At <<'SQL'
SELECT string_agg(format('%s:%s:%s', band, n, churned), ' ' ORDER BY array_position('{red,yellow,green}', band))
FROM (SELECT band, count(*) AS n, count(*) FILTER (WHERE churned) AS churned
      FROM demo.scores GROUP BY band) b;
SQL
)
echo "bands (band:customers:churned): $result"
if [ "$result" != "$expected" ]; then
	echo "FAIL: the awk implementation of the score gives $expected" >&2
	exit 1
fi
ok=$(psql -d "$db" -At <<'SQL'
WITH r AS (SELECT band, avg(churned::int) AS rate FROM demo.scores GROUP BY band)
SELECT (SELECT rate FROM r WHERE band = 'red') > (SELECT rate FROM r WHERE band = 'yellow')
   AND (SELECT rate FROM r WHERE band = 'yellow') > (SELECT rate FROM r WHERE band = 'green')
   AND (SELECT count(*) FROM demo.customers) = 400
   AND (SELECT count(*) FROM demo.scores WHERE score IS NULL) = 0;
SQL
)
if [ "$ok" != t ]; then
	echo "FAIL: churn rate does not fall from red to yellow to green, or rows are missing" >&2
	exit 1
fi
echo "ok: churn rate falls from red to yellow to green on the sample"
