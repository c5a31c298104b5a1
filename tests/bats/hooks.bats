#!/usr/bin/env bats
# OCI hooks (src/lib/hooks.c, container.c, container-ops.c, init.c): the six stages run at the
# moments and in the namespaces runtime.md and config.md name, get the state on stdin and their
# args and env exactly, time out, and fail the operation (or only warn) as the spec says.

load helpers

setup() {
  requires root
  setup_bundle
  SHARED=$(shared_dir)
  # the hooks' own busybox: a host path, except for startContainer (resolved in the container)
  HOST_BUSYBOX=$BUSYBOX
  update_config '.root.readonly = false'
}

teardown() {
  teardown_bundle
}

HOOK_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# add_hook STAGE SCRIPT [TIMEOUT]: a hook running `busybox sh -c SCRIPT STAGE`, so $0 is the stage
# and $LOG the shared directory as the hook sees it.
add_hook() {
  local stage=$1 script=$2 timeout=${3-} path=$HOST_BUSYBOX log=$SHARED
  if [[ $stage == startContainer ]]; then
    path=/bin/busybox
    log=/shared
  fi
  update_config '.hooks[$stage] += [{path: $path, args: ["sh", "-c", $script, $stage],
      env: [$pathenv, "LOG=" + $log]} + (if $timeout == "" then {} else {timeout: ($timeout | tonumber)} end)]' \
    --arg stage "$stage" --arg path "$path" --arg script "$script" --arg pathenv "$HOOK_PATH_ENV" \
    --arg log "$log" --arg timeout "$timeout"
}

# What every recording hook keeps: its stdin, its namespaces, its root.
RECORD='cat > "$LOG/$0.state"
  for n in mnt pid net uts ipc; do echo "$n $(readlink /proc/self/ns/$n)"; done > "$LOG/$0.ns"
  readlink /proc/self/root > "$LOG/$0.root"
  echo "$0" >> "$LOG/order"'

add_recording_hooks() {
  local stage
  for stage in prestart createRuntime createContainer startContainer poststart poststop; do
    add_hook "$stage" "$RECORD"
  done
}

# wait_for_stage STAGE: the recording hook of STAGE has ended (its line is the last it writes)
wait_for_stage() {
  local tries=100
  while ! grep -qx "$1" "$SHARED/order" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
  grep -qx "$1" "$SHARED/order" || fail "the $1 hook did not run"
}

ns_of() {
  local n
  for n in mnt pid net uts ipc; do echo "$n $(readlink "/proc/$1/ns/$n")"; done
}

# The container is gone: no state entry, no cgroup, no process left.
expect_nothing_left() {
  local id=$1
  [[ ! -e $SKIFF_ROOT/$id ]] || fail "state entry left: $(ls -A "$SKIFF_ROOT/$id")"
  run skiff state "$id"
  assert_failure
  [[ -z $(find /sys/fs/cgroup -maxdepth 7 -type d -name "$id" 2>/dev/null) ]] || fail "cgroup left"
  local left
  left=$(cd / && _leaked_processes)
  [[ -z $left ]] || fail "processes left: $left"
}

@test "hooks: all six stages run, in order, each at its command" {
  runc_lacks "poststart after the process started (runc 1.1 runs it in create)"
  # a slow startContainer hook: start must still wait for it (and for the exec) before poststart
  add_hook startContainer 'sleep 0.5'
  add_recording_hooks
  # a second prestart hook runs after the first
  add_hook prestart 'echo prestart-2 >> "$LOG/order"'
  set_args sleep 1000
  create_container "$ID"
  run cat "$SHARED/order"
  assert_output "$(printf '%s\n' prestart prestart-2 createRuntime createContainer)"
  skiff start "$ID"
  run cat "$SHARED/order"
  assert_output "$(printf '%s\n' prestart prestart-2 createRuntime createContainer startContainer poststart)"
  skiff kill "$ID" KILL
  wait_for_status "$ID" stopped
  [[ $(wc -l <"$SHARED/order") == 6 ]] || fail "a hook ran when the container stopped: $(cat "$SHARED/order")"
  skiff delete "$ID"
  run cat "$SHARED/order"
  assert_output "$(printf '%s\n' prestart prestart-2 createRuntime createContainer startContainer poststart poststop)"
}

