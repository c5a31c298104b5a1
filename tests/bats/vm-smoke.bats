#!/usr/bin/env bats
# The cgroup v2 lane's smoke test (tests/vm/run.sh runs it in a VM; on a v1 host it skips): the host is
# cgroup v2 with the controllers skiff needs, and skiff puts a container's limits in its own cgroup.

load helpers

setup() {
  requires root cgroup2
  setup_bundle
}

teardown() {
  teardown_bundle
}

limits() {
  update_config '.linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 42}'
}

@test "vm: the host's /sys/fs/cgroup is cgroup v2 with the memory and pids controllers" {
  run stat -fc %T /sys/fs/cgroup
  assert_output cgroup2fs
  run cat /sys/fs/cgroup/cgroup.controllers
  assert_output --regexp '(^| )memory( |$)'
  assert_output --regexp '(^| )pids( |$)'
}

@test "vm: run: memory and pids limits in the default cgroup, seen from its own cgroup namespace" {
  limits
  add_namespace cgroup
  run_container sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
  assert_success
  assert_equal "${lines[*]}" "0::/ 33554432 42"
}

@test "vm: create: limits in the cgroup at an absolute cgroupsPath, two levels deep, removed by delete" {
  limits
  update_config '.linux.cgroupsPath = $p' --arg p "/skiff-smoke/$ID"
  defer rmdir /sys/fs/cgroup/skiff-smoke
  set_args sleep 100
  create_container "$ID"
  local pid dir
  pid=$(container_pid "$ID")
  dir=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  assert_equal "$dir" "/sys/fs/cgroup/skiff-smoke/$ID"
  assert_equal "$(<"$dir/memory.max")" 33554432
  assert_equal "$(<"$dir/pids.max")" 42
  grep -qx "$pid" "$dir/cgroup.procs" || fail "$pid is not in $dir/cgroup.procs"
  skiff delete --force "$ID"
  [[ ! -e $dir ]] || fail "delete left $dir"
}
