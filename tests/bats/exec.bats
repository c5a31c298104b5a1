#!/usr/bin/env bats
# exec (src/lib/exec.c, exec-process.c, src/cli/exec.c): a new process in a running container, in
# all its namespaces and its cgroup, with the container's process settings or --process, and each
# of runc's exec flags.

load helpers

setup() {
  requires root
  setup_bundle
  # an exec whose process did not start ends with 255, as runc's
  EXEC_MAX=255
}

teardown() {
  teardown_bundle
}

# A running container whose init sleeps; ARGS... go to create.
start_sleeper() {
  set_args sleep 1000
  create_container "$ID" "$@"
  skiff start "$ID" || fail "start $ID failed"
  INIT_PID=$(container_pid "$ID")
}

# exec_detached FILE CMD...: `skiff exec -d --pid-file FILE $ID CMD...`, stdio on files: the process
# keeps running and must not hold the test's pipes.
exec_detached() {
  local pid_file=$1
  shift
  skiff exec -d --pid-file "$pid_file" "$ID" "$@" </dev/null >"$BATS_TEST_TMPDIR/exec-d.out" \
    2>"$BATS_TEST_TMPDIR/exec-d.err" || fail "exec -d failed: $(cat "$BATS_TEST_TMPDIR/exec-d.err")"
}

# host_cgroup_dirs PID: the host directory of each cgroup hierarchy PID is in, one a line.
host_cgroup_dirs() {
  local pid=$1 id ctrls path
  while IFS=: read -r id ctrls path; do
    awk -v ctrls="$ctrls" -v path="$path" '
      {
        for (i = 7; $i != "-"; i++);
        type = $(i + 1); super = "," $(i + 3) ","
        if (ctrls == "" && type != "cgroup2") next
        if (ctrls != "") {
          if (type != "cgroup") next
          n = split(ctrls, want, ",")
          ok = 1
          for (j = 1; j <= n; j++) if (index(super, "," want[j] ",") == 0) ok = 0
          if (!ok) next
        }
        root = $4
        rel = substr(path, length(root) + 1)
        if (root == "/") rel = path
        print $5 rel
        exit
      }' /proc/self/mountinfo
  done <"/proc/$pid/cgroup"
}

@test "exec: joins every namespace of the container, as the init's /proc/<pid>/ns shows them" {
  add_namespace cgroup
  start_sleeper
  local ns want=''
  for ns in pid net ipc uts mnt cgroup; do
    want+="$ns $(readlink "/proc/$INIT_PID/ns/$ns")"$'\n'
  done
  run --separate-stderr skiff exec "$ID" sh -c 'for ns in pid net ipc uts mnt cgroup; do
      echo "$ns $(readlink /proc/self/ns/$ns)"
    done'
  assert_success
  assert_output "${want%$'\n'}"
  # and none of them is the host's
  for ns in pid net ipc uts mnt cgroup; do
    [[ $(readlink "/proc/$INIT_PID/ns/$ns") != "$(readlink "/proc/self/ns/$ns")" ]] ||
      fail "the container shares the host's $ns namespace"
  done
  skiff delete --force "$ID"
}

@test "exec: a process in the container's pid namespace sees the init as pid 1 and the same hostname" {
  update_config '.hostname = "exec-host"'
  start_sleeper
  run --separate-stderr skiff exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname; echo $$'
  assert_success
  assert_line --index 0 "sleep 1000 "
  assert_line --index 1 exec-host
  [[ ${lines[2]} -gt 1 ]] || fail "exec's pid in the container is ${lines[2]}"
  skiff delete --force "$ID"
}

