#!/usr/bin/env bats
# The test harness itself (tests/run-tests.sh, tests/vm/run.sh): a run that proves nothing fails, and
# under CI (CI=true) a lane that cannot run is a failure, not a skip. Fake lanes stand in for the real
# ones: unit "programs" and a VM lane that print TAP, and a bats file of one test.

load helpers

setup() {
  FAKE=$BATS_TEST_TMPDIR/fake
  mkdir -p "$FAKE"
  RUN_TESTS=$BATS_TEST_DIRNAME/../run-tests.sh
  # lanes: one that passes, one that only skips (it could not run)
  fake_lane passing 'printf "1..1\nok 1 - works\n"'
  fake_lane skipping 'printf "1..1\nok 1 # skip cannot run here: no such thing\n"'
  fake_lane failing 'printf "1..1\nnot ok 1 - broken\n"; exit 1'
  printf '@test "passes" { true; }\n' >"$FAKE/pass.bats"
  printf '@test "skips" { skip "not here"; }\n' >"$FAKE/skip.bats"
}

# fake_lane NAME SCRIPT: an executable $FAKE/NAME that runs SCRIPT
fake_lane() {
  printf '#!/bin/bash\n%s\n' "$2" >"$FAKE/$1"
  chmod +x "$FAKE/$1"
}

# run_tests [ENV=VALUE...] -- ARGS...: run-tests.sh in a clean environment (no CI unless given)
run_tests() {
  local -a env=()
  while [[ $1 != -- ]]; do
    env+=("$1")
    shift
  done
  shift
  run env -u CI -u SKIFF_VM_LANE -u BATS_FLAGS SKIFF_BINARY="$SKIFF" "${env[@]}" \
    timeout 300 bash "$RUN_TESTS" "$@"
}

@test "run-tests.sh: a run in which every test skipped fails" {
  run_tests -- "$FAKE/skipping" "$FAKE/skip.bats"
  assert_failure
  assert_line "0 passed, 0 failed, 2 skipped"
  assert_output --partial "no test passed"
}

@test "run-tests.sh: locally a lane that cannot run skips with its reason; the run passes" {
  run_tests -- "$FAKE/passing" "$FAKE/skipping" "$FAKE/pass.bats"
  assert_success
  assert_line "2 passed, 0 failed, 1 skipped"
  assert_output --partial "cannot run here: no such thing"
}

@test "run-tests.sh: under CI a lane that only skipped fails the run, named" {
  run_tests CI=true -- "$FAKE/passing" "$FAKE/skipping" "$FAKE/pass.bats"
  assert_failure
  assert_line --partial "skipping: no test passed under CI"
  assert_line "2 passed, 1 failed, 1 skipped"
}

@test "run-tests.sh: under CI a lane with a pass and a skip is fine; a failing lane fails anywhere" {
  run_tests CI=true -- "$FAKE/passing" "$FAKE/pass.bats" "$FAKE/skip.bats"
  assert_success
  assert_line "2 passed, 0 failed, 1 skipped"
  run_tests -- "$FAKE/passing" "$FAKE/failing" "$FAKE/pass.bats"
  assert_failure
  assert_line --partial "failing: 1 - broken"
}

@test "run-tests.sh: the VM lane (SKIFF_VM_LANE) that cannot run skips locally, fails under CI" {
  run_tests SKIFF_VM_LANE="$FAKE/skipping" -- "$FAKE/passing" "$FAKE/pass.bats"
  assert_success
  assert_line "# vm: $FAKE/skipping"
  assert_line "2 passed, 0 failed, 1 skipped"
  run_tests CI=true SKIFF_VM_LANE="$FAKE/skipping" -- "$FAKE/passing" "$FAKE/pass.bats"
  assert_failure
  assert_line --partial "vm: no test passed under CI"
  run_tests SKIFF_VM_LANE="$FAKE/missing" -- "$FAKE/passing" "$FAKE/pass.bats"
  assert_failure
  assert_line --partial "is not an executable"
}

# tests/vm/run.sh where the kernel package cannot be fetched: apt-cache and apt-get that find nothing,
# an empty kernel cache.
vm_lane_without_kernel() {
  local bin=$BATS_TEST_TMPDIR/bin
  mkdir -p "$bin"
  printf '#!/bin/sh\nexit 100\n' >"$bin/apt-get"
  printf '#!/bin/sh\nexit 100\n' >"$bin/apt-cache"
  chmod +x "$bin/apt-get" "$bin/apt-cache"
  run env -u CI "$@" PATH="$bin:$PATH" SKIFF_VM_CACHE="$BATS_TEST_TMPDIR/cache" SKIFF_BINARY="$SKIFF" \
    timeout 120 "$BATS_TEST_DIRNAME/../vm/run.sh" . "$FAKE/pass.bats"
}

@test "vm/run.sh: a kernel that cannot be fetched is a skip locally, a failure under CI" {
  requires root
  vm_lane_without_kernel
  assert_success
  assert_line --regexp '^ok 1 # skip cgroup v2 VM lane: '
  vm_lane_without_kernel CI=true
  assert_failure
  assert_line --regexp '^not ok 1 - cgroup v2 VM lane cannot run under CI: '
  # the reason is the kernel where qemu, busybox and bats are there
  if command -v qemu-system-x86_64 >/dev/null && command -v bats >/dev/null; then
    assert_output --partial "cannot fetch linux-image-amd64"
  fi
}

@test "helpers: a pty test's script -c gets bash, also where the caller's environment has no SHELL" {
  # the shape of docker.bats' in_pty: an argument with a newline, quoted by printf %q
  printf '%s\n' 'load "$HELPERS"' '@test "script -c, a quoted newline" {' \
    "  run script -qec \"\$(printf '%q ' sh -c \$'echo one\\necho two')\" /dev/null </dev/null" \
    '  assert_success' '  assert_output --partial two' '}' >"$FAKE/pty.bats"
  run env -u SHELL HELPERS="$BATS_TEST_DIRNAME/helpers" SKIFF_BINARY="$SKIFF" timeout 120 bats "$FAKE/pty.bats"
  assert_success
  assert_line "ok 1 script -c, a quoted newline"
}
