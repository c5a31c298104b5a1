#!/usr/bin/env bats
# Cgroups (src/lib/cgroups/): where the container's cgroup goes, limits in place before its first
# instruction, device rules, pause/resume, kill --all, delete, update, events --stats, and the
# errors that name the field. Runs on v1, hybrid and v2 hosts: each test reads the kernel's own
# files for the layout it finds.

load helpers
load cgroup-helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# Our own cgroup in the memory hierarchy (v2: the unified one), as /proc/self/cgroup says.
own_cgroup() {
  if v2_host; then
    awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup
  else
    awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup
  fi
}

@test "create: the cgroup exists and holds every limit before the process runs" {
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 40},
                  "cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  # in every hierarchy, memory included: engines read a created container's cgroups from here
  # (containerd's shim watches that memory cgroup for OOM kills and reads its stats)
  awk -F: -v want="/$ID" '$3 != want { bad = 1 } END { exit bad }' "/proc/$pid/cgroup" ||
    fail "init not in /$ID everywhere: $(cat "/proc/$pid/cgroup")"
  assert_equal "$(cat "$(cg_dir pids "/$ID")/pids.max")" 40
  if v2_host; then
    assert_equal "$(cat "/sys/fs/cgroup/$ID/memory.max")" 67108864
    assert_equal "$(cat "/sys/fs/cgroup/$ID/cpu.max")" "50000 100000"
    assert_equal "$(cat "/sys/fs/cgroup/$ID/cpu.weight")" 59 # 512 shares, runc's 2025 formula
  else
    assert_equal "$(cat "/sys/fs/cgroup/memory/$ID/memory.limit_in_bytes")" 67108864
    assert_equal "$(cat "/sys/fs/cgroup/cpu/$ID/cpu.cfs_quota_us")" 50000
    assert_equal "$(cat "/sys/fs/cgroup/cpu/$ID/cpu.cfs_period_us")" 100000
    assert_equal "$(cat "/sys/fs/cgroup/cpu/$ID/cpu.shares")" 512
  fi
  skiff delete --force "$ID"
}

@test "delete: the cgroup is gone from every hierarchy" {
  cgroup_config '{"pids": {"limit": 10}}'
  set_args sleep 1000
  create_container "$ID"
  local mnt
  while read -r mnt; do
    [[ -d $mnt/$ID ]] || fail "no $mnt/$ID"
  done < <(cg_mounts)
  run skiff delete --force "$ID"
  assert_success
  while read -r mnt; do
    [[ ! -e $mnt/$ID ]] || fail "$mnt/$ID left behind"
  done < <(cg_mounts)
}

@test "cgroupsPath: a cgroup that existed before is used and kept by delete" {
  runc_lacks "keeping a pre-existing cgroup (runc removes it)"
  local mnt
  local -a dirs=()
  while read -r mnt; do
    mkdir "$mnt/$ID"
    dirs+=("$mnt/$ID")
  done < <(cg_mounts)
  defer rmdir "${dirs[@]}"
  cgroup_config '{"pids": {"limit": 12}}'
  run_container true
  assert_success
  while read -r mnt; do
    [[ -d $mnt/$ID ]] || fail "pre-existing $mnt/$ID was removed"
  done < <(cg_mounts)
  assert_equal "$(cat "$(cg_dir pids "/$ID")/pids.max")" 12
}

# Makes /ID in every hierarchy, as something else than the runtime would, and removes it at
# teardown once the processes put there are gone.
precreate_cgroup() {
  local mnt
  PRE_DIRS=()
  while read -r mnt; do
    mkdir "$mnt/$ID"
    PRE_DIRS+=("$mnt/$ID")
    if [[ -e $mnt/$ID/cpuset.cpus && ! -e $mnt/$ID/cgroup.controllers ]]; then # v1: empty until filled
      cat "$mnt/cpuset.cpus" >"$mnt/$ID/cpuset.cpus"
      cat "$mnt/cpuset.mems" >"$mnt/$ID/cpuset.mems"
    fi
  done < <(cg_mounts)
  defer remove_precreated
}

remove_precreated() {
  local dir tries
  for dir in "${PRE_DIRS[@]}"; do
    [[ -e $dir/freezer.state ]] && echo THAWED >"$dir/freezer.state"
    [[ -e $dir/cgroup.freeze ]] && echo 0 >"$dir/cgroup.freeze"
    for tries in $(seq 50); do
      xargs -r kill -9 <"$dir/cgroup.procs" 2>/dev/null
      rmdir "$dir" 2>/dev/null && break
      sleep 0.1
    done
  done
}