@test "exec: joins the container's user namespace, with its mappings" {
  requires userns
  update_config '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  chown -R 100000:100000 "$ROOTFS"
  start_sleeper
  local pid_file="$BATS_TEST_TMPDIR/exec.pid"
  exec_detached "$pid_file" sleep 1000
  local pid
  pid=$(<"$pid_file")
  [[ $(readlink "/proc/$pid/ns/user") == "$(readlink "/proc/$INIT_PID/ns/user")" ]] ||
    fail "exec is not in the container's user namespace"
  # uid 0 in the container is 100000 on the host
  [[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") == 100000 ]] || fail "$(grep Uid "/proc/$pid/status")"
  run --separate-stderr skiff exec "$ID" sh -c 'id -u; cat /proc/self/uid_map'
  assert_success
  assert_line --index 0 0
  [[ $(echo "${lines[1]}" | awk '{ print $1, $2, $3 }') == "0 100000 65536" ]] || fail "uid_map: ${lines[1]}"
  skiff delete --force "$ID"
}

@test "exec: joins the container's cgroup, as /proc/<pid>/cgroup shows it" {
  add_namespace cgroup
  start_sleeper
  local pid_file="$BATS_TEST_TMPDIR/exec.pid"
  exec_detached "$pid_file" sleep 1000
  local pid
  pid=$(<"$pid_file")
  [[ $(<"/proc/$pid/cgroup") == "$(<"/proc/$INIT_PID/cgroup")" ]] ||
    fail "exec's cgroups: $(<"/proc/$pid/cgroup"); the init's: $(<"/proc/$INIT_PID/cgroup")"
  # the container's own view, through its cgroup namespace
  run --separate-stderr skiff exec "$ID" sh -c 'cat /proc/self/cgroup; echo --; cat /proc/1/cgroup'
  assert_success
  local own=${output%%$'\n'--*} init=${output##*--$'\n'}
  [[ $own == "$init" ]] || fail "in the container: $output"
  skiff delete --force "$ID"
}

@test "exec: the exit status of the process is exec's, 128+n after signal n" {
  start_sleeper
  run skiff exec "$ID" sh -c 'exit 42'
  assert_failure 42
  run skiff exec "$ID" true
  assert_success
  run skiff exec "$ID" sh -c 'kill -KILL $$'
  assert_failure 137
  run skiff exec "$ID" sh -c 'kill -TERM $$'
  assert_failure 143
  skiff delete --force "$ID"
}

@test "exec: stdin, stdout and stderr are exec's own" {
  start_sleeper
  run --separate-stderr skiff exec "$ID" sh -c 'read line; echo "out:$line"; echo "err:$line" >&2' <<<"hello"
  assert_success
  assert_output "out:hello"
  [[ $stderr == "err:hello" ]] || fail "stderr: $stderr"
  skiff delete --force "$ID"
}

@test "exec: runs in a created container without starting it" {
  local shared
  shared=$(shared_dir)
  set_args sh -c 'touch /shared/started; exec sleep 1000'
  create_container "$ID"
  run --separate-stderr skiff exec "$ID" sh -c 'echo in-exec'
  assert_success
  assert_output in-exec
  [[ ! -e $shared/started ]] || fail "exec started the container's process"
  [[ $(container_status "$ID") == created ]]
  skiff delete --force "$ID"
}

@test "exec: refused for a stopped container" {
  set_args true
  create_container "$ID"
  skiff start "$ID"
  wait_for_status "$ID" stopped
  run --separate-stderr skiff exec "$ID" true
  expect_error exec --max "$EXEC_MAX" "cannot exec in a stopped container" --runc-lines 1
  skiff delete "$ID"
}

@test "exec: refused for a paused container, with runc's exit status and words" {
  start_sleeper
  skiff pause "$ID"
  run --separate-stderr skiff exec "$ID" true
  expect_error exec --max "$EXEC_MAX" "cannot exec in a paused container" "--ignore-paused"
  assert_equal "$status" 255
  skiff resume "$ID"
  skiff delete --force "$ID"
}

@test "exec --ignore-paused: the process starts frozen and runs once the container resumes" {
  local shared
  shared=$(shared_dir)
  start_sleeper
  skiff pause "$ID"
  skiff exec --ignore-paused -d "$ID" touch /shared/ran </dev/null >"$BATS_TEST_TMPDIR/exec.out" \
    2>"$BATS_TEST_TMPDIR/exec.err" &
  local exec_pid=$!
  # frozen in the container's cgroup: nothing runs until resume
  sleep 0.3
  [[ ! -e $shared/ran ]] || fail "the process ran in a paused container"
  skiff resume "$ID"
  wait "$exec_pid" || fail "exec --ignore-paused failed: $(cat "$BATS_TEST_TMPDIR/exec.err")"
  wait_for_file "$shared/ran"
  skiff delete --force "$ID"
}

@test "exec: every failure to start the process exits 255, a usage error 1, as runc" {
  run --separate-stderr skiff exec "$ID" true
  assert_equal "$status" 255
  start_sleeper
  local args
  for args in "no-such-program" "--cwd /no/such/dir true" "--cgroup no-such-sub true" \
    "--process $BATS_TEST_TMPDIR/no-such.json"; do
    read -ra argv <<<"$args"
    if [[ ${argv[0]} == --* ]]; then
      run --separate-stderr skiff exec "${argv[0]}" "${argv[1]}" "$ID" "${argv[@]:2}"
    else
      run --separate-stderr skiff exec "$ID" "${argv[@]}"
    fi
    [[ $status -eq 255 ]] || fail "exec $args: exit $status, not 255: $stderr"
  done
  run --separate-stderr skiff exec "$ID"
  assert_equal "$status" 255
  run --separate-stderr skiff exec --no-such-flag "$ID" true
  assert_equal "$status" 1
  skiff delete --force "$ID"
}

@test "exec: an unknown container is a one-line error" {
  run --separate-stderr skiff exec "$ID" true
  expect_error exec --max "$EXEC_MAX" "$ID" "does not exist" --runc "does not exist"
}

@test "exec: a command missing in the container says \"executable file not found\"" {
  start_sleeper
  run --separate-stderr skiff exec "$ID" no-such-program
  expect_error exec --max "$EXEC_MAX" '"no-such-program"' 'executable file not found in $PATH' \
    --runc no-such-program --runc 'executable file not found in $PATH'
  # nothing of the failed exec is left in the container
  run skiff exec "$ID" sh -c 'set -- /proc/[0-9]*; echo $#'
  assert_output 2
  skiff delete --force "$ID"
}

@test "exec: without a command, and without --process, is a usage error" {
  start_sleeper
  run --separate-stderr skiff exec "$ID"
  assert_failure
  [[ -n $stderr ]]
  skiff delete --force "$ID"
}

@test "exec: by default the process gets the config's user, groups, caps, rlimits, NNP, env and cwd" {
  update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20]}
    | .process.cwd = "/home/user"
    | .process.env += ["FROM_CONFIG=yes"]
    | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654}]
    | .process.noNewPrivileges = true
    | .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"],
        permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
  start_sleeper
  run --separate-stderr skiff exec "$ID" sh -c 'id -u; id -g; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status
    awk "/^Groups:/ { \$1 = \"Groups:\"; print }" /proc/self/status; ulimit -n; ulimit -Hn; pwd; echo "$FROM_CONFIG"'
  assert_success
  if is_runc && [[ ${lines[6]} == 654 ]]; then
    output=${output/$'\n654\n654\n'/$'\n321\n654\n'} # runc 1.1 (Go 1.19) may leave NOFILE's soft limit raised
  fi
  assert_output "$(cat <<'EOF'
