#!/usr/bin/env bats
# skiff checkpoint / restore (src/lib/checkpoint.c, restore.c, criu-rpc.c, criu-describe.c): CRIU
# through its RPC. On a host where `criu check` fails (a 6.x kernel whose vDSO Debian's criu 3.17 does not
# know) only the refusal is tested; the VM lane (tests/vm/run.sh: Debian's 6.1 kernel with nf_tables)
# runs the rest.

load helpers

setup() {
  requires root criu jq
  setup_bundle
  IMG="$BATS_TEST_TMPDIR/img"
}

teardown() {
  teardown_bundle
}

criu_works() {
  criu check >/dev/null 2>&1
}

requires_criu_host() {
  criu_works || skip "criu check fails on this host (tests/vm/run.sh runs this test)"
}

# A counter writing 1, 2, 3... into /shared/count every 0.1 s; its host path in $COUNT.
counter_bundle() {
  local shared
  shared=$(shared_dir)
  COUNT=$shared/count
  set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/shared/count; sleep 0.1; done'
}

count() {
  cat "$COUNT" 2>/dev/null || echo 0
}

# wait_count_above N: until the counter is past N (10 s at most).
wait_count_above() {
  local tries=200
  while (($(count) <= $1 && tries-- > 0)); do sleep 0.05; done
  (($(count) > $1)) || fail "the counter stays at $(count), not above $1"
}

start_detached() {
  skiff run -d --bundle "$BUNDLE" "$1" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/$1.err" ||
    fail "run $1: $(cat "$BATS_TEST_TMPDIR/$1.err")"
}

# checkpoint_ok ARGS...: skiff checkpoint --image-path $IMG ARGS; a failure shows criu's errors.
checkpoint_ok() {
  if ! skiff checkpoint --image-path "$IMG" "$@" 2>"$BATS_TEST_TMPDIR/checkpoint.err"; then
    grep -h 'Error' "$IMG"/*dump.log >&2
    fail "checkpoint $*: $(cat "$BATS_TEST_TMPDIR/checkpoint.err")"
  fi
}

restore_detached() {
  local id=$1
  shift
  skiff restore -d --bundle "$BUNDLE" --image-path "$IMG" "$@" "$id" </dev/null >/dev/null \
    2>"$BATS_TEST_TMPDIR/$id.restore.err" || {
    grep -h 'Error' "$IMG/restore.log" >&2
    fail "restore $id: $(cat "$BATS_TEST_TMPDIR/$id.restore.err")"
  }
}

@test "checkpoint and restore: where criu check fails, one line with criu's reason, nothing changed" {
  criu_works && skip "criu works on this host (the refusal is for hosts where it does not)"
  set_args sh -c 'while :; do sleep 1; done'
  start_detached "$ID"
  capture skiff checkpoint --image-path "$IMG" "$ID"
  expect_error checkpoint --runc-lines 20 --runc "criu" "criu cannot work on this host" "criu check: "
  [[ $(container_status "$ID") == running ]]
  is_runc || [[ ! -e $IMG ]]
  mkdir -p "$IMG"
  local id2
  id2=$(new_id)
  capture skiff restore -d --image-path "$IMG" "$id2"
  expect_error restore --runc-lines 20 --runc "criu" "criu cannot work on this host" "criu check: "
  run skiff state "$id2"
  [[ $status -ne 0 ]]
  skiff delete -f "$ID"
}

@test "features: checkpoint enabled when skiff was built with criu support" {
  runc_lacks "its key is org.opencontainers.runc.checkpoint.enabled"
  local built=false
  skiff checkpoint --help >/dev/null 2>&1 && built=true
  run skiff features
  [[ $status -eq 0 ]]
  [[ $(jq -r '.annotations["org.skiff.checkpoint.enabled"]' <<<"$output") == "$built" ]]
}

@test "checkpoint: a container that is not running is refused, its state unchanged" {
  create_container "$ID"
  capture skiff checkpoint --image-path "$IMG" "$ID"
  expect_error checkpoint "cannot be checkpointed in created state"
  [[ $(container_status "$ID") == created ]]
  skiff delete -f "$ID"
}

@test "checkpoint, restore: a counter goes on counting from where it was" {
  requires_criu_host
  counter_bundle
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok "$ID"
  # as runc: the checkpointed container is gone
  run skiff state "$ID"
  [[ $status -ne 0 ]]
  local at
  at=$(count)
  sleep 0.5
  [[ $(count) == "$at" ]] || fail "the counter went on after checkpoint: $at, then $(count)"
  local id2
  id2=$(new_id)
  restore_detached "$id2"
  [[ $(container_status "$id2") == running ]]
  wait_count_above "$at"
  local now
  now=$(count)
  ((now > at && now < at + 100)) || fail "restored from $at, now $now: not counting from where it was"
  skiff delete -f "$id2"
  run skiff state "$id2"
  [[ $status -ne 0 ]]
}