@test "cgroupsPath: a cgroup that already holds processes is used, with runc's warning" {
  precreate_cgroup
  sleep 1000 </dev/null >/dev/null 2>&1 &
  local other=$! dir
  for dir in "${PRE_DIRS[@]}"; do
    echo "$other" >"$dir/cgroup.procs"
  done
  cgroup_config '{"pids": {"limit": 12}}'
  run_container true
  assert_success
  [[ $stderr == *"container's cgroup is not empty: 1 process(es) found"* ]] || fail "no warning: $stderr"
  kill -0 "$other" || fail "the other process of the cgroup is gone"
}

@test "cgroupsPath: a frozen cgroup that was there before is refused, in runc's words" {
  precreate_cgroup
  local dir frozen=
  for dir in "${PRE_DIRS[@]}"; do
    if [[ -e $dir/freezer.state ]]; then
      echo FROZEN >"$dir/freezer.state" && frozen=$dir
    elif [[ -e $dir/cgroup.freeze ]]; then
      echo 1 >"$dir/cgroup.freeze" && frozen=$dir
    fi
  done
  [[ -n $frozen ]] || skip "no freezer on this host"
  cgroup_config '{"pids": {"limit": 12}}'
  run_container true
  expect_error run "container's cgroup unexpectedly frozen" "/$ID" --runc "container's cgroup unexpectedly frozen"
  [[ -d $frozen ]] || fail "the frozen cgroup that was there before was removed"
}

# unified in a private mount namespace whose view of /sys/fs/cgroup is changed by SETUP, a shell
# command: runs the bundle there, sets status and stderr.
run_in_cgroup_view() {
  local setup=$1
  status=0
  unshare -m --propagation private sh -c "$setup && exec \"\$@\"" sh \
    "$SKIFF" --root "$SKIFF_ROOT" run --bundle "$BUNDLE" "$(new_id)" </dev/null >"$BATS_TEST_TMPDIR/out" \
    2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
  stderr=$(<"$BATS_TEST_TMPDIR/err")
  mapfile -t stderr_lines <"$BATS_TEST_TMPDIR/err"
}

@test "create: unified on a v1 host, or a hybrid one whose cgroup2 has no controllers, is refused in runc's words" {
  requires unshare
  v2_host && skip "a v2 host takes unified"
  local u=/sys/fs/cgroup/unified
  [[ $(stat -fc %T "$u" 2>/dev/null) == cgroup2fs ]] || skip "not a hybrid host"
  cgroup_config '{"unified": {"cgroup.max.depth": "3"}}'
  set_args true
  # v1: no cgroup2 hierarchy in sight
  run_in_cgroup_view "umount -l $u"
  expect_error run "linux.resources.unified" "cannot use unified on cgroup v1" --runc "cannot use unified on cgroup v1"
  # hybrid without cgroup2 controllers: the hierarchy seen through a cgroup whose parent enables none
  local parent="$u/skiff-nocontrollers-$$"
  mkdir -p "$parent/leaf"
  defer rmdir "$parent/leaf" "$parent"
  [[ -z $(<"$parent/leaf/cgroup.controllers") ]] || skip "cannot make a cgroup2 view without controllers"
  run_in_cgroup_view "mount --bind $parent/leaf $u"
  expect_error run "linux.resources.unified" "cannot use unified on cgroup v1" "no controllers" \
    --runc "cannot use unified on cgroup v1"
}

@test "cgroupsPath: absent means <id> under the runtime's own cgroup (its parent on v2), as runc" {
  local id own
  id=$(new_id)
  own=$(own_cgroup)
  set_args sh -c 'cat /proc/self/cgroup'
  run --separate-stderr skiff run --bundle "$BUNDLE" "$id" </dev/null
  assert_success
  local want="${own%/}/$id"
  if v2_host; then
    # the runtime's own cgroup holds processes, so on v2 it cannot hand controllers down
    local parent="${own%/*}"
    assert_line "0::${parent%/}/$id"
  else
    assert_line --regexp "^[0-9]+:memory:$want\$"
  fi
}