1000
1000
CapEff:	0000000000000020
CapBnd:	0000000000000021
NoNewPrivs:	1
Groups: 10 20
321
654
/home/user
yes
EOF
  )"
  skiff delete --force "$ID"
}

@test "exec: the process has its container's environment only, not skiff's" {
  start_sleeper
  run --separate-stderr env SKIFF_LEAK=1 "$SKIFF" --root "$SKIFF_ROOT" exec "$ID" env
  assert_success
  refute_line --partial SKIFF_LEAK
  assert_line "TERM=xterm"
  assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  skiff delete --force "$ID"
}

@test "exec -e: overrides a variable of the config and adds new ones" {
  start_sleeper
  run --separate-stderr skiff exec -e TERM=dumb -e NEW=1 -e 'SPACED=a b' "$ID" env
  assert_success
  assert_line TERM=dumb
  refute_line TERM=xterm
  assert_line NEW=1
  assert_line 'SPACED=a b'
  assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  [[ $(grep -c '^TERM=' <<<"$output") == 1 ]] || fail "TERM twice: $output"
  run --separate-stderr skiff exec --env LONG=form "$ID" env
  assert_line LONG=form
  skiff delete --force "$ID"
}

@test "exec --cwd: the process starts there" {
  start_sleeper
  run --separate-stderr skiff exec --cwd /tmp "$ID" pwd
  assert_success
  assert_output /tmp
  skiff delete --force "$ID"
}

@test "exec --cwd with --user: entered before the user is set, as runc does" {
  mkdir -m 0700 "$ROOTFS/private"
  start_sleeper
  run --separate-stderr skiff exec --cwd /private --user 1000:1000 "$ID" sh -c 'pwd; ls . 2>&1; true'
  assert_success
  assert_line --index 0 /private
  assert_line --index 1 --partial 'Permission denied'
  skiff delete --force "$ID"
}

