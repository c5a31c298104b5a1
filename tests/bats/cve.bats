#!/usr/bin/env bats
# Container breakouts runtimes have had, each reproduced against skiff: the attack is carried out
# and must find nothing of the host.
#   CVE-2019-5736   the host's runtime binary overwritten through /proc/<pid>/exe
#   CVE-2024-21626  a host directory fd leaked into the container (process.cwd /proc/self/fd/N)
#   CVE-2025-31133  maskedPaths bound from a /dev/null that is a symlink
#   CVE-2025-52565  the /dev/console bind led elsewhere by a symlink
#   CVE-2025-52881  procfs writes (sysctl, oom_score_adj, /dev/null reopened) redirected
# and the init's non-dumpability until exec, and rootfs symlinks that point out of the rootfs.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# ---- CVE-2019-5736 ---------------------------------------------------------------------------------
# The runtime's binary overwritten from a container. Two ways in: a container's program that is a script
# starting with `#!/proc/self/exe` makes the kernel execute the runtime's own binary in the container,
# whose ELF interpreter then comes from the image (tests/helpers/fake-loader.c); or a process with
# CAP_SYS_PTRACE opens /proc/<pid>/exe of the runtime's init or exec children (tests/helpers/
# exe-watcher.c). Each attack runs against a copy of the runtime in the test's directory, never against
# the binary under test itself.

# The copy in $RT_COPY (named so that its processes' comm starts with "skiff", as exe-watcher looks
# for), its checksum in $RT_SUM; rt ARGS... runs it with the test's --root.
copy_runtime() {
  RT_COPY="$BATS_TEST_TMPDIR/skiff-copy"
  cp "$SKIFF" "$RT_COPY"
  RT_SUM=$(sha256sum <"$RT_COPY")
}

rt() {
  timeout --foreground -k 5 "${SKIFF_TEST_TIMEOUT:-120}" "$RT_COPY" --root "$SKIFF_ROOT" "$@" 3>&-
}

assert_runtime_intact() {
  [[ $(sha256sum <"$RT_COPY") == "$RT_SUM" ]] || fail "the runtime binary was modified: $(head -c 64 "$RT_COPY" | tr -cd '[:print:]\n')"
}

