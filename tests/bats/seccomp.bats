#!/usr/bin/env bats
# linux.seccomp (src/lib/seccomp.c): actions, errno values, argument comparisons, flags, and the
# SCMP_ACT_NOTIFY hand-off to an agent (tests/seccomp-listener/listener).

load helpers

LISTENER=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/tests/seccomp-listener/listener

setup() {
  setup_bundle
}

teardown() {
  teardown_bundle
}

# set_seccomp JSON: linux.seccomp of the bundle
set_seccomp() {
  update_config '.linux.seccomp = $s' --argjson s "$1"
}

# block NAMES_JSON ACTION [ERRNO]: every other system call is allowed
block() {
  local rule
  rule=$(jq -n --argjson names "$1" --arg action "$2" --arg errno "${3-}" \
    '{names: $names, action: $action} + if $errno == "" then {} else {errnoRet: ($errno | tonumber)} end')
  set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$rule]}"
}

# The mode is argument 1 of chmod and argument 2 of fchmodat (the only one some architectures
# have): chmod_rule ARGS_JSON blocks with ENOSPC when the comparisons of ARGS_JSON (written for
# chmod) hold.
chmod_rule() {
  set_seccomp "$(jq -n --argjson args "$1" '{
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      {names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: $args},
      {names: ["fchmodat"], action: "SCMP_ACT_ERRNO", errnoRet: 28,
       args: [$args[] | .index += 1]}]}')"
}

# chmod_modes MODE...: one line per mode, "MODE ok" or "MODE blocked" (ENOSPC from the filter)
chmod_modes() {
  run_container sh -c 'touch /dev/shm/f
    for m; do
      if out=$(chmod "$m" /dev/shm/f 2>&1); then echo "$m ok"
      else case $out in *"No space left"*) echo "$m blocked" ;; *) echo "$m: $out" ;; esac; fi
    done' sh "$@"
}

# op_case OP VALUE VALUE_TWO RESULT_600 RESULT_700 RESULT_755
op_case() {
  chmod_rule "[{\"index\": 1, \"value\": $2, \"valueTwo\": $3, \"op\": \"$1\"}]"
  chmod_modes 600 700 755
  assert_success
  assert_output "600 $4
700 $5
755 $6"
}

# start_listener OPTION...: the agent on $SOCK, answering as the options say, for one connection;
# its state file is $BATS_TEST_TMPDIR/$AGENT.json, its log $AGENT.log (AGENT defaults to "agent")
start_listener() {
  local name=${AGENT:-agent}
  [[ -x $LISTENER ]] || fail "the test listener is not built: $LISTENER (set SKIFF_BUILDDIR)"
  SOCK=$BATS_TEST_TMPDIR/agent.sock
  (cd / && exec "$LISTENER" -t 20 -o "$BATS_TEST_TMPDIR/$name.json" -l "$BATS_TEST_TMPDIR/$name.log" "$@" \
    "$SOCK" 3>&- </dev/null >"$BATS_TEST_TMPDIR/$name.out" 2>&1) &
  LISTENER_PID=$!
  defer kill -9 "$LISTENER_PID"
  wait_for_file "$SOCK"
}

# notify_rule NAMES_JSON [METADATA]: SCMP_ACT_NOTIFY for the names, the agent at $SOCK
notify_rule() {
  set_seccomp "$(jq -n --arg sock "$SOCK" --argjson names "$1" --arg meta "${2-}" '{
    defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
    syscalls: [{names: $names, action: "SCMP_ACT_NOTIFY"}]}
    + if $meta == "" then {} else {listenerMetadata: $meta} end')"
}

# Every system call this machine's headers name, except the given ones, as a JSON array.
syscalls_except() {
  echo '#include <sys/syscall.h>' | cpp -dM | sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' |
    grep -vxF -f <(printf '%s\n' "$@") | jq -R . | jq -cs .
}

