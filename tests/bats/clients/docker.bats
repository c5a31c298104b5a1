#!/usr/bin/env bats
# Docker Engine (Debian's docker.io 20.10) drives skiff: `docker run --runtime skiff`, as a Docker user
# types it, checked by what that user sees (output, exit status, `docker inspect`, `stty size` in a
# pty, a published port answering).
#
# One dockerd for the file, started by the file: its own data-root, exec-root, pidfile, socket and
# trust key in a temporary directory, the vfs storage driver (no overlay mounts), a cgroup parent of
# its own, its own managed containerd, and all of it (its docker0 bridge, iptables rules and
# docker-proxy too) in a network namespace the file makes, so the host's network is untouched. skiff
# is registered in daemon.json's `runtimes` as "skiff" (what README's "Use with Docker" shows); one
# test makes it the default runtime. Images: `docker import` of the suite's busybox rootfs, and
# `docker load` of an image built by a test. After each test every container and volume is removed
# and nothing may be left: no runtime state, no cgroup under the parent, no mount. At the end the
# daemon is stopped and everything it made is removed.
#
# Run against runc too (SKIFF_BINARY=/usr/sbin/runc): every test checks Docker's behaviour.

# this file sits one directory below helpers.bash: the default runtime is the tree's ./skiff
SKIFF_BINARY=${SKIFF_BINARY:-$BATS_TEST_DIRNAME/../../../skiff}
load ../helpers

DOCKER=/usr/bin/docker # Debian's CLI: /usr/local/bin/docker may be another one
IMAGE=skiff-busybox:test

docker_ready() {
  [[ $EUID -eq 0 && -x $DOCKER && -x /usr/sbin/dockerd ]] &&
    command -v containerd >/dev/null && command -v nsenter >/dev/null && command -v ip >/dev/null
}

setup_file() {
  docker_ready || return 0
  build_rootfs || return 1
  DK=$(mktemp -d "${TMPDIR:-/tmp}/skiff-docker.XXXXXX")
  local tag=${DK##*.}
  export DK DK_NS=skiff-docker-$tag DK_CG=/skiff-docker-$tag
  export DOCKER_HOST=unix://$DK/docker.sock DOCKER_CONFIG=$DK/cli
  # dockerd makes /run/docker/plugins, a fixed path: removed at the end unless it was there
  [[ -e /run/docker ]] || touch "$DK/made-run-docker"
  ip netns add "$DK_NS" || return 1
  ip -n "$DK_NS" link set lo up
  write_daemon_json
  nsenter --net="/run/netns/$DK_NS" /usr/sbin/dockerd --config-file "$DK/daemon.json" \
    </dev/null >"$DK/dockerd.log" 2>&1 3>&- &
  echo $! >"$DK/dockerd.pid"
  local tries=1200
  until dk version >/dev/null 2>&1; do
    ((tries-- > 0)) && kill -0 "$(<"$DK/dockerd.pid")" 2>/dev/null || return 0
    sleep 0.05
  done
  tar -C "$FIXTURE_DIR/rootfs" -cf - . | dk import - "$IMAGE" >/dev/null || return 0
  touch "$DK/up"
}

# daemon.json [EXTRA JSON]: README's "Use with Docker" settings, plus this daemon's private paths.
write_daemon_json() {
  local extra=${1:-'{}'}
  jq -n --arg d "$DK" --arg skiff "$SKIFF" --arg cg "$DK_CG" --argjson extra "$extra" '{
    "data-root": "\($d)/data", "exec-root": "\($d)/exec", "pidfile": "\($d)/docker.pid",
    "hosts": ["unix://\($d)/docker.sock"], "deprecated-key-path": "\($d)/key.json",
    "storage-driver": "vfs", "cgroup-parent": $cg,
    "runtimes": {"skiff": {"path": $skiff}},
    "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024}}
  } + $extra' >"$DK/daemon.json.new" && mv "$DK/daemon.json.new" "$DK/daemon.json"
}

