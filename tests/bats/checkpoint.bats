#!/usr/bin/env bats
# skiff checkpoint / restore (src/lib/checkpoint.c, restore.c, criu-rpc.c, criu-describe.c): CRIU
# through its RPC. On a host where `criu check` fails (a 6.x kernel whose vDSO Debian's criu 3.17 does not
# know) only the refusal is tested; the VM lane (tests/vm/run.sh: Debian's 6.1 kernel with nf_tables)
# runs the rest.

load helpers
load network-helpers

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

# The counter's last value; the shell truncates the file before each write, so an empty read is
# retried (it made `((  > N ))` a syntax error).
count() {
  local n= tries=50
  while [[ -z $n ]] && ((tries-- > 0)); do
    n=$(cat "$COUNT" 2>/dev/null) || break
    [[ -n $n ]] || sleep 0.01
  done
  echo "${n:-0}"
}

# wait_count_above N: until the counter is past N (10 s at most).
wait_count_above() {
  local tries=200
  while (($(count) <= $1 && tries-- > 0)); do sleep 0.05; done
  (($(count) > $1)) || fail "the counter stays at $(count), not above $1"
}

# The container's stdio are /dev/null: criu dumps no file of the host's outside the container's mounts.
start_detached() {
  skiff run -d --bundle "$BUNDLE" "$1" </dev/null >/dev/null 2>&1 || fail "run $1 failed"
}