@test "hooks: run in the foreground too, poststop when run ends" {
  runc_lacks "poststart after the process started (runc 1.1 runs it in create)"
  add_hook startContainer 'sleep 0.5'
  add_recording_hooks
  run_container sh -c 'echo process >> /shared/order'
  assert_success
  run cat "$SHARED/order"
  # poststart may run before or after the process wrote its line
  assert_line --index 0 prestart
  assert_line --index 1 createRuntime
  assert_line --index 2 createContainer
  assert_line --index 3 startContainer
  assert_line poststart
  assert_line process
  assert_line --index 6 poststop
}

@test "hooks: run --detach runs poststart before it returns" {
  runc_lacks "poststart after the process started (runc 1.1 runs it in create)"
  add_recording_hooks
  set_args sleep 1000
  capture skiff run -d "$ID"
  [[ $status -eq 0 ]] || fail "run -d failed: $stderr"
  run cat "$SHARED/order"
  assert_output "$(printf '%s\n' prestart createRuntime createContainer startContainer poststart)"
  skiff delete --force "$ID"
}

@test "hooks: prestart, createRuntime, poststart and poststop run in the runtime's namespaces" {
  add_recording_hooks
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  skiff delete --force "$ID"
  local host stage
  host=$(ns_of self)
  for stage in prestart createRuntime poststart poststop; do
    [[ $(<"$SHARED/$stage.ns") == "$host" ]] || fail "$stage: $(<"$SHARED/$stage.ns"); the runtime's: $host"
    [[ $(<"$SHARED/$stage.root") == / ]] || fail "$stage: root $(<"$SHARED/$stage.root")"
  done
}

@test "hooks: createContainer and startContainer run in the container's namespaces" {
  add_recording_hooks
  set_args sleep 1000
  create_container "$ID"
  local init stage
  init=$(ns_of "$(container_pid "$ID")")
  skiff start "$ID"
  wait_for_stage startContainer # runc's start returns before the hook runs
  for stage in createContainer startContainer; do
    [[ $(<"$SHARED/$stage.ns") == "$init" ]] || fail "$stage: $(<"$SHARED/$stage.ns"); the init's: $init"
  done
  [[ $init != "$(ns_of self)" ]]
  skiff delete --force "$ID"
}

@test "hooks: prestart and createRuntime see the namespaces made and the mounts done, before pivot_root" {
  update_config '.mounts += [{destination: "/hook-tmpfs", type: "tmpfs", source: "skiff-hook-tmpfs"}]'
  local check='pid=$(sed -n "s/.*\"pid\": *\([0-9]*\).*/\1/p")
    { readlink /proc/$pid/ns/mnt; readlink /proc/$pid/root; grep -c skiff-hook-tmpfs /proc/$pid/mountinfo
    } > "$LOG/$0.seen"; true'
  add_hook prestart "$check"
  add_hook createRuntime "$check"
  set_args sleep 1000
  create_container "$ID"
  local stage
  for stage in prestart createRuntime; do
    run cat "$SHARED/$stage.seen"
    [[ ${lines[0]} == mnt:* && ${lines[0]} != "$(readlink /proc/self/ns/mnt)" ]] ||
      fail "$stage: the container's mount namespace is not there yet: $output"
    [[ ${lines[1]} == / ]] || fail "$stage: the init already pivoted: $output"
    [[ ${lines[2]} -ge 1 ]] || fail "$stage: the config's mounts are not done yet: $output"
  done
  skiff delete --force "$ID"
}

@test "hooks: createContainer runs with the mounts done, before pivot_root" {
  update_config '.mounts += [{destination: "/hook-tmpfs", type: "tmpfs", source: "skiff-hook-tmpfs"}]'
  add_hook createContainer 'readlink /proc/self/root > "$LOG/cc.root"
    awk "\$5 == \"$1\" { print \$5 }" /proc/self/mountinfo > "$LOG/cc.mount"'
  # $1 of the hook: where the mount lands before pivot_root
  update_config '.hooks.createContainer[0].args += [$m]' --arg m "$ROOTFS/hook-tmpfs"
  set_args sleep 1000
  create_container "$ID"
  [[ $(<"$SHARED/cc.root") == / ]] || fail "root: $(<"$SHARED/cc.root")"
  [[ $(<"$SHARED/cc.mount") == "$ROOTFS/hook-tmpfs" ]] || fail "the mount is not done: $(<"$SHARED/cc.mount")"
  skiff delete --force "$ID"
}

