# Shared by every tests/bats/*.bats file:
#
#   load helpers
#   setup()    { setup_bundle; }       # fresh bundle in $BUNDLE (cwd), container id in $ID
#   teardown() { teardown_bundle; }    # deferred cleanups, then the leak check
#
# Runtime under test: $SKIFF_BINARY (run-tests.sh sets it to the built ./skiff), else the skiff at
# the top of the tree. The suite is validated against runc too: SKIFF_BINARY=/usr/bin/runc bats tests/bats
#
# What a test gets:
#   skiff ARGS...                the runtime with --root "$SKIFF_ROOT" (a per-test state root), killed
#                                after $SKIFF_TEST_TIMEOUT seconds (default 120)
#   $BUNDLE $ROOTFS $ID          the bundle (config.json + busybox rootfs) and a unique container id
#   new_id                       another unique id for this test
#   set_args CMD...              process.args of the bundle's config.json
#   update_config FILTER [JQ ARGS]   edits config.json with jq: update_config '.hostname = $h' --arg h x
#   add_namespace TYPE [PATH] / remove_namespace TYPE
#   run_container [CMD...]       `skiff run` of a fresh id in the foreground; sets $status/$output/$stderr
#   create_container ID [FLAGS]  `skiff create`, the container's stdio on $BATS_TEST_TMPDIR/ID.{out,err}
#   container_status ID / container_pid ID / wait_for_status ID STATUS [SECONDS] / wait_for_file PATH
#   shared_dir                   bind-mounts a fresh host dir at /shared (rw) and prints its host path
#   helper_program NAME          path of tests/helpers/NAME (static test programs, built by make)
#   defer CMD...                 runs CMD at teardown, before the leak check (host mounts, netns...)
#   requires FEATURE...          skips unless each is there: root, cgroup2, cgroup1, systemd, userns,
#                                timens, qemu, or any command name
#   is_runc / runc_lacks REASON  the runtime is runc; skip a test for a feature runc 1.1 lacks
#   sanitizer_build / sanitizers_prevent REASON   the runtime has ASan (./configure
#                                --enable-sanitizers); skip a test that cannot hold under it by nature
#   capture CMD...               `run --separate-stderr` through files (for commands that may leave a
#                                container holding the test's pipes)
#   expect_error CMD [--runc TEXT]... [--runc-lines N] [--max N] TEXT...
#                                after `run --separate-stderr skiff ...` or capture: an error exit, one
#                                stderr line "skiff: CMD: ..." holding every TEXT (runc: its own wording,
#                                the --runc TEXTs); CMD "" for errors before a subcommand ("skiff: ...")
#
# The bundle: config.json is fixtures/config.json (runc 1.1's `runc spec`, terminal false, hostname
# "skiff"), so the suite does not depend on `skiff spec`; the rootfs is a static busybox with one symlink
# per applet, /etc/passwd and /etc/group (root, user 1000, nobody), built once per run under
# $SKIFF_FIXTURE_DIR (default: the bats run's temp dir) from $SKIFF_TEST_BUSYBOX (default /bin/busybox).
#
# The leak check fails the test when, after it, its state root holds an entry, a mount is left under
# its temp dir, a process is left with its cwd/root in the bundle (or in a cgroup or a mount namespace
# rooted there), a cgroup or netns named after one of its ids exists. It removes what it finds first,
# so one failing test does not poison the next.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