# checkpoint_ok ARGS...: skiff checkpoint --image-path $IMG ARGS; a failure shows criu's errors.
checkpoint_ok() {
  if ! skiff checkpoint --image-path "$IMG" "$@" 2>"$BATS_TEST_TMPDIR/checkpoint.err"; then
    grep -iE 'error|warn|fail|can.t|unable|not supported' "$IMG"/*dump.log | head -n 40 >&2
    fail "checkpoint $*: $(cat "$BATS_TEST_TMPDIR/checkpoint.err")"
  fi
}

restore_detached() {
  local id=$1
  shift
  skiff restore -d --bundle "$BUNDLE" --image-path "$IMG" "$@" "$id" </dev/null >/dev/null \
    2>"$BATS_TEST_TMPDIR/$id.restore.err" || {
    grep -iE 'error|warn|fail|can.t|unable|not supported' "$IMG/restore.log" | head -n 40 >&2
    fail "restore $id: $(cat "$BATS_TEST_TMPDIR/$id.restore.err")"
  }
}

# restore_hook STAGE SCRIPT: a hook of STAGE running `busybox sh -c SCRIPT STAGE` ($0 the stage), with
# $LOG the shared directory.
restore_hook() {
  update_config '.hooks[$stage] += [{path: $busybox, args: ["sh", "-c", $script, $stage], env: ["LOG=" + $log]}]' \
    --arg stage "$1" --arg script "$2" --arg busybox "$BUSYBOX" --arg log "$SHARED"
}

# What a recording hook keeps: its stdin, the network namespace of the pid it was given, the counter
# twice 0.3 s apart (the restored process has not run yet: both are the value of the dump).
RECORD_HOOK='state=$(cat); echo "$state" >"$LOG/$0.state"
  pid=$(echo "$state" | sed -n "s/.*\"pid\":\([0-9]*\).*/\1/p")
  readlink "/proc/$pid/ns/net" >"$LOG/$0.netns"
  cat "$LOG/count" >"$LOG/$0.count"; sleep 0.3; cat "$LOG/count" >>"$LOG/$0.count"
  echo "$0" >>"$LOG/order"'

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

@test "an init without a terminal leads a session of its own, as runc's (criu dumps no other)" {
  run_container sh -c 'read -r pid comm state ppid pgrp session rest </proc/self/stat; echo "$pid $pgrp $session"'
  [[ $status -eq 0 ]] || fail "run: $stderr"
  [[ $output == "1 1 1" ]] || fail "pid, process group, session: $output"
}

@test "checkpoint, restore: a bad flag value is one line naming it, nothing changed" {
  set_args sh -c 'while :; do sleep 1; done'
  start_detached "$ID"
  capture skiff checkpoint --manage-cgroups-mode bogus --image-path "$IMG" "$ID"
  expect_error checkpoint --runc-lines 20 --runc "manage cgroups mode" "--manage-cgroups-mode" "bogus"
  capture skiff checkpoint --page-server nowhere --image-path "$IMG" "$ID"
  expect_error checkpoint --runc-lines 20 --runc "" "--page-server" "nowhere"
  [[ $(container_status "$ID") == running ]]
  is_runc || [[ ! -e $IMG ]]
  local id2
  id2=$(new_id)
  mkdir -p "$IMG"
  capture skiff restore -d --empty-ns pid --image-path "$IMG" "$id2"
  expect_error restore --runc-lines 20 --runc "" "--empty-ns" "pid"
  run skiff state "$id2"
  [[ $status -ne 0 ]]
  skiff delete -f "$ID"
}

@test "checkpoint: a container that is not running is refused, its state unchanged" {
  create_container "$ID"
  capture skiff checkpoint --image-path "$IMG" "$ID"
  expect_error checkpoint "cannot be checkpointed in created state"
  [[ $(container_status "$ID") == created ]]
  skiff delete -f "$ID"
}

# bats test_tags=cgroups
@test "checkpoint, restore: a counter goes on counting from where it was, in its cgroup with its limits" {
  requires_criu_host
  counter_bundle
  update_config '.linux.resources.memory.limit = 67108864'
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
  restore_detached "$id2" --pid-file "$BATS_TEST_TMPDIR/restored.pid"
  [[ $(container_status "$id2") == running ]]
  [[ $(cat "$BATS_TEST_TMPDIR/restored.pid") == "$(container_pid "$id2")" ]] ||
    fail "--pid-file holds $(cat "$BATS_TEST_TMPDIR/restored.pid"), the init is $(container_pid "$id2")"
  wait_count_above "$at"
  local now
  now=$(count)
  ((now > at && now < at + 100)) || fail "restored from $at, now $now: not counting from where it was"
  # back in a cgroup of its own (ps reads it), with the config's memory limit
  local pid cg limit
  pid=$(container_pid "$id2")
  run skiff ps "$id2"
  [[ $status -eq 0 && $output == *" $pid "* ]] || fail "ps does not list the restored init $pid: $output"
  cg=$(awk -F: '$1 == 0 || $2 ~ /(^|,)memory(,|$)/ { print $3; exit }' "/proc/$pid/cgroup")
  if v2_host; then
    limit=$(cat "/sys/fs/cgroup$cg/memory.max")
  else
    limit=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")
  fi
  [[ $limit == 67108864 ]] || fail "the restored container's cgroup $cg has memory limit $limit"
  skiff delete -f "$id2"
  run skiff state "$id2"
  [[ $status -ne 0 ]]
}

@test "checkpoint --leave-running: the container goes on, and its image restores" {
  requires_criu_host
  counter_bundle
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok --leave-running "$ID"
  local at
  at=$(count)
  [[ $(container_status "$ID") == running ]]
  wait_count_above $((at + 5))
  skiff delete -f "$ID"
  local stopped
  stopped=$(count)
  local id2
  id2=$(new_id)
  restore_detached "$id2"
  [[ $(container_status "$id2") == running ]]
  # the restored counter starts over from the value of the dump, below where the original stopped
  local tries=200
  while [[ $(count) == "$stopped" ]] && ((tries-- > 0)); do sleep 0.05; done
  local now
  now=$(count)
  ((now < stopped)) || fail "after restore the counter is at $now: not back from $stopped to about $at"
  skiff delete -f "$id2"
}

@test "checkpoint --pre-dump, then a dump with --parent-path: restores and goes on" {
  requires_criu_host
  counter_bundle
  start_detached "$ID"
  wait_count_above 3
  skiff checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$ID"
  [[ $(container_status "$ID") == running ]]
  [[ -e $BATS_TEST_TMPDIR/pre/pagemap-1.img || -n $(ls "$BATS_TEST_TMPDIR"/pre/pagemap-*.img) ]]
  local at
  at=$(count)
  wait_count_above $((at + 2))
  checkpoint_ok --parent-path ../pre "$ID"
  [[ -L $IMG/parent ]] || fail "the dump does not name the pre-dump as its parent"
  at=$(count)
  local id2
  id2=$(new_id)
  restore_detached "$id2"
  wait_count_above "$at"
  skiff delete -f "$id2"
}

@test "restore --console-socket: a container with a terminal gets its pty back through the socket" {
  requires_criu_host
  local recvtty dir
  for dir in "${SKIFF_BUILDDIR-}" "$(dirname "$SKIFF")"; do
    [[ -n $dir && -x $dir/contrib/recvtty/recvtty ]] && recvtty=$dir/contrib/recvtty/recvtty && break
  done
  [[ -n $recvtty ]] || skip "contrib/recvtty is not built (set SKIFF_BUILDDIR)"
  update_config '.process.terminal = true'
  set_args sh -c 'while read l; do echo "got:$l"; done'
  local n
  for n in 1 2; do
    mkfifo "$BATS_TEST_TMPDIR/in$n"
    "$recvtty" --pid-file "$BATS_TEST_TMPDIR/recvtty$n.pid" "$BATS_TEST_TMPDIR/tty$n.sock" \
      <"$BATS_TEST_TMPDIR/in$n" >"$BATS_TEST_TMPDIR/out$n" 2>&1 3>&- &
    defer kill $!
  done
  exec 5>"$BATS_TEST_TMPDIR/in1" 6>"$BATS_TEST_TMPDIR/in2"
  wait_for_file "$BATS_TEST_TMPDIR/recvtty1.pid"
  wait_for_file "$BATS_TEST_TMPDIR/recvtty2.pid"
  skiff run -d --console-socket "$BATS_TEST_TMPDIR/tty1.sock" --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
  printf 'one\n' >&5
  local tries=100
  until grep -q 'got:one' "$BATS_TEST_TMPDIR/out1" || ((tries-- == 0)); do sleep 0.05; done
  grep -q 'got:one' "$BATS_TEST_TMPDIR/out1" || fail "the container did not answer: $(cat "$BATS_TEST_TMPDIR/out1")"
  checkpoint_ok "$ID"
  local id2
  id2=$(new_id)
  capture skiff restore -d --bundle "$BUNDLE" --image-path "$IMG" "$id2"
  [[ $status -eq 1 ]] && [[ $stderr == *"console"* ]] || fail "restore without --console-socket: $stderr"
  restore_detached "$id2" --console-socket "$BATS_TEST_TMPDIR/tty2.sock"
  printf 'two\n' >&6
  tries=100
  until grep -q 'got:two' "$BATS_TEST_TMPDIR/out2" || ((tries-- == 0)); do sleep 0.05; done
  grep -q 'got:two' "$BATS_TEST_TMPDIR/out2" ||
    fail "the restored container did not answer on the new pty: $(cat "$BATS_TEST_TMPDIR/out2")"
  exec 5>&- 6>&-
  skiff delete -f "$id2"
}

@test "checkpoint/restore --tcp-established: a TCP connection inside the container survives" {
  requires_criu_host
  local shared
  shared=$(shared_dir)
  # a server and a client in the container's network namespace, the client sending 1, 2, 3...
  # (busybox nc ends at the end of its input: the server's is a pipe that stays open)
  set_args sh -c 'sleep 100000 | nc -l -p 5000 >/shared/received & sleep 0.5
    i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done | nc 127.0.0.1 5000'
  start_detached "$ID"
  local tries=200
  until [[ $(wc -l <"$shared/received" 2>/dev/null || echo 0) -ge 3 ]] || ((tries-- == 0)); do sleep 0.05; done
  [[ $(wc -l <"$shared/received") -ge 3 ]] || fail "the connection carries nothing: $(cat "$shared/received")"
  # without the flag criu refuses the established connection, and the container runs on
  capture skiff checkpoint --image-path "$BATS_TEST_TMPDIR/refused" "$ID"
  [[ $status -ne 0 ]]
  [[ $(container_status "$ID") == running ]]
  checkpoint_ok --tcp-established "$ID"
  local at
  at=$(wc -l <"$shared/received")
  local id2
  id2=$(new_id)
  restore_detached "$id2" --tcp-established
  tries=200
  until [[ $(wc -l <"$shared/received") -gt $((at + 3)) ]] || ((tries-- == 0)); do sleep 0.05; done
  [[ $(wc -l <"$shared/received") -gt $((at + 3)) ]] ||
    fail "nothing came over the restored connection: $(wc -l <"$shared/received") lines, $at at the dump"
  skiff delete -f "$id2"
}

@test "restore: a missing image directory, or the image of another container, leaves nothing behind" {
  requires_criu_host
  local id2
  id2=$(new_id)
  capture skiff restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" "$id2"
  expect_error restore --runc-lines 20 --runc "no such file" "--image-path" "$BATS_TEST_TMPDIR/none"
  [[ -z $(ls "$SKIFF_ROOT" 2>/dev/null) ]] || fail "left in the state root: $(ls "$SKIFF_ROOT")"
  # a dump of a container with a bind mount at /shared, restored from a bundle without it: criu
  # cannot map the mount back and fails
  counter_bundle
  start_detached "$ID"
  wait_count_above 2
  checkpoint_ok "$ID"
  update_config '.mounts = [.mounts[] | select(.destination != "/shared")]'
  capture skiff restore -d --bundle "$BUNDLE" --image-path "$IMG" "$id2"
  [[ $status -ne 0 ]] || fail "restore of another container's image succeeded"
  [[ -z $(ls "$SKIFF_ROOT" 2>/dev/null) ]] || fail "left in the state root: $(ls "$SKIFF_ROOT")"
  ! grep -q "$id2" /proc/self/mountinfo || fail "a mount is left: $(grep "$id2" /proc/self/mountinfo)"
}

@test "podman container checkpoint / restore with --runtime skiff" {
  requires_criu_host
  requires podman
  local pm=$BATS_TEST_TMPDIR/podman
  mkdir -p "$pm"
  # as engines.bats: no CAP_SYS_RESOURCE to raise podman's default limits on the project's host
  printf '%s\n' '[containers]' 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]' '[engine]' \
    'cgroup_manager = "cgroupfs"' 'events_logger = "file"' >"$pm/containers.conf"
  export CONTAINERS_CONF=$pm/containers.conf
  # podman 4.3 lets only a runtime whose file is named runc (or crun with +CRIU) checkpoint
  mkdir -p "$pm/bin"
  ln -s "$SKIFF" "$pm/bin/runc"
  pm() {
    podman --root "$pm/storage" --runroot "$pm/run" --storage-driver vfs --runtime "$pm/bin/runc" \
      --cgroup-manager cgroupfs --events-backend file "$@"
  }
  defer podman --root "$pm/storage" --runroot "$pm/run" --storage-driver vfs rm --all --force --time 0
  tar -C "$ROOTFS" -cf - . | pm import --quiet - localhost/skiff-test >/dev/null || fail "podman import failed"
  pm run -d --network none --name "$ID" localhost/skiff-test \
    sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' >/dev/null
  sleep 2
  run pm container checkpoint "$ID"
  assert_success
  run pm inspect --format '{{.State.Status}}' "$ID"
  assert_output exited
  run pm container restore "$ID"
  assert_success
  run pm inspect --format '{{.State.Status}}' "$ID"
  assert_output running
  # about 20 at the checkpoint: a counter started afresh would be far below
  run pm exec "$ID" cat /tmp/count
  assert_success
  ((output >= 12)) || fail "the restored counter is at $output: it did not go on from before the checkpoint"
  pm rm --force --time 0 "$ID" >/dev/null
}

