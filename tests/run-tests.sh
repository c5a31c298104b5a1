#!/bin/bash
# What `make check` runs, from the build tree:
#
#   tests/run-tests.sh [UNIT-TEST-PROGRAM | FILE.bats]...
#
# Runs the unit test programs given (default: tests/unit/test-* built in the current directory), the bats
# suite (the .bats files given, default all of tests/bats/ and tests/bats/clients/: the engines driving
# the runtime), and the VM lane (tests/vm/run.sh) with the whole suite, each a TAP stream shown as it
# runs. Ends with one line "N passed, N failed, N skipped"; exits non-zero when a test failed or none
# passed (a run that only skipped proves nothing). Under CI (CI=true) a lane that cannot run is a
# failure: each lane must pass at least one test, and the VM lane reports what stops it as "not ok".
#
# Environment: SKIFF_BINARY (default ./skiff) is the runtime the bats suite tests; SKIFF_BUILDDIR (default
# the current directory) is where tests find helper programs; BATS_FLAGS adds flags to bats
# (e.g. BATS_FLAGS='-f kill'); SKIFF_VM_LANE is the VM lane's program (default tests/vm/run.sh; set, it
# runs with .bats files given too; empty: no VM lane).
set -uo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SKIFF_BINARY=${SKIFF_BINARY:-$PWD/skiff}
# where the tests find helper programs built with skiff (the build tree)
export SKIFF_BUILDDIR=${SKIFF_BUILDDIR:-$PWD}

units=()
bats_files=()
for arg in "$@"; do
  case $arg in
  *.bats) bats_files+=("$arg") ;;
  *) units+=("$arg") ;;
  esac
done
if [[ $# -eq 0 ]]; then
  for prog in tests/unit/test-*; do
    [[ -f $prog && -x $prog ]] && units+=("$prog")
  done
fi
# .bats files given: only those (no vm lane unless SKIFF_VM_LANE names one); otherwise the whole suite
vm_lane=${SKIFF_VM_LANE-}
if [[ ${#bats_files[@]} -eq 0 ]]; then
  bats_files=("$srcdir"/tests/bats/*.bats "$srcdir"/tests/bats/clients/*.bats)
  vm_lane=${SKIFF_VM_LANE-$srcdir/tests/vm/run.sh}
fi
ci=false
[[ ${CI-} == true ]] && ci=true

logdir=$(mktemp -d "${TMPDIR:-/tmp}/skiff-tests.XXXXXX") || exit 1
trap 'rm -rf "$logdir"' EXIT
passed=0 failed=0 skipped=0
failures=()

# tally NAME TAPFILE EXIT-STATUS: counts one TAP stream (the vm lane's may hold two plans, one per boot
# stage, which add up). A stream that stops before its plan, or whose
# program fails without a "not ok", counts as one more failure.
tally() {
  local name=$1 tap=$2 code=$3 counts p f s planned missing
  counts=$(awk '
    /^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan += a[2] }
    /^ok / {
      n++
      if (tolower($0) ~ /# *skip/) s++; else p++
    }
    /^not ok / {
      n++
      if (tolower($0) ~ /# *todo/) s++; else f++
    }
    END { printf "%d %d %d %d %d\n", p, f, s, n, plan }' "$tap")
  read -r p f s n planned <<<"$counts"
  while IFS= read -r line; do
    failures+=("$name: ${line#not ok }")
  done < <(grep '^not ok ' "$tap" | grep -iv '# *todo')
  missing=$((planned - n))
  if ((missing > 0)); then
    failures+=("$name: $missing planned test(s) never reported")
    f=$((f + missing))
  fi
  if ((code != 0 && f == 0)); then
    failures+=("$name: exited with status $code")
    f=$((f + 1))
  fi
  # under CI every lane proves something: one that only skipped (it could not run) fails
  if $ci && ((p == 0 && f == 0)); then
    failures+=("$name: no test passed under CI ($s skipped): the lane could not run")
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
}

for prog in "${units[@]}"; do
  echo "# unit: $prog"
  "$prog" 2>&1 | tee "$logdir/unit.tap"
  tally "$(basename "$prog")" "$logdir/unit.tap" "${PIPESTATUS[0]}"
done

echo "# bats: ${bats_files[*]##*/} against $SKIFF_BINARY"
if ! command -v bats >/dev/null; then
  echo "bats not found: apt-get install bats bats-assert bats-support" >&2
  failures+=("bats: not installed")
  failed=$((failed + 1))
elif [[ ! -x $SKIFF_BINARY ]]; then
  echo "$SKIFF_BINARY is not an executable: build skiff first or set SKIFF_BINARY" >&2
  failures+=("bats: no runtime to test")
  failed=$((failed + 1))
else
  # shellcheck disable=SC2086 # BATS_FLAGS is a list of flags
  bats --tap ${BATS_FLAGS:-} "${bats_files[@]}" 2>&1 | tee "$logdir/bats.tap"
  tally bats "$logdir/bats.tap" "${PIPESTATUS[0]}"
fi

if [[ -n $vm_lane ]]; then
  echo "# vm: $vm_lane"
  if [[ -x $vm_lane ]]; then
    "$vm_lane" 2>&1 | tee "$logdir/vm.tap"
    tally vm "$logdir/vm.tap" "${PIPESTATUS[0]}"
  else
    failures+=("vm: $vm_lane is not an executable")
    failed=$((failed + 1))
  fi
fi

if [[ ${#failures[@]} -gt 0 ]]; then
  echo
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
if ((passed == 0)); then
  echo
  echo "no test passed: the run proves nothing"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0))