teardown_file() {
  [[ -n ${DK-} && -d $DK ]] || return 0
  local pid tries
  if [[ -e $DK/dockerd.pid ]]; then
    pid=$(<"$DK/dockerd.pid")
    kill "$pid" 2>/dev/null
    for ((tries = 600; tries > 0; tries--)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
  fi
  # its containerd and shims, should dockerd have died without stopping them
  for pid in $(grep -l -F -- "$DK/exec/containerd/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    kill -9 "$pid" 2>/dev/null
  done
  awk -v d="$DK" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r mnt; do umount -l "$mnt"; done
  find /sys/fs/cgroup -maxdepth 3 -depth -type d -path "*$DK_CG*" -exec rmdir {} + 2>/dev/null
  ip netns delete "$DK_NS" 2>/dev/null
  if [[ -e $DK/made-run-docker ]]; then
    rmdir /run/docker/plugins /run/docker 2>/dev/null
  fi
  # never through a mount that is still there
  awk -v d="$DK" 'index($5, d "/") == 1 { bad = 1 } END { exit bad }' /proc/self/mountinfo && rm -rf "$DK"
  true
}

setup() {
  requires root "$DOCKER" dockerd containerd nsenter ip script
  build_rootfs
  [[ -e ${DK-}/up ]] || fail "dockerd did not start: $(tail -5 "${DK-}/dockerd.log" 2>/dev/null)"
}

# Every container and volume goes; then nothing of them may be left behind.
teardown() {
  local i tries left
  local -a ids
  for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do
    eval "${DEFERRED[i]}" >/dev/null 2>&1 || true
  done
  [[ -e ${DK-}/up ]] || return 0
  mapfile -t ids < <(dk ps -aq)
  [[ ${#ids[@]} -eq 0 ]] || dk rm -f -v "${ids[@]}" >/dev/null
  dk volume prune -f >/dev/null
  for ((tries = 100; tries > 0; tries--)); do
    left=$(docker_leftovers)
    [[ -z $left ]] && return 0
    sleep 0.05
  done
  echo "left behind: $left" >&2
  return 1
}

# Runtime state dirs, container cgroups under the parent, mounts of containers or volumes.
docker_leftovers() {
  find "$DK"/exec/runtime-*/moby -mindepth 1 -maxdepth 1 2>/dev/null
  find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path "*$DK_CG/*" 2>/dev/null
  awk -v d="$DK/data/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
    grep -E '/(containers|volumes)/'
}

dk() {
  timeout -k 5 120 "$DOCKER" "$@" 3>&-
}

dk_run() {
  dk run --runtime skiff --pull never "$@"
}

# in_pty STTY-ARGS CMD...: CMD in a fresh pty sized by `stty STTY-ARGS`, stdin fed through it;
# sets status and output (carriage returns dropped, and the "^@" the pty echoes when script passes
# on the end of its input).
in_pty() {
  local size=$1 cmd
  shift
  cmd=$(printf '%q ' "$@")
  run bash -c 'timeout -k 5 120 script -qec "stty $1; $2" /dev/null | tr -d "\r" | sed "s/\^@//g"; exit "${PIPESTATUS[0]}"' \
    _ "$size" "$cmd"
}

# Run in a container started by `docker run -it`/`exec -it`: the size of its terminal once Docker has
# set it (the CLI resizes the pty just after the process starts), at most 20 seconds later.
# (busybox's `stty size` of a 0x0 terminal prints nothing on stdout, and succeeds)
WAIT_SIZE='i=0; while s=$(stty size 2>/dev/null); do case $s in [1-9]*) break ;; esac
  i=$((i + 1)); [ $i -gt 400 ] && break; sleep 0.05; done; echo "size=$s"'

inspect() { # inspect FORMAT NAME
  dk inspect -f "$1" "$2"
}

# wait_for_inspect NAME FORMAT VALUE [SECONDS]
wait_for_inspect() {
  local tries=$((${4:-20} * 20)) got
  while ((tries-- > 0)); do
    got=$(inspect "$2" "$1" 2>/dev/null)
    [[ $got == "$3" ]] && return 0
    sleep 0.05
  done
  fail "$1: $2 is \"$got\", not \"$3\""
}

# The container's cgroup directory on the host for CONTROLLER (v1), or its v2 directory.
container_cgroup() { # NAME CONTROLLER
  local id
  id=$(inspect '{{.Id}}' "$1")
  if [[ -d /sys/fs/cgroup/$2$DK_CG/$id ]]; then
    echo "/sys/fs/cgroup/$2$DK_CG/$id"
  else
    echo "/sys/fs/cgroup$DK_CG/$id"
  fi
}

# A shell snippet printing a cgroup value from inside the container, v1 file or v2 file.
cg_read() { # V1-PATH V2-PATH
  echo "cat /sys/fs/cgroup/$1 2>/dev/null || cat /sys/fs/cgroup/$2"
}

@test "docker: the daemon runs a container on the runtime registered as skiff" {
  run dk info --format '{{(index .Runtimes "skiff").Path}}'
  assert_success
  assert_output "$SKIFF"
  dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
  assert_equal "$(inspect '{{.HostConfig.Runtime}}' c1)" skiff
  local id pid root
  id=$(inspect '{{.Id}}' c1)
  pid=$(inspect '{{.State.Pid}}' c1)
  # the runtime's own state of the container, read by that runtime
  root=$(dirname "$(find "$DK"/exec/runtime-*/moby -mindepth 1 -maxdepth 1 -name "$id")")
  [[ -d $root ]] || fail "no runtime state for $id under $DK/exec"
  run "$SKIFF" --root "$root" state "$id"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" running
  assert_equal "$(jq -r .pid <<<"$output")" "$pid"
  assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1000 "
}

@test "docker: skiff as default-runtime in daemon.json (reloaded by SIGHUP)" {
  defer reload_daemon
  write_daemon_json '{"default-runtime": "skiff"}'
  kill -HUP "$(<"$DK/dockerd.pid")"
  local tries=400
  until [[ $(dk info --format '{{.DefaultRuntime}}') == skiff ]]; do
    ((tries-- > 0)) || fail "dockerd did not take default-runtime skiff"
    sleep 0.05
  done
  dk run -d --pull never --name c1 "$IMAGE" sleep 1000 >/dev/null
  assert_equal "$(inspect '{{.HostConfig.Runtime}}' c1)" skiff
  local id root
  id=$(inspect '{{.Id}}' c1)
  root=$(dirname "$(find "$DK"/exec/runtime-*/moby -mindepth 1 -maxdepth 1 -name "$id")")
  run "$SKIFF" --root "$root" state "$id"
  assert_success
  assert_equal "$(jq -r .pid <<<"$output")" "$(inspect '{{.State.Pid}}' c1)"
  run dk run --rm --pull never "$IMAGE" sh -c 'echo default; exit 2'
  assert_equal "$status" 2
  assert_output default
}

reload_daemon() {
  write_daemon_json
  kill -HUP "$(<"$DK/dockerd.pid")"
  local tries=400
  while [[ $(dk info --format '{{.DefaultRuntime}}') == skiff ]] && ((tries-- > 0)); do sleep 0.05; done
}

@test "docker: run --rm: stdout, stderr, the exit status, nothing left" {
  run --separate-stderr dk_run --rm "$IMAGE" sh -c 'echo out; echo err >&2; exit 3'
  assert_equal "$status" 3
  assert_equal "$output" out
  assert_equal "$stderr" err
  run dk ps -aq
  assert_output ""
}

@test "docker: run -d, ps, logs, stop (SIGTERM reaches the container's handler), wait" {
  dk_run -d --name c1 "$IMAGE" sh -c 'echo started; echo to-stderr >&2
    trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
  run dk ps --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^c1 Up '
  wait_for_logs c1 started
  run --separate-stderr dk logs c1
  assert_output started
  assert_equal "$stderr" to-stderr
  run dk stop -t 30 c1
  assert_success
  run dk wait c1
  assert_output 7
  run dk logs c1
  assert_line --index 2 got-term
  assert_equal "$(inspect '{{.State.Status}} {{.State.ExitCode}}' c1)" "exited 7"
  run dk ps -q
  assert_output ""
  run dk ps -a --format '{{.Names}} {{.Status}}'
  assert_output --regexp '^c1 Exited \(7\) '
}

wait_for_logs() { # NAME TEXT
  local tries=400
  until dk logs "$1" 2>&1 | grep -qx -- "$2"; do
    ((tries-- > 0)) || fail "$1 never logged \"$2\": $(dk logs "$1" 2>&1)"
    sleep 0.05
  done
}

@test "docker: logs -f follows what the container writes and ends when it exits" {
  local dir=$BATS_TEST_TMPDIR/gate
  mkdir -p "$dir"
  dk_run -d --name c1 -v "$dir:/gate" "$IMAGE" sh -c \
    'echo first; until [ -e /gate/go ]; do sleep 0.05; done; echo second; exit 4' >/dev/null
  dk logs -f c1 >"$BATS_TEST_TMPDIR/follow" 2>&1 &
  local follower=$! tries=400
  until grep -qx first "$BATS_TEST_TMPDIR/follow"; do
    ((tries-- > 0)) || fail "logs -f did not show the first line"
    sleep 0.05
  done
  # the second line is written after `logs -f` started: it must come through the follower
  touch "$dir/go"
  wait "$follower"
  run cat "$BATS_TEST_TMPDIR/follow"
  assert_output $'first\nsecond'
  assert_equal "$(inspect '{{.State.ExitCode}}' c1)" 4
}

@test "docker: run -it through a pty: the terminal size, typed input, the exit status" {
  printf '%s\n' "$WAIT_SIZE" 'tty' 'echo typed-$((6 * 7))' 'exit 4' >"$BATS_TEST_TMPDIR/input"
  in_pty 'rows 33 cols 77' "$DOCKER" run -it --rm --runtime skiff --pull never "$IMAGE" sh \
    <"$BATS_TEST_TMPDIR/input"
  assert_equal "$status" 4
  assert_line 'size=33 77'
  assert_line --regexp '^/dev/pts/[0-9]+$'
  assert_line typed-42
}

@test "docker: exec: output, env, user, cwd, its exit status; exec -it in a pty" {
  dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
  run dk exec -e GREETING=hi -u 1000:1000 -w /tmp c1 sh -c \
    'echo $GREETING; id -u; id -g; pwd; tr "\0" " " </proc/1/cmdline'
  assert_success
  assert_output $'hi\n1000\n1000\n/tmp\nsleep 1000 '
  run dk exec c1 sh -c 'exit 5'
  assert_equal "$status" 5
  in_pty 'rows 21 cols 55' "$DOCKER" exec -it c1 sh -c "$WAIT_SIZE; tty; exit 6" </dev/null
  [[ $status == 6 ]] || fail "exec -it: exit $status, not 6; output: $output"
  assert_line 'size=21 55'
  assert_line --regexp '^/dev/pts/[0-9]+$'
  # the container's own process did not notice
  assert_equal "$(inspect '{{.State.Status}}' c1)" running
}

@test "docker: kill with a signal and without, restart, rm -f of a running container" {
  dk_run -d --name c1 "$IMAGE" sh -c 'trap "echo usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
  wait_for_logs c1 ready
  dk kill --signal USR1 c1 >/dev/null
  run dk wait c1
  assert_output 9
  dk_run -d --name c2 "$IMAGE" sleep 1000 >/dev/null
  dk kill c2 >/dev/null
  run dk wait c2
  assert_output 137
  dk_run -d --name c3 "$IMAGE" sh -c 'echo run; sleep 1000' >/dev/null
  local pid1 started1
  pid1=$(inspect '{{.State.Pid}}' c3)
  started1=$(inspect '{{.State.StartedAt}}' c3)
  dk exec c3 touch /kept
  dk restart -t 1 c3 >/dev/null
  assert_equal "$(inspect '{{.State.Status}}' c3)" running
  [[ $(inspect '{{.State.Pid}}' c3) != "$pid1" ]] || fail "restart kept the old process"
  [[ $(inspect '{{.State.StartedAt}}' c3) != "$started1" ]] || fail "StartedAt did not change"
  ! kill -0 "$pid1" 2>/dev/null || fail "the first process $pid1 still runs"
  run dk exec c3 ls /kept
  assert_success
  wait_for_logs c3 run
  run dk logs c3
  assert_output $'run\nrun'
  local pid id
  pid=$(inspect '{{.State.Pid}}' c3)
  id=$(inspect '{{.Id}}' c3)
  run dk rm -f c3
  assert_success
  ! kill -0 "$pid" 2>/dev/null || fail "rm -f left $pid running"
  run dk ps -a --format '{{.Names}}'
  refute_line c3
  run find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -name "$id"
  assert_output ""
}

@test "docker: pause freezes the container's cgroup, unpause thaws it" {
  dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
  dk pause c1 >/dev/null
  assert_equal "$(inspect '{{.State.Status}} {{.State.Paused}}' c1)" "paused true"
  local cg
  cg=$(container_cgroup c1 freezer)
  if [[ -e $cg/freezer.state ]]; then
    assert_equal "$(<"$cg/freezer.state")" FROZEN
  else
    run grep -x 'frozen 1' "$cg/cgroup.events"
    assert_success
  fi
  run dk exec c1 true
  assert_failure
  assert_output --partial "is paused"
  dk unpause c1 >/dev/null
  assert_equal "$(inspect '{{.State.Status}} {{.State.Paused}}' c1)" "running false"
  run dk exec c1 echo thawed
  assert_output thawed
}

@test "docker: top and stats --no-stream show the container's processes and limits" {
  dk_run -d --name c1 --memory 64m "$IMAGE" sh -c 'sleep 1000 & sleep 2000 & wait' >/dev/null
  local tries=200
  until [[ $(dk top c1 -o pid,args | grep -cE ' sleep [12]000$') == 2 ]]; do
    ((tries-- > 0)) || fail "top never showed both sleeps: $(dk top c1)"
    sleep 0.05
  done
  run dk top c1 -o pid,args
  assert_line --regexp "^ *$(inspect '{{.State.Pid}}' c1) +sh -c sleep 1000 & sleep 2000 & wait\$"
  assert_line --regexp '^ *[0-9]+ +sleep 2000$'
  run dk stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' c1
  assert_success
  assert_output --regexp '^c1 3 [0-9.]+[KMG]?i?B / 64MiB$'
}

@test "docker: update --memory changes a running container's limit" {
  dk_run -d --name c1 --memory 32m "$IMAGE" sleep 1000 >/dev/null
  run dk exec c1 sh -c "$(cg_read memory/memory.limit_in_bytes memory.max)"
  assert_output 33554432
  run dk update --memory 48m --memory-swap 96m c1
  assert_success
  run dk exec c1 sh -c "$(cg_read memory/memory.limit_in_bytes memory.max)"
  assert_output 50331648
  assert_equal "$(inspect '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' c1)" "50331648 100663296"
}

@test "docker: -e, --hostname, --user (also into a directory only root can search), -w" {
  run dk_run --rm -e FOO=bar -e 'SPACED=a b' --hostname box1 --user 1000:1000 -w /home/user "$IMAGE" \
    sh -c 'echo "$FOO|$SPACED"; hostname; id -u; id -g; pwd'
  assert_success
  assert_output $'bar|a b\nbox1\n1000\n1000\n/home/user'
  run dk_run --rm --user user "$IMAGE" id -u
  assert_output 1000
  # runc (and so Docker) enters the working directory before it sets the user: the user may start
  # in a directory that only root can search
  local private=$BATS_TEST_TMPDIR/private
  mkdir -m 0700 "$private"
  run dk_run --rm --user 1000:1000 -v "$private:/private" -w /private "$IMAGE" sh -c 'pwd; ls . 2>&1 || true'
  assert_success
  assert_line --index 0 /private
  assert_line --index 1 --partial 'Permission denied'
}

@test "docker: -v bind (rw and ro) and a named volume shared by two containers" {
  local dir=$BATS_TEST_TMPDIR/bind
  mkdir -p "$dir"
  echo from-host >"$dir/in"
  run dk_run --rm -v "$dir:/data" "$IMAGE" sh -c 'cat /data/in; echo from-container >/data/out'
  assert_success
  assert_output from-host
  assert_equal "$(<"$dir/out")" from-container
  run dk_run --rm -v "$dir:/data:ro" "$IMAGE" sh -c 'exec 2>&1; cat /data/in; touch /data/x'
  assert_failure
  assert_line --index 0 from-host
  assert_line --index 1 --partial 'Read-only file system'
  dk volume create vol1 >/dev/null
  run dk_run --rm -v vol1:/vol "$IMAGE" sh -c 'echo kept >/vol/file'
  assert_success
  run dk_run --rm -v vol1:/vol:ro "$IMAGE" sh -c 'cat /vol/file; grep " /vol " /proc/mounts'
  assert_success
  assert_line --index 0 kept
  assert_line --index 1 --regexp ' /vol [^ ]+ ro[, ]'
  assert_equal "$(cat "$(dk volume inspect -f '{{.Mountpoint}}' vol1)/file")" kept
}

@test "docker: --tmpfs and --read-only" {
  run dk_run --rm --read-only --tmpfs /run:size=1m,mode=1777 "$IMAGE" sh -c \
    'exec 2>&1; grep " /run " /proc/mounts; echo w >/run/f && cat /run/f; touch /x'
  assert_failure
  assert_line --index 0 --regexp '^tmpfs /run tmpfs rw,.*size=1024k'
  assert_line --index 1 w
  assert_line --index 2 --partial 'Read-only file system'
  run dk_run --rm --read-only "$IMAGE" sh -c 'grep " / " /proc/mounts'
  assert_output --regexp ' / [^ ]+ ro[, ]'
}

@test "docker: --cap-drop and --cap-add" {
  run dk_run --rm --cap-drop ALL --cap-add NET_ADMIN "$IMAGE" grep -E '^Cap(Prm|Eff|Bnd):' /proc/self/status
  assert_success
  assert_output $'CapPrm:\t0000000000001000\nCapEff:\t0000000000001000\nCapBnd:\t0000000000001000'
  run dk_run --rm --cap-drop CHOWN "$IMAGE" sh -c 'chown 1000 /tmp 2>&1'
  assert_failure
  assert_output --partial 'Operation not permitted'
  run dk_run --rm "$IMAGE" sh -c 'chown 1000 /tmp && echo chowned'
  assert_output chowned
}

@test "docker: --security-opt seccomp=PROFILE, Docker's default profile, unconfined" {
  jq -n '{defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}' >"$BATS_TEST_TMPDIR/profile.json"
  run dk_run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/profile.json" "$IMAGE" sh -c \
    'exec 2>&1; grep Seccomp: /proc/self/status; mkdir /tmp/d'
  assert_failure
  assert_line --index 0 $'Seccomp:\t2'
  assert_line --index 1 --partial 'Operation not permitted'
  # Docker's default profile refuses unshare(CLONE_NEWUSER)...
  run dk_run --rm "$IMAGE" sh -c 'exec 2>&1; grep Seccomp: /proc/self/status; unshare -U true'
  assert_failure
  assert_line --index 0 $'Seccomp:\t2'
  assert_line --index 1 --partial 'Operation not permitted'
  # ... and unconfined has no filter
  run dk_run --rm --security-opt seccomp=unconfined "$IMAGE" sh -c \
    'exec 2>&1; grep Seccomp: /proc/self/status; mkdir /tmp/d && echo made'
  assert_success
  assert_output $'Seccomp:\t0\nmade'
}

@test "docker: --security-opt no-new-privileges" {
  run dk_run --rm --security-opt no-new-privileges "$IMAGE" grep NoNewPrivs: /proc/self/status
  assert_output $'NoNewPrivs:\t1'
  run dk_run --rm "$IMAGE" grep NoNewPrivs: /proc/self/status
  assert_output $'NoNewPrivs:\t0'
}

@test "docker: --memory, --cpus and --pids-limit reach the container's cgroup and hold" {
  run dk_run --rm --memory 32m --cpus 0.5 --pids-limit 20 "$IMAGE" sh -c "
    $(cg_read memory/memory.limit_in_bytes memory.max)
    { cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null ||
      cat /sys/fs/cgroup/cpu.max; } | tr '\n' ' '; echo
    $(cg_read pids/pids.max pids.max)"
  assert_success
  assert_output $'33554432\n50000 100000 \n20'
  # the pids limit holds: the third process of a limit of 3 cannot be forked
  run dk_run --rm --pids-limit 3 "$IMAGE" sh -c 'exec 2>&1; sleep 30 & sleep 30 & sleep 30 & echo forked; kill $(jobs -p)'
  assert_output --partial "can't fork"
  refute_output --partial forked
  # the memory limit holds: Docker reports the OOM kill
  run dk_run --name oom --memory 16m --memory-swap 16m "$IMAGE" sh -c 'head -c 64m /dev/zero | tail'
  assert_equal "$status" 137
  assert_equal "$(inspect '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)" "true 137"
}

@test "docker: --restart on-failure:2 restarts the container twice" {
  dk_run -d --name c1 --restart on-failure:2 "$IMAGE" sh -c 'echo attempt; exit 3' >/dev/null
  wait_for_inspect c1 '{{.State.Status}} {{.RestartCount}}' 'exited 2' 60
  assert_equal "$(inspect '{{.State.ExitCode}}' c1)" 3
  run dk logs c1
  assert_output $'attempt\nattempt\nattempt'
}

@test "docker: --init runs docker-init as pid 1, which reaps orphans" {
  run dk_run --rm --init "$IMAGE" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; sleep 0.1 & exit 0'
  assert_success
  assert_output --regexp '^/sbin/docker-init -- sh -c '
  dk_run -d --init --name c1 "$IMAGE" sh -c '(sleep 0.3 &); sleep 1000' >/dev/null
  assert_equal "$(inspect '{{.HostConfig.Init}}' c1)" true
  # the orphaned sleep is reparented to docker-init, which reaps it once it exits
  local tries=400
  while dk exec c1 ps -o pid,stat,args | grep -qE ' sleep 0\.3$'; do
    ((tries-- > 0)) || fail "the orphan stays: $(dk exec c1 ps -o pid,stat,args)"
    sleep 0.05
  done
  run dk exec c1 ps -o stat
  refute_line --regexp '^Z'
  run dk exec c1 sh -c 'cat /proc/1/comm'
  assert_output docker-init
}

@test "docker: -p HOST:CTR publishes a port on Docker's bridge, reached inside the namespace" {
  dk_run -d --name web -p 8080:80 "$IMAGE" sh -c \
    'mkdir /www && echo "hello from $(hostname)" >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
  run dk port web 80/tcp
  assert_line '0.0.0.0:8080'
  local ip tries=400 want
  want="hello from $(inspect '{{.Config.Hostname}}' web)"
  ip=$(inspect '{{.NetworkSettings.IPAddress}}' web)
  [[ -n $ip ]] || fail "no address on the bridge"
  # through docker-proxy on loopback, through the DNAT rule on the bridge's address, and the
  # container's own port on the bridge
  until [[ $(http_get 127.0.0.1 8080 2>/dev/null) == "$want" ]]; do
    ((tries-- > 0)) || fail "port 8080 never answered"
    sleep 0.05
  done
  run http_get "$(ip -n "$DK_NS" -4 -o addr show docker0 | awk '{ sub("/.*", "", $4); print $4 }')" 8080
  assert_output "$want"
  run http_get "$ip" 80
  assert_output "$want"
}

# http_get ADDRESS PORT: the body of `GET /`, asked from inside the daemon's network namespace
http_get() {
  timeout 10 nsenter --net="/run/netns/$DK_NS" bash -c \
    'exec 3<>"/dev/tcp/$1/$2" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' _ "$1" "$2" |
    tr -d '\r' | sed '1,/^$/d'
}

@test "docker: exit codes 125, 126, 127 and the container's state after a failed start" {
  # 125: the daemon refuses, or the runtime fails
  run dk_run --rm --memory 1k "$IMAGE" true
  assert_equal "$status" 125
  run dk_run --rm --sysctl net.ipv4.ip_forward=nonsense "$IMAGE" true
  assert_equal "$status" 125
  assert_output --partial 'ip_forward'
  # 126: a command that cannot be invoked (a directory, a file that is not executable)
  run dk_run --rm "$IMAGE" /tmp
  assert_equal "$status" 126
  assert_output --partial 'permission denied'
  run dk_run --rm "$IMAGE" /etc/passwd
  assert_equal "$status" 126
  # 127: no such command, on $PATH or by path
  run -127 dk_run --rm "$IMAGE" no-such-command
  assert_equal "$status" 127
  assert_output --partial 'executable file not found'
  run -127 dk_run --rm "$IMAGE" /no/such/file
  assert_equal "$status" 127
  # what `docker inspect` says of a container whose start failed
  run -127 dk_run --name c1 "$IMAGE" no-such-command
  assert_equal "$status" 127
  assert_equal "$(inspect '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}' c1)" "created 127 0"
  run inspect '{{.State.Error}}' c1
  assert_output --partial 'executable file not found'
  # and `docker exec` of what cannot run is 126 in Docker 20.10, with the runtime's reason
  dk_run -d --name c2 "$IMAGE" sleep 1000 >/dev/null
  run dk exec c2 no-such-command
  assert_equal "$status" 126
  assert_output --partial 'executable file not found'
}

@test "docker: docker inspect of a running, then a killed container" {
  dk_run -d --name c1 --hostname insp --memory 64m --cpus 0.5 -e K=v "$IMAGE" sleep 1000 >/dev/null
  local id pid
  id=$(inspect '{{.Id}}' c1)
  pid=$(inspect '{{.State.Pid}}' c1)
  assert_equal "$(inspect '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}' c1)" "running true 0"
  assert_equal "$(inspect '{{.HostConfig.Runtime}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' c1)" \
    "skiff 67108864 500000000"
  assert_equal "$(inspect '{{.Config.Hostname}} {{.Config.Image}} {{.Driver}}' c1)" "insp $IMAGE vfs"
  run inspect '{{range .Config.Env}}{{println .}}{{end}}' c1
  assert_line K=v
  # State.Pid is the container's process on the host, in the container's cgroup
  assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1000 "
  run grep -E ":memory:|^0::" "/proc/$pid/cgroup"
  assert_output --regexp "$DK_CG/$id\$"
  [[ $(inspect '{{.State.StartedAt}}' c1) == 20* ]] || fail "no StartedAt"
  dk kill c1 >/dev/null
  wait_for_inspect c1 '{{.State.Status}}' exited
  assert_equal "$(inspect '{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Pid}}' c1)" \
    "false 137 false 0"
  [[ $(inspect '{{.State.FinishedAt}}' c1) == 20* ]] || fail "no FinishedAt"
}

# An image in `docker save`'s format, built here: one layer, a config with Cmd, Env, WorkingDir, User.
make_image() { # ARCHIVE
  local dir=$BATS_TEST_TMPDIR/image root=$BATS_TEST_TMPDIR/image-root applet diff cfg
  mkdir -p "$dir" "$root"/{bin,etc,tmp,srv/app}
  cp "$FIXTURE_DIR/rootfs/bin/busybox" "$root/bin/"
  for applet in sh cat id pwd echo; do ln -s busybox "$root/bin/$applet"; done
  echo 'made in the test' >"$root/srv/app/motd"
  chown -R 1000:1000 "$root/srv/app"
  tar -C "$root" --numeric-owner -cf "$dir/layer.tar" .
  diff=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
  jq -n --arg diff "sha256:$diff" '{
    architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z",
    config: {Env: ["PATH=/bin", "GREETING=hello"], User: "1000:1000", WorkingDir: "/srv/app",
      Cmd: ["sh", "-c", "echo $GREETING; id -u; pwd; cat motd"], Labels: {"made-by": "skiff-tests"}},
    rootfs: {type: "layers", diff_ids: [$diff]},
    history: [{created: "2024-01-01T00:00:00Z", created_by: "docker.bats"}]}' >"$dir/config.json"
  cfg=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/$cfg.json"
  jq -n --arg cfg "$cfg.json" '[{Config: $cfg, RepoTags: ["skiff-made:1"], Layers: ["layer.tar"]}]' \
    >"$dir/manifest.json"
  tar -C "$dir" -cf "$1" manifest.json "$cfg.json" layer.tar
}

@test "docker: docker load of an image made in the test runs with its Cmd, Env, WorkingDir and User" {
  make_image "$BATS_TEST_TMPDIR/image.tar"
  run dk load -i "$BATS_TEST_TMPDIR/image.tar"
  assert_success
  assert_output 'Loaded image: skiff-made:1'
  run dk_run --rm skiff-made:1
  assert_success
  assert_output $'hello\n1000\n/srv/app\nmade in the test'
  run dk_run --rm -u 0 skiff-made:1 sh -c 'id -u; echo $GREETING'
  assert_output $'0\nhello'
  assert_equal "$(dk image inspect -f '{{index .Config.Labels "made-by"}}' skiff-made:1)" skiff-tests
  dk rmi skiff-made:1 >/dev/null
}