# A subshell forks sleeps until the kernel refuses: the init (1), the subshell (2) and two sleeps fill
# the limit of 4; once it has failed, one more sleep takes its place. The subshell's status, the counter
# and the "max" event are the kernel's word.
@test "pids.limit: fork fails beyond it, the counter stays at the limit" {
  local shared dir
  shared=$(shared_dir)
  cgroup_config '{"pids": {"limit": 4}}'
  set_args sh -c '(for i in 1 2 3 4 5 6; do sleep 1000 & done; echo all-forked) >/shared/out 2>&1
    s=$?; sleep 1000 & echo $s >/shared/status; wait'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/status"
  [[ $(<"$shared/status") -ne 0 ]] || fail "the forks beyond the limit succeeded: $(<"$shared/out")"
  [[ $(<"$shared/out") != *all-forked* ]] || fail "all six sleeps started: $(<"$shared/out")"
  dir=$(cg_dir pids "/$ID")
  assert_equal "$(<"$dir/pids.max")" 4
  assert_equal "$(<"$dir/pids.current")" 4
  local refused
  refused=$(awk '$1 == "max" { print $2 }' "$dir/pids.events")
  ((refused > 0)) || fail "pids.events: $(<"$dir/pids.events")"
  skiff kill --all "$ID" KILL
  wait_for_status "$ID" stopped
  skiff delete "$ID"
}

@test "memory.limit: a process that grows beyond it is OOM-killed" {
  cgroup_config '{"memory": {"limit": 33554432}}'
  run_container sh -c 'x=0123456789abcdef; while :; do x=$x$x; done'
  assert_equal "$status" 137
}

# With memory a v1 controller the init joins that cgroup after its mounts (init.c, step 6a): the
# kernel objects of ~35 mounts and the init's own pages are the runtime's, so a limit counts the
# container's process alone. Joined at step 1, as everything else is, echo needs 192 KiB here.
@test "memory.limit: v1: the setup is not charged to the container, echo runs under 160 KiB" {
  if v2_host; then skip "cgroup v2: the init is born in its cgroup (clone3), its setup is charged there"; fi
  runc_lacks "starting under a small memory limit (its init needs megabytes)"
  sanitizers_prevent "the init's pages faulted in after it joins the memory cgroup include ASan's shadow" \
    "and its allocator's, which are charged there: a 160 KiB limit OOM-kills it"
  cgroup_config '{"memory": {"limit": 163840}}'
  run_container echo ok
  assert_success
  assert_output ok
}

@test "memory.limit: v1: the late-joined memory cgroup is the container's, mounted and namespaced" {
  if v2_host; then skip "cgroup v2: nothing is joined late"; fi
  cgroup_config '{"memory": {"limit": 33554432}}'
  add_namespace cgroup
  run_container sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep memory /proc/self/cgroup'
  assert_success
  assert_line --index 0 33554432
  assert_line --index 1 --regexp '^[0-9]+:memory:/$'
  remove_namespace cgroup
  run_container sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep memory /proc/self/cgroup'
  assert_line --index 0 33554432
  assert_line --index 1 --regexp "^[0-9]+:memory:/$ID\$"
}

# Hooks before start may look at the init's cgroups: then it joins them all at step 1.
@test "memory.limit: v1: a createRuntime hook sees the init in its memory cgroup already" {
  cgroup_config '{"memory": {"limit": 33554432}}'
  local out=$BATS_TEST_TMPDIR/hook-cgroup
  update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $script]}]' --arg script "
    pid=\$(jq -r .pid); cat /proc/\$pid/cgroup >$out"
  run_container true
  assert_success
  if v2_host; then
    grep -q "^0::/$ID\$" "$out" || fail "init not in /$ID: $(cat "$out")"
  else
    grep -Eq "^[0-9]+:memory:/$ID\$" "$out" || fail "init not in memory /$ID: $(cat "$out")"
  fi
}

@test "devices: mknod of anything, open only of the default devices" {
  update_config '.root.readonly = false | .process.capabilities[] += ["CAP_MKNOD"]'
  run_container sh -c 'echo x >/dev/null && echo null-ok; mknod /tmp/loop b 7 0 && echo mknod-ok;
                       head -c1 /tmp/loop >/dev/null 2>&1 || echo loop-denied'
  assert_success
  assert_line null-ok
  assert_line mknod-ok
  assert_line loop-denied
}