@test "restore in the foreground: waits for the container, exits with its status, deletes it" {
  requires_criu_host
  local shared
  shared=$(shared_dir)
  COUNT=$shared/count
  set_args sh -c 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo $i >/shared/count; sleep 0.1; done; exit 3'
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok "$ID"
  local id2
  id2=$(new_id)
  run skiff restore --bundle "$BUNDLE" --image-path "$IMG" "$id2" </dev/null
  [[ $status -eq 3 ]] || fail "restore in the foreground: status $status, not the container's 3: $output"
  [[ $(count) == 40 ]] || fail "the restored counter ended at $(count), not 40"
  run skiff state "$id2"
  [[ $status -ne 0 ]]
}

@test "restore: prestart and createRuntime hooks run once criu has made the namespaces, with the restored init's pid, before it runs" {
  requires_criu_host
  counter_bundle
  SHARED=$(dirname "$COUNT")
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok "$ID"
  local at
  at=$(count)
  # the hooks are the restoring bundle's (the run above had none)
  local stage
  for stage in prestart createRuntime; do
    restore_hook "$stage" "$RECORD_HOOK"
  done
  # as runc: no poststart (nor startContainer: nothing is exec'd) on restore
  restore_hook poststart 'echo "$0" >>"$LOG/order"'
  local id2
  id2=$(new_id)
  restore_detached "$id2"
  wait_count_above "$at"
  local pid
  pid=$(container_pid "$id2")
  [[ $(cat "$SHARED/order") == $'prestart\ncreateRuntime' ]] || fail "hooks run: $(cat "$SHARED/order")"
  for stage in prestart createRuntime; do
    local state=$SHARED/$stage.state
    [[ $(jq -r .id "$state") == "$id2" ]] || fail "$stage got the state of $(jq -r .id "$state")"
    [[ $(jq -r .pid "$state") == "$pid" ]] || fail "$stage got pid $(jq -r .pid "$state"), the restored init is $pid"
    [[ $(jq -r .bundle "$state") == "$BUNDLE" ]] || fail "$stage got bundle $(jq -r .bundle "$state")"
    # the spec's status of a createRuntime hook; runc 1.1 gives its container object's, stopped
    local want=creating
    is_runc && want=stopped
    [[ $(jq -r .status "$state") == "$want" ]] || fail "$stage got status $(jq -r .status "$state")"
    # the namespaces were there: the restored init's own network namespace, not the host's
    [[ $(cat "$SHARED/$stage.netns") == "$(readlink "/proc/$pid/ns/net")" ]] ||
      fail "$stage saw netns $(cat "$SHARED/$stage.netns"), the restored init has $(readlink "/proc/$pid/ns/net")"
    [[ $(cat "$SHARED/$stage.netns") != "$(readlink /proc/self/ns/net)" ]] || fail "$stage saw the host's netns"
    [[ $(cat "$SHARED/$stage.count") == "$at"$'\n'"$at" ]] ||
      fail "$stage saw the counter at $(tr '\n' ' ' <"$SHARED/$stage.count"), the dump left it at $at: it ran before the hooks"
  done
  skiff delete -f "$id2"
}

