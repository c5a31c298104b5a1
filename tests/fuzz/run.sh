#!/bin/sh
# run.sh SRCDIR TARGET...: `make fuzz`. Runs each libFuzzer target FUZZ_SECONDS seconds (default
# 60), or until it has run FUZZ_RUNS inputs when that comes first (default: no limit), on its
# corpus, tests/fuzz/corpus/<target> in the build tree (kept between runs, so that a longer run
# starts where the last one stopped), seeded by seeds.sh. A crash, leak or sanitizer
# report fails the run; its input is left in tests/fuzz/crashes/. Prints one line per target:
# executions, seconds, corpus size.
set -u
srcdir=$1
shift
seconds=${FUZZ_SECONDS:-60}
runs_limit=${FUZZ_RUNS:--1}
ref=${FUZZ_REFERENCE_DIR:-}
[ -n "$ref" ] && [ ! -d "$ref" ] && ref=
[ -z "$ref" ] && echo "make fuzz: no spec reference directory (FUZZ_REFERENCE_DIR): seeds without the spec's examples"
mkdir -p tests/fuzz/crashes
failed=0
summary=
for target in "$@"; do
  name=$(basename "$target")
  corpus=tests/fuzz/corpus/$name seeds=tests/fuzz/seeds-$name
  rm -rf "$seeds"
  sh "$srcdir/tests/fuzz/seeds.sh" "$srcdir" "$name" "$seeds" "$ref" || exit 1
  mkdir -p "$corpus"
  log=tests/fuzz/$name.log
  echo "make fuzz: $name for $seconds s (log: $log)"
  # -close_fd_mask=3: the CLI parser prints its usage errors; the largest input is the largest
  # seed's size (libFuzzer's default); -timeout: an input that takes 10 s is a bug as well
  "$target" -max_total_time="$seconds" -runs="$runs_limit" -close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$name-" "$corpus" "$seeds" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  units=$(ls "$corpus" | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    line="$name: FAILED (status $status) after ${runs:-?} executions; see $log and tests/fuzz/crashes/"
    grep -m 5 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log"
  else
    line="$name: ${runs:-?} executions in ${time:-?} s, no crash, corpus $units inputs"
  fi
  echo "$line"
  summary="$summary$line
"
done
printf '\nmake fuzz:\n%s' "$summary"
[ "$failed" -eq 0 ]