@test "hooks: createContainer runs with the rootfs as its cwd, its mounts seen by the container" {
  echo from-the-hook >"$SHARED/source-file"
  # the hook of a device plugin, as runc runs it: relative paths are the rootfs's
  add_hook createContainer 'pwd > "$LOG/cc.cwd"
    touch ./mounted-by-hook && mount --bind "$LOG/source-file" ./mounted-by-hook'
  set_args cat /mounted-by-hook
  run_container
  assert_success
  assert_output from-the-hook
  assert_equal "$(<"$SHARED/cc.cwd")" "$ROOTFS"
}

@test "hooks: startContainer runs in the container's root before the process, its path resolved there" {
  # /bin/busybox here is the rootfs's: a copy that says where it runs from
  mkdir -p "$ROOTFS/hooks"
  printf '#!/bin/sh\necho in-container-path >> /shared/start.seen\n' >"$ROOTFS/hooks/start-hook"
  chmod 755 "$ROOTFS/hooks/start-hook"
  update_config '.hooks.startContainer = [{path: "/hooks/start-hook"}]'
  add_hook startContainer 'test -e "$1" && echo host-visible >> /shared/start.seen
    tr "\0" " " < /proc/1/cmdline >> /shared/start.seen; echo >> /shared/start.seen
    test -e /shared/process-ran && echo process-ran >> /shared/start.seen; true'
  update_config '.hooks.startContainer[1].args += [$t]' --arg t "$BATS_TEST_TMPDIR"
  set_args sh -c 'touch /shared/process-ran; exec sleep 1000'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$SHARED/process-ran"
  run cat "$SHARED/start.seen"
  assert_line --index 0 in-container-path
  refute_line host-visible
  refute_line process-ran
  refute_line --partial "sh -c touch"
  skiff delete --force "$ID"
}

@test "hooks: poststart runs once the process runs, and before start returns" {
  runc_lacks "poststart after the process started (runc 1.1 runs it in create)"
  add_hook poststart 'pid=$(sed -n "s/.*\"pid\": *\([0-9]*\).*/\1/p")
    tr "\0" " " < /proc/$pid/cmdline > "$LOG/poststart.cmdline"; sleep 0.5; touch "$LOG/poststart.done"'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  [[ -e $SHARED/poststart.done ]] || fail "start returned before the poststart hook ended"
  [[ $(<"$SHARED/poststart.cmdline") == "sleep 1000 " ]] ||
    fail "poststart ran before the process: $(<"$SHARED/poststart.cmdline")"
  skiff delete --force "$ID"
}

@test "hooks: poststop runs after the container is deleted, before delete returns" {
  add_hook poststop '{ test -e "$1" && echo state-left
      find /sys/fs/cgroup -maxdepth 7 -type d -name "$2" 2>/dev/null | grep -q . && echo cgroup-left
      sleep 0.5; echo done; } > "$LOG/poststop.seen"'
  update_config '.hooks.poststop[0].args += [$s, $id]' --arg s "$SKIFF_ROOT/$ID" --arg id "$ID"
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  skiff delete --force "$ID"
  run cat "$SHARED/poststop.seen"
  assert_output done
}

