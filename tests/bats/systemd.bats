#!/usr/bin/env bats
# The systemd cgroup driver (src/lib/cgroups/systemd*.c): with --systemd-cgroup or a
# "slice:prefix:name" cgroupsPath the container's cgroup is a transient unit that systemd starts
# with the init in it. The tests that need systemd as PID 1 run in the VM lane, which boots systemd
# for this file (tests/vm/run.sh); elsewhere they skip and the refusal is tested instead.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# The host directory of the unit's cgroup for CONTROLLER: unit_dir memory system.slice/x.scope
unit_dir() {
  if v2_host; then
    echo "/sys/fs/cgroup/$2"
  else
    echo "/sys/fs/cgroup/$1/$2"
  fi
}

# A unit's property as systemctl shows it (the bus daemon, or the manager's private socket).
unit_prop() {
  systemctl show -P "$2" "$1"
}

# The unit of container ID is gone: systemd knows it no more, and its cgroup is removed everywhere.
assert_unit_gone() {
  local unit=$1 path=$2 mnt
  [[ $(unit_prop "$unit" ActiveState) == inactive ]] || fail "$unit is still $(unit_prop "$unit" ActiveState)"
  while read -r mnt; do
    [[ ! -e $mnt/$path ]] || fail "$mnt/$path left behind"
  done < <(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo)
}

@test "systemd: bad slice:prefix:name forms are one-line errors naming linux.cgroupsPath" {
  runc_lacks "skiff's messages"
  local p
  for p in "a--b.slice:p:n" "-a.slice:p:n" "a-.slice:p:n" "notaslice:p:n" "system.slice:p:" \
    "system.slice:p:a/b" "a:b:c:d"; do
    update_config '.linux.cgroupsPath = $p' --arg p "$p"
    run --separate-stderr skiff --systemd-cgroup run --bundle "$BUNDLE" "$(new_id)" </dev/null
    expect_error run "linux.cgroupsPath \"$p\""
  done
  update_config '.linux.cgroupsPath = "/plain"'
  run --separate-stderr skiff --systemd-cgroup run --bundle "$BUNDLE" "$(new_id)" </dev/null
  expect_error run 'linux.cgroupsPath "/plain"' "slice:prefix:name"
}

@test "systemd: refused with one line where PID 1 is not systemd" {
  [[ -d /run/systemd/system ]] && skip "systemd is init here"
  runc_lacks "skiff's message"
  run --separate-stderr skiff --systemd-cgroup run --bundle "$BUNDLE" "$ID" </dev/null
  expect_error run "systemd" "PID 1"
}

@test "systemd: the init is in its scope from its first instruction, the limits hold, delete removes the unit" {
  requires systemd
  local unit="skiff-test-$ID.scope" path="system.slice/skiff-test-$ID.scope"
  remove_namespace cgroup
  update_config '.linux.cgroupsPath = $p | .linux.resources.memory.limit = 33554432
    | .linux.resources.pids.limit = 42' --arg p "system.slice:skiff-test:$ID"
  set_args cat /proc/self/cgroup
  create_container "$ID" "--pid-file=$BATS_TEST_TMPDIR/pid"
  defer skiff delete --force "$ID"
  local pid line
  pid=$(<"$BATS_TEST_TMPDIR/pid")
  # the init, before the container's process exists, in the unit in every hierarchy
  while read -r line; do
    [[ $line == *":/$path" ]] || fail "init's cgroup line \"$line\" is not in /$path"
  done <"/proc/$pid/cgroup"
  [[ $(unit_prop "$unit" Delegate) == yes ]] || fail "Delegate is $(unit_prop "$unit" Delegate)"
  [[ $(unit_prop "$unit" ActiveState) == active ]] || fail "the unit is $(unit_prop "$unit" ActiveState)"
  [[ $(unit_prop "$unit" TasksMax) == 42 ]] || fail "TasksMax is $(unit_prop "$unit" TasksMax)"
  if v2_host; then
    [[ $(<"$(unit_dir memory "$path")/memory.max") == 33554432 ]] || fail "memory.max not written"
    [[ $(unit_prop "$unit" MemoryMax) == 33554432 ]] || fail "MemoryMax is $(unit_prop "$unit" MemoryMax)"
  else
    [[ $(<"$(unit_dir memory "$path")/memory.limit_in_bytes") == 33554432 ]] || fail "memory limit not written"
  fi
  [[ $(<"$(unit_dir pids "$path")/pids.max") == 42 ]] || fail "pids.max not written"
  # the unit carries them: when systemd writes the unit's cgroup again (any property change makes it
  # write them all, as a daemon-reload would), the same values
  systemctl set-property --runtime "$unit" CPUAccounting=yes
  [[ $(<"$(unit_dir pids "$path")/pids.max") == 42 ]] || fail "pids.max reset by systemd"
  [[ $(<"$(unit_dir memory "$path")/$(v2_host && echo memory.max || echo memory.limit_in_bytes)") == 33554432 ]] ||
    fail "the memory limit reset by systemd"
  run --separate-stderr skiff start "$ID"
  assert_success
  wait_for_status "$ID" stopped
  run --separate-stderr skiff delete "$ID"
  assert_success
  assert_unit_gone "$unit" "$path"
}