@test "devices: a config that names no device rule gets the default devices only, as with runc" {
  # Without the deny-all rule of the fixture, and without linux.resources at all: a new device
  # cgroup allows everything its parent does (a *:* rwm), the loop device would open.
  local filter
  for filter in 'del(.linux.resources.devices)' 'del(.linux.resources)'; do
    update_config '.root.readonly = false | .process.capabilities[] += ["CAP_MKNOD"]'
    update_config "$filter"
    run_container sh -c 'echo x >/dev/null && echo null-ok; mknod /tmp/loop b 7 0 && echo mknod-ok;
                         head -c1 /tmp/loop 2>&1 >/dev/null | grep -q "not permitted" && echo loop-denied; rm -f /tmp/loop'
    assert_success
    assert_line null-ok
    assert_line mknod-ok
    assert_line loop-denied
  done
}

@test "devices: an allow rule opens one device (read only when it says r)" {
  [[ -b /dev/loop0 ]] || skip "no /dev/loop0"
  update_config '.linux.devices = [{"path": "/dev/loop0", "type": "b", "major": 7, "minor": 0}] |
                 .linux.resources.devices += [{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"}]'
  run_container sh -c 'head -c1 /dev/loop0 >/dev/null 2>&1 && echo read-ok;
                       echo x 2>/dev/null >>/dev/loop0 || echo write-denied'
  assert_success
  assert_line read-ok
  assert_line write-denied
}

@test "pause/resume: the cgroup freezes and thaws, state says paused" {
  cgroup_config '{}'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run skiff pause "$ID"
  assert_success
  assert_equal "$(container_status "$ID")" paused
  if v2_host; then
    grep -qx 'frozen 1' "/sys/fs/cgroup/$ID/cgroup.events"
  else
    assert_equal "$(cat "/sys/fs/cgroup/freezer/$ID/freezer.state")" FROZEN
  fi
  run skiff resume "$ID"
  assert_success
  assert_equal "$(container_status "$ID")" running
  skiff delete --force "$ID"
}

@test "kill --all: every process of the cgroup, without a pid namespace" {
  update_config 'del(.linux.namespaces[] | select(.type == "pid"))'
  cgroup_config '{}'
  set_args sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
  create_container "$ID"
  skiff start "$ID"
  local procs
  procs=$(cg_dir pids "/$ID")/cgroup.procs
  for _ in $(seq 50); do
    [[ $(wc -l <"$procs") -ge 3 ]] && break
    sleep 0.05
  done
  run skiff kill --all "$ID" KILL
  assert_success
  for _ in $(seq 50); do
    [[ ! -s $procs ]] && break
    sleep 0.05
  done
  [[ ! -s $procs ]] || fail "left in the cgroup: $(cat "$procs")"
  skiff delete "$ID"
}

@test "update: new limits land in the running container's cgroup" {
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}}'
  set_args sleep 1000
  create_container "$ID"
  run skiff update --memory 134217728 --pids-limit 30 "$ID"
  assert_success
  assert_equal "$(cat "$(cg_dir pids "/$ID")/pids.max")" 30
  if v2_host; then
    assert_equal "$(cat "/sys/fs/cgroup/$ID/memory.max")" 134217728
  else
    assert_equal "$(cat "/sys/fs/cgroup/memory/$ID/memory.limit_in_bytes")" 134217728
  fi
  skiff delete --force "$ID"
}

@test "update: options after the container id, as runc takes them" {
  cgroup_config '{"pids": {"limit": 20}}'
  set_args sleep 1000
  create_container "$ID"
  run skiff update "$ID" --pids-limit 31 --cpu-period 900000
  assert_success
  assert_equal "$(cat "$(cg_dir pids "/$ID")/pids.max")" 31
  if v2_host; then
    [[ $(cat "/sys/fs/cgroup/$ID/cpu.max") == *" 900000" ]] || fail "cpu.max: $(cat "/sys/fs/cgroup/$ID/cpu.max")"
  else
    assert_equal "$(cat "/sys/fs/cgroup/cpu/$ID/cpu.cfs_period_us")" 900000
  fi
  skiff delete --force "$ID"
}

# The limits update may change, one "file=value" a line, to compare before and after.
limits_snapshot() {
  local f
  for f in "$(cg_dir pids "/$ID")/pids.max" "$(cg_dir memory "/$ID")"/memory.{max,limit_in_bytes} \
    "$(cg_dir cpu "/$ID")"/cpu.{max,weight,shares,cfs_quota_us,cfs_period_us}; do
    if [[ -r $f ]]; then echo "$f=$(<"$f")"; fi
  done
}

