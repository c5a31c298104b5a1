#!/usr/bin/env bats
# The container's process (src/lib/process.c, capabilities.c): args, env, cwd, user, umask, rlimits,
# capabilities, noNewPrivileges, oomScoreAdj, sysctl, and the file descriptors it inherits.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# status_field NAME: a field of the container's /proc/self/status, from $output
status_field() {
  awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"
}

@test "args: passed as they are, spaces and empty arguments included" {
  run_container sh -c 'for a in "$@"; do echo "[$a]"; done' sh 'a b' '' '*' '$HOME'
  assert_success
  assert_output "$(printf '%s\n' '[a b]' '[]' '[*]' '[$HOME]')"
}

@test "args: args[0] is looked up in the process's PATH, or taken as a path" {
  update_config '.process.env = ["PATH=/bin"]'
  run_container busybox echo found
  assert_output found
  run_container /bin/echo absolute
  assert_output absolute
}

@test "env: exactly the configured variables, none of the runtime's" {
  update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
  set_args env
  SKIFF_HOST_ONLY=leak run --separate-stderr skiff run "$ID" </dev/null
  assert_success
  assert_line "PATH=/bin"
  assert_line "FOO=bar baz"
  assert_line "EMPTY="
  refute_output --partial SKIFF_HOST_ONLY
  refute_output --partial BATS_
  # HOME may be added from /etc/passwd, as runc does; nothing else
  run grep -v -E '^(PATH|FOO|EMPTY|HOME)=' <<<"$output"
  assert_output ""
}

@test "cwd: the process starts in process.cwd" {
  update_config '.process.cwd = "/etc"'
  run_container pwd
  assert_success
  assert_output /etc
}

@test "cwd: made when the image lacks it, as runc does, before the rootfs is read-only" {
  update_config '.process.cwd = "/work/deep/dir" | .root.readonly = true'
  run_container sh -c 'pwd; stat -c %a /work/deep/dir'
  assert_success
  assert_output "$(printf '%s\n' /work/deep/dir 755)"
  [[ -d $ROOTFS/work/deep/dir ]] || fail "not in the rootfs"
}

@test "cwd: entered before the user switch, so a directory only root may enter works (run, exec --user 0)" {
  # owned by neither root nor the process's user, 0700: only CAP_DAC_OVERRIDE enters it
  mkdir "$ROOTFS/private"
  chown 1234:1234 "$ROOTFS/private"
  chmod 700 "$ROOTFS/private"
  update_config '.process.user = {uid: 1000, gid: 1000} | .process.cwd = "/private"'
  run_container sh -c 'pwd; id -u'
  assert_success
  assert_output "$(printf '%s\n' /private 1000)"
  # exec as root, without CAP_DAC_OVERRIDE in the config's sets
  update_config '.process.cwd = "/" | .process.user = {uid: 0, gid: 0}'
  set_args sleep 1000
  create_container "$ID"
  run --separate-stderr skiff exec --user 0 --cwd /private "$ID" pwd
  assert_success
  assert_output /private
  # a cwd that does not exist is not made by exec (runc neither)
  run --separate-stderr skiff exec --cwd /no/such/dir "$ID" pwd
  expect_error exec --max 255 "chdir to cwd" "no such file or directory"
  skiff delete --force "$ID"
}

@test "cwd: a directory only the final user can reach is entered once the user is set" {
  requires userns
  add_namespace user
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .process.cwd = "/mine" | .process.user = {uid: 1000, gid: 1000}'
  chown -R 100000:100000 "$ROOTFS"
  # the container's user (host 101000) owns it; its group is not mapped, so the container's root
  # has no CAP_DAC_OVERRIDE over it
  mkdir -m 0700 "$ROOTFS/mine"
  chown 101000:4242 "$ROOTFS/mine"
  run_container sh -c 'pwd; ls -a . | head -1'
  assert_success
  assert_output $'/mine\n.'
}

@test "cwd: a missing process.cwd behind a symlink is made inside the rootfs, never on the host" {
  runc_lacks "a cwd through a dangling symlink (its mkdir -p fails with EEXIST)"
  local outside=$BATS_TEST_TMPDIR/outside
  mkdir "$outside"
  ln -s "/../../../../../..$outside" "$ROOTFS/escape"
  update_config '.process.cwd = "/escape/made"'
  run_container pwd
  assert_success
  [[ ! -e $outside/made ]] || fail "the cwd was made on the host, in $outside"
  [[ -d $ROOTFS$outside/made ]] || fail "the cwd was not made inside the rootfs"
}