@test "defaultAction SCMP_ACT_ERRNO: what the syscalls do not allow fails with defaultErrnoRet" {
  requires cpp
  local allowed
  allowed=$(syscalls_except mkdir mkdirat)
  set_seccomp "$(jq -n --argjson allowed "$allowed" '{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 6,
    syscalls: [{names: $allowed, action: "SCMP_ACT_ALLOW"}]}')"
  run_container sh -c 'echo running; mkdir /tmp/d'
  assert_failure 1
  assert_output running
  [[ $stderr == *"No such device or address"* ]] || fail "mkdir did not fail with ENXIO: $stderr"
}

@test "defaultAction SCMP_ACT_ERRNO without defaultErrnoRet is EPERM" {
  requires cpp
  set_seccomp "$(jq -n --argjson allowed "$(syscalls_except mkdir mkdirat)" '{defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [{names: $allowed, action: "SCMP_ACT_ALLOW"}]}')"
  run_container mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"Operation not permitted"* ]] || fail "mkdir did not fail with EPERM: $stderr"
}

@test "SCMP_ACT_ERRNO: errnoRet is the error, EPERM without it" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO 28
  run_container sh -c 'mkdir /tmp/d || echo failed'
  assert_success
  assert_output failed
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir did not fail with ENOSPC: $stderr"

  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO
  run_container mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"Operation not permitted"* ]] || fail "mkdir did not fail with EPERM: $stderr"
}

@test "SCMP_ACT_ERRNO: other system calls are not affected" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO 28
  update_config '.root.readonly = false'
  run_container sh -c 'touch /tmp/f && ln -s f /tmp/l && rm /tmp/l /tmp/f && echo ok'
  assert_success
  assert_output ok
}

@test "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL and SCMP_ACT_TRAP end the process with SIGSYS" {
  local action
  for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_KILL SCMP_ACT_TRAP; do
    block '["mkdir", "mkdirat"]' "$action"
    run_container sh -c 'echo before; exec mkdir /tmp/d'
    [[ $status -eq 159 ]] || fail "$action: exit status $status, not 128 + SIGSYS; stderr: $stderr"
    [[ $output == before ]] || fail "$action: output \"$output\""
  done
}

@test "SCMP_ACT_KILL_PROCESS as the default action with an allow list" {
  requires cpp
  set_seccomp "$(jq -n --argjson allowed "$(syscalls_except mkdir mkdirat)" '{defaultAction: "SCMP_ACT_KILL_PROCESS",
    syscalls: [{names: $allowed, action: "SCMP_ACT_ALLOW"}]}')"
  run_container sh -c 'echo before; exec mkdir /tmp/d'
  assert_equal "$status" 159
  assert_output before
}

@test "SCMP_ACT_TRACE without a tracer fails the system call with ENOSYS" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_TRACE 1
  run_container mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"Function not implemented"* ]] || fail "mkdir did not fail with ENOSYS: $stderr"
}

@test "SCMP_ACT_LOG and SCMP_ACT_ALLOW let the system call through" {
  update_config '.root.readonly = false'
  set_seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]}'
  # everything else is the default action: allow it with the same generated list
  requires cpp
  update_config '.linux.seccomp.syscalls += [{names: $a, action: "SCMP_ACT_ALLOW"}]' \
    --argjson a "$(syscalls_except mkdir mkdirat)"
  run_container sh -c 'mkdir /tmp/d && [ -d /tmp/d ] && echo made'
  assert_success
  assert_output made
}

@test "args SCMP_CMP_EQ" {
  op_case SCMP_CMP_EQ 448 0 ok blocked ok
}

@test "args SCMP_CMP_NE" {
  op_case SCMP_CMP_NE 448 0 blocked ok blocked
}

@test "args SCMP_CMP_LT" {
  op_case SCMP_CMP_LT 448 0 blocked ok ok
}

@test "args SCMP_CMP_LE" {
  op_case SCMP_CMP_LE 448 0 blocked blocked ok
}

@test "args SCMP_CMP_GT" {
  op_case SCMP_CMP_GT 448 0 ok ok blocked
}

@test "args SCMP_CMP_GE" {
  op_case SCMP_CMP_GE 448 0 ok blocked blocked
}