SKIFF=${SKIFF_BINARY:-$BATS_TEST_DIRNAME/../../skiff}
if [[ $SKIFF != /* ]]; then
  SKIFF=$(cd "$(dirname "$SKIFF")" && pwd)/$(basename "$SKIFF")
fi
BUSYBOX=${SKIFF_TEST_BUSYBOX:-/bin/busybox}
# ids are "<prefix>-<n>": the prefix is unique per test and per run, so leftovers are attributable
ID_PREFIX="sk${BATS_SUITE_TEST_NUMBER:-0}x$$"
SKIFF_ROOT="$BATS_TEST_TMPDIR/state"
DEFERRED=()
# `script -c CMD` (the pty tests) runs CMD with $SHELL, or /bin/sh where it is unset, as in CI: the
# tests quote CMD with bash's printf %q, whose $'...' (an argument with a newline) dash reads as
# other words (busybox sh in the container then says "syntax error", exit 2).
export SHELL=/bin/bash

is_runc() {
  if [[ -z ${SKIFF_RUNTIME_NAME-} ]]; then
    SKIFF_RUNTIME_NAME=$("$SKIFF" --version 2>/dev/null | awk 'NR == 1 { print $1 }')
  fi
  [[ $SKIFF_RUNTIME_NAME == runc ]]
}

# A feature runc 1.1 does not have: the test still runs against skiff.
runc_lacks() {
  if is_runc; then
    skip "runc 1.1 lacks: $*"
  fi
}

# ASan's runtime in the binary under test (gcc links libasan, clang links it in: either way the
# binary refers to __asan_init).
sanitizer_build() {
  if [[ -z ${SKIFF_SANITIZED-} ]]; then
    SKIFF_SANITIZED=no
    if nm -D "$SKIFF" 2>/dev/null | grep -q ' __asan_init'; then
      SKIFF_SANITIZED=yes
    fi
  fi
  [[ $SKIFF_SANITIZED == yes ]]
}

# A test that cannot hold under ASan by nature (its shadow memory, its slower code): the reason says
# which of them and why.
sanitizers_prevent() {
  if sanitizer_build; then
    skip "under ASan (--enable-sanitizers): $*"
  fi
}

skiff() {
  # A hung runtime fails its test instead of hanging the suite. fd 3 is bats' own output: a runtime
  # that leaked it into a container would hang the suite too.
  timeout --foreground -k 5 "${SKIFF_TEST_TIMEOUT:-120}" "$SKIFF" --root "$SKIFF_ROOT" "$@" 3>&-
}

new_id() {
  local counter="$BATS_TEST_TMPDIR/.ids" n=0
  [[ -e $counter ]] && n=$(<"$counter")
  n=$((n + 1))
  echo "$n" >"$counter"
  echo "$ID_PREFIX-$n"
}

# Whether the host's cgroups are the unified (v2) hierarchy.
v2_host() {
  [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]
}

requires() {
  local feature
  for feature in "$@"; do
    case $feature in
    root) [[ $EUID -eq 0 ]] || skip "needs root" ;;
    cgroup2) [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]] || skip "needs a cgroup v2 host" ;;
    cgroup1) [[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]] || skip "needs a cgroup v1 host" ;;
    systemd) [[ -d /run/systemd/system ]] || skip "needs systemd as init" ;;
    userns) [[ -e /proc/self/ns/user && $(cat /proc/sys/user/max_user_namespaces) -gt 0 ]] ||
      skip "needs user namespaces" ;;
    timens) [[ -e /proc/self/ns/time ]] || skip "needs time namespaces (Linux 5.6)" ;;
    qemu) command -v qemu-system-x86_64 >/dev/null || skip "needs qemu-system-x86_64" ;;
    *) command -v "$feature" >/dev/null || skip "needs the command $feature" ;;
    esac
  done
}

# The busybox rootfs, built once per run (or once per SKIFF_FIXTURE_DIR) and copied into each bundle.
build_rootfs() {
  FIXTURE_DIR=${SKIFF_FIXTURE_DIR:-$BATS_RUN_TMPDIR/fixture}
  [[ -e $FIXTURE_DIR/ready ]] && return 0
  if [[ ! -x $BUSYBOX ]] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "the test rootfs needs a static busybox at $BUSYBOX: apt-get install busybox-static" >&2
    return 1
  fi
  mkdir -p "$FIXTURE_DIR"
  (
    flock 9
    [[ -e $FIXTURE_DIR/ready ]] && exit 0
    local r="$FIXTURE_DIR/rootfs" applet
    rm -rf "$r"
    mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,home/user}
    chmod 1777 "$r/tmp"
    chown 1000:1000 "$r/home/user"
    cp "$BUSYBOX" "$r/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
      [[ $applet == busybox ]] || ln -s busybox "$r/bin/$applet"
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'user:x:1000:1000:user:/home/user:/bin/sh' \
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
    printf '%s\n' 'root:x:0:' 'user:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
    touch "$FIXTURE_DIR/ready"
  ) 9>"$FIXTURE_DIR/lock"
}

setup_bundle() {
  build_rootfs || return 1
  ID=$(new_id)
  BUNDLE="$BATS_TEST_TMPDIR/bundle"
  ROOTFS="$BUNDLE/rootfs"
  # bats makes its temp dirs 0700: a container whose root is mapped to another host uid must still
  # reach its rootfs
  chmod 711 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR"
  mkdir -p "$BUNDLE"
  cp -a "$FIXTURE_DIR/rootfs" "$ROOTFS"
  cp "$BATS_TEST_DIRNAME/fixtures/config.json" "$BUNDLE/config.json"
  cd "$BUNDLE" || return 1
  if [[ $# -gt 0 ]]; then
    set_args "$@"
  fi
}

update_config() {
  local filter=$1
  shift
  jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
    mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

set_args() {
  # one --arg per element: jq would take an argument like "-c" given to --args as its own option
  local -a jq_args=()
  local list='' sep='' i
  for ((i = 1; i <= $#; i++)); do
    jq_args+=(--arg "a$i" "${!i}")
    list+="$sep\$a$i"
    sep=,
  done
  update_config ".process.args = [$list]" "${jq_args[@]}"
}

# Adds a namespace (optionally with a path) to the config, replacing one of the same type.
add_namespace() {
  if [[ $# -gt 1 ]]; then
    update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)] + [{type: $t, path: $p}]' \
      --arg t "$1" --arg p "$2"
  else
    update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)] + [{type: $t}]' --arg t "$1"
  fi
}

remove_namespace() {
  update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)]' --arg t "$1"
}

# helper_program NAME: the path of tests/helpers/NAME, built by make (static programs the tests put in
# containers); fails the test when it is not built.
helper_program() {
  local path=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/tests/helpers/$1
  [[ -x $path ]] || fail "tests/helpers/$1 is not built (make; set SKIFF_BUILDDIR for a separate build tree)"
  echo "$path"
}

# A fresh host directory bind-mounted read-write at /shared in the container.
shared_dir() {
  local dir="$BATS_TEST_TMPDIR/shared"
  mkdir -p "$dir"
  chmod 777 "$dir"
  update_config '.mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind", "rw"]}]' \
    --arg s "$dir"
  echo "$dir"
}

# `skiff run` of a fresh id in the foreground, stdin from /dev/null; stdout in $output, stderr in $stderr.
run_container() {
  if [[ $# -gt 0 ]]; then
    set_args "$@"
  fi
  run --separate-stderr skiff run --bundle "$BUNDLE" "$(new_id)" </dev/null
  # shown only if the test fails
  echo "run_container: status $status, stderr: $stderr" >&2
}

# capture CMD...: `run --separate-stderr` through files, stdin from /dev/null: a container wrongly
# created by CMD cannot hold the test's pipes open. Sets status, output, lines, stderr, stderr_lines.
capture() {
  local out="$BATS_TEST_TMPDIR/capture.out" err="$BATS_TEST_TMPDIR/capture.err"
  status=0
  "$@" </dev/null >"$out" 2>"$err" || status=$?
  output=$(<"$out")
  stderr=$(<"$err")
  mapfile -t lines <"$out"
  mapfile -t stderr_lines <"$err"
  echo "capture: $*: status $status, stderr: $stderr" >&2
}

create_container() {
  local id=$1
  shift
  if ! skiff create --bundle "$BUNDLE" "$@" "$id" </dev/null >"$BATS_TEST_TMPDIR/$id.out" \
    2>"$BATS_TEST_TMPDIR/$id.err"; then
    fail "create $id failed: $(cat "$BATS_TEST_TMPDIR/$id.err")"
  fi
}

container_status() {
  skiff state "$1" | jq -r .status
}

container_pid() {
  skiff state "$1" | jq -r .pid
}

# wait_for_status ID STATUS [SECONDS]
wait_for_status() {
  local id=$1 want=$2 tries=$((${3:-5} * 20)) got
  while ((tries-- > 0)); do
    got=$(container_status "$id" 2>/dev/null)
    [[ $got == "$want" ]] && return 0
    sleep 0.05
  done
  fail "container $id is \"$got\", not \"$want\""
}

# wait_for_file PATH [SECONDS]
wait_for_file() {
  local tries=$((${2:-5} * 20))
  while ((tries-- > 0)); do
    [[ -e $1 ]] && return 0
    sleep 0.05
  done
  fail "$1 did not appear"
}

# expect_error COMMAND [--runc TEXT]... [--runc-lines N] [--max N] TEXT...
# After `run --separate-stderr skiff ...`: the runtime failed cleanly (exit 1..125, or ..N with --max),
# and its stderr is one line naming the problem: skiff's starts "skiff: COMMAND: " and holds every
# TEXT; runc's wording differs, so under runc the --runc TEXTs (default: the TEXTs) are looked for and
# --runc-lines N allows runc up to N lines. Only message text depends on the runtime.
expect_error() {
  local cmd=$1 max=125 runc_lines=1 text
  local -a texts=() runc_texts=()
  shift
  while [[ $# -gt 0 ]]; do
    case $1 in
    --runc) runc_texts+=("$2"); shift 2 ;;
    --runc-lines) runc_lines=$2; shift 2 ;;
    --max) max=$2; shift 2 ;;
    *) texts+=("$1"); shift ;;
    esac
  done
  if ((status == 0 || status > max)); then
    fail "expected an error exit (1..$max), got $status; stderr: $stderr"
  fi
  local max_lines=1
  if is_runc; then
    max_lines=$runc_lines
    [[ ${#runc_texts[@]} -gt 0 ]] && texts=("${runc_texts[@]}")
  fi
  if [[ ${#stderr_lines[@]} -lt 1 || ${#stderr_lines[@]} -gt $max_lines || -z ${stderr_lines[0]} ]]; then
    fail "expected $max_lines line(s) on stderr at most, got ${#stderr_lines[@]}: $stderr"
  fi
  local prefix="skiff: ${cmd:+$cmd: }"
  if ! is_runc && [[ $stderr != "$prefix"* ]]; then
    fail "stderr does not start with \"$prefix\": $stderr"
  fi
  for text in "${texts[@]}"; do
    [[ $stderr == *"$text"* ]] || fail "stderr does not name \"$text\": $stderr"
  done
}

defer() {
  local q
  printf -v q '%q ' "$@"
  DEFERRED+=("$q")
}

# ---- teardown: deferred cleanups, then the leak check ----------------------------------------------

teardown_bundle() {
  cd / || return 1
  local i
  for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do
    eval "${DEFERRED[i]}" >/dev/null 2>&1 || true
  done
  check_leaks
}

_leaks=()
_leak() {
  _leaks+=("$*")
}

# The bundle's path inside its filesystem, as the root field of a mountinfo line shows it from a
# container's mount namespace (the cwd/root links of a pivoted process only say "/").
_bundle_fs_path() {
  local mp
  mp=$(stat -c %m "$BUNDLE") || return 1
  awk -v mp="$mp" -v path="$BUNDLE" '$5 == mp { root = $4 }
    END { if (root == "") exit 1; print root "/" substr(path, length(mp) + 1) }' /proc/self/mountinfo |
    sed 's#//*#/#g'
}

_leaked_processes() {
  local self_mnt fs_path line pid what target
  self_mnt=$(readlink /proc/self/ns/mnt)
  [[ -n ${BUNDLE-} && -d ${BUNDLE-} ]] && fs_path=$(_bundle_fs_path)
  {
    if [[ -n ${BUNDLE-} ]]; then
      find /proc -mindepth 2 -maxdepth 2 -regex '/proc/[0-9]+/\(cwd\|root\)' -printf '%h %f %l\n' 2>/dev/null |
        while read -r pid what target; do
          [[ $target == "$BUNDLE" || $target == "$BUNDLE/"* ]] && echo "${pid#/proc/} $what is $target"
        done
      if [[ -n $fs_path ]]; then
        find /proc -mindepth 3 -maxdepth 3 -regex '/proc/[0-9]+/ns/mnt' -printf '%h %l\n' 2>/dev/null |
          while read -r pid target; do
            pid=${pid%/ns}
            [[ $target == "$self_mnt" ]] && continue
            awk -v p="$fs_path" '$5 == "/" && (index($4, p "/") == 1 || $4 == p) { found = 1 }
              END { exit !found }' "$pid/mountinfo" 2>/dev/null && echo "${pid#/proc/} has its root in the bundle"
          done
      fi
    fi
    grep -l -F -- "$ID_PREFIX-" /proc/[0-9]*/cgroup 2>/dev/null | while read -r line; do
      line=${line#/proc/}
      echo "${line%/cgroup} is in a cgroup of this test"
    done
  } | while read -r pid line; do
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    # zombies hold nothing but their pid; their parent (maybe pid 1) reaps them
    [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == [ZX] ]] && continue
    echo "$pid $line"
  done | sort -un
}

