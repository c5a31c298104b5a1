#!/usr/bin/env bats
# How the kernel runs the container process (src/lib/process-sched.c): process.ioPriority,
# process.scheduler, linux.personality, linux.memoryPolicy; and linux.intelRdt refused cleanly
# on a host without resctrl.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# With real-time group scheduling (cgroup v1's cpu.rt_runtime_us), a new cgroup has no real-time
# budget and the kernel refuses SCHED_FIFO/SCHED_RR in it: give the container some.
allow_realtime() {
  if [[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]]; then
    update_config '.linux.resources.cpu.realtimeRuntime = 10000'
  fi
}

@test "ioPriority: the class and level reach the process and its children" {
  runc_lacks "process.ioPriority (runc 1.2)"
  update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 5}'
  run_container sh -c 'ionice; sh -c ionice'
  assert_success
  assert_output "$(printf 'best-effort: prio 5\nbest-effort: prio 5')"
}

@test "ioPriority: the real-time and idle classes" {
  runc_lacks "process.ioPriority (runc 1.2)"
  update_config '.process.ioPriority = {class: "IOPRIO_CLASS_RT", priority: 2}'
  run_container ionice
  assert_success
  assert_output 'realtime: prio 2'

  update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
  run_container ionice
  assert_success
  assert_output 'idle'
}

@test "ioPriority: the host sees it on the container's process" {
  runc_lacks "process.ioPriority (runc 1.2)"
  requires ionice
  update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 7}'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run ionice -p "$(container_pid "$ID")"
  assert_output 'best-effort: prio 7'
  skiff delete --force "$ID"
}

@test "scheduler: SCHED_FIFO with its priority; RESET_ON_FORK gives children SCHED_OTHER" {
  runc_lacks "process.scheduler (runc 1.2)"
  update_config '.process.scheduler = {policy: "SCHED_FIFO", priority: 10, flags: ["SCHED_FLAG_RESET_ON_FORK"]}'
  allow_realtime
  # "rt_priority policy" of the shell, then of a child it forks (not the last command, which the
  # shell would exec in its own place); policy 1 is SCHED_FIFO
  run_container sh -c 'cut -d " " -f 40,41 /proc/$$/stat; cut -d " " -f 40,41 /proc/self/stat; exit 0'
  assert_success
  assert_output "$(printf '10 1\n0 0')"
}

@test "scheduler: the host sees the policy; an exec'd process gets it too" {
  runc_lacks "process.scheduler (runc 1.2)"
  requires chrt
  update_config '.process.scheduler = {policy: "SCHED_RR", priority: 12}'
  allow_realtime
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run chrt -p "$(container_pid "$ID")"
  assert_line --partial 'SCHED_RR'
  assert_line --partial 'priority: 12'

  run skiff exec "$ID" cut -d ' ' -f 40,41 /proc/self/stat
  assert_success
  assert_output '12 2'
  skiff delete --force "$ID"
}

@test "scheduler: SCHED_RR, SCHED_BATCH with nice, SCHED_IDLE" {
  runc_lacks "process.scheduler (runc 1.2)"
  update_config '.process.scheduler = {policy: "SCHED_RR", priority: 3}'
  allow_realtime
  run_container cut -d ' ' -f 40,41 /proc/self/stat
  assert_success
  assert_output '3 2'

  update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7} | del(.linux.resources.cpu)'
  run_container cut -d ' ' -f 19,40,41 /proc/self/stat
  assert_success
  assert_output '7 0 3'

  update_config '.process.scheduler = {policy: "SCHED_OTHER", nice: -5}'
  run_container cut -d ' ' -f 19,41 /proc/self/stat
  assert_success
  assert_output '-5 0'

  update_config '.process.scheduler = {policy: "SCHED_IDLE"}'
  run_container cut -d ' ' -f 41 /proc/self/stat
  assert_success
  assert_output '5'
}

@test "scheduler: SCHED_DEADLINE with runtime, deadline and period" {
  runc_lacks "process.scheduler (runc 1.2)"
  requires chrt
  update_config '.process.scheduler = {policy: "SCHED_DEADLINE", runtime: 10000000, deadline: 30000000, period: 30000000}'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run chrt -p "$(container_pid "$ID")"
  assert_line --partial 'SCHED_DEADLINE'
  assert_line --partial '10000000/30000000/30000000'
  skiff delete --force "$ID"
}