@test "exec --user uid:gid and --additional-gids" {
  start_sleeper
  run --separate-stderr skiff exec --user 1000:1001 --additional-gids 10 --additional-gids 20 "$ID" \
    sh -c 'id -u; id -g; awk "/^Groups:/ { \$1 = \"\"; print }" /proc/self/status'
  assert_success
  assert_output "$(printf '%s\n' 1000 1001 ' 10 20')"
  run --separate-stderr skiff exec -u 65534 -g 30 "$ID" sh -c 'id -u; id -g; awk "/^Groups:/ { print \$2 }" /proc/self/status'
  assert_success
  assert_output "$(printf '%s\n' 65534 0 30)"
  skiff delete --force "$ID"
}

@test "exec --cap: adds a capability to the config's sets" {
  start_sleeper
  # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29) from the config; CAP_SYS_ADMIN is 21
  run --separate-stderr skiff exec "$ID" grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
  assert_success
  assert_output "$(printf 'CapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s' 0000000020000420 0000000020000420 0000000020000420)"
  run --separate-stderr skiff exec --cap CAP_SYS_ADMIN "$ID" grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
  assert_success
  assert_output "$(printf 'CapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s' 0000000020200420 0000000020200420 0000000020200420)"
  # and the capability works: mounting needs CAP_SYS_ADMIN
  run skiff exec "$ID" mount -t tmpfs none /tmp
  assert_failure
  run skiff exec --cap CAP_SYS_ADMIN "$ID" mount -t tmpfs none /tmp
  assert_success
  skiff delete --force "$ID"
}

@test "exec --no-new-privs: sets NoNewPrivs where the config does not" {
  update_config '.process.noNewPrivileges = false'
  start_sleeper
  run --separate-stderr skiff exec "$ID" grep ^NoNewPrivs: /proc/self/status
  assert_output $'NoNewPrivs:\t0'
  run --separate-stderr skiff exec --no-new-privs "$ID" grep ^NoNewPrivs: /proc/self/status
  assert_output $'NoNewPrivs:\t1'
  skiff delete --force "$ID"
}

@test "exec --apparmor: applied where AppArmor is on, else a one-line error" {
  start_sleeper
  if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
    run --separate-stderr skiff exec --apparmor unconfined "$ID" cat /proc/self/attr/current
    assert_success
    assert_output unconfined
  else
    run --separate-stderr skiff exec --apparmor skiff-test-profile "$ID" true
    expect_error exec --max "$EXEC_MAX" "skiff-test-profile" "AppArmor" --runc "apparmor"
  fi
  skiff delete --force "$ID"
}

@test "exec --process-label: without SELinux, a one-line error" {
  [[ -e /sys/fs/selinux/enforce ]] && skip "SELinux is enabled on this host"
  start_sleeper
  run --separate-stderr skiff exec --process-label system_u:system_r:container_t:s0 "$ID" true
  expect_error exec --max "$EXEC_MAX" "SELinux" --runc "selinux"
  skiff delete --force "$ID"
}

@test "exec --preserve-fds: passes fds 3 .. 3+N-1 and no other" {
  start_sleeper
  local f=$BATS_TEST_TMPDIR/f
  echo three >"$f.3"
  echo four >"$f.4"
  echo five >"$f.5"
  # the runtime itself, not the skiff() wrapper: that one closes fd 3
  run --separate-stderr "$SKIFF" --root "$SKIFF_ROOT" exec --preserve-fds 2 "$ID" sh -c 'cat <&3; cat <&4' \
    3<"$f.3" 4<"$f.4" 5<"$f.5"
  assert_success
  assert_output "$(printf '%s\n' three four)"
  run --separate-stderr "$SKIFF" --root "$SKIFF_ROOT" exec --preserve-fds 2 "$ID" sh -c 'cat <&5' \
    3<"$f.3" 4<"$f.4" 5<"$f.5"
  assert_failure
  refute_output --partial five
  run --separate-stderr "$SKIFF" --root "$SKIFF_ROOT" exec "$ID" sh -c 'cat <&3' 3<"$f.3"
  assert_failure
  refute_output --partial three
  skiff delete --force "$ID"
}