@test "systemd: update changes the unit's properties too, so systemd's next write keeps the new limits" {
  requires systemd
  local unit="skiff-upd-$ID.scope" path="system.slice/skiff-upd-$ID.scope"
  update_config '.linux.cgroupsPath = $p | .linux.resources.pids.limit = 42' --arg p "system.slice:skiff-upd:$ID"
  set_args sleep 1000
  create_container "$ID"
  defer skiff delete --force "$ID"
  run --separate-stderr skiff update --pids-limit 77 "$ID"
  assert_success
  [[ $(<"$(unit_dir pids "$path")/pids.max") == 77 ]] || fail "pids.max not updated"
  [[ $(unit_prop "$unit" TasksMax) == 77 ]] || fail "TasksMax is $(unit_prop "$unit" TasksMax)"
  # any property change makes systemd write the unit's cgroup again: the updated value stays
  systemctl set-property --runtime "$unit" CPUAccounting=yes
  [[ $(<"$(unit_dir pids "$path")/pids.max") == 77 ]] || fail "systemd reset pids.max to $(<"$(unit_dir pids "$path")/pids.max")"
  skiff delete --force "$ID"
  assert_unit_gone "$unit" "$path"
}

# run of `cat /proc/self/cgroup` in the scope skiff-test-$ID.scope of system.slice, seen from the
# host's cgroup namespace.
run_in_test_scope() {
  remove_namespace cgroup
  update_config '.linux.cgroupsPath = "system.slice:skiff-test:" + $id' --arg id "$ID"
  set_args cat /proc/self/cgroup
  run --separate-stderr skiff run --bundle "$BUNDLE" "$ID" </dev/null
}

@test "systemd: run prints the scope as the container's first instruction sees it" {
  requires systemd
  run_in_test_scope
  assert_success
  assert_line --regexp "^0::/system.slice/skiff-test-$ID.scope\$|:/system.slice/skiff-test-$ID.scope\$"
  assert_unit_gone "skiff-test-$ID.scope" "system.slice/skiff-test-$ID.scope"
}

@test "systemd: --systemd-cgroup without a cgroupsPath: skiff-<id>.scope in system.slice; exec, pause, kill work" {
  requires systemd
  local unit="skiff-$ID.scope"
  set_args sleep 1000
  defer skiff delete --force "$ID"
  if ! skiff --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null 2>"$BATS_TEST_TMPDIR/err"; then
    fail "create: $(cat "$BATS_TEST_TMPDIR/err")"
  fi
  [[ $(unit_prop "$unit" ActiveState) == active ]] || fail "$unit is $(unit_prop "$unit" ActiveState)"
  skiff start "$ID"
  run --separate-stderr skiff exec "$ID" cat /proc/self/cgroup
  assert_success
  assert_output --regexp "^0::/\$|/system.slice/$unit"
  run --separate-stderr skiff pause "$ID"
  assert_success
  [[ $(skiff state "$ID" | jq -r .status) == paused ]] || fail "not paused"
  run --separate-stderr skiff resume "$ID"
  assert_success
  run --separate-stderr skiff kill --all "$ID" KILL
  assert_success
  wait_for_status "$ID" stopped
  run --separate-stderr skiff delete "$ID"
  assert_success
  assert_unit_gone "$unit" "system.slice/$unit"
}

@test "systemd: a unit that exists already is an error, and the other container keeps it" {
  requires systemd
  local unit="skiff-test-$ID.scope"
  update_config '.linux.cgroupsPath = "system.slice:skiff-test:" + $id' --arg id "$ID"
  set_args sleep 1000
  create_container "$ID"
  defer skiff delete --force "$ID"
  run --separate-stderr skiff create --bundle "$BUNDLE" "$ID-b" </dev/null
  expect_error create "$unit" "already exists"
  [[ $(unit_prop "$unit" ActiveState) == active ]] || fail "$unit is $(unit_prop "$unit" ActiveState)"
}

@test "systemd: a name ending in .slice makes a slice unit at its nested path" {
  requires systemd
  # systemd nests slices by their dashes, and the id has one too
  local unit="skt-$ID.slice" path="skt.slice/skt-${ID%-*}.slice/skt-$ID.slice"
  # the parent slice systemd starts for it goes too
  defer systemctl stop skt.slice "skt-${ID%-*}.slice"
  remove_namespace cgroup
  update_config '.linux.cgroupsPath = ":ignored:" + $u' --arg u "$unit"
  set_args cat /proc/self/cgroup
  run --separate-stderr skiff run --bundle "$BUNDLE" "$ID" </dev/null
  echo "stderr: $stderr" >&2
  assert_success
  assert_line --regexp ":/$path\$"
  assert_unit_gone "$unit" "$path"
}

@test "systemd: through the system bus daemon when one runs" {
  requires systemd dbus-daemon
  [[ -S /run/dbus/system_bus_socket ]] && skip "a bus daemon runs already: the other tests used it"
  systemctl start dbus.socket dbus.service || fail "cannot start dbus"
  defer systemctl stop dbus.service dbus.socket
  [[ -S /run/dbus/system_bus_socket ]] || fail "dbus runs, without /run/dbus/system_bus_socket"
  local unit="skiff-test-$ID.scope"
  run_in_test_scope
  assert_success
  assert_line --regexp ":/system.slice/$unit\$"
  assert_unit_gone "$unit" "system.slice/$unit"
}