# The image's half of the #!/proc/self/exe attack: the fake ELF interpreter at the path of the runtime's
# PT_INTERP, /pwn (the script), and /shared, where the interpreter reports (report_exe_attack).
plant_exe_attack() {
  local interp loader
  requires readelf
  interp=$(readelf -l "$RT_COPY" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  [[ -n $interp ]] || skip "a static runtime: there is no ELF interpreter for an image to supply"
  INTERP=$interp
  loader=$(helper_program fake-loader)
  mkdir -p "$ROOTFS$(dirname "$interp")"
  cp "$loader" "$ROOTFS$interp"
  printf '#!/proc/self/exe\n' >"$ROOTFS/pwn"
  chmod 755 "$ROOTFS/pwn"
  SHARED=${SHARED:-$(shared_dir)}
  update_config '.process.env += ["ATTACK_REPORT=/shared/report", "ATTACK_SELF=" + $i, "ATTACK_SECONDS=20"]' \
    --arg i "$interp"
}

report_exe_attack() {
  local report=""
  [[ -e $SHARED/report ]] && report=$(cat "$SHARED/report")
  echo "fake interpreter's report: ${report:-none (it never ran)}"
  assert_runtime_intact
  [[ $report != *written* ]] || fail "the image's interpreter wrote the runtime binary: $report"
}

# wait_for_exit PID [SECONDS]: the process is gone (or a zombie)
wait_for_exit() {
  local tries=$((${2:-30} * 20)) state
  while ((tries-- > 0)); do
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [[ $state == Z ]] && return 0
    sleep 0.05
  done
  fail "process $1 did not exit"
}

@test "CVE-2019-5736: #!/proc/self/exe as the container's process cannot write the runtime binary (run)" {
  copy_runtime
  plant_exe_attack
  update_config '.process.args = ["/pwn"]'
  rt run -d --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "run: $(cat "$BATS_TEST_TMPDIR/out")"
  wait_for_status "$ID" stopped 30
  rt delete "$ID"
  report_exe_attack
}

@test "CVE-2019-5736: #!/proc/self/exe started by exec cannot write the runtime binary" {
  copy_runtime
  plant_exe_attack
  update_config '.process.args = ["sleep", "1000"]'
  rt run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run failed"
  rt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" /pwn </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 ||
    echo "exec: $(cat "$BATS_TEST_TMPDIR/out")"
  [[ -s $BATS_TEST_TMPDIR/pid ]] && wait_for_exit "$(cat "$BATS_TEST_TMPDIR/pid")"
  rt delete --force "$ID"
  report_exe_attack
}

@test "CVE-2019-5736: #!/proc/self/exe in a user namespace that maps root to the host's root" {
  requires userns
  copy_runtime
  plant_exe_attack
  update_config '.process.args = ["/pwn"] | .linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
  rt run -d --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "run: $(cat "$BATS_TEST_TMPDIR/out")"
  wait_for_status "$ID" stopped 30
  rt delete "$ID"
  report_exe_attack
}

# exe-watcher, built by make, copied into the rootfs as /watcher; WATCH is the command line that
# runs it, looking for the runtime's processes by their name (runc names its own "runc:[N:...]")
plant_watcher() {
  WATCH='["/watcher", "/shared/done", "60", "skiff"]'
  is_runc && WATCH='["/watcher", "/shared/done", "60", "runc"]'
  cp "$(helper_program exe-watcher)" "$ROOTFS/watcher"
  SHARED=${SHARED:-$(shared_dir)}
}

# A PATH of 3000 missing directories before /bin: each exec child looks a while for its program,
# between its last capability change and its exec (the window an attacker has).
long_path() {
  local path=/bin i
  for ((i = 0; i < 3000; i++)); do path="/nonexistent$i:$path"; done
  echo "$path"
}

# watched_execs ID N EXEC-OPTIONS...: N execs of `true` into ID, for a watcher to catch
watched_execs() {
  local id=$1 n=$2 i path
  shift 2
  path=$(long_path)
  for ((i = 0; i < n; i++)); do
    rt exec -e "PATH=$path" "$@" "$id" true </dev/null || fail "exec $i failed"
  done
}

# The watcher's report, after it was told to stop: in $ATTACK; it must have seen exec children.
watcher_report() {
  ATTACK=$(cat "$1")
  echo "watcher: $ATTACK"
  assert_runtime_intact
  [[ $ATTACK =~ seen=([0-9]+) ]] || fail "no report from the watcher: $ATTACK"
  ((BASH_REMATCH[1] > 0)) || fail "the watcher never saw an exec child: nothing was tested"
  [[ $ATTACK == *" exe_writes=0 "* && $ATTACK == *" written=0" ]] || fail "the watcher wrote what it reached: $ATTACK"
}

# The watcher as the container's process, with the capabilities of config filter $1 applied; N execs.
attack_runtime_exe() {
  copy_runtime
  plant_watcher
  update_config ".process.args = $WATCH"
  update_config "$1"
  rt create --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "create: $(cat "$BATS_TEST_TMPDIR/out")"
  rt start "$ID"
  watched_execs "$ID" 40
  touch "$SHARED/done"
  wait_for_status "$ID" stopped 20
  rt delete "$ID"
  watcher_report "$BATS_TEST_TMPDIR/out"
}

PTRACE_CAPS='.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"] | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'

@test "CVE-2019-5736: a container cannot reach the runtime binary through /proc/<pid>/exe of an exec" {
  attack_runtime_exe '.'
  # non-dumpable exec children: not even an O_PATH fd of their exe
  [[ $ATTACK == *" exe_paths=0 exe_writes=0 reopened=0 written=0" ]] || fail "the container reached the runtime: $ATTACK"
}

@test "CVE-2019-5736: with CAP_SYS_PTRACE the container reaches only a sealed copy of the runtime" {
  # CAP_SYS_PTRACE in the host's user namespace opens /proc/<pid>/exe of a non-dumpable process:
  # what it finds must be the sealed memfd copy skiff runs from for such containers
  attack_runtime_exe "$PTRACE_CAPS"
  [[ $ATTACK =~ exe_paths=([0-9]+) ]] && ((BASH_REMATCH[1] > 0)) ||
    fail "the attack opened no exe: CAP_SYS_PTRACE did not reach the exec children, nothing was tested: $ATTACK"
}

@test "CVE-2019-5736: exec --process without CAP_SYS_PTRACE next to a process that has it" {
  # The form containerd's shim uses: the exec's own process lacks CAP_SYS_PTRACE, the container's
  # has it. With the #!/proc/self/exe attack among the execs.
  copy_runtime
  plant_exe_attack
  plant_watcher
  update_config "$PTRACE_CAPS | .process.args = $WATCH"
  jq --arg path "$(long_path)" '.process | .args = ["true"] | .env = ["PATH=" + $path]
    | .capabilities |= map_values(map(select(. != "CAP_SYS_PTRACE")))' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
  jq '.args = ["/pwn"] | .env += ["ATTACK_REPORT=/shared/report", "ATTACK_SELF=" + $i]' \
    --arg i "$INTERP" "$BATS_TEST_TMPDIR/p.json" >"$BATS_TEST_TMPDIR/pwn.json"
  rt create --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "create: $(cat "$BATS_TEST_TMPDIR/out")"
  rt start "$ID"
  local i
  for ((i = 0; i < 40; i++)); do
    rt exec --process "$BATS_TEST_TMPDIR/p.json" "$ID" </dev/null || fail "exec $i failed"
  done
  rt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --process "$BATS_TEST_TMPDIR/pwn.json" "$ID" </dev/null >/dev/null 2>&1
  [[ -s $BATS_TEST_TMPDIR/pid ]] && wait_for_exit "$(cat "$BATS_TEST_TMPDIR/pid")"
  touch "$SHARED/done"
  wait_for_status "$ID" stopped 20
  rt delete "$ID"
  watcher_report "$BATS_TEST_TMPDIR/out"
  [[ $ATTACK =~ exe_paths=([0-9]+) ]] && ((BASH_REMATCH[1] > 0)) ||
    fail "the watcher opened no exe: CAP_SYS_PTRACE did not reach the exec children, nothing was tested"
  report_exe_attack
}

@test "CVE-2019-5736: after an exec gave CAP_SYS_PTRACE, every later exec runs from the sealed copy" {
  copy_runtime
  plant_watcher
  update_config '.process.args = ["sleep", "1000"]'
  rt run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run failed"
  local -a watch
  mapfile -t watch < <(jq -r '.[]' <<<"$WATCH")
  rt exec -d --cap CAP_SYS_PTRACE --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" "${watch[@]}" \
    </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "exec of the watcher failed"
  watched_execs "$ID" 40
  touch "$SHARED/done"
  wait_for_exit "$(cat "$BATS_TEST_TMPDIR/pid")"
  rt delete --force "$ID"
  watcher_report "$BATS_TEST_TMPDIR/out"
}

@test "CVE-2019-5736: execs into a container that joined another's pid namespace run from the sealed copy" {
  # The watcher's container holds CAP_SYS_PTRACE; the other one, in the same pid namespace, does not.
  copy_runtime
  plant_watcher
  update_config "$PTRACE_CAPS | .process.args = $WATCH"
  rt run -d --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "run of the watcher failed"
  local other=$(new_id) bundle2="$BATS_TEST_TMPDIR/bundle2" pid
  pid=$(container_pid "$ID")
  mkdir -p "$bundle2"
  jq --arg root "$ROOTFS" --arg ns "/proc/$pid/ns/pid" '.root.path = $root | .process.args = ["sleep", "1000"]
    | .process.capabilities |= map_values(map(select(. != "CAP_SYS_PTRACE")))
    | .mounts |= map(select(.destination != "/shared"))
    | .linux.namespaces = [.linux.namespaces[] | select(.type != "pid")] + [{type: "pid", path: $ns}]' \
    "$BUNDLE/config.json" >"$bundle2/config.json"
  rt run -d --bundle "$bundle2" "$other" </dev/null >/dev/null 2>&1 || fail "run of the second container failed"
  watched_execs "$other" 40
  touch "$SHARED/done"
  rt delete --force "$other"
  wait_for_status "$ID" stopped 20
  rt delete "$ID"
  watcher_report "$BATS_TEST_TMPDIR/out"
}

@test "CVE-2019-5736: CAP_SYS_PTRACE of a user namespace does not reach the runtime, which runs no copy then" {
  # Even with container root mapped to the host's root: the mm of skiff's init and exec children
  # belongs to the host's user namespace, and they are non-dumpable.
  requires userns
  attack_runtime_exe "$PTRACE_CAPS"' | .linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
  [[ $ATTACK == *" exe_paths=0 exe_writes=0 reopened=0 written=0" ]] || fail "the container reached the runtime: $ATTACK"
  runc_lacks "skiff's choice of when to run from a sealed copy"
  update_config '.process.args = ["sleep", "1000"]'
  create_container "$ID"
  run readlink "/proc/$(container_pid "$ID")/exe"
  [[ $output != *memfd* ]] || fail "a container in a user namespace got the sealed copy: $output"
  skiff delete --force "$ID"
}

@test "CVE-2019-5736: only containers that could reach it pay for the sealed copy" {
  runc_lacks "skiff's choice of when to run from a sealed copy"
  update_config '.process.args = ["sleep", "1000"]'
  create_container "$ID"
  run readlink "/proc/$(container_pid "$ID")/exe"
  [[ $output != *memfd* ]] || fail "a container without CAP_SYS_PTRACE got the sealed copy: $output"
  skiff delete --force "$ID"
  update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
  create_container "$ID"
  run readlink "/proc/$(container_pid "$ID")/exe"
  [[ $output == "/memfd:skiff (deleted)" ]] || fail "the init does not run from the sealed copy: $output"
  run cat "/proc/$(container_pid "$ID")/comm"
  assert_output skiff
  skiff delete --force "$ID"
  # a pid namespace it does not own: others' processes may hold CAP_SYS_PTRACE
  update_config '.process.capabilities.bounding -= ["CAP_SYS_PTRACE"]'
  remove_namespace pid
  create_container "$ID"
  run readlink "/proc/$(container_pid "$ID")/exe"
  [[ $output == "/memfd:skiff (deleted)" ]] || fail "a container in the host's pid namespace does not get the sealed copy: $output"
  skiff delete --force "$ID"
}

@test "CVE-2019-5736: the container's program is executed through a sealed static trampoline" {
  runc_lacks "skiff's exec trampoline"
  # what /proc/self/exe of the process that executes the container's program leads to
  printf '#!/proc/self/exe\n' >"$ROOTFS/pwn"
  chmod 755 "$ROOTFS/pwn"
  set_args /pwn
  capture skiff run --bundle "$BUNDLE" "$ID"
  [[ $status -eq 127 && $stderr == *"skiff's exec trampoline, not a command"* ]] ||
    fail "the script did not meet the trampoline: status $status, $stderr"
}

# ---- the init stays non-dumpable until exec --------------------------------------------------------

@test "non-dumpable init: a created container's init hides its environ and fds from the container" {
  update_config '.process.args = ["sleep", "1000"] | .process.env += ["SECRET=hunter2"]'
  create_container "$ID"
  run --separate-stderr skiff exec "$ID" cat /proc/1/environ </dev/null
  [[ $status -ne 0 && $output != *hunter2* ]] || fail "the init's environ was readable: $output"
  [[ $stderr == *"ermission denied"* ]] || fail "unexpected failure: $stderr"
  # the fd numbers are listed (the directory is root's, as the exec'd process is), never their targets
  run --separate-stderr skiff exec "$ID" ls -l /proc/1/fd/ </dev/null
  [[ $output != *"->"* ]] || fail "the init's fd targets were read: $output"
  run --separate-stderr skiff exec "$ID" readlink /proc/1/fd/0 </dev/null
  [[ $status -ne 0 && -z $output ]] || fail "the init's fd 0 was read: $output"
  run --separate-stderr skiff exec "$ID" readlink /proc/1/exe </dev/null
  [[ $status -ne 0 && $output != *skiff* ]] || fail "the init's exe was readable: $output"
  run --separate-stderr skiff exec "$ID" head -c 16 /proc/1/mem </dev/null
  [[ $status -ne 0 ]] || fail "the init's memory was readable"
  # once it has exec'd the container's process, that process is an ordinary one: the same reads work
  skiff start "$ID"
  wait_for_status "$ID" running
  run --separate-stderr skiff exec "$ID" cat /proc/1/environ </dev/null
  assert_success
  [[ $output == *SECRET=hunter2* ]] || fail "control: environ of the started process: $output"
  run --separate-stderr skiff exec "$ID" ls -l /proc/1/fd/ </dev/null
  [[ $output == *"->"* ]] || fail "control: fd targets of the started process: $output"
  skiff delete --force "$ID"
}

# ---- CVE-2024-21626 --------------------------------------------------------------------------------

# A host directory with a marker in it, held open by the runtime on fds 4..9.
host_marker_dir() {
  HOST_DIR="$BATS_TEST_TMPDIR/hostdir"
  mkdir -p "$HOST_DIR"
  echo host >"$HOST_DIR/host-marker"
}

@test "CVE-2024-21626: no fd of the runtime reaches the container process, run and exec alike" {
  host_marker_dir
  update_config '.process.args = ["sh", "-c", "ls /proc/self/fd; exec sleep 1000"]'
  skiff run -d --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 \
    4<"$HOST_DIR" 5<"$HOST_DIR" 6<"$HOST_DIR" 7<"$HOST_DIR" 8</ 9<"$BUNDLE"
  local tries=100
  while [[ ! -s $BATS_TEST_TMPDIR/out ]] && ((tries-- > 0)); do sleep 0.05; done
  # 0, 1, 2 and the fd ls has open on /proc/self/fd
  run cat "$BATS_TEST_TMPDIR/out"
  assert_output "$(printf '%s\n' 0 1 2 3)"
  run --separate-stderr skiff exec "$ID" ls /proc/self/fd </dev/null \
    4<"$HOST_DIR" 5<"$HOST_DIR" 6<"$HOST_DIR" 7<"$HOST_DIR" 8</ 9<"$BUNDLE"
  assert_success
  assert_output "$(printf '%s\n' 0 1 2 3)"
  skiff delete --force "$ID"
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N never puts the process in a host directory" {
  host_marker_dir
  local n
  for n in 3 4 5 6 7 8 9 10; do
    update_config '.process.cwd = $c | .process.args = ["sh", "-c", "ls -a; ls ../../../../../..; pwd"]' \
      --arg c "/proc/self/fd/$n"
    run --separate-stderr skiff run --bundle "$BUNDLE" "$(new_id)" </dev/null \
      4<"$HOST_DIR" 5<"$HOST_DIR" 6<"$HOST_DIR" 7<"$HOST_DIR" 8</ 9<"$BUNDLE" 10<"$HOST_DIR"
    echo "cwd /proc/self/fd/$n: status $status, output: $output, stderr: $stderr"
    [[ $output != *host-marker* && $output != *hostdir* && $output != *"$BATS_TEST_TMPDIR"* ]] ||
      fail "cwd /proc/self/fd/$n reached the host: $output"
  done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never puts the process in a host directory" {
  host_marker_dir
  update_config '.process.args = ["sleep", "1000"]'
  skiff run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
  local n
  for n in 3 4 5 6 7 8 9 10; do
    run --separate-stderr skiff exec --cwd "/proc/self/fd/$n" "$ID" sh -c 'ls -a; ls ../../../../../..; pwd' \
      </dev/null 4<"$HOST_DIR" 5<"$HOST_DIR" 6<"$HOST_DIR" 7<"$HOST_DIR" 8</ 9<"$BUNDLE" 10<"$HOST_DIR"
    [[ $output != *host-marker* && $output != *hostdir* && $output != *"$BATS_TEST_TMPDIR"* ]] ||
      fail "exec --cwd /proc/self/fd/$n reached the host: $output"
  done
  skiff delete --force "$ID"
}

# ---- CVE-2025-31133: maskedPaths and a symlinked /dev/null -------------------------------------------

# The image's own /dev, not a tmpfs: what the rootfs has there is what the runtime meets.
use_image_dev() {
  update_config '.mounts = [.mounts[] | select(.destination != "/dev")]'
  mkdir -p "$ROOTFS/dev"
  rm -f "$ROOTFS/dev/null"
}

# The host's value of a global procfs file in $SAVED, restored by the teardown if a test changed it.
guard_proc_value() {
  local file=$1
  SAVED=$(cat "$file")
  defer sh -c 'printf "%s\n" "$1" >"$2"' _ "$SAVED" "$file"
}

@test "CVE-2025-31133: a masked file is never bound from a /dev/null that is a symlink to a procfs file" {
  local pattern
  guard_proc_value /proc/sys/kernel/core_pattern
  pattern=$SAVED
  use_image_dev
  ln -s /proc/sys/kernel/core_pattern "$ROOTFS/dev/null"
  update_config '.linux.maskedPaths = ["/proc/kcore", "/proc/keys"] | .process.args = ["sh", "-c", "echo \"|/bin/pwned\" > /proc/keys; cat /proc/sys/kernel/core_pattern"]'
  run_container
  expect_error run "/dev/null" "not the null device"
  [[ $(cat /proc/sys/kernel/core_pattern) == "$pattern" ]] || fail "the host's core_pattern changed"
}

@test "CVE-2025-31133: a masked file is never bound from a /dev/null that is a symlink to a host file" {
  local host_file="$BATS_TEST_TMPDIR/host-secret"
  echo secret >"$host_file"
  use_image_dev
  ln -s "$host_file" "$ROOTFS/dev/null"
  update_config '.linux.maskedPaths = ["/etc/passwd"] | .process.args = ["cat", "/etc/passwd"]'
  run_container
  [[ $status -ne 0 ]] || fail "the container ran: $output"
  [[ $output != *secret* ]] || fail "the host file was bound into the container"
  if grep -q -F "$host_file" /proc/self/mountinfo; then fail "the host file is mounted somewhere"; fi
  [[ $(cat "$host_file") == secret ]]
}

@test "CVE-2025-52881: fds 0-2 are never reopened on a /dev/null that leads to a procfs file" {
  # Without a uts namespace the container's procfs shows the host's domainname: an init that
  # reopened its /dev/null stdio through the symlink would hand the container a writable fd on it.
  local domain
  guard_proc_value /proc/sys/kernel/domainname
  domain=$SAVED
  use_image_dev
  ln -s /proc/sys/kernel/domainname "$ROOTFS/dev/null"
  remove_namespace uts
  update_config 'del(.hostname) | .linux.maskedPaths = [] | .process.args = ["sh", "-c", "echo pwned; echo pwned >&2"]'
  # stdin and stdout the host's /dev/null, as a runtime started by a daemon has them
  status=0
  "$SKIFF" --root "$SKIFF_ROOT" run --bundle "$BUNDLE" "$(new_id)" </dev/null >/dev/null \
    2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
  stderr=$(<"$BATS_TEST_TMPDIR/err")
  mapfile -t stderr_lines <"$BATS_TEST_TMPDIR/err"
  [[ $(cat /proc/sys/kernel/domainname) == "$domain" ]] || fail "the host's domainname was written"
  expect_error run "/dev/null" "not the null device"
}

# ---- CVE-2025-52565: /dev/console -------------------------------------------------------------------

@test "CVE-2025-52565: the /dev/console bind never lands on a host file or a host procfs file" {
  local host_file="$BATS_TEST_TMPDIR/host-console" domain
  echo untouched >"$host_file"
  guard_proc_value /proc/sys/kernel/domainname
  domain=$SAVED
  use_image_dev
  mknod -m 666 "$ROOTFS/dev/null" c 1 3
  remove_namespace uts
  update_config 'del(.hostname) | .process.terminal = true'
  local target
  for target in "$host_file" /proc/sys/kernel/domainname; do
    rm -f "$ROOTFS/dev/console"
    ln -s "$target" "$ROOTFS/dev/console"
    set_args sh -c 'echo pwned > /dev/console; echo pwned > /proc/sys/kernel/domainname; true'
    run skiff run --bundle "$BUNDLE" "$(new_id)" </dev/null
    echo "console -> $target: status $status, output: $output"
    [[ $(cat "$host_file") == untouched ]] || fail "the host file was written"
    [[ $(cat /proc/sys/kernel/domainname) == "$domain" ]] || fail "the host's domainname was written"
    if grep -q -F "$host_file" /proc/self/mountinfo; then fail "a pty was mounted over the host file"; fi
  done
}

@test "CVE-2025-52565: /dev/console is the pty itself, never the target of a symlink the image put there" {
  use_image_dev
  mknod -m 666 "$ROOTFS/dev/null" c 1 3
  ln -s /proc/sys/kernel/domainname "$ROOTFS/dev/console"
  update_config '.process.terminal = true'
  set_args sh -c '[ -L /dev/console ] && echo symlink; grep -c domainname /proc/self/mountinfo; tty'
  run skiff run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_success
  [[ $output != *symlink* ]] || fail "/dev/console is still the image's symlink"
  [[ ${lines[0]} == 0* ]] || fail "the pty was mounted over the symlink's target: $output"
}

# ---- CVE-2025-52881: procfs writes redirected by mounts ------------------------------------------------

# A createContainer hook (run in the container's mount namespace before pivot_root) binds a global
# procfs file of the host over the file the init is about to write: a runtime that only checks
# "is on procfs" writes the host's value.
redirect_hook() {
  local target=$1 over=$2 hook="$BATS_TEST_TMPDIR/redirect-hook"
  printf '#!/bin/sh\nmount --bind %s "%s/%s"\n' "$target" "$ROOTFS" "$over" >"$hook"
  chmod +x "$hook"
  update_config '.hooks.createContainer = [{path: $h}]' --arg h "$hook"
}

@test "CVE-2025-52881: a sysctl is never written through a mount over /proc/sys" {
  local lease
  guard_proc_value /proc/sys/fs/lease-break-time
  lease=$SAVED
  redirect_hook /proc/sys/fs/lease-break-time proc/sys/kernel/shmmni
  update_config '.linux.sysctl = {"kernel.shmmni": "4017"}'
  run_container cat /proc/sys/kernel/shmmni
  [[ $(cat /proc/sys/fs/lease-break-time) == "$lease" ]] || fail "the host's fs.lease-break-time was written"
  expect_error run "kernel.shmmni" "mount"
}

@test "CVE-2025-52881: oomScoreAdj is never written through a mount over /proc/self/oom_score_adj" {
  local lease
  guard_proc_value /proc/sys/fs/lease-break-time
  lease=$SAVED
  # the init is pid 1 of the container's procfs
  redirect_hook /proc/sys/fs/lease-break-time proc/1/oom_score_adj
  update_config '.process.oomScoreAdj = 417'
  run_container true
  [[ $(cat /proc/sys/fs/lease-break-time) == "$lease" ]] || fail "the host's fs.lease-break-time was written"
  expect_error run "oomScoreAdj" "mount"
}

@test "CVE-2025-52881: a bind mount over /proc/sys in the config is refused, nothing written to its source" {
  local dir="$BATS_TEST_TMPDIR/fake-sys-kernel"
  mkdir -p "$dir"
  update_config '.mounts += [{destination: "/proc/sys/kernel", type: "bind", source: $d, options: ["rbind", "rw"]}]
    | .linux.sysctl = {"kernel.shmmni": "4017"}' --arg d "$dir"
  run_container true
  expect_error run "/proc/sys/kernel" "inside /proc"
  [[ -z $(ls -A "$dir") ]] || fail "something was written to the bind source: $(ls -A "$dir")"
}

# ---- symlinks in the rootfs --------------------------------------------------------------------------

@test "rootfs symlinks: /proc -> / is refused for the proc mount, the host's / is untouched" {
  rmdir "$ROOTFS/proc"
  ln -s / "$ROOTFS/proc"
  local before
  before=$(grep -c . /proc/self/mountinfo)
  run_container true
  expect_error run "/proc" "symlink"
  [[ $(grep -c . /proc/self/mountinfo) == "$before" ]] || fail "the host's mount table changed"
}

@test "rootfs symlinks: mount destinations pointing out of the rootfs land inside it" {
  local outside="$BATS_TEST_TMPDIR/outside"
  mkdir -p "$outside"
  ln -s "$outside" "$ROOTFS/abs"
  ln -s ../../../../../../../../.. "$ROOTFS/rel"
  update_config '.root.readonly = false | .mounts += [
      {destination: "/abs", type: "tmpfs", source: "tmpfs"},
      {destination: "/rel/escaped", type: "tmpfs", source: "tmpfs"}]'
  run_container sh -c 'touch /abs/x /rel/escaped/y && ls -d /abs/x /escaped/y'
  assert_success
  [[ -z $(ls -A "$outside") ]] || fail "the host directory was written: $(ls -A "$outside")"
  [[ ! -e /escaped ]] || fail "a directory was created at the host's /"
  if grep -q -F "$outside" /proc/self/mountinfo; then fail "a mount was made on the host path"; fi
}