@test "args SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the expected result" {
  op_case SCMP_CMP_MASKED_EQ 63 0 blocked blocked ok     # mode & 077 == 0
  op_case SCMP_CMP_MASKED_EQ 448 384 blocked ok ok       # mode & 0700 == 0600
}

@test "args: comparisons of different arguments must all hold" {
  chmod_rule '[{"index": 0, "value": 0, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]'
  chmod_modes 700 755
  assert_success
  assert_output $'700 blocked\n755 ok'

  chmod_rule '[{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]'
  chmod_modes 700 755
  assert_success
  assert_output $'700 ok\n755 ok'
}

@test "args: comparisons of the same argument match when any holds (as runc)" {
  chmod_rule '[{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 493, "op": "SCMP_CMP_EQ"}]'
  chmod_modes 600 700 755
  assert_success
  assert_output $'600 ok\n700 blocked\n755 blocked'
}

@test "system call names libseccomp does not know are skipped" {
  block '["skiff_no_such_syscall", "mkdir", "mkdirat", "another_unknown_one"]' SCMP_ACT_ERRNO 28
  run_container sh -c 'echo running; mkdir /tmp/d'
  assert_failure 1
  assert_output running
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir was not blocked: $stderr"
}

@test "architectures: the listed ones are added to the native one" {
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
  run_container sh -c 'echo running; mkdir /tmp/d'
  assert_failure 1
  assert_output running
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir was not blocked: $stderr"
}

@test "flags: SECCOMP_FILTER_FLAG_TSYNC, _LOG and _SPEC_ALLOW" {
  runc_lacks "seccomp flags"
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
  run_container sh -c 'echo running; mkdir /tmp/d'
  assert_failure 1
  assert_output running
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir was not blocked: $stderr"
}

@test "the filter is loaded without noNewPrivileges, for a non-root user without capabilities" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO 28
  update_config '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}
    | .process.capabilities = {}'
  run_container sh -c 'id -u; mkdir /tmp/d'
  assert_failure 1
  assert_output 1000
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir was not blocked: $stderr"
}

@test "the filter also holds for a process started by exec" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO 28
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run --separate-stderr skiff exec "$ID" mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir was not blocked in exec: $stderr"
  skiff delete --force "$ID"
}

@test "an unknown action is a one-line error and leaves nothing behind" {
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getcwd"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]}'
  local id
  id=$(new_id)
  run --separate-stderr skiff run --bundle "$BUNDLE" "$id" </dev/null
  expect_error run --runc SCMP_ACT_FOO 'linux.seccomp.syscalls[1].action' 'unknown action "SCMP_ACT_FOO"'
  [[ ! -e $SKIFF_ROOT/$id ]] || fail "state left for $id"

  set_seccomp '{"defaultAction": "SCMP_ACT_BAR"}'
  run --separate-stderr skiff create --bundle "$BUNDLE" "$id" </dev/null
  expect_error create --runc SCMP_ACT_BAR 'linux.seccomp.defaultAction' 'unknown action "SCMP_ACT_BAR"'
  [[ ! -e $SKIFF_ROOT/$id ]] || fail "state left for $id"
}

@test "errnoRet with an action that takes no errno is an error" {
  runc_lacks "errnoRet is accepted with any action"
  block '["mkdir"]' SCMP_ACT_ALLOW 1
  update_config '.linux.seccomp.defaultAction = "SCMP_ACT_ERRNO"'
  run_container true
  expect_error run 'linux.seccomp.syscalls[0].errnoRet' SCMP_ACT_ALLOW
}

@test "SCMP_ACT_NOTIFY: the agent answers the system call" {
  start_listener -e 95
  notify_rule '["mkdir", "mkdirat"]'
  run_container sh -c 'echo running; mkdir /tmp/d'
  assert_failure 1
  assert_output running
  [[ $stderr == *"not supported"* ]] || fail "mkdir did not get the agent's EOPNOTSUPP: $stderr"
  wait "$LISTENER_PID" || fail "the listener failed: $(cat "$BATS_TEST_TMPDIR/agent.out")"
  [[ -s $BATS_TEST_TMPDIR/agent.log ]] || fail "the agent saw no notification"
}