@test "restore: a failing createRuntime hook fails the restore, nothing left, the poststop hooks run" {
  requires_criu_host
  counter_bundle
  SHARED=$(dirname "$COUNT")
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok "$ID"
  local at
  at=$(count)
  restore_hook createRuntime 'echo "$0" >>"$LOG/order"; exit 3'
  restore_hook poststop 'echo "$0" >>"$LOG/order"'
  local id2
  id2=$(new_id)
  capture skiff restore -d --bundle "$BUNDLE" --image-path "$IMG" "$id2"
  expect_error restore --runc-lines 20 --runc "error running hook" "error running hook" "createRuntime"
  [[ $stderr != *"criu's log"* ]] || fail "a hook's failure sent the user to criu's log: $stderr"
  run skiff state "$id2"
  [[ $status -ne 0 ]] || fail "the failed restore left a container: $output"
  [[ -z $(ls "$SKIFF_ROOT" 2>/dev/null) ]] || fail "left in the state root: $(ls "$SKIFF_ROOT")"
  ! grep -q "$id2" /proc/self/mountinfo || fail "a mount is left: $(grep "$id2" /proc/self/mountinfo)"
  sleep 0.5
  [[ $(count) == "$at" ]] || fail "the counter went on from $at to $(count): a restored process runs"
  # the poststop hooks undo what the hooks before may have made, as after a failed create
  is_runc || [[ $(cat "$SHARED/order") == $'createRuntime\npoststop' ]] || fail "hooks run: $(cat "$SHARED/order")"
}

