#!/usr/bin/env bash
# The demo on the shipped 400-row sample (or on the CSV given), in its
# own database: the model's bands must match a second implementation of
# the score, and the score must separate churners, so the churn rate
# falls from red to yellow to green.  Runs on check.sh's server.
#
#   bash test/t/demo.sh [file.csv]
source "$(dirname "$0")/../lib.sh"
db=health_score_demo_test

hs_temp_db $db
csv=${1:-$HS_ROOT/test/data/mlc_churn_sample.csv}
rows=$(($(wc -l <"$csv") - 1))
hs_psql -d "$db" -f "$HS_ROOT/test/demo.sql" <"$csv" >/dev/null

# A second implementation of the demo's model, in awk, straight from
# the CSV: the band sizes and churner counts must be the same.  The
# model rounds the score to one decimal before it bands it (round(score::
# numeric, 1)), and so does round1: float8 becomes numeric with 15
# significant digits (DBL_DIG), then rounds half away from zero.  On the
# sample no score is near enough to 60 or 80 for this to matter; on the
# full file three scores (59.961..., 79.954..., 79.969...) change band.
expected=$(awk -F, '
function round1(x,    sign, s, part, tenths) {
	sign = x < 0 ? -1 : 1
	s = sprintf("%.15g", sign * x)
	if (s ~ /e/) return 0          # below 1e-4: rounds to 0.0
	split(s, part, /\./)
	part[2] = part[2] "00"
	tenths = part[1] * 10 + substr(part[2], 1, 1) + (substr(part[2], 2, 1) >= 5)
	return sign * tenths / 10
}
NR > 1 {
	gsub(/"/, "")
	calls = $19; charge = $9 + $12 + $15 + $18
	support = calls < 2 ? 100 : calls < 4 ? 80 : calls < 5 ? 20 : 0
	billing = 100 * (charge - 80) / (70 - 80)
	billing = billing < 0 ? 0 : billing > 100 ? 100 : billing
	plan = $4 == "yes" ? 20 : 100
	engagement = 100 * log(1 + $6) / log(31); if (engagement > 100) engagement = 100
	tenure = 100 * log(1 + $2) / log(201); if (tenure > 100) tenure = 100
	score = round1((3 * support + 3 * billing + 2 * plan + engagement + tenure) / 10)
	band = score < 60 ? "red" : score >= 80 ? "green" : "yellow"
	n[band]++; if ($20 == "yes") churned[band]++
	# every score, for the AUC below
	m++; scores[m] = score; churner[m] = $20 == "yes"
} END {
	printf "red:%d:%d yellow:%d:%d green:%d:%d", n["red"], churned["red"], n["yellow"], churned["yellow"], n["green"], churned["green"]
	# AUC by counting every churner x stayer pair: the stayer scores
	# higher (1) or the same (1/2); printed to 6 decimals
	for (i = 1; i <= m; i++) {
		if (!churner[i]) continue
		for (j = 1; j <= m; j++) {
			if (churner[j]) continue
			pairs++
			if (scores[j] > scores[i]) wins++
			else if (scores[j] == scores[i]) wins += 0.5
		}
	}
	printf " auc:%.6f", wins / pairs
}' "$csv")
result=$(hs_psql -d "$db" -At <<'SQL'
SELECT string_agg(format('%s:%s:%s', band, n, churned), ' ' ORDER BY array_position('{red,yellow,green}', band))
       || format(' auc:%s', round(health_score.model_auc('churn', $$churn = 'yes'$$)::numeric, 6))
FROM (SELECT s.band, count(*) AS n, count(*) FILTER (WHERE c.churn = 'yes') AS churned
      FROM health_score_churn.scores s JOIN demo.customers c USING (id)
      GROUP BY s.band) b;
SQL
)
echo "bands (band:customers:churned) and AUC: $result"
[ "$result" = "$expected" ] || hs_fail "the awk implementation of the score and its AUC give $expected"
ok=$(hs_psql -d "$db" -At -v rows="$rows" <<'SQL'
WITH r AS (SELECT s.band, avg((c.churn = 'yes')::int) AS rate
           FROM health_score_churn.scores s JOIN demo.customers c USING (id)
           GROUP BY s.band)
SELECT (SELECT rate FROM r WHERE band = 'red') > (SELECT rate FROM r WHERE band = 'yellow')
   AND (SELECT rate FROM r WHERE band = 'yellow') > (SELECT rate FROM r WHERE band = 'green')
   AND (SELECT count(*) FROM demo.customers) = :rows
   AND (SELECT count(*) FROM health_score_churn.scores WHERE score IS NOT NULL) = :rows;
SQL
)
[ "$ok" = t ] || hs_fail "churn rate does not fall from red to yellow to green, or rows are missing"
echo "ok: churn rate falls from red to yellow to green on $(basename "$csv")"