@test "SCMP_ACT_NOTIFY: the agent can make a system call succeed without running it" {
  start_listener -v 0
  notify_rule '["mkdir", "mkdirat"]'
  update_config '.root.readonly = false'
  run_container sh -c 'mkdir /tmp/d && echo made; [ -d /tmp/d ] || echo absent'
  assert_success
  assert_output $'made\nabsent'
  wait "$LISTENER_PID" || fail "the listener failed: $(cat "$BATS_TEST_TMPDIR/agent.out")"
}

@test "SCMP_ACT_NOTIFY: the agent receives the container process state and the seccomp fd" {
  start_listener -c
  notify_rule '["mkdir", "mkdirat"]' 'opaque "metadata" for the agent'
  update_config '.root.readonly = false | .annotations = {"org.example.key": "value"}'
  set_args sh -c 'mkdir /tmp/d && [ -d /tmp/d ] && echo made'
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff start "$ID"
  wait "$LISTENER_PID" || fail "the listener failed: $(cat "$BATS_TEST_TMPDIR/agent.out")"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/$ID.out")" made
  jq -e --arg id "$ID" --argjson pid "$pid" --arg bundle "$BUNDLE" '
    (.ociVersion | type == "string") and .fds == ["seccompFd"] and .pid == $pid
    and .metadata == "opaque \"metadata\" for the agent"
    and .state.id == $id and .state.pid == $pid and .state.bundle == $bundle
    and (.state.status | type == "string") and .state.annotations == {"org.example.key": "value"}' \
    "$BATS_TEST_TMPDIR/agent.json" || fail "state sent: $(cat "$BATS_TEST_TMPDIR/agent.json")"
  skiff delete --force "$ID"
}

@test "SCMP_ACT_NOTIFY without noNewPrivileges, for a non-root user" {
  start_listener -e 95
  notify_rule '["mkdir", "mkdirat"]'
  update_config '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}
    | .process.capabilities = {}'
  run_container sh -c 'id -u; mkdir /tmp/d'
  assert_failure 1
  assert_output 1000
  [[ $stderr == *"not supported"* ]] || fail "mkdir did not get the agent's EOPNOTSUPP: $stderr"
}

@test "SCMP_ACT_NOTIFY in a process started by exec" {
  start_listener -e 95
  notify_rule '["mkdir", "mkdirat"]'
  set_args sleep 1000
  create_container "$ID" # the init's listener goes to the first agent, which removes the socket
  skiff start "$ID"
  AGENT=exec-agent start_listener -e 28
  run --separate-stderr skiff exec "$ID" mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"No space left on device"* ]] || fail "mkdir did not get the second agent's ENOSPC: $stderr"
  wait "$LISTENER_PID" || fail "the exec's agent failed: $(cat "$BATS_TEST_TMPDIR/exec-agent.out")"
  jq -e --arg id "$ID" '.fds == ["seccompFd"] and .state.id == $id' "$BATS_TEST_TMPDIR/exec-agent.json" ||
    fail "state sent for exec: $(cat "$BATS_TEST_TMPDIR/exec-agent.json")"
  skiff delete --force "$ID"
}

@test "SCMP_ACT_NOTIFY with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" {
  runc_lacks "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
  start_listener -e 95
  notify_rule '["mkdir", "mkdirat"]'
  update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
  run_container mkdir /tmp/d
  assert_failure 1
  [[ $stderr == *"not supported"* ]] || fail "mkdir did not get the agent's EOPNOTSUPP: $stderr"
}

@test "SCMP_ACT_NOTIFY: no agent at listenerPath is a one-line error and leaves nothing behind" {
  SOCK=$BATS_TEST_TMPDIR/nobody-listens.sock
  notify_rule '["mkdir", "mkdirat"]'
  local id
  id=$(new_id)
  run --separate-stderr skiff create --bundle "$BUNDLE" "$id" </dev/null
  expect_error create --runc-lines 2 --runc nobody-listens.sock --runc "failed to connect with seccomp agent" \
    nobody-listens.sock "failed to connect with seccomp agent"
  [[ ! -e $SKIFF_ROOT/$id ]] || fail "state left for $id"
}