@test "hooks: each gets the state on stdin: id, pid, status, bundle, annotations" {
  update_config '.annotations = {"org.skiff.test": "hooked"}'
  add_recording_hooks
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff start "$ID"
  wait_for_stage startContainer
  skiff delete --force "$ID"
  local stage status want_pid
  for stage in prestart createRuntime createContainer startContainer poststart poststop; do
    case $stage in
    startContainer) status=created ;;
    poststart) status=running ;;
    poststop) status=stopped ;;
    *) status=creating ;;
    esac
    # the pid as the hook's namespace sees it: the init is 1 in its own pid namespace
    want_pid=$pid
    [[ $stage == createContainer || $stage == startContainer ]] && want_pid=1
    if is_runc && [[ $stage == poststart ]]; then
      status=created # runc 1.1 runs poststart at the end of create
    fi
    # a stopped container's pid is optional (runtime.md)
    jq -e --arg id "$ID" --arg status "$status" --arg bundle "$BUNDLE" --argjson pid "$want_pid" \
      '.id == $id and .status == $status and .bundle == $bundle
       and (.pid == $pid or (.status == "stopped" and (.pid // 0) == 0))
       and .annotations == {"org.skiff.test": "hooked"} and (.ociVersion | type == "string")' \
      "$SHARED/$stage.state" >/dev/null || fail "$stage: $(cat "$SHARED/$stage.state")"
  done
}

@test "hooks: args (argv[0] too) and env exactly as given" {
  # not as the last command, which the shell would exec in its place
  local script='tr "\0" "\n" < /proc/$$/environ > "$1/$2.env"; tr "\0" "\n" < /proc/$$/cmdline > "$1/$2.args"; true'
  update_config '.hooks.createRuntime = [{path: $bb, args: ["sh", "-c", $s, "zero", $d, "createRuntime", "two words"],
      env: ["A=1", "B=two words", "EMPTY="]}]
    | .hooks.poststop = [{path: $bb, args: ["sh", "-c", $s, "zero", $d, "poststop"], env: []}]' \
    --arg bb "$HOST_BUSYBOX" --arg s "$script" --arg d "$SHARED"
  set_args true
  run_container
  assert_success
  run cat "$SHARED/createRuntime.args"
  assert_output "$(printf '%s\n' sh -c "$script" zero "$SHARED" createRuntime "two words")"
  run cat "$SHARED/createRuntime.env"
  assert_output "$(printf '%s\n' A=1 'B=two words' EMPTY=)"
  run cat "$SHARED/poststop.env"
  assert_output ""
}

@test "hooks: a hook without args gets its path as argv[0]" {
  printf '#!/bin/sh\nprintf "%%s\\n" "$0" "$#" > %s/argv\n' "$SHARED" >"$BATS_TEST_TMPDIR/hook"
  chmod 755 "$BATS_TEST_TMPDIR/hook"
  update_config '.hooks.prestart = [{path: $p}]' --arg p "$BATS_TEST_TMPDIR/hook"
  run_container true
  assert_success
  run cat "$SHARED/argv"
  assert_output "$(printf '%s\n' "$BATS_TEST_TMPDIR/hook" 0)"
}

@test "hooks: a hanging hook is killed at its timeout and create fails, leaving nothing" {
  update_config '.hooks.createRuntime = [{path: $bb, args: ["sleep", "60"], timeout: 1}]' --arg bb "$HOST_BUSYBOX"
  set_args true
  local start=$SECONDS
  capture skiff create --bundle "$BUNDLE" "$ID"
  ((SECONDS - start < 10)) || fail "create took $((SECONDS - start))s"
  expect_error create createRuntime "timed out" --runc "timeout"
  # a hook left running would hold the bundle as its cwd
  expect_nothing_left "$ID"
}

@test "hooks: a timeout too large for milliseconds in 32 bits neither expires at once nor never" {
  # 4294968 s is 4294968000 ms: 704 ms when that wraps in 32 bits
  add_hook prestart 'sleep 1.5; touch "$LOG/slept"' 4294968
  add_hook startContainer 'sleep 1.5; touch "$LOG/slept-in-container"' 4294968
  set_args true
  run --separate-stderr skiff run --bundle "$BUNDLE" "$ID" </dev/null
  assert_success
  [[ -e $SHARED/slept && -e $SHARED/slept-in-container ]] || fail "a hook was cut short: $stderr"
}

@test "hooks: a timeout also kills what the hook started" {
  runc_lacks "runc kills only the hook process"
  add_hook prestart '(sleep 60; true); true' 1
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create prestart "timed out"
  expect_nothing_left "$ID"
}

@test "hooks: a failing prestart hook fails create, names the hook, leaves nothing" {
  add_hook prestart 'exit 3'
  add_hook prestart 'touch "$LOG/second-ran"'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create prestart "error running hook: exit status 3" --runc "error running hook" --runc "exit status 3"
  [[ ! -e $SHARED/second-ran ]] || fail "the next hook ran"
  expect_nothing_left "$ID"
}

@test "hooks: a failing createRuntime hook fails create, names the hook, leaves nothing" {
  add_hook createRuntime 'exit 4'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create createRuntime "error running hook: exit status 4" --runc "error running hook" --runc "exit status 4"
  expect_nothing_left "$ID"
}