@test "checkpoint --empty-ns network, restore: skiff-bridge's hooks give the container its address back, it answers there" {
  requires_criu_host
  net_setup
  local spec_dir=$BATS_TEST_TMPDIR/spec skiff_spec=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/skiff
  [[ -x $skiff_spec ]] || skip "skiff is not built (set SKIFF_BUILDDIR)"
  net_conf | jq '{cniVersion, name, plugins: [del(.cniVersion, .name)]}' >"$BATS_TEST_TMPDIR/net.conflist"
  mkdir -p "$spec_dir"
  "$skiff_spec" spec --bundle "$spec_dir" --network "$BATS_TEST_TMPDIR/net.conflist" || fail "skiff spec --network failed"
  update_config '.hooks = $h[0].hooks' --slurpfile h "$spec_dir/config.json"
  # a server whose every answer counts up in its memory: the restored one goes on from the dump's
  set_args sh -c 'i=0; while :; do i=$((i+1)); echo "answer $i" | nc -l -p 80 -w 1; done'
  host_skiff run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run $ID failed"
  local addr=${GATEWAY%.1}.2
  ask() { ip netns exec "$HOSTNS" "$BUSYBOX" nc -w 2 "$addr" 80 </dev/null; }
  local tries=100 reply=
  until reply=$(ask) && [[ -n $reply ]]; do
    ((tries-- > 0)) || fail "no answer from $addr:80 before the checkpoint"
    sleep 0.1
  done
  [[ $reply == "answer 1" ]] || fail "before the checkpoint: $reply"
  [[ $(ask) == "answer 2" ]] || fail "the second answer is not 2"
  # criu does not dump the veth skiff-bridge made: with --empty-ns network it leaves the
  # namespace's interfaces to the hooks
  if ! host_skiff checkpoint --empty-ns network --image-path "$IMG" "$ID" 2>"$BATS_TEST_TMPDIR/checkpoint.err"; then
    grep -iE 'error|warn|fail' "$IMG/dump.log" | head -n 40 >&2
    fail "checkpoint: $(cat "$BATS_TEST_TMPDIR/checkpoint.err")"
  fi
  # the checkpointed container was deleted: its poststop hook took the address back
  [[ -z $(leases) ]] || fail "a lease is left after the checkpoint: $(leases)"
  local id2
  id2=$(new_id)
  if ! host_skiff restore -d --empty-ns network --bundle "$BUNDLE" --image-path "$IMG" "$id2" </dev/null \
    >/dev/null 2>"$BATS_TEST_TMPDIR/restore.err"; then
    grep -iE 'error|warn|fail' "$IMG/restore.log" | head -n 40 >&2
    fail "restore: $(cat "$BATS_TEST_TMPDIR/restore.err")"
  fi
  defer host_skiff delete --force "$id2"
  # a new eth0 with an address of the network (host-local hands out the next free one, not
  # necessarily the dump's), the hook's result kept under the new id
  local pid
  pid=$(host_skiff state "$id2" | jq -r .pid)
  run nsenter --net="/proc/$pid/ns/net" ip -4 -o addr show eth0
  [[ $output =~ \ (${GATEWAY%.1}\.[0-9]+)/24\  ]] || fail "the restored container's eth0: $output"
  addr=${BASH_REMATCH[1]}
  [[ $(leases) == "$addr" ]] || fail "leases: $(leases), the restored eth0 has $addr"
  [[ -e $DATADIR/$NET_NAME/skiff-hook-$id2-eth0.json ]] || fail "no kept result for $id2"
  tries=100
  until reply=$(ask) && [[ -n $reply ]]; do
    ((tries-- > 0)) || fail "no answer from the restored container at $addr:80"
    sleep 0.1
  done
  # its count from before the dump goes on (a server started afresh would say 1); the answers to the
  # connections made while the restore was under way may be lost, with runc as with skiff
  [[ $reply =~ ^answer\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 3)) ||
    fail "the restored server answered \"$reply\", not the count from before the dump"
  host_skiff delete --force "$id2"
  expect_nothing_left
}