@test "SCMP_ACT_NOTIFY needs listenerPath" {
  set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  run_container true
  expect_error run --runc-lines 2 --runc listenerPath 'linux.seccomp.syscalls[0].action' listenerPath
}

# ---- profiles older than the kernel and the runtime ------------------------------------------------
# fixtures/seccomp-2019.json has the shape of Docker's default profile of 2018-2020 as engines hand it
# to the runtime: SCMP_ACT_ERRNO by default and an allow list without the system calls added since
# (execveat, faccessat2, close_range, clone3, openat2, pidfd_open, ...). The runtime's own work must
# not depend on them, and a newer call must fail as on an older kernel (ENOSYS), so that libc falls
# back.

old_profile() {
  update_config '.linux.seccomp = $p[0]' --slurpfile p "$BATS_TEST_DIRNAME/fixtures/seccomp-2019.json"
}

@test "a profile older than the runtime: run, create/start and exec work, noNewPrivileges set or not" {
  old_profile
  local nnp user id expected
  for nnp in true false; do
    for user in 0 1000; do
      update_config '.process.noNewPrivileges = $n | .process.user = {uid: $u, gid: $u}' \
        --argjson n "$nnp" --argjson u "$user"
      expected=$(printf '%s\n' "$user" ok)
      run_container sh -c 'id -u; ls / >/dev/null && echo ok'
      [[ $status -eq 0 && $output == "$expected" ]] ||
        fail "run, noNewPrivileges $nnp, uid $user: status $status, output $output, stderr $stderr"
      id=$(new_id)
      set_args sh -c 'id -u; echo ok; exec sleep 1000'
      create_container "$id"
      skiff start "$id" || fail "start, noNewPrivileges $nnp, uid $user: $(cat "$BATS_TEST_TMPDIR/$id.err")"
      run --separate-stderr skiff exec "$id" sh -c 'id -u; cat /proc/self/status >/dev/null && echo ok'
      [[ $status -eq 0 && $output == "$expected" ]] ||
        fail "exec, noNewPrivileges $nnp, uid $user: status $status, output $output, stderr $stderr"
      run --separate-stderr skiff exec --user 0 "$id" id -u
      [[ $status -eq 0 && $output == 0 ]] || fail "exec --user 0, noNewPrivileges $nnp: $status $output $stderr"
      skiff delete --force "$id"
      [[ $(head -2 "$BATS_TEST_TMPDIR/$id.out") == "$expected" ]] ||
        fail "create/start, noNewPrivileges $nnp, uid $user: $(cat "$BATS_TEST_TMPDIR/$id.out" "$BATS_TEST_TMPDIR/$id.err")"
    done
  done
}

@test "a profile older than the runtime: with a terminal and a startContainer hook too" {
  old_profile
  update_config '.process.noNewPrivileges = false | .hooks.startContainer = [{path: "/bin/true", args: ["true"]}]'
  # runc's run in the foreground wants a terminal of its own for that
  is_runc || update_config '.process.terminal = true'
  run_container sh -c '{ ! [ -t 0 ] || tty >/dev/null; } && echo ok'
  assert_success
  [[ $output == ok* ]] || fail "output: $output"
}

@test "a profile older than the runtime: a startContainer hook still times out (no pidfd_open)" {
  old_profile
  update_config '.hooks.startContainer = [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]'
  local start=$SECONDS
  run_container echo the process ran
  ((SECONDS - start < 15)) || fail "the hook ran for $((SECONDS - start)) s"
  expect_error run startContainer "timed out" --runc "timeout"
  [[ $output != *"the process ran"* ]] || fail "the process ran"
}

