#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs health_score,
# starts a throwaway server, scores the telecom customers of
# ../shared/data/mlc_churn.csv (the 400-row sample in test/data/ when the
# full file is not there) and prints the red / yellow / green segments
# with their churn rates.  Stops the server on exit.
#
#   bash test/demo.sh [file.csv]
source "$(dirname "$0")/lib.sh"

csv=${1:-}
if [ -z "$csv" ]; then
	csv=$HS_ROOT/../shared/data/mlc_churn.csv
	[ -r "$csv" ] || csv=$HS_ROOT/test/data/mlc_churn_sample.csv
fi

hs_install_deps
hs_build_install
hs_start_server
hs_log "scoring the customers of $csv"
hs_psql -f "$HS_ROOT/test/demo.sql" <"$csv"