@test "checkpoint/restore --file-locks: a container holding a flock is dumped and restored with it" {
  requires_criu_host
  local shared
  shared=$(shared_dir)
  COUNT=$shared/count
  # the init holds an exclusive lock on /shared/lock while the counter runs (busybox has no flock)
  cp "$(helper_program flock-hold)" "$ROOTFS/bin/flock-hold"
  set_args flock-hold /shared/lock sh -c 'i=0; while :; do i=$((i+1)); echo $i >/shared/count; sleep 0.1; done'
  start_detached "$ID"
  wait_count_above 3
  ! flock -n "$shared/lock" true || fail "the container does not hold the lock"
  # criu refuses a lock it was not told to handle, and the container runs on
  capture skiff checkpoint --image-path "$BATS_TEST_TMPDIR/refused" "$ID"
  [[ $status -ne 0 ]] || fail "a checkpoint of a lock holder without --file-locks succeeded"
  [[ $(container_status "$ID") == running ]]
  checkpoint_ok --file-locks "$ID"
  flock -n "$shared/lock" true || fail "the lock is still held after the checkpoint"
  local at
  at=$(count)
  local id2
  id2=$(new_id)
  restore_detached "$id2" --file-locks
  wait_count_above "$at"
  # the restored init holds the lock again
  ! flock -n "$shared/lock" true || fail "the restored container does not hold the lock"
  skiff delete -f "$id2"
  flock -n "$shared/lock" true || fail "the lock is held after delete"
}

