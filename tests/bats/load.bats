#!/usr/bin/env bats
# The load lane of issue 14, short: tests/bench/stress.sh at a small scale (`make stress` runs it at
# full scale: 100 containers x 10 rounds by 8 workers, then 1000 alive at once). It fails on any
# failed operation, on a container `list` does not show, and on anything left behind.

load helpers

setup() {
  requires root perl
  build_rootfs
}

@test "load: containers created, started, exec'd, killed and deleted in parallel; many alive at once; nothing left" {
  capture env STRESS_CONTAINERS=16 STRESS_WORKERS=4 STRESS_ROUNDS=2 STRESS_ALIVE="10 40" STRESS_SAMPLES=3 \
    STRESS_BUSYBOX="$BUSYBOX" timeout 900 "$BATS_TEST_DIRNAME/../bench/stress.sh" "$SKIFF"
  echo "$output"
  assert_equal "$status" 0
  [[ $output == *"32 lives in"*", 0 failed operations"* ]] || fail "cycles did not all succeed"
  [[ $output == *"at 40 alive"* ]] || fail "the population did not reach 40"
  [[ $output == *"stress: 0 failure(s)"* ]] || fail "failures"
}