@test "update: a bad value is one line naming the flag as typed, exit 1, and nothing changes" {
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}}'
  set_args sleep 1000
  create_container "$ID"
  local before args flag
  local -a bad=("--pids-limit abc" "--pids-limit 12abc" "-pids-limit x" "--cpu-quota x" "--cpu-share x"
    "--cpu-period -1" "--memory-swap q" "--memory 10q" "--memory 1g --pids-limit x" "--memory -5")
  # runc 1.1 writes a weight out of range and lets the kernel refuse it
  is_runc || bad+=("--blkio-weight 5000")
  before=$(limits_snapshot)
  for args in "${bad[@]}"; do
    read -ra argv <<<"$args"
    run --separate-stderr skiff update "${argv[@]}" "$ID"
    flag=${argv[-2]}
    expect_error update --runc "invalid" --runc-lines 60 "invalid value" "for flag $flag" "\"${argv[-1]}\""
    assert_equal "$status" 1
    assert_equal "$(limits_snapshot)" "$before"
  done
  # the sizes runc takes
  run skiff update --memory 96m --memory-reservation 0.5g "$ID"
  assert_success
  run skiff update --memory 1.5GiB --pids-limit 0x20 "$ID"
  assert_success
  assert_equal "$(cat "$(cg_dir pids "/$ID")/pids.max")" 32
  skiff delete --force "$ID"
}

@test "update -r: a missing file is one line naming it" {
  cgroup_config '{}'
  set_args sleep 1000
  create_container "$ID"
  run --separate-stderr skiff update -r "$BATS_TEST_TMPDIR/missing.json" "$ID"
  expect_error update "missing.json" "no such file or directory"
  skiff delete --force "$ID"
}

@test "update: a value refused halfway undoes the limits written before it" {
  runc_lacks "undoing an update the kernel refused halfway (runc 1.1 leaves what it wrote)"
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}}'
  set_args sleep 1000
  create_container "$ID"
  local before
  before=$(limits_snapshot)
  # unified keys are written last: memory and pids are in by then
  run --separate-stderr skiff update -r - "$ID" \
    <<<'{"memory": {"limit": 134217728}, "pids": {"limit": 33}, "unified": {"no.such_file": "1"}}'
  expect_error update "linux.resources.unified"
  assert_equal "$(limits_snapshot)" "$before"
  skiff delete --force "$ID"
}

@test "update --resources: the fields containerd and podman send land in the cgroup (runc's set)" {
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 20}}'
  set_args sleep 1000
  create_container "$ID"
  local doc='{"memory": {"limit": 134217728, "reservation": 33554432},
              "cpu": {"shares": 512, "quota": 30000, "period": 200000, "cpus": "0", "mems": "0"},
              "pids": {"limit": 44}}'
  local rt=false swap=false weight=
  if [[ -e $(cg_dir cpu "/$ID")/cpu.rt_runtime_us ]]; then
    rt=true
    doc=$(jq '.cpu.realtimePeriod = 1000000 | .cpu.realtimeRuntime = 0' <<<"$doc")
  fi
  if cg_file memory memory.memsw.limit_in_bytes >/dev/null || cg_file memory memory.swap.max >/dev/null; then
    swap=true
    doc=$(jq '.memory.swap = 201326592' <<<"$doc")
  fi
  weight=$(cg_file blkio blkio.weight || cg_file blkio blkio.bfq.weight || cg_file io io.bfq.weight ||
    cg_file io io.weight) || true
  [[ -n $weight ]] && doc=$(jq '.blockIO.weight = 300' <<<"$doc")
  # containerd's shim sends it on stdin, podman in a file
  run --separate-stderr skiff update --resources - "$ID" <<<"$doc"
  assert_success
  echo "$doc" >"$BATS_TEST_TMPDIR/resources.json"
  run --separate-stderr skiff update --resources="$BATS_TEST_TMPDIR/resources.json" "$ID"
  assert_success
  assert_equal "$(cat "$(cg_file pids pids.max)")" 44
  assert_equal "$(cat "$(cg_file cpuset cpuset.cpus)")" 0
  assert_equal "$(cat "$(cg_file cpuset cpuset.mems)")" 0
  if v2_host; then
    assert_equal "$(cat "$(cg_file memory memory.max)")" 134217728
    assert_equal "$(cat "$(cg_file memory memory.low)")" 33554432
    assert_equal "$(cat "$(cg_file cpu cpu.max)")" "30000 200000"
    assert_equal "$(cat "$(cg_file cpu cpu.weight)")" 59
    ! $swap || assert_equal "$(cat "$(cg_file memory memory.swap.max)")" $((201326592 - 134217728))
  else
    assert_equal "$(cat "$(cg_file memory memory.limit_in_bytes)")" 134217728
    assert_equal "$(cat "$(cg_file memory memory.soft_limit_in_bytes)")" 33554432
    assert_equal "$(cat "$(cg_file cpu cpu.cfs_quota_us)")" 30000
    assert_equal "$(cat "$(cg_file cpu cpu.cfs_period_us)")" 200000
    assert_equal "$(cat "$(cg_file cpu cpu.shares)")" 512
    ! $rt || assert_equal "$(cat "$(cg_file cpu cpu.rt_period_us)")" 1000000
    ! $swap || assert_equal "$(cat "$(cg_file memory memory.memsw.limit_in_bytes)")" 201326592
  fi
  if [[ -n $weight ]]; then
    [[ $(<"$weight") == *300* || $(<"$weight") == *$(((300 - 10) * 9999 / 990 + 1))* ]] ||
      fail "$weight: $(<"$weight")"
  fi
  skiff delete --force "$ID"
}