@test "checkpoint --auto-dedup: the dump punches the pages it takes over out of the pre-dump's images" {
  requires_criu_host
  counter_bundle
  start_detached "$ID"
  wait_count_above 3
  skiff checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$ID"
  # the blocks the pre-dump's page images take on disk, before and after the dump
  blocks() { du -s --block-size=1 "$BATS_TEST_TMPDIR"/pre/pages-*.img | awk '{ n += $1 } END { print n }'; }
  local before after
  before=$(blocks)
  checkpoint_ok --auto-dedup --parent-path ../pre "$ID"
  after=$(blocks)
  ((after < before)) || fail "the pre-dump's pages take $before bytes before the dump, $after after"
  local at
  at=$(count)
  local id2
  id2=$(new_id)
  restore_detached "$id2" --auto-dedup
  wait_count_above "$at"
  skiff delete -f "$id2"
}

@test "checkpoint --lazy-pages --page-server --status-fd, restore --lazy-pages: memory comes over on demand" {
  requires_criu_host
  counter_bundle
  start_detached "$ID"
  wait_count_above 3
  local port=$((27000 + RANDOM % 1000)) fifo=$BATS_TEST_TMPDIR/status status_r
  mkfifo "$fifo"
  exec {status_r}<>"$fifo"
  # the dump stays until the last page has gone to the restored side
  skiff checkpoint --lazy-pages --page-server "127.0.0.1:$port" --status-fd 5 --image-path "$IMG" "$ID" \
    5>"$fifo" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/checkpoint.err" 3>&- &
  local dump=$!
  defer kill "$dump"
  # criu writes one \0 on the status fd when its page server is ready
  local ready
  ready=$(timeout 60 dd if="/proc/self/fd/$status_r" bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
  exec {status_r}>&-
  [[ $ready == 00 ]] || fail "no \\0 on the status fd (\"$ready\"): $(cat "$BATS_TEST_TMPDIR/checkpoint.err")"
  [[ -e $IMG/inventory.img ]] || fail "no inventory.img in the image directory"
  criu lazy-pages --page-server --address 127.0.0.1 --port "$port" -D "$IMG" 3>&- &
  local lazy=$!
  defer kill "$lazy"
  local at
  at=$(count)
  local id2
  id2=$(new_id)
  restore_detached "$id2" --lazy-pages
  wait_count_above "$at"
  wait "$dump" || fail "the lazy checkpoint failed: $(cat "$BATS_TEST_TMPDIR/checkpoint.err")"
  wait "$lazy" || fail "criu lazy-pages failed"
  run skiff state "$ID"
  [[ $status -ne 0 ]] || fail "the checkpointed container is still there: $output"
  local now
  now=$(count)
  ((now > at && now < at + 100)) || fail "restored from $at, now $now"
  skiff delete -f "$id2"
}

@test "checkpoint/restore --ext-unix-sk: a socket connected to a receiver outside the container goes on sending to it" {
  requires_criu_host
  requires python3
  # the receiver's socket by the same path on the host and in the container: criu's restore
  # connects to the peer's name from inside the container
  local shared=$BATS_TEST_TMPDIR/unix
  mkdir -p "$shared"
  update_config '.mounts += [{destination: $d, type: "bind", source: $d, options: ["rbind", "rw"]}]' --arg d "$shared"
  cp "$(helper_program unix-sender)" "$ROOTFS/bin/unix-sender"
  # criu finds a unix socket's peer through sock_diag, in the container's network namespace: the
  # receiver outside the container must be in it, here the host's
  remove_namespace network
  # the receiver, on the host: one line per datagram
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(64).decode())' "$shared/sock" "$shared/received" 3>&- &
  defer kill $!
  wait_for_file "$shared/sock"
  set_args unix-sender "$shared/sock"
  start_detached "$ID"
  received() { wc -l <"$shared/received" 2>/dev/null || echo 0; }
  local tries=200
  until (($(received) >= 3)) || ((tries-- == 0)); do sleep 0.05; done
  (($(received) >= 3)) || fail "nothing received from the container"
  # without the flag criu refuses the socket whose peer is outside, and the container runs on
  capture skiff checkpoint --image-path "$BATS_TEST_TMPDIR/refused" "$ID"
  [[ $status -ne 0 ]] || fail "a checkpoint with an external unix socket succeeded without --ext-unix-sk"
  [[ $(container_status "$ID") == running ]]
  checkpoint_ok --ext-unix-sk "$ID"
  local at
  at=$(received)
  local id2
  id2=$(new_id)
  restore_detached "$id2" --ext-unix-sk
  tries=200
  until (($(received) > at + 3)) || ((tries-- == 0)); do sleep 0.05; done
  (($(received) > at + 3)) || fail "nothing came over the restored socket: $(received) lines, $at at the dump"
  # the restored sender counts on from the dump's number, not from 1
  local next
  next=$(sed -n "$((at + 1))p" "$shared/received")
  ((next >= at)) || fail "after $at datagrams the restored sender sent $next"
  skiff delete -f "$id2"
}