@test "after the filter the runtime makes only the calls that cannot move (init and exec, noNewPrivileges or not)" {
  # Allowed: what the static test program makes (strace), the init's steps 7 and 8 (sendmsg,
  # recvmsg; the exec fifo: openat, write), and capset for the capabilities kept to load the
  # filter without noNewPrivileges. The trampoline's execveat and fcntl are the stub's.
  cp "$(helper_program syscall-errno)" "$ROOTFS/bin/syscall-errno"
  set_seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW", "names": [
    "arch_prctl", "brk", "execve", "exit_group", "getpid", "getrandom", "mprotect", "newfstatat", "prlimit64",
    "readlink", "rseq", "set_robust_list", "set_tid_address", "write",
    "sendmsg", "recvmsg", "openat", "capset"]}]}'
  [[ $(uname -m) == x86_64 ]] || skip "the program's system calls were listed on x86_64"
  runc_lacks "a runtime that does all of its own work before the filter"
  local nnp id
  for nnp in true false; do
    update_config '.process.noNewPrivileges = $n | .process.args = ["syscall-errno", "getpid"]' --argjson n "$nnp"
    run_container
    [[ $status -eq 0 && $output == "getpid ok" ]] || fail "run, noNewPrivileges $nnp: $status $output $stderr"
    id=$(new_id)
    create_container "$id"
    run --separate-stderr skiff exec "$id" syscall-errno getpid
    [[ $status -eq 0 && $output == "getpid ok" ]] || fail "exec, noNewPrivileges $nnp: $status $output $stderr"
    skiff start "$id"
    wait_for_status "$id" stopped
    [[ $(cat "$BATS_TEST_TMPDIR/$id.out") == "getpid ok" ]] || fail "start, noNewPrivileges $nnp: $(cat "$BATS_TEST_TMPDIR/$id.out" "$BATS_TEST_TMPDIR/$id.err")"
    skiff delete "$id"
  done
}

@test "system calls newer than the profile fail with ENOSYS, the ones it leaves out with its errno" {
  old_profile
  cp "$(helper_program syscall-errno)" "$ROOTFS/bin/syscall-errno"
  # 1000: no such call yet; clone3 (Linux 5.3): newer than the profile; membarrier (4.3): older
  # than its newest call, but not allowed
  run_container syscall-errno 1000 clone3 membarrier getpid
  assert_success
  assert_output "$(printf '%s\n' '1000 ENOSYS' 'clone3 ENOSYS' 'membarrier EPERM' 'getpid ok')"
  # the same for exec, and with noNewPrivileges unset
  update_config '.process.noNewPrivileges = false'
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  run --separate-stderr skiff exec "$ID" syscall-errno 1000 membarrier
  assert_success
  assert_output "$(printf '%s\n' '1000 ENOSYS' 'membarrier EPERM')"
  skiff delete --force "$ID"
}

@test "ENOSYS for newer system calls only replaces an errno default (as runc)" {
  cp "$(helper_program syscall-errno)" "$ROOTFS/bin/syscall-errno"
  # an allow-all default: whatever the kernel says (clone3(NULL, 0) is EINVAL)
  block '["mkdir", "mkdirat"]' SCMP_ACT_ERRNO 28
  run_container syscall-errno clone3 1000
  assert_success
  assert_output "$(printf '%s\n' 'clone3 EINVAL' '1000 ENOSYS')"
  # kill by default: a strict allow list means it
  set_seccomp "$(jq '{defaultAction: "SCMP_ACT_KILL_PROCESS", syscalls: [.syscalls[0], {names: ["arch_prctl", "clone"], action: "SCMP_ACT_ALLOW"}]}' \
    "$BATS_TEST_DIRNAME/fixtures/seccomp-2019.json")"
  run_container sh -c 'syscall-errno getpid; exec syscall-errno 1000'
  assert_equal "$status" 159
  assert_output 'getpid ok'
}

@test "a startContainer hook that the filter kills: error running hook" {
  block '["mkdir", "mkdirat"]' SCMP_ACT_KILL
  update_config '.hooks.startContainer = [{path: "/bin/mkdir", args: ["mkdir", "/tmp/hook-dir"]}]'
  run_container sh -c 'echo the process ran'
  expect_error run "startContainer" "error running hook" "SIGSYS" --runc "error running hook" --runc "bad system call"
  [[ $output != *"the process ran"* ]] || fail "the process ran"
}