@test "exec --detach --pid-file: returns while the process runs, its pid in the file" {
  start_sleeper
  local pid_file="$BATS_TEST_TMPDIR/exec.pid" shared
  # the pid file's path is relative to exec's cwd
  cd "$BATS_TEST_TMPDIR"
  local start=$SECONDS
  skiff exec --detach --pid-file exec.pid "$ID" sh -c 'echo detached-out; exec sleep 1000' </dev/null \
    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
  ((SECONDS - start < 5)) || fail "exec --detach waited for the process"
  local pid
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || fail "pid file: $pid"
  kill -0 "$pid"
  [[ $(readlink "/proc/$pid/ns/pid") == "$(readlink "/proc/$INIT_PID/ns/pid")" ]] ||
    fail "the pid file's process is not in the container"
  # its stdio is what exec was given
  local tries=100
  while [[ $(<"$BATS_TEST_TMPDIR/out") != detached-out ]] && ((tries-- > 0)); do sleep 0.05; done
  [[ $(<"$BATS_TEST_TMPDIR/out") == detached-out ]] || fail "stdout: $(<"$BATS_TEST_TMPDIR/out")"
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "sleep 1000 " ]]
  skiff delete --force "$ID"
}

@test "exec --pid-file \"\": no pid file, as runc" {
  start_sleeper
  mkdir "$BATS_TEST_TMPDIR/cwd"
  cd "$BATS_TEST_TMPDIR/cwd"
  run --separate-stderr skiff exec --pid-file "" "$ID" true
  assert_success
  [[ -z $(ls -A) ]] || fail "a file was written: $(ls -A)"
  skiff delete --force "$ID"
}

# podman (conmon): exec --pid-file F --process F --detach ID; containerd: exec --process F --detach
# --pid-file F ID, both with process.json as the engines write it.
@test "exec --process: a process.json as the engines send it, in their argument shapes" {
  start_sleeper
  local shared
  cat >"$BATS_TEST_TMPDIR/process.json" <<'EOF'
{
  "terminal": false,
  "user": {"uid": 1000, "gid": 1000, "additionalGids": [10]},
  "args": ["sh", "-c", "echo \"$ENGINE $(id -u):$(id -g) $(pwd)\"; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; ulimit -n; exec sleep 1000"],
  "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "ENGINE=podman"],
  "cwd": "/tmp",
  "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"],
    "inheritable": ["CAP_CHOWN"], "ambient": ["CAP_CHOWN"]},
  "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 99, "soft": 99}],
  "noNewPrivileges": true
}
EOF
  skiff exec --pid-file "$BATS_TEST_TMPDIR/exec_pid" --process "$BATS_TEST_TMPDIR/process.json" --detach "$ID" \
    </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || fail "exec: $(<"$BATS_TEST_TMPDIR/err")"
  local pid
  pid=$(<"$BATS_TEST_TMPDIR/exec_pid")
  kill -0 "$pid"
  local tries=100
  while [[ $(wc -l <"$BATS_TEST_TMPDIR/out") -lt 4 ]] && ((tries-- > 0)); do sleep 0.05; done
  run cat "$BATS_TEST_TMPDIR/out"
  assert_output "$(printf '%s\n' "podman 1000:1000 /tmp" $'CapEff:\t0000000000000001' $'NoNewPrivs:\t1' 99)"
  [[ $(readlink "/proc/$pid/ns/mnt") == "$(readlink "/proc/$INIT_PID/ns/mnt")" ]]

  # containerd's order and --flag=value forms
  jq '.env = ["PATH=/bin", "ENGINE=containerd"] | .args = ["sh", "-c", "echo $ENGINE; exec sleep 1000"]' \
    "$BATS_TEST_TMPDIR/process.json" >"$BATS_TEST_TMPDIR/process2.json"
  skiff exec --process="$BATS_TEST_TMPDIR/process2.json" --detach --pid-file="$BATS_TEST_TMPDIR/e1.pid" "$ID" \
    </dev/null >"$BATS_TEST_TMPDIR/out2" 2>"$BATS_TEST_TMPDIR/err2" || fail "exec: $(<"$BATS_TEST_TMPDIR/err2")"
  kill -0 "$(<"$BATS_TEST_TMPDIR/e1.pid")"
  tries=100
  while [[ $(<"$BATS_TEST_TMPDIR/out2") != containerd ]] && ((tries-- > 0)); do sleep 0.05; done
  [[ $(<"$BATS_TEST_TMPDIR/out2") == containerd ]] || fail "out: $(<"$BATS_TEST_TMPDIR/out2")"
  skiff delete --force "$ID"
}