@test "scheduler: values the kernel would clamp or refuse are errors before anything is created" {
  runc_lacks "process.scheduler (runc 1.2)"
  update_config '.process.scheduler = {policy: "SCHED_OTHER", nice: 30}'
  run_container true
  expect_error run process.scheduler.nice 30

  update_config '.process.scheduler = {policy: "SCHED_FIFO"}'
  run_container true
  expect_error run process.scheduler.priority SCHED_FIFO

  update_config '.process.scheduler = {policy: "SCHED_BATCH", priority: 4}'
  run_container true
  expect_error run process.scheduler.priority SCHED_BATCH
}

@test "scheduler: the kernel's refusal fails create, naming the field" {
  runc_lacks "process.scheduler (runc 1.2)"
  # SCHED_ISO is in the spec but reserved by Linux; runtime above deadline is refused
  update_config '.process.scheduler = {policy: "SCHED_ISO"}'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create process.scheduler SCHED_ISO "invalid argument"
  run skiff state "$ID"
  assert_failure

  update_config '.process.scheduler = {policy: "SCHED_DEADLINE", runtime: 50000000, deadline: 30000000, period: 30000000}'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create process.scheduler SCHED_DEADLINE
}

@test "personality: LINUX32 makes uname say i686, LINUX keeps the host's machine" {
  runc_lacks "linux.personality (runc 1.2)"
  [[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host"
  update_config '.linux.personality = {domain: "LINUX32"}'
  run_container sh -c 'uname -m; sh -c "uname -m"'
  assert_success
  assert_output "$(printf 'i686\ni686')"

  update_config '.linux.personality = {domain: "LINUX"}'
  run_container uname -m
  assert_success
  assert_output x86_64
}

@test "personality: flags are refused (the spec defines none)" {
  runc_lacks "linux.personality (runc 1.2)"
  update_config '.linux.personality = {domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"]}'
  run_container true
  expect_error run linux.personality.flags ADDR_NO_RANDOMIZE
}

@test "memoryPolicy: the mode, nodes and flags reach the process" {
  runc_lacks "linux.memoryPolicy (runc 1.3)"
  [[ -e /proc/self/numa_maps ]] || skip "needs a NUMA kernel (/proc/self/numa_maps)"
  update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
  run_container sh -c 'grep -m 1 -o " bind:0 " /proc/self/numa_maps'
  assert_success
  assert_output ' bind:0 '

  update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}'
  run_container sh -c 'grep -m 1 -o " interleave=static:0 " /proc/self/numa_maps'
  assert_success

  update_config '.linux.memoryPolicy = {mode: "MPOL_LOCAL"}'
  run_container sh -c 'grep -m 1 -o " local " /proc/self/numa_maps'
  assert_success
}

@test "memoryPolicy: a node the host lacks is the kernel's error; a bad list is refused first" {
  runc_lacks "linux.memoryPolicy (runc 1.3)"
  [[ -e /proc/self/numa_maps ]] || skip "needs a NUMA kernel (/proc/self/numa_maps)"
  local missing
  missing=$(($(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n | tail -n 1) + 1))
  update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: $n}' --arg n "$missing"
  run_container true
  expect_error run linux.memoryPolicy MPOL_BIND "invalid argument"

  update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-"}'
  run_container true
  expect_error run linux.memoryPolicy.nodes '"0-"'
}

@test "intelRdt: without resctrl, one line and nothing left behind" {
  if [[ $(stat -fc %T /sys/fs/resctrl 2>/dev/null) == resctrl ]]; then
    skip "resctrl is mounted on this host"
  fi
  # (runc 1.1 checks for resctrl only when a schema is given)
  update_config '.linux.intelRdt = {closID: "skiff-test", l3CacheSchema: "L3:0=f"}'
  run_container true
  expect_error run --runc "Intel RDT" linux.intelRdt "not supported on this host"
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create --runc "Intel RDT" linux.intelRdt resctrl
  run skiff state "$ID"
  assert_failure
  [[ ! -e /sys/fs/resctrl/skiff-test ]]
}
