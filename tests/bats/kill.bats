#!/usr/bin/env bats
# skiff kill (src/lib/container-ops.c, cgroups/): the init, or with --all every process of the
# container, whatever its pid namespace and status (created, running, paused).

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != [ZX] ]]
}

wait_gone() {
  local tries=100 pid
  for pid in "$@"; do
    while alive "$pid" && ((tries-- > 0)); do sleep 0.05; done
    alive "$pid" && fail "process $pid is still alive"
  done
  return 0
}

# Three sleeps under a shell that waits for them; their host pids (the container shares the host's
# pid namespace) in $shared/pids.
start_shared_pidns_container() {
  remove_namespace pid
  set_args sh -c 'sleep 1000 & echo $! > /shared/pids; sleep 1000 & echo $! >> /shared/pids
    sleep 1000 & echo $! >> /shared/pids; echo $$ >> /shared/pids; touch /shared/ready; wait'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"
}

@test "kill --all: without a pid namespace every process of the container gets it, no host process" {
  local shared pid pids=()
  shared=$(shared_dir)
  start_shared_pidns_container
  mapfile -t pids <"$shared/pids"
  [[ ${#pids[@]} -eq 4 ]] || fail "expected 4 pids: ${pids[*]}"
  sleep 1000 &
  local bystander=$!
  defer kill -9 "$bystander"

  # without --all only the init (the shell, last in the file) is signalled
  run skiff kill "$ID" KILL
  assert_success
  wait_gone "${pids[3]}"
  for pid in "${pids[@]:0:3}"; do
    alive "$pid" || fail "kill without --all reached $pid"
  done

  run skiff kill --all "$ID" KILL
  assert_success
  wait_gone "${pids[@]:0:3}"
  alive "$bystander" || fail "kill --all reached a host process"
  skiff delete --force "$ID"
}

@test "kill --all: TERM reaches every process in a pid namespace, the init too when it handles it" {
  local shared
  shared=$(shared_dir)
  # the init waits (a bounded while) for the child's line: when pid 1 of a
  # pid namespace exits, the kernel kills the rest before their traps run
  set_args sh -c 'trap "i=0; while [ ! -s /shared/got ] && [ \$i -lt 200 ]; do sleep 0.01; i=\$((i+1)); done; echo init >> /shared/got; exit 0" TERM
    sh -c "trap \"echo child >> /shared/got; exit 0\" TERM; touch /shared/child; while :; do sleep 0.05; done" &
    touch /shared/ready; while :; do sleep 0.05; done'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"
  wait_for_file "$shared/child"
  run skiff kill --all "$ID" TERM
  assert_success
  wait_for_status "$ID" stopped
  run sort "$shared/got"
  assert_output "$(printf 'child\ninit')"
  skiff delete "$ID"
}

@test "kill: a created container's init gets the signal before its process ever runs" {
  update_config '.root.readonly = false'
  set_args sh -c 'touch /ran; exec sleep 1000'
  create_container "$ID"
  run skiff kill "$ID" TERM
  assert_success
  wait_for_status "$ID" stopped
  [[ ! -e $ROOTFS/ran ]] || fail "the process ran"
  run --separate-stderr skiff start "$ID"
  assert_failure
  skiff delete "$ID"
}

@test "kill --all: a created container stops" {
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  run skiff kill --all "$ID" KILL
  assert_success
  wait_for_status "$ID" stopped
  wait_gone "$pid"
  skiff delete "$ID"
}

@test "kill: SIGKILL of a paused container stops it" {
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff pause "$ID"
  wait_for_status "$ID" paused
  run skiff kill "$ID" KILL
  assert_success
  wait_gone "$pid"
  wait_for_status "$ID" stopped
  skiff delete "$ID"
}

@test "kill --all: SIGKILL of a paused container ends every process" {
  local shared pids=()
  shared=$(shared_dir)
  start_shared_pidns_container
  mapfile -t pids <"$shared/pids"
  skiff pause "$ID"
  wait_for_status "$ID" paused
  run skiff kill --all "$ID" KILL
  assert_success
  wait_gone "${pids[@]}"
  wait_for_status "$ID" stopped
  skiff delete "$ID"
}

@test "kill: a stopped container, a missing one and an unknown signal are one-line errors" {
  set_args true
  create_container "$ID"
  skiff start "$ID"
  wait_for_status "$ID" stopped
  run --separate-stderr skiff kill "$ID" KILL
  expect_error kill --runc "container not running" "$ID" "not running"
  skiff delete "$ID"

  run --separate-stderr skiff kill "$ID" KILL
  expect_error kill --runc "does not exist" "$ID" "does not exist"

  set_args sleep 1000
  create_container "$ID"
  run --separate-stderr skiff kill "$ID" SIGNOPE
  expect_error kill --runc "unknown signal" NOPE
  [[ $(container_status "$ID") == created ]]
  skiff delete --force "$ID"
}