# ---- --pid-file in a world-writable directory -----------------------------------------------------------

@test "--pid-file: a temporary name planted in a world-writable directory is never followed" {
  requires unshare
  local dir="$BATS_TEST_TMPDIR/public" victim="$BATS_TEST_TMPDIR/victim"
  mkdir -m 1777 "$dir"
  echo secret >"$victim"
  chmod 600 "$victim"
  # The runtime's temporary names beside the pid file: skiff's ".<name>.<pid>" (pid 2 in a pid
  # namespace of its own, below, with its own /proc), runc's ".<name>". A local user makes them
  # symlinks to a root file.
  ln -s "$victim" "$dir/.pid.2"
  ln -s "$victim" "$dir/.pid"
  set_args sleep 1000
  capture unshare --pid --fork --mount-proc sh -c '"$@"; exit $?' sh "$SKIFF" --root "$SKIFF_ROOT" run -d --pid-file "$dir/pid" \
    --bundle "$BUNDLE" "$ID"
  [[ $(cat "$victim") == secret ]] || fail "the root-owned file got the pid: $(cat "$victim")"
  [[ -L $dir/.pid.2 && -L $dir/.pid ]] || fail "a planted name was removed or replaced"
  if is_runc; then
    expect_error run --runc "file exists" --runc-lines 40
  else
    # skiff writes the pid file unnamed (O_TMPFILE) and links it: no temporary name to plant
    assert_equal "$status" 0
    [[ -f $dir/pid && ! -L $dir/pid && $(cat "$dir/pid") =~ ^[0-9]+$ ]] || fail "pid file: $(ls -l "$dir")"
  fi
  if skiff state "$ID" >/dev/null 2>&1; then skiff delete --force "$ID"; fi
}