@test "update --resources: block IO devices, swappiness and hugepage limits land in the cgroup too" {
  runc_lacks "update of blockIO devices, swappiness and hugepageLimits (runc 1.1 takes runc's flags' fields only)"
  cgroup_config '{}'
  set_args sleep 1000
  create_container "$ID"
  local dev major minor doc='{}'
  # a whole disk: the throttle files take no partition
  dev=$(for d in /sys/block/*; do [[ $d == */loop* || $d == */ram* || $d == */zram* ]] || { cat "$d/dev"; break; }; done)
  if [[ -n $dev ]]; then
    IFS=: read -r major minor <<<"$dev"
    doc=$(jq --argjson ma "$major" --argjson mi "$minor" '.blockIO = {
      throttleReadBpsDevice: [{major: $ma, minor: $mi, rate: 1048576}],
      throttleWriteBpsDevice: [{major: $ma, minor: $mi, rate: 2097152}],
      throttleReadIOPSDevice: [{major: $ma, minor: $mi, rate: 1000}],
      throttleWriteIOPSDevice: [{major: $ma, minor: $mi, rate: 2000}]}' <<<"$doc")
  fi
  ! v2_host && doc=$(jq '.memory.swappiness = 30' <<<"$doc")
  local huge
  huge=$(cg_file hugetlb hugetlb.2MB.limit_in_bytes || cg_file hugetlb hugetlb.2MB.max) || true
  [[ -n $huge ]] && doc=$(jq '.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]' <<<"$doc")
  [[ $doc != '{}' ]] || skip "no block device, swappiness nor hugetlb on this host"
  run --separate-stderr skiff update -r - "$ID" <<<"$doc"
  assert_success
  if [[ -n $dev ]]; then
    if v2_host; then
      grep -qx "$dev rbps=1048576 wbps=2097152 riops=1000 wiops=2000" "$(cg_file io io.max)" ||
        fail "io.max: $(cat "$(cg_file io io.max)")"
    else
      grep -qx "$dev 1048576" "$(cg_file blkio blkio.throttle.read_bps_device)"
      grep -qx "$dev 2097152" "$(cg_file blkio blkio.throttle.write_bps_device)"
      grep -qx "$dev 1000" "$(cg_file blkio blkio.throttle.read_iops_device)"
      grep -qx "$dev 2000" "$(cg_file blkio blkio.throttle.write_iops_device)"
    fi
  fi
  v2_host || assert_equal "$(cat "$(cg_file memory memory.swappiness)")" 30
  [[ -z $huge ]] || assert_equal "$(cat "$huge")" 4194304
  skiff delete --force "$ID"
}

@test "update: an invalid cpu list is refused, naming the field" {
  runc_lacks "field names in update errors"
  cgroup_config '{}'
  set_args sleep 1000
  create_container "$ID"
  capture skiff update --cpuset-cpus 0-x "$ID"
  expect_error update "cpus" "0-x"
  skiff delete --force "$ID"
}