_leaked_mounts() {
  awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir "/") == 1 || $5 == dir { print $5 }' /proc/self/mountinfo
}

_leaked_cgroups() {
  find /sys/fs/cgroup -maxdepth 7 -type d -name "*$ID_PREFIX-*" 2>/dev/null | sort -r
}

check_leaks() {
  _leaks=()
  local entry pid line dir tries
  if [[ -d $SKIFF_ROOT ]]; then
    for entry in "$SKIFF_ROOT"/*; do
      [[ -e $entry ]] || continue
      _leak "state entry left: $entry"
      timeout 20 "$SKIFF" --root "$SKIFF_ROOT" delete --force "${entry##*/}" </dev/null >/dev/null 2>&1 3>&-
      rm -rf "$entry"
    done
  fi
  while read -r pid line; do
    [[ -n $pid ]] || continue
    _leak "process left: $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) $line"
    kill -9 "$pid" 2>/dev/null
  done < <(_leaked_processes)
  while read -r dir; do
    [[ -n $dir ]] || continue
    _leak "cgroup left: $dir"
    for tries in 1 2 3 4 5 6 7 8 9 10; do
      xargs -r kill -9 <"$dir/cgroup.procs" 2>/dev/null
      find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d $dir ]] || break
      sleep 0.1
    done
  done < <(_leaked_cgroups)
  while read -r dir; do
    [[ -n $dir ]] || continue
    _leak "mount left: $dir"
  done < <(_leaked_mounts)
  # deepest first; lazily, so a busy one still goes before bats removes the temp dir
  _leaked_mounts | sort -r | while read -r dir; do umount -l "$dir" 2>/dev/null; done
  if command -v ip >/dev/null; then
    while read -r entry _; do
      [[ $entry == "$ID_PREFIX-"* ]] || continue
      _leak "netns left: $entry"
      ip netns delete "$entry" 2>/dev/null
    done < <(ip netns list 2>/dev/null)
  fi
  if [[ ${#_leaks[@]} -gt 0 ]]; then
    printf 'leak: %s\n' "${_leaks[@]}" >&2
    return 1
  fi
}