@test "exec --process: the process.json wins over the command line and the config" {
  start_sleeper
  echo '{"args": ["sh", "-c", "echo from-json $X"], "env": ["PATH=/bin", "X=1"], "cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
  run --separate-stderr skiff exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
  assert_success
  assert_output "from-json 1"
  skiff delete --force "$ID"
}

@test "exec --process: a missing or invalid file is a one-line error" {
  start_sleeper
  run --separate-stderr skiff exec --process "$BATS_TEST_TMPDIR/missing.json" "$ID"
  expect_error exec --max "$EXEC_MAX" "missing.json" --runc "no such file"
  echo '{"args": "not-an-array"}' >"$BATS_TEST_TMPDIR/bad.json"
  run --separate-stderr skiff exec --process "$BATS_TEST_TMPDIR/bad.json" "$ID"
  expect_error exec --max "$EXEC_MAX" "args" --runc "json"
  skiff delete --force "$ID"
}

# make_sub_cgroup DIR NAME: a sub-cgroup as an admin makes one (cpuset v1 needs its cpus and mems).
make_sub_cgroup() {
  mkdir -p "$1/$2"
  if [[ -e $1/cpuset.cpus ]]; then
    cat "$1/cpuset.cpus" >"$1/$2/cpuset.cpus"
    cat "$1/cpuset.mems" >"$1/$2/cpuset.mems"
  fi
}