@test "hooks: a create that fails at a createRuntime hook runs the poststop hooks, after the container is gone" {
  # runtime.md lifecycle: a failed createRuntime hook continues at step 12 (destroy) and 13 (poststop),
  # so that poststop undoes what createRuntime hooks made (skiff-bridge's network, for one)
  add_hook createRuntime 'echo "$0" >> "$LOG/order"; exit 4'
  add_hook poststop 'cat > "$LOG/poststop.state"; echo "$0" >> "$LOG/order"; test -e "$1" && echo state-left >> "$LOG/order"; true'
  update_config '.hooks.poststop[0].args += [$s]' --arg s "$SKIFF_ROOT/$ID"
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create createRuntime "exit status 4" --runc "exit status 4"
  run cat "$SHARED/order"
  assert_output "$(printf '%s\n' createRuntime poststop)"
  assert_equal "$(jq -r '"\(.id) \(.status)"' "$SHARED/poststop.state")" "$ID stopped"
  expect_nothing_left "$ID"
}

@test "hooks: a failing createContainer hook fails create, names the hook, leaves nothing" {
  add_hook createContainer 'exit 5'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create createContainer "error running hook: exit status 5" --runc "error running hook" --runc "exit status 5"
  expect_nothing_left "$ID"
}

@test "hooks: a missing hook program fails create with one line naming it" {
  update_config '.hooks.prestart = [{path: "/nonexistent/skiff-hook"}]'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "/nonexistent/skiff-hook" "error running hook" --runc "no such file"
  expect_nothing_left "$ID"
}

@test "hooks: a failing startContainer hook fails start, the process never runs" {
  add_hook startContainer 'exit 6'
  set_args sh -c 'touch /shared/process-ran; exec sleep 1000'
  create_container "$ID"
  run --separate-stderr skiff start "$ID"
  if ! is_runc; then # runc 1.1's start returns before the hook runs
    expect_error start startContainer "error running hook: exit status 6"
  fi
  wait_for_status "$ID" stopped
  [[ ! -e $SHARED/process-ran ]] || fail "the process ran"
  skiff delete "$ID"
  expect_nothing_left "$ID"
}

@test "hooks: a failing poststart hook fails start and stops the container (runtime.md lifecycle 9)" {
  runc_lacks "poststart runs in create"
  add_hook poststart 'exit 7'
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  run --separate-stderr skiff start "$ID"
  expect_error start poststart "error running hook: exit status 7"
  local tries=100
  while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
  ! kill -0 "$pid" 2>/dev/null || fail "the container still runs"
  skiff delete --force "$ID" 2>/dev/null || true
}

@test "hooks: a failing poststop hook is a warning: delete succeeds and removes the container" {
  add_hook poststop 'exit 8'
  add_hook poststop 'touch "$LOG/second-ran"'
  set_args true
  create_container "$ID"
  skiff start "$ID"
  wait_for_status "$ID" stopped
  run --separate-stderr skiff delete "$ID"
  assert_success
  if is_runc; then
    [[ $stderr == *"exit status 8"* ]] || fail "no warning: $stderr"
  else
    [[ $stderr == *poststop*"error running hook: exit status 8"* && ${#stderr_lines[@]} == 1 ]] ||
      fail "no warning: $stderr"
  fi
  # runtime.md: "the remaining hooks and lifecycle continue" (runc 1.1 stops at the failed one)
  is_runc || [[ -e $SHARED/second-ran ]] || fail "the next poststop hook did not run"
  expect_nothing_left "$ID"
}

@test "hooks: poststop runs from the state saved at create, whatever became of config.json" {
  add_hook poststop 'echo "$0 ran" >> "$LOG/poststop.log"'
  set_args sleep 1000
  create_container "$ID"
  # the bundle's config changes: no hooks at all
  update_config 'del(.hooks)'
  skiff delete --force "$ID"
  run cat "$SHARED/poststop.log"
  assert_output "poststop ran"

  # and the config goes away
  add_hook poststop 'echo "$0 ran again" >> "$LOG/poststop.log"'
  local id2
  id2=$(new_id)
  create_container "$id2"
  mv "$BUNDLE/config.json" "$BUNDLE/config.json.away"
  skiff delete --force "$id2"
  mv "$BUNDLE/config.json.away" "$BUNDLE/config.json"
  run cat "$SHARED/poststop.log"
  assert_line "poststop ran again"
}
