#!/usr/bin/env bash
# libFuzzer: the C code that reads outside data -- the distribution type's
# text input and every aggregate's deserialize function -- compiled
# unchanged from src/ with clang's libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer and Asserts, linked to a small stub backend
# (test/fuzz/libfuzzer/), and fuzzed target by target for a fixed number
# of runs with a fixed seed, from seeds the harness builds with the
# aggregates' own transition functions.  Fails on a crash, a sanitizer
# report, a leak, a failed Assert, an internal error (XX000), a slow input
# or an inconsistent state (fuzz_target.c lists the checks).  Needs no
# server; installs clang and libFuzzer if missing; builds in a temporary
# directory, kept when a target fails.
#
#   HS_LIBFUZZER_RUNS   runs per target (default 500000: about 40 s in all here)
#   HS_LIBFUZZER_SEED   libFuzzer's seed (default 1)
source "$(dirname "$0")/../lib.sh"

# What this test needs, rather than lib.sh's whole list (a JDK, pg_cron).
HS_PACKAGES=(postgresql-server-dev-15 clang-14 libclang-rt-14-dev)
hs_install_deps

runs=${HS_LIBFUZZER_RUNS:-500000}
seed=${HS_LIBFUZZER_SEED:-1}
targets=(distribution_in distribution tally trend sparkline logistic)
# the sources holding what the targets call, and what that calls
sources=(aggregate_state arrays distribution distribution_builder distribution_io
	distribution_agg auc tally survey trend sparkline logistic)
harness=$HS_ROOT/test/fuzz/libfuzzer
work=$(mktemp -d /tmp/health_score_libfuzzer.XXXXXX)
trap 'rm -rf "$work"' EXIT

# -Wno-ignored-attributes: the server headers name gcc's gnu_printf.
# No -fwrapv, unlike the server's build, so that signed overflow is
# reported: health_score checks its arithmetic rather than rely on it.
cflags=(-g -O1 -fno-omit-frame-pointer -fno-strict-aliasing
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
	-DUSE_ASSERT_CHECKING -Wall -Wmissing-prototypes -Werror -Wno-ignored-attributes
	-I "$HS_ROOT/src" -I "$("$PG_CONFIG" --includedir-server)")
t0=$SECONDS
hs_log "building the libFuzzer targets in $work"
for f in "${sources[@]/%/.c}"; do
	clang-14 -c "${cflags[@]}" "$HS_ROOT/src/$f" -o "$work/${f%.c}.o"
done
for f in "$harness"/*.c; do
	clang-14 -c "${cflags[@]}" "$f" -o "$work/$(basename "$f" .c).o"
done
clang-14 -fsanitize=fuzzer,address,undefined "$work"/*.o \
	-L "$("$PG_CONFIG" --pkglibdir)" -lpgcommon_shlib -lpgport_shlib -lm -o "$work/hs_fuzz"
mkdir "$work/corpus"
HS_FUZZ_SEEDS=$work/corpus "$work/hs_fuzz"
echo "ok: built, and seeds written ($((SECONDS - t0)) s)"

failed=0
for t in "${targets[@]}"; do
	t1=$SECONDS
	log=$work/$t.log
	if HS_FUZZ_TARGET=$t "$work/hs_fuzz" -runs="$runs" -seed="$seed" -max_len=4096 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$work/$t-" \
		"$work/corpus/$t" >"$log" 2>&1; then
		echo "ok: $t: $(sed -n 's/^stat::number_of_executed_units: //p' "$log") runs," \
			"$(grep -o 'cov: [0-9]*' "$log" | tail -1) edges," \
			"$(find "$work/corpus/$t" -type f | wc -l) inputs in the corpus, $((SECONDS - t1)) s"
	else
		failed=$((failed + 1))
		echo "FAIL: $t: libFuzzer found a problem after $((SECONDS - t1)) s:" >&2
		grep -v '^#\|^INFO:\|^MS:\|^base64:\|^stat::' "$log" | tail -60 >&2
		for crash in "$work/$t"-*; do
			[ -e "$crash" ] || continue
			echo "input ($crash), in hex:" >&2
			od -An -tx1 -v "$crash" | head -40 >&2
		done
	fi
done

if [ "$failed" -ne 0 ]; then
	trap - EXIT
	echo "FAIL: $failed of ${#targets[@]} targets; reproduce with" \
		"HS_FUZZ_TARGET=<target> $work/hs_fuzz <input> (the build is kept)" >&2
	exit 1
fi
echo "ok: ${#targets[@]} targets, $runs runs each, seed $seed, no finding ($((SECONDS - t0)) s in all)"