@test "ps: the container's processes, as a table and as json; a stopped one has none, as runc" {
  cgroup_config '{}'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  local init exec_pid
  init=$(container_pid "$ID")
  skiff exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 999 </dev/null >/dev/null 2>&1
  exec_pid=$(<"$BATS_TEST_TMPDIR/exec.pid")
  run --separate-stderr skiff ps --format json "$ID"
  assert_success
  echo "$output" | jq -e --argjson a "$init" --argjson b "$exec_pid" 'sort == ([$a, $b] | sort)'
  run --separate-stderr skiff ps "$ID" -o pid,args
  assert_success
  [[ ${#lines[@]} -eq 3 && ${lines[0]} == *PID* ]] || fail "ps: $output"
  skiff kill --all "$ID" KILL
  wait_for_status "$ID" stopped
  run --separate-stderr skiff ps "$ID"
  assert_success
  [[ ${#lines[@]} -eq 1 && ${lines[0]} == *PID* ]] || fail "ps of a stopped container: $output"
  run --separate-stderr skiff ps --format json "$ID"
  assert_success
  echo "$output" | jq -e 'length == 0'
  skiff delete "$ID"
}

@test "events --stats: runc's stats object from the container's cgroup" {
  cgroup_config '{"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run skiff events --stats "$ID"
  assert_success
  echo "$output" | jq -e --arg id "$ID" '.type == "stats" and .id == $id and .data.pids.current >= 1 and
    .data.pids.limit == 50 and .data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0 and
    (.data.cpu.usage | has("kernel")) and (.data | has("blkio") and has("hugetlb"))'
  skiff delete --force "$ID"
}

@test "create: an invalid cpu list fails before anything runs, naming the field" {
  runc_lacks "field names in cgroup errors"
  cgroup_config '{"cpu": {"cpus": "0-x"}}'
  run_container true
  expect_error run 'linux.resources.cpu.cpus: invalid cpu list "0-x"'
}

@test "create: a negative cpu quota other than -1 is refused" {
  runc_lacks "field names in cgroup errors"
  cgroup_config '{"cpu": {"quota": -5}}'
  run_container true
  expect_error run "linux.resources.cpu.quota" "-5"
}

# net_cls where the host mounts it (a hybrid host's usual case): the classid lands; where it does not
# (v2, or v1 without it): an error instead of running unlimited. cgroups-resources.bats mounts one.
@test "create: net_cls classID lands where net_cls is mounted, and fails where it is not" {
  local netcls
  netcls=$(awk '$9 == "cgroup" && $NF ~ /(^|,)net_cls(,|$)/ { print $5; exit }' /proc/self/mountinfo)
  cgroup_config '{"network": {"classID": 1048577}}'
  if [[ -n $netcls ]]; then
    set_args sleep 1000
    create_container "$ID"
    assert_equal "$(cat "$netcls/$ID/net_cls.classid")" 1048577
    skiff delete --force "$ID"
  else
    runc_lacks "an error for network resources (runc ignores them when net_cls is absent)"
    run_container true
    expect_error run "linux.resources.network" "net_cls"
  fi
}

@test "create: unified keys need cgroup v2" {
  runc_lacks "an error naming the unified key"
  v2_host && skip "a v2 host writes them"
  cgroup_config '{"unified": {"memory.max": "1000000"}}'
  run_container true
  expect_error run "linux.resources.unified.memory.max"
}

@test "create: the systemd driver is refused with the cgroupsPath named when systemd is not init" {
  [[ -d /run/systemd/system ]] && skip "systemd is init here"
  runc_lacks "skiff's systemd error"
  update_config '.linux.cgroupsPath = "system.slice:skiff:x"'
  run_container true
  expect_error run "system.slice:skiff:x" "systemd"
}

@test "create: no cgroup is left behind when create fails after it" {
  runc_lacks "the same failure point"
  cgroup_config '{"pids": {"limit": 10}}'
  set_args /nonexistent-binary
  run_container
  [[ $status -ne 0 ]] || fail "run of a missing binary succeeded"
  local mnt
  while read -r mnt; do
    [[ ! -e $mnt/$ID ]] || fail "$mnt/$ID left behind"
  done < <(cg_mounts)
}