@test "user: uid, gid and additionalGids, as /proc/self/status shows them" {
  update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20]}'
  run_container cat /proc/self/status
  assert_success
  [[ $(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' <<<"$output") == "1000 1000 1000 1000" ]]
  [[ $(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' <<<"$output") == "1000 1000 1000 1000" ]]
  [[ $(awk '$1 == "Groups:" { $1 = ""; print }' <<<"$output") == " 10 20" ]]
}

@test "user: root with no additionalGids has no supplementary groups" {
  run_container cat /proc/self/status
  assert_success
  [[ $(status_field Uid) == 0 && $(status_field Gid) == 0 ]]
  [[ $(awk '$1 == "Groups:" { print NF }' <<<"$output") -eq 1 ]] || fail "groups: $(grep Groups <<<"$output")"
}

@test "umask: process.user.umask, and 0022 by default" {
  update_config '.process.user.umask = 63'
  run_container awk '$1 == "Umask:" { print $2 }' /proc/self/status
  assert_output 0077
  update_config 'del(.process.user.umask)'
  run_container awk '$1 == "Umask:" { print $2 }' /proc/self/status
  assert_output 0022
}

@test "rlimits: each configured soft and hard limit" {
  update_config '.process.rlimits = [
    {type: "RLIMIT_NOFILE", soft: 512, hard: 2048},
    {type: "RLIMIT_CORE", soft: 0, hard: 0},
    {type: "RLIMIT_NPROC", soft: 300, hard: 400},
    {type: "RLIMIT_MSGQUEUE", soft: 8192, hard: 16384}]'
  run_container cat /proc/self/limits
  assert_success
  assert_line --regexp '^Max open files +512 +2048 +files'
  assert_line --regexp '^Max core file size +0 +0 +bytes'
  assert_line --regexp '^Max processes +300 +400 +processes'
  assert_line --regexp '^Max msgqueue size +8192 +16384 +bytes'
}

@test "capabilities: root gets the bounding, permitted and effective sets, no inheritable" {
  # the default config: CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
  run_container cat /proc/self/status
  assert_success
  [[ $(status_field CapBnd) == 0000000020000420 ]] || fail "CapBnd $(status_field CapBnd)"
  [[ $(status_field CapPrm) == 0000000020000420 ]] || fail "CapPrm $(status_field CapPrm)"
  [[ $(status_field CapEff) == 0000000020000420 ]] || fail "CapEff $(status_field CapEff)"
  [[ $(status_field CapInh) == 0000000000000000 ]] || fail "CapInh $(status_field CapInh)"
}

@test "capabilities: a non-root process keeps its inheritable and ambient sets across exec" {
  # after exec a non-root process's permitted and effective sets are its ambient set: the five
  # sets are only all visible this way
  update_config '.process.user = {uid: 1000, gid: 1000}
    | .process.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        ambient: ["CAP_NET_BIND_SERVICE"]}'
  run_container cat /proc/self/status
  assert_success
  [[ $(status_field CapBnd) == 0000000000000423 ]] || fail "CapBnd $(status_field CapBnd)"
  [[ $(status_field CapInh) == 0000000000000420 ]] || fail "CapInh $(status_field CapInh)"
  [[ $(status_field CapAmb) == 0000000000000400 ]] || fail "CapAmb $(status_field CapAmb)"
  [[ $(status_field CapPrm) == 0000000000000400 ]] || fail "CapPrm $(status_field CapPrm)"
  [[ $(status_field CapEff) == 0000000000000400 ]] || fail "CapEff $(status_field CapEff)"
}

@test "capabilities: a capability outside the sets is refused by the kernel" {
  # CAP_CHOWN is not in the default sets
  update_config '.root.readonly = false'
  run_container sh -c 'touch /f && chown 1000 /f'
  assert_failure
  assert_output ""
  [[ $stderr == *"Operation not permitted"* ]]
}

@test "capabilities: an unknown capability is a warning, not an error" {
  # the spec: logged as a warning, and runtimes should not fail
  update_config '.process.capabilities.bounding += ["CAP_SKIFF_UNKNOWN"]'
  run_container cat /proc/self/status
  assert_success
  [[ $(status_field CapBnd) == 0000000020000420 ]]
  [[ $stderr == *CAP_SKIFF_UNKNOWN* ]] || fail "no warning names CAP_SKIFF_UNKNOWN: $stderr"
}

@test "noNewPrivileges: NoNewPrivs follows the config" {
  update_config '.process.noNewPrivileges = true'
  run_container cat /proc/self/status
  [[ $(status_field NoNewPrivs) == 1 ]]
  update_config '.process.noNewPrivileges = false'
  run_container cat /proc/self/status
  [[ $(status_field NoNewPrivs) == 0 ]]
}

@test "oomScoreAdj: written to the process's oom_score_adj" {
  update_config '.process.oomScoreAdj = 123'
  run_container cat /proc/self/oom_score_adj
  assert_success
  assert_output 123
}

@test "sysctl: namespaced sysctls are set in the container only" {
  local host_ttl host_msgmax
  host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl)
  host_msgmax=$(cat /proc/sys/kernel/msgmax)
  update_config '.linux.sysctl = {"net.ipv4.ip_default_ttl": "42", "kernel.msgmax": "4321"}'
  run_container cat /proc/sys/net/ipv4/ip_default_ttl /proc/sys/kernel/msgmax
  assert_success
  assert_output "$(printf '%s\n' 42 4321)"
  [[ $(cat /proc/sys/net/ipv4/ip_default_ttl) == "$host_ttl" && $(cat /proc/sys/kernel/msgmax) == "$host_msgmax" ]]
}

@test "fds: only 0, 1 and 2 reach the container, whatever the runtime had open" {
  # ls opens the directory itself: on the lowest free fd, 3 when nothing leaked
  set_args ls /proc/self/fd
  run --separate-stderr skiff run "$ID" </dev/null 4</dev/null 7>"$BATS_TEST_TMPDIR/seven" 9<"$BUNDLE/config.json"
  assert_success
  assert_output "$(printf '%s\n' 0 1 2 3)"
}

@test "fds: run --preserve-fds passes fds 3 .. 3+N-1 and no other" {
  echo three >"$BATS_TEST_TMPDIR/three"
  echo four >"$BATS_TEST_TMPDIR/four"
  set_args sh -c 'cat <&3; cat <&4; ls /proc/self/fd'
  # not through the skiff wrapper, which closes fd 3 (bats's own)
  run --separate-stderr "$SKIFF" --root "$SKIFF_ROOT" run --bundle "$BUNDLE" --preserve-fds 2 "$ID" </dev/null \
    3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/four" 5<"$BUNDLE/config.json"
  assert_success
  assert_output "$(printf '%s\n' three four 0 1 2 3 4 5)" # 5: ls's own directory
}

@test "fds: a preserved fd the caller left closed is refused, never filled with one of the runtime's" {
  # fd 3 closed by the wrapper: a host fd of skiff's (a cgroup directory, its signalfd) would
  # otherwise take that number and reach the container
  set_args sh -c 'if [ -e /proc/$$/fd/3 ]; then readlink /proc/$$/fd/3; else echo closed; fi'
  run --separate-stderr skiff run --preserve-fds 1 "$ID" </dev/null
  expect_error run "fd 3 is not open"
}

@test "fds: LISTEN_FDS for this runtime passes the listening fds and tells the process" {
  runc_lacks "socket activation check with LISTEN_PID of a bash exec (runc's Go runtime re-execs)"
  echo listening >"$BATS_TEST_TMPDIR/socket"
  set_args sh -c 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3'
  run --separate-stderr bash -c 'exec 3<"$1"; shift; LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"' _ \
    "$BATS_TEST_TMPDIR/socket" "$SKIFF" --root "$SKIFF_ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
  assert_success
  assert_output "$(printf '%s\n' "1 1" listening)"
  # another process's LISTEN_PID: nothing is passed
  run --separate-stderr bash -c 'exec 3<"$1"; shift; LISTEN_FDS=1 LISTEN_PID=1 exec "$@"' _ \
    "$BATS_TEST_TMPDIR/socket" "$SKIFF" --root "$SKIFF_ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
  assert_failure
}

@test "fds: a created container's init holds only its stdio and what it needs to wait" {
  set_args sleep 1000
  skiff create "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 7>"$BATS_TEST_TMPDIR/seven" ||
    fail "create: $(cat "$BATS_TEST_TMPDIR/out")"
  local pid fd target
  pid=$(container_pid "$ID")
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd")
    [[ $target != "$BATS_TEST_TMPDIR/seven" && $target != "$BUNDLE/config.json" ]] ||
      fail "the init holds $target as ${fd##*/}"
  done
  skiff start "$ID"
  wait_for_status "$ID" running
  run ls "/proc/$pid/fd"
  assert_output "$(printf '%s\n' 0 1 2)"
  skiff delete --force "$ID"
}