@test "exec --cgroup: runs in an existing sub-cgroup of the container's" {
  start_sleeper
  local dir dirs=()
  mapfile -t dirs < <(host_cgroup_dirs "$INIT_PID")
  [[ ${#dirs[@]} -gt 0 ]] || fail "no cgroup found for the init"
  for dir in "${dirs[@]}"; do
    [[ -d $dir ]] || fail "not a cgroup directory: $dir"
    make_sub_cgroup "$dir" sub
  done
  local pid_file="$BATS_TEST_TMPDIR/exec.pid"
  skiff exec -d --cgroup sub --pid-file "$pid_file" "$ID" sleep 1000 </dev/null >/dev/null \
    2>"$BATS_TEST_TMPDIR/err" || fail "exec --cgroup failed: $(<"$BATS_TEST_TMPDIR/err")"
  local pid
  pid=$(<"$pid_file")
  # in every hierarchy: the init's path plus /sub
  paste -d' ' <(cut -d: -f3 "/proc/$INIT_PID/cgroup") <(cut -d: -f3 "/proc/$pid/cgroup") |
    while read -r init_path exec_path; do
      [[ $exec_path == "${init_path%/}/sub" ]] || fail "$exec_path is not $init_path/sub"
    done
  skiff delete --force "$ID"
}

@test "exec --cgroup CONTROLLER:PATH: the sub-cgroup in that controller only (cgroup v1)" {
  requires cgroup1
  start_sleeper
  local memory
  memory=$(host_cgroup_dirs "$INIT_PID" | grep '/memory/') || skip "no memory hierarchy"
  make_sub_cgroup "$memory" sub
  run --separate-stderr skiff exec --cgroup memory:sub "$ID" cat /proc/self/cgroup
  assert_success
  local id ctrls path want
  while IFS=: read -r id ctrls path; do
    want=$(awk -F: -v id="$id" '$1 == id { print $3 }' "/proc/$INIT_PID/cgroup")
    [[ $ctrls == memory ]] && want=${want%/}/sub
    [[ $path == "$want" ]] || fail "$ctrls: $path, not $want"
  done <<<"$output"
  skiff delete --force "$ID"
}

@test "exec --cgroup: repeated, one per controller list, as runc; an unprefixed one must be alone" {
  requires cgroup1
  start_sleeper
  local memory pids
  memory=$(host_cgroup_dirs "$INIT_PID" | grep '/memory/') || skip "no memory hierarchy"
  pids=$(host_cgroup_dirs "$INIT_PID" | grep '/pids/') || skip "no pids hierarchy"
  make_sub_cgroup "$memory" msub
  make_sub_cgroup "$pids" psub
  run --separate-stderr skiff exec --cgroup memory:msub --cgroup pids:psub "$ID" cat /proc/self/cgroup
  assert_success
  local id ctrls path want
  while IFS=: read -r id ctrls path; do
    want=$(awk -F: -v id="$id" '$1 == id { print $3 }' "/proc/$INIT_PID/cgroup")
    [[ $ctrls == memory ]] && want=${want%/}/msub
    [[ $ctrls == pids ]] && want=${want%/}/psub
    [[ $path == "$want" ]] || fail "$ctrls: $path, not $want"
  done <<<"$output"
  run --separate-stderr skiff exec --cgroup msub --cgroup pids:psub "$ID" true
  expect_error exec --max "$EXEC_MAX" "invalid --cgroup argument: msub (missing <controller>: prefix)"
  skiff delete --force "$ID"
}

@test "exec --cgroup: a sub-cgroup that does not exist is a one-line error naming it" {
  start_sleeper
  run --separate-stderr skiff exec --cgroup no-such-sub "$ID" true
  expect_error exec --max "$EXEC_MAX" "no-such-sub"
  skiff delete --force "$ID"
}

@test "exec --cgroup: a path that climbs out with .. is not a sub cgroup path; a leading / is the container's" {
  start_sleeper
  local sub
  for sub in ../x pids:../x a/../../x ..; do
    run --separate-stderr skiff exec --cgroup "$sub" "$ID" true
    expect_error exec --max "$EXEC_MAX" "is not a sub cgroup path"
  done
  # as runc joins it to the container's cgroup: "/" and "a/.." are that cgroup itself
  run --separate-stderr skiff exec --cgroup / "$ID" true
  assert_success
  skiff delete --force "$ID"
}

@test "exec -t -d without --console-socket, and --console-socket without -t, are refused" {
  start_sleeper
  run --separate-stderr skiff exec -t -d "$ID" true
  expect_error exec --max "$EXEC_MAX" "cannot allocate tty" "console socket"
  run --separate-stderr skiff exec --console-socket "$BATS_TEST_TMPDIR/sock" "$ID" true
  expect_error exec --max "$EXEC_MAX" "cannot use console socket"
  skiff delete --force "$ID"
}

# recvtty (contrib/recvtty, built with skiff) takes the pty master a runtime sends.
recvtty_binary() {
  local dir
  for dir in "${SKIFF_BUILDDIR-}" "$(dirname "$SKIFF")" "$BATS_TEST_DIRNAME/../.."; do
    [[ -n $dir && -x $dir/contrib/recvtty/recvtty ]] && { echo "$dir/contrib/recvtty/recvtty"; return 0; }
  done
  # make builds it with skiff: its absence is a broken build, not a reason to skip
  fail "contrib/recvtty is not built (make; set SKIFF_BUILDDIR for a separate build tree)"
}

@test "exec -t --console-socket -d: the pty reaches the socket, input and output go both ways" {
  local recvtty
  recvtty=$(recvtty_binary)
  start_sleeper
  local sock="$BATS_TEST_TMPDIR/tty.sock" fifo="$BATS_TEST_TMPDIR/in" out="$BATS_TEST_TMPDIR/tty.out"
  mkfifo "$fifo"
  "$recvtty" --pid-file "$BATS_TEST_TMPDIR/recvtty.pid" "$sock" <"$fifo" >"$out" 2>&1 3>&- &
  local recvtty_pid=$!
  defer kill "$recvtty_pid"
  exec 5>"$fifo"
  wait_for_file "$BATS_TEST_TMPDIR/recvtty.pid"
  skiff exec -t -d --console-socket "$sock" --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sh </dev/null \
    >/dev/null 2>"$BATS_TEST_TMPDIR/err" || fail "exec: $(<"$BATS_TEST_TMPDIR/err")"
  echo "tty; echo ping-\$((6 * 7)); exit" >&5
  exec 5>&-
  local tries=100
  while kill -0 "$recvtty_pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
  run cat "$out"
  assert_line --regexp '^/dev/pts/[0-9]+'
  assert_line --partial ping-42
  skiff delete --force "$ID"
}

@test "exec -t in the foreground on a terminal relays input and output" {
  requires script
  start_sleeper
  run script -qec "$(printf '%q ' "$SKIFF" --root "$SKIFF_ROOT" exec -t "$ID" sh -c 'tty; echo relay-$((6 * 7)); exit 3')" /dev/null </dev/null
  assert_failure 3
  assert_output --regexp '/dev/pts/[0-9]+'
  assert_output --partial relay-42
  skiff delete --force "$ID"
}