# mem_limit PID: the memory limit of PID's cgroup
mem_limit() {
  local cg
  cg=$(awk -F: '$1 == 0 || $2 ~ /(^|,)memory(,|$)/ { print $3; exit }' "/proc/$1/cgroup")
  if v2_host; then
    cat "/sys/fs/cgroup$cg/memory.max"
  else
    cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes"
  fi
}

# bats test_tags=cgroups
@test "restore --manage-cgroups-mode: strict refuses the cgroup skiff made; soft and ignore keep the config's limits, full restores v1's from the dump" {
  requires_criu_host
  counter_bundle
  update_config '.linux.resources.memory.limit = 67108864'
  start_detached "$ID"
  wait_count_above 3
  checkpoint_ok "$ID"
  # the bundle restored from has another limit
  update_config '.linux.resources.memory.limit = 33554432'
  local mode id2 pid results=
  for mode in soft full ignore strict; do
    id2=$(new_id)
    if skiff restore -d --manage-cgroups-mode "$mode" --bundle "$BUNDLE" --image-path "$IMG" "$id2" </dev/null \
      >/dev/null 2>"$BATS_TEST_TMPDIR/$mode.err"; then
      pid=$(container_pid "$id2")
      results+="$mode:$(mem_limit "$pid") "
      # in every mode skiff has criu fork the processes in the container's cgroup
      grep -q -- "$id2" "/proc/$pid/cgroup" || fail "$mode: the restored init is not in $id2's cgroup: $(cat "/proc/$pid/cgroup")"
      skiff delete -f "$id2"
    else
      results+="$mode:failed "
      run skiff state "$id2"
      [[ $status -ne 0 ]] || fail "the failed $mode restore left a container"
    fi
  done
  # criu 3.17 saves and restores v1 controllers' properties only; full writes them over the
  # config's, soft only into cgroups criu makes itself (none here), ignore leaves cgroups alone
  local full=33554432
  v2_host || full=67108864
  [[ $results == "soft:33554432 full:$full ignore:33554432 strict:failed " ]] ||
    fail "memory limits after restore per mode: $results (errors: $(cat "$BATS_TEST_TMPDIR"/*.err))"
  [[ $(cat "$BATS_TEST_TMPDIR/strict.err") == *"existing cgroups"* ]] ||
    fail "strict failed for another reason: $(cat "$BATS_TEST_TMPDIR/strict.err")"
}
